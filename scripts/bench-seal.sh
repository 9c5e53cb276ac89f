#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-seal.sh - sealing and capture benchmark, all in ONE VM run
# (qemu -cpu max, so the kernel's SIMD ChaCha20/Poly1305 are in use):
#
#  1. in-kernel sealing (debugfs sealcam/bench: the capture path's
#     sc_seal_frame, format v3, one recipient) on one CPU and split with a
#     second (seal_split), beside libsodium in userspace (bench_user) and
#     memcpy, same frame sizes (YUYV 640x480, 1280x720, 1920x1080); the
#     three are interleaved for ROUNDS rounds (default 3) and the medians
#     compared, so that a change of load hits all three alike. libsodium
#     gives two baselines: its ChaCha20-Poly1305 alone (aead_ns, what a
#     format v1 seal was) and the whole format v3 seal done as the kernel
#     does it (v3_ns: the AEAD in place, the recipient's one-time key and
#     Poly1305 over the headers, ciphertext and tag, the copy out; one
#     thread), the like-for-like one. The parts of a seal are timed alone
#     beside them (the AEAD, one Poly1305 pass, and the SHA-256 pass
#     format v2 made);
#  2. sealed capture (sealcam, sealed YUYV, MMAP) beside vivid (plain YUYV)
#     at the same size: frames/s and kernel CPU per frame;
#  3. a USB webcam (issue 15, acceptance 6): the emulated UVC webcam
#     (tests/tools/uvc-emu.py --sizes 640x480,1280x720, attached to
#     vhci_hcd) streamed by MMAP (sc_capture) at 640x480 and 1280x720, YUYV
#     and MJPEG, (a) by the stock uvcvideo from its own node, then (b) by
#     the sealed uvcvideo (scripts/build-uvc.sh) through sealcam's node;
#     (a) and (b) alternate, 2 rounds by default (the host's load drifts); and
#     (c) libsodium sealing the same bytes per frame in userspace
#     (bench_user; MJPEG: the mean size of the JPEGs the emulator sends),
#     run before, between and after the captures, the mean taken: the
#     AEAD alone and the whole v3 seal, as in section 1.
#     Target: sealed <= 1.2 x (stock + libsodium) kernel CPU per frame,
#     printed against both.
#
# Kernel CPU of a webcam capture, per delivered frame, is the sum of
#   - the CPU time of every kernel thread (/proc/PID/schedstat, ns) over
#     the capture: uvcvideo's copy work and uvc_sealcam's work item run in
#     kworkers, the sealing in sealcam's sealing thread. That thread lives
#     only while the node streams, so sc_capture -K writes every kernel
#     thread's time after the last frame and before STREAMOFF, and a
#     thread gone by the end is counted from there;
#   - the capture process's own system time (bash's time, getrusage: its
#     V4L2/vb2 calls), less what its -K dump took;
# and leaves out, printed beside it:
#   - vhci_hcd's vhci_rx/vhci_tx threads: the USB host controller's
#     stand-in (vhci_rx copies each payload from the socket into the URB,
#     which a real controller does by DMA). This also leaves out uvcvideo's
#     URB completion handler, which vhci_hcd (no HCD_BH) runs in vhci_rx:
#     it parses the payload header and queues the copy, which runs in a
#     kworker and is counted;
#   - the emulator process (uvc-emu.py, the camera's stand-in), whose
#     sendmsg() copies each payload into the socket.
# Each capture is also measured over its steady stream: sc_capture -W N/5
# dumps the kernel threads' times once N/5 frames are in and reads its own
# system time after that dump and before the last one, so frames N/5+1..N
# are counted without the stream's start and stop (buffers allocated and
# zeroed, the first segment's keys, the wipe at STREAMOFF: paid once per
# stream, and printed beside as "once").
# Why not /proc/stat's system time less the excluded tasks': it is sampled
# by the tick, the tasks' times are not, and under TCG on a loaded host
# (the vCPU threads preempted) the two disagree so far that the difference
# went negative. Every counter is read with bash builtins, no fork inside
# the measured window. Interrupts and softirqs taken while a user task runs
# are not counted (this path does its work in threads: vhci_hcd completes
# URBs in vhci_rx, not in an interrupt).
#
# Prints three tables; the raw figures are kept in build/bench-seal.last.raw.
# Usage: scripts/bench-seal.sh [FRAMES_SCALE [ROUNDS]]  (SCALE multiplies
# every frame count; ROUNDS is the number of rounds of section 1; the
# default run took 11 min under TCG, load average 7-10 on the host's 2
# cores).
# SEALCAM_BENCH_PARTS="seal capture webcam" (the default) picks sections.
# SEALCAM_BENCH_WEBCAM_FPS=N: the emulated webcam sends N frames a second,
# as a real one does (default 0: as fast as uvcvideo takes them, so that
# every path is driven at its limit and frames the sealed path cannot take
# cost their copies; a paced run shows the cost per frame of a camera the
# path keeps up with). SEALCAM_BENCH_WEBCAM_SPLIT=0|1 sets sealcam's
# seal_split for the webcam section (default: the module's, on).
# SEALCAM_BENCH_WEBCAM_COPY=0 leaves out the third webcam path, (d) below:
# the sealed uvcvideo with sealcam_copy=1, which hands frames over by copy
# (sealcam_source_push(): into sealcam's staging buffer, sealed by its
# thread) instead of having them sealed where they lie
# (sealcam_source_seal()); the default runs it, beside (b) in every round.
# SEALCAM_BENCH_WEBCAM_ROUNDS=N (1..9, default 2): rounds of the webcam
# section; SEALCAM_BENCH_WEBCAM_FORMATS="yuyv mjpeg" (the default) or one
# of the two: more rounds of the small MJPEG frames, whose ratios spread
# most, in the same time.

