// SPDX-License-Identifier: MIT
/*
 * RFC 9180 Hybrid Public Key Encryption for the suite
 * DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305, modes base and
 * auth, on libsodium primitives. Function names follow the RFC's steps:
 * LabeledExtract, LabeledExpand, ExtractAndExpand, Encap/AuthEncap,
 * Decap/AuthDecap, KeySchedule, ComputeNonce, Seal/Open.
 */
#include "hpke.h"

#include <string.h>

#include <sodium.h>

#define HPKE_VERSION_LABEL	"HPKE-v1"

/* suite_id for the KEM: "KEM" || I2OSP(kem_id, 2) */
static const unsigned char kem_suite_id[] = { 'K', 'E', 'M', 0x00, 0x20 };

/* suite_id for the key schedule: "HPKE" || kem_id || kdf_id || aead_id */
static const unsigned char hpke_suite_id[] = {
	'H', 'P', 'K', 'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x03
};

/* libsodium declares its buffers nonnull even when the length is 0. */
static const unsigned char empty[1];
#define NONNULL(p) ((p) ? (const unsigned char *)(p) : empty)

static int crypto_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void sc_hkdf_extract(unsigned char prk[SC_HPKE_NH], const unsigned char *salt,
		     size_t salt_len, const unsigned char *ikm, size_t ikm_len)
{
	/* RFC 5869: an absent salt is HashLen zero bytes; HMAC pads the key
	 * with zeros anyway, so an empty key gives the same PRK. */
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, NONNULL(salt), salt_len);
	crypto_auth_hmacsha256_update(&st, NONNULL(ikm), ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	sodium_memzero(&st, sizeof(st));
}

int sc_hkdf_expand(unsigned char *out, size_t out_len,
		   const unsigned char prk[SC_HPKE_NH],
		   const unsigned char *info, size_t info_len)
{
	unsigned char t[SC_HPKE_NH];
	size_t done = 0, t_len = 0;
	unsigned char counter = 0;

	if (out_len > 255 * SC_HPKE_NH)
		return -1;
	while (done < out_len) {
		crypto_auth_hmacsha256_state st;
		size_t n;

		counter++;
		crypto_auth_hmacsha256_init(&st, prk, SC_HPKE_NH);
		crypto_auth_hmacsha256_update(&st, t, t_len);
		crypto_auth_hmacsha256_update(&st, NONNULL(info), info_len);
		crypto_auth_hmacsha256_update(&st, &counter, 1);
		crypto_auth_hmacsha256_final(&st, t);
		sodium_memzero(&st, sizeof(st));
		t_len = SC_HPKE_NH;
		n = out_len - done < SC_HPKE_NH ? out_len - done : SC_HPKE_NH;
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(t, sizeof(t));
	return 0;
}

/* LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id ||
 * label || ikm), computed without building the concatenation. */
static void labeled_extract(unsigned char prk[SC_HPKE_NH],
			    const unsigned char *suite_id, size_t suite_len,
			    const unsigned char *salt, size_t salt_len,
			    const char *label,
			    const unsigned char *ikm, size_t ikm_len)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, NONNULL(salt), salt_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)HPKE_VERSION_LABEL,
				      strlen(HPKE_VERSION_LABEL));
	crypto_auth_hmacsha256_update(&st, suite_id, suite_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
				      strlen(label));
	crypto_auth_hmacsha256_update(&st, NONNULL(ikm), ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	sodium_memzero(&st, sizeof(st));
}

/* LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ||
 * "HPKE-v1" || suite_id || label || info, L). */
