#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sealed format v3 from the kernel, and segments across clocks and clones
# (issue 14, points 1, 2 and 7):
#  - sealcam.ko writes format v3: two owners each verify the per-recipient
#    attribution of every frame (and no "format v1" warning)
#  - loaded with segment_floor above the clock, segment ids start at the
#    floor (a device with an unset or stepped-back clock still counts up)
#  - what a VM fork / snapshot restore / hibernation does (debugfs
#    end_segments, the same function as the notifiers): the open segment
#    ends without LAST, the next frame starts a new segment with a new id
#    and a new content key, so no (K, frame index) pair is used twice;
#    unseal sees a cut segment followed by a new one
#  - a real PM transition (pm_test=freezer, echo freeze > /sys/power/state)
#    runs the PM notifier: the open segment ends there too
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

tap_plan 13
T=$SEALCAM_TMP
cap_pid=
cleanup() {
	[ -z "$cap_pid" ] || { kill "$cap_pid" 2>/dev/null; wait "$cap_pid"; }
	[ -w /sys/power/pm_test ] && echo none >/sys/power/pm_test 2>/dev/null
	sc_unload
}
sc_on_exit cleanup

floor=$(( ($(date +%s) << 20) + (1 << 40) ))
tap_ok "load sealcam.ko with segment_floor=$floor (above the clock)" \
	sc_load devices=1 seg_frames=0 segment_floor=$floor
node=$(sc_node 0)
(umask 077; "$SC" genkey >"$T/a.key"; "$SC" genkey >"$T/b.key")
"$SC" pubkey <"$T/a.key" >"$T/a.pub"
"$SC" pubkey <"$T/b.key" >"$T/b.pub"
"$SC" key add "$T/a.pub" --label a >/dev/null
"$SC" key add "$T/b.pub" --label b >/dev/null
"$SC" device-key >"$T/dev.txt" 2>&1
dev=$(grep -o '[A-Za-z0-9+/]\{43\}=' "$T/dev.txt" | head -1)
echo "$dev" >"$T/dev.pub"

unseal() {	# unseal KEY FILE [ARGS]: exit status; stderr in $T/err
	local k=$1 f=$2
	shift 2
	"$SC" unseal --key "$k" --expect-device "$T/dev.pub" \
		--expect-recipient "$T/a.pub" --expect-recipient "$T/b.pub" \
		"$@" "$f" 2>"$T/err"
}

# --- format v3 from the kernel, two owners --------------------------------
"$SC_TOOLS/sc_capture" -d "$node" -f grey -s 160x120 -r 30 -n 5 \
	-o "$T/v3.sealed" >/dev/null 2>&1
ver=$(od -An -tu1 -j4 -N1 "$T/v3.sealed" | tr -d ' ')
tap_check "the kernel writes format v3 (version byte $ver)" test "$ver" = 3
unseal "$T/a.key" "$T/v3.sealed" -o /dev/null; rc=$?
tap_check "owner A verifies every frame's attribution (exit $rc)" test "$rc" = 5 -o "$rc" = 0
unseal "$T/b.key" "$T/v3.sealed" -o /dev/null; rc=$?
tap_check "owner B too (exit $rc)" test "$rc" = 5 -o "$rc" = 0
tap_check "no 'format v1' warning, no forgery" bash -c "! grep -q 'format v1\|forged' '$T/err'"

# --- segment_floor --------------------------------------------------------
id=$(unseal "$T/a.key" "$T/v3.sealed" --info | awk '/^segment / { print $2; exit }')
tap_check "the first segment id $id is at least the floor $floor" \
	test "${id:-0}" -ge "$floor"
tap_check "... and below floor + 16" test "${id:-0}" -lt $((floor + 16))

