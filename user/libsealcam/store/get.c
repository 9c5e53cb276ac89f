// SPDX-License-Identifier: MIT
/*
 * Reading a store (see store.h): listings (a directory, or ListObjectsV2
 * page by page), downloads into a temporary file renamed only once the
 * body is whole and checked, and ranged reads of an object's first bytes.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "internal.h"

/* A listing page this big is not a listing (1000 keys take ~400 KB). */
#define LIST_REPLY_MAX (16u << 20)

/* An object name a file:// store may open: relative, no "..". */
static bool name_ok(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return false;
	while (p) {
		if (!strncmp(p, "../", 3) || !strcmp(p, ".."))
			return false;
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return true;
}

/* ---- listings ---- */

struct listing {
	sc_store_list_fn fn;
	void *arg;
	char *folder;			/* "" or ending in '/' */
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One entry of a directory listing; -1 when the caller stops. */
static int dir_entry(int dfd, const char *name, const struct listing *l)
{
	struct sc_store_object o = { .size = -1, .stored_ns = -1 };
	char full[PATH_MAX];
	struct stat sb;

	if (fstatat(dfd, name, &sb, 0))
		return 0;		/* gone meanwhile */
	if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
		return 0;
	o.folder = S_ISDIR(sb.st_mode);
	snprintf(full, sizeof(full), "%s%s%s", l->folder, name,
		 o.folder ? "/" : "");
	o.name = full;
	if (!o.folder)
		o.size = sb.st_size;
	o.stored_ns = sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	return l->fn(&o, l->arg);
}

/* file://: the directory, in name order; hidden and temporary files left
 * out (an upload in progress is ".tmp-NAME-..."). */
static int list_dir(struct sc_store *st, const struct listing *l, char *err,
		    size_t errlen)
{
	char path[PATH_MAX], **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	int r = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", st->dir, l->folder);
	d = opendir(path);
	if (!d && errno == ENOENT)
		return 0;		/* nothing there, as S3 says of a prefix */
	if (!d) {
		snprintf(err, errlen, "cannot list %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 64) *
					      sizeof(*names));

			if (!more)
				break;
			names = more;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			break;
		n++;
	}
	if (de) {
		snprintf(err, errlen, "cannot list %s: out of memory", path);
		r = -1;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (!r && dir_entry(dirfd(d), names[i], l))
			r = -1;
		free(names[i]);
	}
	free(names);
	closedir(d);
	return r;
}

/*
 * Percent-encode @s as SigV4's canonical query wants (all but
 * A-Za-z0-9-._~); false if it does not fit in @len.
 */
static bool query_encode(char *out, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;

	for (; *s; s++) {
		if (i + 4 > len)
			return false;
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c)) {
			out[i++] = c;
		} else {
			out[i++] = '%';
			out[i++] = hex[c >> 4];
			out[i++] = hex[c & 15];
		}
	}
	out[i] = '\0';
	return true;
}

/*
 * The XML text between @a and @b with its entities decoded (the five
 * named ones and numeric ones below 128).  False if it does not fit in
 * @len or holds an entity not understood.
 */
static bool xml_text(const char *a, const char *b, char *out, size_t len)
{
	static const struct { const char *ent; char c; } named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t i = 0, k;

	while (a < b) {
		char c = *a;

		if (c == '&') {
			const char *semi = memchr(a, ';', b - a);
			unsigned long v;
			char *end;

			if (!semi)
				return false;
			for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
				if (!strncmp(a, named[k].ent, semi + 1 - a))
					break;
			if (k < sizeof(named) / sizeof(named[0])) {
				c = named[k].c;
			} else if (a[1] == '#') {
				v = a[2] == 'x' ? strtoul(a + 3, &end, 16) :
				    strtoul(a + 2, &end, 10);
				if (end != semi || !v || v > 127)
					return false;
				c = (char)v;
			} else {
				return false;
			}
			a = semi + 1;
		} else {
			a++;
		}
		if (i + 1 >= len)
			return false;
		out[i++] = c;
	}
	out[i] = '\0';
	return true;
}

/* <TAG>text</TAG> inside [@a, @b), decoded into @out; false if absent. */
static bool block_field(const char *a, const char *b, const char *tag,
			char *out, size_t len)
{
	char open[32], close[32];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	s = memmem(a, b - a, open, strlen(open));
	if (!s)
		return false;
	s += strlen(open);
	e = memmem(s, b - s, close, strlen(close));
	return e && xml_text(s, e, out, len);
}

