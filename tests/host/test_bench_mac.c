// SPDX-License-Identifier: MIT
/*
 * bench_user's format v3 seal (tests/tools/bench_user.c, the v3_ns figure
 * of scripts/bench-seal.sh) computes what the format says: the frames that
 * `bench_user --emit KEY MAC_KEY ...` writes from its timed code carry, per
 * frame, the MAC that libsealcam's sc_frame_mac_v3() - the reader's check -
 * computes over the same body under the same MAC key, and decrypt under the
 * content key with the headers as AAD. Run on a whole YUYV frame and on a
 * payload whose length is no multiple of 16 (the FIRST frame's 200 bytes
 * of AAD are none either), so the Poly1305 updates are split off block
 * boundaries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <sodium.h>

#include "sealed.h"
#include "tap.h"

#define FH_LEN sizeof(struct sealcam_frame_hdr)

static const char *bench_user(void)
{
	const char *p = getenv("SEALCAM_BENCH_USER");

	return p && *p ? p : "build/tests/tools/bench_user";
}

static uint64_t le(const unsigned char *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* run bench_user --emit; its stdout into *out, its exit status returned */
static int emit(const char *key, const char *mac_key, const char *args,
		unsigned char **out, size_t *len)
{
	char cmd[1024];
	size_t cap = 1 << 20, n;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s --emit %s %s %s", bench_user(), key,
		 mac_key, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	*out = malloc(cap);
	*len = 0;
	while (*out && (n = fread(*out + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (*len == cap)
			*out = realloc(*out, cap *= 2);
	}
	st = pclose(f);
	if (!*out)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* how many frames had each property; trailing: bytes after the last */
struct result {
	unsigned int frames, hdr_ok, mac_ok, aead_ok, mac_discriminates;
	int trailing;
};

/* Check the @n frames in @buf, each of @payload bytes of pixels. */

static void check(const unsigned char *buf, size_t len, unsigned int n,
		  size_t payload, const unsigned char key[32],
		  const unsigned char mac_key[32], struct result *r)
{
	const size_t plain_len = SEALCAM_META_LEN + payload;
	const size_t aead_len = plain_len + SEALCAM_TAG_LEN;
	unsigned char *plain = malloc(plain_len);
	unsigned char *body_copy = NULL;
	size_t off = 0;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n && plain && off + FH_LEN <= len; i++) {
		const unsigned char *h = buf + off;
		unsigned int flags = le(h + 6, 2);
		size_t seg_hdr_len = le(h + 8, 4), ct_len = le(h + 12, 4);
		size_t mac_len = le(h + 40, 4), body_len, j;
		unsigned char mac[SEALCAM_MAC_LEN], other[32];
		unsigned char nonce[12] = { 0 };
		int good;

		body_len = FH_LEN + seg_hdr_len + ct_len - mac_len;
		if (off + FH_LEN + seg_hdr_len + ct_len > len)
			break;
		r->frames++;
		good = le(h, 4) == SEALCAM_FRAME_MAGIC && h[4] == 3 &&
		       h[5] == FH_LEN && le(h + 32, 8) == i &&
		       mac_len == SEALCAM_MAC_LEN &&
		       ct_len == aead_len + SEALCAM_MAC_LEN &&
		       seg_hdr_len == (i == 0 ? SEALCAM_SEG_HDR_LEN(1) : 0) &&
		       (flags & SEALCAM_F_FIRST) == (i == 0 ? SEALCAM_F_FIRST : 0) &&
		       (flags & SEALCAM_F_LAST) == (i + 1 == n ? SEALCAM_F_LAST : 0);
		if (good)
			r->hdr_ok++;
		else
			tap_diag("frame %u: header %s", i, "not as format v3 says");

		/* the MAC: libsealcam's over the same body, the same key */
		sc_frame_mac_v3(mac, mac_key, i, h, body_len);
		if (!memcmp(mac, h + body_len, SEALCAM_MAC_LEN))
			r->mac_ok++;
		else
			tap_diag("frame %u: bench_user's MAC is not sc_frame_mac_v3's", i);

		/* ... and it tells: another key or one bit of the body differ */
		memcpy(other, mac_key, 32);
		other[31] ^= 1;
		sc_frame_mac_v3(mac, other, i, h, body_len);
		good = memcmp(mac, h + body_len, SEALCAM_MAC_LEN) != 0;
		free(body_copy);
		body_copy = malloc(body_len);
		if (body_copy) {
			memcpy(body_copy, h, body_len);
			body_copy[body_len / 2] ^= 0x10;
			sc_frame_mac_v3(mac, mac_key, i, body_copy, body_len);
			good = good && memcmp(mac, h + body_len, SEALCAM_MAC_LEN);
			if (good)
				r->mac_discriminates++;
		}

		/* the AEAD: decrypts under KEY, the headers as AAD */
		for (j = 0; j < 8; j++)
			nonce[4 + j] = (unsigned char)((uint64_t)i >> (8 * j));
		good = !crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				plain, NULL, h + FH_LEN + seg_hdr_len, plain_len,
				h + FH_LEN + seg_hdr_len + plain_len,
				h, FH_LEN + seg_hdr_len, nonce, key);
		for (j = 0; good && j < plain_len; j++)
			good = plain[j] == ((i + 1) & 0xff);
		if (good)
			r->aead_ok++;
		else
			tap_diag("frame %u: does not open to its plaintext", i);
		off += FH_LEN + seg_hdr_len + ct_len;
	}
	r->trailing = off != len;
	free(body_copy);
	free(plain);
}

static void run(const char *what, const char *args, unsigned int n,
		size_t payload)
{
	static const char key_hex[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	static const char mac_key_hex[] =
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
	unsigned char key[32], mac_key[32], *buf = NULL;
	struct result r;
	size_t len = 0;
	int st;

	sodium_hex2bin(key, 32, key_hex, 64, NULL, NULL, NULL);
	sodium_hex2bin(mac_key, 32, mac_key_hex, 64, NULL, NULL, NULL);
	st = emit(key_hex, mac_key_hex, args, &buf, &len);
	if (!tap_ok(st == 0 && len > 0, "%s: bench_user --emit %s writes frames",
		    what, args)) {
		tap_diag("exit status %d, %zu bytes (%s)", st, len, bench_user());
		memset(&r, 0, sizeof(r));
	} else {
		check(buf, len, n, payload, key, mac_key, &r);
	}
	tap_ok(r.frames == n && !r.trailing && r.hdr_ok == n,
	       "%s: %u v3 frames, headers as the kernel writes them (FIRST with one recipient's segment header, LAST)",
	       what, n);
	tap_ok(r.frames == n && r.mac_ok == n,
	       "%s: every frame's MAC equals libsealcam's sc_frame_mac_v3 over the same body", what);
	tap_ok(r.frames == n && r.mac_discriminates == n,
	       "%s: sc_frame_mac_v3 under another key or over a body with a bit flipped differs", what);
	tap_ok(r.frames == n && r.aead_ok == n,
	       "%s: every frame opens under the content key, headers as AAD", what);
	free(buf);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	tap_plan(10);
	run("whole 640x480 YUYV", "640x480 3", 3, 640 * 480 * 2);
	run("16641-byte payload", "1280x720 4 16641", 4, 16641);
	return tap_done();
}
