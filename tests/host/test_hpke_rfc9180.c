// SPDX-License-Identifier: MIT
/*
 * The userspace HPKE (user/libsealcam/hpke.c) reproduces RFC 9180 Appendix
 * A.2.1 (mode_base) and A.2.3 (mode_auth) for DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, ChaCha20Poly1305: public keys, enc, shared_secret, key,
 * base_nonce, exporter_secret and the ciphertexts of sequence numbers
 * 0, 1, 2, 4, 255, 256; and Open rejects a flipped bit or a wrong sender.
 */
#include <string.h>

#include <sodium.h>

#include "hpke.h"
#include "tap.h"
#include "../vectors/rfc9180_a2.h"

struct enc_vec {
	unsigned int seq;
	const unsigned char *aad;
	size_t aad_len;
	const unsigned char *ct;
};

#define ENC(prefix, n) \
	{ n, rfc9180_a2_aad_##n, sizeof(rfc9180_a2_aad_##n), prefix##_ct_seq##n }

static const struct enc_vec base_encs[] = {
	ENC(rfc9180_a2_1, 0), ENC(rfc9180_a2_1, 1), ENC(rfc9180_a2_1, 2),
	ENC(rfc9180_a2_1, 4), ENC(rfc9180_a2_1, 255), ENC(rfc9180_a2_1, 256),
};

static const struct enc_vec auth_encs[] = {
	ENC(rfc9180_a2_3, 0), ENC(rfc9180_a2_3, 1), ENC(rfc9180_a2_3, 2),
	ENC(rfc9180_a2_3, 4), ENC(rfc9180_a2_3, 255), ENC(rfc9180_a2_3, 256),
};

#define NENC 6
#define CT_LEN (sizeof(rfc9180_a2_pt) + 16)

/* Seal sequence numbers 0..256 and compare those the RFC lists. */
static void check_encryptions(const char *mode, struct sc_hpke_ctx *s,
			      const struct enc_vec *v)
{
	unsigned char ct[CT_LEN];
	unsigned int seq, i = 0;
	int all_ok = 1;

	for (seq = 0; seq <= 256; seq++) {
		const unsigned char *aad = (const unsigned char *)"x";
		size_t aad_len = 1;

		if (i < NENC && v[i].seq == seq) {
			aad = v[i].aad;
			aad_len = v[i].aad_len;
		}
		if (sc_hpke_seal(s, ct, aad, aad_len, rfc9180_a2_pt,
				 sizeof(rfc9180_a2_pt))) {
			all_ok = 0;
			break;
		}
		if (i < NENC && v[i].seq == seq) {
			tap_ok(!memcmp(ct, v[i].ct, CT_LEN),
			       "%s: ciphertext of sequence %u", mode, seq);
			i++;
		}
	}
	tap_ok(all_ok && i == NENC, "%s: sealed sequences 0..256", mode);
}

/* Open sequence 0 and 1 on the receiver side, then a flipped tag bit. */
static void check_open(const char *mode, struct sc_hpke_ctx *r,
		       const struct enc_vec *v)
{
	unsigned char pt[sizeof(rfc9180_a2_pt)], bad[CT_LEN];

	tap_ok(!sc_hpke_open(r, pt, v[0].aad, v[0].aad_len, v[0].ct, CT_LEN) &&
	       !memcmp(pt, rfc9180_a2_pt, sizeof(pt)),
	       "%s: open sequence 0 gives the plaintext", mode);
	memcpy(bad, v[1].ct, CT_LEN);
	bad[CT_LEN - 1] ^= 0x01;
	tap_ok(sc_hpke_open(r, pt, v[1].aad, v[1].aad_len, bad, CT_LEN) != 0,
	       "%s: open rejects a flipped tag bit", mode);
	tap_ok(r->seq == 1, "%s: failed open does not advance the sequence",
	       mode);
	tap_ok(!sc_hpke_open(r, pt, v[1].aad, v[1].aad_len, v[1].ct, CT_LEN),
	       "%s: open sequence 1 after the failure", mode);
}

int main(void)
{
	unsigned char pk[32], enc[32], ss[32], ss_r[32];
	struct sc_hpke_ctx s, r;

	if (sodium_init() < 0)
		return 1;
	tap_plan(45);

	/* ---- A.2.1 mode_base ---- */
	tap_ok(!sc_x25519_public(pk, rfc9180_a2_1_sk_em) &&
	       !memcmp(pk, rfc9180_a2_1_pk_em, 32), "base: pkEm from skEm");
	tap_ok(!sc_x25519_public(pk, rfc9180_a2_1_sk_rm) &&
	       !memcmp(pk, rfc9180_a2_1_pk_rm, 32), "base: pkRm from skRm");
	tap_ok(!sc_hpke_encap(ss, enc, rfc9180_a2_1_pk_rm, rfc9180_a2_1_sk_em) &&
	       !memcmp(enc, rfc9180_a2_1_enc, 32), "base: Encap enc");
	tap_ok(!memcmp(ss, rfc9180_a2_1_shared_secret, 32),
	       "base: Encap shared_secret");
	tap_ok(!sc_hpke_decap(ss_r, rfc9180_a2_1_enc, rfc9180_a2_1_sk_rm) &&
	       !memcmp(ss_r, rfc9180_a2_1_shared_secret, 32),
	       "base: Decap shared_secret");
	tap_ok(!sc_hpke_key_schedule(&s, SC_HPKE_MODE_BASE, ss,
				     rfc9180_a2_info, sizeof(rfc9180_a2_info)),
	       "base: KeySchedule");
	tap_ok(!memcmp(s.key, rfc9180_a2_1_key, 32), "base: key");
	tap_ok(!memcmp(s.base_nonce, rfc9180_a2_1_base_nonce, 12),
	       "base: base_nonce");
	tap_ok(!memcmp(s.exporter_secret, rfc9180_a2_1_exporter_secret, 32),
	       "base: exporter_secret");
	check_encryptions("base", &s, base_encs);
	tap_ok(!sc_hpke_setup_base_r(&r, rfc9180_a2_1_enc, rfc9180_a2_1_sk_rm,
				     rfc9180_a2_info, sizeof(rfc9180_a2_info)) &&
	       !memcmp(r.key, rfc9180_a2_1_key, 32), "base: SetupBaseR key");
	check_open("base", &r, base_encs);

	/* ---- A.2.3 mode_auth ---- */
	tap_ok(!sc_x25519_public(pk, rfc9180_a2_3_sk_sm) &&
	       !memcmp(pk, rfc9180_a2_3_pk_sm, 32), "auth: pkSm from skSm");
	tap_ok(!sc_hpke_auth_encap(ss, enc, rfc9180_a2_3_pk_rm,
				   rfc9180_a2_3_sk_sm, rfc9180_a2_3_sk_em) &&
	       !memcmp(enc, rfc9180_a2_3_enc, 32), "auth: AuthEncap enc");
	tap_ok(!memcmp(ss, rfc9180_a2_3_shared_secret, 32),
	       "auth: AuthEncap shared_secret");
	tap_ok(!sc_hpke_auth_decap(ss_r, rfc9180_a2_3_enc, rfc9180_a2_3_sk_rm,
				   rfc9180_a2_3_pk_sm) &&
	       !memcmp(ss_r, rfc9180_a2_3_shared_secret, 32),
	       "auth: AuthDecap shared_secret");
	tap_ok(!sc_hpke_setup_auth_s(&s, enc, rfc9180_a2_3_pk_rm,
				     rfc9180_a2_3_sk_sm, rfc9180_a2_3_sk_em,
				     rfc9180_a2_info, sizeof(rfc9180_a2_info)),
	       "auth: SetupAuthS");
	tap_ok(!memcmp(s.key, rfc9180_a2_3_key, 32), "auth: key");
	tap_ok(!memcmp(s.base_nonce, rfc9180_a2_3_base_nonce, 12),
	       "auth: base_nonce");
	tap_ok(!memcmp(s.exporter_secret, rfc9180_a2_3_exporter_secret, 32),
	       "auth: exporter_secret");
	check_encryptions("auth", &s, auth_encs);
	tap_ok(!sc_hpke_setup_auth_r(&r, rfc9180_a2_3_enc, rfc9180_a2_3_sk_rm,
				     rfc9180_a2_3_pk_sm, rfc9180_a2_info,
				     sizeof(rfc9180_a2_info)) &&
	       !memcmp(r.key, rfc9180_a2_3_key, 32), "auth: SetupAuthR key");
	check_open("auth", &r, auth_encs);

	/* A different sender key must not open what the device sealed. */
	tap_ok(!sc_hpke_setup_auth_r(&r, rfc9180_a2_3_enc, rfc9180_a2_3_sk_rm,
				     rfc9180_a2_1_pk_rm, rfc9180_a2_info,
				     sizeof(rfc9180_a2_info)) &&
	       memcmp(r.key, rfc9180_a2_3_key, 32) != 0,
	       "auth: wrong sender public key gives another key");
	{
		unsigned char pt[sizeof(rfc9180_a2_pt)];

		tap_ok(sc_hpke_open(&r, pt, auth_encs[0].aad,
				    auth_encs[0].aad_len, auth_encs[0].ct,
				    CT_LEN) != 0,
		       "auth: open fails with the wrong sender");
	}
	/* Base vs auth context differ for the same shared secret. */
	tap_ok(!sc_hpke_key_schedule(&s, SC_HPKE_MODE_BASE,
				     rfc9180_a2_3_shared_secret,
				     rfc9180_a2_info, sizeof(rfc9180_a2_info)) &&
	       memcmp(s.key, rfc9180_a2_3_key, 32) != 0,
	       "mode byte is bound into the key schedule");
	{
		static const unsigned char zero[32];

		tap_ok(sc_hpke_encap(ss, enc, zero, rfc9180_a2_1_sk_em) != 0,
		       "Encap rejects an all-zero (small-order) public key");
	}
	sc_hpke_ctx_wipe(&s);
	sc_hpke_ctx_wipe(&r);
	return tap_done();
}
