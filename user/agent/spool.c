// SPDX-License-Identifier: MIT
/*
 * The crash-safe spool. A frame is written to the current segment file the
 * moment it is dequeued; at the LAST frame the file is fsynced and renamed
 * into ready/, and both directories are fsynced, so after a crash a segment
 * is either complete in ready/ or partial in cur/. At startup whatever is in
 * cur/ is moved to ready/ as it is: the sealed format itself tells the owner
 * it is truncated (no LAST frame, or a partial frame), nothing is hidden.
 *
 * Size cap: before a frame would take the spool over the cap, the oldest
 * ready segment not being uploaded is dropped. If none can be dropped, the
 * current segment is finalised as truncated and frames are discarded until
 * the next segment starts. Both are drops: counted, logged, and recorded as
 * drop-TIME-N.json in SPOOL/events/ (sealcam-auditd takes it into the
 * chained audit log) and in the audit outbox. A full disk (ENOSPC) is
 * handled the same way.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "sealed.h"
#include "spool.h"

struct spool {
	char dir[PATH_MAX], cur[PATH_MAX], ready[PATH_MAX], bad[PATH_MAX];
	char outbox[PATH_MAX];	/* "" = none */
	char events[PATH_MAX];	/* DIR/events: drop records for sealcam-auditd */
	long long max_bytes;

	pthread_mutex_t lock;	/* bytes, device id */
	long long bytes;
	char device_hex[2 * SEALCAM_KEY_ID_LEN + 1];

	/* the segment being written (capture thread only) */
	int fd;
	char part[PATH_MAX];
	unsigned char device_id[SEALCAM_KEY_ID_LEN];
	uint64_t segment_id;
	uint64_t next_index;
	long long len;
	struct sc_digest digest;	/* of what is written so far */
	bool without_sha256;	/* the store needs only the MD5 */
	/* discarding frames until the next FIRST */
	bool skipping;
	uint64_t skip_segment;
	uint64_t skipped_frames;
	bool skip_is_drop;	/* the skip is a drop (cap/disk), not a join */

	spool_drop_fn drop;
	void (*notify)(void *arg);
	void *hook_arg;
};

int agent_frame_info(const unsigned char *buf, size_t len,
		     struct agent_frame_info *fi)
{
	struct sealcam_frame_hdr h;
	uint32_t seg_hdr_len, ct_len;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	seg_hdr_len = le32toh(h.seg_hdr_len);
	ct_len = le32toh(h.ct_len);
	fi->flags = le16toh(h.flags);
	if (le32toh(h.magic) != SEALCAM_FRAME_MAGIC ||
	    h.version != SEALCAM_FORMAT_VERSION || h.hdr_len != sizeof(h) ||
	    (fi->flags & ~SEALCAM_F_KNOWN) ||
	    !!(fi->flags & SEALCAM_F_FIRST) != (seg_hdr_len != 0) ||
	    seg_hdr_len > SEALCAM_SEG_HDR_LEN(SEALCAM_MAX_RECIPIENTS) ||
	    ct_len < SEALCAM_META_LEN + SEALCAM_TAG_LEN || ct_len > (1u << 30))
		return -1;
	fi->frame_len = sizeof(h) + seg_hdr_len + ct_len;
	memcpy(fi->device_id, h.device_id, sizeof(fi->device_id));
	fi->segment_id = le64toh(h.segment_id);
	fi->frame_index = le64toh(h.frame_index);
	return 0;
}

void spool_ready_name(char *out, size_t len, const unsigned char *device_id,
		      uint64_t segment_id)
{
	char hex[2 * SEALCAM_KEY_ID_LEN + 1];

	snprintf(out, len, "%s-%020llu.sealed",
		 sc_hex(hex, device_id, SEALCAM_KEY_ID_LEN),
		 (unsigned long long)segment_id);
}

const char *spool_ready_dir(const struct spool *sp) { return sp->ready; }
const char *spool_outbox_dir(const struct spool *sp) { return sp->outbox; }
bool spool_segment_open(const struct spool *sp) { return sp->fd >= 0; }

