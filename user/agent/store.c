// SPDX-License-Identifier: MIT
/* The uploaders (see store.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include "digest.h"
#include "store.h"

enum store_kind_id { ST_FILE, ST_S3, ST_HTTPS, ST_HTTP };

struct store {
	enum store_kind_id kind;
	char dir[PATH_MAX];		/* file: decoded directory */
	char base[2048];		/* URL the object name is appended to */
	char probe_url[2048];		/* s3: the bucket; https: the base */
	char bucket[256];		/* s3 */
	char sigv4[128];
	char *userpwd;			/* s3: "AKID:SECRET" */
	char *session_hdr;		/* s3: x-amz-security-token: ... */
	char *auth_hdr;			/* https: Authorization: Bearer ... */
	const struct agent_config *c;
};

static const char empty_sha256[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const char *store_kind(const struct store *st)
{
	static const char *const names[] = { "file", "s3", "https", "http" };

	return names[st->kind];
}

void store_free(struct store *st)
{
	if (!st)
		return;
	if (st->userpwd) {
		sodium_memzero(st->userpwd, strlen(st->userpwd));
		free(st->userpwd);
	}
	if (st->session_hdr) {
		sodium_memzero(st->session_hdr, strlen(st->session_hdr));
		free(st->session_hdr);
	}
	if (st->auth_hdr) {
		sodium_memzero(st->auth_hdr, strlen(st->auth_hdr));
		free(st->auth_hdr);
	}
	free(st);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* AWS shared credentials file, one [profile]. 0 when both keys found. */
static int read_credentials_file(const char *path, const char *profile,
				 char **akid, char **secret, char **token)
{
	char line[1024], want[256];
	bool in = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "[%s]", profile);
	while (fgets(line, sizeof(line), f)) {
		char *l = trim(line), *eq, *k, *v;

		if (*l == '[') {
			in = !strcmp(l, want);
			continue;
		}
		if (!in || *l == '#' || *l == ';' || !(eq = strchr(l, '=')))
			continue;
		*eq = '\0';
		k = trim(l);
		v = trim(eq + 1);
		if (!strcmp(k, "aws_access_key_id"))
			*akid = strdup(v);
		else if (!strcmp(k, "aws_secret_access_key"))
			*secret = strdup(v);
		else if (!strcmp(k, "aws_session_token"))
			*token = strdup(v);
	}
	sodium_memzero(line, sizeof(line));
	fclose(f);
	return *akid && *secret ? 0 : -1;
}

static int s3_credentials(struct store *st, char *err, size_t errlen)
{
	const struct agent_config *c = st->c;
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");
	char *fak = NULL, *fsk = NULL, *ftok = NULL, path[PATH_MAX];
	const char *where = "environment";
	size_t n;

	if (!(ak && *ak && sk && *sk)) {
		if (c->credentials_file)
			snprintf(path, sizeof(path), "%s", c->credentials_file);
		else if (getenv("AWS_SHARED_CREDENTIALS_FILE"))
			snprintf(path, sizeof(path), "%s",
				 getenv("AWS_SHARED_CREDENTIALS_FILE"));
		else
			snprintf(path, sizeof(path), "%s/.aws/credentials",
				 getenv("HOME") ? getenv("HOME") : "/root");
		if (read_credentials_file(path, c->profile, &fak, &fsk, &ftok)) {
			snprintf(err, errlen, "s3: no credentials: AWS_ACCESS_KEY_ID "
				 "and AWS_SECRET_ACCESS_KEY are not set and %s has "
				 "no profile [%s] with both keys", path, c->profile);
			free(fak);
			free(fsk);
			free(ftok);
			return -1;
		}
		ak = fak;
		sk = fsk;
		tok = ftok;
		where = path;
	}
	if (strchr(ak, ':')) {
		snprintf(err, errlen, "s3: invalid access key id from %s", where);
		free(fak);
		free(fsk);
		free(ftok);
		return -1;
	}
	n = strlen(ak) + strlen(sk) + 2;
	st->userpwd = malloc(n);
	if (st->userpwd)
		snprintf(st->userpwd, n, "%s:%s", ak, sk);
	if (tok && *tok) {
		n = strlen(tok) + 32;
		st->session_hdr = malloc(n);
		if (st->session_hdr)
			snprintf(st->session_hdr, n, "x-amz-security-token: %s", tok);
	}
	if (fsk)
		sodium_memzero(fsk, strlen(fsk));
	if (ftok)
		sodium_memzero(ftok, strlen(ftok));
	free(fak);
	free(fsk);
	free(ftok);
	return st->userpwd ? 0 : -1;
}

static bool is_loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") ||
	       !strcmp(host, "[::1]") || !strcmp(host, "::1");
}

