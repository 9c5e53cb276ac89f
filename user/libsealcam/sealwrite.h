/* SPDX-License-Identifier: MIT */
/*
 * Userspace sealing of segments, the mirror of the kernel's sealing
 * (kmod/seal.c). Used only by tests and to make the committed test vector:
 * the camera, never userspace, seals real frames.
 */
#ifndef SEALCAM_SEALWRITE_H
#define SEALCAM_SEALWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealed.h"

struct sc_seg_writer {
	unsigned char device_priv[SEALCAM_KEY_LEN];
	unsigned char device_pub[SEALCAM_KEY_LEN];
	unsigned char device_id[SEALCAM_KEY_ID_LEN];
	unsigned char content_key[SEALCAM_KEY_LEN];
	unsigned char seg_hdr[SEALCAM_SEG_HDR_LEN(SEALCAM_MAX_RECIPIENTS)];
	uint32_t seg_hdr_len;
	uint64_t segment_id;
	uint64_t next_index;
	unsigned int version;		/* SEALCAM_FORMAT_VERSION, _V2 or _V1 */
	unsigned int n_recipients;
	unsigned char mac_keys[SEALCAM_MAX_RECIPIENTS][32]; /* v2, v3 */
	unsigned char chain[32];	/* v2 running hash */
};

/*
 * Start a segment in the current format (v2): random K (or @content_key if not NULL), one HPKE
 * mode_auth entry per recipient (ephemeral keys random, or taken from
 * @ephemeral_privs if not NULL, for reproducible vectors). 0 or -1.
 */
int sc_writer_begin(struct sc_seg_writer *w,
		    const unsigned char device_priv[SEALCAM_KEY_LEN],
		    const unsigned char (*recipient_pubs)[SEALCAM_KEY_LEN],
		    unsigned int n_recipients, uint64_t segment_id,
		    uint32_t camera, const unsigned char *content_key,
		    const unsigned char (*ephemeral_privs)[SEALCAM_KEY_LEN]);

/* The same in a given format version (SEALCAM_FORMAT_V1 for old files). */
int sc_writer_begin_version(struct sc_seg_writer *w, unsigned int version,
			    const unsigned char device_priv[SEALCAM_KEY_LEN],
			    const unsigned char (*recipient_pubs)[SEALCAM_KEY_LEN],
			    unsigned int n_recipients, uint64_t segment_id,
			    uint32_t camera, const unsigned char *content_key,
			    const unsigned char (*ephemeral_privs)[SEALCAM_KEY_LEN]);

/* Bytes sc_writer_frame writes for @pixels_len bytes of pixels. */
size_t sc_writer_frame_len(const struct sc_seg_writer *w, size_t pixels_len);

/*
 * Seal the next frame (frame_index = w->next_index) into @out, which must
 * hold sc_writer_frame_len() bytes. meta->payload_len is set from
 * @pixels_len. Returns the bytes written, 0 on error.
 */
size_t sc_writer_frame(struct sc_seg_writer *w, unsigned char *out,
		       const struct sc_meta *meta,
		       const unsigned char *pixels, size_t pixels_len,
		       bool last);

void sc_writer_end(struct sc_seg_writer *w);

#endif /* SEALCAM_SEALWRITE_H */
