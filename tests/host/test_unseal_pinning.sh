#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sealcam unseal` pins device keys on first use (issue 14, points 10, 12).
# Anyone who knows the owner's public key can seal a recording to it with a
# device key of their own: once the owner's camera is pinned, such a
# recording is refused (exit 9, before its key is opened). A recording whose
# header names the pinned camera but that another key sealed does not open
# (HPKE auth): "unauthenticated" (exit 10), not "wrong key". --expect-device
# wins and leaves the known-devices file alone; --pin-device adds a camera;
# --no-record and an unwritable file pin nothing and say so; pins are per
# owner key; a malformed file is a usage error.
set -uo pipefail

. "$(dirname "$0")/../lib/unseal-host.sh"

tap_plan 22

run_rc() {	# run_rc WANT DESC ARGS...: the command's exit status must be WANT
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

# device_pub FILE: the device public key in a segment's header
device_pub() {
	python3 -c 'import base64, sys; d = open(sys.argv[1], "rb").read(); print(base64.b64encode(d[56:88]).decode())' "$1"
}

# The owner's camera (two segments), a second camera of the owner, and an
# attacker who knows only owner.pub and seals with a device key of their own.
$mk -o "$tmp/cam-10.sealed" --owner-pub $vec/owner.pub --segment 10 \
	--device-seed "owner camera" >/dev/null
$mk -o "$tmp/cam-11.sealed" --owner-pub $vec/owner.pub --segment 11 \
	--sequence 3 --device-seed "owner camera" >/dev/null
$mk -o "$tmp/cam2.sealed" --owner-pub $vec/owner.pub --segment 5 \
	--device-seed "owner's second camera" >/dev/null
$mk -o "$tmp/evil.sealed" --owner-pub $vec/owner.pub --segment 12 \
	--sequence 6 --device-seed "attacker" >/dev/null
cam_pub=$(device_pub "$tmp/cam-10.sealed")
evil_pub=$(device_pub "$tmp/evil.sealed")
echo "$cam_pub" >"$tmp/cam.pub"
echo "$evil_pub" >"$tmp/evil.pub"

# The forgery: the attacker's recording, its header rewritten to name the
# owner's camera (device_pub and every frame's device_id): the id checks
# pass, only HPKE's authentication of the sender can catch it.
python3 - "$tmp/evil.sealed" "$cam_pub" "$tmp/forged.sealed" <<'PY'
import base64, hashlib, sys
d = bytearray(open(sys.argv[1], "rb").read())
pub = base64.b64decode(sys.argv[2])
did = hashlib.sha256(pub).digest()[:8]
pos = 0
while pos < len(d):
    flags = int.from_bytes(d[pos + 6:pos + 8], "little")
    seg_hdr_len = int.from_bytes(d[pos + 8:pos + 12], "little")
    ct_len = int.from_bytes(d[pos + 12:pos + 16], "little")
    d[pos + 16:pos + 24] = did
    if flags & 1:
        d[pos + 56:pos + 88] = pub
    pos += 48 + seg_hdr_len + ct_len
open(sys.argv[3], "wb").write(d)
PY

# --- trust on first use ---------------------------------------------------------
run_rc 0 "first use: the owner's camera verifies" $sc unseal --key $key --info "$tmp/cam-10.sealed"
grep -q "NEW DEVICE" "$tmp/err" && grep -q "pinned in $SEALCAM_KNOWN_DEVICES" "$tmp/err" &&
	tap_pass "first use: a loud notice names the device and the file" ||
	{ tap_fail "first use: a loud notice names the device and the file"; tap_diag "$(cat "$tmp/err")"; }
tap_check "the known-devices file pins the camera for the owner key id" \
	grep -q "^7aa6c0ecc2714c11 $cam_pub " "$SEALCAM_KNOWN_DEVICES"
run_rc 0 "the same camera later: verified" $sc unseal --key $key --info "$tmp/cam-11.sealed"
tap_check "... without a new notice" sh -c "! grep -q 'NEW DEVICE' '$tmp/err'"

# --- the attacker's own device key ------------------------------------------------
run_rc 9 "a recording sealed to owner.pub by another device: device changed" \
	$sc unseal --key $key -o "$tmp/evil.y4m" "$tmp/evil.sealed"
grep -q "device changed" "$tmp/err" && grep -q -- "--pin-device" "$tmp/err" &&
	test ! -e "$tmp/evil.y4m" &&
	tap_pass "... says so, how to pin a new camera, and writes nothing" ||
	{ tap_fail "... says so, how to pin a new camera, and writes nothing"; tap_diag "$(cat "$tmp/err")"; }
run_rc 9 "... also after the owner's own segments in the same run" \
	$sc unseal --key $key --info "$tmp/cam-10.sealed" "$tmp/cam-11.sealed" "$tmp/evil.sealed"

# --- a forged sender: the header names the pinned camera ----------------------------
run_rc 10 "header naming the pinned camera, sealed by another key: unauthenticated" \
	$sc unseal --key $key --info "$tmp/forged.sealed"
tap_check "... not reported as a wrong key" sh -c "grep -q 'not sealed by the expected device' '$tmp/err' && ! grep -q 'wrong key' '$tmp/err'"
run_rc 10 "the same with --expect-device and the camera's key" \
	$sc unseal --key $key --expect-device "$tmp/cam.pub" --info "$tmp/forged.sealed"
run_rc 10 "the same on first use (no pin yet)" \
	$sc unseal --key $key --known-devices "$tmp/none" --info "$tmp/forged.sealed"
tap_check "... and a forgery pins nothing" test ! -e "$tmp/none"

# --- --expect-device wins, and leaves the file alone ------------------------------------
cp "$SEALCAM_KNOWN_DEVICES" "$tmp/known.before"
run_rc 0 "--expect-device with the attacker's key accepts their recording" \
	$sc unseal --key $key --expect-device "$tmp/evil.pub" --info "$tmp/evil.sealed"
tap_check "... and neither reads nor changes the known-devices file" cmp -s "$tmp/known.before" "$SEALCAM_KNOWN_DEVICES"

# --- a second camera of the owner ------------------------------------------------------------
run_rc 9 "the owner's second camera is refused at first" $sc unseal --key $key --info "$tmp/cam2.sealed"
run_rc 0 "--pin-device with its key: verified" \
	$sc unseal --key $key --pin-device "$(device_pub "$tmp/cam2.sealed")" --info "$tmp/cam2.sealed"
run_rc 0 "... and pinned from then on" $sc unseal --key $key --info "$tmp/cam2.sealed"

# --- no record, unwritable file, another owner key, malformed file -----------------------------
$sc unseal --key $key --no-record --known-devices "$tmp/norec" --info "$tmp/cam-10.sealed" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && [ ! -e "$tmp/norec" ] && grep -q "NOT pinned (--no-record)" "$tmp/err" &&
	tap_pass "--no-record: verified, nothing recorded, and it says so" ||
	{ tap_fail "--no-record (exit $rc)"; tap_diag "$(cat "$tmp/err")"; }
: >"$tmp/afile"
$sc unseal --key $key --known-devices "$tmp/afile/known_devices" --info "$tmp/cam-10.sealed" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && grep -q "NOT pinned: cannot write $tmp/afile/known_devices" "$tmp/err" &&
	tap_pass "a known-devices file that cannot be written: a warning, exit 0" ||
	{ tap_fail "unwritable known-devices file (exit $rc)"; tap_diag "$(cat "$tmp/err")"; }
# another owner key has pins of its own; HOME says where they go by default
$sc genkey >"$tmp/other.key" 2>/dev/null
$sc pubkey <"$tmp/other.key" >"$tmp/other.pub"
other_id=$(python3 -c 'import base64, hashlib, sys; print(hashlib.sha256(base64.b64decode(open(sys.argv[1]).read())).hexdigest()[:16])' "$tmp/other.pub")
$mk -o "$tmp/other-evil.sealed" --owner-pub "$tmp/other.pub" --segment 1 --device-seed "attacker" >/dev/null
(unset SEALCAM_KNOWN_DEVICES; HOME=$tmp/home $sc unseal --key "$tmp/other.key" \
	--info "$tmp/other-evil.sealed" >/dev/null 2>"$tmp/err")
rc=$?
[ "$rc" = 0 ] && grep -q "^$other_id $evil_pub " "$tmp/home/.config/sealcam/known_devices" &&
	tap_pass "pins are per owner key; by default in ~/.config/sealcam/known_devices" ||
	{ tap_fail "per owner key, default path (exit $rc)"; tap_diag "$(cat "$tmp/err")"; }
echo "7aa6c0ecc2714c11 not-a-key" >"$tmp/bad_known"
run_rc 2 "a malformed known-devices file: usage error" \
	$sc unseal --key $key --known-devices "$tmp/bad_known" --info "$tmp/cam-10.sealed"

tap_done
