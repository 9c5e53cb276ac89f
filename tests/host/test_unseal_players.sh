#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The real players on `sealcam unseal -o`'s outputs (issue 15 point 4; the
# same writer, libsealcam's y4m.c, makes `sealcam view`'s stdout): ffprobe,
# ffmpeg, ffplay (headless: SDL's dummy driver) and mpv (headless: --vo=image,
# and its encoder mode for the decoded planes), from the file and from a
# pipe, as README's `| mpv -` does.
#   - MJPEG (4:2:2 JPEGs, as webcams send, 9 frames in 2 segments): ffprobe
#     reads codec mjpeg, the size and 9 frames; ffmpeg decodes the stream
#     into exactly the frames it decodes from the original JPEG files, in
#     order (native planes), and their luma is libjpeg's (djpeg) to the
#     IDCT's rounding (±1), far from the other pictures'; mpv and ffplay
#     play it to the end, showing those 9 frames, from the file and stdin;
#     the stream holds no frame rate: the options the help names set it
#   - y4m: YUYV (stride padded), NV12 (stride padded) and GREY segments of
#     random pixels: the header's colourspace tag, ffprobe's pixel format,
#     size and frame count, ffmpeg's and mpv's decoded planes byte for byte
#     the planes computed here from the bytes sealed; mpv and ffplay play
#     each to the end, from the file and from a pipe
#   - negative controls: the same checks on a copy without one frame, one
#     with one bit flipped, one cut short fail, naming the frame

# the check functions below run through tap_ok, which shellcheck cannot see
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/lib/unseal-host.sh
. "$(dirname "$0")/../lib/unseal-host.sh"
for p in cjpeg djpeg python3; do
	command -v $p >/dev/null || tap_missing "$p (libjpeg-turbo-progs, python3: scripts/setup.sh)"
done
for p in ffmpeg ffprobe ffplay mpv; do
	command -v $p >/dev/null || tap_missing "$p (ffmpeg, mpv: scripts/setup.sh)"
done

