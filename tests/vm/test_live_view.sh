#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Live view end to end (issue 17, docs/LIVE.md): sealcam.ko seals,
# sealcam-agent --live publishes every frame to a mosquitto relay in the VM
# (TLS, passwords, ACLs: scripts/live-relay.sh), `sealcam view` verifies and
# decrypts.
#  - the viewer joins, asks for a new segment, and writes live frames that
#    are pixel-exact against `sealcam unseal` of the recorded segments
#  - the relay operator's account (reads every topic) carries only sealed
#    frames, each a frame of a recorded segment, no decrypted pixel run
#  - the relay killed for 10 s: the agent records on, reconnects, the viewer
#    gets frames again, and every segment is stored and unseals continuously
#    holding every frame the agent received
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

AGENT=$SC_BUILD/sealcam-agent
RELAY=$SC_ROOT/scripts/live-relay.sh
CHECK=$SC_ROOT/tests/tools/live_check.py
[ -x "$AGENT" ] || tap_missing "$AGENT (make all)"
command -v mosquitto >/dev/null || tap_missing "mosquitto (scripts/setup.sh)"
command -v mosquitto_sub >/dev/null || tap_missing "mosquitto_sub (mosquitto-clients)"

tap_plan 10

T=$SEALCAM_TMP
A=${SEALCAM_ARTIFACTS:-$T}
apid= rpid= opid=
cleanup() {
	[ -z "$apid" ] || kill -9 "$apid" 2>/dev/null
	[ -z "$opid" ] || kill "$opid" 2>/dev/null
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null
	wait 2>/dev/null
	cp "$T"/*.log "$A/" 2>/dev/null
	sc_unload
}
sc_on_exit cleanup

# 15 fps, 30 frames a segment: a new segment every 2 s
tap_ok "load sealcam.ko" sc_load devices=1 seg_frames=30 || { tap_done; exit 1; }
node=$(sc_node 0)
"$SC" genkey >"$T/owner.key" && "$SC" pubkey <"$T/owner.key" >"$T/owner.pub"
"$SC" key add "$T/owner.pub" --label owner >/dev/null
"$SC" device-key >"$T/device.pub"
devid=$("$SC" device-key --id | tail -1)

# the relay: the device, the owner's viewer account, the operator
head -c 18 /dev/urandom | base64 >"$T/dev.pw"
head -c 18 /dev/urandom | base64 >"$T/owner.pw"
head -c 18 /dev/urandom | base64 >"$T/ops.pw"
port=$("$RELAY" free-port)
"$RELAY" config "$T/relay" --port "$port" --run-as root --device "$devid:$T/dev.pw" \
	--viewer "owner:$T/owner.pw:$devid" --admin "ops:$T/ops.pw" >"$T/relay-config.log" 2>&1
start_relay() {
	"$RELAY" run "$T/relay" 2>>"$T/relay.log" &
	rpid=$!
}
relay_up() { [ "$(grep -c "mosquitto version .* running" "$T/relay.log" 2>/dev/null)" -ge "$1" ]; }
start_relay
wait_for 60 relay_up 1
tap_check "relay up: mosquitto with TLS on port $port (device $devid)" relay_up 1

"$AGENT" --config /dev/null --device "$node" --size 320x240 --fps 15 \
	--spool "$T/spool" --outbox "" --status-file "$T/status" \
	--url "file://$T/store" --backoff-min 100 --backoff-max 1000 \
	--live "mqtts://localhost:$port" --live-password-file "$T/dev.pw" \
	--live-ca-file "$T/relay/ca.crt" 2>>"$T/agent.log" &
apid=$!
connected() { [ "$(grep -c "live: connected to the relay" "$T/agent.log")" -ge "$1" ]; }
wait_for 120 connected 1
tap_check "the agent connects to the relay as its device id over TLS" connected 1

view() { # OUT-PREFIX FRAMES
	"$SC" view --key "$T/owner.key" --url "mqtts://localhost:$port" --user owner \
		--password-file "$T/owner.pw" --ca-file "$T/relay/ca.crt" \
		--expect-device "$T/device.pub" --frames "$2" --wait 180 \
		--latency-log "$T/$1.lat" -o "$T/$1.y4m" 2>"$T/$1.log"
}

# the operator's view of the relay: every message on every topic
mosquitto_sub -h localhost -p "$port" --cafile "$T/relay/ca.crt" -u ops \
	-P "$(cat "$T/ops.pw")" -t 'sealcam/#' -C 20 -N >"$T/relayed.bin" 2>"$T/ops.log" &
opid=$!

view view1 30
rc=$?
n1=$(wc -l <"$T/view1.lat" 2>/dev/null || echo 0)
[ "$rc" = 0 ] && [ "$n1" = 30 ] &&
	tap_pass "sealcam view: 30 live frames verified and decrypted ($(tail -1 "$T/view1.log" | sed 's/.*latency/latency/'))" ||
	{ tap_fail "sealcam view: 30 live frames (exit $rc, $n1 frames)"; tap_diag "$(tail -5 "$T/view1.log")"; tap_diag "$(grep live "$T/agent.log" | tail -5)"; }
grep -q "new segment started for a joining viewer" "$T/agent.log" &&
	tap_pass "the joining viewer's rotate request started a new segment" ||
	tap_fail "the joining viewer's rotate request started a new segment"
wait_for 60 sh -c "! kill -0 $opid 2>/dev/null"
wait "$opid" 2>/dev/null
opid=

# --- the relay killed for 10 s ----------------------------------------------
kill "$rpid"
wait "$rpid" 2>/dev/null
rpid=
before=$(grep -c "segment .* complete" "$T/agent.log")
sleep 10	# the outage itself: a duration, not an event
after=$(grep -c "segment .* complete" "$T/agent.log")
[ "$after" -gt "$before" ] && grep -q "live: lost the relay" "$T/agent.log" &&
	tap_pass "relay down 10 s: the agent notices and records on ($((after - before)) segments finished meanwhile)" ||
	{ tap_fail "relay down 10 s: agent records on ($before -> $after segments)"; tap_diag "$(tail -5 "$T/agent.log")"; }
start_relay
wait_for 60 relay_up 2 || tap_diag "the relay did not come back: $(tail -3 "$T/relay.log")"
if wait_for 120 connected 2; then
	view view2 15
	rc=$?
else
	rc=noconn
	tap_diag "the agent did not reconnect: $(grep live "$T/agent.log" | tail -4)"
fi
[ "$rc" = 0 ] &&
	tap_pass "relay back: the agent reconnects and the viewer gets live frames again" ||
	{ tap_fail "relay back: reconnect and live frames (exit $rc)"; tap_diag "$(tail -3 "$T/view2.log" 2>/dev/null)"; }

kill -TERM "$apid"
wait "$apid"
arc=$?
apid=
# what was still queued at the stop goes on the next start
"$AGENT" --config /dev/null --spool "$T/spool" --outbox "" --status-file "" \
	--url "file://$T/store" --drain --drain-timeout 120 2>>"$T/agent.log" || arc=drain
segs=$(find "$T/store" -path '*/segments/*.sealed' -type f | sort)
nseg=$(wc -l <<<"$segs")
done_segs=$(grep -c "segment .* complete" "$T/agent.log")
seg_frames=$(sed -n 's/.*segment .* complete: \([0-9]*\) frames.*/\1/p' "$T/agent.log" |
	awk '{ s += $1 } END { print s + 0 }')
