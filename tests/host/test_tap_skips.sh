#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_tap_skips.sh - skips are honest (issue 12): tests/lib/tap-exec, run
# here on small synthetic tests and recorded VM results, with a declarations
# file and a skip log of our own (SEALCAM_EXPECTED_SKIPS, SEALCAM_SKIP_LOG):
#   - under CI=true an undeclared skip (a point, a "1..0 # SKIP" plan, an
#     exit 4 with no SKIP line, a recorded VM .tap with .rc 4) fails with a
#     message naming the test and the reason; outside CI it passes and is
#     logged UNDECLARED; a declared one passes and is logged declared
#   - exit 4 becomes 0 only then; other statuses are kept
#   - tap.sh's tap_missing (a missing dependency) is a failure, not a skip
#   - SKIP as prove reads it: any case; not "\# SKIP", "not ok # SKIP",
#     "# SKIPPED" on a point or TODO
#   - tests/lib/skips.sh's skip_list and prove_summary (run-tests.sh's list
#     of skipped checks and the summary it ends with), and the real
#     tests/expected-skips is well formed and declares the long-mode skip

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh

T=${SEALCAM_TMP:-$(mktemp -d)}
exec_=$root/tests/lib/tap-exec
log=$T/skips.log
decl=$T/expected-skips
tab=$'\t'

cat >"$decl" <<'EOF'
# a comment, then a blank line

t_decl*.sh	^long mode( only)?: run with X=1	# expected: long mode only
t_vm.sh	^declared in the VM	# expected too
EOF

# mk NAME: a synthetic test $T/NAME, its bash body on stdin
mk() {
	{ echo '#!/bin/bash'; cat; } >"$T/$1"
	chmod +x "$T/$1"
}

# run CI FILE: tap-exec FILE with CI=$1 (unset when empty), our
# declarations and an empty skip log; sets rc, TAP in $T/out, stderr in $T/err
run() {
	: >"$log"
	env -u CI ${1:+CI=$1} SEALCAM_SKIP_LOG="$log" SEALCAM_EXPECTED_SKIPS="$decl" \
		"$exec_" "$2" >"$T/out" 2>"$T/err"
	rc=$?
}

# logged LINE...: the skip log holds exactly these lines (fields joined by
# tabs in the caller: "name${tab}point${tab}verdict${tab}reason")
logged() {
	[ "$(cat "$log")" = "$(printf '%s\n' "$@")" ]
}

# report: diagnostics of the last run, for a failed check
report() {
	tap_diag "exit $rc; stdout:"$'\n'"$(cat "$T/out")"$'\n'"stderr:"$'\n'"$(cat "$T/err")" \
		$'\n'"skip log:"$'\n'"$(cat "$log")"
}

# check DESCRIPTION COMMAND...: tap_check, with the last run on failure
check() { tap_check "$@" || report; }

tap_plan 31

# ---- a point skip, undeclared
mk t_point.sh <<'EOF'
echo "1..3"
echo "ok 1 - works"
echo "ok 2 - widget # SKIP no widget here"
echo "ok 3 - works too"
EOF
run true "$T/t_point.sh"
check "CI=true, undeclared point skip: the test fails" test "$rc" = 1
check "... with a message naming the test and the reason" grep -qxF \
	"tap-exec: t_point.sh: undeclared skip: no widget here (declare it in $decl or fix the setup)" "$T/err"
check "... logged as UNDECLARED with its point" logged "t_point.sh${tab}2${tab}UNDECLARED${tab}no widget here"
check "... its TAP passed on unchanged" cmp -s "$T/out" <("$T/t_point.sh")
run "" "$T/t_point.sh"
check "no CI: the same skip passes (exit 0), no message" test "$rc" = 0 -a ! -s "$T/err"
check "... and is logged as UNDECLARED" logged "t_point.sh${tab}2${tab}UNDECLARED${tab}no widget here"
run false "$T/t_point.sh"
check "CI=false is not CI" test "$rc" = 0

