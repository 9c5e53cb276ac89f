// SPDX-License-Identifier: MIT
/*
 * sealcam audit: init, show, follow, stats and verify over the sealed audit
 * log written by sealcam-auditd (format in auditlog.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../keyfmt.h"
#include "../nl.h"
#include "../sealcam.h"
#include "audit.h"
#include "auditlog.h"
#include "chunk.h"

#define DEFAULT_DIR "/var/lib/sealcam/audit"
#define EXIT_VERIFY_FAILED 3

static const char audit_help[] =
"NAME\n"
"    sealcam audit - the camera-open audit log\n"
"\n"
"SYNOPSIS\n"
"    sealcam audit init [--dir DIR] [--force]\n"
"    sealcam audit show [--json] [FILTERS] [--dir DIR | FILE...]\n"
"    sealcam audit follow [--json] [FILTERS] [--dir DIR | FILE]\n"
"    sealcam audit stats [--json] [FILTERS] [--dir DIR | FILE...]\n"
"    sealcam audit verify --verify-key KEY [--state FILE | --no-state]\n"
"                         [--dir DIR | FILE...]\n"
"    sealcam audit unseal --key PRIVATE CHUNK...\n"
"\n"
"DESCRIPTION\n"
"    sealcam-auditd writes one record per open and close of a camera node\n"
"    (and the sealcam module's key and segment events) to DIR/audit.log,\n"
"    JSON Lines chained by SHA-256 and MACed under a key that evolves one\n"
"    way at every seal. init creates the sealing state and prints the\n"
"    verification key ONCE: keep it off the device. verify checks every\n"
"    record with it and names the first bad one: an edited field, a\n"
"    deleted, inserted or reordered line, a cut before the last seal (with\n"
"    the device's state file), or a log rebuilt without the key.\n"
"    FILES are read in order as one log (rotated chunks, oldest first).\n"
"    unseal opens sealed chunks (sealcam-auditd --outbox) with an owner's\n"
"    private key and writes their log lines, in order, to standard output,\n"
"    ready for `verify ... -`; a chunk missing between two is an error.\n"
"\n"
"FILTERS (show, follow, stats)\n"
"    --since TIME, --until TIME   TIME is YYYY-MM-DD[THH:MM[:SS]] (UTC) or\n"
"                                 @UNIXSECONDS\n"
"    --pid PID, --comm NAME       the process\n"
"    --device DEV                 MAJOR:MINOR or a node path\n"
"    --denied                     only opens that enforcement refused\n"
"\n"
"OPTIONS\n"
"    -d, --dir DIR       log directory (default " DEFAULT_DIR ")\n"
"    -j, --json          records as JSON Lines (show/follow), one JSON object\n"
"                        (stats)\n"
"    -k, --verify-key KEY  the verification key: base64 text, a file, or -\n"
"        --key FILE      unseal: the owner's private key\n"
"    -s, --state FILE    the device's sealing state (default DIR/seal.state\n"
"                        when it exists): detects truncation before the\n"
"                        last seal\n"
"        --no-state      verify the files alone\n"
"        --live          also compare, for each sealcam camera, the opens\n"
"                        logged since the daemon's last \"counter\" record\n"
"                        with the module's own open counter (a detached\n"
"                        probe or deleted records show as a shortfall)\n"
"        --force         init: start a new log, moving an old one aside\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 failure, 2 usage error, 3 verification failed (verify).\n";

enum { O_SINCE = 256, O_UNTIL, O_PID, O_COMM, O_DEVICE, O_DENIED, O_NOSTATE,
	O_FORCE, O_KEY, O_LIVE };

static const struct option long_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "verify-key", required_argument, NULL, 'k' },
	{ "state", required_argument, NULL, 's' },
	{ "no-state", no_argument, NULL, O_NOSTATE },
	{ "force", no_argument, NULL, O_FORCE },
	{ "key", required_argument, NULL, O_KEY },
	{ "live", no_argument, NULL, O_LIVE },
	{ "since", required_argument, NULL, O_SINCE },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "pid", required_argument, NULL, O_PID },
	{ "comm", required_argument, NULL, O_COMM },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "denied", no_argument, NULL, O_DENIED },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct aopts {
	const char *dir;
	const char *key;
	const char *priv;
	const char *state;
	bool json, no_state, force, denied, live;
	int64_t since, until;		/* ns, or -1 */
	long pid;			/* -1: any */
	const char *comm;
	const char *device;
	char **files;
	int n_files;
	char default_log[PATH_MAX];
};

