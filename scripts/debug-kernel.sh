#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - build (or reuse) the debug 6.1 kernel of `make check-debug`:
# Debian's linux-source-6.1 configured with virtme-ng's minimal config plus
# scripts/debug-kernel/debug.config (KASAN, lockdep, kmemleak, UBSAN, BTF,
# the BPF LSM, vivid, ...).
#
# Usage: scripts/debug-kernel.sh [--print-dir]
#
# The tree and its build live OUTSIDE the checkout, in
#   $SEALCAM_DEBUG_KERNEL_CACHE (default /var/lib/sealcam/debug-kernel)
#       /<key>/linux-source-6.1/
# (not under /var/cache: virtme-ng's guest mounts a tmpfs there, which would
# hide the tree's modules from the booted debug kernel)
# where <key> hashes the fragment, the linux-source-6.1 package version,
# the compiler, pahole and virtme-ng versions and this script's recipe
# version.  A stamp file (<key>/complete) marks a finished build; with it the
# script does nothing but print the directory.  An interrupted build resumes
# (make is incremental); a failed configuration starts that step afresh.
#
# Steps: extract /usr/src/linux-source-6.1.tar.xz; `vng --kconfig --config
# FRAGMENT` in the tree (virtme-ng's defconfig + its options + ours, then
# olddefconfig); check that every CONFIG_ line of the fragment has exactly
# its value in .config (fails loudly, naming the ones that do not); make
# bzImage modules at low priority (nice 19, idle I/O class); prepare
# virtme-ng's module directory (.virtme_mods) so `vng --run <tree>` boots
# it with its modules.
#
# Output: progress on stderr; the tree's path on stdout (last line).
# Environment: SEALCAM_DEBUG_KERNEL_CACHE, SEALCAM_DEBUG_KERNEL_JOBS
# (default: number of CPUs).

set -euo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=debug-kernel.sh
fragment=$root/scripts/debug-kernel/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
srcname=linux-source-6.1
cache=${SEALCAM_DEBUG_KERNEL_CACHE:-/var/lib/sealcam/debug-kernel}
jobs=${SEALCAM_DEBUG_KERNEL_JOBS:-$(nproc)}
# bump when the steps below change in a way that changes the result
recipe=1

say() { echo "$prog: $*" >&2; }
die() { say "$*"; exit 1; }

case ${1:-} in
''|--print-dir) ;;
-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
*) die "unknown argument $1" ;;
esac

[ -r "$tarball" ] || die "$tarball missing: run scripts/setup.sh (linux-source-6.1)"
for t in vng flex bison bc pahole make gcc; do
	command -v "$t" >/dev/null || die "$t not found: run scripts/setup.sh"
done

key=$( {
	echo "recipe $recipe"
	sha256sum <"$fragment"
	dpkg-query -W -f='${Version}\n' "$srcname"
	gcc --version | head -n1
	pahole --version
	vng --version
} | sha256sum | cut -c1-16)
top=$cache/$key
tree=$top/$srcname
stamp=$top/complete

if [ -f "$stamp" ]; then
	say "cached: $tree ($(cat "$stamp"))"
	echo "$tree"
	exit 0
fi

mkdir -p "$top"
# one builder per key; a second caller waits and then finds the stamp
exec 9>"$top/lock"
if ! flock -n 9; then
	say "another build of $key is running; waiting for it"
	flock 9
fi
if [ -f "$stamp" ]; then
	echo "$tree"
	exit 0
fi

t0=$(date +%s)
low() { nice -n 19 ionice -c3 "$@"; }

if [ ! -f "$top/extracted" ]; then
	say "extracting $tarball into $top"
	rm -rf "$tree"
	low tar -xJf "$tarball" -C "$top"
	[ -f "$tree/Makefile" ] || die "$tarball did not give $tree/Makefile"
	touch "$top/extracted"
fi

# the options of the fragment, as NAME<TAB>VALUE ("n" for "is not set")
wanted() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1\t\2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1\tn/p' "$fragment"
}

check_config() {
	local name want have bad=0
	while IFS=$'\t' read -r name want; do
		have=$(sed -nE "s/^$name=(.*)$/\\1/p" "$tree/.config")
		[ -n "$have" ] || have=n
		if [ "$have" != "$want" ]; then
			say "config: $name is $have, the fragment wants $want"
			bad=1
		fi
	done < <(wanted)
	return "$bad"
}

if [ ! -f "$top/configured" ]; then
	say "configuring: vng --kconfig --config $fragment"
	rm -f "$tree/.config"
	(cd "$tree" && vng --kconfig --config "$fragment") >"$top/kconfig.log" 2>&1 ||
		{ tail -n 30 "$top/kconfig.log" >&2; die "vng --kconfig failed (log $top/kconfig.log)"; }
	(cd "$tree" && make olddefconfig) >>"$top/kconfig.log" 2>&1 ||
		{ tail -n 30 "$top/kconfig.log" >&2; die "make olddefconfig failed"; }
	check_config || die "the generated .config lacks options of $fragment (see above)"
	say "config: all $(wanted | wc -l) options of the fragment are set as asked"
	touch "$top/configured"
else
	check_config || die "$tree/.config was changed: remove $top/configured"
fi

say "building bzImage and modules (make -j$jobs, nice 19; log $top/build.log)"
if ! (cd "$tree" && low make -j"$jobs" bzImage modules) >"$top/build.log" 2>&1; then
	tail -n 40 "$top/build.log" >&2
	die "kernel build failed (log $top/build.log)"
fi
[ -f "$tree/arch/x86/boot/bzImage" ] && [ -f "$tree/Module.symvers" ] &&
	[ -f "$tree/vmlinux" ] || die "build finished without bzImage/vmlinux/Module.symvers"

# virtme-ng's module directory for this tree (vng would create it on the
# first boot; doing it here keeps the cached tree read-only afterwards)
(cd "$tree" && virtme-prep-kdir-mods) >>"$top/build.log" 2>&1 ||
	die "virtme-prep-kdir-mods failed (log $top/build.log)"

kver=$(cat "$tree/include/config/kernel.release")
echo "$kver built $(date -u +%FT%TZ) in $(($(date +%s) - t0))s" >"$stamp"
say "done: $kver in $(($(date +%s) - t0))s"
echo "$tree"
exit
}
