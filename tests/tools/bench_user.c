// SPDX-License-Identifier: GPL-2.0
/*
 * bench_user - userspace side of the sealing benchmark, libsodium only:
 *
 *  - aead_ns: libsodium's ChaCha20-Poly1305 (IETF, RFC 8439) alone over
 *    FRAMES frames of a YUYV WIDTHxHEIGHT frame plus the sealed metadata,
 *    the same amount of data the kernel benchmark (debugfs sealcam/bench)
 *    seals; out of place, with 48 bytes of AAD;
 *  - v3_ns: the whole format v3 seal of each frame as kmod/seal.c's
 *    seal_one_cpu() does it for the kernel benchmark's one recipient
 *    (docs/FORMAT.md 3 and 4.4): the frame header (the FIRST frame: and
 *    the segment header) as AAD, ChaCha20-Poly1305 in place in a private
 *    buffer, the recipient's one-time key (ChaCha20 block 0 under its MAC
 *    key, nonce 0^4 || le64(index)) and Poly1305 over the headers,
 *    ciphertext and tag, then the copy of the frame out to a second
 *    buffer. The kernel benchmark times the same loop (copy out included,
 *    the segment's HPKE setup not);
 *  - memcpy_ns: memcpy() of the same bytes.
 *
 * With BYTES, each frame is BYTES bytes of payload instead (plus the same
 * metadata): scripts/bench-seal.sh passes the mean size of the MJPEG frames
 * a webcam capture delivered, so libsodium seals as many bytes per frame as
 * the kernel did.
 *
 * usage: bench_user WIDTHxHEIGHT FRAMES [BYTES]
 * prints: size=WxH frame_bytes=N frames=F aead_ns=T memcpy_ns=T v3_ns=T
 *         v3_recipients=1 impl=...
 *         (frame_bytes: what one seal covers, metadata included)
 *
 * usage: bench_user --emit KEY MAC_KEY WIDTHxHEIGHT FRAMES [BYTES]
 *   writes the FRAMES sealed frames of one segment that the v3 loop makes
 *   to stdout, under content key KEY and the recipient's MAC key MAC_KEY
 *   (64 hex digits each), frame i's plaintext every byte i + 1: what
 *   tests/host/test_bench_mac.c checks against libsealcam.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "../../kmod/uapi/sealcam.h"

#define FRAME_HDR_LEN sizeof(struct sealcam_frame_hdr)
#define SEG_HDR_LEN SEALCAM_SEG_HDR_LEN(1)

/* One segment of the v3 loop: one recipient, as the kernel benchmark's. */
struct v3_segment {
	unsigned char key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
	unsigned char mac_key[crypto_stream_chacha20_ietf_KEYBYTES];
	/* the FIRST frame's AAD: its frame header, then the segment header */
	unsigned char first[FRAME_HDR_LEN + SEG_HDR_LEN];
	uint64_t segment_id, index;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void v3_segment_init(struct v3_segment *s, uint64_t segment_id)
{
	struct sealcam_segment_hdr sh = { 0 };

	memset(s->first, 0, sizeof(s->first));
	sh.magic = htole32(SEALCAM_SEGMENT_MAGIC);
	sh.version = htole16(SEALCAM_FORMAT_VERSION);
	sh.n_recipients = htole16(1);
	sh.segment_id = htole64(segment_id);
	/* device key and the recipient's entry: bytes of the right length */
	memcpy(s->first + FRAME_HDR_LEN, &sh, sizeof(sh));
	s->segment_id = segment_id;
	s->index = 0;
}

/*
 * Seal @len bytes of @plain (room for the tag after them) as the segment's
 * next frame into @dst, as seal_one_cpu(): in place, the MAC from the
 * private bytes, then the copy out. Returns the frame's length.
 */
static size_t v3_seal(struct v3_segment *s, unsigned char *dst,
		      unsigned char *plain, size_t len, int last)
{
	const size_t ct_len = len + SEALCAM_TAG_LEN;
	struct sealcam_frame_hdr hdr = { 0 };
	unsigned char nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
	unsigned char otk[crypto_onetimeauth_poly1305_KEYBYTES];
	crypto_onetimeauth_poly1305_state st;
	int first = s->index == 0;
	size_t aad_len = FRAME_HDR_LEN + (first ? SEG_HDR_LEN : 0);
	const unsigned char *aad;
	uint16_t flags = 0;
	uint64_t le_index = htole64(s->index);

	if (first)
		flags |= SEALCAM_F_FIRST | SEALCAM_F_KEYFRAME;
	if (last)
		flags |= SEALCAM_F_LAST;
	hdr.magic = htole32(SEALCAM_FRAME_MAGIC);
	hdr.version = SEALCAM_FORMAT_VERSION;
	hdr.hdr_len = FRAME_HDR_LEN;
	hdr.flags = htole16(flags);
	hdr.seg_hdr_len = htole32(first ? SEG_HDR_LEN : 0);
	hdr.ct_len = htole32(ct_len + SEALCAM_MAC_LEN);
	hdr.segment_id = htole64(s->segment_id);
	hdr.frame_index = le_index;
	hdr.mac_len = htole32(SEALCAM_MAC_LEN);
	if (first) {
		memcpy(s->first, &hdr, sizeof(hdr));
		aad = s->first;
	} else {
		aad = (const unsigned char *)&hdr;
	}

	/* nonce 0^4 || le64(index): the AEAD's and the one-time key's */
	memcpy(nonce + 4, &le_index, sizeof(le_index));
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(plain, plain + len,
							   NULL, plain, len,
							   aad, aad_len, NULL,
							   nonce, s->key);
	crypto_stream_chacha20_ietf(otk, sizeof(otk), nonce, s->mac_key);
	crypto_onetimeauth_poly1305_init(&st, otk);
	crypto_onetimeauth_poly1305_update(&st, aad, aad_len);
	crypto_onetimeauth_poly1305_update(&st, plain, ct_len);
	crypto_onetimeauth_poly1305_final(&st, dst + aad_len + ct_len);
	sodium_memzero(otk, sizeof(otk));
	sodium_memzero(&st, sizeof(st));
	memcpy(dst, aad, aad_len);
	memcpy(dst + aad_len, plain, ct_len);
	s->index++;
	return aad_len + ct_len + SEALCAM_MAC_LEN;
}

static int parse_size(const char *arg, unsigned int *w, unsigned int *h)
{
	char c;

	return sscanf(arg, "%ux%u%c", w, h, &c) == 2 && *w && *h &&
	       *w <= SEALCAM_MAX_WIDTH && *h <= SEALCAM_MAX_HEIGHT ? 0 : -1;
}

static int parse_payload(const char *arg, unsigned int w, unsigned int h,
			 unsigned long long *payload)
{
	char *end;

	errno = 0;
	*payload = strtoull(arg, &end, 10);
	/* at most a YUYV frame of the size: what the kernel seals */
	if (errno || end == arg || *end || arg[0] == '-' || !*payload ||
	    *payload > (unsigned long long)w * h * 2) {
		fprintf(stderr,
			"bench_user: BYTES must be 1..%llu (a YUYV %ux%u frame), not '%s'\n",
			(unsigned long long)w * h * 2, w, h, arg);
		return -1;
	}
	return 0;
}

static int parse_key(const char *arg, unsigned char key[32], const char *what)
{
	size_t bin_len = 0;
	const char *end;

	if (strlen(arg) != 64 ||
	    sodium_hex2bin(key, 32, arg, 64, NULL, &bin_len, &end) ||
	    bin_len != 32 || *end) {
		fprintf(stderr, "bench_user: %s must be 64 hex digits, not '%s'\n",
			what, arg);
		return -1;
	}
	return 0;
}

/* room for a FIRST frame: both headers, the tag and one MAC */
#define V3_DST_LEN(len) \
	(FRAME_HDR_LEN + SEG_HDR_LEN + (len) + SEALCAM_TAG_LEN + SEALCAM_MAC_LEN)

/* the plaintext buffer (room for the tag) and a zeroed frame buffer */
static int v3_buffers(size_t len, unsigned char **plain, unsigned char **dst)
{
	*plain = malloc(len + SEALCAM_TAG_LEN);
	*dst = calloc(1, V3_DST_LEN(len));
	return *plain && *dst ? 0 : -1;
}

/* --emit KEY MAC_KEY WxH FRAMES [BYTES]: the v3 loop's frames to stdout */
static int emit(int argc, char **argv)
{
	struct v3_segment seg;
	unsigned long long payload;
	unsigned int w, h, frames, i;
	unsigned char *plain, *dst;
	size_t len, n;
	char *end;

	if ((argc != 6 && argc != 7) || parse_size(argv[4], &w, &h)) {
		fprintf(stderr,
			"usage: bench_user --emit KEY MAC_KEY WIDTHxHEIGHT FRAMES [BYTES]\n");
		return 2;
	}
	errno = 0;
	frames = strtoul(argv[5], &end, 10);
	if (errno || end == argv[5] || *end || !frames || frames > 1000) {
		fprintf(stderr, "bench_user: FRAMES must be 1..1000, not '%s'\n",
			argv[5]);
		return 2;
	}
	payload = (unsigned long long)w * h * 2;
	if (parse_key(argv[2], seg.key, "KEY") ||
	    parse_key(argv[3], seg.mac_key, "MAC_KEY") ||
	    (argc == 7 && parse_payload(argv[6], w, h, &payload)))
		return 2;
	v3_segment_init(&seg, 1);
	len = SEALCAM_META_LEN + payload;
	if (v3_buffers(len, &plain, &dst))
		return 1;
	for (i = 0; i < frames; i++) {
		memset(plain, (i + 1) & 0xff, len);
		n = v3_seal(&seg, dst, plain, len, i + 1 == frames);
		if (fwrite(dst, 1, n, stdout) != n)
			return 1;
	}
	free(plain);
	free(dst);
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int w, h, frames, i;
	unsigned char key[32], nonce[12] = { 0 }, ad[48] = { 0 };
	unsigned long long t0, aead_ns, copy_ns, v3_ns, clen;
	unsigned char *plain, *dst;
	unsigned long long payload;
	struct v3_segment seg;
	size_t len;

	if (sodium_init() < 0)
		return 1;
	if (argc > 1 && !strcmp(argv[1], "--emit"))
		return emit(argc, argv);
	if ((argc != 3 && argc != 4) || parse_size(argv[1], &w, &h) ||
	    !(frames = atoi(argv[2]))) {
		fprintf(stderr, "usage: bench_user WIDTHxHEIGHT FRAMES [BYTES]\n"
			"       bench_user --emit KEY MAC_KEY WIDTHxHEIGHT FRAMES [BYTES]\n");
		return 2;
	}
	payload = (unsigned long long)w * h * 2;
	if (argc == 4 && parse_payload(argv[3], w, h, &payload))
		return 2;
	len = SEALCAM_META_LEN + payload;
	if (v3_buffers(len, &plain, &dst))
		return 1;
	memset(plain, 0x80, len);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(seg.key, sizeof(seg.key));
	randombytes_buf(seg.mac_key, sizeof(seg.mac_key));

	/*
	 * One untimed frame of each first: under TCG a new process pays for
	 * translating the code it runs the first time, which the kernel's
	 * seal (run at the module's self-test and every round before) does not.
	 */
	crypto_aead_chacha20poly1305_ietf_encrypt(dst, &clen, plain, len, ad,
						  sizeof(ad), NULL, nonce, key);
	memcpy(dst, plain, len);
	__asm__ volatile("" : : "r"(dst) : "memory");
	v3_segment_init(&seg, 0);
	v3_seal(&seg, dst, plain, len, 1);
	memset(plain, 0x80, len);

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

	/*
	 * The whole v3 seal: a new segment with new keys (as every segment
	 * has), made before the clock starts, as the kernel's are.
	 */
	randombytes_buf(seg.key, sizeof(seg.key));
	randombytes_buf(seg.mac_key, sizeof(seg.mac_key));
	v3_segment_init(&seg, 1);
	t0 = now_ns();
	for (i = 0; i < frames; i++) {
		v3_seal(&seg, dst, plain, len, i + 1 == frames);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	v3_ns = now_ns() - t0;
	sodium_memzero(&seg, sizeof(seg));

	printf("size=%ux%u frame_bytes=%zu frames=%u aead_ns=%llu memcpy_ns=%llu v3_ns=%llu v3_recipients=1 impl=libsodium-%s\n",
	       w, h, len, frames, aead_ns, copy_ns, v3_ns,
	       sodium_version_string());
	free(plain);
	free(dst);
	return 0;
}
