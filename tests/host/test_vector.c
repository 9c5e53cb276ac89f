// SPDX-License-Identifier: MIT
/*
 * The committed test vector (tests/vectors/grey-160x120.*) opens with the
 * committed owner key, comes from the committed device key, and its pixel
 * payloads hash to the committed SHA-256; the userspace sealer rebuilds it
 * byte for byte from the recipe in tests/vectors/vector_gen.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tap.h"
#include "../vectors/vector_gen.h"

static const char *root(void)
{
	const char *r = getenv("SEALCAM_ROOT");

	return r && *r ? r : ".";
}

static int read_rel(const char *name, unsigned char **buf, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/vectors/%s", root(), name);
	return sc_read_file(path, buf, len);
}

static int read_key(const char *name, unsigned char key[32])
{
	unsigned char *buf;
	size_t len, bin_len = 0;
	int ret;

	if (read_rel(name, &buf, &len))
		return -1;
	ret = sodium_base642bin(key, 32, (const char *)buf, len, "\n", &bin_len,
				NULL, sodium_base64_VARIANT_ORIGINAL);
	free(buf);
	return ret || bin_len != 32 ? -1 : 0;
}

struct hashing {
	crypto_hash_sha256_state st;
	unsigned int frames;
	uint64_t first_seq, last_seq;
};

static int on_frame(void *arg, const struct sc_frame *f)
{
	struct hashing *h = arg;

	if (!h->frames)
		h->first_seq = f->meta.sequence;
	h->last_seq = f->meta.sequence;
	h->frames++;
	crypto_hash_sha256_update(&h->st, f->pixels, f->pixels_len);
	return 0;
}

int main(void)
{
	static const struct sc_reader_ops ops = { .frame = on_frame };
	unsigned char owner[32], device_pub[32], digest[32], want[32];
	unsigned char *seg, *sha_txt, *rebuilt, px[VEC_W * VEC_H];
	size_t seg_len, sha_len, rebuilt_len;
	struct hashing h = { 0 };
	crypto_hash_sha256_state st;
	struct sc_reader r;
	enum sc_unseal_exit res;
	unsigned int i, v;
	static const char *const vfile[2] = { "grey-160x120-v2.sealed",
					       "grey-160x120-v3.sealed" };
	static const unsigned int vnum[2] = { SEALCAM_FORMAT_V2,
					      SEALCAM_FORMAT_VERSION };

	if (sodium_init() < 0)
		return 1;
	tap_plan(19);
	if (!tap_ok(!read_rel("grey-160x120.sealed", &seg, &seg_len) &&
		    !read_key("owner.key", owner) &&
		    !read_key("device.pub", device_pub) &&
		    !read_rel("grey-160x120.sha256", &sha_txt, &sha_len) &&
		    sha_len >= 64 && !sodium_hex2bin(want, 32, (char *)sha_txt, 64,
						     NULL, NULL, NULL),
		    "vector files readable (segment, owner.key, device.pub, sha256)"))
		return 1;

	crypto_hash_sha256_init(&h.st);
	sc_reader_init(&r, owner, &ops, &h);
	sc_reader_expect_device(&r, device_pub);
	res = sc_reader_feed(&r, seg, seg_len, "vector");
	res = sc_reader_result(&r);
	tap_ok(res == SC_UNSEAL_OK && r.warnings == 1 &&
	       r.counts[SC_FIND_FORMAT_V1] == 1,
	       "v1 vector verifies with --expect-device, one 'format v1' warning (exit %d: %s)",
	       res, r.message);
	tap_ok(h.frames == 3 && r.segments == 1 && h.first_seq == 42 &&
	       h.last_seq == 44, "3 frames, 1 segment, sequence 42..44");
	crypto_hash_sha256_final(&h.st, digest);
	tap_ok(!memcmp(digest, want, 32),
	       "SHA-256 of the pixel payloads matches grey-160x120.sha256");
	sc_reader_free(&r);

	/* The recipe's pixels hash to the same value. */
	crypto_hash_sha256_init(&st);
	for (i = 0; i < VEC_FRAMES; i++) {
		vec_pixels(px, i);
		crypto_hash_sha256_update(&st, px, sizeof(px));
	}
	crypto_hash_sha256_final(&st, digest);
	tap_ok(!memcmp(digest, want, 32), "recipe pixels hash to the committed value");

	rebuilt = vec_build(&rebuilt_len);
	tap_ok(rebuilt && rebuilt_len == seg_len && !memcmp(rebuilt, seg, seg_len),
	       "userspace sealer rebuilds the vector byte for byte (%zu bytes)",
	       seg_len);
	free(rebuilt);

	/* A key that is not the owner's cannot open it. */
	{
		unsigned char other[32];

		vec_secret(other, "device key");
		sc_reader_init(&r, other, NULL, NULL);
		sc_reader_feed(&r, seg, seg_len, "vector");
		tap_ok(sc_reader_result(&r) == SC_UNSEAL_WRONG_KEY,
		       "device private key is not a recipient (exit 3)");
		sc_reader_free(&r);
	}
	/* Truncating and flipping the committed bytes are caught. */
	sc_reader_init(&r, owner, NULL, NULL);
	sc_reader_feed(&r, seg, seg_len - 100, "vector");
	tap_ok(sc_reader_result(&r) == SC_UNSEAL_TRUNCATED,
	       "vector cut by 100 bytes: truncated (exit 5)");
	sc_reader_free(&r);
	seg[seg_len / 2] ^= 0x20;
	sc_reader_init(&r, owner, NULL, NULL);
	sc_reader_feed(&r, seg, seg_len, "vector");
	tap_ok(sc_reader_result(&r) == SC_UNSEAL_TAMPERED,
	       "vector with one flipped bit: tampered (exit 4)");
	sc_reader_free(&r);
	free(seg);

	/* Formats v2 and v3: two recipients, each attributes every frame. */
	for (v = 0; v < 2; v++) {
		static const char *const keys[] = { "owner.key", "owner2.key" };
		unsigned char k2[32];
		unsigned int j;

		if (!tap_ok(!read_rel(vfile[v], &seg, &seg_len),
			    "v%u vector readable", vnum[v]))
			return tap_done();
		for (j = 0; j < 2; j++) {
			memset(&h, 0, sizeof(h));
			crypto_hash_sha256_init(&h.st);
			res = read_key(keys[j], k2) ? SC_UNSEAL_USAGE :
			      SC_UNSEAL_OK;
			sc_reader_init(&r, k2, &ops, &h);
			sc_reader_expect_device(&r, device_pub);
			sc_reader_feed(&r, seg, seg_len, vfile[v]);
			if (!res)
				res = sc_reader_result(&r);
			crypto_hash_sha256_final(&h.st, digest);
			/* the other recipient is not expected: exit 6 */
			tap_ok(res == SC_UNSEAL_UNEXPECTED_RECIPIENT &&
			       r.warnings == 1 &&
			       r.counts[SC_FIND_UNEXPECTED_RECIPIENT] == 1 &&
			       h.frames == 3 && !memcmp(digest, want, 32),
			       "v%u vector verifies and attributes with %s, same pixels, no v1 warning (exit %d: %s)",
			       vnum[v], keys[j], res, r.message);
			sc_reader_free(&r);
		}
		rebuilt = vec_build_version(vnum[v], &rebuilt_len);
		tap_ok(rebuilt && rebuilt_len == seg_len &&
		       !memcmp(rebuilt, seg, seg_len),
		       "userspace sealer rebuilds the v%u vector byte for byte (%zu bytes)",
		       vnum[v], seg_len);
		free(rebuilt);
		/* the last byte is owner2's last MAC: owner is not affected */
		seg[seg_len - 1] ^= 0x01;
		sc_reader_init(&r, owner, NULL, NULL);
		sc_reader_feed(&r, seg, seg_len, vfile[v]);
		res = sc_reader_result(&r);
		sc_reader_free(&r);
		(void)read_key("owner2.key", k2);
		sc_reader_init(&r, k2, NULL, NULL);
		sc_reader_feed(&r, seg, seg_len, vfile[v]);
		tap_ok(res == SC_UNSEAL_UNEXPECTED_RECIPIENT &&
		       sc_reader_result(&r) == SC_UNSEAL_TAMPERED &&
		       r.fatal == SC_FIND_FORGED,
		       "v%u: a flipped bit in the second recipient's MAC: forged for it (exit 4), fine for the first",
		       vnum[v]);
		sc_reader_free(&r);
		free(seg);
	}
	free(sha_txt);
	return tap_done();
}
