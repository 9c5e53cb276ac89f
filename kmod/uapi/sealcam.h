/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * sealcam user/kernel contract: pixel formats, the sealed frame and segment
 * layout, and the "sealcam" generic netlink family.
 *
 * Everything on the wire is little-endian. docs/FORMAT.md describes each byte
 * in prose; this header is the single definition both sides compile against.
 */
#ifndef _UAPI_SEALCAM_H
#define _UAPI_SEALCAM_H

#include <linux/types.h>

#ifndef v4l2_fourcc
#define v4l2_fourcc(a, b, c, d) \
	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))
#endif

/* Sealed pixel formats: ciphertext of a frame of the named plain format. */
#define SEALCAM_PIX_FMT_YUYV	v4l2_fourcc('S', 'L', 'Y', 'V')
#define SEALCAM_PIX_FMT_NV12	v4l2_fourcc('S', 'L', 'N', '2')
#define SEALCAM_PIX_FMT_GREY	v4l2_fourcc('S', 'L', 'G', 'Y')
/* Sealed Motion-JPEG: each frame is one JPEG, as the camera sent it. */
#define SEALCAM_PIX_FMT_MJPG	v4l2_fourcc('S', 'L', 'M', 'J')

/* Plain fourccs recorded inside the ciphertext (same values as V4L2's). */
#define SEALCAM_PLAIN_YUYV	v4l2_fourcc('Y', 'U', 'Y', 'V')
#define SEALCAM_PLAIN_NV12	v4l2_fourcc('N', 'V', '1', '2')
#define SEALCAM_PLAIN_GREY	v4l2_fourcc('G', 'R', 'E', 'Y')
#define SEALCAM_PLAIN_MJPG	v4l2_fourcc('M', 'J', 'P', 'G')

/*
 * MJPG frames vary in length: bytesperline is 0 and payload_len is the
 * JPEG's length, 1 .. SEALCAM_MJPG_MAX_PAYLOAD(width, height) bytes
 * (docs/FORMAT.md 3.3). sealcam.ko takes at most 2 bytes per pixel, the
 * size of the same frame in YUYV, as UVC webcams bound their JPEGs.
 */
#define SEALCAM_MJPG_MAX_PAYLOAD(w, h)	(4 * (__u64)(w) * (__u64)(h))

#define SEALCAM_MIN_WIDTH	160
#define SEALCAM_MIN_HEIGHT	120
#define SEALCAM_MAX_WIDTH	1920
#define SEALCAM_MAX_HEIGHT	1080
#define SEALCAM_MAX_FPS		60

#define SEALCAM_KEY_LEN		32	/* X25519 public or private key */
#define SEALCAM_KEY_ID_LEN	8	/* first 8 bytes of SHA-256(public key) */
#define SEALCAM_TAG_LEN		16	/* Poly1305 tag */
#define SEALCAM_MAX_RECIPIENTS	16
#define SEALCAM_LABEL_MAX	32	/* including the terminating NUL */

/*
 * HPKE (RFC 9180) suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * ChaCha20Poly1305, mode_auth (0x02), sender = device key.
 * info = SEALCAM_HPKE_LABEL || device_id[8] || le64(segment_id), aad = ""
 * (format v1: SEALCAM_HPKE_LABEL_V1; v3 keeps v2's). Formats v2 and v3: the
 * per-recipient frame MAC key is the HPKE secret export (RFC 9180 5.3) of
 * SEALCAM_EXPORT_LABEL (v2: SEALCAM_EXPORT_LABEL_V2), 32 bytes, from the
 * same context.
 */
#define SEALCAM_HPKE_LABEL	"sealcam-v2 segment key"
#define SEALCAM_HPKE_LABEL_V1	"sealcam-v1 segment key"
#define SEALCAM_EXPORT_LABEL	"sealcam-v3 frame attribution"
#define SEALCAM_EXPORT_LABEL_V2	"sealcam-v2 frame attribution"
#define SEALCAM_HPKE_MODE	0x02
#define SEALCAM_HPKE_KEM	0x0020
#define SEALCAM_HPKE_KDF	0x0001
#define SEALCAM_HPKE_AEAD	0x0003

/*
 * A sealed frame, as written into one V4L2 buffer (bytesused = its length):
 *
 *   struct sealcam_frame_hdr        cleartext, authenticated (AAD)
 *   segment header (seg_hdr_len)    only when SEALCAM_F_FIRST; cleartext, AAD
 *   ciphertext                      ChaCha20-Poly1305 of
 *                                     struct sealcam_frame_meta || pixels,
 *                                   followed by the 16-byte tag
 *   attribution (mac_len)           v2, v3: one 16-byte MAC per recipient,
 *                                   in segment header order (v3: Poly1305,
 *                                   one-time key from the recipient's MAC
 *                                   key and frame_index; docs/FORMAT.md 4.4)
 *
 * ct_len = ciphertext and tag, plus mac_len in v2/v3: a frame is always
 * 48 + seg_hdr_len + ct_len bytes long.
 * AAD = frame header || segment header (if any).
 * Key = the segment's content key K. Nonce (12 bytes) = 4 zero bytes ||
 * le64(frame_index). A segment file is its frames concatenated in order.
 */
