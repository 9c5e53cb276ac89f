// SPDX-License-Identifier: GPL-2.0
/*
 * usbfs_grab: takes a USB webcam's streaming interface from its kernel
 * driver through usbfs, as libusb's libusb_detach_kernel_driver() and
 * libusb_claim_interface() do, and reads its video endpoint (the way around
 * the V4L2 node that test_uvc_bypass.sh must see refused).
 *
 *   usbfs_grab try NODE IFNUM EP
 *       one attempt of each usbfs request that takes the device or the
 *       interface from its driver or moves data; one line each:
 *       "NAME ok" or "NAME errno=N (text)". CONNECTINFO, which only reads,
 *       comes first (the node works at all). Exit 0 when every other one
 *       failed with EPERM and CONNECTINFO did not, 1 otherwise.
 *   usbfs_grab grab NODE IFNUM EP NEEDLEHEX MAXBYTES
 *       USBDEVFS_DISCONNECT_CLAIM on IFNUM, then bulk IN reads of EP until
 *       NEEDLEHEX (hex bytes) is seen or MAXBYTES were read. Exit 0 found
 *       (prints "found at byte N of M"), 3 not found, 1 a request failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>

#define CHUNK 16384

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int report(const char *name, int rc, int *eperm_all)
{
	if (rc >= 0) {
		printf("%s ok\n", name);
		*eperm_all = 0;
		return 0;
	}
	printf("%s errno=%d (%s)\n", name, errno, strerror(errno));
	if (errno != EPERM)
		*eperm_all = 0;
	return -1;
}

static int try_all(int fd, unsigned int ifnum, unsigned int ep)
{
	struct usbdevfs_connectinfo ci;
	struct usbdevfs_ioctl wrap = { .ifno = ifnum, .ioctl_code = USBDEVFS_DISCONNECT };
	struct usbdevfs_disconnect_claim dc = { .interface = ifnum };
	struct usbdevfs_setinterface si = { .interface = ifnum, .altsetting = 0 };
	unsigned char buf[512];
	struct usbdevfs_bulktransfer bt = {
		.ep = ep, .len = sizeof(buf), .timeout = 1000, .data = buf,
	};
	struct usbdevfs_urb urb = {
		.type = USBDEVFS_URB_TYPE_BULK, .endpoint = ep,
		.buffer = buf, .buffer_length = sizeof(buf),
	};
	unsigned int cfg = 1, claim = ifnum;
	int all = 1, ok;

	ok = ioctl(fd, USBDEVFS_CONNECTINFO, &ci) == 0;
	printf("CONNECTINFO %s\n", ok ? "ok" : strerror(errno));
	report("IOCTL(DISCONNECT)", ioctl(fd, USBDEVFS_IOCTL, &wrap), &all);
	report("DISCONNECT_CLAIM", ioctl(fd, USBDEVFS_DISCONNECT_CLAIM, &dc), &all);
	report("CLAIMINTERFACE", ioctl(fd, USBDEVFS_CLAIMINTERFACE, &claim), &all);
	report("SETINTERFACE", ioctl(fd, USBDEVFS_SETINTERFACE, &si), &all);
	report("BULK", ioctl(fd, USBDEVFS_BULK, &bt), &all);
	report("SUBMITURB", ioctl(fd, USBDEVFS_SUBMITURB, &urb), &all);
	report("SETCONFIGURATION", ioctl(fd, USBDEVFS_SETCONFIGURATION, &cfg), &all);
	report("RESET", ioctl(fd, USBDEVFS_RESET, NULL), &all);
	return ok && all ? 0 : 1;
}

static int grab(int fd, unsigned int ifnum, unsigned int ep, const char *hex,
		long max)
{
	struct usbdevfs_disconnect_claim dc = { .interface = ifnum };
	unsigned char needle[64], *buf;
	size_t nlen = strlen(hex) / 2, i;
	long total = 0, have = 0;

	if (nlen == 0 || nlen > sizeof(needle) || strlen(hex) % 2) {
		fprintf(stderr, "usbfs_grab: NEEDLEHEX: 1 to 64 hex bytes\n");
		return 2;
	}
	for (i = 0; i < nlen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			fprintf(stderr, "usbfs_grab: NEEDLEHEX: not hex: %s\n", hex);
			return 2;
		}
		needle[i] = hi << 4 | lo;
	}
	if (ioctl(fd, USBDEVFS_DISCONNECT_CLAIM, &dc)) {
		printf("DISCONNECT_CLAIM errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	printf("DISCONNECT_CLAIM ok: interface %u is ours\n", ifnum);
	/* the last nlen - 1 bytes of each read are kept, so a needle that
	 * straddles two transfers is found too */
	buf = malloc(CHUNK + sizeof(needle));
	if (!buf)
		return 1;
	while (total < max) {
		struct usbdevfs_bulktransfer bt = {
			.ep = ep, .len = CHUNK, .timeout = 5000, .data = buf + have,
		};
		int n = ioctl(fd, USBDEVFS_BULK, &bt);

		if (n < 0) {
			printf("BULK errno=%d (%s) after %ld bytes\n", errno,
			       strerror(errno), total);
			free(buf);
			return 1;
		}
		have += n;
		total += n;
		if (memmem(buf, have, needle, nlen)) {
			printf("found at byte %ld of %ld read\n", total - have, total);
			free(buf);
			return 0;
		}
		if (have >= (long)nlen) {
			memmove(buf, buf + have - (nlen - 1), nlen - 1);
			have = nlen - 1;
		}
	}
	printf("not found in %ld bytes\n", total);
	free(buf);
	return 3;
}

int main(int argc, char **argv)
{
	unsigned int ifnum, ep;
	int fd, ret;

	if (argc < 5 || (strcmp(argv[1], "try") && strcmp(argv[1], "grab")) ||
	    (!strcmp(argv[1], "grab") && argc != 7)) {
		fprintf(stderr, "usage: usbfs_grab try NODE IFNUM EP\n"
			"       usbfs_grab grab NODE IFNUM EP NEEDLEHEX MAXBYTES\n");
		return 2;
	}
	ifnum = strtoul(argv[3], NULL, 0);
	ep = strtoul(argv[4], NULL, 0);
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		printf("open %s errno=%d (%s)\n", argv[2], errno, strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "try"))
		ret = try_all(fd, ifnum, ep);
	else
		ret = grab(fd, ifnum, ep, argv[5], strtol(argv[6], NULL, 0));
	close(fd);
	return ret;
}