static int usage(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "sealcam audit %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry sealcam audit --help\n");
	return SC_EXIT_USAGE;
}

static int parse_time(const char *s, int64_t *ns)
{
	struct tm tm = { 0 };
	const char *end;
	char *e;
	long long v;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &e, 10);
		if (errno || e == s + 1 || *e)
			return -1;
		*ns = v * 1000000000LL;
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == 'T') {
		const char *t = strptime(end + 1, "%H:%M:%S", &tm);

		end = t ? t : strptime(end + 1, "%H:%M", &tm);
	}
	if (!end || (*end && strcmp(end, "Z")))
		return -1;
	*ns = (int64_t)timegm(&tm) * 1000000000LL;
	return 0;
}

static int parse_opts(const char *cmd, int argc, char **argv, struct aopts *o)
{
	char *e;
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = DEFAULT_DIR;
	o->since = o->until = -1;
	o->pid = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:jk:s:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'j': o->json = true; break;
		case 'k': o->key = optarg; break;
		case 's': o->state = optarg; break;
		case O_NOSTATE: o->no_state = true; break;
		case O_FORCE: o->force = true; break;
		case O_KEY: o->priv = optarg; break;
		case O_LIVE: o->live = true; break;
		case O_DENIED: o->denied = true; break;
		case O_COMM: o->comm = optarg; break;
		case O_DEVICE: o->device = optarg; break;
		case O_SINCE:
			if (parse_time(optarg, &o->since))
				return usage(cmd, "bad time \"%s\"", optarg);
			break;
		case O_UNTIL:
			if (parse_time(optarg, &o->until))
				return usage(cmd, "bad time \"%s\"", optarg);
			break;
		case O_PID:
			errno = 0;
			o->pid = strtol(optarg, &e, 10);
			if (errno || *e || o->pid < 0)
				return usage(cmd, "bad pid \"%s\"", optarg);
			break;
		case 'h':
			fputs(audit_help, stdout);
			exit(0);
		default:
			return usage(cmd, "%s", "bad option");
		}
	}
	o->files = argv + optind;
	o->n_files = argc - optind;
	snprintf(o->default_log, sizeof(o->default_log), "%s/audit.log", o->dir);
	return 0;
}

/* ---- init ---- */

