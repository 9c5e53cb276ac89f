#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-seal.sh - sealing and capture benchmark, all in ONE VM run
# (qemu -cpu max, so the kernel's SIMD ChaCha20/Poly1305 are in use):
#
#  1. in-kernel sealing (debugfs sealcam/bench: the capture path's
#     sc_seal_frame, format v3, one recipient) on one CPU and split with a
#     second (seal_split), beside libsodium's ChaCha20-Poly1305 in userspace
#     and memcpy, same frame sizes (YUYV 640x480, 1280x720, 1920x1080); the
#     three are interleaved for ROUNDS rounds (default 3) and the medians
#     compared, so that a change of load hits all three alike; the parts of
#     a seal are timed alone beside them (the AEAD, one Poly1305 pass, and
#     the SHA-256 pass format v2 made);
#  2. sealed capture (sealcam, sealed YUYV, MMAP) beside vivid (plain YUYV)
#     at the same size: frames/s and kernel CPU per frame.
#
# Prints the tables. Usage: scripts/bench-seal.sh [FRAMES_SCALE [ROUNDS]]

set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scale=${1:-1}
rounds=${2:-3}

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
from statistics import median
k = [kv(l) for l in lines if l.startswith("kernel ")]
u = [kv(l) for l in lines if l.startswith("user ")]
sizes = list(dict.fromkeys(a['size'] for a in k))
def rate(rows, key):	# median MB/s of rows over their own byte counts
    return median(int(r['frame_bytes']) * int(r['frames']) / 1e6 /
                  (int(r[key]) / 1e9) for r in rows)
print(f"In-kernel sealing (format v3, 1 recipient) vs userspace libsodium (MB/s, medians of {max(int(a['round']) for a in k)} interleaved rounds, same VM, same data)")
print(f"{'size':>10} {'frame MB':>9} {'seal 1 CPU':>11} {'seal 2 CPUs':>12} {'libsodium':>10} {'1 CPU/sodium':>13} {'2 CPUs/1 CPU':>13}  kernel driver")
for sz in sizes:
    k1 = [a for a in k if a['size'] == sz and a['split'] == '0']
    k2 = [a for a in k if a['size'] == sz and a['split'] == '1']
    us = [b for b in u if b['size'] == sz]
    s1, s2, ls = rate(k1, 'seal_ns'), rate(k2, 'seal_ns'), rate(us, 'aead_ns')
    print(f"{sz:>10} {int(k1[0]['frame_bytes'])/1e6:>9.2f} {s1:>11.1f} {s2:>12.1f} {ls:>10.1f} {s1/ls:>12.2f}x {s2/s1:>12.2f}x  {k1[0]['driver']} ({k1[0]['cpus']} CPUs)")
print()
print("The parts of one seal, timed alone in the same rounds (MB/s, medians)")
print(f"{'size':>10} {'AEAD':>8} {'Poly1305':>9} {'SHA-256 lib':>12} {'SHA-256 API':>12} {'memcpy(k)':>10} {'memcpy(u)':>10}  SHA-256 API driver")
for sz in sizes:
    ka = [a for a in k if a['size'] == sz]
    us = [b for b in u if b['size'] == sz]
    print(f"{sz:>10} {rate(ka, 'aead_ns'):>8.1f} {rate(ka, 'poly1305_ns'):>9.1f} {rate(ka, 'sha256_lib_ns'):>12.1f} {rate(ka, 'sha256_api_ns'):>12.1f} {rate(ka, 'memcpy_ns'):>10.1f} {rate(us, 'memcpy_ns'):>10.1f}  {ka[0]['sha256_api']}")
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
