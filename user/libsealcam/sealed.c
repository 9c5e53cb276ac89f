// SPDX-License-Identifier: MIT
/*
 * Parser and verifier of sealed segment files; the rules and their order are
 * those of docs/FORMAT.md section "Validation". Each frame is checked in this
 * order: frame header structure, segment header (FIRST) or membership in the
 * current segment, HPKE unwrap (FIRST), ChaCha20-Poly1305 of the frame, then
 * the checks that rely on authenticated data: frame order, metadata, and
 * continuity with the previous segment of the same camera.
 *
 * Frames come from a "source": a file already in memory, or a descriptor
 * read through a window that holds the frame being checked (and, to tell
 * swapped frames from dropped ones, the next frame's header), so that a file
 * of any size is read in one pass in constant memory.
 */
#include "sealed.h"
#include "hpke.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

_Static_assert(sizeof(struct sealcam_frame_hdr) == 48, "frame header is 48 bytes");
_Static_assert(sizeof(struct sealcam_segment_hdr) == 64, "segment header is 64 bytes");
_Static_assert(sizeof(struct sealcam_recipient) == 88, "recipient is 88 bytes");
_Static_assert(sizeof(struct sealcam_frame_meta) == 64, "frame meta is 64 bytes");

#define FH_LEN		((uint32_t)sizeof(struct sealcam_frame_hdr))
#define SH_LEN		((uint32_t)sizeof(struct sealcam_segment_hdr))
#define RCP_LEN		((uint32_t)sizeof(struct sealcam_recipient))
#define FH(f)		offsetof(struct sealcam_frame_hdr, f)
#define SH(f)		offsetof(struct sealcam_segment_hdr, f)
#define RCP(f)		offsetof(struct sealcam_recipient, f)
#define FM(f)		offsetof(struct sealcam_frame_meta, f)

/* Largest pixel payload accepted: 4 bytes per pixel of the largest frame. */
#define SC_MAX_PAYLOAD	((uint32_t)4 * SEALCAM_MAX_WIDTH * SEALCAM_MAX_HEIGHT)
#define SC_MAX_CT_LEN	(SEALCAM_META_LEN + SC_MAX_PAYLOAD + SEALCAM_TAG_LEN)
#define SC_MAX_MAC_LEN	(SEALCAM_MAX_RECIPIENTS * SEALCAM_MAC_LEN)

struct sc_stream_state {
	unsigned char device_id[SEALCAM_KEY_ID_LEN];
	uint32_t camera;
	uint64_t last_segment_id;
	uint64_t last_sequence;
};

static uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static const struct {
	const char *name;
	enum sc_unseal_exit code;
	bool fatal;
} findings[SC_FIND_MAX] = {
	[SC_FIND_NONE] = { "ok", SC_UNSEAL_OK, false },
	[SC_FIND_NOT_RECIPIENT] = { "wrong key", SC_UNSEAL_WRONG_KEY, true },
	[SC_FIND_UNWRAP_FAILED] = { "unauthenticated",
				    SC_UNSEAL_UNAUTHENTICATED, true },
	[SC_FIND_BAD_MAGIC] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_BAD_VERSION] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_BAD_LENGTH] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_BAD_FLAGS] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_BAD_HEADER] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_HEADER_MISMATCH] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_AUTH_FAILED] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_BAD_META] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_NO_FIRST] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_AFTER_LAST] = { "tampered", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_DROPPED] = { "dropped frame", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_SWAPPED] = { "reordered frames", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_DUPLICATE] = { "duplicated frame", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_OTHER_SEGMENT] = { "frame from another segment",
				    SC_UNSEAL_TAMPERED, true },
	[SC_FIND_OTHER_DEVICE] = { "frame from another device",
				   SC_UNSEAL_TAMPERED, true },
	[SC_FIND_FORGED] = { "forged frame", SC_UNSEAL_TAMPERED, true },
	[SC_FIND_PARTIAL_FRAME] = { "truncated", SC_UNSEAL_TRUNCATED, true },
	[SC_FIND_NO_LAST] = { "truncated", SC_UNSEAL_TRUNCATED, true },
	[SC_FIND_UNEXPECTED_DEVICE] = { "unexpected device",
					SC_UNSEAL_UNEXPECTED_DEVICE, true },
	[SC_FIND_DEVICE_CHANGED] = { "device changed",
				     SC_UNSEAL_DEVICE_CHANGED, true },
	[SC_FIND_REPLAY] = { "replay", SC_UNSEAL_REPLAY, true },
	[SC_FIND_UNEXPECTED_RECIPIENT] = { "unexpected recipient",
					   SC_UNSEAL_UNEXPECTED_RECIPIENT, false },
	[SC_FIND_GAP] = { "gap", SC_UNSEAL_OK, false },
	[SC_FIND_DEVICE_DROPS] = { "device drops", SC_UNSEAL_OK, false },
	[SC_FIND_FORMAT_V1] = { "format v1", SC_UNSEAL_OK, false },
};

const char *sc_finding_name(enum sc_finding f)
{
	return f < SC_FIND_MAX ? findings[f].name : "?";
}

enum sc_unseal_exit sc_finding_exit(enum sc_finding f)
{
	return f < SC_FIND_MAX ? findings[f].code : SC_UNSEAL_TAMPERED;
}

bool sc_finding_fatal(enum sc_finding f)
{
	return f < SC_FIND_MAX ? findings[f].fatal : true;
}

char *sc_fmt_time(char *out, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&s, &tm))
		snprintf(out, len, "?");
	else
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned int)(ns % 1000000000u / 1000000u));
	return out;
}

char *sc_hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

void sc_key_id(unsigned char id[SEALCAM_KEY_ID_LEN],
	       const unsigned char pub[SEALCAM_KEY_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pub, SEALCAM_KEY_LEN);
	memcpy(id, h, SEALCAM_KEY_ID_LEN);
}

size_t sc_segment_info_bytes(unsigned char info[SC_HPKE_INFO_MAX],
			     const unsigned char device_id[SEALCAM_KEY_ID_LEN],
			     uint64_t segment_id)
{
	return sc_segment_info_bytes_v(info, SEALCAM_FORMAT_VERSION, device_id,
				       segment_id);
}

/*
 * SHA-256 of every frame's bytes is the larger half of a v2 unseal's work:
 * OpenSSL's (SHA-NI/AVX2 where the CPU has them) runs at several times
 * libsodium's portable one. The digest is the same; libsodium stays the
 * fallback should OpenSSL fail (it allocates).
 */
void sc_frame_chain(unsigned char chain[32], const unsigned char *frame,
		    size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	crypto_hash_sha256_state st;
	unsigned int n = 0;

	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, chain, 32) &&
	    EVP_DigestUpdate(ctx, frame, len) &&
	    EVP_DigestFinal_ex(ctx, chain, &n) && n == 32) {
		EVP_MD_CTX_free(ctx);
		return;
	}
	EVP_MD_CTX_free(ctx);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, chain, 32);
	crypto_hash_sha256_update(&st, frame, len);
	crypto_hash_sha256_final(&st, chain);
}

