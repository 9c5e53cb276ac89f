/* SPDX-License-Identifier: MIT */
/*
 * Writers for decrypted frames: YUV4MPEG2 (y4m.c; plays in mpv and ffplay)
 * and PNG (png.c; one file per frame). Input is the pixel payload of a frame
 * as sealed: GREY, YUYV or NV12 with the stride in sc_meta.bytesperline.
 */
#ifndef SEALCAM_FRAMEOUT_H
#define SEALCAM_FRAMEOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sealed.h"

struct sc_y4m {
	FILE *f;
	bool started;
	uint32_t pixelformat, width, height;
	unsigned char *planes;		/* one converted frame */
	size_t planes_len;
};

/* Header on the first frame; the format must not change afterwards (-1). */
int sc_y4m_frame(struct sc_y4m *y, const struct sc_meta *m,
		 const unsigned char *pixels);
/* Header line for a format, e.g. "YUV4MPEG2 W160 H120 F30:1 Ip A1:1 C422". */
int sc_y4m_header(char *out, size_t len, const struct sc_meta *m);
void sc_y4m_free(struct sc_y4m *y);

/*
 * Planar conversion for y4m: GREY -> Y (Cmono); YUYV -> Y, Cb, Cr at 4:2:2
 * (C422); NV12 -> Y, Cb, Cr at 4:2:0 (C420jpeg). Returns the bytes written
 * to @out (sc_y4m_planes_len), 0 for an unknown format.
 */
size_t sc_y4m_planes_len(const struct sc_meta *m);
size_t sc_to_planar(unsigned char *out, const struct sc_meta *m,
		    const unsigned char *pixels);

/*
 * PNG: GREY as 8-bit greyscale, YUYV and NV12 as 8-bit RGB (BT.601, limited
 * range). 0, or -errno.
 */
int sc_png_write(const char *path, const struct sc_meta *m,
		 const unsigned char *pixels);
/* The RGB (3 bytes per pixel) or grey image sc_png_write encodes. */
int sc_to_rgb_or_grey(unsigned char *out, const struct sc_meta *m,
		      const unsigned char *pixels, bool *grey);

#endif /* SEALCAM_FRAMEOUT_H */
