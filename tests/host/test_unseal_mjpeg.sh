#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sealcam unseal` on sealed MJPEG (issue 15, point 4): segments of MJPG
# frames (a webcam's JPEGs, sealed as they came; here sealed by sc-mkseg,
# libsealcam's userspace sealer) of different lengths:
#   - -o writes an MJPEG stream: the JPEGs back to back, byte for byte, in
#     frame order, across segments; --info names the format (MJPG, stride 0)
#   - --png decodes every frame with libjpeg: the PNG's pixels are exactly
#     what djpeg (the same library) decodes from that JPEG
#   - a frame whose bytes are no JPEG still verifies (it is what the camera
#     sent): -o writes it as it is, --png warns, names it and writes the
#     others (exit 0); a truncated JPEG (libjpeg fills in grey) the same
#   - rule 15 for MJPG: bytesperline not 0, or a frame longer than 4·w·h,
#     is tampered (exit 4); one -o holds one format: YUYV/GREY then MJPG is
#     refused (exit 1) and nothing is written
#   - the browser viewer's decryptor (web/sealcam.mjs) gets the same bytes
set -uo pipefail

. "$(dirname "$0")/../lib/unseal-host.sh"
for p in cjpeg djpeg python3; do
	command -v $p >/dev/null || tap_missing "$p (libjpeg-turbo-progs, python3: scripts/setup.sh)"
done

tap_plan 12

