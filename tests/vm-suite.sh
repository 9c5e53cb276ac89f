#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-suite.sh - run every VM test in ONE virtme-ng boot of the Debian 6.1
# kernel and leave one TAP file per test on the host.
#
# Layout and conventions for VM tests (tests that need the module or any
# other kernel facility):
#
#   * A VM test is an EXECUTABLE regular file whose name starts with "test_",
#     either in tests/vm/ (scripts, committed) or in build/tests/vm/
#     (compiled kselftest programs written there by `make tests`).  Sources
#     (*.c, *.h) and non-executable files are ignored.  Tests run one after
#     another, sorted by name, as root, in a single VM.
#   * It prints TAP (kselftest_harness.h output, or tests/lib/tap.sh) on
#     stdout; stderr is kept separately and shown by prove.  Exit 0 = pass,
#     4 (KSFT_SKIP) = skipped, anything else = failure.  A skip must be
#     declared in tests/expected-skips (under CI=true an undeclared one
#     fails, see tests/lib/tap-exec); a missing tool or build artifact is a
#     failure (tests/lib/tap.sh tap_missing), never a skip.
#   * Environment given to each test:
#       SEALCAM_ROOT      the checkout (read-only in the guest; also the cwd)
#       SEALCAM_KO        $SEALCAM_ROOT/sealcam.ko (the built module), or
#                         $SEALCAM_BUILD/module/sealcam.ko (--build)
#       SEALCAM_BUILD     the build the programs come from (default
#                         $SEALCAM_ROOT/build; --build)
#       SEALCAM_TMP       a fresh, empty, writable scratch directory (guest
#                         memory; deleted after the test)
#       SEALCAM_ARTIFACTS a writable directory that survives on the host
#                         (build/test-results/vm/<test>.d/), for files worth
#                         keeping (segments, logs); empty ones are removed
#       SEALCAM_DMESG_ALLOW  a file: a test that provokes kernel warnings on
#                         purpose appends one extended regex per expected
#                         line; only that test's kernel log is filtered by it
#       SEALCAM_IN_VM=1, SEALCAM_LONG (as given to the host)
#   * A test must unload what it loads (sealcam, vivid) before it exits, so
#     the next test starts clean; the suite logs modules left behind.
#   * Time limit per test: SEALCAM_VM_TEST_TIMEOUT seconds (default 900).
#   * SEALCAM_VM_TESTS="test_a test_b" runs only those (names or globs).
#   * SEALCAM_VM_LAST_TESTS="PATH..." runs these test files after all the
#     others, in the order given (make check-debug: tests/debug/, whose
#     deliberate kernel reports must come after the real suite's).
#   * SEALCAM_KO overrides the module the tests load (default
#     $SEALCAM_ROOT/sealcam.ko); tests/lib/sealcam.sh's sc_load records each
#     load's addresses in $SEALCAM_MODMAP (set by the suite).
#   * On a kernel with kmemleak (the debug kernel) the suite forces a scan
#     after the last test and writes kmemleak.tap: it fails when a finding's
#     backtrace points into sealcam (tests/lib/dmesg-check.sh
#     kmemleak_reports); the whole report is kept in kmemleak.txt.
#
# Results (host side, default build/test-results/vm/): <test>.tap,
# <test>.stderr, <test>.rc, plus vm-dmesg.tap, a pseudo-test with one point
# per test (and one for the boot) that fails when the kernel log written
# during that test shows a warning, BUG, oops, lockdep report, hung task or
# sanitizer report (tests/lib/dmesg-check.sh); vm-boot.tap fails when the VM
# did not get through the whole suite.  The host then reads them with prove
# (tests/lib/tap-exec).
#
# Usage (host):  tests/vm-suite.sh [--results DIR] [--build DIR] [--no-prove]
#                                   [vm-run options]
#   Boots the VM (scripts/vm-run --cpu-max) and, unless --no-prove, prints
#   prove's summary of the VM results.  --build DIR: the guest's programs,
#   test programs and module come from DIR (SEALCAM_BUILD in the tests;
#   the module is DIR/module/sealcam.ko unless DIR is build/), e.g. the
#   6.12 leg: --build build/deb13 --root /var/lib/sealcam/trixie-root
#   (tests/run-tests.sh).

set -uo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/dmesg-check.sh
. "$root/tests/lib/dmesg-check.sh"

# the build the guest uses (--build; exported to the tests as SEALCAM_BUILD)
build=${SEALCAM_BUILD:-$root/build}

