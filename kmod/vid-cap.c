// SPDX-License-Identifier: GPL-2.0
/*
 * sealcam V4L2 capture side: sealed pixel formats, frame sizes and
 * intervals, the test pattern control and the vb2 queue.
 *
 * The sealed formats carry a variable-length payload (the first frame of a
 * segment also carries the recipients' wrapped keys), so they are flagged
 * V4L2_FMT_FLAG_COMPRESSED with bytesperline 0, and sizeimage is the largest
 * sealed frame any recipient set can produce.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <media/v4l2-common.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-vmalloc.h>

#include "sealcam.h"
#include "camera.h"
#include "include/sealcam_source.h"

#define SC_DEFAULT_WIDTH	640
#define SC_DEFAULT_HEIGHT	480
#define SC_DEFAULT_FPS		30
#define SC_READ_BUFFERS		3

static const struct sc_format sc_formats[] = {
	{
		.sealed = SEALCAM_PIX_FMT_YUYV,
		.plain = SEALCAM_PLAIN_YUYV,
		.description = "Sealed YUYV 4:2:2",
		.bytes_per_pixel = 2,
		.size_num = 1,
		.size_den = 1,
		.quantization = V4L2_QUANTIZATION_LIM_RANGE,
	},
	{
		.sealed = SEALCAM_PIX_FMT_NV12,
		.plain = SEALCAM_PLAIN_NV12,
		.description = "Sealed Y/UV 4:2:0",
		.bytes_per_pixel = 1,
		.size_num = 3,
		.size_den = 2,
		.quantization = V4L2_QUANTIZATION_LIM_RANGE,
	},
	{
		.sealed = SEALCAM_PIX_FMT_GREY,
		.plain = SEALCAM_PLAIN_GREY,
		.description = "Sealed 8-bit Greyscale",
		.bytes_per_pixel = 1,
		.size_num = 1,
		.size_den = 1,
		/* the tpg renders luma-only formats full range */
		.quantization = V4L2_QUANTIZATION_FULL_RANGE,
	},
	{
		/*
		 * The camera's own JPEGs, sealed as they come; offered only
		 * while the attached source can produce them. Frames take
		 * at most the size of the same picture in YUYV.
		 */
		.sealed = SEALCAM_PIX_FMT_MJPG,
		.plain = SEALCAM_PLAIN_MJPG,
		.description = "Sealed Motion-JPEG",
		.bytes_per_pixel = 2,
		.size_num = 1,
		.size_den = 1,
		.quantization = V4L2_QUANTIZATION_FULL_RANGE,
		.compressed = true,
	},
};

struct sc_frame_size {
	u32 width;
	u32 height;
};

static const struct sc_frame_size sc_frame_sizes[] = {
	{ 160, 120 },
	{ 320, 240 },
	{ 640, 480 },
	{ 800, 600 },
	{ 1280, 720 },
	{ 1920, 1080 },
};

static const struct sc_format *sc_find_format(u32 pixelformat)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sc_formats); i++)
		if (sc_formats[i].sealed == pixelformat)
			return &sc_formats[i];
	return NULL;
}

/*
 * The test pattern renders the uncompressed formats; a compressed one comes
 * only from an attached source that says it produces it. cam->lock held
 * (it guards cam->src).
 */
bool sc_format_available(struct sc_camera *cam, const struct sc_format *fmt)
{
	lockdep_assert_held(&cam->lock);
	if (!fmt->compressed)
		return true;
	return cam->src && cam->src->ops->has_format &&
	       cam->src->ops->has_format(cam->src, fmt->plain);
}

/* A format the node offers now, or NULL. */
static const struct sc_format *sc_find_available(struct sc_camera *cam,
						 u32 pixelformat)
{
	const struct sc_format *fmt = sc_find_format(pixelformat);

	return fmt && sc_format_available(cam, fmt) ? fmt : NULL;
}

static bool sc_size_supported(u32 width, u32 height)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sc_frame_sizes); i++)
		if (sc_frame_sizes[i].width == width &&
		    sc_frame_sizes[i].height == height)
			return true;
	return false;
}

static u32 sc_plain_bpl(const struct sc_format *fmt, u32 width)
{
	return fmt->compressed ? 0 : width * fmt->bytes_per_pixel;
}

