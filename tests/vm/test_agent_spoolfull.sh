#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sealcam-agent's spool on a small tmpfs fills while its store is down
# (issue 4, acceptance 4), with sealcam-auditd running as on a device:
#  - the drop policy applies (oldest segment not yet uploaded dropped), the
#    agent keeps running and keeps recording
#  - each drop is counted (status file, `sealcam status`) and audited: one
#    "agent-drop" record per drop in the chained audit log, with the running
#    total; the log verifies with the verification key; the drop records
#    are also uploaded under audit/
#  - when the store comes back, space returns: queued segments upload and
#    new ones are recorded and uploaded
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

AGENT=$SC_BUILD/sealcam-agent
AUDITD=$SC_BUILD/sealcam-auditd
FAKE=$SC_ROOT/tests/agent/fake_store.py
T=$SEALCAM_TMP
PIN=/sys/fs/bpf/sealcam-spoolfull
[ -x "$AGENT" ] || tap_missing "build/sealcam-agent (make all)"
[ -x "$AUDITD" ] || tap_missing "build/sealcam-auditd (make all)"

apid= dpid= fpid=
cleanup() {
	[ -z "$apid" ] || kill -9 "$apid" 2>/dev/null
	[ -z "$fpid" ] || kill -9 "$fpid" 2>/dev/null
	[ -z "$dpid" ] || kill -9 "$dpid" 2>/dev/null
	wait 2>/dev/null
	"$AUDITD" --detach --pin-dir "$PIN" 2>/dev/null
	umount "$T/spool" 2>/dev/null
	sc_unload
	for f in agent.log auditd.log status.txt; do
		[ -f "$T/$f" ] && cp "$T/$f" "$SEALCAM_ARTIFACTS/" 2>/dev/null
	done
	[ -f "$T/audit/audit.log" ] &&
		grep -vE '"type":"(open|close)"' "$T/audit/audit.log" >"$SEALCAM_ARTIFACTS/audit-no-opens.log"
}
sc_on_exit cleanup

tap_plan 14

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/status" "$1" 2>/dev/null; }
mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# 15 fps, 15 frames a segment: a segment a second, 576 KB at 160x120 YUYV
# (small, so that under TCG the store can upload faster than the camera
# records once it is back)
tap_ok "load sealcam.ko" sc_load devices=1 seg_frames=15 || { tap_done; exit 1; }
node=$(sc_node 0)
(umask 077 && "$SC" genkey >"$T/owner.key") && "$SC" pubkey <"$T/owner.key" >"$T/owner.pub"
"$SC" key add "$T/owner.pub" --label owner >/dev/null

"$SC" audit init --dir "$T/audit" >"$T/verify.key" 2>/dev/null
"$AUDITD" --config /dev/null --dir "$T/audit" --pin-dir "$PIN" --reload \
	--agent-events "$T/spool/events" --outbox "$T/outbox" --recipient "$T/owner.pub" \
	--ready-file "$T/auditd.ready" 2>"$T/auditd.log" &
dpid=$!
wait_for 120 test -e "$T/auditd.ready"
tap_check "sealcam-auditd runs, taking agent drop records from the spool" kill -0 "$dpid"

# the spool: a 2 MiB tmpfs, three and a half segments
mkdir -p "$T/spool"
mount -t tmpfs -o size=2m spool "$T/spool"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo token >"$T/token"
# the store is down: nothing listens on $port yet
"$AGENT" --config /dev/null --device "$node" --size 160x120 --fps 15 \
	--spool "$T/spool" --outbox "$T/outbox" --status-file "$T/status" \
	--url "http://127.0.0.1:$port/store" --token-file "$T/token" --no-startup-check \
	--backoff-min 200 --backoff-max 1000 --connect-timeout 2 2>"$T/agent.log" &
apid=$!

drops_at_least() { [ "$(field drops)" -ge "$1" ] 2>/dev/null; }
wait_for 240 drops_at_least 3
drops=$(field drops)
tap_diag "after the spool filled: $(tr ',' '\n' <"$T/status" | grep -E 'drops|spool_bytes|frames"|segments_finalised|queue_segments' | tr '\n' ' ')"
[ "${drops:-0}" -ge 3 ] && tap_pass "the spool filled: $drops drops counted" ||
	{ tap_fail "the spool filled and drops were counted (${drops:-none})"; tap_diag "$(tail -20 "$T/agent.log")"; }
