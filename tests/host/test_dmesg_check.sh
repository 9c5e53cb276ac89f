#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/lib/dmesg-check.sh flags kernel problems in a log, and only those.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/dmesg-check.sh"

tmp=${SEALCAM_TMP:-$(mktemp -d)}
tap_plan 12

clean=$tmp/clean.log
cat >"$clean" <<'LOG'
[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)
[    1.234567] videodev: Linux video capture interface: v2.00
[    2.000000] sealcam: module verification failed: signature and/or required key missing - tainting kernel
[    2.100000] vivid-000: V4L2 capture device registered as video0
LOG
if out=$(dmesg_problems "$clean"); then
	tap_fail "a clean boot log has no problems"
	tap_diag "$out"
else
	tap_pass "a clean boot log has no problems"
fi

n=0
while IFS= read -r line; do
	n=$((n + 1))
	f=$tmp/bad$n.log
	{ cat "$clean"; echo "$line"; } >"$f"
	if out=$(dmesg_problems "$f") && [ "$out" = "$line" ]; then
		tap_pass "flags: ${line#*] }"
	else
		tap_fail "flags: ${line#*] }"
		tap_diag "got: $out"
	fi
done <<'LOG'
[   10.1] WARNING: CPU: 1 PID: 245 at kmod/seal.c:120 sealcam_seal_frame+0x4e/0x90 [sealcam]
[   10.2] BUG: sleeping function called from invalid context at mm/slab.h:723
[   10.3] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI
[   10.4] WARNING: possible circular locking dependency detected
[   10.5] INFO: possible recursive locking detected
[   10.6] INFO: task kworker/0:1:33 blocked for more than 120 seconds.
[   10.7] UBSAN: shift-out-of-bounds in kmod/seal.c:77:20
[   10.8] BUG: KASAN: slab-use-after-free in sealcam_release+0x20/0x40 [sealcam]
[   10.9]  Call Trace:
LOG

ign=$tmp/ignore
echo 'at kmod/seal.c:120' >"$ign"
if out=$(SEALCAM_DMESG_IGNORE=$ign dmesg_problems "$tmp/bad1.log"); then
	tap_fail "an ignore-list entry hides its line"
	tap_diag "$out"
else
	tap_pass "an ignore-list entry hides its line"
fi
if out=$(SEALCAM_DMESG_IGNORE=$ign dmesg_problems "$tmp/bad2.log") && [ -n "$out" ]; then
	tap_pass "an ignore-list entry hides nothing else"
else
	tap_fail "an ignore-list entry hides nothing else"
fi
tap_done
