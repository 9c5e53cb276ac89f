// SPDX-License-Identifier: MIT
/*
 * test_agent_spool - host test of the agent's spool (user/agent/spool.c):
 * frames sealed with libsealcam's userspace sealer are fed one by one as the
 * camera would deliver them, and every resulting file is checked with the
 * one sealed-segment reader (sealed.h) and the owner key of the committed
 * test vector. Built by user/agent.mk into build/tests/host/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "host/tap.h"
#include "sealed.h"
#include "sealwrite.h"
#include "../../user/agent/agent.h"
#include "../../user/agent/queue.h"
#include "../../user/agent/spool.h"
#include "store/store.h"

#define PIX_W 160
#define PIX_H 120

static unsigned char owner_priv[32], owner_pub[32], device_priv[32];
static char tmp[PATH_MAX];

struct frames {
	unsigned char *buf[64];
	size_t len[64];
	unsigned int n;
	size_t total;
};

static int read_key_file(const char *path, unsigned char out[32])
{
	char line[128];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return sodium_base642bin(out, 32, line, strlen(line), NULL, &n, NULL,
				 sodium_base64_VARIANT_ORIGINAL) || n != 32 ? -1 : 0;
}

/* The frames of one segment, LAST on the final one when @last. */
static void make_segment(struct frames *fr, uint64_t seg, unsigned int n,
			 bool last, uint64_t seq)
{
	static unsigned char px[PIX_W * PIX_H];
	struct sc_seg_writer w;
	unsigned int i;

	memset(fr, 0, sizeof(*fr));
	if (sc_writer_begin(&w, device_priv,
			    (const unsigned char (*)[32])owner_pub, 1, seg, 0,
			    NULL, NULL))
		abort();
	for (i = 0; i < n; i++) {
		struct sc_meta m = {
			.sequence = seq + i, .pixelformat = SEALCAM_PLAIN_GREY,
			.width = PIX_W, .height = PIX_H, .bytesperline = PIX_W,
			.fps_num = 1, .fps_den = 15,
			.timestamp_ns = 1767225600000000000ULL + (seq + i) * 66666666ULL,
			.monotonic_ns = 1000000000ULL + (seq + i) * 66666666ULL,
		};

		memset(px, (int)(seg + i), sizeof(px));
		fr->buf[i] = malloc(sc_writer_frame_len(&w, sizeof(px)));
		fr->len[i] = sc_writer_frame(&w, fr->buf[i], &m, px, sizeof(px),
					     last && i + 1 == n);
		fr->total += fr->len[i];
	}
	fr->n = n;
	sc_writer_end(&w);
}

static void free_segment(struct frames *fr)
{
	unsigned int i;

	for (i = 0; i < fr->n; i++)
		free(fr->buf[i]);
}

/* Unseal-verify a file: the reader's exit code; *frames verified. */
static int verify(const char *path, uint64_t *frames)
{
	struct sc_reader r;
	unsigned char *buf;
	size_t len;
	int rc;

	if (sc_read_file(path, &buf, &len))
		return -1;
	sc_reader_init(&r, owner_priv, NULL, NULL);
	sc_reader_feed(&r, buf, len, path);
	rc = sc_reader_result(&r);
	if (frames)
		*frames = r.frames;
	sc_reader_free(&r);
	free(buf);
	return rc;
}

static int count_files(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    (!prefix || !strncmp(de->d_name, prefix, strlen(prefix))))
			n++;
	closedir(d);
	return n;
}

static char *path_of(char *out, const char *dir, const char *sub,
		     uint64_t seg)
{
	unsigned char id[8], pub[32];
	char name[128];

	crypto_scalarmult_base(pub, device_priv);
	sc_key_id(id, pub);
	spool_ready_name(name, sizeof(name), id, seg);
	snprintf(out, PATH_MAX, "%s/%s/%s", dir, sub, name);
	return out;
}

static long long file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long long)st.st_size;
}

static void feed(struct spool *sp, struct frames *fr, unsigned int from,
		 unsigned int to)
{
	unsigned int i;

	for (i = from; i < to && i < fr->n; i++)
		spool_frame(sp, fr->buf[i], fr->len[i]);
}

