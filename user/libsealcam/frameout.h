/* SPDX-License-Identifier: MIT */
/*
 * Writers for decrypted frames: YUV4MPEG2 (y4m.c; plays in mpv and ffplay),
 * or for MJPG frames an MJPEG stream (the JPEGs back to back, as the camera
 * sent them; mpv and ffplay open it as .mjpeg), and PNG (png.c, jpeg.c; one
 * file per frame). Input is the pixel payload of a frame as sealed: GREY,
 * YUYV or NV12 with the stride in sc_meta.bytesperline, or one JPEG of
 * sc_meta.payload_len bytes.
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

/*
 * Header on the first frame; the format must not change afterwards (-1).
 * MJPG frames: no header, each frame's JPEG as it is (an MJPEG stream).
 */
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
 * range), MJPG as the RGB libjpeg decodes. 0, or -errno (-EBADMSG: an MJPG
 * frame that does not decode; sc_jpeg_to_rgb says why).
 */
int sc_png_write(const char *path, const struct sc_meta *m,
		 const unsigned char *pixels);
/* PNG of an image: 3 bytes per pixel, or 1 when @grey. 0, or -errno. */
int sc_png_write_image(const char *path, const unsigned char *img,
		       uint32_t width, uint32_t height, bool grey);
/*
 * Decode one JPEG (an MJPG frame) to RGB, 3 bytes per pixel, into *@rgb
 * (malloc'd; the caller frees it) of *@width x *@height. A JPEG libjpeg
 * cannot decode, or decodes only by filling in corrupt data, or larger
 * than 1920x1080: -EBADMSG and the reason in @err. -ENOMEM.
 */
int sc_jpeg_to_rgb(const unsigned char *jpeg, size_t len, unsigned char **rgb,
		   uint32_t *width, uint32_t *height, char *err, size_t err_len);
/* The RGB (3 bytes per pixel) or grey image sc_png_write encodes. */
int sc_to_rgb_or_grey(unsigned char *out, const struct sc_meta *m,
		      const unsigned char *pixels, bool *grey);

#endif /* SEALCAM_FRAMEOUT_H */
