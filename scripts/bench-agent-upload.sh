#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-agent-upload.sh - sealcam-agent's cost and speed, in one run:
#
#  1. capture (one VM boot, qemu -cpu max, the real module): the agent
#     records from a sealcam node at 640x480 and at 1280x720 for DURATION
#     seconds each and uploads to file:// storage while it records, then
#     once more at 640x480 uploading to a real S3 server in the guest (Ceph
#     RGW, scripts/s3-server.sh); its peak RSS (VmHWM) and CPU seconds
#     (user + system) per sealed MB;
#  2. upload to Ceph RGW in the same VM boot (the target kernel; RGW
#     verifies every SigV4 signature and payload hash): the agent draining
#     a spool of sealed 640x480 segments beside `curl -T` of the same files
#     to the same server (SigV4 signed by curl, with the payload's SHA-256
#     as x-amz-content-sha256, as the agent signs it), ROUNDS rounds
#     interleaved, medians; throughput, CPU s/MB, peak RSS;
#  3. the same on the host (no module needed), to Ceph RGW and to s3rver
#     (which verifies no signature: the figures of earlier runs).
#
# curl is run two ways: with each file's SHA-256 computed beforehand (the
# agent's spool has it too: its capture writes a digest sidecar, size, MD5
# and SHA-256, as the frames arrive) - the row the throughput target is
# judged against - and with sha256sum run for each file in the loop (what
# the agent does for a segment recovered after a crash: the "no digest
# sidecar" row). The agent does more per file than curl: SHA-256 and MD5
# headers, and a HEAD to confirm.
#
# Prints one table per part and the targets (issue 4, point 8; issue 13)
# as met or NOT MET; exits 1 when a target is not met. The RSS target is
# judged where the agent runs, on the target kernel (Debian 12's, in the
# VM), with the page cache holding every page of the agent's libraries (a
# device that has been up for a while; the worst case for fault-around).
# The host's RSS is printed beside it, not judged: its kernel is not the
# target's and maps about twice as many cached library pages for the same
# program.
#
#   scripts/bench-agent-upload.sh [--no-vm] [ROUNDS] [SEGMENTS] [DURATION]
#
# The raw figures of every round, the report and the logs of the last run
# are kept in build/bench-agent-upload.last/.
#
# The agent runs with the environment of its systemd unit
# (GNUTLS_NO_IMPLICIT_INIT=1); one extra run per server shows its RSS
# without it.  In the VM, RGW keeps objects in its OSD's memory: every
# round overwrites the same object names, so a 2 GiB guest holds them.

