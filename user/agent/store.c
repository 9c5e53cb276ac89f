// SPDX-License-Identifier: MIT
/* The uploaders (see store.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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

/*
 * Uploads of one object whose ETag was 32 hex digits but not the MD5 of
 * the body, with no server-side encryption to explain it (etag_mismatch).
 */
struct etag_miss {
	char object[512];
	unsigned int uploads;
};

/* After this many such uploads in a row the object is held (not sent again). */
#define ETAG_MISS_MAX 3

struct store {
	enum store_kind_id kind;
	char dir[PATH_MAX];		/* file: decoded directory */
	char base[2048];		/* URL the object name is appended to */
	char probe_url[2048];		/* s3: the bucket; https: the base */
	char bucket[256];		/* s3 */
	char sigv4[128];
	char *auth_hdr;			/* https: Authorization: Bearer ... */
	const struct agent_config *c;

	/* shared by the upload threads: under lock */
	pthread_mutex_t lock;
	char *userpwd;			/* s3: "AKID:SECRET" */
	char *session_hdr;		/* s3: x-amz-security-token: ... */
	char cred_path[PATH_MAX];	/* s3: the credentials file, "" for env */
	struct stat cred_stat;		/* that file when it was last read */
	struct etag_miss *misses;
	size_t n_misses;
};

