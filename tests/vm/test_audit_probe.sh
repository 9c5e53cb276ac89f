#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The camera-open audit end to end: sealcam-auditd attaches the BPF LSM
# probe; opens of a vivid node and a sealcam node through every path (direct,
# symlink, /proc/self/fd re-open, a second node made with mknod, a bind
# mount, another mount namespace) from 8 processes are each logged exactly
# once, also across a kill -9 and restart of the daemon in the middle of a
# storm (and when a too small ring buffer overflowed, gap records make the
# totals add up), and as many as the Linux audit subsystem (auditd with read watches
# on the same nodes) counts in the same run; key changes made after the storm
# are logged with who made them, and an overrun of the daemon's netlink
# queue becomes a gap record with the count; enforcement lets a listed
# program and a listed uid open and denies (EPERM, logged "denied") an
# unlisted program, a copy of the listed one and root running an unlisted
# one; the produced log verifies with the verification key and the device
# state.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"
. "$(dirname "$0")/../lib/linux-audit.sh"

AUDITD=$SC_BUILD/sealcam-auditd
OPENER=$SC_TOOLS/audit_opener
T=$SEALCAM_TMP
DIR=$T/audit
PIN=/sys/fs/bpf/sealcam-test
PIN2=/sys/fs/bpf/sealcam-test-small
daemon_pid=

