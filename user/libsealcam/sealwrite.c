// SPDX-License-Identifier: MIT
/*
 * Test-only sealing of segments, byte for byte what docs/FORMAT.md specifies
 * and the kernel writes: the reader's tests build segments with it and then
 * damage them.
 */
#include "sealwrite.h"
#include "hpke.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define FH_LEN	((uint32_t)sizeof(struct sealcam_frame_hdr))
#define SH_LEN	((uint32_t)sizeof(struct sealcam_segment_hdr))
#define RCP_LEN	((uint32_t)sizeof(struct sealcam_recipient))

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

int sc_writer_begin(struct sc_seg_writer *w,
		    const unsigned char device_priv[SEALCAM_KEY_LEN],
		    const unsigned char (*recipient_pubs)[SEALCAM_KEY_LEN],
		    unsigned int n_recipients, uint64_t segment_id,
		    uint32_t camera, const unsigned char *content_key,
		    const unsigned char (*ephemeral_privs)[SEALCAM_KEY_LEN])
{
	return sc_writer_begin_version(w, SEALCAM_FORMAT_VERSION, device_priv,
				       recipient_pubs, n_recipients, segment_id,
				       camera, content_key, ephemeral_privs);
}

int sc_writer_begin_version(struct sc_seg_writer *w, unsigned int version,
			    const unsigned char device_priv[SEALCAM_KEY_LEN],
			    const unsigned char (*recipient_pubs)[SEALCAM_KEY_LEN],
			    unsigned int n_recipients, uint64_t segment_id,
			    uint32_t camera, const unsigned char *content_key,
			    const unsigned char (*ephemeral_privs)[SEALCAM_KEY_LEN])
{
	unsigned char info[SC_HPKE_INFO_MAX];
	size_t info_len;
	unsigned int i;

	memset(w, 0, sizeof(*w));
	if (sodium_init() < 0 || n_recipients < 1 ||
	    n_recipients > SEALCAM_MAX_RECIPIENTS ||
	    (version != SEALCAM_FORMAT_VERSION && version != SEALCAM_FORMAT_V2 &&
	     version != SEALCAM_FORMAT_V1))
		return -1;
	w->version = version;
	w->n_recipients = n_recipients;
	memcpy(w->device_priv, device_priv, SEALCAM_KEY_LEN);
	if (sc_x25519_public(w->device_pub, device_priv))
		return -1;
	sc_key_id(w->device_id, w->device_pub);
	if (content_key)
		memcpy(w->content_key, content_key, SEALCAM_KEY_LEN);
	else
		randombytes_buf(w->content_key, SEALCAM_KEY_LEN);
	w->segment_id = segment_id;

	unsigned char *h = w->seg_hdr;

	put32(h + offsetof(struct sealcam_segment_hdr, magic), SEALCAM_SEGMENT_MAGIC);
	put16(h + offsetof(struct sealcam_segment_hdr, version), (uint16_t)version);
	put16(h + offsetof(struct sealcam_segment_hdr, n_recipients),
	      (uint16_t)n_recipients);
	memcpy(h + offsetof(struct sealcam_segment_hdr, device_pub), w->device_pub,
	       SEALCAM_KEY_LEN);
	put64(h + offsetof(struct sealcam_segment_hdr, segment_id), segment_id);
	put32(h + offsetof(struct sealcam_segment_hdr, camera), camera);

	info_len = sc_segment_info_bytes_v(info, version, w->device_id,
					   segment_id);
	for (i = 0; i < n_recipients; i++) {
		unsigned char *rcp = h + SH_LEN + i * RCP_LEN;
		struct sc_hpke_ctx ctx;
		int ret;

		sc_key_id(rcp + offsetof(struct sealcam_recipient, key_id),
			  recipient_pubs[i]);
		ret = sc_hpke_setup_auth_s(&ctx,
					   rcp + offsetof(struct sealcam_recipient, enc),
					   recipient_pubs[i], w->device_priv,
					   ephemeral_privs ? ephemeral_privs[i] : NULL,
					   info, info_len);
		if (!ret)
			ret = sc_hpke_seal(&ctx,
					   rcp + offsetof(struct sealcam_recipient, wrapped_key),
					   NULL, 0, w->content_key, SEALCAM_KEY_LEN);
		if (!ret && version != SEALCAM_FORMAT_V1)
			ret = sc_frame_mac_key(&ctx, version, w->mac_keys[i]);
		sc_hpke_ctx_wipe(&ctx);
		if (ret) {
			sc_writer_end(w);
			return -1;
		}
	}
	w->seg_hdr_len = SEALCAM_SEG_HDR_LEN(n_recipients);
	return 0;
}

