#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# v4l2-compliance on a sealcam node: 0 failures.
#  -s streams with read(), MMAP and USERPTR, and with -e DMABUF buffers
#     imported from vivid (the exporter's buffers must be at least our
#     sizeimage, so vivid is set to 1920x1080 YUYV first);
#  -f tries every format and size.
{
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

tap_plan 6
T=$SEALCAM_TMP
cleanup() {
	sc_unload
	rmmod vivid 2>/dev/null
}
sc_on_exit cleanup

# result LOGFILE: "Total for ...: N, Succeeded: N, Failed: F, Warnings: W"
totals() { grep -E '^Total for .*Failed' "$1" | tail -1; }
zero_failed() { totals "$1" | grep -qE 'Failed: 0(,|$)'; }

tap_ok "load sealcam.ko" sc_load devices=1
node=$(sc_node 0)
modprobe vivid n_devs=1 node_types=0x1 >/dev/null 2>&1
vnode=$(v4l2-ctl --list-devices 2>/dev/null | awk '/^vivid/ { on = 1; next } on && /\/dev\/video/ { print $1; exit }')
tap_ok "vivid exporter at 1920x1080" \
	v4l2-ctl -d "$vnode" --set-fmt-video=width=1920,height=1080,pixelformat=YUYV
"$SC" genkey | "$SC" pubkey >"$T/owner.pub"
tap_ok "recipient key installed" "$SC" key add "$T/owner.pub"

v4l2-compliance -d "$node" >"$T/plain.log" 2>&1
tap_check "v4l2-compliance: $(totals "$T/plain.log")" zero_failed "$T/plain.log" ||
	tap_diag "$(grep -E 'fail|FAIL' "$T/plain.log" | head -20)"

v4l2-compliance -d "$node" -s -e "$vnode" >"$T/stream.log" 2>&1
if zero_failed "$T/stream.log" &&
	grep -q 'test read/write: OK' "$T/stream.log" &&
	grep -q 'test MMAP.*: OK' "$T/stream.log" &&
	grep -q 'test USERPTR.*: OK' "$T/stream.log" &&
	grep -q 'test DMABUF.*: OK' "$T/stream.log"; then
	tap_pass "v4l2-compliance -s (read, MMAP, USERPTR, DMABUF): $(totals "$T/stream.log")"
else
	tap_fail "v4l2-compliance -s (read, MMAP, USERPTR, DMABUF): $(totals "$T/stream.log")"
	tap_diag "$(grep -E 'test (read|MMAP|USERPTR|DMABUF)|fail|FAIL' "$T/stream.log" | head -30)"
fi

v4l2-compliance -d "$node" -f >"$T/formats.log" 2>&1
tap_check "v4l2-compliance -f (every format and size): $(totals "$T/formats.log")" \
	zero_failed "$T/formats.log" ||
	tap_diag "$(grep -E 'fail|FAIL' "$T/formats.log" | head -20)"
cp "$T"/*.log "$SEALCAM_ARTIFACTS/" 2>/dev/null
tap_done
exit
}
