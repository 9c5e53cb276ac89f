// SPDX-License-Identifier: MIT
/*
 * One request: this thread's libcurl handle set up with the store's
 * timeouts, TLS checks and authentication (SigV4 by libcurl, or a bearer
 * token), the reply body kept for errors and listings, and a refusal
 * turned into one line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static __thread CURL *thread_handle;

/* What each S3 error code means for the owner of the configuration. */
static const struct {
	const char *code, *hint;
} s3_hints[] = {
	{ "SignatureDoesNotMatch", "the secret key is wrong, or the "
	  "request was changed on the way" },
	{ "InvalidAccessKeyId", "the access key id is unknown to this server" },
	{ "AccessDenied", "these credentials may not do this here" },
	{ "NoSuchBucket", "create the bucket, or fix the bucket name" },
	{ "NoSuchKey", "the object is not (or no longer) in the store" },
	{ "ExpiredToken", "the session token has expired: renew the "
	  "credentials (the credentials file is re-read)" },
	{ "RequestTimeTooSkewed", "this computer's clock is wrong" },
};

/* A heap buffer of at least @need bytes, at most reply_limit; or as it was. */
static void reply_grow(struct sc_xfer *x, size_t need)
{
	size_t cap = x->reply_max;
	char *buf;

	while (cap < need && cap < x->reply_limit)
		cap *= 2;
	if (cap > x->reply_limit)
		cap = x->reply_limit;
	buf = x->reply == x->small ? malloc(cap) : realloc(x->reply, cap);
	if (!buf)
		return;		/* the reply is then cut */
	if (x->reply == x->small)
		memcpy(buf, x->small, x->reply_len + 1);
	x->reply = buf;
	x->reply_max = cap;
}

void sc_xfer_reply_add(struct sc_xfer *x, const char *p, size_t len)
{
	if (x->reply_len + len >= x->reply_max && x->reply_max < x->reply_limit)
		reply_grow(x, x->reply_len + len + 1);
	if (len > x->reply_max - 1 - x->reply_len) {
		x->reply_cut = true;
		len = x->reply_max - 1 - x->reply_len;
	}
	memcpy(x->reply + x->reply_len, p, len);
	x->reply_len += len;
	x->reply[x->reply_len] = '\0';
}

static size_t reply_cb(char *p, size_t sz, size_t n, void *arg)
{
	sc_xfer_reply_add(arg, p, sz * n);
	return sz * n;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	volatile sig_atomic_t *stop = arg;

	return stop && *stop ? 1 : 0;	/* abort: an upload stays queued */
}

int sc_xfer_init(struct sc_store *st, struct sc_xfer *x, const char *url)
{
	const struct sc_store_config *c = st->c;

	memset(x, 0, sizeof(*x));
	x->reply = x->small;
	x->reply_max = x->reply_limit = sizeof(x->small);
	x->stop = st->ops.stop;
	/* one handle per thread, reset between requests: connections are
	 * reused (PUT then HEAD on one connection) */
	if (!thread_handle)
		thread_handle = curl_easy_init();
	else
		curl_easy_reset(thread_handle);
	x->h = thread_handle;
	if (!x->h)
		return -1;
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
	/* a request that moves nothing for timeout_s fails: slow replies too */
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_TIME, c->timeout_s);
	curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, (void *)x->stop);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, reply_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);
	if (st->kind == ST_FILE) {
		curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "file");
	} else {
		curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR,
				 st->kind == ST_HTTPS ? "https" : "http,https");
		curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
		curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
		if (c->ca_file)
			curl_easy_setopt(x->h, CURLOPT_CAINFO, c->ca_file);
	}
	if (st->kind == ST_S3) {
		x->s3 = true;
		x->region = c->s3_region;
		curl_easy_setopt(x->h, CURLOPT_AWS_SIGV4, st->sigv4);
		/* libcurl copies both: a reload may free ours at once */
		pthread_mutex_lock(&st->lock);
		curl_easy_setopt(x->h, CURLOPT_USERPWD, st->userpwd);
		if (st->session_hdr)
			x->hdrs = curl_slist_append(x->hdrs, st->session_hdr);
		pthread_mutex_unlock(&st->lock);
	} else if (st->auth_hdr) {
		x->hdrs = curl_slist_append(x->hdrs, st->auth_hdr);
	}
	return 0;
}

void sc_xfer_no_body(struct sc_xfer *x)
{
	char hdr[128];

	if (!x->s3)
		return;
	snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", sc_empty_sha256);
	x->hdrs = curl_slist_append(x->hdrs, hdr);
}

void sc_xfer_big_reply(struct sc_xfer *x, size_t max)
{
	x->reply_limit = max;
}

void sc_xfer_free(struct sc_xfer *x)
{
	if (x->h) {
		/* the handle outlives this request: drop what points into it */
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(x->h, CURLOPT_READDATA, NULL);
		curl_easy_setopt(x->h, CURLOPT_WRITEDATA, NULL);
		curl_easy_setopt(x->h, CURLOPT_HEADERDATA, NULL);
	}
	curl_slist_free_all(x->hdrs);
	if (x->body)
		fclose(x->body);
	if (x->reply != x->small)
		free(x->reply);
	x->reply = x->small;
}

void sc_store_thread_done(void)
{
	if (thread_handle)
		curl_easy_cleanup(thread_handle);
	thread_handle = NULL;
}