static int cmd_init(int argc, char **argv)
{
	char state[PATH_MAX], b64[KEYFMT_B64_SIZE], id[17], err[256];
	struct al_writer w;
	struct al_state st;
	struct al_buf body = { 0 };
	uint8_t k0[AL_KEY_LEN];
	struct aopts o;
	struct stat sb;
	uint64_t repaired;
	int ret;

	ret = parse_opts("init", argc, argv, &o);
	if (ret)
		return ret;
	if (o.n_files)
		return usage("init", "unexpected argument \"%s\"", o.files[0]);
	snprintf(state, sizeof(state), "%s/seal.state", o.dir);
	if (mkdir(o.dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "sealcam audit init: %s: %s\n", o.dir, strerror(errno));
		return SC_EXIT_FAIL;
	}
	if (!o.force && (!stat(state, &sb) ||
			 (!stat(o.default_log, &sb) && sb.st_size))) {
		fprintf(stderr, "sealcam audit init: %s already holds a sealed log "
			"(--force starts a new one)\n", o.dir);
		return SC_EXIT_FAIL;
	}
	if (!stat(o.default_log, &sb)) {
		char old[PATH_MAX + 32];

		snprintf(old, sizeof(old), "%s.%ld", o.default_log, (long)time(NULL));
		if (rename(o.default_log, old)) {
			fprintf(stderr, "sealcam audit init: %s: %s\n", old, strerror(errno));
			return SC_EXIT_FAIL;
		}
		fprintf(stderr, "sealcam audit init: old log moved to %s\n", old);
	}
	al_state_new(&st, k0);
	ret = al_state_save(&st, state);
	al_state_wipe(&st);
	if (ret) {
		fprintf(stderr, "sealcam audit init: %s: %s\n", state, strerror(-ret));
		goto out;
	}
	ret = al_writer_open(&w, o.default_log, state, &repaired, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "sealcam audit init: %s\n", err);
		goto out;
	}
	al_key_id(k0, id);
	al_buf_str(&body, "type", "init");
	al_buf_u64(&body, "ts_ns", (uint64_t)time(NULL) * 1000000000ULL);
	al_buf_u64(&body, "version", 1);
	al_buf_str(&body, "key_id", id);
	ret = body.oom ? -ENOMEM : al_append(&w, body.p, body.len);
	if (!ret)
		ret = al_writer_sync(&w);
	al_writer_close(&w);
	al_buf_free(&body);
	if (ret) {
		fprintf(stderr, "sealcam audit init: %s: %s\n", o.default_log,
			strerror(-ret));
		goto out;
	}
	keyfmt_encode(k0, b64);
	printf("%s\n", b64);
	fflush(stdout);
	sodium_memzero(b64, sizeof(b64));
	fprintf(stderr, "sealcam audit init: that is the verification key (id %s); "
		"it is shown only now and not kept on the device\n", id);
out:
	sodium_memzero(k0, sizeof(k0));
	return ret ? SC_EXIT_FAIL : SC_EXIT_OK;
}

/* ---- reading records ---- */

struct reader {
	struct aopts *o;
	int (*fn)(struct reader *r, const struct al_record *rec, const char *line);
	void *arg;
	struct al_record rec;
	uint64_t bad;
};

static bool match(const struct aopts *o, const struct al_record *rec)
{
	const char *type = al_get(rec, "type"), *v;
	uint64_t n;
	int64_t ts;

	if (!type || !strcmp(type, "seal") || !strcmp(type, "init"))
		return false;
	if (o->since >= 0 || o->until >= 0) {
		v = al_get(rec, "ts_ns");
		if (!v)
			return false;
		ts = strtoll(v, NULL, 10);
		if ((o->since >= 0 && ts < o->since) || (o->until >= 0 && ts > o->until))
			return false;
	}
	if (o->pid >= 0 && (al_get_u64(rec, "pid", &n) || n != (uint64_t)o->pid))
		return false;
	if (o->comm && (!(v = al_get(rec, "comm")) || strcmp(v, o->comm)))
		return false;
	if (o->device) {
		const char *dev = al_get(rec, "dev"), *path = al_get(rec, "path");

		if (!(dev && !strcmp(dev, o->device)) &&
		    !(path && !strcmp(path, o->device)))
			return false;
	}
	if (o->denied && (!(v = al_get(rec, "verdict")) || strcmp(v, "denied")))
		return false;
	return true;
}

static int read_stream(struct reader *r, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n') {
			/* a line being written: the caller may come back */
			fseek(f, -len, SEEK_CUR);
			break;
		}
		line[--len] = 0;
		if (al_parse_line(line, len, &r->rec, NULL, 0)) {
			if (!r->bad++)
				fprintf(stderr, "sealcam audit: %s: skipping malformed "
					"lines (run verify)\n", name);
			continue;
		}
		if (!match(r->o, &r->rec))
			continue;
		ret = r->fn(r, &r->rec, line);
		if (ret)
			break;
	}
	free(line);
	return ret;
}

