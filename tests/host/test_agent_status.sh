#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent_status.sh - `sealcam status` shows sealcam-agent from its status
# file: a real agent (upload only, segments made by sc-mkseg) failing to
# reach a store (queue, oldest waiting segment, last error), then uploading
# to file:// (last upload, empty queue); stopped cleanly, killed, never
# started; --json; the drop counters; a garbled file. The module is not
# loaded on the host, so the camera part fails (exit 1) and the agent part
# must still be shown.

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
. tests/lib/agent-host.sh

apid=
cleanup() { [ -z "$apid" ] || kill -9 "$apid" 2>/dev/null; agent_host_cleanup; }
trap cleanup EXIT

tap_plan 13

st=$tmp/agent.status
status() { "$cli" status --agent-status "$st" 2>/dev/null; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$st" "$1" 2>/dev/null; }

out=$(status)
rc=$?
[ "$rc" = 1 ] && grep -q "^agent: not running (no status file $st" <<<"$out" &&
	tap_pass "no agent ever started: a clear 'not running' line (camera part fails, exit 1)" ||
	{ tap_fail "no agent: not running line (exit $rc)"; tap_diag "$out"; }

# ---- an agent that cannot reach its store
sp=$tmp/spool
mkdir -p "$sp/ready"
dev=$("$mkseg" -o "$sp/ready/a.sealed" --owner-pub "$owner_pub" --segment 11 --frames 2)
"$mkseg" -o "$sp/ready/b.sealed" --owner-pub "$owner_pub" --segment 12 --frames 2 --sequence 2 >/dev/null
"$agent" --config /dev/null --url "http://127.0.0.1:1/store" --token-file /dev/stdin \
	--no-startup-check --backoff-min 100 --backoff-max 200 --connect-timeout 1 \
	--spool "$sp" --outbox "" --status-file "$st" 2>"$tmp/agent1.err" <<<"token" &
apid=$!
has_failures() { [ "$(field upload_failures)" -ge 2 ] 2>/dev/null && [ "$(field queue_segments)" = 2 ]; }
wait_for 30 has_failures || tap_diag "status: $(cat "$st" 2>&1)"
out=$(status)
tap_diag "$out"
grep -q "^agent: running (pid $apid, running)" <<<"$out" &&
	tap_pass "a running agent is shown as running, with its pid" ||
	tap_fail "a running agent is shown as running"
grep -q "^  queue: 2 segments, 0 audit files waiting" <<<"$out" &&
	grep -q "^  oldest waiting: a.sealed ([0-9]* s, [1-9][0-9]* attempts)" <<<"$out" &&
	tap_pass "queue length and the oldest waiting segment with its attempts" ||
	tap_fail "queue length and the oldest waiting segment"
grep -q "^  last error: .*127.0.0.1.* at 20" <<<"$out" && grep -q "^  last upload: none" <<<"$out" &&
	tap_pass "the last error (store unreachable) and no upload yet" ||
	tap_fail "the last error and no upload yet"
grep -q "^  spool: [1-9][0-9]* bytes" <<<"$out" && grep -q "^  drops: 0 " <<<"$out" &&
	tap_pass "spool bytes and drops shown" || tap_fail "spool bytes and drops shown"
kill -TERM "$apid"
wait "$apid"
apid=
out=$(status)
grep -q "^agent: not running (stopped cleanly" <<<"$out" &&
	tap_pass "after SIGTERM: not running (stopped cleanly)" ||
	{ tap_fail "after SIGTERM: not running (stopped cleanly)"; tap_diag "$out"; }

# ---- the same queue to a store that works
"$agent" --config /dev/null --url "file://$tmp/store" --spool "$sp" --outbox "" \
	--status-file "$st" 2>"$tmp/agent2.err" &
apid=$!
uploaded() { [ "$(field uploaded_segments)" = 2 ] && [ "$(field queue_segments)" = 0 ]; }
wait_for 30 uploaded
out=$(status)
tap_diag "$out"
grep -q "^  last upload: $dev/segments/0000000000000000001[12].sealed at 20" <<<"$out" &&
	grep -q "^  queue: 0 segments" <<<"$out" && grep -q "^  oldest waiting: none" <<<"$out" &&
	grep -q "^  uploaded: 2 segments" <<<"$out" &&
	tap_pass "uploads shown: last upload's object name, empty queue, 2 uploaded" ||
	tap_fail "uploads shown"
json=$("$cli" status --json --agent-status "$st" 2>/dev/null)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); a=d["agent"]; sys.exit(0 if a["running"] and a["agent"]["uploaded_segments"] == 2 and d["module"] is None else 1)' "$json" &&
	tap_pass "--json: one object, agent running with its counters, module null" ||
	{ tap_fail "--json output"; tap_diag "$json"; }
kill -9 "$apid"
wait "$apid" 2>/dev/null
apid=
out=$(status)
grep -q "^agent: not running (not stopped cleanly: its process is gone" <<<"$out" &&
	tap_pass "after kill -9: not running, not stopped cleanly" ||
	{ tap_fail "after kill -9: not running, not stopped cleanly"; tap_diag "$out"; }
json=$("$cli" status --json --agent-status "$st" 2>/dev/null)
python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["agent"]["running"] is False else 1)' "$json" &&
	tap_pass "--json after kill -9: running false" || tap_fail "--json after kill -9: running false"

# ---- drops, as the agent writes them after a full spool
python3 - "$st" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d.update(state="stopped", drops=3, dropped_bytes=2 * 1024 * 1024, dropped_frames=45)
open(sys.argv[1], "w").write(json.dumps(d, separators=(",", ":")) + "\n")
EOF
out=$(status)
grep -q "^  drops: 3 (2048 KiB, 45 frames) - the spool was full, see the audit log" <<<"$out" &&
	tap_pass "drops: count, bytes and frames, pointing at the audit log" ||
	{ tap_fail "drops line"; tap_diag "$out"; }
echo '{"pid":' >"$st"
out=$(status)
grep -q "^agent: status file $st unreadable" <<<"$out" &&
	tap_pass "a garbled status file is reported, not shown as data" ||
	{ tap_fail "garbled status file"; tap_diag "$out"; }
rm -f "$st"
"$cli" status --agent-status 2>/dev/null
tap_check "--agent-status without a file is a usage error (exit 2)" test $? = 2
tap_done
