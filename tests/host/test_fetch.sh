#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_fetch.sh - `sealcam fetch`: the owner reads back what sealcam-agent
# stored, from the same store, with no other S3 tool.  Segments sealed by
# sc-mkseg for two devices (device A's ids seeded from a load time, as
# sealcam.ko's are, its segments 10 s apart), uploaded by the real agent to
# a real, signature-verifying Ceph RGW (scripts/s3-server.sh), then:
#   - --list: every segment of every device, as stored; --json with the
#     start times read from inside the ciphertext
#   - paging: --page-size 2 lists device A's 7 segments in 4 requests
#   - --since/--until: exactly the segments overlapping the range are
#     downloaded, and the y4m is the one `sealcam unseal` makes of the
#     original files; nothing is left in TMPDIR; --png likewise
#   - --all-devices (each device pinned), --download-only (twice: what is
#     there already is kept)
#   - a wrong secret, a missing bucket: the agent's messages, exit 1
#   - a file:// store (the agent's drain): the same y4m
#   - an object overwritten in the bucket with altered bytes: tampered,
#     exit 4, from the unseal step; one whose first frame is altered, at
#     the edge of the range, is kept by the time choice and reported so
#   - bad replies (tests/agent/fake_store.py): a web page, a body cut
#     short: one line each, exit 1, no file left under a segment's name
#   - usage: --since without --key, several devices and none chosen

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
. tests/lib/agent-host.sh

command -v radosgw >/dev/null || tap_missing "radosgw (scripts/setup.sh installs Ceph)"
tap_plan 26

rgw_start
rgw_env
s3put() { # FILE OBJECT: overwrite an object behind the agent's back
	s3curl -o /dev/null -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$1" \
		"$S3_ENDPOINT/cams/home/$2"
}
s3curl -o /dev/null -X PUT -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams"

key=$owner_key
T=1767225600			# device A's first segment starts here
ida() { echo $(((T << 20) + $1)); }
idb() { echo $((((T + 100) << 20) + $1)); }
obj() { printf '%s/segments/%020d.sealed' "$1" "$2"; }
fetch() { "$cli" fetch --s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION" "$@"; }
devpub() { # SEED: the device public key sc-mkseg's devices have
	python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode())' "$1" |
		"$cli" pubkey
}
drain() { # URL SPOOL LOG [agent options]
	local url=$1 sp=$2 log=$3
	shift 3
	"$agent" --config /dev/null --s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION" \
		--spool "$sp" --outbox "" --status-file "" --drain --drain-timeout 30 \
		--backoff-min 100 --backoff-max 1000 --connect-timeout 2 --url "$url" "$@" 2>"$log"
}
spool_of() { # DIR: a spool whose ready/ holds copies of every original
	rm -rf "$1"
	mkdir -p "$1/ready" "$1/cur"
	cp "$tmp"/orig/a*.sealed "$tmp"/orig/b*.sealed "$1/ready/"
}

# --- the recordings: 7 segments of device A, 2 of device B -------------------
mkdir -p "$tmp/orig"
for k in 0 1 2 3 4 5 6; do
	deva=$("$mkseg" -o "$tmp/orig/a$k.sealed" --owner-pub "$owner_pub" --segment "$(ida $k)" \
		--frames 3 --sequence $((3 * k)) --time $((T + 10 * k)))
done
for k in 0 1; do
	devb=$("$mkseg" -o "$tmp/orig/b$k.sealed" --owner-pub "$owner_pub" --segment "$(idb $k)" \
		--frames 2 --sequence $((2 * k)) --time $((T + 100 + 10 * k)) --device-seed "camera two")
done
spool_of "$tmp/sp"
drain s3://cams/home "$tmp/sp" "$tmp/up.log"
rc=$?
[ "$rc" = 0 ] && [ "$(grep -c 'confirmed' "$tmp/up.log")" = 9 ] &&
	tap_pass "the agent uploaded 9 segments of 2 devices ($deva, $devb) to Ceph RGW" ||
	{ tap_fail "agent upload (exit $rc)"; tap_diag "$(tail -5 "$tmp/up.log")"; }

