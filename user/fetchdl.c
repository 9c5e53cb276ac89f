// SPDX-License-Identifier: MIT
/*
 * `sealcam fetch`'s downloads: each chosen segment into
 * DIR/DEVICE/segments/ID.sealed through the store client (a temporary
 * name, renamed once whole and checked), then its first frame header
 * checked against its name; and the temporary directory the downloads go
 * to when the owner names none.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "fsutil.h"
#include "sealcam.h"

static bool md5_etag(const char *etag)
{
	return strlen(etag) == 32 && strspn(etag, "0123456789abcdef") == 32;
}

/*
 * A kept download (--download-dir, --download-only) that already is the
 * object: the listed length, and the MD5 when the ETag is one.
 */
static bool already_there(const char *path, const struct fetch_seg *s)
{
	struct sc_body_digest d;
	struct stat sb;
	bool same;
	FILE *fp;

	if (stat(path, &sb) || !S_ISREG(sb.st_mode) || sb.st_size != s->size ||
	    !md5_etag(s->etag))
		return false;
	fp = fopen(path, "rbe");
	if (!fp)
		return false;
	same = !sc_digest_file(fp, &d, false) && !strcmp(d.md5_hex, s->etag);
	fclose(fp);
	return same;
}

static bool text_page(const unsigned char *p, size_t n, char *out, size_t len)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++)
		if (p[i] != '\n' && p[i] != '\r' && p[i] != '\t' &&
		    (p[i] < 0x20 || p[i] > 0x7e))
			return false;
	for (i = 0; i < n && j + 1 < len; i++)
		out[j++] = p[i] < 0x20 ? ' ' : (char)p[i];
	out[j] = '\0';
	return true;
}

/*
 * What came is what the name says: a sealed segment (the unseal step
 * checks the rest) with the device and segment id of its name.  A store
 * that answers a web page with 200, or that renamed an object, is named.
 */
static int check_download(const char *path, const struct fetch_seg *s)
{
	unsigned char hdr[sizeof(struct sealcam_frame_hdr)];
	char why[160], text[sizeof(hdr) + 1];
	ssize_t n = -1;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, hdr, sizeof(hdr));
		close(fd);
	}
	if (n < 0) {
		fprintf(stderr, FETCH_PROG ": cannot read %s: %s\n", path,
			strerror(errno));
		return SC_EXIT_FAIL;
	}
	r = n ? fetch_check_header(hdr, n, s, why, sizeof(why)) : 0;
	if (r == -2) {
		fprintf(stderr, FETCH_PROG ": %s: tampered: %s, not what its name "
			"says (renamed in the store)\n", s->name, why);
		return SC_UNSEAL_TAMPERED;
	}
	if (r == -1 && text_page(hdr, n, text, sizeof(text))) {
		fprintf(stderr, FETCH_PROG ": GET %s: the store answered text, not a "
			"sealed segment: '%s...'\n", s->name, text);
		return SC_EXIT_FAIL;
	}
	return 0;
}

static int download_one(struct sc_store *st, const struct fetch_seg *s,
			const char *dir, bool keep, struct fetch_tally *t)
{
	struct sc_store_object expect = {
		.name = s->name, .size = s->size, .stored_ns = s->stored_ns,
	};
	char folder[PATH_MAX], path[PATH_MAX], err[2048];
	int r;

	snprintf(expect.etag, sizeof(expect.etag), "%s", s->etag);
	snprintf(folder, sizeof(folder), "%s/%s/segments", dir, s->device);
	snprintf(path, sizeof(path), "%s/%s", dir, s->name);
	r = sc_mkdirs(folder, 0755);
	if (r) {
		fprintf(stderr, FETCH_PROG ": cannot create %s: %s\n", folder,
			strerror(-r));
		return SC_EXIT_FAIL;
	}
	if (keep && already_there(path, s)) {
		t->kept++;
		return 0;
	}
	if (sc_store_get(st, s->name, path, &expect, NULL, err, sizeof(err))) {
		fprintf(stderr, FETCH_PROG ": %s\n", err);
		return SC_EXIT_FAIL;
	}
	r = check_download(path, s);
	if (r) {
		unlink(path);
		return r;
	}
	t->got++;
	t->bytes += s->size;
	return 0;
}

int fetch_download(struct sc_store *st, const struct fetch_device *dev,
		   size_t n_dev, const char *dir, bool keep,
		   volatile sig_atomic_t *stop, struct fetch_tally *t)
{
	size_t i, j;
	int r;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n_dev; i++)
		for (j = dev[i].first; j < dev[i].end; j++) {
			if (*stop)
				return SC_EXIT_FAIL;
			r = download_one(st, &dev[i].l.v[j], dir, keep, t);
			if (r)
				return r;
		}
	return 0;
}

void fetch_remove_paths(char **paths)
{
	for (; paths && *paths; paths++)
		if (unlink(*paths))
			rmdir(*paths);
}

int fetch_tmpdir(char *dir, size_t len, const struct fetch_device *dev,
		 size_t n_dev, char ***cleanup)
{
	const char *base = getenv("TMPDIR");
	size_t n = 1, k = 0, i, j;
	char **p;

	snprintf(dir, len, "%s/sealcam-fetch-XXXXXX",
		 base && *base ? base : "/var/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, FETCH_PROG ": cannot create %s: %s\n", dir,
			strerror(errno));
		*dir = '\0';
		return SC_EXIT_FAIL;
	}
	for (i = 0; i < n_dev; i++)
		n += dev[i].end - dev[i].first + 2;
	*cleanup = p = calloc(n + 1, sizeof(*p));
	if (!p)
		return SC_EXIT_FAIL;
	for (i = 0; i < n_dev; i++)
		for (j = dev[i].first; j < dev[i].end; j++)
			if (asprintf(&p[k++], "%s/%s", dir, dev[i].l.v[j].name) < 0)
				return SC_EXIT_FAIL;
	for (i = 0; i < n_dev; i++)
		if (asprintf(&p[k++], "%s/%s/segments", dir, dev[i].id) < 0 ||
		    asprintf(&p[k++], "%s/%s", dir, dev[i].id) < 0)
			return SC_EXIT_FAIL;
	p[k] = strdup(dir);
	return p[k] ? 0 : SC_EXIT_FAIL;
}
