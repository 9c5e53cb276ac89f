/* SPDX-License-Identifier: MIT */
/*
 * The spool: SPOOL/cur/ holds the segment being written (one file, frames
 * appended as they arrive), SPOOL/ready/ the finalised segments waiting for
 * upload, named DEVICEID-SEGMENTID.sealed (segment id zero-padded, so name
 * order is segment order), SPOOL/bad/ files too short to carry a header.
 */
#ifndef SEALCAM_AGENT_SPOOL_H
#define SEALCAM_AGENT_SPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"

/* The cleartext frame header fields the agent needs, host byte order. */
struct agent_frame_info {
	uint16_t flags;
	uint32_t frame_len;		/* hdr + segment header + ciphertext */
	unsigned char device_id[SEALCAM_KEY_ID_LEN];
	uint64_t segment_id;
	uint64_t frame_index;
};

/* Check the frame header's structure at @buf (at least 48 bytes). 0 or -1. */
int agent_frame_info(const unsigned char *buf, size_t len,
		     struct agent_frame_info *fi);

struct spool;

/* Create the directories, check they are writable, recover cur/. */
int spool_open(struct spool **out, const char *dir, const char *outbox,
	       long long max_bytes, char *err, size_t errlen);
void spool_close(struct spool *sp);

const char *spool_ready_dir(const struct spool *sp);
const char *spool_outbox_dir(const struct spool *sp);

/* Append one sealed frame as dequeued from the camera. 0, or -1 on an I/O
 * error that is not a full disk (logged). */
int spool_frame(struct spool *sp, const unsigned char *buf, size_t len);
/* Finalise the open segment, if any, as truncated (no LAST). */
void spool_finalise_open(struct spool *sp);
bool spool_segment_open(const struct spool *sp);

/* Bytes in cur/ and ready/ (kept up to date by the agent). */
long long spool_bytes(const struct spool *sp);
void spool_account(struct spool *sp, long long delta);

/*
 * Whether the digest sidecar carries the SHA-256 (default yes). A file://
 * store needs only the MD5; the sidecar then says "-" and an uploader that
 * needs the SHA-256 (a later s3:// or https:// run) hashes the file.
 */
void spool_set_sha256(struct spool *sp, bool with_sha256);

/*
 * The digest sidecar of @path (agent_sum_path) as the uploader's known
 * digests: 0, or -1 when there is none or it is not a sidecar's line.
 * The store still checks that its size is the file's.
 */
int spool_sum_read(const char *path, struct sc_body_digest *d);

/* Device id learnt from segments (or set), as 16 hex; "" if unknown. */
void spool_device_id(struct spool *sp, char out[2 * SEALCAM_KEY_ID_LEN + 1]);
void spool_set_device_id(struct spool *sp, const char *hex);

/* Ready-file name for a segment: DEVICEID-SEGMENTID.sealed */
void spool_ready_name(char *out, size_t len, const unsigned char *device_id,
		      uint64_t segment_id);

/*
 * Hooks into the upload queue: @drop removes the oldest ready segment that
 * is not being uploaded (0, name and size filled in; -1 if none); @notify
 * says a new file is ready.
 */
typedef int (*spool_drop_fn)(void *arg, char *name, size_t namelen,
			     long long *bytes);
void spool_set_hooks(struct spool *sp, spool_drop_fn drop,
		     void (*notify)(void *arg), void *arg);

/* Write a drop record into the outbox and count it (never silent). */
void spool_record_drop(struct spool *sp, const char *what, const char *reason,
		       uint64_t segment_id, long long bytes, uint64_t frames);

#endif