long long spool_bytes(const struct spool *sp)
{
	long long b;

	pthread_mutex_lock((pthread_mutex_t *)&sp->lock);
	b = sp->bytes;
	pthread_mutex_unlock((pthread_mutex_t *)&sp->lock);
	return b;
}

void spool_account(struct spool *sp, long long delta)
{
	pthread_mutex_lock(&sp->lock);
	sp->bytes += delta;
	if (sp->bytes < 0)
		sp->bytes = 0;
	pthread_mutex_unlock(&sp->lock);
}

void spool_device_id(struct spool *sp, char out[2 * SEALCAM_KEY_ID_LEN + 1])
{
	pthread_mutex_lock(&sp->lock);
	memcpy(out, sp->device_hex, sizeof(sp->device_hex));
	pthread_mutex_unlock(&sp->lock);
}

void spool_set_sha256(struct spool *sp, bool with_sha256)
{
	sp->without_sha256 = !with_sha256;
}

void spool_set_device_id(struct spool *sp, const char *hex)
{
	pthread_mutex_lock(&sp->lock);
	snprintf(sp->device_hex, sizeof(sp->device_hex), "%s", hex);
	pthread_mutex_unlock(&sp->lock);
}

static void learn_device(struct spool *sp, const unsigned char *id)
{
	char hex[2 * SEALCAM_KEY_ID_LEN + 1];

	sc_hex(hex, id, SEALCAM_KEY_ID_LEN);
	pthread_mutex_lock(&sp->lock);
	if (!sp->device_hex[0])
		memcpy(sp->device_hex, hex, sizeof(hex));
	pthread_mutex_unlock(&sp->lock);
}

void spool_set_hooks(struct spool *sp, spool_drop_fn drop,
		     void (*notify)(void *arg), void *arg)
{
	sp->drop = drop;
	sp->notify = notify;
	sp->hook_arg = arg;
}

static int write_all(int fd, const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += n;
		len -= n;
	}
	return 0;
}

/* DIR/NAME holding @json, durably (temporary file, fsync, rename). */
static void write_record(const char *dir, const char *name, const char *json,
			 int n)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	int fd;

	snprintf(final, sizeof(final), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write_all(fd, json, n) || fsync(fd) ||
	    rename(tmp, final)) {
		agent_error("cannot write drop record %s: %s (the drop is in this log)",
			    final, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	sc_fsync_dir(dir);
}

void spool_record_drop(struct spool *sp, const char *what, const char *reason,
		       uint64_t segment_id, long long bytes, uint64_t frames)
{
	char dev[2 * SEALCAM_KEY_ID_LEN + 1], name[96];
	char json[768];
	struct timespec ts;
	uint64_t total;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&agent_stats.lock);
	total = ++agent_stats.drops;
	agent_stats.dropped_bytes += bytes;
	agent_stats.dropped_frames += frames;
	pthread_mutex_unlock(&agent_stats.lock);
	spool_device_id(sp, dev);

	agent_error("DROP %llu (%s): segment %llu, %lld bytes, %llu frames: %s",
		    (unsigned long long)total, what,
		    (unsigned long long)segment_id, bytes,
		    (unsigned long long)frames, reason);
	n = snprintf(json, sizeof(json),
		     "{\"event\":\"agent-drop\",\"time\":%lld.%09ld,"
		     "\"device_id\":\"%s\",\"what\":\"%s\",\"segment_id\":%llu,"
		     "\"bytes\":%lld,\"frames\":%llu,\"reason\":\"%s\","
		     "\"drops_total\":%llu}\n",
		     (long long)ts.tv_sec, ts.tv_nsec, dev, what,
		     (unsigned long long)segment_id, bytes,
		     (unsigned long long)frames, reason,
		     (unsigned long long)total);
	/* the audit daemon's copy first: it goes into the chained log */
	snprintf(name, sizeof(name), "drop-%lld%09ld-%llu.json",
		 (long long)ts.tv_sec, ts.tv_nsec, (unsigned long long)total);
	write_record(sp->events, name, json, n);
	if (sp->outbox[0])
		write_record(sp->outbox, name, json, n);
	if (sp->notify)
		sp->notify(sp->hook_arg);
}

