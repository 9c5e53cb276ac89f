#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent_s3conf.sh - where sealcam-agent takes its S3 settings and
# credentials from (aws-cli's conventions), how it follows a credentials
# file that changes, and what it makes of ETags that are not an MD5.
#
# Against a real, signature-verifying S3 (Ceph RGW, scripts/s3-server.sh):
#   - an AWS config file ([profile cam]: region, endpoint_url, "s3 ="
#     addressing_style) and a credentials file ([cam]), chosen by
#     AWS_PROFILE, with no --s3-* flag: byte-exact uploads; the nested
#     addressing_style is obeyed
#   - precedence: AWS_ENDPOINT_URL over the profile, AWS_ENDPOINT_URL_S3
#     over AWS_ENDPOINT_URL, agent.conf and a flag over both, --profile over
#     AWS_PROFILE and over AWS_ACCESS_KEY_ID
#   - a real session token (RGW's STS GetSessionToken) from the credentials
#     file
#   - key rotation while the agent runs: the old key removed from RGW, the
#     credentials file replaced; the agent reloads it and uploads the rest
#   - a malformed AWS config or credentials file: FILE:LINE, exit 3
# Against tests/agent/fake_store.py (it recomputes SigV4), for what RGW
# cannot show quickly:
#   - region precedence (the fake refuses any other region, as AWS does)
#   - a session token that expires (400 ExpiredToken) just as the refresher
#     rewrites the file: the agent re-reads it and the upload goes through
#   - ETags that are not an MD5: SSE-KMS, SSE-C, a non-hex ETag accepted;
#     an unexplained 32-hex ETag that is not the MD5: held after 3 uploads

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
. tests/lib/agent-host.sh

command -v radosgw >/dev/null || tap_missing "radosgw (scripts/setup.sh installs Ceph)"
tap_plan 31

# nothing from the caller's AWS setup may leak in
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
	AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL \
	AWS_ENDPOINT_URL_S3 AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
export HOME=$tmp/home
mkdir -p "$HOME"

rgw_start
# S3_ENDPOINT, S3_REGION, CEPH_CONF; the user's first key becomes key1
eval "$(grep -E '^(S3_ENDPOINT|S3_REGION|CEPH_CONF|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=' "$S3/env")"
key1=$AWS_ACCESS_KEY_ID secret1=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export CEPH_CONF
dead=http://127.0.0.1:1
# a key of the same user for this script's own reads, never rotated
reader=READERKEY0SEALCAM000 reader_secret=reader-secret-0123456789
radosgw-admin key create --uid sealcam --key-type s3 --access-key "$reader" \
	--secret-key "$reader_secret" >/dev/null 2>&1
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3curl() { # SigV4 curl with the reader key, as an independent client
	curl -sS --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$reader:$reader_secret" \
		-H "x-amz-content-sha256: $empty" "$@"
}
s3curl -o /dev/null -X PUT "$S3_ENDPOINT/cams"

mkseg() { "$mkseg" -o "$1" --owner-pub "$owner_pub" --segment "$2" "${@:3}"; }
dev=$(mkseg "$tmp/probe.sealed" 1)
seg() { printf '%020d' "$1"; }

cfg=$tmp/aws/config creds=$tmp/aws/credentials
mkdir -p "$tmp/aws"
# the layout aws-cli writes: [default], then [profile NAME] with a nested
# "s3 =" block; keys the agent does not use must pass
write_config() { # ENDPOINT ADDRESSING
	cat >"$cfg" <<EOF
[default]
region = us-west-2
output = json

# the camera's profile
[profile cam]
region = $S3_REGION
endpoint_url = $1
s3 =
    addressing_style = $2
    max_concurrent_requests = 4
cli_pager =
EOF
}
write_creds() { # FILE PROFILE KEY SECRET [TOKEN], replaced atomically
	{
		printf '[default]\naws_access_key_id = NOTTHISONE\naws_secret_access_key = nope\n\n'
		printf '[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$2" "$3" "$4"
		[ -z "${5:-}" ] || printf 'aws_session_token = %s\n' "$5"
	} >"$1.new" && mv "$1.new" "$1"
}
write_config "$S3_ENDPOINT" path
write_creds "$creds" cam "$key1" "$secret1"
export AWS_CONFIG_FILE=$cfg AWS_SHARED_CREDENTIALS_FILE=$creds AWS_PROFILE=cam