/*
 * A frame's ChaCha20-Poly1305 (RFC 8439) open. OpenSSL's implementation
 * (AVX-512/AVX2) is used for its speed on large frames; libsodium's when
 * OpenSSL cannot set up (allocation). 0, or -1 when the tag does not verify:
 * then pt holds nothing the caller may use.
 */
static int frame_open(unsigned char *pt, const unsigned char *ct,
		      size_t ct_len, const unsigned char *aad, size_t aad_len,
		      const unsigned char nonce[12],
		      const unsigned char key[32])
{
	EVP_CIPHER_CTX *ctx;
	int n, m, ok;

	if (ct_len < SEALCAM_TAG_LEN)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || ct_len > INT32_MAX || aad_len > INT32_MAX ||
	    EVP_DecryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL,
			       NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, SEALCAM_TAG_LEN,
				(void *)(ct + ct_len - SEALCAM_TAG_LEN)) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL,
								 ct, ct_len,
								 aad, aad_len,
								 nonce, key);
	}
	ok = EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	     EVP_DecryptUpdate(ctx, pt, &n, ct,
			       (int)(ct_len - SEALCAM_TAG_LEN)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, pt + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * The chain hash of a large frame runs on a second thread while this one
 * decrypts the same (read-only) bytes: unseal then takes about as long as
 * the AEAD alone. One job at a time; started on the first large v2 frame.
 */
#define SC_PAR_MIN	(256u << 10)

struct sc_hash_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *chain;
	const unsigned char *frame;
	size_t len;
	bool pending, quit;
};

static void *hash_worker_main(void *arg)
{
	struct sc_hash_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->pending && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->pending)
			break;
		pthread_mutex_unlock(&w->lock);
		sc_frame_chain(w->chain, w->frame, w->len);
		pthread_mutex_lock(&w->lock);
		w->pending = false;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* 0: the worker hashes chain || frame into chain; -1: do it yourself */
static int hash_worker_post(struct sc_reader *r, const unsigned char *frame,
			    size_t len)
{
	struct sc_hash_worker *w = r->hash_worker;

	if (len < SC_PAR_MIN)
		return -1;
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -1;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		if (pthread_create(&w->thread, NULL, hash_worker_main, w)) {
			pthread_cond_destroy(&w->cond);
			pthread_mutex_destroy(&w->lock);
			free(w);
			return -1;
		}
		r->hash_worker = w;
	}
	pthread_mutex_lock(&w->lock);
	w->chain = r->chain;
	w->frame = frame;
	w->len = len;
	w->pending = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static void hash_worker_wait(struct sc_reader *r)
{
	struct sc_hash_worker *w = r->hash_worker;

	pthread_mutex_lock(&w->lock);
	while (w->pending)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void hash_worker_stop(struct sc_reader *r)
{
	struct sc_hash_worker *w = r->hash_worker;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	r->hash_worker = NULL;
}

void sc_frame_mac(unsigned char mac[SEALCAM_MAC_LEN],
		  const unsigned char mac_key[32],
		  const unsigned char chain[32])
{
	unsigned char full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, mac_key, 32);
	crypto_auth_hmacsha256_update(&st, chain, 32);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, SEALCAM_MAC_LEN);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(full, sizeof(full));
}

void sc_frame_mac_v3(unsigned char mac[SEALCAM_MAC_LEN],
		     const unsigned char mac_key[32], uint64_t frame_index,
		     const unsigned char *body, size_t len)
{
	unsigned char otk[crypto_onetimeauth_poly1305_KEYBYTES];
	unsigned char nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = { 0 };

	_Static_assert(crypto_onetimeauth_poly1305_BYTES == SEALCAM_MAC_LEN,
		       "a v3 MAC is one Poly1305 tag");
	put_le64(nonce + 4, frame_index);
	crypto_stream_chacha20_ietf(otk, sizeof(otk), nonce, mac_key);
	crypto_onetimeauth_poly1305(mac, body, len, otk);
	sodium_memzero(otk, sizeof(otk));
}

int sc_frame_mac_key(struct sc_hpke_ctx *ctx, unsigned int version,
		     unsigned char mac_key[32])
{
	const char *label = version == SEALCAM_FORMAT_V2 ?
			    SEALCAM_EXPORT_LABEL_V2 : SEALCAM_EXPORT_LABEL;

	_Static_assert(sizeof(SEALCAM_EXPORT_LABEL) ==
		       sizeof(SEALCAM_EXPORT_LABEL_V2), "labels of one length");
	return sc_hpke_export(ctx, mac_key, 32, (const unsigned char *)label,
			      sizeof(SEALCAM_EXPORT_LABEL) - 1);
}

size_t sc_segment_info_bytes_v(unsigned char info[SC_HPKE_INFO_MAX],
			       unsigned int version,
			       const unsigned char device_id[SEALCAM_KEY_ID_LEN],
			       uint64_t segment_id)
{
	const char *label = version == SEALCAM_FORMAT_V1 ?
			    SEALCAM_HPKE_LABEL_V1 : SEALCAM_HPKE_LABEL;
	size_t label_len = sizeof(SEALCAM_HPKE_LABEL) - 1;

	_Static_assert(sizeof(SEALCAM_HPKE_LABEL) ==
		      sizeof(SEALCAM_HPKE_LABEL_V1), "labels of one length");
	memcpy(info, label, label_len);
	memcpy(info + label_len, device_id, SEALCAM_KEY_ID_LEN);
	put_le64(info + label_len + SEALCAM_KEY_ID_LEN, segment_id);
	return label_len + SEALCAM_KEY_ID_LEN + 8;
}

void sc_meta_decode(struct sc_meta *m, const unsigned char *p)
{
	m->timestamp_ns = get_le64(p + FM(timestamp_ns));
	m->monotonic_ns = get_le64(p + FM(monotonic_ns));
	m->sequence = get_le64(p + FM(sequence));
	m->pixelformat = get_le32(p + FM(pixelformat));
	m->width = get_le32(p + FM(width));
	m->height = get_le32(p + FM(height));
	m->bytesperline = get_le32(p + FM(bytesperline));
	m->payload_len = get_le32(p + FM(payload_len));
	m->fps_num = get_le32(p + FM(fps_num));
	m->fps_den = get_le32(p + FM(fps_den));
	m->pattern = get_le32(p + FM(pattern));
	m->reserved = get_le32(p + FM(reserved));
}

void sc_meta_encode(unsigned char *p, const struct sc_meta *m)
{
	memset(p, 0, SEALCAM_META_LEN);	/* includes the 4 padding bytes */
	put_le64(p + FM(timestamp_ns), m->timestamp_ns);
	put_le64(p + FM(monotonic_ns), m->monotonic_ns);
	put_le64(p + FM(sequence), m->sequence);
	put_le32(p + FM(pixelformat), m->pixelformat);
	put_le32(p + FM(width), m->width);
	put_le32(p + FM(height), m->height);
	put_le32(p + FM(bytesperline), m->bytesperline);
	put_le32(p + FM(payload_len), m->payload_len);
	put_le32(p + FM(fps_num), m->fps_num);
	put_le32(p + FM(fps_den), m->fps_den);
	put_le32(p + FM(pattern), m->pattern);
	put_le32(p + FM(reserved), m->reserved);
}

