// SPDX-License-Identifier: GPL-2.0
/*
 * Where sealcam's frames come from, and the capture thread that seals them.
 *
 * A streaming camera gets its frames either from the v4l2-tpg test pattern
 * generator, paced by the frame interval, or from a sensor or bridge driver
 * registered through include/sealcam_source.h. A pattern frame, or a frame
 * a source pushes, is assembled in a kernel-private staging buffer and
 * sealed there by the camera's own kernel thread; a source that seals its
 * frames in place (sealcam_source_seal()) gets neither that buffer nor the
 * thread. Either way the frame (struct sealcam_frame_meta followed by the
 * pixels) is encrypted in kernel-only memory and copied into the next
 * queued vb2 buffer; a frame that is not sealed is wiped.
 *
 * A segment starts with a snapshot of the keyring. It ends with a frame
 * sealed LAST when its frame or time limit is reached, a rotation was
 * requested, or recipients were only added. It ends without a LAST frame
 * when streaming stops or a recipient or the device key went away: a
 * removed recipient must not receive a frame captured after its removal,
 * so that frame opens the next segment instead.
 */

#include <linux/freezer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "sealcam.h"
#include "camera.h"
#include "include/sealcam_source.h"

#define SC_PATTERN_NONE		U32_MAX	/* meta.pattern of sensor frames */

static u64 sc_interval_ns(struct sc_camera *cam, struct v4l2_fract *tpf)
{
	spin_lock(&cam->qlock);
	*tpf = cam->timeperframe;
	spin_unlock(&cam->qlock);
	return div_u64((u64)tpf->numerator * NSEC_PER_SEC, tpf->denominator);
}

/* ---- segments ---- */

/* Key ids (public) of what the open segment is sealed to. */
static void sc_segment_remember_keys(struct sc_camera *cam,
				     const struct sc_key_snapshot *snap)
{
	unsigned int i;

	memcpy(cam->seg_device_id, snap->device_id, SEALCAM_KEY_ID_LEN);
	cam->seg_n_keys = min_t(unsigned int, snap->n_recipients,
				SEALCAM_MAX_RECIPIENTS);
	for (i = 0; i < cam->seg_n_keys; i++)
		memcpy(cam->seg_key_ids[i], snap->recipients[i].id,
		       SEALCAM_KEY_ID_LEN);
}

/*
 * Would every reader of the open segment still be a reader after the
 * keyring change? Then the segment may end cleanly with one more frame.
 */
static bool sc_keyring_only_grew(struct sc_camera *cam)
{
	struct sc_key_snapshot *snap = cam->snap;
	bool grew = false;
	unsigned int i, j;

	if (sc_keys_snapshot(snap))
		goto out;
	if (memcmp(snap->device_id, cam->seg_device_id, SEALCAM_KEY_ID_LEN))
		goto out;
	for (i = 0; i < cam->seg_n_keys; i++) {
		for (j = 0; j < snap->n_recipients; j++)
			if (!memcmp(cam->seg_key_ids[i], snap->recipients[j].id,
				    SEALCAM_KEY_ID_LEN))
				break;
		if (j == snap->n_recipients)
			goto out;
	}
	grew = true;
out:
	sc_keys_snapshot_wipe(snap);
	return grew;
}

static int sc_segment_begin(struct sc_camera *cam)
{
	u64 id;
	int ret;

	ret = sc_keys_snapshot(cam->snap);
	if (ret)
		goto out;
	id = cam->next_segment_id++;
	memset(&cam->seg, 0, sizeof(cam->seg));
	ret = sc_segment_start(&cam->seg, id, cam->index, cam->snap);
	if (ret)
		goto out;
	cam->seg_generation = cam->snap->generation;
	cam->seg_start_ns = ktime_get_ns();
	sc_segment_remember_keys(cam, cam->snap);
	atomic64_set(&cam->segment_id, id);
	atomic64_inc(&cam->segments);
	sc_event_segment(cam->index, true, id, 0);
out:
	sc_keys_snapshot_wipe(cam->snap);
	return ret;
}

static void sc_segment_finish(struct sc_camera *cam)
{
	if (!cam->seg.active)
		return;
	sc_event_segment(cam->index, false, cam->seg.id, cam->seg.frame_index);
	sc_segment_end(&cam->seg);
	atomic64_set(&cam->segment_id, 0);
}

