#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-agent-upload.sh - sealcam-agent's cost and speed, in one run:
#
#  1. capture (one VM boot, qemu -cpu max, the real module): the agent
#     records from a sealcam node at 640x480 and at 1280x720 for DURATION
#     seconds each and uploads to file:// storage while it records; its peak
#     RSS (VmHWM) and CPU seconds (user + system) per sealed MB;
#  2. upload (on the host: it needs no module): the agent draining a spool
#     of sealed 640x480 segments to s3rver on 127.0.0.1, beside `curl -T` of
#     the same files to the same server (SigV4 signed by curl too), ROUNDS
#     rounds interleaved, medians; throughput, CPU s/MB, peak RSS.
#
# Prints one table per part and the targets (issue 4, point 8) as met or
# NOT MET; exits 1 when a target is not met. The RSS target is judged where
# the agent runs, on the target kernel (Debian 12's, in the VM), with the
# page cache holding every page of the agent's libraries (a device that has
# been up for a while; the worst case for fault-around). The host's RSS is
# printed beside it, not judged: its kernel is not the target's and maps
# about twice as many cached library pages for the same program.
#
#   scripts/bench-agent-upload.sh [--no-vm] [ROUNDS] [SEGMENTS] [DURATION]
#
# The agent runs with the environment of its systemd unit
# (GNUTLS_NO_IMPLICIT_INIT=1); one extra run shows its RSS without it.
# The spool's segments carry the digest sidecar that the agent's capture
# writes (size, MD5, SHA-256, computed as the frames arrive), made here with
# md5sum/sha256sum; one row drains them without it (a segment recovered
# after a crash: the agent hashes the file before sending). The agent does
# more per file than curl: SHA-256 and MD5 headers, and a HEAD to confirm.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
vm=1
if [ "${1:-}" = --no-vm ]; then
	vm=
	shift
fi
rounds=${1:-5}
nseg=${2:-8}
duration=${3:-20}
nfr=15
agent=build/sealcam-agent
mkseg=build/tests/agent/sc-mkseg
floor=build/tests/agent/sc-rss-floor
s3rver=node_modules/.bin/s3rver
unit_env=(GNUTLS_NO_IMPLICIT_INIT=1)
rss_target_kb=$((8 * 1024))
ratio_target=0.9
make -s -f Makefile -f user/agent.mk agent 2>&1 | grep -v 'overriding recipe\|ignoring old recipe' >&2 || true
[ -x "$agent" ] && [ -x "$mkseg" ] && [ -x "$floor" ] || { echo "agent not built" >&2; exit 1; }
[ -x "$s3rver" ] || { echo "no $s3rver: run scripts/setup.sh" >&2; exit 1; }

tmp=$(mktemp -d "$root/build/bench-agent.XXXXXX")
spid=
trap '[ -z "$spid" ] || kill "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT

# ---- 1. capture in the VM ----------------------------------------------------
if [ -n "$vm" ]; then
	make -s all >&2
	cat >"$tmp/guest.sh" <<EOF
set -e
. tests/lib/sealcam.sh
sc_load devices=1 seg_frames=10
node=\$(sc_node 0)
build/sealcam genkey | build/sealcam pubkey > /tmp/owner.pub
build/sealcam key add /tmp/owner.pub >/dev/null
echo "cpu \$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') | \$(nproc) vCPU | \$(uname -r)" >"$tmp/vm.raw"
echo "floor-cold \$(env ${unit_env[*]} $floor)" >>"$tmp/vm.raw"
# a device that has run for a while has the libraries' pages in its page
# cache, and a fault maps the cached neighbours of a page too (fault-around):
# the worst case, every page of every library the agent links cached, for
# all the runs below
for l in \$(ldd $agent | awk '/=>/ { print \$3 }'); do cat "\$l" >/dev/null; done
echo "floor \$(env ${unit_env[*]} $floor)" >>"$tmp/vm.raw"
# what hashing costs on this emulated CPU (the agent's MD5/SHA-256 are libcrypto's too)
python3 -c 'import hashlib, time
b = bytes(8 << 20)
for n in ("md5", "sha256"):
    t = time.perf_counter(); hashlib.new(n, b).digest(); print("hash", n, round(8 / (time.perf_counter() - t), 1))' >>"$tmp/vm.raw"
