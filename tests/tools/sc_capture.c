// SPDX-License-Identifier: GPL-2.0
/*
 * sc_capture - test tool: capture N frames from a V4L2 node with one I/O
 * method (mmap, read, userptr, dmabuf) into a file, while a second thread
 * keeps scanning every buffer userspace can see for a plaintext byte
 * sequence. Used by the VM tests to prove that no plaintext ever reaches
 * memory userspace can map or read, and as the capture step of the demo.
 *
 * Exit: 0 ok, 1 error, 2 usage, 3 the needle was found in a buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include "../../kmod/uapi/sealcam.h"

#define MAX_BUFS 8

struct buf {
	void *addr;
	size_t len;
	int dmabuf_fd;
};

static struct buf bufs[MAX_BUFS];
static unsigned int n_bufs;
static unsigned char needle[64];
static size_t needle_len;
static atomic_bool scanning = true;
static atomic_ulong scans, hits, unconfirmed;
static atomic_ulong scanned_bytes;

static void die(const char *what)
{
	fprintf(stderr, "sc_capture: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The first place the needle starts in [p, p + len), or NULL. */
static const unsigned char *find_needle(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	if (!needle_len || len < needle_len)
		return NULL;
	while (p + needle_len <= end) {
		const unsigned char *q = memchr(p, needle[0],
						end - p - needle_len + 1);

		if (!q)
			return NULL;
		if (!memcmp(q, needle, needle_len))
			return q;
		p = q + 1;
	}
	return NULL;
}

static const char *scan_phase = "streaming";

/*
 * Read the candidate again one byte at a time, through a volatile pointer:
 * no library routine, no vector register. glibc's memchr()/memcmp() use
 * AVX2, and under an emulator (TCG) a vector result can come out wrong now
 * and then; a plaintext run really stored in the buffer is still there
 * nanoseconds later (even one the kernel overwrites with ciphertext stays
 * for the whole render-to-encrypt time of a frame).
 */
static bool confirm_needle(const unsigned char *q)
{
	const volatile unsigned char *v = q;
	size_t i;

	for (i = 0; i < needle_len; i++)
		if (v[i] != needle[i])
			return false;
	return true;
}

/*
 * On a hit, say where, and show the bytes around it as they were at once:
 * a copy taken right after the match, since the memory may change a moment
 * later.
 */
static void report_hit(const unsigned char *base, size_t len,
		       const unsigned char *q, bool confirmed)
{
	size_t off = q - base, from = off > 32 ? off - 32 : 0;
	size_t n = len - from < 128 ? len - from : 128, i;
	const volatile unsigned char *v = base + from;
	unsigned char snap[128];

	for (i = 0; i < n; i++)
		snap[i] = v[i];
	fprintf(stderr,
		"sc_capture: %s at offset %zu of a %zu-byte buffer at %p (%s); bytes from offset %zu:",
		confirmed ? "plaintext" :
		"a library match the bytes do not confirm (not counted)",
		off, len, (const void *)base, scan_phase, from);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", snap[i]);
	fprintf(stderr, "\n");
}

static void scan_region(const void *addr, size_t len)
{
	const unsigned char *q = find_needle(addr, len);

	if (q) {
		bool confirmed = confirm_needle(q);

		atomic_fetch_add(confirmed ? &hits : &unconfirmed, 1);
		report_hit(addr, len, q, confirmed);
	}
	atomic_fetch_add(&scanned_bytes, len);
}

static void *scanner(void *arg)
{
	unsigned int i;

	(void)arg;
	while (atomic_load(&scanning)) {
		for (i = 0; i < n_bufs; i++)
			scan_region(bufs[i].addr, bufs[i].len);
		atomic_fetch_add(&scans, 1);
	}
	return NULL;
}

static int parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1] && n < max) {
		unsigned int v;

		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = v;
		s += 2;
	}
	return *s ? -1 : (int)n;
}

static uint32_t fourcc_of(const char *name)
{
	if (!strcmp(name, "yuyv"))
		return SEALCAM_PIX_FMT_YUYV;
	if (!strcmp(name, "nv12"))
		return SEALCAM_PIX_FMT_NV12;
	if (!strcmp(name, "grey"))
		return SEALCAM_PIX_FMT_GREY;
	if (!strcmp(name, "mjpeg"))
		return SEALCAM_PIX_FMT_MJPG;
	if (!strcmp(name, "plain-yuyv"))
		return V4L2_PIX_FMT_YUYV;
	if (!strcmp(name, "plain-mjpeg"))
		return V4L2_PIX_FMT_MJPEG;
	return 0;
}