# --- listing ------------------------------------------------------------------
fetch --url s3://cams/home --list >"$tmp/list" 2>"$tmp/list.err"
rc=$?
{ for k in 0 1 2 3 4 5 6; do printf '%s %020d %s\n' "$deva" "$(ida $k)" "$(stat -c %s "$tmp/orig/a$k.sealed")"; done
  for k in 0 1; do printf '%s %020d %s\n' "$devb" "$(idb $k)" "$(stat -c %s "$tmp/orig/b$k.sealed")"; done
} | sort >"$tmp/list.want"
cut -d' ' -f1-3 "$tmp/list" | sort >"$tmp/list.got"
[ "$rc" = 0 ] && cmp -s "$tmp/list.want" "$tmp/list.got" &&
	tap_pass "--list: the 9 segments of both devices, with their sizes" ||
	{ tap_fail "--list (exit $rc)"; tap_diag "$(cat "$tmp/list" "$tmp/list.err")"; }

fetch --url s3://cams/home --list --json --device "$deva" --key "$key" >"$tmp/list.json" 2>"$tmp/lj.err"
rc=$?
python3 - "$tmp/list.json" "$deva" "$T" <<'EOF' >"$tmp/lj.check" 2>&1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t = int(sys.argv[3])
assert len(rows) == 7, rows
for k, r in enumerate(rows):
    assert r["device"] == sys.argv[2], r
    assert r["segment_id"] == (t << 20) + k, r
    assert r["object"] == "%s/segments/%020d.sealed" % (sys.argv[2], r["segment_id"]), r
    assert r["start_ns"] == (t + 10 * k) * 10**9, r
    assert r["start"].endswith("Z") and r["stored"].endswith("Z"), r
EOF
lj=$?
[ "$rc" = 0 ] && [ "$lj" = 0 ] &&
	tap_pass "--list --json --key: one object per segment, in id order, start times from inside the ciphertext" ||
	{ tap_fail "--list --json (exit $rc)"; tap_diag "$(cat "$tmp/lj.check" "$tmp/lj.err")"; }

fetch --url s3://cams/home --list --device "$deva" --page-size 2 -v >"$tmp/paged" 2>"$tmp/paged.err"
rc=$?
pages=$(grep -c "segments/: page [0-9]" "$tmp/paged.err")
[ "$rc" = 0 ] && [ "$pages" = 4 ] && grep -q "page 4, 1 entries$" "$tmp/paged.err" &&
	cmp -s <(grep "^$deva" "$tmp/list") "$tmp/paged" &&
	tap_pass "paging: --page-size 2 lists the 7 segments in 4 ListObjectsV2 requests, as one listing" ||
	{ tap_fail "paging (exit $rc, $pages pages)"; tap_diag "$(cat "$tmp/paged.err")"; }

# --- a time range: exactly the segments in it, unsealed as unseal does -------
# segments start at T, T+10, ..., T+60: [T+15, T+35) touches 1 (in progress
# at T+15), 2 and 3
"$cli" unseal --key "$key" -q -o "$tmp/want.y4m" "$tmp"/orig/a{1,2,3}.sealed 2>/dev/null
mkdir -p "$tmp/tmpd"
TMPDIR=$tmp/tmpd fetch --url s3://cams/home --device "$deva" --key "$key" \
	--since "@$((T + 15))" --until 2026-01-01T00:00:35Z -o "$tmp/got.y4m" 2>"$tmp/range.err"
rc=$?
tap_diag "$(cat "$tmp/range.err")"
[ "$rc" = 0 ] && cmp -s "$tmp/want.y4m" "$tmp/got.y4m" &&
	tap_pass "--since/--until: the y4m is byte for byte sealcam unseal's of the original segments 1-3" ||
	tap_fail "time range unsealed (exit $rc)"
