/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sealcam V4L2 capture devices:
 *   camera.c   instances, module parameters, open/release accounting and
 *              the camera side of kmod/sealcam.h
 *   vid-cap.c  formats, V4L2 ioctls, controls and the vb2 queue
 *   source.c   where frames come from (v4l2-tpg or a registered sensor)
 *              and the capture thread that seals them into vb2 buffers
 */
#ifndef _SEALCAM_CAMERA_H
#define _SEALCAM_CAMERA_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <media/tpg/v4l2-tpg.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-device.h>
#include <media/videobuf2-v4l2.h>

#include "seal.h"

#define SC_MAX_CAMERAS		8

struct sealcam_source;

/* A sealed pixel format and the plain format inside its ciphertext. */
struct sc_format {
	u32 sealed;		/* SEALCAM_PIX_FMT_* */
	u32 plain;		/* SEALCAM_PLAIN_* */
	const char *description;
	u8 bytes_per_pixel;	/* of the first plane */
	u8 size_num;		/* frame bytes = bytesperline * height * */
	u8 size_den;		/*               size_num / size_den      */
	u8 quantization;	/* what the tpg renders for this format */
	/*
	 * Frames of varying length (MJPG) that only a source can produce:
	 * bytesperline 0, the frame size above is the largest frame taken.
	 */
	bool compressed;
};

struct sc_buffer {
	struct vb2_v4l2_buffer vb;	/* must be first */
	struct list_head list;
};

struct sc_camera {
	unsigned int index;
	struct v4l2_device v4l2_dev;
	struct video_device vdev;
	struct v4l2_ctrl_handler ctrls;
	struct vb2_queue queue;
	/* Serialises ioctls, the vb2 queue and source attach/detach. */
	struct mutex lock;

	/* Format: changed only while the queue is not busy. */
	const struct sc_format *fmt;
	u32 width;
	u32 height;
	u32 bytesperline;	/* plain, first plane */
	u32 plain_size;		/* plain pixel bytes (compressed: at most) */
	u32 sizeimage;		/* largest sealed frame */

	/* Protects buf_list and timeperframe. */
	spinlock_t qlock;
	struct list_head buf_list;
	struct v4l2_fract timeperframe;

	u32 pattern;		/* enum tpg_pattern, read by the thread */
	struct tpg_data tpg;

	/* Streaming state, owned by the capture thread while it runs. */
	struct task_struct *thread;
	wait_queue_head_t wq;
	bool streaming;
	/*
	 * Both count every frame the source produced, dropped ones too. With
	 * a registered source they change under src_lock (pushes count drops).
	 */
	u32 sequence;		/* vb2 sequence, per stream */
	bool stalled;		/* no segment could start: frames dropped */
	u64 meta_sequence;	/* frames since module load (meta.sequence) */
	struct sc_segment seg;
	struct sc_key_snapshot *snap;	/* scratch, wiped after each use */
	u64 seg_generation;	/* keyring generation the segment is sealed to */
	u8 seg_device_id[SEALCAM_KEY_ID_LEN];
	u8 seg_key_ids[SEALCAM_MAX_RECIPIENTS][SEALCAM_KEY_ID_LEN];
	unsigned int seg_n_keys;
	u64 seg_start_ns;
	u64 next_segment_id;
	atomic64_t segment_id;	/* of the open segment, for status */

	/* Segment policy (0 = no limit) and one-shot rotation request. */
	u32 seg_frames;
	u32 seg_ms;
	atomic_t rotate;

	atomic64_t opens;
	atomic64_t frames;
	atomic64_t bytes;
	atomic64_t segments;
	atomic64_t drops;

	/*
	 * Plaintext staging buffer: frame meta followed by the pixels. Kernel
	 * private, never mapped; wiped after every frame, freed at stop.
	 * src_lock protects it together with the external source state.
	 */
	struct mutex src_lock;
	u8 *staging;
	size_t staging_len;
	struct sealcam_source *src;
	bool src_streaming;	/* src was started for this stream */
	bool src_ready;		/* staging holds a pushed, unsealed frame */
	u32 frame_len;		/* pixel bytes of the frame in staging */
	u64 src_ts_ns;		/* its capture time (0: none given) */
	bool src_seq_valid;	/* src_last_seq holds the last pushed number */
	u32 src_last_seq;
};

/* camera.c */
int sc_cameras_init(void);
void sc_cameras_exit(void);
struct sc_camera *sc_camera_get_locked(unsigned int idx);
void sc_cameras_lock(void);
void sc_cameras_unlock(void);
extern const struct v4l2_file_operations sc_fops;

/* vid-cap.c */
int sc_vid_cap_init(struct sc_camera *cam);
/* The attached source offers this format (compressed ones need one). */
bool sc_format_available(struct sc_camera *cam, const struct sc_format *fmt);
/* Back to the default format if the current one is no longer available. */
void sc_format_revalidate(struct sc_camera *cam);
void sc_vid_cap_free(struct sc_camera *cam);

/* source.c */
int sc_capture_start(struct sc_camera *cam);
bool sc_capture_end_segment(struct sc_camera *cam);
void sc_capture_stop(struct sc_camera *cam);

#endif /* _SEALCAM_CAMERA_H */
