#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/lib/dmesg-check.sh flags kernel problems in a log, and only those.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/dmesg-check.sh"

tmp=${SEALCAM_TMP:-$(mktemp -d)}
tap_plan 26

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
[   11.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   11.1] WARNING: inconsistent lock state
[   11.2] BUG: scheduling while atomic: sealcam/120/0x00000002
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

# vivid's own "wrong timeout value" stack dump (a starved VM) is not ours;
# the same report from any other task, and what follows it, still count
vivid_report() {	# $1: the task name in the report
	cat <<LOG
[  114.823121] schedule_timeout: wrong timeout value fffffffffffffffe
[  114.823640] CPU: 0 PID: 596 Comm: $1 Tainted: G           OE      6.1.0-57-amd64 #1  Debian 6.1.192-3
[  114.823710] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[  114.826276] Call Trace:
[  114.826276]  <TASK>
[  114.826276]  dump_stack_lvl+0x44/0x5c
[  114.826276]  schedule_timeout+0x138/0x150
[  114.826276]  kthread+0xda/0x100
[  114.826276]  ret_from_fork+0x22/0x30
[  114.826276]  </TASK>
LOG
}
{ cat "$clean"; vivid_report vivid-000-vid-c; } >"$tmp/vivid.log"
if out=$(dmesg_problems "$tmp/vivid.log"); then
	tap_fail "vivid's own timeout report in a vivid thread is not a problem"
	tap_diag "$out"
else
	tap_pass "vivid's own timeout report in a vivid thread is not a problem"
fi
{ cat "$clean"; vivid_report sealcam-0-cap; } >"$tmp/sctimeout.log"
if out=$(dmesg_problems "$tmp/sctimeout.log") && [ -n "$out" ]; then
	tap_pass "the same report from a sealcam thread is flagged"
else
	tap_fail "the same report from a sealcam thread is flagged"
fi
{ cat "$clean"; vivid_report vivid-000-vid-c
  echo "[  115.0] WARNING: CPU: 1 PID: 245 at kmod/seal.c:120 x+0x4e/0x90 [sealcam]"; } >"$tmp/after.log"
if out=$(dmesg_problems "$tmp/after.log") && grep -q "kmod/seal.c:120" <<<"$out"; then
	tap_pass "a warning right after vivid's report is still flagged"
else
	tap_fail "a warning right after vivid's report is still flagged"
	tap_diag "got: $out"
fi
{ cat "$clean"; vivid_report vivid-000-vid-c |
  sed '6a [  114.9] WARNING: CPU: 1 PID: 245 at kmod/seal.c:120 x+0x4e/0x90 [sealcam]'; } >"$tmp/inside.log"
if out=$(dmesg_problems "$tmp/inside.log") && grep -q "kmod/seal.c:120" <<<"$out"; then
	tap_pass "a warning printed inside vivid's report is still flagged"
else
	tap_fail "a warning printed inside vivid's report is still flagged"
	tap_diag "got: $out"
fi

# the checker names the kind of each report
kinds=$(dmesg_report_kinds <(cat "$tmp"/bad*.log) | sort | tr '\n' ' ')
tap_check "names KASAN, UBSAN, lockdep, kmemleak, sleep-in-atomic, warning, oops ($kinds)" \
	test "$kinds" = "KASAN UBSAN kmemleak lockdep oops sleep-in-atomic warning "
if out=$(dmesg_report_kinds "$clean"); then
	tap_fail "a clean log names no report"
	tap_diag "$out"
else
	tap_pass "a clean log names no report"
fi

# kmemleak findings attributed to a module: by symbol while it is loaded,
# by its recorded load range once it is gone
leaks=$tmp/kmemleak
cat >"$leaks" <<'LOG'
unreferenced object 0xffff888012345678 (size 64):
  comm "insmod", pid 91, jiffies 4294901234 (age 12.3s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<ffffffff8123abcd>] __kmalloc+0x4b/0x170
    [<ffffffffc0123456>] 0xffffffffc0123456
    [<ffffffff81002345>] do_one_initcall+0x9c/0x2d0
unreferenced object 0xffff888012340000 (size 32):
  comm "sh", pid 92, jiffies 4294901300 (age 10.1s)
  backtrace:
    [<ffffffff8123abcd>] kmalloc_trace+0x26/0x60
    [<ffffffffc0a00010>] sc_det_leak+0x10/0x40 [sc_detectors]
unreferenced object 0xffff888012350000 (size 32):
  comm "swapper/0", pid 1, jiffies 4294900000 (age 99.0s)
  backtrace:
    [<ffffffff8123abcd>] kmalloc_trace+0x26/0x60
    [<ffffffffc0124000>] 0xffffffffc0124000
LOG
map=$tmp/modmap
printf 'sealcam 4096 0xffffffffc0123000\nsealcam 4096 0x0000000000000000\n' >"$map"
out=$(kmemleak_reports "$leaks" sealcam "$map")
tap_check "kmemleak: an unloaded module's frame is found through its load range" \
	test "$(grep -c '^unreferenced' <<<"$out")" = 1 -a -n "$(grep 0xffff888012345678 <<<"$out")"
out=$(kmemleak_reports "$leaks" sc_detectors "$map")
tap_check "kmemleak: a loaded module's frame is found by its symbol" \
	test "$(grep -c '^unreferenced' <<<"$out")" = 1 -a -n "$(grep 'sc_det_leak' <<<"$out")"
out=$(kmemleak_reports "$leaks" sealcam)
tap_check "kmemleak: without load ranges bare addresses are not attributed" \
	test -z "$out"
out=$(kmemleak_reports "$leaks" sealcam "$map")
tap_check "kmemleak: an address past the recorded range is not attributed" \
	test -z "$(grep 0xffff888012350000 <<<"$out")"
if kmemleak_reports "$leaks" vivid "$map" >/dev/null; then
	tap_fail "kmemleak: nothing attributed to a module with no frame and no range"
else
	tap_pass "kmemleak: nothing attributed to a module with no frame and no range"
fi
tap_done
