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
#   - with the camopen probe attached by sealcam-auditd and the daemon
#     stopped (SIGSTOP) during the round: the cost in the open/close path
#     alone (the records wait in the ring buffer, drained after the round),
#   - with the probe and the daemon draining while the round runs: on a
#     2-CPU TCG guest the daemon's hashing takes CPU time from the opener,
#   - with an auditd read watch on the node (probe detached; auditd and
#     kauditd writing meanwhile),
#   - the probe in the open path measured finely: tests/tools/probe_toggle
#     attaches and detaches its own copy of the probe between blocks of 200
#     opens (bare, probe, probe, bare, ...) in one process; the median of
#     the paired ratios is the headline cost of the probe,
# each as the median over ROUNDS rounds of N opens; within a round the
# configurations run in turn, bare both first and last, and each ratio is
# the median over rounds of the round's time over that round's mean bare
# time, so that the shared host's changing speed hits them alike. Then the
# events the probe lost under a storm of 10000 opens from 8 processes (the
# target is zero), with the daemon running.
# BENCH_ROUNDS (default 9), BENCH_N (default 2000), BENCH_TOGGLE_BLOCKS
# (default 40).
#
# Last line: "bench-audit: ratio probe/bare R (with the daemon draining D),
# auditd/bare A, lost L, logged O of E opens" for tests to read.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/linux-audit.sh
. "$root/tests/lib/linux-audit.sh"
opener=${SEALCAM_BUILD:-$root/build}/tests/tools/audit_opener
toggle=${SEALCAM_BUILD:-$root/build}/tests/tools/probe_toggle
auditd=${SEALCAM_BUILD:-$root/build}/sealcam-auditd
sc=${SEALCAM_BUILD:-$root/build}/sealcam
rounds=${BENCH_ROUNDS:-9}
n=${BENCH_N:-2000}
tmp=$(mktemp -d)
pin=/sys/fs/bpf/sealcam-bench
dpid=
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
	la_stop; "$auditd" --detach --pin-dir "$pin" 2>/dev/null; rmmod vivid 2>/dev/null
	rm -rf "$tmp"' EXIT
# a timeout's SIGTERM must still stop auditd and detach the probe
trap 'exit 143' TERM INT

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

# progress on stderr, with the seconds since the start: a slow or stuck
# phase names itself (the table goes to stdout at the end)
progress() { echo "bench-audit: [$((SECONDS))s] $*" >&2; }

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
progress "starting auditd"
if la_available && la_start "$tmp/la"; then
	have_la=1
	la_quiet
fi
: >"$tmp/bare"; : >"$tmp/probe"; : >"$tmp/live"; : >"$tmp/watch"; : >"$tmp/ratios"
for ((r = 0; r < rounds; r++)); do
	progress "round $((r + 1))/$rounds"
	b1=$(one_round) || exit 1
	start_probe || exit 1
	l=$(one_round) || exit 1
	kill -STOP "$dpid"
	p=$(one_round) || exit 1
	kill -CONT "$dpid"
	stop_probe
	w=-
	if [ "$have_la" = 1 ]; then
		la_watch sc-bench "$node" || exit 1
		w=$(one_round) || exit 1
		la_quiet
	fi
	b2=$(one_round) || exit 1
	b=$(awk -v a="$b1" -v b="$b2" 'BEGIN { printf "%.2f", (a + b) / 2 }')
	echo "$b" >>"$tmp/bare"
	echo "$p" >>"$tmp/probe"
	echo "$l" >>"$tmp/live"
	[ "$w" = - ] || echo "$w" >>"$tmp/watch"
	awk -v b="$b" -v p="$p" -v l="$l" -v w="$w" \
		'BEGIN { printf "%.3f %.3f %s\n", p / b, l / b, w == "-" ? "-" : sprintf("%.3f", w / b) }' >>"$tmp/ratios"
	echo "round $((r + 1)): bare $b1 $b2, probe $p, probe+daemon $l, auditd watch $w us/open" >>"$tmp/rounds"
done
if [ "$have_la" = 1 ]; then
	progress "stopping auditd (it writes what it has queued first)"
	la_stop
fi