static bool is_aws_host(const char *host)
{
	size_t n = strlen(host), m = strlen(".amazonaws.com");

	return n > m && !strcasecmp(host + n - m, ".amazonaws.com");
}

static int init_s3(struct store *st, char *err, size_t errlen)
{
	const struct agent_config *c = st->c;
	const char *rest = c->url + 5, *slash;
	char bucket[256], prefix[1024] = "", endpoint[1024];
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLU *u;
	size_t blen;
	bool path_style;

	slash = strchr(rest, '/');
	blen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (!blen || blen >= sizeof(bucket)) {
		snprintf(err, errlen, "s3: no bucket in %s", c->url);
		return -1;
	}
	memcpy(bucket, rest, blen);
	bucket[blen] = '\0';
	for (size_t i = 0; i < blen; i++)
		if (!islower((unsigned char)bucket[i]) && !isdigit((unsigned char)bucket[i]) &&
		    bucket[i] != '-' && bucket[i] != '.') {
			snprintf(err, errlen, "s3: invalid bucket name '%s'", bucket);
			return -1;
		}
	if (slash) {
		snprintf(prefix, sizeof(prefix), "%s", slash + 1);
		while (*prefix && prefix[strlen(prefix) - 1] == '/')
			prefix[strlen(prefix) - 1] = '\0';
	}
	if (c->s3_endpoint)
		snprintf(endpoint, sizeof(endpoint), "%s", c->s3_endpoint);
	else
		snprintf(endpoint, sizeof(endpoint), "https://s3.%s.amazonaws.com",
			 c->s3_region);
	while (*endpoint && endpoint[strlen(endpoint) - 1] == '/')
		endpoint[strlen(endpoint) - 1] = '\0';

	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, endpoint, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		snprintf(err, errlen, "s3: invalid endpoint URL '%s'", endpoint);
		curl_url_cleanup(u);
		return -1;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (strcmp(scheme, "https") && !(!strcmp(scheme, "http") && is_loopback(host))) {
		snprintf(err, errlen, "s3: endpoint must be https:// (http:// only "
			 "to a loopback address): '%s'", endpoint);
		goto fail;
	}
	if (path && strcmp(path, "/") && *path) {
		snprintf(err, errlen, "s3: endpoint must not have a path: '%s'", endpoint);
		goto fail;
	}
	/*
	 * Path-style unless the endpoint is AWS's own (or asked otherwise):
	 * a server with no DNS name for each bucket (Ceph RGW, MinIO, Garage
	 * out of the box) reads BUCKET.HOST/KEY as a request to HOST for the
	 * bucket named by KEY's first component, and stores it there.
	 */
	path_style = c->s3_path_style >= 0 ? c->s3_path_style :
		     !is_aws_host(host);
	snprintf(st->bucket, sizeof(st->bucket), "%s", bucket);
	if (path_style)
		snprintf(st->probe_url, sizeof(st->probe_url), "%s/%s/", endpoint,
			 bucket);
	else
		snprintf(st->probe_url, sizeof(st->probe_url), "%s://%s.%s%s%s/",
			 scheme, bucket, host, port ? ":" : "", port ? port : "");
	snprintf(st->base, sizeof(st->base), "%s%s%s", st->probe_url, prefix,
		 *prefix ? "/" : "");
	snprintf(st->sigv4, sizeof(st->sigv4), "aws:amz:%s:s3", c->s3_region);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return s3_credentials(st, err, errlen);
fail:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return -1;
}