/* Pixel bytes of a frame; for a compressed format the most it may take. */
static u32 sc_plain_size(const struct sc_format *fmt, u32 width, u32 height)
{
	return width * fmt->bytes_per_pixel * height * fmt->size_num /
	       fmt->size_den;
}

static u32 sc_sizeimage(const struct sc_format *fmt, u32 width, u32 height)
{
	return sc_sealed_max(SEALCAM_META_LEN +
			     sc_plain_size(fmt, width, height));
}

/* Snap a requested format to a supported one (@fmt: NULL = default). */
static const struct sc_format *sc_adjust_format(struct v4l2_pix_format *pix,
						const struct sc_format *fmt)
{
	const struct sc_frame_size *size;

	if (!fmt)
		fmt = &sc_formats[0];
	size = v4l2_find_nearest_size(sc_frame_sizes,
				      ARRAY_SIZE(sc_frame_sizes), width,
				      height, pix->width, pix->height);

	pix->pixelformat = fmt->sealed;
	pix->width = size->width;
	pix->height = size->height;
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = 0;
	pix->sizeimage = sc_sizeimage(fmt, size->width, size->height);
	pix->colorspace = V4L2_COLORSPACE_SRGB;
	pix->xfer_func = V4L2_XFER_FUNC_SRGB;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_601;
	pix->quantization = fmt->quantization;
	pix->flags = 0;
	pix->priv = 0;
	return fmt;
}

/* Point the tpg at the current format; only while not streaming. */
static void sc_apply_format(struct sc_camera *cam, const struct sc_format *fmt,
			    u32 width, u32 height)
{
	cam->fmt = fmt;
	cam->width = width;
	cam->height = height;
	cam->bytesperline = sc_plain_bpl(fmt, width);
	cam->plain_size = sc_plain_size(fmt, width, height);
	cam->sizeimage = sc_sizeimage(fmt, width, height);

	if (fmt->compressed)
		return;		/* a source's format: the tpg renders none */
	tpg_s_fourcc(&cam->tpg, fmt->plain);
	tpg_reset_source(&cam->tpg, width, height, V4L2_FIELD_NONE);
	tpg_s_field(&cam->tpg, V4L2_FIELD_NONE, false);
	tpg_s_buf_height(&cam->tpg, height);
	tpg_s_bytesperline(&cam->tpg, 0, cam->bytesperline);
	tpg_s_colorspace(&cam->tpg, V4L2_COLORSPACE_SRGB);
	tpg_s_xfer_func(&cam->tpg, V4L2_XFER_FUNC_SRGB);
	tpg_s_ycbcr_enc(&cam->tpg, V4L2_YCBCR_ENC_601);
	tpg_s_quantization(&cam->tpg, fmt->quantization);
	tpg_update_mv_step(&cam->tpg);
}

/*
 * The source that offered the current (compressed) format went away: back
 * to the default, unless buffers are allocated for it (then streaming it
 * fails, sc_capture_start, until userspace sets a format). cam->lock held.
 */
void sc_format_revalidate(struct sc_camera *cam)
{
	lockdep_assert_held(&cam->lock);
	if (sc_format_available(cam, cam->fmt) || vb2_is_busy(&cam->queue))
		return;
	sc_apply_format(cam, &sc_formats[0], cam->width, cam->height);
}

/* ---- ioctls ---- */

static int sc_querycap(struct file *file, void *priv,
		       struct v4l2_capability *cap)
{
	struct sc_camera *cam = video_drvdata(file);

	strscpy(cap->driver, SC_DRV_NAME, sizeof(cap->driver));
	snprintf(cap->card, sizeof(cap->card), "sealcam sealed camera %u",
		 cam->index);
	snprintf(cap->bus_info, sizeof(cap->bus_info), "platform:%s-%u",
		 SC_DRV_NAME, cam->index);
	return 0;
}

