#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-seal.sh - sealing and capture benchmark, all in ONE VM run
# (qemu -cpu max, so the kernel's SIMD ChaCha20/Poly1305 are in use):
#
#  1. in-kernel sealing (debugfs sealcam/bench: the capture path's
#     sc_seal_frame) beside libsodium's ChaCha20-Poly1305 in userspace and
#     memcpy, same frame sizes (YUYV 640x480, 1280x720, 1920x1080);
#  2. sealed capture (sealcam, sealed YUYV, MMAP) beside vivid (plain YUYV)
#     at the same size: frames/s and kernel CPU per frame;
#  3. a USB webcam (issue 15, acceptance 6): the emulated UVC webcam
#     (tests/tools/uvc-emu.py --sizes 640x480,1280x720, attached to
#     vhci_hcd) streamed by MMAP (sc_capture) at 640x480 and 1280x720, YUYV
#     and MJPEG, (a) by the stock uvcvideo from its own node, then (b) by
#     the sealed uvcvideo (scripts/build-uvc.sh) through sealcam's node,
#     and (c) libsodium sealing the same bytes per frame in userspace
#     (bench_user; for MJPEG the mean size of the JPEGs (a) delivered),
#     run once before (a) and once after (b), the mean of the two taken.
#     Target: sealed <= 1.2 x (stock + libsodium) kernel CPU per frame.
#
# Kernel CPU of a webcam capture, per delivered frame:
#     system + irq + softirq time of the whole guest (/proc/stat)
#   - the system time of the emulator process (uvc-emu.py: the camera's
#     stand-in; /proc/PID/stat field 15: its sendmsg() copies every payload
#     into the socket)
#   - the time of vhci_hcd's vhci_rx/vhci_tx kernel threads (the USB host
#     controller's stand-in: vhci_rx copies each payload from the socket
#     into the URB, which a real controller does by DMA). This also takes
#     out uvcvideo's URB completion handler, which vhci_hcd (no HCD_BH)
#     runs in vhci_rx: it only parses the payload header and queues the copy,
#     which uvcvideo's own workqueue does and which is counted.
# What is left is uvcvideo's decode and copy work, the V4L2/vb2 calls of
# the capture process and, sealed, sealcam's work (uvc_sealcam's work item
# and the sealcam-N-src thread that seals), plus whatever else the guest's
# kernel did meanwhile (nothing else runs; timer ticks, RCU). All counters
# are read with bash builtins (no fork inside the measured window). Both
# excluded shares are printed too, per frame.
#
# Prints three tables. Usage: scripts/bench-seal.sh [FRAMES_SCALE]
# (SCALE multiplies every frame count; the default run takes about
# 10-15 min under TCG). SEALCAM_BENCH_PARTS="seal capture webcam" (the
# default) picks the sections to run.

