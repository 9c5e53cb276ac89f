#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-audit.sh - cost of the camera-open audit probe (run as root in the
# VM, e.g. scripts/vm-run -- scripts/bench-audit.sh).
#
# Prints one table: open()+close() latency on a vivid node with no probe,
# with the camopen probe attached by sealcam-auditd (ring buffer without
# wakeups, drained every 100 ms), and with an auditd watch rule when auditd
# is installed; plus the events the probe lost under the storm (the target
# is zero). Median of ROUNDS rounds of N opens each (BENCH_ROUNDS, BENCH_N).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
opener=$root/build/tests/tools/audit_opener
auditd=$root/build/sealcam-auditd
sc=$root/build/sealcam
rounds=${BENCH_ROUNDS:-7}
n=${BENCH_N:-2000}
tmp=$(mktemp -d)
pin=/sys/fs/bpf/sealcam-bench
trap '[ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null; wait 2>/dev/null;
	"$auditd" --detach --pin-dir "$pin" 2>/dev/null; rmmod vivid 2>/dev/null;
	rm -rf "$tmp"' EXIT

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
modprobe vivid n_devs=1 node_types=0x1 || exit 1
node=
for d in /sys/class/video4linux/video*; do
	case $(cat "$d/name") in vivid*) node=/dev/${d##*/} ;; esac
done
[ -c "$node" ] || { echo "bench-audit: no vivid node" >&2; exit 1; }

# median_us: ROUNDS timings of N open+close, median per open in microseconds
median_us() {
	local i t0 t1
	for ((i = 0; i < rounds; i++)); do
		t0=$(date +%s%N)
		"$opener" -n "$n" "$node" >/dev/null || return 1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / n))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'
}

bare=$(median_us)

"$sc" audit init --dir "$tmp/log" >/dev/null 2>&1
"$auditd" --dir "$tmp/log" --pin-dir "$pin" --no-netlink --ready-file "$tmp/ready" \
	--epoch-records 100000 2>"$tmp/auditd.err" &
dpid=$!
for _ in $(seq 1 600); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
probe=$(median_us)
# storm: 10000 opens at once from 8 processes
"$opener" -p 8 -n 1250 "$node" >/dev/null
kill -TERM "$dpid"; wait "$dpid"; dpid=
logged=$(grep -c '"type":"open"' "$tmp/log/audit.log")
lost=$(grep '"type":"gap"' "$tmp/log/audit.log" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p' |
	awk '{ s += $1 } END { print s + 0 }')
"$auditd" --detach --pin-dir "$pin"

if command -v auditctl >/dev/null && pidof auditd >/dev/null; then
	auditctl -w "$node" -p rwxa -k sealcam-bench >/dev/null
	watch=$(median_us)
	auditctl -W "$node" -p rwxa -k sealcam-bench >/dev/null
else
	watch="n/a (auditd not running)"
fi

expected=$((rounds * n + 10000))
echo "bench-audit: $(uname -r), $(nproc) CPU(s), node $node, median of $rounds x $n open+close"
printf '%-34s %12s %8s\n' "configuration" "us/open" "ratio"
printf '%-34s %12s %8s\n' "no probe" "$bare" "1.00"
printf '%-34s %12s %8s\n' "camopen probe (sealcam-auditd)" "$probe" \
	"$(awk -v a="$probe" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')"
printf '%-34s %12s %8s\n' "auditd watch rule" "$watch" \
	"$(awk -v a="$watch" -v b="$bare" 'BEGIN { if (a + 0 > 0) printf "%.2f", a / b; else print "-" }')"
echo "opens logged during the probe runs and the 10000-open storm: $logged of $expected, lost (gap records): $lost"
