#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_web_browser.sh - the viewer page (scripts/build-web.sh) in Debian's
# Chromium, headless, driven by playwright-core (tests/tools/web_browser.mjs):
#   - the owner's key is pasted and loaded (kept in the page's memory)
#   - live: the page connects to the relay (scripts/live-relay.sh: mosquitto
#     behind websockify) over MQTT-over-WebSockets, asks for a new segment,
#     and shows live frames, each within 2 s of its publication by the
#     device (here the test itself, publishing frames sealed by sc-mkseg)
#   - a recorded segment pair from a listing (served over HTTP) plays and is
#     verified, its format version shown as written; an altered copy shows
#     a tamper verdict and no frame after the bad one
# Screenshots: build/test-results/web/{live,recorded,tampered}.png
set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
SC=$root/build/sealcam
MKSEG=$root/build/tests/agent/sc-mkseg
[ -x "$SC" ] || tap_missing "build/sealcam (make all)"
[ -x "$MKSEG" ] || tap_missing "build/tests/agent/sc-mkseg (make tests)"
[ -x /usr/bin/chromium ] || tap_missing "/usr/bin/chromium (scripts/setup.sh)"
for t in node mosquitto websockify python3; do
	command -v "$t" >/dev/null || tap_missing "$t (scripts/setup.sh)"
done
[ -d node_modules/playwright-core ] || tap_missing "node_modules/playwright-core (npm ci)"

tap_plan 10