static int labeled_expand(unsigned char *out, size_t out_len,
			  const unsigned char *suite_id, size_t suite_len,
			  const unsigned char prk[SC_HPKE_NH], const char *label,
			  const unsigned char *info, size_t info_len)
{
	unsigned char buf[2 + 7 + 16 + 32 + 1 + 2 * SC_HPKE_NH + 96];
	size_t label_len = strlen(label), pos = 0;
	int ret;

	if (out_len > 0xffff ||
	    2 + 7 + suite_len + label_len + info_len > sizeof(buf))
		return -1;
	buf[pos++] = (unsigned char)(out_len >> 8);
	buf[pos++] = (unsigned char)out_len;
	memcpy(buf + pos, HPKE_VERSION_LABEL, 7);
	pos += 7;
	memcpy(buf + pos, suite_id, suite_len);
	pos += suite_len;
	memcpy(buf + pos, label, label_len);
	pos += label_len;
	if (info_len)
		memcpy(buf + pos, info, info_len);
	pos += info_len;
	ret = sc_hkdf_expand(out, out_len, prk, buf, pos);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int sc_x25519_public(unsigned char pub[32], const unsigned char priv[32])
{
	if (crypto_ready())
		return -1;
	return crypto_scalarmult_base(pub, priv) == 0 ? 0 : -1;
}

/* DH(sk, pk); libsodium returns -1 for an all-zero result (small order). */
static int dh(unsigned char out[32], const unsigned char sk[32],
	      const unsigned char pk[32])
{
	return crypto_scalarmult(out, sk, pk) == 0 ? 0 : -1;
}

/* ExtractAndExpand(dh, kem_context) */
static int extract_and_expand(unsigned char shared_secret[SC_HPKE_NSECRET],
			      const unsigned char *dh_out, size_t dh_len,
			      const unsigned char *kem_context, size_t ctx_len)
{
	unsigned char eae_prk[SC_HPKE_NH];
	int ret;

	labeled_extract(eae_prk, kem_suite_id, sizeof(kem_suite_id), NULL, 0,
			"eae_prk", dh_out, dh_len);
	ret = labeled_expand(shared_secret, SC_HPKE_NSECRET, kem_suite_id,
			     sizeof(kem_suite_id), eae_prk, "shared_secret",
			     kem_context, ctx_len);
	sodium_memzero(eae_prk, sizeof(eae_prk));
	return ret;
}

/* Ephemeral key: the caller's (test vectors) or 32 fresh random bytes. */
static int ephemeral(unsigned char skE[32], unsigned char pkE[32],
		     const unsigned char *fixed)
{
	if (fixed)
		memcpy(skE, fixed, 32);
	else
		randombytes_buf(skE, 32);
	return sc_x25519_public(pkE, skE);
}

int sc_hpke_encap(unsigned char shared_secret[SC_HPKE_NSECRET],
		  unsigned char enc[SC_HPKE_NENC],
		  const unsigned char pkR[SC_HPKE_NPK],
		  const unsigned char *skE_in)
{
	unsigned char skE[32], dh_out[32], kem_context[64];
	int ret = -1;

	if (crypto_ready() || ephemeral(skE, enc, skE_in))
		goto out;
	if (dh(dh_out, skE, pkR))
		goto out;
	memcpy(kem_context, enc, 32);
	memcpy(kem_context + 32, pkR, 32);
	ret = extract_and_expand(shared_secret, dh_out, 32, kem_context,
				 sizeof(kem_context));
out:
	sodium_memzero(skE, sizeof(skE));
	sodium_memzero(dh_out, sizeof(dh_out));
	return ret;
}

int sc_hpke_decap(unsigned char shared_secret[SC_HPKE_NSECRET],
		  const unsigned char enc[SC_HPKE_NENC],
		  const unsigned char skR[SC_HPKE_NSK])
{
	unsigned char dh_out[32], kem_context[64];
	int ret = -1;

	if (crypto_ready() || dh(dh_out, skR, enc))
		goto out;
	memcpy(kem_context, enc, 32);
	if (sc_x25519_public(kem_context + 32, skR))
		goto out;
	ret = extract_and_expand(shared_secret, dh_out, 32, kem_context,
				 sizeof(kem_context));
out:
	sodium_memzero(dh_out, sizeof(dh_out));
	return ret;
}

int sc_hpke_auth_encap(unsigned char shared_secret[SC_HPKE_NSECRET],
		       unsigned char enc[SC_HPKE_NENC],
		       const unsigned char pkR[SC_HPKE_NPK],
		       const unsigned char skS[SC_HPKE_NSK],
		       const unsigned char *skE_in)
{
	unsigned char skE[32], dh_out[64], kem_context[96];
	int ret = -1;

	if (crypto_ready() || ephemeral(skE, enc, skE_in))
		goto out;
	if (dh(dh_out, skE, pkR) || dh(dh_out + 32, skS, pkR))
		goto out;
	memcpy(kem_context, enc, 32);
	memcpy(kem_context + 32, pkR, 32);
	if (sc_x25519_public(kem_context + 64, skS))
		goto out;
	ret = extract_and_expand(shared_secret, dh_out, 64, kem_context,
				 sizeof(kem_context));
out:
	sodium_memzero(skE, sizeof(skE));
	sodium_memzero(dh_out, sizeof(dh_out));
	return ret;
}

int sc_hpke_auth_decap(unsigned char shared_secret[SC_HPKE_NSECRET],
		       const unsigned char enc[SC_HPKE_NENC],
		       const unsigned char skR[SC_HPKE_NSK],
		       const unsigned char pkS[SC_HPKE_NPK])
{
	unsigned char dh_out[64], kem_context[96];
	int ret = -1;

	if (crypto_ready())
		goto out;
	if (dh(dh_out, skR, enc) || dh(dh_out + 32, skR, pkS))
		goto out;
	memcpy(kem_context, enc, 32);
	if (sc_x25519_public(kem_context + 32, skR))
		goto out;
	memcpy(kem_context + 64, pkS, 32);
	ret = extract_and_expand(shared_secret, dh_out, 64, kem_context,
				 sizeof(kem_context));
out:
	sodium_memzero(dh_out, sizeof(dh_out));
	return ret;
}

int sc_hpke_key_schedule(struct sc_hpke_ctx *ctx, uint8_t mode,
			 const unsigned char shared_secret[SC_HPKE_NSECRET],
			 const unsigned char *info, size_t info_len)
{
	unsigned char context[1 + 2 * SC_HPKE_NH], secret[SC_HPKE_NH];
	int ret = -1;

	if (mode != SC_HPKE_MODE_BASE && mode != SC_HPKE_MODE_AUTH)
		return -1;
	/* key_schedule_context = mode || psk_id_hash || info_hash */
	context[0] = mode;
	labeled_extract(context + 1, hpke_suite_id, sizeof(hpke_suite_id),
			NULL, 0, "psk_id_hash", NULL, 0);
	labeled_extract(context + 1 + SC_HPKE_NH, hpke_suite_id,
			sizeof(hpke_suite_id), NULL, 0, "info_hash",
			info, info_len);
	/* secret = LabeledExtract(shared_secret, "secret", psk = "") */
	labeled_extract(secret, hpke_suite_id, sizeof(hpke_suite_id),
			shared_secret, SC_HPKE_NSECRET, "secret", NULL, 0);
	if (labeled_expand(ctx->key, SC_HPKE_NK, hpke_suite_id,
			   sizeof(hpke_suite_id), secret, "key",
			   context, sizeof(context)) ||
	    labeled_expand(ctx->base_nonce, SC_HPKE_NN, hpke_suite_id,
			   sizeof(hpke_suite_id), secret, "base_nonce",
			   context, sizeof(context)) ||
	    labeled_expand(ctx->exporter_secret, SC_HPKE_NH, hpke_suite_id,
			   sizeof(hpke_suite_id), secret, "exp",
			   context, sizeof(context)))
		goto out;
	ctx->seq = 0;
	ret = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	if (ret)
		sc_hpke_ctx_wipe(ctx);
	return ret;
}

/* ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn) */
static void compute_nonce(unsigned char nonce[SC_HPKE_NN],
			  const struct sc_hpke_ctx *ctx)
{
	int i;

	memcpy(nonce, ctx->base_nonce, SC_HPKE_NN);
	for (i = 0; i < 8; i++)
		nonce[SC_HPKE_NN - 1 - i] ^= (unsigned char)(ctx->seq >> (8 * i));
}

int sc_hpke_seal(struct sc_hpke_ctx *ctx, unsigned char *ct,
		 const unsigned char *aad, size_t aad_len,
		 const unsigned char *pt, size_t pt_len)
{
	unsigned char nonce[SC_HPKE_NN];

	if (ctx->seq == UINT64_MAX)
		return -1;
	compute_nonce(nonce, ctx);
	crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, NONNULL(pt), pt_len,
						  NONNULL(aad), aad_len, NULL, nonce,
						  ctx->key);
	ctx->seq++;
	return 0;
}