/* "2026-12-06T04:22:56.847Z" as ns since 1970; -1 if not that. */
static int64_t iso_time(const char *s)
{
	struct tm tm = { 0 };
	int64_t ns = 0, scale = 100000000;
	int n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || !n)
		return -1;
	if (s[n] == '.')
		for (s += n + 1; isdigit((unsigned char)*s) && scale; s++, scale /= 10)
			ns += (*s - '0') * scale;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000000LL + ns;
}

/* An ETag as sc_xfer_etag gives one: no quotes, lowercase. */
static void etag_clean(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (*s != '"')
			*o++ = tolower((unsigned char)*s);
	*o = '\0';
}

/* The name relative to the URL's prefix; NULL for a key outside it. */
static const char *relative(const struct sc_store *st, const char *key)
{
	size_t n = strlen(st->prefix);

	return strncmp(key, st->prefix, n) ? NULL : key + n;
}

/*
 * The <Contents> and <CommonPrefixes> of one page, handed to the caller;
 * *@n counts them.
 */
static int s3_page_entries(struct sc_store *st, const char *xml,
			   const struct listing *l, unsigned int *n, char *err,
			   size_t errlen)
{
	static const char *const kinds[] = { "Contents", "CommonPrefixes" };
	char key[1100], num[32], when[64], open[32], close[32];
	const char *a, *b;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		snprintf(open, sizeof(open), "<%s>", kinds[k]);
		snprintf(close, sizeof(close), "</%s>", kinds[k]);
		for (a = strstr(xml, open); a; a = strstr(b, open)) {
			struct sc_store_object o = { .folder = k == 1, .size = -1,
						     .stored_ns = -1 };

			b = strstr(a, close);
			if (!b || !block_field(a, b, k ? "Prefix" : "Key", key,
					       sizeof(key))) {
				snprintf(err, errlen, "listing of %s: a malformed "
					 "<%s> entry", st->bucket, kinds[k]);
				return -1;
			}
			o.name = relative(st, key);
			if (!o.name || !*o.name)
				continue;
			if (!k && block_field(a, b, "Size", num, sizeof(num)))
				o.size = strtoll(num, NULL, 10);
			if (!k && block_field(a, b, "LastModified", when,
					      sizeof(when)))
				o.stored_ns = iso_time(when);
			if (!k && block_field(a, b, "ETag", o.etag, sizeof(o.etag)))
				etag_clean(o.etag);
			if (l->fn(&o, l->arg))
				return -1;
			(*n)++;
		}
	}
	return 0;
}

/*
 * One ListObjectsV2 request.  The query is written in SigV4's canonical
 * form (parameters sorted, values percent-encoded): libcurl before 8.x
 * signs the query as it is given.  @token: in, the continuation token
 * ("" for the first page); out, the next one ("" after the last page).
 */
static int s3_list_page(struct sc_store *st, const struct listing *l,
			unsigned int page_size, unsigned int page, char *token,
			size_t toklen, char *code, size_t codelen, char *err,
			size_t errlen)
{
	char url[8192], enc[3400], q[7000] = "", what[1200];
	char prev[1100], truncated[16] = "";
	unsigned int entries = 0;
	struct sc_xfer x;
	long status;
	int r = -1;

	*code = '\0';
	snprintf(prev, sizeof(prev), "%s", token);
	snprintf(what, sizeof(what), "listing of s3://%s/%s%s", st->bucket,
		 st->prefix, l->folder);
	if (*token && !query_encode(enc, sizeof(enc), token)) {
		snprintf(err, errlen, "%s: a continuation token of %zu bytes",
			 what, strlen(token));
		return -1;
	}
	if (*token)
		snprintf(q, sizeof(q), "continuation-token=%s&", enc);
	snprintf(q + strlen(q), sizeof(q) - strlen(q),
		 "delimiter=%%2F&list-type=2");
	if (page_size)
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "&max-keys=%u",
			 page_size);
	snprintf(url, sizeof(url), "%s%s", st->prefix, l->folder);
	if (!query_encode(enc, sizeof(enc), url)) {
		snprintf(err, errlen, "%s: the prefix is too long", what);
		return -1;
	}
	if (*enc)
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "&prefix=%s", enc);
	snprintf(url, sizeof(url), "%s?%s", st->probe_url, q);
	if (sc_xfer_init(st, &x, url))
		return -1;
	sc_xfer_big_reply(&x, LIST_REPLY_MAX);
	sc_xfer_no_body(&x);
	if (sc_xfer_run(&x, &status, what, err, errlen) ||
	    sc_xfer_refused(&x, status, what, code, codelen, err, errlen))
		goto out;
	if (x.reply_cut || !strstr(x.reply, "<ListBucketResult")) {
		snprintf(err, errlen, "%s: HTTP %ld but the reply is not a "
			 "listing (%s)", what, status, x.reply_cut ?
			 "larger than 16 MiB" : "no <ListBucketResult>");
		goto out;
	}
	if (s3_page_entries(st, x.reply, l, &entries, err, errlen))
		goto out;
	*token = '\0';
	sc_xml_field(x.reply, "IsTruncated", truncated, sizeof(truncated));
	if (!strcmp(truncated, "true") &&
	    (!block_field(x.reply, x.reply + x.reply_len, "NextContinuationToken",
			  token, toklen) || !*token || !strcmp(token, prev))) {
		snprintf(err, errlen, "%s: the reply says there is more, but "
			 "gives no new continuation token", what);
		goto out;
	}
	sc_store_log(st, "s3: %s: page %u, %u entries%s", what, page, entries,
		     *token ? ", more to come" : "");
	r = 0;
