#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - the full test run (`make check` calls it).
#
#   1. scripts/setup.sh          installs what is missing (quick when nothing is)
#   2. make all && make tests    builds the module, programs and test programs
#   3. tests/vm-suite.sh         all VM tests in one VM boot -> build/test-results/vm/
#   4. one prove run over the host tests and the VM results; its summary
#      ("All tests successful." / "Result: FAIL", Files=, Tests=) ends the
#      output and its exit status is ours.
#
# Host tests (no module, no VM): EXECUTABLE files named test_* in tests/host/
# (scripts) or build/tests/host/ (compiled by `make tests`), TAP on stdout,
# exit 0 pass / 4 skip / other fail.  They run with the checkout as cwd and
# SEALCAM_ROOT, SEALCAM_TMP (fresh scratch dir) set; see tests/lib/tap-exec.
# VM tests: see the top of tests/vm-suite.sh.
#
# Environment:
#   SEALCAM_LONG=1        long mode (fuzzers etc. run for longer); exported
#   SEALCAM_SKIP_SETUP=1  do not run scripts/setup.sh
#   SEALCAM_SKIP_BUILD=1  do not run make
#   SEALCAM_SKIP_VM=1     host tests only
#   SEALCAM_VM_TESTS      run only these VM tests (names or globs)
#   SEALCAM_VERBOSE=1     prove -v (every TAP line)

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

if [ -z "${SEALCAM_SKIP_BUILD:-}" ]; then
	echo "run-tests: == build =="
	make all
	make tests
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

results=build/test-results/vm
inputs=()
mapfile -t inputs < <(host_tests)

if [ -z "${SEALCAM_SKIP_VM:-}" ]; then
	echo "run-tests: == VM suite =="
	tests/vm-suite.sh --no-prove --results "$results" || true
	# vm-boot.tap records a VM that did not finish, so a failed boot still
	# shows up in the summary below.
	for f in "$results"/*.tap; do
		[ -e "$f" ] && inputs+=("$f")
	done
fi

[ ${#inputs[@]} -gt 0 ] || { echo "run-tests: no tests found" >&2; exit 1; }

echo "run-tests: == results (${#inputs[@]} files, $((SECONDS - start))s so far) =="
prove_opts=(--timer --exec "$root/tests/lib/tap-exec")
[ -z "${SEALCAM_VERBOSE:-}" ] || prove_opts+=(-v)
set +e
prove "${prove_opts[@]}" "${inputs[@]}"
rc=$?
set -e
echo "run-tests: total $((SECONDS - start))s"
exit "$rc"
exit
}
