// SPDX-License-Identifier: GPL-2.0
/*
 * Segment and frame sealing.
 *
 * Key wrapping is RFC 9180 HPKE, mode_auth (0x02), suite
 * DHKEM(X25519, HKDF-SHA256) (0x0020) / HKDF-SHA256 (0x0001) /
 * ChaCha20Poly1305 (0x0003): single-shot Seal of the 32-byte segment content
 * key with sequence number 0, the device key as the authenticated sender.
 * Frames are RFC 8439 ChaCha20-Poly1305 under the content key, 96-bit nonce
 * = 0x00000000 || le64(frame index).
 *
 * Format v3 attributes every frame to the device per recipient: K is known
 * to every recipient, so the AEAD tag alone lets one recipient forge frames
 * for the others. Each recipient's HPKE context exports a MAC key (RFC 9180
 * 5.3) that only that recipient and the device can compute; every frame
 * carries, per recipient, a Poly1305 tag of all its bytes under a one-time
 * key made from that MAC key and the frame index as RFC 8439 2.6 makes the
 * AEAD's (docs/FORMAT.md 4.4). v2 MACed a running SHA-256 instead: a pass
 * that cost more than the encryption and chained every frame to the last.
 *
 * A frame is encrypted in place in the caller's kernel-private staging
 * buffer and only then copied into the (user-mappable) vb2 buffer: the tag is
 * computed over ciphertext nobody else can write to while it is being
 * computed, and no plaintext byte is ever stored in mappable memory.
 */

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/chacha.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <crypto/hash.h>
#include <crypto/poly1305.h>
#include <crypto/sha2.h>
#include <crypto/skcipher.h>

#include "seal.h"
#include "../tests/vectors/rfc9180_a2.h"

#define HPKE_NH		32	/* SHA-256 output */
#define HPKE_NK		32	/* ChaCha20Poly1305 key */
#define HPKE_NN		12	/* ChaCha20Poly1305 nonce */
#define HPKE_MODE_BASE	0x00
#define HPKE_MODE_AUTH	0x02

/* docs/FORMAT.md 3.3: the offsets userspace parses, on every ABI. */
static_assert(offsetof(struct sealcam_frame_meta, sequence) == 16);
static_assert(offsetof(struct sealcam_frame_meta, reserved) == 56);
static_assert(offsetof(struct sealcam_frame_meta, pad) == 60);

static const u8 hpke_version_label[] = "HPKE-v1";
/* "KEM" || I2OSP(kem_id, 2) */
static const u8 kem_suite_id[] = { 'K', 'E', 'M', 0x00, 0x20 };
/* "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2) */
static const u8 hpke_suite_id[] = { 'H', 'P', 'K', 'E', 0x00, 0x20,
				    0x00, 0x01, 0x00, 0x03 };

/*
 * One HMAC and one AEAD transform shared by every camera; their keys are set
 * per use, so every HPKE operation holds sc_hpke_lock. Segment starts are
 * rare, frames never take this lock.
 *
 * A transform keeps its key (HMAC: the padded key's hash states; AEAD: the
 * ChaCha20 key) until the next setkey. Each use therefore ends by setting
 * the all-zero key, so that no HKDF secret or HPKE key outlives the call.
 */
static DEFINE_MUTEX(sc_hpke_lock);
static struct crypto_shash *sc_hmac;
static struct crypto_aead *sc_aead;
static char sc_driver_desc[128];
static const u8 sc_zero_key[HPKE_NK];

/* Split sealing of large frames with a second CPU (seal_split_frame). */
#define SC_SPLIT_MIN	(128u << 10)

static bool seal_split = true;
module_param(seal_split, bool, 0644);
MODULE_PARM_DESC(seal_split,
		 "seal frames of 128 KiB and more on two CPUs (default on)");

static void hmac_forget_key(void)
{
	lockdep_assert_held(&sc_hpke_lock);
	/* Cannot fail: HMAC takes any key length and allocates nothing. */
	WARN_ON_ONCE(crypto_shash_setkey(sc_hmac, sc_zero_key,
					 sizeof(sc_zero_key)));
}

static void aead_forget_key(void)
{
	lockdep_assert_held(&sc_hpke_lock);
	/* Cannot fail: the length is the one rfc7539 requires. */
	WARN_ON_ONCE(crypto_aead_setkey(sc_aead, sc_zero_key,
					sizeof(sc_zero_key)));
}

struct hpke_context {
	u8 key[HPKE_NK];
	u8 base_nonce[HPKE_NN];
	u8 exporter_secret[HPKE_NH];
};

struct hpke_bytes {
	const u8 *data;
	size_t len;
};

/* HMAC-SHA256(key, parts[0] || parts[1] || ...) */
static int hmac_sha256(u8 out[HPKE_NH], const u8 *key, size_t key_len,
		       const struct hpke_bytes *parts, unsigned int n_parts)
{
	SHASH_DESC_ON_STACK(desc, sc_hmac);
	unsigned int i;
	int err;

	lockdep_assert_held(&sc_hpke_lock);
	err = crypto_shash_setkey(sc_hmac, key, key_len);
	if (unlikely(err))
		goto out;
	desc->tfm = sc_hmac;
	err = crypto_shash_init(desc);
	for (i = 0; !err && i < n_parts; i++)
		err = crypto_shash_update(desc, parts[i].data, parts[i].len);
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
out:
	hmac_forget_key();
	return err;
}