# up NAME SEGMENT [ARGS]: one segment, drained to s3://cams/NAME; sets rc, log
up() {
	local name=$1 id=$2 sp=$tmp/$1
	shift 2
	mkdir -p "$sp/ready"
	mkseg "$sp/ready/s.sealed" "$id" >/dev/null
	cp "$sp/ready/s.sealed" "$tmp/$name.orig"
	log=$tmp/$name.log
	timeout 60 "$agent" --config /dev/null --url "s3://cams/$name" --spool "$sp" \
		--outbox "" --status-file "" --drain --drain-timeout 20 \
		--backoff-min 100 --backoff-max 1000 --connect-timeout 2 "$@" 2>"$log"
	rc=$?
}
# stored NAME SEGMENT: read back with the reader key, byte for byte the segment
stored() {
	s3curl -f -o "$tmp/$1.got" "$S3_ENDPOINT/cams/$1/$dev/segments/$(seg "$2").sealed" 2>/dev/null &&
		cmp -s "$tmp/$1.orig" "$tmp/$1.got"
}
# uploaded WHAT NAME SEGMENT: the point for a drain that must succeed
uploaded() {
	if [ "$rc" = 0 ] && stored "$2" "$3"; then
		tap_pass "$1"
	else
		tap_fail "$1 (exit $rc)"
		tap_diag "$(cat "$log")"
	fi
}

# --- everything from the AWS files -------------------------------------------
up files 1
uploaded "AWS_PROFILE=cam, [profile cam] in AWS_CONFIG_FILE (region, endpoint_url, s3 = addressing_style) and [cam] in AWS_SHARED_CREDENTIALS_FILE, no --s3-* flag: stored byte for byte" files 1
grep -q "endpoint from $cfg:8), region $S3_REGION (from $cfg:7), path-style addressing (from $cfg:10), profile cam (from AWS_PROFILE)" "$log" &&
	grep -q "credentials from $creds \[cam\]" "$log" &&
	tap_pass "the startup log names the file and line of each setting, and the credentials' file and profile" ||
	{ tap_fail "the startup log names where each setting came from"; tap_diag "$(cat "$log")"; }
write_config "http://127.0.0.1:$port" virtual
up virtual 2
[ "$rc" = 3 ] && grep -q "cams.127.0.0.1" "$log" &&
	tap_pass "s3 = addressing_style = virtual is obeyed: the bucket goes into the host name (refused at startup, exit 3)" ||
	{ tap_fail "nested addressing_style obeyed (exit $rc)"; tap_diag "$(cat "$log")"; }

# --- precedence --------------------------------------------------------------
write_config "$dead" path
AWS_ENDPOINT_URL=$S3_ENDPOINT up envurl 3
uploaded "AWS_ENDPOINT_URL wins over the profile's endpoint_url (a dead port)" envurl 3
AWS_ENDPOINT_URL=$dead AWS_ENDPOINT_URL_S3=$S3_ENDPOINT up envurls3 4
uploaded "AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL (a dead port)" envurls3 4
AWS_ENDPOINT_URL_S3=$dead up flag 5 --s3-endpoint "$S3_ENDPOINT"
uploaded "--s3-endpoint wins over AWS_ENDPOINT_URL_S3 (a dead port)" flag 5
printf 's3-endpoint = %s\n' "$S3_ENDPOINT" >"$tmp/agent.conf"
AWS_ENDPOINT_URL_S3=$dead up agentconf 6 --config "$tmp/agent.conf"
uploaded "agent.conf's s3-endpoint wins over AWS_ENDPOINT_URL_S3 (a dead port)" agentconf 6
write_config "$S3_ENDPOINT" path
AWS_PROFILE=nobody AWS_ACCESS_KEY_ID=WRONGKEY AWS_SECRET_ACCESS_KEY=wrong up profile 7 --profile cam
uploaded "--profile cam wins over AWS_PROFILE and over AWS_ACCESS_KEY_ID (as aws-cli's --profile)" profile 7
write_creds "$tmp/wrong.creds" cam WRONGKEY wrong
AWS_SHARED_CREDENTIALS_FILE=$tmp/wrong.creds AWS_ACCESS_KEY_ID=$key1 AWS_SECRET_ACCESS_KEY=$secret1 \
	up envkeys 8
uploaded "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY win over the credentials file when no --profile is given" envkeys 8