static int read_files(struct reader *r)
{
	struct aopts *o = r->o;
	char *def[1] = { o->default_log };
	char **files = o->n_files ? o->files : def;
	int n = o->n_files ? o->n_files : 1, i, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		FILE *f = !strcmp(files[i], "-") ? stdin : fopen(files[i], "re");

		if (!f) {
			fprintf(stderr, "sealcam audit: %s: %s\n", files[i], strerror(errno));
			return SC_EXIT_FAIL;
		}
		ret = read_stream(r, f, files[i]);
		if (f != stdin)
			fclose(f);
	}
	return ret;
}

static const char *get(const struct al_record *rec, const char *key)
{
	const char *v = al_get(rec, key);

	return v ? v : "-";
}

static int print_record(struct reader *r, const struct al_record *rec,
			const char *line)
{
	const char *type = get(rec, "type");
	char when[32];
	uint64_t dur;

	if (r->o->json) {
		puts(line);
		return 0;
	}
	snprintf(when, sizeof(when), "%.23s", get(rec, "time"));
	if (!strcmp(type, "open")) {
		printf("%-23s open  %-7s %-7s %-16s pid=%s uid=%s comm=%s exe=%s\n",
		       when, get(rec, "verdict"), get(rec, "dev"), get(rec, "path"),
		       get(rec, "pid"), get(rec, "uid"), get(rec, "comm"),
		       get(rec, "exe"));
	} else if (!strcmp(type, "close")) {
		dur = 0;
		al_get_u64(rec, "duration_ns", &dur);
		printf("%-23s close %-7s %-7s %-16s pid=%s uid=%s comm=%s after %.3f s\n",
		       when, "", get(rec, "dev"), "", get(rec, "pid"),
		       get(rec, "uid"), get(rec, "comm"), dur / 1e9);
	} else if (!strcmp(type, "gap")) {
		printf("%-23s GAP   %s %s events lost (total %s)\n", when,
		       get(rec, "lost"), !strcmp(get(rec, "source"), "netlink") ?
		       "module" : "probe", get(rec, "lost_total"));
	} else if (!strcmp(type, "sealcam")) {
		printf("%-23s %s key_id=%s label=%s camera=%s pid=%s uid=%s comm=%s\n",
		       when, get(rec, "event"), get(rec, "key_id"), get(rec, "label"),
		       get(rec, "camera"), get(rec, "pid"), get(rec, "uid"),
		       get(rec, "comm"));
	} else {
		printf("%-23s %s\n", when, type);
	}
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct aopts o;
	struct reader r = { .o = &o, .fn = print_record };
	int ret = parse_opts("show", argc, argv, &o);

	if (ret)
		return ret;
	if (!o.json)
		printf("%-23s %-5s %-7s %-7s %-16s %s\n", "TIME (UTC)", "EVENT",
		       "VERDICT", "DEV", "PATH", "WHO");
	ret = read_files(&r);
	fflush(stdout);
	return ret ? SC_EXIT_FAIL : SC_EXIT_OK;
}

static volatile sig_atomic_t follow_stop;

static void on_follow_signal(int sig)
{
	follow_stop = 1;
}

static int cmd_follow(int argc, char **argv)
{
	struct aopts o;
	struct reader r = { .o = &o, .fn = print_record };
	struct sigaction sa = { .sa_handler = on_follow_signal };
	const char *path;
	FILE *f;
	int ret = parse_opts("follow", argc, argv, &o);

	if (ret)
		return ret;
	if (o.n_files > 1)
		return usage("follow", "%s", "follows one file");
	path = o.n_files ? o.files[0] : o.default_log;
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "sealcam audit follow: %s: %s\n", path, strerror(errno));
		return SC_EXIT_FAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!follow_stop) {
		ret = read_stream(&r, f, path);
		if (ret)
			break;
		clearerr(f);
		usleep(200 * 1000);
	}
	fclose(f);
	return SC_EXIT_OK;
}

