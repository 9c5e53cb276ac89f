#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-agent-upload.sh - sealcam-agent's upload side on this machine: its
# peak RSS, CPU seconds per MB and throughput draining a spool of sealed
# 640x480 segments to s3rver on 127.0.0.1, beside `curl -T` (SigV4 signed
# by curl too) of the same files to the same server. Prints a table.
#
#   scripts/bench-agent-upload.sh [SEGMENTS] [FRAMES-PER-SEGMENT]
#
# The agent does more per file than curl: it hashes the body (SHA-256 and
# MD5) before sending, and confirms with a HEAD afterwards.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nseg=${1:-8}
nfr=${2:-15}
agent=build/sealcam-agent
mkseg=build/tests/agent/sc-mkseg
s3rver=node_modules/.bin/s3rver
[ -x "$agent" ] && [ -x "$mkseg" ] || make -s -f Makefile -f user/agent.mk agent
[ -x "$s3rver" ] || { echo "no $s3rver: run scripts/setup.sh" >&2; exit 1; }

tmp=$(mktemp -d)
spid=
trap '[ -z "$spid" ] || kill "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$s3rver" -d "$tmp/s3" -a 127.0.0.1 -p "$port" --configure-bucket bkt --silent >/dev/null 2>&1 &
spid=$!
for ((i = 0; i < 200; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER

mkdir -p "$tmp/segs"
for ((i = 1; i <= nseg; i++)); do
	"$mkseg" -o "$tmp/segs/$i.sealed" --owner-pub tests/vectors/owner.pub \
		--segment "$i" --frames "$nfr" --size 640x480 >/dev/null
done
bytes=$(cat "$tmp/segs"/*.sealed | wc -c)
mb=$(python3 -c "print($bytes / 1048576)")

# agent_run CONCURRENCY: drain a copy of the segments; prints "secs cpu rss_kb"
agent_run() {
	rm -rf "$tmp/spool"
	mkdir -p "$tmp/spool/ready"
	cp "$tmp/segs"/*.sealed "$tmp/spool/ready/"
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$agent" --config /dev/null \
		--url s3://bkt/agent$1 --s3-endpoint "http://127.0.0.1:$port" --s3-path-style \
		--spool "$tmp/spool" --outbox "" --status-file "" --concurrency "$1" \
		--drain 2>/dev/null
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$tmp/time"
}

curl_run() {
	local f
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" bash -c '
		for f in "$@"; do
			curl -sf -T "$f" --aws-sigv4 "aws:amz:us-east-1:s3" \
				--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
				-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
				"http://127.0.0.1:'"$port"'/bkt/curl/${f##*/}" >/dev/null || exit 1
		done' _ "$tmp/segs"/*.sealed
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$tmp/time"
}

echo "upload of $nseg segments x $nfr frames 640x480 (sealed GREY, made by sc-mkseg), $(printf %.1f "$mb") MB, to s3rver on 127.0.0.1"
echo "machine: $(nproc) CPU, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
printf '%-28s %8s %9s %12s %12s\n' "uploader" "seconds" "MB/s" "CPU s/MB" "peak RSS MiB"
for c in 1 2; do
	read -r s cpu rss < <(agent_run "$c")
	printf '%-28s %8.2f %9.1f %12.4f %12.1f\n' "sealcam-agent (concurrency $c)" "$s" \
		"$(python3 -c "print($mb / max($s, 0.01))")" "$(python3 -c "print($cpu / $mb)")" \
		"$(python3 -c "print($rss / 1024)")"
done
read -r s cpu rss < <(curl_run)
printf '%-28s %8.2f %9.1f %12.4f %12.1f\n' "curl -T (one after another)" "$s" \
	"$(python3 -c "print($mb / max($s, 0.01))")" "$(python3 -c "print($cpu / $mb)")" \
	"$(python3 -c "print($rss / 1024)")"
