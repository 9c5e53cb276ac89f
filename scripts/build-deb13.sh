#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb13.sh - build sealcam for Debian 13 (kernel 6.12) inside the
# Debian 13 root made by scripts/setup.sh (setup_trixie_root), so that the
# compiler (gcc 14), the kernel headers (6.12), clang/bpftool and libbpf
# (1.5) are Debian 13's, not the host's.
#
# Usage: scripts/build-deb13.sh [MAKE TARGET...]   (default: all tests)
#
# Output: build/deb13/ (make BUILD=build/deb13): the programs, the probe,
# the test programs, and the module at build/deb13/module/sealcam.ko.  The
# 6.1 build (./sealcam.ko, build/) is left alone.
#
# How: a private mount namespace (unshare; nothing stays mounted after it)
# binds the checkout into the root at its own path, with /proc and /dev,
# and runs make there under chroot.  The BPF probe's vmlinux.h comes from
# the 6.12 BTF in the root's kernel headers (VMLINUX_BTF); the kselftest
# harness header is the one scripts/kselftest.sh extracted for the host
# build (a userspace header, no kernel ABI in it).
#
# Environment: SEALCAM_TRIXIE_ROOT (default /var/lib/sealcam/trixie-root),
# SEALCAM_MAKE_JOBS (default: the number of CPUs).

set -euo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
prog=build-deb13.sh
troot=${SEALCAM_TRIXIE_ROOT:-/var/lib/sealcam/trixie-root}
build=build/deb13

die() { echo "$prog: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (chroot, mounts)"
[ -f "$troot/.sealcam-pkgs" ] ||
	die "no complete Debian 13 root at $troot: run scripts/setup.sh"
kver=$(cd "$troot/lib/modules" && ls -d 6.12* 2>/dev/null | sort -V | tail -n1) ||
	true
[ -n "$kver" ] || die "$troot has no 6.12 kernel modules"
kdir=/usr/src/linux-headers-$kver
[ -f "$troot$kdir/Makefile" ] || die "$troot$kdir: no kernel headers for $kver"
# Debian 13's headers carry the kernel's BTF (a vmlinux with .BTF only,
# for modules' BTF): the probe's vmlinux.h comes from it
[ -f "$troot$kdir/vmlinux" ] || die "$troot$kdir/vmlinux (the 6.12 BTF) missing"

# the harness header (host side, Debian 12's linux-source tarball)
"$root/scripts/kselftest.sh" >/dev/null
ksft=$root/build/linux-src/tools/testing/selftests

[ $# -gt 0 ] || set -- all tests
mkdir -p "$troot$root" "$root/$build"

echo "$prog: make $* in $troot (kernel $kver, $(chroot "$troot" gcc -dumpfullversion 2>/dev/null || echo gcc?))"
t0=$SECONDS
# shellcheck disable=SC2016
unshare --mount --propagation private bash -euc '
	troot=$1 root=$2; shift 2
	mount --bind "$root" "$troot$root"
	mount -t proc proc "$troot/proc"
	mount --bind /dev "$troot/dev"
	exec chroot "$troot" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 "$@"
' bash "$troot" "$root" \
	make -C "$root" -j"${SEALCAM_MAKE_JOBS:-$(nproc)}" BUILD="$build" \
	KDIR="$kdir" VMLINUX_BTF="$kdir/vmlinux" KSFT_DIR="$ksft" "$@"
echo "$prog: done in $((SECONDS - t0))s: $build/ (module $build/module/sealcam.ko)"
exit
}
