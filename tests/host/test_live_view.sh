#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_live_view.sh - `sealcam view` against a hostile relay, on the host:
# the relay (scripts/live-relay.sh, TLS, ACLs) carries segments sealed by
# libsealcam's sealer (tests/agent/sc-mkseg) that the test publishes frame
# by frame as the device would. Every verdict is compared with `sealcam
# unseal` on the same bytes.
#   - the viewer asks for a new segment on joining; frames of the segment in
#     progress are skipped; the next two segments come out byte for byte as
#     unseal writes them
#   - a frame with one flipped bit: refused (unseal: tampered, exit 4), no
#     frame of that segment after it is shown, the view resyncs at the next
#     segment and exits 4
#   - a lost frame (the relay drops one): counted, the view resyncs
#   - an old segment replayed after a resync: refused
#   - a segment from another (unpinned) device: refused (unseal: exit 9)
#   - no trusted device, mqtt:// to a remote host: usage errors
set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
SC=$root/build/sealcam
MKSEG=$root/build/tests/agent/sc-mkseg
CHECK=$root/tests/tools/live_check.py
[ -x "$SC" ] || tap_missing "build/sealcam (make all)"
[ -x "$MKSEG" ] || tap_missing "build/tests/agent/sc-mkseg (make tests)"
for t in mosquitto mosquitto_sub mosquitto_pub openssl python3; do
	command -v "$t" >/dev/null || tap_missing "$t (scripts/setup.sh)"
done

tap_plan 11

tmp=$(mktemp -d /tmp/sealcam-live-view.XXXXXX)
rpid= vpid= rsub=
cleanup() {
	local p
	for p in $vpid $rsub $rpid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$SC" genkey >"$tmp/owner.key" && "$SC" pubkey <"$tmp/owner.key" >"$tmp/owner.pub"
mkseg() { # ID [SEED]: segment ID of 15 GREY 160x120 frames, split into frames
	"$MKSEG" -o "$tmp/seg$1.sealed" --owner-pub "$tmp/owner.pub" --segment "$1" \
		--frames 15 --size 160x120 --device-seed "${2:-live view test}" \
		--time $((1767225600 + $1)) >"$tmp/devid.$1" &&
	python3 "$CHECK" split "$tmp/seg$1.sealed" "$tmp/f$1" >/dev/null
}
for i in 2 3 4 5 6 7 8; do mkseg $i || tap_bail "sc-mkseg failed"; done
mkseg 9 "another device"
dev=$(cat "$tmp/devid.2")
other=$(cat "$tmp/devid.9")
# pin the device as the owner would, from a recorded segment
"$SC" unseal --key "$tmp/owner.key" --known-devices "$tmp/known" --info "$tmp/seg2.sealed" >/dev/null 2>&1

for u in dev other owner; do head -c 12 /dev/urandom | base64 >"$tmp/$u.pw"; done
port=$(scripts/live-relay.sh free-port)
scripts/live-relay.sh config "$tmp/relay" --port "$port" --run-as root \
	--device "$dev:$tmp/dev.pw" --device "$other:$tmp/other.pw" \
	--viewer "owner:$tmp/owner.pw:$dev" >"$tmp/config.log" 2>&1 ||
	tap_bail "live-relay.sh config: $(cat "$tmp/config.log")"
scripts/live-relay.sh run "$tmp/relay" 2>"$tmp/relay.log" &
rpid=$!
for _ in $(seq 100); do grep -q running "$tmp/relay.log" && break; sleep 0.1; done
grep -q running "$tmp/relay.log" || tap_bail "mosquitto did not start"

tls=(-h localhost -p "$port" --cafile "$tmp/relay/ca.crt")
publish() { # SEGMENT [FIRST-FRAME [LAST-FRAME]] [--as USER]: frames as the device sends them
	local s=$1 a=${2:-0} b=${3:-14} f
	for ((f = a; f <= b; f++)); do
		mosquitto_pub "${tls[@]}" -u "$dev" -P "$(cat "$tmp/dev.pw")" -q 1 \
			-t "sealcam/$dev/live" -f "$(printf '%s/f%s/%04d.frame' "$tmp" "$s" "$f")" || return 1
	done
}
publish_file() { # FILE
	mosquitto_pub "${tls[@]}" -u "$dev" -P "$(cat "$tmp/dev.pw")" -q 1 -t "sealcam/$dev/live" -f "$1"
}
# As the device: one subscriber to the rotate topic for the whole test (its
# subscription proven by a probe); a viewer has subscribed to the live
# topic when its rotate request arrives (it subscribes, then asks).
mosquitto_sub "${tls[@]}" -u "$dev" -P "$(cat "$tmp/dev.pw")" -t "sealcam/$dev/rotate" \
	-F 'rotate %l' >"$tmp/rotate.out" 2>&1 &
rsub=$!
for _ in $(seq 100); do
	mosquitto_pub "${tls[@]}" -u owner -P "$(cat "$tmp/owner.pw")" -t "sealcam/$dev/rotate" -m probe
	grep -q rotate "$tmp/rotate.out" && break
	sleep 0.1
done
rotates() { grep -c "^rotate 0" "$tmp/rotate.out"; }
view_start() { # NAME FRAMES [EXTRA...]
	local name=$1 frames=$2 n i
	shift 2
	n=$(rotates)
	"$SC" view --key "$tmp/owner.key" --url "mqtts://localhost:$port" --user owner \
		--password-file "$tmp/owner.pw" --ca-file "$tmp/relay/ca.crt" \
		--known-devices "$tmp/known" --frames "$frames" --wait 60 \
		--latency-log "$tmp/$name.lat" -o "$tmp/$name.y4m" "$@" 2>"$tmp/$name.log" &
	vpid=$!
	for ((i = 0; i < 600; i++)); do [ "$(rotates)" -gt "$n" ] && return; sleep 0.1; done
	tap_diag "$name: no rotate request from the viewer"
}
view_end() { wait "$vpid"; local rc=$?; vpid=; return $rc; }

# --- joining mid-segment, then two whole segments ---------------------------
view_start join 30
publish 2 5 14 && publish 3 && publish 4
view_end
rc=$?
"$SC" unseal --key "$tmp/owner.key" --known-devices "$tmp/known" -o "$tmp/ref34.y4m" \
	"$tmp/seg3.sealed" "$tmp/seg4.sealed" 2>/dev/null
tap_check "joining mid-segment: exit 0, 10 frames of segment 2 skipped" \
	grep -q "30 frames shown, 10 skipped" "$tmp/join.log"
[ "$rc" = 0 ] || tap_diag "sealcam view exit $rc: $(tail -3 "$tmp/join.log")"
tap_check "the live view is byte for byte unseal's output of segments 3 and 4" \
	cmp "$tmp/ref34.y4m" "$tmp/join.y4m"

# --- tampered frame ----------------------------------------------------------
cp "$tmp/f5/0001.frame" "$tmp/bad.frame"
python3 - "$tmp/bad.frame" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)
PY
cat "$tmp/f5/0000.frame" "$tmp/bad.frame" "$tmp"/f5/00{02..14}.frame >"$tmp/seg5-bad.sealed"
"$SC" unseal --key "$tmp/owner.key" --known-devices "$tmp/known" --info "$tmp/seg5-bad.sealed" >/dev/null 2>&1
urc=$?
view_start tamper 16
publish 5 0 0 && publish_file "$tmp/bad.frame" && publish 5 2 14 && publish 6
view_end
rc=$?
segs=$(awk '{ print $1 ":" $2 }' "$tmp/tamper.lat" | tr '\n' ' ')
tap_check "unseal rejects the altered segment as tampered (exit 4)" test "$urc" = 4
tap_check "view refuses the altered frame as tampered, exits 4 (unseal's verdict)" \
	sh -c "[ $rc = 4 ] && grep -q 'refused: tampered' '$tmp/tamper.log'"
