/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sealing of segments and frames: HPKE (RFC 9180, mode_auth) wraps a fresh
 * per-segment content key to every recipient; every frame is RFC 8439
 * ChaCha20-Poly1305 under that key. Layout: kmod/uapi/sealcam.h.
 */
#ifndef _SEALCAM_SEAL_H
#define _SEALCAM_SEAL_H

#include <linux/types.h>
#include <crypto/poly1305.h>
#include <crypto/sha2.h>
#include "uapi/sealcam.h"

struct sc_recipient_key {
	u8 pub[SEALCAM_KEY_LEN];
	u8 id[SEALCAM_KEY_ID_LEN];
	char label[SEALCAM_LABEL_MAX];
};

/* What a segment is sealed to, copied from the keyring when it starts. */
struct sc_key_snapshot {
	u8 device_priv[SEALCAM_KEY_LEN];
	u8 device_pub[SEALCAM_KEY_LEN];
	u8 device_id[SEALCAM_KEY_ID_LEN];
	unsigned int n_recipients;
	struct sc_recipient_key recipients[SEALCAM_MAX_RECIPIENTS];
	u64 generation;		/* keyring generation the copy was taken at */
};

/*
 * One recipient's frame-MAC key (format v3), as the ChaCha20 key words that
 * make each frame's one-time Poly1305 key (docs/FORMAT.md 4.4). Secret.
 */
struct sc_mac_key {
	u32 words[8];
};

/* One open segment of one camera. Zero-initialise before sc_segment_start. */
struct sc_segment {
	bool active;
	bool closed;		/* LAST frame sealed */
	u64 id;
	u32 camera;
	u64 frame_index;	/* index the next sealed frame gets */
	u8 content_key[SEALCAM_KEY_LEN];
	u8 device_id[SEALCAM_KEY_ID_LEN];
	u8 *seg_hdr;		/* segment header + recipients, kmalloc'd */
	u32 seg_hdr_len;
	/* v3 attribution: one MAC key per recipient, in entry order */
	unsigned int n_macs;
	struct sc_mac_key *mac_keys;	/* n_macs, kmalloc'd, secret */
	/* split sealing: the MACs' states while a second CPU runs them */
	struct poly1305_desc_ctx *mac_descs;	/* n_macs, kmalloc'd, secret */
	bool split;		/* large frames use a second CPU (seal_split) */
};

int sc_crypto_init(void);
void sc_crypto_exit(void);

/* RFC 9180 A.2 vectors (base and auth mode) and an RFC 8439 round trip. */
int __must_check sc_crypto_selftest(void);

/* Name of the ChaCha20 / Poly1305 implementations the sealing runs on. */
const char *sc_crypto_driver(void);

void sc_key_id(const u8 pub[SEALCAM_KEY_LEN], u8 id[SEALCAM_KEY_ID_LEN]);
int __must_check sc_x25519_public(u8 pub[SEALCAM_KEY_LEN],
				  const u8 priv[SEALCAM_KEY_LEN]);
void sc_x25519_generate(u8 priv[SEALCAM_KEY_LEN]);

/*
 * Start a segment: fresh content key, HPKE-wrapped to every recipient in
 * @keys, header built. -ENOKEY when @keys has no recipient.
 */
int __must_check sc_segment_start(struct sc_segment *seg, u64 segment_id,
				  u32 camera, const struct sc_key_snapshot *keys);

/* Largest sealed frame for a plaintext (meta + pixels) of @plain_len. */
size_t sc_sealed_max(size_t plain_len);

/*
 * Seal one frame: @plain (frame meta + pixels) lives in a kernel-private
 * staging buffer with SEALCAM_TAG_LEN bytes of room after @plain_len; it is
 * encrypted there in place (it holds ciphertext afterwards) and then copied
 * to @dst, the vb2 buffer, after the frame header and, on the first frame,
 * the segment header, and followed by one attribution MAC per recipient.
 * Returns the bytes written to @dst or -errno; -EPIPE after the LAST frame.
 */
ssize_t sc_seal_frame(struct sc_segment *seg, u8 *dst, size_t dst_len,
		      u8 *plain, size_t plain_len, bool last);

/* Wipe the content and MAC keys, free the header. Safe when inactive. */
void sc_segment_end(struct sc_segment *seg);

#endif /* _SEALCAM_SEAL_H */
