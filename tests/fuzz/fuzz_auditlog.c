// SPDX-License-Identifier: MIT
/*
 * libFuzzer target over the audit log reader: the input is split into
 * lines and fed to the JSON Lines parser and the verifier (fixed key), as
 * `sealcam audit show` and `verify` read a log. Nothing may crash, leak or
 * hit undefined behaviour; a line the parser accepts must give back
 * NUL-terminated members.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auditlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct al_verifier v;
	static struct al_record rec;
	static const uint8_t k0[AL_KEY_LEN] = { 1, 2, 3 };
	const char *p = (const char *)data, *end = p + size;
	unsigned int i;

	if (sodium_init() < 0)
		abort();
	al_verify_init(&v, k0);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!al_parse_line(p, len, &rec, NULL, 0))
			for (i = 0; i < rec.n; i++)
				if (strlen(rec.f[i].val) >= sizeof(rec.buf))
					abort();
		al_verify_line(&v, p, len, nl != NULL, "fuzz");
		p += len + (nl ? 1 : 0);
	}
	al_verify_finish(&v, NULL);
	return 0;
}
