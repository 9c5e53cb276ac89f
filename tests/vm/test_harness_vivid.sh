#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM harness itself: the guest runs the Debian 6.1 kernel, loads that
# kernel's modules from the host's /lib/modules, and gives the test a
# writable scratch directory and a results directory that reaches the host.
. "$(dirname "$0")/../lib/tap.sh"

tap_plan 7

cleanup() { rmmod vivid 2>/dev/null; }
trap cleanup EXIT

tap_check "running in the VM" test "${SEALCAM_IN_VM:-}" = 1
case $(uname -r) in
6.1.*) tap_pass "guest kernel is 6.1 ($(uname -r))" ;;
*) tap_fail "guest kernel is 6.1 ($(uname -r))" ;;
esac
tap_ok "modprobe vivid" modprobe vivid n_devs=1 node_types=0x1
devs=$(v4l2-ctl --list-devices 2>&1)
if grep -q '^vivid' <<<"$devs" && grep -q '/dev/video' <<<"$devs"; then
	tap_pass "v4l2-ctl --list-devices shows vivid"
else
	tap_fail "v4l2-ctl --list-devices shows vivid"
	tap_diag "$devs"
fi
node=$(grep -m1 -o '/dev/video[0-9]*' <<<"$devs")
tap_ok "vivid streams 3 frames" \
	v4l2-ctl -d "${node:-/dev/video0}" --stream-mmap --stream-count=3 \
	--stream-to="$SEALCAM_TMP/frames.raw"
tap_check "frames landed in the scratch dir" test -s "$SEALCAM_TMP/frames.raw"
echo "$(uname -r)" >"$SEALCAM_ARTIFACTS/kernel-release"
tap_check "artifacts dir is writable" test -s "$SEALCAM_ARTIFACTS/kernel-release"
tap_done