out:
	sc_xfer_free(&x);
	return r;
}

static int list_s3(struct sc_store *st, const struct listing *l,
		   unsigned int page_size, char *err, size_t errlen)
{
	char token[1100] = "", code[64];
	unsigned int page = 0;
	int r;

	sc_s3_reload(st, false, "the file changed");
	do {
		page++;
		r = s3_list_page(st, l, page_size, page, token, sizeof(token),
				 code, sizeof(code), err, errlen);
		if (r && *code && sc_s3_reload_after(st, code))
			r = s3_list_page(st, l, page_size, page, token,
					 sizeof(token), code, sizeof(code), err,
					 errlen);
	} while (!r && *token);
	return r;
}

int sc_store_list(struct sc_store *st, const char *folder,
		  unsigned int page_size, sc_store_list_fn fn, void *arg,
		  char *err, size_t errlen)
{
	struct listing l = { .fn = fn, .arg = arg, .folder = (char *)folder };

	if (*folder && (folder[strlen(folder) - 1] != '/' || !name_ok(folder))) {
		snprintf(err, errlen, "cannot list '%s': not a folder name", folder);
		return -1;
	}
	if (st->kind == ST_FILE)
		return list_dir(st, &l, err, errlen);
	if (st->kind == ST_S3)
		return list_s3(st, &l, page_size, err, errlen);
	snprintf(err, errlen, "%s: an %s:// store cannot be listed (HTTP has "
		 "no listing)", st->c->url, sc_store_kind(st));
	return -1;
}

/* ---- downloads ---- */

struct download {
	struct sc_xfer *x;
	int fd;
	struct sc_digest digest;
	long long bytes;
	long status;
	int write_errno;
};

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= n;
	}
	return 0;
}

/* The body into the file, a refusal's body into the reply (for its error). */
static size_t download_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct download *dl = arg;
	size_t len = sz * n;

	if (!dl->status)
		curl_easy_getinfo(dl->x->h, CURLINFO_RESPONSE_CODE, &dl->status);
	if (dl->status < 200 || dl->status > 299) {
		sc_xfer_reply_add(dl->x, p, len);
		return len;
	}
	if (write_all(dl->fd, p, len)) {
		dl->write_errno = errno ? errno : EIO;
		return 0;
	}
	sc_digest_update(&dl->digest, p, len);
	dl->bytes += len;
	return len;
}