/* LabeledExtract(salt, label, ikm), RFC 9180 section 4 */
static int labeled_extract(u8 prk[HPKE_NH], const u8 *suite, size_t suite_len,
			   const u8 *salt, size_t salt_len, const char *label,
			   const u8 *ikm, size_t ikm_len)
{
	const struct hpke_bytes parts[] = {
		{ hpke_version_label, sizeof(hpke_version_label) - 1 },
		{ suite, suite_len },
		{ label, strlen(label) },
		{ ikm, ikm_len },
	};

	return hmac_sha256(prk, salt, salt_len, parts, ARRAY_SIZE(parts));
}

/*
 * LabeledExpand(prk, label, info, L) for L <= Nh: HKDF-Expand needs a single
 * block T(1) = HMAC(prk, labeled_info || 0x01).
 */
static int labeled_expand(u8 *out, size_t out_len, const u8 *suite,
			  size_t suite_len, const u8 prk[HPKE_NH],
			  const char *label, const u8 *info, size_t info_len)
{
	const u8 length[2] = { out_len >> 8, out_len & 0xff };
	const u8 counter = 0x01;
	const struct hpke_bytes parts[] = {
		{ length, sizeof(length) },
		{ hpke_version_label, sizeof(hpke_version_label) - 1 },
		{ suite, suite_len },
		{ label, strlen(label) },
		{ info, info_len },
		{ &counter, 1 },
	};
	u8 block[HPKE_NH];
	int err;

	if (WARN_ON_ONCE(out_len > HPKE_NH))
		return -EINVAL;
	err = hmac_sha256(block, prk, HPKE_NH, parts, ARRAY_SIZE(parts));
	if (!err)
		memcpy(out, block, out_len);
	memzero_explicit(block, sizeof(block));
	return err;
}

/*
 * DHKEM Encap / AuthEncap (RFC 9180 4.1). @sk_e is the ephemeral private key
 * (random in use, fixed by the test vectors); @sk_s is NULL in base mode.
 */
static int __must_check dhkem_encap(u8 shared_secret[HPKE_NH],
				    u8 enc[CURVE25519_KEY_SIZE],
				    const u8 pk_r[CURVE25519_KEY_SIZE],
				    const u8 sk_e[CURVE25519_KEY_SIZE],
				    const u8 *sk_s, const u8 *pk_s)
{
	u8 dh[2 * CURVE25519_KEY_SIZE];
	u8 kem_context[3 * CURVE25519_KEY_SIZE];
	size_t dh_len = CURVE25519_KEY_SIZE, ctx_len = 2 * CURVE25519_KEY_SIZE;
	u8 eae_prk[HPKE_NH];
	int err = -EINVAL;

	if (unlikely(!curve25519_generate_public(enc, sk_e)))
		goto out;
	if (unlikely(!curve25519(dh, sk_e, pk_r)))
		goto out;
	memcpy(kem_context, enc, CURVE25519_KEY_SIZE);
	memcpy(kem_context + CURVE25519_KEY_SIZE, pk_r, CURVE25519_KEY_SIZE);
	if (sk_s) {
		if (unlikely(!curve25519(dh + CURVE25519_KEY_SIZE, sk_s, pk_r)))
			goto out;
		dh_len += CURVE25519_KEY_SIZE;
		memcpy(kem_context + ctx_len, pk_s, CURVE25519_KEY_SIZE);
		ctx_len += CURVE25519_KEY_SIZE;
	}
	err = labeled_extract(eae_prk, kem_suite_id, sizeof(kem_suite_id),
			      NULL, 0, "eae_prk", dh, dh_len);
	if (!err)
		err = labeled_expand(shared_secret, HPKE_NH, kem_suite_id,
				     sizeof(kem_suite_id), eae_prk,
				     "shared_secret", kem_context, ctx_len);
out:
	memzero_explicit(dh, sizeof(dh));
	memzero_explicit(eae_prk, sizeof(eae_prk));
	return err;
}

/* KeySchedule (RFC 9180 5.1) with the default (empty) PSK. */
static int key_schedule(struct hpke_context *ctx, u8 mode,
			const u8 shared_secret[HPKE_NH], const u8 *info,
			size_t info_len)
{
	u8 ks_context[1 + 2 * HPKE_NH];
	u8 secret[HPKE_NH];
	int err;

	ks_context[0] = mode;
	err = labeled_extract(ks_context + 1, hpke_suite_id,
			      sizeof(hpke_suite_id), NULL, 0, "psk_id_hash",
			      NULL, 0);
	if (!err)
		err = labeled_extract(ks_context + 1 + HPKE_NH, hpke_suite_id,
				      sizeof(hpke_suite_id), NULL, 0,
				      "info_hash", info, info_len);
	if (!err)
		err = labeled_extract(secret, hpke_suite_id,
				      sizeof(hpke_suite_id), shared_secret,
				      HPKE_NH, "secret", NULL, 0);
	if (!err)
		err = labeled_expand(ctx->key, HPKE_NK, hpke_suite_id,
				     sizeof(hpke_suite_id), secret, "key",
				     ks_context, sizeof(ks_context));
	if (!err)
		err = labeled_expand(ctx->base_nonce, HPKE_NN, hpke_suite_id,
				     sizeof(hpke_suite_id), secret,
				     "base_nonce", ks_context,
				     sizeof(ks_context));
	if (!err)
		err = labeled_expand(ctx->exporter_secret, HPKE_NH,
				     hpke_suite_id, sizeof(hpke_suite_id),
				     secret, "exp", ks_context,
				     sizeof(ks_context));
	memzero_explicit(secret, sizeof(secret));
	return err;
}

/*
 * ContextS.Seal(aad, pt) for sequence number @seq (RFC 9180 5.2):
 * nonce = base_nonce XOR I2OSP(seq, Nn). @ct receives pt_len + 16 bytes.
 */
