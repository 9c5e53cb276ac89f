// SPDX-License-Identifier: MIT
/*
 * OpenSSL 3 marks the MD5_* and SHA256_* functions deprecated in favour of
 * EVP, whose contexts must be allocated and freed; the agent keeps the
 * digest state inside each spool segment by value, so it uses them on
 * purpose. They run the same assembly as EVP.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <sodium.h>

#include "digest.h"

void sc_digest_init(struct sc_digest *d, bool with_sha256)
{
	d->with_sha256 = with_sha256;
	MD5_Init(&d->md5);
	if (with_sha256)
		SHA256_Init(&d->sha256);
}

void sc_digest_update(struct sc_digest *d, const void *data, size_t len)
{
	MD5_Update(&d->md5, data, len);
	if (d->with_sha256)
		SHA256_Update(&d->sha256, data, len);
}

void sc_digest_final(struct sc_digest *d, unsigned char md5[SC_MD5_LEN],
		     unsigned char sha256[SC_SHA256_LEN])
{
	MD5_Final(md5, &d->md5);
	if (d->with_sha256)
		SHA256_Final(sha256, &d->sha256);
	else
		memset(sha256, 0, SC_SHA256_LEN);
}

void sc_body_digest_set(struct sc_body_digest *b, long long size,
			const unsigned char md5[SC_MD5_LEN],
			const unsigned char *sha256)
{
	b->size = size;
	memcpy(b->md5, md5, SC_MD5_LEN);
	sodium_bin2hex(b->md5_hex, sizeof(b->md5_hex), md5, SC_MD5_LEN);
	sodium_bin2base64(b->md5_b64, sizeof(b->md5_b64), md5, SC_MD5_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	if (sha256)
		sodium_bin2hex(b->sha256_hex, sizeof(b->sha256_hex), sha256,
			       SC_SHA256_LEN);
	else
		snprintf(b->sha256_hex, sizeof(b->sha256_hex), "-");
}

int sc_digest_file(FILE *f, struct sc_body_digest *b, bool with_sha256)
{
	unsigned char buf[65536], md5[SC_MD5_LEN], sha[SC_SHA256_LEN];
	struct sc_digest s;
	long long size = 0;
	size_t n;

	sc_digest_init(&s, with_sha256);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		sc_digest_update(&s, buf, n);
		size += n;
	}
	if (ferror(f))
		return -1;
	sc_digest_final(&s, md5, sha);
	sc_body_digest_set(b, size, md5, with_sha256 ? sha : NULL);
	rewind(f);
	return 0;
}
