// SPDX-License-Identifier: MIT
/*
 * Parser and verifier of sealed segment files; the rules and their order are
 * those of docs/FORMAT.md section "Validation". Each frame is checked in this
 * order: frame header structure, segment header (FIRST) or membership in the
 * current segment, HPKE unwrap (FIRST), ChaCha20-Poly1305 of the frame, then
 * the checks that rely on authenticated data: frame order, metadata, and
 * continuity with the previous segment of the same camera.
 */
#include "sealed.h"
#include "hpke.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	[SC_FIND_UNWRAP_FAILED] = { "wrong key", SC_UNSEAL_WRONG_KEY, true },
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
	[SC_FIND_PARTIAL_FRAME] = { "truncated", SC_UNSEAL_TRUNCATED, true },
	[SC_FIND_NO_LAST] = { "truncated", SC_UNSEAL_TRUNCATED, true },
	[SC_FIND_UNEXPECTED_DEVICE] = { "unexpected device",
					SC_UNSEAL_UNEXPECTED_DEVICE, true },
	[SC_FIND_REPLAY] = { "replay", SC_UNSEAL_REPLAY, true },
	[SC_FIND_UNEXPECTED_RECIPIENT] = { "unexpected recipient",
					   SC_UNSEAL_UNEXPECTED_RECIPIENT, false },
	[SC_FIND_GAP] = { "gap", SC_UNSEAL_OK, false },
	[SC_FIND_DEVICE_DROPS] = { "device drops", SC_UNSEAL_OK, false },
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
	size_t label_len = sizeof(SEALCAM_HPKE_LABEL) - 1;

	memcpy(info, SEALCAM_HPKE_LABEL, label_len);
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

void sc_reader_free(struct sc_reader *r)
{
	if (r->plain) {
		sodium_memzero(r->plain, r->plain_cap);
		free(r->plain);
	}
	free(r->streams);
	sodium_memzero(r, sizeof(*r));
}

enum sc_unseal_exit sc_reader_result(const struct sc_reader *r)
{
	if (r->fatal != SC_FIND_NONE)
		return sc_finding_exit(r->fatal);
	return r->unexpected_recipient ? SC_UNSEAL_UNEXPECTED_RECIPIENT :
					 SC_UNSEAL_OK;
}

/* Per-file parse position, for messages. */
struct cursor {
	const char *source;
	uint64_t offset;		/* of the frame being checked */
};

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
	if (sc_finding_fatal(f)) {
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

/* Structural checks of the 48-byte frame header (FORMAT.md rules F1-F9). */
static enum sc_unseal_exit check_frame_header(struct sc_reader *r,
				       const struct cursor *c,
				       const unsigned char *p, size_t avail)
{
	uint32_t magic, seg_hdr_len, ct_len;
	uint16_t flags;
	bool first;

	if (avail < FH_LEN)
		return report(r, c, SC_FIND_PARTIAL_FRAME,
			      "file ends inside a frame header (%zu of %u bytes)",
			      avail, FH_LEN);
	magic = get_le32(p + FH(magic));
	if (magic != SEALCAM_FRAME_MAGIC)
		return report(r, c, SC_FIND_BAD_MAGIC,
			      "bad frame magic 0x%08x (want 0x%08x \"SCF1\")",
			      magic, SEALCAM_FRAME_MAGIC);
	if (p[FH(version)] != SEALCAM_FORMAT_VERSION)
		return report(r, c, SC_FIND_BAD_VERSION,
			      "unsupported frame version %u", p[FH(version)]);
	if (p[FH(hdr_len)] != FH_LEN)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "frame hdr_len %u, want %u", p[FH(hdr_len)],
			      FH_LEN);
	flags = get_le16(p + FH(flags));
	if (flags & ~SEALCAM_F_KNOWN)
		return report(r, c, SC_FIND_BAD_FLAGS,
			      "unknown frame flags 0x%04x", flags);
	if (get_le64(p + FH(reserved)))
		return report(r, c, SC_FIND_BAD_HEADER,
			      "frame header reserved field is not zero");
	first = flags & SEALCAM_F_FIRST;
	seg_hdr_len = get_le32(p + FH(seg_hdr_len));
	ct_len = get_le32(p + FH(ct_len));
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
	if (ct_len < SEALCAM_META_LEN + SEALCAM_TAG_LEN || ct_len > SC_MAX_CT_LEN)
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "ct_len %u out of range [%u, %u]", ct_len,
			      SEALCAM_META_LEN + SEALCAM_TAG_LEN, SC_MAX_CT_LEN);
	if ((uint64_t)FH_LEN + seg_hdr_len + ct_len > avail)
		return report(r, c, SC_FIND_PARTIAL_FRAME,
			      "file ends inside a frame (%zu of %" PRIu64 " bytes)",
			      avail, (uint64_t)FH_LEN + seg_hdr_len + ct_len);
	return SC_UNSEAL_OK;
}