size_t sc_meta_expected_payload(const struct sc_meta *m)
{
	size_t w = m->width, h = m->height, bpl = m->bytesperline;

	if (w < SEALCAM_MIN_WIDTH || w > SEALCAM_MAX_WIDTH ||
	    h < SEALCAM_MIN_HEIGHT || h > SEALCAM_MAX_HEIGHT ||
	    bpl > 4 * (size_t)SEALCAM_MAX_WIDTH)
		return 0;
	switch (m->pixelformat) {
	case SEALCAM_PLAIN_GREY:
		return bpl >= w ? bpl * h : 0;
	case SEALCAM_PLAIN_YUYV:
		return (w % 2 == 0 && bpl >= 2 * w) ? bpl * h : 0;
	case SEALCAM_PLAIN_NV12:
		/* Y plane, then interleaved CbCr at half height, same stride */
		return (w % 2 == 0 && h % 2 == 0 && bpl >= w) ?
			bpl * h + bpl * (h / 2) : 0;
	default:
		return 0;
	}
}

bool sc_meta_payload_ok(const struct sc_meta *m, size_t len, size_t *want)
{
	if (m->pixelformat != SEALCAM_PLAIN_MJPG) {
		*want = sc_meta_expected_payload(m);
		return *want && len == *want;
	}
	*want = 0;
	if (m->width < SEALCAM_MIN_WIDTH || m->width > SEALCAM_MAX_WIDTH ||
	    m->height < SEALCAM_MIN_HEIGHT || m->height > SEALCAM_MAX_HEIGHT ||
	    m->bytesperline)
		return false;
	*want = SEALCAM_MJPG_MAX_PAYLOAD(m->width, m->height);
	return len >= 1 && len <= *want;
}

int sc_reader_init(struct sc_reader *r, const unsigned char priv[SEALCAM_KEY_LEN],
		   const struct sc_reader_ops *ops, void *arg)
{
	memset(r, 0, sizeof(*r));
	if (sodium_init() < 0)
		return -1;
	memcpy(r->priv, priv, SEALCAM_KEY_LEN);
	if (sc_x25519_public(r->pub, r->priv))
		return -1;
	sc_key_id(r->key_id, r->pub);
	r->ops = ops;
	r->arg = arg;
	return 0;
}

void sc_reader_expect_device(struct sc_reader *r,
			     const unsigned char pub[SEALCAM_KEY_LEN])
{
	memcpy(r->expect_device_pub, pub, SEALCAM_KEY_LEN);
	r->have_expect_device = true;
}

int sc_reader_expect_recipient(struct sc_reader *r,
			       const unsigned char id[SEALCAM_KEY_ID_LEN])
{
	if (r->n_expect_ids >= SC_MAX_EXPECTED_IDS)
		return -1;
	memcpy(r->expect_ids[r->n_expect_ids++], id, SEALCAM_KEY_ID_LEN);
	return 0;
}

static bool is_trusted(const struct sc_reader *r,
		       const unsigned char pub[SEALCAM_KEY_LEN])
{
	size_t i;

	for (i = 0; i < r->n_trusted; i++)
		if (!memcmp(r->trusted[i], pub, SEALCAM_KEY_LEN))
			return true;
	return false;
}

bool sc_reader_trusts(const struct sc_reader *r,
		      const unsigned char pub[SEALCAM_KEY_LEN])
{
	return !r->n_trusted || is_trusted(r, pub);
}

int sc_reader_trust_device(struct sc_reader *r,
			   const unsigned char pub[SEALCAM_KEY_LEN])
{
	if (is_trusted(r, pub))
		return 0;
	if (r->n_trusted >= SC_MAX_TRUSTED_DEVICES)
		return -1;
	memcpy(r->trusted[r->n_trusted++], pub, SEALCAM_KEY_LEN);
	return 0;
}

void sc_reader_keep_cut_segments(struct sc_reader *r)
{
	r->keep_cut = true;
}

void sc_reader_free(struct sc_reader *r)
{
	hash_worker_stop(r);
	if (r->plain) {
		sodium_memzero(r->plain, r->plain_cap);
		free(r->plain);
	}
	free(r->in);
	free(r->streams);
	sodium_memzero(r, sizeof(*r));
}

enum sc_unseal_exit sc_reader_result(const struct sc_reader *r)
{
	if (r->fatal != SC_FIND_NONE)
		return sc_finding_exit(r->fatal);
	if (r->cuts)
		return SC_UNSEAL_TRUNCATED;
	return r->unexpected_recipient ? SC_UNSEAL_UNEXPECTED_RECIPIENT :
					 SC_UNSEAL_OK;
}

/*
 * Where frames come from: a whole file in memory, or a descriptor read
 * through the window r->in[start..end), which holds the frame being checked
 * (and the next frame's header when the order check peeks at it).
 */
struct source {
	const unsigned char *mem;	/* memory input, or NULL */
	size_t mem_len;
	int fd;
	size_t start, end;		/* the window in r->in */
	uint64_t offset;		/* file offset of the cursor */
	bool eof;
};

/* Per-file parse position, for messages. */
struct cursor {
	const char *source;
	uint64_t offset;		/* of the frame being checked */
	struct source *src;
};

/* Smallest read window: small frames are read many at a time. */
#define SC_READ_CHUNK	((size_t)1 << 20)

/*
 * Make @n bytes from the cursor on readable; fewer only at the end of the
 * file. *p points at them. Returns how many are readable, or -1 when read()
 * fails (r->read_errno). A memory source returns the rest of the file.
 */
static ssize_t source_want(struct sc_reader *r, struct source *s, size_t n,
			   const unsigned char **p)
{
	if (s->mem) {
		*p = s->mem + s->offset;
		return (ssize_t)(s->mem_len - s->offset);
	}
	while (s->end - s->start < n && !s->eof) {
		ssize_t got;

		if (s->start && s->start + n > r->in_cap) {
			memmove(r->in, r->in + s->start, s->end - s->start);
			s->end -= s->start;
			s->start = 0;
		}
		if (n > r->in_cap) {
			size_t cap = n < SC_READ_CHUNK ? SC_READ_CHUNK : n;
			unsigned char *q = realloc(r->in, cap);

			if (!q) {
				r->read_errno = ENOMEM;
				return -1;
			}
			r->in = q;
			r->in_cap = cap;
		}
		got = read(s->fd, r->in + s->end, r->in_cap - s->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r->read_errno = errno;
			return -1;
		}
		if (got == 0)
			s->eof = true;
		s->end += (size_t)got;
	}
	*p = r->in + s->start;
	return (ssize_t)(s->end - s->start);
}

static void source_skip(struct source *s, size_t n)
{
	if (!s->mem)
		s->start += n;
	s->offset += n;
}

__attribute__((format(printf, 4, 5)))
static enum sc_unseal_exit report(struct sc_reader *r, const struct cursor *c,
			   enum sc_finding f, const char *fmt, ...)
{
	char msg[sizeof(r->message)];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "offset %" PRIu64 ": ", c->offset);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	r->counts[f]++;
	if (r->keep_cut && sc_finding_exit(f) == SC_UNSEAL_TRUNCATED) {
		r->cuts++;	/* the reader goes on after the cut */
	} else if (sc_finding_fatal(f)) {
		if (r->fatal == SC_FIND_NONE) {
			r->fatal = f;
			snprintf(r->message, sizeof(r->message), "%s", msg);
		}
	} else {
		r->warnings++;
		if (f == SC_FIND_UNEXPECTED_RECIPIENT)
			r->unexpected_recipient = true;
	}
	if (r->ops && r->ops->report)
		r->ops->report(r->arg, f, sc_finding_fatal(f), c->source, msg);
	return sc_finding_fatal(f) ? sc_finding_exit(f) : SC_UNSEAL_OK;
}

