/* SPDX-License-Identifier: MIT */
/*
 * MD5 (RFC 1321), only to compare an upload with the store's ETag (S3
 * returns the MD5 of a single-part object) and to send Content-MD5. Not used
 * for anything that needs a secure hash; that is SHA-256 (libsodium).
 */
#ifndef SEALCAM_AGENT_MD5_H
#define SEALCAM_AGENT_MD5_H

#include <stddef.h>
#include <stdint.h>

struct agent_md5 {
	uint32_t h[4];
	uint64_t len;
	unsigned char buf[64];
	size_t fill;
};

void agent_md5_init(struct agent_md5 *m);
void agent_md5_update(struct agent_md5 *m, const void *data, size_t len);
void agent_md5_final(struct agent_md5 *m, unsigned char out[16]);

#endif