/* GET into @fd (empty); *@etag gets the reply's ETag. */
static int get_http(struct sc_store *st, const char *object, int fd,
		    struct download *dl, char *etag, size_t etaglen,
		    bool *encrypted, char *code, size_t codelen,
		    char *err, size_t errlen)
{
	char url[4096], what[600], *type = NULL;
	struct sc_xfer x;
	long status;
	int r = -1;

	*code = '\0';
	snprintf(url, sizeof(url), "%s%s", st->base, object);
	snprintf(what, sizeof(what), "GET %s", object);
	if (sc_xfer_init(st, &x, url)) {
		snprintf(err, errlen, "%s: curl init failed", what);
		return -1;
	}
	memset(dl, 0, sizeof(*dl));
	dl->x = &x;
	dl->fd = fd;
	sc_digest_init(&dl->digest, false);
	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		goto out;
	}
	sc_xfer_no_body(&x);
	curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, download_cb);
	curl_easy_setopt(x.h, CURLOPT_WRITEDATA, dl);
	if (sc_xfer_run(&x, &status, what, err, errlen)) {
		if (dl->write_errno)
			snprintf(err, errlen, "%s: cannot write the download: %s",
				 what, strerror(dl->write_errno));
		goto out;
	}
	if (sc_xfer_refused(&x, status, what, code, codelen, err, errlen))
		goto out;
	if (!curl_easy_getinfo(x.h, CURLINFO_CONTENT_TYPE, &type) && type &&
	    !strncasecmp(type, "text/html", 9)) {
		snprintf(err, errlen, "%s: HTTP %ld with a web page (%s), not the "
			 "object: the request reached something else", what,
			 status, type);
		goto out;
	}
	sc_xfer_etag(x.h, etag, etaglen);
	*encrypted = sc_xfer_encrypted(x.h);
	r = 0;
out:
	sc_xfer_free(&x);
	return r;
}

/* file://: a copy of the stored file into @fd. */
static int get_file(struct sc_store *st, const char *object, int fd,
		    struct download *dl, char *err, size_t errlen)
{
	char path[PATH_MAX], buf[65536];
	ssize_t n;
	int in;

	snprintf(path, sizeof(path), "%s/%s", st->dir, object);
	memset(dl, 0, sizeof(*dl));
	sc_digest_init(&dl->digest, false);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write_all(fd, buf, n)) {
			snprintf(err, errlen, "cannot write the copy of %s: %s",
				 path, strerror(errno));
			close(in);
			return -1;
		}
		sc_digest_update(&dl->digest, buf, n);
		dl->bytes += n;
	}
	if (n < 0)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	close(in);
	return n < 0 ? -1 : 0;
}

/* The checks of a whole body against what the listing and reply said. */
static int body_checks(const char *object, const struct download *dl,
		       const unsigned char md5[SC_MD5_LEN],
		       const struct sc_store_object *expect, const char *etag,
		       bool encrypted, struct sc_body_digest *got, char *err,
		       size_t errlen)
{
	struct sc_body_digest d;

	sc_body_digest_set(&d, dl->bytes, md5, NULL);
	if (got)
		*got = d;
	if (expect && expect->size >= 0 && expect->size != dl->bytes) {
		snprintf(err, errlen, "GET %s: %lld bytes, but the listing said "
			 "%lld: changed in the store, or cut on the way", object,
			 dl->bytes, expect->size);
		return -1;
	}
	if (*etag && sc_etag_is_md5(etag, encrypted) && strcmp(etag, d.md5_hex)) {
		snprintf(err, errlen, "GET %s: the body's MD5 is %s, its ETag %s: "
			 "corrupted on the way", object, d.md5_hex, etag);
		return -1;
	}
	if (*etag && expect && *expect->etag && strcasecmp(etag, expect->etag)) {
		snprintf(err, errlen, "GET %s: ETag %s, but the listing said %s: "
			 "the object changed in the store meanwhile", object,
			 etag, expect->etag);
		return -1;
	}
	return 0;
}

/* A temporary file beside @path, mode 0666 less the umask. */
static int part_open(const char *path, char *tmp, size_t len)
{
	const char *slash = strrchr(path, '/');
	mode_t mask;
	int fd;

	if (slash)
		snprintf(tmp, len, "%.*s/.%s.part-XXXXXX", (int)(slash - path),
			 path, slash + 1);
	else
		snprintf(tmp, len, ".%s.part-XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return fd;
}

int sc_store_get(struct sc_store *st, const char *object, const char *path,
		 const struct sc_store_object *expect,
		 struct sc_body_digest *got, char *err, size_t errlen)
{
	unsigned char md5[SC_MD5_LEN], sha[SC_SHA256_LEN];
	char tmp[PATH_MAX], etag[128] = "", code[64] = "", dir[PATH_MAX], *slash;
	bool encrypted = false;
	struct download dl;
	int fd, r;

	if (!name_ok(object)) {
		snprintf(err, errlen, "invalid object name '%s'", object);
		return -1;
	}
	fd = part_open(path, tmp, sizeof(tmp));
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (st->kind == ST_FILE) {
		r = get_file(st, object, fd, &dl, err, errlen);
	} else {
		sc_s3_reload(st, false, "the file changed");
		r = get_http(st, object, fd, &dl, etag, sizeof(etag), &encrypted,
			     code, sizeof(code), err, errlen);
		if (r && *code && sc_s3_reload_after(st, code))
			r = get_http(st, object, fd, &dl, etag, sizeof(etag),
				     &encrypted, code, sizeof(code), err, errlen);
	}
	sc_digest_final(&dl.digest, md5, sha);
	if (!r)
		r = body_checks(object, &dl, md5, expect, etag, encrypted, got,
				err, errlen);
	if (!r && fsync(fd)) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		r = -1;
	}
	if (close(fd) && !r) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		r = -1;
	}
	if (!r && rename(tmp, path)) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		r = -1;
	}
	if (r) {
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		sc_fsync_dir(dir);
	}
	return 0;
}