static void end_segment(struct sc_reader *r)
{
	if (r->in_segment && r->ops && r->ops->segment_end)
		r->ops->segment_end(r->arg, &r->seg);
	r->in_segment = false;
	sodium_memzero(r->content_key, sizeof(r->content_key));
	sodium_memzero(r->mac_key, sizeof(r->mac_key));
}

static struct sc_stream_state *find_stream(struct sc_reader *r,
					   const unsigned char *device_id,
					   uint32_t camera)
{
	size_t i;

	for (i = 0; i < r->n_streams; i++)
		if (r->streams[i].camera == camera &&
		    !memcmp(r->streams[i].device_id, device_id,
			    SEALCAM_KEY_ID_LEN))
			return &r->streams[i];
	return NULL;
}

static int remember_stream(struct sc_reader *r, const struct sc_segment_info *s)
{
	struct sc_stream_state *st = find_stream(r, s->device_id, s->camera);

	if (!st) {
		st = realloc(r->streams, (r->n_streams + 1) * sizeof(*st));
		if (!st)
			return -1;
		r->streams = st;
		st = &r->streams[r->n_streams++];
		memcpy(st->device_id, s->device_id, SEALCAM_KEY_ID_LEN);
		st->camera = s->camera;
	}
	st->last_segment_id = s->segment_id;
	st->last_sequence = s->last.sequence;
	return 0;
}

/*
 * Structural checks of the 48-byte frame header (FORMAT.md rules 1-4);
 * *total = the frame's length. @avail: bytes readable at @p.
 */
static enum sc_unseal_exit check_frame_header(struct sc_reader *r,
				       const struct cursor *c,
				       const unsigned char *p, size_t avail,
				       uint64_t *total)
{
	uint32_t magic, seg_hdr_len, ct_len, mac_len;
	uint16_t flags;
	unsigned int version;
	bool first;

	if (avail < FH_LEN && r->in_segment)
		return report(r, c, SC_FIND_PARTIAL_FRAME,
			      "segment %" PRIu64 " is cut at frame %" PRIu64 ": the file ends inside a frame header (%zu of %u bytes); frames 0..%" PRIu64 " verified",
			      r->seg.segment_id, r->next_index, avail, FH_LEN,
			      r->next_index - 1);
	if (avail < FH_LEN)
		return report(r, c, SC_FIND_PARTIAL_FRAME,
			      "file ends inside a frame header (%zu of %u bytes)",
			      avail, FH_LEN);
	magic = get_le32(p + FH(magic));
	if (magic != SEALCAM_FRAME_MAGIC)
		return report(r, c, SC_FIND_BAD_MAGIC,
			      "bad frame magic 0x%08x (want 0x%08x \"SCF1\")",
			      magic, SEALCAM_FRAME_MAGIC);
	version = p[FH(version)];
	if (version != SEALCAM_FORMAT_VERSION && version != SEALCAM_FORMAT_V2 &&
	    version != SEALCAM_FORMAT_V1)
		return report(r, c, SC_FIND_BAD_VERSION,
			      "unsupported frame version %u", version);
	if (p[FH(hdr_len)] != FH_LEN)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "frame hdr_len %u, want %u", p[FH(hdr_len)],
			      FH_LEN);
	flags = get_le16(p + FH(flags));
	if (flags & ~SEALCAM_F_KNOWN)
		return report(r, c, SC_FIND_BAD_FLAGS,
			      "unknown frame flags 0x%04x", flags);
	mac_len = get_le32(p + FH(mac_len));
	if (get_le32(p + FH(reserved)) ||
	    (version == SEALCAM_FORMAT_V1 && mac_len))
		return report(r, c, SC_FIND_BAD_HEADER,
			      "frame header reserved field is not zero");
	first = flags & SEALCAM_F_FIRST;
	seg_hdr_len = get_le32(p + FH(seg_hdr_len));
	ct_len = get_le32(p + FH(ct_len));
	if (version != SEALCAM_FORMAT_V1 &&
	    (!mac_len || mac_len > SC_MAX_MAC_LEN ||
	     mac_len % SEALCAM_MAC_LEN || mac_len > ct_len))
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "mac_len %u is not 16 * n (1 <= n <= %d) within ct_len %u",
			      mac_len, SEALCAM_MAX_RECIPIENTS, ct_len);
	ct_len -= mac_len;
	if (first && !(flags & SEALCAM_F_KEYFRAME))
		return report(r, c, SC_FIND_BAD_FLAGS,
			      "FIRST frame without KEYFRAME flag (flags 0x%04x)",
			      flags);
	if (first && get_le64(p + FH(frame_index)) != 0)
		return report(r, c, SC_FIND_BAD_HEADER,
			      "FIRST frame has frame_index %" PRIu64 ", want 0",
			      get_le64(p + FH(frame_index)));
	if (!first && seg_hdr_len)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "seg_hdr_len %u on a frame without FIRST",
			      seg_hdr_len);
	if (first && (seg_hdr_len < SEALCAM_SEG_HDR_LEN(1) ||
		      seg_hdr_len > SEALCAM_SEG_HDR_LEN(SEALCAM_MAX_RECIPIENTS) ||
		      (seg_hdr_len - SH_LEN) % RCP_LEN))
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "seg_hdr_len %u is not 64 + 88 * n (1 <= n <= %d)",
			      seg_hdr_len, SEALCAM_MAX_RECIPIENTS);
	if (first && version != SEALCAM_FORMAT_V1 &&
	    mac_len / SEALCAM_MAC_LEN != (seg_hdr_len - SH_LEN) / RCP_LEN)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "mac_len %u is not 16 per recipient (%u recipients)",
			      mac_len, (seg_hdr_len - SH_LEN) / RCP_LEN);
	if (ct_len < SEALCAM_META_LEN + SEALCAM_TAG_LEN || ct_len > SC_MAX_CT_LEN)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "ct_len %u out of range [%u, %u]", ct_len,
			      SEALCAM_META_LEN + SEALCAM_TAG_LEN, SC_MAX_CT_LEN);
	*total = (uint64_t)FH_LEN + seg_hdr_len + ct_len + mac_len;
	return SC_UNSEAL_OK;
}

