#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A truncated segment gives its owner every frame before the cut (issue 14,
# point 15): a 12-frame capture never ended and cut inside frame 11 unseals
# to frames 0..10, pixel for pixel, to y4m, PNG or standard output, with a
# warning naming the segment, the frame and the byte offset of the cut, and
# exit status 5. Reading goes on after the cut (the next file's segment is
# written too), yet a replay or tampering after it is still fatal and then
# nothing is written. --strict keeps the old all-or-nothing: exit 5 and
# nothing written.
set -uo pipefail

. "$(dirname "$0")/../lib/unseal-host.sh"

tap_plan 20

run_rc() {	# run_rc WANT DESC ARGS...: the command's exit status must be WANT
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	if [ "$rc" = "$want" ]; then
		tap_pass "$desc (exit $rc)"
	else
		tap_fail "$desc (exit $rc, want $want)"
		tap_diag "$(cat "$tmp/err")"
	fi
}

# y4m_frames FILE SEG FIRST: the frames of FILE are GREY 160x120 frames
# FIRST.. of segment SEG as sc-mkseg paints them (every byte seg*7+i);
# prints their count, or "bad"
y4m_frames() {
	python3 - "$@" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
seg, first = int(sys.argv[2]), int(sys.argv[3])
if not d.startswith(b"YUV4MPEG2 W160 H120 "):
    print("bad"); sys.exit()
body = d[d.index(b"\n") + 1:]
n, size = 0, 6 + 160 * 120
while body:
    f, body = body[:size], body[size:]
    v = (seg * 7 + first + n) & 0xff
    if not f.startswith(b"FRAME\n") or len(f) != size or f[6:].count(v) != 160 * 120:
        print("bad"); sys.exit()
    n += 1
print(n)
PY
}

# 12 frames of segment 20, no LAST, the file cut 5000 bytes short: inside
# frame 11, which starts at 19496 + 10 * 19344 = 212936 (format v2:
# each frame ends with a 16-byte attribution MAC)
$mk -o "$tmp/cut.sealed" --owner-pub $vec/owner.pub --segment 20 --frames 12 \
	--no-last --cut 5000 >/dev/null
$mk -o "$tmp/nolast.sealed" --owner-pub $vec/owner.pub --segment 20 --frames 12 \
	--no-last >/dev/null
$mk -o "$tmp/next.sealed" --owner-pub $vec/owner.pub --segment 21 --frames 3 \
	--sequence 11 >/dev/null

run_rc 5 "cut inside frame 11: truncated" $sc unseal --key $key -o "$tmp/cut.y4m" "$tmp/cut.sealed"
grep -q "segment 20 is cut at frame 11" "$tmp/err" && grep -q "offset 212936" "$tmp/err" &&
	grep -q "frames 0..10 verified" "$tmp/err" &&
	tap_pass "the warning names the segment, the frame and the byte offset of the cut" ||
	{ tap_fail "the warning names the segment, the frame and the byte offset"; tap_diag "$(cat "$tmp/err")"; }
n=$(y4m_frames "$tmp/cut.y4m" 20 0 2>&1)
tap_check "the y4m holds the 11 frames before the cut, pixel for pixel ($n)" test "$n" = 11
tap_check "the summary says what was written" grep -q "truncated (exit 5).*wrote the 11 verified frame(s)" "$tmp/err"

run_rc 5 "--png: truncated" $sc unseal --key $key --png "$tmp/png" "$tmp/cut.sealed"
n=$(ls "$tmp/png" | grep -c '^00000000000000000020-0000[01][0-9]\.png$')
tap_check "--png: 11 PNG files, frames 0..10 ($n)" \
	sh -c "[ $n = 11 ] && [ -e '$tmp/png/00000000000000000020-000010.png' ] && [ ! -e '$tmp/png/00000000000000000020-000011.png' ]"
run_rc 5 "--info: truncated" $sc unseal --key $key --info "$tmp/cut.sealed"
tap_check "--info: 11 frames, incomplete" grep -q "frames      11 (incomplete)" "$tmp/out"
"$sc" unseal --key $key -o - "$tmp/cut.sealed" >"$tmp/stdout.y4m" 2>"$tmp/err"
rc=$?
n=$(y4m_frames "$tmp/stdout.y4m" 20 0 2>&1)
tap_check "-o -: exit 5, the 11 frames on standard output ($rc, $n)" test "$rc/$n" = 5/11

# --strict: as before, nothing
run_rc 5 "--strict -o: truncated" $sc unseal --key $key --strict -o "$tmp/strict.y4m" "$tmp/cut.sealed"
tap_check "--strict -o: nothing written" test ! -e "$tmp/strict.y4m"
"$sc" unseal --key $key --strict --png "$tmp/spng" "$tmp/cut.sealed" >/dev/null 2>&1
rc=$?
tap_check "--strict --png: exit 5, no PNG, no directory ($rc)" sh -c "[ $rc = 5 ] && [ ! -e '$tmp/spng' ]"
"$sc" unseal --key $key --strict -o - "$tmp/cut.sealed" >"$tmp/strict-stdout" 2>/dev/null
rc=$?
tap_check "--strict -o -: exit 5, nothing on standard output ($rc)" \
	sh -c "[ $rc = 5 ] && [ ! -s '$tmp/strict-stdout' ]"

# a segment without LAST, not cut: all 12 frames
run_rc 5 "no LAST frame: truncated" $sc unseal --key $key -o "$tmp/nolast.y4m" "$tmp/nolast.sealed"
n=$(y4m_frames "$tmp/nolast.y4m" 20 0 2>&1)
grep -q "segment 20 is cut after frame 11: the file ends without a LAST frame" "$tmp/err" && [ "$n" = 12 ] &&
	tap_pass "no LAST frame: its 12 frames written, the warning names the segment" ||
	{ tap_fail "no LAST frame: 12 frames written ($n)"; tap_diag "$(cat "$tmp/err")"; }

# reading goes on after a cut, and what comes after is still checked
run_rc 5 "a cut segment, then the next file: truncated" \
	$sc unseal --key $key --png "$tmp/png2" "$tmp/cut.sealed" "$tmp/next.sealed"
tap_check "... the next file's 3 frames are written too" \
	sh -c "[ \$(ls '$tmp/png2' | wc -l) = 14 ] && [ -e '$tmp/png2/00000000000000000021-000002.png' ]"
run_rc 8 "the cut segment again after it: replay" \
	$sc unseal --key $key -o "$tmp/replay.y4m" "$tmp/cut.sealed" "$tmp/cut.sealed"
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[-1]^=1; open(sys.argv[2],'wb').write(d)" \
	"$tmp/next.sealed" "$tmp/next-flip.sealed"
run_rc 4 "a tampered file after the cut: tampered" \
	$sc unseal --key $key -o "$tmp/flip.y4m" "$tmp/cut.sealed" "$tmp/next-flip.sealed"
tap_check "replay or tampering after a cut: nothing written" \
	sh -c "[ ! -e '$tmp/replay.y4m' ] && [ ! -e '$tmp/flip.y4m' ]"

tap_done