start_daemon() {
	rm -f "$T/ready"
	"$AUDITD" --dir "$DIR" --pin-dir "$PIN" --ready-file "$T/ready" \
		--epoch-records 500 "$@" 2>>"$T/auditd.log" &
	daemon_pid=$!
	for _ in $(seq 1 600); do
		[ -e "$T/ready" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null
	wait "$daemon_pid"
	local rc=$?
	daemon_pid=
	return $rc
}

cleanup() {
	[ -z "$daemon_pid" ] || kill -KILL "$daemon_pid" 2>/dev/null
	la_stop
	wait 2>/dev/null
	"$AUDITD" --detach --pin-dir "$PIN" 2>/dev/null
	"$AUDITD" --detach --pin-dir "$PIN2" 2>/dev/null
	umount "$T/bound" "$T/nodes" 2>/dev/null
	rmmod vivid 2>/dev/null
	sc_unload 2>/dev/null
	[ -f "$T/auditd.log" ] && cp "$T/auditd.log" "$SEALCAM_ARTIFACTS/" 2>/dev/null
	[ -f "$T/linux-audit/auditd.out" ] && cp "$T/linux-audit/auditd.out" "$SEALCAM_ARTIFACTS/" 2>/dev/null
	# the log without the storm's open/close lines, and its last 300 lines
	if [ -f "$DIR/audit.log" ]; then
		grep -vE '"type":"(open|close)"' "$DIR/audit.log" >"$SEALCAM_ARTIFACTS/audit-other.log"
		tail -n 300 "$DIR/audit.log" >"$SEALCAM_ARTIFACTS/audit-tail.log"
	fi
}
sc_on_exit cleanup

# count RECORD_TYPE [show filters...]: records in the log
count() {
	local type=$1
	shift
	"$SC" audit show --json --dir "$DIR" "$@" | grep -c "\"type\":\"$type\""
}

# wait_log PATTERN: until the audit log has a line with PATTERN (60 s at most)
wait_log() {
	for _ in $(seq 600); do
		grep -q "$1" "$DIR/audit.log" && return 0
		sleep 0.1
	done
	return 1
}

# check_actor EVENT...: kev_ok=0 unless the last record of each module
# EVENT names the process that caused it (pid, uid 0, comm sealcam)
kev_ok=1
check_actor() {
	local ev line
	for ev in "$@"; do
		line=$(grep "\"event\":\"$ev\"" "$DIR/audit.log" | tail -1)
		tap_diag "$ev: $(echo "$line" | grep -o '"event".*"comm":"[^"]*"')"
		echo "$line" | grep -q '"comm":"sealcam"' && echo "$line" | grep -q '"uid":0,' &&
			echo "$line" | grep -q '"pid":[1-9]' || kev_ok=0
	done
}

sum_attempts() { awk -F'[ =]' '{ for (i = 1; i < NF; i++) if ($i == "attempts") s += $(i + 1) } END { print s + 0 }' "$@"; }

[ -x "$AUDITD" ] || tap_missing "build/sealcam-auditd (make all)"
[ -x "$OPENER" ] || tap_missing "$OPENER (make tests)"
tap_plan 26

mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security
lsms=$(cat /sys/kernel/security/lsm 2>/dev/null)
tap_diag "active LSMs: $lsms"
if [[ ,$lsms, == *,bpf,* ]]; then
	tap_pass "the bpf LSM is active in the guest"
else
	tap_fail "the bpf LSM is active in the guest"
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

modprobe vivid n_devs=1 node_types=0x1 >/dev/null 2>&1
sc_load devices=1 >/dev/null 2>&1
vivid=
for d in /sys/class/video4linux/video*; do
	case $(cat "$d/name") in vivid*) vivid=/dev/${d##*/} ;; esac
done
seal=$(sc_node 0)
if [ -c "$vivid" ] && [ -c "$seal" ]; then
	tap_pass "vivid ($vivid) and sealcam ($seal) nodes present"
else
	tap_fail "vivid ($vivid) and sealcam ($seal) nodes present"
	tap_bail "no camera nodes"
fi
chmod 666 "$vivid" "$seal"

"$SC" audit init --dir "$DIR" >"$T/verify.key" 2>"$T/init.err"
(umask 077; "$SC" genkey >"$T/owner.key")
"$SC" pubkey <"$T/owner.key" >"$T/owner.pub"
OUTBOX=(--outbox "$T/outbox" --recipient "$T/owner.pub")
tap_check "audit init prints a verification key" test -s "$T/verify.key"

if start_daemon "${OUTBOX[@]}"; then
	tap_pass "sealcam-auditd loads and attaches the probe"
else
	tap_fail "sealcam-auditd loads and attaches the probe"
	tap_diag "$(cat "$T/auditd.log")"
	tap_bail "no daemon"
fi

# the paths to one camera each
ln -s "$vivid" "$T/link-vivid"
mkdir -p "$T/nodes"
mount -t tmpfs nodes "$T/nodes"
mknod "$T/nodes/seal2" c $((0x$(stat -c %t "$seal"))) $((0x$(stat -c %T "$seal")))
chmod 666 "$T/nodes/seal2"
touch "$T/bound"
mount --bind "$seal" "$T/bound"
paths=("$vivid" "$seal" "$T/link-vivid" "$T/nodes/seal2" "$T/bound")

# The Linux audit subsystem counts the same opens: a read watch on each node
# (the symlink, the bind mount and /proc/self/fd end at these inodes; the
# other mount namespace's node gets its watch from inside that namespace).
tap_diag "guest kernel command line: $(cat /proc/cmdline)"
if la_available && la_start "$T/linux-audit" && la_watch sc-storm "$vivid" "$seal" "$T/nodes/seal2"; then
	tap_pass "auditd runs with read watches on the storm's nodes"
	la_on=1
else
	tap_fail "auditd runs with read watches on the storm's nodes"
	tap_diag "$(cat "$T/linux-audit/auditd.out" 2>/dev/null)"
	la_on=0
fi

# 8 processes x 125 rounds x 5 paths x (open + /proc/self/fd re-open) = 10000
: >"$T/counts"
"$OPENER" -p 8 -n 125 -r "${paths[@]}" >>"$T/counts" 2>&1
tap_check "storm of 10000 opens over 5 paths ran" grep -q "attempts=10000 ok=10000" "$T/counts"

# another mount namespace, its own node
unshare -m sh -c "mount -t tmpfs ns '$T/nodes' && mknod '$T/nodes/cam' c 81 \
	$((0x$(stat -c %T "$vivid"))) && { [ $la_on = 0 ] || auditctl -w '$T/nodes/cam' -p r -k sc-storm; } &&
	'$OPENER' -n 100 '$T/nodes/cam'" >>"$T/counts" 2>&1
tap_check "100 opens from another mount namespace ran" grep -q "attempts=100 ok=100" "$T/counts"

# kill -9 in the middle of a storm, then restart over the pinned probe: the
# storm's 4 processes stop themselves halfway (-H), however fast the machine;
# the daemon is killed then, and the second half runs while it is dead and
# while it restarts
"$OPENER" -p 4 -n 500 -H "$vivid" "$seal" >>"$T/counts" 2>&1 &
storm=$!
storm_halted() { # every storm process has stopped itself halfway
	local c n=0
	for c in $(pgrep -P "$storm"); do
		[ "$(awk '{ print $3 }' "/proc/$c/stat" 2>/dev/null)" = T ] && n=$((n + 1))
	done
	[ "$n" = 4 ]
}
wait_for 300 storm_halted && mid_storm=1 || mid_storm=0
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
pkill -CONT -P "$storm"
start_daemon "${OUTBOX[@]}"
restarted=$?
wait "$storm"
tap_check "daemon killed (-9) while the storm ran, restarted over the pinned probe" \
	test "$mid_storm" = 1 -a "$restarted" = 0 -a "$(grep -c 'reused from bpffs' "$T/auditd.log")" = 1
# the reference count is complete: rules off, auditd flushed and stopped
if [ "$la_on" = 1 ]; then
	la_stop
	la_opens=$(la_count sc-storm audit_opener)
	la_lost_n=$(la_lost)
	tap_diag "auditd's records of audit_opener by path (count, PATH names):"
	tap_diag "$(la_by_path sc-storm audit_opener)"
	tap_diag "$(grep '^type=SYSCALL' "$T/linux-audit/audit.log" | grep -F 'comm="audit_opener"' |
		grep -o 'syscall=[0-9]* success=[a-z]*' | sort | uniq -c)"
fi

# key changes after the storm, while the daemon listens: add and delete
# (the lock comes with the enforcement run below: it holds until reload)
"$SC" events --count 2 --timeout 60 >"$T/cli-events" 2>&1 &
evpid=$!
sleep 1
kid=$("$SC" key add "$T/owner.pub" --label audit-test 2>&1)
tap_diag "sealcam key add: exit $? $kid"
out=$("$SC" key del "$kid" 2>&1)
tap_diag "sealcam key del: exit $? $out"
# the daemon appends the module's events as they come: wait for the last
# one (at most 60 s under TCG) rather than for a fixed time
wait_log '"event":"key-deleted"'
stop_daemon
tap_check "daemon stops cleanly on SIGTERM" test $? = 0
wait "$evpid"
tap_diag "sealcam events saw: $(cat "$T/cli-events")"
tap_diag "$(grep -E 'subscribed|module events|stopped' "$T/auditd.log")"
check_actor key-added key-deleted
grep '"event":"key-added"' "$DIR/audit.log" | grep -q "\"key_id\":\"$kid\"" || kev_ok=0
tap_check "key add and del after the storm are logged with who made them (pid, uid 0, comm sealcam)" \
	test "$kev_ok" = 1

# a netlink overrun is a gap record with the count: a daemon with the
# smallest receive queue, stopped while the module sends 12 key events
n0=$(grep -c subscribed "$T/auditd.log")
start_daemon "${OUTBOX[@]}" --netlink-rcvbuf 1
for _ in $(seq 300); do
	[ "$(grep -c subscribed "$T/auditd.log")" -gt "$n0" ] && break
	sleep 0.1
done
kill -STOP "$daemon_pid"
before=$(grep -c '"type":"sealcam"' "$DIR/audit.log")
for _ in 1 2 3 4 5 6; do
	kid=$("$SC" key add "$T/owner.pub" --label overrun 2>&1)
	"$SC" key del "$kid" >/dev/null 2>&1
done
kill -CONT "$daemon_pid"
wait_log '"source":"netlink"'
stop_daemon
nl_logged=$(( $(grep -c '"type":"sealcam"' "$DIR/audit.log") - before ))
nl_lost=$(grep '"source":"netlink"' "$DIR/audit.log" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p' |
	awk '{ s += $1 } END { print s + 0 }')
tap_diag "12 module events sent to a stopped daemon: $nl_logged logged, $nl_lost lost"
tap_diag "$(grep '"source":"netlink"' "$DIR/audit.log" | grep -o '"type":"gap".*"lost_total":[0-9]*')"
tap_check "netlink overrun: a gap record counts the lost module events (logged + lost = 12)" \
	test "$nl_lost" -ge 1 -a $((nl_logged + nl_lost)) = 12

attempts=$(sum_attempts "$T/counts")
opens=$(count open --comm audit_opener)
closes=$(count close --comm audit_opener)
lost=$("$SC" audit stats --json --dir "$DIR" | sed -n 's/.*"lost": \([0-9]*\).*/\1/p')
tap_diag "opens performed $attempts; logged: $opens opens, $closes closes, ${lost:-?} lost"
tap_diag "the log's opens by audit_opener by path:"
tap_diag "$("$SC" audit show --json --dir "$DIR" --comm audit_opener | grep '"type":"open"' |
	grep -o '"path":"[^"]*"' | sort | uniq -c)"
