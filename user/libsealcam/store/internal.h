/* SPDX-License-Identifier: MIT */
/*
 * Inside the store client (programs use store.h).  One file per concern:
 *   store.c   URLs, init, the startup checks, dispatch by scheme
 *   s3cred.c  S3 credentials: environment or credentials file, reloads
 *   xfer.c    one libcurl request, and a refusal as one line
 *   put.c     confirmed uploads: file copy, PUT then HEAD, the ETag rules
 *   get.c     listings, downloads, ranged reads
 */
#ifndef SEALCAM_STORE_INTERNAL_H
#define SEALCAM_STORE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "store.h"

enum sc_store_kind_id { ST_FILE, ST_S3, ST_HTTPS, ST_HTTP };

/*
 * Uploads of one object whose ETag was 32 hex digits but not the MD5 of
 * the body, with no server-side encryption to explain it (put.c).
 */
struct sc_etag_miss {
	char object[512];
	unsigned int uploads;
};

struct sc_store {
	enum sc_store_kind_id kind;
	char dir[PATH_MAX];		/* file: decoded directory */
	char base[2048];		/* URL the object name is appended to */
	char probe_url[2048];		/* s3: the bucket; https: the base */
	char bucket[256];		/* s3 */
	char prefix[1024];		/* s3: key prefix, "" or ending in '/' */
	char sigv4[128];
	char *auth_hdr;			/* https: Authorization: Bearer ... */
	const struct sc_store_config *c;
	struct sc_store_ops ops;

	/* shared by the upload threads: under lock */
	pthread_mutex_t lock;
	char *userpwd;			/* s3: "AKID:SECRET" */
	char *session_hdr;		/* s3: x-amz-security-token: ... */
	char cred_path[PATH_MAX];	/* s3: the credentials file, "" for env */
	struct stat cred_stat;		/* that file when it was last read */
	struct sc_etag_miss *misses;
	size_t n_misses;
};

/* SHA-256 of an empty body, for requests without one */
extern const char sc_empty_sha256[];

void sc_store_log(const struct sc_store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sc_store_logerr(const struct sc_store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* free() for a string that held a secret */
void sc_free_secret(char *s);

/* ---- s3cred.c ---- */

/* The credentials at init: the environment's, or the credentials file's. */
int sc_s3_credentials(struct sc_store *st, char *err, size_t errlen);
/* Re-read the credentials file if it changed (or @force); true if new. */
bool sc_s3_reload(struct sc_store *st, bool force, const char *why);
/* After a refusal with S3 error @code: true to send the request again. */
bool sc_s3_reload_after(struct sc_store *st, const char *code);

/* ---- xfer.c ---- */

struct sc_xfer {
	CURL *h;
	struct curl_slist *hdrs;
	FILE *body;			/* an upload's body, closed by free */
	char *reply;			/* the reply body, NUL-terminated: */
	size_t reply_len, reply_max;	/* small[], or a heap buffer growing */
	size_t reply_limit;		/* up to this (sc_xfer_big_reply) */
	bool reply_cut;			/* more came than reply_limit */
	char small[4096];
	char curl_err[CURL_ERROR_SIZE];
	const char *region;		/* s3: the region requests are signed for */
	bool s3;
	volatile sig_atomic_t *stop;
};

/* One request to @url on this thread's handle, with the store's auth. */
int sc_xfer_init(struct sc_store *st, struct sc_xfer *x, const char *url);
/* A request without a body: S3 signs the empty body's SHA-256. */
void sc_xfer_no_body(struct sc_xfer *x);
/* Keep up to @max bytes of the reply (a listing), not 4 KiB. */
void sc_xfer_big_reply(struct sc_xfer *x, size_t max);
/* Add reply bytes (a write callback of one's own passes refusals here). */
void sc_xfer_reply_add(struct sc_xfer *x, const char *p, size_t len);
void sc_xfer_free(struct sc_xfer *x);
/* Run it; 0 with *status set when a complete HTTP reply arrived. */
int sc_xfer_run(struct sc_xfer *x, long *status, const char *what,
		char *err, size_t errlen);
/* A non-2xx reply as one line: the S3 error explained, or a snippet. */
void sc_xfer_error(char *err, size_t errlen, const char *what, long status,
		   const struct sc_xfer *x);
/*
 * Not a 2xx: true, with the error in @err and the S3 error code in @code
 * (if @code is not NULL; "" when the reply named none).
 */
bool sc_xfer_refused(const struct sc_xfer *x, long status, const char *what,
		     char *code, size_t codelen, char *err, size_t errlen);
/* The S3 error code of a refusal, "" if the reply named none. */
void sc_xfer_code(const struct sc_xfer *x, char *code, size_t len);
/* ETag of the reply without quotes, lowercase; "" if none. */
void sc_xfer_etag(CURL *h, char *out, size_t len);
/* The reply says SSE-KMS or SSE-C: its ETag is not the body's MD5. */
bool sc_xfer_encrypted(CURL *h);
/* An ETag of 32 hex digits, not explained away by encryption. */
bool sc_etag_is_md5(const char *etag, bool encrypted);
/* The text of the first <TAG>...</TAG> in @xml, printable, on one line. */
bool sc_xml_field(const char *xml, const char *tag, char *out, size_t len);

#endif