static int sc_enum_fmt(struct file *file, void *priv, struct v4l2_fmtdesc *f)
{
	struct sc_camera *cam = video_drvdata(file);
	const struct sc_format *fmt = NULL;
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(sc_formats); i++) {
		if (!sc_format_available(cam, &sc_formats[i]))
			continue;
		if (n++ == f->index) {
			fmt = &sc_formats[i];
			break;
		}
	}
	if (!fmt)
		return -EINVAL;
	f->pixelformat = fmt->sealed;
	f->flags = V4L2_FMT_FLAG_COMPRESSED;
	strscpy(f->description, fmt->description, sizeof(f->description));
	return 0;
}

static int sc_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct sc_camera *cam = video_drvdata(file);
	struct v4l2_pix_format *pix = &f->fmt.pix;

	pix->width = cam->width;
	pix->height = cam->height;
	sc_adjust_format(pix, cam->fmt);
	return 0;
}

static int sc_try_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct sc_camera *cam = video_drvdata(file);

	sc_adjust_format(&f->fmt.pix,
			 sc_find_available(cam, f->fmt.pix.pixelformat));
	return 0;
}

static int sc_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct sc_camera *cam = video_drvdata(file);
	const struct sc_format *fmt;

	fmt = sc_adjust_format(&f->fmt.pix,
			       sc_find_available(cam, f->fmt.pix.pixelformat));
	if (vb2_is_busy(&cam->queue))
		return -EBUSY;
	sc_apply_format(cam, fmt, f->fmt.pix.width, f->fmt.pix.height);
	return 0;
}

static int sc_enum_framesizes(struct file *file, void *priv,
			      struct v4l2_frmsizeenum *fsize)
{
	struct sc_camera *cam = video_drvdata(file);

	if (!sc_find_available(cam, fsize->pixel_format))
		return -EINVAL;
	if (fsize->index >= ARRAY_SIZE(sc_frame_sizes))
		return -EINVAL;
	fsize->type = V4L2_FRMSIZE_TYPE_DISCRETE;
	fsize->discrete.width = sc_frame_sizes[fsize->index].width;
	fsize->discrete.height = sc_frame_sizes[fsize->index].height;
	return 0;
}

static int sc_enum_frameintervals(struct file *file, void *priv,
				  struct v4l2_frmivalenum *fival)
{
	struct sc_camera *cam = video_drvdata(file);

	if (fival->index)
		return -EINVAL;
	if (!sc_find_available(cam, fival->pixel_format))
		return -EINVAL;
	if (!sc_size_supported(fival->width, fival->height))
		return -EINVAL;
	fival->type = V4L2_FRMIVAL_TYPE_CONTINUOUS;
	fival->stepwise.min.numerator = 1;
	fival->stepwise.min.denominator = SEALCAM_MAX_FPS;
	fival->stepwise.max.numerator = 1;
	fival->stepwise.max.denominator = 1;
	fival->stepwise.step.numerator = 1;
	fival->stepwise.step.denominator = 1;
	return 0;
}

static int sc_g_parm(struct file *file, void *priv, struct v4l2_streamparm *parm)
{
	struct sc_camera *cam = video_drvdata(file);
	struct v4l2_captureparm *cp = &parm->parm.capture;

	if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	cp->capability = V4L2_CAP_TIMEPERFRAME;
	cp->capturemode = 0;
	cp->extendedmode = 0;
	cp->readbuffers = SC_READ_BUFFERS;
	spin_lock(&cam->qlock);
	cp->timeperframe = cam->timeperframe;
	spin_unlock(&cam->qlock);
	return 0;
}

/* Clamp to 1..SEALCAM_MAX_FPS frames per second, keeping the fraction. */
static struct v4l2_fract sc_clamp_interval(struct v4l2_fract tpf)
{
	if (!tpf.numerator || !tpf.denominator) {
		tpf.numerator = 1;
		tpf.denominator = SC_DEFAULT_FPS;
	} else if ((u64)tpf.numerator * SEALCAM_MAX_FPS < tpf.denominator) {
		tpf.numerator = 1;
		tpf.denominator = SEALCAM_MAX_FPS;
	} else if (tpf.numerator > tpf.denominator) {
		tpf.numerator = 1;
		tpf.denominator = 1;
	}
	return tpf;
}

