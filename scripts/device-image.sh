#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# device-image.sh [--path] SUITE - a Debian image for the device test
# (tests/host/test_device.sh): SUITE is bookworm (Debian 12) or trixie
# (Debian 13).  mmdebstrap builds it from the machine's own Debian mirror
# (the one its apt sources name, found as scripts/setup.sh finds it), with
# systemd as PID 1, the distribution's kernel and headers, DKMS and a
# compiler (so DKMS can build sealcam.ko in the guest), and the libraries
# the sealcam package needs, so that `apt install ./*.deb` works offline.
#
# The image is cached in /var/lib/sealcam/device-image/debianNN-KEY/
# (SEALCAM_DEVICE_IMAGE_CACHE moves it), KEY a hash of its inputs (the
# suite, the package list, the hooks and the test's unit): root.ext4 (raw ext4, the root
# file system), vmlinuz, initrd.img (the image's own kernel), kver, done.
# It is built by scripts/setup.sh (the only step that downloads); the test
# asks for the path only:
#   --path SUITE   print the cached image's directory, or fail naming
#                  scripts/setup.sh when it is not there; never builds
#
# In the image, sealcam-devtest.service mounts the 9p share "devtest" at
# /mnt/devtest and runs /mnt/devtest/guest.sh at every boot (the device
# test's driver, tests/device/guest.sh); the image has no apt source, so
# nothing in the guest reaches a network.
set -euo pipefail

prog=device-image.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SEALCAM_DEVICE_IMAGE_CACHE:-/var/lib/sealcam/device-image}
path_only=0
[ "${1:-}" = --path ] && { path_only=1; shift; }
suite=${1:?usage: device-image.sh [--path] bookworm|trixie}

# packages: systemd as init, the kernel and what DKMS needs to build for it,
# the sealcam package's runtime libraries (names differ per release): every
# package its Depends names (dpkg-shlibdeps: a library the programs link
# needs its package here; tests/host/test_device.sh checks the image against
# the built package before booting it)
common=(systemd systemd-sysv udev kmod procps initramfs-tools
	linux-image-amd64 linux-headers-amd64 dkms gcc make libc6-dev
	libbpf1 libsodium23 libnl-3-200 libnl-genl-3-200 libsystemd0 zlib1g
	libmosquitto1 libjpeg62-turbo)
case $suite in
bookworm) nr=12; extra=(libcurl4 libssl3) ;;
trixie)   nr=13; extra=(libcurl4t64 libssl3t64) ;;
*) echo "$prog: unknown suite '$suite' (bookworm or trixie)" >&2; exit 2 ;;
esac
pkgs=$(IFS=,; echo "${common[*]},${extra[*]}")

# The guest's driver unit, and an image that boots on its own: fstab, a
# hostname, no apt source (the test installs local .debs only), no
# initramfs rebuild needed (the test boots the image's own initrd).
devtest_unit='[Unit]
Description=sealcam device test driver (tests/device/guest.sh)
After=multi-user.target
ConditionPathExists=!/etc/sealcam-devtest-disabled

[Service]
Type=oneshot
# 9pnet_virtio offers its transport before it has probed the share: a
# mount while udev is still loading it finds "no channels available".
# Both wait for that load to end.
ExecStartPre=/sbin/modprobe 9pnet_virtio
ExecStartPre=/bin/udevadm settle
ExecStart=/bin/mkdir -p /mnt/devtest
ExecStart=/bin/mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 devtest /mnt/devtest
ExecStart=/bin/bash /mnt/devtest/guest.sh
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
'
hooks=(
	'echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"'
	'echo sealcam-device >"$1/etc/hostname"'
	'printf "%s" "$SEALCAM_DEVTEST_UNIT" >"$1/etc/systemd/system/sealcam-devtest.service"'
	'chroot "$1" systemctl enable sealcam-devtest.service'
	'rm -f "$1/etc/apt/sources.list" "$1"/etc/apt/sources.list.d/*'
)

# the cache key: everything that decides the image's content (not the
# mirror: the same suite from any mirror is the same release)
key=$(printf '%s\n' "image-format 1" "$suite" "$pkgs" "$devtest_unit" "${hooks[@]}" |
	sha256sum | cut -c1-16)
dir=$cache/debian$nr-$key

if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi
if [ "$path_only" = 1 ]; then
	echo "$prog: no Debian $nr device image in $dir (scripts/setup.sh builds it)" >&2
	exit 1
fi

# the machine's own mirror: scripts/setup.sh's system_debian_mirror()
mirror=$(bash -c "source <(sed -n '/^system_debian_mirror() {/,/^}/p' '$root/scripts/setup.sh')
	system_debian_mirror")
[ -n "$mirror" ] || { echo "$prog: cannot find the machine's Debian mirror in /etc/apt/sources*" >&2; exit 1; }

for t in mmdebstrap mkfs.ext4; do
	command -v $t >/dev/null || { echo "$prog: $t missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

tmp=$cache/.build-$suite-$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
echo "$prog: building the Debian $nr ($suite) image from $mirror into $dir" >&2

hook_args=()
for h in "${hooks[@]}"; do
	hook_args+=(--customize-hook="$h")
done
SEALCAM_DEVTEST_UNIT=$devtest_unit \
mmdebstrap --variant=required --mode=root --format=directory \
	--include="$pkgs" "${hook_args[@]}" \
	"$suite" "$tmp/root" "deb $mirror $suite main" >"$tmp/mmdebstrap.log" 2>&1 || {
	tail -n 30 "$tmp/mmdebstrap.log" >&2
	echo "$prog: mmdebstrap failed" >&2
	exit 1
}

kver=$(ls "$tmp/root/lib/modules" | sort -V | tail -n1)
mkdir -p "$tmp/out"
cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/out/vmlinuz"
cp "$tmp/root/boot/initrd.img-$kver" "$tmp/out/initrd.img"
echo "$kver" >"$tmp/out/kver"
# 3 GiB: the kernel headers, a compiler and DKMS's build need room
mkfs.ext4 -q -F -L sealcam-root -d "$tmp/root" "$tmp/out/root.ext4" 3G >&2
touch "$tmp/out/done"
rm -rf "$dir"
mkdir -p "$cache"
mv "$tmp/out" "$dir"
echo "$prog: Debian $nr image ($kver) ready in $((SECONDS - start)) s: $dir" >&2
echo "$dir"