/*
 * -K FILE (scripts/bench-seal.sh; not with -m read): "PID COMM NS" for
 * every kernel thread, NS its CPU time so far (/proc/PID/schedstat).
 * Written after the last
 * frame and before STREAMOFF, so the time of a thread that lives only while
 * the node streams (sealcam's sealing thread) is seen before it exits.
 * Returns the system time the writing took, in microseconds.
 *
 * -W N (with -K): the same dump, into FILE.warm, once N frames have been
 * dequeued and queued again, and the process's own system time measured
 * after it and before the last dump: "warm=N window_sys_us=US" in the
 * summary. Between the two dumps lies the steady stream, without the
 * start (REQBUFS, STREAMON: buffers allocated, a segment's keys) and the
 * stop a stream pays once.
 */
static unsigned long long sys_us(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_stime.tv_sec * 1000000ULL + r.ru_stime.tv_usec;
}

static unsigned long long dump_kthreads(const char *path)
{
	struct rusage r0, r1;
	struct dirent *de;
	FILE *f;
	DIR *d;

	getrusage(RUSAGE_SELF, &r0);
	f = fopen(path, "w");
	if (!f)
		die(path);
	d = opendir("/proc");
	if (!d)
		die("/proc");
	while ((de = readdir(d))) {
		char p[300], line[512], *c, *e;
		unsigned long long ns;
		unsigned long flags;
		FILE *s;
		int ok;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
		s = fopen(p, "r");
		if (!s)
			continue;	/* gone meanwhile */
		ok = fgets(line, sizeof(line), s) != NULL;
		fclose(s);
		c = strchr(line, '(');
		e = strrchr(line, ')');
		/* after ") ": state ppid pgrp session tty tpgid flags */
		if (!ok || !c || !e || e < c ||
		    sscanf(e + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1 ||
		    !(flags & 0x00200000))	/* PF_KTHREAD */
			continue;
		*e = '\0';
		snprintf(p, sizeof(p), "/proc/%s/schedstat", de->d_name);
		s = fopen(p, "r");
		if (!s)
			continue;
		ok = fscanf(s, "%llu", &ns) == 1;
		fclose(s);
		if (ok)
			fprintf(f, "%s %s %llu\n", de->d_name, c + 1, ns);
	}
	closedir(d);
	if (fclose(f))
		die(path);
	getrusage(RUSAGE_SELF, &r1);
	return (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000ULL +
	       r1.ru_stime.tv_usec - r0.ru_stime.tv_usec;
}

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: sc_capture -d DEV [-f yuyv|nv12|grey|mjpeg|plain-yuyv|plain-mjpeg] [-s WxH] [-r FPS]\n"
		"       [-n FRAMES] [-m mmap|read|userptr|dmabuf] [-e EXPORTER_DEV]\n"
		"       [-p PATTERN [-P PATTERN_CTRL_ID]] [-o OUT] [-x NEEDLE_HEX [-R REPEAT]] [-b BUFFERS]\n"
		"       [-K KTHREADS_OUT [-W WARM_FRAMES]]\n");
	exit(code);
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *out_path = NULL, *mode = "mmap";
	const char *exporter = NULL, *fmt_name = "yuyv", *kt_path = NULL;
	unsigned long long kdump_us = 0, warm_sys = 0, end_sys = 0;
	unsigned int warm = 0;
	unsigned int width = 640, height = 480, fps = 30, frames = 30;
	unsigned int repeat = 1, want_bufs = 4;
	int pattern = -1, opt, fd, efd = -1, i;
	unsigned int ctrl_id = V4L2_CID_TEST_PATTERN;
	enum v4l2_memory memory = V4L2_MEMORY_MMAP;
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers req = { 0 };
	unsigned long long total_bytes = 0;
	unsigned int got = 0, keyframes = 0;
	FILE *out = NULL;
	pthread_t thr;
	bool is_read;

	while ((opt = getopt(argc, argv, "d:f:s:r:n:m:e:p:P:o:x:R:b:K:W:h")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 'f': fmt_name = optarg; break;
		case 's':
			if (sscanf(optarg, "%ux%u", &width, &height) != 2)
				usage(2);
			break;
		case 'r': fps = atoi(optarg); break;
		case 'n': frames = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'e': exporter = optarg; break;
		case 'p': pattern = atoi(optarg); break;
		case 'P': ctrl_id = strtoul(optarg, NULL, 0); break;
		case 'o': out_path = optarg; break;
		case 'x': {
			int n = parse_hex(optarg, needle, 16);

			if (n <= 0)
				usage(2);
			needle_len = n;
			break;
		}
		case 'R': repeat = atoi(optarg); break;
		case 'b': want_bufs = atoi(optarg); break;
		case 'K': kt_path = optarg; break;
		case 'W': warm = atoi(optarg); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!dev || !fourcc_of(fmt_name) || want_bufs < 2 ||
	    want_bufs > MAX_BUFS || repeat < 1 ||
	    needle_len * repeat > sizeof(needle))
		usage(2);
	for (i = 1; i < (int)repeat; i++)
		memcpy(needle + i * needle_len, needle, needle_len);
	needle_len *= repeat;

	is_read = !strcmp(mode, "read");
	/* -K is written before STREAMOFF: the streaming I/O modes only */
	if (is_read && kt_path)
		usage(2);
	if (warm && (!kt_path || warm >= frames))
		usage(2);
	if (!strcmp(mode, "userptr"))
		memory = V4L2_MEMORY_USERPTR;
	else if (!strcmp(mode, "dmabuf"))
		memory = V4L2_MEMORY_DMABUF;
	else if (!is_read && strcmp(mode, "mmap"))
		usage(2);
	if (memory == V4L2_MEMORY_DMABUF && !exporter)
		usage(2);

	fd = open(dev, O_RDWR);
	if (fd < 0)
		die(dev);
	if (pattern >= 0) {
		struct v4l2_control c = { ctrl_id, pattern };

		if (xioctl(fd, VIDIOC_S_CTRL, &c))
			die("VIDIOC_S_CTRL test pattern");
	}
	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = fourcc_of(fmt_name);
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(fd, VIDIOC_S_FMT, &fmt))
		die("VIDIOC_S_FMT");
	if (fmt.fmt.pix.pixelformat != fourcc_of(fmt_name) ||
	    fmt.fmt.pix.width != width || fmt.fmt.pix.height != height) {
		fprintf(stderr, "sc_capture: driver chose another format\n");
		return 1;
	}
	{
		struct v4l2_streamparm parm = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		};

		parm.parm.capture.timeperframe.numerator = 1;
		parm.parm.capture.timeperframe.denominator = fps;
		if (xioctl(fd, VIDIOC_S_PARM, &parm))
			die("VIDIOC_S_PARM");
	}
	if (out_path) {
		out = fopen(out_path, "wb");
		if (!out)
			die(out_path);
	}

	if (is_read) {
		size_t cap = fmt.fmt.pix.sizeimage;
		unsigned char *b = malloc(cap);

		if (!b)
			die("malloc");
		while (got < frames) {
			ssize_t n = read(fd, b, cap);

			if (n < 0)
				die("read");
			if (n >= (ssize_t)sizeof(struct sealcam_frame_hdr)) {
				const struct sealcam_frame_hdr *h = (void *)b;

				if (h->flags & SEALCAM_F_KEYFRAME)
					keyframes++;
			}
			/* scan the whole buffer: what read() left anywhere */
			scan_phase = "read() result";
			scan_region(b, cap);
			if (out && fwrite(b, 1, n, out) != (size_t)n)
				die("write");
			total_bytes += n;
			got++;
		}
		free(b);
		goto done;
	}

	req.count = want_bufs;
	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = memory;
	if (xioctl(fd, VIDIOC_REQBUFS, &req))
		die("VIDIOC_REQBUFS");
	n_bufs = req.count;
	if (n_bufs > MAX_BUFS)
		n_bufs = MAX_BUFS;

	if (memory == V4L2_MEMORY_DMABUF) {
		/* buffers come from another node (vivid): EXPBUF, mmap, import */
		struct v4l2_format efmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
		struct v4l2_requestbuffers ereq = { 0 };

		efd = open(exporter, O_RDWR);
		if (efd < 0)
			die(exporter);
		if (xioctl(efd, VIDIOC_G_FMT, &efmt))
			die("exporter G_FMT");
		efmt.fmt.pix.width = 1920;
		efmt.fmt.pix.height = 1080;
		efmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
		if (xioctl(efd, VIDIOC_S_FMT, &efmt))
			die("exporter S_FMT");
		if (efmt.fmt.pix.sizeimage < fmt.fmt.pix.sizeimage) {
			fprintf(stderr, "sc_capture: exporter buffers too small\n");
			return 1;
		}
		ereq.count = n_bufs;
		ereq.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		ereq.memory = V4L2_MEMORY_MMAP;
		if (xioctl(efd, VIDIOC_REQBUFS, &ereq) || ereq.count < n_bufs)
			die("exporter REQBUFS");
		for (i = 0; i < (int)n_bufs; i++) {
			struct v4l2_exportbuffer eb = {
				.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				.index = i, .flags = O_RDWR,
			};

			if (xioctl(efd, VIDIOC_EXPBUF, &eb))
				die("VIDIOC_EXPBUF");
			bufs[i].dmabuf_fd = eb.fd;
			bufs[i].len = efmt.fmt.pix.sizeimage;
			bufs[i].addr = mmap(NULL, bufs[i].len, PROT_READ,
					    MAP_SHARED, eb.fd, 0);
			if (bufs[i].addr == MAP_FAILED)
				die("mmap dmabuf");
		}
	}

	for (i = 0; i < (int)n_bufs; i++) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = memory, .index = i,
		};

		if (memory == V4L2_MEMORY_MMAP) {
			if (xioctl(fd, VIDIOC_QUERYBUF, &b))
				die("VIDIOC_QUERYBUF");
			bufs[i].len = b.length;
			bufs[i].addr = mmap(NULL, b.length,
					    PROT_READ | PROT_WRITE, MAP_SHARED,
					    fd, b.m.offset);
			if (bufs[i].addr == MAP_FAILED)
				die("mmap");
		} else if (memory == V4L2_MEMORY_USERPTR) {
			bufs[i].len = fmt.fmt.pix.sizeimage;
			bufs[i].addr = aligned_alloc(4096,
					(bufs[i].len + 4095) & ~4095UL);
			if (!bufs[i].addr)
				die("aligned_alloc");
			memset(bufs[i].addr, 0, bufs[i].len);
			b.m.userptr = (unsigned long)bufs[i].addr;
			b.length = bufs[i].len;
		} else {
			b.m.fd = bufs[i].dmabuf_fd;
			b.length = bufs[i].len;
		}
		if (xioctl(fd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF");
	}

	/* no needle, nothing to look for: do not spin a CPU on it */
	if (needle_len && pthread_create(&thr, NULL, scanner, NULL))
		die("pthread_create");
	{
		enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;

		if (xioctl(fd, VIDIOC_STREAMON, &t)) {
			int e = errno;

			atomic_store(&scanning, false);
			if (needle_len)
				pthread_join(thr, NULL);
			errno = e;
			die("VIDIOC_STREAMON");
		}
	}
	while (got < frames) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory,
		};
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 20000) <= 0) {
			fprintf(stderr, "sc_capture: no frame within 20 s\n");
			return 1;
		}
		if (xioctl(fd, VIDIOC_DQBUF, &b))
			die("VIDIOC_DQBUF");
		if (b.flags & V4L2_BUF_FLAG_KEYFRAME)
			keyframes++;
		if (out && fwrite(bufs[b.index].addr, 1, b.bytesused, out) !=
			   b.bytesused)
			die("write");
		total_bytes += b.bytesused;
		got++;
		if (memory == V4L2_MEMORY_DMABUF)
			b.m.fd = bufs[b.index].dmabuf_fd;
		else if (memory == V4L2_MEMORY_USERPTR) {
			b.m.userptr = (unsigned long)bufs[b.index].addr;
			b.length = bufs[b.index].len;
		}
		if (xioctl(fd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF");
		if (warm && got == warm) {
			char wpath[PATH_MAX];

			snprintf(wpath, sizeof(wpath), "%s.warm", kt_path);
			dump_kthreads(wpath);
			warm_sys = sys_us();
		}
	}
	if (kt_path) {
		end_sys = sys_us();
		kdump_us = dump_kthreads(kt_path);
	}
	{
		enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;

		if (xioctl(fd, VIDIOC_STREAMOFF, &t))
			die("VIDIOC_STREAMOFF");
	}
	atomic_store(&scanning, false);
	if (needle_len)
		pthread_join(thr, NULL);
	/* one last look after streaming stopped */
	scan_phase = "after STREAMOFF";
	for (i = 0; i < (int)n_bufs; i++)
		scan_region(bufs[i].addr, bufs[i].len);
done:
	if (out && fclose(out))
		die("close output");
	printf("frames=%u keyframes=%u bytes=%llu scans=%lu scanned_mb=%lu hits=%lu unconfirmed=%lu",
	       got, keyframes, total_bytes, atomic_load(&scans),
	       atomic_load(&scanned_bytes) >> 20, atomic_load(&hits),
	       atomic_load(&unconfirmed));
	if (kt_path)
		printf(" kdump_sys_us=%llu", kdump_us);
	if (warm)
		printf(" warm=%u window_sys_us=%llu", warm, end_sys - warm_sys);
	printf("\n");
	close(fd);
	if (efd >= 0)
		close(efd);
	return atomic_load(&hits) ? 3 : 0;
}
