/* SPDX-License-Identifier: MIT */
/*
 * Uploaders, chosen by the URL's scheme, all through libcurl:
 *   file:///dir         copy to a temporary name, fsync, rename, fsync dir;
 *                       confirmed by re-reading size and MD5
 *   s3://bucket[/pfx]   PUT signed with CURLOPT_AWS_SIGV4, body SHA-256 in
 *                       x-amz-content-sha256 and MD5 in Content-MD5;
 *                       confirmed by a 2xx whose ETag is the body's MD5,
 *                       then a HEAD with the same length and ETag
 *   https://host/path   PUT with a bearer token; confirmed by a 2xx (its ETag,
 *                       if any, must be the MD5) and a HEAD with the length
 *   http://             the same, accepted only to a loopback address
 */
#ifndef SEALCAM_AGENT_STORE_H
#define SEALCAM_AGENT_STORE_H

#include <stddef.h>

#include "agent.h"

struct store;

/* libcurl's (and OpenSSL's) process-wide start; once, before threads. 0 or -1. */
int store_global_init(void);

/* Parse the URL and credentials. 0, or -1 with a message. */
int store_init(struct store **out, const struct agent_config *c, char *err,
	       size_t errlen);
void store_free(struct store *st);

/* Startup probe: reachable, bucket exists, credentials accepted. */
int store_check(struct store *st, char *err, size_t errlen);

/*
 * Upload the file at @path as @object ("DEVID/segments/ID.sealed"). 0 only
 * when the store confirmed the exact body; -1 with a message otherwise.
 */
int store_put(struct store *st, const char *path, const char *object,
	      char *err, size_t errlen);

/* Free the calling thread's libcurl handle (kept to reuse connections). */
void store_thread_done(void);

/* "file", "s3", "https", "http" */
const char *store_kind(const struct store *st);

#endif
