#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-audit.sh - cost of the camera-open audit probe (run as root in the
# VM, e.g. scripts/vm-run -- scripts/bench-audit.sh, or through the VM suite
# as tests/vm/test_audit_bench.sh).
#
# Prints one table: open()+close() latency on a vivid node
#   - bare: no probe, the Linux audit subsystem quiet (no rules, off, no
#     audit context for new tasks),
#   - with the camopen probe attached by sealcam-auditd (ring buffer without
#     wakeups, drained every 100 ms),
#   - with an auditd read watch on the node (probe detached),
# as the median over ROUNDS rounds of N opens each, the three taken in turn
# within each round so that a drift of the shared host's speed hits all of
# them alike. Then the events the probe lost under a storm of 10000 opens
# from 8 processes (the target is zero), with the daemon running.
# BENCH_ROUNDS (default 7), BENCH_N (default 2000).
#
# Last line: "bench-audit: ratio probe/bare R, auditd/bare A, lost L of
# 20000 storm records" for scripts and tests to read.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/linux-audit.sh
. "$root/tests/lib/linux-audit.sh"
opener=$root/build/tests/tools/audit_opener
auditd=$root/build/sealcam-auditd
sc=$root/build/sealcam
rounds=${BENCH_ROUNDS:-7}
n=${BENCH_N:-2000}
tmp=$(mktemp -d)
pin=/sys/fs/bpf/sealcam-bench
dpid=
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
	la_stop; "$auditd" --detach --pin-dir "$pin" 2>/dev/null; rmmod vivid 2>/dev/null
	rm -rf "$tmp"' EXIT

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
modprobe vivid n_devs=1 node_types=0x1 || exit 1
node=
for d in /sys/class/video4linux/video*; do
	case $(cat "$d/name") in vivid*) node=/dev/${d##*/} ;; esac
done
[ -c "$node" ] || { echo "bench-audit: no vivid node" >&2; exit 1; }

# one_round: us per open+close over N opens in one process
one_round() {
	local t0 t1
	t0=$(date +%s%N)
	"$opener" -n "$n" "$node" >/dev/null || return 1
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) -v n="$n" 'BEGIN { printf "%.2f\n", d / n / 1000 }'
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }

start_probe() {
	rm -f "$tmp/ready"
	"$auditd" --dir "$tmp/log" --pin-dir "$pin" --no-netlink --ready-file "$tmp/ready" \
		--epoch-records 100000 "$@" 2>>"$tmp/auditd.err" &
	dpid=$!
	for _ in $(seq 1 600); do
		[ -e "$tmp/ready" ] && return 0
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench-audit: sealcam-auditd did not start:" >&2
	cat "$tmp/auditd.err" >&2
	return 1
}

stop_probe() {
	kill -TERM "$dpid"
	wait "$dpid"
	dpid=
	"$auditd" --detach --pin-dir "$pin"
}

"$sc" audit init --dir "$tmp/log" >/dev/null 2>&1 || exit 1
have_la=0
if la_available && la_start "$tmp/la"; then
	have_la=1
	la_quiet
fi
: >"$tmp/bare"; : >"$tmp/probe"; : >"$tmp/watch"
for ((r = 0; r < rounds; r++)); do
	one_round >>"$tmp/bare" || exit 1
	start_probe || exit 1
	one_round >>"$tmp/probe" || exit 1
	stop_probe
	if [ "$have_la" = 1 ]; then
		la_watch sc-bench "$node" || exit 1
		one_round >>"$tmp/watch" || exit 1
		la_quiet
	fi
done
[ "$have_la" = 1 ] && la_stop

# the storm: 10000 opens at once from 8 processes, with the daemon running
# (10 s after it to drain, then a clean stop drains the rest)
start_probe || exit 1
before=$(grep -c '"type":"open"' "$tmp/log/audit.log")
t0=$(date +%s%N)
"$opener" -p 8 -n 1250 "$node" >"$tmp/storm.out" || exit 1
t1=$(date +%s%N)
stop_probe
storm_opens=$(($(grep -c '"type":"open"' "$tmp/log/audit.log") - before))
lost=$(grep '"type":"gap"' "$tmp/log/audit.log" | grep -v '"source":"netlink"' |
	sed -n 's/.*"lost":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
all_opens=$(grep -c '"type":"open"' "$tmp/log/audit.log")
all_closes=$(grep -c '"type":"close"' "$tmp/log/audit.log")

bare=$(median "$tmp/bare")
probe=$(median "$tmp/probe")
if [ "$have_la" = 1 ]; then
	watch=$(median "$tmp/watch")
else
	watch="n/a"
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

echo "bench-audit: $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPU(s)," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $node"
echo "bench-audit: median of $rounds rounds x $n open+close, configurations in turn each round"
printf '%-40s %12s %8s\n' "configuration" "us/open" "ratio"
printf '%-40s %12s %8s\n' "no probe (bare)" "$bare" "1.00"
printf '%-40s %12s %8s\n' "camopen probe (sealcam-auditd)" "$probe" "$(ratio "$probe" "$bare")"
printf '%-40s %12s %8s\n' "auditd read watch (probe detached)" "$watch" "$(ratio "$watch" "$bare")"
echo "bench-audit: per-round us/open: bare $(tr '\n' ' ' <"$tmp/bare")| probe $(tr '\n' ' ' <"$tmp/probe")| watch $(tr '\n' ' ' <"$tmp/watch")"
echo "bench-audit: storm of 10000 opens from 8 processes in" \
	"$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e9 }') s: $storm_opens opens logged," \
	"$lost records lost (gap records); whole run: $all_opens opens, $all_closes closes logged," \
	"expected $((rounds * n + 10000)) each"
grep -h 'stopped' "$tmp/auditd.err" | tail -1 | sed 's/^/bench-audit: last daemon: /'
echo "bench-audit: ratio probe/bare $(ratio "$probe" "$bare"), auditd/bare $(ratio "$watch" "$bare")," \
	"lost $lost, logged $all_opens of $((rounds * n + 10000)) opens"
