#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# (long mode) What the audit probe's USB guard costs the rest of the system:
# its file_permission hook runs on every read() and write() (docs/AUDIT.md,
# "The USB guard"). 1,000,000 one-byte dd copies (a read and a write each)
# from /dev/zero and from a tmpfs file to /dev/null, without the probe and
# with it (guard deny), alternating, 7 rounds; prints the per-syscall times
# and the medians' ratio. Numbers go to docs/PERFORMANCE.md by hand.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

[ -n "${SEALCAM_LONG:-}" ] ||
	tap_skip_all "benchmark: run with SEALCAM_LONG=1 (make check-long)"
AUDITD=$SC_BUILD/sealcam-auditd
[ -x "$AUDITD" ] || tap_missing "$AUDITD (make all)"
tap_plan 2
T=$SEALCAM_TMP
PIN=/sys/fs/bpf/sealcam-guard-bench
ROUNDS=7
mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
"$SC" audit init --dir "$T/audit" >/dev/null 2>&1
head -c 1000000 /dev/zero >"$T/file"
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	wait 2>/dev/null
	"$AUDITD" --detach --pin-dir "$PIN" 2>/dev/null
}
sc_on_exit cleanup

# ns per system call of a 1-byte dd from SRC to /dev/null
per_call() {
	local s e
	s=$(date +%s%N)
	dd if="$1" of=/dev/null bs=1 count=1000000 status=none
	e=$(date +%s%N)
	echo $(((e - s) / 2000000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for _ in $(seq "$ROUNDS"); do
	echo "$(per_call /dev/zero) $(per_call "$T/file")" >>"$T/bare"
	rm -f "$T/ready"
	"$AUDITD" --dir "$T/audit" --pin-dir "$PIN" --ready-file "$T/ready" \
		--agent-events none --no-netlink --usb-guard deny 2>>"$T/auditd.log" &
	pid=$!
	wait_for 120 test -e "$T/ready" || break
	echo "$(per_call /dev/zero) $(per_call "$T/file")" >>"$T/guard"
	kill "$pid"
	wait "$pid"
	pid=
	"$AUDITD" --detach --pin-dir "$PIN"
done
tap_ok "$ROUNDS rounds with and without the probe" test "$(wc -l <"$T/guard")" = "$ROUNDS"
b1=$(cut -d' ' -f1 "$T/bare" | median); g1=$(cut -d' ' -f1 "$T/guard" | median)
b2=$(cut -d' ' -f2 "$T/bare" | median); g2=$(cut -d' ' -f2 "$T/guard" | median)
tap_diag "per read/write, median of $ROUNDS (ns; TCG is ~20x slower than hardware):"
tap_diag "  /dev/zero -> /dev/null:  bare $b1  probe $g1  ($(awk -v a="$g1" -v b="$b1" 'BEGIN { printf "%.2fx", a / b }'))"
tap_diag "  tmpfs file -> /dev/null: bare $b2  probe $g2  ($(awk -v a="$g2" -v b="$b2" 'BEGIN { printf "%.2fx", a / b }'))"
tap_diag "  rounds bare: $(tr '\n' ';' <"$T/bare")"
tap_diag "  rounds probe: $(tr '\n' ';' <"$T/guard")"
tap_ok "medians measured" test -n "$b1$g1$b2$g2"
tap_done
