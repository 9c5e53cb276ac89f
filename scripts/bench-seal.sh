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
#     at the same size: frames/s and kernel CPU per frame.
#
# Prints two tables. Usage: scripts/bench-seal.sh [FRAMES_SCALE]

set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scale=${1:-1}

make -s all build/tests/tools/sc_capture build/tests/tools/bench_user
out=$(mktemp -d "$root/build/bench.XXXXXX")
trap 'rm -rf "$out"' EXIT

cat >"$out/guest.sh" <<EOF
set -e
. tests/lib/sealcam.sh
sc_load devices=1
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
build/sealcam genkey | build/sealcam pubkey > /tmp/owner.pub
build/sealcam key add /tmp/owner.pub >/dev/null
echo "cpu: \$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >"$out/raw"
echo "flags: \$(grep -m1 -o -w -E 'avx2|avx512vl|ssse3' /proc/cpuinfo | sort -u | tr '\n' ' ')" >>"$out/raw"
for spec in 640x480:$((60 * scale)) 1280x720:$((30 * scale)) 1920x1080:$((20 * scale)); do
	size=\${spec%:*} n=\${spec#*:}
	echo "\$size \$n" > /sys/kernel/debug/sealcam/bench
	echo "kernel \$(cat /sys/kernel/debug/sealcam/bench)" >>"$out/raw"
	echo "user \$(build/tests/tools/bench_user \$size \$n)" >>"$out/raw"
done
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
sc_unload
EOF
scripts/vm-run --cpu-max --rwdir "$out" -- bash "$out/guest.sh"

python3 - "$out/raw" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
kv = lambda s: dict(re.findall(r'(\w+)=(\S+)', s))
print(next(l for l in lines if l.startswith("cpu:")))
print(next(l for l in lines if l.startswith("flags:")))
print()
print("In-kernel sealing vs userspace libsodium vs memcpy (MB/s, same VM, same data)")
print(f"{'size':>10} {'frame MB':>9} {'kernel seal':>12} {'libsodium':>10} {'memcpy(k)':>10} {'memcpy(u)':>10} {'seal/sodium':>12}  kernel driver")
k = [kv(l) for l in lines if l.startswith("kernel ")]
u = [kv(l) for l in lines if l.startswith("user ")]
for a, b in zip(k, u):
    mb = int(a['frame_bytes']) * int(a['frames']) / 1e6
    ks = mb / (int(a['seal_ns']) / 1e9)
    kc = mb / (int(a['memcpy_ns']) / 1e9)
    us = mb / (int(b['aead_ns']) / 1e9)
    uc = mb / (int(b['memcpy_ns']) / 1e9)
    print(f"{a['size']:>10} {int(a['frame_bytes'])/1e6:>9.2f} {ks:>12.1f} {us:>10.1f} {kc:>10.1f} {uc:>10.1f} {ks/us:>11.2f}x  {a['driver']}")
print()
print("Sealed capture (sealcam, sealed YUYV) vs vivid (plain YUYV), MMAP, 60 fps requested")
print(f"{'size':>10} {'camera':>8} {'frames':>7} {'fps':>7} {'kernel ms/frame':>16}")
for l in lines:
    if not l.startswith("capture "):
        continue
    _, cam, size, n, ns, jif, hz = l.split()
    n, ns, jif, hz = int(n), int(ns), int(jif), int(hz)
    print(f"{size:>10} {cam:>8} {n:>7} {n / (ns / 1e9):>7.1f} {jif * 1000 / hz / n:>16.2f}")
PY