/* ---- stats ---- */

struct stat_row {
	char kind[8];
	char name[300];
	uint64_t opens, denied, closes, ns;
};

struct stats {
	struct stat_row *rows;
	size_t n, cap;
	uint64_t gaps, lost;		/* probe records lost */
	uint64_t nl_gaps, nl_lost;	/* module events lost */
};

static struct stat_row *stat_row(struct stats *s, const char *kind,
				 const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->rows[i].kind, kind) && !strcmp(s->rows[i].name, name))
			return &s->rows[i];
	if (s->n == s->cap) {
		struct stat_row *p;

		s->cap = s->cap ? 2 * s->cap : 32;
		p = realloc(s->rows, s->cap * sizeof(*p));
		if (!p)
			return NULL;
		s->rows = p;
	}
	memset(&s->rows[s->n], 0, sizeof(s->rows[0]));
	snprintf(s->rows[s->n].kind, sizeof(s->rows[0].kind), "%s", kind);
	snprintf(s->rows[s->n].name, sizeof(s->rows[0].name), "%s", name);
	return &s->rows[s->n++];
}

static int count_record(struct reader *r, const struct al_record *rec,
			const char *line)
{
	static const char *const kinds[] = { "program", "user", "camera" };
	struct stats *s = r->arg;
	const char *type = get(rec, "type");
	char uid[32];
	const char *names[3];
	uint64_t dur = 0, lost = 0;
	unsigned int i;

	if (!strcmp(type, "gap")) {
		al_get_u64(rec, "lost", &lost);
		if (!strcmp(get(rec, "source"), "netlink")) {
			s->nl_gaps++;
			s->nl_lost += lost;
		} else {
			s->gaps++;
			s->lost += lost;
		}
		return 0;
	}
	if (strcmp(type, "open") && strcmp(type, "close"))
		return 0;
	/* closes carry no exe: programs are counted by comm */
	names[0] = get(rec, "comm");
	snprintf(uid, sizeof(uid), "%s", get(rec, "uid"));
	names[1] = uid;
	names[2] = get(rec, "dev");
	al_get_u64(rec, "duration_ns", &dur);
	for (i = 0; i < 3; i++) {
		struct stat_row *row = stat_row(s, kinds[i], names[i]);

		if (!row)
			return -ENOMEM;
		if (!strcmp(type, "open")) {
			row->opens++;
			if (!strcmp(get(rec, "verdict"), "denied"))
				row->denied++;
		} else {
			row->closes++;
			row->ns += dur;
		}
	}
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct aopts o;
	struct stats s = { 0 };
	struct reader r = { .o = &o, .fn = count_record, .arg = &s };
	size_t i;
	int ret = parse_opts("stats", argc, argv, &o);

	if (ret)
		return ret;
	ret = read_files(&r);
	if (ret) {
		free(s.rows);
		return SC_EXIT_FAIL;
	}
	if (o.json) {
		struct al_buf b = { 0 };

		printf("{\"gaps\": %" PRIu64 ", \"lost\": %" PRIu64
		       ", \"module_gaps\": %" PRIu64 ", \"module_lost\": %" PRIu64
		       ", \"rows\": [", s.gaps, s.lost, s.nl_gaps, s.nl_lost);
		for (i = 0; i < s.n; i++) {
			al_buf_reset(&b);
			al_buf_str(&b, "by", s.rows[i].kind);
			al_buf_str(&b, "name", s.rows[i].name);
			al_buf_u64(&b, "opens", s.rows[i].opens);
			al_buf_u64(&b, "denied", s.rows[i].denied);
			al_buf_u64(&b, "closes", s.rows[i].closes);
			al_buf_u64(&b, "viewing_ns", s.rows[i].ns);
			printf("%s{%s}", i ? ", " : "", b.p ? b.p : "");
		}
		printf("]}\n");
		al_buf_free(&b);
	} else {
		printf("%-8s %-24s %8s %8s %12s\n", "BY", "NAME", "OPENS", "DENIED",
		       "VIEWING (s)");
		for (i = 0; i < s.n; i++)
			printf("%-8s %-24s %8" PRIu64 " %8" PRIu64 " %12.3f\n",
			       s.rows[i].kind, s.rows[i].name, s.rows[i].opens,
			       s.rows[i].denied, s.rows[i].ns / 1e9);
		if (s.gaps)
			printf("gaps: %" PRIu64 " (%" PRIu64 " events lost)\n",
			       s.gaps, s.lost);
		if (s.nl_gaps)
			printf("module event gaps: %" PRIu64 " (%" PRIu64
			       " events lost)\n", s.nl_gaps, s.nl_lost);
	}
	free(s.rows);
	return SC_EXIT_OK;
}