static int init_http(struct store *st, char *err, size_t errlen)
{
	const struct agent_config *c = st->c;
	char *host = NULL, tok[4096];
	CURLU *u = curl_url();
	FILE *f;
	size_t n;

	if (!u || curl_url_set(u, CURLUPART_URL, c->url, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		snprintf(err, errlen, "invalid URL '%s'", c->url);
		curl_url_cleanup(u);
		return -1;
	}
	if (st->kind == ST_HTTP && !is_loopback(host)) {
		snprintf(err, errlen, "http:// is accepted only to a loopback "
			 "address (use https://): '%s'", c->url);
		curl_free(host);
		curl_url_cleanup(u);
		return -1;
	}
	curl_free(host);
	curl_url_cleanup(u);
	snprintf(st->base, sizeof(st->base), "%s%s", c->url,
		 c->url[strlen(c->url) - 1] == '/' ? "" : "/");
	snprintf(st->probe_url, sizeof(st->probe_url), "%s", st->base);
	if (!c->token_file) {
		snprintf(err, errlen, "%s:// needs a bearer token: --token-file",
			 st->kind == ST_HTTP ? "http" : "https");
		return -1;
	}
	f = fopen(c->token_file, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read token file %s: %s",
			 c->token_file, strerror(errno));
		return -1;
	}
	n = fread(tok, 1, sizeof(tok) - 1, f);
	fclose(f);
	tok[n] = '\0';
	{
		char *t = trim(tok);

		if (!*t || strpbrk(t, "\r\n")) {
			snprintf(err, errlen, "token file %s: expected one line",
				 c->token_file);
			sodium_memzero(tok, sizeof(tok));
			return -1;
		}
		n = strlen(t) + 32;
		st->auth_hdr = malloc(n);
		if (st->auth_hdr)
			snprintf(st->auth_hdr, n, "Authorization: Bearer %s", t);
	}
	sodium_memzero(tok, sizeof(tok));
	return st->auth_hdr ? 0 : -1;
}

static int init_file(struct store *st, char *err, size_t errlen)
{
	char *path = NULL, *host = NULL;
	CURLU *u = curl_url();
	int r = -1;

	if (!u || curl_url_set(u, CURLUPART_URL, st->c->url, 0) ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE)) {
		snprintf(err, errlen, "invalid URL '%s'", st->c->url);
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_HOST, &host, 0) && *host &&
	    strcmp(host, "localhost")) {
		snprintf(err, errlen, "file:// URL names a host: '%s'", st->c->url);
		goto out;
	}
	snprintf(st->dir, sizeof(st->dir), "%s", path);
	while (strlen(st->dir) > 1 && st->dir[strlen(st->dir) - 1] == '/')
		st->dir[strlen(st->dir) - 1] = '\0';
	snprintf(st->base, sizeof(st->base), "%s%s", st->c->url,
		 st->c->url[strlen(st->c->url) - 1] == '/' ? "" : "/");
	r = 0;
out:
	curl_free(path);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