int sc_xfer_run(struct sc_xfer *x, long *status, const char *what,
		char *err, size_t errlen)
{
	CURLcode rc;

	if (x->hdrs)
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
	rc = curl_easy_perform(x->h);
	*status = 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s%s%s", what,
			 x->stop && *x->stop ? "stopped: " : "",
			 curl_easy_strerror(rc), *x->curl_err ? " - " : "");
		if (*x->curl_err)
			snprintf(err + strlen(err), errlen - strlen(err), "%s",
				 x->curl_err);
		return -1;
	}
	return 0;
}

void sc_xfer_etag(CURL *h, char *out, size_t len)
{
	struct curl_header *hdr;
	const char *v;
	size_t i = 0;

	*out = '\0';
	if (curl_easy_header(h, "ETag", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
		return;
	v = hdr->value;
	if (!strncmp(v, "W/", 2))
		v += 2;
	for (; *v && i + 1 < len; v++)
		if (*v != '"' && !isspace((unsigned char)*v))
			out[i++] = tolower((unsigned char)*v);
	out[i] = '\0';
}

/*
 * SSE-KMS and SSE-C make the ETag something other than the MD5 of the
 * body, and a reply says so in these headers (SSE-S3, "AES256", keeps it
 * the MD5).
 */
bool sc_xfer_encrypted(CURL *h)
{
	struct curl_header *hdr;

	if (curl_easy_header(h, "x-amz-server-side-encryption-customer-algorithm",
			     0, CURLH_HEADER, -1, &hdr) == CURLHE_OK)
		return true;
	return curl_easy_header(h, "x-amz-server-side-encryption", 0,
				CURLH_HEADER, -1, &hdr) == CURLHE_OK &&
	       !strncasecmp(hdr->value, "aws:kms", 7);
}

/*
 * Whether an ETag claims to be the MD5 of the body: 32 hex digits, and no
 * encryption that makes it something else.  Any other ETag (a multipart
 * "HEX-N", a store's own format) proves nothing about the body; the
 * store's check of Content-MD5 and of the signed x-amz-content-sha256,
 * then the HEAD's length, confirm an upload instead.
 */
bool sc_etag_is_md5(const char *etag, bool encrypted)
{
	return !encrypted && strlen(etag) == 32 &&
	       strspn(etag, "0123456789abcdef") == 32;
}

bool sc_xml_field(const char *xml, const char *tag, char *out, size_t len)
{
	char open[64], close[64];
	const char *a, *b;
	size_t i = 0;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(xml, open);
	if (!a)
		return false;
	a += strlen(open);
	b = strstr(a, close);
	if (!b)
		return false;
	for (; a < b && i + 1 < len; a++)
		out[i++] = isprint((unsigned char)*a) ? *a : ' ';
	out[i] = '\0';
	return true;
}

void sc_xfer_code(const struct sc_xfer *x, char *code, size_t len)
{
	if (!sc_xml_field(x->reply, "Code", code, len))
		*code = '\0';
}

static const char *s3_hint(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(s3_hints) / sizeof(s3_hints[0]); i++)
		if (!strcmp(code, s3_hints[i].code))
			return s3_hints[i].hint;
	return NULL;
}

/* An S3 error reply as one line: code, message, what to do; 0 if none. */
static bool s3_error(char *err, size_t errlen, const char *what, long status,
		     const struct sc_xfer *x)
{
	char code[64], msg[256] = "", region[64] = "";
	struct curl_header *hdr;
	const char *hint;

	if (!sc_xml_field(x->reply, "Code", code, sizeof(code)) || !*code)
		return false;
	sc_xml_field(x->reply, "Message", msg, sizeof(msg));
	if (!sc_xml_field(x->reply, "Region", region, sizeof(region)) &&
	    curl_easy_header(x->h, "x-amz-bucket-region", 0, CURLH_HEADER, -1,
			     &hdr) == CURLHE_OK)
		snprintf(region, sizeof(region), "%s", hdr->value);
	hint = s3_hint(code);
	snprintf(err, errlen, "%s: HTTP %ld %s%s%s%s%s", what, status, code,
		 *msg ? ": " : "", msg, hint ? " - " : "", hint ? hint : "");
	if (*region && x->region && strcmp(region, x->region))
		snprintf(err + strlen(err), errlen - strlen(err),
			 " (the server wants region %s: --s3-region %s)", region,
			 region);
	return true;
}

void sc_xfer_error(char *err, size_t errlen, const char *what, long status,
		   const struct sc_xfer *x)
{
	char snippet[160];
	size_t i, j = 0;

	if (s3_error(err, errlen, what, status, x))
		return;
	for (i = 0; i < x->reply_len && j + 1 < sizeof(snippet); i++)
		snippet[j++] = isprint((unsigned char)x->reply[i]) ? x->reply[i] : ' ';
	snippet[j] = '\0';
	snprintf(err, errlen, "%s: HTTP %ld%s%s", what, status, j ? ": " : "",
		 snippet);
}

bool sc_xfer_refused(const struct sc_xfer *x, long status, const char *what,
		     char *code, size_t codelen, char *err, size_t errlen)
{
	if (status >= 200 && status <= 299)
		return false;
	sc_xfer_error(err, errlen, what, status, x);
	if (code)
		sc_xfer_code(x, code, codelen);
	return true;
}