set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scale=${1:-1}
case $scale in
'' | *[!0-9]* | 0*)
	echo "usage: scripts/bench-seal.sh [FRAMES_SCALE [ROUNDS]]: positive integers" >&2
	exit 2
	;;
esac
parts=${SEALCAM_BENCH_PARTS:-seal capture webcam}
for p in $parts; do
	case $p in
	seal | capture | webcam) ;;
	*)
		echo "bench-seal: unknown part '$p' in SEALCAM_BENCH_PARTS (seal capture webcam)" >&2
		exit 2
		;;
	esac
done
rounds=${2:-3}
case $rounds in
'' | *[!0-9]* | 0*)
	echo "usage: scripts/bench-seal.sh [FRAMES_SCALE [ROUNDS]]: positive integers" >&2
	exit 2
	;;
esac
want() { [[ " $parts " == *" $1 "* ]] && echo 1; }
webcam_fps=${SEALCAM_BENCH_WEBCAM_FPS:-0}
case $webcam_fps in
0 | [1-9] | [1-9][0-9]) ;;
*)
	echo "bench-seal: SEALCAM_BENCH_WEBCAM_FPS must be 0..99, not '$webcam_fps'" >&2
	exit 2
	;;
esac
webcam_copy=${SEALCAM_BENCH_WEBCAM_COPY:-1}
case $webcam_copy in
0 | 1) ;;
*)
	echo "bench-seal: SEALCAM_BENCH_WEBCAM_COPY must be 0 or 1, not '$webcam_copy'" >&2
	exit 2
	;;
esac
webcam_rounds=${SEALCAM_BENCH_WEBCAM_ROUNDS:-2}
case $webcam_rounds in
[1-9]) ;;
*)
	echo "bench-seal: SEALCAM_BENCH_WEBCAM_ROUNDS must be 1..9, not '$webcam_rounds'" >&2
	exit 2
	;;
esac
webcam_formats=${SEALCAM_BENCH_WEBCAM_FORMATS:-yuyv mjpeg}
for f in $webcam_formats; do
	case $f in
	yuyv | mjpeg) ;;
	*)
		echo "bench-seal: SEALCAM_BENCH_WEBCAM_FORMATS takes yuyv and mjpeg, not '$f'" >&2
		exit 2
		;;
	esac
done
[ -n "${webcam_formats// /}" ] || {
	echo "bench-seal: SEALCAM_BENCH_WEBCAM_FORMATS is empty" >&2
	exit 2
}
webcam_split=${SEALCAM_BENCH_WEBCAM_SPLIT:-}
case $webcam_split in
'' | 0 | 1) ;;
*)
	echo "bench-seal: SEALCAM_BENCH_WEBCAM_SPLIT must be 0 or 1, not '$webcam_split'" >&2
	exit 2
	;;
esac