/* ---- ranged reads ---- */

struct range {
	struct sc_xfer *x;
	unsigned char *buf;
	size_t len, got;
	uint64_t skip;			/* a 200 reply: bytes before @offset */
	long status;
};

/* Keep the bytes of the range; stop (a write error, expected) when full. */
static size_t range_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct range *rg = arg;
	size_t len = sz * n, take;

	if (!rg->status)
		curl_easy_getinfo(rg->x->h, CURLINFO_RESPONSE_CODE, &rg->status);
	if (rg->status != 200 && rg->status != 206) {
		sc_xfer_reply_add(rg->x, p, len);
		return len;
	}
	if (rg->status == 200 && rg->skip) {
		take = len < rg->skip ? len : (size_t)rg->skip;
		rg->skip -= take;
		p += take;
		len -= take;
	}
	take = len < rg->len - rg->got ? len : rg->len - rg->got;
	memcpy(rg->buf + rg->got, p, take);
	rg->got += take;
	return rg->got == rg->len ? 0 : sz * n;
}

static int read_http(struct sc_store *st, const char *object, uint64_t offset,
		     struct range *rg, char *err, size_t errlen)
{
	char url[4096], hdr[128], what[600];
	struct sc_xfer x;
	long status;
	int r = -1;

	snprintf(url, sizeof(url), "%s%s", st->base, object);
	snprintf(what, sizeof(what), "GET %s (bytes %llu-%llu)", object,
		 (unsigned long long)offset,
		 (unsigned long long)(offset + rg->len - 1));
	if (sc_xfer_init(st, &x, url)) {
		snprintf(err, errlen, "%s: curl init failed", what);
		return -1;
	}
	rg->x = &x;
	rg->skip = offset;
	snprintf(hdr, sizeof(hdr), "Range: bytes=%llu-%llu",
		 (unsigned long long)offset,
		 (unsigned long long)(offset + rg->len - 1));
	x.hdrs = curl_slist_append(x.hdrs, hdr);
	sc_xfer_no_body(&x);
	curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, range_cb);
	curl_easy_setopt(x.h, CURLOPT_WRITEDATA, rg);
	if (sc_xfer_run(&x, &status, what, err, errlen) &&
	    !(rg->got == rg->len && rg->len))
		goto out;
	if (status == 416) {
		rg->got = 0;		/* @offset is past the end */
	} else if (status != 200 && status != 206) {
		sc_xfer_error(err, errlen, what, status, &x);
		goto out;
	}
	r = 0;
out:
	sc_xfer_free(&x);
	return r;
}

int sc_store_read(struct sc_store *st, const char *object, uint64_t offset,
		  unsigned char *buf, size_t len, size_t *got, char *err,
		  size_t errlen)
{
	struct range rg = { .buf = buf, .len = len };
	char path[PATH_MAX];
	ssize_t n = 0;
	int fd;

	*got = 0;
	if (!name_ok(object)) {
		snprintf(err, errlen, "invalid object name '%s'", object);
		return -1;
	}
	if (!len)
		return 0;
	if (st->kind != ST_FILE) {
		if (read_http(st, object, offset, &rg, err, errlen))
			return -1;
		*got = rg.got;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", st->dir, object);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && *got < len &&
	       (n = pread(fd, buf + *got, len - *got, offset + *got)) > 0)
		*got += n;
	if (fd < 0 || n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