# --- end_segments: what the VM fork / hibernation notifiers do -----------
wait_frames() {	# wait until camera 0 sealed at least $1 frames
	local f
	for _ in $(seq 600); do
		f=$("$SC" status | awk '/sealed:/ { print $2; exit }')
		[ "${f:-0}" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
sealed() { "$SC" status | awk '/sealed:/ { print $2; exit }'; }

# 450 frames at 30 fps: 15 s, room for the trigger even when `sealcam
# status` takes seconds (TCG on a loaded host)
nframes=450
base=$(sealed)
(trap - EXIT; exec "$SC_TOOLS/sc_capture" -d "$node" -f grey -s 160x120 \
	-r 30 -n $nframes -o "$T/fork.sealed" >/dev/null 2>&1) &
cap_pid=$!
wait_frames $((base + 10)) &&
	echo 1 >/sys/kernel/debug/sealcam/end_segments ||
	tap_diag "camera 0 did not reach $((base + 10)) frames"
wait "$cap_pid"
cap_pid=
tap_check "dmesg: the open segment ended, its key wiped" \
	sh -c 'dmesg | grep -q "debugfs end_segments: 1 open segment(s) ended"'
unseal "$T/a.key" "$T/fork.sealed" -o /dev/null; rc=$?
tap_check "unseal: a segment cut without LAST, then a new one (exit $rc)" \
	grep -q "ends without a LAST frame (segment .* starts)" "$T/err" ||
	tap_diag "$(cat "$T/err")"
# K of each segment, and the (K, frame_index) pairs, from owner A's key
python3 - "$T/a.key" "$T/fork.sealed" >"$T/pairs" <<'PY'
import base64, sys, os
sys.path.insert(0, os.path.join(os.environ["SEALCAM_ROOT"], "tests", "host"))
import test_format_doc as doc
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
sk = X25519PrivateKey.from_private_bytes(base64.b64decode(open(sys.argv[1]).read().strip()))
data = open(sys.argv[2], "rb").read()
import hashlib
me = hashlib.sha256(doc.raw_public(sk)).digest()[:8]
k = None
for pos, f, fr in doc.parse_frames(data):
    if f[3] & 1:
        sh = fr[48:48 + f[4]]
        n = int.from_bytes(sh[6:8], "little")
        e = [sh[64 + 88 * i:152 + 88 * i] for i in range(n) if sh[64 + 88 * i:72 + 88 * i] == me][0]
        k, _ = doc.unwrap(sk, e[8:40], sh[8:40], f[6], f[7], e[40:88], f[1])
    print(f[7], k.hex(), f[8])
PY
segs=$(awk '{ print $1 }' "$T/pairs" | sort -u | wc -l)
keys=$(awk '{ print $2 }' "$T/pairs" | sort -u | wc -l)
dups=$(awk '{ print $2, $3 }' "$T/pairs" | sort | uniq -d | wc -l)
tap_check "the capture spans $segs segments with $keys different keys" \
	test "$segs" -ge 2 -a "$keys" = "$segs"
tap_check "no (K, frame index) pair is used twice ($dups)" test "$dups" = 0

# --- a real PM transition: the PM notifier -------------------------------
if [ -w /sys/power/pm_test ] && grep -qw freeze /sys/power/state; then
	base=$(sealed)
	(trap - EXIT; exec "$SC_TOOLS/sc_capture" -d "$node" -f grey \
		-s 160x120 -r 30 -n $nframes -o "$T/pm.sealed" >/dev/null 2>&1) &
	cap_pid=$!
	wait_frames $((base + 10))
	echo freezer >/sys/power/pm_test
	echo freeze >/sys/power/state 2>"$T/pm.err"
	echo none >/sys/power/pm_test
	wait "$cap_pid"
	cap_pid=
	tap_check "suspend prepare (pm_test freezer): the PM notifier ended the open segment" \
		sh -c 'dmesg | grep -q "suspend: 1 open segment(s) ended"' ||
		tap_diag "$(cat "$T/pm.err"; dmesg | tail -20)"
	unseal "$T/a.key" "$T/pm.sealed" -o /dev/null; rc=$?
	tap_check "unseal: a cut segment, then a new one (exit $rc)" \
		grep -q "ends without a LAST frame (segment .* starts)" "$T/err" ||
		tap_diag "$(cat "$T/err")"
else
	tap_fail "no /sys/power/pm_test or no 'freeze' in /sys/power/state"
	tap_fail "(PM notifier not exercised)"
fi
tap_done
