#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sealcam-agent end to end with the real module and a real, signature-
# verifying S3 server: a one-node Ceph RGW started in the guest
# (scripts/s3-server.sh), through trouble:
#  - capture (sealed GREY, 15 fps asked for) into the spool, uploads with a
#    send-speed cap that makes each PUT last ~3 s, as on a slow uplink,
#    whatever the accelerator: that is what lets a kill land mid-upload
#  - five kill -9 of the agent, each followed by a restart, at different
#    moments: 1 while radosgw receives a PUT from it; 2 while radosgw is
#    down (killed -9) and the agent backs off after a failed attempt; 3 in
#    the same outage, at a segment boundary (the next segment's file just
#    opened); 4 once radosgw is
#    back (30 s later), while it receives a PUT of the backlog; 5 in the
#    middle of a segment, after the restart recovered the one 4 cut
#  - SIGTERM at the end, then a drain
# Normal mode: 160x120, 30-frame segments, 30 s outage (a few minutes under
# TCG, most of it radosgw's start); SEALCAM_LONG=1: 320x240, 45-frame
# segments, more uploads between the kills, a 60 s outage.
#
# Then, from the bucket (ListObjectsV2, every object read back with GET):
#  - no segment lost: every segment the agent finished (its log: complete,
#    recovered after a kill, finalised truncated) is there; nothing else is
#    there and no segment is there twice (one object per segment id, all
#    under cams/DEVICE/segments/)
#  - every object is byte-identical to the file the agent wrote in its
#    spool (a watcher hard-links each spool file as it appears: the spool
#    deletes a segment once uploaded)
#  - no upload was ever refused for its signature: no SignatureDoesNotMatch
#    in the agent's log, no 403 in radosgw's
#  - the PUTs the kills cut short were not stored, and were sent again
# And the kill -9 accounting, from unseal alone: each kill loses the frames
# still in the driver's buffers when the agent died, so it leaves at most
# one break in the ids: a truncated segment (unseal exit 5), one missing id
# (a segment whose first frames were all still in those buffers), or a
# truncated segment followed by one missing id: at most KILLS breaks; unseal
# names the ids missing between two complete segments; the truncated
# segments are exactly the ones the agent recovered at its restarts; every
# other segment unseals complete, and the complete runs between kills unseal
# as continuous sequences.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

AGENT=$SC_BUILD/sealcam-agent
S3SERVER=$SC_ROOT/scripts/s3-server.sh
[ -x "$AGENT" ] || tap_missing "build/sealcam-agent (make all)"
for p in radosgw ceph-osd ceph-mon ceph curl python3; do
	command -v "$p" >/dev/null || tap_missing "$p (scripts/setup.sh installs it)"
done

KILLS=5
if [ -n "${SEALCAM_LONG:-}" ]; then
	W=320 H=240 SEG_FRAMES=45 OUTAGE=60 STEADY=3
else
	W=160 H=120 SEG_FRAMES=30 OUTAGE=30 STEADY=1
fi
SEG_BYTES=$((W * H * SEG_FRAMES))       # sealed GREY: ~1 byte a pixel
SPEED=$((SEG_BYTES / 3))                # bytes/s per upload: a PUT lasts ~3 s
T=$SEALCAM_TMP
S3=$T/s3
RGWLOG=$S3/log/client.rgw.log
ALOG=$T/agent.log

tap_plan 20

apid='' wpid=''
cleanup() {
	[ -z "$apid" ] || kill -9 "$apid" 2>/dev/null
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null
	if [ -n "${SEALCAM_ARTIFACTS:-}" ]; then
		cp "$ALOG" "$SEALCAM_ARTIFACTS/agent-s3.log" 2>/dev/null
		cp "$RGWLOG" "$SEALCAM_ARTIFACTS/radosgw.log" 2>/dev/null
		cp "$T/s3.log" "$SEALCAM_ARTIFACTS/s3-server.log" 2>/dev/null
	fi
	"$S3SERVER" stop "$S3" >/dev/null 2>&1
	sc_unload
}
sc_on_exit cleanup