int store_global_init(void)
{
	/*
	 * libcurl starts OpenSSL asking for everything, the error strings of
	 * every library included. Asked first without them, OpenSSL keeps
	 * that answer, which saves about 1 MiB of the agent's resident memory.
	 * A TLS error then names the library and reason by number
	 * ("error:0A000086:lib(20)::reason(134)"); certificate problems keep
	 * their text (libcurl takes that from X509_verify_cert_error_string).
	 * The cipher and digest name tables stay: without them the chain
	 * check cannot look up a certificate's signature digest and refuses
	 * every CA as "digest algorithm too weak" (tests/host/test_agent_tls.sh).
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	return curl_global_init(CURL_GLOBAL_DEFAULT) ? -1 : 0;
}

int store_init(struct store **out, const struct agent_config *c, char *err,
	       size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	int r;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->c = c;
	if (!strncasecmp(c->url, "file://", 7)) {
		st->kind = ST_FILE;
		r = init_file(st, err, errlen);
	} else if (!strncasecmp(c->url, "s3://", 5)) {
		st->kind = ST_S3;
		r = init_s3(st, err, errlen);
	} else if (!strncasecmp(c->url, "https://", 8)) {
		st->kind = ST_HTTPS;
		r = init_http(st, err, errlen);
	} else if (!strncasecmp(c->url, "http://", 7)) {
		st->kind = ST_HTTP;
		r = init_http(st, err, errlen);
	} else {
		snprintf(err, errlen, "unknown URL scheme in '%s' (use file://, "
			 "s3:// or https://)", c->url);
		r = -1;
	}
	if (r) {
		store_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

/* ---- one transfer ---- */

static __thread CURL *thread_handle;

struct xfer {
	CURL *h;
	struct curl_slist *hdrs;
	FILE *body;
	char reply[4096];
	size_t reply_len;
	char curl_err[CURL_ERROR_SIZE];
	const char *region;		/* s3: the region requests are signed for */
};

static size_t reply_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = sz * n, room = sizeof(x->reply) - 1 - x->reply_len;

	if (len < room)
		room = len;
	memcpy(x->reply + x->reply_len, p, room);
	x->reply_len += room;
	x->reply[x->reply_len] = '\0';
	return len;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	return agent_stop ? 1 : 0;	/* abort: the file stays queued */
}

static int xfer_init(struct store *st, struct xfer *x, const char *url)
{
	const struct agent_config *c = st->c;

	memset(x, 0, sizeof(*x));
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
		x->region = c->s3_region;
		curl_easy_setopt(x->h, CURLOPT_AWS_SIGV4, st->sigv4);
		curl_easy_setopt(x->h, CURLOPT_USERPWD, st->userpwd);
		if (st->session_hdr)
			x->hdrs = curl_slist_append(x->hdrs, st->session_hdr);
	} else if (st->auth_hdr) {
		x->hdrs = curl_slist_append(x->hdrs, st->auth_hdr);
	}
	return 0;
}

static void xfer_free(struct xfer *x)
{
	if (x->h) {
		/* the handle outlives this request: drop what points into it */
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(x->h, CURLOPT_READDATA, NULL);
		curl_easy_setopt(x->h, CURLOPT_WRITEDATA, NULL);
	}
	curl_slist_free_all(x->hdrs);
	if (x->body)
		fclose(x->body);
}

void store_thread_done(void)
{
	if (thread_handle)
		curl_easy_cleanup(thread_handle);
	thread_handle = NULL;
}

/* Run it; 0 with *status set when a complete HTTP reply arrived. */
static int xfer_run(struct xfer *x, long *status, const char *what,
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
			 agent_stop ? "stopped: " : "",
			 curl_easy_strerror(rc), *x->curl_err ? " - " : "");
		if (*x->curl_err)
			snprintf(err + strlen(err), errlen - strlen(err), "%s",
				 x->curl_err);
		return -1;
	}
	return 0;
}

/* ETag of the reply without quotes, lowercase; "" if none. */
static void reply_etag(CURL *h, char *out, size_t len)
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

/* The text of <TAG>...</TAG> in an S3 XML reply, printable and on one line. */
static bool xml_field(const char *xml, const char *tag, char *out, size_t len)
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

/* What an S3 error code means for the owner of the configuration. */
static const char *s3_hint(const char *code)
{
	static const struct { const char *code, *hint; } hints[] = {
		{ "SignatureDoesNotMatch", "the secret key is wrong, or the "
		  "request was changed on the way" },
		{ "InvalidAccessKeyId", "the access key id is unknown to this server" },
		{ "AccessDenied", "these credentials may not write here" },
		{ "NoSuchBucket", "create the bucket, or fix the bucket name" },
		{ "ExpiredToken", "the session token has expired: renew the "
		  "credentials" },
		{ "RequestTimeTooSkewed", "this device's clock is wrong" },
	};
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcmp(code, hints[i].code))
			return hints[i].hint;
	return NULL;
}