int sc_hpke_open(struct sc_hpke_ctx *ctx, unsigned char *pt,
		 const unsigned char *aad, size_t aad_len,
		 const unsigned char *ct, size_t ct_len)
{
	unsigned char nonce[SC_HPKE_NN];

	if (ctx->seq == UINT64_MAX || ct_len < SC_HPKE_NT)
		return -1;
	compute_nonce(nonce, ctx);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct,
						      ct_len, NONNULL(aad), aad_len,
						      nonce, ctx->key))
		return -1;
	ctx->seq++;
	return 0;
}

int sc_hpke_setup_base_s(struct sc_hpke_ctx *ctx, unsigned char enc[SC_HPKE_NENC],
			 const unsigned char pkR[SC_HPKE_NPK],
			 const unsigned char *skE,
			 const unsigned char *info, size_t info_len)
{
	unsigned char ss[SC_HPKE_NSECRET];
	int ret;

	ret = sc_hpke_encap(ss, enc, pkR, skE);
	if (!ret)
		ret = sc_hpke_key_schedule(ctx, SC_HPKE_MODE_BASE, ss, info,
					   info_len);
	sodium_memzero(ss, sizeof(ss));
	return ret;
}

int sc_hpke_setup_base_r(struct sc_hpke_ctx *ctx,
			 const unsigned char enc[SC_HPKE_NENC],
			 const unsigned char skR[SC_HPKE_NSK],
			 const unsigned char *info, size_t info_len)
{
	unsigned char ss[SC_HPKE_NSECRET];
	int ret;

	ret = sc_hpke_decap(ss, enc, skR);
	if (!ret)
		ret = sc_hpke_key_schedule(ctx, SC_HPKE_MODE_BASE, ss, info,
					   info_len);
	sodium_memzero(ss, sizeof(ss));
	return ret;
}