static const char empty_sha256[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const char *store_kind(const struct store *st)
{
	static const char *const names[] = { "file", "s3", "https", "http" };

	return names[st->kind];
}

/* free() for a string that held a secret */
static void free_secret(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

void store_free(struct store *st)
{
	if (!st)
		return;
	free_secret(st->userpwd);
	free_secret(st->session_hdr);
	free_secret(st->auth_hdr);
	free(st->misses);
	pthread_mutex_destroy(&st->lock);
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

/* ---- S3 credentials ---- */

/* One profile's keys, as read from the credentials file. */
struct s3_keys {
	const char *profile;
	char *akid, *secret, *token;
};

static void keys_wipe(struct s3_keys *k)
{
	free_secret(k->akid);
	free_secret(k->secret);
	free_secret(k->token);
	k->akid = k->secret = k->token = NULL;
}

/* The credentials file names a profile [NAME], never [profile NAME]. */
static int cred_line(const struct agent_ini_line *l, void *arg, char *err,
		     size_t errlen)
{
	struct s3_keys *k = arg;
	char **dst = NULL;

	if (l->parent || strcmp(l->section, k->profile))
		return 0;
	if (!strcmp(l->key, "aws_access_key_id"))
		dst = &k->akid;
	else if (!strcmp(l->key, "aws_secret_access_key"))
		dst = &k->secret;
	else if (!strcmp(l->key, "aws_session_token"))
		dst = &k->token;
	if (dst) {
		free_secret(*dst);
		*dst = strdup(l->value);
		if (!*dst) {
			snprintf(err, errlen, "%s: out of memory", l->where);
			return -1;
		}
	}
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

/*
 * libcurl's "AKID:SECRET" and the session token header from keys found in
 * @where.  0, or -1 with a message that shows no secret.
 */
static int make_auth(const char *ak, const char *sk, const char *tok,
		     const char *where, char **userpwd, char **session_hdr,
		     char *err, size_t errlen)
{
	size_t n;

	*userpwd = *session_hdr = NULL;
	if (strchr(ak, ':') || !printable(ak) || !printable(sk) ||
	    (tok && !printable(tok))) {
		snprintf(err, errlen, "s3: invalid credentials from %s (a ':' in "
			 "the key id, or a control character)", where);
		return -1;
	}
	n = strlen(ak) + strlen(sk) + 2;
	*userpwd = malloc(n);
	if (*userpwd)
		snprintf(*userpwd, n, "%s:%s", ak, sk);
	if (tok && *tok) {
		n = strlen(tok) + 32;
		*session_hdr = malloc(n);
		if (*session_hdr)
			snprintf(*session_hdr, n, "x-amz-security-token: %s", tok);
	}
	if (!*userpwd || (tok && *tok && !*session_hdr)) {
		free_secret(*userpwd);
		free_secret(*session_hdr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Read the profile's keys from the credentials file. 0 or -1 with a message. */
static int cred_read(struct store *st, char **userpwd, char **session_hdr,
		     char *err, size_t errlen)
{
	struct s3_keys k = { .profile = st->c->profile };
	char where[PATH_MAX + 300];
	int r;

	r = agent_ini_read(st->cred_path, AGENT_INI_AWS, cred_line, &k, err,
			   errlen);
	if (r == -ENOENT)
		snprintf(err, errlen, "s3: no credentials: %s does not exist",
			 st->cred_path);
	else if (!r && !(k.akid && *k.akid && k.secret && *k.secret))
		snprintf(err, errlen, "s3: no credentials: %s has no profile [%s] "
			 "with both aws_access_key_id and aws_secret_access_key",
			 st->cred_path, st->c->profile);
	else if (!r) {
		snprintf(where, sizeof(where), "%s [%s]", st->cred_path,
			 st->c->profile);
		r = make_auth(k.akid, k.secret, k.token, where, userpwd,
			      session_hdr, err, errlen);
		keys_wipe(&k);
		return r;
	}
	keys_wipe(&k);
	return -1;
}

/* The access key id as aws-cli shows it: only its last 4 characters. */
static void akid_masked(const char *userpwd, char *out, size_t len)
{
	size_t n = strcspn(userpwd, ":");

	snprintf(out, len, "****%.*s", n > 4 ? 4 : 0, userpwd + (n > 4 ? n - 4 : 0));
}

static void cred_path(const struct agent_config *c, char *path, size_t len)
{
	const char *v = getenv("AWS_SHARED_CREDENTIALS_FILE");

	if (c->credentials_file)
		snprintf(path, len, "%s", c->credentials_file);
	else if (v && *v)
		snprintf(path, len, "%s", v);
	else
		snprintf(path, len, "%s/.aws/credentials",
			 getenv("HOME") ? getenv("HOME") : "/root");
}

/*
 * The credentials at startup: from the environment (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) unless a profile was asked for
 * by a flag or agent.conf, as aws-cli does with --profile; else from the
 * credentials file, which is then watched (s3_reload).
 */
static int s3_credentials(struct store *st, char *err, size_t errlen)
{
	const struct agent_config *c = st->c;
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
	char masked[16];

	if (!c->profile_given && ak && *ak && sk && *sk) {
		*st->cred_path = '\0';
		if (make_auth(ak, sk, getenv("AWS_SESSION_TOKEN"), "the environment",
			      &st->userpwd, &st->session_hdr, err, errlen))
			return -1;
		akid_masked(st->userpwd, masked, sizeof(masked));
		agent_log("s3: credentials from the environment (access key %s%s)",
			  masked, st->session_hdr ? ", session token" : "");
		return 0;
	}
	cred_path(c, st->cred_path, sizeof(st->cred_path));
	/* stat before reading: a change after the stat is seen next time */
	if (stat(st->cred_path, &st->cred_stat))
		memset(&st->cred_stat, 0, sizeof(st->cred_stat));
	if (cred_read(st, &st->userpwd, &st->session_hdr, err, errlen)) {
		size_t n = strlen(err);

		if (c->profile_given && ak && *ak)
			snprintf(err + n, errlen - n, " (AWS_ACCESS_KEY_ID is not "
				 "used: a profile was named by %s)", c->s3_from.profile);
		else if (!c->profile_given)
			snprintf(err + n, errlen - n, " (and AWS_ACCESS_KEY_ID, "
				 "AWS_SECRET_ACCESS_KEY are not both set)");
		return -1;
	}
	akid_masked(st->userpwd, masked, sizeof(masked));
	agent_log("s3: credentials from %s [%s] (access key %s%s; re-read when "
		  "it changes)", st->cred_path, c->profile, masked,
		  st->session_hdr ? ", session token" : "");
	return 0;
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool same_secret(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strlen(a) == strlen(b) && !sodium_memcmp(a, b, strlen(a));
}

/*
 * Re-read the credentials file when it changed since it was read (a stat:
 * cheap enough before every upload), or with @force whatever the stat says
 * (the server said the session expired: the file may have been rewritten
 * within one timestamp tick).  True when the credentials are new: a request
 * refused with the old ones is worth sending again.  A file that cannot be
 * used (half written, a profile missing) leaves the old credentials in
 * place, logged once for each change.
 */
static bool s3_reload(struct store *st, bool force, const char *why)
{
	char *userpwd = NULL, *session_hdr = NULL, err[PATH_MAX + 300];
	char masked[16];
	struct stat now;
	bool changed = false;

	if (st->kind != ST_S3 || !*st->cred_path)
		return false;
	pthread_mutex_lock(&st->lock);
	if (stat(st->cred_path, &now))
		memset(&now, 0, sizeof(now));
	if (!force && same_file_state(&now, &st->cred_stat))
		goto out;
	st->cred_stat = now;
	if (cred_read(st, &userpwd, &session_hdr, err, sizeof(err))) {
		agent_error("s3: credentials file changed but cannot be used, the "
			    "previous credentials stay (%s): %s", why, err);
		goto out;
	}
	if (same_secret(userpwd, st->userpwd) &&
	    same_secret(session_hdr, st->session_hdr)) {
		free_secret(userpwd);
		free_secret(session_hdr);
		goto out;
	}
	free_secret(st->userpwd);
	free_secret(st->session_hdr);
	st->userpwd = userpwd;
	st->session_hdr = session_hdr;
	changed = true;
	akid_masked(userpwd, masked, sizeof(masked));
	agent_log("s3: credentials reloaded from %s [%s] (%s): access key %s%s",
		  st->cred_path, st->c->profile, why, masked,
		  session_hdr ? ", session token" : "");
out:
	pthread_mutex_unlock(&st->lock);
	return changed;
}

/*
 * After a refusal with S3 error @code: new credentials may cure it.
 * ExpiredToken (and the other session token codes) re-reads the file
 * whatever its state; a refused key (Ceph RGW with STS on says
 * AccessDenied for a key it does not know) only when the file changed
 * since the request was signed.  True to send the request once more.
 */
static bool s3_reload_after(struct store *st, const char *code)
{
	static const char *const session[] = {
		"ExpiredToken", "TokenRefreshRequired", "InvalidToken",
	};
	char why[96];
	bool force = false;
	size_t i;

	for (i = 0; i < sizeof(session) / sizeof(session[0]); i++)
		force |= !strcmp(code, session[i]);
	if (!force && strcmp(code, "InvalidAccessKeyId") &&
	    strcmp(code, "SignatureDoesNotMatch") && strcmp(code, "AccessDenied"))
		return false;
	snprintf(why, sizeof(why), "the store answered %s", code);
	return s3_reload(st, force, why);
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
		snprintf(err, errlen, "s3: invalid endpoint URL '%s' (from %s)",
			 endpoint, c->s3_from.endpoint);
		curl_url_cleanup(u);
		return -1;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (strcmp(scheme, "https") && !(!strcmp(scheme, "http") && is_loopback(host))) {
		snprintf(err, errlen, "s3: endpoint must be https:// (http:// only "
			 "to a loopback address): '%s' (from %s)", endpoint,
			 c->s3_from.endpoint);
		goto fail;
	}
	if (path && strcmp(path, "/") && *path) {
		snprintf(err, errlen, "s3: endpoint must not have a path: '%s' "
			 "(from %s)", endpoint, c->s3_from.endpoint);
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
	agent_log("s3: bucket %s at %s (endpoint from %s), region %s (from %s), "
		  "%s addressing (from %s), profile %s (from %s)", bucket,
		  st->probe_url, c->s3_from.endpoint, c->s3_region,
		  c->s3_from.region, path_style ? "path-style" : "virtual-host",
		  c->s3_from.path_style, c->profile, c->s3_from.profile);
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
	pthread_mutex_init(&st->lock, NULL);
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
		  "credentials (the credentials file is re-read)" },
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

/* The S3 error code of a refusal, "" if the reply named none. */
static void reply_code(const struct xfer *x, char *code, size_t len)
{
	if (!xml_field(x->reply, "Code", code, len))
		*code = '\0';
}

/*
 * SSE-KMS and SSE-C make the ETag something other than the MD5 of the
 * body, and a reply says so in these headers (SSE-S3, "AES256", keeps it
 * the MD5).
 */
static bool reply_encrypted(CURL *h)
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
 * then the HEAD's length, confirm it instead.
 */
static bool etag_is_md5(const char *etag, bool encrypted)
{
	return !encrypted && strlen(etag) == 32 &&
	       strspn(etag, "0123456789abcdef") == 32;
}

/* Uploads of @object answered by an MD5-like ETag not the body's; +@add. */
static unsigned int etag_misses(struct store *st, const char *object, int add)
{
	struct etag_miss *m = NULL;
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
static int etag_mismatch(struct store *st, const char *object,
			 const char *what, const char *etag,
			 const struct body_digest *want, char *err, size_t errlen)
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
static int head_confirm(struct store *st, const char *url, const char *object,
			const struct body_digest *want, const char *put_etag,
			char *err, size_t errlen)
{
	char etag[128], what[600];
	curl_off_t len = -1;
	struct xfer x;
	long status;
	int r = -1;

	snprintf(what, sizeof(what), "HEAD %s", object);
	if (xfer_init(st, &x, url))
		return -1;
	curl_easy_setopt(x.h, CURLOPT_NOBODY, 1L);
	if (st->kind == ST_S3) {
		char hdr[128];

		snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", empty_sha256);
		x.hdrs = curl_slist_append(x.hdrs, hdr);
	}
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
	if (*put_etag && *etag && strcmp(etag, put_etag)) {
		snprintf(err, errlen, "%s: ETag %s, but the PUT was answered %s: "
			 "the stored object is not the one sent", what, etag,
			 put_etag);
		goto out;
	}
	if (!*put_etag && *etag && etag_is_md5(etag, reply_encrypted(x.h)) &&
	    strcmp(etag, want->md5_hex)) {
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

/*
 * PUT then HEAD.  @code gets the S3 error code of a refused PUT (for
 * store_put's decision to reload the credentials), "" otherwise.
 */
static int put_http(struct store *st, const char *path, const char *object,
		    char *code, size_t codelen, char *err, size_t errlen)
{
	char url[4096], hdr[160], etag[128], what[600];
	struct body_digest want;
	unsigned int held;
	struct xfer x;
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
		reply_code(&x, code, codelen);
		goto out;
	}
	reply_etag(x.h, etag, sizeof(etag));
	if (st->kind == ST_S3 && !*etag) {
		snprintf(err, errlen, "%s: HTTP %ld without an ETag", what, status);
		goto out;
	}
	if (etag_is_md5(etag, reply_encrypted(x.h)) &&
	    strcmp(etag, want.md5_hex)) {
		r = etag_mismatch(st, object, what, etag, &want, err, errlen);
		goto out;
	}
	r = head_confirm(st, url, object, &want, etag, err, errlen);
	if (!r)
		etag_misses(st, object, -1);
out:
	xfer_free(&x);
	return r;
}

/*
 * One upload.  For S3, the credentials file is checked first (a stat),
 * and a refusal that new credentials may cure is sent once more with them.
 */
int store_put(struct store *st, const char *path, const char *object,
	      char *err, size_t errlen)
{
	char code[64];
	int r;

	if (st->kind == ST_FILE)
		return put_file(st, path, object, err, errlen);
	s3_reload(st, false, "the file changed");
	r = put_http(st, path, object, code, sizeof(code), err, errlen);
	if (r && *code && s3_reload_after(st, code))
		r = put_http(st, path, object, code, sizeof(code), err, errlen);
	return r;
}

/*
 * The startup check proves that requests reach the bucket itself: a
 * ListObjectsV2 for no keys, whose reply names the bucket.  A HEAD of the
 * endpoint is not enough: with virtual-host addressing a server that has
 * no DNS name for buckets answers its own bucket list, 200.
 */
static int s3_check_bucket(struct store *st, char *code, size_t codelen,
			   char *err, size_t errlen)
{
	char url[2100], what[2200], name[300] = "", hdr[128];
	struct xfer x;
	long status;
	int r = -1;

	*code = '\0';
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
		reply_code(&x, code, codelen);
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
	if (st->kind == ST_S3) {
		char code[64];

		r = s3_check_bucket(st, code, sizeof(code), err, errlen);
		if (r && *code && s3_reload_after(st, code))
			r = s3_check_bucket(st, code, sizeof(code), err, errlen);
		return r;
	}
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
