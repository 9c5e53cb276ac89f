// SPDX-License-Identifier: MIT
/*
 * test_agentev - host test of sealcam-auditd's intake of the agent's drop
 * records (user/auditd/agentev.c) with the real log writer and verifier:
 * drop files become "agent-drop" records in the chained log, are deleted only
 * after the log is synced, a file the log already holds (crash between the
 * sync and the delete) is not logged twice, malformed and foreign files are
 * handled, and the log still verifies. Built by user/audit.mk into
 * build/tests/host/.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/tap.h"
#include "../../user/audit/auditlog.h"
#include "../../user/auditd/agentev.h"

static char tmp[PATH_MAX], evdir[PATH_MAX], logp[PATH_MAX], statep[PATH_MAX];
static struct al_writer w;

static void put(const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", evdir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", evdir, name);
	return access(p, F_OK) == 0;
}

static int emit(void *arg, struct al_buf *b)
{
	return al_append(&w, b->p, b->len);
}

/* lines of the log containing @needle */
static int count(const char *needle)
{
	FILE *f = fopen(logp, "r");
	char line[AL_MAX_LINE + 2];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return n;
}

static const char *drop1 =
	"{\"event\":\"agent-drop\",\"time\":1767225600.123456789,"
	"\"device_id\":\"3413b487f829844b\",\"what\":\"segment\","
	"\"segment_id\":100,\"bytes\":77464,\"frames\":0,"
	"\"reason\":\"spool size cap reached\",\"drops_total\":1}\n";
static const char *drop2 =
	"{\"event\":\"agent-drop\",\"time\":1767225601.5,"
	"\"device_id\":\"3413b487f829844b\",\"what\":\"frames\","
	"\"segment_id\":101,\"bytes\":9000,\"frames\":7,"
	"\"reason\":\"spool full\",\"drops_total\":2}\n";

int main(void)
{
	uint8_t k0[AL_KEY_LEN];
	struct al_state st;
	struct al_verifier v;
	struct agentev a;
	struct al_buf b = { 0 };
	char err[256], line[AL_MAX_LINE + 2];
	uint64_t repaired;
	FILE *f;
	int n, ok;

	tap_plan(12);
	snprintf(tmp, sizeof(tmp), "%s/agentevXXXXXX",
		 getenv("SEALCAM_TMP") ? getenv("SEALCAM_TMP") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(evdir, sizeof(evdir), "%s/events", tmp);
	snprintf(logp, sizeof(logp), "%s/audit.log", tmp);
	snprintf(statep, sizeof(statep), "%s/seal.state", tmp);
	mkdir(evdir, 0750);

	al_state_new(&st, k0);
	al_state_save(&st, statep);
	al_state_wipe(&st);
	if (al_writer_open(&w, logp, statep, &repaired, err, sizeof(err))) {
		printf("Bail out! %s\n", err);
		return 1;
	}

	/* nothing there yet: no record, no error */
	agentev_init(&a, evdir, logp);
	n = agentev_scan(&a, true, &b, emit, NULL);
	tap_ok(n == 0, "empty directory: no record (%d)", n);

	put("drop-1767225600123456789-1.json", drop1);
	put("drop-1767225601500000000-2.json", drop2);
	put(".drop-1767225602000000000-3.json.tmp", "half");	/* in progress */
	put("notes.txt", "not a drop record");
	n = agentev_scan(&a, true, &b, emit, NULL);
	tap_ok(n == 2, "two drop files: two records (%d), temporaries and other files left alone", n);
	tap_ok(exists("drop-1767225600123456789-1.json"),
	       "a file is kept until the log is synced");
	al_writer_sync(&w);
	agentev_commit(&a);
	tap_ok(!exists("drop-1767225600123456789-1.json") &&
	       !exists("drop-1767225601500000000-2.json") &&
	       exists(".drop-1767225602000000000-3.json.tmp") && exists("notes.txt"),
	       "after the sync the two are deleted, the others are not");
	tap_ok(count("\"type\":\"agent-drop\"") == 2 &&
	       count("\"segment_id\":100,\"bytes\":77464,\"frames\":0") == 1 &&
	       count("\"what\":\"frames\",\"segment_id\":101,\"bytes\":9000,\"frames\":7") == 1 &&
	       count("\"drops_total\":2") == 1 &&
	       count("\"agent_time\":\"1767225600.123456789\"") == 1,
	       "the log holds both drops with segment, bytes, frames, running total, agent time");
	n = agentev_scan(&a, true, &b, emit, NULL);
	tap_ok(n == 0, "a second scan logs nothing new (%d)", n);

	/* a crash after the log sync, before the delete: the file comes back */
	put("drop-1767225600123456789-1.json", drop1);
	agentev_free(&a);
	agentev_init(&a, evdir, logp);
	n = agentev_scan(&a, true, &b, emit, NULL);
	al_writer_sync(&w);
	agentev_commit(&a);
	tap_ok(n == 0 && !exists("drop-1767225600123456789-1.json") &&
	       count("\"file\":\"drop-1767225600123456789-1.json\"") == 1,
	       "after a restart a file already in the log is deleted, not logged twice");

	/* untrusted input */
	put("drop-1767225603000000000-4.json", "{\"event\":\"agent-drop\",\"bytes\":");
	put("drop-1767225604000000000-5.json", "{\"event\":\"something-else\"}\n");
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/drop-1767225605000000000-6.json", evdir);
		n = symlink("/etc/hostname", p);
	}
	n = agentev_scan(&a, true, &b, emit, NULL);
	al_writer_sync(&w);
	agentev_commit(&a);
	tap_ok(n == 3 && count("\"error\":\"malformed drop record\"") == 3,
	       "a cut record, a foreign event and a symlink are logged as malformed (%d), not dropped silently", n);
	tap_ok(!exists("drop-1767225605000000000-6.json") && access("/etc/hostname", F_OK) == 0,
	       "the symlink itself is removed, never followed");

	/* a disabled intake does nothing */
	agentev_free(&a);
	agentev_init(&a, NULL, logp);
	put("drop-1767225606000000000-7.json", drop1);
	n = agentev_scan(&a, true, &b, emit, NULL);
	tap_ok(n == 0 && exists("drop-1767225606000000000-7.json"),
	       "--agent-events none: files are not touched");
	agentev_free(&a);

	/* the whole log verifies with the verification key */
	al_tick(&w, time(NULL), true);
	al_writer_sync(&w);
	al_writer_close(&w);
	al_verify_init(&v, k0);
	f = fopen(logp, "r");
	ok = f != NULL;
	while (ok && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (al_verify_line(&v, line, len, true, logp))
			ok = 0;
	}
	if (f)
		fclose(f);
	if (ok && al_verify_finish(&v, NULL))
		ok = 0;
	tap_ok(ok, "the log with the agent's drops verifies (%s)", ok ? "ok" : v.reason);
	tap_ok(v.lines == 6, "verified %llu lines: 2 drops, 3 malformed, the seal", (unsigned long long)v.lines);
	al_verify_wipe(&v);
	al_buf_free(&b);
	return tap_done();
}
