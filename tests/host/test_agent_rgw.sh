#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent_rgw.sh - sealcam-agent against a real, signature-verifying S3
# server: a one-node Ceph RGW started here (scripts/s3-server.sh), not
# s3rver (which verifies no signature).  Segments sealed by sc-mkseg.
#   - uploads accepted and stored byte for byte, under the prefix, in the
#     bucket named by the URL (path-style by default for a non-AWS endpoint)
#   - virtual-host addressing asked for explicitly reaches the same bucket
#   - a wrong secret: exit 3 at startup, SignatureDoesNotMatch named, the
#     spool kept
#   - a missing bucket: exit 3, NoSuchBucket named, the spool kept
#   - radosgw killed (-9) and restarted: what was stored is still there,
#     and the agent uploads what it queued meanwhile, nothing twice
#   - a 60 MB segment (1280x720, 66 frames) stored byte for byte

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
. tests/lib/agent-host.sh

command -v radosgw >/dev/null || tap_missing "radosgw (scripts/setup.sh installs Ceph)"
tap_plan 12

rgw_start
set -a
. "$S3/env"
set +a
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3curl() { # curl with SigV4, as an independent client
	curl -sS --aws-sigv4 "aws:amz:$S3_REGION:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"
}
s3curl -o /dev/null -X PUT -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams"

mkseg() { "$mkseg" -o "$1" --owner-pub "$owner_pub" --segment "$2" "${@:3}"; }
run_agent() { # SPOOL LOG [args]
	local sp=$1 log=$2
	shift 2
	"$agent" --config /dev/null --s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION" \
		--spool "$sp" --outbox "" --status-file "" --drain --drain-timeout 30 \
		--backoff-min 100 --backoff-max 1000 --connect-timeout 2 "$@" 2>"$log"
}
queued() { ls "$1/ready" 2>/dev/null | grep -c sealed; }

# --- uploads, byte for byte, path-style by default --------------------------
sp=$tmp/sp1
mkdir -p "$sp/ready" "$sp/cur"
dev=$(mkseg "$sp/ready/a.sealed" 1 --frames 3)
mkseg "$sp/ready/b.sealed" 2 --frames 4 --sequence 3 >/dev/null
cp "$sp/ready/a.sealed" "$tmp/seg1"; cp "$sp/ready/b.sealed" "$tmp/seg2"
run_agent "$sp" "$tmp/up.log" --url s3://cams/home
rc=$?
ok=1
for i in 1 2; do
	s3curl -o "$tmp/got$i" -H "x-amz-content-sha256: $empty" \
		"$S3_ENDPOINT/cams/home/$dev/segments/$(printf %020d $i).sealed" && cmp -s "$tmp/seg$i" "$tmp/got$i" || ok=0
done
[ "$rc" = 0 ] && [ "$ok" = 1 ] &&
	tap_pass "2 segments uploaded, read back byte for byte from cams/home/DEVICE/segments/" ||
	{ tap_fail "uploads byte for byte (exit $rc)"; tap_diag "$(cat "$tmp/up.log")"; }
tap_check "no PUT was refused on the way (no SignatureDoesNotMatch retry)" \
	sh -c "! grep -q 'failed' '$tmp/up.log'"
tap_check "the spool is empty afterwards" test "$(queued "$sp")" = 0

# --- virtual-host addressing asked for (the server knows its DNS name) -----
mkseg "$sp/ready/c.sealed" 3 --frames 2 --sequence 7 >/dev/null
cp "$sp/ready/c.sealed" "$tmp/seg3"
run_agent "$sp" "$tmp/vh.log" --url s3://cams/home --s3-endpoint "http://localhost:$port" --s3-path-style=false
rc=$?
s3curl -o "$tmp/got3" -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams/home/$dev/segments/$(printf %020d 3).sealed"
[ "$rc" = 0 ] && cmp -s "$tmp/seg3" "$tmp/got3" &&
	tap_pass "virtual-host addressing (cams.localhost) stores into the same bucket" ||
	{ tap_fail "virtual-host addressing (exit $rc)"; tap_diag "$(cat "$tmp/vh.log")"; }