# ---- declared skips
mk t_decl_a.sh <<'EOF'
echo "1..2"
echo "ok 1 - fine"
echo "ok 2 - long one # skip long mode only: run with X=1"
exit 4
EOF
run true "$T/t_decl_a.sh"
check "CI=true, declared point skip (glob, regex, lower-case skip), exit 4: passes" \
	test "$rc" = 0 -a ! -s "$T/err"
check "... logged as declared" logged "t_decl_a.sh${tab}2${tab}declared${tab}long mode only: run with X=1"
mk t_decl_b.sh <<'EOF'
echo "TAP version 13"
echo "1..0 # SKIP long mode: run with X=1"
EOF
run true "$T/t_decl_b.sh"
check "CI=true, declared plan skip (a 1..0 plan): passes" test "$rc" = 0
check "... logged as a plan skip" logged "t_decl_b.sh${tab}plan${tab}declared${tab}long mode: run with X=1"
mk t_decl_fail.sh <<'EOF'
echo "1..2"
echo "not ok 1 - broken"
echo "ok 2 # SKIP long mode: run with X=1"
exit 1
EOF
run true "$T/t_decl_fail.sh"
check "a failing test with a declared skip still fails (exit 1 kept)" test "$rc" = 1

# ---- plan skip and exit 4, undeclared
mk t_plan.sh <<'EOF'
echo "1..0 # Skipped: no camera"
EOF
run true "$T/t_plan.sh"
check "CI=true, undeclared plan skip (1..0, Skipped: reason): fails" test "$rc" = 1
check "... logged with its reason" logged "t_plan.sh${tab}plan${tab}UNDECLARED${tab}no camera"
mk t_exit4.sh <<'EOF'
echo "1..1"
echo "ok 1 - something"
exit 4
EOF
run true "$T/t_exit4.sh"
check "CI=true, exit 4 without a SKIP line: fails" test "$rc" = 1
check "... logged as such" \
	logged "t_exit4.sh${tab}exit 4${tab}UNDECLARED${tab}exit status 4 (KSFT_SKIP) without a SKIP line"
run "" "$T/t_exit4.sh"
check "no CI: exit 4 without a SKIP line passes (exit 0)" test "$rc" = 0
mk t_nowhy.sh <<'EOF'
echo "1..0 # SKIP anything"
EOF
printf 't_nowhy.sh\t^anything\n' >"$T/nowhy-skips"
decl=$T/nowhy-skips run true "$T/t_nowhy.sh"
check "a declaration without a WHY declares nothing, and is reported" \
	sh -c "[ $rc = 1 ] && grep -q 'want \"GLOB REGEX # WHY\": t_nowhy.sh' '$T/err'"

# ---- what is (not) a skip, as prove reads TAP
mk t_grammar.sh <<'EOF'
echo "1..8"
echo "ok 1 - a \# SKIP that is escaped"
echo "not ok 2 - # SKIP: a failure to prove, not a skip"
echo "ok 3 - # TODO not a skip either"
echo "ok 4 - # SKIPPED is not SKIP on a point"
echo "  ok 5 - # SKIP indented: not top-level TAP"
echo "ok # SKIP no number: the fifth point"
echo "ok 7 - #skip"
echo "ok 8 - # SKIP	tab	in reason"
EOF
run "" "$T/t_grammar.sh"
check "skips found as prove finds them: any case, numbered or not, not escaped/TODO/not ok" \
	logged "t_grammar.sh${tab}5${tab}UNDECLARED${tab}no number: the fifth point" \
	"t_grammar.sh${tab}7${tab}UNDECLARED${tab}(no reason given)" \
	"t_grammar.sh${tab}8${tab}UNDECLARED${tab}tab in reason"

# ---- recorded VM results
mkdir -p "$T/vm"
printf 'TAP version 13\n1..0 # SKIP not in the VM today\n' >"$T/vm/t_vm.sh.tap"
echo "# its stderr" >"$T/vm/t_vm.sh.stderr"
echo 4 >"$T/vm/t_vm.sh.rc"
run true "$T/vm/t_vm.sh.tap"
check "recorded VM .tap, .rc 4, undeclared, CI=true: fails" test "$rc" = 1
check "... named without .tap; TAP and stderr replayed" sh -c \
	"grep -qx '1..0 # SKIP not in the VM today' '$T/out' && grep -qx '# its stderr' '$T/err' &&
	 grep -q '^tap-exec: t_vm.sh: undeclared skip: not in the VM today' '$T/err'"
