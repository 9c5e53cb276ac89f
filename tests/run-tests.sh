#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - the full test run (`make check` calls it).
#
#   1. scripts/setup.sh          installs what is missing (quick when nothing is)
#   2. make all && make tests    builds the module, programs and test programs
#   3. tests/vm-suite.sh         all VM tests in one VM boot per kernel leg:
#      6.1   Debian 12's kernel, the host's root, build/   -> build/test-results/vm-6.1/
#      6.12  Debian 13's kernel and root (scripts/setup.sh), build/deb13
#            (scripts/build-deb13.sh, built in that root)  -> build/test-results/vm-6.12/
#   4. one prove run over the host tests and the VM results, then the list
#      of skipped checks (below) and the total time, then prove's summary
#      again ("All tests successful." or the failures, Files=, Tests=,
#      "Result: ..."), so that it ends the output; prove's exit status is
#      ours.
#
# Host tests (no module, no VM): EXECUTABLE files named test_* in tests/host/
# (scripts) or build/tests/host/ (compiled by `make tests`), TAP on stdout,
# exit 0 pass / 4 skip (see below) / other fail.  They run with the checkout
# as cwd and SEALCAM_ROOT, SEALCAM_TMP (fresh scratch dir) set; see
# tests/lib/tap-exec.
# VM tests: see the top of tests/vm-suite.sh.
#
# Skips are honest: tap-exec logs every skipped check to
# build/test-results/skips.log (SEALCAM_SKIP_LOG) and the run lists them,
# each declared (tests/expected-skips: expected, with why) or UNDECLARED.
# Under CI=true (.ci/run) an undeclared skip fails its test, so the run;
# a missing dependency is a failure, never a skip.
#
# Environment:
#   SEALCAM_LONG=1        long mode (fuzzers etc. run for longer); exported
#   SEALCAM_SKIP_SETUP=1  do not run scripts/setup.sh
#   SEALCAM_SKIP_BUILD=1  do not run make
#   SEALCAM_SKIP_VM=1     host tests only (test_demo.sh then skips: declared)
#   SEALCAM_VM_TESTS      run only these VM tests (names or globs)
#   SEALCAM_VM_LEGS       the VM legs, in order (default "6.1 6.12")
#   SEALCAM_VERBOSE=1     prove -v (every TAP line)
#   CI=true               an undeclared skip fails its test (.ci/run sets it)

set -euo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export SEALCAM_LONG=${SEALCAM_LONG:-}
[ -z "$SEALCAM_LONG" ] || echo "run-tests: long mode (SEALCAM_LONG=$SEALCAM_LONG)"
start=$SECONDS

if [ -z "${SEALCAM_SKIP_SETUP:-}" ]; then
	echo "run-tests: == setup =="
	scripts/setup.sh
fi

legs=${SEALCAM_VM_LEGS-6.1 6.12}
for leg in $legs; do
	case $leg in 6.1|6.12) ;; *) echo "run-tests: SEALCAM_VM_LEGS: unknown leg $leg (6.1, 6.12)" >&2; exit 2 ;; esac
done
trixie_root=${SEALCAM_TRIXIE_ROOT:-/var/lib/sealcam/trixie-root}

if [ -z "${SEALCAM_SKIP_BUILD:-}" ]; then
	echo "run-tests: == build =="
	make all
	make tests
	case " $legs " in
	*" 6.12 "*) [ -n "${SEALCAM_SKIP_VM:-}" ] || scripts/build-deb13.sh all tests ;;
	esac
fi

host_tests() {
	local d f
	for d in tests/host build/tests/host; do
		[ -d "$d" ] || continue
		for f in "$d"/test_*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			case $f in *.c|*.h|*.o|*.d) continue ;; esac
			echo "$f"
		done
	done
}

inputs=()
mapfile -t inputs < <(host_tests)

if [ -z "${SEALCAM_SKIP_VM:-}" ]; then
	for leg in $legs; do
		results=build/test-results/vm-$leg
		leg_opts=()
		[ "$leg" = 6.1 ] || leg_opts=(--build build/deb13 --root "$trixie_root")
		echo "run-tests: == VM suite, kernel $leg ($((SECONDS - start))s so far) =="
		tests/vm-suite.sh --no-prove --results "$results" "${leg_opts[@]}" || true
		# vm-boot.tap records a VM that did not finish, so a failed boot
		# still shows up in the summary below.
		for f in "$results"/*.tap; do
			[ -e "$f" ] && inputs+=("$f")
		done
	done
fi

[ ${#inputs[@]} -gt 0 ] || { echo "run-tests: no tests found" >&2; exit 1; }

echo "run-tests: == results (${#inputs[@]} files, $((SECONDS - start))s so far) =="
prove_opts=(--timer --exec "$root/tests/lib/tap-exec")
[ -z "${SEALCAM_VERBOSE:-}" ] || prove_opts+=(-v)
mkdir -p build/test-results
export SEALCAM_SKIP_LOG=$root/build/test-results/skips.log
prove_log=build/test-results/prove.log
: >"$SEALCAM_SKIP_LOG"
set +e
prove "${prove_opts[@]}" "${inputs[@]}" | tee "$prove_log"
rc=${PIPESTATUS[0]}
set -e

# shellcheck source=tests/lib/skips.sh
. tests/lib/skips.sh
skip_list "$SEALCAM_SKIP_LOG"
echo "run-tests: total $((SECONDS - start))s"
# the CI checker wants the output to end with prove's summary
prove_summary "$prove_log"
exit "$rc"
exit
}
