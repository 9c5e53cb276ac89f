/* SPDX-License-Identifier: MIT */
/*
 * sealcam fetch: a device's segments from the store sealcam-agent uploads
 * to.  user/fetch.c is the command (options, the listing, the hand-over
 * to `sealcam unseal`); user/fetchsel.c finds the devices and segments in
 * a store and chooses segments by capture time; user/fetchdl.c downloads
 * them.
 */
#ifndef SEALCAM_FETCH_H
#define SEALCAM_FETCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libsealcam/sealed.h"
#include "libsealcam/store/store.h"

#define FETCH_PROG "sealcam fetch"	/* what its messages start with */
#define FETCH_DEVICE_LEN (2 * SEALCAM_KEY_ID_LEN)

/* One stored segment: DEVICE/segments/SEGMENT-ID.sealed */
struct fetch_seg {
	char device[FETCH_DEVICE_LEN + 1];
	uint64_t id;
	char name[64];
	long long size;
	int64_t stored_ns;		/* when stored; -1 unknown */
	char etag[80];
	int start_state;		/* 0 not read, 1 read, -1 unreadable */
	uint64_t start_ns;		/* its first frame's timestamp */
	char start_err[160];		/* why unreadable */
};

struct fetch_list {
	struct fetch_seg *v;
	size_t n, cap;
};

void fetch_list_free(struct fetch_list *l);

/* The chosen segments of one device: l.v[first, end). */
struct fetch_device {
	char id[FETCH_DEVICE_LEN + 1];
	struct fetch_list l;
	size_t first, end;
};

/* The devices in the store (top folders named by 16 hex digits), sorted. */
int fetch_devices(struct sc_store *st, unsigned int page_size,
		  char (**ids)[FETCH_DEVICE_LEN + 1], size_t *n, char *err,
		  size_t errlen);

/* The segments of @device, appended to @l in segment id order. */
int fetch_segments(struct sc_store *st, const char *device,
		   unsigned int page_size, struct fetch_list *l, char *err,
		   size_t errlen);

/*
 * The cleartext frame header at the start of a downloaded segment
 * (@len bytes of it): 0 if it names @s (or is too short to say), -1 if it
 * is no sealed frame, -2 if it names another segment or device; @why says
 * what it is then.
 */
int fetch_check_header(const unsigned char *hdr, size_t len,
		       const struct fetch_seg *s, char *why, size_t whylen);

/* Reads first frames to learn when segments started (needs the key). */
struct fetch_probe {
	struct sc_store *st;
	const unsigned char *priv;	/* the owner's private key */
	size_t guess;			/* bytes of the last first frame */
	unsigned int frames;		/* first frames read */
	unsigned int reads;		/* requests made for them */
};

/*
 * The capture time of @s's first frame, read from inside the ciphertext:
 * the frame is fetched alone (a ranged GET) and authenticated with our
 * key.  0 with s->start_ns set, or -1 (s->start_err says why).
 */
int fetch_start_time(struct fetch_probe *p, struct fetch_seg *s);

/*
 * The segments of @l (one device, id order) that may hold frames in
 * [*since, *until) (NULL: unbounded): [*first, *end).  A segment covers
 * from its start to the next one's start, so the one in progress at
 * @since is included.  Found by bisection over start times, which grow
 * with segment ids; a segment whose first frame cannot be read is judged
 * by its neighbours, else kept.
 */
void fetch_select(struct fetch_probe *p, struct fetch_list *l,
		  const int64_t *since, const int64_t *until, size_t *first,
		  size_t *end);

/*
 * A time as nanoseconds since 1970 UTC: 2026-01-01T12:00:00Z (UTC; the
 * seconds, the time and the Z are optional, a space may stand for T, a
 * fraction of a second may follow), @SECONDS, or -N[smhd] (ago).
 * 0 or -1.
 */
int fetch_parse_time(const char *s, int64_t *ns);

/* ---- fetchdl.c ---- */

struct fetch_tally {
	size_t got, kept;		/* downloaded; already there (kept) */
	long long bytes;		/* downloaded */
};

/*
 * Download the chosen segments of @dev[@n_dev] into DIR/DEVICE/segments/,
 * each checked (sc_store_get, then its frame header against its name);
 * with @keep, a file already there with the listed length and the MD5 of
 * an MD5 ETag is kept.  Stops when *@stop.  0, or an exit status (1; 4 for
 * an object that holds another segment or device), said on stderr.
 */
int fetch_download(struct sc_store *st, const struct fetch_device *dev,
		   size_t n_dev, const char *dir, bool keep,
		   volatile sig_atomic_t *stop, struct fetch_tally *t);

/*
 * A new directory $TMPDIR (else /var/tmp)/sealcam-fetch-XXXXXX in @dir,
 * and in *@cleanup every path the downloads may take in it: files, then
 * directories from the deepest, NULL-terminated.  0 or 1.
 */
int fetch_tmpdir(char *dir, size_t len, const struct fetch_device *dev,
		 size_t n_dev, char ***cleanup);

/* Remove @paths (files, then empty directories); async-signal-safe. */
void fetch_remove_paths(char **paths);

#endif /* SEALCAM_FETCH_H */