static int sc_s_parm(struct file *file, void *priv, struct v4l2_streamparm *parm)
{
	struct sc_camera *cam = video_drvdata(file);
	struct v4l2_fract tpf;

	if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	tpf = sc_clamp_interval(parm->parm.capture.timeperframe);
	spin_lock(&cam->qlock);
	cam->timeperframe = tpf;
	spin_unlock(&cam->qlock);
	return sc_g_parm(file, priv, parm);
}

static int sc_enum_input(struct file *file, void *priv, struct v4l2_input *inp)
{
	if (inp->index)
		return -EINVAL;
	inp->type = V4L2_INPUT_TYPE_CAMERA;
	strscpy(inp->name, "Sealed sensor", sizeof(inp->name));
	return 0;
}

static int sc_g_input(struct file *file, void *priv, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int sc_s_input(struct file *file, void *priv, unsigned int i)
{
	return i ? -EINVAL : 0;
}

static const struct v4l2_ioctl_ops sc_ioctl_ops = {
	.vidioc_querycap		= sc_querycap,
	.vidioc_enum_fmt_vid_cap	= sc_enum_fmt,
	.vidioc_g_fmt_vid_cap		= sc_g_fmt,
	.vidioc_try_fmt_vid_cap		= sc_try_fmt,
	.vidioc_s_fmt_vid_cap		= sc_s_fmt,
	.vidioc_enum_framesizes		= sc_enum_framesizes,
	.vidioc_enum_frameintervals	= sc_enum_frameintervals,
	.vidioc_g_parm			= sc_g_parm,
	.vidioc_s_parm			= sc_s_parm,
	.vidioc_enum_input		= sc_enum_input,
	.vidioc_g_input			= sc_g_input,
	.vidioc_s_input			= sc_s_input,

	.vidioc_reqbufs			= vb2_ioctl_reqbufs,
	.vidioc_create_bufs		= vb2_ioctl_create_bufs,
	.vidioc_prepare_buf		= vb2_ioctl_prepare_buf,
	.vidioc_querybuf		= vb2_ioctl_querybuf,
	.vidioc_qbuf			= vb2_ioctl_qbuf,
	.vidioc_dqbuf			= vb2_ioctl_dqbuf,
	.vidioc_expbuf			= vb2_ioctl_expbuf,
	.vidioc_streamon		= vb2_ioctl_streamon,
	.vidioc_streamoff		= vb2_ioctl_streamoff,

	.vidioc_log_status		= v4l2_ctrl_log_status,
	.vidioc_subscribe_event		= v4l2_ctrl_subscribe_event,
	.vidioc_unsubscribe_event	= v4l2_event_unsubscribe,
};

/* ---- controls ---- */

static int sc_s_ctrl(struct v4l2_ctrl *ctrl)
{
	struct sc_camera *cam = container_of(ctrl->handler, struct sc_camera,
					     ctrls);

	switch (ctrl->id) {
	case V4L2_CID_TEST_PATTERN:
		/* The capture thread applies it before the next frame. */
		WRITE_ONCE(cam->pattern, ctrl->val);
		return 0;
	default:
		return -EINVAL;
	}
}

static const struct v4l2_ctrl_ops sc_ctrl_ops = {
	.s_ctrl = sc_s_ctrl,
};

/* ---- vb2 queue ---- */

static int sc_queue_setup(struct vb2_queue *vq, unsigned int *nbuffers,
			  unsigned int *nplanes, unsigned int sizes[],
			  struct device *alloc_devs[])
{
	struct sc_camera *cam = vb2_get_drv_priv(vq);

	if (*nplanes)
		return *nplanes != 1 || sizes[0] < cam->sizeimage ? -EINVAL : 0;
	*nplanes = 1;
	sizes[0] = cam->sizeimage;
	return 0;
}

static int sc_buf_prepare(struct vb2_buffer *vb)
{
	struct sc_camera *cam = vb2_get_drv_priv(vb->vb2_queue);

	if (vb2_plane_size(vb, 0) < cam->sizeimage)
		return -EINVAL;
	return 0;
}

static void sc_buf_queue(struct vb2_buffer *vb)
{
	struct sc_camera *cam = vb2_get_drv_priv(vb->vb2_queue);
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct sc_buffer *buf = container_of(vbuf, struct sc_buffer, vb);

	spin_lock(&cam->qlock);
	list_add_tail(&buf->list, &cam->buf_list);
	spin_unlock(&cam->qlock);
}

static void sc_return_all_buffers(struct sc_camera *cam,
				  enum vb2_buffer_state state)
{
	struct sc_buffer *buf, *tmp;
	LIST_HEAD(bufs);

	spin_lock(&cam->qlock);
	list_splice_init(&cam->buf_list, &bufs);
	spin_unlock(&cam->qlock);

	list_for_each_entry_safe(buf, tmp, &bufs, list) {
		list_del(&buf->list);
		vb2_buffer_done(&buf->vb.vb2_buf, state);
	}
}

static int sc_start_streaming(struct vb2_queue *vq, unsigned int count)
{
	struct sc_camera *cam = vb2_get_drv_priv(vq);
	int ret;

	/*
	 * vb2_dqbuf() marks the queue "last buffer dequeued" from the caller's
	 * flags even when the dequeue itself failed, and only STREAMOFF clears
	 * the mark: one bogus DQBUF from an earlier user must not make every
	 * later stream fail with EPIPE.
	 */
	vq->last_buffer_dequeued = false;
	ret = sc_capture_start(cam);
	if (ret)
		sc_return_all_buffers(cam, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void sc_stop_streaming(struct vb2_queue *vq)
{
	struct sc_camera *cam = vb2_get_drv_priv(vq);

	sc_capture_stop(cam);
	sc_return_all_buffers(cam, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops sc_vb2_ops = {
	.queue_setup		= sc_queue_setup,
	.buf_prepare		= sc_buf_prepare,
	.buf_queue		= sc_buf_queue,
	.start_streaming	= sc_start_streaming,
	.stop_streaming		= sc_stop_streaming,
#ifdef SC_VB2_WAIT_HOOKS
	/* Set by Kbuild; newer vb2 drops q->lock around waits by itself. */
	.wait_prepare		= vb2_ops_wait_prepare,
	.wait_finish		= vb2_ops_wait_finish,
#endif
};

int sc_vid_cap_init(struct sc_camera *cam)
{
	struct v4l2_ctrl_handler *hdl = &cam->ctrls;
	struct video_device *vdev = &cam->vdev;
	struct vb2_queue *q = &cam->queue;
	int ret;

	cam->timeperframe.numerator = 1;
	cam->timeperframe.denominator = SC_DEFAULT_FPS;
	cam->pattern = TPG_PAT_75_COLORBAR;
	sc_apply_format(cam, &sc_formats[0], SC_DEFAULT_WIDTH,
			SC_DEFAULT_HEIGHT);

	v4l2_ctrl_handler_init(hdl, 1);
	v4l2_ctrl_new_std_menu_items(hdl, &sc_ctrl_ops, V4L2_CID_TEST_PATTERN,
				     TPG_PAT_NOISE, 0, cam->pattern,
				     tpg_pattern_strings);
	if (hdl->error) {
		ret = hdl->error;
		v4l2_ctrl_handler_free(hdl);
		return ret;
	}
	cam->v4l2_dev.ctrl_handler = hdl;

	q->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_USERPTR | VB2_DMABUF | VB2_READ;
	q->drv_priv = cam;
	q->buf_struct_size = sizeof(struct sc_buffer);
	q->ops = &sc_vb2_ops;
	q->mem_ops = &vb2_vmalloc_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
			     V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	q->lock = &cam->lock;
	ret = vb2_queue_init(q);
	if (ret) {
		v4l2_ctrl_handler_free(hdl);
		return ret;
	}

	snprintf(vdev->name, sizeof(vdev->name), "sealcam-%u", cam->index);
	vdev->fops = &sc_fops;
	vdev->ioctl_ops = &sc_ioctl_ops;
	vdev->release = video_device_release_empty;
	vdev->v4l2_dev = &cam->v4l2_dev;
	vdev->queue = q;
	vdev->lock = &cam->lock;
	vdev->vfl_dir = VFL_DIR_RX;
	vdev->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING |
			    V4L2_CAP_READWRITE;
	video_set_drvdata(vdev, cam);
	return 0;
}

void sc_vid_cap_free(struct sc_camera *cam)
{
	v4l2_ctrl_handler_free(&cam->ctrls);
}
