/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sealcam frame source API.
 *
 * By default every sealcam camera renders the v4l2-tpg test pattern as its
 * "sensor". A real sensor or bridge driver can instead attach itself to one
 * camera and hand it whole frames, in one of two ways:
 *   sealcam_source_push()   sealcam copies the frame into a buffer private
 *                           to the kernel; its own thread seals it later;
 *   sealcam_source_seal()   the frame is sealed where it lies, in the
 *                           caller's context: for a source whose frame
 *                           buffer is already kernel-only memory with room
 *                           around it (uvcvideo's, kmod/uvc/): no copy, no
 *                           thread switch.
 * Either way the frame is sealed (see kmod/seal.h) before any vb2 buffer
 * holds a byte of it: the plain pixels never reach userspace, and with no
 * recipient key installed nothing is captured at all.
 *
 * Life cycle:
 *   sealcam_source_register()     attach to an idle camera
 *   ops->start(fmt)               the camera starts streaming in @fmt; the
 *                                 source may refuse a format it cannot produce
 *   sealcam_source_push*() or _seal()   zero or more times, a whole frame
 *   ops->stop()                   streaming stopped; pushes now fail
 *   sealcam_source_unregister()   detach; a stream still running on the
 *                                 camera gets a queue error (EIO)
 *
 * ops->start and ops->stop are called in process context with the camera's
 * lock held: they must not call back into this API.
 */
#ifndef _SEALCAM_SOURCE_H
#define _SEALCAM_SOURCE_H

#include <linux/types.h>
#include <linux/videodev2.h>

/*
 * The frame layout a source must push while the camera streams.
 * pixelformat: V4L2_PIX_FMT_YUYV, _NV12 (Y plane then UV), _GREY, or
 * _MJPEG (asked only of a source whose has_format says yes).
 * bytesperline: of the first plane, planes are not padded; 0 for MJPEG.
 * sizeimage: the exact length of every pushed frame; for MJPEG the largest
 * one taken (each pushed frame is one whole JPEG of 1..sizeimage bytes).
 */
struct sealcam_source_format {
	u32 pixelformat;
	u32 width;
	u32 height;
	u32 bytesperline;
	u32 sizeimage;
	struct v4l2_fract timeperframe;	/* what userspace asked for */
};

struct sealcam_source;

struct sealcam_source_ops {
	/* Streaming starts; return 0 or a negative errno to refuse it. */
	int (*start)(struct sealcam_source *src,
		     const struct sealcam_source_format *fmt);
	/* Streaming stopped; no push is accepted after this returns. */
	void (*stop)(struct sealcam_source *src);
	/*
	 * Optional: can the source produce @pixelformat (V4L2 fourcc)? The
	 * sealed node offers a compressed format (MJPEG) only when the
	 * attached source says yes here. Called with the camera's lock held;
	 * must not sleep long nor call back into this API.
	 */
	bool (*has_format)(struct sealcam_source *src, u32 pixelformat);
};

struct sealcam_source {
	const char *name;
	/*
	 * The module the ops live in (THIS_MODULE): sealcam holds a reference
	 * on it from ops->start to ops->stop, so it cannot be unloaded while a
	 * sealed stream runs on it (unregister still ends a stream at once).
	 */
	struct module *owner;
	const struct sealcam_source_ops *ops;
	void *priv;			/* for the source driver */
	/*
	 * Set by the source, at the latest when ops->start returns: this
	 * stream's frames come only through sealcam_source_seal(). sealcam
	 * then allocates no staging buffer and starts no thread for it, and
	 * sealcam_source_push*() returns -EOPNOTSUPP until the next start.
	 */
	bool seals_in_place;
	void *sealcam_priv;		/* owned by sealcam */
};

/*
 * Attach @src to camera @camera (0-based). -ENODEV when there is no such
 * camera, -EBUSY when it already has a source or is streaming.
 */
int sealcam_source_register(struct sealcam_source *src, unsigned int camera);

/* Detach @src; stops the source first when its camera is streaming. */
void sealcam_source_unregister(struct sealcam_source *src);

/*
 * Hand one whole frame to the camera. Process context; may sleep. The
 * pixels are copied, so @pixels may be reused on return. Returns 0,
 * -EAGAIN when the camera is not streaming, -EINVAL when @len is not the
 * sizeimage given to ops->start (MJPEG: 0, or more than sizeimage), -ESTALE
 * for a frame whose number is not newer than the last one's (see
 * has_sequence), -EOPNOTSUPP from a source that set seals_in_place for this
 * stream. A frame pushed before the previous one was sealed replaces
 * it and counts as a drop; a push that comes while sealcam's thread seals
 * the previous frame waits for that seal to end (one staging buffer), so a
 * source that must not wait hands its frames over from a work item of its
 * own (kmod/uvc/ with its sealcam_copy parameter set). Each push costs a
 * copy of the frame and a switch to sealcam's thread:
 * sealcam_source_seal() costs neither.
 */
int sealcam_source_push_frame(struct sealcam_source *src, const void *pixels,
			      size_t len);

/*
 * One frame with what the source knows of it: a bridge driver's capture
 * time and frame counter, so the sealed frame carries the camera's time and
 * a frame the source lost before pushing (a USB error, a frame it flagged
 * bad) is counted as a drop, not silently absent.
 */
struct sealcam_source_frame {
	union {
		const void *data;	/* sealcam_source_push() */
		void *inplace;		/* sealcam_source_seal(): see there */
	};
	size_t len;
	/*
	 * CLOCK_MONOTONIC ns of the capture (e.g. the vb2 timestamp a bridge
	 * set); 0 when the source has none: the time of the push is used.
	 */
	u64 timestamp_ns;
	/*
	 * The source's frame counter; with has_sequence, a jump of k + 1 since
	 * the last pushed frame means k frames lost before sealcam saw them,
	 * and a frame up to 63 numbers behind (or equal to) the last one is
	 * late and refused with -ESTALE (it was counted lost); further back,
	 * the counter restarted.
	 */
	u32 sequence;
	bool has_sequence;
};

/* As sealcam_source_push_frame(), with the frame's time and number. */
int sealcam_source_push(struct sealcam_source *src,
			const struct sealcam_source_frame *frame);

/* Room sealcam_source_seal() needs before and after a frame's bytes. */
#define SEALCAM_SOURCE_HEADROOM	64	/* the frame's sealed metadata */
#define SEALCAM_SOURCE_TAILROOM	16	/* the AEAD's tag */

/*
 * Seal one whole frame in place, in the caller's context: the frame is
 * encrypted where it lies and the sealed frame written to the next buffer
 * userspace queued, before this returns. Process context; may sleep, for
 * as long as the seal takes (tens of ms for a large frame under a slow
 * CPU), so not from a path that holds back the device (a URB completion).
 *
 * @frame->inplace points at @frame->len bytes, preceded by
 * SEALCAM_SOURCE_HEADROOM and followed by SEALCAM_SOURCE_TAILROOM bytes that
 * sealcam may write; all of them must be memory no process can map or read
 * (vmalloc'd or kmalloc'd by the source, never a vb2 buffer): the tag is
 * computed over the ciphertext there, and a process able to rewrite it in
 * between would get altered pixels authenticated.
 *
 * Returns as sealcam_source_push(). On 0 those bytes hold ciphertext or
 * zeros (the frame was sealed, or dropped for want of a buffer or a
 * segment): no plaintext. On an error they are as they were, and the
 * source wipes them.
 */
int sealcam_source_seal(struct sealcam_source *src,
			const struct sealcam_source_frame *frame);

#endif /* _SEALCAM_SOURCE_H */