tap_plan 27
[ -n "${SEALCAM_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT

# probe FILE|- FIELD...: ffprobe's stream fields, KEY=VALUE lines, frames
# counted by decoding (-count_frames)
probe() {
	local f=$1
	shift
	ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries "format=format_name:stream=$(IFS=,; echo "$*")" \
		-of default=nw=1 "$f" 2>&1
}

# ffmpeg_planes IN OUT: every frame of IN decoded by ffmpeg, its native
# planes back to back (-pix_fmt the decoder's own: no conversion); ffmpeg's
# errors are printed, and fail it
ffmpeg_planes() {
	local err
	err=$(ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -f rawvideo "$2" -y 2>&1)
	[ -z "$err" ] || { echo "$err"; return 1; }
}

# mpv_play IN|- DIR [mpv option...]: mpv plays IN headless to its end, each
# frame written as an image into DIR (its video output, --vo=image); ok if
# it exits 0 and says it reached the end of the file
mpv_play() {
	local in=$1 dir=$2 out rc
	shift 2
	rm -rf "$dir"
	if [ "$in" = - ]; then
		out=$(mpv --no-config --vo=image --vo-image-format=png \
			--vo-image-outdir="$dir" --ao=null --untimed "$@" - 2>&1)
	else
		out=$(mpv --no-config --vo=image --vo-image-format=png \
			--vo-image-outdir="$dir" --ao=null --untimed "$@" "$in" 2>&1 </dev/null)
	fi
	rc=$?
	[ $rc = 0 ] && grep -q "^Exiting\.\.\. (End of file)" <<<"$out" && return 0
	echo "mpv exit $rc: $(grep -v '^\[vo/image\] Saving' <<<"$out" | tail -n 5)"
	return 1
}

# nfiles DIR: how many files DIR holds
nfiles() {
	find "$1" -type f | wc -l
}

# mpv_frames IN|- DIR N: mpv_play, and N frames came out
mpv_frames() {
	mpv_play "$1" "$2" || return 1
	[ "$(nfiles "$2")" = "$3" ] || { echo "mpv: $(nfiles "$2") frames, want $3"; return 1; }
}

# mpv_planes IN OUT: what mpv decodes from IN, through its encoder mode as
# raw video (no scaling, no conversion: the decoder's planes)
mpv_planes() {
	local out
	rm -f "$2"
	if out=$(mpv --no-config --ao=null --o="$2" --of=rawvideo --ovc=rawvideo \
		"$1" 2>&1 </dev/null) && grep -q "^Exiting\.\.\. (End of file)" <<<"$out"; then
		return 0
	fi
	echo "mpv: $(tail -n 5 <<<"$out")"
	return 1
}

# ffplay_sums IN|- WANT FRAMEBYTES [piped-mjpeg]: ffplay plays IN to its end
# (-autoexit, exit 0; SDL's dummy video driver: no display needed; no frame
# dropped when late), its filter graph's showinfo naming each frame it shows
# with its Adler-32 (FFmpeg's: from 0, not 1): the same number of frames as
# WANT holds, each with the checksum of WANT's frame.  piped-mjpeg: ffplay
# shows a piped MJPEG stream's last frame but then never -autoexits (its
# read loop, with the pipe: protocol and the jpeg_pipe demuxer; from a file
# it does): the log is read up to the last frame, and ffplay then ends of
# SIGPIPE at its next status line (141); 124, timeout's, is a failure
ffplay_sums() {
	local out rc n
	n=$(($(stat -c %s "$2") / $3 - 1))
	if [ "${4:-}" = piped-mjpeg ]; then
		out=$(SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout 120 \
			ffplay -hide_banner -autoexit -an -noframedrop -loglevel info \
			-vf showinfo "$1" 2>&1 | awk -v n="$n" '{ print }
				$0 ~ ("Parsed_showinfo.* n: *" n " .*checksum:") { exit }'
			exit "${PIPESTATUS[0]}")
		rc=$?
		[ $rc = 141 ] && rc=0
	else
		out=$(SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout 120 \
			ffplay -hide_banner -nostats -autoexit -an -noframedrop \
			-loglevel info -vf showinfo "$1" 2>&1)
		rc=$?
	fi
	[ $rc = 0 ] || { echo "ffplay exit $rc: $(tail -n 3 <<<"$out")"; return 1; }
	python3 -c '
import re, sys, zlib
got = re.findall(r"Parsed_showinfo.* n: *(\d+) .* checksum:([0-9A-F]{8}) ", sys.stdin.read())
want = open(sys.argv[1], "rb").read()
fs = int(sys.argv[2])
sums = [(str(i), "%08X" % zlib.adler32(want[i * fs:(i + 1) * fs], 0))
        for i in range(len(want) // fs)]
if got != sums:
    bad = [i for i, (a, b) in enumerate(zip(got, sums)) if a != b]
    sys.exit("ffplay showed %d frames, want %d; first differing: %s"
             % (len(got), len(sums), bad[:1]))
' "$2" "$3" <<<"$out"
}

# same_frames GOT WANT FRAMEBYTES: GOT holds WANT's frames, as many and
# byte for byte; else names the first frame that differs
same_frames() {
	python3 - "$@" <<'PY'
import sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
fs = int(sys.argv[3])
if len(got) % fs or len(want) % fs:
    sys.exit("not whole frames of %d bytes: %d, %d" % (fs, len(got), len(want)))
if len(got) != len(want):
    sys.exit("%d frames, want %d" % (len(got) // fs, len(want) // fs))
for i in range(len(want) // fs):
    if got[i * fs:(i + 1) * fs] != want[i * fs:(i + 1) * fs]:
        sys.exit("frame %d differs" % i)
PY
}

# --- MJPEG ---------------------------------------------------------------
W=320 H=240
python3 - "$tmp" $W $H <<'PY'
import sys
d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
        (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
for k in range(3):
    rows = bytearray()
    for y in range(h):
        for x in range(w):
            r, g, b = bars[((x + 77 * k + (y * (k + 1)) // 4) % w) * 8 // w]
            rows += bytes((r, (g + 3 * x + y * k) & 0xff, b ^ (y & 0x3f)))
    open("%s/p%d.ppm" % (d, k), "wb").write(b"P6\n%d %d\n255\n" % (w, h) + rows)
PY
for k in 0 1 2; do
	# 4:2:2, as UVC webcams send MJPEG
	cjpeg -sample 2x1 -quality $((75 + 10 * k)) "$tmp/p$k.ppm" >"$tmp/p$k.jpg"
done
order="0 1 2 1 0 2 2 0 1" # what the two segments hold, in order
if ! $mk -o "$tmp/m1.sealed" --owner-pub "$vec/owner.pub" --segment 40 --size ${W}x$H \
	--frames 5 --jpeg "$tmp/p0.jpg" --jpeg "$tmp/p1.jpg" --jpeg "$tmp/p2.jpg" \
	--jpeg "$tmp/p1.jpg" --jpeg "$tmp/p0.jpg" >/dev/null ||
	! $mk -o "$tmp/m2.sealed" --owner-pub "$vec/owner.pub" --segment 41 --size ${W}x$H \
		--frames 4 --sequence 5 --jpeg "$tmp/p2.jpg" --jpeg "$tmp/p2.jpg" \
		--jpeg "$tmp/p0.jpg" --jpeg "$tmp/p1.jpg" >/dev/null; then
	tap_diag "sc-mkseg failed"
fi
out=$($sc unseal --key "$key" -o "$tmp/m.mjpeg" "$tmp/m1.sealed" "$tmp/m2.sealed" 2>&1)
rc=$?
tap_check "unseal -o m.mjpeg: 9 MJPG frames of 2 segments (exit 0)" test $rc = 0 ||
	tap_diag "$out"

# ffmpeg's decoding of each original JPEG file, and the frames expected in order
fsz=$((W * H * 2)) # yuvj422p
: >"$tmp/want-m.yuv"
for k in 0 1 2; do
	ffmpeg_planes "$tmp/p$k.jpg" "$tmp/p$k.yuv" || tap_diag "ffmpeg on p$k.jpg failed"
done
for k in $order; do cat "$tmp/p$k.yuv" >>"$tmp/want-m.yuv"; done
sums=$(md5sum "$tmp"/p0.yuv "$tmp"/p1.yuv "$tmp"/p2.yuv | cut -d' ' -f1 | sort -u | wc -l)
tap_check "the three pictures decode to three different frames of $fsz bytes (else order is unchecked)" \
	test "$sums" = 3 -a "$(stat -c %s "$tmp/p0.yuv")" = $fsz

# ffprobe: MJPEG of the right size, 9 frames, from the file and from a pipe
check_probe() { # IN FRAMES
	local got
	got=$(probe "$1" codec_name width height pix_fmt nb_read_frames <"${3:-/dev/null}")
	[ "$got" = "codec_name=mjpeg
width=$W
height=$H
pix_fmt=yuvj422p
nb_read_frames=$2
format_name=jpeg_pipe" ] || { echo "$got"; return 1; }
}
tap_ok "ffprobe m.mjpeg: mjpeg ${W}x$H yuvj422p, 9 frames (jpeg_pipe)" \
	check_probe "$tmp/m.mjpeg" 9
tap_ok "ffprobe - < m.mjpeg (a pipe): the same" check_probe - 9 "$tmp/m.mjpeg"

# ffmpeg: the stream's frames are the JPEG files' frames, in order
check_ffmpeg_mjpeg() { # IN
	ffmpeg_planes "$1" "$tmp/got.yuv" && same_frames "$tmp/got.yuv" "$tmp/want-m.yuv" $fsz
}
tap_ok "ffmpeg decodes m.mjpeg into the 9 frames it decodes from the JPEGs sealed, in order" \
	check_ffmpeg_mjpeg "$tmp/m.mjpeg"

# against libjpeg: djpeg -grayscale gives the JPEG's luma as libjpeg decodes
# it (no colour conversion, no upsampling); the IDCTs differ by their
# rounding only (ffmpeg's is not libjpeg's islow: ±1, measured)
for k in 0 1 2; do djpeg -grayscale -pnm "$tmp/p$k.jpg" >"$tmp/y$k.pgm"; done
luma_is_libjpeg() { # DECODED
	python3 - "$1" "$tmp" "$W" "$H" "$order" <<'PY'
import sys
got, d, w, h, order = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split()
ref = [open("%s/y%d.pgm" % (d, k), "rb").read()[-w * h:] for k in range(3)]
data = open(got, "rb").read()
fs = 2 * w * h
if len(data) != fs * len(order):
    sys.exit("%d bytes, want %d frames of %d" % (len(data), len(order), fs))
for i, k in enumerate(order):
    y = data[i * fs:i * fs + w * h]
    dist = [max(abs(a - b) for a, b in zip(y, r)) for r in ref]
    if dist[int(k)] > 1 or sorted(dist)[1] < 32:
        sys.exit("frame %d: luma off libjpeg's pictures by %s, want picture %s within 1" % (i, dist, k))
PY
}
tap_ok "each frame's luma (ffmpeg) is libjpeg's of its JPEG within 1, and >= 32 off the others'" \
	luma_is_libjpeg "$tmp/got.yuv"

# mpv: plays to the end, 9 frames out, from the file and from stdin
# shellcheck disable=SC2002 # a pipe, as `... | mpv -`: not a seekable file
mpv_from_cat() { cat "$1" | mpv_frames - "$2" "$3"; }
tap_ok "mpv m.mjpeg: plays to the end (exit 0), 9 frames to --vo=image" \
	mpv_frames "$tmp/m.mjpeg" "$tmp/mpv-m" 9
tap_ok "cat m.mjpeg | mpv -: plays to the end (exit 0), 9 frames to --vo=image" \
	mpv_from_cat "$tmp/m.mjpeg" "$tmp/mpv-mp" 9
mpv_same() { # IN WANT FRAMEBYTES
	mpv_planes "$1" "$tmp/mpv.yuv" && same_frames "$tmp/mpv.yuv" "$2" "$3"
}
tap_ok "mpv decodes m.mjpeg into the same 9 frames (planes byte for byte)" \
	mpv_same "$tmp/m.mjpeg" "$tmp/want-m.yuv" $fsz
ffplay_both() { # IN WANT FRAMEBYTES [piped-mjpeg]
	ffplay_sums "$1" "$2" "$3" && ffplay_sums - "$2" "$3" "${4:-}" <"$1"
}
tap_ok "ffplay m.mjpeg and ffplay - < m.mjpeg: play to the end, showing the 9 frames (Adler-32 of each)" \
	ffplay_both "$tmp/m.mjpeg" "$tmp/want-m.yuv" $fsz piped-mjpeg

# the stream has no frame rate (players assume 25/s); the help's options set
# it: frames 1/15 s apart through ffmpeg's demuxer and mpv (its encoder mode
# keeps the timestamps)
rm -f "$tmp/rate.nut"
mpv --no-config --ao=null --demuxer-lavf-o=framerate=15 --o="$tmp/rate.nut" \
	--of=nut --ovc=rawvideo "$tmp/m.mjpeg" >/dev/null 2>&1
want=$(python3 -c 'print(" ".join("%.6f" % (i / 15) for i in range(9)))')
got=$(ffprobe -v error -framerate 15 -show_entries frame=pts_time -of csv=p=0 "$tmp/m.mjpeg" | xargs)
got2=$(ffprobe -v error -show_entries frame=pts_time -of csv=p=0 "$tmp/rate.nut" 2>&1 | xargs)
tap_check "-framerate 15 (ffplay, ffprobe) and mpv --demuxer-lavf-o=framerate=15: frames 1/15 s apart" \
	test "$got" = "$want" -a "$got2" = "$want" || tap_diag "ffprobe: $got" "mpv: $got2"

# negative controls: a stream without its 5th frame, one with a bit flipped
# in the 4th frame's entropy-coded data (the middle of the JPEG)
python3 - "$tmp" "$order" <<'PY'
import sys
d, order = sys.argv[1], sys.argv[2].split()
jpg = [open("%s/p%s.jpg" % (d, k), "rb").read() for k in order]
open(d + "/drop.mjpeg", "wb").write(b"".join(jpg[:4] + jpg[5:]))
j = bytearray(jpg[3])
j[len(j) // 2] ^= 0x10
open(d + "/flip.mjpeg", "wb").write(b"".join(jpg[:3] + [bytes(j)] + jpg[4:]))
PY
out=$(check_probe "$tmp/drop.mjpeg" 9)
rc1=$?
out2=$(check_ffmpeg_mjpeg "$tmp/drop.mjpeg" 2>&1)
rc2=$?
if [ $rc1 != 0 ] && grep -q "nb_read_frames=8" <<<"$out" && [ $rc2 != 0 ] &&
	mpv_play "$tmp/drop.mjpeg" "$tmp/mpv-drop" && [ "$(nfiles "$tmp/mpv-drop")" = 8 ]; then
	tap_pass "control: a frame dropped fails the checks (ffprobe counts 8; ffmpeg: $out2; mpv: 8 frames)"
else
	tap_fail "control: a frame dropped fails the checks"
	tap_diag "ffprobe: $out" "ffmpeg: $out2"
fi
out=$(check_probe "$tmp/flip.mjpeg" 9)
rc1=$?
out2=$(check_ffmpeg_mjpeg "$tmp/flip.mjpeg" 2>&1)
rc2=$?
out3=$(ffplay_sums "$tmp/flip.mjpeg" "$tmp/want-m.yuv" $fsz 2>&1)
rc3=$?
if [ $rc1 = 0 ] && [ $rc2 != 0 ] && grep -q "frame 3 differs" <<<"$out2" &&
	[ $rc3 != 0 ] && grep -q "first differing: \[3\]" <<<"$out3"; then
	tap_pass "control: a bit flipped in frame 3 (still 9 frames) fails the decoded-frames checks: $out2; $out3"
else
	tap_fail "control: a bit flipped in frame 3 fails the decoded-frames check"
	tap_diag "ffprobe: $out" "ffmpeg: $out2"
fi

# --- y4m: YUYV, NV12, GREY -------------------------------------------------
# raw frames of random pixels, stride padded (YUYV, NV12): FMT.raw as
# sealed, FMT.want the planes y4m must hold (Y, Cb, Cr without padding)
W=320 H=240
python3 - "$tmp" $W $H <<'PY'
import random, sys
d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(15)
def rb(n):
    return bytes(rnd.getrandbits(8) for _ in range(n))
for fmt, bpl in (("YUYV", 2 * w + 24), ("NV12", w + 8), ("GREY", w)):
    raw, want = bytearray(), bytearray()
    for k in range(3):
        if fmt == "YUYV":
            rows = [rb(bpl) for _ in range(h)]
            want += b"".join(r[0:2 * w:2] for r in rows)
            want += b"".join(r[1:2 * w:4] for r in rows)
            want += b"".join(r[3:2 * w:4] for r in rows)
        elif fmt == "NV12":
            rows = [rb(bpl) for _ in range(h + h // 2)]
            want += b"".join(r[:w] for r in rows[:h])
            want += b"".join(r[0:w:2] for r in rows[h:])
            want += b"".join(r[1:w:2] for r in rows[h:])
        else:
            rows = [rb(bpl) for _ in range(h)]
            want += b"".join(rows)
        raw += b"".join(rows)
    open("%s/%s.raw" % (d, fmt), "wb").write(raw)
    open("%s/%s.bpl" % (d, fmt), "w").write(str(bpl))
    open("%s/%s.want3" % (d, fmt), "wb").write(want)
PY

y4m_decoded() { # Y4M WANT FRAMEBYTES
	ffmpeg_planes "$1" "$tmp/ff.yuv" && same_frames "$tmp/ff.yuv" "$2" "$3" &&
		mpv_same "$1" "$2" "$3"
}
y4m_played() { # Y4M WANT FRAMEBYTES
	local n=$(($(stat -c %s "$2") / $3))
	mpv_frames "$1" "$tmp/mpv-f" "$n" && mpv_from_cat "$1" "$tmp/mpv-p" "$n" &&
		ffplay_both "$1" "$2" "$3"
}

# FMT Y4MTAG PIX_FMT FRAMEBYTES: 7 frames (5 + 2 in two segments: the
# 3 pictures cycled, then the first two again)
y4m_case() {
	local fmt=$1 tag=$2 pix=$3 fs=$4 bpl f i got out rc
	bpl=$(cat "$tmp/$fmt.bpl")
	f=$tmp/$fmt.y4m
	if ! $mk -o "$tmp/$fmt-1.sealed" --owner-pub "$vec/owner.pub" --segment 50 \
		--size ${W}x$H --frames 5 --raw "$tmp/$fmt.raw" --fourcc "$fmt" \
		--bpl "$bpl" >/dev/null ||
		! $mk -o "$tmp/$fmt-2.sealed" --owner-pub "$vec/owner.pub" --segment 51 \
			--size ${W}x$H --frames 2 --sequence 5 --raw "$tmp/$fmt.raw" \
			--fourcc "$fmt" --bpl "$bpl" >/dev/null; then
		tap_diag "sc-mkseg $fmt failed"
	fi
	: >"$tmp/$fmt.want"
	for i in 0 1 2 0 1 0 1; do
		dd if="$tmp/$fmt.want3" bs="$fs" skip=$i count=1 status=none >>"$tmp/$fmt.want"
	done
	out=$($sc unseal --key "$key" -o "$f" "$tmp/$fmt-1.sealed" "$tmp/$fmt-2.sealed" 2>&1)
	rc=$?
	got=$(head -n 1 "$f" 2>/dev/null)
	if [ $rc = 0 ] && [ "$got" = "YUV4MPEG2 W$W H$H F15:1 Ip A1:1 C$tag" ]; then
		tap_pass "$fmt (stride $bpl): unseal -o $fmt.y4m, 7 frames, header C$tag: $got"
	else
		tap_fail "$fmt: unseal -o $fmt.y4m with header C$tag (exit $rc): $got"
		tap_diag "$out"
	fi
	got=$(probe "$f" codec_name width height pix_fmt nb_read_frames)
	tap_check "$fmt: ffprobe reads rawvideo ${W}x$H $pix, 7 frames (yuv4mpegpipe)" \
		test "$got" = "codec_name=rawvideo
width=$W
height=$H
pix_fmt=$pix
nb_read_frames=7
format_name=yuv4mpegpipe" || tap_diag "$got"
	tap_ok "$fmt: ffmpeg and mpv decode the 7 frames, planes byte for byte the pixels sealed" \
		y4m_decoded "$f" "$tmp/$fmt.want" "$fs"
	tap_ok "$fmt: mpv and ffplay play it to the end from the file and from stdin, 7 frames each" \
		y4m_played "$f" "$tmp/$fmt.want" "$fs"
}
y4m_case YUYV 422 yuv422p $((W * H * 2))
y4m_case NV12 420jpeg yuv420p $((W * H * 3 / 2))
y4m_case GREY mono gray $((W * H))

# negative control: YUYV.y4m with one bit flipped in frame 2's Cr plane,
# and cut in the middle of its last frame
fs=$((W * H * 2))
hdr=$(head -n 1 "$tmp/YUYV.y4m" | wc -c)
python3 - "$tmp" $((hdr + 2 * (6 + fs) + 6 + fs - 100)) <<'PY'
import sys
d, off = sys.argv[1], int(sys.argv[2])
y = bytearray(open(d + "/YUYV.y4m", "rb").read())
y[off] ^= 4
open(d + "/flip.y4m", "wb").write(y)
PY
out=$( (ffmpeg_planes "$tmp/flip.y4m" "$tmp/flip.ff" && same_frames "$tmp/flip.ff" "$tmp/YUYV.want" $fs) 2>&1)
rc=$?
tap_check "control: YUYV.y4m with a bit flipped in frame 2's Cr: the frames check fails, names frame 2 ($out)" \
	test $rc != 0 -a "$out" = "frame 2 differs"
head -c $(($(stat -c %s "$tmp/YUYV.y4m") - fs / 2)) "$tmp/YUYV.y4m" >"$tmp/cut.y4m"
got=$(probe "$tmp/cut.y4m" nb_read_frames)
out=$( (ffmpeg_planes "$tmp/cut.y4m" "$tmp/cut.ff" && same_frames "$tmp/cut.ff" "$tmp/YUYV.want" $fs) 2>&1)
rc=$?
if [ "$got" = "nb_read_frames=6
format_name=yuv4mpegpipe" ] && [ $rc != 0 ]; then
	tap_pass "control: YUYV.y4m cut in its last frame: ffprobe counts 6, the frames check fails ($out)"
else
	tap_fail "control: YUYV.y4m cut in its last frame: 6 frames, the check fails (exit $rc)"
	tap_diag "$got" "$out"
fi
tap_done
