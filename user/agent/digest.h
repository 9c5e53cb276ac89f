/* SPDX-License-Identifier: MIT */
/*
 * The two digests of an upload body, taken in one pass over the bytes:
 *  - SHA-256, sent as x-amz-content-sha256 so that the store rejects a body
 *    corrupted on the way;
 *  - MD5, only to compare with the store's ETag (S3 returns the MD5 of a
 *    single-part object) and to send Content-MD5; never for anything that
 *    needs a secure hash.
 * Both from OpenSSL's libcrypto, which libcurl loads anyway: its SHA-256
 * uses the CPU's SHA extensions (or AVX2/SSSE3) where libsodium's is
 * portable C, which made hashing a large share of the agent's CPU per MB.
 */
#ifndef SEALCAM_AGENT_DIGEST_H
#define SEALCAM_AGENT_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#define AGENT_SHA256_LEN 32
#define AGENT_MD5_LEN 16

/* The state is a plain value: no allocation, nothing to free. */
struct agent_digest {
	MD5_CTX md5;
	SHA256_CTX sha256;
	bool with_sha256;
};

/*
 * @with_sha256: false when only the MD5 is needed (file:// stores, the
 * re-read of a stored copy); the SHA-256 out of final() is then all zero.
 */
void agent_digest_init(struct agent_digest *d, bool with_sha256);
void agent_digest_update(struct agent_digest *d, const void *data, size_t len);
void agent_digest_final(struct agent_digest *d, unsigned char md5[AGENT_MD5_LEN],
			unsigned char sha256[AGENT_SHA256_LEN]);

#endif
