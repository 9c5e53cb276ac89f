#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent_upload.sh - sealcam-agent's uploaders and startup checks, on the
# host, with segment files sealed by tests/agent/sc-mkseg (libsealcam's
# userspace sealer) and stores on 127.0.0.1 only:
#   file://        drain of ready segments, a crash-truncated one, the outbox
#   s3://          s3rver (node_modules, pinned by package-lock.json): upload,
#                  server down then up, a proxy that corrupts the body
#   http://        tests/agent/fake_store.py: 500, 403, 503-then-ok, slow,
#                  truncated reply, wrong ETag, wrong stored length
#   bad configs    unknown scheme, unreachable store, no credentials, not a
#                  sealcam device, unwritable spool, missing token
# Every network wait is bounded.

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
. tests/lib/agent-host.sh
s3rver=$root/node_modules/.bin/s3rver

tap_plan 39

# mkseg FILE SEGMENT [sc-mkseg options]: prints the device id
mkseg() {
	local f=$1 id=$2
	shift 2
	"$mkseg" -o "$f" --owner-pub "$owner_pub" --segment "$id" "$@"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT SECONDS
wait_port() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

status_field() { # FILE FIELD
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" 2>/dev/null
}

fast=(--backoff-min 50 --backoff-max 300 --connect-timeout 2 --timeout 5)

# ---------------------------------------------------------------- file://
sp=$tmp/file/spool ob=$tmp/file/outbox store=$tmp/file/store
mkdir -p "$sp/ready" "$sp/cur" "$ob"
dev=$(mkseg "$sp/ready/a.sealed" 1 --frames 3)
mkseg "$sp/ready/b.sealed" 2 --frames 4 --sequence 3 >/dev/null
mkseg "$sp/ready/c.sealed" 3 --frames 2 --sequence 7 >/dev/null
# a segment a crash left half-written: no LAST, ends inside a frame
mkseg "$sp/cur/$dev-00000000000000000004.part" 4 --frames 3 --sequence 9 \
	--no-last --cut 700 >/dev/null
cp "$sp/cur/$dev-00000000000000000004.part" "$tmp/file/seg4.orig"
cp "$sp/ready/a.sealed" "$tmp/file/seg1.orig"
cp "$sp/ready/b.sealed" "$tmp/file/seg2.orig"
cp "$sp/ready/c.sealed" "$tmp/file/seg3.orig"
echo '{"event":"test"}' >"$ob/chunk-0001.json"
echo 'half-written' >"$ob/audit-0001.sealed.tmp"   # a writer's temporary file
"$agent" --config /dev/null --url "file://$store" --spool "$sp" --outbox "$ob" \
	--status-file "$tmp/file/status" --drain --drain-timeout 20 \
	>"$tmp/file/out" 2>"$tmp/file/err"
rc=$?
[ "$rc" = 0 ] && tap_pass "file://: drain uploads everything and exits 0" ||
	{ tap_fail "file://: drain uploads everything and exits 0 (exit $rc)"; tap_diag "$(cat "$tmp/file/err")"; }
ok=1
for i in 1 2 3 4; do
	cmp -s "$tmp/file/seg$i.orig" "$store/$dev/segments/$(printf %020d "$i").sealed" || ok=0
done
[ "$ok" = 1 ] && tap_pass "file://: every object is DEVICE/segments/ID.sealed, byte for byte the segment" ||
	{ tap_fail "file://: objects byte for byte"; tap_diag "$(find "$store" -type f)"; }
grep -q "recovered half-written segment 4" "$tmp/file/err" &&
	tap_pass "file://: half-written segment from a crash recovered at startup" ||
	tap_fail "file://: half-written segment from a crash recovered at startup"
"$cli" unseal --key "$owner_key" --info "$store/$dev/segments/00000000000000000004.sealed" >/dev/null 2>&1
rc=$?
[ "$rc" = 5 ] && tap_pass "file://: the recovered segment unseals as truncated (exit 5)" ||
	tap_fail "file://: the recovered segment unseals as truncated (exit $rc, want 5)"
tap_ok "file://: uploaded segments 1-3 unseal continuous" \
	"$cli" unseal --key "$owner_key" --info "$store/$dev/segments/0000000000000000000"[123].sealed
cmp -s "$store/$dev/audit/chunk-0001.json" <(echo '{"event":"test"}') && [ ! -e "$ob/chunk-0001.json" ] &&
	[ -e "$ob/audit-0001.sealed.tmp" ] && [ ! -e "$store/$dev/audit/audit-0001.sealed.tmp" ] &&
	tap_pass "file://: outbox file uploaded as DEVICE/audit/NAME and removed, NAME.tmp left alone" ||
	tap_fail "file://: outbox file uploaded as DEVICE/audit/NAME and removed"
left=$(find "$sp/ready" "$sp/cur" -type f | wc -l)
[ "$left" = 0 ] && tap_pass "file://: spool empty after confirmed uploads" ||
	tap_fail "file://: spool empty after confirmed uploads ($left left)"
[ "$(status_field "$tmp/file/status" uploaded_segments)" = 4 ] &&
	[ "$(status_field "$tmp/file/status" segments_recovered)" = 1 ] &&
	[ "$(status_field "$tmp/file/status" state)" = stopped ] &&
	tap_pass "file://: status file counts 4 uploads, 1 recovered" ||
	{ tap_fail "file://: status file counts"; tap_diag "$(cat "$tmp/file/status")"; }
# uploading again the same segment gives the same name (idempotent)
mkseg "$sp/ready/again.sealed" 2 --frames 4 --sequence 3 >/dev/null
"$agent" --config /dev/null --url "file://$store" --spool "$sp" --outbox "" --status-file "" \
	--drain --drain-timeout 20 2>/dev/null
[ "$(find "$store/$dev/segments" -type f | wc -l)" = 4 ] && [ -z "$(find "$store" -name '.tmp-*')" ] &&
	tap_pass "file://: re-upload of a segment id replaces its object, no temp files left" ||
	tap_fail "file://: re-upload of a segment id replaces its object, no temp files left"

# ---------------------------------------------------------------- s3://
s3up() { # DIR PORT
	"$s3rver" -d "$1" -a 127.0.0.1 -p "$2" --configure-bucket bkt --silent \
		>>"$tmp/s3rver.log" 2>&1 &
	s3pid=$!
	pids+=("$s3pid")
	wait_port "$2" 20
}
s3down() {
	kill "$s3pid" 2>/dev/null
	wait "$s3pid" 2>/dev/null
}
s3obj() { # DATA-DIR OBJECT
	echo "$1/bkt/$2._S3rver_object"
}
if [ ! -x "$s3rver" ]; then
	# a broken setup, not a skip: the s3 points fail, the rest still runs
	for i in $(seq 1 10); do tap_fail "s3 test $i: missing: node_modules/.bin/s3rver"; done
	tap_diag "scripts/setup.sh (run by make check) installs s3rver from package-lock.json"
else
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	unset AWS_SESSION_TOKEN
	s3d=$tmp/s3/data sp=$tmp/s3/spool
	mkdir -p "$s3d" "$sp/ready"
	port=$(free_port)
	if s3up "$s3d" "$port"; then tap_pass "s3: s3rver listening on 127.0.0.1:$port"; else
		tap_fail "s3: s3rver listening on 127.0.0.1:$port"; tap_diag "$(tail "$tmp/s3rver.log")"; fi
	s3=(--url s3://bkt/cam --s3-endpoint "http://127.0.0.1:$port" --s3-path-style
	    --s3-region eu-west-1 "${fast[@]}")
	mkseg "$sp/ready/1.sealed" 11 --frames 3 >/dev/null
	mkseg "$sp/ready/2.sealed" 12 --frames 3 --sequence 3 >/dev/null
	cp "$sp/ready/1.sealed" "$tmp/s3/11.orig"
	cp "$sp/ready/2.sealed" "$tmp/s3/12.orig"
	"$agent" --config /dev/null "${s3[@]}" --spool "$sp" --outbox "" --status-file "" \
		--drain --drain-timeout 30 2>"$tmp/s3/err1"
	rc=$?
	[ "$rc" = 0 ] && cmp -s "$tmp/s3/11.orig" "$(s3obj "$s3d" "cam/$dev/segments/00000000000000000011.sealed")" &&
		cmp -s "$tmp/s3/12.orig" "$(s3obj "$s3d" "cam/$dev/segments/00000000000000000012.sealed")" &&
		tap_pass "s3: SigV4 PUT to s3rver, confirmed by ETag and HEAD, objects byte for byte" ||
		{ tap_fail "s3: upload to s3rver (exit $rc)"; tap_diag "$(cat "$tmp/s3/err1")"; }
	[ -z "$(ls "$sp/ready")" ] && tap_pass "s3: spool empty after confirmation" ||
		tap_fail "s3: spool empty after confirmation"

	# server down, segments queued, server back: every segment arrives
	"$agent" --config /dev/null "${s3[@]}" --spool "$sp" --outbox "" \
		--status-file "$tmp/s3/status" 2>"$tmp/s3/err2" &
	apid=$!
	pids+=("$apid")
	wait_for 10 test -s "$tmp/s3/status"
	s3down
	for i in 13 14 15; do
		mkseg "$sp/ready/$i.sealed" "$i" --frames 2 --sequence $((i * 2)) >/dev/null
		cp "$sp/ready/$i.sealed" "$tmp/s3/$i.orig"
	done
	failing() { [ "$(status_field "$tmp/s3/status" upload_failures)" -ge 3 ] 2>/dev/null; }
	wait_for 20 failing && [ "$(ls "$sp/ready" | wc -l)" = 3 ] &&
		tap_pass "s3: server down: uploads fail, are retried, segments stay in the spool" ||
		{ tap_fail "s3: server down: failures retried, segments kept"; tap_diag "$(tail -5 "$tmp/s3/err2")"; }
	s3up "$s3d" "$port"
	arrived() {
		local i
		for i in 13 14 15; do
			cmp -s "$tmp/s3/$i.orig" "$(s3obj "$s3d" "cam/$dev/segments/000000000000000000$i.sealed")" || return 1
		done
		[ -z "$(ls "$sp/ready")" ]
	}
	wait_for 30 arrived && tap_pass "s3: server back: every queued segment arrives" ||
		{ tap_fail "s3: server back: every queued segment arrives"; tap_diag "$(tail -5 "$tmp/s3/err2")"; }
	t0=$SECONDS
	kill -TERM "$apid"
	wait "$apid"
	rc=$?
	[ "$rc" = 0 ] && [ $((SECONDS - t0)) -le 10 ] &&
		[ "$(status_field "$tmp/s3/status" state)" = stopped ] &&
		tap_pass "s3: SIGTERM stops the agent cleanly (exit 0, status stopped)" ||
		tap_fail "s3: SIGTERM stops the agent cleanly (exit $rc)"

	# a proxy that flips one byte of every PUT body on the way
	ppf=$tmp/s3/proxy.port
	python3 "$fake" --mode proxy --upstream "$port" --port-file "$ppf" --log "$tmp/s3/proxy.log" &
	pids+=($!)
	wait_for 10 test -s "$ppf"
	pport=$(cat "$ppf")
	mkseg "$sp/ready/16.sealed" 16 --frames 3 --sequence 40 >/dev/null
	cp "$sp/ready/16.sealed" "$tmp/s3/16.orig"
	"$agent" --config /dev/null "${s3[@]}" --s3-endpoint "http://127.0.0.1:$pport" \
		--spool "$sp" --outbox "" --status-file "" --drain --drain-timeout 3 2>"$tmp/s3/err3"
	rc=$?
	[ "$rc" = 1 ] && [ -e "$sp/ready/16.sealed" ] && grep -q "corrupted on the way" "$tmp/s3/err3" &&
		grep -q "^PUT .* proxied" "$tmp/s3/proxy.log" &&
		tap_pass "s3: a body corrupted on the way is rejected (ETag is not the MD5), segment kept" ||
		{ tap_fail "s3: corrupted body rejected (exit $rc)"; tap_diag "$(tail -5 "$tmp/s3/err3")"; }
	"$agent" --config /dev/null "${s3[@]}" --spool "$sp" --outbox "" --status-file "" \
		--drain --drain-timeout 20 2>/dev/null
	cmp -s "$tmp/s3/16.orig" "$(s3obj "$s3d" "cam/$dev/segments/00000000000000000016.sealed")" &&
		tap_pass "s3: the kept segment uploads intact once the path is clean" ||
		tap_fail "s3: the kept segment uploads intact once the path is clean"
	# missing bucket refused at startup
	"$agent" --config /dev/null "${s3[@]}" --url s3://nobucket --spool "$sp" --outbox "" \
		--status-file "" --drain 2>"$tmp/s3/err4"
	rc=$?
	[ "$rc" = 3 ] && grep -q "does not exist" "$tmp/s3/err4" &&
		tap_pass "s3: a missing bucket is refused at startup (exit 3)" ||
		tap_fail "s3: a missing bucket is refused at startup (exit $rc)"
	# credentials from a credentials file
	printf '[cam]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$tmp/s3/creds"
	mkseg "$sp/ready/17.sealed" 17 --frames 2 >/dev/null
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$agent" --config /dev/null "${s3[@]}" \
		--credentials-file "$tmp/s3/creds" --profile cam --spool "$sp" --outbox "" \
		--status-file "" --drain --drain-timeout 20 2>/dev/null &&
		[ -e "$(s3obj "$s3d" "cam/$dev/segments/00000000000000000017.sealed")" ] &&
		tap_pass "s3: credentials from a credentials file profile" ||
		tap_fail "s3: credentials from a credentials file profile"
	s3down
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
fi

# ---------------------------------------------------------------- http:// fake store
echo "test-token-123" >"$tmp/token"
# fake MODE NAME: run a drain against the fake store in MODE; sets rc, dir
fake() {
	local mode=$1 name=$2
	shift 2
	dir=$tmp/fake/$name
	mkdir -p "$dir/spool/ready"
	python3 "$fake" --mode "$mode" --token test-token-123 --port-file "$dir/port" \
		--log "$dir/log" &
	fpid=$!
	pids+=("$fpid")
	wait_for 10 test -s "$dir/port"
	mkseg "$dir/spool/ready/s.sealed" 21 --frames 2 >/dev/null
	"$agent" --config /dev/null --url "http://127.0.0.1:$(cat "$dir/port")/store" \
		--token-file "$tmp/token" "${fast[@]}" --spool "$dir/spool" --outbox "" \
		--status-file "$dir/status" --drain "$@" 2>"$dir/err"
	rc=$?
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
}
kept() { [ -e "$dir/spool/ready/s.sealed" ]; }
puts() { grep -c "^PUT " "$dir/log" 2>/dev/null; }

fake ok ok --drain-timeout 20
[ "$rc" = 0 ] && ! kept && grep -q "^PUT /store/$dev/segments/00000000000000000021.sealed 200" "$dir/log" &&
	grep -q "^HEAD /store/$dev/segments/00000000000000000021.sealed 200" "$dir/log" &&
	tap_pass "http: PUT with bearer token and SHA-256 header, then HEAD confirms" ||
	{ tap_fail "http: PUT + HEAD (exit $rc)"; tap_diag "$(cat "$dir/err" "$dir/log")"; }
for m in 500 403; do
	fake "$m" "e$m" --drain-timeout 2
	[ "$rc" = 1 ] && kept && [ "$(puts)" -ge 2 ] && grep -q "HTTP $m" "$dir/err" &&
		tap_pass "http: HTTP $m is retried ($(puts) PUTs) and never taken as success" ||
		{ tap_fail "http: HTTP $m retried, not success (exit $rc)"; tap_diag "$(tail -3 "$dir/err")"; }
done
fake flaky:2 flaky --drain-timeout 20
[ "$rc" = 0 ] && ! kept && [ "$(grep -c '^PUT .* 503' "$dir/log")" = 2 ] &&
	tap_pass "http: two 503 replies, then success after backoff" ||
	{ tap_fail "http: 503 twice then success (exit $rc)"; tap_diag "$(cat "$dir/log")"; }
fake slow slow --timeout 1 --drain-timeout 10
[ "$rc" = 1 ] && kept && grep -qi "timeout\|too slow" "$dir/err" &&
	tap_pass "http: a reply that never comes times out, segment kept" ||
	{ tap_fail "http: slow reply times out (exit $rc)"; tap_diag "$(tail -3 "$dir/err")"; }
fake truncate trunc --drain-timeout 2
[ "$rc" = 1 ] && kept &&
	tap_pass "http: a truncated reply is a failure, segment kept" ||
	{ tap_fail "http: truncated reply is a failure (exit $rc)"; tap_diag "$(tail -3 "$dir/err")"; }
fake badetag etag --drain-timeout 2
[ "$rc" = 1 ] && kept && grep -q "not the MD5" "$dir/err" &&
	tap_pass "http: an ETag that is not the body's MD5 is rejected" ||
	{ tap_fail "http: wrong ETag rejected (exit $rc)"; tap_diag "$(tail -3 "$dir/err")"; }
fake badlen len --drain-timeout 2
[ "$rc" = 1 ] && kept && grep -q "stored length" "$dir/err" &&
	tap_pass "http: a stored length that differs is rejected" ||
	{ tap_fail "http: wrong stored length rejected (exit $rc)"; tap_diag "$(tail -3 "$dir/err")"; }
echo wrong >"$tmp/token"
fake ok tok --drain-timeout 2
[ "$rc" = 3 ] && grep -q "refused the credentials" "$dir/err" &&
	tap_pass "http: a refused token is a startup error (exit 3)" ||
	{ tap_fail "http: refused token (exit $rc)"; tap_diag "$(cat "$dir/err")"; }

# SigV4: the fake store recomputes the signature with the secret
dir=$tmp/fake/sigv4
mkdir -p "$dir/spool/ready"
python3 "$fake" --sigv4-secret "s3cr3t/Key+x" --port-file "$dir/port" --log "$dir/log" &
fpid=$!
pids+=("$fpid")
wait_for 10 test -s "$dir/port"
mkseg "$dir/spool/ready/s.sealed" 41 --frames 2 >/dev/null
sig=(--config /dev/null --url s3://bkt/cam --s3-endpoint "http://127.0.0.1:$(cat "$dir/port")"
     --s3-path-style --s3-region eu-central-1 "${fast[@]}" --spool "$dir/spool" --outbox ""
     --status-file "" --drain --drain-timeout 10)
AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY="s3cr3t/Key+x" "$agent" "${sig[@]}" 2>"$dir/err"
rc=$?
[ "$rc" = 0 ] && grep -q "^PUT /bkt/cam/$dev/segments/00000000000000000041.sealed 200" "$dir/log" &&
	grep -q "^HEAD /bkt/cam/$dev/segments/00000000000000000041.sealed 200" "$dir/log" &&
	tap_pass "s3: libcurl's SigV4 (body SHA-256 in x-amz-content-sha256) verifies against an independent check" ||
	{ tap_fail "s3: SigV4 verified independently (exit $rc)"; tap_diag "$(cat "$dir/err" "$dir/log")"; }
AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=wrong "$agent" "${sig[@]}" 2>"$dir/err2"
rc=$?
[ "$rc" = 3 ] && grep -q "HTTP 403 SignatureDoesNotMatch" "$dir/err2" &&
	tap_pass "s3: a wrong secret key is refused at startup (exit 3)" ||
	{ tap_fail "s3: wrong secret refused (exit $rc)"; tap_diag "$(cat "$dir/err2")"; }
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

# ---------------------------------------------------------------- bad configuration
# refused CASE EXPECTED-MESSAGE AGENT-ARGS...: exit 3 and the message
refused() {
	local what=$1 msg=$2 out rc
	shift 2
	out=$(timeout 30 "$agent" --config /dev/null --outbox "" --status-file "" "$@" 2>&1)
	rc=$?
	if [ "$rc" = 3 ] && grep -q "$msg" <<<"$out"; then
		tap_pass "refused at startup: $what"
	else
		tap_fail "refused at startup: $what (exit $rc)"
		tap_diag "$out"
	fi
}
bs=$tmp/bad/spool
mkdir -p "$bs"
refused "unknown URL scheme" "unknown URL scheme" --spool "$bs" --url ftp://host/x
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret
refused "unreachable endpoint" "unreachable" --spool "$bs" --url s3://bkt \
	--s3-endpoint http://127.0.0.1:1 --s3-path-style --connect-timeout 2
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
refused "missing credentials" "no credentials" --spool "$bs" --url s3://bkt \
	--s3-endpoint http://127.0.0.1:1 --credentials-file "$tmp/nonexistent"
refused "not a sealcam device" "not a sealcam camera" --spool "$bs" \
	--url "file://$tmp/bad/store" --device /dev/null
touch "$tmp/bad/file"
refused "spool that is not writable" "not writable" --spool "$tmp/bad/file/spool" \
	--url "file://$tmp/bad/store"
refused "https without a token" "token" --spool "$bs" --url https://127.0.0.1:1/x
refused "plain http to a remote host" "loopback" --spool "$bs" --url http://192.0.2.1/x \
	--token-file "$tmp/token"
out=$(printf 'url = file:///tmp/x\nbogus-key = 1\n' >"$tmp/bad/conf"
	"$agent" --config "$tmp/bad/conf" 2>&1)
rc=$?
[ "$rc" = 2 ] && grep -q "unknown setting 'bogus-key'" <<<"$out" &&
	tap_pass "a config file with an unknown key is refused (exit 2)" ||
	{ tap_fail "config file with unknown key (exit $rc)"; tap_diag "$out"; }
mkdir -p "$tmp/conf/spool/ready"
mkseg "$tmp/conf/spool/ready/x.sealed" 31 >/dev/null
cat >"$tmp/conf/agent.conf" <<CONF
# agent settings for the test
url = file://$tmp/conf/store
spool = $tmp/conf/spool
outbox = ""
status-file = $tmp/conf/status
drain = true
concurrency = 3
CONF
"$agent" --config "$tmp/conf/agent.conf" 2>/dev/null
rc=$?
[ "$rc" = 0 ] && [ -e "$tmp/conf/store/$dev/segments/00000000000000000031.sealed" ] &&
	tap_pass "settings come from the config file" ||
	tap_fail "settings come from the config file (exit $rc)"

tap_done
