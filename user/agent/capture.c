// SPDX-License-Identifier: MIT
/*
 * Capture: V4L2 MMAP streaming. Every dequeued buffer is one sealed frame
 * (ciphertext; the agent cannot read a pixel); it goes to the spool at once
 * and the buffer is queued again.
 *
 * A buffer is mapped only while its frame is written to the spool. vb2
 * maps a buffer's pages all at once, so N buffers kept mapped would count
 * N whole frames in the agent's resident memory (six 1280x720 frames are
 * 11 MiB); mapped one at a time it is one frame. The mmap/munmap pair per
 * frame costs a few microseconds against milliseconds of sealing.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include "capture.h"
#include "live.h"
#include "nl.h"

#define MAX_BUFS 32

struct capture {
	int fd;
	const struct agent_config *c;
	struct {
		off_t offset;	/* mmap offset from QUERYBUF */
		size_t len;
	} bufs[MAX_BUFS];
	unsigned int n_bufs;
	bool streaming;
	char node[64];		/* "video0" */
	struct live *live;	/* --live, or NULL */
};

void capture_set_live(struct capture *cp, struct live *lv)
{
	cp->live = lv;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

int capture_open(struct capture **out, const struct agent_config *c,
		 char *err, size_t errlen)
{
	struct v4l2_requestbuffers rb = { 0 };
	struct v4l2_capability cap = { 0 };
	struct v4l2_streamparm parm = { 0 };
	struct v4l2_format fmt = { 0 };
	struct capture *cp;
	char real[PATH_MAX];
	struct stat st;
	unsigned int i;

	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return -1;
	cp->c = c;
	cp->fd = open(c->device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (cp->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", c->device, strerror(errno));
		goto fail;
	}
	if (fstat(cp->fd, &st) || !S_ISCHR(st.st_mode) ||
	    xioctl(cp->fd, VIDIOC_QUERYCAP, &cap)) {
		snprintf(err, errlen, "%s is not a sealcam camera: not a V4L2 device",
			 c->device);
		goto fail;
	}
	if (strcmp((const char *)cap.driver, "sealcam")) {
		snprintf(err, errlen, "%s is not a sealcam camera (driver \"%.16s\", "
			 "card \"%.32s\"): refusing to capture anything but sealed "
			 "frames", c->device, cap.driver, cap.card);
		goto fail;
	}
	if (!((cap.device_caps ? cap.device_caps : cap.capabilities) &
	      V4L2_CAP_STREAMING)) {
		snprintf(err, errlen, "%s cannot stream", c->device);
		goto fail;
	}
	if (realpath(c->device, real))
		snprintf(cp->node, sizeof(cp->node), "%s", basename(real));

	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	fmt.fmt.pix.width = c->width;
	fmt.fmt.pix.height = c->height;
	fmt.fmt.pix.pixelformat = c->pixfmt;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(cp->fd, VIDIOC_S_FMT, &fmt)) {
		snprintf(err, errlen, "%s: cannot set the format: %s", c->device,
			 strerror(errno));
		goto fail;
	}
	if (fmt.fmt.pix.pixelformat != c->pixfmt) {
		snprintf(err, errlen, "%s does not offer the sealed format asked for",
			 c->device);
		goto fail;
	}
	if (fmt.fmt.pix.width != c->width || fmt.fmt.pix.height != c->height)
		agent_log("%s: size %ux%u adjusted to %ux%u", c->device, c->width,
			  c->height, fmt.fmt.pix.width, fmt.fmt.pix.height);
	parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = c->fps;
	if (xioctl(cp->fd, VIDIOC_S_PARM, &parm))
		agent_log("%s: cannot set %u fps: %s", c->device, c->fps,
			  strerror(errno));

	rb.count = c->buffers;
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_MMAP;
	if (xioctl(cp->fd, VIDIOC_REQBUFS, &rb) || rb.count < 2) {
		snprintf(err, errlen, "%s: cannot get MMAP buffers: %s", c->device,
			 strerror(errno));
		goto fail;
	}
	cp->n_bufs = rb.count > MAX_BUFS ? MAX_BUFS : rb.count;
	for (i = 0; i < cp->n_bufs; i++) {
		struct v4l2_buffer b = { 0 };

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (xioctl(cp->fd, VIDIOC_QUERYBUF, &b)) {
			snprintf(err, errlen, "%s: QUERYBUF: %s", c->device,
				 strerror(errno));
			goto fail;
		}
		cp->bufs[i].len = b.length;
		cp->bufs[i].offset = b.m.offset;
	}
	/* the buffers are mapped one at a time later; check now that they can be */
	for (i = 0; i < cp->n_bufs; i++) {
		void *p = mmap(NULL, cp->bufs[i].len, PROT_READ, MAP_SHARED, cp->fd,
			       cp->bufs[i].offset);

		if (p == MAP_FAILED) {
			snprintf(err, errlen, "%s: mmap: %s", c->device, strerror(errno));
			goto fail;
		}
		munmap(p, cp->bufs[i].len);
	}
	agent_log("%s: %ux%u sealed %.4s, %u fps, %u buffers of %u bytes",
		  c->device, fmt.fmt.pix.width, fmt.fmt.pix.height,
		  (const char *)&fmt.fmt.pix.pixelformat, c->fps, cp->n_bufs,
		  fmt.fmt.pix.sizeimage);
	*out = cp;
	return 0;
fail:
	capture_close(cp);
	return -1;
}

int capture_start(struct capture *cp, char *err, size_t errlen)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int i;

	for (i = 0; i < cp->n_bufs; i++) {
		struct v4l2_buffer b = { 0 };

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (xioctl(cp->fd, VIDIOC_QBUF, &b)) {
			snprintf(err, errlen, "%s: QBUF: %s", cp->c->device,
				 strerror(errno));
			return -1;
		}
	}
	if (xioctl(cp->fd, VIDIOC_STREAMON, &type)) {
		snprintf(err, errlen, "%s: cannot start streaming: %s%s",
			 cp->c->device, strerror(errno),
			 errno == ENOKEY ? " (no owner key installed: the camera "
			 "never streams unsealed)" : "");
		return -1;
	}
	cp->streaming = true;
	return 0;
}

