// SPDX-License-Identifier: GPL-2.0
/*
 * uvc_sealcam.c - uvcvideo hands every frame to sealcam.
 *
 * Part of sealcam, not of Linux: scripts/build-uvc.sh copies this file into
 * the uvcvideo sources of the distribution's kernel (linux-source-6.1 or
 * -6.12), applies kmod/uvc/uvcvideo-sealcam.patch (6.1) or
 * uvcvideo-sealcam-6.12.patch and builds a replacement uvcvideo.ko. The
 * same file compiles against both. docs/KERNEL.md ("A real camera:
 * uvcvideo") says why.
 *
 * Every capture stream of every UVC device becomes a sealcam frame source
 * (include/sealcam_source.h) bound to one sealcam camera. uvcvideo's own
 * node stays (controls, formats) but never gets a buffer: REQBUFS and
 * CREATE_BUFS fail with EPERM (the patch), so it cannot stream, mmap, read
 * or export anything. When the sealcam node streams, uvcvideo decodes the
 * payloads, unchanged, into a few kernel-only buffers that stand on its
 * irqqueue in place of vb2 buffers; a complete frame is sealed where it
 * lies (sealcam_source_seal(), before any userspace-visible buffer sees
 * it), in uvcvideo's copy work once its URB is resubmitted, or in a work
 * item of ours for a frame that completed in URB completion; the buffer,
 * ciphertext or wiped, goes back on the queue.
 */

#include <linux/module.h>
#include <linux/version.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/usb.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "uvcvideo.h"
#include "sealcam_source.h"

#define UVC_SEALCAM_BUFS	4

static unsigned int sealcam_camera;
module_param(sealcam_camera, uint, 0444);
MODULE_PARM_DESC(sealcam_camera,
		 "sealcam camera the webcam's frames are sealed by (default 0)");

static bool sealcam_copy;
module_param(sealcam_copy, bool, 0644);
MODULE_PARM_DESC(sealcam_copy,
		 "hand frames to sealcam by copy (sealcam_source_push) instead of sealing them in place; for tests and benchmarks (default N)");

struct uvc_sealcam_buf {
	struct uvc_buffer buf;	/* .mem: the frame, after the headroom */
	struct work_struct work;
	struct list_head done;	/* on a copy work's list to seal */
	struct uvc_sealcam *sc;
	u8 *room;		/* headroom, frame, tailroom (vmalloc) */
	size_t room_len;
};

struct uvc_sealcam {
	struct sealcam_source src;
	struct uvc_streaming *stream;
	/* frames reach sealcam in the order they completed */
	struct workqueue_struct *wq;
	struct uvc_sealcam_buf bufs[UVC_SEALCAM_BUFS];
	u32 sizeimage;
	bool compressed;
	bool copy;		/* sealcam_copy, as it was at start */
	bool streaming;		/* under stream->queue.irqlock */
	bool registered;
	char name[48];
};

/* Back on the irqqueue, empty, unless streaming stopped meanwhile. */
static void uvc_sealcam_requeue(struct uvc_sealcam *sc,
				struct uvc_sealcam_buf *sb)
{
	struct uvc_video_queue *queue = &sc->stream->queue;
	struct uvc_buffer *buf = &sb->buf;
	unsigned long flags;

	buf->error = 0;
	buf->bytesused = 0;
	buf->state = UVC_BUF_STATE_QUEUED;
	kref_init(&buf->ref);
	spin_lock_irqsave(&queue->irqlock, flags);
	if (sc->streaming && !(queue->flags & UVC_QUEUE_DISCONNECTED))
		list_add_tail(&buf->queue, &queue->irqqueue);
	spin_unlock_irqrestore(&queue->irqlock, flags);
}

