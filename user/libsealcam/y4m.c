// SPDX-License-Identifier: MIT
/*
 * YUV4MPEG2 output: "YUV4MPEG2 W<w> H<h> F<rate> Ip A1:1 C<space>\n", then
 * per frame "FRAME\n" and the planes (Y, then Cb, then Cr) without padding.
 * The frame rate is the inverse of the sealed frame interval
 * fps_num/fps_den seconds. MJPG frames, which y4m cannot hold, go out as an
 * MJPEG stream instead: each frame's JPEG, unchanged, back to back.
 */
#include "frameout.h"

#include <stdlib.h>
#include <string.h>

static const char *colorspace(uint32_t fourcc)
{
	switch (fourcc) {
	case SEALCAM_PLAIN_GREY:
		return "mono";
	case SEALCAM_PLAIN_YUYV:
		return "422";
	case SEALCAM_PLAIN_NV12:
		return "420jpeg";
	default:
		return NULL;
	}
}

int sc_y4m_header(char *out, size_t len, const struct sc_meta *m)
{
	const char *cs = colorspace(m->pixelformat);
	int n;

	if (!cs || !m->fps_num || !m->fps_den)
		return -1;
	n = snprintf(out, len, "YUV4MPEG2 W%u H%u F%u:%u Ip A1:1 C%s\n",
		     m->width, m->height, m->fps_den, m->fps_num, cs);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

size_t sc_y4m_planes_len(const struct sc_meta *m)
{
	size_t w = m->width, h = m->height;

	switch (m->pixelformat) {
	case SEALCAM_PLAIN_GREY:
		return w * h;
	case SEALCAM_PLAIN_YUYV:
		return w * h * 2;
	case SEALCAM_PLAIN_NV12:
		return w * h + 2 * (w / 2) * (h / 2);
	default:
		return 0;
	}
}

size_t sc_to_planar(unsigned char *out, const struct sc_meta *m,
		    const unsigned char *pixels)
{
	size_t w = m->width, h = m->height, bpl = m->bytesperline, x, y;
	unsigned char *py = out, *pu, *pv;

	switch (m->pixelformat) {
	case SEALCAM_PLAIN_GREY:
		for (y = 0; y < h; y++)
			memcpy(py + y * w, pixels + y * bpl, w);
		break;
	case SEALCAM_PLAIN_YUYV:
		pu = py + w * h;
		pv = pu + (w / 2) * h;
		for (y = 0; y < h; y++) {
			const unsigned char *row = pixels + y * bpl;

			for (x = 0; x < w / 2; x++) {
				py[y * w + 2 * x] = row[4 * x];
				pu[y * (w / 2) + x] = row[4 * x + 1];
				py[y * w + 2 * x + 1] = row[4 * x + 2];
				pv[y * (w / 2) + x] = row[4 * x + 3];
			}
		}
		break;
	case SEALCAM_PLAIN_NV12:
		pu = py + w * h;
		pv = pu + (w / 2) * (h / 2);
		for (y = 0; y < h; y++)
			memcpy(py + y * w, pixels + y * bpl, w);
		for (y = 0; y < h / 2; y++) {
			const unsigned char *row = pixels + (h + y) * bpl;

			for (x = 0; x < w / 2; x++) {
				pu[y * (w / 2) + x] = row[2 * x];
				pv[y * (w / 2) + x] = row[2 * x + 1];
			}
		}
		break;
	default:
		return 0;
	}
	return sc_y4m_planes_len(m);
}

int sc_y4m_frame(struct sc_y4m *y, const struct sc_meta *m,
		 const unsigned char *pixels)
{
	size_t n;

	if (m->pixelformat == SEALCAM_PLAIN_MJPG || (y->started &&
	    y->pixelformat == SEALCAM_PLAIN_MJPG)) {
		/* MJPEG stream: the JPEGs back to back, byte for byte */
		if (y->started && (m->pixelformat != y->pixelformat ||
				   m->width != y->width ||
				   m->height != y->height))
			return -1;
		y->pixelformat = m->pixelformat;
		y->width = m->width;
		y->height = m->height;
		y->started = true;
		n = m->payload_len;
		return fwrite(pixels, 1, n, y->f) == n ? 0 : -1;
	}
	if (!y->started) {
		char hdr[128];

		if (sc_y4m_header(hdr, sizeof(hdr), m) ||
		    fputs(hdr, y->f) == EOF)
			return -1;
		y->pixelformat = m->pixelformat;
		y->width = m->width;
		y->height = m->height;
		y->planes_len = sc_y4m_planes_len(m);
		y->planes = malloc(y->planes_len);
		if (!y->planes)
			return -1;
		y->started = true;
	} else if (m->pixelformat != y->pixelformat || m->width != y->width ||
		   m->height != y->height) {
		return -1;
	}
	n = sc_to_planar(y->planes, m, pixels);
	if (n != y->planes_len || fputs("FRAME\n", y->f) == EOF ||
	    fwrite(y->planes, 1, n, y->f) != n)
		return -1;
	return 0;
}

void sc_y4m_free(struct sc_y4m *y)
{
	free(y->planes);
	y->planes = NULL;
}
