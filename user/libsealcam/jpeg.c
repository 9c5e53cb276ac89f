// SPDX-License-Identifier: MIT
/*
 * MJPG frames (docs/FORMAT.md 3.3) decoded to RGB with libjpeg(-turbo), for
 * PNGs of what a webcam sent. The JPEG is the camera's, authenticated but
 * not trusted to be well formed: libjpeg's fatal errors come back here
 * (longjmp) as a message, its warnings (corrupt data it worked around) are
 * counted, and a picture larger than sealcam's largest frame is refused
 * before anything is allocated for it.
 */
#include "frameout.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

struct sc_jpeg_err {
	struct jpeg_error_mgr mgr;	/* must be first */
	jmp_buf jump;
	char *msg;
	size_t msg_len;
};

static void sc_jpeg_error_exit(j_common_ptr cinfo)
{
	struct sc_jpeg_err *e = (struct sc_jpeg_err *)cinfo->err;

	if (e->msg_len)
		e->mgr.format_message(cinfo, e->msg);	/* JMSG_LENGTH_MAX */
	longjmp(e->jump, 1);
}

/* Warnings (level -1) are counted in num_warnings; nothing is printed. */
static void sc_jpeg_output_message(j_common_ptr cinfo)
{
}

int sc_jpeg_to_rgb(const unsigned char *jpeg, size_t len, unsigned char **rgb,
		   uint32_t *width, uint32_t *height, char *err, size_t err_len)
{
	struct jpeg_decompress_struct cinfo;
	struct sc_jpeg_err e;
	char msg[JMSG_LENGTH_MAX] = "";
	unsigned char *volatile img = NULL;
	size_t row_len;
	volatile int ret = -EBADMSG;

	*rgb = NULL;
	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = sc_jpeg_error_exit;
	e.mgr.output_message = sc_jpeg_output_message;
	e.msg = msg;
	e.msg_len = sizeof(msg);
	if (setjmp(e.jump)) {
		snprintf(err, err_len, "not a JPEG libjpeg decodes: %s", msg);
		goto out;
	}
	jpeg_create_decompress(&cinfo);
	if (!len || len > (unsigned long)-1) {
		snprintf(err, err_len, "empty JPEG");
		goto out;
	}
	jpeg_mem_src(&cinfo, jpeg, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	if (cinfo.image_width < 1 || cinfo.image_width > SEALCAM_MAX_WIDTH ||
	    cinfo.image_height < 1 || cinfo.image_height > SEALCAM_MAX_HEIGHT) {
		snprintf(err, err_len, "JPEG of %ux%u pixels: larger than %ux%u",
			 cinfo.image_width, cinfo.image_height,
			 SEALCAM_MAX_WIDTH, SEALCAM_MAX_HEIGHT);
		goto out;
	}
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != 3) {
		snprintf(err, err_len, "JPEG decodes to %d components, not RGB",
			 cinfo.output_components);
		goto out;
	}
	row_len = (size_t)cinfo.output_width * 3;
	img = malloc(row_len * cinfo.output_height);
	if (!img) {
		ret = -ENOMEM;
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = img + row_len * cinfo.output_scanline;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	if (e.mgr.num_warnings) {
		/* libjpeg filled in what was missing: not the camera's picture */
		e.mgr.format_message((j_common_ptr)&cinfo, msg);
		snprintf(err, err_len, "corrupt JPEG (%ld warning(s), e.g. %s)",
			 e.mgr.num_warnings, msg);
		goto out;
	}
	*width = cinfo.output_width;
	*height = cinfo.output_height;
	*rgb = img;
	img = NULL;
	ret = 0;
out:
	jpeg_destroy_decompress(&cinfo);
	free(img);
	return ret;
}