/* Seal a completed frame (process context), and put its buffer back. */
static void uvc_sealcam_seal(struct uvc_sealcam_buf *sb)
{
	struct uvc_sealcam *sc = sb->sc;
	struct uvc_buffer *buf = &sb->buf;
	unsigned int used = min(buf->bytesused, buf->length);
	int ret = -EINVAL;

	/*
	 * A frame uvcvideo flagged (short, overrun, device error) is not
	 * sealed: sealcam's sequence shows it as a drop. A compressed frame
	 * (MJPEG) is whatever length the camera sent, up to the largest one
	 * sealcam takes; an empty one is no frame.
	 */
	if (buf->error || !used) {
		;
	} else if (sc->compressed && used > sc->sizeimage) {
		dev_warn_ratelimited(&sc->stream->intf->dev,
				     "a %u-byte JPEG is larger than the %u bytes sealcam takes: dropped\n",
				     used, sc->sizeimage);
	} else if (sc->compressed || used == sc->sizeimage) {
		struct sealcam_source_frame frame = {
			.inplace = buf->mem,
			.len = used,
			/* uvcvideo's: the frame's start (CLOCK_MONOTONIC) */
			.timestamp_ns = buf->buf.vb2_buf.timestamp,
			/* uvcvideo counts every frame it saw start, bad ones too */
			.sequence = buf->buf.sequence,
			.has_sequence = true,
		};

		/* sealed where it lies, in this context (or copied, to test) */
		if (sc->copy)
			ret = sealcam_source_push(&sc->src, &frame);
		else
			ret = sealcam_source_seal(&sc->src, &frame);
		/* -ESTALE: it completed after a newer frame (counted lost) */
		if (ret && ret != -EAGAIN && ret != -ESTALE)
			dev_warn_ratelimited(&sc->stream->intf->dev,
					     "sealcam refused a frame: %d\n", ret);
	}
	/* sealed, it is ciphertext (or zeros); else it is wiped here */
	if (ret || sc->copy)
		memzero_explicit(buf->mem, used);
	uvc_sealcam_requeue(sc, sb);
}

static void uvc_sealcam_work(struct work_struct *work)
{
	uvc_sealcam_seal(container_of(work, struct uvc_sealcam_buf, work));
}

/*
 * Called by uvc_queue.c when uvcvideo completes a sealed buffer outside its
 * copy work (which uses uvc_sealcam_buffer_put() below): in URB completion,
 * atomic context. Sealing may sleep, so it happens in the work item.
 */
void uvc_sealcam_buffer_done(struct uvc_buffer *buf)
{
	struct uvc_sealcam_buf *sb = container_of(buf, struct uvc_sealcam_buf,
						  buf);

	queue_work(sb->sc->wq, &sb->work);
}

static void uvc_sealcam_released(struct kref *ref)
{
	/* the caller learns it from kref_put() and seals the frame itself */
}

/*
 * From uvcvideo's copy work (process context), for a sealed buffer: drop
 * the copy's reference; a frame this completes goes on @done, sealed by
 * uvc_sealcam_seal_list() in the same work once it has resubmitted its URB
 * (so a long seal never holds the URB back), saving the hand-off to the
 * ordered work item that frames completed in URB completion still take.
 */
void uvc_sealcam_buffer_put(struct uvc_buffer *buf, struct list_head *done)
{
	struct uvc_sealcam_buf *sb = container_of(buf, struct uvc_sealcam_buf,
						  buf);

	if (kref_put(&buf->ref, uvc_sealcam_released))
		list_add_tail(&sb->done, done);
}

void uvc_sealcam_seal_list(struct list_head *done)
{
	struct uvc_sealcam_buf *sb, *next;

	list_for_each_entry_safe(sb, next, done, done) {
		list_del_init(&sb->done);
		uvc_sealcam_seal(sb);
	}
}

static void uvc_sealcam_free_bufs(struct uvc_sealcam *sc)
{
	unsigned int i;

	for (i = 0; i < UVC_SEALCAM_BUFS; i++) {
		struct uvc_sealcam_buf *sb = &sc->bufs[i];

		if (sb->room) {
			memzero_explicit(sb->room, sb->room_len);
			vfree(sb->room);
		}
		sb->room = NULL;
		sb->room_len = 0;
		sb->buf.mem = NULL;
		sb->buf.length = 0;
	}
}

static void uvc_sealcam_unqueue(struct uvc_sealcam *sc)
{
	struct uvc_video_queue *queue = &sc->stream->queue;
	unsigned long flags;

	spin_lock_irqsave(&queue->irqlock, flags);
	sc->streaming = false;
	while (!list_empty(&queue->irqqueue))
		list_del(queue->irqqueue.next);
	spin_unlock_irqrestore(&queue->irqlock, flags);
}

