/* SPDX-License-Identifier: MIT */
/*
 * The one parser of sealed segment files (docs/FORMAT.md, layout in
 * kmod/uapi/sealcam.h): walks the frames of one or more segment files in
 * order, checks every rule, unwraps each segment's content key with HPKE
 * (mode_auth, sender = the device key) and decrypts every frame. Used by
 * `sealcam unseal`, the agent and the tests.
 *
 * Every problem is a "finding" with its own message; each finding maps to one
 * exit code of `sealcam unseal` (enum sc_unseal_exit). Fatal findings stop the
 * reader; warnings (unexpected recipient, gap, device drops) do not. A reader
 * told to keep cut segments (sc_reader_keep_cut_segments) goes on after a
 * truncation: the frames before the cut have been delivered, the cut segment
 * ends there, and the result is "truncated" unless something worse follows.
 *
 * Input comes whole from memory (sc_reader_feed) or from a descriptor read in
 * chunks (sc_reader_feed_fd): then the reader holds one frame at a time,
 * whatever the size of the file.
 */
#ifndef SEALCAM_SEALED_H
#define SEALCAM_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kmod/uapi/sealcam.h"

/* Exit codes of `sealcam unseal` (1 and 2 as for every sealcam command,
 * see user/sealcam.h); also the reader's result. */
enum sc_unseal_exit {
	SC_UNSEAL_OK = 0,
	SC_UNSEAL_IO = 1,		/* cannot read input / write output */
	SC_UNSEAL_USAGE = 2,		/* bad command line, unreadable key */
	SC_UNSEAL_WRONG_KEY = 3,		/* not a recipient, or HPKE open failed */
	SC_UNSEAL_TAMPERED = 4,		/* malformed, inconsistent, AEAD failure,
					 * v2 frame not attributable (forged),
					 * dropped/swapped/duplicated/foreign frame */
	SC_UNSEAL_TRUNCATED = 5,		/* partial frame, or no LAST frame */
	SC_UNSEAL_UNEXPECTED_RECIPIENT = 6, /* warning: output still written */
	SC_UNSEAL_UNEXPECTED_DEVICE = 7,	/* --expect-device mismatch, or the
					 * device changes between segments */
	SC_UNSEAL_REPLAY = 8,		/* segment id repeated or going back */
	SC_UNSEAL_DEVICE_CHANGED = 9,	/* not a trusted (pinned) device key */
	SC_UNSEAL_UNAUTHENTICATED = 10,	/* our key entry does not open: not
					 * sealed by the device it names, or
					 * the entry was altered */
};

enum sc_finding {
	SC_FIND_NONE = 0,
	/* wrong key */
	SC_FIND_NOT_RECIPIENT,		/* no recipient entry has our key id */
	/* unauthenticated */
	SC_FIND_UNWRAP_FAILED,		/* HPKE auth open of our entry failed */
	/* tampered */
	SC_FIND_BAD_MAGIC,		/* frame or segment header magic */
	SC_FIND_BAD_VERSION,
	SC_FIND_BAD_LENGTH,		/* hdr_len, seg_hdr_len, ct_len, n_recipients */
	SC_FIND_BAD_FLAGS,		/* unknown flag, FIRST without KEYFRAME... */
	SC_FIND_BAD_HEADER,		/* reserved field not zero, FIRST index != 0,
					 * duplicate recipient */
	SC_FIND_HEADER_MISMATCH,	/* segment header disagrees with frame
					 * header, device_id != H(device_pub) */
	SC_FIND_AUTH_FAILED,		/* ChaCha20-Poly1305 tag of a frame */
	SC_FIND_BAD_META,		/* decrypted metadata invalid/inconsistent */
	SC_FIND_NO_FIRST,		/* segment does not start with FIRST */
	SC_FIND_AFTER_LAST,		/* frame of a segment after its LAST */
	SC_FIND_DROPPED,		/* frame_index jumps forward */
	SC_FIND_SWAPPED,		/* frame_index goes back / two swapped */
	SC_FIND_DUPLICATE,		/* the same frame_index twice */
	SC_FIND_OTHER_SEGMENT,		/* frame with another segment_id */
	SC_FIND_OTHER_DEVICE,		/* frame with another device_id */
	SC_FIND_FORGED,			/* v2: the AEAD holds but our MAC does
					 * not: made by a holder of K, not by
					 * the device (a co-recipient) */
	/* truncated */
	SC_FIND_PARTIAL_FRAME,		/* file ends inside a frame */
	SC_FIND_NO_LAST,		/* segment ends without a LAST frame */
	/* device */
	SC_FIND_UNEXPECTED_DEVICE,
	SC_FIND_DEVICE_CHANGED,		/* not one of the trusted devices */
	/* replay */
	SC_FIND_REPLAY,
	/* warnings */
	SC_FIND_UNEXPECTED_RECIPIENT,	/* exit 6 at the end */
	SC_FIND_GAP,			/* segment id or sequence jump between
					 * consecutive segments; exit 0 */
	SC_FIND_DEVICE_DROPS,		/* sequence jump inside a segment: the
					 * device had no buffer; exit 0 */
	SC_FIND_FORMAT_V1,		/* a v1 segment: frames not attributable
					 * per recipient; exit 0 */
	SC_FIND_MAX
};