tap_check "every open and close logged exactly once ($attempts), none lost" \
	test "${lost:-x}" = 0 -a "$opens" = "$attempts" -a "$closes" = "$attempts"
dups=$("$SC" audit show --json --dir "$DIR" --comm audit_opener | grep -o '"kseq":[0-9]*' | sort | uniq -d | wc -l)
tap_check "no record logged twice across the kill -9 and restart" test "$dups" = 0
tap_diag "Linux audit (read watches): ${la_opens:-?} opens by audit_opener, kernel lost ${la_lost_n:-?}"
# The reference is complete only if the kernel lost nothing and auditd
# wrote its whole queue before it stopped (la_stop waits for its marker:
# auditd drops what it has not read at SIGTERM). It fell short in session 2
# on a host running 3-4 VMs, and once again in session 10 at load 9 (13836
# of 14100, kernel lost 0, while this log held all 14100): auditd, not the
# probe, misses opens when the host is starved; quiet runs have matched.
tap_check "the log's count equals auditd's in the same run ($opens = ${la_opens:-?}, kernel lost ${la_lost_n:-?})" \
	test "$la_on" = 1 -a "${la_lost_n:-x}" = 0 -a "${la_opens:-x}" = "$opens"
tap_check "the other mount namespace's node is in the log" \
	grep -q "\"path\":\"$T/nodes/cam\"" "$DIR/audit.log"