/* Segment header of a FIRST frame (FORMAT.md rules 9 and 10). */
static enum sc_unseal_exit parse_segment_header(struct sc_reader *r,
					 const struct cursor *c,
					 const unsigned char *fh,
					 const unsigned char *sh,
					 uint32_t sh_len)
{
	struct sc_segment_info *s = &r->seg;
	unsigned char id[SEALCAM_KEY_ID_LEN];
	char hex1[17], hex2[17];
	unsigned int n, i, j;

	if (get_le32(sh + SH(magic)) != SEALCAM_SEGMENT_MAGIC)
		return report(r, c, SC_FIND_BAD_MAGIC,
			      "bad segment header magic 0x%08x (want 0x%08x \"SCS1\")",
			      get_le32(sh + SH(magic)), SEALCAM_SEGMENT_MAGIC);
	if (get_le16(sh + SH(version)) != fh[FH(version)])
		return report(r, c, SC_FIND_BAD_VERSION,
			      "segment header version %u in a version %u frame",
			      get_le16(sh + SH(version)), fh[FH(version)]);
	n = get_le16(sh + SH(n_recipients));
	if (n < 1 || n > SEALCAM_MAX_RECIPIENTS || SEALCAM_SEG_HDR_LEN(n) != sh_len)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "n_recipients %u does not match seg_hdr_len %u",
			      n, sh_len);
	if (get_le32(sh + SH(reserved)) || get_le64(sh + SH(reserved2)))
		return report(r, c, SC_FIND_BAD_HEADER,
			      "segment header reserved fields are not zero");
	if (get_le64(sh + SH(segment_id)) != get_le64(fh + FH(segment_id)))
		return report(r, c, SC_FIND_HEADER_MISMATCH,
			      "segment header id %" PRIu64 " != frame header segment_id %" PRIu64,
			      get_le64(sh + SH(segment_id)),
			      get_le64(fh + FH(segment_id)));
	sc_key_id(id, sh + SH(device_pub));
	if (memcmp(id, fh + FH(device_id), SEALCAM_KEY_ID_LEN))
		return report(r, c, SC_FIND_HEADER_MISMATCH,
			      "frame device_id %s is not the id %s of the segment's device key",
			      sc_hex(hex1, fh + FH(device_id), 8),
			      sc_hex(hex2, id, 8));

	memset(s, 0, sizeof(*s));
	s->source = c->source;
	s->file_offset = c->offset;
	s->segment_id = get_le64(sh + SH(segment_id));
	s->camera = get_le32(sh + SH(camera));
	memcpy(s->device_pub, sh + SH(device_pub), SEALCAM_KEY_LEN);
	memcpy(s->device_id, id, SEALCAM_KEY_ID_LEN);
	s->n_recipients = n;
	s->version = fh[FH(version)];
	s->our_index = -1;
	for (i = 0; i < n; i++) {
		const unsigned char *rcp = sh + SH_LEN + i * RCP_LEN;

		memcpy(s->recipient_ids[i], rcp + RCP(key_id), SEALCAM_KEY_ID_LEN);
		for (j = 0; j < i; j++)
			if (!memcmp(s->recipient_ids[j], s->recipient_ids[i],
				    SEALCAM_KEY_ID_LEN))
				return report(r, c, SC_FIND_BAD_HEADER,
					      "recipient key id %s listed twice",
					      sc_hex(hex1, s->recipient_ids[i], 8));
		if (!memcmp(s->recipient_ids[i], r->key_id, SEALCAM_KEY_ID_LEN)) {
			s->our_index = (int)i;
			s->expected[i] = true;
		}
		for (j = 0; j < r->n_expect_ids; j++)
			if (!memcmp(s->recipient_ids[i], r->expect_ids[j],
				    SEALCAM_KEY_ID_LEN))
				s->expected[i] = true;
	}
	memcpy(r->seg_hdr, sh, sh_len);
	r->seg_hdr_len = sh_len;
	return SC_UNSEAL_OK;
}

/* HPKE mode_auth open of our recipient entry: the content key K. */
static enum sc_unseal_exit unwrap_content_key(struct sc_reader *r,
				       const struct cursor *c)
{
	struct sc_segment_info *s = &r->seg;
	const unsigned char *rcp;
	unsigned char info[SC_HPKE_INFO_MAX];
	struct sc_hpke_ctx ctx;
	char hex[17], dev[17];
	size_t info_len;
	int ret;

	if (s->our_index < 0)
		return report(r, c, SC_FIND_NOT_RECIPIENT,
			      "segment %" PRIu64 " is not sealed to our key %s (%u recipient%s)",
			      s->segment_id, sc_hex(hex, r->key_id, 8),
			      s->n_recipients, s->n_recipients == 1 ? "" : "s");
	rcp = r->seg_hdr + SH_LEN + (size_t)s->our_index * RCP_LEN;
	info_len = sc_segment_info_bytes_v(info, s->version, s->device_id,
					   s->segment_id);
	ret = sc_hpke_setup_auth_r(&ctx, rcp + RCP(enc), r->priv, s->device_pub,
				   info, info_len);
	if (!ret)
		ret = sc_hpke_open(&ctx, r->content_key, NULL, 0,
				   rcp + RCP(wrapped_key),
				   SEALCAM_KEY_LEN + SEALCAM_TAG_LEN);
	/* v2, v3: our frame MAC key, which no other recipient can derive */
	if (!ret && s->version != SEALCAM_FORMAT_V1)
		ret = sc_frame_mac_key(&ctx, s->version, r->mac_key);
	memset(r->chain, 0, sizeof(r->chain));
	sc_hpke_ctx_wipe(&ctx);
	/*
	 * The entry carries our key id, so it is meant for our key (another
	 * key with the same id is a 2^-64 accident). HPKE auth mixes our key
	 * and the sender's key into one secret: a failure cannot say which
	 * one is off, but with our key right it is the sender's, or the entry.
	 */
	if (ret)
		return report(r, c, SC_FIND_UNWRAP_FAILED,
			      "segment %" PRIu64 ": not sealed by %sdevice %s named in its header: HPKE open of our key entry %s fails (a forged sender, or the key entry was altered)",
			      s->segment_id,
			      r->have_expect_device || r->n_trusted ?
			      "the expected " : "",
			      sc_hex(dev, s->device_id, 8),
			      sc_hex(hex, r->key_id, 8));
	s->unwrapped = true;
	s->attributed = s->version != SEALCAM_FORMAT_V1;
	return SC_UNSEAL_OK;
}

static enum sc_unseal_exit check_meta(struct sc_reader *r, const struct cursor *c,
			       const struct sc_meta *m, uint32_t pixels_len,
			       uint64_t index)
{
	const struct sc_segment_info *s = &r->seg;
	size_t want;
	bool len_ok = sc_meta_payload_ok(m, pixels_len, &want);

	if (m->reserved)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": metadata reserved field is not zero",
			      index);
	if (!want)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": invalid format 0x%08x %ux%u stride %u",
			      index, m->pixelformat, m->width, m->height,
			      m->bytesperline);
	if (m->payload_len != pixels_len || !len_ok)
		return report(r, c, SC_FIND_BAD_META,
			      m->pixelformat == SEALCAM_PLAIN_MJPG ?
			      "frame %" PRIu64 ": payload_len %u, ciphertext holds %u, MJPG takes 1 to %zu" :
			      "frame %" PRIu64 ": payload_len %u, ciphertext holds %u, format needs %zu",
			      index, m->payload_len, pixels_len, want);
	if (!m->fps_num || !m->fps_den)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": frame interval %u/%u",
			      index, m->fps_num, m->fps_den);
	if (!s->have_meta)
		return SC_UNSEAL_OK;
	if (m->pixelformat != s->first.pixelformat ||
	    m->width != s->first.width || m->height != s->first.height ||
	    m->bytesperline != s->first.bytesperline)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": format changes inside segment %" PRIu64,
			      index, s->segment_id);
	if (m->sequence <= s->last.sequence)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": sequence %" PRIu64 " does not increase (previous %" PRIu64 ")",
			      index, m->sequence, s->last.sequence);
	return SC_UNSEAL_OK;
}

