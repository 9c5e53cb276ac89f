// SPDX-License-Identifier: MIT
/*
 * OpenSSL 3 marks the one-shot MD5_* functions deprecated in favour of EVP,
 * whose context must be allocated and freed; the agent keeps a digest state
 * inside each spool segment by value, so it uses MD5_* on purpose.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "md5.h"

void agent_md5_init(struct agent_md5 *m)
{
	MD5_Init(&m->ctx);
}

void agent_md5_update(struct agent_md5 *m, const void *data, size_t len)
{
	MD5_Update(&m->ctx, data, len);
}

void agent_md5_final(struct agent_md5 *m, unsigned char out[16])
{
	MD5_Final(out, &m->ctx);
}
