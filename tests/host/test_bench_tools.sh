#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_bench_tools.sh - the pieces scripts/bench-seal.sh's webcam section
# (issue 15, acceptance 6) adds to the test tools, checked on the host:
#   - bench_user WxH N BYTES seals BYTES + the 64 bytes of metadata per
#     frame (without BYTES: a whole YUYV frame), and refuses BYTES that are
#     0, not a number, negative, or more than a YUYV frame of that size;
#     it times the whole format v3 seal too (v3_ns, one recipient), and
#     --emit refuses a key that is not 64 hex digits (what --emit writes is
#     checked against libsealcam by tests/host/test_bench_mac.c)
#   - uvc-emu.py --sizes: the descriptors offer exactly the sizes asked for,
#     in order, for YUYV and MJPEG, with each frame's size; a frame of
#     1280x720 carries its number; bad lists are refused with a message
#     and the default stays 160x120, 640x480 (what the VM tests count)
#   - sc_capture knows -f plain-mjpeg and -K (usage lists them), and
#     refuses -K with -m read (it is written before STREAMOFF)

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
T=${SEALCAM_TMP:-$(mktemp -d)}

BU=build/tests/tools/bench_user
CAP=build/tests/tools/sc_capture
EMU=tests/tools/uvc-emu.py
for p in "$BU" "$CAP"; do
	[ -x "$p" ] || tap_missing "$p (make tests)"
done
command -v python3 >/dev/null || tap_missing python3

tap_plan 16

field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
out=$("$BU" 640x480 3 2>&1)
if [ "$(field frame_bytes <<<" $out")" = $((640 * 480 * 2 + 64)) ] &&
	[ "$(field frames <<<" $out")" = 3 ]; then
	tap_pass "bench_user: a whole YUYV frame + 64 bytes of metadata per seal"
else
	tap_fail "bench_user: a whole YUYV frame + 64 bytes of metadata per seal"
	tap_diag "$out"
fi
out=$("$BU" 1280x720 4 16641 2>&1)
if [ "$(field frame_bytes <<<" $out")" = $((16641 + 64)) ] &&
	[ "$(field aead_ns <<<" $out")" -gt 0 ]; then
	tap_pass "bench_user BYTES: BYTES + 64 per seal, timed"
else
	tap_fail "bench_user BYTES: BYTES + 64 per seal, timed"
	tap_diag "$out"
fi
v3_timed() {
	local o
	o=$("$BU" 640x480 2 2>&1)
	[ "$(field v3_ns <<<" $o")" -gt 0 ] && grep -q " v3_recipients=1 " <<<" $o" &&
		[ "$(field aead_ns <<<" $o")" -gt 0 ] && [ "$(field memcpy_ns <<<" $o")" -gt 0 ]
}
tap_check "bench_user: the whole v3 seal timed beside the AEAD and memcpy (v3_ns, 1 recipient)" v3_timed
bad_emit() { # KEY MAC_KEY: exit 2 naming the bad key, nothing written
	local o rc
	o=$("$BU" --emit "$1" "$2" 640x480 1 2>"$T/emit.err")
	rc=$?
	[ "$rc" = 2 ] && [ -z "$o" ] && grep -q "must be 64 hex digits" "$T/emit.err"
}
k64=$(printf '%064d' 0)
tap_check "bench_user --emit refuses a short KEY" bad_emit "${k64%0}" "$k64"
tap_check "bench_user --emit refuses a MAC_KEY that is not hex" bad_emit "$k64" "${k64%0}g"
out=$("$BU" 640x480 2 614400 2>&1)
tap_check "bench_user BYTES: a whole frame's bytes are taken" \
	test "$(field frame_bytes <<<" $out")" = 614464
refused() { # ARGS...: exit 2 with the BYTES message
	local o rc
	o=$("$BU" "$@" 2>&1)
	rc=$?
	[ "$rc" = 2 ] && grep -q "BYTES must be 1\.\.614400" <<<"$o"
}
for b in 0 614401 12x -5; do
	tap_check "bench_user refuses BYTES '$b'" refused 640x480 2 "$b"
done

# uvc-emu.py, imported: its descriptors with --sizes
out=$(python3 - "$EMU" <<'PY' 2>&1
import importlib.util, struct, sys
spec = importlib.util.spec_from_file_location("emu", sys.argv[1])
emu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(emu)


def frames(cfg):
    """(subtype, index, w, h, max frame bytes) of every frame descriptor"""
    out, i = [], 0
    while i < len(cfg):
        ln, typ = cfg[i], cfg[i + 1]
        if typ == 0x24 and cfg[i + 2] in (0x05, 0x07):
            _, _, sub, idx, _, w, h, _, _, mx = struct.unpack_from("<BBBBBHHIII", cfg, i)
            out.append((sub, idx, w, h, mx))
        i += ln
    return out


print("default", frames(emu.desc_config()))
emu.set_sizes("640x480,1280x720")
print("sizes", frames(emu.desc_config()))
f = emu.yuyv_frame(1280, 720, 123457)
print("frame", len(f), emu.yuyv_number(1280, f))
PY
)
tap_check "uvc-emu.py: the default sizes stay 160x120 and 640x480" \
	grep -qxF "default [(5, 1, 160, 120, 38400), (5, 2, 640, 480, 614400), (7, 1, 160, 120, 38400), (7, 2, 640, 480, 614400)]" <<<"$out"
tap_check "uvc-emu.py --sizes 640x480,1280x720: YUYV and MJPEG offer both, in order" \
	grep -qxF "sizes [(5, 1, 640, 480, 614400), (5, 2, 1280, 720, 1843200), (7, 1, 640, 480, 614400), (7, 2, 1280, 720, 1843200)]" <<<"$out"
if grep -qxF "frame 1843200 123457" <<<"$out"; then
	tap_pass "uvc-emu.py: a 1280x720 YUYV frame carries its number"
else
	tap_fail "uvc-emu.py: a 1280x720 YUYV frame carries its number"
	tap_diag "$out"
fi
bad_sizes() { # SPEC MESSAGE: refused before attaching, with MESSAGE
	local o
	o=$(python3 "$EMU" --sizes "$1" --attach /nonexistent 2>&1) && return 1
	grep -q -- "$2" <<<"$o" && ! grep -q attach <<<"$o"
}
bad_lists() {
	bad_sizes 641x480 "not an even width" && bad_sizes 4000x480 "not an even width" &&
		bad_sizes 640x480,640x480 "twice" && bad_sizes 640 "wants WxH"
}
tap_check "uvc-emu.py --sizes refuses an odd or too wide width, a repeated size, garbage" \
	bad_lists
tap_check "sc_capture: usage names plain-mjpeg and -K" \
	sh -c '"$1" -h | grep -q "plain-mjpeg" && "$1" -h | grep -q -- "-K KTHREADS_OUT"' _ "$CAP"
kread() { "$CAP" -d /dev/null -m read -K "$T/kt" >/dev/null 2>&1; [ $? = 2 ] && [ ! -e "$T/kt" ]; }
tap_check "sc_capture refuses -K with -m read (usage, exit 2)" kread
tap_done
