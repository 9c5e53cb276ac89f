/* SPDX-License-Identifier: MIT */
/*
 * How the committed test vector (tests/vectors/grey-160x120.*) was made, so
 * a test can rebuild it byte for byte: every secret is SHA-256 of a fixed
 * label, so the file is reproducible but still exercises real HPKE and
 * ChaCha20-Poly1305. These keys are public: never use them for anything else.
 *
 *   owner private key   = SHA-256("sealcam test vector: owner key")
 *   device private key  = SHA-256("sealcam test vector: device key")
 *   content key K       = SHA-256("sealcam test vector: content key")
 *   HPKE ephemeral skE  = SHA-256("sealcam test vector: ephemeral key")
 *   segment_id 1, camera 0, 3 frames GREY 160x120, stride 160,
 *   frame interval 1/30 s, sequence 42, 43, 44,
 *   timestamp_ns 1767225600000000000 + i * 33333333 (2026-01-01T00:00:00Z),
 *   monotonic_ns 1000000000 + i * 33333333, pattern 0,
 *   pixel (x, y) of frame i = (x + 2 * y + 40 * i) & 0xff.
 *
 * grey-160x120.sealed is format v1, one recipient (the owner key).
 * grey-160x120-v2.sealed is format v2, the same frames sealed to two
 * recipients, in this order:
 *   owner key (as above), skE as above;
 *   second owner private key = SHA-256("sealcam test vector: second owner key"),
 *   its skE = SHA-256("sealcam test vector: second ephemeral key").
 */
#ifndef SEALCAM_VECTOR_GEN_H
#define SEALCAM_VECTOR_GEN_H

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sealed.h"
#include "sealwrite.h"

#define VEC_W		160
#define VEC_H		120
#define VEC_FRAMES	3

static void vec_secret(unsigned char out[32], const char *what)
{
	char label[96];

	snprintf(label, sizeof(label), "sealcam test vector: %s", what);
	crypto_hash_sha256(out, (const unsigned char *)label, strlen(label));
}

static void vec_pixels(unsigned char *px, unsigned int frame)
{
	unsigned int x, y;

	for (y = 0; y < VEC_H; y++)
		for (x = 0; x < VEC_W; x++)
			px[y * VEC_W + x] = (unsigned char)(x + 2 * y + 40 * frame);
}

/*
 * Build the vector of format @version (SEALCAM_FORMAT_V1: one recipient;
 * 2 and 3: two) into a malloc'd buffer; NULL on failure.
 */
static unsigned char *vec_build_version(unsigned int version, size_t *len)
{
	unsigned char owner_priv[2][32], owner_pub[2][32], device_priv[32];
	unsigned char k[32], eph[2][32], px[VEC_W * VEC_H], *buf, *p;
	unsigned int n = version == SEALCAM_FORMAT_V1 ? 1 : 2;
	struct sc_seg_writer w;
	struct sc_meta m = {
		.pixelformat = SEALCAM_PLAIN_GREY, .width = VEC_W,
		.height = VEC_H, .bytesperline = VEC_W,
		.fps_num = 1, .fps_den = 30,
	};
	unsigned int i;

	if (sodium_init() < 0)
		return NULL;
	vec_secret(owner_priv[0], "owner key");
	vec_secret(owner_priv[1], "second owner key");
	vec_secret(device_priv, "device key");
	vec_secret(k, "content key");
	vec_secret(eph[0], "ephemeral key");
	vec_secret(eph[1], "second ephemeral key");
	crypto_scalarmult_base(owner_pub[0], owner_priv[0]);
	crypto_scalarmult_base(owner_pub[1], owner_priv[1]);
	if (sc_writer_begin_version(&w, version, device_priv,
				    (const unsigned char (*)[32])owner_pub, n,
				    1, 0, k, (const unsigned char (*)[32])eph))
		return NULL;
	buf = malloc(sc_writer_frame_len(&w, sizeof(px)) * VEC_FRAMES);
	if (!buf)
		return NULL;
	p = buf;
	for (i = 0; i < VEC_FRAMES; i++) {
		size_t n;

		m.sequence = 42 + i;
		m.timestamp_ns = 1767225600000000000ull + i * 33333333ull;
		m.monotonic_ns = 1000000000ull + i * 33333333ull;
		vec_pixels(px, i);
		n = sc_writer_frame(&w, p, &m, px, sizeof(px), i + 1 == VEC_FRAMES);
		if (!n) {
			free(buf);
			return NULL;
		}
		p += n;
	}
	sc_writer_end(&w);
	*len = (size_t)(p - buf);
	return buf;
}

static unsigned char *vec_build(size_t *len)
{
	return vec_build_version(SEALCAM_FORMAT_V1, len);
}

#endif /* SEALCAM_VECTOR_GEN_H */
