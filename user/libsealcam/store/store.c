// SPDX-License-Identifier: MIT
/* The store: its URL, settings and credentials, and the startup checks. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "fsutil.h"
#include "ini.h"
#include "internal.h"

const char sc_empty_sha256[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const char *sc_store_kind(const struct sc_store *st)
{
	static const char *const names[] = { "file", "s3", "https", "http" };

	return names[st->kind];
}

void sc_store_free(struct sc_store *st)
{
	if (!st)
		return;
	sc_free_secret(st->userpwd);
	sc_free_secret(st->session_hdr);
	sc_free_secret(st->auth_hdr);
	free(st->misses);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

void sc_store_config_defaults(struct sc_store_config *c)
{
	memset(c, 0, sizeof(*c));
	c->s3_path_style = -1;
	c->timeout_s = 30;
	c->connect_timeout_s = 10;
}

void sc_store_config_free(struct sc_store_config *c)
{
	free(c->url);
	free(c->s3_endpoint);
	free(c->s3_region);
	free(c->credentials_file);
	free(c->profile);
	free(c->s3_from.endpoint);
	free(c->s3_from.region);
	free(c->s3_from.path_style);
	free(c->s3_from.profile);
	free(c->token_file);
	free(c->ca_file);
	memset(c, 0, sizeof(*c));
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

static int init_s3(struct sc_store *st, char *err, size_t errlen)
{
	const struct sc_store_config *c = st->c;
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
	snprintf(st->prefix, sizeof(st->prefix), "%s%s", prefix,
		 *prefix ? "/" : "");
	snprintf(st->sigv4, sizeof(st->sigv4), "aws:amz:%s:s3", c->s3_region);
	sc_store_log(st, "s3: bucket %s at %s (endpoint from %s), region %s "
		     "(from %s), %s addressing (from %s), profile %s (from %s)",
		     bucket, st->probe_url, c->s3_from.endpoint, c->s3_region,
		     c->s3_from.region, path_style ? "path-style" : "virtual-host",
		     c->s3_from.path_style, c->profile, c->s3_from.profile);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return sc_s3_credentials(st, err, errlen);
fail:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return -1;
}

static int init_http(struct sc_store *st, char *err, size_t errlen)
{
	const struct sc_store_config *c = st->c;
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
		char *t = sc_trim(tok);

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

static int init_file(struct sc_store *st, char *err, size_t errlen)
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

int sc_store_global_init(void)
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

int sc_store_init(struct sc_store **out, const struct sc_store_config *c,
		  const struct sc_store_ops *ops, char *err, size_t errlen)
{
	struct sc_store *st = calloc(1, sizeof(*st));
	int r;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->c = c;
	if (ops)
		st->ops = *ops;
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
		sc_store_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

/*
 * The startup check proves that requests reach the bucket itself: a
 * ListObjectsV2 for no keys, whose reply names the bucket.  A HEAD of the
 * endpoint is not enough: with virtual-host addressing a server that has
 * no DNS name for buckets answers its own bucket list, 200.
 */
static int s3_check_bucket(struct sc_store *st, char *code, size_t codelen,
			   char *err, size_t errlen)
{
	char url[2100], what[2200], name[300] = "";
	struct sc_xfer x;
	long status;
	int r = -1;

	*code = '\0';
	snprintf(url, sizeof(url), "%s?list-type=2&max-keys=0", st->probe_url);
	snprintf(what, sizeof(what), "bucket %s at %s", st->bucket, st->probe_url);
	if (sc_xfer_init(st, &x, url))
		return -1;
	sc_xfer_no_body(&x);
	if (sc_xfer_run(&x, &status, "store unreachable", err, errlen) ||
	    sc_xfer_refused(&x, status, what, code, codelen, err, errlen))
		goto out;
	if (!sc_xml_field(x.reply, "Name", name, sizeof(name)) ||
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
	sc_xfer_free(&x);
	return r;
}

/* The bucket check, once more if new credentials may cure a refusal. */
static int s3_check(struct sc_store *st, char *err, size_t errlen)
{
	char code[64];
	int r;

	r = s3_check_bucket(st, code, sizeof(code), err, errlen);
	if (r && *code && sc_s3_reload_after(st, code))
		r = s3_check_bucket(st, code, sizeof(code), err, errlen);
	return r;
}

int sc_store_check(struct sc_store *st, char *err, size_t errlen)
{
	struct sc_xfer x;
	long status;
	int r;

	if (st->kind == ST_FILE) {
		char probe[PATH_MAX];
		int fd;

		r = sc_mkdirs(st->dir, 0755);
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
		return s3_check(st, err, errlen);
	if (sc_xfer_init(st, &x, st->probe_url))
		return -1;
	curl_easy_setopt(x.h, CURLOPT_NOBODY, 1L);
	r = sc_xfer_run(&x, &status, "store unreachable", err, errlen);
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
	sc_xfer_free(&x);
	return r;
}

int sc_store_check_read(struct sc_store *st, char *err, size_t errlen)
{
	DIR *d;

	if (st->kind == ST_S3)
		return s3_check(st, err, errlen);
	if (st->kind != ST_FILE) {
		snprintf(err, errlen, "%s: an %s:// store cannot be listed (HTTP "
			 "has no listing): use its file:// or s3:// URL",
			 st->c->url, sc_store_kind(st));
		return -1;
	}
	d = opendir(st->dir);
	if (!d) {
		snprintf(err, errlen, "store directory %s: %s", st->dir,
			 strerror(errno));
		return -1;
	}
	closedir(d);
	return 0;
}
