#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_live_relay.sh - the live relay's access control (scripts/live-relay.sh,
# docs/LIVE.md), attacked with mosquitto's own clients over TLS on a free
# port. Devices A and B; viewer alice owns A only; ops is the operator.
# "Not delivered" is decided without waiting for a time: every forbidden
# message is published with QoS 1 (the relay has routed it when it answers),
# then an allowed sentinel; the subscriber's first message after its probe
# must be the sentinel.
#   - A publishes on A's topic: alice receives it
#   - A publishes on B's live topic (a device impersonating another): alice,
#     subscribed to every topic she may read, does not get it; nor does ops
#   - alice subscribes to B's topic: B's frames never reach her
#   - alice publishes on A's live topic (a viewer forging frames): refused
#   - A reads B's rotate topic: refused; A reads its own: allowed
#   - ops reads every device; ops cannot publish
#   - wrong password, no password, an unknown user, plain MQTT to the TLS
#     port, a client that does not trust the relay's CA: no connection
set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
for t in mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl python3; do
	command -v "$t" >/dev/null || tap_missing "$t (scripts/setup.sh)"
done

tap_plan 13

tmp=$(mktemp -d /tmp/sealcam-live-relay.XXXXXX)
rpid=
subs=()
cleanup() {
	local p
	for p in "${subs[@]}"; do kill "$p" 2>/dev/null; done
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

A=aaaaaaaaaaaaaaa1
B=bbbbbbbbbbbbbbb2
for u in A B alice ops; do head -c 12 /dev/urandom | base64 >"$tmp/$u.pw"; done
port=$(scripts/live-relay.sh free-port)
scripts/live-relay.sh config "$tmp/relay" --port "$port" --run-as root \
	--device "$A:$tmp/A.pw" --device "$B:$tmp/B.pw" \
	--viewer "alice:$tmp/alice.pw:$A" --admin "ops:$tmp/ops.pw" >"$tmp/config.log" 2>&1 ||
	{ tap_bail "live-relay.sh config failed: $(cat "$tmp/config.log")"; }
scripts/live-relay.sh run "$tmp/relay" 2>"$tmp/relay.log" &
rpid=$!
for _ in $(seq 100); do grep -q "running" "$tmp/relay.log" && break; sleep 0.1; done
grep -q "running" "$tmp/relay.log" || tap_bail "mosquitto did not start: $(tail -3 "$tmp/relay.log")"

pw() { cat "$tmp/$1.pw"; }
uname_of() { case $1 in A) echo "$A" ;; B) echo "$B" ;; *) echo "$1" ;; esac; }
tls=(-h localhost -p "$port" --cafile "$tmp/relay/ca.crt")
pub() { # WHO TOPIC MESSAGE: QoS 1, so the relay has routed it on return
	mosquitto_pub "${tls[@]}" -u "$(uname_of "$1")" -P "$(pw "$1")" -q 1 -t "$2" -m "$3" 2>>"$tmp/pub.log"
}
sub_start() { # NAME WHO TOPIC...: subscriber writing "topic payload" lines to NAME.out
	local name=$1 who=$2 args=()
	shift 2
	for t in "$@"; do args+=(-t "$t"); done
	mosquitto_sub "${tls[@]}" -u "$(uname_of "$who")" -P "$(pw "$who")" -q 1 -v \
		"${args[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	subs+=($!)
}
got() { grep -c "$2" "$tmp/$1.out" 2>/dev/null; }
wait_line() { # NAME PATTERN
	local i
	for i in $(seq 150); do [ "$(got "$1" "$2")" -ge 1 ] && return 0; sleep 0.1; done
	return 1
}
probe() { # NAME WHO TOPIC: publish until the subscriber has its subscription
	local i
	for i in $(seq 50); do
		pub "$2" "$3" "probe-$1"
		for _ in 1 2 3 4 5; do [ "$(got "$1" "probe-$1")" -ge 1 ] && return 0; sleep 0.1; done
	done
	return 1
}

# alice subscribes to everything she might read; ops to everything
sub_start alice alice "sealcam/#" "sealcam/$A/live" "sealcam/$B/live"
sub_start ops ops "sealcam/#"
probe alice A "sealcam/$A/live" && probe ops A "sealcam/$A/live"
tap_check "device A publishes its own live topic; alice (A's owner) and ops receive it" \
	test "$(got alice "probe-alice")" -ge 1 -a "$(got ops "probe-ops")" -ge 1

pub A "sealcam/$B/live" "forged-by-A"
pub B "sealcam/$B/live" "frame-of-B"
pub alice "sealcam/$A/live" "forged-by-alice"
pub ops "sealcam/$A/live" "published-by-ops"
pub A "sealcam/$A/live" "sentinel-1"
wait_line alice sentinel-1 && wait_line ops sentinel-1
tap_check "the sentinel after the forbidden messages arrives" test "$(got alice sentinel-1)" = 1
tap_check "A cannot publish on B's topic (impersonation): nobody receives it" \
	test "$(got alice forged-by-A)" = 0 -a "$(got ops forged-by-A)" = 0
tap_check "alice never receives device B's frames (not her device)" test "$(got alice frame-of-B)" = 0
tap_check "ops (the relay operator) reads device B too" test "$(got ops frame-of-B)" = 1
tap_check "a viewer cannot publish frames (alice on A's live topic)" \
	test "$(got alice forged-by-alice)" = 0 -a "$(got ops forged-by-alice)" = 0
tap_check "ops cannot publish" test "$(got alice published-by-ops)" = 0 -a "$(got ops published-by-ops)" = 0

# rotate requests: alice -> A's rotate topic reaches A; B does not see them
sub_start devA A "sealcam/$A/rotate" "sealcam/$B/rotate" "sealcam/$A/live"
probe devA alice "sealcam/$A/rotate"
pub alice "sealcam/$B/rotate" "rotate-B-by-alice"
pub B "sealcam/$B/rotate" "rotate-B-by-B"
pub alice "sealcam/$A/rotate" "sentinel-2"
wait_line devA sentinel-2
tap_check "device A gets its owner's rotate request" test "$(got devA sentinel-2)" = 1
tap_check "A reads neither B's rotate topic nor its own live topic; alice cannot write B's rotate" \
	test "$(got devA rotate-B)" = 0 -a "$(got devA 'live probe')" = 0

# connections refused
refused() { # DESCRIPTION mosquitto_pub ARGS...: must fail
	local d=$1
	shift
	if timeout 20 mosquitto_pub "$@" -t "sealcam/$A/live" -m x -q 1 >/dev/null 2>&1; then
		tap_fail "$d"
	else
		tap_pass "$d"
	fi
}
refused "a wrong password is refused" "${tls[@]}" -u "$A" -P "not-$(pw A)"
refused "no credentials (anonymous) are refused" "${tls[@]}"
refused "plain MQTT to the TLS port fails" -h localhost -p "$port" -u "$A" -P "$(pw A)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/other.key" \
	-out "$tmp/other.crt" -days 1 -subj "/CN=other" 2>/dev/null
refused "a client that trusts another CA does not connect" -h localhost -p "$port" \
	--cafile "$tmp/other.crt" -u "$A" -P "$(pw A)"
tap_done