list_vm_tests() {
	local d f
	for d in "$root/tests/vm" "$build/tests/vm"; do
		[ -d "$d" ] || continue
		for f in "$d"/test_*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			case $f in *.c|*.h|*.o|*.d) continue ;; esac
			if [ -n "${SEALCAM_VM_TESTS:-}" ]; then
				local want ok=0
				for want in $SEALCAM_VM_TESTS; do
					# shellcheck disable=SC2053
					[[ ${f##*/} == $want ]] && ok=1
				done
				[ "$ok" = 1 ] || continue
			fi
			printf '%s\t%s\n' "${f##*/}" "$f"
		done
	done | sort | cut -f2
	for f in ${SEALCAM_VM_LAST_TESTS:-}; do
		case $f in /*) ;; *) f=$root/$f ;; esac
		[ -f "$f" ] && [ -x "$f" ] && echo "$f"
	done
}

# ---- guest side -----------------------------------------------------------

kmsg() { echo "sealcam-vm-suite: $*" >/dev/kmsg 2>/dev/null || true; }

dmesg_lines() { dmesg | wc -l; }

# guest_dmesg_point N NAME FROM TO ALLOWFILE: one TAP point for the kernel
# log lines FROM+1..TO written while NAME ran.
guest_dmesg_point() {
	local n=$1 name=$2 from=$3 to=$4 allow=$5 slice problems
	slice=$(mktemp)
	dmesg | sed -n "$((from + 1)),${to}p" >"$slice"
	if [ -s "$allow" ]; then
		grep -vE -f "$allow" "$slice" >"$slice.f" || true
		mv "$slice.f" "$slice"
	fi
	if problems=$(dmesg_problems "$slice"); then
		echo "not ok $n kernel log clean during $name"
		echo "# reports: $(dmesg_report_kinds "$slice" | tr '\n' ' ')"
		sed 's/^/# /' <<<"$problems"
	else
		echo "ok $n kernel log clean during $name"
	fi
	rm -f "$slice"
}

# guest_kmemleak RESULTS: on a kernel with kmemleak, force a scan and write
# kmemleak.tap (and kmemleak.txt, the whole report).
guest_kmemleak() {
	local results=$1 kl=/sys/kernel/debug/kmemleak found n
	[ -e "$kl" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -w "$kl" ] || return 0
	# kmemleak only reports objects older than 5 s (MSECS_MIN_AGE): give
	# what the last test leaked at its exit that age before scanning
	sleep 6
	# two scans: an object that a stale stack slot still pointed to in
	# the first one is reported in the second
	echo scan >"$kl"
	echo scan >"$kl"
	cat "$kl" >"$results/kmemleak.txt"
	n=$(grep -c '^unreferenced object' "$results/kmemleak.txt")
	{
		echo "TAP version 13"
		echo "1..1"
		if found=$(kmemleak_reports "$results/kmemleak.txt" sealcam "$SEALCAM_MODMAP"); then
			echo "not ok 1 kmemleak: no unreferenced object allocated by sealcam" \
				"($n in all, see kmemleak.txt)"
			sed 's/^/# /' <<<"$found"
		else
			echo "ok 1 kmemleak: no unreferenced object allocated by sealcam" \
				"($n in all, $(grep -c . "$SEALCAM_MODMAP") sealcam load ranges known)"
		fi
	} >"$results/kmemleak.tap"
	echo 0 >"$results/kmemleak.rc"
	grep -q '^not ok' "$results/kmemleak.tap" && echo 1 >"$results/kmemleak.rc"
	echo "vm-suite: kmemleak scan: $n unreferenced object(s) in all"
}

guest_main() {
	local results=$1 t name rc from to n=0 tmp art allow
	local -a names=() froms=() tos=() allows=()
	local per_test_timeout=${SEALCAM_VM_TEST_TIMEOUT:-900}

	local ko=$root/sealcam.ko
	[ "$build" = "$root/build" ] || ko=$build/module/sealcam.ko
	export SEALCAM_ROOT=$root SEALCAM_KO=${SEALCAM_KO:-$ko} SEALCAM_IN_VM=1
	export SEALCAM_BUILD=$build
	export SEALCAM_MODMAP=$results/sealcam-modmap
	: >"$SEALCAM_MODMAP"
	export SEALCAM_LONG=${SEALCAM_LONG:-}
	cd "$root" || exit 1

	kmsg "boot done, uptime $(cut -d' ' -f1 /proc/uptime)s"
	echo "vm-suite: guest up after $(cut -d' ' -f1 /proc/uptime)s, kernel $(uname -r)," \
		"$(. /etc/os-release && echo "$PRETTY_NAME"), build $build, module $SEALCAM_KO"
	names+=(boot); froms+=(0); tos+=("$(dmesg_lines)"); allows+=(/dev/null)

	while IFS= read -r t; do
		name=${t##*/}
		tmp=$(mktemp -d "/tmp/sealcam-$name.XXXXXX")
		art=$results/$name.d
		allow=$results/$name.dmesg-allow
		mkdir -p "$art"
		: >"$allow"
		from=$(dmesg_lines)
		kmsg "start $name"
		local t0=$SECONDS
		SEALCAM_TMP=$tmp SEALCAM_ARTIFACTS=$art SEALCAM_DMESG_ALLOW=$allow \
			SEALCAM_KNOWN_DEVICES=$tmp/known_devices \
			timeout -k 10 "$per_test_timeout" "$t" \
			>"$results/$name.tap" 2>"$results/$name.stderr" </dev/null
		rc=$?
		[ "$rc" != 124 ] ||
			echo "vm-suite: $name killed after ${per_test_timeout}s" >>"$results/$name.stderr"
		echo "$rc" >"$results/$name.rc"
		kmsg "end $name exit $rc"
		echo "vm-suite: $name exit $rc in $((SECONDS - t0))s"
		to=$(dmesg_lines)
		names+=("$name"); froms+=("$from"); tos+=("$to"); allows+=("$allow")
		for m in sealcam vivid; do
			if grep -q "^$m " /proc/modules; then
				echo "vm-suite: $name left module $m loaded; unloading" \
					>>"$results/$name.stderr"
				timeout 60 rmmod "$m" >>"$results/$name.stderr" 2>&1
			fi
		done
		rm -rf "$tmp"
		rmdir "$art" 2>/dev/null
		[ -s "$allow" ] || rm -f "$allow"
	done < <(list_vm_tests)

	{
		echo "TAP version 13"
		echo "1..${#names[@]}"
		for ((n = 0; n < ${#names[@]}; n++)); do
			guest_dmesg_point $((n + 1)) "${names[n]}" "${froms[n]}" "${tos[n]}" "${allows[n]}"
		done
	} >"$results/vm-dmesg.tap"
	echo 0 >"$results/vm-dmesg.rc"
	grep -q '^not ok' "$results/vm-dmesg.tap" && echo 1 >"$results/vm-dmesg.rc"
	guest_kmemleak "$results"
	dmesg >"$results/dmesg.txt"
	echo "$(cut -d' ' -f1 /proc/uptime)" >"$results/suite.done"
	sync
}

# ---- host side ------------------------------------------------------------

host_main() {
	local results=$root/build/test-results/vm prove=1 rc out
	local -a vmrun_opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--results) results=$2; shift 2 ;;
		--no-prove) prove=0; shift ;;
		--build) build=$(cd "$2" && pwd -P) || return 1; shift 2 ;;
		*) vmrun_opts+=("$1"); shift ;;
		esac
	done
	mkdir -p "$results"
	results=$(cd "$results" && pwd -P)
	find "$results" -mindepth 1 -delete

	echo "vm-suite: $(list_vm_tests | wc -l) VM test(s):" $(list_vm_tests | sed 's|.*/||')
	local t0=$SECONDS
	out=$results/vm-run.log
	# Long mode: 4 GiB for the guest (its /tmp, memory, then holds 2 GiB):
	# the long tests' spools and RGW's memstore outgrow the default 2 GiB
	# guest's 1 GiB /tmp. A --mem given here wins.
	local -a mem_opt=()
	[ -z "${SEALCAM_LONG:-}" ] || mem_opt=(--mem 4G)
	# The per-test dmesg verdicts are in vm-dmesg.tap, so vm-run's own
	# whole-log check is off here.
	"$root/scripts/vm-run" --cpu-max --no-dmesg-check --timeout "${SEALCAM_VM_TIMEOUT:-3600}" \
		--rwdir "$results" "${mem_opt[@]}" "${vmrun_opts[@]}" -- \
		env SEALCAM_VM_TESTS="${SEALCAM_VM_TESTS:-}" SEALCAM_BUILD="$build" \
		SEALCAM_LONG="${SEALCAM_LONG:-}" \
		"$root/tests/vm-suite.sh" --guest "$results" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "vm-suite: VM finished in $((SECONDS - t0))s (vm-run exit $rc)"

	{
		echo "TAP version 13"
		echo "1..1"
		if [ -f "$results/suite.done" ]; then
			echo "ok 1 VM booted and ran the whole suite"
		else
			echo "not ok 1 VM booted and ran the whole suite"
			echo "# vm-run exit $rc; last output:"
			tail -n 30 "$out" | sed 's/^/#   /'
		fi
	} >"$results/vm-boot.tap"
	[ -f "$results/suite.done" ] && echo 0 >"$results/vm-boot.rc" ||
		echo 1 >"$results/vm-boot.rc"

	if [ "$prove" = 1 ]; then
		(cd "$root" && prove --exec "$root/tests/lib/tap-exec" "${results#"$root"/}"/*.tap)
		return
	fi
	[ -f "$results/suite.done" ]
}

if [ "${1:-}" = --guest ]; then
	guest_main "$2"
else
	host_main "$@"
fi
exit
}