set -eEuo pipefail
trap 'echo "${0##*/}${guest:+ (guest)}: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
guest=
[ "${1:-}" != --guest ] || guest=1
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
agent=build/sealcam-agent
mkseg=build/tests/agent/sc-mkseg
floor=build/tests/agent/sc-rss-floor
s3rver=node_modules/.bin/s3rver
s3server=scripts/s3-server.sh
unit_env=(GNUTLS_NO_IMPLICIT_INIT=1)
rss_target_kb=$((8 * 1024))
ratio_target=0.9
nfr=15
empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# ---- the upload rounds (host and guest) -----------------------------------------
# upload_rounds TAG ENDPOINT REGION ROUNDS SEGDIR WORK RAW: the agent and
# curl upload SEGDIR's segments to bucket bkt at ENDPOINT (which must
# exist), ROUNDS rounds interleaved; appends "TAG NAME secs cpu rss_kb"
# lines to RAW.  Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
upload_rounds() {
	local tag=$1 ep=$2 region=$3 rounds=$4 segdir=$5 work=$6 raw=$7 r

	# agent_run NAME CONCURRENCY SIDECAR(0/1) [ENV...]: one drain
	agent_run() {
		local name=$1 conc=$2 sums=$3
		shift 3
		rm -rf "$work/spool"
		mkdir -p "$work/spool/ready"
		cp "$segdir"/*.sealed "$work/spool/ready/"
		[ "$sums" = 0 ] || cp "$segdir"/.*.sum "$work/spool/ready/"
		# every agent row stores under the same names (memory, in the VM)
		env "$@" /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$agent" --config /dev/null \
			--url "s3://bkt/agent" --s3-endpoint "$ep" --s3-region "$region" \
			--spool "$work/spool" --outbox "" --status-file "" --concurrency "$conc" \
			--drain --drain-timeout 600 2>"$work/agent.log" ||
			{ echo "agent drain to $tag failed:" >&2; tail -5 "$work/agent.log" >&2; exit 1; }
		[ -z "$(ls "$work/spool/ready")" ] || { echo "agent left files" >&2; exit 1; }
		! grep -q "failed" "$work/agent.log" ||
			{ echo "agent retried an upload to $tag:" >&2; grep -m 3 failed "$work/agent.log" >&2; exit 1; }
		awk -v t="$tag" -v n="$name" '{ printf "%s %s %s %.3f %s\n", t, n, $1, $2 + $3, $4 }' \
			"$work/time" >>"$raw"
	}
	# curl_run NAME MODE: MODE pre: the SHA-256 known beforehand (read
	# from the sidecar); loop: sha256sum of each file in the loop
	curl_run() {
		local name=$1 mode=$2
		/usr/bin/time -f "%e %U %S %M" -o "$work/time" bash -c '
			ep=$1 region=$2 mode=$3
			shift 3
			for f in "$@"; do
				if [ "$mode" = loop ]; then
					h=$(sha256sum <"$f")
					h=${h%% *}
				else
					read -r _ _ h <"${f%/*}/.${f##*/}.sum"
				fi
				curl -sf -T "$f" --aws-sigv4 "aws:amz:$region:s3" \
					--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
					-H "x-amz-content-sha256: $h" "$ep/bkt/curl/${f##*/}" >/dev/null || exit 1
			done' _ "$ep" "$region" "$mode" "$segdir"/*.sealed ||
			{ echo "curl -T to $tag failed" >&2; exit 1; }
		awk -v t="$tag" -v n="$name" '{ printf "%s %s %s %.3f %s\n", t, n, $1, $2 + $3, $4 }' \
			"$work/time" >>"$raw"
	}

	# not timed: the first object written makes radosgw create its data
	# pool (seconds under TCG), which would fall on round 1's first row
	curl_run warmup pre
	for ((r = 0; r < rounds; r++)); do
		agent_run agent-c1 1 1 "${unit_env[@]}"
		curl_run curl pre
		agent_run agent-c1-nosum 1 0 "${unit_env[@]}"
		curl_run curl-sha256sum loop
		agent_run agent-c2 2 1 "${unit_env[@]}"
	done
	agent_run agent-c1-plainenv 1 1 GNUTLS_NO_IMPLICIT_INIT=
	# every object stored, byte count as sent (a spot check: the first)
	local f
	f=$(find "$segdir" -name '*.sealed' | sort | head -n 1)
	curl -sf --aws-sigv4 "aws:amz:$region:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: $empty_sha" "$ep/bkt/curl/${f##*/}" | cmp -s - "$f" ||
		{ echo "$tag: what curl stored differs from $f" >&2; exit 1; }
}

# s3_bucket ENDPOINT REGION: create bucket bkt
s3_bucket() {
	curl -sf -o /dev/null -X PUT --aws-sigv4 "aws:amz:$2:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: $empty_sha" "$1/bkt"
}