# frame 0 of segment 5, then segment 6 from its start: nothing after the bad frame
tap_check "no frame of the altered segment after the bad one is shown ($segs)" \
	test "$(awk '$1 == 5 { print $2 }' "$tmp/tamper.lat" | tr '\n' ' ')" = "0 " -a \
	"$(awk '$1 == 6' "$tmp/tamper.lat" | wc -l)" = 15

# --- a frame lost on the way, then a replay after the resync ----------------
view_start lost 19
publish 7 0 3 && publish 7 5 14 && publish 3 && publish 8
view_end
rc=$?
tap_check "a lost frame is counted and the view resyncs at the next segment" \
	grep -q "1 frame(s) lost on the way in segment 7" "$tmp/lost.log"
tap_check "an older segment replayed after the resync is refused" \
	grep -q "refused: replay: segment 3 starts again after segment 7" "$tmp/lost.log"
tap_check "the view goes on with the next new segment (15 frames of segment 8)" \
	test "$(awk '$1 == 8' "$tmp/lost.lat" | wc -l)" = 15

# --- another device on the same topic ---------------------------------------
"$SC" unseal --key "$tmp/owner.key" --known-devices "$tmp/known" --no-record --info "$tmp/seg9.sealed" >/dev/null 2>&1
urc=$?
view_start foreign 15
publish 9 && publish 8 && publish 2 0 14
view_end
tap_check "a segment of an unpinned device is refused (unseal: exit $urc)" \
	sh -c "[ $urc = 9 ] && grep -q 'refused: .*not a trusted' '$tmp/foreign.log'"

# --- usage --------------------------------------------------------------------
"$SC" view --key "$tmp/owner.key" --url "mqtts://localhost:$port" --user owner \
	--password-file "$tmp/owner.pw" --known-devices "$tmp/nothing" -o /dev/null >/dev/null 2>"$tmp/u1.log"
tap_check "no pinned device: usage error (2)" sh -c "[ $? = 2 ] && grep -q 'no trusted device' '$tmp/u1.log'"
"$SC" view --key "$tmp/owner.key" --url "mqtt://relay.example:1883" --user owner \
	--password-file "$tmp/owner.pw" --known-devices "$tmp/known" -o /dev/null >/dev/null 2>"$tmp/u2.log"
tap_check "plain mqtt:// to a remote host is refused (2)" sh -c "[ $? = 2 ] && grep -q 'only to a loopback' '$tmp/u2.log'"
tap_done
