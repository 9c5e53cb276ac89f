#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sealcam unseal`, `genkey` and `pubkey` end to end on the committed test
# vector: every exit status of unseal's --help, outputs written only after
# verification, y4m and PNG outputs, and the genkey | pubkey round trip.
# Device pinning, output safety, truncation and streaming have their own
# tests (test_unseal_pinning.sh, _output_safety.sh, _truncated.sh, _stream.sh).
set -uo pipefail

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=${SEALCAM_TMP:-$(mktemp -d)}
cd "$root"
. tests/lib/tap.sh

sc=build/sealcam
vec=tests/vectors
seg=$vec/grey-160x120.sealed
key=$vec/owner.key

[ -x "$sc" ] || tap_missing "$sc (make user)"
# unseal pins device keys in a known-devices file: never the user's own
export SEALCAM_KNOWN_DEVICES=$tmp/known_devices

tap_plan 22

# run_rc WANT DESC ARGS...: the command's exit status must be WANT
run_rc() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	if [ "$rc" = "$want" ]; then
		tap_pass "$desc (exit $rc)"
	else
		tap_fail "$desc (exit $rc, want $want)"
		tap_diag "$(cat "$tmp/err")"
	fi
}

run_rc 0 "vector: --info" $sc unseal --key $key --expect-device $vec/device.pub --info $seg
tap_check "--info names format v1 and its weaker guarantee" \
	grep -q '^  sealed      format v1: frames authenticated under the content key only' "$tmp/out"
$sc unseal --key $key --expect-device $vec/device.pub --info --json $vec/grey-160x120-v2.sealed >"$tmp/json" 2>/dev/null
tap_check "--info --json gives the format version (2 for the v2 vector)" \
	grep -q '"format_version":2,' "$tmp/json"
tap_check "--info shows segment, ours, frames, sequence, format" \
	grep -q "7aa6c0ecc2714c11  (ours)" "$tmp/out"
grep -q "frames      3 (complete)" "$tmp/out" && grep -q "sequence    42..44" "$tmp/out" &&
	grep -q "GREY 160x120" "$tmp/out" && tap_pass "--info frame count, sequence, format" ||
	{ tap_fail "--info frame count, sequence, format"; tap_diag "$(cat "$tmp/out")"; }

run_rc 0 "vector: -o out.y4m" $sc unseal --key $key $seg -o "$tmp/out.y4m"
hdr=$(head -n1 "$tmp/out.y4m")
size=$(stat -c %s "$tmp/out.y4m")
want=$(( ${#hdr} + 1 + 3 * (6 + 160 * 120) ))
[ "$hdr" = "YUV4MPEG2 W160 H120 F30:1 Ip A1:1 Cmono" ] && [ "$size" = "$want" ] &&
	tap_pass "y4m header and size ($size bytes)" ||
	{ tap_fail "y4m header and size"; tap_diag "header '$hdr' size $size want $want"; }

# y4m planes hash to the committed pixel digest (GREY, stride = width)
digest=$(python3 - "$tmp/out.y4m" <<'PY'
import hashlib, sys
d = open(sys.argv[1], "rb").read()
body = d[d.index(b"\n") + 1:]
frames = body.split(b"FRAME\n")[1:]
print(hashlib.sha256(b"".join(frames)).hexdigest())
PY
)
tap_check "y4m pixels hash to grey-160x120.sha256" test "$digest" = "$(cat $vec/grey-160x120.sha256)"

run_rc 0 "vector: --png DIR" $sc unseal --key $key $seg --png "$tmp/png"
n=$(ls "$tmp/png"/*.png 2>/dev/null | wc -l)
tap_check "3 PNG files with PNG signatures" sh -c "[ $n = 3 ] && head -c 8 '$tmp/png/00000000000000000001-000000.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"

# wrong key -> 3, nothing written
$sc genkey >"$tmp/other.key" 2>/dev/null
run_rc 3 "another owner's key: wrong key" $sc unseal --key "$tmp/other.key" $seg -o "$tmp/wrong.y4m"
tap_check "nothing written for a wrong key" test ! -e "$tmp/wrong.y4m"

# tampered -> 4
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[30000]^=1; open(sys.argv[2],'wb').write(d)" $seg "$tmp/flip.sealed"
run_rc 4 "one flipped bit: tampered" $sc unseal --key $key "$tmp/flip.sealed" -o "$tmp/flip.y4m"
tap_check "tampered: message names the frame, nothing written" \
	sh -c "grep -q 'fails authentication' '$tmp/err' && [ ! -e '$tmp/flip.y4m' ]"

# truncated -> 5
head -c 40000 $seg >"$tmp/cut.sealed"
run_rc 5 "file cut inside frame 2: truncated" $sc unseal --key $key "$tmp/cut.sealed" --info

# unexpected device -> 7
run_rc 7 "--expect-device with another key" $sc unseal --key $key --expect-device $vec/owner.pub --info $seg

# replay -> 8
run_rc 8 "same segment twice: replay" $sc unseal --key $key --info $seg $seg

# usage -> 2
run_rc 2 "no output mode: usage" $sc unseal --key $key $seg
run_rc 2 "key file that is not a key: usage" $sc unseal --key $seg --info $seg

# genkey | pubkey
pub=$($sc pubkey <"$key")
tap_check "pubkey of the vector's owner key is owner.pub" test "$pub" = "$(cat $vec/owner.pub)"
k1=$($sc genkey 2>/dev/null); k2=$($sc genkey 2>/dev/null)
[ ${#k1} = 44 ] && [ "$k1" != "$k2" ] && echo "$k1" | base64 -d 2>/dev/null | wc -c | grep -qx 32 &&
	tap_pass "genkey: 44-character base64 of 32 bytes, fresh each time" ||
	tap_fail "genkey output"

$sc unseal --help >"$tmp/help"
tap_check "--help documents exit statuses 3..10" sh -c "grep -q '^    3  wrong key' '$tmp/help' && grep -q '^    8  replay' '$tmp/help' && grep -q '^    9  device changed' '$tmp/help' && grep -q '^    10 unauthenticated' '$tmp/help'"

tap_done
