// SPDX-License-Identifier: MIT
/*
 * What `sealcam fetch` takes from a store: the devices (top folders named
 * by a device id), a device's segments (DEVICE/segments/ID.sealed, 20
 * digits), and which of them overlap a time range.  A segment's time is
 * inside its ciphertext (docs/FORMAT.md 3.3); the segment id is no clock
 * (sealcam.ko seeds it from the time the module was loaded, then counts),
 * so the time of a segment is its first frame's timestamp, read and
 * authenticated with the owner's key.  Start times grow with segment ids,
 * so a bisection reads a few first frames, not all of them.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch.h"

#define SEGMENT_ID_DIGITS 20
#define FIRST_FRAME_MAX \
	(SEALCAM_FRAME_OVERHEAD(SEALCAM_MAX_RECIPIENTS) + \
	 4u * SEALCAM_MAX_WIDTH * SEALCAM_MAX_HEIGHT)

void fetch_list_free(struct fetch_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static bool is_hex_id(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/*
 * @v (holding @n of @size bytes, room for *@cap) with room for one more:
 * @v itself, or a larger copy; NULL (and @v untouched) out of memory.
 */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t more = *cap ? 2 * *cap : 16;

	if (n < *cap)
		return v;
	v = realloc(v, more * size);
	if (v)
		*cap = more;
	return v;
}

/* ---- devices ---- */

struct devices {
	char (*ids)[FETCH_DEVICE_LEN + 1];
	size_t n, cap;
};

static int device_entry(const struct sc_store_object *o, void *arg)
{
	struct devices *d = arg;
	void *more;

	if (!o->folder || strlen(o->name) != FETCH_DEVICE_LEN + 1 ||
	    !is_hex_id(o->name, FETCH_DEVICE_LEN))
		return 0;
	more = grow(d->ids, d->n, &d->cap, sizeof(*d->ids));
	if (!more)
		return -1;
	d->ids = more;
	memcpy(d->ids[d->n], o->name, FETCH_DEVICE_LEN);
	d->ids[d->n++][FETCH_DEVICE_LEN] = '\0';
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	return strcmp(a, b);
}

int fetch_devices(struct sc_store *st, unsigned int page_size,
		  char (**ids)[FETCH_DEVICE_LEN + 1], size_t *n, char *err,
		  size_t errlen)
{
	struct devices d = { 0 };

	*err = '\0';
	if (sc_store_list(st, "", page_size, device_entry, &d, err, errlen)) {
		if (!*err)
			snprintf(err, errlen, "listing the devices: out of memory");
		free(d.ids);
		return -1;
	}
	if (d.n)
		qsort(d.ids, d.n, sizeof(*d.ids), cmp_device);
	*ids = d.ids;
	*n = d.n;
	return 0;
}

/* ---- a device's segments ---- */

struct segments {
	struct fetch_list *l;
	const char *device;
	size_t folder_len;
};

/* "DEVICE/segments/" + 20 digits + ".sealed", and the id they spell. */
static bool segment_name(const char *name, size_t folder_len, uint64_t *id)
{
	const char *digits = name + folder_len;
	char *end;

	if (strlen(digits) != SEGMENT_ID_DIGITS + strlen(".sealed") ||
	    strcmp(digits + SEGMENT_ID_DIGITS, ".sealed") ||
	    strspn(digits, "0123456789") != SEGMENT_ID_DIGITS)
		return false;
	errno = 0;
	*id = strtoull(digits, &end, 10);
	return !errno && end == digits + SEGMENT_ID_DIGITS;
}

static int segment_entry(const struct sc_store_object *o, void *arg)
{
	struct segments *sg = arg;
	struct fetch_list *l = sg->l;
	struct fetch_seg *s;
	void *more;
	uint64_t id;

	if (o->folder || !segment_name(o->name, sg->folder_len, &id))
		return 0;
	more = grow(l->v, l->n, &l->cap, sizeof(*l->v));
	if (!more)
		return -1;
	l->v = more;
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->device, sizeof(s->device), "%s", sg->device);
	s->id = id;
	snprintf(s->name, sizeof(s->name), "%s", o->name);
	s->size = o->size;
	s->stored_ns = o->stored_ns;
	snprintf(s->etag, sizeof(s->etag), "%s", o->etag);
	return 0;
}