/* An S3 error reply as one line: code, message, what to do; 0 if none. */
static bool s3_error(char *err, size_t errlen, const char *what, long status,
		     const struct xfer *x)
{
	char code[64], msg[256] = "", region[64] = "";
	struct curl_header *hdr;
	const char *hint;

	if (!xml_field(x->reply, "Code", code, sizeof(code)) || !*code)
		return false;
	xml_field(x->reply, "Message", msg, sizeof(msg));
	if (!xml_field(x->reply, "Region", region, sizeof(region)) &&
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

static void http_error(char *err, size_t errlen, const char *what, long status,
		       const struct xfer *x)
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

struct body_digest {
	long long size;
	unsigned char md5[16];
	char md5_hex[33];
	char md5_b64[32];
	char sha256_hex[65];
};

static int digest_file(FILE *f, struct body_digest *d, bool with_sha256)
{
	unsigned char buf[65536], sha[AGENT_SHA256_LEN];
	struct agent_digest s;
	size_t n;

	agent_digest_init(&s, with_sha256);
	d->size = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		agent_digest_update(&s, buf, n);
		d->size += n;
	}
	if (ferror(f))
		return -1;
	agent_digest_final(&s, d->md5, sha);
	sodium_bin2hex(d->sha256_hex, sizeof(d->sha256_hex), sha, sizeof(sha));
	sodium_bin2hex(d->md5_hex, sizeof(d->md5_hex), d->md5, sizeof(d->md5));
	sodium_bin2base64(d->md5_b64, sizeof(d->md5_b64), d->md5, sizeof(d->md5),
			  sodium_base64_VARIANT_ORIGINAL);
	rewind(f);
	return 0;
}

/*
 * The body's digests: from the spool's sidecar when it matches the file's
 * size (written as the frames arrived, so the file is read only once, to
 * send it), else by reading the file.
 */
static int body_digest(const char *path, FILE *body, struct body_digest *d,
		       bool with_sha256)
{
	char sum[PATH_MAX], line[200], md5_hex[64], sha_hex[96];
	long long size;
	struct stat st;
	size_t n;
	FILE *f;

	agent_sum_path(sum, sizeof(sum), path);
	f = fopen(sum, "re");
	if (f) {
		bool ok = fgets(line, sizeof(line), f) &&
			  sscanf(line, "%lld %63s %95s", &size, md5_hex, sha_hex) == 3 &&
			  !fstat(fileno(body), &st) && st.st_size == size &&
			  strlen(md5_hex) == 32 &&
			  (strlen(sha_hex) == 64 || (!with_sha256 && !strcmp(sha_hex, "-"))) &&
			  !sodium_hex2bin(d->md5, sizeof(d->md5), md5_hex, 32, NULL,
					  &n, NULL) && n == 16;

		fclose(f);
		if (ok) {
			d->size = size;
			memcpy(d->md5_hex, md5_hex, 33);
			memcpy(d->sha256_hex, sha_hex, 65);
			sodium_bin2base64(d->md5_b64, sizeof(d->md5_b64), d->md5,
					  sizeof(d->md5), sodium_base64_VARIANT_ORIGINAL);
			return 0;
		}
	}
	return digest_file(body, d, with_sha256);
}

static int put_file(struct store *st, const char *path, const char *object,
		    char *err, size_t errlen)
{
	char final[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX], url[4096], *slash;
	struct body_digest want, got;
	struct xfer x;
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
	r = agent_mkdirs(dir, 0755);
	if (r) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(-r));
		return -1;
	}
	if (xfer_init(st, &x, url)) {
		snprintf(err, errlen, "curl init failed");
		return -1;
	}
	r = -1;
	x.body = fopen(path, "rbe");
	/* a file:// copy is confirmed by its size and MD5 only */
	if (!x.body || body_digest(path, x.body, &want, false)) {
		snprintf(err, errlen, "read %s: %s", path, strerror(errno));
		goto out;
	}
	curl_easy_setopt(x.h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x.h, CURLOPT_READDATA, x.body);
	curl_easy_setopt(x.h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)want.size);
	if (st->c->max_send_speed)
		curl_easy_setopt(x.h, CURLOPT_MAX_SEND_SPEED_LARGE,
				 (curl_off_t)st->c->max_send_speed);
	if (xfer_run(&x, &status, "copy", err, errlen))
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
	if (!f || digest_file(f, &got, false)) {
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
	r = agent_fsync_dir(dir);
	if (r)
		snprintf(err, errlen, "fsync %s: %s", dir, strerror(-r));
	goto out;
out_unlink:
	unlink(tmp);
out:
	xfer_free(&x);
	return r ? -1 : 0;
}