check "... logged" logged "t_vm.sh${tab}plan${tab}UNDECLARED${tab}not in the VM today"
printf '1..1\nok 1 # SKIP declared in the VM\n' >"$T/vm/t_vm.sh.tap"
run true "$T/vm/t_vm.sh.tap"
check "recorded VM .tap, .rc 4, declared, CI=true: passes (exit 0)" test "$rc" = 0
echo 1 >"$T/vm/t_vm.sh.rc"
run true "$T/vm/t_vm.sh.tap"
check "recorded .rc 1 stays a failure" test "$rc" = 1
rm "$T/vm/t_vm.sh.rc"
run true "$T/vm/t_vm.sh.tap"
check "no recorded .rc: a failure (the test did not finish)" test "$rc" = 1

# ---- a missing dependency is a failure, not a skip (tap.sh tap_missing)
mk t_missing.sh <<EOF
. "$root/tests/lib/tap.sh"
[ -x /nonexistent/s3rver ] || tap_missing "/nonexistent/s3rver (scripts/setup.sh)"
tap_plan 1
tap_pass "never reached"
tap_done
EOF
run "" "$T/t_missing.sh"
check "tap_missing: fails (exit 1) even outside CI, no skip logged" test "$rc" = 1 -a ! -s "$log"
check "... one failing point naming what is missing" test "$(grep -v '^#' "$T/out")" = \
	"$(printf 'TAP version 13\n1..1\nnot ok 1 missing: /nonexistent/s3rver (scripts/setup.sh)')"

# ---- run-tests.sh's list and summary (tests/lib/skips.sh)
. tests/lib/skips.sh
printf '%s\n' "t_a.sh${tab}plan${tab}declared${tab}long test" \
	"t_b${tab}3${tab}UNDECLARED${tab}no widget" \
	"t_c.sh${tab}exit 4${tab}UNDECLARED${tab}exit status 4" >"$T/list.log"
skip_list "$T/list.log" >"$T/list"
check "skip_list: the count, one line per skipped check, the undeclared counted" \
	sh -c "grep -qx 'run-tests: skipped checks (3):' '$T/list' &&
	       grep -qE '^  declared +t_a.sh: long test$' '$T/list' &&
	       grep -qE '^  UNDECLARED +t_b #3: no widget$' '$T/list' &&
	       grep -qE '^  UNDECLARED +t_c.sh \\(exit 4\\): exit status 4$' '$T/list' &&
	       grep -q '^run-tests: 2 undeclared' '$T/list'"
check "skip_list of an empty log: (0), nothing else" \
	test "$(skip_list /dev/null)" = "run-tests: skipped checks (0):"
cat >"$T/prove.out" <<'EOF'
t/a .. ok
All tests successful.
t/b .. Failed 1/2 subtests
Test Summary Report
-------------------
t/b (Wstat: 256 Tests: 2 Failed: 1)
Files=2, Tests=4,  0 wallclock secs
Result: FAIL
EOF
check "prove_summary: the last summary block to the end" \
	test "$(prove_summary "$T/prove.out")" = "$(tail -n 5 "$T/prove.out")"

# ---- the real declarations
out=$(SEALCAM_EXPECTED_SKIPS=$root/tests/expected-skips bash -c '
	. tests/lib/skips.sh
	! skip_declared test_agent_s3.sh "long test (~14 min under TCG): run with SEALCAM_LONG=1 (make check-long)" &&
	skip_declared test_audit_bench.sh "benchmark: run with SEALCAM_LONG=1 (make check-long) or scripts/bench-audit.sh" &&
	skip_declared test_demo.sh "SEALCAM_SKIP_VM: the demo boots a VM" &&
	! skip_declared test_agent_upload.sh "node_modules/.bin/s3rver missing" && echo yes' 2>&1)
tap_check "tests/expected-skips: well formed, declares the benchmark's long-mode and SEALCAM_SKIP_VM skips only (test_agent_s3 runs in make check)" \
	test "$out" = yes || tap_diag "$out"

tap_done