/*
 * End the open segment now, without a LAST frame: its content key is wiped
 * here, and the next frame starts a new segment under a new key (VM fork,
 * snapshot restore, hibernation: kmod/camera.c). True if one was open.
 */
bool sc_capture_end_segment(struct sc_camera *cam)
{
	bool active;

	mutex_lock(&cam->src_lock);
	active = cam->seg.active;
	sc_segment_finish(cam);
	mutex_unlock(&cam->src_lock);
	return active;
}

/* The frame about to be sealed is the segment's last one. */
static bool sc_segment_full(struct sc_camera *cam, u64 now_ns)
{
	u32 frames = READ_ONCE(cam->seg_frames);
	u32 ms = READ_ONCE(cam->seg_ms);

	if (atomic_xchg(&cam->rotate, 0))
		return true;
	if (frames && cam->seg.frame_index + 1 >= frames)
		return true;
	if (ms && now_ns - cam->seg_start_ns >= (u64)ms * NSEC_PER_MSEC)
		return true;
	return false;
}

/*
 * Make sure a segment is open for the next frame. Returns 1 when that
 * frame must end the open segment because the keyring changed, 0 when it
 * is an ordinary frame, or a negative errno when no segment can start.
 */
static int sc_segment_ensure(struct sc_camera *cam)
{
	if (cam->seg.active) {
		if (cam->seg_generation == sc_keys_generation())
			return 0;
		if (sc_keyring_only_grew(cam))
			return 1;
		sc_segment_finish(cam);
	}
	return sc_segment_begin(cam);
}

/* ---- one frame ---- */

static struct sc_buffer *sc_next_buffer(struct sc_camera *cam)
{
	struct sc_buffer *buf;

	spin_lock(&cam->qlock);
	buf = list_first_entry_or_null(&cam->buf_list, struct sc_buffer, list);
	if (buf)
		list_del(&buf->list);
	spin_unlock(&cam->qlock);
	return buf;
}

static void sc_requeue_buffer(struct sc_camera *cam, struct sc_buffer *buf)
{
	spin_lock(&cam->qlock);
	list_add(&buf->list, &cam->buf_list);
	spin_unlock(&cam->qlock);
}

static void sc_fill_meta(struct sc_camera *cam, u8 *plain, u32 len,
			 u64 mono_ns, const struct v4l2_fract *tpf,
			 u32 pattern, u64 sequence)
{
	struct sealcam_frame_meta *meta = (void *)plain;

	/* wall clock of the same instant as @mono_ns */
	meta->timestamp_ns = cpu_to_le64(ktime_get_real_ns() -
					 (ktime_get_ns() - mono_ns));
	meta->monotonic_ns = cpu_to_le64(mono_ns);
	meta->sequence = cpu_to_le64(sequence);
	meta->pixelformat = cpu_to_le32(cam->fmt->plain);
	meta->width = cpu_to_le32(cam->width);
	meta->height = cpu_to_le32(cam->height);
	meta->bytesperline = cpu_to_le32(cam->bytesperline);
	meta->payload_len = cpu_to_le32(len);
	meta->fps_num = cpu_to_le32(tpf->numerator);
	meta->fps_den = cpu_to_le32(tpf->denominator);
	meta->pattern = cpu_to_le32(pattern);
	meta->reserved = 0;
	/* else the previous frame's ciphertext would be sealed here */
	meta->pad = 0;
}

/*
 * A frame the source produced is gone without being sealed (no buffer, no
 * segment, a newer frame pushed over it). It still consumes a sequence
 * number: the gap is how the owner learns of it (docs/FORMAT.md rule 16).
 */
static void sc_count_drop(struct sc_camera *cam)
{
	cam->sequence++;
	cam->meta_sequence++;
	atomic64_inc(&cam->drops);
}

/*
 * Seal the frame at @plain (SEALCAM_META_LEN bytes for its meta, then @len
 * bytes of pixels, then SEALCAM_TAG_LEN bytes of room; kernel-private
 * memory: the staging buffer or a source's own buffer) into the next
 * queued buffer. Called with src_lock held. Leaves no plaintext behind:
 * sealing encrypts it in place, every other path wipes it.
 */
