// SPDX-License-Identifier: MIT
/*
 * Uploads, each confirmed before it counts (see store.h): a file:// copy
 * by re-reading it, a PUT by its reply's ETag and a HEAD of what was
 * stored.  An ETag that claims to be an MD5 must be the body's; one that
 * keeps disagreeing holds the object after ETAG_MISS_MAX uploads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "internal.h"

/* After this many uploads in a row answered by an MD5-like ETag that is not
 * the body's, the object is held (not sent again). */
#define ETAG_MISS_MAX 3

/*
 * The body's digests: the caller's (a spool's sidecar, written as the
 * frames arrived, so that the file is read only once, to send it) when
 * they are for a file of this size, else by reading the file.
 */
static int body_digest(FILE *body, const struct sc_body_digest *known,
		       struct sc_body_digest *d, bool with_sha256)
{
	struct stat st;

	if (known && !fstat(fileno(body), &st) && st.st_size == known->size &&
	    (!with_sha256 || strcmp(known->sha256_hex, "-"))) {
		*d = *known;
		return 0;
	}
	return sc_digest_file(body, d, with_sha256);
}

/* x->body, @size bytes, as the request's body, at --max-send-speed. */
static void upload_body(struct sc_store *st, struct sc_xfer *x, long long size)
{
	curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->h, CURLOPT_READDATA, x->body);
	curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	if (st->c->max_send_speed)
		curl_easy_setopt(x->h, CURLOPT_MAX_SEND_SPEED_LARGE,
				 (curl_off_t)st->c->max_send_speed);
}

static int put_file(struct sc_store *st, const char *path, const char *object,
		    const struct sc_body_digest *known, char *err, size_t errlen)
{
	char final[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX], url[4096], *slash;
	struct sc_body_digest want, got;
	struct sc_xfer x;
	long status;
	FILE *f;
	int fd, r = -1;

	snprintf(final, sizeof(final), "%s/%s", st->dir, object);
	snprintf(dir, sizeof(dir), "%s", final);
	slash = strrchr(dir, '/');
	*slash = '\0';
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%lu", dir, slash + 1,
		 (unsigned long)pthread_self());
	/* the temporary URL: base + dir part of object + temp name */
	{
		const char *oslash = strrchr(object, '/');

		snprintf(url, sizeof(url), "%s%.*s/.tmp-%s-%lu", st->base,
			 (int)(oslash - object), object, oslash + 1,
			 (unsigned long)pthread_self());
	}
	r = sc_mkdirs(dir, 0755);
	if (r) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(-r));
		return -1;
	}
	if (sc_xfer_init(st, &x, url)) {
		snprintf(err, errlen, "curl init failed");
		return -1;
	}
	r = -1;
	x.body = fopen(path, "rbe");
	/* a file:// copy is confirmed by its size and MD5 only */
	if (!x.body || body_digest(x.body, known, &want, false)) {
		snprintf(err, errlen, "read %s: %s", path, strerror(errno));
		goto out;
	}
	upload_body(st, &x, want.size);
	if (sc_xfer_run(&x, &status, "copy", err, errlen))
		goto out_unlink;
	/* confirm: the copy on disk, fsynced, has the same size and MD5 */
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out_unlink;
	}
	f = fdopen(fd, "rb");
	if (!f || sc_digest_file(f, &got, false)) {
		snprintf(err, errlen, "re-read %s: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		else
			close(fd);
		goto out_unlink;
	}
	fclose(f);
	if (got.size != want.size || memcmp(got.md5, want.md5, 16)) {
		snprintf(err, errlen, "copy of %s differs (%lld bytes, md5 %s; "
			 "expected %lld, %s)", object, got.size, got.md5_hex,
			 want.size, want.md5_hex);
		goto out_unlink;
	}
	if (rename(tmp, final)) {
		snprintf(err, errlen, "rename to %s: %s", final, strerror(errno));
		goto out_unlink;
	}
	r = sc_fsync_dir(dir);
	if (r)
		snprintf(err, errlen, "fsync %s: %s", dir, strerror(-r));
	goto out;
out_unlink:
	unlink(tmp);
out:
	sc_xfer_free(&x);
	return r ? -1 : 0;
}

