# SPDX-License-Identifier: GPL-2.0
# Shell library (source it) for kselftest-style TAP tests.
#
#   . "$(dirname "$0")/../lib/tap.sh"
#   tap_plan 3
#   tap_ok "vivid loads" modprobe vivid      # runs a command: ok if status 0
#   tap_check "two nodes" test "$n" -eq 2     # same, quieter on failure
#   tap_skip "long mode only" "1 GB upload"   # see "honest" below
#   [ -x "$t" ] || tap_missing "$t (make tests)"  # a failure, not a skip
#   tap_done                                  # exit 0 if all passed, else 1
#
# tap_ok/tap_check run the command; on failure the command's output (for
# tap_ok) is printed as '#' diagnostics.  tap_pass/tap_fail record a result
# decided by the caller.  tap_skip_all REASON ends a test that cannot run
# here ("1..0 # SKIP REASON", exit 0) - prove then counts it as skipped.
# Output goes to stdout; diagnostics (tap_diag) too, prefixed "# ".
#
# Skips must be honest (issue 12): tap_skip/tap_skip_all only for a check
# that is expected not to run (long mode only, a host-only run the user
# asked for), declared with its reason in tests/expected-skips; under CI=true
# an undeclared skip fails the test (tests/lib/tap-exec).  A program, server,
# package or build artifact that is missing is a broken setup, not a reason
# to skip: tap_missing WHAT fails the test, naming WHAT.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
	TAP_PLANNED=$1
}

tap_diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		echo "# $line"
	done
}

tap_pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N $*"
}

tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N $*"
}

tap_skip() {
	local reason=$1
	shift
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N $* # SKIP $reason"
}

# tap_ok DESCRIPTION COMMAND [ARG...]
tap_ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then
		tap_pass "$desc"
	else
		tap_fail "$desc"
		tap_diag "command: $* (exit $rc)"
		[ -z "$out" ] || tap_diag "$out"
	fi
	return "$rc"
}

# tap_check DESCRIPTION COMMAND [ARG...]: like tap_ok, without the output.
tap_check() {
	local desc=$1 rc
	shift
	"$@" >/dev/null 2>&1 && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then
		tap_pass "$desc"
	else
		tap_fail "$desc"
		tap_diag "failed: $*"
	fi
	return "$rc"
}

tap_skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit 0
}

# tap_missing WHAT: the test cannot run because WHAT is missing - something
# scripts/setup.sh or make provides, so a setup failure: one failing point
# (with a "1..1" plan when none was printed yet), exit 1.  Not "Bail out!",
# which would stop the whole prove run.
tap_missing() {
	[ -n "$TAP_PLANNED" ] || [ "$TAP_N" != 0 ] || { echo "TAP version 13"; echo "1..1"; }
	tap_fail "missing: $*"
	tap_diag "scripts/setup.sh (run by make check) and make all tests provide it: a setup failure, not a skip"
	exit 1
}

tap_bail() {
	echo "Bail out! $*"
	exit 1
}

tap_done() {
	if [ -z "$TAP_PLANNED" ]; then
		echo "1..$TAP_N"
	elif [ "$TAP_PLANNED" != "$TAP_N" ]; then
		tap_diag "planned $TAP_PLANNED tests, ran $TAP_N"
		exit 1
	fi
	[ "$TAP_FAILED" = 0 ] || exit 1
	exit 0
}
