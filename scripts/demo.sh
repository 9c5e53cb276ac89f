#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - the main job (`make demo`): build sealcam, boot the Debian 6.1
# kernel in a VM, load sealcam.ko, seal a few seconds of video to a fresh
# owner key, and unseal it on the host into ./demo-out/ (PNG frames and a
# YUV4MPEG2 file that mpv/ffplay play).
#
# Environment: DEMO_SECONDS (default 3), DEMO_SIZE (default 640x480),
# DEMO_FPS (default 15), DEMO_OUT (default ./demo-out).

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${DEMO_SECONDS:-3}
size=${DEMO_SIZE:-640x480}
fps=${DEMO_FPS:-15}
out=$(realpath -m "${DEMO_OUT:-demo-out}")
frames=$((seconds * fps))

step() { printf '\n== %s\n' "$*"; }

step "building sealcam.ko, the sealcam tool and the capture tool"
make -s all
make -s build/tests/tools/sc_capture

step "creating a fresh owner key in $out/owner.key (it never enters the VM)"
rm -rf "$out"
mkdir -p "$out/png"
(umask 077 && build/sealcam genkey >"$out/owner.key")
build/sealcam pubkey <"$out/owner.key" >"$out/owner.pub"
echo "owner public key: $(cat "$out/owner.pub")"

step "booting the VM (TCG: about a minute), loading sealcam.ko, sealing $frames frames of $size at $fps fps"
cat >"$out/guest.sh" <<EOF
set -e
. tests/lib/sealcam.sh
sc_load seg_frames=$fps
node=\$(sc_node 0)
echo "guest: sealcam camera is \$node"
build/sealcam key add "$out/owner.pub" --label demo-owner
build/sealcam device-key >"$out/device.pub"
echo "guest: device key \$(cat "$out/device.pub")"
build/tests/tools/sc_capture -d "\$node" -f yuyv -s $size -r $fps \
	-n $frames -p 0 -o "$out/segments.sealed"
build/sealcam status
sc_unload
EOF
scripts/vm-run --cpu-max --rwdir "$out" -- bash "$out/guest.sh"
rm -f "$out/guest.sh"

step "unsealing on the host with the owner key"
build/sealcam unseal --key "$out/owner.key" --expect-device "$out/device.pub" \
	--info "$out/segments.sealed" | tee "$out/info.txt"
build/sealcam unseal --key "$out/owner.key" --expect-device "$out/device.pub" \
	-o "$out/demo.y4m" "$out/segments.sealed"
build/sealcam unseal --key "$out/owner.key" --expect-device "$out/device.pub" \
	--png "$out/png" "$out/segments.sealed"

step "done"
echo "sealed segments: $out/segments.sealed ($(stat -c %s "$out/segments.sealed") bytes, ciphertext only)"
echo "video:           $out/demo.y4m  (mpv $out/demo.y4m)"
echo "frames:          $out/png/ ($(find "$out/png" -name '*.png' | wc -l) PNG files)"
echo "segment headers: $out/info.txt"