/* Segment header of a FIRST frame (FORMAT.md rules S1-S7). */
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
	if (get_le16(sh + SH(version)) != SEALCAM_FORMAT_VERSION)
		return report(r, c, SC_FIND_BAD_VERSION,
			      "unsupported segment header version %u",
			      get_le16(sh + SH(version)));
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
	char hex[17];
	size_t info_len;
	int ret;

	if (s->our_index < 0)
		return report(r, c, SC_FIND_NOT_RECIPIENT,
			      "segment %" PRIu64 " is not sealed to our key %s (%u recipient%s)",
			      s->segment_id, sc_hex(hex, r->key_id, 8),
			      s->n_recipients, s->n_recipients == 1 ? "" : "s");
	rcp = r->seg_hdr + SH_LEN + (size_t)s->our_index * RCP_LEN;
	info_len = sc_segment_info_bytes(info, s->device_id, s->segment_id);
	ret = sc_hpke_setup_auth_r(&ctx, rcp + RCP(enc), r->priv, s->device_pub,
				   info, info_len);
	if (!ret)
		ret = sc_hpke_open(&ctx, r->content_key, NULL, 0,
				   rcp + RCP(wrapped_key),
				   SEALCAM_KEY_LEN + SEALCAM_TAG_LEN);
	sc_hpke_ctx_wipe(&ctx);
	if (ret)
		return report(r, c, SC_FIND_UNWRAP_FAILED,
			      "segment %" PRIu64 ": HPKE open of our key entry %s failed (wrong key, or the entry or device key was altered)",
			      s->segment_id, sc_hex(hex, r->key_id, 8));
	s->unwrapped = true;
	return SC_UNSEAL_OK;
}

