/* SPDX-License-Identifier: MIT */
/*
 * MD5, only to compare an upload with the store's ETag (S3 returns the MD5
 * of a single-part object) and to send Content-MD5; never for anything that
 * needs a secure hash (that is SHA-256, libsodium). libsodium has no MD5, so
 * this wraps OpenSSL's libcrypto (already there for libcurl's TLS).
 */
#ifndef SEALCAM_AGENT_MD5_H
#define SEALCAM_AGENT_MD5_H

#include <stddef.h>
#include <openssl/md5.h>

/* The state is a plain value: no allocation, nothing to free. */
struct agent_md5 {
	MD5_CTX ctx;
};

void agent_md5_init(struct agent_md5 *m);
void agent_md5_update(struct agent_md5 *m, const void *data, size_t len);
void agent_md5_final(struct agent_md5 *m, unsigned char out[16]);

#endif
