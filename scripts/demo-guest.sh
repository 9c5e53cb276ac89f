#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo-guest.sh - the device side of the main job (scripts/demo.sh runs it in
# the VM; not meant to be run by hand). It loads sealcam.ko, installs the
# owner's PUBLIC key, creates the audit log (the verification key goes back
# to the host through DEV), starts sealcam-auditd and sealcam-agent on the
# embedded defaults with file:// storage in DEV/store, records SECONDS
# seconds while showing progress, stops both with SIGTERM, lets the agent
# upload what was still queued, and unloads the module.
#
# Usage: demo-guest.sh DEV OWNER_PUB SECONDS SEGMENT_FRAMES HOST_KEYS_DIR SIZE
#   DEV is the host directory made writable in the VM (vm-run --rwdir).

set -euo pipefail
{
dev=$1 owner_pub=$2 seconds=$3 seg_frames=$4 host_keys=$5 size=$6
root=$SEALCAM_ROOT
cd "$root"
. tests/lib/sealcam.sh

SC=$root/build/sealcam
AGENT=$root/build/sealcam-agent
AUDITD=$root/build/sealcam-auditd
work=/run/sealcam-demo	# the device's own disk (the guest's /run is a tmpfs)
spool=$work/spool outbox=$work/outbox status=/run/sealcam/agent.status
agent_pid= auditd_pid=

say() { printf '   [vm] %s\n' "$*"; }
cleanup() {
	[ -z "$agent_pid" ] || kill -9 "$agent_pid" 2>/dev/null || true
	[ -z "$auditd_pid" ] || kill -9 "$auditd_pid" 2>/dev/null || true
	sc_unload 2>/dev/null || true
}
sc_on_exit cleanup

# the owner's private key stays on the host: demo.sh covers its directory
# with an empty tmpfs for the VM
if [ -e "$host_keys/owner.key" ]; then
	echo "demo-guest: the owner's private key is visible in the VM" >&2
	exit 1
fi
say "the owner's private key is not visible to the device (only owner.pub came in)"

mkdir -p "$work" /run/sealcam
mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

sc_load seg_frames="$seg_frames"
node=$(sc_node 0)
say "sealcam.ko loaded: camera $node, a new segment (fresh content key) every $seg_frames frames"
"$SC" key add "$owner_pub" --label demo-owner >/dev/null
"$SC" device-key >"$dev/device.pub"
say "owner key installed; device key $(cat "$dev/device.pub")"

"$SC" audit init --dir "$dev/audit" >"$dev/verify.key" 2>/dev/null
say "audit log created in $dev/audit; its verification key goes to the host"

# sealcam-auditd: the camera-open probe, the module's events, the agent's drops
rm -f "$work/auditd.ready"
"$AUDITD" --config /dev/null --dir "$dev/audit" --epoch-seconds 5 \
	--outbox "$outbox" --recipient "$owner_pub" --agent-events "$spool/events" \
	--ready-file "$work/auditd.ready" 2>"$dev/auditd.log" &
auditd_pid=$!
for _ in $(seq 1 600); do
	[ -e "$work/auditd.ready" ] && break
	kill -0 "$auditd_pid" 2>/dev/null || { cat "$dev/auditd.log" >&2; exit 1; }
	sleep 0.1
done
[ -e "$work/auditd.ready" ] || { echo "demo-guest: sealcam-auditd did not start" >&2; exit 1; }
say "sealcam-auditd running (pid $auditd_pid): every camera open is logged"

# sealcam-agent on its embedded defaults (15 fps, YUYV, file://), only the
# paths moved to where this VM can write and the size made TCG-friendly
"$AGENT" --config /dev/null --device "$node" --size "$size" --spool "$spool" \
	--outbox "$outbox" --url "file://$dev/store" 2>"$dev/agent.log" &
agent_pid=$!
for _ in $(seq 1 600); do
	[ -s "$status" ] && break
	kill -0 "$agent_pid" 2>/dev/null || { cat "$dev/agent.log" >&2; exit 1; }
	sleep 0.1
done
say "sealcam-agent running (pid $agent_pid), uploading to file://$dev/store"

# a number from the agent's status file (sed: python would take seconds
# to start under TCG)
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$status" 2>/dev/null | grep . || echo 0; }
start=$SECONDS
while [ $((SECONDS - start)) -lt "$seconds" ]; do
	sleep 2
	kill -0 "$agent_pid" 2>/dev/null || { cat "$dev/agent.log" >&2; exit 1; }
	say "recording $((SECONDS - start))/$seconds s: $(field frames) frames sealed," \
		"$(field segments_finalised) segments finished, $(field uploaded_segments) uploaded," \
		"spool $(field spool_bytes) bytes"
done

say "sealcam status while recording:"
"$SC" status | sed 's/^/   [vm]   /'
"$SC" status >"$dev/status-recording.txt"

say "stopping the agent (SIGTERM: it ends the segment and leaves the queue for later)"
# stop NAME PID: SIGTERM, then its exit status must be 0 (else its log's end)
stop() {
	local rc=0
	kill -TERM "$2"
	wait "$2" || rc=$?
	[ "$rc" = 0 ] ||
		{ echo "demo-guest: $1 exit $rc" >&2; tail -20 "$dev/${1#sealcam-}.log" >&2; exit 1; }
}
stop sealcam-agent "$agent_pid"
agent_pid=
say "stopping sealcam-auditd (SIGTERM: it seals the log and exports the last chunk)"
stop sealcam-auditd "$auditd_pid"
auditd_pid=
say "uploading what was still queued (sealcam-agent --drain)"
# no camera in this run: the device id for the audit chunks' object names
devid=$("$SC" status --json 2>/dev/null | sed -n 's/.*"device_id": "\([0-9a-f]*\)".*/\1/p')
"$AGENT" --config /dev/null --spool "$spool" --outbox "$outbox" --url "file://$dev/store" \
	--device-id "$devid" --drain --drain-timeout 300 2>>"$dev/agent.log"
"$SC" status >"$dev/status-after.txt" 2>&1 || true
say "$(grep '^agent:' "$dev/status-after.txt")"
left=$(find "$spool/ready" "$spool/cur" "$outbox" -type f | wc -l)
[ "$left" = 0 ] || { echo "demo-guest: $left files left in the spool" >&2; exit 1; }
say "spool and outbox empty: everything is in the store"
sc_unload
}
