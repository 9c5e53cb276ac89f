#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh - `make check-debug`: the whole VM test suite under a debug
# 6.1 kernel (KASAN generic inline, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak,
# UBSAN, BTF, BPF LSM; scripts/debug-kernel/debug.config).
#
#   1. setup (scripts/setup.sh; SEALCAM_SKIP_SETUP=1 skips it)
#   2. the debug kernel: built once by scripts/debug-kernel.sh into a cache
#      outside the checkout, reused afterwards
#   3. the userspace tools and tests (make all tests), then sealcam.ko and
#      the test-only tests/debug/sc_detectors module built against the debug
#      tree in build/debug/ (the normal ./sealcam.ko is left alone); checks
#      that both carry the debug kernel's vermagic and KASAN instrumentation
#   4. one VM boot of the debug kernel (kasan_multi_shot, so every KASAN
#      report is printed; log_buf_len=16M, so that the per-test kernel-log
#      slices do not wrap) running every VM test, then tests/debug/
#      test_detectors.sh LAST (its deliberate lockdep/KASAN/kmemleak reports
#      cannot hide or precede the real suite's: lockdep and a tainted kernel
#      stop reporting after the first one), then a forced kmemleak scan.
#      The run fails on any KASAN, UBSAN, lockdep, sleep-in-atomic, WARN,
#      BUG or oops in a real test's kernel log (vm-dmesg.tap) and on any
#      kmemleak finding that points into sealcam (kmemleak.tap).
#
# Results: build/test-results/vm-debug/ (one .tap per test, dmesg.txt,
# kmemleak.txt).  Ends with prove's summary.  Not part of `make check` (it
# takes long: the kernel build ~35 min on 2 cores, the suite much longer
# than under Debian's kernel, KASAN under TCG).
#
# The BPF probe is CO-RE: the same object (types from Debian's 6.1 BTF) is
# relocated at load time against the debug kernel's BTF; test_audit_probe
# loading it under this kernel is the check.
#
# Environment: SEALCAM_SKIP_SETUP, SEALCAM_VM_TESTS (filter, as for
# tests/vm-suite.sh), SEALCAM_VM_TIMEOUT (default 14400 s) and
# SEALCAM_VM_TEST_TIMEOUT (per test, default 3600 s),
# SEALCAM_DEBUG_KERNEL_CACHE (see scripts/debug-kernel.sh),
# SEALCAM_DETECTORS_FAIL_RUN=1 (the detector test's deliberate reports are
# not excluded from the kernel-log check: the run must then fail, with
# vm-dmesg.tap naming them - the checkers' end-to-end proof).

set -euo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
prog=check-debug
say() { echo "$prog: $*"; }
start=$SECONDS

if [ -z "${SEALCAM_SKIP_SETUP:-}" ]; then
	say "== setup =="
	scripts/setup.sh
fi

say "== debug kernel =="
tree=$(scripts/debug-kernel.sh | tail -n1)
kver=$(cat "$tree/include/config/kernel.release")
say "kernel $kver at $tree, ready after $((SECONDS - start))s"

say "== build =="
make all
make tests

dbg=$root/build/debug
# module_in_tree NAME DIR PATH...: copy PATHs (relative to the checkout,
# keeping their place) to build/debug/NAME/ and build the module in its
# DIR there against the debug tree
module_in_tree() {
	local name=$1 dir=$2 ko vm asan ubsan
	shift 2
	mkdir -p "$dbg/$name"
	rsync -aR --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
		"$@" "$dbg/$name/"
	make -C "$tree" M="$dbg/$name/$dir" modules
	ko=$(ls "$dbg/$name/$dir"/*.ko)
	vm=$(modinfo -F vermagic "$ko")
	[ "${vm%% *}" = "$kver" ] ||
		{ say "$ko: vermagic '$vm' is not the debug kernel's $kver" >&2; exit 1; }
	asan=$(nm "$ko" | grep -c ' U __asan_' || true)
	ubsan=$(nm "$ko" | grep -c ' U __ubsan_' || true)
	[ "$asan" -gt 0 ] ||
		{ say "$ko: no KASAN instrumentation (__asan_*)" >&2; exit 1; }
	say "$ko: built for $kver, instrumented ($asan __asan_ and $ubsan __ubsan_ hooks)"
}
# kmod/seal.c includes the RFC 9180 vector from tests/vectors/
module_in_tree sealcam . Kbuild kmod tests/vectors/rfc9180_a2.h
module_in_tree sc_detectors tests/debug/sc_detectors tests/debug/sc_detectors
# the sealed uvcvideo (scripts/build-uvc.sh) for the webcam tests, against the
# debug tree and the debug sealcam.ko's symbols (build-uvc.sh reads them from
# BUILD/module/Module.symvers)
mkdir -p "$dbg/module"
cp "$dbg/sealcam/Module.symvers" "$dbg/module/Module.symvers"
BUILD=$dbg KDIR=$tree scripts/build-uvc.sh
uvc_ko=$dbg/uvc/uvcvideo.ko
vm=$(modinfo -F vermagic "$uvc_ko")
[ "${vm%% *}" = "$kver" ] ||
	{ say "$uvc_ko: vermagic '$vm' is not the debug kernel's $kver" >&2; exit 1; }
# grep -c, not -q: -q stops at the first match and nm's SIGPIPE then fails
# the pipeline (pipefail)
[ "$(nm "$uvc_ko" | grep -c ' U __asan_' || true)" -gt 0 ] ||
	{ say "$uvc_ko: no KASAN instrumentation (__asan_*)" >&2; exit 1; }
say "$uvc_ko: built for $kver, instrumented"

say "== VM suite under $kver ($((SECONDS - start))s so far) =="
export SEALCAM_KO=$dbg/sealcam/sealcam.ko
export SEALCAM_UVC_KO=$uvc_ko
export SEALCAM_DETECTORS_KO=$dbg/sc_detectors/tests/debug/sc_detectors/sc_detectors.ko
export SEALCAM_DEBUG_KERNEL=1
export SEALCAM_VM_LAST_TESTS=tests/debug/test_detectors.sh
export SEALCAM_VM_TIMEOUT=${SEALCAM_VM_TIMEOUT:-14400}
export SEALCAM_VM_TEST_TIMEOUT=${SEALCAM_VM_TEST_TIMEOUT:-3600}
rc=0
tests/vm-suite.sh --results build/test-results/vm-debug \
	--kdir "$tree" --append kasan_multi_shot --append log_buf_len=16M \
	--mem 3G || rc=$?
say "total $((SECONDS - start))s"
exit "$rc"
exit
}
