/* SPDX-License-Identifier: MIT */
/*
 * The object store client of sealcam-agent (uploads) and `sealcam fetch`
 * (listings and downloads), chosen by the URL's scheme, all through
 * libcurl:
 *   file:///dir         put: copy to a temporary name, fsync, rename, fsync
 *                       dir, confirmed by re-reading size and MD5; list:
 *                       the directory; get: a copy
 *   s3://bucket[/pfx]   every request signed with CURLOPT_AWS_SIGV4.  put:
 *                       body SHA-256 in x-amz-content-sha256 and MD5 in
 *                       Content-MD5, confirmed by a 2xx whose ETag is the
 *                       body's MD5, then a HEAD with the same length and
 *                       ETag; list: ListObjectsV2, page by page; get: GET
 *                       streamed to a file, length and MD5 ETag checked
 *   https://host/path   put with a bearer token, confirmed by a 2xx (its
 *                       ETag, if any, must be the MD5) and a HEAD with the
 *                       length; get; no listing (HTTP has none)
 *   http://             the same, accepted only to a loopback address
 *
 * Object names are relative to the URL ("DEVICE/segments/ID.sealed"): the
 * directory, or the bucket and prefix, are the store's.  Every error is one
 * line naming the request, the object and the cause (for S3: the error
 * code, its message and what to do).
 *
 * Settings: struct sc_store_config, filled from the program's flags (and
 * config file), then by sc_s3_resolve() (s3conf.h) from the AWS
 * environment and config file for what those did not give.
 */
#ifndef SEALCAM_STORE_H
#define SEALCAM_STORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

struct sc_store_config {
	char *url;
	char *s3_endpoint;		/* NULL: AWS's, from the region */
	char *s3_region;
	int s3_path_style;		/* -1 auto, 0 virtual-host, 1 path */
	char *credentials_file;		/* AWS shared credentials file */
	char *profile;
	/*
	 * Where each S3 setting came from, for the log and errors:
	 * "--s3-region", "FILE:LINE" (a config file), an environment
	 * variable's name, or "default".  NULL until set; sc_s3_resolve()
	 * sets what is still NULL.
	 */
	struct {
		char *endpoint, *region, *path_style, *profile;
	} s3_from;
	bool profile_given;		/* by a flag or config file: keys from
					 * the credentials file, not the env */
	char *token_file;		/* https:// bearer token */
	char *ca_file;
	bool insecure;			/* only for tests on loopback */
	long long max_send_speed;	/* bytes/s per upload, 0 = unlimited */
	long timeout_s;			/* a request that moves nothing fails */
	long connect_timeout_s;
};

void sc_store_config_defaults(struct sc_store_config *c);
void sc_store_config_free(struct sc_store_config *c);

/* What the program lends the store; every member may be NULL. */
struct sc_store_ops {
	void (*log)(const char *line);	/* settings and where they came from,
					 * credential reloads */
	void (*error)(const char *line); /* a reload that failed */
	volatile sig_atomic_t *stop;	/* non-zero aborts transfers */
};

struct sc_store;

/* libcurl's (and OpenSSL's) process-wide start; once, before threads. 0 or -1. */
int sc_store_global_init(void);

/* Parse the URL and credentials. 0, or -1 with a message. */
int sc_store_init(struct sc_store **out, const struct sc_store_config *c,
		  const struct sc_store_ops *ops, char *err, size_t errlen);
void sc_store_free(struct sc_store *st);

/* "file", "s3", "https", "http" */
const char *sc_store_kind(const struct sc_store *st);

/* Startup probe for uploads: reachable, bucket exists (or the directory is
 * writable), credentials accepted. */
int sc_store_check(struct sc_store *st, char *err, size_t errlen);

/* The same for reading: the bucket answers a listing, or the directory
 * exists and can be read; a store that cannot list is refused. */
int sc_store_check_read(struct sc_store *st, char *err, size_t errlen);

/*
 * Upload the file at @path as @object ("DEVID/segments/ID.sealed"). 0 only
 * when the store confirmed the exact body; -1 with a message otherwise.
 * @known: the body's digests if the caller has them (a spool's sidecar),
 * used when their size is the file's; else NULL and the file is hashed.
 */
int sc_store_put(struct sc_store *st, const char *path, const char *object,
		 const struct sc_body_digest *known, char *err, size_t errlen);

/* One entry of a listing. */
struct sc_store_object {
	const char *name;	/* relative to the URL; a folder ends in '/' */
	bool folder;
	long long size;		/* -1 for a folder */
	int64_t stored_ns;	/* when stored, ns since 1970; -1 unknown */
	char etag[80];		/* as the store gives it, unquoted; "" if none */
};

/* 0 to go on, -1 to stop the listing (sc_store_list then returns -1). */
typedef int (*sc_store_list_fn)(const struct sc_store_object *o, void *arg);

/*
 * What is directly in @folder ("" for the top, else a name ending in
 * '/'): objects, and the folders below it, each once.  S3:
 * ListObjectsV2 with delimiter '/', @page_size keys a request (0: the
 * server's default, 1000) following continuation tokens; file://: the
 * directory (temporary and hidden files left out).  Entries come in name
 * order within a page; callers that need one order sort.  -1 with a
 * message when the store cannot list (https://) or a reply is not a
 * listing.
 */
int sc_store_list(struct sc_store *st, const char *folder,
		  unsigned int page_size, sc_store_list_fn fn, void *arg,
		  char *err, size_t errlen);

/*
 * Download @object into @path: written to a temporary file beside it
 * (".NAME.part-XXXXXX"), fsynced and renamed to @path only once complete
 * and checked, else removed.  Checked: a 2xx reply, the whole body (a
 * connection closed early fails), its length = @expect->size and its MD5 =
 * the ETag when the ETag is an MD5 (and = @expect->etag when given).
 * @expect may be NULL.  The body's digest goes to @got if not NULL.
 */
int sc_store_get(struct sc_store *st, const char *object, const char *path,
		 const struct sc_store_object *expect,
		 struct sc_body_digest *got, char *err, size_t errlen);

/*
 * Part of @object: up to @len bytes from @offset into @buf (a ranged GET,
 * or a read); *@got is how many (fewer at the end of the object).
 */
int sc_store_read(struct sc_store *st, const char *object, uint64_t offset,
		  unsigned char *buf, size_t len, size_t *got, char *err,
		  size_t errlen);

/* Free the calling thread's libcurl handle (kept to reuse connections). */
void sc_store_thread_done(void);

#endif
