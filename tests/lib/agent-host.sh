# SPDX-License-Identifier: GPL-2.0
# Shell library (source it after tap.sh, in the checkout): what the host
# tests of sealcam-agent share.
#
#   sets      tmp (SEALCAM_TMP or a new directory), agent, mkseg, cli,
#             fake, owner_pub, owner_key; builds the agent and sc-mkseg
#             (and build/sealcam) when missing, or bails out
#   pids      background servers to stop at exit (append with pids+=($!));
#             agent_host_cleanup stops them, installed as the EXIT trap
#   rgw_start one TAP point: a real S3 server (Ceph RGW, scripts/s3-server.sh)
#             in $tmp/s3 on free ports, stopped at exit; sets port and S3
#             (its directory, whose env file has the endpoint and keys)
#   wait_for SECONDS COMMAND...
#             poll (every 0.1 s) until COMMAND succeeds; 1 on timeout
#   rgw_env   after rgw_start: export $S3/env (S3_ENDPOINT, S3_REGION, the
#             keys) and set empty (the SHA-256 of an empty body)
#   s3curl    curl with SigV4 and those keys: an independent S3 client

tmp=${SEALCAM_TMP:-$(mktemp -d)}
agent=$root/build/sealcam-agent
mkseg=$root/build/tests/agent/sc-mkseg
cli=$root/build/sealcam
fake=$root/tests/agent/fake_store.py
owner_pub=$root/tests/vectors/owner.pub
owner_key=$root/tests/vectors/owner.key

if [ ! -x "$agent" ] || [ ! -x "$mkseg" ]; then
	make -s -f Makefile -f user/agent.mk agent >"$tmp/build.log" 2>&1 ||
		tap_bail "cannot build the agent: $(tail -5 "$tmp/build.log")"
fi
[ -x "$cli" ] || make -s build/sealcam >/dev/null 2>&1 || tap_bail "no build/sealcam"

pids=()
agent_host_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
trap agent_host_cleanup EXIT

wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

rgw_start() {
	port=$(scripts/s3-server.sh free-port)
	S3=$tmp/s3
	trap 'scripts/s3-server.sh stop "$S3" >/dev/null 2>&1; agent_host_cleanup' EXIT
	if SEALCAM_S3_PORT=$port SEALCAM_S3_MON_PORT=$((port + 1)) \
		scripts/s3-server.sh start "$S3" >"$tmp/s3.log" 2>&1; then
		tap_pass "Ceph RGW started ($(grep -o 'in [0-9]* ms' "$tmp/s3.log"))"
	else
		tap_fail "Ceph RGW started"
		tap_diag "$(tail -20 "$tmp/s3.log")"
		tap_done
	fi
}

rgw_env() {
	set -a
	. "$S3/env"
	set +a
	empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
}

s3curl() {
	curl -sS --aws-sigv4 "aws:amz:$S3_REGION:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"
}