/* Continuity with the previous segment of the same device and camera. */
static enum sc_unseal_exit check_continuity(struct sc_reader *r, const struct cursor *c,
				     const struct sc_meta *m)
{
	const struct sc_segment_info *s = &r->seg;
	struct sc_stream_state *st;
	char hex1[17], hex2[17];
	unsigned int i;

	if (!r->have_device) {
		memcpy(r->device_id, s->device_id, SEALCAM_KEY_ID_LEN);
		r->have_device = true;
	} else if (memcmp(r->device_id, s->device_id, SEALCAM_KEY_ID_LEN)) {
		return report(r, c, SC_FIND_UNEXPECTED_DEVICE,
			      "segment %" PRIu64 " comes from device %s, earlier segments from device %s",
			      s->segment_id, sc_hex(hex1, s->device_id, 8),
			      sc_hex(hex2, r->device_id, 8));
	}
	st = find_stream(r, s->device_id, s->camera);
	if (st) {
		if (s->segment_id <= st->last_segment_id)
			return report(r, c, SC_FIND_REPLAY,
				      "segment %" PRIu64 " of camera %u follows segment %" PRIu64 ": replayed or reordered segment",
				      s->segment_id, s->camera,
				      st->last_segment_id);
		if (s->segment_id != st->last_segment_id + 1)
			report(r, c, SC_FIND_GAP,
			       "segment id jumps from %" PRIu64 " to %" PRIu64 " (%" PRIu64 " segment(s) missing)",
			       st->last_segment_id, s->segment_id,
			       s->segment_id - st->last_segment_id - 1);
		if (m->sequence != st->last_sequence + 1)
			report(r, c, SC_FIND_GAP,
			       "frame sequence jumps from %" PRIu64 " to %" PRIu64 " between segments %" PRIu64 " and %" PRIu64,
			       st->last_sequence, m->sequence,
			       st->last_segment_id, s->segment_id);
	}
	for (i = 0; i < s->n_recipients; i++)
		if (!s->expected[i])
			report(r, c, SC_FIND_UNEXPECTED_RECIPIENT,
			       "segment %" PRIu64 " is also sealed to key id %s, which is neither ours nor expected",
			       s->segment_id, sc_hex(hex1, s->recipient_ids[i], 8));
	return SC_UNSEAL_OK;
}

/* frame_index of the frame after this one, if it belongs to @segment_id. */
static bool peek_next_index(const unsigned char *p, size_t avail,
			    uint64_t segment_id, uint64_t *index)
{
	if (avail < FH_LEN || get_le32(p + FH(magic)) != SEALCAM_FRAME_MAGIC ||
	    get_le64(p + FH(segment_id)) != segment_id)
		return false;
	*index = get_le64(p + FH(frame_index));
	return true;
}

/* Rule 14; @total: length of this frame, after which the next one starts. */
static enum sc_unseal_exit check_order(struct sc_reader *r, const struct cursor *c,
				uint64_t index, uint64_t total)
{
	uint64_t want = r->next_index, peek;
	const unsigned char *p;
	ssize_t avail;

	if (index == want)
		return SC_UNSEAL_OK;
	if (index + 1 == want)
		return report(r, c, SC_FIND_DUPLICATE,
			      "segment %" PRIu64 ": frame %" PRIu64 " appears twice",
			      r->seg.segment_id, index);
	if (index < want)
		return report(r, c, SC_FIND_SWAPPED,
			      "segment %" PRIu64 ": frame %" PRIu64 " arrives after frame %" PRIu64 " (frames out of order)",
			      r->seg.segment_id, index, want - 1);
	avail = source_want(r, c->src, total + FH_LEN, &p);
	if (avail < 0)
		return SC_UNSEAL_IO;
	if (peek_next_index(p + total, (size_t)avail - total, r->seg.segment_id,
			    &peek) && peek == want)
		return report(r, c, SC_FIND_SWAPPED,
			      "segment %" PRIu64 ": frame %" PRIu64 " arrives before frame %" PRIu64 " (frames swapped)",
			      r->seg.segment_id, index, want);
	return report(r, c, SC_FIND_DROPPED,
		      "segment %" PRIu64 ": frame index jumps from %" PRIu64 " to %" PRIu64 " (%" PRIu64 " frame(s) dropped)",
		      r->seg.segment_id, want - 1, index, index - want);
}

static int grow_plain(struct sc_reader *r, size_t need)
{
	unsigned char *p;

	if (need <= r->plain_cap)
		return 0;
	p = malloc(need);
	if (!p)
		return -1;
	if (r->plain) {
		sodium_memzero(r->plain, r->plain_cap);
		free(r->plain);
	}
	r->plain = p;
	r->plain_cap = need;
	return 0;
}

/* Rule 5: the file ends inside the frame at the cursor. */
static enum sc_unseal_exit report_cut_frame(struct sc_reader *r,
				     const struct cursor *c,
				     const unsigned char *p, size_t avail,
				     uint64_t total)
{
	if (r->in_segment)
		return report(r, c, SC_FIND_PARTIAL_FRAME,
			      "segment %" PRIu64 " is cut at frame %" PRIu64 ": the file ends inside a frame (%zu of %" PRIu64 " bytes); frames 0..%" PRIu64 " verified",
			      r->seg.segment_id, r->next_index, avail, total,
			      r->next_index - 1);
	if (get_le16(p + FH(flags)) & SEALCAM_F_FIRST)
		return report(r, c, SC_FIND_PARTIAL_FRAME,
			      "segment %" PRIu64 " is cut in its FIRST frame: the file ends inside a frame (%zu of %" PRIu64 " bytes); no frame of it verified",
			      get_le64(p + FH(segment_id)), avail, total);
	return report(r, c, SC_FIND_PARTIAL_FRAME,
		      "file ends inside a frame (%zu of %" PRIu64 " bytes)",
		      avail, total);
}

/*
 * A truncation ends the open segment (keep_cut): its frames before the cut
 * were delivered, and the next segment of its camera continues from its
 * last verified frame.
 */
static enum sc_unseal_exit cut_segment(struct sc_reader *r)
{
	int ret = 0;

	if (r->in_segment && r->seg.have_meta)
		ret = remember_stream(r, &r->seg);
	end_segment(r);
	return ret ? SC_UNSEAL_IO : SC_UNSEAL_OK;
}