# --- the server ----------------------------------------------------------------
port=$("$S3SERVER" free-port)
t0=$SECONDS
# radosgw's first start creates its pools: over a minute under TCG
if SEALCAM_S3_PORT=$port SEALCAM_S3_TIMEOUT=300 "$S3SERVER" start "$S3" >"$T/s3.log" 2>&1; then
	tap_pass "Ceph RGW started in the guest on 127.0.0.1:$port ($((SECONDS - t0)) s)"
else
	tap_fail "Ceph RGW started in the guest"
	tap_diag "$(tail -n 20 "$T/s3.log")"
	tap_done
fi
set -a
. "$S3/env"
set +a
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3curl() { # curl with SigV4, an independent client (no body: empty hash)
	curl -sS --aws-sigv4 "aws:amz:$S3_REGION:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: $EMPTY" "$@"
}
# debug_rgw 2 logs each request's op as it starts executing and as it
# completes: a PUT radosgw is still receiving can be seen in its log
rgw_debug() {
	ceph --admin-daemon "$S3/run/client.rgw.asok" config set debug_rgw 2 >/dev/null
}
rgw_debug
code=$(s3curl -o "$T/mb.out" -w '%{http_code}' -X PUT "$S3_ENDPOINT/bkt")
tap_check "bucket bkt created (HTTP $code)" test "$code" = 200 ||
	tap_diag "$(cat "$T/mb.out")"

tap_ok "load sealcam.ko" sc_load devices=1 seg_frames=$SEG_FRAMES || { tap_done; exit 1; }
node=$(sc_node 0)
umask 077
"$SC" genkey >"$T/owner.key" && "$SC" pubkey <"$T/owner.key" >"$T/owner.pub"
"$SC" key add "$T/owner.pub" --label owner >/dev/null

# The witness: hard-links every spool file (cur/*.part, ready/*.sealed) to
# witness/SEGMENT-ID as soon as it appears, so that what the agent wrote
# survives its upload (the agent unlinks it once the store confirmed it).
# A segment file lives in cur/ for a whole segment (2-3 s): polled every
# 0.1 s, none is missed.  A second file for one segment id is logged.
mkdir -p "$T/witness"
python3 - "$T/spool" "$T/witness" <<'PY' &
import os, re, sys, time
spool, wit = sys.argv[1:3]
pat = re.compile(r"-(\d{20})\.(part|sealed)$")
seen = {}
while True:
    for d in ("cur", "ready"):
        try:
            names = os.listdir(os.path.join(spool, d))
        except FileNotFoundError:
            continue
        for n in names:
            m = pat.search(n)
            if not m:
                continue
            p, sid = os.path.join(spool, d, n), str(int(m.group(1)))
            try:
                if sid in seen:
                    ino = os.stat(p).st_ino
                    if ino != seen[sid]:
                        with open(os.path.join(wit, "conflicts"), "a") as f:
                            f.write(f"{sid}: {d}/{n} is not the file first seen\n")
                        seen[sid] = ino
                    continue
                os.link(p, os.path.join(wit, sid))
                seen[sid] = os.stat(os.path.join(wit, sid)).st_ino
            except FileNotFoundError:
                pass    # renamed or uploaded meanwhile: seen next round
    time.sleep(0.1)
PY
wpid=$!