set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scale=${1:-1}
case $scale in
'' | *[!0-9]* | 0*)
	echo "usage: scripts/bench-seal.sh [FRAMES_SCALE: a positive integer]" >&2
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
want() { [[ " $parts " == *" $1 "* ]] && echo 1; }

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
for spec in 640x480:$((60 * scale)) 1280x720:$((30 * scale)) 1920x1080:$((20 * scale)); do
	size=\${spec%:*} n=\${spec#*:}
	echo "\$size \$n" > /sys/kernel/debug/sealcam/bench
	echo "kernel \$(cat /sys/kernel/debug/sealcam/bench)" >>"$out/raw"
	echo "user \$(build/tests/tools/bench_user \$size \$n)" >>"$out/raw"
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
WEBCAM_SPECS="640x480:$((40 * scale)) 1280x720:$((20 * scale))"
. "$out/webcam.sh"
fi
sc_unload
EOF

# section 3, sourced by guest.sh (sealcam.ko loaded, an owner key in it)
cat >"$out/webcam.sh" <<'WEBCAM'
EMU=tests/tools/uvc-emu.py
VHCI=/sys/devices/platform/vhci_hcd.0
HZ=$(getconf CLK_TCK)
emu_pid=
webcam_cleanup() {
	[ -e "$VHCI/detach" ] && echo 0 >"$VHCI/detach" 2>/dev/null
	[ -z "$emu_pid" ] || kill "$emu_pid" 2>/dev/null
	rmmod uvcvideo 2>/dev/null
}
trap webcam_cleanup EXIT
# uvcvideo's capture node of the device below vhci_hcd
uvc_node() {
	local d
	for d in /sys/class/video4linux/video*; do
		[ -e "$d" ] || continue
		case $(readlink -f "$d/device") in *vhci_hcd*) ;; *) continue ;; esac
		[ "$(cat "$d/index" 2>/dev/null)" = 0 ] || continue
		echo "/dev/${d##*/}"
		return 0
	done
	return 1
}
emu_gone() { ! kill -0 "$emu_pid" 2>/dev/null; }
# kernel time of the whole guest, in USER_HZ ticks: system + irq + softirq
ksys() {
	local _c _u _n sys _i _w irq sirq _r
	read -r _c _u _n sys _i _w irq sirq _r </proc/stat
	echo $((sys + irq + sirq))
}
# the summed system time (field 15 of /proc/PID/stat) of the tasks PIDs
stime_of() {
	local p l s=0
	for p; do
		read -r l <"/proc/$p/stat" || return 1
		l=${l##*) }
		# shellcheck disable=SC2086
		set -- $l
		s=$((s + ${13}))
	done
	echo $s
}
# vhci_hcd's per-connection kernel threads (vhci_rx, vhci_tx)
vhci_threads() {
	local d c
	for d in /proc/[0-9]*; do
		read -r c <"$d/comm" 2>/dev/null || continue
		case $c in vhci_rx | vhci_tx) echo "${d#/proc/}" ;; esac
	done
}
# attach: start the emulator, wait for uvcvideo's node
attach() {
	: >"$OUT/sent.log"
	python3 "$EMU" --sizes 640x480,1280x720 --log "$OUT/sent.log" 2>"$OUT/emu.err" &
	emu_pid=$!
	if ! wait_for 300 uvc_node >/dev/null; then
		echo "bench-seal: uvcvideo did not bind the emulated webcam" >&2
		cat "$OUT/emu.err" >&2
		dmesg | tail -n 20 >&2
		return 1
	fi
	vpids=$(vhci_threads | tr '\n' ' ')
	[ -n "$vpids" ] || { echo "bench-seal: no vhci_rx/vhci_tx thread" >&2; return 1; }
}
detach() {
	echo 0 >"$VHCI/detach"
	wait_for 120 emu_gone ||
		{ echo "bench-seal: the emulator did not exit at the detach" >&2; return 1; }
	wait "$emu_pid" ||
		{ echo "bench-seal: the emulator failed" >&2; cat "$OUT/emu.err" >&2; return 1; }
	emu_pid=
}
# run PATH DEV SCFMT SIZE N: one MMAP capture of N frames, measured
run() {
	local path=$1 dev=$2 f=$3 size=$4 n=$5 res s0 s1 k0 k1 e0 e1 v0 v1 t0 t1
	local frames bytes
	s0=$(wc -l <"$OUT/sent.log")
	# shellcheck disable=SC2086
	v0=$(stime_of $vpids) && e0=$(stime_of "$emu_pid") && k0=$(ksys)
	t0=$EPOCHREALTIME
	res=$(build/tests/tools/sc_capture -d "$dev" -f "$f" -s "$size" -r 30 -n "$n" -m mmap) || {
		echo "bench-seal: $path capture $f $size failed" >&2
		return 1
	}
	t1=$EPOCHREALTIME
	# shellcheck disable=SC2086
	k1=$(ksys) && e1=$(stime_of "$emu_pid") && v1=$(stime_of $vpids)
	s1=$(wc -l <"$OUT/sent.log")
	frames=$(sed -n 's/^frames=\([0-9]*\) .*/\1/p' <<<"$res")
	bytes=$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' <<<"$res")
	[ "$frames" = "$n" ] || { echo "bench-seal: $path $f $size: $res" >&2; return 1; }
	# every frame delivered must have come from the webcam (the sealed
	# node would stream its test pattern if the webcam were not its source)
	[ $((s1 - s0)) -ge "$n" ] || {
		echo "bench-seal: $path $f $size: $n frames delivered, the webcam sent $((s1 - s0))" >&2
		return 1
	}
	echo "webcam $path ${f#plain-} $size $n $bytes $(((${t1/./} - ${t0/./}) * 1000)) $((k1 - k0)) $((e1 - e0)) $((v1 - v0)) $((s1 - s0)) $HZ" >>"$OUT/raw"
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
		size=${spec%:*} n=${spec#*:}
		echo "webuser $1 yuyv $(build/tests/tools/bench_user "$size" "$n")" >>"$OUT/raw"
		echo "webuser $1 mjpeg $(build/tests/tools/bench_user "$size" "$n" "${jpeg_bytes[$size]}")" >>"$OUT/raw"
	done
}
declare -A jpeg_bytes
for spec in $WEBCAM_SPECS; do
	size=${spec%:*}
	jpeg_bytes[$size]=$(jpeg_mean "$size")
	echo "webjpeg $size ${jpeg_bytes[$size]}" >>"$OUT/raw"
done
modprobe -a vhci-hcd
rmmod uvcvideo 2>/dev/null || true
user before
# (a) stock uvcvideo, its own node
modprobe uvcvideo
attach
node=$(uvc_node)
for spec in $WEBCAM_SPECS; do
	size=${spec%:*} n=${spec#*:}
	run stock "$node" plain-yuyv "$size" "$n"
	run stock "$node" plain-mjpeg "$size" "$n"
done
detach
rmmod uvcvideo
# (b) the sealed uvcvideo, through sealcam's node
deps=$(modinfo -F depends "$SC_UVC_KO" | tr , ' ')
# shellcheck disable=SC2046
modprobe -a $(for m in $deps; do [ "$m" = sealcam ] || echo "$m"; done)
dmesg_mark=$(dmesg | wc -l)
insmod "$SC_UVC_KO"
attach
src_attached() { dmesg | tail -n +"$((dmesg_mark + 1))" | grep -q "frame source uvcvideo .* attached"; }
wait_for 60 src_attached ||
	{ echo "bench-seal: sealcam did not take the webcam as its frame source" >&2; exit 1; }
snode=$(sc_node 0)
for spec in $WEBCAM_SPECS; do
	size=${spec%:*} n=${spec#*:}
	run sealed "$snode" yuyv "$size" "$n"
	run sealed "$snode" mjpeg "$size" "$n"
done
detach
rmmod uvcvideo
user after
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
k = [kv(l) for l in lines if l.startswith("kernel ")]
u = [kv(l) for l in lines if l.startswith("user ")]
if k:
    print()
    print("In-kernel sealing vs userspace libsodium vs memcpy (MB/s, same VM, same data)")
    print(f"{'size':>10} {'frame MB':>9} {'kernel seal':>12} {'libsodium':>10} {'memcpy(k)':>10} {'memcpy(u)':>10} {'seal/sodium':>12}  kernel driver")
for a, b in zip(k, u):
    mb = int(a['frame_bytes']) * int(a['frames']) / 1e6
    ks = mb / (int(a['seal_ns']) / 1e9)
    kc = mb / (int(a['memcpy_ns']) / 1e9)
    us = mb / (int(b['aead_ns']) / 1e9)
    uc = mb / (int(b['memcpy_ns']) / 1e9)
    print(f"{a['size']:>10} {int(a['frame_bytes'])/1e6:>9.2f} {ks:>12.1f} {us:>10.1f} {kc:>10.1f} {uc:>10.1f} {ks/us:>11.2f}x  {a['driver']}")
caps = [l.split() for l in lines if l.startswith("capture ")]
if caps:
    print()
    print("Sealed capture (sealcam, sealed YUYV) vs vivid (plain YUYV), MMAP, 60 fps requested")
    print(f"{'size':>10} {'camera':>8} {'frames':>7} {'fps':>7} {'kernel ms/frame':>16}")
for _, cam, size, n, ns, jif, hz in caps:
    n, ns, jif, hz = int(n), int(ns), int(jif), int(hz)
    print(f"{size:>10} {cam:>8} {n:>7} {n / (ns / 1e9):>7.1f} {jif * 1000 / hz / n:>16.2f}")
web = {}
for l in lines:
    if l.startswith("webcam "):
        _, path, fmt, size, n, nbytes, ns, ksys, emu, vhci, sent, hz = l.split()
        n, hz = int(n), int(hz)
        tick = 1000 / hz / n  # ms per frame of one USER_HZ tick
        web[(size, fmt, path)] = dict(
            n=n, kb=int(nbytes) / n / 1024, fps=n / (int(ns) / 1e9), sent=int(sent),
            all=int(ksys) * tick, emu=int(emu) * tick, vhci=int(vhci) * tick,
            kern=(int(ksys) - int(emu) - int(vhci)) * tick)
sod = {}
for l in lines:
    if l.startswith("webuser "):
        _, rnd, fmt, rest = l.split(" ", 3)
        d = kv(rest)
        sod.setdefault((d['size'], fmt), []).append(
            (int(d['aead_ns']) / int(d['frames']) / 1e6, int(d['frame_bytes'])))
if web:
    print()
    print("USB webcam (emulated UVC over vhci_hcd), MMAP: kernel CPU per frame, stock uvcvideo vs")
    print("the sealed path (sealed uvcvideo -> sealcam), beside libsodium sealing the same bytes")
    print("in userspace (mean of a run before and one after the captures); target sealed <= 1.2 x (stock + libsodium)")
    print(f"{'size':>9} {'format':>6} {'frames':>6} {'stock uvc':>10} {'sealed':>10} {'libsodium':>10} {'sealed/(stock+sodium)':>22} {'target':>7}")
    print(f"{'':>9} {'':>6} {'':>6} {'ms/frame':>10} {'ms/frame':>10} {'ms/frame':>10}")
    rows = sorted({(s, f) for s, f, _ in web}, key=lambda t: (int(t[0].split('x')[0]), t[1] != 'yuyv'))
    for size, fmt in rows:
        a, b = web.get((size, fmt, "stock")), web.get((size, fmt, "sealed"))
        ls = sod.get((size, fmt), [])
        if not a or not b or not ls:
            print(f"{size:>9} {fmt:>6}  (incomplete: {'stock' if not a else ''} {'sealed' if not b else ''} {'libsodium' if not ls else ''})")
            continue
        lib = sum(x for x, _ in ls) / len(ls)
        ratio = b['kern'] / (a['kern'] + lib)
        verdict = "met" if ratio <= 1.2 else "MISSED"
        print(f"{size:>9} {fmt:>6} {b['n']:>6} {a['kern']:>10.2f} {b['kern']:>10.2f} {lib:>10.2f} {ratio:>21.2f}x {'1.2x':>7} {verdict}")
    print()
    print("Details: what was measured and what was taken out (ms/frame, USER_HZ ticks / frames);")
    print("kernel = all - emulator - vhci; KiB = mean bytes delivered per frame (sealed: with header and tag)")
    print(f"{'size':>9} {'format':>6} {'path':>6} {'frames':>6} {'sent':>5} {'fps':>6} {'KiB':>8} {'all kernel':>10} {'emulator':>9} {'vhci':>7} {'kernel':>8}")
    for size, fmt in rows:
        for path in ("stock", "sealed"):
            r = web.get((size, fmt, path))
            if r:
                print(f"{size:>9} {fmt:>6} {path:>6} {r['n']:>6} {r['sent']:>5} {r['fps']:>6.2f} {r['kb']:>8.1f} {r['all']:>10.2f} {r['emu']:>9.2f} {r['vhci']:>7.2f} {r['kern']:>8.2f}")
    for (size, fmt), ls in sorted(sod.items()):
        print(f"libsodium {size} {fmt}: {ls[0][1]} bytes per seal, " +
              " / ".join(f"{x:.2f}" for x, _ in ls) + " ms/frame (before / after the captures)")
PY
