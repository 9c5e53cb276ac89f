/* SPDX-License-Identifier: MIT */
/*
 * The agent's status file (default /run/sealcam/agent.status), one JSON
 * object rewritten atomically (temporary file + rename) about once a second:
 *
 *   pid, state ("running" | "stopping" | "stopped"), updated (unix time),
 *   device, store ("file" | "s3" | "https" | "http"),
 *   spool_bytes, spool_max_bytes, queue_segments, queue_audit, in_flight,
 *   oldest_waiting (ready file name or ""), oldest_waiting_age_s,
 *   oldest_waiting_attempts,
 *   frames, segments_finalised, segments_truncated, segments_recovered,
 *   uploaded_segments, uploaded_audit, uploaded_bytes, upload_failures,
 *   last_upload (object name), last_upload_time,
 *   last_error, last_error_time, drops, dropped_bytes, dropped_frames
 */
#ifndef SEALCAM_AGENT_STATUS_H
#define SEALCAM_AGENT_STATUS_H

#include "agent.h"
#include "queue.h"
#include "spool.h"

void status_write(const char *path, const char *state,
		  const struct agent_config *c, struct spool *sp,
		  struct queue *q, struct sc_store *st);

#endif
