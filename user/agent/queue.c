// SPDX-License-Identifier: MIT
/* Upload workers (see queue.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "queue.h"
#include "sealed.h"

struct qitem {
	char name[200];
	bool audit;
	bool in_flight;
	bool present;
	bool warned;
	unsigned int attempts;
	uint64_t next_try_ms;
	time_t mtime;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct qitem *items;
	size_t n, cap;
	bool dirty, quit;
	uint64_t last_scan_ms;
	unsigned int in_flight;
	const struct agent_config *c;
	struct spool *sp;
	struct sc_store *st;
	pthread_t threads[16];
	unsigned int n_threads;
};

static bool safe_name(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

static struct qitem *find(struct queue *q, const char *name, bool audit)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (q->items[i].audit == audit && !strcmp(q->items[i].name, name))
			return &q->items[i];
	return NULL;
}

static void scan_dir(struct queue *q, const char *dir, bool audit)
{
	struct dirent *de;
	DIR *d;

	if (!dir || !*dir || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		struct qitem *it;
		struct stat st;
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l >= sizeof(it->name))
			continue;
		/* a writer's temporary file (auditd: NAME.tmp, then rename) */
		if (l > 4 && !strcmp(de->d_name + l - 4, ".tmp"))
			continue;
		if (!audit && (l < 7 || strcmp(de->d_name + l - 7, ".sealed")))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) || !S_ISREG(st.st_mode))
			continue;
		it = find(q, de->d_name, audit);
		if (!it) {
			if (q->n == q->cap) {
				size_t nc = q->cap ? 2 * q->cap : 64;
				struct qitem *ni = realloc(q->items, nc * sizeof(*ni));

				if (!ni)
					break;
				q->items = ni;
				q->cap = nc;
			}
			it = &q->items[q->n++];
			memset(it, 0, sizeof(*it));
			snprintf(it->name, sizeof(it->name), "%s", de->d_name);
			it->audit = audit;
		}
		it->present = true;
		it->mtime = st.st_mtime;
	}
	closedir(d);
}

/* Bring the list in line with the directories; lock held. */
static void rescan(struct queue *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		q->items[i].present = false;
	scan_dir(q, spool_ready_dir(q->sp), false);
	scan_dir(q, spool_outbox_dir(q->sp), true);
	for (i = 0; i < q->n;) {
		if (!q->items[i].present && !q->items[i].in_flight)
			q->items[i] = q->items[--q->n];
		else
			i++;
	}
	q->dirty = false;
	q->last_scan_ms = agent_now_ms();
}

static void maybe_rescan(struct queue *q)
{
	if (q->dirty || agent_now_ms() - q->last_scan_ms >= 1000)
		rescan(q);
}

/* Audit files first (small, and they record drops), then oldest segment. */
static struct qitem *pick(struct queue *q, uint64_t now)
{
	struct qitem *best = NULL;
	size_t i;

	for (i = 0; i < q->n; i++) {
		struct qitem *it = &q->items[i];

		if (it->in_flight || it->next_try_ms > now)
			continue;
		if (!best || (it->audit && !best->audit) ||
		    (it->audit == best->audit && strcmp(it->name, best->name) < 0))
			best = it;
	}
	return best;
}

