#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Segment policy and crypto driver, on a streaming sealcam camera:
#  - `sealcam status` names the SIMD ChaCha20/Poly1305 drivers (the VM runs
#    with -cpu max, so chacha20-simd and poly1305-simd are loaded)
#  - `sealcam segment --frames N` cuts segments every N frames
#  - `sealcam segment --ms T` cuts segments by time
#  - `sealcam rotate` ends the current segment at the next frame
#  - a recipient change starts a new segment sealed to the new key set
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

tap_plan 8
T=$SEALCAM_TMP
cap_pid=
cleanup() {
	[ -z "$cap_pid" ] || { kill "$cap_pid" 2>/dev/null; wait "$cap_pid"; }
	sc_unload
}
sc_on_exit cleanup

# complete SEGMENTFILE: number of segments that end with their LAST frame
complete() {
	"$SC" unseal --key "$T/a.key" --info "$1" 2>/dev/null |
		grep -c 'frames .*(complete)'
}

tap_ok "load sealcam.ko" sc_load devices=1 seg_frames=10
node=$(sc_node 0)
(umask 077; "$SC" genkey >"$T/a.key"; "$SC" genkey >"$T/b.key")
"$SC" pubkey <"$T/a.key" >"$T/a.pub"
"$SC" pubkey <"$T/b.key" >"$T/b.pub"
"$SC" key add "$T/a.pub" --label a >/dev/null

drv=$("$SC" status | awk '/^crypto:/ { print $2 }')
tap_check "status names the SIMD drivers in use ($drv)" \
	test "$drv" = "chacha20-simd+poly1305-simd"

"$SC" segment --camera 0 --frames 5 >/dev/null
"$SC_TOOLS/sc_capture" -d "$node" -f grey -s 160x120 -r 30 -n 10 \
	-o "$T/f5.sealed" >/dev/null 2>&1
n=$(complete "$T/f5.sealed")
tap_check "segment --frames 5: 10 frames are 2 whole segments ($n)" test "$n" = 2

"$SC" segment --camera 0 --frames 0 --ms 300 >/dev/null
"$SC_TOOLS/sc_capture" -d "$node" -f grey -s 160x120 -r 30 -n 45 \
	-o "$T/ms.sealed" >/dev/null 2>&1
n=$(complete "$T/ms.sealed")
# 45 frames at 30 fps last 1.5 s: at least 3 segments of 300 ms end inside
tap_check "segment --ms 300: 1.5 s of video holds >= 3 whole segments ($n)" \
	test "$n" -ge 3

# no limit at all: only `rotate` or a key change ends a segment
"$SC" segment --camera 0 --frames 0 --ms 0 >/dev/null
wait_frames() {	# wait until camera 0 sealed at least $1 frames
	local f
	for _ in $(seq 600); do
		f=$("$SC" status | awk '/sealed:/ { print $2; exit }')
		[ "${f:-0}" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
base=$("$SC" status | awk '/sealed:/ { print $2; exit }')
# 150 frames at 30 fps: about 5 s (more under TCG), ample room for a
# rotate and then a key change while it streams.  Under the debug kernel
# (make check-debug) the frames still come at 30 fps but each `sealcam`
# command takes seconds: the rotate landed 75 frames late and the key change
# after the end, so there it streams 20 s.  The same happens under TCG on a
# loaded host (two VMs on two CPUs: the rotate landed 80 frames late), so
# it streams 15 s by default.
rot_frames=450
[ -n "${SEALCAM_DEBUG_KERNEL:-}" ] && rot_frames=600
(trap - EXIT; exec "$SC_TOOLS/sc_capture" -d "$node" -f grey -s 160x120 \
	-r 30 -n "$rot_frames" -o "$T/rot.sealed" >/dev/null 2>&1) &
cap_pid=$!
wait_frames $((base + 5)) && "$SC" rotate --camera 0 >/dev/null ||
	tap_diag "no rotate: camera 0 did not reach $((base + 5)) frames"
now=$("$SC" status | awk '/sealed:/ { print $2; exit }')
wait_frames $((now + 10)) && "$SC" key add "$T/b.pub" --label b >/dev/null ||
	tap_diag "no key change: camera 0 did not reach $((now + 10)) frames"
wait "$cap_pid"
cap_pid=
n=$(complete "$T/rot.sealed")
tap_check "rotate and the key change each end the open segment ($n whole segments)" \
	test "$n" -ge 2 ||
	tap_diag "$("$SC" unseal --key "$T/a.key" --info "$T/rot.sealed" 2>&1 | tail -30)"
idb=$("$SC" key list | awk '/"b"/ { print $1 }')
"$SC" unseal --key "$T/a.key" --info "$T/rot.sealed" >"$T/rot-a.info" 2>&1
"$SC" unseal --key "$T/b.key" --info "$T/rot.sealed" >/dev/null 2>&1
rc=$?
# B was added mid-stream: the segment that started at the key change lists B
# as a recipient (A sees it), but B cannot open the earlier ones
tap_check "a recipient change starts a new segment sealed to the new key" \
	grep -q "$idb" "$T/rot-a.info"
tap_check "the segments before the change do not open with the new key (exit $rc = 3)" \
	test "$rc" = 3
tap_ok "unload sealcam" sc_unload
tap_done
