#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_web_decrypt.sh - the browser viewer's decryptor (web/sealcam.mjs, run
# in node through tests/tools/web_unseal.mjs) against `sealcam unseal`:
#   - the test vectors (tests/vectors, v1, v2 and v3): same verdict, and the
#     decrypted pixels byte for byte those of unseal's y4m; v1 is reported
#     as the weaker format by both
#   - a set of altered files, made from the v2 and from the v3 vector alike
#     (bit flips in every header field group, the ciphertext, the tag and
#     the attribution MACs; dropped, swapped, duplicated frames; cut files;
#     a replayed segment; a co-recipient's forgery; a wrong key), and a
#     segment from another device: the same exit code as unseal,
#     each case also checked to be rejected (non-zero) so that a lenient
#     pair cannot agree on "fine"
#   - the same cases fed frame by frame (the live path, feedFrame): every
#     altered frame is refused
set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
SC=$root/build/sealcam
MKSEG=$root/build/tests/agent/sc-mkseg
WEB=$root/tests/tools/web_unseal.mjs
V=$root/tests/vectors
[ -x "$SC" ] || tap_missing "build/sealcam (make all)"
[ -x "$MKSEG" ] || tap_missing "build/tests/agent/sc-mkseg (make tests)"
command -v node >/dev/null || tap_missing "node (scripts/setup.sh)"
[ -d node_modules/@noble/ciphers ] || tap_missing "node_modules/@noble (npm ci, scripts/setup.sh)"

