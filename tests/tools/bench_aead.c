// SPDX-License-Identifier: GPL-2.0
/*
 * bench_aead - the baseline of scripts/bench-unseal.sh: libsodium's raw
 * ChaCha20-Poly1305 (IETF) decryption with verification, FRAMES times over
 * one FRAME_BYTES ciphertext in memory (the frame size of the sealed file
 * the benchmark unseals), one thread: no file, no parsing, no hashing.
 *
 * usage: bench_aead FRAME_BYTES FRAMES
 * prints: bytes=N wall_ns=T cpu_ns=T impl=libsodium-VERSION
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sodium.h>

static unsigned long long ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned char key[32], nonce[12] = { 0 }, ad[48] = { 0 };
	unsigned long long len, frames, i, w0, c0, w1, c1;
	unsigned char *pt, *ct;

	if (argc != 3 || !(len = strtoull(argv[1], NULL, 0)) ||
	    !(frames = strtoull(argv[2], NULL, 0))) {
		fprintf(stderr, "usage: bench_aead FRAME_BYTES FRAMES\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	pt = malloc(len);
	ct = malloc(len + 16);
	if (!pt || !ct)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(pt, len);
	crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt, len, ad,
						  sizeof(ad), NULL, nonce, key);
	w0 = ns(CLOCK_MONOTONIC);
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < frames; i++)
		if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct,
							      len + 16, ad,
							      sizeof(ad), nonce,
							      key)) {
			fprintf(stderr, "bench_aead: decryption failed\n");
			return 1;
		}
	w1 = ns(CLOCK_MONOTONIC);
	c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("bytes=%llu wall_ns=%llu cpu_ns=%llu impl=libsodium-%s\n",
	       len * frames, w1 - w0, c1 - c0, sodium_version_string());
	return 0;
}
