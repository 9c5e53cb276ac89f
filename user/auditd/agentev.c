// SPDX-License-Identifier: MIT
/* sealcam-auditd: the agent's drop records into the log (see agentev.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agentev.h"

#define AGENTEV_TAIL	(512 * 1024)
#define AGENTEV_MAX_LEN	4096

void auditd_say(const char *fmt, ...)
{
	va_list ap;

	fputs("sealcam-auditd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Remember the file named by an agent-drop record already in the log. */
static int note_logged(void *arg, const struct al_record *rec)
{
	struct agentev *a = arg;
	const char *type = al_get(rec, "type"), *file = al_get(rec, "file");
	size_t n;
	char *p;

	if (!type || strcmp(type, "agent-drop") || !file)
		return 0;
	n = strlen(file) + 1;
	p = realloc(a->logged, a->logged_len + n);
	if (!p)
		return -ENOMEM;
	memcpy(p + a->logged_len, file, n);
	a->logged = p;
	a->logged_len += n;
	return 0;
}

void agentev_init(struct agentev *a, const char *dir, const char *log_path)
{
	memset(a, 0, sizeof(*a));
	a->dir = dir;
	if (dir && log_path)
		al_scan_tail(log_path, AGENTEV_TAIL, note_logged, a);
}

static bool already_logged(const struct agentev *a, const char *name)
{
	size_t off = 0;

	while (off < a->logged_len) {
		if (!strcmp(a->logged + off, name))
			return true;
		off += strlen(a->logged + off) + 1;
	}
	return false;
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* drop-DIGITS-DIGITS.json, nothing else (no dot files, no temporaries) */
static bool is_drop_file(const char *n)
{
	size_t len = strlen(n);

	return len > 10 && len < 80 && !strncmp(n, "drop-", 5) &&
	       !strcmp(n + len - 5, ".json") &&
	       strspn(n + 5, "0123456789-") == len - 10;
}

/* The file's one line, or -errno. Untrusted: a regular file, size-limited. */
static int read_small(int dirfd, const char *name, char *buf, size_t cap,
		      size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size >= (off_t)cap) {
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	*len = n;
	return memchr(buf, '\n', n) ? -EINVAL : 0;
}

static void copy_str(struct al_buf *b, const struct al_record *r,
		     const char *key, size_t max)
{
	const char *v = al_get(r, key);
	char tmp[256];

	if (!v)
		return;
	snprintf(tmp, sizeof(tmp) < max ? sizeof(tmp) : max, "%s", v);
	al_buf_str(b, key, tmp);
}

static void copy_u64(struct al_buf *b, const struct al_record *r,
		     const char *key)
{
	uint64_t v;

	if (!al_get_u64(r, key, &v))
		al_buf_u64(b, key, v);
}

static void put_now(struct al_buf *b)
{
	struct timespec ts;
	char iso[64];
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec);
	al_buf_str(b, "time", iso);
	al_buf_i64(b, "ts_ns", (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int agentev_scan(struct agentev *a, bool force, struct al_buf *b,
		 int (*emit)(void *arg, struct al_buf *b), void *arg)
{
	static struct al_record rec;
	char *names[AGENTEV_MAX_FILES], buf[AGENTEV_MAX_LEN], err[128];
	unsigned int n = 0, i;
	int dfd, ret = 0, emitted = 0;
	struct dirent *de;
	time_t now = time(NULL);
	size_t len = 0;
	DIR *d;

	if (!a->dir || a->disabled || a->n_pending || (!force && now < a->next_scan))
		return 0;
	a->next_scan = now + 1;
	d = opendir(a->dir);
	if (!d)
		return 0;	/* no agent (yet) */
	while ((de = readdir(d)) && n < AGENTEV_MAX_FILES) {
		if (is_drop_file(de->d_name))
			names[n++] = strdup(de->d_name);
		if (n && !names[n - 1])
			n--;
	}
	dfd = dirfd(d);
	qsort(names, n, sizeof(names[0]), cmp_name);
	for (i = 0; i < n; i++) {
		if (ret < 0 || already_logged(a, names[i])) {
			if (ret < 0)
				free(names[i]);
			else
				a->pending[a->n_pending++] = names[i];
			continue;
		}
		al_buf_reset(b);
		al_buf_str(b, "type", "agent-drop");
		put_now(b);
		al_buf_str(b, "file", names[i]);
		if (read_small(dfd, names[i], buf, sizeof(buf), &len) ||
		    al_parse_line(buf, len, &rec, err, sizeof(err)) ||
		    !al_get(&rec, "event") ||
		    strcmp(al_get(&rec, "event"), "agent-drop")) {
			al_buf_str(b, "error", "malformed drop record");
		} else {
			copy_str(b, &rec, "device_id", 17);
			copy_str(b, &rec, "what", 32);
			copy_u64(b, &rec, "segment_id");
			copy_u64(b, &rec, "bytes");
			copy_u64(b, &rec, "frames");
			copy_str(b, &rec, "reason", 160);
			copy_u64(b, &rec, "drops_total");
			if (al_get(&rec, "time"))
				al_buf_str(b, "agent_time", al_get(&rec, "time"));
		}
		ret = emit(arg, b);
		if (ret < 0) {
			free(names[i]);
			continue;
		}
		emitted++;
		a->pending[a->n_pending++] = names[i];
	}
	closedir(d);
	a->ingested += emitted;
	return ret < 0 ? ret : emitted;
}

void agentev_commit(struct agentev *a)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < a->n_pending; i++) {
		snprintf(path, sizeof(path), "%s/%s", a->dir, a->pending[i]);
		if (unlink(path) && errno != ENOENT && !a->disabled) {
			/* kept files would be logged again: stop taking them */
			auditd_say("cannot remove %s: %s; no longer reading agent drop "
			    "records from %s", path, strerror(errno), a->dir);
			a->disabled = true;
		}
		free(a->pending[i]);
	}
	a->n_pending = 0;
}

void agentev_free(struct agentev *a)
{
	unsigned int i;

	for (i = 0; i < a->n_pending; i++)
		free(a->pending[i]);
	a->n_pending = 0;
	free(a->logged);
	a->logged = NULL;
}