tmp=$(mktemp -d /tmp/sealcam-web-decrypt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# a YUYV and an NV12 segment besides the GREY vectors, and a second device
"$SC" genkey >"$tmp/stranger.key" 2>/dev/null
python3 - "$V" "$tmp" <<'PY'
import os, struct, sys
V, T = sys.argv[1], sys.argv[2]
def frames(data):
    out, pos = [], 0
    while pos < len(data):
        shl, ctl = struct.unpack_from("<II", data, pos + 8)
        n = 48 + shl + ctl
        out.append(bytearray(data[pos:pos + n])); pos += n
    return out
for ver in ("v2", "v3"):
    f = frames(open(os.path.join(V, "grey-160x120-%s.sealed" % ver), "rb").read())
    def w(name, fr):
        open(os.path.join(T, "%s-%s.sealed" % (ver, name)), "wb").write(b"".join(bytes(x) for x in fr))
    def flip(i, off, bit=1):
        g = [bytearray(x) for x in f]; g[i][off] ^= bit; return g
    w("ok", f)
    w("flip-magic", flip(0, 0))
    w("flip-version", flip(0, 4, 3))
    w("flip-flags", flip(1, 6, 8))
    w("flip-flags-last", flip(1, 6, 2))
    w("flip-segid", flip(1, 24))
    w("flip-devid", flip(1, 16))
    w("flip-index-first", flip(0, 32))
    w("flip-reserved", flip(2, 44))
    w("flip-seg-magic", flip(0, 48))
    w("flip-device-pub", flip(0, 48 + 8))
    w("flip-seg-camera", flip(0, 48 + 48))
    w("flip-seg-reserved", flip(0, 48 + 52))
    w("flip-recipient-id", flip(0, 48 + 64))
    w("flip-enc", flip(0, 48 + 64 + 8))
    w("flip-wrapped", flip(0, 48 + 64 + 40))
    w("flip-ct", flip(1, 48 + 100))
    w("flip-tag", flip(1, len(f[1]) - 32 - 1))
    w("flip-mac-ours", flip(1, len(f[1]) - 32))
    w("flip-mac-other", flip(1, len(f[1]) - 1))
    w("drop", [f[0], f[2]])
    w("swap", [f[0], f[2], f[1]])
    w("dup", [f[0], f[1], f[1], f[2]])
    w("no-first", [f[1], f[2]])
    w("no-last", [f[0], f[1]])
    w("cut", [f[0], f[1], f[2][:-10]])
    w("cut-header", [f[0], f[1], f[2][:20]])
    w("replay", f + f)
    w("after-last", f + [f[2]])
    g = [bytearray(x) for x in f]; g[2][-32:-16] = f[1][-32:-16]
    w("mac-moved", g)
open(os.path.join(T, "empty.sealed"), "wb").close()
PY
"$MKSEG" -o "$tmp/other-dev.sealed" --owner-pub "$V/owner.pub" --segment 1 --frames 3 \
	--device-seed "someone else" >/dev/null
for v in v2 v3; do
	python3 tests/tools/forge_corecipient.py "$V/owner2.key" "$V/grey-160x120-$v.sealed" \
		"$tmp/$v-corecipient.sealed" 1 >/dev/null 2>&1 ||
		tap_bail "forge_corecipient.py failed on the $v vector"
done

# name|files|extra args for both|expected exit (to prove rejection)
cases=(
	"vector v1|$V/grey-160x120.sealed||0"
	"empty file|$tmp/empty.sealed||5"
	"another device|$tmp/other-dev.sealed||7"
)
for v in v2 v3; do
	cases+=(
		"vector $v|$V/grey-160x120-$v.sealed||6"
		"$v frame magic|$tmp/$v-flip-magic.sealed||4"
		"$v frame version|$tmp/$v-flip-version.sealed||4"
		"$v unknown flag|$tmp/$v-flip-flags.sealed||4"
		"$v LAST flag set on frame 1|$tmp/$v-flip-flags-last.sealed||4"
		"$v segment id of frame 1|$tmp/$v-flip-segid.sealed||4"
		"$v device id of frame 1|$tmp/$v-flip-devid.sealed||4"
		"$v FIRST frame index|$tmp/$v-flip-index-first.sealed||4"
		"$v header reserved|$tmp/$v-flip-reserved.sealed||4"
		"$v segment header magic|$tmp/$v-flip-seg-magic.sealed||4"
		"$v device public key|$tmp/$v-flip-device-pub.sealed||4"
		"$v camera index (AAD)|$tmp/$v-flip-seg-camera.sealed||4"
		"$v segment reserved|$tmp/$v-flip-seg-reserved.sealed||4"
		"$v our recipient key id|$tmp/$v-flip-recipient-id.sealed||3"
		"$v HPKE enc|$tmp/$v-flip-enc.sealed||10"
		"$v wrapped key|$tmp/$v-flip-wrapped.sealed||10"
		"$v ciphertext bit|$tmp/$v-flip-ct.sealed||4"
		"$v Poly1305 tag|$tmp/$v-flip-tag.sealed||4"
		"$v our attribution MAC|$tmp/$v-flip-mac-ours.sealed||4"
		"$v frame 1's MAC on frame 2|$tmp/$v-mac-moved.sealed||4"
		"$v dropped frame|$tmp/$v-drop.sealed||4"
		"$v swapped frames|$tmp/$v-swap.sealed||4"
		"$v duplicated frame|$tmp/$v-dup.sealed||4"
		"$v no FIRST frame|$tmp/$v-no-first.sealed||4"
		"$v no LAST frame|$tmp/$v-no-last.sealed||5"
		"$v cut inside a frame|$tmp/$v-cut.sealed||5"
		"$v cut inside a header|$tmp/$v-cut-header.sealed||5"
		"$v segment replayed|$tmp/$v-replay.sealed||8"
		"$v frame after LAST|$tmp/$v-after-last.sealed||4"
		"$v co-recipient forgery|$tmp/$v-corecipient.sealed||4"
		"$v not a recipient (wrong key)|$V/grey-160x120-$v.sealed|stranger|3"
	)
done
# per vector one pixel check, then the v1 warning, the other recipient's
# MAC (v2, v3), the forgery's verdict named (v2, v3), the live path
tap_plan $((${#cases[@]} + 3 + 1 + 2 + 2 + 1))

# the vectors' pixels, byte for byte
for vec in grey-160x120-v3 grey-160x120-v2 grey-160x120; do
	node "$WEB" --key "$V/owner.key" --expect-device "$V/device.pub" --frames "$tmp/$vec.web" \
		"$V/$vec.sealed" >/dev/null
	"$SC" unseal --key "$V/owner.key" --expect-device "$V/device.pub" -o "$tmp/$vec.y4m" \
		"$V/$vec.sealed" 2>/dev/null
	python3 - "$tmp/$vec.y4m" "$tmp/$vec.web" <<'PY'
import sys
y = open(sys.argv[1], "rb").read(); w = open(sys.argv[2], "rb").read()
body = b"".join(p.split(b"\n", 1)[1] for p in y.split(b"FRAME")[1:])
sys.exit(0 if body == w and len(w) > 0 else 1)
PY
	rc=$?	# taken at once: the $(stat) below would reset $?
	tap_check "$vec: the web decryptor's pixels are byte for byte unseal's ($(stat -c %s "$tmp/$vec.web") bytes)" test "$rc" = 0
done
node "$WEB" --key "$V/owner.key" --expect-device "$V/device.pub" "$V/grey-160x120.sealed" |
	grep -q "warning: format v1" &&
	tap_pass "v1 is reported as the weaker format, as unseal --info does" ||
	tap_fail "v1 is reported as the weaker format"

mismatch=0
for c in "${cases[@]}"; do
	IFS='|' read -r name files extra want <<<"$c"
	key=$V/owner.key
	[ "$extra" = stranger ] && key=$tmp/stranger.key
	# shellcheck disable=SC2086
	"$SC" unseal --key "$key" --expect-device "$V/device.pub" --info $files >/dev/null 2>"$tmp/c.err"
	crc=$?
	# shellcheck disable=SC2086
	wout=$(node "$WEB" --key "$key" --expect-device "$V/device.pub" $files 2>&1)
	wrc=$?
	# shellcheck disable=SC2086
	lout=$(node "$WEB" --live --key "$key" --expect-device "$V/device.pub" $files 2>&1)
	lrc=$?
	if [ "$crc" = "$wrc" ] && [ "$crc" = "$want" ]; then
		tap_pass "$name: unseal and the web decryptor both exit $crc ($(grep -oE '^web: [a-z ]+:' <<<"$wout" | grep -v 'web: warning' | head -1 | sed 's/web: //; s/:$//'))"
	else
		tap_fail "$name: unseal exit $crc, web exit $wrc, expected $want"
		tap_diag "unseal: $(tail -2 "$tmp/c.err")"
		tap_diag "$wout"
	fi
	# live (frame by frame): anything altered is refused; cuts are not
	# visible frame by frame, so only a non-zero verdict is required there
	if [ "$want" != 0 ] && [ "$want" != 6 ] && [ "$want" != 5 ] && [ "$lrc" = 0 ]; then
		mismatch=$((mismatch + 1))
		tap_diag "live: $name accepted"
	fi
done
for v in v2 v3; do
	# the other recipient's MAC: neither unseal nor the web reader can check it
	"$SC" unseal --key "$V/owner.key" --expect-device "$V/device.pub" --info "$tmp/$v-flip-mac-other.sealed" >/dev/null 2>&1
	crc=$?
	node "$WEB" --key "$V/owner.key" --expect-device "$V/device.pub" "$tmp/$v-flip-mac-other.sealed" >/dev/null
	wrc=$?
	tap_check "$v: another recipient's MAC altered: both accept it (not ours to check: exit $crc/$wrc)" \
		test "$crc" = 6 -a "$wrc" = 6
	# the co-recipient's forgery is named as such, at frame 1, by both
	"$SC" unseal --key "$V/owner.key" --expect-device "$V/device.pub" --info "$tmp/$v-corecipient.sealed" >/dev/null 2>"$tmp/c.err"
	wout=$(node "$WEB" --key "$V/owner.key" --expect-device "$V/device.pub" "$tmp/$v-corecipient.sealed" 2>&1)
	named=0
	grep -q "forged frame: .*frame 1 is forged" "$tmp/c.err" &&
		grep -q "^web: forged: .*frame 1 is forged" <<<"$wout" && named=1
	tap_check "$v: the co-recipient's forgery is named 'forged', frame 1, by unseal and the web decryptor" \
		test "$named" = 1 || { tap_diag "unseal: $(tail -2 "$tmp/c.err")"; tap_diag "$wout"; }
done
tap_check "fed frame by frame (the live path), every altered frame is refused" test "$mismatch" = 0
tap_done