/* The digest sidecar for @dst (see agent_sum_path), before @dst exists. */
static void write_sum(struct spool *sp, const char *dst)
{
	unsigned char sha[SC_SHA256_LEN], md5[SC_MD5_LEN];
	char sum[PATH_MAX], tmp[PATH_MAX], line[160], sha_hex[65], md5_hex[33];
	int fd, n;

	sc_digest_final(&sp->digest, md5, sha);
	if (sp->digest.with_sha256)
		sodium_bin2hex(sha_hex, sizeof(sha_hex), sha, sizeof(sha));
	else
		snprintf(sha_hex, sizeof(sha_hex), "-");
	sodium_bin2hex(md5_hex, sizeof(md5_hex), md5, sizeof(md5));
	n = snprintf(line, sizeof(line), "%lld %s %s\n", sp->len, md5_hex, sha_hex);
	agent_sum_path(sum, sizeof(sum), dst);
	snprintf(tmp, sizeof(tmp), "%s.tmp", sum);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write_all(fd, line, n) || fsync(fd) || rename(tmp, sum)) {
		/* not fatal: the uploader hashes the file itself */
		agent_error("cannot write %s: %s", sum, strerror(errno));
		unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
}

int spool_sum_read(const char *path, struct sc_body_digest *d)
{
	char sum[PATH_MAX], line[200], md5_hex[64], sha_hex[96];
	unsigned char md5[SC_MD5_LEN], sha[SC_SHA256_LEN];
	long long size;
	size_t n;
	bool ok;
	FILE *f;

	agent_sum_path(sum, sizeof(sum), path);
	f = fopen(sum, "re");
	if (!f)
		return -1;
	ok = fgets(line, sizeof(line), f) &&
	     sscanf(line, "%lld %63s %95s", &size, md5_hex, sha_hex) == 3 &&
	     strlen(md5_hex) == 2 * SC_MD5_LEN &&
	     !sodium_hex2bin(md5, sizeof(md5), md5_hex, 2 * SC_MD5_LEN, NULL,
			     &n, NULL) && n == SC_MD5_LEN &&
	     (!strcmp(sha_hex, "-") ||
	      (!sodium_hex2bin(sha, sizeof(sha), sha_hex, strlen(sha_hex), NULL,
			       &n, NULL) && n == SC_SHA256_LEN));
	fclose(f);
	if (ok)
		sc_body_digest_set(d, size, md5, strcmp(sha_hex, "-") ? sha : NULL);
	return ok ? 0 : -1;
}

/* Move the open segment file into ready/ (fsync file, rename, fsync dirs). */
static void finalise(struct spool *sp, bool truncated)
{
	char name[128], dst[PATH_MAX];

	if (sp->fd < 0)
		return;
	if (fsync(sp->fd))
		agent_error("fsync %s: %s", sp->part, strerror(errno));
	close(sp->fd);
	sp->fd = -1;
	spool_ready_name(name, sizeof(name), sp->device_id, sp->segment_id);
	snprintf(dst, sizeof(dst), "%s/%s", sp->ready, name);
	write_sum(sp, dst);
	if (rename(sp->part, dst)) {
		agent_error("cannot move %s to %s: %s", sp->part, dst, strerror(errno));
		return;
	}
	sc_fsync_dir(sp->ready);
	sc_fsync_dir(sp->cur);
	pthread_mutex_lock(&agent_stats.lock);
	agent_stats.segments_finalised++;
	if (truncated)
		agent_stats.segments_truncated++;
	pthread_mutex_unlock(&agent_stats.lock);
	if (truncated)
		agent_log("segment %llu finalised truncated after %llu frames (%lld bytes)",
			  (unsigned long long)sp->segment_id,
			  (unsigned long long)sp->next_index, sp->len);
	else
		agent_log("segment %llu complete: %llu frames, %lld bytes",
			  (unsigned long long)sp->segment_id,
			  (unsigned long long)sp->next_index, sp->len);
	if (sp->notify)
		sp->notify(sp->hook_arg);
}

