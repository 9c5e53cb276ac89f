#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test harness's own prerequisites: scripts/setup.sh must have put in
# place every tool the build and the VM tests rely on.
. "$(dirname "$0")/../lib/tap.sh"

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}

tools=(vng qemu-system-x86_64 v4l2-compliance v4l2-ctl bpftool clang llc
	pkg-config prove modinfo busybox node npm openssl
	flex bison bc pahole rsync nm readelf)
tap_plan $((${#tools[@]} + 11))

for t in "${tools[@]}"; do
	tap_check "$t is installed" command -v "$t"
done

kimg=$(ls -1 /boot/vmlinuz-6.1*-amd64 2>/dev/null | sort -V | tail -n1)
tap_check "a Debian 6.1 kernel image is in /boot" test -n "$kimg"
kver=${kimg##*/vmlinuz-}
tap_check "modules for ${kver:-6.1} include vivid" \
	test -n "$kver" -a -n "$(find "/lib/modules/$kver/kernel/drivers/media" -name 'vivid.ko*' 2>/dev/null)"
tap_check "headers for ${kver:-6.1} are installed" test -f "/usr/src/linux-headers-${kver}/Makefile"
tap_check "vng boots it: virtme-ng accepts the options scripts/vm-run uses" \
	vng --dry-run --run "$kimg" --user root --disable-kvm "--qemu-opts=-cpu max" --exec true
tap_check "busybox is static (vng's initramfs needs it)" \
	sh -c 'file -L "$(command -v busybox)" | grep -q "statically linked"'
for lib in libbpf libnl-genl-3.0 libsodium libcurl libcrypto; do
	tap_check "pkg-config finds $lib" pkg-config --exists "$lib"
done
tap_check "kselftest harness extracted into build/linux-src" \
	test -s "$root/build/linux-src/tools/testing/selftests/kselftest_harness.h"

tap_done
