// SPDX-License-Identifier: MIT
/*
 * Output writers: y4m headers per format, planar conversion of YUYV and NV12
 * with stride padding, and PNG files that are structurally valid (signature,
 * chunk CRCs, IHDR, zlib stream, filter bytes) with the expected pixels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "frameout.h"
#include "tap.h"

#define W 160
#define H 120

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parse a PNG file; returns the inflated image data (filter bytes kept). */
static unsigned char *png_read(const char *path, unsigned char ihdr[13],
			       size_t *raw_len, int *crc_ok)
{
	unsigned char *buf, *idat = NULL, *raw;
	size_t len, pos = 8, idat_len = 0;
	uLongf out_len = *raw_len;
	FILE *f = fopen(path, "rb");

	*crc_ok = 1;
	if (!f)
		return NULL;
	buf = malloc(1 << 22);
	len = fread(buf, 1, 1 << 22, f);
	fclose(f);
	if (len < 8 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8))
		return NULL;
	while (pos + 12 <= len) {
		uint32_t n = be32(buf + pos);
		const unsigned char *type = buf + pos + 4;

		if (pos + 12 + n > len)
			return NULL;
		if (crc32(crc32(0, NULL, 0), type, 4 + n) != be32(buf + pos + 8 + n))
			*crc_ok = 0;
		if (!memcmp(type, "IHDR", 4) && n == 13)
			memcpy(ihdr, type + 4, 13);
		if (!memcmp(type, "IDAT", 4)) {
			idat = realloc(idat, idat_len + n);
			memcpy(idat + idat_len, type + 4, n);
			idat_len += n;
		}
		pos += 12 + n;
		if (!memcmp(type, "IEND", 4))
			break;
	}
	raw = malloc(out_len);
	if (!idat || uncompress(raw, &out_len, idat, idat_len) != Z_OK ||
	    out_len != *raw_len) {
		free(raw);
		raw = NULL;
	}
	free(idat);
	free(buf);
	return raw;
}

static int near(int a, int b)
{
	return a - b <= 2 && b - a <= 2;
}