void spool_finalise_open(struct spool *sp)
{
	finalise(sp, true);
}

/*
 * Make room for @need more bytes under the cap by dropping the oldest ready
 * segments. 0 when there is room, -1 when nothing more can be dropped.
 */
static int make_room(struct spool *sp, long long need)
{
	while (sp->max_bytes && spool_bytes(sp) + need > sp->max_bytes) {
		char name[256];
		long long bytes = 0;
		unsigned long long seg = 0;
		const char *dash;

		if (!sp->drop || sp->drop(sp->hook_arg, name, sizeof(name), &bytes))
			return -1;
		dash = strchr(name, '-');
		if (dash)
			seg = strtoull(dash + 1, NULL, 10);
		spool_record_drop(sp, "segment", "spool size cap reached: oldest "
				  "segment not yet uploaded dropped", seg, bytes, 0);
	}
	return 0;
}

/* Stop writing the current segment because there is no room for it. */
static void give_up_segment(struct spool *sp, const char *reason)
{
	uint64_t seg = sp->segment_id;

	finalise(sp, true);
	sp->skipping = true;
	sp->skip_is_drop = true;
	sp->skip_segment = seg;
	sp->skipped_frames = 0;
	agent_error("no room in the spool (%s): frames of segment %llu are "
		    "discarded until the next segment", reason,
		    (unsigned long long)seg);
}

static void end_skip(struct spool *sp)
{
	if (sp->skipping && sp->skip_is_drop && sp->skipped_frames)
		spool_record_drop(sp, "frames", "spool full: end of segment "
				  "discarded, segment uploaded truncated",
				  sp->skip_segment, 0, sp->skipped_frames);
	else if (sp->skipping && sp->skipped_frames)
		agent_log("skipped %llu frames of segment %llu (its FIRST frame "
			  "was not seen by this agent)",
			  (unsigned long long)sp->skipped_frames,
			  (unsigned long long)sp->skip_segment);
	sp->skipping = false;
	sp->skipped_frames = 0;
}