/* Rules 6, 9-12 for a FIRST frame: a new segment starts, K unwrapped. */
static enum sc_unseal_exit start_segment(struct sc_reader *r,
				  const struct cursor *c,
				  const unsigned char *p, uint32_t seg_hdr_len)
{
	uint64_t segment_id = get_le64(p + FH(segment_id));
	unsigned char want_id[SEALCAM_KEY_ID_LEN];
	char hex1[17], hex2[17];
	enum sc_unseal_exit ret;

	if (r->in_segment) {
		if (segment_id == r->seg.segment_id)
			return report(r, c, SC_FIND_DUPLICATE,
				      "segment %" PRIu64 ": FIRST frame appears again",
				      segment_id);
		ret = report(r, c, SC_FIND_NO_LAST,
			     "segment %" PRIu64 " is cut after frame %" PRIu64 ": it ends without a LAST frame (segment %" PRIu64 " starts); frames 0..%" PRIu64 " verified",
			     r->seg.segment_id, r->next_index - 1, segment_id,
			     r->next_index - 1);
		if (r->fatal != SC_FIND_NONE || !r->keep_cut)
			return ret;
		ret = cut_segment(r);
		if (ret)
			return ret;
	}
	ret = parse_segment_header(r, c, p, p + FH_LEN, seg_hdr_len);
	if (ret)
		return ret;
	r->in_segment = true;
	r->next_index = 0;
	if (r->ops && r->ops->segment_start)
		r->ops->segment_start(r->arg, &r->seg);
	if (r->have_expect_device &&
	    memcmp(r->seg.device_pub, r->expect_device_pub, SEALCAM_KEY_LEN)) {
		sc_key_id(want_id, r->expect_device_pub);
		return report(r, c, SC_FIND_UNEXPECTED_DEVICE,
			      "segment %" PRIu64 " comes from device %s, expected device %s",
			      segment_id, sc_hex(hex1, r->seg.device_id, 8),
			      sc_hex(hex2, want_id, 8));
	}
	if (!r->have_expect_device && !sc_reader_trusts(r, r->seg.device_pub))
		return report(r, c, SC_FIND_DEVICE_CHANGED,
			      "segment %" PRIu64 " comes from device %s, which is not a trusted (pinned) device of our key %s (%zu trusted)",
			      segment_id, sc_hex(hex1, r->seg.device_id, 8),
			      sc_hex(hex2, r->key_id, 8), r->n_trusted);
	return unwrap_content_key(r, c);
}

/* Rules 7 and 8 for a frame that is not FIRST. */
static enum sc_unseal_exit check_membership(struct sc_reader *r,
				     const struct cursor *c,
				     const unsigned char *p)
{
	uint64_t segment_id = get_le64(p + FH(segment_id));
	uint64_t index = get_le64(p + FH(frame_index));
	char hex1[17], hex2[17];

	if (!r->in_segment) {
		if (r->have_closed && segment_id == r->closed_segment_id)
			return report(r, c, SC_FIND_AFTER_LAST,
				      "segment %" PRIu64 ": frame %" PRIu64 " follows the LAST frame",
				      segment_id, index);
		return report(r, c, SC_FIND_NO_FIRST,
			      "segment %" PRIu64 " does not start with its FIRST frame (found frame %" PRIu64 ")",
			      segment_id, index);
	}
	if (memcmp(p + FH(device_id), r->seg.device_id, SEALCAM_KEY_ID_LEN))
		return report(r, c, SC_FIND_OTHER_DEVICE,
			      "segment %" PRIu64 ": frame %" PRIu64 " comes from device %s, the segment from %s",
			      r->seg.segment_id, index,
			      sc_hex(hex1, p + FH(device_id), 8),
			      sc_hex(hex2, r->seg.device_id, 8));
	if (segment_id != r->seg.segment_id)
		return report(r, c, SC_FIND_OTHER_SEGMENT,
			      "frame %" PRIu64 " of segment %" PRIu64 " inside segment %" PRIu64,
			      index, segment_id, r->seg.segment_id);
	if (p[FH(version)] != r->seg.version)
		return report(r, c, SC_FIND_BAD_VERSION,
			      "segment %" PRIu64 ": frame %" PRIu64 " has version %u, the segment %u",
			      segment_id, index, p[FH(version)], r->seg.version);
	if (r->seg.version != SEALCAM_FORMAT_V1 &&
	    get_le32(p + FH(mac_len)) != r->seg.n_recipients * SEALCAM_MAC_LEN)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "segment %" PRIu64 ": frame %" PRIu64 " has mac_len %u for %u recipients",
			      segment_id, index, get_le32(p + FH(mac_len)),
			      r->seg.n_recipients);
	return SC_UNSEAL_OK;
}