make -s all build/tests/tools/sc_capture build/tests/tools/bench_user
out=$(mktemp -d "$root/build/bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
if [ "$(want webcam)" ]; then
	for p in python3 cjpeg; do
		command -v "$p" >/dev/null ||
			{ echo "bench-seal: $p is missing (scripts/setup.sh)" >&2; exit 1; }
	done
	[ -f build/uvc/uvcvideo.ko ] ||
		{ echo "bench-seal: build/uvc/uvcvideo.ko is missing (make all)" >&2; exit 1; }
fi

cat >"$out/guest.sh" <<EOF
set -e
. tests/lib/sealcam.sh
sc_load devices=1
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
build/sealcam genkey | build/sealcam pubkey > /tmp/owner.pub
build/sealcam key add /tmp/owner.pub >/dev/null
echo "cpu: \$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >"$out/raw"
echo "flags: \$(grep -m1 -o -w -E 'avx2|avx512vl|ssse3' /proc/cpuinfo | sort -u | tr '\n' ' ')" >>"$out/raw"
echo "guest: \$(uname -r), \$(nproc) vCPUs, \$((\$(awk '/^MemTotal/ { print \$2 }' /proc/meminfo) / 1024)) MiB" >>"$out/raw"
if [ "$(want seal)" ]; then
for spec in 640x480:$((20 * scale)) 1280x720:$((8 * scale)) 1920x1080:$((4 * scale)); do
	size=\${spec%:*} n=\${spec#*:}
	for r in \$(seq $rounds); do
		for split in 0 1; do
			echo "\$size \$n \$split" > /sys/kernel/debug/sealcam/bench
			echo "kernel round=\$r \$(cat /sys/kernel/debug/sealcam/bench)" >>"$out/raw"
		done
		echo "user round=\$r \$(build/tests/tools/bench_user \$size \$n)" >>"$out/raw"
	done
done
fi
if [ "$(want capture)" ]; then
modprobe vivid n_devs=1 node_types=0x1
vnode=\$(v4l2-ctl --list-devices | awk '/^vivid/ { on = 1; next } on && /\/dev\/video/ { print \$1; exit }')
node=\$(sc_node 0)
sys_jiffies() { awk '/^cpu / { print \$4 + \$7 + \$8 }' /proc/stat; }
for spec in 640x480:$((50 * scale)) 1280x720:$((25 * scale)) 1920x1080:$((10 * scale)); do
	size=\${spec%:*} n=\${spec#*:}
	for cam in sealcam vivid; do
		if [ \$cam = sealcam ]; then d=\$node f=yuyv; else d=\$vnode f=plain-yuyv; fi
		j0=\$(sys_jiffies); t0=\$(date +%s%N)
		build/tests/tools/sc_capture -d \$d -f \$f -s \$size -r 60 -n \$n -m mmap >/dev/null
		t1=\$(date +%s%N); j1=\$(sys_jiffies)
		echo "capture \$cam \$size \$n \$((t1 - t0)) \$((j1 - j0)) \$(getconf CLK_TCK)" >>"$out/raw"
	done
done
rmmod vivid
fi
if [ "$(want webcam)" ]; then
OUT=$out
WEBCAM_SPECS="640x480:$((50 * scale)):$((150 * scale)) 1280x720:$((25 * scale)):$((100 * scale))"
WEBCAM_ROUNDS=$webcam_rounds
WEBCAM_FORMATS="$webcam_formats"
WEBCAM_FPS=$webcam_fps
WEBCAM_COPY=$webcam_copy
[ -z "$webcam_split" ] || echo $webcam_split >/sys/module/sealcam/parameters/seal_split
echo "webpace fps=$webcam_fps split=\$(cat /sys/module/sealcam/parameters/seal_split)" >>"$out/raw"
. "$out/webcam.sh"
fi
sc_unload
EOF

# section 3, sourced by guest.sh (sealcam.ko loaded, an owner key in it)
cat >"$out/webcam.sh" <<'WEBCAM'
EMU=tests/tools/uvc-emu.py
VHCI=/sys/devices/platform/vhci_hcd.0
emu_pid=
webcam_cleanup() {
	[ -e "$VHCI/detach" ] && echo 0 >"$VHCI/detach" 2>/dev/null
	[ -z "$emu_pid" ] || kill "$emu_pid" 2>/dev/null
	rmmod uvcvideo 2>/dev/null
}
trap webcam_cleanup EXIT
[ -r /proc/self/schedstat ] ||
	{ echo "bench-seal: no /proc/PID/schedstat in this kernel" >&2; exit 1; }
emu_gone() { ! kill -0 "$emu_pid" 2>/dev/null; }
# kthreads: the CPU time (ns, /proc/PID/schedstat) of every kernel thread
# into KT[pid], its group into KG[pid]: vhci (vhci_rx, vhci_tx), kworker,
# or its own name. Bash builtins only: nothing is forked.
kthreads() {
	local d l st c pid ns _
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		read -r l 2>/dev/null <"$d/stat" || continue
		st=${l##*) }
		# shellcheck disable=SC2086
		set -- $st
		(($7 & 0x00200000)) || continue # PF_KTHREAD
		read -r ns _ 2>/dev/null <"$d/schedstat" || continue
		c=${l#*(}
		KT[$pid]=$ns
		kgroup "${c%) *}"
		KG[$pid]=$KGRP
	done
}
kgroup() { # NAME: its group into KGRP
	case $1 in
	vhci_rx | vhci_tx) KGRP=vhci ;;
	kworker/*) KGRP=kworker ;;
	*) KGRP=$1 ;;
	esac
}
# add the threads of sc_capture -K FILE that have exited since (sealcam's
# sealing thread ends at STREAMOFF: its time is only in FILE)
kthreads_exited() {
	local pid rest
	while read -r pid rest; do
		[ -z "${KT[$pid]:-}" ] || continue
		KT[$pid]=${rest##* }
		kgroup "${rest% *}"
		KG[$pid]=$KGRP
	done <"$1"
}
# the system time of the emulator process, in USER_HZ ticks (field 15)
emu_stime() {
	local l
	read -r l <"/proc/$emu_pid/stat"
	l=${l##*) }
	# shellcheck disable=SC2086
	set -- $l
	echo "${13}"
}
attach() {
	: >"$OUT/sent.log"
	# --fps 0 (default): frames as fast as uvcvideo takes them; N: paced
	python3 "$EMU" --sizes 640x480,1280x720 --fps "$WEBCAM_FPS" --log "$OUT/sent.log" 2>"$OUT/emu.err" &
	emu_pid=$!
	if ! wait_for 300 uvc_node >/dev/null; then
		echo "bench-seal: uvcvideo did not bind the emulated webcam" >&2
		cat "$OUT/emu.err" >&2
		dmesg | tail -n 20 >&2
		return 1
	fi
}
detach() {
	echo 0 >"$VHCI/detach"
	wait_for 120 emu_gone ||
		{ echo "bench-seal: the emulator did not exit at the detach" >&2; return 1; }
	wait "$emu_pid" ||
		{ echo "bench-seal: the emulator failed" >&2; cat "$OUT/emu.err" >&2; return 1; }
	emu_pid=
}
# window WARMFILE ENDFILE: kernel CPU (ns) of every kernel thread but
# vhci_hcd's between sc_capture -W's two dumps, into WKERN (bash builtins)
window() {
	local pid rest ns g
	local -A W0
	WKERN=0
	while read -r pid rest; do W0[$pid]=${rest##* }; done <"$1"
	while read -r pid rest; do
		ns=${rest##* }
		kgroup "${rest% *}"
		[ "$KGRP" = vhci ] && continue
		WKERN=$((WKERN + ns - ${W0[$pid]:-0}))
	done <"$2"
}
# run ROUND PATH DEV SCFMT SIZE N: one MMAP capture of N frames, measured
# whole, and over the steady stream after its first N/5 frames (-W)
run() {
	local round=$1 path=$2 dev=$3 f=$4 size=$5 n=$6
	local s0 s1 e0 e1 t0 t1 frames bytes cs p d groups="" kern=0 vhci=0
	local warm=$(($6 / 5)) wsys
	local -A K0 by
	s0=$(wc -l <"$OUT/sent.log")
	e0=$(emu_stime)
	KT=() KG=()
	kthreads
	for p in "${!KT[@]}"; do K0[$p]=${KT[$p]}; done
	t0=$EPOCHREALTIME
	# bash's time: the capture's own system time (getrusage), in ms
	TIMEFORMAT='%3S'
	{ time build/tests/tools/sc_capture -d "$dev" -f "$f" -s "$size" -r 30 \
		-n "$n" -m mmap -K "$OUT/kt.txt" -W "$warm" >"$OUT/cap.out" 2>"$OUT/cap.err"; } 2>"$OUT/cap.time" || {
		echo "bench-seal: $path capture $f $size failed: $(cat "$OUT/cap.err")" >&2
		return 1
	}
	t1=$EPOCHREALTIME
	KT=() KG=()
	kthreads
	kthreads_exited "$OUT/kt.txt"
	e1=$(emu_stime)
	s1=$(wc -l <"$OUT/sent.log")
	for p in "${!KT[@]}"; do
		d=$((KT[$p] - ${K0[$p]:-0}))
		by[${KG[$p]}]=$((${by[${KG[$p]}]:-0} + d))
	done
	for p in "${!by[@]}"; do
		if [ "$p" = vhci ]; then
			vhci=${by[$p]}
		else
			kern=$((kern + by[$p]))
		fi
		[ "${by[$p]}" = 0 ] || groups+=" $p=${by[$p]}"
	done
	# the capture's system time, less what its -K dump took
	cs=$(<"$OUT/cap.time")
	cs=$((10#${cs/./} * 1000000 - $(sed -n 's/.* kdump_sys_us=\([0-9]*\).*/\1/p' "$OUT/cap.out") * 1000))
	frames=$(sed -n 's/^frames=\([0-9]*\) .*/\1/p' "$OUT/cap.out")
	bytes=$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' "$OUT/cap.out")
	[ "$frames" = "$n" ] || { echo "bench-seal: $path $f $size: $(cat "$OUT/cap.out")" >&2; return 1; }
	# every frame delivered must have come from the webcam (the sealed
	# node would stream its test pattern if the webcam were not its source)
	[ $((s1 - s0)) -ge "$n" ] || {
		echo "bench-seal: $path $f $size: $n frames delivered, the webcam sent $((s1 - s0))" >&2
		return 1
	}
	echo "webcam $round $path ${f#plain-} $size $n $bytes $(((${t1/./} - ${t0/./}) * 1000)) $kern $cs $vhci $((e1 - e0)) $(getconf CLK_TCK) $((s1 - s0))" >>"$OUT/raw"
	echo "webk $round $path ${f#plain-} $size$groups" >>"$OUT/raw"
	window "$OUT/kt.txt.warm" "$OUT/kt.txt"
	wsys=$(sed -n 's/.* window_sys_us=\([0-9]*\).*/\1/p' "$OUT/cap.out")
	echo "webwin $round $path ${f#plain-} $size $((n - warm)) $WKERN $((wsys * 1000))" >>"$OUT/raw"
}
# the mean size of the JPEGs the emulator sends at SIZE (4 base JPEGs, each
# with its COM segment): what libsodium seals per MJPEG frame
jpeg_mean() {
	python3 - "$1" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("emu", "tests/tools/uvc-emu.py")
emu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(emu)
w, h = (int(x) for x in sys.argv[1].split("x"))
emu.SIZES[:] = [(w, h)]
j = emu.make_jpegs()
print(round(sum(len(emu.mjpeg_frame(j, w, h, n)) for n in range(1000, 1000 + emu.NBASE)) / emu.NBASE))
PY
}
# user ROUND: libsodium over the bytes of each capture
user() {
	local spec size n
	for spec in $WEBCAM_SPECS; do
		size=${spec%%:*} n=${spec#*:} n=${n%%:*}
		case " $WEBCAM_FORMATS " in *" yuyv "*)
			echo "webuser $1 yuyv $(build/tests/tools/bench_user "$size" "$n")" >>"$OUT/raw" ;;
		esac
		case " $WEBCAM_FORMATS " in *" mjpeg "*)
			echo "webuser $1 mjpeg $(build/tests/tools/bench_user "$size" "$n" "${jpeg_bytes[$size]}")" >>"$OUT/raw" ;;
		esac
	done
}
# captures ROUND PATH DEV PREFIX: every size and format
captures() {
	local spec size n nj
	for spec in $WEBCAM_SPECS; do
		size=${spec%%:*} n=${spec#*:} nj=${n#*:} n=${n%%:*}
		case " $WEBCAM_FORMATS " in *" yuyv "*)
			run "$1" "$2" "$3" "${4}yuyv" "$size" "$n" ;;
		esac
		case " $WEBCAM_FORMATS " in *" mjpeg "*)
			run "$1" "$2" "$3" "${4}mjpeg" "$size" "$nj" ;;
		esac
	done
}
declare -A KT KG jpeg_bytes
for spec in $WEBCAM_SPECS; do
	size=${spec%%:*}
	jpeg_bytes[$size]=$(jpeg_mean "$size")
	echo "webjpeg $size ${jpeg_bytes[$size]}" >>"$OUT/raw"
done
modprobe -a vhci-hcd
rmmod uvcvideo 2>/dev/null || true
deps=$(modinfo -F depends "$SC_UVC_KO" | tr , ' ')
# shellcheck disable=SC2046
modprobe -a $(for m in $deps; do [ "$m" = sealcam ] || echo "$m"; done)
src_attached() {
	dmesg | tail -n +"$((dmesg_mark + 1))" | grep -q "frame source uvcvideo .* attached"
}
copied_seen() {
	dmesg | tail -n +"$((dmesg_mark + 1))" | grep -q "sealcam_copy: frames are copied"
}
# stock and sealed alternate, WEBCAM_ROUNDS times (the host's load drifts);
# libsodium runs before, between and after
user 0
for ((round = 1; round <= WEBCAM_ROUNDS; round++)); do
	# (a) stock uvcvideo, its own node
	modprobe uvcvideo
	attach
	captures "$round" stock "$(uvc_node)" plain-
	detach
	rmmod uvcvideo
	user "$((2 * round - 1))"
	# (b) the sealed uvcvideo, through sealcam's node
	dmesg_mark=$(dmesg | wc -l)
	insmod "$SC_UVC_KO"
	attach
	wait_for 60 src_attached ||
		{ echo "bench-seal: sealcam did not take the webcam as its frame source" >&2; exit 1; }
	captures "$round" sealed "$(sc_node 0)" ""
	detach
	rmmod uvcvideo
	user "$((2 * round))"
	[ "$WEBCAM_COPY" = 1 ] || continue
	# (d) the same, frames handed over by copy (sealcam_copy=1)
	dmesg_mark=$(dmesg | wc -l)
	insmod "$SC_UVC_KO" sealcam_copy=1
	attach
	wait_for 60 src_attached ||
		{ echo "bench-seal: sealcam did not take the webcam as its frame source" >&2; exit 1; }
	captures "$round" copied "$(sc_node 0)" ""
	copied_seen ||
		{ echo "bench-seal: uvcvideo did not hand frames over by copy (sealcam_copy=1)" >&2; exit 1; }
	detach
	rmmod uvcvideo
done
trap - EXIT
WEBCAM
vm_started=$(date +%s)
scripts/vm-run --cpu-max --rwdir "$out" -- bash "$out/guest.sh"
echo "(the VM run took $(($(date +%s) - vm_started)) s)"

cp "$out/raw" build/bench-seal.last.raw
python3 - "$out/raw" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
kv = lambda s: dict(re.findall(r'(\w+)=(\S+)', s))
for tag in ("cpu:", "flags:", "guest:"):
    print(next(l for l in lines if l.startswith(tag)))
from statistics import median
k = [kv(l) for l in lines if l.startswith("kernel ")]
u = [kv(l) for l in lines if l.startswith("user ")]
sizes = list(dict.fromkeys(a['size'] for a in k))
def rate(rows, key):	# median MB/s of rows over their own byte counts
    return median(int(r['frame_bytes']) * int(r['frames']) / 1e6 /
                  (int(r[key]) / 1e9) for r in rows)
if k:
    print()
    print(f"In-kernel sealing (format v3, 1 recipient) vs userspace libsodium (MB/s, medians of {max(int(a['round']) for a in k)} interleaved rounds, same VM, same data)")
    print(f"{'size':>10} {'frame MB':>9} {'seal 1 CPU':>11} {'seal 2 CPUs':>12} {'libsodium':>10} {'1 CPU/sodium':>13} {'2 CPUs/1 CPU':>13}  kernel driver")
for sz in sizes:
    k1 = [a for a in k if a['size'] == sz and a['split'] == '0']
    k2 = [a for a in k if a['size'] == sz and a['split'] == '1']
    us = [b for b in u if b['size'] == sz]
    s1, s2, ls = rate(k1, 'seal_ns'), rate(k2, 'seal_ns'), rate(us, 'aead_ns')
    print(f"{sz:>10} {int(k1[0]['frame_bytes'])/1e6:>9.2f} {s1:>11.1f} {s2:>12.1f} {ls:>10.1f} {s1/ls:>12.2f}x {s2/s1:>12.2f}x  {k1[0]['driver']} ({k1[0]['cpus']} CPUs)")
# the like-for-like baseline: libsodium doing the whole v3 seal (bench_user
# v3_ns: AEAD in place, the recipient's one-time key and Poly1305 over the
# headers, ciphertext and tag, the copy out), one thread
uv = [b for b in u if 'v3_ns' in b]
if k and uv:
    print()
    print(f"The same seal on both sides: kernel sc_seal_frame vs libsodium doing the whole v3 seal (1 recipient, copy out) in one thread (MB/s, medians, same rounds)")
    print(f"{'size':>10} {'seal 1 CPU':>11} {'seal 2 CPUs':>12} {'sodium AEAD':>12} {'sodium v3':>10} {'1 CPU/AEAD':>11} {'1 CPU/v3':>9} {'2 CPUs/AEAD':>12} {'2 CPUs/v3':>10}")
for sz in sizes if uv else []:
    k1 = [a for a in k if a['size'] == sz and a['split'] == '0']
    k2 = [a for a in k if a['size'] == sz and a['split'] == '1']
    us = [b for b in uv if b['size'] == sz]
    s1, s2 = rate(k1, 'seal_ns'), rate(k2, 'seal_ns')
    la, lv = rate(us, 'aead_ns'), rate(us, 'v3_ns')
    print(f"{sz:>10} {s1:>11.1f} {s2:>12.1f} {la:>12.1f} {lv:>10.1f} {s1/la:>10.2f}x {s1/lv:>8.2f}x {s2/la:>11.2f}x {s2/lv:>9.2f}x")
if k:
    print()
    print("The parts of one seal, timed alone in the same rounds (MB/s, medians)")
    print(f"{'size':>10} {'AEAD':>8} {'Poly1305':>9} {'SHA-256 lib':>12} {'SHA-256 API':>12} {'memcpy(k)':>10} {'memcpy(u)':>10}  SHA-256 API driver")
for sz in sizes:
    ka = [a for a in k if a['size'] == sz]
    us = [b for b in u if b['size'] == sz]
    print(f"{sz:>10} {rate(ka, 'aead_ns'):>8.1f} {rate(ka, 'poly1305_ns'):>9.1f} {rate(ka, 'sha256_lib_ns'):>12.1f} {rate(ka, 'sha256_api_ns'):>12.1f} {rate(ka, 'memcpy_ns'):>10.1f} {rate(us, 'memcpy_ns'):>10.1f}  {ka[0]['sha256_api']}")
caps = [l.split() for l in lines if l.startswith("capture ")]
if caps:
    print()
    print("Sealed capture (sealcam, sealed YUYV) vs vivid (plain YUYV), MMAP, 60 fps requested")
    print(f"{'size':>10} {'camera':>8} {'frames':>7} {'fps':>7} {'kernel ms/frame':>16}")
for _, cam, size, n, ns, jif, hz in caps:
    n, ns, jif, hz = int(n), int(ns), int(jif), int(hz)
    print(f"{size:>10} {cam:>8} {n:>7} {n / (ns / 1e9):>7.1f} {jif * 1000 / hz / n:>16.2f}")
web, kgroups = {}, {}
for l in lines:
    if l.startswith("webcam "):
        (_, rnd, path, fmt, size, n, nbytes, wall, kth, cap, vhci, emu, hz,
         sent) = l.split()
        r = web.setdefault((size, fmt, path), [])
        r.append(dict(rnd=rnd, n=int(n), bytes=int(nbytes), wall=int(wall),
                      kth=int(kth), cap=int(cap), vhci=int(vhci),
                      emu=int(emu) * 1e9 / int(hz), sent=int(sent)))
    elif l.startswith("webk "):
        f = l.split()
        g = kgroups.setdefault((f[4], f[3], f[2]), {})
        for item in f[5:]:
            name, ns = item.rsplit("=", 1)
            g[name] = g.get(name, 0) + int(ns)
sod, sodv3 = {}, {}
for l in lines:
    if l.startswith("webuser "):
        _, rnd, fmt, rest = l.split(" ", 3)
        d = kv(rest)
        sod.setdefault((d['size'], fmt), []).append(
            (int(d['aead_ns']) / int(d['frames']) / 1e6, int(d['frame_bytes'])))
        if 'v3_ns' in d:
            sodv3.setdefault((d['size'], fmt), []).append(
                int(d['v3_ns']) / int(d['frames']) / 1e6)


def per_frame(runs, key):
    return sum(r[key] for r in runs) / sum(r['n'] for r in runs) / 1e6


if web:
    rounds = max(len(v) for v in web.values())
    print()
    pace = next((kv(l) for l in lines if l.startswith("webpace ")), {})
    fps = int(pace.get('fps', '0'))
    print("USB webcam (emulated UVC over vhci_hcd, MMAP): kernel CPU per frame, stock uvcvideo")
    print((("webcam paced at %d fps (SEALCAM_BENCH_WEBCAM_FPS)" % fps) if fps else
           "webcam unpaced: frames as fast as uvcvideo takes them")
          + "; sealcam seal_split=%s" % pace.get('split', '?'))
    print("vs the sealed path (sealed uvcvideo -> sealcam), beside libsodium sealing the same bytes")
    print(f"in userspace; {rounds} rounds stock/sealed alternating, libsodium before, between and after.")
    print("kernel = every kernel thread but vhci_hcd's + the capture process's system time;")
    print("target: sealed <= 1.2 x (stock + libsodium). libsodium AEAD: ChaCha20-Poly1305 alone (format v1's")
    print("seal); libsodium v3: the whole format v3 seal the kernel does (AEAD, the recipient's one-time")
    print("key and Poly1305 over the frame, the copy out), the like-for-like baseline")
    print(f"{'size':>9} {'format':>6} {'frames':>6} {'stock uvc':>10} {'sealed':>10} {'sodium':>10} {'sodium':>10} {'sealed/':>14} {'sealed/':>14} {'target':>7}")
    print(f"{'':>9} {'':>6} {'':>6} {'ms/frame':>10} {'ms/frame':>10} {'AEAD ms':>10} {'v3 ms':>10} {'(stock+AEAD)':>14} {'(stock+v3)':>14}")
    rows = sorted({(s, f) for s, f, _ in web}, key=lambda t: (int(t[0].split('x')[0]), t[1] != 'yuyv'))
    spread = []
    for size, fmt in rows:
        a, b = web.get((size, fmt, "stock")), web.get((size, fmt, "sealed"))
        ls = sod.get((size, fmt), [])
        lv = sodv3.get((size, fmt), [])
        if not a or not b or not ls:
            print(f"{size:>9} {fmt:>6}  incomplete")
            continue
        lib = sum(x for x, _ in ls) / len(ls)
        libv3 = sum(lv) / len(lv) if lv else None
        sk = per_frame(a, 'kth') + per_frame(a, 'cap')
        ek = per_frame(b, 'kth') + per_frame(b, 'cap')
        ratio = ek / (sk + lib)
        verdict = "met" if ratio <= 1.2 else "not met"
        if libv3 is None:
            verdict = f"AEAD: {verdict}"
        else:
            verdict = f"AEAD: {verdict}, v3: {'met' if ek / (sk + libv3) <= 1.2 else 'not met'}"
        print(f"{size:>9} {fmt:>6} {sum(r['n'] for r in b):>6} {sk:>10.2f} {ek:>10.2f} {lib:>10.2f} "
              + (f"{'-':>10} {ratio:>13.2f}x {'-':>14}" if libv3 is None else
                 f"{libv3:>10.2f} {ratio:>13.2f}x {ek / (sk + libv3):>13.2f}x")
              + f" {'1.2x':>7}  {verdict}")
        per = []
        for x, y in zip(a, b):
            sealed = (y['kth'] + y['cap']) / y['n'] / 1e6
            stock = (x['kth'] + x['cap']) / x['n'] / 1e6
            per.append(f"{sealed / (stock + lib):.2f}x" +
                       ("" if libv3 is None else f" (v3 {sealed / (stock + libv3):.2f}x)"))
        spread.append(f"{size} {fmt}: " + " / ".join(per))
    print("ratio per round, vs stock + AEAD (vs stock + v3): " + "; ".join(spread))
    win = {}
    for l in lines:
        if l.startswith("webwin "):
            _, rnd, path, fmt, size, n, kth, cap = l.split()
            w = win.setdefault((size, fmt, path), [0, 0])
            w[0] += int(n)
            w[1] += int(kth) + int(cap)
    if win:
        print()
        print("The steady stream: the same captures, frames N/5+1..N only (sc_capture -W: kernel threads and")
        print("the capture's system time read after frame N/5 and after frame N, both while streaming), so")
        print("what a stream pays once (REQBUFS, STREAMON: buffers allocated and zeroed, the first segment's")
        print("keys; STREAMOFF: buffers wiped and freed) is left out; it is shown as 'once' = whole capture")
        print("less N x the steady per-frame figure (ms per stream, the mean of the rounds)")
        print(f"{'size':>9} {'format':>6} {'frames':>6} {'stock':>8} {'sealed':>8} {'sodium':>8} {'sealed/':>11} {'copied':>8} {'copied/':>11} {'once':>7} {'once':>7}")
        print(f"{'':>9} {'':>6} {'':>6} {'ms/frm':>8} {'ms/frm':>8} {'v3 ms':>8} {'(stock+v3)':>11} {'ms/frm':>8} {'(stock+v3)':>11} {'stock':>7} {'sealed':>7}")
        for size, fmt in rows:
            a, b, c = (win.get((size, fmt, p)) for p in ("stock", "sealed", "copied"))
            lv = sodv3.get((size, fmt), [])
            if not a or not b or not lv:
                continue
            libv3 = sum(lv) / len(lv)
            sk, ek = a[1] / a[0] / 1e6, b[1] / b[0] / 1e6
            ratio = ek / (sk + libv3)
            once = []
            for path, per in (("stock", sk), ("sealed", ek)):
                r = web[(size, fmt, path)]
                once.append((sum(x['kth'] + x['cap'] for x in r) / 1e6 - per * sum(x['n'] for x in r)) / len(r))
            cs = (f"{c[1] / c[0] / 1e6:>8.2f} {c[1] / c[0] / 1e6 / (sk + libv3):>10.2f}x" if c else f"{'-':>8} {'-':>11}")
            print(f"{size:>9} {fmt:>6} {b[0]:>6} {sk:>8.2f} {ek:>8.2f} {libv3:>8.2f} {ratio:>10.2f}x {cs} {once[0]:>7.1f} {once[1]:>7.1f}  {'met' if ratio <= 1.2 else 'not met'}")
    if any(p == "copied" for _, _, p in web):
        print()
        print("Sealed in place (sealcam_source_seal, the default) vs handed over by copy (sealcam_copy=1:")
        print("sealcam_source_push, a copy into staging, sealed by sealcam's thread), same rounds, kernel ms/frame")
        print(f"{'size':>9} {'format':>6} {'in place':>9} {'by copy':>9} {'saved':>7} {'in place/':>11} {'by copy/':>11}")
        print(f"{'':>9} {'':>6} {'':>9} {'':>9} {'':>7} {'(stock+v3)':>11} {'(stock+v3)':>11}")
        for size, fmt in rows:
            a, b, c = (web.get((size, fmt, p)) for p in ("stock", "sealed", "copied"))
            lv = sodv3.get((size, fmt), [])
            if not a or not b or not c or not lv:
                continue
            base = per_frame(a, 'kth') + per_frame(a, 'cap') + sum(lv) / len(lv)
            ek = per_frame(b, 'kth') + per_frame(b, 'cap')
            ck = per_frame(c, 'kth') + per_frame(c, 'cap')
            print(f"{size:>9} {fmt:>6} {ek:>9.2f} {ck:>9.2f} {ck - ek:>7.2f} {ek / base:>10.2f}x {ck / base:>10.2f}x")
    print()
    print("Details, ms/frame summed over the rounds (frames: delivered; sent: by the webcam meanwhile;")
    print("KiB: mean bytes delivered per frame, sealed with header and tag). Counted: kworkers, sealcam's")
    print("threads, other kthreads, the capture's system time. Not counted: vhci_rx/tx, the emulator.")
    print(f"{'size':>9} {'format':>6} {'path':>6} {'frames':>6} {'sent':>5} {'fps':>6} {'KiB':>7} {'kworker':>8} {'sealcam':>8} {'other kt':>8} {'capture':>8} {'kernel':>8} | {'vhci':>7} {'emulator':>8}")
    for size, fmt in rows:
        for path in ("stock", "sealed", "copied"):
            r = web.get((size, fmt, path))
            if not r:
                continue
            n = sum(x['n'] for x in r)
            g = kgroups.get((size, fmt, path), {})
            kw = g.get('kworker', 0) / n / 1e6
            sc = sum(v for k, v in g.items() if k.startswith('sealcam')) / n / 1e6
            ot = sum(v for k, v in g.items() if k not in ('kworker', 'vhci') and not k.startswith('sealcam')) / n / 1e6
            fps = n / (sum(x['wall'] for x in r) / 1e9)
            kib = sum(x['bytes'] for x in r) / n / 1024
            print(f"{size:>9} {fmt:>6} {path:>6} {n:>6} {sum(x['sent'] for x in r):>5} {fps:>6.2f} {kib:>7.1f} {kw:>8.2f} {sc:>8.2f} {ot:>8.2f} {per_frame(r, 'cap'):>8.2f} {per_frame(r, 'kth') + per_frame(r, 'cap'):>8.2f} | {per_frame(r, 'vhci'):>7.2f} {per_frame(r, 'emu'):>8.2f}")
    for (size, fmt), ls in sorted(sod.items()):
        print(f"libsodium {size} {fmt}: {ls[0][1]} bytes per seal, ms/frame per run: AEAD " +
              " / ".join(f"{x:.2f}" for x, _ in ls) +
              ("; v3 " + " / ".join(f"{x:.2f}" for x in sodv3[(size, fmt)])
               if (size, fmt) in sodv3 else ""))
    others = {}
    for g in kgroups.values():
        for k, v in g.items():
            if k not in ('kworker', 'vhci') and not k.startswith('sealcam'):
                others[k] = others.get(k, 0) + v
    if others:
        print("other kernel threads, ms over all webcam runs: " + ", ".join(
            f"{k} {v / 1e6:.0f}" for k, v in sorted(others.items(), key=lambda t: -t[1])[:6]))
PY