size_t sc_writer_frame_len(const struct sc_seg_writer *w, size_t pixels_len)
{
	return FH_LEN + (w->next_index == 0 ? w->seg_hdr_len : 0) +
	       SEALCAM_META_LEN + pixels_len + SEALCAM_TAG_LEN +
	       (w->version == SEALCAM_FORMAT_V1 ? 0 :
		w->n_recipients * SEALCAM_MAC_LEN);
}

size_t sc_writer_frame(struct sc_seg_writer *w, unsigned char *out,
		       const struct sc_meta *meta,
		       const unsigned char *pixels, size_t pixels_len,
		       bool last)
{
	bool first = w->next_index == 0;
	uint32_t seg_hdr_len = first ? w->seg_hdr_len : 0;
	uint32_t ct_len = (uint32_t)(SEALCAM_META_LEN + pixels_len + SEALCAM_TAG_LEN);
	uint32_t mac_len = w->version == SEALCAM_FORMAT_V1 ? 0 :
			   w->n_recipients * SEALCAM_MAC_LEN;
	unsigned int i;
	uint16_t flags = (first ? SEALCAM_F_FIRST | SEALCAM_F_KEYFRAME : 0) |
			 (last ? SEALCAM_F_LAST : 0);
	unsigned char nonce[12] = { 0 };
	unsigned char *plain;
	struct sc_meta m = *meta;

	if (!w->seg_hdr_len || pixels_len > UINT32_MAX - 128)
		return 0;
	memset(out, 0, FH_LEN);
	put32(out + offsetof(struct sealcam_frame_hdr, magic), SEALCAM_FRAME_MAGIC);
	out[offsetof(struct sealcam_frame_hdr, version)] = (unsigned char)w->version;
	out[offsetof(struct sealcam_frame_hdr, hdr_len)] = (unsigned char)FH_LEN;
	put16(out + offsetof(struct sealcam_frame_hdr, flags), flags);
	put32(out + offsetof(struct sealcam_frame_hdr, seg_hdr_len), seg_hdr_len);
	put32(out + offsetof(struct sealcam_frame_hdr, ct_len), ct_len + mac_len);
	put32(out + offsetof(struct sealcam_frame_hdr, mac_len), mac_len);
	memcpy(out + offsetof(struct sealcam_frame_hdr, device_id), w->device_id,
	       SEALCAM_KEY_ID_LEN);
	put64(out + offsetof(struct sealcam_frame_hdr, segment_id), w->segment_id);
	put64(out + offsetof(struct sealcam_frame_hdr, frame_index), w->next_index);
	if (first)
		memcpy(out + FH_LEN, w->seg_hdr, seg_hdr_len);

	plain = malloc(SEALCAM_META_LEN + pixels_len);
	if (!plain)
		return 0;
	m.payload_len = (uint32_t)pixels_len;
	sc_meta_encode(plain, &m);
	memcpy(plain + SEALCAM_META_LEN, pixels, pixels_len);
	put64(nonce + 4, w->next_index);
	/* AAD = frame header || segment header: the bytes just written. */
	crypto_aead_chacha20poly1305_ietf_encrypt(out + FH_LEN + seg_hdr_len, NULL,
						  plain, SEALCAM_META_LEN + pixels_len,
						  out, FH_LEN + seg_hdr_len,
						  NULL, nonce, w->content_key);
	sodium_memzero(plain, SEALCAM_META_LEN + pixels_len);
	free(plain);
	if (mac_len && w->version != SEALCAM_FORMAT_V2) {
		/* v3 attribution: each recipient's one-time Poly1305 */
		for (i = 0; i < w->n_recipients; i++)
			sc_frame_mac_v3(out + FH_LEN + seg_hdr_len + ct_len +
					i * SEALCAM_MAC_LEN, w->mac_keys[i],
					w->next_index, out,
					FH_LEN + seg_hdr_len + ct_len);
	} else if (mac_len) {
		/* v2 attribution: running hash, then each recipient's MAC */
		sc_frame_chain(w->chain, out, FH_LEN + seg_hdr_len + ct_len);
		for (i = 0; i < w->n_recipients; i++)
			sc_frame_mac(out + FH_LEN + seg_hdr_len + ct_len +
				     i * SEALCAM_MAC_LEN, w->mac_keys[i],
				     w->chain);
	}
	w->next_index++;
	return FH_LEN + seg_hdr_len + ct_len + mac_len;
}

void sc_writer_end(struct sc_seg_writer *w)
{
	sodium_memzero(w, sizeof(*w));
}