# the agent's own store for uploads during capture: file:// (the embedded
# default) at both sizes, and s3rver in the guest at 640x480
s3port=9000 spid=
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
for spec in 640x480:file 1280x720:file 640x480:s3; do
	size=\${spec%:*} store=\${spec#*:}
	w=/tmp/cap-\$size-\$store
	mkdir -p \$w
	if [ \$store = s3 ]; then
		$s3rver -d /tmp/s3 -a 127.0.0.1 -p \$s3port --configure-bucket bkt --silent >/dev/null 2>&1 &
		spid=\$!
		# node under TCG starts slowly: wait for the port (bounded)
		for ((i = 0; i < 600; i++)); do
			(exec 3<>/dev/tcp/127.0.0.1/\$s3port) 2>/dev/null && break
			sleep 0.5
		done
		url=(--url s3://bkt/cam --s3-endpoint http://127.0.0.1:\$s3port --s3-path-style)
		objs=/tmp/s3 pat='*.sealed._S3rver_object'
	else
		url=(--url "file://\$w/store")
		objs=\$w/store pat='*.sealed'
	fi
	env ${unit_env[*]} /usr/bin/time -f "%e %U %S %M" -o \$w/time $agent --config /dev/null \\
		--device "\$node" --size \$size --fps 30 --spool \$w/spool --outbox "" \\
		--status-file "" "\${url[@]}" 2>\$w/log &
	tpid=\$!
	sleep $duration	# the measured recording time
	# SIGTERM to the agent, the child of time(1): a clean stop
	kill -TERM \$(pgrep -P \$tpid)
	wait \$tpid
	# every sealed byte the agent wrote: stored, or still queued at the stop
	bytes=\$( (find \$objs -name "\$pat" -type f -printf '%s\n'; find \$w/spool -name '*.sealed' -type f -printf '%s\n') | awk '{ s += \$1 } END { print s + 0 }')
	stored=\$(find \$objs -name "\$pat" -type f | wc -l)
	frames=\$(sed -n 's/.*streaming stopped after \([0-9]*\) frames.*/\1/p' \$w/log)
	echo "capture \$size \$store \$(cat \$w/time) \$bytes \$stored \${frames:-0}" >>"$tmp/vm.raw"
	cp \$w/log "$tmp/agent-\$size-\$store.log"
	rm -rf \$w
done
kill \$spid
wait \$spid || true
sc_unload
EOF
	scripts/vm-run --cpu-max --rwdir "$tmp" -- bash "$tmp/guest.sh" >&2
fi

# ---- 2. upload on the host -----------------------------------------------------
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
	f=$tmp/segs/$i.sealed
	"$mkseg" -o "$f" --owner-pub tests/vectors/owner.pub --segment "$i" \
		--frames "$nfr" --size 640x480 >/dev/null
	# the sidecar spool.c writes as the frames arrive: "SIZE MD5 SHA256"
	echo "$(stat -c %s "$f") $(md5sum <"$f" | cut -c1-32) $(sha256sum <"$f" | cut -c1-64)" \
		>"$tmp/segs/.$i.sealed.sum"
done
bytes=$(cat "$tmp/segs"/*.sealed | wc -c)

# agent_run NAME CONCURRENCY SIDECAR(0/1) [ENV...]: one drain; appends
# "NAME secs cpu rss_kb" to $tmp/up.raw
agent_run() {
	local name=$1 conc=$2 sums=$3
	shift 3
	rm -rf "$tmp/spool"
	mkdir -p "$tmp/spool/ready"
	cp "$tmp/segs"/*.sealed "$tmp/spool/ready/"
	[ "$sums" = 0 ] || cp "$tmp/segs"/.*.sum "$tmp/spool/ready/"
	env "$@" /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$agent" --config /dev/null \
		--url "s3://bkt/$name" --s3-endpoint "http://127.0.0.1:$port" --s3-path-style \
		--spool "$tmp/spool" --outbox "" --status-file "" --concurrency "$conc" \
		--drain --drain-timeout 120 2>"$tmp/agent.log" ||
		{ echo "agent drain failed:" >&2; tail -5 "$tmp/agent.log" >&2; exit 1; }
	[ -z "$(ls "$tmp/spool/ready")" ] || { echo "agent left files" >&2; exit 1; }
	awk -v n="$name" '{ printf "%s %s %.3f %s\n", n, $1, $2 + $3, $4 }' "$tmp/time" >>"$tmp/up.raw"
}

curl_run() {
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" bash -c '
		for f in "$@"; do
			curl -sf -T "$f" --aws-sigv4 "aws:amz:us-east-1:s3" \
				--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
				-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
				"http://127.0.0.1:'"$port"'/bkt/curl/${f##*/}" >/dev/null || exit 1
		done' _ "$tmp/segs"/*.sealed
	awk '{ printf "curl %s %.3f %s\n", $1, $2 + $3, $4 }' "$tmp/time" >>"$tmp/up.raw"
}

: >"$tmp/up.raw"
for ((r = 0; r < rounds; r++)); do
	agent_run agent-c1 1 1 "${unit_env[@]}"
	curl_run
	agent_run agent-c1-nosum 1 0 "${unit_env[@]}"
	agent_run agent-c2 2 1 "${unit_env[@]}"
done
agent_run agent-c1-plainenv 1 1 GNUTLS_NO_IMPLICIT_INIT=
echo "floor $(env "${unit_env[@]}" "$floor") $("$floor")" >>"$tmp/up.raw"

python3 - "$tmp" "$bytes" "$nseg" "$nfr" "$rounds" "$duration" "$vm" \
	"$rss_target_kb" "$ratio_target" <<'PY' >"$tmp/report" && rc=0 || rc=$?
import os, statistics as st, sys
tmp, nbytes, nseg, nfr, rounds, duration, vm = sys.argv[1:8]
rss_target, ratio_target = int(sys.argv[8]), float(sys.argv[9])
mb = int(nbytes) / 1048576
verdicts = []
def mib(kb): return kb / 1024

if vm:
    raw = open(os.path.join(tmp, "vm.raw")).read().splitlines()
    cpu = next(l[4:] for l in raw if l.startswith("cpu "))
    def ints(tag):  # the numbers of vm.raw's line "TAG n n n"
        return [int(x) for x in next(l for l in raw if l.startswith(tag + " ")).split()[1:]]
    fl, flc = ints("floor"), ints("floor-cold")
    print(f"1. Capture + upload (file://, and s3rver in the guest) in the VM ({cpu}; TCG, -cpu max),")
    print(f"   page cache warm (every page of the agent's libraries read before the runs),")
    print(f"   {duration} s per size, sealed YUYV, 30 fps requested, module seg_frames=10")
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

rows = {}
floor = None
for l in open(os.path.join(tmp, "up.raw")):
    f = l.split()
    if f[0] == "floor":
        floor = [int(x) for x in f[1:]]
        continue
    rows.setdefault(f[0], []).append((float(f[1]), float(f[2]), int(f[3])))
def med(name):
    r = rows[name]
    return st.median(x[0] for x in r), st.median(x[1] for x in r), max(x[2] for x in r)
curl_s = med("curl")[0]
print(f"2. Upload of {nseg} segments x {nfr} frames 640x480 (sealed GREY, sc-mkseg), {mb:.1f} MB,")
print(f"   to s3rver on 127.0.0.1; median of {rounds} interleaved rounds; host: {os.cpu_count()} CPU,")
print(f"   {os.uname().release}, {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}")
print(f"{'uploader':<44} {'seconds':>8} {'MB/s':>7} {'x curl':>7} {'CPU s/MB':>9} {'peak RSS MiB':>13}")
labels = [("agent-c1", "sealcam-agent, 1 upload at a time"),
          ("agent-c1-nosum", "sealcam-agent, 1 at a time, no digest sidecar"),
          ("agent-c2", "sealcam-agent, 2 at a time (the default)"),
          ("curl", "curl -T, one file after another")]
for key, label in labels:
    s, c, r = med(key)
    print(f"{label:<44} {s:>8.3f} {mb / s:>7.1f} {curl_s / s:>6.2f}x {c / mb:>9.4f} {mib(r):>13.2f}")
s, c, r = med("agent-c1-plainenv")
print(f"{'same, once, without the unit env (RSS only)':<44} {'':>8} {'':>7} {'':>7} {'':>9} {mib(r):>13.2f}")
print(f"{'libraries alone (sc-rss-floor; unit env / none)':<44} {'':>8} {'':>7} {'':>7} {'':>9} {mib(floor[0]):>6.2f} / {mib(floor[3]):.2f}")
r1 = curl_s / med("agent-c1")[0]
verdicts.append((f"upload throughput, 1 at a time, {r1:.2f}x curl >= {ratio_target}x", r1 >= ratio_target))
rss = med("agent-c1")[2]
print()
print("Targets (issue 4, point 8; the agent's RSS on the target kernel, in the VM):")
for text, ok in verdicts:
    print(("  met:     " if ok else "  NOT MET: ") + text)
# the host is the developers' machine, not a camera: its kernel maps far
# more of the same libraries' cached pages per fault (see docs/PERFORMANCE.md)
over = f"{mib(rss):.2f} MiB, {mib(rss - floor[0]):.2f} MiB above the libraries alone"
print(f"Not a target: peak RSS uploading to s3 on this host (kernel {os.uname().release}): {over}"
      f" ({'within' if rss <= rss_target else 'over'} 8 MiB)")
sys.exit(0 if all(ok for _, ok in verdicts) else 3)
PY
cat "$tmp/report"
# 3: a target not met; anything else: the report itself failed
[ "$rc" = 0 ] || exit 1