/* Uploads of @object answered by an MD5-like ETag not the body's; +@add. */
static unsigned int etag_misses(struct sc_store *st, const char *object, int add)
{
	struct sc_etag_miss *m = NULL;
	unsigned int n;
	size_t i;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->n_misses && !m; i++)
		if (!strcmp(st->misses[i].object, object))
			m = &st->misses[i];
	if (!m && add > 0) {
		m = realloc(st->misses, (st->n_misses + 1) * sizeof(*m));
		if (m) {
			st->misses = m;
			m = &st->misses[st->n_misses++];
			snprintf(m->object, sizeof(m->object), "%s", object);
			m->uploads = 0;
		}
	}
	if (m && add < 0) {
		*m = st->misses[--st->n_misses];
		m = NULL;
	}
	if (m)
		m->uploads += add;
	n = m ? m->uploads : 0;
	pthread_mutex_unlock(&st->lock);
	return n;
}

/*
 * An ETag of 32 hex digits that is not the MD5 of the body, and no
 * server-side encryption to explain it: either the body was corrupted on
 * the way (another upload cures that), or the store makes ETags that are
 * not MD5s and does not say so (no upload ever will).  Nothing in the
 * reply tells the two apart, so after ETAG_MISS_MAX such uploads in a row
 * the object is held: it stays in the spool, is not sent again by this
 * agent, and every retry repeats why.  A restart tries again.
 */
static int etag_mismatch(struct sc_store *st, const char *object,
			 const char *what, const char *etag,
			 const struct sc_body_digest *want, char *err, size_t errlen)
{
	unsigned int n = etag_misses(st, object, 1);

	if (n < ETAG_MISS_MAX)
		snprintf(err, errlen, "%s: ETag %s is not the MD5 of the body sent "
			 "(%s): corrupted on the way (upload %u; held after %u)",
			 what, etag, want->md5_hex, n, ETAG_MISS_MAX);
	else
		snprintf(err, errlen, "%s: ETag %s is not the MD5 of the body sent "
			 "(%s), %u uploads in a row, and no server-side encryption "
			 "named: corrupted on the way each time, or a store whose "
			 "ETags are not MD5s. Held: kept in the spool, not sent "
			 "again until the agent restarts", what, etag,
			 want->md5_hex, n);
	return -1;
}

/*
 * HEAD the object: 2xx and the same length; the ETag the PUT answered
 * (@put_etag, if any), else an MD5 ETag that is the body's.
 */