# --- wrong secret, missing bucket ---------------------------------------------
mkseg "$sp/ready/d.sealed" 4 --frames 2 --sequence 9 >/dev/null
AWS_SECRET_ACCESS_KEY=wrong-secret run_agent "$sp" "$tmp/bad.log" --url s3://cams/home
rc=$?
tap_diag "wrong secret: $(cat "$tmp/bad.log")"
[ "$rc" = 3 ] && grep -q "HTTP 403 SignatureDoesNotMatch - the secret key is wrong" "$tmp/bad.log" &&
	[ "$(queued "$sp")" = 1 ] &&
	tap_pass "a wrong secret: exit 3 at startup, SignatureDoesNotMatch named, the segment kept" ||
	tap_fail "a wrong secret (exit $rc, $(queued "$sp") queued)"
run_agent "$sp" "$tmp/nob.log" --url s3://no-such-bucket/home
rc=$?
tap_diag "missing bucket: $(cat "$tmp/nob.log")"
[ "$rc" = 3 ] && grep -q "bucket no-such-bucket at .*HTTP 404 NoSuchBucket" "$tmp/nob.log" &&
	[ "$(queued "$sp")" = 1 ] &&
	tap_pass "a missing bucket: exit 3 at startup, NoSuchBucket named, the segment kept" ||
	tap_fail "a missing bucket (exit $rc, $(queued "$sp") queued)"

# --- radosgw killed and restarted ---------------------------------------------
scripts/s3-server.sh kill-rgw "$S3" >/dev/null 2>&1
run_agent "$sp" "$tmp/down.log" --url s3://cams/home --no-startup-check &
apid=$!
pids+=("$apid")
wait_for 30 grep -q "failed" "$tmp/down.log"
scripts/s3-server.sh start-rgw "$S3" >>"$tmp/s3.log" 2>&1
wait "$apid"
rc=$?
tap_diag "with radosgw down, then back: $(grep -c failed "$tmp/down.log") failed attempts; $(tail -2 "$tmp/down.log" | tr '\n' ' ')"
s3curl -o "$tmp/got4" -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams/home/$dev/segments/$(printf %020d 4).sealed"
[ "$rc" = 0 ] && [ -s "$tmp/got4" ] && [ "$(queued "$sp")" = 0 ] &&
	tap_pass "radosgw killed (-9): the agent retries, and uploads once it is back" ||
	{ tap_fail "upload across a radosgw restart (exit $rc)"; tap_diag "$(tail -5 "$tmp/down.log")"; }
s3curl -o "$tmp/got1b" -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams/home/$dev/segments/$(printf %020d 1).sealed"
tap_check "what was stored before the kill is still there, byte for byte" cmp -s "$tmp/seg1" "$tmp/got1b"
n=$(s3curl -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams?list-type=2&prefix=home" | grep -o '<Key>' | wc -l)
tap_check "4 objects in the bucket, one per segment, none twice ($n)" test "$n" = 4

# --- a 60 MB segment -------------------------------------------------------------
mkseg "$sp/ready/e.sealed" 5 --frames 66 --size 1280x720 --sequence 11 >/dev/null
cp "$sp/ready/e.sealed" "$tmp/seg5"
sz=$(stat -c %s "$tmp/seg5")
run_agent "$sp" "$tmp/big.log" --url s3://cams/home
rc=$?
s3curl -o "$tmp/got5" -H "x-amz-content-sha256: $empty" "$S3_ENDPOINT/cams/home/$dev/segments/$(printf %020d 5).sealed"
[ "$rc" = 0 ] && [ "$sz" -ge 60000000 ] && cmp -s "$tmp/seg5" "$tmp/got5" &&
	tap_pass "a $((sz / 1000000)) MB segment uploaded and read back byte for byte" ||
	{ tap_fail "a 60 MB segment ($sz bytes, exit $rc)"; tap_diag "$(tail -5 "$tmp/big.log")"; }
tap_check "... in one go, without a failed attempt, and the spool is empty" \
	sh -c "! grep -q failed '$tmp/big.log' && [ \$(ls '$sp/ready' | grep -c sealed) = 0 ]"

tap_done
