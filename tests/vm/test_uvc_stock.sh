#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulated webcam (tests/tools/uvc-emu.py, USB/IP over a socketpair into
# vhci_hcd) is a real USB device to the kernel: the stock USB core enumerates
# it and the stock uvcvideo streams from it.
#  - attach, wait for uvcvideo's node (polled, never a fixed sleep)
#  - v4l2-ctl streams 100 frames in YUYV 160x120, MJPEG 640x480 and 10 in
#    YUYV 640x480; every frame is byte for byte one the emulator logged as
#    sent (matched by the frame number it carries, not by order)
#  - the checker rejects a capture with one flipped byte (so it can fail)
#  - detaching the port removes the nodes, the emulator sees the close,
#    and the kernel log of the whole run has no USB/UVC error
# One { } block: bash parses it whole before running it, so editing this
# file while a VM runs it cannot derail the run.
{
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

tap_plan 18

T=$SEALCAM_TMP
EMU=$SC_ROOT/tests/tools/uvc-emu.py
VHCI=/sys/devices/platform/vhci_hcd.0
emu_pid=
cleanup() {
	[ -e "$VHCI/detach" ] && echo 0 >"$VHCI/detach" 2>/dev/null
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
	rmmod uvcvideo 2>/dev/null
	rmmod vhci-hcd 2>/dev/null
}
sc_on_exit cleanup

for p in python3 cjpeg v4l2-ctl; do
	command -v "$p" >/dev/null || tap_missing "$p"
done

dmesg_mark=$(wc -l < <(dmesg))
tap_ok "modprobe vhci-hcd and uvcvideo (stock)" modprobe -a vhci-hcd uvcvideo
mkdir -p "$T/jpg"
python3 "$EMU" --log "$T/sent.log" --dump "$T/jpg" 2>"$T/emu.err" &
emu_pid=$!
if wait_for 120 uvc_node >/dev/null && node=$(uvc_node) && [ -c "$node" ]; then
	tap_pass "uvcvideo bound the emulated webcam ($node)"
else
	tap_fail "uvcvideo bound the emulated webcam"
	tap_diag "$(cat "$T/emu.err"; dmesg | tail -n 20)"
	tap_done
	exit 1
fi
tap_check "the node is uvcvideo's" sh -c "v4l2-ctl -d $node --info | grep -q 'Driver name *: uvcvideo'"
fmts=$(v4l2-ctl -d "$node" --list-formats-ext 2>&1)
tap_check "it offers YUYV and MJPG at 160x120 and 640x480" bash -c '
	grep -q "YUYV" <<<"$1" && grep -q "MJPG" <<<"$1" &&
	[ "$(grep -c "Size: Discrete 160x120" <<<"$1")" = 2 ] &&
	[ "$(grep -c "Size: Discrete 640x480" <<<"$1")" = 2 ]' _ "$fmts"

# capture FOURCC WxH COUNT: stream with v4l2-ctl, then check every frame
capture() {
	local fcc=$1 size=$2 n=$3 out=$T/$1-$2.raw w h
	w=${size%x*} h=${size#*x}
	if ! v4l2-ctl -d "$node" --set-fmt-video=width=$w,height=$h,pixelformat=$fcc \
		--stream-mmap=4 --stream-count="$n" --stream-to="$out" >"$T/v4l2.out" 2>&1; then
		tap_fail "stream $n frames $fcc $size"
		tap_diag "$(cat "$T/v4l2.out")"
		tap_fail "$fcc $size frames are the emulator's"
		return
	fi
	tap_pass "stream $n frames $fcc $size"
	local name=$fcc
	[ "$fcc" = MJPG ] && name=MJPG
	if res=$(python3 "$EMU" --check "$name" "$size" "$T/sent.log" "$T/jpg" "$out" 2>&1) &&
		grep -q "^frames $n " <<<"$res"; then
		tap_pass "$fcc $size: all $n frames byte-exact the emulator's ($res)"
	else
		tap_fail "$fcc $size frames are the emulator's"
		tap_diag "$res"
	fi
}
start=$SECONDS
capture YUYV 160x120 100
capture MJPG 640x480 100
capture YUYV 640x480 10
tap_diag "streaming took $((SECONDS - start)) s"

# The control for test_uvc_sealed.sh's scanner: in stock uvcvideo's buffers
# it finds the webcam's white bar (plaintext), so a pass there is not blind.
out=$("$SC_TOOLS/sc_capture" -d "$node" -f plain-yuyv -s 160x120 -n 30 -m mmap \
	-x eb80eb80 -R 4 2>&1)
rc=$?
if [ $rc = 3 ]; then
	tap_pass "control: the scanner finds the plaintext in stock uvcvideo's buffers"
else
	tap_fail "control: the scanner finds the plaintext in stock uvcvideo's buffers (rc=$rc)"
	tap_diag "$out"
fi

# one flipped byte, in the middle of a frame, must be caught
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes((b[0] ^ 0x10,)))
PY
}
cp "$T/YUYV-160x120.raw" "$T/flip.raw"
flip "$T/flip.raw" $((38400 * 50 + 20000))
tap_check "the checker rejects a YUYV capture with one flipped byte" \
	sh -c '! python3 "$1" --check YUYV 160x120 "$2" "$3" "$4" >/dev/null' _ \
	"$EMU" "$T/sent.log" "$T/jpg" "$T/flip.raw"
cp "$T/MJPG-640x480.raw" "$T/flip.raw"
flip "$T/flip.raw" $(($(stat -c %s "$T/flip.raw") / 2))
tap_check "the checker rejects an MJPEG capture with one flipped byte" \
	sh -c '! python3 "$1" --check MJPG 640x480 "$2" "$3" "$4" >/dev/null' _ \
	"$EMU" "$T/sent.log" "$T/jpg" "$T/flip.raw"

# --- unplug -------------------------------------------------------------------
tap_ok "detach the port" sh -c "echo 0 > $VHCI/detach"
tap_check "the uvcvideo nodes vanish" wait_for 60 uvc_nodes_gone
emu_exited() { ! kill -0 "$emu_pid" 2>/dev/null; }
if wait_for 60 emu_exited && wait "$emu_pid"; then
	tap_pass "the emulator saw the close and exited 0"
else
	tap_fail "the emulator saw the close and exited 0"
	tap_diag "$(cat "$T/emu.err")"
fi
emu_pid=
tap_ok "rmmod uvcvideo vhci-hcd" rmmod uvcvideo vhci-hcd
# uvcvideo 6.1 poisons its URBs to stop streaming; one completing meanwhile
# fails to resubmit with -EPERM (-1) and says so: stock behaviour on stop,
# frequent here because the emulator answers every URB at once
log=$(dmesg | tail -n +"$((dmesg_mark + 1))" |
	grep -v 'uvcvideo .*: Failed to resubmit video URB (-1)\.$')
bad=$(grep -iE 'uvcvideo.*(fail|error|warn)|usb .*(error|fail|not accepting|disabled by hub)|vhci.*(error|fail|invalid)|\<(WARNING|BUG)\>' <<<"$log")
if [ -z "$bad" ]; then
	tap_pass "kernel log clean (no USB/UVC error)"
else
	tap_fail "kernel log clean (no USB/UVC error)"
	tap_diag "$bad"
fi
cp "$T/emu.err" "$T/sent.log" "$SEALCAM_ARTIFACTS/" 2>/dev/null
tap_diag "$(grep -iE 'uvc|vhci|usb' <<<"$log" | head -n 12)"
tap_done
exit
}