/* ---- verify ---- */

static int verify_stream(struct al_verifier *v, FILE *f, const char *name)
{
	char *line = NULL, where[PATH_MAX + 32];
	size_t cap = 0;
	ssize_t len;
	uint64_t n = 0;
	bool complete;

	while ((len = getline(&line, &cap, f)) > 0) {
		n++;
		complete = line[len - 1] == '\n';
		if (complete)
			line[--len] = 0;
		snprintf(where, sizeof(where), "%s:%" PRIu64, name, n);
		if (al_verify_line(v, line, len, complete, where))
			break;
	}
	free(line);
	return v->failed ? -1 : 0;
}

/* ---- verify --live ---- */

#define LIVE_MAX 16

struct live_cam {
	bool seen;
	char node[32];
	uint64_t base;		/* module counter at the baseline record */
	uint64_t logged;	/* allowed opens of its node logged since */
	unsigned int rdev_major, rdev_minor;
	bool have_dev;
};

static int live_count(struct reader *r, const struct al_record *rec,
		      const char *line)
{
	struct live_cam *cams = r->arg;
	const char *type = get(rec, "type");
	uint64_t cam, opens;
	unsigned int ma, mi, i;

	if (!strcmp(type, "counter")) {
		if (al_get_u64(rec, "camera", &cam) || cam >= LIVE_MAX ||
		    al_get_u64(rec, "opens", &opens))
			return 0;
		cams[cam].seen = true;
		cams[cam].base = opens;
		cams[cam].logged = 0;
		snprintf(cams[cam].node, sizeof(cams[cam].node), "%s", get(rec, "node"));
		return 0;
	}
	if (strcmp(type, "open") || strcmp(get(rec, "verdict"), "allowed") ||
	    sscanf(get(rec, "dev"), "%u:%u", &ma, &mi) != 2)
		return 0;
	for (i = 0; i < LIVE_MAX; i++)
		if (cams[i].seen && cams[i].have_dev && cams[i].rdev_major == ma &&
		    cams[i].rdev_minor == mi)
			cams[i].logged++;
	return 0;
}

