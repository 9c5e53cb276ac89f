#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A USB webcam sealed in the kernel (issue 15, acceptance 1 for YUYV, part
# of 2): the emulated UVC webcam (tests/tools/uvc-emu.py over vhci_hcd) is
# driven by uvcvideo built with sealcam's patch (scripts/build-uvc.sh).
#  - its frames reach userspace only through the sealcam node, sealed;
#    uvcvideo's own node refuses buffers (EPERM) in mmap, userptr and read
#    mode, before and while the sealed node streams
#  - sealcam-agent stores >= 300 frames (3 segments of 100) in file://
#    storage; unsealed, every frame is pixel-exact one the emulator sent
#    (matched by the frame number it carries); a flipped byte is caught;
#    sealed in place, the stream has no sealcam thread
#  - the same in MJPEG (issue 15 point 4): the sealed node offers SLMJ, the
#    webcam's JPEGs are sealed as they come; >= 300 unseal (-o) to an MJPEG
#    stream whose every JPEG is byte for byte one the emulator sent, and
#    --png decodes them; no plaintext JPEG (the "uvc-emu frame" COM text)
#    in the stored segments, nor in any buffer of the sealed node in any
#    I/O mode; v4l2-compliance -s streaming SLMJ
#  - one MJPEG segment by the copying path (uvcvideo sealcam_copy=1:
#    sealcam_source_push()), byte-exact as well, sealed by sealcam's thread
#  - unplugging (detaching the port) after the stream removes the nodes and
#    detaches the source; modules unload; no kernel complaint
# One { } block: bash parses it whole before running it, so editing this
# file while a VM runs it cannot derail the run.
{
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

# scripts/build-uvc.sh builds uvcvideo.ko only for a kernel sealcam has a
# patch for (kmod/uvc/uvcvideo-sealcam*.patch); on another one this test
# has nothing to load
kmm=$(uname -r | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
[ "$kmm" = 6.1 ] || [ -f "$SC_ROOT/kmod/uvc/uvcvideo-sealcam-$kmm.patch" ] ||
	tap_skip_all "no sealcam patch for uvcvideo of Linux $kmm (kmod/uvc/uvcvideo-sealcam-$kmm.patch): build-uvc.sh built no uvcvideo.ko for $(uname -r)"

tap_plan 45

T=$SEALCAM_TMP
EMU=$SC_ROOT/tests/tools/uvc-emu.py
UVC_KO=$SC_UVC_KO	# the build of the running kernel (vm-suite.sh --build, check-debug)
AGENT=$SC_BUILD/sealcam-agent
VHCI=/sys/devices/platform/vhci_hcd.0
for p in python3 cjpeg v4l2-ctl "$AGENT" "$UVC_KO" "$SC_TOOLS/sc_capture"; do
	[ -e "$p" ] || command -v "$p" >/dev/null || tap_missing "$p (make all tests)"
done

emu_pid=""
apid=""
cleanup() {
	[ -z "$apid" ] || kill -9 "$apid" 2>/dev/null
	[ -e "$VHCI/detach" ] && echo 0 >"$VHCI/detach" 2>/dev/null
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
	rmmod uvcvideo 2>/dev/null
	sc_unload
	rmmod vhci-hcd 2>/dev/null
}
sc_on_exit cleanup


dmesg_mark=$(wc -l < <(dmesg))
rmmod uvcvideo 2>/dev/null	# a stock one autoloaded earlier
tap_ok "load sealcam.ko" sc_load devices=1 seg_frames=100 || { tap_done; exit 1; }
snode=$(sc_node 0)
"$SC" genkey >"$T/owner.key" && "$SC" pubkey <"$T/owner.key" >"$T/owner.pub"
tap_ok "owner key installed" "$SC" key add "$T/owner.pub" --label owner
# insmod resolves no dependencies: load what this uvcvideo.ko links against,
# as its modinfo names them (6.12 adds "uvc", the UVC GUID table), except
# sealcam, loaded above from the build
deps=$(modinfo -F depends "$UVC_KO" | tr , ' ')
deps=$(for m in $deps; do [ "$m" = sealcam ] || echo "$m"; done)
# shellcheck disable=SC2086
modprobe -a vhci-hcd $deps
# without it the stock uvcvideo would bind the webcam: nothing below is
# meaningful then
tap_ok "load the sealed uvcvideo ($UVC_KO)" insmod "$UVC_KO" ||
	{ tap_done; exit 1; }

mkdir -p "$T/jpg"
python3 "$EMU" --log "$T/sent.log" --dump "$T/jpg" --bad-every 10 2>"$T/emu.err" &
emu_pid=$!
if wait_for 180 uvc_node >/dev/null && node=$(uvc_node); then
	tap_pass "uvcvideo bound the emulated webcam ($node), sealcam node $snode"
else
	tap_fail "uvcvideo bound the emulated webcam"
	tap_diag "$(cat "$T/emu.err"; dmesg | tail -n 20)"
	tap_done
	exit 1
fi
tap_check "sealcam took it as camera 0's frame source" \
	sh -c 'dmesg | grep -q "frame source uvcvideo .* attached"'

# raw_refused MODE: sc_capture on uvcvideo's node fails, EPERM (read: EINVAL,
# uvcvideo has no read()), and no frame is written
raw_refused() {
	local mode=$1 out rc
	out=$("$SC_TOOLS/sc_capture" -d "$node" -f plain-yuyv -s 160x120 -n 2 -m "$mode" \
		-o "$T/raw-$mode" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && [ ! -s "$T/raw-$mode" ] &&
		grep -qE "Operation not permitted|Invalid argument" <<<"$out"; then
		return 0
	fi
	echo "rc=$rc $out"
	return 1
}
out=$(v4l2-ctl -d "$node" --set-fmt-video=width=160,height=120,pixelformat=YUYV \
	--stream-mmap --stream-count=2 --stream-to="$T/raw.v4l2" 2>&1)
# (v4l2-ctl exits 0 even so: the message and the empty file are the proof)
if grep -q "VIDIOC_REQBUFS.*Operation not permitted" <<<"$out" &&
	[ ! -s "$T/raw.v4l2" ]; then
	tap_pass "v4l2-ctl cannot stream uvcvideo's node: REQBUFS EPERM"
else
	tap_fail "v4l2-ctl cannot stream uvcvideo's node"
	tap_diag "$out"
fi
for m in mmap userptr read; do
	tap_ok "uvcvideo's node refuses $m" raw_refused "$m"
done

# --- 300 frames through the agent ---------------------------------------------
finished_at_least() { [ "$(grep -c "segment .* complete" "$1" 2>/dev/null)" -ge "$2" ]; }
"$AGENT" --config /dev/null --device "$snode" --size 160x120 --fps 30 \
	--spool "$T/spool" --outbox "" --status-file "$T/status" \
	--url "file://$T/store" --backoff-min 100 --backoff-max 1000 2>>"$T/agent.log" &
apid=$!
start=$SECONDS
wait_for 60 test -s "$T/status"
# from here on every 10th frame the webcam sends is a lost one (UVC error
# bit): uvcvideo drops it, and sealcam must show it as a sequence gap
kill -USR1 "$emu_pid"
tap_ok "while the sealed node streams, uvcvideo's node still refuses mmap" raw_refused mmap
tap_check "while a sealed stream runs on it, uvcvideo cannot be unloaded (sealcam holds its module)" \
	sh -c '! rmmod uvcvideo 2>/dev/null && grep -q "^uvcvideo " /proc/modules'
# sealed in place, in uvcvideo's own work items: sealcam starts no thread
# (and allocates no staging buffer) for this stream; the copying path below
# must have one
src_threads() { cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sealcam-[0-9]*-src$'; }
tap_check "while frames are sealed in place, sealcam runs no thread of its own for them" \
	test "$(src_threads)" = 0
wait_for 600 finished_at_least "$T/agent.log" 3 ||
	tap_diag "the agent had not finished 3 segments after 600 s"
kill -USR2 "$emu_pid"
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
tap_diag "streaming 3 segments took $((SECONDS - start)) s"
if [ "$rc" = 0 ] && finished_at_least "$T/agent.log" 3; then
	tap_pass "the agent stored 3 or more segments and stopped cleanly"
else
	tap_fail "the agent stored 3 or more segments and stopped cleanly (exit $rc)"
	tap_diag "$(tail -n 20 "$T/agent.log"; "$SC" status; dmesg | tail -n 30)"
fi
"$AGENT" --config /dev/null --spool "$T/spool" --outbox "" --status-file "" \
	--url "file://$T/store" --drain --drain-timeout 120 2>>"$T/agent.log"
mapfile -t segs < <(find "$T/store" -path '*/segments/*.sealed' -type f | sort)
"$SC" device-key >"$T/device.pub"
out=$("$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" -o "$T/out.y4m" \
	"${segs[@]}" 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ -s "$T/out.y4m" ]; then
	tap_pass "${#segs[@]} stored segments unseal with the owner's key"
else
	tap_fail "stored segments unseal with the owner's key (exit $rc)"
	tap_diag "$out"
fi
res=$(python3 "$EMU" --check-y4m 160x120 "$T/sent.log" "$T/out.y4m" 2>&1)
rc=$?
n=$(sed -n 's/^frames \([0-9]*\) .*/\1/p' <<<"$res" | tail -n1)
if [ "$rc" = 0 ] && [ "${n:-0}" -ge 300 ]; then
	tap_pass "unsealed: $n frames, each pixel-exact one the webcam sent ($res)"
else
	tap_fail "unsealed frames pixel-exact the webcam's (>= 300)"
	tap_diag "$res"
fi
# Every frame the webcam sent between two sealed frames and that is not in
# the recording is a gap in the sealed sequence (uvcvideo's frame counter,
# passed on by the source): per segment and across segment boundaries, the
# webcam's frame numbers and the sealed sequence numbers advance alike.
seq_check() {
	local i=0 seg
	: >"$T/seq.txt"
	for seg in "${segs[@]}"; do
		"$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" \
			-o "$T/seg$i.y4m" "$seg" >/dev/null 2>&1 || return 1
		echo "$("$SC" unseal --key "$T/owner.key" --info --json "$seg" 2>/dev/null)" \
			"$(python3 "$EMU" --check-y4m 160x120 "$T/sent.log" "$T/seg$i.y4m")" \
			>>"$T/seq.txt" || return 1
		i=$((i + 1))
	done
	python3 - "$T/seq.txt" <<'PY'
import json, re, sys
rows = []
for line in open(sys.argv[1]):
    js, rest = line.split("} frames ", 1)
    info = json.loads(js + "}")
    m = re.match(r"(\d+) first (\d+) last (\d+)", rest)
    rows.append((info["first_sequence"], info["last_sequence"], int(m.group(2)),
                 int(m.group(3)), info["device_drops"]))
missing = bad = 0
prev = None
for fs, ls, fn, ln, drops in rows:
    if ls - fs != ln - fn:
        print("segment: sequence %d..%d, webcam frames %d..%d" % (fs, ls, fn, ln)); bad = 1
    if prev and fs - prev[1] != fn - prev[3]:
        print("boundary: sequence %d -> %d, webcam frames %d -> %d" % (prev[1], fs, prev[3], fn)); bad = 1
    missing += drops
    prev = (fs, ls, fn, ln)
print("segments %d, frames lost before sealing %d" % (len(rows), missing))
sys.exit(1 if bad or missing == 0 else 0)
PY
}
if res=$(seq_check 2>&1); then
	tap_pass "every lost webcam frame is a gap in the sealed sequence ($(tail -n1 <<<"$res"))"
else
	tap_fail "every lost webcam frame is a gap in the sealed sequence"
	tap_diag "$res"
fi
# the comparison can fail: one byte flipped in the 200th frame's Y plane
python3 - "$T/out.y4m" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    hdr = len(f.readline())
    off = hdr + 199 * (6 + 160 * 120 * 2) + 6 + 5000
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes((b[0] ^ 1,)))
PY
tap_check "the pixel comparison rejects one flipped byte" \
	sh -c '! python3 "$1" --check-y4m 160x120 "$2" "$3" >/dev/null' _ \
	"$EMU" "$T/sent.log" "$T/out.y4m"
# the webcam's white bar as YUYV, 16 bytes (as the scanner below looks for)
no_white_in() {
	python3 - "$@" <<'PY'
import sys
needle = bytes.fromhex("eb80eb80" * 4)
sys.exit(any(needle in open(f, "rb").read() for f in sys.argv[1:]))
PY
}
tap_check "no plaintext in the stored segments (the white bar's YUYV bytes)" \
	no_white_in "${segs[@]}"

# --- 300 MJPEG frames through the agent ----------------------------------------
# The webcam's JPEGs, sealed as they come (SLMJ): each frame unseals to the
# exact bytes the emulator sent (its COM segment names the frame number; the
# emulator logged each frame as sent and dumped the JPEGs it builds them from)
"$AGENT" --config /dev/null --device "$snode" --size 160x120 --fps 30 --format mjpeg \
	--spool "$T/spool-mjpg" --outbox "" --status-file "$T/status-mjpg" \
	--url "file://$T/store-mjpg" --backoff-min 100 --backoff-max 1000 2>>"$T/agent-mjpg.log" &
apid=$!
start=$SECONDS
wait_for 600 finished_at_least "$T/agent-mjpg.log" 3 ||
	tap_diag "the agent (MJPEG) had not finished 3 segments after 600 s"
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
tap_diag "streaming 3 MJPEG segments took $((SECONDS - start)) s"
if [ "$rc" = 0 ] && finished_at_least "$T/agent-mjpg.log" 3; then
	tap_pass "MJPEG: the agent stored 3 or more segments and stopped cleanly"
else
	tap_fail "MJPEG: the agent stored 3 or more segments and stopped cleanly (exit $rc)"
	tap_diag "$(tail -n 20 "$T/agent-mjpg.log"; "$SC" status; dmesg | tail -n 30)"
fi
"$AGENT" --config /dev/null --spool "$T/spool-mjpg" --outbox "" --status-file "" \
	--url "file://$T/store-mjpg" --drain --drain-timeout 120 2>>"$T/agent-mjpg.log"
mapfile -t msegs < <(find "$T/store-mjpg" -path '*/segments/*.sealed' -type f | sort)
out=$("$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" -o "$T/out.mjpeg" \
	"${msegs[@]}" 2>&1)
rc=$?
info=$("$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" --info "${msegs[0]}" 2>&1)
if [ "$rc" = 0 ] && [ -s "$T/out.mjpeg" ] && grep -q "format      MJPG 160x120 stride 0" <<<"$info"; then
	tap_pass "${#msegs[@]} stored MJPEG segments unseal to an MJPEG stream ($(grep '^  format ' <<<"$info" | sed 's/^ *//'))"
else
	tap_fail "stored MJPEG segments unseal to an MJPEG stream (exit $rc)"
	tap_diag "$out"
	tap_diag "$info"
fi
res=$(python3 "$EMU" --check MJPG 160x120 "$T/sent.log" "$T/jpg" "$T/out.mjpeg" 2>&1)
rc=$?
n=$(sed -n 's/^frames \([0-9]*\) .*/\1/p' <<<"$res" | tail -n1)
if [ "$rc" = 0 ] && [ "${n:-0}" -ge 300 ]; then
	tap_pass "unsealed: $n JPEGs, each byte for byte one the webcam sent ($res)"
else
	tap_fail "unsealed JPEGs byte-exact the webcam's (>= 300)"
	tap_diag "$res"
fi
# the comparison can fail: one byte flipped inside the 200th JPEG
python3 - "$T/out.mjpeg" "$T/flip.mjpeg" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
pos = -1
for _ in range(200):
    pos = data.index(b"\xff\xd8\xff\xfe", pos + 1)
data[pos + 300] ^= 1
open(sys.argv[2], "wb").write(data)
PY
tap_check "the JPEG comparison rejects one flipped byte" \
	sh -c '! python3 "$1" --check MJPG 160x120 "$2" "$3" "$4" >/dev/null' _ \
	"$EMU" "$T/sent.log" "$T/jpg" "$T/flip.mjpeg"
# --- the copying path: sealcam_source_push() ------------------------------------
# Frames are sealed in place (sealcam_source_seal()); uvcvideo's sealcam_copy
# parameter hands them over by copy instead, sealed by sealcam's thread (the
# other half of the source API, and bench-seal's comparison). One segment of
# MJPEG that way, byte-exact too.
echo 1 >/sys/module/uvcvideo/parameters/sealcam_copy
cmark=$(dmesg | wc -l)
"$AGENT" --config /dev/null --device "$snode" --size 160x120 --fps 30 --format mjpeg \
	--spool "$T/spool-copy" --outbox "" --status-file "" \
	--url "file://$T/store-copy" --backoff-min 100 --backoff-max 1000 2>>"$T/agent-copy.log" &
apid=$!
wait_for 300 finished_at_least "$T/agent-copy.log" 1 ||
	tap_diag "the agent (copy) had not finished a segment after 300 s"
cthreads=$(src_threads)
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
echo 0 >/sys/module/uvcvideo/parameters/sealcam_copy
"$AGENT" --config /dev/null --spool "$T/spool-copy" --outbox "" --status-file "" \
	--url "file://$T/store-copy" --drain --drain-timeout 120 2>>"$T/agent-copy.log"
mapfile -t csegs < <(find "$T/store-copy" -path '*/segments/*.sealed' -type f | sort)
"$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" -o "$T/copy.mjpeg" \
	"${csegs[@]}" >/dev/null 2>&1
res=$(python3 "$EMU" --check MJPG 160x120 "$T/sent.log" "$T/jpg" "$T/copy.mjpeg" 2>&1)
crc=$?
n=$(sed -n 's/^frames \([0-9]*\) .*/\1/p' <<<"$res" | tail -n1)
if [ "$rc" = 0 ] && [ "$crc" = 0 ] && [ "${n:-0}" -ge 100 ] && [ "$cthreads" = 1 ] &&
	dmesg | tail -n +"$((cmark + 1))" | grep -q "sealcam_copy: frames are copied"; then
	tap_pass "sealcam_copy=1 (frames pushed by copy, sealed by sealcam's thread): $n JPEGs, each byte for byte one the webcam sent"
else
	tap_fail "sealcam_copy=1: >= 100 JPEGs byte-exact the webcam's, by sealcam's thread (agent exit $rc, $cthreads thread(s))"
	tap_diag "$res"
	tap_diag "$(tail -n 20 "$T/agent-copy.log"; dmesg | tail -n +"$((cmark + 1))" | tail -n 20)"
fi
# "uvc-emu frame " of every JPEG's COM segment: the scanners' needle below
JNEEDLE=7576632d656d75206672616d6520
# needle_only_in HEX FILE OTHER...: HEX is in FILE and in none of the others
needle_only_in() {
	python3 - "$@" <<'PY'
import sys
needle = bytes.fromhex(sys.argv[1])
data = [open(f, "rb").read() for f in sys.argv[2:]]
sys.exit(0 if needle in data[0] and not any(needle in d for d in data[1:]) else 1)
PY
}
tap_check "no plaintext JPEG in the ${#msegs[@]} stored segments (the needle is in the unsealed stream only)" \
	needle_only_in "$JNEEDLE" "$T/out.mjpeg" "${msegs[@]}"
out=$("$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" --png "$T/png-mjpg" \
	"${msegs[0]}" 2>&1)
rc=$?
npng=$(find "$T/png-mjpg" -name '*.png' | wc -l)
if [ "$rc" = 0 ] && [ "$npng" = 100 ] &&
	python3 "$SC_ROOT/tests/tools/png_check.py" "$T"/png-mjpg/*.png >"$T/png.out" 2>&1 &&
	grep -q "^decoded 100 of 100 " "$T/png.out" &&
	[ "$(grep -c '^ok .* 160x120$' "$T/png.out")" = 100 ]; then
	tap_pass "--png: the first segment's 100 JPEGs decoded to 160x120 PNGs"
else
	tap_fail "--png: the first segment's 100 JPEGs decoded to PNGs (exit $rc, $npng PNGs)"
	tap_diag "$out"
	tap_diag "$(grep -v '^ok ' "$T/png.out" 2>/dev/null | head -n 5)"
fi

# --- no plaintext in any buffer of the sealed node, in every I/O mode -------
# the webcam's white bar as YUYV (Y=235 Cb=128 Y=235 Cr=128), 16 bytes; the
# control that the scanner finds it in plaintext is in test_uvc_stock.sh
NEEDLE=eb80eb80
modprobe vivid n_devs=1 node_types=0x1 >/dev/null 2>&1	# DMABUF exporter
vnode=$(v4l2-ctl --list-devices 2>/dev/null | awk '/^vivid/ { on = 1; next } on && /\/dev\/video/ { print $1; exit }')
for mode in mmap read userptr dmabuf; do
	out=$("$SC_TOOLS/sc_capture" -d "$snode" -f yuyv -s 160x120 -n 60 -m $mode \
		-e "$vnode" -x $NEEDLE -R 4 -o "$T/scan-$mode.sealed" 2>&1)
	rc=$?
	if [ $rc = 0 ] && grep -q "frames=60 " <<<"$out"; then
		tap_pass "$mode: 60 webcam frames, no plaintext in any buffer ($(tail -1 <<<"$out"))"
	else
		tap_fail "$mode: 60 webcam frames, no plaintext in any buffer"
		tap_diag "rc=$rc $out"
	fi
	out=$("$SC_TOOLS/sc_capture" -d "$snode" -f mjpeg -s 160x120 -n 60 -m $mode \
		-e "$vnode" -x $JNEEDLE -o "$T/scanj-$mode.sealed" 2>&1)
	rc=$?
	if [ $rc = 0 ] && grep -q "frames=60 " <<<"$out" &&
		"$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" --info \
			"$T/scanj-$mode.sealed" 2>&1 | grep -q "format      MJPG 160x120"; then
		tap_pass "$mode: 60 webcam JPEGs (sealed MJPG), no plaintext JPEG in any buffer ($(tail -1 <<<"$out"))"
	else
		tap_fail "$mode: 60 webcam JPEGs (sealed MJPG), no plaintext JPEG in any buffer"
		tap_diag "rc=$rc $out"
	fi
done
# v4l2-compliance on the sealed node, its frames coming from the webcam
totals() { grep -E '^Total for .*Failed' "$1" | tail -1; }
v4l2-ctl -d "$snode" --set-fmt-video=width=160,height=120,pixelformat=SLYV
# bounded: a stream that stalls fails here with its log, not at the suite's
# per-test limit with none (a stall of the MJPEG run was seen twice on 6.1
# under load, cause not known yet)
timeout 420 v4l2-compliance -d "$snode" -s -e "$vnode" >"$T/compliance.log" 2>&1 ||
	{ rc=$?; tap_diag "v4l2-compliance exit $rc (124: timed out after 420 s): $(tail -n 5 "$T/compliance.log")"; }
if totals "$T/compliance.log" | grep -qE 'Failed: 0(,|$)' &&
	grep -q 'test read/write: OK' "$T/compliance.log" &&
	grep -q 'test MMAP.*: OK' "$T/compliance.log" &&
	grep -q 'test USERPTR.*: OK' "$T/compliance.log" &&
	grep -q 'test DMABUF.*: OK' "$T/compliance.log"; then
	tap_pass "v4l2-compliance -s on the sealed node fed by the webcam: $(totals "$T/compliance.log")"
else
	tap_fail "v4l2-compliance -s on the sealed node fed by the webcam: $(totals "$T/compliance.log")"
	tap_diag "$(grep -E 'test (read|MMAP|USERPTR|DMABUF)|fail|FAIL' "$T/compliance.log" | head -30)"
fi
cp "$T/compliance.log" "$SEALCAM_ARTIFACTS/" 2>/dev/null
# the same with the webcam's JPEGs (SLMJ: offered while the webcam has MJPEG)
v4l2-ctl -d "$snode" --list-formats >"$T/formats.txt" 2>&1
v4l2-ctl -d "$snode" --set-fmt-video=width=160,height=120,pixelformat=SLMJ
timeout 420 v4l2-compliance -d "$snode" -s -e "$vnode" >"$T/compliance-mjpg.log" 2>&1 ||
	{ rc=$?; tap_diag "v4l2-compliance exit $rc (124: timed out after 420 s): $(tail -n 5 "$T/compliance-mjpg.log")"; }
if grep -q "'SLMJ'" "$T/formats.txt" &&
	v4l2-ctl -d "$snode" --get-fmt-video | grep -q "'SLMJ'" &&
	totals "$T/compliance-mjpg.log" | grep -qE 'Failed: 0(,|$)' &&
	grep -q 'test read/write: OK' "$T/compliance-mjpg.log" &&
	grep -q 'test MMAP.*: OK' "$T/compliance-mjpg.log" &&
	grep -q 'test USERPTR.*: OK' "$T/compliance-mjpg.log" &&
	grep -q 'test DMABUF.*: OK' "$T/compliance-mjpg.log"; then
	tap_pass "v4l2-compliance -s on the sealed node streaming the webcam's JPEGs: $(totals "$T/compliance-mjpg.log")"
else
	tap_fail "v4l2-compliance -s on the sealed node streaming the webcam's JPEGs: $(totals "$T/compliance-mjpg.log")"
	tap_diag "$(cat "$T/formats.txt"; grep -E 'test (read|MMAP|USERPTR|DMABUF)|fail|FAIL' "$T/compliance-mjpg.log" | head -30)"
fi
cp "$T/compliance-mjpg.log" "$SEALCAM_ARTIFACTS/" 2>/dev/null
v4l2-ctl -d "$snode" --set-fmt-video=width=160,height=120,pixelformat=SLYV
rmmod vivid 2>/dev/null

# --- unplug mid-stream, replug ------------------------------------------------
emu_exited() { ! kill -0 "$emu_pid" 2>/dev/null; }
bigger_than() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }
"$SC_TOOLS/sc_capture" -d "$snode" -f yuyv -s 160x120 -n 1000000 -m mmap \
	-o "$T/unplug.sealed" >"$T/unplug.out" 2>&1 &
cpid=$!
wait_for 120 bigger_than "$T/unplug.sealed" $((20 * 38400)) ||
	tap_diag "the capture had not stored 20 frames after 120 s"
detach_mark=$(wc -l < <(dmesg))
tap_ok "detach the port mid-stream" sh -c "echo 0 > $VHCI/detach"
cap_exited() { ! kill -0 "$cpid" 2>/dev/null; }
wait_for 120 cap_exited
wait "$cpid"
rc=$?
if [ "$rc" != 0 ] && ! kill -0 "$cpid" 2>/dev/null; then
	tap_pass "the capture ended with an error at the unplug ($(tail -n1 "$T/unplug.out"))"
else
	kill -9 "$cpid" 2>/dev/null
	tap_fail "the capture ended with an error at the unplug (rc=$rc)"
	tap_diag "$(cat "$T/unplug.out")"
fi
out=$("$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" --info "$T/unplug.sealed" 2>&1)
rc=$?
if [ "$rc" = 5 ] && grep -qi "truncat" <<<"$out"; then
	tap_pass "the cut segment unseals up to the unplug, reported truncated (exit 5)"
else
	tap_fail "the cut segment unseals, reported truncated (exit $rc)"
	tap_diag "$(tail -n 8 <<<"$out")"
fi
tap_check "uvcvideo's nodes vanish" wait_for 60 uvc_nodes_gone
tap_check "sealcam's source detached" \
	wait_for 60 sh -c 'dmesg | grep -q "frame source detached"'
wait_for 60 emu_exited
detach_end=$(wc -l < <(dmesg))
python3 "$EMU" --log "$T/sent.log" --dump "$T/jpg" 2>"$T/emu2.err" &
emu_pid=$!
if wait_for 180 uvc_node >/dev/null && node=$(uvc_node) &&
	"$SC_TOOLS/sc_capture" -d "$snode" -f yuyv -s 160x120 -n 100 -m mmap \
		-o "$T/replug.sealed" >"$T/replug.out" 2>&1 &&
	"$SC" unseal --key "$T/owner.key" --expect-device "$T/device.pub" \
		-o "$T/replug.y4m" "$T/replug.sealed" >"$T/replug.out" 2>&1 &&
	res=$(python3 "$EMU" --check-y4m 160x120 "$T/sent.log" "$T/replug.y4m" 2>&1) &&
	grep -q "^frames 100 " <<<"$res"; then
	# 100 frames = one whole segment (seg_frames=100): it ends with LAST
	tap_pass "replugged: a new segment of 100 frames, complete, pixel-exact ($res)"
else
	tap_fail "replugged: a new segment of 100 frames, complete, pixel-exact"
	tap_diag "$(cat "$T/replug.out" "$T/emu2.err"; echo "$res")"
fi

detach2_mark=$(wc -l < <(dmesg))
tap_ok "detach the port" sh -c "echo 0 > $VHCI/detach"
tap_check "uvcvideo's nodes vanish again" wait_for 60 uvc_nodes_gone
wait_for 60 emu_exited
detach2_end=$(wc -l < <(dmesg))
emu_pid=
tap_ok "unload uvcvideo, sealcam, vhci-hcd" sh -c 'rmmod uvcvideo && rmmod sealcam && rmmod vhci-hcd'
# uvcvideo 6.1 poisons its URBs to stop streaming; one completing meanwhile
# fails to resubmit with -EPERM (-1) and says so: stock behaviour on stop,
# frequent here because the emulator answers every URB at once
# Detaching mid-stream shuts vhci's socket down (SHUT_RDWR, before its
# threads stop) while its tx thread may be sending a CMD_SUBMIT or
# CMD_UNLINK header (48 bytes): that send fails with -EPIPE (-32) and vhci
# says so. The last detach, after streaming, did too once on 6.12 (which
# request was in flight is not known: the emulator has no interrupt
# endpoint). Forgiven only inside those two windows: from each detach until
# the emulator has gone. So is uvcvideo's "Failed to resubmit video URB
# (-19)": a URB completing after the device is gone cannot be resubmitted
# (-ENODEV; seen on 6.12 at a detach).
log=$(dmesg | awk -v a="$detach_mark" -v b="$detach_end" -v c="$detach2_mark" \
	-v d="$detach2_end" -v m="$dmesg_mark" '
	NR <= m { next }
	((NR > a && NR <= b) || (NR > c && NR <= d)) &&
		/vhci_hcd: sendmsg failed!, ret=-32 for 48$/ { next }
	((NR > a && NR <= b) || (NR > c && NR <= d)) &&
		/uvcvideo .*: Failed to resubmit video URB \(-19\)\.$/ { next }
	{ print }' |
	grep -v 'uvcvideo .*: Failed to resubmit video URB (-1)\.$')
bad=$(grep -iE 'uvcvideo.*(fail|error|warn|refused)|usb .*(error|fail|not accepting)|vhci.*(error|fail|invalid)|\<(WARNING|BUG)\>' <<<"$log")
if [ -z "$bad" ]; then
	tap_pass "kernel log clean"
else
	tap_fail "kernel log clean"
	tap_diag "$bad"
fi
cp "$T/agent.log" "$T/agent-mjpg.log" "$T/emu.err" "$T/out.mjpeg" "$SEALCAM_ARTIFACTS/" 2>/dev/null
tap_diag "$(grep -iE 'uvc|sealcam' <<<"$log" | head -n 12)"
tap_done
exit
}