static int context_seal(const struct hpke_context *ctx, u64 seq,
			const u8 *aad, size_t aad_len, const u8 *pt,
			size_t pt_len, u8 *ct)
{
	struct aead_request *req;
	struct scatterlist sg;
	u8 nonce[HPKE_NN];
	size_t buf_len = aad_len + pt_len + SEALCAM_TAG_LEN;
	u8 *buf;
	int i, err;

	lockdep_assert_held(&sc_hpke_lock);
	buf = kmalloc(buf_len, GFP_KERNEL);
	req = aead_request_alloc(sc_aead, GFP_KERNEL);
	if (!buf || !req) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(nonce, ctx->base_nonce, HPKE_NN);
	for (i = 0; i < 8; i++)
		nonce[HPKE_NN - 1 - i] ^= (seq >> (8 * i)) & 0xff;
	memcpy(buf, aad, aad_len);
	memcpy(buf + aad_len, pt, pt_len);

	err = crypto_aead_setkey(sc_aead, ctx->key, HPKE_NK);
	if (!err) {
		sg_init_one(&sg, buf, buf_len);
		aead_request_set_callback(req, 0, NULL, NULL);
		aead_request_set_ad(req, aad_len);
		aead_request_set_crypt(req, &sg, &sg, pt_len, nonce);
		err = crypto_aead_encrypt(req);
	}
	aead_forget_key();
	if (!err)
		memcpy(ct, buf + aad_len, pt_len + SEALCAM_TAG_LEN);
out:
	/* kfree_sensitive: the request context holds the Poly1305 key */
	aead_request_free(req);
	kfree_sensitive(buf);
	memzero_explicit(nonce, sizeof(nonce));
	return err;
}

/*
 * Context.Export(exporter_context, L) for L <= Nh (RFC 9180 5.3):
 * LabeledExpand(exporter_secret, "sec", exporter_context, L).
 */
static int context_export(const struct hpke_context *ctx, const char *label,
			  u8 *out, size_t out_len)
{
	return labeled_expand(out, out_len, hpke_suite_id,
			      sizeof(hpke_suite_id), ctx->exporter_secret,
			      "sec", label, strlen(label));
}

/*
 * SealAuth / SealBase single shot (RFC 9180 6.1) with sequence 0, then,
 * when @export_out is not NULL, Export(@export_label, HPKE_NH) of the same
 * context. @sk_s == NULL selects base mode. Caller holds sc_hpke_lock.
 */
static int hpke_seal(u8 enc[CURVE25519_KEY_SIZE], u8 *ct,
		     const u8 pk_r[CURVE25519_KEY_SIZE],
		     const u8 sk_e[CURVE25519_KEY_SIZE], const u8 *sk_s,
		     const u8 *pk_s, const u8 *info, size_t info_len,
		     const u8 *aad, size_t aad_len, const u8 *pt, size_t pt_len,
		     const char *export_label, u8 *export_out)
{
	struct hpke_context ctx;
	u8 shared_secret[HPKE_NH];
	int err;

	err = dhkem_encap(shared_secret, enc, pk_r, sk_e, sk_s, pk_s);
	if (!err)
		err = key_schedule(&ctx, sk_s ? HPKE_MODE_AUTH : HPKE_MODE_BASE,
				   shared_secret, info, info_len);
	if (!err)
		err = context_seal(&ctx, 0, aad, aad_len, pt, pt_len, ct);
	if (!err && export_out)
		err = context_export(&ctx, export_label, export_out, HPKE_NH);
	memzero_explicit(shared_secret, sizeof(shared_secret));
	memzero_explicit(&ctx, sizeof(ctx));
	return err;
}

/*
 * Format v3 frame MACs (docs/FORMAT.md 4.4), on the ChaCha20 and Poly1305
 * libraries with all state on the stack: per recipient r and frame i,
 * otk = ChaCha20(mac_key(r), nonce 0^4 || le64(i), counter 0)[0..32) and
 * mac = Poly1305(otk, the frame's bytes before its MACs). Checked at load
 * against RFC 8439 2.6.2 and 2.5.2 (selftest_frame_mac).
 */
static void mac_key_init(struct sc_mac_key *mk, const u8 key[HPKE_NH])
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mk->words); i++)
		mk->words[i] = get_unaligned_le32(key + 4 * i);
}

static void mac_otk(const struct sc_mac_key *mk, u64 index,
		    u8 block[CHACHA_BLOCK_SIZE])
{
	u32 state[CHACHA_STATE_WORDS];
	u8 iv[CHACHA_IV_SIZE] = { 0 };

	put_unaligned_le64(index, iv + 8);
	chacha_init(state, mk->words, iv);
	chacha20_block(state, block);
	memzero_explicit(state, sizeof(state));
}

/* Poly1305 under @mk's one-time key for @index over @a then @b. */
static void mac_compute(const struct sc_mac_key *mk, u64 index,
			const u8 *a, size_t a_len, const u8 *b, size_t b_len,
			u8 out[POLY1305_DIGEST_SIZE])
{
	struct poly1305_desc_ctx desc;
	u8 block[CHACHA_BLOCK_SIZE];

	mac_otk(mk, index, block);
	poly1305_init(&desc, block);
	poly1305_update(&desc, a, a_len);
	poly1305_update(&desc, b, b_len);
	poly1305_final(&desc, out);
	memzero_explicit(&desc, sizeof(desc));
	memzero_explicit(block, sizeof(block));
}

/* ---- sealing one frame ---- */