tmp=$(mktemp -d /tmp/sealcam-web-browser.XXXXXX)
shots=$root/build/test-results/web
mkdir -p "$shots"
rm -f "$shots"/*.png
rpid= hpid=
cleanup() {
	[ -z "$hpid" ] || kill "$hpid" 2>/dev/null
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null
	wait 2>/dev/null
	cp "$tmp"/*.log "$shots/" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

scripts/build-web.sh "$tmp/www" >/dev/null || tap_bail "build-web.sh failed"
"$SC" genkey >"$tmp/owner.key" 2>/dev/null && "$SC" pubkey <"$tmp/owner.key" >"$tmp/owner.pub"
for i in 2 3 4 5 6; do
	"$MKSEG" -o "$tmp/www/seg$i.sealed" --owner-pub "$tmp/owner.pub" --segment "$i" \
		--frames 15 --size 160x120 --device-seed "browser test" >"$tmp/devid" ||
		tap_bail "sc-mkseg failed"
	python3 tests/tools/live_check.py split "$tmp/www/seg$i.sealed" "$tmp/f$i" >/dev/null
done
devid=$(cat "$tmp/devid")
# the device public key, as the owner has pinned it (from unseal --info)
"$SC" unseal --key "$tmp/owner.key" --no-record --known-devices "$tmp/known" --info \
	"$tmp/www/seg2.sealed" 2>/dev/null | awk '$1 == "device" { print $3; exit }' >"$tmp/device.pub"
printf 'seg5.sealed\nseg6.sealed\n' >"$tmp/www/index.txt"
python3 - "$tmp/www" <<'PY'
import struct, sys, os
d = sys.argv[1]
data = bytearray(open(os.path.join(d, "seg5.sealed"), "rb").read())
shl, ctl = struct.unpack_from("<II", data, 8)
first = 48 + shl + ctl
data[first + 48 + 200] ^= 1       # frame 1's ciphertext
open(os.path.join(d, "seg5-altered.sealed"), "wb").write(data)
open(os.path.join(d, "altered.txt"), "w").write("seg5-altered.sealed\nseg6.sealed\n")
PY

port=$(scripts/live-relay.sh free-port)
plain=$(scripts/live-relay.sh free-port)
ws=$(scripts/live-relay.sh free-port)
http=$(scripts/live-relay.sh free-port)
echo devpw-$$ >"$tmp/dev.pw"
echo ownerpw-$$ >"$tmp/owner.pw"
scripts/live-relay.sh config "$tmp/relay" --port "$port" --plain-port "$plain" --ws-port "$ws" \
	--run-as root --device "$devid:$tmp/dev.pw" --viewer "owner:$tmp/owner.pw:$devid" \
	>"$tmp/config.log" 2>&1 || tap_bail "live-relay.sh config: $(cat "$tmp/config.log")"
scripts/live-relay.sh run "$tmp/relay" 2>"$tmp/relay.log" &
rpid=$!
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$http" >"$tmp/http.log" 2>&1 &
hpid=$!
ready() { grep -q running "$tmp/relay.log" && python3 -c "
import socket, sys
for p in ($ws, $http):
    socket.create_connection(('127.0.0.1', p), 1).close()" 2>/dev/null; }
for _ in $(seq 100); do ready && break; sleep 0.1; done
ready || tap_bail "relay, websockify or the HTTP server did not start"

cat >"$tmp/cfg.json" <<JSON
{ "page": "http://127.0.0.1:$http/viewer.html", "key": "$tmp/owner.key",
  "devicePub": "$tmp/device.pub", "ws": "ws://127.0.0.1:$ws", "mqtt": "mqtt://127.0.0.1:$plain",
  "devid": "$devid", "devpw": "devpw-$$", "user": "owner", "password": "ownerpw-$$",
  "liveDirs": ["$tmp/f2", "$tmp/f3", "$tmp/f4"], "liveFrames": 20,
  "listing": "http://127.0.0.1:$http/index.txt", "tamperedListing": "http://127.0.0.1:$http/altered.txt",
  "shots": "$shots" }
JSON
node tests/tools/web_browser.mjs "$tmp/cfg.json" >"$tmp/results" 2>"$tmp/browser.log"
res() { sed -n "s/^RESULT $1 //p" "$tmp/results"; }
grep -q "^RESULT error" "$tmp/results" && tap_diag "browser: $(res error)" && tap_diag "$(tail -5 "$tmp/browser.log")"

tap_check "the key is loaded into the page ($(res key))" grep -q "key loaded" <<<"$(res key)"
tap_check "live frames shown over MQTT-over-WebSockets ($(res live_frames) frames, starting at $(res live_first_shown))" \
	test "$(res live_frames)" -ge 20
max=$(res live_latency_max_ms)
tap_check "every live frame shown within 2 s of its publication (median $(res live_latency_median_ms) ms, p99 $(res live_latency_p99_ms) ms, max ${max:-?} ms)" \
	test "${max:-99999}" -lt 2000
tap_check "the live view started at a FIRST frame after the page asked for a segment" \
	grep -qE '^[0-9]+/0$' <<<"$(res live_first_shown)"
tap_check "a recorded pair of segments plays: $(res recorded_verdict)" \
	grep -q "verified 2 segment(s), 30 frame(s)" <<<"$(res recorded_verdict)"
tap_check "the page shows the segments as unseal --info does (device, recipients, frames)" \
	grep -q "device $devid" <<<"$(res recorded_info)"
# the format version sc-mkseg wrote (frame header byte 4), as the page names it
ver=$(od -An -tu1 -j4 -N1 "$tmp/www/seg5.sealed" | tr -d ' ')
tap_check "the page names the segments' format as written: format v${ver:-?}" \
	grep -q "camera 0 format v${ver:-?}\b" <<<"$(res recorded_info)"
tap_check "an altered segment: tamper verdict ($(res tampered_verdict | cut -c1-80))" \
	grep -q "REFUSED: tampered" <<<"$(res tampered_verdict)"
tap_check "an altered segment: only the frame before the bad one is shown ($(res tampered_frames))" \
	test "$(res tampered_frames)" = 1
tap_check "screenshots kept (build/test-results/web: $(ls "$shots" | grep -c png) png)" \
	test -s "$shots/live.png" -a -s "$shots/recorded.png" -a -s "$shots/tampered.png"
tap_done
