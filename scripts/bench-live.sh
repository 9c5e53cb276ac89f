#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-live.sh - live view latency (issue 17, acceptance 3): capture (the
# frame's CLOCK_REALTIME timestamp, taken in the kernel when the frame is
# sealed) to decrypted frame in `sealcam view`, in one VM boot (qemu -cpu
# max, TCG here), through the real path: sealcam.ko -> sealcam-agent --live
# -> mosquitto with TLS (scripts/live-relay.sh, in the guest) -> sealcam view
# (verify, decrypt, y4m to /dev/null). 640x480 YUYV at 15 fps.
#
#   scripts/bench-live.sh [FRAMES] [SIZE]     (default 150 640x480)
#
# Prints a table, median and p99 in ms, and the target (median < 500 ms)
# as met or NOT MET (exit 1). Raw per-frame figures and logs:
# build/bench-live.last/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
frames=${1:-150}
size=${2:-640x480}
out=$root/build/bench-live.last
rm -rf "$out"
mkdir -p "$out"
for f in build/sealcam build/sealcam-agent sealcam.ko; do
	[ -e "$f" ] || { echo "bench-live.sh: $f missing (make all)" >&2; exit 1; }
done

cat >"$out/guest.sh" <<EOF
set -u
cd "$root"
SEALCAM_TMP=\$(mktemp -d)
. tests/lib/tap.sh >/dev/null
. tests/lib/sealcam.sh
T=\$SEALCAM_TMP
sc_load devices=1 seg_frames=150 || exit 1
node=\$(sc_node 0)
build/sealcam genkey >\$T/owner.key 2>/dev/null
build/sealcam pubkey <\$T/owner.key >\$T/owner.pub
build/sealcam key add \$T/owner.pub >/dev/null
build/sealcam device-key >\$T/device.pub
devid=\$(build/sealcam device-key --id | tail -1)
echo dev-pw >\$T/dev.pw; echo owner-pw >\$T/owner.pw
port=\$(scripts/live-relay.sh free-port)
scripts/live-relay.sh config \$T/relay --port \$port --run-as root \
	--device \$devid:\$T/dev.pw --viewer owner:\$T/owner.pw:\$devid >/dev/null
scripts/live-relay.sh run \$T/relay 2>$out/relay.log &
rpid=\$!
wait_for 60 grep -q running $out/relay.log
build/sealcam-agent --config /dev/null --device \$node --size $size --fps 15 \
	--spool \$T/spool --outbox "" --status-file "" --url file://\$T/store \
	--live mqtts://localhost:\$port --live-password-file \$T/dev.pw \
	--live-ca-file \$T/relay/ca.crt 2>$out/agent.log &
apid=\$!
wait_for 120 grep -q "live: connected" $out/agent.log
# warm-up: join, then measure the next $frames frames
build/sealcam view --key \$T/owner.key --url mqtts://localhost:\$port --user owner \
	--password-file \$T/owner.pw --ca-file \$T/relay/ca.crt --expect-device \$T/device.pub \
	--frames 15 --wait 300 -o /dev/null 2>$out/warmup.log
build/sealcam view --key \$T/owner.key --url mqtts://localhost:\$port --user owner \
	--password-file \$T/owner.pw --ca-file \$T/relay/ca.crt --expect-device \$T/device.pub \
	--frames $frames --wait 300 -o /dev/null --latency-log $out/view.lat 2>$out/view.log
kill -TERM \$apid; wait \$apid
kill \$rpid; wait \$rpid 2>/dev/null
grep -E 'chacha20|poly1305' /proc/crypto | sort -u | tr '\n' ' ' >$out/crypto
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' >$out/cpu
sc_unload
EOF
scripts/vm-run --cpu-max --rwdir "$out" -- bash "$out/guest.sh" >"$out/vm.log" 2>&1 ||
	{ echo "bench-live.sh: the VM run failed, see $out/vm.log" >&2; tail -20 "$out/vm.log" >&2; exit 1; }
[ -s "$out/view.lat" ] || { echo "bench-live.sh: no frames measured; see $out/" >&2; exit 1; }

accel=$(grep -o 'accel [a-z]*' "$out/vm.log" | head -1 | cut -d' ' -f2)
python3 - "$out/view.lat" "${accel:-?}" "$size" "$(cat "$out/cpu" 2>/dev/null)" <<'PY'
import sys
lat = sorted(float(l.split()[3]) for l in open(sys.argv[1]) if l.strip())
n = len(lat)
med = lat[n // 2]
p99 = lat[min(n - 1, (n * 99) // 100)]
print(f"Live view latency, capture to decrypted frame (VM, accel {sys.argv[2]}, guest CPU {sys.argv[4]})")
print(f"{'path':<44} {'size':>8} {'fps':>4} {'frames':>7} {'median ms':>10} {'p99 ms':>8}")
print(f"{'sealcam view (agent -> mosquitto TLS -> view)':<44} {sys.argv[3]:>8} {15:>4} {n:>7} {med:>10.1f} {p99:>8.1f}")
print(f"{'browser page':<44} {'-':>8} {'-':>4} {'-':>7} {'not built':>10} {'-':>8}")
ok = med < 500
print(f"target: median < 500 ms in sealcam view: {'met' if ok else 'NOT MET'}")
sys.exit(0 if ok else 1)
PY