/*
 * A frame is RFC 8439's AEAD_CHACHA20_POLY1305 built here from the ChaCha20
 * and Poly1305 libraries (as lib/crypto/chacha20poly1305.c builds it; that
 * both agree with the AEAD transform is checked at load), so that its
 * ChaCha20 pass, the recipients' Poly1305s and the copy out can be split
 * with a second CPU. Frames of SC_SPLIT_MIN bytes and more are split when
 * more than one CPU is online and seal_split is on: the capture thread
 * does one half of each step and a work item on the unbound workqueue the
 * other, which is what lets one camera use two cores when one cannot keep
 * up (bench: docs/PERFORMANCE.md). Every secret is on the stack of this
 * thread, which waits for the work item, and is wiped.
 */
static void content_key_words(u32 words[8], const u8 key[SEALCAM_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		words[i] = get_unaligned_le32(key + 4 * i);
}

/* ChaCha20 of @buf in place, from block @counter, nonce 0^4 || le64(index) */
static void chacha_part(const u32 key[8], u64 index, u32 counter, u8 *buf,
			size_t len)
{
	u32 state[CHACHA_STATE_WORDS];
	u8 iv[CHACHA_IV_SIZE] = { 0 };

	put_unaligned_le32(counter, iv);
	put_unaligned_le64(index, iv + 8);
	chacha_init(state, key, iv);
	chacha20_crypt(state, buf, buf, len);
	memzero_explicit(state, sizeof(state));
}

/* The AEAD's Poly1305 key (block 0) and, after the encryption, its tag. */
static void aead_tag(const u32 key[8], u64 index, const u8 *aad,
		     size_t aad_len, const u8 *ct, size_t len, u8 *tag)
{
	static const u8 pad[POLY1305_BLOCK_SIZE];
	struct poly1305_desc_ctx desc;
	u8 block[CHACHA_BLOCK_SIZE] = { 0 };
	__le64 lens[2];

	chacha_part(key, index, 0, block, sizeof(block));
	poly1305_init(&desc, block);
	poly1305_update(&desc, aad, aad_len);
	poly1305_update(&desc, pad, (POLY1305_BLOCK_SIZE - aad_len) & 0xf);
	poly1305_update(&desc, ct, len);
	poly1305_update(&desc, pad, (POLY1305_BLOCK_SIZE - len) & 0xf);
	lens[0] = cpu_to_le64(aad_len);
	lens[1] = cpu_to_le64(len);
	poly1305_update(&desc, (u8 *)lens, sizeof(lens));
	poly1305_final(&desc, tag);
	memzero_explicit(&desc, sizeof(desc));
	memzero_explicit(block, sizeof(block));
}

/* ---- RFC 9180 Appendix A.2 known answers ---- */

struct hpke_vector {
	const char *name;
	const u8 *sk_e, *pk_e, *pk_r, *sk_s, *pk_s;
	const u8 *shared_secret, *key, *base_nonce, *exporter_secret;
	const u8 *ct_seq0, *ct_seq1;
};

static const struct hpke_vector hpke_vectors[] = {
	{
		.name = "A.2.1 (mode_base)",
		.sk_e = rfc9180_a2_1_sk_em, .pk_e = rfc9180_a2_1_pk_em,
		.pk_r = rfc9180_a2_1_pk_rm,
		.shared_secret = rfc9180_a2_1_shared_secret,
		.key = rfc9180_a2_1_key, .base_nonce = rfc9180_a2_1_base_nonce,
		.exporter_secret = rfc9180_a2_1_exporter_secret,
		.ct_seq0 = rfc9180_a2_1_ct_seq0, .ct_seq1 = rfc9180_a2_1_ct_seq1,
	},
	{
		.name = "A.2.3 (mode_auth)",
		.sk_e = rfc9180_a2_3_sk_em, .pk_e = rfc9180_a2_3_pk_em,
		.pk_r = rfc9180_a2_3_pk_rm,
		.sk_s = rfc9180_a2_3_sk_sm, .pk_s = rfc9180_a2_3_pk_sm,
		.shared_secret = rfc9180_a2_3_shared_secret,
		.key = rfc9180_a2_3_key, .base_nonce = rfc9180_a2_3_base_nonce,
		.exporter_secret = rfc9180_a2_3_exporter_secret,
		.ct_seq0 = rfc9180_a2_3_ct_seq0, .ct_seq1 = rfc9180_a2_3_ct_seq1,
	},
};

static int selftest_hpke_vector(const struct hpke_vector *v)
{
	const size_t pt_len = sizeof(rfc9180_a2_pt);
	struct hpke_context ctx;
	u8 shared_secret[HPKE_NH], enc[CURVE25519_KEY_SIZE];
	u8 ct[sizeof(rfc9180_a2_pt) + SEALCAM_TAG_LEN];
	u8 mode = v->sk_s ? HPKE_MODE_AUTH : HPKE_MODE_BASE;
	int err;

	mutex_lock(&sc_hpke_lock);
	err = dhkem_encap(shared_secret, enc, v->pk_r, v->sk_e, v->sk_s,
			  v->pk_s);
	if (!err && (crypto_memneq(enc, v->pk_e, sizeof(enc)) ||
		     crypto_memneq(shared_secret, v->shared_secret, HPKE_NH)))
		err = -EBADMSG;
	if (!err)
		err = key_schedule(&ctx, mode, shared_secret, rfc9180_a2_info,
				   sizeof(rfc9180_a2_info));
	if (!err && (crypto_memneq(ctx.key, v->key, HPKE_NK) ||
		     crypto_memneq(ctx.base_nonce, v->base_nonce, HPKE_NN) ||
		     crypto_memneq(ctx.exporter_secret, v->exporter_secret,
				   HPKE_NH)))
		err = -EBADMSG;
	if (!err)
		err = context_seal(&ctx, 0, rfc9180_a2_aad_0,
				   sizeof(rfc9180_a2_aad_0), rfc9180_a2_pt,
				   pt_len, ct);
	if (!err && crypto_memneq(ct, v->ct_seq0, sizeof(ct)))
		err = -EBADMSG;
	if (!err)
		err = context_seal(&ctx, 1, rfc9180_a2_aad_1,
				   sizeof(rfc9180_a2_aad_1), rfc9180_a2_pt,
				   pt_len, ct);
	if (!err && crypto_memneq(ct, v->ct_seq1, sizeof(ct)))
		err = -EBADMSG;
	mutex_unlock(&sc_hpke_lock);
	memzero_explicit(shared_secret, sizeof(shared_secret));
	memzero_explicit(&ctx, sizeof(ctx));
	return err;
}

/*
 * The frame path (the AEAD built from the ChaCha20 and Poly1305 libraries,
 * in one pass and in the two halves of a split seal) must agree with the
 * RFC 8439 AEAD transform given the 96-bit nonce 0^32 || le64(index) that
 * docs/FORMAT.md promises.
 */
static int selftest_frame_aead(void)
{
	static const u8 ad[] = "sealcam frame header";
	struct aead_request *req = NULL;
	struct scatterlist sg;
	u8 key[CHACHA20POLY1305_KEY_SIZE], nonce[HPKE_NN] = { 0 };
	const size_t len = 1000;
	const u64 index = 0x0102030405060708ULL;
	const size_t half = round_down(len / 2, CHACHA_BLOCK_SIZE);
	u8 *lib_out, *split_out, *api_buf;
	u32 words[8];
	int err = -ENOMEM;

	lib_out = kmalloc(len + SEALCAM_TAG_LEN, GFP_KERNEL);
	split_out = kmalloc(len + SEALCAM_TAG_LEN, GFP_KERNEL);
	api_buf = kmalloc(sizeof(ad) + len + SEALCAM_TAG_LEN, GFP_KERNEL);
	if (!lib_out || !split_out || !api_buf)
		goto out;
	get_random_bytes(key, sizeof(key));
	get_random_bytes(api_buf + sizeof(ad), len);
	memcpy(api_buf, ad, sizeof(ad));
	memcpy(lib_out, api_buf + sizeof(ad), len);
	memcpy(split_out, api_buf + sizeof(ad), len);
	content_key_words(words, key);
	chacha_part(words, index, 1, lib_out, len);
	aead_tag(words, index, ad, sizeof(ad), lib_out, len, lib_out + len);
	chacha_part(words, index, 1 + half / CHACHA_BLOCK_SIZE,
		    split_out + half, len - half);
	chacha_part(words, index, 1, split_out, half);
	aead_tag(words, index, ad, sizeof(ad), split_out, len,
		 split_out + len);
	memzero_explicit(words, sizeof(words));
	put_unaligned_le64(index, nonce + 4);

	mutex_lock(&sc_hpke_lock);
	req = aead_request_alloc(sc_aead, GFP_KERNEL);
	err = req ? crypto_aead_setkey(sc_aead, key, sizeof(key)) : -ENOMEM;
	if (!err) {
		sg_init_one(&sg, api_buf, sizeof(ad) + len + SEALCAM_TAG_LEN);
		aead_request_set_callback(req, 0, NULL, NULL);
		aead_request_set_ad(req, sizeof(ad));
		aead_request_set_crypt(req, &sg, &sg, len, nonce);
		err = crypto_aead_encrypt(req);
	}
	if (req)
		aead_forget_key();
	mutex_unlock(&sc_hpke_lock);
	if (!err && (crypto_memneq(lib_out, api_buf + sizeof(ad),
				   len + SEALCAM_TAG_LEN) ||
		     crypto_memneq(split_out, api_buf + sizeof(ad),
				   len + SEALCAM_TAG_LEN)))
		err = -EBADMSG;
out:
	aead_request_free(req);
	kfree(lib_out);
	kfree(split_out);
	kfree(api_buf);
	memzero_explicit(key, sizeof(key));
	return err;
}

/*
 * The frame MAC's parts against RFC 8439: 2.6.2's one-time key (its nonce
 * 00 00 00 00 00 01 02 .. 07 is our 0^4 || le64(index) for index
 * 0x0706050403020100), and 2.5.2's Poly1305 tag (message split in two, as
 * a frame is).
 */
static int selftest_frame_mac(void)
{
	static const u8 otk_want[32] = {
		0x8a, 0xd5, 0xa0, 0x8b, 0x90, 0x5f, 0x81, 0xcc,
		0x81, 0x50, 0x40, 0x27, 0x4a, 0xb2, 0x94, 0x71,
		0xa8, 0x33, 0xb6, 0x37, 0xe3, 0xfd, 0x0d, 0xa5,
		0x08, 0xdb, 0xb8, 0xe2, 0xfd, 0xd1, 0xa6, 0x46,
	};
	static const u8 poly_key[32] = {
		0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33,
		0x7f, 0x44, 0x52, 0xfe, 0x42, 0xd5, 0x06, 0xa8,
		0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d, 0xb2, 0xfd,
		0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b,
	};
	static const u8 tag_want[16] = {
		0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6,
		0xc2, 0x2b, 0x8b, 0xaf, 0x0c, 0x01, 0x27, 0xa9,
	};
	static const char msg[] = "Cryptographic Forum Research Group";
	struct poly1305_desc_ctx desc;
	struct sc_mac_key mk;
	u8 key[32], block[CHACHA_BLOCK_SIZE], tag[POLY1305_DIGEST_SIZE];
	unsigned int i;
	int err = 0;

	for (i = 0; i < sizeof(key); i++)
		key[i] = 0x80 + i;
	mac_key_init(&mk, key);
	mac_otk(&mk, 0x0706050403020100ULL, block);
	if (crypto_memneq(block, otk_want, sizeof(otk_want)))
		err = -EBADMSG;
	poly1305_init(&desc, poly_key);
	poly1305_update(&desc, msg, 5);
	poly1305_update(&desc, msg + 5, sizeof(msg) - 1 - 5);
	poly1305_final(&desc, tag);
	if (crypto_memneq(tag, tag_want, sizeof(tag)))
		err = -EBADMSG;
	memzero_explicit(&mk, sizeof(mk));
	memzero_explicit(block, sizeof(block));
	return err;
}

int sc_crypto_selftest(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(hpke_vectors); i++) {
		err = selftest_hpke_vector(&hpke_vectors[i]);
		if (err) {
			pr_err("sealcam: RFC 9180 %s self-test failed (%d)\n",
			       hpke_vectors[i].name, err);
			return err;
		}
	}
	err = selftest_frame_aead();
	if (err) {
		pr_err("sealcam: RFC 8439 frame AEAD self-test failed (%d)\n",
		       err);
		return err;
	}
	err = selftest_frame_mac();
	if (err) {
		pr_err("sealcam: frame MAC (RFC 8439 2.6.2/2.5.2) self-test failed (%d)\n",
		       err);
		return err;
	}
	pr_info("sealcam: crypto self-tests passed (RFC 9180 A.2 base+auth+exporter, RFC 8439 AEAD whole and split, frame MAC), %s\n",
		sc_driver_desc);
	return 0;
}