/* Check and decrypt the frame at the cursor; *consumed = its length. */
static enum sc_unseal_exit read_frame(struct sc_reader *r, const struct cursor *c,
			       uint64_t *consumed)
{
	enum sc_unseal_exit ret;
	uint32_t seg_hdr_len, ct_len, mac_len, pixels_len;
	uint64_t segment_id, index, total = 0;
	unsigned char mac[SEALCAM_MAC_LEN];
	bool forged = false, par;
	int auth;
	uint16_t flags;
	unsigned char nonce[12] = { 0 };
	unsigned char aad[FH_LEN + SEALCAM_SEG_HDR_LEN(SEALCAM_MAX_RECIPIENTS)];
	const unsigned char *p;
	size_t aad_len;
	ssize_t avail;
	struct sc_meta m;
	struct sc_frame f;
	bool first;

	avail = source_want(r, c->src, FH_LEN, &p);
	if (avail < 0)
		return SC_UNSEAL_IO;
	ret = check_frame_header(r, c, p, (size_t)avail, &total);
	if (ret)
		return ret;
	avail = source_want(r, c->src, total, &p);
	if (avail < 0)
		return SC_UNSEAL_IO;
	if ((uint64_t)avail < total)
		return report_cut_frame(r, c, p, (size_t)avail, total);
	flags = get_le16(p + FH(flags));
	first = flags & SEALCAM_F_FIRST;
	seg_hdr_len = get_le32(p + FH(seg_hdr_len));
	mac_len = get_le32(p + FH(mac_len));
	ct_len = get_le32(p + FH(ct_len)) - mac_len; /* the AEAD's part */
	segment_id = get_le64(p + FH(segment_id));
	index = get_le64(p + FH(frame_index));
	*consumed = total;

	ret = first ? start_segment(r, c, p, seg_hdr_len) :
		      check_membership(r, c, p);
	if (ret)
		return ret;

	/* ChaCha20-Poly1305(K, nonce = 0^4 || le64(index), aad = headers) */
	put_le64(nonce + 4, index);
	aad_len = FH_LEN + (first ? seg_hdr_len : 0);
	memcpy(aad, p, aad_len);
	if (grow_plain(r, ct_len - SEALCAM_TAG_LEN))
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "out of memory for a %u-byte frame", ct_len);
	/* v2 attribution: our MAC over the running hash (rule 14a); the
	 * hash of a large frame runs beside the decryption */
	par = r->seg.version == SEALCAM_FORMAT_V2 &&
	      hash_worker_post(r, p, aad_len + ct_len) == 0;
	auth = frame_open(r->plain, p + aad_len, ct_len, aad, aad_len, nonce,
			  r->content_key);
	if (par)
		hash_worker_wait(r);	/* p stays ours until it is done */
	if (auth)
		return report(r, c, SC_FIND_AUTH_FAILED,
			      "segment %" PRIu64 ": frame %" PRIu64 " fails authentication (altered header or ciphertext)",
			      segment_id, index);
	if (r->seg.version != SEALCAM_FORMAT_V1) {
		if (r->seg.version == SEALCAM_FORMAT_V2) {
			if (!par)
				sc_frame_chain(r->chain, p, aad_len + ct_len);
			sc_frame_mac(mac, r->mac_key, r->chain);
		} else {
			/* v3: our one-time Poly1305 over the frame's bytes */
			sc_frame_mac_v3(mac, r->mac_key, index, p,
					aad_len + ct_len);
		}
		forged = sodium_memcmp(mac, p + aad_len + ct_len +
				       (size_t)r->seg.our_index * SEALCAM_MAC_LEN,
				       SEALCAM_MAC_LEN) != 0;
	}

	/* p is not used below: peeking at the next frame may move the window */
	ret = check_order(r, c, index, total);
	if (ret)
		return ret;
	if (forged) {
		char dev[17];

		return report(r, c, SC_FIND_FORGED,
			      "segment %" PRIu64 ": frame %" PRIu64 " is forged: it decrypts under the content key but fails our attribution MAC, so device %s did not seal it (made by another recipient, who holds the key)",
			      segment_id, index, sc_hex(dev, r->seg.device_id, 8));
	}
	if (first && r->seg.version == SEALCAM_FORMAT_V1 && !r->warned_v1) {
		r->warned_v1 = true;
		report(r, c, SC_FIND_FORMAT_V1,
		       "segment %" PRIu64 " is format v1: frames are authenticated only under the content key every recipient holds; another recipient could have altered them",
		       segment_id);
	}
	sc_meta_decode(&m, r->plain);
	pixels_len = ct_len - SEALCAM_TAG_LEN - SEALCAM_META_LEN;
	ret = check_meta(r, c, &m, pixels_len, index);
	if (ret)
		return ret;
	if (first) {
		ret = check_continuity(r, c, &m);
		if (ret)
			return ret;
		r->seg.first = m;
		r->seg.have_meta = true;
	} else if (m.sequence > r->seg.last.sequence + 1) {
		r->seg.device_drops += m.sequence - r->seg.last.sequence - 1;
		report(r, c, SC_FIND_DEVICE_DROPS,
		       "segment %" PRIu64 ": sequence jumps from %" PRIu64 " to %" PRIu64 " (device dropped frames before sealing)",
		       segment_id, r->seg.last.sequence, m.sequence);
	}
	r->seg.last = m;
	r->seg.frames++;
	r->frames++;
	r->next_index = index + 1;

	f.seg = &r->seg;
	f.file_offset = c->offset;
	f.length = total;
	f.frame_index = index;
	f.flags = flags;
	f.meta = m;
	f.pixels = r->plain + SEALCAM_META_LEN;
	f.pixels_len = pixels_len;
	if (r->ops && r->ops->frame && r->ops->frame(r->arg, &f)) {
		if (r->fatal == SC_FIND_NONE)
			snprintf(r->message, sizeof(r->message),
				 "cannot write output");
		return SC_UNSEAL_IO;
	}
	if (flags & SEALCAM_F_LAST) {
		r->seg.complete = true;
		r->segments++;
		if (remember_stream(r, &r->seg))
			return SC_UNSEAL_IO;
		r->have_closed = true;
		r->closed_segment_id = r->seg.segment_id;
		end_segment(r);
	}
	return SC_UNSEAL_OK;
}

/* Was @ret a truncation that the reader goes on after (keep_cut)? */
static bool kept_cut(const struct sc_reader *r, enum sc_unseal_exit ret)
{
	return ret == SC_UNSEAL_TRUNCATED && r->keep_cut &&
	       r->fatal == SC_FIND_NONE;
}

/* Every frame of one file; rules 1-20 (20: the end of the file). */
static enum sc_unseal_exit feed_source(struct sc_reader *r, struct source *s,
				       const char *source)
{
	struct cursor c = { .source = source, .src = s };
	enum sc_unseal_exit ret = SC_UNSEAL_OK;
	const unsigned char *p;
	ssize_t avail;

	if (r->fatal != SC_FIND_NONE)
		return sc_finding_exit(r->fatal);
	r->have_closed = false;
	for (;;) {
		uint64_t consumed = 0;

		c.offset = s->offset;
		avail = source_want(r, s, 1, &p);
		if (avail <= 0)
			break;
		ret = read_frame(r, &c, &consumed);
		if (ret)
			break;
		source_skip(s, consumed);
	}
	if (avail < 0)
		ret = SC_UNSEAL_IO;
	else if (!ret && c.offset == 0)
		ret = report(r, &c, SC_FIND_PARTIAL_FRAME, "empty file");
	else if (!ret && r->in_segment)
		ret = report(r, &c, SC_FIND_NO_LAST,
			     "segment %" PRIu64 " is cut after frame %" PRIu64 ": the file ends without a LAST frame; frames 0..%" PRIu64 " verified",
			     r->seg.segment_id, r->next_index - 1,
			     r->next_index - 1);
	if (kept_cut(r, ret) && cut_segment(r))
		return SC_UNSEAL_IO;
	end_segment(r);
	if (kept_cut(r, ret))
		return SC_UNSEAL_OK;
	return ret;
}

enum sc_unseal_exit sc_reader_feed(struct sc_reader *r, const unsigned char *buf,
			    size_t len, const char *source)
{
	struct source s = { .mem = buf ? buf : (const unsigned char *)"",
			    .mem_len = buf ? len : 0 };

	return feed_source(r, &s, source);
}

enum sc_unseal_exit sc_reader_feed_frame(struct sc_reader *r,
					 const unsigned char *buf, size_t len,
					 const char *source)
{
	struct source s = { .mem = buf, .mem_len = len };
	struct cursor c = { .source = source, .src = &s };
	enum sc_unseal_exit ret;
	uint64_t consumed = 0;

	if (r->fatal != SC_FIND_NONE)
		return sc_finding_exit(r->fatal);
	if (!buf || !len)
		return report(r, &c, SC_FIND_PARTIAL_FRAME, "empty message");
	ret = read_frame(r, &c, &consumed);
	if (!ret && consumed != len)
		ret = report(r, &c, SC_FIND_BAD_LENGTH,
			     "a message of %zu bytes holds a frame of %" PRIu64 " bytes and more",
			     len, consumed);
	return ret;
}

enum sc_unseal_exit sc_reader_feed_fd(struct sc_reader *r, int fd,
				      const char *source)
{
	struct source s = { .fd = fd };

	return feed_source(r, &s, source);
}

int sc_fd_is_sealed(int fd)
{
	unsigned char magic[4];
	ssize_t got;

	do
		got = pread(fd, magic, sizeof(magic), 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	return got == sizeof(magic) &&
	       get_le32(magic) == SEALCAM_FRAME_MAGIC;
}

int sc_read_file(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	unsigned char *p = NULL;
	size_t cap = 0, n = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t got;

		if (n == cap) {
			unsigned char *q;

			cap = cap ? cap * 2 : 65536;
			q = realloc(p, cap);
			if (!q) {
				err = -ENOMEM;
				break;
			}
			p = q;
		} else if (!p) {
			p = malloc(cap);
			if (!p) {
				err = -ENOMEM;
				break;
			}
		}
		got = read(fd, p + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (err) {
		free(p);
		return err;
	}
	*buf = p;
	*len = n;
	return 0;
}
