// SPDX-License-Identifier: MIT
/*
 * OpenSSL 3 marks the MD5_* and SHA256_* functions deprecated in favour of
 * EVP, whose contexts must be allocated and freed; the agent keeps the
 * digest state inside each spool segment by value, so it uses them on
 * purpose. They run the same assembly as EVP.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include "digest.h"

void agent_digest_init(struct agent_digest *d, bool with_sha256)
{
	d->with_sha256 = with_sha256;
	MD5_Init(&d->md5);
	if (with_sha256)
		SHA256_Init(&d->sha256);
}

void agent_digest_update(struct agent_digest *d, const void *data, size_t len)
{
	MD5_Update(&d->md5, data, len);
	if (d->with_sha256)
		SHA256_Update(&d->sha256, data, len);
}

void agent_digest_final(struct agent_digest *d, unsigned char md5[AGENT_MD5_LEN],
			unsigned char sha256[AGENT_SHA256_LEN])
{
	MD5_Final(md5, &d->md5);
	if (d->with_sha256)
		SHA256_Final(sha256, &d->sha256);
	else
		memset(sha256, 0, AGENT_SHA256_LEN);
}
