#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-uvc.sh - build $BUILD/uvc/uvcvideo.ko: the distribution's own
# uvcvideo (from its linux-source tarball, never copied into the repository)
# with sealcam's patch and glue (kmod/uvc/uvc_sealcam.c), so that a USB
# webcam's frames are sealed by sealcam.ko before any userspace-visible
# buffer holds them.  docs/KERNEL.md, "A real camera: uvcvideo", says why
# and how.
#
# The kernel is KDIR's (default as the Makefile's); its version picks the
# source and the patch:
#   6.1   /usr/src/linux-source-6.1.tar.xz   kmod/uvc/uvcvideo-sealcam.patch
#   X.Y   /usr/src/linux-source-X.Y.tar.xz   kmod/uvc/uvcvideo-sealcam-X.Y.patch
# A kernel without a patch is skipped (message, exit 0): nothing is built.
#
# Needs sealcam.ko of the same build first (its Module.symvers: uvcvideo
# links against sealcam_source_*): ./Module.symvers for the default build
# (BUILD=build), $BUILD/module/Module.symvers for any other.
# Environment: BUILD (default build; the Makefile passes it), KDIR,
# SEALCAM_LINUX_SRC_TAR (overrides the tarball).

set -euo pipefail
{
prog=build-uvc.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "$prog: $*" >&2; exit 1; }

build=${BUILD:-build}
build=${build%/}
case $build in /*) ;; *) build=$root/$build ;; esac
if [ "$build" = "$root/build" ]; then
	symvers=$root/Module.symvers
else
	symvers=$build/module/Module.symvers
fi
kdir=${KDIR:-$(ls -d /lib/modules/"$(uname -r)"/build 2>/dev/null ||
	ls -d /lib/modules/6.1.*-amd64/build | sort -V | tail -n1)}
[ -f "$kdir/Makefile" ] || die "KDIR=$kdir is no kernel build tree"

# the kernel's version: its kernel.release, else the tree's Makefile
krel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null ||
	make -s -C "$kdir" kernelversion 2>/dev/null) || true
kmm=$(sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' <<<"$krel")
[ -n "$kmm" ] || die "cannot tell the version of the kernel in $kdir"
if [ "$kmm" = 6.1 ]; then
	patchf=$root/kmod/uvc/uvcvideo-sealcam.patch
else
	patchf=$root/kmod/uvc/uvcvideo-sealcam-$kmm.patch
fi
if [ ! -f "$patchf" ]; then
	echo "$prog: no sealcam patch for uvcvideo of Linux $kmm ($patchf): not building uvcvideo.ko for $krel"
	exit 0
fi
tarball=${SEALCAM_LINUX_SRC_TAR:-/usr/src/linux-source-$kmm.tar.xz}
out=$build/uvc
src=$out/src

[ -r "$tarball" ] || die "$tarball missing (install linux-source-$kmm)"
[ -s "$symvers" ] || die "$symvers missing: build sealcam.ko of this build first (make module)"

# Re-extract when the kernel, the tarball, the patch or this script changed.
stamp=$( { echo "$krel"; cat "$tarball" "$patchf" "$0"; } 2>/dev/null |
	md5sum | cut -d' ' -f1)
if [ "$(cat "$src/.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$out"
	mkdir -p "$out/tree"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$out/tree" --strip-components=1 "$top/drivers/media/usb/uvc"
	(cd "$out/tree" && patch -p1 --quiet --no-backup-if-mismatch \
		<"$patchf")
	mv "$out/tree/drivers/media/usb/uvc" "$src"
	rm -rf "$out/tree"
	echo "$stamp" >"$src/.stamp"
fi
cp "$root/kmod/uvc/uvc_sealcam.c" "$src/"
make -C "$kdir" M="$src" CONFIG_USB_VIDEO_CLASS=m \
	KBUILD_EXTRA_SYMBOLS="$symvers" \
	KCFLAGS="-I$root/kmod/include" modules
cp "$src/uvcvideo.ko" "$out/uvcvideo.ko"
echo "$prog: built $out/uvcvideo.ko for $krel ($(basename "$patchf"))"
exit
}