static int uvc_sealcam_start(struct sealcam_source *src,
			     const struct sealcam_source_format *sfmt)
{
	struct uvc_sealcam *sc = container_of(src, struct uvc_sealcam, src);
	struct uvc_streaming *stream = sc->stream;
	struct uvc_video_queue *queue = &stream->queue;
	struct v4l2_format fmt = { .type = stream->type };
	struct v4l2_pix_format *pix = &fmt.fmt.pix;
	unsigned long flags;
	unsigned int i;
	u32 len;
	int ret;

	/* awake from here on: the format probe already talks to the device */
	ret = usb_autopm_get_interface(stream->dev->intf);
	if (ret)
		return ret;

	pix->pixelformat = sfmt->pixelformat;
	pix->width = sfmt->width;
	pix->height = sfmt->height;
	pix->field = V4L2_FIELD_NONE;
	ret = uvc_v4l2_set_format(stream, &fmt);
	if (ret)
		goto err_pm;
	sc->compressed = !!(stream->cur_format->flags & UVC_FMT_FLAG_COMPRESSED);
	/*
	 * The camera must produce exactly what the sealed node promised; a
	 * compressed frame's size varies: sealcam's sizeimage is the most it
	 * takes, the camera's (dwMaxVideoFrameSize) the most it may send.
	 */
	if (pix->pixelformat != sfmt->pixelformat ||
	    pix->width != sfmt->width || pix->height != sfmt->height ||
	    pix->bytesperline != sfmt->bytesperline ||
	    (!sc->compressed && pix->sizeimage != sfmt->sizeimage)) {
		dev_info_ratelimited(&stream->intf->dev,
				     "sealcam asks for %ux%u %p4cc, the camera has no such format\n",
				     sfmt->width, sfmt->height,
				     &sfmt->pixelformat);
		ret = -EINVAL;
		goto err_pm;
	}
	sc->sizeimage = sfmt->sizeimage;
	sc->copy = READ_ONCE(sealcam_copy);
	/* sealcam starts no thread and keeps no staging buffer for us */
	sc->src.seals_in_place = !sc->copy;
	if (sc->copy)
		dev_info(&stream->intf->dev,
			 "sealcam_copy: frames are copied to sealcam, sealed by its thread\n");
	/* room for what the camera may send: uvcvideo flags an overrun */
	len = max(stream->ctrl.dwMaxVideoFrameSize, pix->sizeimage);
	if (len < sc->sizeimage)
		len = sc->sizeimage;

	for (i = 0; i < UVC_SEALCAM_BUFS; i++) {
		struct uvc_sealcam_buf *sb = &sc->bufs[i];

		memset(&sb->buf, 0, sizeof(sb->buf));
		sb->buf.sealed = true;
		/* sealcam seals the frame in place: room for its meta and tag */
		sb->room_len = SEALCAM_SOURCE_HEADROOM + len +
			       SEALCAM_SOURCE_TAILROOM;
		sb->room = vzalloc(sb->room_len);
		if (!sb->room) {
			sb->room_len = 0;
			ret = -ENOMEM;
			goto err_free;
		}
		sb->buf.mem = sb->room + SEALCAM_SOURCE_HEADROOM;
		sb->buf.length = len;
		sb->buf.state = UVC_BUF_STATE_QUEUED;
		kref_init(&sb->buf.ref);
	}

	spin_lock_irqsave(&queue->irqlock, flags);
	if (queue->flags & UVC_QUEUE_DISCONNECTED) {
		spin_unlock_irqrestore(&queue->irqlock, flags);
		ret = -ENODEV;
		goto err_free;
	}
	for (i = 0; i < UVC_SEALCAM_BUFS; i++)
		list_add_tail(&sc->bufs[i].buf.queue, &queue->irqqueue);
	sc->streaming = true;
	spin_unlock_irqrestore(&queue->irqlock, flags);
	queue->buf_used = 0;

	ret = uvc_video_start_streaming(stream);
	if (ret)
		goto err_unqueue;
	return 0;

err_unqueue:
	uvc_sealcam_unqueue(sc);
err_free:
	uvc_sealcam_free_bufs(sc);
err_pm:
	usb_autopm_put_interface(stream->dev->intf);
	return ret;
}

