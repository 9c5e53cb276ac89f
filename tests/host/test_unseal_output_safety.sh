#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sealcam unseal` never writes its output over an input or over any sealed
# recording (issue 14, point 11): -o naming an input by its path, a hard
# link or a symbolic link, -o naming another sealed file, standard output
# appended to an input, and a PNG directory holding an input under a frame's
# name are all refused with a clear error (exit 2), and the sealed files
# stay byte for byte as they were. An ordinary old output is still replaced,
# and -o naming a FIFO (or a device such as /dev/null) writes into it: the
# node itself is not replaced by a renamed file.
set -uo pipefail

. "$(dirname "$0")/../lib/unseal-host.sh"

tap_plan 13

# refused DESC ARGS...: exit 2, a "refusing" message, in.sealed and
# other.sealed unchanged
refused() {
	local desc=$1 rc
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	if [ "$rc" = 2 ] && grep -q "refusing to" "$tmp/err"; then
		tap_pass "$desc: refused (exit 2)"
	else
		tap_fail "$desc: refused (exit $rc, want 2)"
		tap_diag "$(cat "$tmp/err")"
	fi
	cmp -s "$tmp/in.sealed" $vec/grey-160x120.sealed &&
		cmp -s "$tmp/other.sealed" $vec/grey-160x120.sealed &&
		tap_pass "$desc: the sealed files are intact" ||
		tap_fail "$desc: the sealed files are intact"
	cp $vec/grey-160x120.sealed "$tmp/in.sealed"
	cp $vec/grey-160x120.sealed "$tmp/other.sealed"
}

cp $vec/grey-160x120.sealed "$tmp/in.sealed"
cp $vec/grey-160x120.sealed "$tmp/other.sealed"
ln -s in.sealed "$tmp/sym.y4m"

refused "-o the input itself" $sc unseal --key $key -o "$tmp/in.sealed" "$tmp/in.sealed"
ln "$tmp/in.sealed" "$tmp/hard.y4m"
refused "-o a hard link to the input" $sc unseal --key $key -o "$tmp/hard.y4m" "$tmp/in.sealed"
rm -f "$tmp/hard.y4m"
refused "-o a symbolic link to the input" $sc unseal --key $key -o "$tmp/sym.y4m" "$tmp/in.sealed"
refused "-o another sealed file" $sc unseal --key $key -o "$tmp/other.sealed" "$tmp/in.sealed"
refused "-o - appended to the input" sh -c "'$sc' unseal --key '$key' -o - '$tmp/in.sealed' >>'$tmp/in.sealed'"
mkdir -p "$tmp/png"
cp $vec/grey-160x120.sealed "$tmp/png/00000000000000000001-000001.png"
"$sc" unseal --key $key --png "$tmp/png" "$tmp/png/00000000000000000001-000001.png" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && grep -q "refusing to" "$tmp/err" &&
	cmp -s "$tmp/png/00000000000000000001-000001.png" $vec/grey-160x120.sealed &&
	[ "$(ls -A "$tmp/png")" = "00000000000000000001-000001.png" ] &&
	tap_pass "--png where a frame's name is the input: refused, input intact, nothing left behind" ||
	{ tap_fail "--png over the input (exit $rc)"; tap_diag "$(cat "$tmp/err"; ls -A "$tmp/png")"; }

# an old output is replaced as before
echo "an old video" >"$tmp/old.y4m"
"$sc" unseal --key $key -o "$tmp/old.y4m" "$tmp/in.sealed" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && head -c 9 "$tmp/old.y4m" | grep -q YUV4MPEG2 &&
	tap_pass "an existing y4m file (not sealed, not an input) is replaced" ||
	{ tap_fail "an existing y4m file is replaced (exit $rc)"; tap_diag "$(cat "$tmp/err")"; }

# a FIFO is written into, not replaced (as /dev/null must be)
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/fifo.out" &
reader=$!
"$sc" unseal --key $key -o "$tmp/fifo" "$tmp/in.sealed" 2>"$tmp/err"
rc=$?
# a reader still waiting for a writer gets EOF, then it ends
python3 -c 'import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK))
except OSError:
    pass' "$tmp/fifo"
wait "$reader" 2>/dev/null
size=$(stat -c %s "$tmp/fifo.out")
[ "$rc" = 0 ] && [ -p "$tmp/fifo" ] && [ "$size" = $((40 + 3 * (6 + 160 * 120))) ] &&
	tap_pass "-o a FIFO: the video goes through it, the FIFO stays a FIFO" ||
	{ tap_fail "-o a FIFO (exit $rc, $size bytes, $(stat -c %F "$tmp/fifo"))"; tap_diag "$(cat "$tmp/err")"; }

tap_done
