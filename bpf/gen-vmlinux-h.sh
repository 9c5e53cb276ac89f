#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gen-vmlinux-h.sh OUT - write vmlinux.h (kernel types for the CO-RE probe).
#
# The types come from the BTF of the kernel the probe targets: $VMLINUX_BTF
# when set (a vmlinux ELF or a raw BTF file such as /sys/kernel/btf/vmlinux),
# else the newest Debian 6.1 image in /boot (its xz payload is unpacked with
# Python's lzma, no kernel scripts needed), else the running kernel's
# /sys/kernel/btf/vmlinux. CO-RE relocates field offsets at load time, so any
# of them builds a probe that loads on the 6.1 target; the 6.1 one also
# guarantees that only 6.1's fields and hooks are used.
set -euo pipefail

out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

src=${VMLINUX_BTF:-}
if [ -z "$src" ]; then
	img=$(ls /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sort -V | tail -n1 || true)
	if [ -n "$img" ] && [ -r "$img" ] && python3 - "$img" "$tmp/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], 'rb').read()
start = data.find(b'\xfd7zXZ\x00')
if start < 0:
    sys.exit(1)
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
if elf[:4] != b'\x7fELF':
    sys.exit(1)
open(sys.argv[2], 'wb').write(elf)
PY
	then
		src=$tmp/vmlinux
		echo "gen-vmlinux-h: types from $img" >&2
	else
		src=/sys/kernel/btf/vmlinux
		echo "gen-vmlinux-h: types from the running kernel ($src)" >&2
	fi
fi
bpftool btf dump file "$src" format c >"$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