static void uvc_sealcam_stop(struct sealcam_source *src)
{
	struct uvc_sealcam *sc = container_of(src, struct uvc_sealcam, src);
	struct uvc_streaming *stream = sc->stream;
	unsigned long flags;
	unsigned int i;

	/*
	 * The buffers stay on the irqqueue until the URBs are stopped: a URB
	 * completing now may hold the current buffer and take it off the
	 * queue itself (uvc_queue_next_buffer()); taking it off here first
	 * would make that a second list_del (seen on 6.12: list corruption
	 * BUG in vhci_rx). Only stop the work from putting buffers back.
	 */
	spin_lock_irqsave(&stream->queue.irqlock, flags);
	sc->streaming = false;
	spin_unlock_irqrestore(&stream->queue.irqlock, flags);
	/* no URB completes after this, no async copy is left */
	uvc_video_stop_streaming(stream);
	for (i = 0; i < UVC_SEALCAM_BUFS; i++)
		cancel_work_sync(&sc->bufs[i].work);
	uvc_sealcam_unqueue(sc);
	uvc_sealcam_free_bufs(sc);
	usb_autopm_put_interface(stream->dev->intf);
}

/* Does the webcam offer @pixelformat (MJPEG: sealcam asks)? */
static bool uvc_sealcam_has_format(struct sealcam_source *src, u32 pixelformat)
{
	struct uvc_sealcam *sc = container_of(src, struct uvc_sealcam, src);
	struct uvc_streaming *stream = sc->stream;
	unsigned int i;

	/*
	 * The one version test of this file, which is built for two kernels:
	 * uvcvideo renamed stream->format to ->formats between 6.1 and 6.12.
	 */
	for (i = 0; i < stream->nformats; i++) {
#if KERNEL_VERSION(6, 6, 0) <= LINUX_VERSION_CODE
		const struct uvc_format *format = &stream->formats[i];
#else
		const struct uvc_format *format = &stream->format[i];
#endif
		if (format->fcc == pixelformat && format->nframes)
			return true;
	}
	return false;
}

static const struct sealcam_source_ops uvc_sealcam_ops = {
	.start = uvc_sealcam_start,
	.stop = uvc_sealcam_stop,
	.has_format = uvc_sealcam_has_format,
};

int uvc_sealcam_register(struct uvc_streaming *stream)
{
	struct uvc_sealcam *sc;
	unsigned int i;
	int ret;

	if (stream->sealcam)
		return 0;
	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return -ENOMEM;
	sc->stream = stream;
	for (i = 0; i < UVC_SEALCAM_BUFS; i++) {
		sc->bufs[i].sc = sc;
		INIT_WORK(&sc->bufs[i].work, uvc_sealcam_work);
	}
	sc->wq = alloc_ordered_workqueue("uvc-sealcam", 0);
	if (!sc->wq) {
		kfree(sc);
		return -ENOMEM;
	}
	snprintf(sc->name, sizeof(sc->name), "uvcvideo %s",
		 dev_name(&stream->intf->dev));
	sc->src.name = sc->name;
	sc->src.owner = THIS_MODULE;
	sc->src.ops = &uvc_sealcam_ops;
	sc->src.priv = stream;
	/* set first: the raw node refuses buffers from its first ioctl on */
	stream->sealcam = sc;
	ret = sealcam_source_register(&sc->src, sealcam_camera);
	if (ret) {
		dev_err(&stream->intf->dev,
			"sealcam camera %u cannot take this webcam (%d): not registering it, frames are never delivered unsealed\n",
			sealcam_camera, ret);
		return ret;	/* uvc_sealcam_unregister() frees sc */
	}
	sc->registered = true;
	return 0;
}

void uvc_sealcam_unregister(struct uvc_streaming *stream)
{
	struct uvc_sealcam *sc = stream->sealcam;

	if (!sc)
		return;
	if (sc->registered)
		sealcam_source_unregister(&sc->src);	/* stops a stream */
	sc->registered = false;
	if (sc->wq)
		destroy_workqueue(sc->wq);
	sc->wq = NULL;
	/*
	 * stream->sealcam stays set (sc is freed with the stream, in
	 * uvc_stream_delete()) so that the raw node keeps refusing buffers
	 * until it is gone.
	 */
}
