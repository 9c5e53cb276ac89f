/* SPDX-License-Identifier: MIT */
/*
 * sealcam-auditd's intake of sealcam-agent's drop records.
 *
 * When the agent's spool is full it drops data (docs/AGENT.md, "Size cap")
 * and writes one record per drop, durably (temporary file, fsync, rename),
 * to SPOOL/events/drop-TIME-N.json: one flat JSON object, one line. The
 * daemon scans that directory about once a second, appends one
 * "agent-drop" record per file to the chained log, fsyncs the log, and only
 * then deletes the files. A crash between the fsync and the delete would
 * log a file twice; the daemon therefore remembers the file names logged
 * in the log's tail at startup and deletes such files without logging them
 * again. The files are untrusted input: size-limited, regular files only,
 * parsed by the log's own flat-JSON parser, known members copied with their
 * types checked; a file that does not parse is logged as a malformed drop
 * record (never silently ignored) and deleted.
 */
#ifndef SEALCAM_AUDITD_AGENTEV_H
#define SEALCAM_AUDITD_AGENTEV_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../audit/auditlog.h"

#define AGENTEV_DEFAULT_DIR	"/var/lib/sealcam/spool/events"
#define AGENTEV_MAX_FILES	256	/* per scan; the rest next time */

struct agentev {
	const char *dir;	/* NULL: disabled */
	time_t next_scan;
	bool disabled;		/* the directory cannot be cleaned up */
	char *logged;		/* file names seen in the log's tail */
	size_t logged_len;
	char *pending[AGENTEV_MAX_FILES];	/* logged, not yet deleted */
	unsigned int n_pending;
	unsigned long long ingested;
};

/*
 * Remember the drop files the log at @log_path already holds (its tail).
 * Call once before the first scan.
 */
void agentev_init(struct agentev *a, const char *dir, const char *log_path);

/*
 * If a second has passed (or @force): for each new drop file, build the
 * members of one log line in @b and call @emit. Returns the number of
 * records emitted, or -errno from @emit (then stop: the log failed).
 */
int agentev_scan(struct agentev *a, bool force, struct al_buf *b,
		 int (*emit)(void *arg, struct al_buf *b), void *arg);

/* The log is on disk (fsynced): delete the files it now holds. */
void agentev_commit(struct agentev *a);

void agentev_free(struct agentev *a);

/*
 * sealcam-auditd's messages: "sealcam-auditd: " + the text + newline on
 * stderr (here because the agent-drop ingest, built alone for its tests,
 * needs it too).
 */
void auditd_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