static enum sc_unseal_exit check_meta(struct sc_reader *r, const struct cursor *c,
			       const struct sc_meta *m, uint32_t pixels_len,
			       uint64_t index)
{
	const struct sc_segment_info *s = &r->seg;
	size_t want = sc_meta_expected_payload(m);

	if (m->reserved)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": metadata reserved field is not zero",
			      index);
	if (!want)
		return report(r, c, SC_FIND_BAD_META,
			      "frame %" PRIu64 ": invalid format 0x%08x %ux%u stride %u",
			      index, m->pixelformat, m->width, m->height,
			      m->bytesperline);
	if (m->payload_len != pixels_len || want != pixels_len)
		return report(r, c, SC_FIND_BAD_META,
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

static enum sc_unseal_exit check_order(struct sc_reader *r, const struct cursor *c,
				uint64_t index, const unsigned char *next,
				size_t next_avail)
{
	uint64_t want = r->next_index, peek;

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
	if (peek_next_index(next, next_avail, r->seg.segment_id, &peek) &&
	    peek == want)
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

/* Check and decrypt the frame at @p; *consumed = its length. */
static enum sc_unseal_exit read_frame(struct sc_reader *r, const struct cursor *c,
			       const unsigned char *p, size_t avail,
			       size_t *consumed)
{
	enum sc_unseal_exit ret;
	uint32_t seg_hdr_len, ct_len, pixels_len;
	uint64_t segment_id, index;
	uint16_t flags;
	unsigned char nonce[12] = { 0 };
	unsigned char aad[FH_LEN + SEALCAM_SEG_HDR_LEN(SEALCAM_MAX_RECIPIENTS)];
	size_t aad_len, total;
	struct sc_meta m;
	struct sc_frame f;
	char hex1[17], hex2[17];
	bool first;

	ret = check_frame_header(r, c, p, avail);
	if (ret)
		return ret;
	flags = get_le16(p + FH(flags));
	first = flags & SEALCAM_F_FIRST;
	seg_hdr_len = get_le32(p + FH(seg_hdr_len));
	ct_len = get_le32(p + FH(ct_len));
	segment_id = get_le64(p + FH(segment_id));
	index = get_le64(p + FH(frame_index));
	total = FH_LEN + seg_hdr_len + ct_len;
	*consumed = total;

	if (first) {
		if (r->in_segment) {
			if (segment_id == r->seg.segment_id)
				return report(r, c, SC_FIND_DUPLICATE,
					      "segment %" PRIu64 ": FIRST frame appears again",
					      segment_id);
			return report(r, c, SC_FIND_NO_LAST,
				      "segment %" PRIu64 " ends after %" PRIu64 " frame(s) without a LAST frame (segment %" PRIu64 " starts)",
				      r->seg.segment_id, r->seg.frames, segment_id);
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
			unsigned char want_id[SEALCAM_KEY_ID_LEN];

			sc_key_id(want_id, r->expect_device_pub);
			return report(r, c, SC_FIND_UNEXPECTED_DEVICE,
				      "segment %" PRIu64 " comes from device %s, expected device %s",
				      segment_id, sc_hex(hex1, r->seg.device_id, 8),
				      sc_hex(hex2, want_id, 8));
		}
		ret = unwrap_content_key(r, c);
		if (ret)
			return ret;
	} else {
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
	}

	/* ChaCha20-Poly1305(K, nonce = 0^4 || le64(index), aad = headers) */
	put_le64(nonce + 4, index);
	memcpy(aad, p, FH_LEN);
	aad_len = FH_LEN;
	if (first) {
		memcpy(aad + FH_LEN, p + FH_LEN, seg_hdr_len);
		aad_len += seg_hdr_len;
	}
	if (grow_plain(r, ct_len - SEALCAM_TAG_LEN))
		return report(r, c, SC_FIND_BAD_LENGTH,
			      "out of memory for a %u-byte frame", ct_len);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(r->plain, NULL, NULL,
						      p + FH_LEN + seg_hdr_len,
						      ct_len, aad, aad_len,
						      nonce, r->content_key))
		return report(r, c, SC_FIND_AUTH_FAILED,
			      "segment %" PRIu64 ": frame %" PRIu64 " fails authentication (altered header or ciphertext)",
			      segment_id, index);

	ret = check_order(r, c, index, p + total, avail - total);
	if (ret)
		return ret;
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

enum sc_unseal_exit sc_reader_feed(struct sc_reader *r, const unsigned char *buf,
			    size_t len, const char *source)
{
	struct cursor c = { .source = source, .offset = 0 };
	enum sc_unseal_exit ret = SC_UNSEAL_OK;
	bool io_error = false;

	if (r->fatal != SC_FIND_NONE)
		return sc_finding_exit(r->fatal);
	r->have_closed = false;
	if (len == 0)
		return report(r, &c, SC_FIND_PARTIAL_FRAME, "empty file");
	while (c.offset < len) {
		size_t consumed = 0;

		ret = read_frame(r, &c, buf + c.offset, len - c.offset, &consumed);
		if (ret) {
			io_error = ret == SC_UNSEAL_IO && r->fatal == SC_FIND_NONE;
			break;
		}
		c.offset += consumed;
	}
	if (!ret && r->in_segment)
		ret = report(r, &c, SC_FIND_NO_LAST,
			     "segment %" PRIu64 " ends after %" PRIu64 " frame(s) without a LAST frame",
			     r->seg.segment_id, r->seg.frames);
	end_segment(r);
	if (io_error)
		return SC_UNSEAL_IO;
	return ret ? ret : SC_UNSEAL_OK;
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