/* ---- keys ---- */

void sc_key_id(const u8 pub[SEALCAM_KEY_LEN], u8 id[SEALCAM_KEY_ID_LEN])
{
	u8 digest[SHA256_DIGEST_SIZE];

	sha256(pub, SEALCAM_KEY_LEN, digest);
	memcpy(id, digest, SEALCAM_KEY_ID_LEN);
	memzero_explicit(digest, sizeof(digest));
}

int sc_x25519_public(u8 pub[SEALCAM_KEY_LEN], const u8 priv[SEALCAM_KEY_LEN])
{
	return curve25519_generate_public(pub, priv) ? 0 : -EINVAL;
}

void sc_x25519_generate(u8 priv[SEALCAM_KEY_LEN])
{
	curve25519_generate_secret(priv);
}

const char *sc_crypto_driver(void)
{
	return sc_driver_desc;
}

/* ---- segments and frames ---- */

static void build_info(u8 *info, const u8 device_id[SEALCAM_KEY_ID_LEN],
		       u64 segment_id)
{
	const size_t label_len = sizeof(SEALCAM_HPKE_LABEL) - 1;

	memcpy(info, SEALCAM_HPKE_LABEL, label_len);
	memcpy(info + label_len, device_id, SEALCAM_KEY_ID_LEN);
	put_unaligned_le64(segment_id, info + label_len + SEALCAM_KEY_ID_LEN);
}

