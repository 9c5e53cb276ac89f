/* SPDX-License-Identifier: MIT */
/*
 * The upload queue: the files in SPOOL/ready/ and in the outbox, sent by
 * N worker threads. A file is removed only after sc_store_put() confirmed it;
 * a failure is retried after an exponential backoff with jitter, forever
 * (nothing is given up on; the spool cap decides what is dropped).
 */
#ifndef SEALCAM_AGENT_QUEUE_H
#define SEALCAM_AGENT_QUEUE_H

#include <stdbool.h>
#include <time.h>

#include "agent.h"
#include "spool.h"

struct queue;

int queue_start(struct queue **out, const struct agent_config *c,
		struct spool *sp, struct sc_store *st);
/* Wake the workers: a file became ready. */
void queue_notify(void *q);
/* spool_drop_fn: drop the oldest ready segment not being uploaded. */
int queue_drop_oldest(void *q, char *name, size_t namelen, long long *bytes);

struct queue_counts {
	unsigned int segments, audit, in_flight;
	char oldest[128];		/* oldest waiting segment file, or "" */
	time_t oldest_mtime;
	unsigned int oldest_attempts;
};
void queue_get_counts(struct queue *q, struct queue_counts *qc);
/* Nothing waiting and nothing in flight. */
bool queue_idle(struct queue *q);
/*
 * Sleep up to @timeout_ms; while uploads are queued or in flight, return
 * as soon as the last of them ends, so that a drain ends at once rather
 * than at the caller's next tick.
 */
void queue_wait(struct queue *q, int timeout_ms);
/* Stop the workers (uploads in flight are aborted when agent_stop is set). */
void queue_stop(struct queue *q);
void queue_free(struct queue *q);

#endif