# ---- the guest: capture, then uploads to RGW -------------------------------------
# guest_main TMP ROUNDS DURATION: writes TMP/vm.raw
guest_main() {
	local tmp=$1 rounds=$2 duration=$3 raw=$1/vm.raw node l spec size store w url bytes
	local stored frames tpid s3dir=/tmp/bench-rgw t0
	. tests/lib/sealcam.sh
	sc_load devices=1 seg_frames=10
	trap 'scripts/s3-server.sh stop '"$s3dir"' >/dev/null 2>&1 || true; sc_unload' EXIT
	node=$(sc_node 0)
	build/sealcam genkey | build/sealcam pubkey >/tmp/owner.pub
	build/sealcam key add /tmp/owner.pub >/dev/null
	echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') | $(nproc) vCPU | $(uname -r) | $(($(sed -n 's/MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024)) MiB" >"$raw"
	echo "floor-cold $(env "${unit_env[@]}" "$floor")" >>"$raw"
	# a device that has run for a while has the libraries' pages in its page
	# cache, and a fault maps the cached neighbours of a page too (fault-around):
	# the worst case, every page of every library the agent links cached, for
	# all the runs below
	for l in $(ldd "$agent" | awk '/=>/ { print $3 }'); do cat "$l" >/dev/null; done
	echo "floor $(env "${unit_env[@]}" "$floor")" >>"$raw"
	# what hashing costs on this emulated CPU (the agent's MD5/SHA-256 are libcrypto's too)
	python3 -c 'import hashlib, time