#define SC_INFO_LEN (sizeof(SEALCAM_HPKE_LABEL) - 1 + SEALCAM_KEY_ID_LEN + 8)

int sc_segment_start(struct sc_segment *seg, u64 segment_id, u32 camera,
		     const struct sc_key_snapshot *keys)
{
	const size_t frame_hdr_len = sizeof(struct sealcam_frame_hdr);
	struct sealcam_segment_hdr *sh;
	struct sealcam_recipient *rcpt;
	u8 info[SC_INFO_LEN];
	u8 sk_e[CURVE25519_KEY_SIZE];
	u8 mac_key[HPKE_NH];
	struct sc_mac_key *mac_keys;
	struct poly1305_desc_ctx *mac_descs;
	unsigned int i, n = keys->n_recipients;
	u32 seg_hdr_len;
	u8 *buf;
	int err = 0;

	if (WARN_ON_ONCE(seg->active))
		return -EBUSY;
	if (n == 0)
		return -ENOKEY;
	if (n > SEALCAM_MAX_RECIPIENTS)
		return -EINVAL;

	seg_hdr_len = SEALCAM_SEG_HDR_LEN(n);
	/* Room for the first frame's header in front: the AAD is contiguous. */
	buf = kzalloc(frame_hdr_len + seg_hdr_len, GFP_KERNEL);
	mac_keys = kcalloc(n, sizeof(*mac_keys), GFP_KERNEL);
	mac_descs = kcalloc(n, sizeof(*mac_descs), GFP_KERNEL);
	if (!buf || !mac_keys || !mac_descs) {
		kfree(buf);
		kfree(mac_keys);
		kfree(mac_descs);
		return -ENOMEM;
	}
	sh = (struct sealcam_segment_hdr *)(buf + frame_hdr_len);
	rcpt = (struct sealcam_recipient *)(sh + 1);
	sh->magic = cpu_to_le32(SEALCAM_SEGMENT_MAGIC);
	sh->version = cpu_to_le16(SEALCAM_FORMAT_VERSION);
	sh->n_recipients = cpu_to_le16(n);
	memcpy(sh->device_pub, keys->device_pub, SEALCAM_KEY_LEN);
	sh->segment_id = cpu_to_le64(segment_id);
	sh->camera = cpu_to_le32(camera);

	get_random_bytes(seg->content_key, sizeof(seg->content_key));
	build_info(info, keys->device_id, segment_id);

	mutex_lock(&sc_hpke_lock);
	for (i = 0; i < n && !err; i++) {
		memcpy(rcpt[i].key_id, keys->recipients[i].id,
		       SEALCAM_KEY_ID_LEN);
		curve25519_generate_secret(sk_e);
		err = hpke_seal(rcpt[i].enc, rcpt[i].wrapped_key,
				keys->recipients[i].pub, sk_e,
				keys->device_priv, keys->device_pub, info,
				sizeof(info), NULL, 0, seg->content_key,
				SEALCAM_KEY_LEN, SEALCAM_EXPORT_LABEL, mac_key);
		if (!err)
			mac_key_init(&mac_keys[i], mac_key);
	}
	mutex_unlock(&sc_hpke_lock);
	memzero_explicit(sk_e, sizeof(sk_e));
	memzero_explicit(mac_key, sizeof(mac_key));
	if (err) {
		memzero_explicit(seg->content_key, sizeof(seg->content_key));
		kfree_sensitive(mac_keys);
		kfree(mac_descs);
		kfree(buf);
		return err;
	}

	seg->id = segment_id;
	seg->camera = camera;
	seg->frame_index = 0;
	memcpy(seg->device_id, keys->device_id, SEALCAM_KEY_ID_LEN);
	seg->seg_hdr = buf;
	seg->seg_hdr_len = seg_hdr_len;
	seg->n_macs = n;
	seg->mac_keys = mac_keys;
	seg->mac_descs = mac_descs;
	seg->split = READ_ONCE(seal_split);
	seg->closed = false;
	seg->active = true;
	return 0;
}