tap_check "the bind mount and the mknod'd node are logged by their paths" \
	sh -c "grep -q '\"path\":\"$T/bound\"' '$DIR/audit.log' && grep -q '\"path\":\"$T/nodes/seal2\"' '$DIR/audit.log'"
# enforcement
cp "$OPENER" "$T/listed"
cp "$OPENER" "$T/copy"
start_daemon "${OUTBOX[@]}" --enforce --allow-exe "$T/listed" --allow-uid 4242
tap_diag "listed: $(stat -c 'st_dev %d (%t:%T) ino %i' "$T/listed"), mount $(findmnt -no FSTYPE,MAJ:MIN -T "$T/listed" | tr '\n' ' ')"
tap_diag "$(grep 'allow-exe' "$T/auditd.log" | tail -1)"
"$T/listed" -n 3 "$vivid" >"$T/e-listed" 2>&1
"$T/copy" -n 3 "$vivid" >"$T/e-copy" 2>&1
"$OPENER" -n 3 "$vivid" >"$T/e-root" 2>&1
setpriv --reuid 4242 --regid 4242 --clear-groups "$OPENER" -n 3 "$vivid" >"$T/e-uid" 2>&1
"$T/listed" -n 4 "$seal" >/dev/null 2>&1
out=$("$SC" key lock 2>&1)
tap_diag "sealcam key lock: exit $? $out"
wait_log '"event":"keys-locked"'
stop_daemon
kev_ok=1
check_actor keys-locked
tap_check "key lock is logged with who made it" test "$kev_ok" = 1
if grep -q "ok=3 eperm=0" "$T/e-listed" && grep -q "ok=3 eperm=0" "$T/e-uid" &&
	grep -q "ok=0 eperm=3" "$T/e-copy" && grep -q "ok=0 eperm=3" "$T/e-root"; then
	tap_pass "enforce: listed program and uid open; a copy and root's unlisted program get EPERM"
else
	tap_fail "enforce: listed program and uid open; copy and unlisted get EPERM"
	tap_diag "listed: $(cat "$T/e-listed") uid: $(cat "$T/e-uid") copy: $(cat "$T/e-copy") root: $(cat "$T/e-root")"
	tap_diag "$(grep -m1 '"comm":"listed"' "$DIR/audit.log" | grep -o '"exe.*"flags')"
fi
denied_copy=$(count open --denied --comm copy)
denied_root=$(count open --denied --comm audit_opener)
denied_listed=$(count open --denied --comm listed)
tap_diag "denied in the log: copy $denied_copy, root's audit_opener $denied_root, listed $denied_listed"
tap_check "each denied open is logged as denied, the listed ones are not" \
	test "$denied_copy" = 3 -a "$denied_root" = 3 -a "$denied_listed" = 0