static int start_segment(struct spool *sp, const struct agent_frame_info *fi)
{
	char hex[2 * SEALCAM_KEY_ID_LEN + 1];

	snprintf(sp->part, sizeof(sp->part), "%s/%s-%020llu.part", sp->cur,
		 sc_hex(hex, fi->device_id, SEALCAM_KEY_ID_LEN),
		 (unsigned long long)fi->segment_id);
	sp->fd = open(sp->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (sp->fd < 0) {
		agent_error("cannot create %s: %s", sp->part, strerror(errno));
		return -1;
	}
	memcpy(sp->device_id, fi->device_id, sizeof(sp->device_id));
	sc_digest_init(&sp->digest, !sp->without_sha256);
	sp->segment_id = fi->segment_id;
	sp->next_index = 0;
	sp->len = 0;
	learn_device(sp, fi->device_id);
	/* the new name must survive a crash, or recovery cannot find it */
	sc_fsync_dir(sp->cur);
	return 0;
}

int spool_frame(struct spool *sp, const unsigned char *buf, size_t len)
{
	struct agent_frame_info fi;
	int r;

	if (agent_frame_info(buf, len, &fi) || fi.frame_len != len) {
		agent_error("camera delivered a buffer that is not one sealed frame "
			    "(%zu bytes); not spooled", len);
		return 0;
	}
	pthread_mutex_lock(&agent_stats.lock);
	agent_stats.frames++;
	agent_stats.frame_bytes += len;
	pthread_mutex_unlock(&agent_stats.lock);

	if (fi.flags & SEALCAM_F_FIRST) {
		if (sp->fd >= 0) {
			agent_error("segment %llu ended without its LAST frame",
				    (unsigned long long)sp->segment_id);
			finalise(sp, true);
		}
		end_skip(sp);
		if (make_room(sp, len)) {
			sp->skipping = true;
			sp->skip_is_drop = true;
			sp->skip_segment = fi.segment_id;
			sp->skipped_frames = 1;
			agent_error("no room in the spool for segment %llu",
				    (unsigned long long)fi.segment_id);
			return 0;
		}
		if (start_segment(sp, &fi))
			return -1;
	} else if (sp->fd < 0 || fi.segment_id != sp->segment_id ||
		   memcmp(fi.device_id, sp->device_id, sizeof(fi.device_id))) {
		if (sp->fd >= 0) {
			agent_error("frame of segment %llu while segment %llu is open",
				    (unsigned long long)fi.segment_id,
				    (unsigned long long)sp->segment_id);
			finalise(sp, true);
		}
		if (!sp->skipping || sp->skip_segment != fi.segment_id) {
			end_skip(sp);
			sp->skipping = true;
			sp->skip_is_drop = false;
			sp->skip_segment = fi.segment_id;
			agent_log("frame %llu of segment %llu (flags %#x) came without "
				  "its segment's FIRST frame: skipping to the next segment",
				  (unsigned long long)fi.frame_index,
				  (unsigned long long)fi.segment_id, fi.flags);
		}
		sp->skipped_frames++;
		return 0;
	} else if (make_room(sp, len)) {
		give_up_segment(sp, "size cap");
		sp->skipped_frames = 1;
		return 0;
	}

	if (fi.frame_index != sp->next_index)
		agent_error("segment %llu: frame %llu follows %llu (spooled as is)",
			    (unsigned long long)fi.segment_id,
			    (unsigned long long)fi.frame_index,
			    (unsigned long long)sp->next_index);
	r = write_all(sp->fd, buf, len);
	if (r == -ENOSPC) {
		/* undo the partial write, free space, try once more */
		if (ftruncate(sp->fd, sp->len))
			agent_error("ftruncate %s: %s", sp->part, strerror(errno));
		lseek(sp->fd, sp->len, SEEK_SET);
		if (sp->drop) {
			char name[256];
			long long bytes;

			if (!sp->drop(sp->hook_arg, name, sizeof(name), &bytes)) {
				const char *dash = strchr(name, '-');

				spool_record_drop(sp, "segment", "disk full: oldest "
						  "segment not yet uploaded dropped",
						  dash ? strtoull(dash + 1, NULL, 10) : 0,
						  bytes, 0);
				r = write_all(sp->fd, buf, len);
			}
		}
		if (r == -ENOSPC) {
			if (ftruncate(sp->fd, sp->len))
				agent_error("ftruncate %s: %s", sp->part, strerror(errno));
			lseek(sp->fd, sp->len, SEEK_SET);
			give_up_segment(sp, "disk full");
			sp->skipped_frames = 1;
			return 0;
		}
	}
	if (r) {
		agent_error("write %s: %s", sp->part, strerror(-r));
		return -1;
	}
	sp->len += len;
	sc_digest_update(&sp->digest, buf, len);
	sp->next_index = fi.frame_index + 1;
	spool_account(sp, len);
	if (fi.flags & SEALCAM_F_LAST)
		finalise(sp, false);
	return 0;
}

static long long dir_bytes(const char *dir)
{
	struct dirent *de;
	long long total = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (!fstatat(dirfd(d), de->d_name, &st, 0) && S_ISREG(st.st_mode))
			total += st.st_size;
	}
	closedir(d);
	return total;
}