# --- malformed files ----------------------------------------------------------
printf '[profile cam]\nregion = default\nendpoint_url\n' >"$tmp/bad.config"
AWS_CONFIG_FILE=$tmp/bad.config up badcfg 9
[ "$rc" = 3 ] && grep -q "$tmp/bad.config:3: expected key = value" "$log" &&
	tap_pass "a malformed line in the AWS config file: exit 3, FILE:LINE named" ||
	{ tap_fail "malformed AWS config (exit $rc)"; tap_diag "$(cat "$log")"; }
printf '[profile cam]\ns3 =\n  addressing_style = sideways\n' >"$tmp/bad2.config"
AWS_CONFIG_FILE=$tmp/bad2.config up badstyle 9
[ "$rc" = 3 ] && grep -q "$tmp/bad2.config:3: addressing_style must be path, virtual or auto, not 'sideways'" "$log" &&
	tap_pass "a bad addressing_style: exit 3, FILE:LINE and the value named" ||
	{ tap_fail "bad addressing_style (exit $rc)"; tap_diag "$(cat "$log")"; }
printf '[cam]\naws_access_key_id = %s\naws_secret_access_key %s\n' "$key1" "$secret1" >"$tmp/bad.creds"
AWS_SHARED_CREDENTIALS_FILE=$tmp/bad.creds up badcreds 9
[ "$rc" = 3 ] && grep -q "$tmp/bad.creds:3: expected key = value" "$log" && ! grep -qF "$secret1" "$log" &&
	tap_pass "a malformed line in the credentials file: exit 3, FILE:LINE named, the secret not shown" ||
	{ tap_fail "malformed credentials file (exit $rc)"; tap_diag "$(cat "$log")"; }

# --- a real session token (RGW's STS) ----------------------------------------
# STS in radosgw: a key to seal its tokens, STS auth on (restart), and a
# user policy allowing sts:GetSessionToken
sts_ok=0
if ceph --connect-timeout 10 config set client.rgw rgw_sts_key sealcamstskey016 >/dev/null 2>&1 &&
	ceph --connect-timeout 10 config set client.rgw rgw_s3_auth_use_sts true >/dev/null 2>&1 &&
	scripts/s3-server.sh kill-rgw "$S3" >/dev/null 2>&1 &&
	scripts/s3-server.sh start-rgw "$S3" >>"$tmp/s3.log" 2>&1 &&
	radosgw-admin caps add --uid sealcam --caps "user-policy=*" >/dev/null 2>&1; then
	policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetSessionToken"],"Resource":"*"}]}'
	tag() { sed -n "s:.*<$1>\\([^<]*\\)</$1>.*:\\1:p" "$tmp/sts.out"; }
	# a radosgw just restarted can refuse or time out its first metadata
	# writes on a loaded host (watches the killed one left behind): ask
	# again until the token comes, for at most a minute
	sts_token() {
		curl -sS -m 20 --aws-sigv4 "aws:amz:$S3_REGION:iam" --user "$reader:$reader_secret" -X POST \
			--data-urlencode Action=PutUserPolicy --data-urlencode PolicyName=sts \
			--data-urlencode UserName=sealcam --data-urlencode "PolicyDocument=$policy" \
			"$S3_ENDPOINT/" >"$tmp/policy.out" 2>&1
		curl -sS -m 20 --aws-sigv4 "aws:amz:$S3_REGION:sts" --user "$reader:$reader_secret" -X POST \
			-d 'Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900' \
			"$S3_ENDPOINT/" >"$tmp/sts.out" 2>&1
		sak=$(tag AccessKeyId) ssk=$(tag SecretAccessKey) stok=$(tag SessionToken)
		[ -n "$sak" ] && [ -n "$ssk" ] && [ -n "$stok" ]
	}
	wait_for 60 sts_token && sts_ok=1
