#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The audit benchmark (scripts/bench-audit.sh) in the VM suite: its table is
# kept as an artifact, and its targets are checked: no probe record lost in
# a storm of 10000 opens from 8 processes (every open and close logged),
# the probe cheaper than an auditd read watch (also with the daemon
# draining), and the probe within 1.10x of the bare open+close (the cost in
# the open/close path, from tests/tools/probe_toggle's alternating blocks;
# the coarser ratios over rounds, also with the daemon draining on the same
# 2 vCPUs, are printed too).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

[ -x "$SC_ROOT/build/sealcam-auditd" ] && [ -x "$SC_TOOLS/audit_opener" ] ||
	tap_skip_all "sealcam-auditd or audit_opener not built"
tap_plan 4

# smaller than the script's defaults, to stay well inside the suite's
# per-test time limit on a loaded TCG host
BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_N=${BENCH_N:-1000} BENCH_TOGGLE_BLOCKS=${BENCH_TOGGLE_BLOCKS:-20} \
	"$SC_ROOT/scripts/bench-audit.sh" >"$SEALCAM_TMP/bench.out" 2>"$SEALCAM_TMP/bench.err"
rc=$?
cp "$SEALCAM_TMP/bench.out" "$SEALCAM_ARTIFACTS/bench-audit.txt" 2>/dev/null
tap_diag "$(cat "$SEALCAM_TMP/bench.out" "$SEALCAM_TMP/bench.err")"
tap_check "bench-audit.sh ran (exit $rc)" test "$rc" = 0

last=$(grep '^bench-audit: ratio' "$SEALCAM_TMP/bench.out")
probe=$(sed -n 's/.*probe\/bare \([0-9.]*\) .*/\1/p' <<<"$last")
live=$(sed -n 's/.*draining \([0-9.]*\)).*/\1/p' <<<"$last")
rounds_probe=$(sed -n 's/.*daemon stopped \([0-9.]*\);.*/\1/p' <<<"$last")
watch=$(sed -n 's/.*auditd\/bare \([0-9.]*\),.*/\1/p' <<<"$last")
lost=$(sed -n 's/.*, lost \([0-9]*\),.*/\1/p' <<<"$last")
expected=$(sed -n 's/.* of \([0-9]*\) opens$/\1/p' <<<"$last")
logged=$(sed -n 's/.*logged \([0-9]*\) of.*/\1/p' <<<"$last")
closes=$(sed -n 's/.*opens, \([0-9]*\) closes logged.*/\1/p' "$SEALCAM_TMP/bench.out")
tap_check "storm of 10000 opens: none lost, every open and close logged ($logged, $closes of $expected)" \
	test "${lost:-x}" = 0 -a "${logged:-x}" = "${expected:-y}" -a "${closes:-x}" = "${expected:-y}"
tap_check "the probe, also with the daemon draining, costs less than an auditd read watch ($probe x, $live x vs $watch x)" \
	awk -v p="${probe:-9}" -v l="${live:-9}" -v w="${watch:-0}" 'BEGIN { exit !(p + 0 < w + 0 && l + 0 < w + 0) }'
tap_check "the probe costs at most 1.10x the bare open+close ($probe x in alternating blocks; $rounds_probe x over rounds; with the daemon draining on the same 2 CPUs $live x)" \
	awk -v p="${probe:-9}" 'BEGIN { exit !(p + 0 <= 1.10) }'
tap_done