int main(void)
{
	struct sc_meta grey = { .pixelformat = SEALCAM_PLAIN_GREY, .width = W,
				.height = H, .bytesperline = W + 16,
				.fps_num = 1, .fps_den = 25 };
	struct sc_meta yuyv = grey, nv12 = grey;
	unsigned char *px, *planes, ihdr[13], *raw;
	char hdr[128], dir[] = "/tmp/sealcam-frameout-XXXXXX", path[256];
	const char *tmp = getenv("SEALCAM_TMP");
	size_t x, y, n, raw_len;
	int crc_ok, ok;

	tap_plan(16);
	yuyv.pixelformat = SEALCAM_PLAIN_YUYV;
	yuyv.bytesperline = 2 * W + 8;
	nv12.pixelformat = SEALCAM_PLAIN_NV12;
	nv12.bytesperline = W + 32;

	tap_ok(!sc_y4m_header(hdr, sizeof(hdr), &grey) &&
	       !strcmp(hdr, "YUV4MPEG2 W160 H120 F25:1 Ip A1:1 Cmono\n"),
	       "GREY y4m header");
	tap_ok(!sc_y4m_header(hdr, sizeof(hdr), &yuyv) &&
	       !strcmp(hdr, "YUV4MPEG2 W160 H120 F25:1 Ip A1:1 C422\n"),
	       "YUYV y4m header");
	nv12.fps_num = 1001;
	nv12.fps_den = 30000;
	tap_ok(!sc_y4m_header(hdr, sizeof(hdr), &nv12) &&
	       !strcmp(hdr, "YUV4MPEG2 W160 H120 F30000:1001 Ip A1:1 C420jpeg\n"),
	       "NV12 y4m header, NTSC rate");

	/* YUYV with stride padding: Y = x, U = y, V = 255 - y */
	px = calloc(1, sc_meta_expected_payload(&yuyv) + sc_meta_expected_payload(&nv12));
	planes = malloc(W * H * 3);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x += 2) {
			unsigned char *p = px + y * yuyv.bytesperline + 2 * x;

			p[0] = (unsigned char)x;
			p[1] = (unsigned char)y;
			p[2] = (unsigned char)(x + 1);
			p[3] = (unsigned char)(255 - y);
		}
	n = sc_to_planar(planes, &yuyv, px);
	ok = n == W * H * 2;
	for (y = 0; ok && y < H; y++)
		for (x = 0; x < W; x++) {
			ok &= planes[y * W + x] == (unsigned char)x;
			if (x % 2 == 0) {
				ok &= planes[W * H + y * (W / 2) + x / 2] == (unsigned char)y;
				ok &= planes[W * H + (W / 2) * H + y * (W / 2) + x / 2] ==
				      (unsigned char)(255 - y);
			}
		}
	tap_ok(ok, "YUYV -> planar 4:2:2 (Y, Cb, Cr), padding dropped");

	/* NV12: Y = x ^ y, CbCr row r: Cb = r, Cr = 2r */
	memset(px, 0, sc_meta_expected_payload(&nv12));
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			px[y * nv12.bytesperline + x] = (unsigned char)(x ^ y);
	for (y = 0; y < H / 2; y++)
		for (x = 0; x < W / 2; x++) {
			px[(H + y) * nv12.bytesperline + 2 * x] = (unsigned char)y;
			px[(H + y) * nv12.bytesperline + 2 * x + 1] = (unsigned char)(2 * y);
		}
	n = sc_to_planar(planes, &nv12, px);
	ok = n == W * H * 3 / 2;
	for (y = 0; ok && y < H; y++)
		for (x = 0; x < W; x++)
			ok &= planes[y * W + x] == (unsigned char)(x ^ y);
	for (y = 0; ok && y < H / 2; y++)
		for (x = 0; x < W / 2; x++)
			ok &= planes[W * H + y * (W / 2) + x] == (unsigned char)y &&
			      planes[W * H + (W / 2) * (H / 2) + y * (W / 2) + x] ==
			      (unsigned char)(2 * y);
	tap_ok(ok, "NV12 -> planar 4:2:0 (Y, Cb, Cr), padding dropped");

	/* y4m stream: header, FRAME markers, plane bytes */
	{
		struct sc_y4m yw = { 0 };
		char *mem = NULL;
		size_t mem_len = 0;

		yw.f = open_memstream(&mem, &mem_len);
		ok = !sc_y4m_frame(&yw, &nv12, px) && !sc_y4m_frame(&yw, &nv12, px);
		ok &= sc_y4m_frame(&yw, &yuyv, px) != 0;	/* format change */
		fclose(yw.f);
		sc_y4m_free(&yw);
		tap_ok(ok && mem_len == strlen(hdr) + 2 * (6 + W * H * 3 / 2) &&
		       !memcmp(mem, hdr, strlen(hdr)) &&
		       !memcmp(mem + strlen(hdr), "FRAME\n", 6),
		       "y4m stream of 2 NV12 frames (%zu bytes), format change refused",
		       mem_len);
		free(mem);
	}

	/* PNG files */
	if (tmp && *tmp)
		snprintf(dir, sizeof(dir), "%s", tmp);
	else if (!mkdtemp(dir))
		return 1;

	snprintf(path, sizeof(path), "%s/grey.png", dir);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			px[y * grey.bytesperline + x] = (unsigned char)(x + y);
	tap_ok(!sc_png_write(path, &grey, px), "GREY PNG written");
	raw_len = (W + 1) * H;
	raw = png_read(path, ihdr, &raw_len, &crc_ok);
	tap_ok(raw && crc_ok, "GREY PNG: signature, chunk CRCs, zlib stream valid");
	tap_ok(be32(ihdr) == W && be32(ihdr + 4) == H && ihdr[8] == 8 &&
	       ihdr[9] == 0 && ihdr[12] == 0,
	       "GREY PNG IHDR: 160x120, 8-bit greyscale, not interlaced");
	ok = raw != NULL;
	for (y = 0; ok && y < H; y++) {
		ok &= raw[y * (W + 1)] == 0;
		for (x = 0; x < W; x++)
			ok &= raw[y * (W + 1) + 1 + x] == (unsigned char)(x + y);
	}
	tap_ok(ok, "GREY PNG pixels equal the frame's");
	free(raw);

	/* YUYV: left half white (235,128,128), right half pure red-ish
	 * BT.601 (81, 90, 240), bottom row black (16,128,128) */
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x += 2) {
			unsigned char *p = px + y * yuyv.bytesperline + 2 * x;
			int white = x < W / 2, black = y == H - 1;

			p[0] = p[2] = black ? 16 : white ? 235 : 81;
			p[1] = black || white ? 128 : 90;
			p[3] = black || white ? 128 : 240;
		}
	snprintf(path, sizeof(path), "%s/yuyv.png", dir);
	tap_ok(!sc_png_write(path, &yuyv, px), "YUYV PNG written");
	raw_len = (3 * W + 1) * H;
	raw = png_read(path, ihdr, &raw_len, &crc_ok);
	tap_ok(raw && crc_ok && ihdr[9] == 2, "YUYV PNG valid, colour type RGB");
	ok = raw != NULL;
	if (ok) {
		const unsigned char *white = raw + 1 + 3 * 10;
		const unsigned char *red = raw + 1 + 3 * (W - 10);
		const unsigned char *black = raw + (H - 1) * (3 * W + 1) + 1;

		ok = white[0] == 255 && white[1] == 255 && white[2] == 255 &&
		     near(red[0], 255) && near(red[1], 0) && near(red[2], 0) &&
		     black[0] == 0 && black[1] == 0 && black[2] == 0;
		if (!ok)
			tap_diag("white %d,%d,%d red %d,%d,%d black %d,%d,%d",
				 white[0], white[1], white[2], red[0], red[1],
				 red[2], black[0], black[1], black[2]);
	}
	tap_ok(ok, "YUYV PNG colours: white, red, black (BT.601 limited range)");
	free(raw);

	/* NV12 grey (Y=126, neutral chroma) becomes grey RGB */
	memset(px, 126, nv12.bytesperline * H);
	memset(px + nv12.bytesperline * H, 128, nv12.bytesperline * H / 2);
	snprintf(path, sizeof(path), "%s/nv12.png", dir);
	tap_ok(!sc_png_write(path, &nv12, px), "NV12 PNG written");
	raw = png_read(path, ihdr, &raw_len, &crc_ok);
	tap_ok(raw && crc_ok && raw[1] == raw[2] && raw[2] == raw[3] &&
	       near(raw[1], 128), "NV12 PNG: neutral chroma gives grey RGB");
	free(raw);
	{
		struct sc_meta bad = grey;

		bad.pixelformat = 0x12345678;
		snprintf(path, sizeof(path), "%s/bad.png", dir);
		tap_ok(sc_png_write(path, &bad, px) != 0 &&
		       sc_y4m_header(hdr, sizeof(hdr), &bad) != 0,
		       "unknown pixel format refused by both writers");
	}
	free(px);
	free(planes);
	return tap_done();
}