static void seal_one_cpu(struct sc_segment *seg, u8 *dst, const u8 *aad,
			 size_t aad_len, u8 *plain, size_t len)
{
	size_t ct_len = len + SEALCAM_TAG_LEN;
	u8 mac[POLY1305_DIGEST_SIZE];
	u32 key[8];
	unsigned int i;

	content_key_words(key, seg->content_key);
	chacha_part(key, seg->frame_index, 1, plain, len);
	aead_tag(key, seg->frame_index, aad, aad_len, plain, len, plain + len);
	memzero_explicit(key, sizeof(key));
	/*
	 * Attribution, per recipient in entry order: Poly1305 of this frame's
	 * bytes before the MACs under that recipient's one-time key for this
	 * index, computed from the private copy.
	 */
	for (i = 0; i < seg->n_macs; i++) {
		mac_compute(&seg->mac_keys[i], seg->frame_index, aad, aad_len,
			    plain, ct_len, mac);
		memcpy(dst + aad_len + ct_len + i * SEALCAM_MAC_LEN, mac,
		       SEALCAM_MAC_LEN);
	}
	memzero_explicit(mac, sizeof(mac));
	memcpy(dst, aad, aad_len);
	memcpy(dst + aad_len, plain, ct_len);
}

/* The second CPU's share of one step of a split seal. */
struct sc_split {
	struct work_struct work;
	int step;
	struct sc_segment *seg;
	const u32 *key;
	const u8 *aad;
	size_t aad_len;
	u8 *plain, *dst;
	size_t len, half;
};

enum { SC_SPLIT_CHACHA, SC_SPLIT_MACS, SC_SPLIT_COPY };

static void seal_split_work(struct work_struct *work)
{
	struct sc_split *sp = container_of(work, struct sc_split, work);
	struct sc_segment *seg = sp->seg;
	u8 block[CHACHA_BLOCK_SIZE];
	unsigned int i;

	switch (sp->step) {
	case SC_SPLIT_CHACHA:
		chacha_part(sp->key, seg->frame_index,
			    1 + sp->half / CHACHA_BLOCK_SIZE,
			    sp->plain + sp->half, sp->len - sp->half);
		break;
	case SC_SPLIT_MACS:
		/* each recipient's MAC up to the tag, which is not made yet */
		for (i = 0; i < seg->n_macs; i++) {
			mac_otk(&seg->mac_keys[i], seg->frame_index, block);
			poly1305_init(&seg->mac_descs[i], block);
			poly1305_update(&seg->mac_descs[i], sp->aad,
					sp->aad_len);
			poly1305_update(&seg->mac_descs[i], sp->plain, sp->len);
		}
		memzero_explicit(block, sizeof(block));
		break;
	case SC_SPLIT_COPY:
		memcpy(sp->dst + sp->aad_len + sp->half, sp->plain + sp->half,
		       sp->len + SEALCAM_TAG_LEN - sp->half);
		break;
	}
}

static void split_step(struct sc_split *sp, int step)
{
	sp->step = step;
	queue_work(system_unbound_wq, &sp->work);
}

static void seal_split_frame(struct sc_segment *seg, u8 *dst, const u8 *aad,
			     size_t aad_len, u8 *plain, size_t len)
{
	size_t ct_len = len + SEALCAM_TAG_LEN;
	u8 mac[POLY1305_DIGEST_SIZE];
	struct sc_split sp = {
		.seg = seg, .aad = aad, .aad_len = aad_len, .plain = plain,
		.dst = dst, .len = len,
		/* the first half ends on a ChaCha20 block */
		.half = round_down(len / 2, CHACHA_BLOCK_SIZE),
	};
	u32 key[8];
	unsigned int i;

	content_key_words(key, seg->content_key);
	sp.key = key;
	INIT_WORK_ONSTACK(&sp.work, seal_split_work);

	/* 1. ChaCha20: the second half there, the first here */
	split_step(&sp, SC_SPLIT_CHACHA);
	chacha_part(key, seg->frame_index, 1, plain, sp.half);
	flush_work(&sp.work);

	/* 2. the recipients' MACs there, the AEAD's tag here */
	split_step(&sp, SC_SPLIT_MACS);
	aead_tag(key, seg->frame_index, aad, aad_len, plain, len, plain + len);
	memzero_explicit(key, sizeof(key));
	flush_work(&sp.work);
	for (i = 0; i < seg->n_macs; i++) {
		poly1305_update(&seg->mac_descs[i], plain + len,
				SEALCAM_TAG_LEN);
		poly1305_final(&seg->mac_descs[i], mac);
		memcpy(dst + aad_len + ct_len + i * SEALCAM_MAC_LEN, mac,
		       SEALCAM_MAC_LEN);
	}
	memzero_explicit(mac, sizeof(mac));
	memzero_explicit(seg->mac_descs, seg->n_macs * sizeof(*seg->mac_descs));

	/* 3. publish: the ciphertext's second half there, the rest here */
	split_step(&sp, SC_SPLIT_COPY);
	memcpy(dst, aad, aad_len);
	memcpy(dst + aad_len, plain, sp.half);
	flush_work(&sp.work);
	destroy_work_on_stack(&sp.work);
}