/* Name ("tampered", "truncated", ...) and exit code of a finding. */
const char *sc_finding_name(enum sc_finding f);
enum sc_unseal_exit sc_finding_exit(enum sc_finding f);
bool sc_finding_fatal(enum sc_finding f);

/* struct sealcam_frame_meta in host byte order. */
struct sc_meta {
	uint64_t timestamp_ns;
	uint64_t monotonic_ns;
	uint64_t sequence;
	uint32_t pixelformat;
	uint32_t width;
	uint32_t height;
	uint32_t bytesperline;
	uint32_t payload_len;
	uint32_t fps_num;
	uint32_t fps_den;
	uint32_t pattern;
	uint32_t reserved;
};

void sc_meta_decode(struct sc_meta *m, const unsigned char *p);
void sc_meta_encode(unsigned char *p, const struct sc_meta *m);

/* Pixel bytes a frame of this format must carry; 0 if invalid. */
size_t sc_meta_expected_payload(const struct sc_meta *m);
/*
 * Rule 15's format and length check: every format of docs/FORMAT.md 3.3,
 * MJPG (1..4·w·h bytes, bytesperline 0) included. For a fixed-size format
 * *@want is the length it needs; for MJPG the most it may take. False for
 * an invalid format (*@want 0) or a wrong length.
 */
bool sc_meta_payload_ok(const struct sc_meta *m, size_t len, size_t *want);

/* key id = first 8 bytes of SHA-256(public key) */
void sc_key_id(unsigned char id[SEALCAM_KEY_ID_LEN],
	       const unsigned char pub[SEALCAM_KEY_LEN]);

/*
 * HPKE info of a segment: SEALCAM_HPKE_LABEL (no NUL) || device_id[8] ||
 * le64(segment_id). Returns its length.
 */
#define SC_HPKE_INFO_MAX (sizeof(SEALCAM_HPKE_LABEL) - 1 + 8 + 8)
size_t sc_segment_info_bytes(unsigned char info[SC_HPKE_INFO_MAX],
			     const unsigned char device_id[SEALCAM_KEY_ID_LEN],
			     uint64_t segment_id);
/* The same for a format version (1: SEALCAM_HPKE_LABEL_V1). */
size_t sc_segment_info_bytes_v(unsigned char info[SC_HPKE_INFO_MAX],
			       unsigned int version,
			       const unsigned char device_id[SEALCAM_KEY_ID_LEN],
			       uint64_t segment_id);

/*
 * Format v2 attribution: the frame MAC key of one recipient (HPKE export of
 * SEALCAM_EXPORT_LABEL, 32 bytes), the running hash
 * chain = SHA-256(chain || frame bytes before the MACs), starting from 32
 * zero bytes, and the MAC = HMAC-SHA256(mac_key, chain)[0..16).
 */
void sc_frame_chain(unsigned char chain[32], const unsigned char *frame,
		    size_t len);
void sc_frame_mac(unsigned char mac[SEALCAM_MAC_LEN],
		  const unsigned char mac_key[32],
		  const unsigned char chain[32]);

/*
 * Format v3 attribution (docs/FORMAT.md 4.4): Poly1305 of the frame's bytes
 * before its MACs (@body, @len) under the one-time key ChaCha20(mac_key,
 * nonce 0^4 || le64(frame_index), counter 0)[0..32).
 */
void sc_frame_mac_v3(unsigned char mac[SEALCAM_MAC_LEN],
		     const unsigned char mac_key[32], uint64_t frame_index,
		     const unsigned char *body, size_t len);

