// SPDX-License-Identifier: MIT
/*
 * Regenerate the committed test vector (see vector_gen.h):
 *   cc -Ikmod/uapi -Iuser/libsealcam -o gen tests/vectors/gen_vector.c \
 *      user/libsealcam/{sealwrite,sealed,hpke}.c -lsodium
 *   ./gen tests/vectors
 * writes grey-160x120.sealed (format v1), grey-160x120-v2.sealed and
 * grey-160x120-v3.sealed (formats v2 and v3, two recipients), owner.key, owner.pub, owner2.key, owner2.pub,
 * device.pub and grey-160x120.sha256 (SHA-256 of the pixel payloads of all frames, in
 * order; docs/FORMAT.md "Test vector").
 */
#include <stdio.h>

#include "vector_gen.h"

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

static int write_key(const char *dir, const char *name, const unsigned char k[32])
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL) + 1];

	sodium_bin2base64(b64, sizeof(b64), k, 32, sodium_base64_VARIANT_ORIGINAL);
	strcat(b64, "\n");
	return write_file(dir, name, b64, strlen(b64));
}

int main(int argc, char **argv)
{
	unsigned char owner[32], owner_pub[32], dev[32], dev_pub[32];
	unsigned char owner2[32], owner2_pub[32], *buf2, *buf3;
	size_t len2, len3;
	unsigned char px[VEC_W * VEC_H], h[32];
	crypto_hash_sha256_state st;
	char hex[65];
	unsigned char *buf;
	size_t len;
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	buf = vec_build(&len);
	buf2 = vec_build_version(SEALCAM_FORMAT_V2, &len2);
	buf3 = vec_build_version(SEALCAM_FORMAT_VERSION, &len3);
	if (!buf || !buf2 || !buf3)
		return 1;
	vec_secret(owner2, "second owner key");
	crypto_scalarmult_base(owner2_pub, owner2);
	vec_secret(owner, "owner key");
	vec_secret(dev, "device key");
	crypto_scalarmult_base(owner_pub, owner);
	crypto_scalarmult_base(dev_pub, dev);
	crypto_hash_sha256_init(&st);
	for (i = 0; i < VEC_FRAMES; i++) {
		vec_pixels(px, i);
		crypto_hash_sha256_update(&st, px, sizeof(px));
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	strcat(hex, "\n");
	if (write_file(argv[1], "grey-160x120.sealed", buf, len) ||
	    write_file(argv[1], "grey-160x120-v2.sealed", buf2, len2) ||
	    write_file(argv[1], "grey-160x120-v3.sealed", buf3, len3) ||
	    write_key(argv[1], "owner.key", owner) ||
	    write_key(argv[1], "owner2.key", owner2) ||
	    write_key(argv[1], "owner2.pub", owner2_pub) ||
	    write_key(argv[1], "owner.pub", owner_pub) ||
	    write_key(argv[1], "device.pub", dev_pub) ||
	    write_file(argv[1], "grey-160x120.sha256", hex, strlen(hex)))
		return 1;
	free(buf);
	free(buf2);
	free(buf3);
	return 0;
}