out=$("$SC" audit verify --dir "$DIR" --verify-key "$T/verify.key" 2>&1)
rc=$?
tap_diag "$out"
tap_check "verify passes on the produced log (with the device state)" test "$rc" = 0
# one edited byte in a sealed record is found and named
sed '5s/"pid":[0-9]*/"pid":1/' "$DIR/audit.log" >"$T/edited.log"
"$SC" audit verify --no-state --verify-key "$T/verify.key" "$T/edited.log" >"$T/edited.out" 2>&1
rc=$?
tap_diag "$(cat "$T/edited.out")"
tap_check "verify names an edited record (exit 3, line 5)" \
	sh -c "test $rc = 3 && grep -q 'edited.log:5:' '$T/edited.out'"
# the module's own open counters agree with the log; a detached probe shows
"$SC" audit verify --live --dir "$DIR" --verify-key "$T/verify.key" >"$T/live.out" 2>&1
rc=$?
tap_diag "$(cat "$T/live.out")"
tap_check "verify --live: logged opens match the module's counter" \
	sh -c "test $rc = 0 && grep -q ': 4 opens, as the module counted' '$T/live.out'"
"$AUDITD" --detach --pin-dir "$PIN"
"$OPENER" -n 5 "$seal" >/dev/null
"$SC" audit verify --live --dir "$DIR" --verify-key "$T/verify.key" >"$T/live.out" 2>&1
rc=$?
tap_diag "$(cat "$T/live.out")"
tap_check "verify --live after the probe was detached: mismatch, exit 3" \
	sh -c "test $rc = 3 && grep -q 'LIVE MISMATCH' '$T/live.out'"

# the outbox chunks, opened by the owner, are the whole log and verify
n_chunks=$(ls "$T/outbox" | grep -c '\.sealed$')
"$SC" audit unseal --key "$T/owner.key" "$T/outbox"/*.sealed >"$T/unsealed.log" 2>"$T/unseal.err"
rc=$?
tap_check "the owner opens the $n_chunks outbox chunks: exactly the log" \
	sh -c "test $rc = 0 && cmp -s '$T/unsealed.log' '$DIR/audit.log'"
"$SC" audit verify --no-state --verify-key "$T/verify.key" - <"$T/unsealed.log" >"$T/chunks.out" 2>&1
rc=$?
tap_diag "$(cat "$T/unseal.err" "$T/chunks.out")"
tap_check "the unsealed chunks verify" test "$rc" = 0

# A ring buffer too small for a storm (1 MiB: 1,600 records), its daemon
# stopped while 2000 opens run, then killed (-9) and restarted: what did not
# fit is counted in the kernel and logged as gap records, and logged records
# plus lost ones are exactly the 4000 records (open and close) of the storm.
SMALL=$T/small
"$SC" audit init --dir "$SMALL" >/dev/null 2>&1
small_daemon() {
	rm -f "$T/ready2"
	"$AUDITD" --dir "$SMALL" --pin-dir "$PIN2" --ring-mb 1 --no-netlink \
		--ready-file "$T/ready2" 2>>"$T/auditd-small.log" &
	daemon_pid=$!
	for _ in $(seq 1 600); do
		[ -e "$T/ready2" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
cp "$OPENER" "$T/overflow_op"
small_daemon
kill -STOP "$daemon_pid"
"$T/overflow_op" -p 4 -n 500 "$vivid" >"$T/overflow.out" 2>&1
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
small_daemon
stop_daemon
"$AUDITD" --detach --pin-dir "$PIN2"
s_opens=$("$SC" audit show --json --dir "$SMALL" --comm overflow_op | grep -c '"type":"open"')
s_closes=$("$SC" audit show --json --dir "$SMALL" --comm overflow_op | grep -c '"type":"close"')
s_lost=$("$SC" audit stats --json --dir "$SMALL" | sed -n 's/.*"lost": \([0-9]*\).*/\1/p')
tap_diag "1 MiB ring, daemon stopped then killed: $(cat "$T/overflow.out"); logged $s_opens opens + $s_closes closes, gap records count ${s_lost:-?} lost"
tap_diag "$(grep -E 'gap|stopped' "$T/auditd-small.log")"
tap_check "overflow across kill -9: logged + gap counts = the storm's 4000 records, some lost" \
	test "${s_lost:-0}" -gt 0 -a $((s_opens + s_closes + ${s_lost:-0})) = 4000
tap_done
