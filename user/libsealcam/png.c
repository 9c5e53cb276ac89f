// SPDX-License-Identifier: MIT
/*
 * Minimal PNG encoder (ISO/IEC 15948): signature, IHDR, one IDAT holding the
 * zlib stream of all rows (filter type 0), IEND. GREY frames become 8-bit
 * greyscale, YUYV and NV12 8-bit RGB by the BT.601 limited-range matrix,
 * MJPG frames 8-bit RGB as libjpeg decodes them (jpeg.c).
 */
#include "frameout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static unsigned char clamp255(int v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Integer BT.601: C = Y - 16, D = Cb - 128, E = Cr - 128, scaled by 256. */
static void yuv_to_rgb(unsigned char *rgb, int y, int u, int v)
{
	int c = y - 16, d = u - 128, e = v - 128;

	rgb[0] = clamp255((298 * c + 409 * e + 128) >> 8);
	rgb[1] = clamp255((298 * c - 100 * d - 208 * e + 128) >> 8);
	rgb[2] = clamp255((298 * c + 516 * d + 128) >> 8);
}

int sc_to_rgb_or_grey(unsigned char *out, const struct sc_meta *m,
		      const unsigned char *pixels, bool *grey)
{
	size_t w = m->width, h = m->height, bpl = m->bytesperline, x, y;

	*grey = false;
	switch (m->pixelformat) {
	case SEALCAM_PLAIN_GREY:
		*grey = true;
		for (y = 0; y < h; y++)
			memcpy(out + y * w, pixels + y * bpl, w);
		return 0;
	case SEALCAM_PLAIN_YUYV:
		for (y = 0; y < h; y++) {
			const unsigned char *row = pixels + y * bpl;

			for (x = 0; x < w; x++)
				yuv_to_rgb(out + 3 * (y * w + x), row[2 * x],
					   row[4 * (x / 2) + 1],
					   row[4 * (x / 2) + 3]);
		}
		return 0;
	case SEALCAM_PLAIN_NV12:
		for (y = 0; y < h; y++) {
			const unsigned char *row = pixels + y * bpl;
			const unsigned char *uv = pixels + (h + y / 2) * bpl;

			for (x = 0; x < w; x++)
				yuv_to_rgb(out + 3 * (y * w + x), row[x],
					   uv[2 * (x / 2)], uv[2 * (x / 2) + 1]);
		}
		return 0;
	default:
		return -1;
	}
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int write_chunk(FILE *f, const char type[4], const unsigned char *data,
		       uint32_t len)
{
	unsigned char be[4];
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, (const Bytef *)type, 4);
	if (len)
		crc = crc32(crc, data, len);
	put_be32(be, len);
	if (fwrite(be, 1, 4, f) != 4 || fwrite(type, 1, 4, f) != 4 ||
	    (len && fwrite(data, 1, len, f) != len))
		return -1;
	put_be32(be, (uint32_t)crc);
	return fwrite(be, 1, 4, f) == 4 ? 0 : -1;
}

int sc_png_write(const char *path, const struct sc_meta *m,
		 const unsigned char *pixels)
{
	unsigned char *img;
	uint32_t jw, jh;
	char err[256];
	bool grey;
	int ret;

	if (m->pixelformat == SEALCAM_PLAIN_MJPG) {
		ret = sc_jpeg_to_rgb(pixels, m->payload_len, &img, &jw, &jh,
				     err, sizeof(err));
		if (ret)
			return ret;
		ret = sc_png_write_image(path, img, jw, jh, false);
		free(img);
		return ret;
	}
	img = malloc((size_t)m->width * m->height * 3);
	if (!img)
		return -ENOMEM;
	ret = sc_to_rgb_or_grey(img, m, pixels, &grey) ? -EINVAL :
	      sc_png_write_image(path, img, m->width, m->height, grey);
	free(img);
	return ret;
}

int sc_png_write_image(const char *path, const unsigned char *img,
		       uint32_t width, uint32_t height, bool grey)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t w = width, h = height, y, row_len, raw_len;
	unsigned char ihdr[13], *raw = NULL, *z = NULL;
	uLongf z_len;
	FILE *f = NULL;
	int ret;

	row_len = w * (grey ? 1 : 3);
	raw_len = (row_len + 1) * h;
	raw = malloc(raw_len);
	z_len = compressBound(raw_len);
	z = malloc(z_len);
	ret = -ENOMEM;
	if (!raw || !z)
		goto out;
	for (y = 0; y < h; y++) {
		raw[y * (row_len + 1)] = 0;	/* filter type None */
		memcpy(raw + y * (row_len + 1) + 1, img + y * row_len, row_len);
	}
	ret = -EIO;
	if (compress2(z, &z_len, raw, raw_len, 6) != Z_OK)
		goto out;
	put_be32(ihdr, (uint32_t)w);
	put_be32(ihdr + 4, (uint32_t)h);
	ihdr[8] = 8;			/* bit depth */
	ihdr[9] = grey ? 0 : 2;		/* colour type: grey / truecolour */
	ihdr[10] = 0;			/* deflate */
	ihdr[11] = 0;			/* adaptive filtering */
	ihdr[12] = 0;			/* no interlace */
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		goto out;
	}
	if (fwrite(sig, 1, sizeof(sig), f) != sizeof(sig) ||
	    write_chunk(f, "IHDR", ihdr, sizeof(ihdr)) ||
	    write_chunk(f, "IDAT", z, (uint32_t)z_len) ||
	    write_chunk(f, "IEND", NULL, 0))
		goto out;
	ret = 0;
out:
	if (f && fclose(f) && !ret)
		ret = -EIO;
	free(raw);
	free(z);
	return ret;
}