int main(void)
{
	const char *root = getenv("SEALCAM_ROOT");
	char dir[PATH_MAX], p[PATH_MAX], err[256], keyp[PATH_MAX];
	struct frames s1, s2, s3, s4, s5;
	struct spool *sp;
	uint64_t frames;
	int rc, status;
	pid_t pid;

	tap_plan(33);
	if (sodium_init() < 0)
		return 1;
	snprintf(keyp, sizeof(keyp), "%s/tests/vectors/owner.key", root ? root : ".");
	if (read_key_file(keyp, owner_priv)) {
		printf("Bail out! cannot read %s\n", keyp);
		return 1;
	}
	crypto_scalarmult_base(owner_pub, owner_priv);
	crypto_hash_sha256(device_priv, (const unsigned char *)"spool test", 10);
	snprintf(tmp, sizeof(tmp), "%s", getenv("SEALCAM_TMP") ? getenv("SEALCAM_TMP") : "/tmp");
	snprintf(dir, sizeof(dir), "%s/spool-%d", tmp, (int)getpid());
	/* the spool logs every drop and failed upload: keep that out of TAP */
	snprintf(p, sizeof(p), "%s/agent-spool-%d.log", tmp, (int)getpid());
	if (!freopen(p, "w", stderr))
		tap_diag("cannot redirect stderr to %s", p);
	else
		tap_diag("agent messages: %s", p);

	/* ---- finalise at LAST ---- */
	tap_ok(!spool_open(&sp, dir, "", 0, err, sizeof(err)), "spool opens: %s",
	       err);
	snprintf(p, sizeof(p), "%s/cur", dir);
	tap_ok(count_files(p, NULL) == 0 && count_files(dir, NULL) == 4,
	       "cur/, ready/, bad/ and events/ created");
	make_segment(&s1, 1, 3, true, 0);
	feed(sp, &s1, 0, 3);
	rc = verify(path_of(p, dir, "ready", 1), &frames);
	tap_ok(rc == 0 && frames == 3, "segment finalised into ready/ at its LAST "
	       "frame, unseals with all 3 frames (rc %d)", rc);
	{
		char sum[PATH_MAX], line[200], want[200], hex[65];
		unsigned char sha[32], *b;
		size_t l;
		FILE *f;

		path_of(p, dir, "ready", 1);
		agent_sum_path(sum, sizeof(sum), p);
		f = fopen(sum, "r");
		line[0] = '\0';
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		want[0] = '\0';
		if (!sc_read_file(p, &b, &l)) {
			crypto_hash_sha256(sha, b, l);
			snprintf(want, sizeof(want), "%zu ", l);
			free(b);
		}
		sodium_bin2hex(hex, sizeof(hex), sha, sizeof(sha));
		tap_ok(*want && !strncmp(line, want, strlen(want)) &&
		       strstr(line, hex), "digest sidecar %s has the file's size and "
		       "SHA-256 (hashed as frames arrived)", sum);
	}
	snprintf(p, sizeof(p), "%s/cur", dir);
	tap_ok(count_files(p, NULL) == 0, "nothing left in cur/");
	tap_ok(spool_bytes(sp) == (long long)s1.total, "spool bytes counted (%lld)",
	       spool_bytes(sp));

	/* ---- frames reach the disk as they arrive ---- */
	make_segment(&s2, 2, 4, true, 3);
	feed(sp, &s2, 0, 2);
	tap_ok(file_size(path_of(p, dir, "ready", 2)) < 0,
	       "an open segment is not in ready/ before its LAST frame");
	{
		char part[PATH_MAX];
		char *dot;

		path_of(part, dir, "cur", 2);
		dot = strstr(part, ".sealed");
		strcpy(dot, ".part");
		tap_ok(file_size(part) == (long long)(s2.len[0] + s2.len[1]),
		       "an open segment holds every frame delivered so far (%lld bytes)",
		       file_size(part));
	}
	/* ---- a FIRST frame while a segment is open: the old one is truncated ---- */
	make_segment(&s3, 3, 3, true, 6);
	feed(sp, &s3, 0, 3);
	rc = verify(path_of(p, dir, "ready", 2), &frames);
	tap_ok(rc == SC_UNSEAL_TRUNCATED && frames == 2,
	       "segment cut short by the next FIRST is finalised truncated (rc %d)", rc);
	rc = verify(path_of(p, dir, "ready", 3), &frames);
	tap_ok(rc == 0 && frames == 3, "the next segment is complete (rc %d)", rc);

	/* ---- joining in the middle of a segment: frames without FIRST skipped ---- */
	make_segment(&s4, 4, 4, true, 9);
	feed(sp, &s4, 1, 4);
	tap_ok(file_size(path_of(p, dir, "ready", 4)) < 0,
	       "frames of a segment whose FIRST was never seen are not spooled");
	/* a buffer that is not a sealed frame is refused */
	{
		unsigned char junk[200] = { 1, 2, 3 };
		long long before = spool_bytes(sp);

		spool_frame(sp, junk, sizeof(junk));
		tap_ok(spool_bytes(sp) == before, "a buffer that is not a sealed frame "
		       "is not spooled");
	}

	/* ---- crash: a child dies by SIGKILL in the middle of a segment ---- */
	make_segment(&s5, 5, 4, true, 13);
	pid = fork();
	if (!pid) {
		feed(sp, &s5, 0, 2);
		kill(getpid(), SIGKILL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "writer killed with SIGKILL mid-segment");
	/* the parent's copy of the spool state is stale: drop it as a restart would */
	{
		char junk[PATH_MAX];
		int fd;

		snprintf(junk, sizeof(junk), "%s/cur/short.part", dir);
		fd = open(junk, O_WRONLY | O_CREAT, 0600);
		if (fd >= 0) {
			if (write(fd, "SCF1xxxx", 8) != 8)
				tap_diag("short write");
			close(fd);
		}
	}
	free(sp);	/* no finalise: the process "died" */
	agent_stats.segments_recovered = 0;
	tap_ok(!spool_open(&sp, dir, "", 0, err, sizeof(err)),
	       "restart: spool opens again: %s", err);
	rc = verify(path_of(p, dir, "ready", 5), &frames);
	tap_ok(rc == SC_UNSEAL_TRUNCATED && frames == 2,
	       "the half-written segment is moved to ready/ as it is and unseals "
	       "as truncated with its 2 frames (rc %d)", rc);
	tap_ok(agent_stats.segments_recovered == 1, "one segment recovered");
	snprintf(p, sizeof(p), "%s/bad", dir);
	tap_ok(count_files(p, "short.part") == 1,
	       "a file too short to carry a header is kept in bad/, not deleted");
	snprintf(p, sizeof(p), "%s/cur", dir);
	tap_ok(count_files(p, NULL) == 0, "cur/ empty after recovery");
	tap_ok(spool_bytes(sp) == file_size(path_of(p, dir, "ready", 1)) +
	       file_size(path_of(p, dir, "ready", 2)) +
	       file_size(path_of(p, dir, "ready", 3)) +
	       file_size(path_of(p, dir, "ready", 5)),
	       "spool bytes recomputed at startup (%lld)", spool_bytes(sp));
	spool_close(sp);

	/* ---- the size cap: oldest not-yet-uploaded segment dropped ---- */
	{
		struct agent_config c;
		struct sc_store *st;
		struct queue *q;
		char ob[PATH_MAX], cdir[PATH_MAX];
		struct frames seg[6];
		long long cap = (long long)(2.5 * (double)(4 * s1.len[1]));
		long long max_seen = 0;
		unsigned int i, j;
		int ready, drops_files;

		config_defaults(&c);
		free(c.store.url);
		/* every upload fails: nothing leaves the spool but by the cap */
		c.store.url = strdup("file:///proc/sealcam-agent-test-unwritable");
		c.concurrency = 1;
		c.backoff_min_ms = c.backoff_max_ms = 3600000;
		snprintf(cdir, sizeof(cdir), "%s/cap-%d", tmp, (int)getpid());
		snprintf(ob, sizeof(ob), "%s/outbox", cdir);
		agent_stats.drops = agent_stats.dropped_frames = 0;
		tap_ok(!spool_open(&sp, cdir, ob, cap, err, sizeof(err)) &&
		       !sc_store_init(&st, &c.store, &agent_store_ops, err,
				      sizeof(err)) &&
		       !queue_start(&q, &c, sp, st), "capped spool (%lld bytes) with "
		       "a store that refuses everything: %s", cap, err);
		spool_set_hooks(sp, queue_drop_oldest, queue_notify, q);
		for (i = 0; i < 6; i++) {
			make_segment(&seg[i], 100 + i, 4, true, 4 * i);
			for (j = 0; j < 4; j++) {
				spool_frame(sp, seg[i].buf[j], seg[i].len[j]);
				if (spool_bytes(sp) > max_seen)
					max_seen = spool_bytes(sp);
			}
		}
		snprintf(p, sizeof(p), "%s/ready", cdir);
		ready = count_files(p, NULL);
		drops_files = count_files(ob, "drop-");
		tap_ok(max_seen <= cap, "the spool never exceeds its cap (max %lld of %lld)",
		       max_seen, cap);
		tap_ok(agent_stats.drops >= 3 && ready + (int)agent_stats.drops == 6,
		       "every segment is either in ready/ or counted as a drop (%d ready, "
		       "%llu drops)", ready, (unsigned long long)agent_stats.drops);
		tap_ok(drops_files == (int)agent_stats.drops,
		       "each drop written to the audit outbox (%d drop-*.json)", drops_files);
		snprintf(p, sizeof(p), "%s/events", cdir);
		tap_ok(count_files(p, "drop-") == (int)agent_stats.drops,
		       "and to SPOOL/events/ for sealcam-auditd (%d drop-*.json)",
		       count_files(p, "drop-"));
		rc = verify(path_of(p, cdir, "ready", 105), &frames);
		tap_ok(rc == 0 && frames == 4, "the newest segment is kept complete (rc %d)", rc);
		tap_ok(file_size(path_of(p, cdir, "ready", 100)) < 0 ||
		       file_size(path_of(p, cdir, "ready", 101)) < 0,
		       "the oldest segments are the ones dropped");
		{
			struct dirent *de;
			DIR *d = opendir(ob);
			bool ok = d != NULL;
			char buf[1024];

			while (d && (de = readdir(d))) {
				FILE *f;
				char fp[PATH_MAX];

				if (strncmp(de->d_name, "drop-", 5))
					continue;
				snprintf(fp, sizeof(fp), "%s/%s", ob, de->d_name);
				f = fopen(fp, "r");
				if (!f || !fgets(buf, sizeof(buf), f) ||
				    !strstr(buf, "\"event\":\"agent-drop\"") ||
				    !strstr(buf, "\"segment_id\":10")) {
					ok = false;
					tap_diag("bad drop record %s: %s", fp, f ? buf : "");
				}
				if (f)
					fclose(f);
			}
			if (d)
				closedir(d);
			tap_ok(ok, "drop records are JSON naming the segment dropped");
		}

		/* a segment bigger than the whole cap: cut, rest counted */
		agent_stats.drops = agent_stats.dropped_frames = 0;
		{
			struct frames big;

			make_segment(&big, 200, 12, true, 100);
			feed(sp, &big, 0, 12);
			make_segment(&s4, 201, 1, true, 112);
			feed(sp, &s4, 0, 1);	/* the next FIRST ends the skip */
			tap_ok(agent_stats.dropped_frames > 0 &&
			       agent_stats.dropped_frames < 12,
			       "frames that do not fit are discarded and counted (%llu)",
			       (unsigned long long)agent_stats.dropped_frames);
			rc = verify(path_of(p, cdir, "ready", 200), &frames);
			tap_ok((rc == SC_UNSEAL_TRUNCATED &&
				frames + agent_stats.dropped_frames == 12) ||
			       file_size(path_of(p, cdir, "ready", 200)) < 0,
			       "what was kept of it unseals as truncated (rc %d, %llu "
			       "frames)", rc, (unsigned long long)frames);
			free_segment(&big);
		}
		queue_free(q);
		spool_set_hooks(sp, NULL, NULL, NULL);
		spool_close(sp);

		/* ---- a full disk: the spool on a 256 KiB tmpfs, no cap ---- */
		snprintf(cdir, sizeof(cdir), "%s/tmpfs-%d", tmp, (int)getpid());
		mkdir(cdir, 0700);
		if (mount("tmpfs", cdir, "tmpfs", 0, "size=256k")) {
			int e = errno;

			/*
			 * The tests run as root (README), and root mounts a
			 * tmpfs: failing to is a broken setup, not a skip.
			 * Not root, the four checks cannot run here: a skip,
			 * deliberately not declared in tests/expected-skips,
			 * so that CI=true fails on it.
			 */
			for (i = 0; i < 4; i++) {
				if (geteuid() == 0)
					tap_ok(0, "mount a 256 KiB tmpfs on %s: %s",
					       cdir, strerror(e));
				else
					printf("ok %d - # SKIP not root: cannot mount a "
					       "tmpfs (%s)\n", ++tap_run, strerror(e));
			}
		} else {
			struct spool *sp2;
			struct queue *q2;
			struct frames more[8];
			int ready2;

			agent_stats.drops = agent_stats.dropped_frames = 0;
			snprintf(ob, sizeof(ob), "%s/outbox-enospc", tmp);
			tap_ok(!spool_open(&sp2, cdir, ob, 0, err, sizeof(err)) &&
			       !queue_start(&q2, &c, sp2, st),
			       "spool on a 256 KiB tmpfs: %s", err);
			spool_set_hooks(sp2, queue_drop_oldest, queue_notify, q2);
			for (i = 0; i < 8; i++) {
				make_segment(&more[i], 300 + i, 4, true, 4 * i);
				feed(sp2, &more[i], 0, 4);
			}
			snprintf(p, sizeof(p), "%s/ready", cdir);
			ready2 = count_files(p, NULL);
			tap_ok(agent_stats.drops >= 4 && count_files(ob, "drop-") ==
			       (int)agent_stats.drops,
			       "disk full: oldest segments dropped, each counted and "
			       "recorded (%llu)", (unsigned long long)agent_stats.drops);
			rc = verify(path_of(p, cdir, "ready", 307), &frames);
			tap_ok(rc == 0 && frames == 4,
			       "the agent keeps recording: the newest segment is "
			       "complete (rc %d, %d ready)", rc, ready2);
			snprintf(p, sizeof(p), "%s/ready", cdir);
			{
				struct dirent *de;
				DIR *d = opendir(p);
				int bad = 0;

				while (d && (de = readdir(d))) {
					char fp[PATH_MAX];
					struct sc_reader r;
					unsigned char *b;
					size_t l;

					if (de->d_name[0] == '.')
						continue;
					snprintf(fp, sizeof(fp), "%s/%s", p, de->d_name);
					if (sc_read_file(fp, &b, &l)) {
						bad++;
						continue;
					}
					sc_reader_init(&r, owner_priv, NULL, NULL);
					sc_reader_feed(&r, b, l, fp);
					if (r.fatal != SC_FIND_NONE && r.fatal != SC_FIND_NO_LAST) {
						bad++;
						tap_diag("%s: %s", fp, r.message);
					}
					sc_reader_free(&r);
					free(b);
				}
				if (d)
					closedir(d);
				tap_ok(d && !bad, "no partial frame left behind by a "
				       "failed write: every ready file is whole frames");
			}
			agent_stop = 1;
			queue_free(q2);
			spool_set_hooks(sp2, NULL, NULL, NULL);
			spool_close(sp2);
			umount2(cdir, MNT_DETACH);
			for (i = 0; i < 8; i++)
				free_segment(&more[i]);
		}
		sc_store_free(st);
		config_free(&c);
		for (i = 0; i < 6; i++)
			free_segment(&seg[i]);
	}
	free_segment(&s1);
	free_segment(&s2);
	free_segment(&s3);
	free_segment(&s4);
	free_segment(&s5);
	return tap_done();
}
