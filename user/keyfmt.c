// SPDX-License-Identifier: MIT
/*
 * Key text form and key ids (see keyfmt.h). Base64 and hex come from
 * libsodium; SHA-256 too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfmt.h"

/* A key line is 44 characters; allow generous white space around it. */
#define KEY_LINE_MAX 256

int keyfmt_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void keyfmt_encode(const uint8_t key[SEALCAM_KEY_LEN],
		   char out[KEYFMT_B64_SIZE])
{
	sodium_bin2base64(out, KEYFMT_B64_SIZE, key, SEALCAM_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

int keyfmt_decode(const char *text, uint8_t key[SEALCAM_KEY_LEN])
{
	uint8_t buf[SEALCAM_KEY_LEN + 1];
	const char *start = text, *end;
	size_t len, bin_len = 0;
	int ret = 0;

	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - start);
	/* 32 bytes are always 44 characters with one '=' of padding. */
	if (len != KEYFMT_B64_SIZE - 1)
		return -EINVAL;
	if (sodium_base642bin(buf, sizeof(buf), start, len, NULL, &bin_len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    bin_len != SEALCAM_KEY_LEN)
		ret = -EINVAL;
	else
		memcpy(key, buf, SEALCAM_KEY_LEN);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

void keyfmt_key_id(const uint8_t pub[SEALCAM_KEY_LEN],
		   uint8_t id[SEALCAM_KEY_ID_LEN])
{
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, pub, SEALCAM_KEY_LEN);
	memcpy(id, digest, SEALCAM_KEY_ID_LEN);
}

void keyfmt_id_hex(const uint8_t id[SEALCAM_KEY_ID_LEN],
		   char out[KEYFMT_ID_HEX_SIZE])
{
	sodium_bin2hex(out, KEYFMT_ID_HEX_SIZE, id, SEALCAM_KEY_ID_LEN);
}

int keyfmt_id_parse(const char *text, uint8_t id[SEALCAM_KEY_ID_LEN])
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (strlen(text) != KEYFMT_ID_HEX_SIZE - 1)
		return -EINVAL;
	if (sodium_hex2bin(id, SEALCAM_KEY_ID_LEN, text, strlen(text), NULL,
			   &bin_len, &end) ||
	    bin_len != SEALCAM_KEY_ID_LEN || *end)
		return -EINVAL;
	return 0;
}

int keyfmt_read_stream(FILE *f, uint8_t key[SEALCAM_KEY_LEN])
{
	char line[KEY_LINE_MAX];
	int ret;

	if (!fgets(line, sizeof(line), f))
		return ferror(f) ? -EIO : -EINVAL;
	ret = keyfmt_decode(line, key);
	sodium_memzero(line, sizeof(line));
	return ret;
}

int keyfmt_read_key(const char *arg, uint8_t key[SEALCAM_KEY_LEN],
		    char *what, size_t what_len)
{
	FILE *f;
	int ret;

	if (!strcmp(arg, "-")) {
		snprintf(what, what_len, "standard input");
		return keyfmt_read_stream(stdin, key);
	}
	/*
	 * Key text that happens to name an existing file is ambiguous; the
	 * file wins, because writing a key to a file is the deliberate act.
	 */
	if (!keyfmt_decode(arg, key) && access(arg, F_OK)) {
		snprintf(what, what_len, "key argument");
		return 0;
	}
	snprintf(what, what_len, "%s", arg);
	f = fopen(arg, "re");
	if (!f)
		return -errno;
	ret = keyfmt_read_stream(f, key);
	fclose(f);
	return ret;
}
