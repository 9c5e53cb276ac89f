#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug only (run by the VM suite AFTER every real test, via
# SEALCAM_VM_LAST_TESTS): the debug kernel's checkers are live and our
# checker names their reports.  The test-only module sc_detectors.ko
# (tests/debug/sc_detectors/, never part of sealcam.ko) takes two mutexes in
# inverted order, calls might_sleep() under a spinlock, shifts an int by 40,
# reads freed memory and leaks four allocations; for each, the kernel log
# written meanwhile must carry exactly the expected report (lockdep,
# sleep-in-atomic, UBSAN, KASAN, kmemleak), flagged by
# tests/lib/dmesg-check.sh - the check that fails the real suite - and named
# by dmesg_report_kinds.
#
# Its deliberate reports are kept out of the suite's own per-test verdict
# (SEALCAM_DMESG_ALLOW), since this test asserts on them itself; the module
# stays loaded so that the suite's final kmemleak scan resolves its frames
# as [sc_detectors] and never counts its leaks against sealcam.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/dmesg-check.sh"

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ko=${SEALCAM_DETECTORS_KO:-$root/build/debug/sc_detectors/tests/debug/sc_detectors/sc_detectors.ko}
kl=/sys/kernel/debug/kmemleak
trigger=/sys/kernel/debug/sc_detectors/trigger
T=${SEALCAM_TMP:-$(mktemp -d)}

[ -e $kl ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
[ -e $kl ] || tap_skip_all "not the debug kernel (no $kl)"
# this test's reports are its own business: the suite's per-test log check
# must not count them (each is asserted on below).  With
# SEALCAM_DETECTORS_FAIL_RUN=1 they are left in, to see the whole run fail
# on them (vm-dmesg.tap then names them).
[ -n "${SEALCAM_DETECTORS_FAIL_RUN:-}" ] || [ -z "${SEALCAM_DMESG_ALLOW:-}" ] ||
	echo '.' >>"$SEALCAM_DMESG_ALLOW"

tap_plan 16

tap_ok "insmod $(basename "$ko")" insmod "$ko"

# run_trigger WHAT: write WHAT to the trigger, leave the kernel log written
# meanwhile in $T/WHAT.log
run_trigger() {
	local from
	from=$(dmesg | wc -l)
	echo "$1" >"$trigger" 2>"$T/$1.err"
	dmesg | sed -n "$((from + 1)),\$p" >"$T/$1.log"
}

# expect WHAT KIND: the log of WHAT is flagged, and names exactly KIND
expect() {
	local what=$1 kind=$2 problems kinds
	if problems=$(dmesg_problems "$T/$what.log"); then
		tap_pass "$what: dmesg-check flags the log ($(grep -c . <<<"$problems") lines)"
	else
		tap_fail "$what: dmesg-check flags the log"
		tap_diag "$(cat "$T/$what.log")"
	fi
	kinds=$(dmesg_report_kinds "$T/$what.log" | tr '\n' ' ')
	if [ "$kinds" = "$kind " ]; then
		tap_pass "$what: the report is named $kind"
	else
		tap_fail "$what: the report is named $kind (got: ${kinds:-nothing})"
	fi
	tap_diag "$what: $(grep -m1 -E 'KASAN:|UBSAN:|BUG:|WARNING:|suspected' "$T/$what.log")"
}

# lockdep first: a KASAN report taints the kernel, which turns lockdep off
run_trigger abba
expect abba lockdep
tap_check "abba: lockdep names both mutexes" \
	grep -q 'sc_det_a' "$T/abba.log"

run_trigger atomic
expect atomic sleep-in-atomic
tap_check "atomic: the report points at sc_det_atomic" \
	grep -q 'sc_det_atomic' "$T/atomic.log"

run_trigger shift
expect shift UBSAN
tap_check "shift: UBSAN says shift-out-of-bounds in sc_detectors.c" \
	grep -qE 'UBSAN: shift-out-of-bounds in .*sc_detectors\.c' "$T/shift.log"

run_trigger uaf
expect uaf KASAN
tap_check "uaf: KASAN says use-after-free in sc_det_uaf" \
	grep -qE 'BUG: KASAN: (slab-)?use-after-free in sc_det_uaf' "$T/uaf.log"

# kmemleak only reports objects older than 5 s (MSECS_MIN_AGE): no event to
# wait for, the age is the condition
run_trigger leak
sleep 6
from=$(dmesg | wc -l)
echo scan >$kl
echo scan >$kl
cat $kl >"$T/kmemleak.txt"
dmesg | sed -n "$((from + 1)),\$p" >>"$T/leak.log"
expect leak kmemleak
found=$(kmemleak_reports "$T/kmemleak.txt" sc_detectors)
n=$(grep -c '^unreferenced object' <<<"$found")
tap_check "leak: kmemleak_reports attributes $n of the 4 leaked objects to sc_detectors" \
	test "$n" -ge 1
tap_diag "$(head -n 12 <<<"$found")"
[ -z "${SEALCAM_ARTIFACTS:-}" ] || cp "$T"/*.log "$T/kmemleak.txt" "$SEALCAM_ARTIFACTS/" 2>/dev/null
tap_done