void queue_notify(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	q->dirty = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/*
 * The object name, from the file's own sealed frame header: 0, or -1 with a
 * message (a file that cannot be named yet stays queued).
 */
static int object_name(struct queue *q, const struct qitem *it,
		       const char *path, char *obj, size_t len, char *err,
		       size_t errlen)
{
	unsigned char hdr[sizeof(struct sealcam_frame_hdr)];
	char dev[2 * SEALCAM_KEY_ID_LEN + 1];
	struct agent_frame_info fi;
	bool have = false;
	ssize_t n = 0;
	FILE *f = fopen(path, "rbe");

	if (!f) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(hdr, 1, sizeof(hdr), f);
	fclose(f);
	if (n == (ssize_t)sizeof(hdr) && !agent_frame_info(hdr, n, &fi) &&
	    (fi.flags & SEALCAM_F_FIRST))
		have = true;
	if (!it->audit) {
		if (!have) {
			snprintf(err, errlen, "%s does not start with a sealed FIRST "
				 "frame; not uploaded", path);
			return -1;
		}
		snprintf(obj, len, "%s/segments/%020llu.sealed",
			 sc_hex(dev, fi.device_id, SEALCAM_KEY_ID_LEN),
			 (unsigned long long)fi.segment_id);
		return 0;
	}
	if (!safe_name(it->name)) {
		snprintf(err, errlen, "outbox file name '%s' has characters "
			 "not allowed in object names; not uploaded", it->name);
		return -1;
	}
	if (have)
		sc_hex(dev, fi.device_id, SEALCAM_KEY_ID_LEN);
	else
		spool_device_id(q->sp, dev);
	if (!*dev) {
		snprintf(err, errlen, "outbox file %s waits: device id unknown "
			 "(no segment seen yet; set device-id)", it->name);
		return -1;
	}
	snprintf(obj, len, "%s/audit/%s", dev, it->name);
	return 0;
}

static uint64_t backoff_ms(const struct agent_config *c, unsigned int attempts)
{
	uint64_t d = (uint64_t)c->backoff_min_ms;
	unsigned int i;

	for (i = 1; i < attempts && d < (uint64_t)c->backoff_max_ms; i++)
		d *= 2;
	if (d > (uint64_t)c->backoff_max_ms)
		d = c->backoff_max_ms;
	/* jitter: somewhere in [d/2, d] so that retries do not synchronise */
	return d / 2 + randombytes_uniform((uint32_t)(d / 2 + 1));
}

static void set_error(const char *msg)
{
	pthread_mutex_lock(&agent_stats.lock);
	snprintf(agent_stats.last_error, sizeof(agent_stats.last_error), "%s", msg);
	agent_stats.last_error_time = time(NULL);
	pthread_mutex_unlock(&agent_stats.lock);
}

static void deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *worker(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	while (!q->quit && !agent_stop) {
		char name[200], path[PATH_MAX], obj[512], err[512];
		struct sc_body_digest known;
		struct qitem *it;
		struct stat st;
		bool audit;
		int r;

		maybe_rescan(q);
		it = pick(q, agent_now_ms());
		if (!it) {
			struct timespec ts;

			deadline(&ts, 200);
			pthread_cond_timedwait(&q->cond, &q->lock, &ts);
			continue;
		}
		it->in_flight = true;
		q->in_flight++;
		audit = it->audit;
		snprintf(name, sizeof(name), "%s", it->name);
		snprintf(path, sizeof(path), "%s/%s",
			 audit ? spool_outbox_dir(q->sp) : spool_ready_dir(q->sp),
			 name);
		r = object_name(q, it, path, obj, sizeof(obj), err, sizeof(err));
		pthread_mutex_unlock(&q->lock);

		if (!r && stat(path, &st))
			r = -1, snprintf(err, sizeof(err), "%s vanished", path);
		if (!r)
			r = sc_store_put(q->st, path, obj,
					 spool_sum_read(path, &known) ? NULL : &known,
					 err, sizeof(err));
		if (!r) {
			/* confirmed by the store: now, and only now, it may go */
			char sum[PATH_MAX];

			agent_sum_path(sum, sizeof(sum), path);
			unlink(sum);
			if (unlink(path))
				agent_error("uploaded %s but cannot remove %s: %s",
					    obj, path, strerror(errno));
			else
				sc_fsync_dir(audit ? spool_outbox_dir(q->sp) :
						spool_ready_dir(q->sp));
			if (!audit)
				spool_account(q->sp, -(long long)st.st_size);
			pthread_mutex_lock(&agent_stats.lock);
			if (audit)
				agent_stats.audit_uploaded++;
			else
				agent_stats.uploaded++;
			agent_stats.uploaded_bytes += st.st_size;
			snprintf(agent_stats.last_upload,
				 sizeof(agent_stats.last_upload), "%s", obj);
			agent_stats.last_upload_time = time(NULL);
			pthread_mutex_unlock(&agent_stats.lock);
			agent_log("uploaded %s (%lld bytes, confirmed)", obj,
				  (long long)st.st_size);
		}

		pthread_mutex_lock(&q->lock);
		it = find(q, name, audit);
		if (it) {
			it->in_flight = false;
			if (!r) {
				*it = q->items[--q->n];
			} else {
				uint64_t d;

				it->attempts++;
				d = backoff_ms(q->c, it->attempts);
				it->next_try_ms = agent_now_ms() + d;
				if (!agent_stop) {
					agent_error("upload of %s failed (attempt %u, "
						    "retry in %.1fs): %s", name,
						    it->attempts, d / 1000.0, err);
					set_error(err);
					pthread_mutex_lock(&agent_stats.lock);
					agent_stats.upload_failures++;
					pthread_mutex_unlock(&agent_stats.lock);
				}
			}
		}
		q->in_flight--;
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	sc_store_thread_done();
	return NULL;
}

int queue_drop_oldest(void *arg, char *name, size_t namelen, long long *bytes)
{
	struct queue *q = arg;
	struct qitem *best = NULL;
	char path[PATH_MAX];
	struct stat st;
	size_t i;
	int r = -1;

	pthread_mutex_lock(&q->lock);
	rescan(q);
	for (i = 0; i < q->n; i++) {
		struct qitem *it = &q->items[i];

		if (it->audit || it->in_flight)
			continue;
		if (!best || strcmp(it->name, best->name) < 0)
			best = it;
	}
	if (best) {
		snprintf(path, sizeof(path), "%s/%s", spool_ready_dir(q->sp),
			 best->name);
		if (!stat(path, &st) && !unlink(path)) {
			char sum[PATH_MAX];

			agent_sum_path(sum, sizeof(sum), path);
			unlink(sum);
			sc_fsync_dir(spool_ready_dir(q->sp));
			snprintf(name, namelen, "%s", best->name);
			*bytes = st.st_size;
			spool_account(q->sp, -(long long)st.st_size);
			*best = q->items[--q->n];
			r = 0;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return r;
}

void queue_get_counts(struct queue *q, struct queue_counts *qc)
{
	const struct qitem *oldest = NULL;
	size_t i;

	memset(qc, 0, sizeof(*qc));
	pthread_mutex_lock(&q->lock);
	maybe_rescan(q);
	for (i = 0; i < q->n; i++) {
		const struct qitem *it = &q->items[i];

		if (it->audit) {
			qc->audit++;
			continue;
		}
		qc->segments++;
		if (!oldest || strcmp(it->name, oldest->name) < 0)
			oldest = it;
	}
	if (oldest) {
		snprintf(qc->oldest, sizeof(qc->oldest), "%s", oldest->name);
		qc->oldest_mtime = oldest->mtime;
		qc->oldest_attempts = oldest->attempts;
	}
	qc->in_flight = q->in_flight;
	pthread_mutex_unlock(&q->lock);
}

bool queue_idle(struct queue *q)
{
	bool idle;

	pthread_mutex_lock(&q->lock);
	rescan(q);
	idle = !q->n && !q->in_flight;
	pthread_mutex_unlock(&q->lock);
	return idle;
}

void queue_wait(struct queue *q, int timeout_ms)
{
	struct timespec ts;
	bool busy;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	maybe_rescan(q);
	busy = q->n || q->in_flight;
	/* the workers broadcast at the end of every upload */
	while (!q->quit &&
	       !pthread_cond_timedwait(&q->cond, &q->lock, &ts) &&
	       (!busy || q->n || q->in_flight))
		;
	pthread_mutex_unlock(&q->lock);
}

int queue_start(struct queue **out, const struct agent_config *c,
		struct spool *sp, struct sc_store *st)
{
	struct queue *q = calloc(1, sizeof(*q));
	unsigned int i;

	if (!q)
		return -1;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->c = c;
	q->sp = sp;
	q->st = st;
	q->dirty = true;
	for (i = 0; i < c->concurrency && i < 16; i++) {
		if (pthread_create(&q->threads[i], NULL, worker, q))
			break;
		q->n_threads++;
	}
	if (!q->n_threads) {
		free(q);
		return -1;
	}
	*out = q;
	return 0;
}

void queue_stop(struct queue *q)
{
	unsigned int i;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->quit = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->n_threads; i++)
		pthread_join(q->threads[i], NULL);
	q->n_threads = 0;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	queue_stop(q);
	free(q->items);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}