fi
if [ "$sts_ok" = 1 ]; then
	write_creds "$tmp/sts.creds" sess "$sak" "$ssk" "$stok"
	# a profile with no section in the AWS config file: endpoint and region
	# from the environment
	AWS_SHARED_CREDENTIALS_FILE=$tmp/sts.creds AWS_PROFILE=sess \
		AWS_ENDPOINT_URL=$S3_ENDPOINT AWS_REGION=$S3_REGION up sts 10
	[ "$rc" = 0 ] && stored sts 10 && grep -q "credentials from $tmp/sts.creds \[sess\] (access key \*\*\*\*.*, session token" "$log" &&
		tap_pass "temporary credentials from RGW's STS (aws_session_token in the credentials file): stored byte for byte" ||
		{ tap_fail "session token from the credentials file (exit $rc)"; tap_diag "$(cat "$log")"; }
	write_creds "$tmp/sts.creds" sess "$sak" "$ssk" "${stok%????}AAAA"
	AWS_SHARED_CREDENTIALS_FILE=$tmp/sts.creds AWS_PROFILE=sess \
		AWS_ENDPOINT_URL=$S3_ENDPOINT AWS_REGION=$S3_REGION up stsbad 11
	[ "$rc" = 3 ] && grep -q "bucket cams at $S3_ENDPOINT/cams/: HTTP 4" "$log" && ! stored stsbad 11 &&
		tap_pass "the same credentials with a damaged session token are refused (the token is sent, and signed)" ||
		{ tap_fail "damaged session token refused (exit $rc)"; tap_diag "$(cat "$log")"; }
else
	tap_fail "temporary credentials from RGW's STS: STS not set up"
	tap_diag "$(cat "$tmp/policy.out" "$tmp/sts.out" 2>/dev/null; tail -5 "$tmp/s3.log")"
	tap_fail "damaged session token refused: STS not set up"
fi

# --- key rotation while the agent runs ---------------------------------------
key2=ROTATEDKEY2SEALCAM00 secret2=rotated-secret-abcdef-0123456789
sp=$tmp/rot
mkdir -p "$sp/ready"
drop() { # SEGMENT: into the spool, whole (a rename)
	mkseg "$tmp/rot-$1.sealed" "$1" --frames 2 --sequence $(($1 * 2)) >/dev/null
	cp "$tmp/rot-$1.sealed" "$tmp/rot$1.orig"
	mv "$tmp/rot-$1.sealed" "$sp/ready/$1.sealed"
}
rot_stored() {
	s3curl -f -o "$tmp/rot$1.got" "$S3_ENDPOINT/cams/rot/$dev/segments/$(seg "$1").sealed" 2>/dev/null &&
		cmp -s "$tmp/rot$1.orig" "$tmp/rot$1.got"
}
# every setting by flag here: only the rotation is under test
"$agent" --config /dev/null --url s3://cams/rot --spool "$sp" --outbox "" \
	--s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION" --profile cam \
	--credentials-file "$creds" --status-file "$tmp/rot.status" \
	--backoff-min 100 --backoff-max 500 --connect-timeout 2 2>"$tmp/rot.log" &
apid=$!
pids+=("$apid")
drop 21
wait_for 20 rot_stored 21 && tap_pass "rotation: a long-running agent uploads with key 1 from the credentials file" ||
	{ tap_fail "rotation: upload with key 1"; tap_diag "$(cat "$tmp/rot.log")"; }
radosgw-admin key create --uid sealcam --key-type s3 --access-key "$key2" \
	--secret-key "$secret2" >/dev/null 2>&1
radosgw-admin key rm --uid sealcam --key-type s3 --access-key "$key1" >/dev/null 2>&1
key1_refused() {
	curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$S3_REGION:s3" \
		--user "$key1:$secret1" -H "x-amz-content-sha256: $empty" \
		"$S3_ENDPOINT/cams?list-type=2&max-keys=0" | grep -q 403
}
wait_for 20 key1_refused
drop 22
# with STS on, radosgw calls an unknown key AccessDenied, not InvalidAccessKeyId
wait_for 20 grep -Eq "HTTP 403 (InvalidAccessKeyId|AccessDenied)" "$tmp/rot.log" && ! rot_stored 22 &&
	tap_pass "rotation: key 1 removed from RGW: the next upload is refused (HTTP 403) and stays queued" ||
	{ tap_fail "rotation: key 1 refused after removal"; tap_diag "$(cat "$tmp/rot.log")"; }
write_creds "$creds" cam "$key2" "$secret2"
wait_for 20 rot_stored 22 &&
	tap_pass "rotation: the credentials file replaced with key 2: the agent, still running, uploads the queued segment" ||
	{ tap_fail "rotation: queued segment uploaded with key 2"; tap_diag "$(cat "$tmp/rot.log")"; }
drop 23
wait_for 20 rot_stored 23 && tap_pass "rotation: later segments upload with key 2" ||
	{ tap_fail "rotation: later segments with key 2"; tap_diag "$(cat "$tmp/rot.log")"; }
