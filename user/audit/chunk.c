// SPDX-License-Identifier: MIT
/*
 * Sealed audit chunks (chunk.h): HPKE base mode wraps a fresh key K to each
 * recipient; ChaCha20-Poly1305 under K seals the log lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../libsealcam/hpke.h"
#include "chunk.h"

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static size_t chunk_info(uint8_t *info, uint64_t first_seq)
{
	size_t n = strlen(AL_CHUNK_LABEL);

	memcpy(info, AL_CHUNK_LABEL, n);
	put_le64(info + n, first_seq);
	return n + 8;
}

static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

int al_chunk_seal(const uint8_t (*pubs)[32], unsigned int n, uint64_t first_seq,
		  uint64_t last_seq, const uint8_t *data, size_t len,
		  uint8_t **out, size_t *out_len)
{
	uint8_t k[32], info[64], hash[32];
	size_t info_len, head, total;
	struct sc_hpke_ctx ctx;
	unsigned int i;
	uint8_t *p;

	if (!n || n > AL_CHUNK_MAX_RCPT)
		return -EINVAL;
	head = AL_CHUNK_HDR_LEN + n * AL_CHUNK_RCPT_LEN;
	total = head + len + crypto_aead_chacha20poly1305_IETF_ABYTES;
	p = calloc(1, total);
	if (!p)
		return -ENOMEM;
	memcpy(p, AL_CHUNK_MAGIC, 4);
	p[4] = 1;
	p[5] = n;
	put_le64(p + 8, first_seq);
	put_le64(p + 16, last_seq);
	put_le64(p + 24, len);
	randombytes_buf(k, sizeof(k));
	info_len = chunk_info(info, first_seq);
	for (i = 0; i < n; i++) {
		uint8_t *r = p + AL_CHUNK_HDR_LEN + i * AL_CHUNK_RCPT_LEN;

		crypto_hash_sha256(hash, pubs[i], 32);
		memcpy(r, hash, 8);
		if (sc_hpke_setup_base_s(&ctx, r + 8, pubs[i], NULL, info, info_len) ||
		    sc_hpke_seal(&ctx, r + 40, NULL, 0, k, sizeof(k))) {
			sc_hpke_ctx_wipe(&ctx);
			sodium_memzero(k, sizeof(k));
			free(p);
			return -EINVAL;
		}
		sc_hpke_ctx_wipe(&ctx);
	}
	crypto_aead_chacha20poly1305_ietf_encrypt(p + head, NULL, data, len, p, head,
						  NULL, zero_nonce, k);
	sodium_memzero(k, sizeof(k));
	*out = p;
	*out_len = total;
	return 0;
}

int al_chunk_open(const uint8_t priv[32], const uint8_t *in, size_t len,
		  uint8_t **data, size_t *data_len, uint64_t *first_seq,
		  uint64_t *last_seq)
{
	uint8_t pub[32], id[32], k[32], info[64];
	struct sc_hpke_ctx ctx;
	size_t head, plen, info_len;
	unsigned int n, i;
	uint8_t *out;
	int ret = -ENOKEY;

	if (len < AL_CHUNK_HDR_LEN || memcmp(in, AL_CHUNK_MAGIC, 4) || in[4] != 1 ||
	    in[6] || in[7])
		return -EBADMSG;
	n = in[5];
	if (!n || n > AL_CHUNK_MAX_RCPT)
		return -EBADMSG;
	head = AL_CHUNK_HDR_LEN + n * AL_CHUNK_RCPT_LEN;
	plen = get_le64(in + 24);
	if (len < head || len - head < crypto_aead_chacha20poly1305_IETF_ABYTES ||
	    len - head - crypto_aead_chacha20poly1305_IETF_ABYTES != plen)
		return -EBADMSG;
	if (sc_x25519_public(pub, priv))
		return -ENOKEY;
	crypto_hash_sha256(id, pub, 32);
	info_len = chunk_info(info, get_le64(in + 8));
	for (i = 0; i < n; i++) {
		const uint8_t *r = in + AL_CHUNK_HDR_LEN + i * AL_CHUNK_RCPT_LEN;

		if (memcmp(r, id, 8))
			continue;
		if (sc_hpke_setup_base_r(&ctx, r + 8, priv, info, info_len) ||
		    sc_hpke_open(&ctx, k, NULL, 0, r + 40, 48)) {
			sc_hpke_ctx_wipe(&ctx);
			return -ENOKEY;
		}
		sc_hpke_ctx_wipe(&ctx);
		ret = 0;
		break;
	}
	if (ret)
		return ret;
	out = malloc(plen + 1);
	if (!out) {
		sodium_memzero(k, sizeof(k));
		return -ENOMEM;
	}
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, in + head,
						      len - head, in, head,
						      zero_nonce, k)) {
		sodium_memzero(k, sizeof(k));
		free(out);
		return -EBADMSG;
	}
	sodium_memzero(k, sizeof(k));
	*data = out;
	*data_len = plen;
	*first_seq = get_le64(in + 8);
	*last_seq = get_le64(in + 16);
	return 0;
}