int sc_hpke_setup_auth_s(struct sc_hpke_ctx *ctx, unsigned char enc[SC_HPKE_NENC],
			 const unsigned char pkR[SC_HPKE_NPK],
			 const unsigned char skS[SC_HPKE_NSK],
			 const unsigned char *skE,
			 const unsigned char *info, size_t info_len)
{
	unsigned char ss[SC_HPKE_NSECRET];
	int ret;

	ret = sc_hpke_auth_encap(ss, enc, pkR, skS, skE);
	if (!ret)
		ret = sc_hpke_key_schedule(ctx, SC_HPKE_MODE_AUTH, ss, info,
					   info_len);
	sodium_memzero(ss, sizeof(ss));
	return ret;
}

int sc_hpke_setup_auth_r(struct sc_hpke_ctx *ctx,
			 const unsigned char enc[SC_HPKE_NENC],
			 const unsigned char skR[SC_HPKE_NSK],
			 const unsigned char pkS[SC_HPKE_NPK],
			 const unsigned char *info, size_t info_len)
{
	unsigned char ss[SC_HPKE_NSECRET];
	int ret;

	ret = sc_hpke_auth_decap(ss, enc, skR, pkS);
	if (!ret)
		ret = sc_hpke_key_schedule(ctx, SC_HPKE_MODE_AUTH, ss, info,
					   info_len);
	sodium_memzero(ss, sizeof(ss));
	return ret;
}

int sc_hpke_export(const struct sc_hpke_ctx *ctx, unsigned char *out,
		   size_t out_len, const unsigned char *exporter_context,
		   size_t context_len)
{
	return labeled_expand(out, out_len, hpke_suite_id,
			      sizeof(hpke_suite_id), ctx->exporter_secret,
			      "sec", exporter_context, context_len);
}

void sc_hpke_ctx_wipe(struct sc_hpke_ctx *ctx)
{
	sodium_memzero(ctx, sizeof(*ctx));
}