n=$(grep -c "credentials reloaded" "$tmp/rot.log")
[ "$n" = 1 ] && grep -Eq "credentials reloaded from $creds \[cam\] \((the file changed|the store answered (InvalidAccessKeyId|AccessDenied))\): access key \*{4}AM00\$" "$tmp/rot.log" &&
	! grep -qF -e "$secret1" -e "$secret2" "$tmp/rot.log" &&
	tap_pass "rotation: one log line for the reload, naming the file and the key's last 4 characters, no secret" ||
	{ tap_fail "rotation: the reload logged once, no secret ($n lines)"; tap_diag "$(cat "$tmp/rot.log")"; }
kill -TERM "$apid"
wait "$apid"
scripts/s3-server.sh stop "$S3" >/dev/null 2>&1

# --- fake store: region, ExpiredToken, ETags ---------------------------------
secret="s3cr3t/Key+x"
fake_start() { # NAME [fake options]: sets fdir, fport
	fdir=$tmp/fake-$1
	shift
	mkdir -p "$fdir/spool/ready"
	python3 "$fake" --sigv4-secret "$secret" --port-file "$fdir/port" --log "$fdir/log" "$@" &
	fpid=$!
	pids+=("$fpid")
	wait_for 10 test -s "$fdir/port"
	fport=$(cat "$fdir/port")
}
fake_stop() {
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
}
# fake_drain SEGMENT TIMEOUT [agent args]: one segment to s3://bkt/cam; sets rc, log
fake_drain() {
	local id=$1 t=$2
	shift 2
	mkseg "$fdir/spool/ready/$id.sealed" "$id" >/dev/null
	log=$fdir/agent-$id.log
	timeout 60 "$agent" --config /dev/null --url s3://bkt/cam --spool "$fdir/spool" \
		--outbox "" --status-file "" --drain --drain-timeout "$t" \
		--backoff-min 50 --backoff-max 300 --connect-timeout 2 "$@" 2>"$log"
	rc=$?
}
fake_put_ok() { grep -q "^PUT /bkt/cam/$dev/segments/$(seg "$1").sealed 200" "$fdir/log" 2>/dev/null; }
puts() { grep -c "^PUT /bkt/cam/$dev/segments/$(seg "$1").sealed" "$fdir/log"; }

export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=$secret
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE

# region precedence: the fake wants eu-north-1 and refuses any other
fake_start region --region eu-north-1
region_case() { # WHAT SEGMENT [agent args]
	local what=$1 id=$2
	shift 2
	fake_drain "$id" 10 --s3-endpoint "http://127.0.0.1:$fport" "$@"
	[ "$rc" = 0 ] && fake_put_ok "$id" && tap_pass "region: $what" ||
		{ tap_fail "region: $what (exit $rc)"; tap_diag "$(cat "$log")"; }
}
printf '[default]\nregion = eu-north-1\n' >"$tmp/region.config"
printf '[default]\nregion = us-east-2\n' >"$tmp/wrong.config"
AWS_CONFIG_FILE=$tmp/region.config region_case "the [default] profile's region in the AWS config file" 31
AWS_CONFIG_FILE=$tmp/wrong.config AWS_DEFAULT_REGION=eu-north-1 \
	region_case "AWS_DEFAULT_REGION wins over the config file" 32
AWS_CONFIG_FILE=$tmp/wrong.config AWS_DEFAULT_REGION=us-east-2 AWS_REGION=eu-north-1 \
	region_case "AWS_REGION wins over AWS_DEFAULT_REGION" 33
AWS_REGION=us-east-2 region_case "--s3-region wins over AWS_REGION" 34 --s3-region eu-north-1
fake_stop

# a session token that expires while the agent runs, just as the refresher
# rewrites the credentials file (the fake renames the new file into place
# when it answers ExpiredToken: the agent's check before the PUT saw the old)
fake_start expire --session-token-file "$tmp/valid-token" \
	--on-expired-rename "$tmp/exp.creds.next:$tmp/exp.creds"
echo TOKEN-ONE-0001 >"$tmp/valid-token"
write_creds "$tmp/exp.creds" cam AKIDTEST "$secret" TOKEN-ONE-0001
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	AWS_SHARED_CREDENTIALS_FILE="$tmp/exp.creds" "$agent" --config /dev/null --url s3://bkt/cam \
	--s3-endpoint "http://127.0.0.1:$fport" --profile cam --spool "$fdir/spool" --outbox "" \
	--status-file "" --backoff-min 2000 --backoff-max 2000 --connect-timeout 2 \
	2>"$fdir/agent.log" &