static void sc_seal_plain(struct sc_camera *cam, u8 *plain, u32 len,
			  u32 pattern)
{
	struct v4l2_fract tpf;
	struct sc_buffer *buf;
	struct vb2_buffer *vb;
	bool first, last;
	u64 now;
	u64 meta_seq;
	ssize_t n;
	u32 seq;
	int ret;

	buf = sc_next_buffer(cam);
	if (!buf) {
		sc_count_drop(cam);
		goto wipe;
	}
	vb = &buf->vb.vb2_buf;

	ret = sc_segment_ensure(cam);
	if (ret < 0) {
		if (!cam->stalled)
			dev_warn(&cam->vdev.dev,
				 "cannot start a segment (%d%s); dropping frames\n",
				 ret, ret == -ENOKEY ?
				 ": no recipient key installed" : "");
		cam->stalled = true;
		sc_requeue_buffer(cam, buf);
		sc_count_drop(cam);
		goto wipe;
	}
	if (cam->stalled)
		dev_info(&cam->vdev.dev, "sealing again in segment %llu\n",
			 cam->seg.id);
	cam->stalled = false;

	/* From here on the frame has its numbers, sealed or not. */
	seq = cam->sequence++;
	meta_seq = cam->meta_sequence++;
	/* the source's capture time when it gave one (never in the future) */
	now = ktime_get_ns();
	if (cam->src_ts_ns && cam->src_ts_ns <= now)
		now = cam->src_ts_ns;
	cam->src_ts_ns = 0;
	sc_interval_ns(cam, &tpf);
	sc_fill_meta(cam, plain, len, now, &tpf, pattern, meta_seq);
	first = cam->seg.frame_index == 0;
	last = sc_segment_full(cam, now) || ret == 1;

	n = sc_seal_frame(&cam->seg, vb2_plane_vaddr(vb, 0),
			  vb2_plane_size(vb, 0), plain, SEALCAM_META_LEN + len,
			  last);
	if (n < 0) {
		dev_warn_ratelimited(&cam->vdev.dev,
				     "sealing frame failed: %zd\n", n);
		/* Never resume a segment after a failed frame. */
		sc_segment_finish(cam);
		vb->timestamp = now;
		buf->vb.sequence = seq;
		vb2_set_plane_payload(vb, 0, 0);
		vb2_buffer_done(vb, VB2_BUF_STATE_ERROR);
		goto wipe;
	}

	atomic64_inc(&cam->frames);
	atomic64_add(n, &cam->bytes);

	vb2_set_plane_payload(vb, 0, n);
	vb->timestamp = now;
	buf->vb.sequence = seq;
	buf->vb.field = V4L2_FIELD_NONE;
	buf->vb.flags &= ~(V4L2_BUF_FLAG_KEYFRAME | V4L2_BUF_FLAG_PFRAME |
			   V4L2_BUF_FLAG_BFRAME);
	if (first)
		buf->vb.flags |= V4L2_BUF_FLAG_KEYFRAME;
	vb2_buffer_done(vb, VB2_BUF_STATE_DONE);

	if (last)
		sc_segment_finish(cam);
	/*
	 * sc_seal_frame() encrypted the frame in place: it holds ciphertext
	 * only, so there is nothing to wipe on this path.
	 */
	return;
wipe:
	/* the frame was not sealed: its plaintext must not stay behind */
	memzero_explicit(plain, SEALCAM_META_LEN + len + SEALCAM_TAG_LEN);
}

/* The frame pushed into the staging buffer. */
static void sc_seal_staged(struct sc_camera *cam, u32 pattern)
{
	sc_seal_plain(cam, cam->staging, cam->frame_len, pattern);
}

static void sc_capture_pattern(struct sc_camera *cam)
{
	u32 pattern = READ_ONCE(cam->pattern);
	bool idle;

	/*
	 * Only this thread takes buffers off the list, so one seen here is
	 * still there below: do not render frames nobody will receive.
	 */
	spin_lock(&cam->qlock);
	idle = list_empty(&cam->buf_list);
	spin_unlock(&cam->qlock);
	if (idle) {
		sc_count_drop(cam);
		return;
	}

	mutex_lock(&cam->src_lock);
	tpg_s_pattern(&cam->tpg, pattern);
	tpg_fillbuffer(&cam->tpg, 0, 0, cam->staging + SEALCAM_META_LEN);
	cam->frame_len = cam->plain_size;
	sc_seal_staged(cam, pattern);
	mutex_unlock(&cam->src_lock);
}

/* ---- the capture thread ---- */