struct sc_hpke_ctx;
/* The frame MAC key of format @version (2 or 3) from an HPKE context. */
int sc_frame_mac_key(struct sc_hpke_ctx *ctx, unsigned int version,
		     unsigned char mac_key[32]);

/* What the reader knows about the segment it is in. */
struct sc_segment_info {
	const char *source;		/* file name given to sc_reader_feed */
	uint64_t file_offset;		/* of the FIRST frame */
	uint64_t segment_id;
	uint32_t camera;
	unsigned char device_pub[SEALCAM_KEY_LEN];
	unsigned char device_id[SEALCAM_KEY_ID_LEN];
	unsigned int n_recipients;
	unsigned char recipient_ids[SEALCAM_MAX_RECIPIENTS][SEALCAM_KEY_ID_LEN];
	int our_index;			/* -1: we are not a recipient */
	bool expected[SEALCAM_MAX_RECIPIENTS]; /* ours or --expect-recipient */
	bool unwrapped;			/* content key recovered */
	bool complete;			/* LAST frame verified */
	uint64_t frames;		/* frames verified so far */
	bool have_meta;
	struct sc_meta first;		/* metadata of the first frame */
	struct sc_meta last;		/* metadata of the latest frame */
	uint64_t device_drops;		/* sum of sequence jumps inside */
	unsigned int version;		/* format version, 1, 2 or 3 */
	bool attributed;		/* v2, v3: every frame's MAC for us checks */
};

/* One verified, decrypted frame. Valid only during the callback. */
struct sc_frame {
	const struct sc_segment_info *seg;
	uint64_t file_offset;		/* of the frame in its file */
	uint64_t length;		/* bytes of the frame in the file */
	uint64_t frame_index;
	uint16_t flags;
	struct sc_meta meta;
	const unsigned char *pixels;
	size_t pixels_len;
};

struct sc_reader_ops {
	/* Segment header parsed and structurally valid (not yet unwrapped). */
	void (*segment_start)(void *arg, const struct sc_segment_info *seg);
	/* A frame passed every check. Non-zero return stops with SC_UNSEAL_IO. */
	int (*frame)(void *arg, const struct sc_frame *f);
	/* The segment ended: LAST verified, or a fatal finding inside it. */
	void (*segment_end)(void *arg, const struct sc_segment_info *seg);
	/* Every finding, fatal or warning, with a one-line message. */
	void (*report)(void *arg, enum sc_finding f, bool fatal,
		       const char *source, const char *msg);
};

#define SC_MAX_EXPECTED_IDS 64
#define SC_MAX_TRUSTED_DEVICES 64

struct sc_stream_state;
struct sc_hash_worker;

struct sc_reader {
	/* configuration */
	unsigned char priv[SEALCAM_KEY_LEN];
	unsigned char pub[SEALCAM_KEY_LEN];
	unsigned char key_id[SEALCAM_KEY_ID_LEN];
	bool have_expect_device;
	unsigned char expect_device_pub[SEALCAM_KEY_LEN];
	size_t n_expect_ids;
	unsigned char expect_ids[SC_MAX_EXPECTED_IDS][SEALCAM_KEY_ID_LEN];
	size_t n_trusted;		/* 0: any device (no pins) */
	unsigned char trusted[SC_MAX_TRUSTED_DEVICES][SEALCAM_KEY_LEN];
	bool keep_cut;			/* truncation ends a segment, not the run */
	const struct sc_reader_ops *ops;
	void *arg;

	/* the segment being read */
	bool in_segment;
	struct sc_segment_info seg;
	unsigned char content_key[SEALCAM_KEY_LEN];
	unsigned char seg_hdr[SEALCAM_SEG_HDR_LEN(SEALCAM_MAX_RECIPIENTS)];
	uint32_t seg_hdr_len;
	uint64_t next_index;
	unsigned char mac_key[32];	/* v2: ours, for the open segment */
	unsigned char chain[32];	/* v2: running hash of its frames */
	bool warned_v1;			/* SC_FIND_FORMAT_V1 given once */
	bool have_closed;		/* a segment ended by LAST in this file */
	uint64_t closed_segment_id;

	/* continuity across segments, per (device, camera) */
	struct sc_stream_state *streams;
	size_t n_streams;
	bool have_device;
	unsigned char device_id[SEALCAM_KEY_ID_LEN]; /* of the first segment */