#define SEALCAM_FRAME_MAGIC	0x31464353	/* "SCF1" */
#define SEALCAM_FORMAT_VERSION	3	/* written; v1 and v2 are still read */
#define SEALCAM_FORMAT_V1	1
#define SEALCAM_FORMAT_V2	2
#define SEALCAM_MAC_LEN		16	/* v2/v3 per-recipient frame MAC */

#define SEALCAM_F_FIRST		0x0001	/* first frame; carries segment header */
#define SEALCAM_F_LAST		0x0002	/* last frame of the segment */
#define SEALCAM_F_KEYFRAME	0x0004	/* set on every FIRST frame */
#define SEALCAM_F_KNOWN		0x0007

struct sealcam_frame_hdr {
	__le32 magic;
	__u8 version;
	__u8 hdr_len;		/* sizeof(struct sealcam_frame_hdr) = 48 */
	__le16 flags;
	__le32 seg_hdr_len;	/* 0 unless SEALCAM_F_FIRST */
	__le32 ct_len;		/* ciphertext + tag (v2: + mac_len) */
	__u8 device_id[SEALCAM_KEY_ID_LEN];
	__le64 segment_id;
	__le64 frame_index;	/* 0 for the FIRST frame, +1 per frame */
	__le32 mac_len;		/* v2: 16 * n_recipients; v1: 0 */
	__le32 reserved;	/* 0 */
};

/*
 * The segment header (in the FIRST frame). Followed by n_recipients
 * struct sealcam_recipient entries; seg_hdr_len = 64 + 88 * n_recipients.
 */
#define SEALCAM_SEGMENT_MAGIC	0x31534353	/* "SCS1" */

struct sealcam_segment_hdr {
	__le32 magic;
	__le16 version;
	__le16 n_recipients;
	__u8 device_pub[SEALCAM_KEY_LEN];	/* HPKE sender (auth) key */
	__le64 segment_id;
	__le32 camera;		/* camera index on the device */
	__le32 reserved;	/* 0 */
	__le64 reserved2;	/* 0 */
};

struct sealcam_recipient {
	__u8 key_id[SEALCAM_KEY_ID_LEN];
	__u8 enc[SEALCAM_KEY_LEN];		/* HPKE encapsulated key (pkE) */
	__u8 wrapped_key[SEALCAM_KEY_LEN + SEALCAM_TAG_LEN]; /* HPKE Seal(K) */
};

/* First bytes of every plaintext: private metadata of the frame. */
struct sealcam_frame_meta {
	__le64 timestamp_ns;	/* CLOCK_REALTIME at capture */
	__le64 monotonic_ns;	/* CLOCK_MONOTONIC at capture */
	__le64 sequence;	/* per-camera frame counter since module load */
	__le32 pixelformat;	/* SEALCAM_PLAIN_* */
	__le32 width;
	__le32 height;
	__le32 bytesperline;	/* of the first plane */
	__le32 payload_len;	/* bytes of pixels following this struct */
	__le32 fps_num;		/* frame interval numerator (seconds) */
	__le32 fps_den;
	__le32 pattern;		/* test pattern index, informational */
	__le32 reserved;	/* 0 */
	__le32 pad;		/* 0, ignored by readers; struct is 64 bytes */
};

/*
 * Every structure above has the same size (and so the same layout) on every
 * ABI: no implicit padding, on i386 as on x86-64. The kernel and C++11 use
 * static_assert; C of any standard gets an array whose size is negative
 * when the check fails (no libc header needed).
 */