/* HEAD the object: 2xx, the same length and (when given) the MD5 ETag. */
static int head_confirm(struct store *st, const char *url, const char *object,
			const struct body_digest *want, char *err, size_t errlen)
{
	char etag[128], what[300];
	curl_off_t len = -1;
	struct xfer x;
	long status;
	int r = -1;

	snprintf(what, sizeof(what), "HEAD %s", object);
	if (xfer_init(st, &x, url))
		return -1;
	curl_easy_setopt(x.h, CURLOPT_NOBODY, 1L);
	if (st->kind == ST_S3)
		x.hdrs = curl_slist_append(x.hdrs, "x-amz-content-sha256: "
					   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	if (xfer_run(&x, &status, what, err, errlen))
		goto out;
	if (status < 200 || status > 299) {
		http_error(err, errlen, what, status, &x);
		goto out;
	}
	curl_easy_getinfo(x.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	reply_etag(x.h, etag, sizeof(etag));
	if (len != want->size) {
		snprintf(err, errlen, "%s: stored length %lld, sent %lld", what,
			 (long long)len, want->size);
		goto out;
	}
	if (st->kind == ST_S3 && !*etag) {
		snprintf(err, errlen, "%s: no ETag", what);
		goto out;
	}
	if (*etag && !strchr(etag, '-') && strcmp(etag, want->md5_hex)) {
		snprintf(err, errlen, "%s: stored ETag %s is not the MD5 of the "
			 "body sent (%s): corrupted on the way", what, etag,
			 want->md5_hex);
		goto out;
	}
	r = 0;
out:
	xfer_free(&x);
	return r;
}

static int put_http(struct store *st, const char *path, const char *object,
		    char *err, size_t errlen)
{
	char url[4096], hdr[160], etag[128], what[300];
	struct body_digest want;
	struct xfer x;
	long status;
	int r = -1;

	snprintf(url, sizeof(url), "%s%s", st->base, object);
	snprintf(what, sizeof(what), "PUT %s", object);
	if (xfer_init(st, &x, url)) {
		snprintf(err, errlen, "curl init failed");
		return -1;
	}
	x.body = fopen(path, "rbe");
	if (!x.body || body_digest(path, x.body, &want, true)) {
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
	curl_easy_setopt(x.h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x.h, CURLOPT_READDATA, x.body);
	curl_easy_setopt(x.h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)want.size);
	if (st->c->max_send_speed)
		curl_easy_setopt(x.h, CURLOPT_MAX_SEND_SPEED_LARGE,
				 (curl_off_t)st->c->max_send_speed);
	if (xfer_run(&x, &status, what, err, errlen))
		goto out;
	if (status < 200 || status > 299) {
		http_error(err, errlen, what, status, &x);
		goto out;
	}
	reply_etag(x.h, etag, sizeof(etag));
	if (st->kind == ST_S3 && !*etag) {
		snprintf(err, errlen, "%s: HTTP %ld without an ETag", what, status);
		goto out;
	}
	if (*etag && !strchr(etag, '-') && strcmp(etag, want.md5_hex)) {
		snprintf(err, errlen, "%s: ETag %s is not the MD5 of the body sent "
			 "(%s): corrupted on the way", what, etag, want.md5_hex);
		goto out;
	}
	r = head_confirm(st, url, object, &want, err, errlen);
out:
	xfer_free(&x);
	return r;
}

int store_put(struct store *st, const char *path, const char *object,
	      char *err, size_t errlen)
{
	if (st->kind == ST_FILE)
		return put_file(st, path, object, err, errlen);
	return put_http(st, path, object, err, errlen);
}

/*
 * The startup check proves that requests reach the bucket itself: a
 * ListObjectsV2 for no keys, whose reply names the bucket.  A HEAD of the
 * endpoint is not enough: with virtual-host addressing a server that has
 * no DNS name for buckets answers its own bucket list, 200.
 */
static int s3_check_bucket(struct store *st, char *err, size_t errlen)
{
	char url[2100], what[2200], name[300] = "", hdr[128];
	struct xfer x;
	long status;
	int r = -1;

	snprintf(url, sizeof(url), "%s?list-type=2&max-keys=0", st->probe_url);
	snprintf(what, sizeof(what), "bucket %s at %s", st->bucket, st->probe_url);
	if (xfer_init(st, &x, url))
		return -1;
	snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", empty_sha256);
	x.hdrs = curl_slist_append(x.hdrs, hdr);
	if (xfer_run(&x, &status, "store unreachable", err, errlen))
		goto out;
	if (status < 200 || status > 299) {
		http_error(err, errlen, what, status, &x);
		goto out;
	}
	if (!xml_field(x.reply, "Name", name, sizeof(name)) ||
	    strcmp(name, st->bucket)) {
		snprintf(err, errlen, "%s: the reply to a listing of the bucket "
			 "names %s%s%s: the request reached something else; with "
			 "virtual-host addressing a server without a DNS name for "
			 "each bucket takes the host as the bucket (try "
			 "--s3-path-style)", what, *name ? "bucket '" : "no bucket",
			 name, *name ? "'" : "");
		goto out;
	}
	r = 0;
out:
	xfer_free(&x);
	return r;
}

int store_check(struct store *st, char *err, size_t errlen)
{
	struct xfer x;
	long status;
	int r;

	if (st->kind == ST_FILE) {
		char probe[PATH_MAX];
		int fd;

		r = agent_mkdirs(st->dir, 0755);
		if (r) {
			snprintf(err, errlen, "store directory %s: %s", st->dir,
				 strerror(-r));
			return -1;
		}
		snprintf(probe, sizeof(probe), "%s/.probe-%d", st->dir, (int)getpid());
		fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "store directory %s is not writable: %s",
				 st->dir, strerror(errno));
			return -1;
		}
		close(fd);
		unlink(probe);
		return 0;
	}
	if (st->kind == ST_S3)
		return s3_check_bucket(st, err, errlen);
	if (xfer_init(st, &x, st->probe_url))
		return -1;
	curl_easy_setopt(x.h, CURLOPT_NOBODY, 1L);
	r = xfer_run(&x, &status, "store unreachable", err, errlen);
	if (!r) {
		if (status == 401 || status == 403) {
			snprintf(err, errlen, "%s refused the credentials (HTTP %ld)",
				 st->probe_url, status);
			r = -1;
		} else if (st->kind == ST_S3 && status == 404) {
			snprintf(err, errlen, "bucket %s does not exist (HTTP 404)",
				 st->probe_url);
			r = -1;
		} else if (st->kind == ST_S3 && (status < 200 || status > 299)) {
			snprintf(err, errlen, "bucket %s: HTTP %ld", st->probe_url,
				 status);
			r = -1;
		}
	}
	xfer_free(&x);
	return r;
}
