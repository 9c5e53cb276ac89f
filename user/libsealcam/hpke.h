/* SPDX-License-Identifier: MIT */
/*
 * RFC 9180 HPKE, one suite only: DHKEM(X25519, HKDF-SHA256) (0x0020),
 * HKDF-SHA256 (0x0001), ChaCha20Poly1305 (0x0003); modes base (0x00) and
 * auth (0x02). No PSK modes, no secret export beyond the exporter secret.
 *
 * Each protocol step of RFC 9180 section 4 and 5 is its own function so the
 * RFC's intermediate values (shared_secret, key, base_nonce) can be checked
 * against Appendix A.2 in tests.
 */
#ifndef SEALCAM_HPKE_H
#define SEALCAM_HPKE_H

#include <stddef.h>
#include <stdint.h>

#define SC_HPKE_MODE_BASE	0x00
#define SC_HPKE_MODE_AUTH	0x02

#define SC_HPKE_NSECRET		32	/* KEM Nsecret */
#define SC_HPKE_NENC		32	/* KEM Nenc = X25519 public key */
#define SC_HPKE_NPK		32
#define SC_HPKE_NSK		32
#define SC_HPKE_NK		32	/* AEAD key */
#define SC_HPKE_NN		12	/* AEAD nonce */
#define SC_HPKE_NT		16	/* AEAD tag */
#define SC_HPKE_NH		32	/* KDF hash output */

/* Encryption context after the key schedule (RFC 9180 section 5.2). */
struct sc_hpke_ctx {
	unsigned char key[SC_HPKE_NK];
	unsigned char base_nonce[SC_HPKE_NN];
	unsigned char exporter_secret[SC_HPKE_NH];
	uint64_t seq;
};

/* HKDF (RFC 5869) over HMAC-SHA256. expand fails (-1) when L > 255*32. */
void sc_hkdf_extract(unsigned char prk[SC_HPKE_NH], const unsigned char *salt,
		     size_t salt_len, const unsigned char *ikm, size_t ikm_len);
int sc_hkdf_expand(unsigned char *out, size_t out_len,
		   const unsigned char prk[SC_HPKE_NH],
		   const unsigned char *info, size_t info_len);

/* X25519 public key of a private key. -1 on failure. */
int sc_x25519_public(unsigned char pub[32], const unsigned char priv[32]);

/*
 * DHKEM(X25519, HKDF-SHA256). skE = NULL means a fresh random ephemeral key
 * (only tests pass a fixed one). All return 0 or -1 (e.g. an all-zero DH
 * output, which RFC 9180 section 7.1.4 requires to be rejected).
 */
int sc_hpke_encap(unsigned char shared_secret[SC_HPKE_NSECRET],
		  unsigned char enc[SC_HPKE_NENC],
		  const unsigned char pkR[SC_HPKE_NPK],
		  const unsigned char *skE);
int sc_hpke_decap(unsigned char shared_secret[SC_HPKE_NSECRET],
		  const unsigned char enc[SC_HPKE_NENC],
		  const unsigned char skR[SC_HPKE_NSK]);
int sc_hpke_auth_encap(unsigned char shared_secret[SC_HPKE_NSECRET],
		       unsigned char enc[SC_HPKE_NENC],
		       const unsigned char pkR[SC_HPKE_NPK],
		       const unsigned char skS[SC_HPKE_NSK],
		       const unsigned char *skE);
int sc_hpke_auth_decap(unsigned char shared_secret[SC_HPKE_NSECRET],
		       const unsigned char enc[SC_HPKE_NENC],
		       const unsigned char skR[SC_HPKE_NSK],
		       const unsigned char pkS[SC_HPKE_NPK]);

/* KeySchedule<ROLE>(mode, shared_secret, info, psk = "", psk_id = ""). */
int sc_hpke_key_schedule(struct sc_hpke_ctx *ctx, uint8_t mode,
			 const unsigned char shared_secret[SC_HPKE_NSECRET],
			 const unsigned char *info, size_t info_len);

/* ContextS.Seal / ContextR.Open; both advance ctx->seq. ct = pt || tag. */
int sc_hpke_seal(struct sc_hpke_ctx *ctx, unsigned char *ct,
		 const unsigned char *aad, size_t aad_len,
		 const unsigned char *pt, size_t pt_len);
int sc_hpke_open(struct sc_hpke_ctx *ctx, unsigned char *pt,
		 const unsigned char *aad, size_t aad_len,
		 const unsigned char *ct, size_t ct_len);

/* SetupBaseS/R, SetupAuthS/R: encap/decap followed by the key schedule. */
int sc_hpke_setup_base_s(struct sc_hpke_ctx *ctx, unsigned char enc[SC_HPKE_NENC],
			 const unsigned char pkR[SC_HPKE_NPK],
			 const unsigned char *skE,
			 const unsigned char *info, size_t info_len);
int sc_hpke_setup_base_r(struct sc_hpke_ctx *ctx,
			 const unsigned char enc[SC_HPKE_NENC],
			 const unsigned char skR[SC_HPKE_NSK],
			 const unsigned char *info, size_t info_len);
int sc_hpke_setup_auth_s(struct sc_hpke_ctx *ctx, unsigned char enc[SC_HPKE_NENC],
			 const unsigned char pkR[SC_HPKE_NPK],
			 const unsigned char skS[SC_HPKE_NSK],
			 const unsigned char *skE,
			 const unsigned char *info, size_t info_len);
int sc_hpke_setup_auth_r(struct sc_hpke_ctx *ctx,
			 const unsigned char enc[SC_HPKE_NENC],
			 const unsigned char skR[SC_HPKE_NSK],
			 const unsigned char pkS[SC_HPKE_NPK],
			 const unsigned char *info, size_t info_len);

/*
 * Context.Export(exporter_context, L) (RFC 9180 section 5.3):
 * LabeledExpand(exporter_secret, "sec", exporter_context, L). 0 or -1.
 */
int sc_hpke_export(const struct sc_hpke_ctx *ctx, unsigned char *out,
		   size_t out_len, const unsigned char *exporter_context,
		   size_t context_len);

void sc_hpke_ctx_wipe(struct sc_hpke_ctx *ctx);

#endif /* SEALCAM_HPKE_H */