#if defined(__KERNEL__)
#include <linux/build_bug.h>
#define SEALCAM_ASSERT_SIZE(name, size) \
	static_assert(sizeof(struct sealcam_##name) == (size), \
		      "struct sealcam_" #name " must be " #size " bytes")
#elif defined(__cplusplus) && __cplusplus >= 201103L
#define SEALCAM_ASSERT_SIZE(name, size) \
	static_assert(sizeof(struct sealcam_##name) == (size), \
		      "struct sealcam_" #name " must be " #size " bytes")
#else
#define SEALCAM_ASSERT_SIZE(name, size) \
	extern char sealcam_##name##_size_is_##size \
		[sizeof(struct sealcam_##name) == (size) ? 1 : -1]
#endif

SEALCAM_ASSERT_SIZE(frame_hdr, 48);
SEALCAM_ASSERT_SIZE(segment_hdr, 64);
SEALCAM_ASSERT_SIZE(recipient, 88);
SEALCAM_ASSERT_SIZE(frame_meta, 64);

#define SEALCAM_META_LEN	((__u32)sizeof(struct sealcam_frame_meta))
#define SEALCAM_SEG_HDR_LEN(n) \
	((__u32)(sizeof(struct sealcam_segment_hdr) + \
		 (n) * sizeof(struct sealcam_recipient)))
/* frame header, segment header, meta, tag, and per recipient entry + MAC */
#define SEALCAM_FRAME_OVERHEAD(n) \
	((__u32)(sizeof(struct sealcam_frame_hdr) + \
		 sizeof(struct sealcam_segment_hdr) + \
		 SEALCAM_META_LEN + SEALCAM_TAG_LEN + \
		 (n) * (sizeof(struct sealcam_recipient) + SEALCAM_MAC_LEN)))

/* ------------------------------------------------------------------ */
/* Generic netlink family "sealcam"                                    */

#define SEALCAM_GENL_NAME	"sealcam"
#define SEALCAM_GENL_VERSION	1
#define SEALCAM_GENL_MCGRP	"events"

enum sealcam_cmd {
	SEALCAM_CMD_UNSPEC,
	SEALCAM_CMD_KEY_ADD,		/* KEY, [LABEL] */
	SEALCAM_CMD_KEY_DEL,		/* KEY_ID */
	SEALCAM_CMD_KEY_GET,		/* dump: KEY_ID, KEY, LABEL */
	SEALCAM_CMD_KEY_LOCK,		/* no recipient change until reload */
	SEALCAM_CMD_DEVKEY_SET,		/* PRIVKEY (write-only) */
	SEALCAM_CMD_DEVKEY_GENERATE,
	SEALCAM_CMD_DEVKEY_GET,		/* reply: KEY (public), KEY_ID */
	SEALCAM_CMD_STATUS_GET,		/* dump: one message per camera */
	SEALCAM_CMD_SEGMENT_SET,	/* [CAMERA], SEG_FRAMES and/or SEG_MS */
	SEALCAM_CMD_SEGMENT_ROTATE,	/* [CAMERA]: next frame ends the segment */
	/* multicast events (group "events") */
	SEALCAM_CMD_EVENT,		/* EVENT, plus attributes per event */
	__SEALCAM_CMD_MAX,
};

#define SEALCAM_CMD_MAX (__SEALCAM_CMD_MAX - 1)

enum sealcam_attr {
	SEALCAM_A_UNSPEC,
	SEALCAM_A_KEY,			/* binary, 32 bytes */
	SEALCAM_A_KEY_ID,		/* binary, 8 bytes */
	SEALCAM_A_LABEL,		/* NUL-terminated string */
	SEALCAM_A_PRIVKEY,		/* binary, 32 bytes */
	SEALCAM_A_CAMERA,		/* u32 camera index */
	SEALCAM_A_SEG_FRAMES,		/* u32, 1..100000, 0 = unlimited */
	SEALCAM_A_SEG_MS,		/* u32, 0 = unlimited */
	SEALCAM_A_LOCKED,		/* u8 flag */
	SEALCAM_A_NODE,			/* string, "video0" */
	SEALCAM_A_STREAMING,		/* u8 */
	SEALCAM_A_SEGMENT_ID,		/* u64 */
	SEALCAM_A_FRAMES,		/* u64 frames sealed */
	SEALCAM_A_BYTES,		/* u64 bytes sealed */
	SEALCAM_A_SEGMENTS,		/* u64 segments started */
	SEALCAM_A_DROPS,		/* u64 frames dropped (no buffer) */
	SEALCAM_A_OPENS,		/* u64 opens of the node */
	SEALCAM_A_RECIPIENTS,		/* u32 recipients installed */
	SEALCAM_A_AEAD_DRIVER,		/* string, crypto driver in use */
	SEALCAM_A_EVENT,		/* u32 enum sealcam_event */
	SEALCAM_A_PID,			/* u32 tgid of the actor */
	SEALCAM_A_UID,			/* u32 uid of the actor */
	SEALCAM_A_COMM,			/* string */
	SEALCAM_A_DEVKEY_SET,		/* u8: device key present */
	SEALCAM_A_FRAME_INDEX,		/* u64 */
	SEALCAM_A_PAD,
	__SEALCAM_A_MAX,
};

#define SEALCAM_A_MAX (__SEALCAM_A_MAX - 1)

enum sealcam_event {
	SEALCAM_EV_UNSPEC,
	SEALCAM_EV_KEY_ADDED,		/* KEY_ID, LABEL, PID, UID, COMM */
	SEALCAM_EV_KEY_DELETED,		/* KEY_ID, PID, UID, COMM */
	SEALCAM_EV_KEYS_LOCKED,		/* PID, UID, COMM */
	SEALCAM_EV_DEVKEY_CHANGED,	/* KEY_ID, PID, UID, COMM */
	SEALCAM_EV_SEGMENT_START,	/* CAMERA, SEGMENT_ID */
	SEALCAM_EV_SEGMENT_END,		/* CAMERA, SEGMENT_ID, FRAME_INDEX */
	SEALCAM_EV_OPEN,		/* CAMERA, PID, UID, COMM, OPENS */
	SEALCAM_EV_CLOSE,		/* CAMERA, PID, UID, COMM */
	SEALCAM_EV_SEGMENT_POLICY,	/* CAMERA, SEG_FRAMES, SEG_MS, PID, UID */
	__SEALCAM_EV_MAX,
};

#endif /* _UAPI_SEALCAM_H */