/* A segment file left in cur/ by a crash: to ready/ as it is. */
static void recover_one(struct spool *sp, const char *name)
{
	unsigned char hdr[sizeof(struct sealcam_frame_hdr)];
	struct agent_frame_info fi;
	char src[PATH_MAX], dst[PATH_MAX], rname[128];
	struct stat st;
	ssize_t n = -1;
	int fd;

	snprintf(src, sizeof(src), "%s/%s", sp->cur, name);
	fd = open(src, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		n = pread(fd, hdr, sizeof(hdr), 0);
		fstat(fd, &st);
		fsync(fd);
		close(fd);
	}
	if (n == (ssize_t)sizeof(hdr) &&
	    !agent_frame_info(hdr, sizeof(hdr), &fi) &&
	    (fi.flags & SEALCAM_F_FIRST)) {
		spool_ready_name(rname, sizeof(rname), fi.device_id, fi.segment_id);
		snprintf(dst, sizeof(dst), "%s/%s", sp->ready, rname);
		if (!rename(src, dst)) {
			agent_log("recovered half-written segment %llu (%lld bytes) "
				  "from a previous run: queued as truncated",
				  (unsigned long long)fi.segment_id,
				  (long long)st.st_size);
			learn_device(sp, fi.device_id);
			pthread_mutex_lock(&agent_stats.lock);
			agent_stats.segments_recovered++;
			pthread_mutex_unlock(&agent_stats.lock);
			return;
		}
		agent_error("cannot move %s to %s: %s", src, dst, strerror(errno));
		return;
	}
	/* too short to name it: keep it, say so, never delete it silently */
	snprintf(dst, sizeof(dst), "%s/%s", sp->bad, name);
	if (rename(src, dst))
		agent_error("cannot move %s to %s: %s", src, dst, strerror(errno));
	else
		agent_error("%s has no complete sealed header (%lld bytes): kept "
			    "in %s, not uploaded", src,
			    (long long)(n < 0 ? 0 : st.st_size), sp->bad);
}

static int recover(struct spool *sp)
{
	struct dirent *de;
	DIR *d = opendir(sp->cur);
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		recover_one(sp, de->d_name);
		n++;
	}
	closedir(d);
	if (n) {
		sc_fsync_dir(sp->ready);
		sc_fsync_dir(sp->cur);
		sc_fsync_dir(sp->bad);
	}
	return 0;
}

/* Can we create, fsync and remove a file in @dir? 0 or -errno. */
static int probe_writable(const char *dir)
{
	char p[PATH_MAX];
	int fd, e;

	snprintf(p, sizeof(p), "%s/.probe-%d", dir, (int)getpid());
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	e = write(fd, "x", 1) == 1 && !fsync(fd) ? 0 : -errno;
	close(fd);
	unlink(p);
	return e;
}

int spool_open(struct spool **out, const char *dir, const char *outbox,
	       long long max_bytes, char *err, size_t errlen)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	const char *dirs[5];
	int i, r;

	if (!sp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&sp->lock, NULL);
	sp->fd = -1;
	sp->max_bytes = max_bytes;
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	snprintf(sp->cur, sizeof(sp->cur), "%s/cur", dir);
	snprintf(sp->ready, sizeof(sp->ready), "%s/ready", dir);
	snprintf(sp->bad, sizeof(sp->bad), "%s/bad", dir);
	snprintf(sp->events, sizeof(sp->events), "%s/events", dir);
	snprintf(sp->outbox, sizeof(sp->outbox), "%s", outbox ? outbox : "");
	dirs[0] = sp->cur;
	dirs[1] = sp->ready;
	dirs[2] = sp->bad;
	dirs[3] = sp->outbox;
	dirs[4] = sp->events;
	for (i = 0; i < 5; i++) {
		if (!dirs[i][0])
			continue;
		r = sc_mkdirs(dirs[i], 0750);
		if (!r)
			r = probe_writable(dirs[i]);
		if (r) {
			snprintf(err, errlen, "%s %s is not writable: %s",
				 i == 3 ? "outbox" : "spool directory", dirs[i],
				 strerror(-r));
			free(sp);
			return -1;
		}
	}
	r = recover(sp);
	if (r) {
		snprintf(err, errlen, "cannot read %s: %s", sp->cur, strerror(-r));
		free(sp);
		return -1;
	}
	sp->bytes = dir_bytes(sp->ready) + dir_bytes(sp->cur);
	*out = sp;
	return 0;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	finalise(sp, true);
	pthread_mutex_destroy(&sp->lock);
	free(sp);
}