apid=$!
pids+=("$apid")
mkseg "$tmp/exp41.sealed" 41 >/dev/null && mv "$tmp/exp41.sealed" "$fdir/spool/ready/"
wait_for 20 fake_put_ok 41 && tap_pass "session token: sent from the credentials file (x-amz-security-token, signed)" ||
	{ tap_fail "session token sent from the credentials file"; tap_diag "$(cat "$fdir/agent.log" "$fdir/log")"; }
# the token expires only once segment 41 is confirmed (PUT and HEAD): the
# expiry must meet the next PUT, not 41's HEAD
wait_for 20 grep -q "uploaded .*$(seg 41).sealed" "$fdir/agent.log"
echo TOKEN-TWO-0002 >"$tmp/valid-token"
write_creds "$tmp/exp.creds.next" cam AKIDTEST "$secret" TOKEN-TWO-0002
mkseg "$tmp/exp42.sealed" 42 >/dev/null && mv "$tmp/exp42.sealed" "$fdir/spool/ready/"
wait_for 20 fake_put_ok 42
if fake_put_ok 42 && grep -q "^PUT /bkt/cam/$dev/segments/$(seg 42).sealed 400" "$fdir/log" &&
	grep -q "credentials reloaded from $tmp/exp.creds \[cam\] (the store answered ExpiredToken)" "$fdir/agent.log" &&
	! grep -q "upload of .* failed" "$fdir/agent.log"; then
	tap_pass "ExpiredToken: the credentials file is re-read at once and the PUT sent again with the new token (no failed attempt)"
else
	tap_fail "ExpiredToken: re-read and sent again"
	tap_diag "$(cat "$fdir/agent.log" "$fdir/log")"
fi
kill -TERM "$apid"
wait "$apid"
fake_stop

# ETags that are not an MD5
for mode in kms ssec long-etag; do
	case $mode in
	kms) what="SSE-KMS: a 32-hex ETag that is not the MD5, with x-amz-server-side-encryption: aws:kms" ;;
	ssec) what="SSE-C: a 32-hex ETag that is not the MD5, with the SSE-C headers" ;;
	long-etag) what="an ETag that is not 32 hex digits" ;;
	esac
	fake_start "$mode" --mode "$mode"
	fake_drain 51 10 --s3-endpoint "http://127.0.0.1:$fport"
	[ "$rc" = 0 ] && [ "$(puts 51)" = 1 ] && grep -q "^HEAD /bkt/cam/$dev/segments/$(seg 51).sealed 200" "$fdir/log" &&
		[ -z "$(ls "$fdir/spool/ready")" ] &&
		tap_pass "ETag: $what: accepted after one PUT and the HEAD" ||
		{ tap_fail "ETag: $what (exit $rc, $(puts 51) PUTs)"; tap_diag "$(tail -5 "$log")"; }
	fake_stop
done
fake_start opaque --mode opaque-etag
fake_drain 52 5 --s3-endpoint "http://127.0.0.1:$fport"
tap_diag "opaque ETag: $(puts 52) PUTs; $(grep -c 'upload of' "$log") failed attempts logged"
[ "$rc" = 1 ] && [ "$(puts 52)" = 3 ] && [ -e "$fdir/spool/ready/52.sealed" ] &&
	grep -q "3 uploads in a row, and no server-side encryption named.*Held: kept in the spool, not sent again until the agent restarts" "$log" &&
	grep -q "PUT .*: held after 3 uploads" "$log" &&
	tap_pass "ETag: 32 hex digits, not the MD5, nothing says why: held after 3 uploads (no 4th PUT), a clear error, the segment kept" ||
	{ tap_fail "ETag: unexplained non-MD5 ETag held after 3 uploads (exit $rc, $(puts 52) PUTs)"; tap_diag "$(tail -5 "$log")"; }
fake_drain 52 3 --s3-endpoint "http://127.0.0.1:$fport"
[ "$(puts 52)" = 6 ] && tap_pass "ETag: a restarted agent tries the held segment again (3 more uploads)" ||
	{ tap_fail "ETag: restart retries the held segment ($(puts 52) PUTs)"; tap_diag "$(tail -5 "$log")"; }
fake_stop

tap_done
