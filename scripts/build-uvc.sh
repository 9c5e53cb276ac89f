#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-uvc.sh - build build/uvc/uvcvideo.ko: Debian's own uvcvideo (from
# the linux-source-6.1 tarball, never copied into the repository) with
# sealcam's patch (kmod/uvc/uvcvideo-sealcam.patch) and glue
# (kmod/uvc/uvc_sealcam.c), so that a USB webcam's frames are sealed by
# sealcam.ko before any userspace-visible buffer holds them.
# docs/KERNEL.md, "A real camera: uvcvideo", says why and how.
#
# Needs sealcam.ko built first (its Module.symvers: uvcvideo links against
# sealcam_source_*).  Environment: KDIR (default as the Makefile's),
# SEALCAM_LINUX_SRC_TAR (default /usr/src/linux-source-6.1.tar.xz).

set -euo pipefail
{
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tarball=${SEALCAM_LINUX_SRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
kdir=${KDIR:-$(ls -d /lib/modules/"$(uname -r)"/build 2>/dev/null ||
	ls -d /lib/modules/6.1.*-amd64/build | sort -V | tail -n1)}
out=$root/build/uvc
src=$out/src

[ -r "$tarball" ] || { echo "build-uvc.sh: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
[ -s "$root/Module.symvers" ] || { echo "build-uvc.sh: build sealcam.ko first (make module)" >&2; exit 1; }

# Re-extract when the tarball, the patch or this script changed.
stamp=$(cat "$tarball" "$root/kmod/uvc/uvcvideo-sealcam.patch" "$0" 2>/dev/null |
	md5sum | cut -d' ' -f1)
if [ "$(cat "$src/.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$out"
	mkdir -p "$out/tree"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$out/tree" --strip-components=1 "$top/drivers/media/usb/uvc"
	(cd "$out/tree" && patch -p1 --quiet --no-backup-if-mismatch \
		<"$root/kmod/uvc/uvcvideo-sealcam.patch")
	mv "$out/tree/drivers/media/usb/uvc" "$src"
	rm -rf "$out/tree"
	echo "$stamp" >"$src/.stamp"
fi
cp "$root/kmod/uvc/uvc_sealcam.c" "$src/"
make -C "$kdir" M="$src" CONFIG_USB_VIDEO_CLASS=m \
	KBUILD_EXTRA_SYMBOLS="$root/Module.symvers" \
	KCFLAGS="-I$root/kmod/include" modules
cp "$src/uvcvideo.ko" "$out/uvcvideo.ko"
echo "build-uvc.sh: built $out/uvcvideo.ko"
exit
}