/* Dequeue every ready buffer. Returns frames handled, or -1. */
static int drain(struct capture *cp, struct spool *sp, bool *saw_last)
{
	int n = 0;

	for (;;) {
		struct v4l2_buffer b = { 0 };

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		if (xioctl(cp->fd, VIDIOC_DQBUF, &b)) {
			if (errno == EAGAIN)
				return n;
			agent_error("%s: DQBUF: %s", cp->c->device, strerror(errno));
			return -1;
		}
		if (b.index < cp->n_bufs && !(b.flags & V4L2_BUF_FLAG_ERROR) &&
		    b.bytesused <= cp->bufs[b.index].len) {
			size_t maplen = cp->bufs[b.index].len;
			unsigned char *p = mmap(NULL, maplen, PROT_READ, MAP_SHARED,
						cp->fd, cp->bufs[b.index].offset);
			struct agent_frame_info fi;
			int r;

			if (p == MAP_FAILED) {
				agent_error("%s: mmap buffer %u: %s", cp->c->device,
					    b.index, strerror(errno));
				return -1;
			}
			r = spool_frame(sp, p, b.bytesused);
			/* after the spool has it: the recording comes first */
			if (!r && cp->live)
				live_frame(cp->live, p, b.bytesused,
					   (b.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) ==
					   V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC ?
					   (uint64_t)b.timestamp.tv_sec * 1000000000ull +
					   (uint64_t)b.timestamp.tv_usec * 1000ull : 0);
			if (!r && saw_last && !agent_frame_info(p, b.bytesused, &fi) &&
			    (fi.flags & SEALCAM_F_LAST))
				*saw_last = true;
			munmap(p, maplen);
			if (r)
				return -1;
		} else {
			agent_error("%s: buffer %u came back with an error",
				    cp->c->device, b.index);
		}
		n++;
		if (xioctl(cp->fd, VIDIOC_QBUF, &b)) {
			agent_error("%s: QBUF: %s", cp->c->device, strerror(errno));
			return -1;
		}
		/* a clean stop ends at LAST: the next segment's frames stay */
		if (saw_last && *saw_last)
			return n;
	}
}

int capture_poll(struct capture *cp, struct spool *sp, int timeout_ms)
{
	struct pollfd pfd = { .fd = cp->fd, .events = POLLIN };
	int r = poll(&pfd, 1, timeout_ms);

	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (!r)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP)) {
		agent_error("%s: device error (unplugged or module unloaded?)",
			    cp->c->device);
		return -1;
	}
	return drain(cp, sp, NULL) < 0 ? -1 : 0;
}

/* The camera index of our node, from the module's status list. */
static int camera_index(struct sc_nl *nl, const char *node)
{
	struct sc_nl_status st[16];
	unsigned int n = 0, i;

	if (sc_nl_status(nl, st, 16, &n))
		return -1;
	for (i = 0; i < n && i < 16; i++)
		if (!strcmp(st[i].node, node))
			return (int)st[i].camera;
	return -1;
}

int capture_rotate(struct capture *cp)
{
	struct sc_nl nl;
	int cam, r;

	r = sc_nl_open(&nl);
	if (r)
		return r;
	cam = camera_index(&nl, cp->node);
	r = cam < 0 ? -ENODEV : sc_nl_rotate(&nl, cam);
	sc_nl_close(&nl);
	return r;
}

void capture_stop(struct capture *cp, struct spool *sp)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct sc_nl nl;
	bool last = false;
	int cam, r;

	if (!cp->streaming)
		return;
	/* Ask the module to end the segment, so that it closes with LAST. */
	if (spool_segment_open(sp) && cp->c->stop_timeout_ms > 0) {
		r = sc_nl_open(&nl);
		if (!r) {
			cam = camera_index(&nl, cp->node);
			r = cam < 0 ? -ENODEV : sc_nl_rotate(&nl, cam);
			sc_nl_close(&nl);
		}
		if (r) {
			agent_log("cannot ask the module to end the segment (%s); "
				  "it is finalised truncated", strerror(-r));
		} else {
			uint64_t end = agent_now_ms() + cp->c->stop_timeout_ms;

			while (!last && spool_segment_open(sp) &&
			       agent_now_ms() < end) {
				struct pollfd pfd = { .fd = cp->fd, .events = POLLIN };

				if (poll(&pfd, 1, 100) > 0 && drain(cp, sp, &last) < 0)
					break;
			}
		}
	}
	xioctl(cp->fd, VIDIOC_STREAMOFF, &type);
	cp->streaming = false;
	pthread_mutex_lock(&agent_stats.lock);
	agent_log("%s: streaming stopped after %llu frames",
		  cp->c->device, (unsigned long long)agent_stats.frames);
	pthread_mutex_unlock(&agent_stats.lock);
	spool_finalise_open(sp);
}

void capture_close(struct capture *cp)
{
	if (!cp)
		return;
	if (cp->fd >= 0)
		close(cp->fd);
	free(cp);
}