b = bytes(8 << 20)
for n in ("md5", "sha256"):
    t = time.perf_counter(); hashlib.new(n, b).digest(); print("hash", n, round(8 / (time.perf_counter() - t), 1))' >>"$raw"
	# the real S3 server: Ceph RGW in the guest (over a minute under TCG)
	t0=$SECONDS
	SEALCAM_S3_PORT=$(scripts/s3-server.sh free-port) SEALCAM_S3_TIMEOUT=300 \
		scripts/s3-server.sh start "$s3dir" >"$tmp/rgw-vm.log" 2>&1 ||
		{ echo "RGW did not start in the guest:" >&2; tail -n 20 "$tmp/rgw-vm.log" >&2; exit 1; }
	echo "rgw-start $((SECONDS - t0))" >>"$raw"
	set -a
	. "$s3dir/env"
	set +a
	s3_bucket "$S3_ENDPOINT" "$S3_REGION"
	# the agent's own store for uploads during capture: file:// (the embedded
	# default) at both sizes, and RGW at 640x480
	for spec in 640x480:file 1280x720:file 640x480:rgw; do
		size=${spec%:*} store=${spec#*:}
		w=/tmp/cap-$size-$store
		mkdir -p "$w"
		if [ "$store" = rgw ]; then
			url=(--url s3://bkt/cap --s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION")
		else
			url=(--url "file://$w/store")
		fi
		env "${unit_env[@]}" /usr/bin/time -f "%e %U %S %M" -o "$w/time" "$agent" --config /dev/null \
			--device "$node" --size "$size" --fps 30 --spool "$w/spool" --outbox "" \
			--status-file "" "${url[@]}" 2>"$w/log" &
		tpid=$!
		sleep "$duration"	# the measured recording time
		# SIGTERM to the agent, the child of time(1): a clean stop
		kill -TERM "$(pgrep -P "$tpid")"
		wait "$tpid"
		# every sealed byte the agent wrote: stored, or still queued at the stop
		if [ "$store" = rgw ]; then
			curl -sf --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
				-H "x-amz-content-sha256: $empty_sha" "$S3_ENDPOINT/bkt?list-type=2" >"$w/list"
			# the bucket holds only this run's objects (under cap/) yet;
			# no prefix= in the query: curl 7.88's SigV4 does not encode
			# its "/" as the canonical request wants (403 from RGW)
			stored=$(grep -o '<Key>cap/' "$w/list" | wc -l)
			bytes=$(grep -o '<Size>[0-9]*' "$w/list" | cut -c7- | awk '{ s += $1 } END { print s + 0 }')
		else
			stored=$(find "$w/store" -name '*.sealed' -type f | wc -l)
			bytes=$(find "$w/store" -name '*.sealed' -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
		fi
		bytes=$((bytes + $(find "$w/spool" -name '*.sealed' -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')))
		frames=$(sed -n 's/.*streaming stopped after \([0-9]*\) frames.*/\1/p' "$w/log")
		echo "capture $size $store $(cat "$w/time") $bytes $stored ${frames:-0}" >>"$raw"
		cp "$w/log" "$tmp/agent-$size-$store.log"
		rm -rf "$w"
	done
	sc_unload
	# uploads of the host-made segments, agent vs curl, to the same RGW
	mkdir -p /tmp/up
	upload_rounds rgw-vm "$S3_ENDPOINT" "$S3_REGION" "$rounds" "$tmp/segs" /tmp/up "$raw"
	cp "$s3dir/log/client.rgw.log" "$tmp/rgw-vm-radosgw.log" 2>/dev/null || true
}

if [ "${1:-}" = --guest ]; then
	guest_main "$2" "$3" "$4"
	exit
fi

vm=1
if [ "${1:-}" = --no-vm ]; then
	vm=
	shift
fi
rounds=${1:-5}
nseg=${2:-8}
duration=${3:-20}
make -s -f Makefile -f user/agent.mk agent 2>&1 | grep -v 'overriding recipe\|ignoring old recipe' >&2 || true
[ -x "$agent" ] && [ -x "$mkseg" ] && [ -x "$floor" ] || { echo "agent not built" >&2; exit 1; }
[ -x "$s3rver" ] || { echo "no $s3rver: run scripts/setup.sh" >&2; exit 1; }
command -v radosgw >/dev/null || { echo "no radosgw: run scripts/setup.sh" >&2; exit 1; }

tmp=$(mktemp -d "$root/build/bench-agent.XXXXXX")
spid=
cleanup() {
	[ -z "$spid" ] || kill "$spid" 2>/dev/null
	"$s3server" stop "$tmp/rgw" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# the segments every upload part sends, with the digest sidecar that the
# agent's capture writes: "SIZE MD5 SHA256" (spool.c)
mkdir -p "$tmp/segs"
for ((i = 1; i <= nseg; i++)); do
	f=$tmp/segs/$i.sealed
	"$mkseg" -o "$f" --owner-pub tests/vectors/owner.pub --segment "$i" \
		--frames "$nfr" --size 640x480 >/dev/null
	echo "$(stat -c %s "$f") $(md5sum <"$f" | cut -c1-32) $(sha256sum <"$f" | cut -c1-64)" \
		>"$tmp/segs/.$i.sealed.sum"
done
bytes=$(cat "$tmp/segs"/*.sealed | wc -c)

# ---- 1 and 2: in the VM ------------------------------------------------------------
if [ -n "$vm" ]; then
	make -s all >&2
	scripts/vm-run --cpu-max --rwdir "$tmp" -- \
		bash scripts/bench-agent-upload.sh --guest "$tmp" "$rounds" "$duration" >&2
fi

# ---- 3: on the host ----------------------------------------------------------------
: >"$tmp/up.raw"
mkdir -p "$tmp/work"
# Ceph RGW
SEALCAM_S3_PORT=$("$s3server" free-port) "$s3server" start "$tmp/rgw" >"$tmp/rgw.log" 2>&1 ||
	{ echo "RGW did not start:" >&2; tail -n 20 "$tmp/rgw.log" >&2; exit 1; }
(
	set -a
	. "$tmp/rgw/env"
	set +a
	s3_bucket "$S3_ENDPOINT" "$S3_REGION"
	upload_rounds rgw-host "$S3_ENDPOINT" "$S3_REGION" "$rounds" "$tmp/segs" "$tmp/work" "$tmp/up.raw"
)
"$s3server" stop "$tmp/rgw" >/dev/null
# s3rver
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$s3rver" -d "$tmp/s3" -a 127.0.0.1 -p "$port" --configure-bucket bkt --silent >/dev/null 2>&1 &
spid=$!
for ((i = 0; i < 200; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	upload_rounds s3rver-host "http://127.0.0.1:$port" us-east-1 "$rounds" "$tmp/segs" "$tmp/work" "$tmp/up.raw"
echo "floor $(env "${unit_env[@]}" "$floor") $("$floor")" >>"$tmp/up.raw"

python3 - "$tmp" "$bytes" "$nseg" "$nfr" "$rounds" "$duration" "$vm" \
	"$rss_target_kb" "$ratio_target" <<'PY' >"$tmp/report" && rc=0 || rc=$?
import os, statistics as st, sys
tmp, nbytes, nseg, nfr, rounds, duration, vm = sys.argv[1:8]
rss_target, ratio_target = int(sys.argv[8]), float(sys.argv[9])
mb = int(nbytes) / 1048576
verdicts = []
def mib(kb): return kb / 1024
host = (f"host: {os.cpu_count()} CPU, {os.uname().release}, "
        f"{open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}")

# upload rows: {tag: {name: [(secs, cpu, rss)]}}
rows = {}
def read_rows(path):
    for l in open(path):
        f = l.split()
        if len(f) == 5 and f[0] in ("rgw-vm", "rgw-host", "s3rver-host"):
            rows.setdefault(f[0], {}).setdefault(f[1], []).append((float(f[2]), float(f[3]), int(f[4])))

if vm:
    raw = open(os.path.join(tmp, "vm.raw")).read().splitlines()
    read_rows(os.path.join(tmp, "vm.raw"))
    cpu = next(l[4:] for l in raw if l.startswith("cpu "))
    def ints(tag):  # the numbers of vm.raw's line "TAG n n n"
        return [int(x) for x in next(l for l in raw if l.startswith(tag + " ")).split()[1:]]
    fl, flc = ints("floor"), ints("floor-cold")
    print(f"1. Capture + upload (file://, and Ceph RGW in the guest) in the VM ({cpu}; -cpu max),")
    print(f"   page cache warm (every page of the agent's libraries read before the runs),")
    print(f"   {duration} s per size, sealed YUYV, 30 fps requested, module seg_frames=10;")
    print(f"   RGW started in the guest in {ints('rgw-start')[0]} s")
    print(f"{'size':>10} {'store':>6} {'frames':>7} {'sealed MB':>10} {'stored':>7} {'CPU s':>7} {'CPU s/MB':>9} {'peak RSS MiB':>13}")
    for l in raw:
        if not l.startswith("capture "):
            continue
        _, size, store, secs, user, sys_, rss, b, stored, frames = l.split()
        smb = int(b) / 1048576
        cpu_s = float(user) + float(sys_)
        print(f"{size:>10} {store:>6} {frames:>7} {smb:>10.1f} {stored:>7} {cpu_s:>7.2f} {cpu_s / max(smb, 1e-9):>9.4f} {mib(int(rss)):>13.2f}")
        verdicts.append((f"peak RSS, capture {size} + upload to {store}, in the VM: {mib(int(rss)):.2f} MiB <= 8 MiB", int(rss) <= rss_target))
    print(f"{'(the libraries alone: sc-rss-floor; cold cache was':<44} {mib(flc[0]):>5.2f})        {mib(fl[0]):>13.2f}")
    hs = [l.split() for l in raw if l.startswith("hash ")]
    print("   libcrypto in this VM: " + ", ".join(f"{h[1]} {h[2]} MB/s" for h in hs))
    print()

floor = None
for l in open(os.path.join(tmp, "up.raw")):
    if l.startswith("floor "):
        floor = [int(x) for x in l.split()[1:]]
read_rows(os.path.join(tmp, "up.raw"))

labels = [("agent-c1", "sealcam-agent, 1 upload at a time"),
          ("agent-c1-nosum", "sealcam-agent, 1 at a time, no digest sidecar"),
          ("agent-c2", "sealcam-agent, 2 at a time (the default)"),
          ("curl", "curl -T, one file after another"),
          ("curl-sha256sum", "curl -T, sha256sum of each file in the loop")]
servers = [("rgw-vm", "2. Upload to Ceph RGW in the same VM (TCG, -cpu max; RGW verifies SigV4 and the payload hash)"),
           ("rgw-host", "3a. Upload to Ceph RGW on the host (loopback)"),
           ("s3rver-host", "3b. Upload to s3rver on the host (no signature checked: earlier runs' server)")]
for tag, title in servers:
    if tag not in rows:
        continue
    r = rows[tag]
    def med(name):
        x = r[name]
        return st.median(y[0] for y in x), st.median(y[1] for y in x), max(y[2] for y in x)
    curl_s = med("curl")[0]
    print(title + ",")
    print(f"   {nseg} segments x {nfr} frames 640x480 (sealed GREY, sc-mkseg), {mb:.1f} MB; median of {rounds} interleaved rounds;")
    print("   " + (f"guest as in 1." if tag == "rgw-vm" else host))
    print(f"{'uploader':<44} {'seconds':>8} {'MB/s':>7} {'x curl':>7} {'CPU s/MB':>9} {'peak RSS MiB':>13}")
    for key, label in labels:
        s, c, rs = med(key)
        print(f"{label:<44} {s:>8.3f} {mb / s:>7.1f} {curl_s / s:>6.2f}x {c / mb:>9.4f} {mib(rs):>13.2f}")
    s, c, rs = med("agent-c1-plainenv")
    print(f"{'agent, once, without the unit env (RSS only)':<44} {'':>8} {'':>7} {'':>7} {'':>9} {mib(rs):>13.2f}")
    if tag == "s3rver-host" and floor:
        print(f"{'libraries alone (sc-rss-floor; unit env / none)':<44} {'':>8} {'':>7} {'':>7} {'':>9} {mib(floor[0]):>6.2f} / {mib(floor[3]):.2f}")
    print()
    r1 = curl_s / med("agent-c1")[0]
    where = {"rgw-vm": "RGW in the VM", "rgw-host": "RGW on the host", "s3rver-host": "s3rver on the host"}[tag]
    verdicts.append((f"upload throughput to {where}, 1 at a time, {r1:.2f}x curl >= {ratio_target}x", r1 >= ratio_target))
    if tag == "rgw-vm":
        rss = med("agent-c1")[2]
        verdicts.append((f"peak RSS uploading to RGW in the VM: {mib(rss):.2f} MiB <= 8 MiB", rss <= rss_target))

print("Targets (issue 4, point 8, issue 13; the agent's RSS on the target kernel, in the VM):")
for text, ok in verdicts:
    print(("  met:     " if ok else "  NOT MET: ") + text)
# the host is the developers' machine, not a camera: its kernel maps far
# more of the same libraries' cached pages per fault (see docs/PERFORMANCE.md)
if "s3rver-host" in rows and floor:
    rss = max(y[2] for y in rows["s3rver-host"]["agent-c1"])
    over = f"{mib(rss):.2f} MiB, {mib(rss - floor[0]):.2f} MiB above the libraries alone"
    print(f"Not a target: peak RSS uploading to s3 on this host (kernel {os.uname().release}): {over}"
          f" ({'within' if rss <= rss_target else 'over'} 8 MiB)")
sys.exit(0 if all(ok for _, ok in verdicts) else 3)
PY
# the raw figures (every round), the report and the logs, kept
keep=$root/build/bench-agent-upload.last
rm -rf "$keep"
mkdir -p "$keep"
cp "$tmp"/*.raw "$tmp"/*.log "$tmp/report" "$keep/" 2>/dev/null || true
cat "$tmp/report"
echo "(raw figures of every round, logs: ${keep#"$root"/}/)"
# 3: a target not met; anything else: the report itself failed
[ "$rc" = 0 ] || exit 1
