// SPDX-License-Identifier: MIT
/*
 * `sealcam status`, agent part: reads sealcam-agent's status file (one flat
 * JSON object, see user/agent/status.h and docs/AGENT.md) and shows the
 * spool, the queue, the last upload, the last error and the drops, or says
 * plainly that the agent is not running.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/auditlog.h"
#include "json.h"
#include "sealcam.h"

#define STATUS_MAX 8192
#define STALE_S 30	/* the agent rewrites its status about once a second */

static uint64_t num(const struct al_record *r, const char *key)
{
	uint64_t v = 0;

	al_get_u64(r, key, &v);
	return v;
}

static const char *str(const struct al_record *r, const char *key)
{
	const char *s = al_get(r, key);

	return s ? s : "";
}

/* "2026-11-29 12:00:00 UTC (5 s ago)" or "never" */
static void when(char *out, size_t len, uint64_t t, time_t now)
{
	struct tm tm;
	time_t s = (time_t)t;
	char iso[32];

	if (!t) {
		snprintf(out, len, "never");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(out, len, "%s (%lld s ago)", iso, (long long)(now - s));
}

static void human(char *out, size_t len, uint64_t b)
{
	if (b >= 10ULL << 30)
		snprintf(out, len, "%" PRIu64 " GiB", b >> 30);
	else if (b >= 10ULL << 20)
		snprintf(out, len, "%" PRIu64 " MiB", b >> 20);
	else if (b >= 10ULL << 10)
		snprintf(out, len, "%" PRIu64 " KiB", b >> 10);
	else
		snprintf(out, len, "%" PRIu64 " B", b);
}

/*
 * Is the process that wrote the file still there? A status that says
 * "running" from a dead pid is an agent that was killed.
 */
static bool alive(uint64_t pid)
{
	if (!pid || pid > INT32_MAX)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int agent_status_show(const char *path, bool json)
{
	static struct al_record rec;
	char buf[STATUS_MAX], err[128], t1[96], t2[96], b1[32], b2[32];
	time_t now = time(NULL);
	const char *state, *why = NULL;
	bool running;
	size_t len;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (json) {
			printf("{\"running\": false, \"status_file\": ");
			sc_json_fputs(stdout, path);
			printf(", \"reason\": ");
			sc_json_fputs(stdout, strerror(errno));
			printf("}");
		} else {
			printf("agent: not running (no status file %s: %s)\n",
			       path, strerror(errno));
		}
		return 0;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = 0;
	if (!len || al_parse_line(buf, len, &rec, err, sizeof(err))) {
		if (json) {
			printf("{\"running\": false, \"status_file\": ");
			sc_json_fputs(stdout, path);
			printf(", \"reason\": \"unreadable status file\"}");
		} else {
			printf("agent: status file %s unreadable (%s)\n", path,
			       len ? err : "empty");
		}
		return -EINVAL;
	}
	state = str(&rec, "state");
	running = strcmp(state, "stopped") && alive(num(&rec, "pid"));
	if (!strcmp(state, "stopped"))
		why = "stopped cleanly";
	else if (!running)
		why = "not stopped cleanly: its process is gone";

	if (json) {
		/* the agent's own object, with what we concluded in front */
		printf("{\"running\": %s, \"status_file\": ",
		       running ? "true" : "false");
		sc_json_fputs(stdout, path);
		printf(", \"agent\": %s}", buf);
		return 0;
	}
	when(t1, sizeof(t1), num(&rec, "updated"), now);
	if (running && now - (time_t)num(&rec, "updated") > STALE_S)
		printf("agent: pid %" PRIu64 " is there but its status is %lld s "
		       "old (hung, or another process has that pid now)\n",
		       num(&rec, "pid"), (long long)(now - (time_t)num(&rec, "updated")));
	else if (running)
		printf("agent: running (pid %" PRIu64 ", %s), status of %s\n",
		       num(&rec, "pid"), state, t1);
	else
		printf("agent: not running (%s; pid %" PRIu64
		       "), last status of %s\n", why, num(&rec, "pid"), t1);
	printf("  device: %s, store: %s\n",
	       *str(&rec, "device") ? str(&rec, "device") : "none (upload only)",
	       str(&rec, "store"));
	human(b1, sizeof(b1), num(&rec, "spool_bytes"));
	if (num(&rec, "spool_max_bytes")) {
		human(b2, sizeof(b2), num(&rec, "spool_max_bytes"));
		printf("  spool: %" PRIu64 " bytes (%s) of %s cap\n",
		       num(&rec, "spool_bytes"), b1, b2);
	} else {
		printf("  spool: %" PRIu64 " bytes (%s), no cap\n",
		       num(&rec, "spool_bytes"), b1);
	}
	printf("  queue: %" PRIu64 " segments, %" PRIu64
	       " audit files waiting, %" PRIu64 " uploading\n",
	       num(&rec, "queue_segments"), num(&rec, "queue_audit"),
	       num(&rec, "in_flight"));
	if (*str(&rec, "oldest_waiting"))
		printf("  oldest waiting: %s (%" PRIu64 " s, %" PRIu64
		       " attempts)\n", str(&rec, "oldest_waiting"),
		       num(&rec, "oldest_waiting_age_s"),
		       num(&rec, "oldest_waiting_attempts"));
	else
		printf("  oldest waiting: none\n");
	printf("  captured: %" PRIu64 " frames, %" PRIu64 " segments (%"
	       PRIu64 " truncated, %" PRIu64 " recovered after a crash)\n",
	       num(&rec, "frames"), num(&rec, "segments_finalised"),
	       num(&rec, "segments_truncated"), num(&rec, "segments_recovered"));
	human(b1, sizeof(b1), num(&rec, "uploaded_bytes"));
	printf("  uploaded: %" PRIu64 " segments, %" PRIu64
	       " audit files, %s; %" PRIu64 " failed attempts\n",
	       num(&rec, "uploaded_segments"), num(&rec, "uploaded_audit"), b1,
	       num(&rec, "upload_failures"));
	when(t1, sizeof(t1), num(&rec, "last_upload_time"), now);
	if (*str(&rec, "last_upload"))
		printf("  last upload: %s at %s\n", str(&rec, "last_upload"), t1);
	else
		printf("  last upload: none\n");
	when(t2, sizeof(t2), num(&rec, "last_error_time"), now);
	if (*str(&rec, "last_error"))
		printf("  last error: %s at %s\n", str(&rec, "last_error"), t2);
	else
		printf("  last error: none\n");
	human(b1, sizeof(b1), num(&rec, "dropped_bytes"));
	printf("  drops: %" PRIu64 " (%s, %" PRIu64 " frames)%s\n",
	       num(&rec, "drops"), b1, num(&rec, "dropped_frames"),
	       num(&rec, "drops") ? " - the spool was full, see the audit log" : "");
	return 0;
}