static int verify_live(struct aopts *o)
{
	static struct live_cam cams[LIVE_MAX];
	struct sc_nl_status st[LIVE_MAX];
	struct aopts all = *o;
	struct reader r = { .o = &all, .fn = live_count, .arg = cams };
	unsigned int n = 0, i;
	struct sc_nl nl;
	struct stat sb;
	char path[64];
	int ret, bad = 0, checked = 0;

	ret = sc_nl_open(&nl);
	if (!ret)
		ret = sc_nl_status(&nl, st, LIVE_MAX, &n);
	if (ret) {
		fprintf(stderr, "sealcam audit verify --live: cannot read the module's "
			"counters: %s\n", strerror(-ret));
		return SC_EXIT_FAIL;
	}
	sc_nl_close(&nl);
	/* device numbers of the nodes, known before the log is read */
	for (i = 0; i < n && i < LIVE_MAX; i++) {
		snprintf(path, sizeof(path), "/dev/%s", st[i].node);
		if (st[i].camera < LIVE_MAX && !stat(path, &sb) && S_ISCHR(sb.st_mode)) {
			cams[st[i].camera].rdev_major = major(sb.st_rdev);
			cams[st[i].camera].rdev_minor = minor(sb.st_rdev);
			cams[st[i].camera].have_dev = true;
		}
	}
	all.since = all.until = -1;
	all.pid = -1;
	all.comm = all.device = NULL;
	all.denied = false;
	if (read_files(&r))
		return SC_EXIT_FAIL;
	for (i = 0; i < n && i < LIVE_MAX; i++) {
		struct live_cam *c = &cams[st[i].camera];

		if (st[i].camera >= LIVE_MAX || !c->seen)
			continue;
		checked++;
		if (st[i].opens - c->base != c->logged) {
			printf("LIVE MISMATCH: camera %u (/dev/%s): the module counted %"
			       PRIu64 " opens since the daemon's baseline, the log has %"
			       PRIu64 " (probe detached, or records removed)\n",
			       st[i].camera, st[i].node, st[i].opens - c->base, c->logged);
			bad = 1;
		} else {
			printf("live: camera %u (/dev/%s): %" PRIu64 " opens, as the "
			       "module counted\n", st[i].camera, st[i].node, c->logged);
		}
	}
	if (!checked)
		printf("live: no camera has a baseline in the log (was the module "
		       "loaded when the daemon started?)\n");
	return bad ? EXIT_VERIFY_FAILED : SC_EXIT_OK;
}

static int cmd_verify(int argc, char **argv)
{
	char state_path[PATH_MAX], what[256], err[256];
	uint8_t k0[AL_KEY_LEN];
	struct al_verifier *v;
	struct al_state st, *dev = NULL;
	struct aopts o;
	char *def[1];
	char **files;
	int n, i, ret;

	ret = parse_opts("verify", argc, argv, &o);
	if (ret)
		return ret;
	if (!o.key)
		return usage("verify", "%s", "--verify-key is required");
	if (keyfmt_read_key(o.key, k0, what, sizeof(what))) {
		fprintf(stderr, "sealcam audit verify: %s is not a verification key\n",
			what);
		return SC_EXIT_USAGE;
	}
	def[0] = o.default_log;
	files = o.n_files ? o.files : def;
	n = o.n_files ? o.n_files : 1;
	if (!o.no_state) {
		snprintf(state_path, sizeof(state_path), "%s/seal.state", o.dir);
		if (o.state || (!o.n_files && !access(state_path, F_OK))) {
			const char *p = o.state ? o.state : state_path;

			if (al_state_load(&st, p, err, sizeof(err))) {
				fprintf(stderr, "sealcam audit verify: %s\n", err);
				sodium_memzero(k0, sizeof(k0));
				return SC_EXIT_FAIL;
			}
			dev = &st;
		}
	}
	v = malloc(sizeof(*v));
	if (!v)
		return SC_EXIT_FAIL;
	al_verify_init(v, k0);
	sodium_memzero(k0, sizeof(k0));
	for (i = 0; i < n && !v->failed; i++) {
		FILE *f = !strcmp(files[i], "-") ? stdin : fopen(files[i], "re");

		if (!f) {
			fprintf(stderr, "sealcam audit verify: %s: %s\n", files[i],
				strerror(errno));
			ret = SC_EXIT_FAIL;
			goto out;
		}
		verify_stream(v, f, files[i]);
		if (f != stdin)
			fclose(f);
	}
	al_verify_finish(v, dev);
	if (v->failed) {
		printf("FAILED at %s: %s\n", v->bad_where, v->reason);
		printf("records before it verified: %" PRIu64 "\n",
		       v->next_seq);
		ret = EXIT_VERIFY_FAILED;
	} else {
		printf("OK: %" PRIu64 " records, %" PRIu64 " seals, sealed through "
		       "record %" PRIu64 "; %" PRIu64 " newer record(s) not yet sealed%s\n",
		       v->next_seq, v->seals,
		       v->last_sealed_seq ? v->last_sealed_seq - 1 : 0,
		       v->next_seq - v->last_sealed_seq,
		       dev ? "; matches the device's sealing state" : "");
		ret = SC_EXIT_OK;
		if (o.live)
			ret = verify_live(&o);
	}
out:
	if (dev)
		al_state_wipe(dev);
	al_verify_wipe(v);
	free(v);
	return ret;
}