# three pictures of 160x120 (bars at three offsets: JPEGs of three lengths)
python3 - "$tmp" <<'PY'
import sys
bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
        (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
for k in range(3):
    w, h = 160, 120
    rows = bytearray()
    for y in range(h):
        for x in range(w):
            r, g, b = bars[((x + 37 * k + (y * k) // 3) % w) * 8 // w]
            rows += bytes((r, (g + x + y) & 0xff, b))
    open("%s/p%d.ppm" % (sys.argv[1], k), "wb").write(b"P6\n160 120\n255\n" + rows)
PY
for k in 0 1 2; do
	cjpeg -quality $((70 + 10 * k)) "$tmp/p$k.ppm" >"$tmp/p$k.jpg"
done
tap_diag "JPEGs of $(stat -c %s "$tmp"/p0.jpg "$tmp"/p1.jpg "$tmp"/p2.jpg | xargs) bytes"
$mk -o "$tmp/a.sealed" --owner-pub $vec/owner.pub --segment 10 --frames 5 \
	--jpeg "$tmp/p0.jpg" --jpeg "$tmp/p1.jpg" --jpeg "$tmp/p2.jpg" >/dev/null &&
	$mk -o "$tmp/b.sealed" --owner-pub $vec/owner.pub --segment 11 --frames 4 \
		--sequence 5 --jpeg "$tmp/p2.jpg" --jpeg "$tmp/p0.jpg" >/dev/null ||
	tap_diag "sc-mkseg failed"
# what the two segments hold, in order
cat "$tmp"/p0.jpg "$tmp"/p1.jpg "$tmp"/p2.jpg "$tmp"/p0.jpg "$tmp"/p1.jpg \
	"$tmp"/p2.jpg "$tmp"/p0.jpg "$tmp"/p2.jpg "$tmp"/p0.jpg >"$tmp/want.mjpeg"

out=$($sc unseal --key $key -o "$tmp/out.mjpeg" "$tmp/a.sealed" "$tmp/b.sealed" 2>&1)
rc=$?
if [ $rc = 0 ] && cmp -s "$tmp/out.mjpeg" "$tmp/want.mjpeg"; then
	tap_pass "-o: 9 MJPG frames in 2 segments, an MJPEG stream byte for byte the JPEGs sealed"
else
	tap_fail "-o: MJPEG stream byte for byte the JPEGs sealed (exit $rc)"
	tap_diag "$out"
fi
out=$($sc unseal --key $key --info "$tmp/a.sealed" 2>&1)
tap_check "--info: format MJPG 160x120 stride 0" \
	grep -q "format      MJPG 160x120 stride 0," <<<"$out"

# PNG pixels against djpeg's decoding of the same JPEG (one library: exact)
png_is_djpeg() { # PNG JPEG
	djpeg -ppm "$2" >"$tmp/ref.ppm" || return 1
	python3 - "$1" "$tmp/ref.ppm" <<'PY'
import struct, sys, zlib
png = open(sys.argv[1], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, ihdr = 8, b"", None
while pos < len(png):
    n, t = struct.unpack(">I4s", png[pos:pos + 8])
    body = png[pos + 8:pos + 8 + n]
    if t == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif t == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert depth == 8 and ctype == 2, ihdr
raw = zlib.decompress(idat)
rows = b"".join(raw[y * (3 * w + 1) + 1:(y + 1) * (3 * w + 1)] for y in range(h))
assert all(raw[y * (3 * w + 1)] == 0 for y in range(h))
ppm = open(sys.argv[2], "rb").read()
hdr = b"P6\n%d %d\n255\n" % (w, h)
sys.exit(0 if ppm.startswith(hdr) and ppm[len(hdr):] == rows else 1)
PY
}
out=$($sc unseal --key $key --png "$tmp/png" "$tmp/a.sealed" 2>&1)
rc=$?
n=$(find "$tmp/png" -name '*.png' | wc -l)
ok=1
for i in 0 1 2 3 4; do
	f=$(printf '%s/png/%020d-%06d.png' "$tmp" 10 $i)
	png_is_djpeg "$f" "$tmp/p$((i % 3)).jpg" || { ok=0; tap_diag "frame $i: PNG is not djpeg's picture"; }
done
if [ $rc = 0 ] && [ "$n" = 5 ] && [ $ok = 1 ]; then
	tap_pass "--png: 5 PNGs, each pixel for pixel libjpeg's decoding of its frame's JPEG"
else
	tap_fail "--png: 5 PNGs of the decoded JPEGs (exit $rc, $n files)"
	tap_diag "$out"
fi

# a frame that is no JPEG, and one cut short: authentic, written as they are
head -c 1500 "$tmp/p1.jpg" >"$tmp/cut.jpg"
printf 'not a picture at all, but what the camera sent' >"$tmp/junk.jpg"
$mk -o "$tmp/c.sealed" --owner-pub $vec/owner.pub --segment 20 --frames 3 \
	--jpeg "$tmp/p0.jpg" --jpeg "$tmp/junk.jpg" --jpeg "$tmp/cut.jpg" >/dev/null
out=$($sc unseal --key $key -o "$tmp/c.mjpeg" "$tmp/c.sealed" 2>&1)
rc=$?
if [ $rc = 0 ] && cmp -s "$tmp/c.mjpeg" <(cat "$tmp/p0.jpg" "$tmp/junk.jpg" "$tmp/cut.jpg"); then
	tap_pass "-o: undecodable frames are written byte for byte too (they verified)"
else
	tap_fail "-o: undecodable frames written as they are (exit $rc)"
	tap_diag "$out"
fi
out=$($sc unseal --key $key --png "$tmp/pngc" "$tmp/c.sealed" 2>&1)
rc=$?
n=$(find "$tmp/pngc" -name '*.png' | wc -l)
if [ $rc = 0 ] && [ "$n" = 1 ] &&
	grep -q "warning: segment 20 frame 1: not a JPEG libjpeg decodes: .*no PNG for it" <<<"$out" &&
	grep -q "warning: segment 20 frame 2: corrupt JPEG .*no PNG for it" <<<"$out" &&
	grep -q "2 MJPEG frame(s) verified but do not decode" <<<"$out"; then
	tap_pass "--png: the junk and the cut JPEG are named, warned about, not drawn; the good one is (exit 0)"
else
	tap_fail "--png: undecodable JPEGs warned about (exit $rc, $n PNGs)"
	tap_diag "$out"
fi

# rule 15 for MJPG
$mk -o "$tmp/bpl.sealed" --owner-pub $vec/owner.pub --segment 30 --frames 2 \
	--jpeg "$tmp/p0.jpg" --bpl 320 >/dev/null
out=$($sc unseal --key $key --info "$tmp/bpl.sealed" 2>&1)
rc=$?
tap_check "MJPG with bytesperline 320: tampered, invalid format (exit 4)" \
	test "$rc" = 4 -a -n "$(grep 'invalid format' <<<"$out")"
head -c $((4 * 160 * 120 + 1)) /dev/zero >"$tmp/big.jpg"
$mk -o "$tmp/big.sealed" --owner-pub $vec/owner.pub --segment 31 --frames 1 \
	--jpeg "$tmp/big.jpg" >/dev/null
out=$($sc unseal --key $key --info "$tmp/big.sealed" 2>&1)
rc=$?
tap_check "MJPG frame of 4·w·h + 1 bytes: tampered (exit 4, MJPG takes 1 to 76800)" \
	test "$rc" = 4 -a -n "$(grep 'MJPG takes 1 to 76800' <<<"$out")"
head -c $((4 * 160 * 120)) /dev/zero >"$tmp/big.jpg"
$mk -o "$tmp/big2.sealed" --owner-pub $vec/owner.pub --segment 32 --frames 1 \
	--jpeg "$tmp/big.jpg" >/dev/null
$sc unseal --key $key --info "$tmp/big2.sealed" >/dev/null 2>&1
tap_check "MJPG frame of exactly 4·w·h bytes verifies (exit 0)" test $? = 0

# one -o, one format: GREY then MJPG is refused, nothing written
$mk -o "$tmp/g.sealed" --owner-pub $vec/owner.pub --segment 9 --frames 2 >/dev/null
out=$($sc unseal --key $key -o "$tmp/mix.out" "$tmp/g.sealed" "$tmp/a.sealed" 2>&1)
rc=$?
if [ $rc = 1 ] && [ ! -e "$tmp/mix.out" ] && grep -q "format changes" <<<"$out"; then
	tap_pass "-o: GREY then MJPG segments refused (exit 1), nothing written: $(grep 'format changes' <<<"$out")"
else
	tap_fail "-o: GREY then MJPG refused (exit $rc)"
	tap_diag "$out"
fi
out=$($sc unseal --key $key --png "$tmp/pngmix" "$tmp/g.sealed" "$tmp/a.sealed" 2>&1)
rc=$?
tap_check "--png takes GREY and MJPG segments in one run (7 PNGs, exit 0)" \
	test "$rc" = 0 -a "$(find "$tmp/pngmix" -name '*.png' | wc -l)" = 7

# the browser viewer's decryptor: the same verdict and the same bytes
if command -v node >/dev/null && [ -d node_modules/@noble/ciphers ]; then
	out=$(node tests/tools/web_unseal.mjs --key $key --frames "$tmp/web.mjpeg" \
		"$tmp/a.sealed" "$tmp/b.sealed" 2>&1)
	rc=$?
	if [ $rc = 0 ] && cmp -s "$tmp/web.mjpeg" "$tmp/want.mjpeg"; then
		tap_pass "web/sealcam.mjs: exit 0 and the same JPEG bytes"
	else
		tap_fail "web/sealcam.mjs: the same JPEG bytes (exit $rc)"
		tap_diag "$out"
	fi
	out=$(node tests/tools/web_unseal.mjs --key $key "$tmp/bpl.sealed" 2>&1)
	tap_check "web/sealcam.mjs: MJPG with bytesperline 320 tampered too (exit 4)" \
		test $? = 4
else
	tap_fail "node and node_modules/@noble (scripts/setup.sh) for the web decryptor"
	tap_fail "web/sealcam.mjs: MJPG rule 15"
fi
tap_done
