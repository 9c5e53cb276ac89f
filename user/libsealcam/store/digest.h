/* SPDX-License-Identifier: MIT */
/*
 * The two digests of an object body, taken in one pass over the bytes:
 *  - SHA-256, sent as x-amz-content-sha256 so that the store rejects a body
 *    corrupted on the way;
 *  - MD5, only to compare with the store's ETag (S3 returns the MD5 of a
 *    single-part object) and to send Content-MD5; never for anything that
 *    needs a secure hash.
 * Both from OpenSSL's libcrypto, which libcurl loads anyway: its SHA-256
 * uses the CPU's SHA extensions (or AVX2/SSSE3) where libsodium's is
 * portable C, which made hashing a large share of the agent's CPU per MB.
 */
#ifndef SEALCAM_STORE_DIGEST_H
#define SEALCAM_STORE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#define SC_SHA256_LEN 32
#define SC_MD5_LEN 16

/* The state is a plain value: no allocation, nothing to free. */
struct sc_digest {
	MD5_CTX md5;
	SHA256_CTX sha256;
	bool with_sha256;
};

/*
 * @with_sha256: false when only the MD5 is needed (file:// stores, the
 * re-read of a stored copy, downloads); the SHA-256 out of final() is then
 * all zero.
 */
void sc_digest_init(struct sc_digest *d, bool with_sha256);
void sc_digest_update(struct sc_digest *d, const void *data, size_t len);
void sc_digest_final(struct sc_digest *d, unsigned char md5[SC_MD5_LEN],
		     unsigned char sha256[SC_SHA256_LEN]);

/* A body's size and digests in the forms the requests need. */
struct sc_body_digest {
	long long size;
	unsigned char md5[SC_MD5_LEN];
	char md5_hex[2 * SC_MD5_LEN + 1];
	char md5_b64[32];
	char sha256_hex[2 * SC_SHA256_LEN + 1];	/* "-" when not computed */
};

/* Fill the text forms of @b from the raw digests. */
void sc_body_digest_set(struct sc_body_digest *b, long long size,
			const unsigned char md5[SC_MD5_LEN],
			const unsigned char *sha256);

/* Read @f from where it is to its end, then rewind it. 0, or -1 (ferror). */
int sc_digest_file(FILE *f, struct sc_body_digest *b, bool with_sha256);

#endif