grep -q "DROP [0-9]* (segment): .*oldest segment not yet uploaded dropped" "$T/agent.log" &&
	tap_pass "policy: the oldest segment not yet uploaded is dropped" ||
	{ tap_fail "policy: the oldest segment not yet uploaded is dropped"; tap_diag "$(grep DROP "$T/agent.log" | head -5)"; }
frames1=$(field frames)
frames_beyond() { [ "$(field frames)" -gt "$1" ] 2>/dev/null; }
wait_for 60 frames_beyond "$((${frames1:-0} + 15))"
frames2=$(field frames)
kill -0 "$apid" 2>/dev/null && [ "${frames2:-0}" -gt "${frames1:-0}" ] &&
	tap_pass "the agent keeps running and recording with a full spool ($frames1 -> $frames2 frames)" ||
	tap_fail "the agent keeps running and recording ($frames1 -> $frames2 frames)"
"$SC" status --agent-status "$T/status" >"$T/status.txt" 2>&1
grep -q "^  drops: [1-9][0-9]* (.*) - the spool was full, see the audit log" "$T/status.txt" &&
	grep -q "^agent: running" "$T/status.txt" &&
	tap_pass "sealcam status shows the agent and its drops" ||
	{ tap_fail "sealcam status shows the agent and its drops"; tap_diag "$(cat "$T/status.txt")"; }

# the store comes back: space returns
up_before=$(field uploaded_segments)
python3 "$FAKE" --mode ok --token token --port "$port" --log "$T/store.log" \
	--port-file "$T/store.port" 2>"$T/store.err" &
fpid=$!
drops_before=$(field drops)
uploaded_more() { [ "$(field uploaded_segments)" -ge $((up_before + 4)) ] 2>/dev/null; }
wait_for 240 uploaded_more
rc=$?
tap_check "store back: queued and new segments upload ($(field uploaded_segments) uploaded)" test "$rc" = 0
# space returns: the queue empties (uploads keep up with the camera)
drained() { [ "$(field queue_segments)" -le 1 ] 2>/dev/null && [ "$(field spool_bytes)" -lt $((1024 * 1024)) ] 2>/dev/null; }
wait_for 120 drained
rc=$?
tap_check "space returns: the queue drains to at most one waiting segment, spool under half the tmpfs" test "$rc" = 0
tap_diag "drops when the store came back: $drops_before; now: $(field drops)"

kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
tap_check "SIGTERM: the agent stops cleanly (exit $rc)" test "$rc" = 0
drops=$(field drops)
tap_diag "drops: $drops before the store returned: $drops_before"

# every drop is in the chained log
no_events() { ! ls "$T/spool/events" 2>/dev/null | grep -q '^drop-'; }
wait_for 30 no_events
tap_check "sealcam-auditd took every drop record from the spool" no_events
kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=
tap_check "sealcam-auditd stops cleanly (exit $rc)" test "$rc" = 0
"$SC" audit verify --dir "$T/audit" --verify-key "$T/verify.key" >"$T/verify.out" 2>&1
rc=$?
tap_diag "$(cat "$T/verify.out")"
tap_check "the audit log verifies with the verification key" test "$rc" = 0
logged=$(grep -c '"type":"agent-drop"' "$T/audit/audit.log")
last_total=$(grep '"type":"agent-drop"' "$T/audit/audit.log" | sed -n 's/.*"drops_total":\([0-9]*\).*/\1/p' | sort -n | tail -1)
[ "$logged" = "$drops" ] && [ "$last_total" = "$drops" ] &&
	[ "$(grep '"type":"agent-drop"' "$T/audit/audit.log" | grep -c '"segment_id":[0-9]*,"bytes":[0-9]*')" = "$drops" ] &&
	tap_pass "the chained log holds all $drops drops (one agent-drop record each, running total $last_total)" ||
	{ tap_fail "the chained log holds every drop (log $logged, total ${last_total:-none}, agent $drops)"; tap_diag "$(grep '"type":"agent-drop"' "$T/audit/audit.log" | cut -c1-300 | head -5)"; }
grep -q "\"type\":\"daemon-stop\".*\"agent_drops\":$drops" "$T/audit/audit.log" &&
	tap_pass "the daemon's stop record counts $drops agent drops" ||
	tap_fail "the daemon's stop record counts the agent drops"
tap_done
