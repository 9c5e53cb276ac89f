#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM harness itself: the guest runs Debian 12's 6.1 kernel over the
# host's root (or Debian 13's 6.12 over its root: the 6.12 leg), loads that
# kernel's modules from the root's /lib/modules, and gives the test a
# writable scratch directory and a results directory that reaches the host.
. "$(dirname "$0")/../lib/tap.sh"

tap_plan 8

cleanup() { rmmod vivid 2>/dev/null; }
trap cleanup EXIT

tap_check "running in the VM" test "${SEALCAM_IN_VM:-}" = 1
# Each leg of the suite (tests/run-tests.sh) boots its distribution's
# kernel over that distribution's userspace: 6.1 with Debian 12, 6.12 with
# Debian 13; and the module under test was built for the kernel booted.
distro=$(. /etc/os-release && echo "${VERSION_ID:-?}")
case $(uname -r):$distro in
6.1.*:12) tap_pass "guest kernel 6.1 on Debian 12 ($(uname -r))" ;;
6.12.*:13) tap_pass "guest kernel 6.12 on Debian 13 ($(uname -r))" ;;
*) tap_fail "guest kernel 6.1 on Debian 12 or 6.12 on Debian 13 ($(uname -r), Debian $distro)" ;;
esac
ko=${SEALCAM_KO:-${SEALCAM_ROOT:-.}/sealcam.ko}
magic=$(modinfo -F vermagic "$ko" 2>"$SEALCAM_TMP/modinfo.err" | cut -d' ' -f1)
if [ -n "$magic" ] && [ "$magic" = "$(uname -r)" ]; then
	tap_pass "the module under test was built for this kernel ($ko)"
else
	tap_fail "the module under test was built for this kernel ($ko)"
	tap_diag "vermagic ${magic:-unreadable: $(cat "$SEALCAM_TMP/modinfo.err")}, guest kernel $(uname -r)"
fi
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