static int head_confirm(struct sc_store *st, const char *url, const char *object,
			const struct sc_body_digest *want, const char *put_etag,
			char *err, size_t errlen)
{
	char etag[128], what[600];
	curl_off_t len = -1;
	struct sc_xfer x;
	long status;
	int r = -1;

	snprintf(what, sizeof(what), "HEAD %s", object);
	if (sc_xfer_init(st, &x, url))
		return -1;
	curl_easy_setopt(x.h, CURLOPT_NOBODY, 1L);
	sc_xfer_no_body(&x);
	if (sc_xfer_run(&x, &status, what, err, errlen) ||
	    sc_xfer_refused(&x, status, what, NULL, 0, err, errlen))
		goto out;
	curl_easy_getinfo(x.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	sc_xfer_etag(x.h, etag, sizeof(etag));
	if (len != want->size) {
		snprintf(err, errlen, "%s: stored length %lld, sent %lld", what,
			 (long long)len, want->size);
		goto out;
	}
	if (st->kind == ST_S3 && !*etag) {
		snprintf(err, errlen, "%s: no ETag", what);
		goto out;
	}
	if (*put_etag && *etag && strcmp(etag, put_etag)) {
		snprintf(err, errlen, "%s: ETag %s, but the PUT was answered %s: "
			 "the stored object is not the one sent", what, etag,
			 put_etag);
		goto out;
	}
	if (!*put_etag && *etag && sc_etag_is_md5(etag, sc_xfer_encrypted(x.h)) &&
	    strcmp(etag, want->md5_hex)) {
		snprintf(err, errlen, "%s: stored ETag %s is not the MD5 of the "
			 "body sent (%s): corrupted on the way", what, etag,
			 want->md5_hex);
		goto out;
	}
	r = 0;
out:
	sc_xfer_free(&x);
	return r;
}

/*
 * PUT then HEAD.  @code gets the S3 error code of a refused PUT (for
 * sc_store_put's decision to reload the credentials), "" otherwise.
 */
static int put_http(struct sc_store *st, const char *path, const char *object,
		    const struct sc_body_digest *known, char *code,
		    size_t codelen, char *err, size_t errlen)
{
	char url[4096], hdr[160], etag[128], what[600];
	struct sc_body_digest want;
	unsigned int held;
	struct sc_xfer x;
	long status;
	int r = -1;

	*code = '\0';
	snprintf(url, sizeof(url), "%s%s", st->base, object);
	snprintf(what, sizeof(what), "PUT %s", object);
	held = etag_misses(st, object, 0);
	if (held >= ETAG_MISS_MAX) {
		snprintf(err, errlen, "%s: held after %u uploads answered with an "
			 "ETag that is not the MD5 of the body: kept in the spool, "
			 "not sent again until the agent restarts", what, held);
		return -1;
	}
	if (sc_xfer_init(st, &x, url)) {
		snprintf(err, errlen, "curl init failed");
		return -1;
	}
	x.body = fopen(path, "rbe");
	if (!x.body || body_digest(x.body, known, &want, true)) {
		snprintf(err, errlen, "read %s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", want.sha256_hex);
	x.hdrs = curl_slist_append(x.hdrs, hdr);
	snprintf(hdr, sizeof(hdr), "Content-MD5: %s", want.md5_b64);
	x.hdrs = curl_slist_append(x.hdrs, hdr);
	x.hdrs = curl_slist_append(x.hdrs, "Content-Type: application/octet-stream");
	/*
	 * No "Expect:" header of ours: libcurl before 8.3 (Debian 12 has
	 * 7.88) signs every header given here, even one given empty to remove
	 * it, and then does not send it, so every SigV4-verifying server
	 * answers SignatureDoesNotMatch.  libcurl's own "Expect: 100-continue"
	 * is not signed, and lets the server refuse before the body is sent.
	 */
	upload_body(st, &x, want.size);
	if (sc_xfer_run(&x, &status, what, err, errlen) ||
	    sc_xfer_refused(&x, status, what, code, codelen, err, errlen))
		goto out;
	sc_xfer_etag(x.h, etag, sizeof(etag));
	if (st->kind == ST_S3 && !*etag) {
		snprintf(err, errlen, "%s: HTTP %ld without an ETag", what, status);
		goto out;
	}
	if (sc_etag_is_md5(etag, sc_xfer_encrypted(x.h)) &&
	    strcmp(etag, want.md5_hex)) {
		r = etag_mismatch(st, object, what, etag, &want, err, errlen);
		goto out;
	}
	r = head_confirm(st, url, object, &want, etag, err, errlen);
	if (!r)
		etag_misses(st, object, -1);
out:
	sc_xfer_free(&x);
	return r;
}

/*
 * One upload.  For S3, the credentials file is checked first (a stat),
 * and a refusal that new credentials may cure is sent once more with them.
 */
int sc_store_put(struct sc_store *st, const char *path, const char *object,
		 const struct sc_body_digest *known, char *err, size_t errlen)
{
	char code[64];
	int r;

	if (st->kind == ST_FILE)
		return put_file(st, path, object, known, err, errlen);
	sc_s3_reload(st, false, "the file changed");
	r = put_http(st, path, object, known, code, sizeof(code), err, errlen);
	if (r && *code && sc_s3_reload_after(st, code))
		r = put_http(st, path, object, known, code, sizeof(code), err,
			     errlen);
	return r;
}