# the probe alone, attached and detached between blocks in one process
progress "probe_toggle, ${BENCH_TOGGLE_BLOCKS:-40} blocks"
"$toggle" -n 200 -b "${BENCH_TOGGLE_BLOCKS:-40}" "$node" >"$tmp/toggle" || exit 1
t_line=$(cat "$tmp/toggle")
t_bare=$(sed -n 's/.* bare_us=\([0-9.]*\).*/\1/p' <<<"$t_line")
t_probe=$(sed -n 's/.* probe_us=\([0-9.]*\).*/\1/p' <<<"$t_line")
t_ratio=$(sed -n 's/.* ratio=\([0-9.]*\).*/\1/p' <<<"$t_line")
t_ratio=$(awk -v r="$t_ratio" 'BEGIN { printf "%.2f", r }')
# again with the kernel's BPF run-time statistics: the time inside the
# probe's two programs per open+close (the statistics' own clock reads
# slow these blocks down, hence a separate run)
"$toggle" -s -n 200 -b "${BENCH_TOGGLE_BLOCKS:-40}" "$node" >"$tmp/toggle-s" || exit 1
progress "probe_toggle -s done"
s_line=$(cat "$tmp/toggle-s")
s_bare=$(sed -n 's/.* bare_us=\([0-9.]*\).*/\1/p' <<<"$s_line")
s_prog=$(sed -n 's/.* in_prog_us=\([0-9.-]*\).*/\1/p' <<<"$s_line")
s_ratio=$(awk -v b="$s_bare" -v p="$s_prog" 'BEGIN { if (b > 0 && p >= 0) printf "%.2f", (b + p) / b; else print "-" }')

# the storm: 10000 opens at once from 8 processes, with the daemon running
# (10 s after it to drain, then a clean stop drains the rest)
progress "storm"
start_probe || exit 1
before=$(grep -c '"type":"open"' "$tmp/log/audit.log")
t0=$(date +%s%N)
"$opener" -p 8 -n 1250 "$node" >"$tmp/storm.out" || exit 1
t1=$(date +%s%N)
progress "storm done, stopping the daemon"
stop_probe
progress "daemon stopped"
storm_opens=$(($(grep -c '"type":"open"' "$tmp/log/audit.log") - before))
lost=$(grep '"type":"gap"' "$tmp/log/audit.log" | grep -v '"source":"netlink"' |
	sed -n 's/.*"lost":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
all_opens=$(grep -c '"type":"open"' "$tmp/log/audit.log")
all_closes=$(grep -c '"type":"close"' "$tmp/log/audit.log")

bare=$(median "$tmp/bare")
probe=$(median "$tmp/probe")
live=$(median "$tmp/live")
watch=n/a
[ -s "$tmp/watch" ] && watch=$(median "$tmp/watch")
# median of the per-round ratios in column $1 of ratios
rmed() {
	awk -v c="$1" '$c != "-" { print $c }' "$tmp/ratios" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print "-" }'
}
rp=$(rmed 1); rl=$(rmed 2); rw=$(rmed 3)

echo "bench-audit: $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPU(s)," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $node"
echo "bench-audit: $rounds rounds x $n open+close, configurations in turn each round;" \
	"us/open: median over rounds; ratio: median over rounds of round/bare"
printf '%-46s %10s %8s\n' "configuration" "us/open" "ratio"
printf '%-46s %10s %8s\n' "no probe (bare)" "$bare" "1.00"
printf '%-46s %10s %8s\n' "camopen probe (daemon stopped in the round)" "$probe" "$rp"
printf '%-46s %10s %8s\n' "camopen probe + sealcam-auditd draining" "$live" "$rl"
printf '%-46s %10s %8s\n' "auditd read watch (probe detached)" "$watch" "$rw"
printf '%-46s %10s %8s\n' "probe_toggle: bare blocks" "$t_bare" "1.00"
printf '%-46s %10s %8s\n' "probe_toggle: probe blocks (the probe's cost)" "$t_probe" "$t_ratio"
printf '%-46s %10s %8s\n' "  of which inside the programs (BPF stats)" "$s_prog" "$s_ratio"
echo "bench-audit: guest clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
sed 's/^/bench-audit: /' "$tmp/rounds"
echo "bench-audit: $t_line"
echo "bench-audit: (-s) $s_line"
echo "bench-audit: storm of 10000 opens from 8 processes in" \
	"$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e9 }') s: $storm_opens opens logged," \
	"$lost records lost (gap records); whole run: $all_opens opens, $all_closes closes logged," \
	"expected $((rounds * n * 2 + 10000)) each"
grep -h 'stopped' "$tmp/auditd.err" | tail -1 | sed 's/^/bench-audit: last daemon: /'
echo "bench-audit: ratio probe/bare $t_ratio (rounds, daemon stopped $rp; with the daemon draining $rl), auditd/bare $rw," \
	"lost $lost, logged $all_opens of $((rounds * n * 2 + 10000)) opens"