tap_check "the choice read a few first frames: '3 of 7 segment(s) in the time range'" \
	grep -q "3 of 7 segment(s) in the time range" "$tmp/range.err"
[ "$rc" = 0 ] && [ -z "$(ls -A "$tmp/tmpd")" ] &&
	tap_pass "the temporary downloads are gone from TMPDIR" ||
	tap_fail "temporary downloads (exit $rc): $(ls -AR "$tmp/tmpd")"

fetch --url s3://cams/home --device "$deva" --key "$key" --since "@$((T + 15))" \
	--until "@$((T + 35))" --download-dir "$tmp/dl" -q --info >/dev/null 2>"$tmp/dl.err"
rc=$?
ok=1
for k in 1 2 3; do cmp -s "$tmp/orig/a$k.sealed" "$tmp/dl/$(obj "$deva" "$(ida $k)")" || ok=0; done
n=$(find "$tmp/dl" -type f | wc -l)
[ "$rc" = 0 ] && [ "$ok" = 1 ] && [ "$n" = 3 ] &&
	tap_pass "--download-dir: exactly segments 1-3 were downloaded, byte for byte, under DEVICE/segments/" ||
	{ tap_fail "downloads of the range (exit $rc, $n files)"; tap_diag "$(cat "$tmp/dl.err"; find "$tmp/dl")"; }

"$cli" unseal --key "$key" -q --png "$tmp/png.want" "$tmp"/orig/a{4,5,6}.sealed 2>/dev/null
fetch --url s3://cams/home --device "$deva" --key "$key" --since "@$((T + 45))" \
	-q --png "$tmp/png.got" 2>"$tmp/png.err"
rc=$?
[ "$rc" = 0 ] && [ "$(ls "$tmp/png.got" | wc -l)" = 9 ] && diff -r "$tmp/png.want" "$tmp/png.got" >/dev/null &&
	tap_pass "--since alone, --png: the 9 frames of segments 4-6 (4 in progress at SINCE), as unseal writes them" ||
	{ tap_fail "--png (exit $rc)"; tap_diag "$(cat "$tmp/png.err")"; }

# --- every device ---------------------------------------------------------------
puba=$(devpub "agent test")
pubb=$(devpub "camera two")
fetch --url s3://cams/home --all-devices --key "$key" --known-devices "$tmp/kd-all" \
	--pin-device "$puba" --pin-device "$pubb" --info --json >"$tmp/all.json" 2>"$tmp/all.err"
rc=$?
[ "$rc" = 0 ] && [ "$(grep -c "\"device_id\": *\"$deva\"" "$tmp/all.json")" = 7 ] &&
	[ "$(grep -c "\"device_id\": *\"$devb\"" "$tmp/all.json")" = 2 ] &&
	tap_pass "--all-devices --info --json: one unseal run per device, 7 + 2 segments verified" ||
	{ tap_fail "--all-devices (exit $rc)"; tap_diag "$(cat "$tmp/all.err" "$tmp/all.json")"; }

fetch --url s3://cams/home --all-devices --download-only "$tmp/mirror" 2>"$tmp/mirror.err"
rc=$?
n=$(find "$tmp/mirror" -name '*.sealed' | wc -l)
fetch --url s3://cams/home --all-devices --download-only "$tmp/mirror" 2>"$tmp/mirror2.err"
rc2=$?
[ "$rc" = 0 ] && [ "$n" = 9 ] && [ "$rc2" = 0 ] &&
	grep -q "downloaded 0 segment(s), 0 bytes.*there already" "$tmp/mirror2.err" &&
	tap_pass "--download-only: all 9 segments; run again, each found there already (length and MD5 ETag)" ||
	{ tap_fail "--download-only (exit $rc/$rc2, $n files)"; tap_diag "$(cat "$tmp/mirror.err" "$tmp/mirror2.err")"; }