size_t sc_sealed_max(size_t plain_len)
{
	return SEALCAM_FRAME_OVERHEAD(SEALCAM_MAX_RECIPIENTS) -
	       SEALCAM_META_LEN + plain_len;
}

ssize_t sc_seal_frame(struct sc_segment *seg, u8 *dst, size_t dst_len,
		      u8 *plain, size_t plain_len, bool last)
{
	const size_t frame_hdr_len = sizeof(struct sealcam_frame_hdr);
	struct sealcam_frame_hdr hdr = { 0 };
	bool first = seg->frame_index == 0;
	size_t aad_len = frame_hdr_len + (first ? seg->seg_hdr_len : 0);
	size_t mac_len = (size_t)seg->n_macs * SEALCAM_MAC_LEN;
	size_t ct_len = plain_len + SEALCAM_TAG_LEN;
	size_t total = aad_len + ct_len + mac_len;
	u16 flags = 0;
	u8 *aad;

	if (unlikely(!seg->active || seg->closed))
		return -EPIPE;
	if (unlikely(plain_len > U32_MAX - SEALCAM_TAG_LEN - mac_len ||
		     total > dst_len))
		return -ENOSPC;

	if (first)
		flags |= SEALCAM_F_FIRST | SEALCAM_F_KEYFRAME;
	if (last)
		flags |= SEALCAM_F_LAST;
	hdr.magic = cpu_to_le32(SEALCAM_FRAME_MAGIC);
	hdr.version = SEALCAM_FORMAT_VERSION;
	hdr.hdr_len = frame_hdr_len;
	hdr.flags = cpu_to_le16(flags);
	hdr.seg_hdr_len = cpu_to_le32(first ? seg->seg_hdr_len : 0);
	hdr.ct_len = cpu_to_le32(ct_len + mac_len);
	memcpy(hdr.device_id, seg->device_id, SEALCAM_KEY_ID_LEN);
	hdr.segment_id = cpu_to_le64(seg->id);
	hdr.frame_index = cpu_to_le64(seg->frame_index);
	hdr.mac_len = cpu_to_le32(mac_len);

	if (first) {
		memcpy(seg->seg_hdr, &hdr, frame_hdr_len);
		aad = seg->seg_hdr;
	} else {
		aad = (u8 *)&hdr;
	}

	/*
	 * In place, in kernel-private memory; then the MACs from the same
	 * private bytes; then publish the ciphertext.
	 */
	if (seg->split && plain_len >= SC_SPLIT_MIN && num_online_cpus() > 1)
		seal_split_frame(seg, dst, aad, aad_len, plain, plain_len);
	else
		seal_one_cpu(seg, dst, aad, aad_len, plain, plain_len);

	seg->frame_index++;
	if (last)
		seg->closed = true;
	return total;
}

void sc_segment_end(struct sc_segment *seg)
{
	memzero_explicit(seg->content_key, sizeof(seg->content_key));
	kfree_sensitive(seg->mac_keys);
	seg->mac_keys = NULL;
	kfree_sensitive(seg->mac_descs);
	seg->mac_descs = NULL;
	seg->n_macs = 0;
	kfree_sensitive(seg->seg_hdr);
	seg->seg_hdr = NULL;
	seg->seg_hdr_len = 0;
	seg->active = false;
	seg->closed = false;
}

/* ---- init ---- */

int sc_crypto_init(void)
{
	struct crypto_skcipher *chacha;
	struct crypto_shash *poly;
	int err;

	sc_hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(sc_hmac)) {
		err = PTR_ERR(sc_hmac);
		goto err_hmac;
	}
	sc_aead = crypto_alloc_aead("rfc7539(chacha20,poly1305)", 0,
				    CRYPTO_ALG_ASYNC);
	if (IS_ERR(sc_aead)) {
		err = PTR_ERR(sc_aead);
		goto err_aead;
	}
	err = crypto_aead_setauthsize(sc_aead, SEALCAM_TAG_LEN);
	if (err)
		goto err_authsize;

	/*
	 * The frame path calls the ChaCha20/Poly1305 library, which runs the
	 * architecture's code when its module is loaded; the highest-priority
	 * skcipher/shash tells which implementation that is.
	 */
	chacha = crypto_alloc_skcipher("chacha20", 0, CRYPTO_ALG_ASYNC);
	poly = crypto_alloc_shash("poly1305", 0, 0);
	snprintf(sc_driver_desc, sizeof(sc_driver_desc), "%s+%s",
		 IS_ERR(chacha) ? "chacha20-?" :
		 crypto_skcipher_driver_name(chacha),
		 IS_ERR(poly) ? "poly1305-?" : crypto_shash_driver_name(poly));
	if (!IS_ERR(chacha))
		crypto_free_skcipher(chacha);
	if (!IS_ERR(poly))
		crypto_free_shash(poly);
	return 0;

err_authsize:
	crypto_free_aead(sc_aead);
err_aead:
	crypto_free_shash(sc_hmac);
err_hmac:
	pr_err("sealcam: crypto transforms unavailable (%d)\n", err);
	return err;
}

void sc_crypto_exit(void)
{
	crypto_free_aead(sc_aead);
	crypto_free_shash(sc_hmac);
}