got_frames=$(sed -n 's/.*streaming stopped after \([0-9]*\) frames.*/\1/p' "$T/agent.log")
# shellcheck disable=SC2086
out=$("$SC" unseal --key "$T/owner.key" --known-devices "$T/known" --info $segs 2>&1)
urc=$?
if [ "$arc" = 0 ] && [ "$urc" = 0 ] && [ "$nseg" = "$done_segs" ] &&
	[ "$seg_frames" = "${got_frames:-x}" ] && grep -q "verified $nseg segment(s)" <<<"$out" &&
	! grep -qE "warning: (segment id|frame sequence) jumps" <<<"$out"; then
	tap_pass "no recorded segment lost: $nseg stored, all unseal continuously, $got_frames frames"
else
	tap_fail "recorded segments: agent exit $arc, unseal exit $urc, $nseg stored, $done_segs finished, $seg_frames of ${got_frames:-?} frames"
	tap_diag "$(tail -5 <<<"$out")"
fi

# --- pixel-exact, and what the relay saw -----------------------------------
mkdir -p "$T/unsealed"
# the segments the viewer showed frames of
for id in $(awk '{ print $1 }' "$T/view1.lat" "$T/view2.lat" 2>/dev/null | sort -u); do
	f=$(find "$T/store" -name "$(printf '%020llu' "$id").sealed" | head -1)
	[ -n "$f" ] && "$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" \
		-o "$T/unsealed/$id.y4m" "$f" >/dev/null 2>&1
done
pixel_exact() {
	python3 "$CHECK" frames "$T/view1.y4m" "$T/view1.lat" "$T/unsealed" &&
		python3 "$CHECK" frames "$T/view2.y4m" "$T/view2.lat" "$T/unsealed"
}
tap_ok "live frames pixel-exact against unseal of the recorded segments" pixel_exact
tap_ok "the relay operator sees only sealed frames of recorded segments, no pixels" \
	python3 "$CHECK" cipher "$T/relayed.bin" "$T/store" "$T/view1.y4m"
awk '{ print $4 }' "$T/view1.lat" "$T/view2.lat" 2>/dev/null | sort -n | awk '{ a[NR] = $1 }
	END { p = int(NR * 0.99) + 1; if (p > NR) p = NR
	      printf "# latency capture to decrypted frame (ms, TCG, 320x240 15 fps): median %s, p99 %s, n %d\n", a[int(NR / 2) + 1], a[p], NR }'
cp "$T"/view1.lat "$T"/view2.lat "$A/" 2>/dev/null
tap_done