/* ---- unseal ---- */

static int cmd_unseal_chunks(int argc, char **argv)
{
	uint8_t priv[32], *data, *in = NULL;
	uint64_t first, last, next = 0;
	size_t len, in_len, cap = 0;
	char what[256];
	struct aopts o;
	int i, ret;

	ret = parse_opts("unseal", argc, argv, &o);
	if (ret)
		return ret;
	if (!o.priv || !o.n_files)
		return usage("unseal", "%s", "needs --key FILE and chunk files");
	if (keyfmt_read_key(o.priv, priv, what, sizeof(what))) {
		fprintf(stderr, "sealcam audit unseal: %s is not a private key\n", what);
		return SC_EXIT_USAGE;
	}
	for (i = 0; i < o.n_files; i++) {
		FILE *f = fopen(o.files[i], "re");
		size_t n;

		if (!f) {
			fprintf(stderr, "sealcam audit unseal: %s: %s\n", o.files[i],
				strerror(errno));
			ret = SC_EXIT_FAIL;
			break;
		}
		in_len = 0;
		do {
			if (in_len == cap) {
				uint8_t *p = realloc(in, cap = cap ? 2 * cap : 65536);

				if (!p) {
					fclose(f);
					ret = SC_EXIT_FAIL;
					goto out;
				}
				in = p;
			}
			n = fread(in + in_len, 1, cap - in_len, f);
			in_len += n;
		} while (n);
		fclose(f);
		ret = al_chunk_open(priv, in, in_len, &data, &len, &first, &last);
		if (ret) {
			fprintf(stderr, "sealcam audit unseal: %s: %s\n", o.files[i],
				ret == -ENOKEY ? "not sealed to this key" :
				"malformed or tampered chunk");
			ret = EXIT_VERIFY_FAILED;
			break;
		}
		if (first > next) {
			fprintf(stderr, "sealcam audit unseal: %s starts at record %"
				PRIu64 ", expected %" PRIu64 " (a chunk is missing)\n",
				o.files[i], first, next);
			free(data);
			ret = EXIT_VERIFY_FAILED;
			break;
		}
		if (last + 1 > next) {
			/* a daemon killed between writing a chunk and saving its
			 * state exports the same lines again: skip what we have */
			size_t off = 0;
			uint64_t seq = first;

			while (seq < next && off < len) {
				const char *nl = memchr(data + off, '\n', len - off);

				off = nl ? (size_t)(nl - (const char *)data) + 1 : len;
				seq++;
			}
			fwrite(data + off, 1, len - off, stdout);
			next = last + 1;
		}
		free(data);
	}
out:
	free(in);
	sodium_memzero(priv, sizeof(priv));
	if (fflush(stdout))
		ret = SC_EXIT_FAIL;
	return ret;
}

int cmd_audit(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
		{ "init", cmd_init }, { "show", cmd_show }, { "follow", cmd_follow },
		{ "stats", cmd_stats }, { "verify", cmd_verify },
		{ "unseal", cmd_unseal_chunks },
	};
	unsigned int i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(audit_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? SC_EXIT_USAGE : SC_EXIT_OK;
	}
	if (keyfmt_init()) {
		fprintf(stderr, "sealcam audit: cannot initialise libsodium\n");
		return SC_EXIT_FAIL;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return usage("", "unknown command \"%s\"", argv[1]);
}
