// SPDX-License-Identifier: GPL-2.0
/*
 * bench_user - userspace side of the sealing benchmark: times libsodium's
 * ChaCha20-Poly1305 (IETF, RFC 8439) and memcpy() over FRAMES frames of a
 * YUYV WIDTHxHEIGHT frame plus the sealed metadata, the same amount of data
 * the kernel benchmark (debugfs sealcam/bench) seals.
 *
 * With BYTES, each frame is BYTES bytes of payload instead (plus the same
 * metadata): scripts/bench-seal.sh passes the mean size of the MJPEG frames
 * a webcam capture delivered, so libsodium seals as many bytes per frame as
 * the kernel did.
 *
 * usage: bench_user WIDTHxHEIGHT FRAMES [BYTES]
 * prints: size=WxH frame_bytes=N frames=F aead_ns=T memcpy_ns=T impl=...
 *         (frame_bytes: what one seal covers, metadata included)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "../../kmod/uapi/sealcam.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned int w, h, frames, i;
	unsigned char key[32], nonce[12] = { 0 }, ad[48] = { 0 };
	unsigned long long t0, aead_ns, copy_ns, clen;
	unsigned char *plain, *dst;
	unsigned long long payload;
	size_t len;
	char *end;

	if ((argc != 3 && argc != 4) ||
	    sscanf(argv[1], "%ux%u", &w, &h) != 2 || !w || !h ||
	    !(frames = atoi(argv[2]))) {
		fprintf(stderr, "usage: bench_user WIDTHxHEIGHT FRAMES [BYTES]\n");
		return 2;
	}
	payload = (unsigned long long)w * h * 2;
	if (argc == 4) {
		errno = 0;
		payload = strtoull(argv[3], &end, 10);
		/* at most a YUYV frame of the size: what the kernel seals */
		if (errno || end == argv[3] || *end || argv[3][0] == '-' ||
		    !payload || payload > (unsigned long long)w * h * 2) {
			fprintf(stderr,
				"bench_user: BYTES must be 1..%llu (a YUYV %ux%u frame), not '%s'\n",
				(unsigned long long)w * h * 2, w, h, argv[3]);
			return 2;
		}
	}
	if (sodium_init() < 0)
		return 1;
	len = SEALCAM_META_LEN + payload;
	plain = malloc(len + 16);
	dst = malloc(len + 16);
	if (!plain || !dst)
		return 1;
	memset(plain, 0x80, len);
	memset(dst, 0, len + 16);
	randombytes_buf(key, sizeof(key));

	t0 = now_ns();
	for (i = 0; i < frames; i++) {
		memcpy(nonce + 4, &i, sizeof(i));
		crypto_aead_chacha20poly1305_ietf_encrypt(dst, &clen, plain, len,
							  ad, sizeof(ad), NULL,
							  nonce, key);
	}
	aead_ns = now_ns() - t0;
	t0 = now_ns();
	for (i = 0; i < frames; i++) {
		memcpy(dst, plain, len);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	copy_ns = now_ns() - t0;
	printf("size=%ux%u frame_bytes=%zu frames=%u aead_ns=%llu memcpy_ns=%llu impl=libsodium-%s\n",
	       w, h, len, frames, aead_ns, copy_ns, sodium_version_string());
	free(plain);
	free(dst);
	return 0;
}
