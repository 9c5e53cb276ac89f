// SPDX-License-Identifier: MIT
/* The JSON status file (see status.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "status.h"

void status_write(const char *path, const char *state,
		  const struct agent_config *c, struct spool *sp,
		  struct queue *q, struct sc_store *st)
{
	struct queue_counts qc = { 0 };
	struct agent_stats s;
	char tmp[PATH_MAX];
	time_t now = time(NULL);
	FILE *f;

	if (!path || !*path)
		return;
	if (q)
		queue_get_counts(q, &qc);
	pthread_mutex_lock(&agent_stats.lock);
	s = agent_stats;
	pthread_mutex_unlock(&agent_stats.lock);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		static bool warned;

		if (!warned)
			agent_error("cannot write status file %s: %s", tmp,
				    strerror(errno));
		warned = true;
		return;
	}
	fprintf(f, "{\"pid\":%d,\"state\":", (int)getpid());
	sc_json_fputs(f, state);
	fprintf(f, ",\"updated\":%lld,\"device\":", (long long)now);
	sc_json_fputs(f, c->device ? c->device : "");
	fprintf(f, ",\"store\":");
	sc_json_fputs(f, st ? sc_store_kind(st) : "");
	fprintf(f, ",\"spool_bytes\":%lld,\"spool_max_bytes\":%lld",
		sp ? spool_bytes(sp) : 0LL, c->spool_max_bytes);
	fprintf(f, ",\"queue_segments\":%u,\"queue_audit\":%u,\"in_flight\":%u",
		qc.segments, qc.audit, qc.in_flight);
	fprintf(f, ",\"oldest_waiting\":");
	sc_json_fputs(f, qc.oldest);
	fprintf(f, ",\"oldest_waiting_age_s\":%lld,\"oldest_waiting_attempts\":%u",
		qc.oldest[0] ? (long long)(now - qc.oldest_mtime) : 0LL,
		qc.oldest_attempts);
	fprintf(f, ",\"frames\":%llu,\"segments_finalised\":%llu,"
		"\"segments_truncated\":%llu,\"segments_recovered\":%llu",
		(unsigned long long)s.frames,
		(unsigned long long)s.segments_finalised,
		(unsigned long long)s.segments_truncated,
		(unsigned long long)s.segments_recovered);
	fprintf(f, ",\"uploaded_segments\":%llu,\"uploaded_audit\":%llu,"
		"\"uploaded_bytes\":%llu,\"upload_failures\":%llu",
		(unsigned long long)s.uploaded,
		(unsigned long long)s.audit_uploaded,
		(unsigned long long)s.uploaded_bytes,
		(unsigned long long)s.upload_failures);
	fprintf(f, ",\"last_upload\":");
	sc_json_fputs(f, s.last_upload);
	fprintf(f, ",\"last_upload_time\":%lld,\"last_error\":",
		(long long)s.last_upload_time);
	sc_json_fputs(f, s.last_error);
	fprintf(f, ",\"last_error_time\":%lld,\"drops\":%llu,"
		"\"dropped_bytes\":%llu,\"dropped_frames\":%llu}\n",
		(long long)s.last_error_time, (unsigned long long)s.drops,
		(unsigned long long)s.dropped_bytes,
		(unsigned long long)s.dropped_frames);
	if (fclose(f) || rename(tmp, path)) {
		agent_error("cannot write status file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}