static int sc_pattern_thread(void *data)
{
	struct sc_camera *cam = data;
	u64 next = ktime_get_ns();

	set_freezable();
	while (!kthread_should_stop()) {
		struct v4l2_fract tpf;
		u64 interval = sc_interval_ns(cam, &tpf);
		u64 now;

		next += interval;
		now = ktime_get_ns();
		if (next + interval < now) {
			/* Far behind (slow machine, suspend): resync. */
			next = now;
		} else if (next > now) {
			unsigned long j = nsecs_to_jiffies(next - now);

			schedule_timeout_interruptible(j ? j : 1);
		}
		try_to_freeze();
		if (kthread_should_stop())
			break;
		sc_capture_pattern(cam);
	}
	return 0;
}

static int sc_source_thread(void *data)
{
	struct sc_camera *cam = data;

	set_freezable();
	while (!kthread_should_stop()) {
		wait_event_freezable_timeout(cam->wq,
					     READ_ONCE(cam->src_ready) ||
					     kthread_should_stop(), HZ);
		if (kthread_should_stop())
			break;
		mutex_lock(&cam->src_lock);
		if (cam->src_ready) {
			cam->src_ready = false;
			sc_seal_staged(cam, SC_PATTERN_NONE);
		}
		mutex_unlock(&cam->src_lock);
	}
	return 0;
}

static void sc_source_fill_format(struct sc_camera *cam,
				  struct sealcam_source_format *fmt)
{
	fmt->pixelformat = cam->fmt->plain;
	fmt->width = cam->width;
	fmt->height = cam->height;
	fmt->bytesperline = cam->bytesperline;
	fmt->sizeimage = cam->plain_size;
	sc_interval_ns(cam, &fmt->timeperframe);
}

static void sc_staging_free(struct sc_camera *cam)
{
	mutex_lock(&cam->src_lock);
	if (cam->staging) {
		memzero_explicit(cam->staging, cam->staging_len);
		vfree(cam->staging);
	}
	cam->staging = NULL;
	cam->staging_len = 0;
	cam->src_ready = false;
	cam->frame_len = 0;
	mutex_unlock(&cam->src_lock);
}

static int sc_staging_alloc(struct sc_camera *cam, size_t len)
{
	u8 *staging = vzalloc(len);

	if (!staging)
		return -ENOMEM;
	mutex_lock(&cam->src_lock);
	cam->staging = staging;
	cam->staging_len = len;
	mutex_unlock(&cam->src_lock);
	return 0;
}

/* Stop the source if it was started; no frame is taken after this. */
static void sc_source_end(struct sc_camera *cam)
{
	if (!cam->src_streaming)
		return;
	mutex_lock(&cam->src_lock);
	cam->src_streaming = false;
	mutex_unlock(&cam->src_lock);
	if (cam->src) {
		cam->src->ops->stop(cam->src);
		module_put(cam->src->owner);
	}
}

/* Called by vb2 start_streaming, with cam->lock held. */
int sc_capture_start(struct sc_camera *cam)
{
	struct sealcam_source_format sfmt;
	struct task_struct *thread;
	/* sc_seal_frame() encrypts in place and appends the tag here */
	size_t len = SEALCAM_META_LEN + cam->plain_size + SEALCAM_TAG_LEN;
	int ret;

	cam->sequence = 0;
	cam->stalled = false;
	atomic_set(&cam->rotate, 0);

	/* a compressed format comes only from a source that produces it */
	if (!sc_format_available(cam, cam->fmt)) {
		dev_warn_ratelimited(&cam->vdev.dev,
				     "no frame source produces %p4cc: set another format\n",
				     &cam->fmt->plain);
		return -EINVAL;
	}

	/* Refuse before anything else: never a plaintext fallback. */
	ret = sc_segment_begin(cam);
	if (ret) {
		if (ret == -ENOKEY)
			dev_warn_ratelimited(&cam->vdev.dev,
					     "no recipient key installed; refusing to stream\n");
		else
			dev_warn_ratelimited(&cam->vdev.dev,
					     "cannot start a segment: %d\n", ret);
		return ret;
	}

	mutex_lock(&cam->src_lock);
	cam->src_ready = false;
	cam->src_streaming = false;
	mutex_unlock(&cam->src_lock);

	if (!cam->src) {
		ret = sc_staging_alloc(cam, len);
		if (ret)
			goto err_segment;
		thread = kthread_run(sc_pattern_thread, cam, "sealcam-%u-cap",
				     cam->index);
	} else {
		if (!try_module_get(cam->src->owner)) {
			ret = -ENODEV;
			goto err_segment;
		}
		sc_source_fill_format(cam, &sfmt);
		mutex_lock(&cam->src_lock);
		cam->src_seq_valid = false;
		cam->src_ts_ns = 0;
		mutex_unlock(&cam->src_lock);
		ret = cam->src->ops->start(cam->src, &sfmt);
		if (ret) {
			module_put(cam->src->owner);
			goto err_segment;
		}
		/*
		 * A source that seals in place needs neither the staging
		 * buffer nor a thread: each frame is sealed by its caller.
		 */
		if (!cam->src->seals_in_place) {
			ret = sc_staging_alloc(cam, len);
			if (ret) {
				cam->src->ops->stop(cam->src);
				module_put(cam->src->owner);
				goto err_segment;
			}
		}
		mutex_lock(&cam->src_lock);
		cam->src_streaming = true;
		mutex_unlock(&cam->src_lock);
		thread = NULL;
		if (!cam->src->seals_in_place)
			thread = kthread_run(sc_source_thread, cam,
					     "sealcam-%u-src", cam->index);
	}
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		goto err_source;
	}
	cam->thread = thread;
	WRITE_ONCE(cam->streaming, true);
	return 0;

