// SPDX-License-Identifier: MIT
/*
 * libFuzzer target over the segment reader (user/libsealcam/sealed.c).
 * The input is split into up to three "files" at 0xff 'S' 'C' 'F' '|'
 * markers and fed in order, so continuity checks across files run too. The
 * reader holds the committed test vector's owner key, so mutations of the
 * seed corpus (tests/vectors/grey-160x120.sealed) reach HPKE, the AEAD and
 * the ordering checks. Findings are normal; crashes, leaks and undefined
 * behaviour are not. Every result must map to a documented exit code. The
 * same "files" are read again from memfds (sc_reader_feed_fd, the chunked
 * reader `sealcam unseal` uses) and must give the same result; a third
 * reader keeps going after cuts (keep_cut), as `sealcam unseal` does.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ikmod/uapi \
 *     -Iuser/libsealcam tests/fuzz/fuzz_sealed.c user/libsealcam/sealed.c \
 *     user/libsealcam/hpke.c -lsodium -o fuzz_sealed
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "sealed.h"

static unsigned char owner_priv[32];
static const unsigned char marker[5] = { 0xff, 'S', 'C', 'F', '|' };

static int on_frame(void *arg, const struct sc_frame *f)
{
	size_t *sum = arg;

	/* touch every pixel so ASan sees out-of-bounds payloads */
	if (f->pixels_len)
		*sum += f->pixels[0] + f->pixels[f->pixels_len - 1];
	if (!f->seg || f->pixels_len != f->meta.payload_len)
		abort();
	return 0;
}

static void on_report(void *arg, enum sc_finding f, bool fatal,
		      const char *source, const char *msg)
{
	(void)arg;
	(void)source;
	if (f <= SC_FIND_NONE || f >= SC_FIND_MAX || fatal != sc_finding_fatal(f) ||
	    !msg || !*msg)
		abort();
}

static const struct sc_reader_ops ops = {
	.frame = on_frame,
	.report = on_report,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char label[] = "sealcam test vector: owner key";

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	crypto_hash_sha256(owner_priv, (const unsigned char *)label,
			   sizeof(label) - 1);
	return 0;
}

static bool valid_code(enum sc_unseal_exit code)
{
	return code == SC_UNSEAL_OK || code == SC_UNSEAL_WRONG_KEY ||
	       code == SC_UNSEAL_TAMPERED || code == SC_UNSEAL_TRUNCATED ||
	       code == SC_UNSEAL_UNEXPECTED_RECIPIENT ||
	       code == SC_UNSEAL_UNEXPECTED_DEVICE || code == SC_UNSEAL_REPLAY ||
	       code == SC_UNSEAL_UNAUTHENTICATED;
}

enum how { FROM_MEMORY, FROM_FD, KEEP_CUT };

struct outcome {
	enum sc_unseal_exit code;
	uint64_t frames;
	size_t sum;
};

static struct outcome read_parts(const unsigned char **part,
				 const size_t *part_len, size_t n, enum how how)
{
	struct outcome o = { 0 };
	struct sc_reader r;
	size_t i;

	if (sc_reader_init(&r, owner_priv, &ops, &o.sum))
		abort();
	if (how == KEEP_CUT)
		sc_reader_keep_cut_segments(&r);
	for (i = 0; i < n; i++) {
		/* copy so reads past a part's end are caught by ASan */
		unsigned char *copy = malloc(part_len[i] ? part_len[i] : 1);
		int fd;

		memcpy(copy, part[i], part_len[i]);
		if (how == FROM_FD) {
			fd = memfd_create("fuzz", MFD_CLOEXEC);
			if (fd < 0 || write(fd, copy, part_len[i]) !=
				      (ssize_t)part_len[i] || lseek(fd, 0, SEEK_SET))
				abort();
			sc_reader_feed_fd(&r, fd, "fuzz");
			close(fd);
		} else {
			sc_reader_feed(&r, copy, part_len[i], "fuzz");
		}
		free(copy);
	}
	o.code = sc_reader_result(&r);
	o.frames = r.frames;
	if (!valid_code(o.code))
		abort();
	if ((o.code == SC_UNSEAL_OK) !=
	    (r.fatal == SC_FIND_NONE && !r.cuts && !r.unexpected_recipient))
		abort();
	sc_reader_free(&r);
	return o;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *part[3];
	size_t part_len[3], n = 0, start = 0, i;
	struct outcome mem, fd, kept;

	for (i = 0; i + sizeof(marker) <= size && n < 2; i++)
		if (!memcmp(data + i, marker, sizeof(marker))) {
			part[n] = data + start;
			part_len[n++] = i - start;
			start = i + sizeof(marker);
			i = start - 1;
		}
	part[n] = data + start;
	part_len[n++] = size - start;

	mem = read_parts(part, part_len, n, FROM_MEMORY);
	fd = read_parts(part, part_len, n, FROM_FD);
	if (fd.code != mem.code || fd.frames != mem.frames || fd.sum != mem.sum)
		abort();
	kept = read_parts(part, part_len, n, KEEP_CUT);
	/* keeping cut segments only ever adds frames after a cut */
	if (kept.frames < mem.frames ||
	    (mem.code != SC_UNSEAL_TRUNCATED && kept.code != mem.code))
		abort();
	return 0;
}