# --- helpers: the agent, and what its log and radosgw's say ------------------
run_agent() { # [extra args]: start it in the background, sets apid
	"$AGENT" --config /dev/null --device "$node" --size "${W}x$H" --format grey --fps 15 \
		--spool "$T/spool" --outbox "$T/outbox" --status-file "$T/status" \
		--url s3://bkt/cams --s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION" \
		--max-send-speed "$SPEED" --backoff-min 200 --backoff-max 2000 \
		--timeout 20 --connect-timeout 2 "$@" 2>>"$ALOG" &
	apid=$!
}
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
# amark: a line of the agent's log; logged (below) looks at what follows it
amark=0
set_amark() { amark=$(lines "$ALOG"); }
nkill=0
kill9() { # WHEN: kill -9, restart (no startup check: the server may be down)
	nkill=$((nkill + 1))
	kill -9 "$apid"
	wait "$apid" 2>/dev/null
	echo "=== kill -9 #$nkill: $1 ===" >>"$ALOG"
	tap_diag "kill -9 #$nkill at $((SECONDS - t_agent)) s: $1"
	set_amark      # what the restarted agent logs
	run_agent --no-startup-check
}
# until SECONDS COMMAND...: like wait_for, with a deadline in wall-clock
# time: under TCG on a busy host one poll (an awk over a log) can take
# longer than the 0.1 s between polls
until_t() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}
# logged PATTERN [N]: the agent logged PATTERN at least N (1) times since amark
logged() {
	awk -v m="$amark" -v n="${2:-1}" -v p="$1" \
		'NR > m && $0 ~ p { c++ } END { exit !(c >= n) }' "$ALOG"
}
rmark=0
set_rmark() { rmark=$(lines "$RGWLOG"); }
# put_opens: the PUTs radosgw is receiving (executing, not yet completing)
# since rmark, one request id a line
put_opens() {
	awk -v m="$rmark" 'NR > m && /s3:put_obj executing/ { o[$5] = 1 }
		NR > m && /s3:put_obj completing/ { delete o[$5] }
		END { for (r in o) print r }' "$RGWLOG" | sort
}
# put_open: a PUT radosgw has been receiving for at least 0.5 s (open at
# two polls that far apart); sets put_req to it.  A small object (the
# few frames of a segment recovered after a kill at a segment boundary)
# is received whole between one poll and the kill: a kill aimed at it
# cuts nothing.  One still open after 0.5 s at the capped speed has most
# of its bytes to come.
put_open() {
	local a b
	a=$(put_opens)
	[ -n "$a" ] || return 1
	sleep 0.5
	b=$(put_opens)
	put_req=$(comm -12 <(echo "$a") <(echo "$b") | head -n 1)
	[ -n "$put_req" ]
}
# put_status REQ: the HTTP status radosgw gave request REQ, once it ended
put_status() {
	sed -n "s/.* req $1 .* s3:put_obj http status=\([0-9]*\).*/\1/p" "$RGWLOG" | head -n 1
}
put_ended() { [ -n "$(put_status "$1")" ]; }
# cut_puts: the objects of the PUTs radosgw ended without storing since
# rmark (beast's access log line: "PUT /bkt/KEY HTTP/1.1" STATUS)
cut_puts() {
	tail -n +"$((rmark + 1))" "$RGWLOG" |
		sed -n 's|.*"PUT /bkt/\([^ ]*\) HTTP/1.1" \([0-9]*\) .*|\2 \1|p' |
		awk '$1 !~ /^2/ { print $2 }'
}
# mid_upload_kill WHAT: wait for a PUT radosgw is receiving, kill -9 the
# agent, and check that radosgw ended that PUT without storing it
cut_keys=()
mid_upload_kill() {
	set_rmark
	if ! until_t 120 put_open; then
		tap_fail "kill -9 #$((nkill + 1)) mid-upload ($1): no PUT seen in 120 s"
		kill9 "$1, no PUT seen"
		return
	fi
	# every PUT open at the kill: at least one of them must end unstored
	local open
	open=$(put_opens)
	kill9 "$1, radosgw receiving $(echo "$open" | wc -l) PUT(s) (req $(echo $open))"
	local r st keys cut=() done=()
	for r in $open; do
		until_t 60 put_ended "$r"
		st=$(put_status "$r")
		if [ -n "$st" ] && [ "${st#2}" = "$st" ]; then
			cut+=("$r: HTTP $st")
		else
			done+=("$r: HTTP ${st:-none}")
		fi
	done
	[ ${#done[@]} = 0 ] || tap_diag "kill -9 #$nkill: ended before the kill landed: ${done[*]}"
	keys=$(cut_puts)
	for k in $keys; do cut_keys+=("$k"); done
	[ ${#cut[@]} -ge 1 ] && [ -n "$keys" ] &&
		tap_pass "kill -9 #$nkill mid-upload ($1): radosgw ended the PUT unstored (${cut[*]}): $(sed 's|.*/||' <<<"$keys" | paste -sd ' ')" ||
		tap_fail "kill -9 #$nkill mid-upload ($1): no PUT open at the kill ended unstored (${done[*]}; ${keys:-no cut PUT})"
}
# new_segment: the agent has opened a segment file other than $old_cur
# (bash alone, no process: polled fast, for a kill right at the boundary)
cur_part() {
	local f=("$T/spool/cur/"*.part)
	[ -e "${f[0]}" ] && cur=${f[0]##*/}
}
new_segment() { cur_part && [ "$cur" != "$old_cur" ]; }
# mid_segment: the segment being written holds 30-70 % of its frames
mid_segment() {
	local f s
	f=$(ls "$T/spool/cur" 2>/dev/null | head -n 1)
	[ -n "$f" ] || return 1
	s=$(stat -c %s "$T/spool/cur/$f" 2>/dev/null) || return 1
	[ "$s" -ge $((SEG_BYTES * 3 / 10)) ] && [ "$s" -le $((SEG_BYTES * 7 / 10)) ]
}
segs_uploaded() { grep -c "uploaded .*/segments/" "$ALOG"; }

# --- capture, uploads, kills, outage ---------------------------------------------
: >"$ALOG"
tap_diag "${W}x$H GREY, $SEG_FRAMES frames a segment (~$((SEG_BYTES / 1024)) KiB), uploads capped at $((SPEED / 1024)) KiB/s, $OUTAGE s outage"
t_agent=$SECONDS
run_agent      # with the startup check (a ListObjectsV2 of bkt)
# the pipeline's steady state: STEADY segments uploaded
until_t 300 logged "uploaded .*/segments/" "$STEADY" ||
	tap_diag "fewer than $STEADY uploads within 300 s of the start"
mid_upload_kill "radosgw up"                                       # kill 1
until_t 120 logged "uploaded .*/segments/" ||
	tap_diag "no upload within 120 s of restart 1"

# the outage
set_amark
down_from=$amark
t_down=$SECONDS
"$S3SERVER" kill-rgw "$S3" >>"$T/s3.log" 2>&1
down_ok=1
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { down_ok=0; tap_diag "radosgw still answers after kill-rgw"; }
until_t 60 logged "upload of .* failed [(]attempt" ||
	tap_diag "no failed upload within 60 s of killing radosgw"
kill9 "radosgw down, the agent backing off after a failed attempt"  # kill 2
until_t 60 logged "running: capture" && until_t 60 cur_part ||
	tap_diag "restart 2: no segment being written within 120 s"
old_cur=$cur
until_t 60 new_segment ||
	tap_diag "restart 2: no new segment within 60 s"
kill9 "radosgw down, at a segment boundary: $cur just opened"  # kill 3
until_t 60 logged "upload of .* failed [(]attempt" ||
	tap_diag "restart 3: no failed upload within 60 s with radosgw down"
# the outage lasts OUTAGE seconds: a time, not an event
left=$((OUTAGE - (SECONDS - t_down)))
[ "$left" -le 0 ] || sleep "$left"
t_up=$SECONDS
set_amark
# what the agent logged while radosgw was down: failed attempts, all of
# them connection errors (none an HTTP status: nothing was refused)
awk -v a="$down_from" -v b="$amark" 'NR > a && NR <= b && /upload of .* failed \(attempt/' \
	"$ALOG" >"$T/down.failures"
if "$S3SERVER" start-rgw "$S3" >>"$T/s3.log" 2>&1; then
	rgw_debug
	tap_pass "radosgw restarted after $((t_up - t_down)) s down (start took $((SECONDS - t_up)) s)"
else
	tap_fail "radosgw restarted after $((t_up - t_down)) s down"
	tap_diag "$(tail -n 5 "$T/s3.log")"
fi
until_t 120 logged "uploaded .*/segments/" ||
	tap_diag "no upload within 120 s of radosgw's restart"
backlog=$(find "$T/spool/ready" -name '*.sealed' | wc -l)
tap_diag "uploading again $((SECONDS - t_up)) s after the restart; $backlog segment(s) queued"
mid_upload_kill "the backlog after the outage"                    # kill 4
until_t 60 logged "running: capture" &&
	until_t 120 mid_segment ||
	tap_diag "restart 4: no half-written segment within 120 s"
kill9 "mid-segment ($(($(stat -c %s "$T/spool/cur/"* 2>/dev/null | head -n 1) / 1024)) KiB of a ~$((SEG_BYTES / 1024)) KiB segment written), uploads running"  # kill 5
until_t 120 logged "segment [0-9]* complete" && until_t 120 logged "uploaded .*/segments/" ||
	tap_diag "restart 5: no segment finished and uploaded within 240 s"
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
tap_diag "recorded for $((SECONDS - t_agent)) s; $(segs_uploaded) uploads during capture"
tap_check "SIGTERM after $KILLS kill -9 restarts: clean exit" test "$rc" = 0
"$AGENT" --config /dev/null --spool "$T/spool" --outbox "$T/outbox" --status-file "" \
	--url s3://bkt/cams --s3-endpoint "$S3_ENDPOINT" --s3-region "$S3_REGION" \
	--drain --drain-timeout 300 2>>"$ALOG"
tap_check "the queue drains to the bucket" test $? = 0
sleep 0.3      # one more round of the witness (the drain adds no file)
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
wpid=

# --- what the agent finished, what the bucket holds ---------------------------------
started=$("$SC" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cameras"][0]["segments"])')
# the agent's segments: complete ones, recovered after a kill, finalised
# truncated (at a stop that could not end the segment)
sed -n 's/.*sealcam-agent: segment \([0-9]*\) complete: .*/\1/p' "$ALOG" | sort -n >"$T/complete.ids"
sed -n 's/.*recovered half-written segment \([0-9]*\) .*/\1/p' "$ALOG" | sort -n >"$T/recovered.ids"
sed -n 's/.*segment \([0-9]*\) finalised truncated.*/\1/p' "$ALOG" | sort -n >"$T/fintrunc.ids"
sort -n "$T/complete.ids" "$T/recovered.ids" "$T/fintrunc.ids" >"$T/finished.ids"
s3curl "$S3_ENDPOINT/bkt?list-type=2" >"$T/list.xml"
python3 - "$T/list.xml" >"$T/list.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://s3.amazonaws.com/doc/2006-03-01/"}
r = ET.parse(sys.argv[1]).getroot()
if r.findtext("s:IsTruncated", namespaces=ns) != "false":
    print("TRUNCATED-LISTING 0")
for c in r.findall("s:Contents", ns):
    print(c.findtext("s:Key", namespaces=ns), c.findtext("s:Size", namespaces=ns))
PY
dev=$(sed -n 's|^cams/\([0-9a-f]\{16\}\)/segments/.*|\1|p' "$T/list.txt" | sort -u)
# every key: cams/DEVICE/segments/<20 digits>.sealed, one device
others=$(grep -cvE "^cams/$dev/segments/[0-9]{20}\.sealed [0-9]+$" "$T/list.txt")
sed -n 's|^cams/.*/segments/\([0-9]*\)\.sealed .*|\1|p' "$T/list.txt" |
	sed 's/^0*//' | sort -n >"$T/stored.ids"
n=$(wc -l <"$T/stored.ids")
ndistinct=$(sort -u "$T/stored.ids" | wc -l)
mkdir -p "$T/dl"
while read -r key _; do
	id=${key##*/}
	id=$((10#${id%.sealed}))
	printf 'url = "%s/bkt/%s"\noutput = "%s/dl/%s"\n' "$S3_ENDPOINT" "$key" "$T" "$id"
done <"$T/list.txt" >"$T/get.cfg"
s3curl -f -K "$T/get.cfg" 2>"$T/get.err" || tap_diag "GET of the objects failed: $(head -n 3 "$T/get.err")"
tap_diag "module started $started segments; the agent finished $(wc -l <"$T/finished.ids")" \
	"($(wc -l <"$T/complete.ids") complete, $(wc -l <"$T/recovered.ids") recovered after a kill," \
	"$(wc -l <"$T/fintrunc.ids") finalised truncated); the bucket holds $n segment objects" \
	"($ndistinct ids, device ${dev:-?}) and $others other object(s)"
lost=$(comm -23 <(sort -u "$T/finished.ids") <(sort -u "$T/stored.ids") | tr '\n' ' ')
extra=$(comm -13 <(sort -u "$T/finished.ids") <(sort -u "$T/stored.ids") | tr '\n' ' ')
[ -s "$T/finished.ids" ] && [ -z "$lost" ] &&
	tap_pass "no segment lost: all $(wc -l <"$T/finished.ids") segments the agent finished are in the bucket" ||
	tap_fail "no segment lost: finished but not in the bucket: ${lost:-none} ($(wc -l <"$T/finished.ids") finished)"
[ "$n" -ge 1 ] && [ "$n" = "$ndistinct" ] && [ "$others" = 0 ] && [ -z "$extra" ] &&
	[ "$(sort -u "$T/finished.ids" | wc -l)" = "$(wc -l <"$T/finished.ids")" ] &&
	tap_pass "nothing twice, nothing else: one object per segment, $n, all under cams/$dev/segments/" ||
	{ tap_fail "nothing twice, nothing else ($n objects, $ndistinct ids, $others other keys, not finished by the agent: ${extra:-none})"
	  tap_diag "$(grep -vE "^cams/$dev/segments/[0-9]{20}\.sealed [0-9]+$" "$T/list.txt" | head -n 5)"; }
same=0 differ=
while read -r id; do
	if cmp -s "$T/dl/$id" "$T/witness/$id"; then
		same=$((same + 1))
	else
		differ+="$id "
	fi
done <"$T/stored.ids"
[ "$n" -ge 1 ] && [ "$same" = "$n" ] && [ ! -e "$T/witness/conflicts" ] &&
	tap_pass "every object read back is byte-identical to the file the agent wrote ($same)" ||
	{ tap_fail "every object byte-identical to the agent's file ($same of $n; differ or unseen: ${differ:-none})"
	  [ ! -e "$T/witness/conflicts" ] || tap_diag "$(cat "$T/witness/conflicts")"; }

# --- unseal: damage, truncations, gaps, continuity -------------------------------
mapfile -t ids <"$T/stored.ids"
first=${ids[0]:-0}
last=${ids[n - 1]:-0}
missing=$(((last - first + 1) - n))
complete=0 truncated=0 bad=0 runs_ok=1 run_jumps=0
# one letter per id first..last: C complete, T truncated, M missing, B bad
states='' truncs=''
run=() comp=()
flush_run() {
	[ ${#run[@]} -gt 0 ] || return 0
	if ! "$SC" unseal --key "$T/owner.key" --info "${run[@]}" >"$T/run.out" 2>&1; then
		runs_ok=0
		tap_diag "run ${run[*]##*/}: $(tail -n 2 "$T/run.out")"
	fi
	# frames the module dropped (the agent slow to dequeue), not a kill
	run_jumps=$((run_jumps + $(grep -c "warning: .*frame sequence jumps" "$T/run.out")))
	run=()
}
next=$first
for id in "${ids[@]}"; do
	for ((; next < id; next++)); do
		states+=M
	done
	next=$((id + 1))
	"$SC" unseal --key "$T/owner.key" --info "$T/dl/$id" >/dev/null 2>&1
	case $? in
	0) complete=$((complete + 1)); states+=C; run+=("$T/dl/$id"); comp+=("$T/dl/$id") ;;
	5) truncated=$((truncated + 1)); states+=T; truncs+="$id "; flush_run ;;
	*) bad=$((bad + 1)); states+=B; tap_diag "segment $id: unseal failed" ;;
	esac
done
flush_run
tap_diag "$complete complete, $truncated truncated, $bad bad; ids $first..$last: $states"
[ "$bad" = 0 ] && [ "$n" -ge 1 ] && tap_pass "no segment in the bucket is damaged" ||
	tap_fail "no segment in the bucket is damaged ($bad)"
# the truncated segments are exactly those the agent recovered after a kill
# (one a restart at most) or finalised truncated; a recovered segment whose
# LAST frame was written just before the kill is complete
rec_trunc=$(comm -12 <(tr ' ' '\n' <<<"$truncs" | sed '/^$/d' | sort -u) \
	<(sort -u "$T/recovered.ids" "$T/fintrunc.ids") | wc -l)
rec_complete=$(comm -23 <(sort -u "$T/recovered.ids") <(tr ' ' '\n' <<<"$truncs" | sed '/^$/d' | sort -u) | tr '\n' ' ')
[ -z "$rec_complete" ] || tap_diag "recovered after a kill but complete (LAST written before the kill): $rec_complete"
[ "$truncated" -ge 1 ] && [ "$rec_trunc" = "$truncated" ] &&
	[ "$(wc -l <"$T/recovered.ids")" -le "$KILLS" ] &&
	tap_pass "the $truncated truncated segments are exactly ones the agent recovered after a kill -9 ($(wc -l <"$T/recovered.ids") recovered)" ||
	tap_fail "truncated segments: $truncated (${truncs:-none}), of them recovered after a kill: $rec_trunc; recovered: $(tr '\n' ' ' <"$T/recovered.ids")"
# breaks: what one kill can cost is T, M or TM; two kills a few seconds
# apart may leave TT (the segment between them never reached its LAST)
breaks=$(grep -oE 'TM|T|M' <<<"$states" | wc -l)
# unseal names each gap: two complete segments with ids between them,
# unsealed together (unseal stops at a truncated one), name the ids in
# between as missing; checked for every such pair
gaps=0 gaps_want=0 gaps_ok=1
for ((i = 1; i < ${#comp[@]}; i++)); do
	ia=${comp[i - 1]##*/} ib=${comp[i]##*/}
	k=$((ib - ia - 1))
	[ "$k" -gt 0 ] || continue
	gaps_want=$((gaps_want + k))
	"$SC" unseal --key "$T/owner.key" --info "${comp[i - 1]}" "${comp[i]}" \
		>/dev/null 2>"$T/pair.err"
	prc=$?
	if [ "$prc" = 0 ] && grep -qF "from $ia to $ib ($k segment(s) missing)" "$T/pair.err"; then
		gaps=$((gaps + k))
	else
		gaps_ok=0
		tap_diag "unseal $ia $ib: exit $prc, wanted $k missing: $(head -c 400 "$T/pair.err")"
	fi
done
[ "$truncated" -ge 1 ] && [ "$breaks" -le "$KILLS" ] && [ "$gaps_ok" = 1 ] &&
	tap_pass "each kill -9 breaks the ids at most once, reported by unseal ($breaks breaks: $truncated truncated, $missing missing; unseal named all $gaps)" ||
	tap_fail "each kill -9 breaks the ids at most once ($breaks breaks; $truncated truncated, $missing missing; unseal named $gaps of $gaps_want; $KILLS kills)"
[ "$run_jumps" = 0 ] ||
	tap_diag "$run_jumps frame sequence jump(s) inside runs of complete segments (frames the module dropped)"
[ "$runs_ok" = 1 ] && [ "$complete" -ge 1 ] &&
	tap_pass "complete segments between kills unseal as continuous runs" ||
	tap_fail "complete segments between kills unseal as continuous runs"
# the module may start one more segment than the agent saw, at the final stop
[ "$n" -ge $((started - missing - 1)) ] && [ "$n" -le "$started" ] && [ "$n" -ge 8 ] &&
	tap_pass "every segment the module started arrived exactly once, but those the kills cut ($n of $started, $missing missing)" ||
	tap_fail "every segment the module started arrived exactly once ($n objects, $started started, $missing missing)"

# --- signatures, the outage, the cut uploads -------------------------------------
puts_ok=$(grep -cE '"PUT /bkt/[^ ]* HTTP/1.1" 2[0-9][0-9] ' "$RGWLOG")
n403=$(grep -cE '" 403 ' "$RGWLOG")
nsig=$(grep -c "SignatureDoesNotMatch" "$ALOG")
[ "$nsig" = 0 ] && [ "$n403" = 0 ] && [ "$puts_ok" -ge "$n" ] &&
	tap_pass "no upload refused for its signature: no SignatureDoesNotMatch in the agent's log, no 403 in radosgw's ($puts_ok PUTs stored)" ||
	{ tap_fail "no upload refused for its signature ($nsig SignatureDoesNotMatch, $n403 HTTP 403, $puts_ok PUTs stored)"
	  tap_diag "$(grep -m 3 -E 'SignatureDoesNotMatch|HTTP 403' "$ALOG")"; }
down_failures=$(wc -l <"$T/down.failures")
down_other=$(grep -m 3 -E ': HTTP [0-9]{3}' "$T/down.failures")
tap_diag "while radosgw was down, e.g.: $(head -n 1 "$T/down.failures" | sed 's/^sealcam-agent: //')"
[ "$down_ok" = 1 ] && [ "$down_failures" -ge 2 ] && [ -z "$down_other" ] && [ -z "$lost" ] &&
	tap_pass "with radosgw down uploads failed ($down_failures attempts, connection errors only) and were retried until stored" ||
	{ tap_fail "uploads failed while radosgw was down and were retried ($down_failures failures)"
	  tap_diag "$down_other"; }
resent=0
for key in "${cut_keys[@]}"; do
	grep -q "uploaded ${key#cams/} " "$ALOG" && grep -qx "$((10#$(basename "$key" .sealed)))" "$T/stored.ids" &&
		resent=$((resent + 1))
done
[ "${#cut_keys[@]}" -ge 2 ] && [ "$resent" = "${#cut_keys[@]}" ] &&
	tap_pass "the ${#cut_keys[@]} PUTs the kills cut short were sent again and stored once" ||
	tap_fail "the PUTs the kills cut short were sent again ($resent of ${#cut_keys[@]}: ${cut_keys[*]##*/})"
ngood=$(grep -cE '"PUT /bkt/cams/[^ ]* HTTP/1.1" 2[0-9][0-9] ' "$RGWLOG")
[ "$ngood" -le "$n" ] || tap_diag "$((ngood - n)) segment(s) PUT twice under the same name (a kill between radosgw's 200 and the spool's unlink)"
left=$(find "$T/spool/ready" "$T/spool/cur" -type f | wc -l)
[ "$left" = 0 ] && tap_pass "spool empty at the end" || tap_fail "spool empty at the end ($left left)"
bad_files=$(ls "$T/spool/bad" 2>/dev/null | wc -l)
[ "$bad_files" = 0 ] || tap_diag "$bad_files file(s) in spool/bad (a kill before a segment's first header was written)"
tap_diag "test time $SECONDS s (radosgw start included)"
tap_done