static int cmp_segment(const void *a, const void *b)
{
	const struct fetch_seg *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int fetch_segments(struct sc_store *st, const char *device,
		   unsigned int page_size, struct fetch_list *l, char *err,
		   size_t errlen)
{
	struct segments sg = { .l = l, .device = device };
	size_t start = l->n;
	char folder[64];

	snprintf(folder, sizeof(folder), "%s/segments/", device);
	sg.folder_len = strlen(folder);
	*err = '\0';
	if (sc_store_list(st, folder, page_size, segment_entry, &sg, err,
			  errlen)) {
		if (!*err)
			snprintf(err, errlen, "listing %s: out of memory", folder);
		return -1;
	}
	qsort(l->v + start, l->n - start, sizeof(*l->v), cmp_segment);
	return 0;
}

/* ---- start times ---- */

struct first_frame {
	bool seen;
	uint64_t timestamp_ns;
};

static int probe_frame(void *arg, const struct sc_frame *f)
{
	struct first_frame *ff = arg;

	if (f->frame_index == 0) {
		ff->seen = true;
		ff->timestamp_ns = f->meta.timestamp_ns;
	}
	return 0;
}

/* Findings are the unseal step's to report; here only "readable or not". */
static void probe_report(void *arg, enum sc_finding f, bool fatal,
			 const char *source, const char *msg)
{
}

int fetch_check_header(const unsigned char *hdr, size_t len,
		       const struct fetch_seg *s, char *why, size_t whylen)
{
	struct sealcam_frame_hdr h;
	char dev[FETCH_DEVICE_LEN + 1];

	memcpy(&h, hdr, len < sizeof(h) ? len : sizeof(h));
	if (len < sizeof(h.magic) || le32toh(h.magic) != SEALCAM_FRAME_MAGIC) {
		snprintf(why, whylen, "it does not start with a sealed frame");
		return -1;
	}
	if (len < sizeof(h))
		return 0;	/* the unseal step says it is truncated */
	sc_hex(dev, h.device_id, SEALCAM_KEY_ID_LEN);
	if (strcmp(dev, s->device) || le64toh(h.segment_id) != s->id) {
		snprintf(why, whylen, "it holds segment %llu of device %s",
			 (unsigned long long)le64toh(h.segment_id), dev);
		return -2;
	}
	return 0;
}

/*
 * The length of the frame starting @hdr (48 bytes or more), if it is a
 * FIRST frame of segment @s; 0 if not.
 */
static size_t first_frame_len(const unsigned char *hdr, const struct fetch_seg *s,
			      char *why, size_t whylen)
{
	struct sealcam_frame_hdr h;
	uint64_t len;

	if (fetch_check_header(hdr, sizeof(h), s, why, whylen))
		return 0;
	memcpy(&h, hdr, sizeof(h));
	if (!(le16toh(h.flags) & SEALCAM_F_FIRST)) {
		snprintf(why, whylen, "its first frame is not a FIRST frame");
		return 0;
	}
	len = sizeof(h) + (uint64_t)le32toh(h.seg_hdr_len) + le32toh(h.ct_len);
	if (len > FIRST_FRAME_MAX) {
		snprintf(why, whylen, "its first frame claims %llu bytes",
			 (unsigned long long)len);
		return 0;
	}
	return (size_t)len;
}

/* Bytes [have, want) of @s's start into @buf. */
static int probe_read(struct fetch_probe *p, struct fetch_seg *s,
		      unsigned char *buf, size_t have, size_t want, size_t *got)
{
	size_t n;

	p->reads++;
	if (sc_store_read(p->st, s->name, have, buf + have, want - have, &n,
			  s->start_err, sizeof(s->start_err)))
		return -1;
	*got = have + n;
	return 0;
}

int fetch_start_time(struct fetch_probe *p, struct fetch_seg *s)
{
	static const struct sc_reader_ops ops = {
		.frame = probe_frame,
		.report = probe_report,
	};
	size_t want = p->guess ? p->guess : 4096, got = 0, len;
	struct first_frame ff = { 0 };
	unsigned char *buf = NULL;
	struct sc_reader r;

	if (s->start_state)
		return s->start_state > 0 ? 0 : -1;
	s->start_state = -1;
	p->frames++;
	if (want < sizeof(struct sealcam_frame_hdr))
		want = sizeof(struct sealcam_frame_hdr);
	buf = malloc(FIRST_FRAME_MAX);
	if (!buf) {
		snprintf(s->start_err, sizeof(s->start_err), "out of memory");
		return -1;
	}
	if (probe_read(p, s, buf, 0, want, &got))
		goto out;
	if (got < sizeof(struct sealcam_frame_hdr)) {
		snprintf(s->start_err, sizeof(s->start_err), "%zu bytes: no frame",
			 got);
		goto out;
	}
	len = first_frame_len(buf, s, s->start_err, sizeof(s->start_err));
	if (!len)
		goto out;
	if (got < len && probe_read(p, s, buf, got, len, &got))
		goto out;
	if (got < len) {
		snprintf(s->start_err, sizeof(s->start_err), "the first frame is "
			 "cut (%zu of %zu bytes)", got, len);
		goto out;
	}
	p->guess = len;
	if (sc_reader_init(&r, p->priv, &ops, &ff)) {
		snprintf(s->start_err, sizeof(s->start_err), "out of memory");
		goto out;
	}
	sc_reader_keep_cut_segments(&r);
	sc_reader_feed(&r, buf, len, s->name);
	if (!ff.seen)
		snprintf(s->start_err, sizeof(s->start_err), "its first frame "
			 "does not open with this key (%s)",
			 r.fatal ? sc_finding_name(r.fatal) : "?");
	sc_reader_free(&r);
	if (ff.seen) {
		s->start_ns = ff.timestamp_ns;
		s->start_state = 1;
	}
out:
	free(buf);
	return s->start_state > 0 ? 0 : -1;
}

/* ---- choosing by time ---- */

/* 1: @s starts after @t (at or after, unless @strict); 0: not; -1: unknown. */
static int starts_after(struct fetch_probe *p, struct fetch_seg *s, int64_t t,
			bool strict)
{
	if (fetch_start_time(p, s))
		return -1;
	return strict ? (int64_t)s->start_ns > t : (int64_t)s->start_ns >= t;
}

/*
 * starts_after for the bisection.  Unreadable: a later segment that does
 * not start after @t says this one does not either, an earlier one that
 * does says this one does; else @unknown (the choice that keeps it).
 */
static bool after(struct fetch_probe *p, struct fetch_list *l, size_t i,
		  int64_t t, bool strict, bool unknown)
{
	int v = starts_after(p, &l->v[i], t, strict);

	if (v >= 0)
		return v;
	if (i + 1 < l->n && starts_after(p, &l->v[i + 1], t, strict) == 0)
		return false;
	if (i > 0 && starts_after(p, &l->v[i - 1], t, strict) == 1)
		return true;
	return unknown;
}

/* The first index whose segment starts after @t; l->n if none. */
static size_t first_after(struct fetch_probe *p, struct fetch_list *l,
			  int64_t t, bool strict, bool unknown)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (after(p, l, mid, t, strict, unknown))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void fetch_select(struct fetch_probe *p, struct fetch_list *l,
		  const int64_t *since, const int64_t *until, size_t *first,
		  size_t *end)
{
	size_t j;

	*first = 0;
	*end = l->n;
	if (since) {
		/* the last segment starting at or before @since covers it */
		j = first_after(p, l, *since, true, true);
		*first = j ? j - 1 : 0;
	}
	if (until)
		*end = first_after(p, l, *until, false, false);
	if (*end < *first)
		*end = *first;
}

/* ---- times ---- */

/* "-90m", "-2h", "-1d", "-30s" */
static int parse_ago(const char *s, int64_t *ns)
{
	static const struct { char unit; int64_t s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	struct timespec now;
	unsigned long long n;
	char *end;
	size_t i;

	errno = 0;
	n = strtoull(s + 1, &end, 10);
	if (errno || end == s + 1 || !*end || end[1] || n > 100000000ULL)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	*ns = ((int64_t)now.tv_sec - (int64_t)n * units[i].s) * 1000000000LL +
	      now.tv_nsec;
	return 0;
}

/* ".123" after seconds: the nanoseconds it spells; -1 if malformed. */
static int64_t fraction_ns(const char *s, const char **end)
{
	int64_t ns = 0, scale = 100000000LL;

	*end = s;
	if (*s != '.')
		return 0;
	for (s++; isdigit((unsigned char)*s); s++, scale /= 10)
		ns += scale * (*s - '0');
	if (s == *end + 1)
		return -1;
	*end = s;
	return ns;
}

int fetch_parse_time(const char *s, int64_t *ns)
{
	struct tm tm = { 0 };
	const char *rest;
	int64_t frac;
	char *end;
	int n = 0;

	if (*s == '-')
		return parse_ago(s, ns);
	if (*s == '@') {
		long long sec;

		errno = 0;
		sec = strtoll(s + 1, &end, 10);
		frac = fraction_ns(end, &rest);
		if (errno || end == s + 1 || frac < 0 || *rest || sec < 0 ||
		    sec > 9000000000LL)
			return -1;
		*ns = sec * 1000000000LL + frac;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &n) != 3 || n != 10)
		return -1;
	rest = s + n;
	if (*rest == 'T' || *rest == ' ') {
		n = 0;
		if (sscanf(rest + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &n) != 2 ||
		    n != 5)
			return -1;
		rest += 1 + n;
		if (*rest == ':') {
			n = 0;
			if (sscanf(rest + 1, "%2d%n", &tm.tm_sec, &n) != 1 || n != 2)
				return -1;
			rest += 1 + n;
		}
	}
	frac = fraction_ns(rest, &rest);
	if (*rest == 'Z')
		rest++;
	if (frac < 0 || *rest || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ns = (int64_t)timegm(&tm) * 1000000000LL + frac;
	return 0;
}