err_source:
	sc_source_end(cam);
	sc_staging_free(cam);
err_segment:
	sc_segment_finish(cam);
	return ret;
}

/* Called by vb2 stop_streaming (and on failed start), cam->lock held. */
void sc_capture_stop(struct sc_camera *cam)
{
	if (!cam->streaming)
		return;
	if (cam->thread) {
		kthread_stop(cam->thread);
		cam->thread = NULL;
	}
	WRITE_ONCE(cam->streaming, false);

	sc_source_end(cam);
	/* The open segment ends without LAST: unseal reports it truncated. */
	sc_segment_finish(cam);
	sc_staging_free(cam);
}

/* ---- the public source API ---- */

int sealcam_source_register(struct sealcam_source *src, unsigned int camera)
{
	struct sc_camera *cam;
	int ret = 0;

	if (!src || !src->ops || !src->ops->start || !src->ops->stop)
		return -EINVAL;

	sc_cameras_lock();
	cam = sc_camera_get_locked(camera);
	if (!cam) {
		ret = -ENODEV;
		goto out;
	}
	mutex_lock(&cam->lock);
	if (cam->src || vb2_is_busy(&cam->queue)) {
		ret = -EBUSY;
	} else {
		mutex_lock(&cam->src_lock);
		cam->src = src;
		src->sealcam_priv = cam;
		mutex_unlock(&cam->src_lock);
		dev_info(&cam->vdev.dev, "frame source %s attached\n",
			 src->name ? src->name : "(unnamed)");
	}
	mutex_unlock(&cam->lock);
out:
	sc_cameras_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(sealcam_source_register);

void sealcam_source_unregister(struct sealcam_source *src)
{
	struct sc_camera *cam = src ? src->sealcam_priv : NULL;

	if (!cam)
		return;
	mutex_lock(&cam->lock);
	mutex_lock(&cam->src_lock);
	cam->src = NULL;
	src->sealcam_priv = NULL;
	/*
	 * A pushed frame not yet sealed is plaintext: it must not wait in
	 * staging for STREAMOFF. Holding src_lock, the thread is not sealing.
	 */
	if (cam->staging)
		memzero_explicit(cam->staging, cam->staging_len);
	cam->src_ready = false;
	if (cam->src_streaming) {
		cam->src_streaming = false;
		mutex_unlock(&cam->src_lock);
		src->ops->stop(src);
		module_put(src->owner);
		/* Userspace must learn that no more frames will come. */
		vb2_queue_error(&cam->queue);
	} else {
		mutex_unlock(&cam->src_lock);
	}
	/* a format only that source offered is offered no more */
	sc_format_revalidate(cam);
	dev_info(&cam->vdev.dev, "frame source detached\n");
	mutex_unlock(&cam->lock);
}
EXPORT_SYMBOL_GPL(sealcam_source_unregister);

/* how far back a source's frame number may be and still be late, not reset */
#define SC_SRC_REORDER	64

/*
 * May the camera take @frame from @src now? Counts the frames the source
 * lost before it. Called with src_lock held; 0 or the errno to return.
 */
static int sc_source_accept(struct sc_camera *cam, struct sealcam_source *src,
			    const struct sealcam_source_frame *frame)
{
	size_t len = frame->len;
	u32 lost, behind;

	if (cam->src != src || !cam->src_streaming)
		return -EAGAIN;
	/*
	 * Frames the source lost before this one: each still takes a sequence
	 * number and counts as a drop (docs/FORMAT.md rule 16), whatever the
	 * outcome of this frame.
	 */
	if (frame->has_sequence) {
		if (cam->src_seq_valid) {
			behind = cam->src_last_seq - frame->sequence;
			/*
			 * A frame that comes after a newer one (a bridge whose
			 * frames complete out of order: uvcvideo's copy work
			 * runs on an unbound workqueue) was counted lost when
			 * the newer one came: sealing it now would put it
			 * after that one. It is dropped, and the counter stays.
			 */
			if (behind < SC_SRC_REORDER)
				return -ESTALE;
			lost = frame->sequence - cam->src_last_seq - 1;
			/* a counter that went far back (restart) loses nothing */
			if (lost < U32_MAX / 2) {
				cam->sequence += lost;
				cam->meta_sequence += lost;
				atomic64_add(lost, &cam->drops);
			}
		}
		cam->src_last_seq = frame->sequence;
		cam->src_seq_valid = true;
	}
	if (cam->fmt->compressed ? !len || len > cam->plain_size :
	    len != cam->plain_size) {
		/* a frame the source produced and sealcam cannot take */
		sc_count_drop(cam);
		return -EINVAL;
	}
	return 0;
}

int sealcam_source_push(struct sealcam_source *src,
			const struct sealcam_source_frame *frame)
{
	struct sc_camera *cam = src ? src->sealcam_priv : NULL;
	size_t len;
	int ret;

	if (!cam || !frame || !frame->data)
		return -EINVAL;
	len = frame->len;
	mutex_lock(&cam->src_lock);
	/* a source that said it seals in place has no staging buffer */
	if (cam->src == src && cam->src_streaming && !cam->staging) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = sc_source_accept(cam, src, frame);
	if (ret)
		goto out;
	/* The frame still waiting to be sealed is replaced. */
	if (cam->src_ready) {
		sc_count_drop(cam);
		/* a longer one's tail would stay behind, unsealed */
		if (cam->frame_len > len)
			memzero_explicit(cam->staging + SEALCAM_META_LEN + len,
					 cam->frame_len - len);
	}
	memcpy(cam->staging + SEALCAM_META_LEN, frame->data, len);
	cam->frame_len = len;
	cam->src_ts_ns = frame->timestamp_ns;
	cam->src_ready = true;
out:
	mutex_unlock(&cam->src_lock);
	if (!ret)
		wake_up(&cam->wq);
	return ret;
}
EXPORT_SYMBOL_GPL(sealcam_source_push);

static_assert(SEALCAM_SOURCE_HEADROOM == SEALCAM_META_LEN);
static_assert(SEALCAM_SOURCE_TAILROOM == SEALCAM_TAG_LEN);

int sealcam_source_seal(struct sealcam_source *src,
			const struct sealcam_source_frame *frame)
{
	struct sc_camera *cam = src ? src->sealcam_priv : NULL;
	int ret;

	if (!cam || !frame || !frame->inplace)
		return -EINVAL;
	mutex_lock(&cam->src_lock);
	ret = sc_source_accept(cam, src, frame);
	if (ret)
		goto out;
	/* a frame pushed and not yet sealed is older than this one */
	if (cam->src_ready) {
		sc_count_drop(cam);
		memzero_explicit(cam->staging, cam->staging_len);
		cam->src_ready = false;
	}
	cam->src_ts_ns = frame->timestamp_ns;
	/* sealed into the next vb2 buffer, or wiped: no copy of it is made */
	sc_seal_plain(cam, (u8 *)frame->inplace - SEALCAM_SOURCE_HEADROOM,
		      frame->len, SC_PATTERN_NONE);
out:
	mutex_unlock(&cam->src_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(sealcam_source_seal);

int sealcam_source_push_frame(struct sealcam_source *src, const void *pixels,
			      size_t len)
{
	struct sealcam_source_frame frame = { .data = pixels, .len = len };

	return sealcam_source_push(src, &frame);
}
EXPORT_SYMBOL_GPL(sealcam_source_push_frame);