# --- the agent's messages for a wrong secret and a missing bucket ---------------
AWS_SECRET_ACCESS_KEY=wrong-secret fetch --url s3://cams/home --list 2>"$tmp/bad.err" >/dev/null
rc=$?
tap_diag "wrong secret: $(cat "$tmp/bad.err")"
[ "$rc" = 1 ] && grep -q "HTTP 403 SignatureDoesNotMatch - the secret key is wrong" "$tmp/bad.err" &&
	[ "$(wc -l <"$tmp/bad.err")" = 1 ] &&
	tap_pass "a wrong secret: exit 1, SignatureDoesNotMatch named in one line, as the agent says it" ||
	tap_fail "a wrong secret (exit $rc)"
fetch --url s3://no-such-bucket/home --list 2>"$tmp/nob.err" >/dev/null
rc=$?
tap_diag "missing bucket: $(cat "$tmp/nob.err")"
[ "$rc" = 1 ] && grep -q "bucket no-such-bucket at .*HTTP 404 NoSuchBucket" "$tmp/nob.err" &&
	tap_pass "a missing bucket: exit 1, NoSuchBucket named" ||
	tap_fail "a missing bucket (exit $rc)"

# --- a file:// store --------------------------------------------------------------
spool_of "$tmp/spf"
drain "file://$tmp/store" "$tmp/spf" "$tmp/file.log"
fetch --url "file://$tmp/store" --list >"$tmp/flist" 2>/dev/null
rc=$?
[ "$rc" = 0 ] && cmp -s "$tmp/list.got" <(cut -d' ' -f1-3 "$tmp/flist" | sort) &&
	tap_pass "file:// store: the same listing (a directory)" ||
	tap_fail "file:// listing (exit $rc)"
fetch --url "file://$tmp/store" --device "$deva" --key "$key" --since "@$((T + 15))" \
	--until "@$((T + 35))" -q -o "$tmp/file.y4m"
rc=$?
[ "$rc" = 0 ] && cmp -s "$tmp/want.y4m" "$tmp/file.y4m" &&
	tap_pass "file:// store: the same time range gives the same y4m" ||
	tap_fail "file:// fetch (exit $rc)"

# --- objects altered in the store ---------------------------------------------------
seg2=$(obj "$deva" "$(ida 2)")
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[30000] ^= 1
open(sys.argv[2], "wb").write(d)' "$tmp/orig/a2.sealed" "$tmp/a2.bad"
s3put "$tmp/a2.bad" "$seg2"
fetch --url s3://cams/home --device "$deva" --key "$key" --since "@$((T + 15))" \
	--until "@$((T + 35))" -o "$tmp/tampered.y4m" 2>"$tmp/tampered.err"
rc=$?
tap_diag "$(cat "$tmp/tampered.err")"
[ "$rc" = 4 ] && grep -q "^sealcam unseal: .*${seg2}: tampered: .*frame 1 fails authentication" "$tmp/tampered.err" &&
	tap_pass "a segment overwritten with altered bytes: tampered, exit 4, from the unseal step" ||
	tap_fail "altered object (exit $rc)"
[ "$rc" = 4 ] && [ ! -e "$tmp/tampered.y4m" ] && [ -z "$(ls "$tmp" | grep '^tampered\.y4m')" ] &&
	tap_pass "and nothing written (-o)" || tap_fail "tampered: output (exit $rc)"

s3put "$tmp/orig/a2.sealed" "$seg2"
seg4=$(obj "$deva" "$(ida 4)")
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[2000] ^= 1
open(sys.argv[2], "wb").write(d)' "$tmp/orig/a4.sealed" "$tmp/a4.bad"
s3put "$tmp/a4.bad" "$seg4"
fetch --url s3://cams/home --device "$deva" --key "$key" --since "@$((T + 15))" \
	--until "@$((T + 35))" --info >/dev/null 2>"$tmp/edge.err"
