// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz - test tool: throw a few thousand random V4L2 ioctls at a
 * device node: every VIDIOC_* request with random argument bytes, random
 * request numbers of the 'V' type, bad pointers, and stream state changes in
 * between. The kernel must answer each with an error or a result; the VM
 * suite's dmesg check fails the run on any WARN, BUG or oops.
 *
 * usage: ioctl_fuzz DEV ITERATIONS SEED
 * Prints how many calls succeeded and failed; exits 0 unless the node
 * itself could not be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/videodev2.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed on failure */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static const unsigned long requests[] = {
	VIDIOC_QUERYCAP, VIDIOC_ENUM_FMT, VIDIOC_G_FMT, VIDIOC_S_FMT,
	VIDIOC_TRY_FMT, VIDIOC_REQBUFS, VIDIOC_QUERYBUF, VIDIOC_QBUF,
	VIDIOC_DQBUF, VIDIOC_EXPBUF, VIDIOC_STREAMON, VIDIOC_STREAMOFF,
	VIDIOC_G_PARM, VIDIOC_S_PARM, VIDIOC_ENUMINPUT, VIDIOC_G_INPUT,
	VIDIOC_S_INPUT, VIDIOC_QUERYCTRL, VIDIOC_QUERY_EXT_CTRL,
	VIDIOC_QUERYMENU, VIDIOC_G_CTRL, VIDIOC_S_CTRL, VIDIOC_G_EXT_CTRLS,
	VIDIOC_S_EXT_CTRLS, VIDIOC_TRY_EXT_CTRLS, VIDIOC_ENUM_FRAMESIZES,
	VIDIOC_ENUM_FRAMEINTERVALS, VIDIOC_CREATE_BUFS, VIDIOC_PREPARE_BUF,
	VIDIOC_G_PRIORITY, VIDIOC_S_PRIORITY, VIDIOC_LOG_STATUS,
	VIDIOC_SUBSCRIBE_EVENT, VIDIOC_UNSUBSCRIBE_EVENT, VIDIOC_DQEVENT,
	VIDIOC_G_SELECTION, VIDIOC_S_SELECTION, VIDIOC_ENUMSTD, VIDIOC_G_STD,
	VIDIOC_S_STD, VIDIOC_QUERYSTD, VIDIOC_G_TUNER, VIDIOC_ENUMAUDIO,
	VIDIOC_G_JPEGCOMP, VIDIOC_CROPCAP, VIDIOC_G_CROP, VIDIOC_S_CROP,
	VIDIOC_G_EDID, VIDIOC_DBG_G_CHIP_INFO, VIDIOC_ENUM_DV_TIMINGS,
};

int main(int argc, char **argv)
{
	static unsigned char arg[16384] __attribute__((aligned(64)));
	unsigned long ok = 0, failed = 0, iters, i;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: ioctl_fuzz DEV ITERATIONS SEED\n");
		return 2;
	}
	iters = strtoul(argv[2], NULL, 0);
	rng_state = strtoull(argv[3], NULL, 0) | 1;
	fd = open(argv[1], O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < iters; i++) {
		uint64_t r = rnd();
		unsigned long req;
		void *p = arg;
		size_t k;

		for (k = 0; k < sizeof(arg) / 8; k++)
			((uint64_t *)arg)[k] = rnd();
		switch (r % 8) {
		case 0:	/* any request number of the 'V' type, any size */
			req = _IOC(rnd() % 4, 'V', rnd() % 256,
				   rnd() % _IOC_SIZEMASK);
			break;
		case 1: /* a real request with a bad pointer */
			req = requests[rnd() % (sizeof(requests) /
						 sizeof(requests[0]))];
			p = (rnd() & 1) ? NULL : (void *)(uintptr_t)0x10;
			break;
		case 2: { /* REQBUFS with plausible fields, then STREAMON */
			struct v4l2_requestbuffers *rb = (void *)arg;
			int t = V4L2_BUF_TYPE_VIDEO_CAPTURE;

			rb->type = t;
			rb->memory = 1 + rnd() % 4;
			rb->count = rnd() % 40;
			memset(rb->reserved, 0, sizeof(rb->reserved));
			ioctl(fd, VIDIOC_REQBUFS, rb);
			req = VIDIOC_STREAMON;
			memcpy(arg, &t, sizeof(t));
			break;
		}
		case 3: { /* a plausible S_FMT with random sizes */
			struct v4l2_format *f = (void *)arg;

			f->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			f->fmt.pix.width = rnd() % 5000;
			f->fmt.pix.height = rnd() % 5000;
			req = (rnd() & 1) ? VIDIOC_S_FMT : VIDIOC_TRY_FMT;
			break;
		}
		case 4: { /* a plausible QBUF of a random index and memory */
			struct v4l2_buffer *b = (void *)arg;

			b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			b->index = rnd() % 40;
			b->memory = 1 + rnd() % 4;
			req = (rnd() & 1) ? VIDIOC_QBUF : VIDIOC_DQBUF;
			break;
		}
		case 5: { /* stop streaming now and then */
			int t = V4L2_BUF_TYPE_VIDEO_CAPTURE;

			memcpy(arg, &t, sizeof(t));
			req = VIDIOC_STREAMOFF;
			break;
		}
		default: /* a real request with random argument bytes */
			req = requests[rnd() % (sizeof(requests) /
						 sizeof(requests[0]))];
			break;
		}
		if (ioctl(fd, req, p) == 0)
			ok++;
		else
			failed++;
		if (rnd() % 512 == 0) {	/* now and then: read, reopen */
			char b[64];

			if (read(fd, b, sizeof(b)) < 0)
				failed++;
			close(fd);
			fd = open(argv[1], O_RDWR | O_NONBLOCK);
			if (fd < 0) {
				perror(argv[1]);
				return 1;
			}
		}
	}
	close(fd);
	printf("calls=%lu succeeded=%lu failed=%lu seed=%s\n", iters, ok,
	       failed, argv[3]);
	return 0;
}