	unsigned char *plain;		/* decryption buffer */
	size_t plain_cap;
	unsigned char *in;		/* read window of sc_reader_feed_fd */
	size_t in_cap;
	struct sc_hash_worker *hash_worker; /* v2 chain hash beside the AEAD */

	/* results */
	enum sc_finding fatal;		/* first fatal finding, or NONE */
	char message[256];		/* its message */
	bool unexpected_recipient;
	unsigned int cuts;		/* truncations kept going (keep_cut) */
	int read_errno;			/* sc_reader_feed_fd: read() failed */
	unsigned int warnings;
	uint64_t segments;		/* segments completed */
	uint64_t frames;		/* frames verified */
	uint32_t counts[SC_FIND_MAX];	/* findings seen, by kind */
};

/* priv: our X25519 private key. ops may be NULL (verify only). */
int sc_reader_init(struct sc_reader *r, const unsigned char priv[SEALCAM_KEY_LEN],
		   const struct sc_reader_ops *ops, void *arg);
void sc_reader_expect_device(struct sc_reader *r,
			     const unsigned char pub[SEALCAM_KEY_LEN]);
int sc_reader_expect_recipient(struct sc_reader *r,
			       const unsigned char id[SEALCAM_KEY_ID_LEN]);
/*
 * Accept only segments from these device keys (pinned devices): any other
 * is SC_FIND_DEVICE_CHANGED, checked before the HPKE open. With none
 * given, any device is accepted. sc_reader_expect_device wins over it.
 * 0, or -1 when the list is full.
 */
int sc_reader_trust_device(struct sc_reader *r,
			   const unsigned char pub[SEALCAM_KEY_LEN]);
bool sc_reader_trusts(const struct sc_reader *r,
		      const unsigned char pub[SEALCAM_KEY_LEN]);
/*
 * A truncation (file ends inside a frame or a segment, or a segment without
 * LAST followed by the next FIRST) ends the segment at the cut and reading
 * goes on; its frames before the cut have already been delivered. The
 * result is then SC_UNSEAL_TRUNCATED unless a fatal finding stops the run.
 */
void sc_reader_keep_cut_segments(struct sc_reader *r);

/*
 * Read one segment file (one or more whole segments). Files must be fed in
 * order. Returns the exit code so far: non-zero fatal codes mean the reader
 * stopped; further feeds return the same code without reading. A cut kept
 * with keep_cut returns 0 (the reader goes on); sc_reader_result tells.
 */
enum sc_unseal_exit sc_reader_feed(struct sc_reader *r, const unsigned char *buf,
			    size_t len, const char *source);

/*
 * The same from an open descriptor, read in chunks in one pass: memory is
 * one frame (at most about 8.3 MB, the largest frame the format allows)
 * whatever the file size. A failed read() returns SC_UNSEAL_IO with
 * r->read_errno set.
 */
enum sc_unseal_exit sc_reader_feed_fd(struct sc_reader *r, int fd,
				      const char *source);

/*
 * Exactly one frame (a live message, `sealcam view`): every rule that
 * sc_reader_feed checks within and between frames, but the end of the
 * buffer is not the end of a file: the segment stays open for the next
 * frame. Extra bytes after the frame are BAD_LENGTH.
 */
enum sc_unseal_exit sc_reader_feed_frame(struct sc_reader *r,
					 const unsigned char *buf, size_t len,
					 const char *source);

/* Final result: the fatal exit code, else 5 if a segment was cut (with
 * keep_cut), else 6 if a recipient was not expected, else 0. */
enum sc_unseal_exit sc_reader_result(const struct sc_reader *r);

/* Wipe keys, free buffers. */
void sc_reader_free(struct sc_reader *r);

/* Does the file at @fd start with a sealed frame's magic "SCF1"?
 * 1 yes, 0 no, -errno when it cannot be read. Reads at offset 0. */
int sc_fd_is_sealed(int fd);

/* Read a whole file into a malloc'd buffer. 0 or -errno. */
int sc_read_file(const char *path, unsigned char **buf, size_t *len);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
char *sc_hex(char *out, const unsigned char *p, size_t n);

/* A timestamp (ns since 1970) as "2026-01-01T12:00:00.000Z" (UTC). */
char *sc_fmt_time(char *out, size_t len, uint64_t ns);

#endif /* SEALCAM_SEALED_H */