rc=$?
tap_diag "$(cat "$tmp/edge.err")"
[ "$rc" = 4 ] && grep -q "4 of 7 segment(s) in the time range" "$tmp/edge.err" &&
	grep -q "^sealcam unseal: .*${seg4}: tampered" "$tmp/edge.err" &&
	tap_pass "a first frame altered at the edge of the range: the segment is kept, not hidden, and reported tampered (exit 4)" ||
	tap_fail "altered first frame (exit $rc)"
s3put "$tmp/orig/a4.sealed" "$seg4"

# --- bad replies: a web page, a body cut short (a stand-in store) --------------------
bad_reply() { # MODE WHAT MESSAGE: A's segments to fake_store.py in MODE, fetched
	local mode=$1 what=$2 msg=$3 port rc dir=$tmp/dl.$1 out=$tmp/fake.$1.y4m
	rm -f "$tmp/fake.port"
	python3 "$fake" --mode "$mode" --port-file "$tmp/fake.port" --log "$tmp/fake.$mode.log" &
	pids+=($!)
	wait_for 10 test -s "$tmp/fake.port"
	port=$(cat "$tmp/fake.port")
	rm -rf "$tmp/spk"
	mkdir -p "$tmp/spk/ready" "$tmp/spk/cur"
	cp "$tmp"/orig/a*.sealed "$tmp/spk/ready/"
	drain s3://cams/home "$tmp/spk" "$tmp/fake.$mode.up" --s3-endpoint "http://127.0.0.1:$port"
	fetch --url s3://cams/home --s3-endpoint "http://127.0.0.1:$port" --key "$key" \
		--download-dir "$dir" -o "$out" 2>"$tmp/fake.$mode.err"
	rc=$?
	kill "${pids[-1]}" 2>/dev/null
	wait "${pids[-1]}" 2>/dev/null
	tap_diag "$what: $(cat "$tmp/fake.$mode.err")"
	[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/fake.$mode.err")" = 1 ] &&
		grep -q "GET $deva/segments/.*: $msg" "$tmp/fake.$mode.err" &&
		tap_pass "$what: one line, exit 1" || tap_fail "$what (exit $rc)"
	[ "$rc" = 1 ] && ! find "$dir" -name '*.sealed' -o -name '*.part-*' | grep -q . &&
		[ ! -e "$out" ] &&
		tap_pass "$what: no file under a segment's name, no partial file, no output" ||
		tap_fail "$what: files left behind: $(find "$dir" -type f)"
}
bad_reply get-html "a store answering a web page with 200" \
	"HTTP 200 with a web page (text/html), not the object"
bad_reply get-cut "a body cut short" "Transferred a partial file"

# --- usage ----------------------------------------------------------------------------
fetch --url s3://cams/home --list --since "@$T" >/dev/null 2>"$tmp/u1.err"
rc=$?
[ "$rc" = 2 ] && grep -q "need --key" "$tmp/u1.err" &&
	tap_pass "--since without --key: exit 2 (a segment's time is inside its ciphertext)" ||
	tap_fail "--since without --key (exit $rc)"
fetch --url s3://cams/home --key "$key" -o "$tmp/two.y4m" 2>"$tmp/u2.err"
rc=$?
[ "$rc" = 2 ] && grep -q "2 devices in s3://cams/home.*$deva.*$devb" "$tmp/u2.err" &&
	tap_pass "two devices in the store and none chosen: exit 2, both named" ||
	{ tap_fail "several devices (exit $rc)"; tap_diag "$(cat "$tmp/u2.err")"; }
"$cli" fetch --help >"$tmp/help" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "^SYNOPSIS" "$tmp/help" && grep -q "^EXIT STATUS" "$tmp/help" &&
	"$cli" --help | grep -q "^    fetch " &&
	tap_pass "sealcam fetch --help is a man page; sealcam --help lists fetch" ||
	tap_fail "help (exit $rc)"

tap_done
