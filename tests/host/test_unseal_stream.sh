#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sealcam unseal` streams (issue 14, point 14): a 332 MB segment of 160
# frames at 1920x1080 unseals in one pass under an address-space limit of
# 64 MiB (RLIMIT_AS, a fifth of the file), to --info and to a y4m stream
# read through a FIFO, pixel for pixel; its peak RSS stays small; a bit
# flipped deep in the file and a cut at its end give the same exit codes as
# ever (4, and 5 with the frames before the cut). On a terminal it shows its
# progress on standard error, and only there (not in a file, not with -q).
set -uo pipefail

. "$(dirname "$0")/../lib/unseal-host.sh"
for p in prlimit script /usr/bin/time; do
	command -v $p >/dev/null || tap_missing "$p (util-linux, bsdutils, time)"
done

tap_plan 10

limit=$((64 * 1024 * 1024))
big=$tmp/big.sealed
frames=160
$mk -o "$big" --owner-pub $vec/owner.pub --segment 30 --frames $frames \
	--size 1920x1080 >/dev/null || tap_diag "sc-mkseg failed"
size=$(stat -c %s "$big")
tap_diag "segment: $frames frames GREY 1920x1080, $size bytes; RLIMIT_AS $limit bytes"

# y4m_reader FIFO FIRST SEG: in the background, read a y4m stream from FIFO
# and check every frame (sc-mkseg paints frame i of segment SEG with the
# byte SEG*7+i) while it flows; prints the number of good frames or "bad"
y4m_reader() {
	timeout 120 python3 - "$@" <<'PY' &
import sys
f = open(sys.argv[1], "rb")
seg = int(sys.argv[2])
hdr = f.readline()
if not hdr.startswith(b"YUV4MPEG2 W1920 H1080 "):
    print("bad header %r" % hdr[:40]); sys.exit()
n, size = 0, 1920 * 1080
while True:
    tag = f.read(6)
    if not tag:
        break
    body = f.read(size)
    if tag != b"FRAME\n" or len(body) != size or body.count((seg * 7 + n) & 0xff) != size:
        print("bad frame %d" % n); sys.exit()
    n += 1
print(n)
PY
}

# fifo_done FIFO PID: let the reader PID of FIFO finish. If no writer ever
# opened FIFO, open and close it (without blocking) so the reader sees EOF.
fifo_done() {
	python3 -c 'import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK))
except OSError:
    pass' "$1"
	wait "$2" 2>/dev/null
}

# --- constant memory -------------------------------------------------------------
prlimit --as=$limit "$sc" unseal --key $key --info "$big" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && grep -q "frames      $frames (complete)" "$tmp/out" &&
	tap_pass "--info of a $size-byte segment under RLIMIT_AS 64 MiB: verified (exit 0)" ||
	{ tap_fail "--info under RLIMIT_AS 64 MiB (exit $rc)"; tap_diag "$(tail -3 "$tmp/err")"; }
tap_check "standard error is not a terminal: no progress line" sh -c "! grep -q \$(printf '\r') '$tmp/err'"

mkfifo "$tmp/fifo"
y4m_reader "$tmp/fifo" 30 >"$tmp/frames"
reader=$!
prlimit --as=$limit "$sc" unseal --key $key -o "$tmp/fifo" "$big" 2>"$tmp/err"
rc=$?
fifo_done "$tmp/fifo" "$reader"
n=$(cat "$tmp/frames")
[ "$rc" = 0 ] && [ "$n" = $frames ] &&
	tap_pass "-o FIFO under RLIMIT_AS 64 MiB: all $frames frames, pixel for pixel" ||
	{ tap_fail "-o FIFO under RLIMIT_AS 64 MiB (exit $rc, frames: ${n:-none})"; tap_diag "$(tail -3 "$tmp/err")"; }

/usr/bin/time -f %M -o "$tmp/rss" "$sc" unseal --key $key --info "$big" >/dev/null 2>&1
rc=$?
rss=$(tail -1 "$tmp/rss")
[ "$rc" = 0 ] && [ "${rss:-999999}" -lt 49152 ] &&
	tap_pass "peak RSS ${rss} kB for a $size-byte file (< 48 MiB)" ||
	tap_fail "peak RSS ${rss:-?} kB (exit $rc), want < 48 MiB"

# --- the same exit codes on a big file ---------------------------------------------------
# frame 100 starts at 2073896 (FIRST) + 99 * 2073744 (v2: MAC of 16 bytes)
at=$((2073896 + 99 * 2073744 + 1000))
flip() { printf "$(printf '\\%03o' $(( $(od -An -tu1 -j "$at" -N1 "$big") ^ 1 )))" |
	dd of="$big" bs=1 seek="$at" conv=notrunc status=none; }
flip
prlimit --as=$limit "$sc" unseal --key $key -o "$tmp/flip.y4m" "$big" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 4 ] && grep -q "frame 100 fails authentication" "$tmp/err" && [ ! -e "$tmp/flip.y4m" ] &&
	tap_pass "a bit flipped in frame 100: tampered (exit 4), nothing written" ||
	{ tap_fail "a bit flipped in frame 100 (exit $rc)"; tap_diag "$(tail -3 "$tmp/err")"; }
flip
truncate -s $((size - 1000)) "$big"
y4m_reader "$tmp/fifo" 30 >"$tmp/frames"
reader=$!
prlimit --as=$limit "$sc" unseal --key $key -o "$tmp/fifo" "$big" 2>"$tmp/err"
rc=$?
fifo_done "$tmp/fifo" "$reader"
n=$(cat "$tmp/frames")
[ "$rc" = 5 ] && [ "$n" = $((frames - 1)) ] &&
	grep -q "segment 30 is cut at frame $((frames - 1))" "$tmp/err" &&
	tap_pass "cut 1000 bytes short: truncated (exit 5), the $((frames - 1)) frames before the cut written" ||
	{ tap_fail "cut 1000 bytes short (exit $rc, frames: ${n:-none})"; tap_diag "$(tail -3 "$tmp/err")"; }

# --- progress on a terminal ---------------------------------------------------------------------
script -qec "$sc unseal --key $key --info '$big' >/dev/null" /dev/null >"$tmp/tty" 2>&1
rc=$?
grep -q "\[1/1\] $big: [0-9]*% (" "$tmp/tty" &&
	tap_pass "on a terminal: progress on standard error ([1/1] FILE: N% (done of size))" ||
	{ tap_fail "on a terminal: progress (exit $rc)"; tap_diag "$(tr '\r' '\n' <"$tmp/tty" | tail -5)"; }
tap_check "... and the line is cleared before the next message" \
	sh -c "tr '\r' '\n' <'$tmp/tty' | grep -q '^.\[Ksealcam unseal: [^[]'"
script -qec "$sc unseal -q --key $key --info '$big' >/dev/null" /dev/null >"$tmp/tty" 2>&1
tap_check "--quiet on a terminal: no progress" sh -c "! grep -q '\[1/1\]' '$tmp/tty'"
"$sc" unseal --key $key --info "$tmp/missing.sealed" >/dev/null 2>"$tmp/err"
rc=$?
tap_check "a missing input: cannot read (exit 1, $rc)" sh -c "[ $rc = 1 ] && grep -q 'cannot read' '$tmp/err'"

rm -f "$big"
tap_done
