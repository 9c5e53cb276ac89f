# SPDX-License-Identifier: GPL-2.0
# Shell library (source it) for kselftest-style TAP tests.
#
#   . "$(dirname "$0")/../lib/tap.sh"
#   tap_plan 3
#   tap_ok "vivid loads" modprobe vivid      # runs a command: ok if status 0
#   tap_check "two nodes" test "$n" -eq 2     # same, quieter on failure
#   tap_skip "needs AVX2" "SIMD driver bound"
#   tap_done                                  # exit 0 if all passed, else 1
#
# tap_ok/tap_check run the command; on failure the command's output (for
# tap_ok) is printed as '#' diagnostics.  tap_pass/tap_fail record a result
# decided by the caller.  tap_skip_all REASON ends a test that cannot run
# here ("1..0 # SKIP REASON", exit 0) - prove then counts it as skipped.
# Output goes to stdout; diagnostics (tap_diag) too, prefixed "# ".

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
