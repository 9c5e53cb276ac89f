// SPDX-License-Identifier: MIT
/*
 * user/keyfmt.c: the key text form round-trips, anything but one line of
 * base64 of exactly 32 bytes is refused, key ids are SHA-256's first 8
 * bytes (checked against a fixed vector), and keys are read from an
 * argument or a file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfmt.h"
#include "tap.h"

int main(void)
{
	/* SHA-256 of 32 zero bytes begins 66687aadf862bd77. */
	static const uint8_t zero[SEALCAM_KEY_LEN];
	static const char *const bad[] = {
		"",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* no padding */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* 34 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 31 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAA=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_=", /* url-safe */
		"AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA=",
	};
	uint8_t key[SEALCAM_KEY_LEN], back[SEALCAM_KEY_LEN];
	uint8_t id[SEALCAM_KEY_ID_LEN], id2[SEALCAM_KEY_ID_LEN];
	char b64[KEYFMT_B64_SIZE], hex[KEYFMT_ID_HEX_SIZE], what[256];
	char path[] = "/tmp/test_keyfmt.XXXXXX";
	char line[80];
	unsigned int i;
	FILE *f;
	int fd;

	tap_plan(18);
	if (keyfmt_init())
		return 1;

	randombytes_buf(key, sizeof(key));
	keyfmt_encode(key, b64);
	tap_ok(strlen(b64) == 44 && b64[43] == '=', "encoding is 44 characters");
	tap_ok(!keyfmt_decode(b64, back) && !memcmp(key, back, sizeof(key)),
	       "decode(encode(key)) == key");
	snprintf(line, sizeof(line), "  %s\r\n", b64);
	tap_ok(!keyfmt_decode(line, back) && !memcmp(key, back, sizeof(key)),
	       "surrounding white space is ignored");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(keyfmt_decode(bad[i], back) == -EINVAL,
		       "refused: '%s'", bad[i]);

	keyfmt_key_id(zero, id);
	keyfmt_id_hex(id, hex);
	tap_ok(!strcmp(hex, "66687aadf862bd77"), "id of the zero key: %s", hex);
	tap_ok(!keyfmt_id_parse("66687AADF862BD77", id2) &&
	       !memcmp(id, id2, sizeof(id)), "id parses back, any case");
	tap_ok(keyfmt_id_parse("66687aadf862bd7", id2) == -EINVAL &&
	       keyfmt_id_parse("66687aadf862bd770", id2) == -EINVAL &&
	       keyfmt_id_parse("66687aadf862bdxx", id2) == -EINVAL,
	       "ids of the wrong length or with non-hex digits are refused");

	tap_ok(!keyfmt_read_key(b64, back, what, sizeof(what)) &&
	       !memcmp(key, back, sizeof(key)), "key given as its text");
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	f = fdopen(fd, "w");
	fprintf(f, "%s\n", b64);
	fclose(f);
	memset(back, 0, sizeof(back));
	tap_ok(!keyfmt_read_key(path, back, what, sizeof(what)) &&
	       !memcmp(key, back, sizeof(key)) && !strcmp(what, path),
	       "key read from a file");
	f = fopen(path, "w");
	fprintf(f, "not a key\n");
	fclose(f);
	tap_ok(keyfmt_read_key(path, back, what, sizeof(what)) == -EINVAL,
	       "a file without a key is -EINVAL");
	unlink(path);
	tap_ok(keyfmt_read_key(path, back, what, sizeof(what)) == -ENOENT,
	       "a missing file is -ENOENT");
	tap_ok(keyfmt_read_key("AAAA", back, what, sizeof(what)) == -ENOENT,
	       "neither key nor file is -ENOENT");
	return tap_done();
}
