// SPDX-License-Identifier: MIT
/*
 * sealcam fetch: list, download and unseal a device's segments from the
 * store sealcam-agent uploads to (file:// or s3://), with the agent's S3
 * configuration rules and its store client (libsealcam/store/).  Every
 * download is whole and checked before it is used; the segments then go,
 * in segment id order, through `sealcam unseal` itself (cmd_unseal), so
 * verification, device pinning, outputs and exit codes are unseal's.
 * Choosing segments by time: user/fetchsel.c.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "fetch.h"
#include "fsutil.h"
#include "keyfmt.h"
#include "sealcam.h"
#include "libsealcam/store/s3conf.h"

static const char fetch_help[] =
"NAME\n"
"    sealcam fetch - list, download and unseal segments from the store\n"
"\n"
"SYNOPSIS\n"
"    sealcam fetch --url URL --list [--json] [--device ID | --all-devices]\n"
"                  [--key FILE] [--since T] [--until T]\n"
"    sealcam fetch --url URL --key FILE [--device ID | --all-devices]\n"
"                  [--since T] [--until T] [--download-dir DIR]\n"
"                  [UNSEAL OPTIONS] (-o OUT.y4m | --png DIR | --info [--json])\n"
"    sealcam fetch --url URL --download-only DIR [--device ID | --all-devices]\n"
"                  [--key FILE [--since T] [--until T]]\n"
"\n"
"DESCRIPTION\n"
"    Reads the segments sealcam-agent stored under URL, as\n"
"    DEVICE-ID/segments/SEGMENT-ID.sealed, from the same store and with the\n"
"    same settings (file:///dir or s3://bucket[/prefix]; an https:// store\n"
"    cannot be listed). --list prints them. Otherwise the chosen segments\n"
"    are downloaded, in segment id order, into a temporary directory (or\n"
"    --download-dir DIR, where they stay), each checked whole (the length\n"
"    the listing gave, its MD5 against an MD5 ETag, its first frame header\n"
"    against its name) before it is used, then given to `sealcam unseal`,\n"
"    which verifies and decrypts them exactly as it does files: the\n"
"    outputs, device pinning and exit status are unseal's (see sealcam\n"
"    unseal --help). A download is written to .NAME.part-XXXXXX and renamed\n"
"    only when complete: no partial file ever has a segment's name.\n"
"\n"
"CHOOSING SEGMENTS\n"
"    --device ID (16 hex digits), or --all-devices (one unseal run per\n"
"    device: --png DIR writes DIR/DEVICE-ID/, -o is refused); with neither,\n"
"    --list lists every device and the other modes take the store's only\n"
"    device (several: exit 2, naming them).\n"
"\n"
"    --since T, --until T choose by capture time. The time of a segment is\n"
"    inside its ciphertext, so they need --key: the first frame of a\n"
"    segment is read alone (a ranged GET) and authenticated, and its\n"
"    timestamp is the segment's start. Start times grow with segment ids,\n"
"    so a bisection reads a few first frames, not every segment. A segment\n"
"    covers from its start to the next one's start: those overlapping\n"
"    [SINCE, UNTIL) are chosen, the one in progress at SINCE included.\n"
"    Whole segments are unsealed (their frames may begin before SINCE and\n"
"    end after UNTIL); `--info` shows each segment's first and last frame\n"
"    times. A segment whose first frame cannot be opened is judged by its\n"
"    neighbours, else kept (the unseal step then says what is wrong with\n"
"    it). The segment id is no clock: sealcam.ko seeds it from the time the\n"
"    module was loaded (docs/FORMAT.md).\n"
"\n"
"    T: 2026-01-01T12:00:00Z (UTC; the seconds, the time of day and the Z\n"
"    may be left out, a space may stand for the T, a fraction of a second\n"
"    may follow), @SECONDS (since 1970), or -N followed by s, m, h or d\n"
"    (that long ago).\n"
"\n"
"OPTIONS\n"
"    -u, --url URL         the store: file:///dir or s3://bucket[/prefix]\n"
"    -l, --list            print DEVICE-ID SEGMENT-ID BYTES STORED [START]\n"
"                          per segment (START: with --key); nothing else\n"
"    -j, --json            with --list: one JSON object per segment per line\n"
"                          (device, segment_id, object, bytes, stored, and\n"
"                          with --key start, start_ns); with --info:\n"
"                          unseal's JSON, one object per segment\n"
"        --device ID       this device's segments\n"
"        --all-devices     every device's\n"
"        --since T         segments with frames at or after T\n"
"        --until T         segments with frames before T\n"
"    -k, --key FILE        the owner's private key (- for standard input)\n"
"    -o, --output OUT.y4m, -p, --png DIR, -i, --info\n"
"                          unseal the chosen segments into OUT.y4m, PNG files\n"
"                          or a description (as sealcam unseal)\n"
"        --download-only DIR\n"
"                          download into DIR/DEVICE-ID/segments/, unseal\n"
"                          nothing (a file already there with the listed\n"
"                          length and an MD5 ETag's digest is kept)\n"
"        --download-dir DIR\n"
"                          keep the downloads there (as --download-only),\n"
"                          then unseal; default: a temporary directory in\n"
"                          $TMPDIR (else /var/tmp), removed afterwards\n"
"        --page-size N     S3 keys listed per request (1-1000; default the\n"
"                          server's, 1000)\n"
"    -v, --verbose         say which store settings were used, and whence\n"
"    -q, --quiet           no notes or summary on standard error\n"
"    -h, --help            this text\n"
"\n"
"UNSEAL OPTIONS (passed to the unseal step)\n"
"    -d, --expect-device PUB|FILE, -P, --pin-device PUB|FILE,\n"
"    -K, --known-devices FILE, -n, --no-record, -s, --strict,\n"
"    -r, --expect-recipient KEYID|PUB\n"
"\n"
"STORE OPTIONS (as sealcam-agent's)\n"
"    --s3-endpoint URL, --s3-region R, --s3-path-style[=true|false|auto],\n"
"    --profile NAME, --credentials-file F, --ca-file F,\n"
"    --timeout S (a request that moves no byte for S seconds fails; 30),\n"
"    --connect-timeout S (10)\n"
"\n"
"S3 SETTINGS\n"
"    Endpoint, region, addressing and profile each come from the first of:\n"
"      a flag;\n"
SC_S3_SETTINGS_HELP
"\n"
"EXIT STATUS\n"
"    0  done (--list: also when nothing matched)\n"
"    1  the store cannot be read (unreachable, credentials refused, no\n"
"       such bucket, a listing or download that is not whole or does not\n"
"       match; each said in one line), nothing was chosen, or a file\n"
"       cannot be written\n"
"    2  usage error; a bad URL, S3 setting or key file; missing or\n"
"       malformed credentials or AWS config file (FILE:LINE named); several\n"
"       devices and none chosen\n"
"    3-10 as sealcam unseal, from the unseal step (4 also when a stored\n"
"       object holds another segment or device than its name says); with\n"
"       --all-devices the first run's fatal status, else 5, else 6\n";

enum fetch_mode { FM_NONE, FM_LIST, FM_Y4M, FM_PNG, FM_INFO, FM_DOWNLOAD };

struct fetch {
	struct sc_store_config sc;
	struct sc_store *st;
	enum fetch_mode mode;
	const char *out;		/* -o, --png, --download-only */
	char device[FETCH_DEVICE_LEN + 1];
	bool all_devices, json, quiet, verbose, unseal_opts;
	bool have_since, have_until;
	int64_t since, until;
	const char *download_dir;
	unsigned int page_size;
	const char *key_path;
	unsigned char priv[SEALCAM_KEY_LEN];
	char key_text[KEYFMT_B64_SIZE];	/* --key -: the key, for unseal */
	const char *pass[40];		/* unseal options, as given */
	char flags[40][3];		/* their "-X" */
	int n_pass;
	struct fetch_device *dev;
	size_t n_dev;
	struct fetch_probe probe;
	char tmpdir[PATH_MAX];		/* ours, removed at the end; or "" */
	char **cleanup;			/* its files, then directories */
};

/* ---- signals: stop downloads; clean the temporary directory ---- */

static volatile sig_atomic_t fetch_stop;	/* the signal seen */
static volatile sig_atomic_t fetch_unsealing;
static char **fetch_cleanup;

static void on_signal(int sig)
{
	int saved = errno;

	fetch_stop = sig;
	if (fetch_unsealing) {
		/* unseal does not stop on a flag: clean up and die of it */
		fetch_remove_paths(fetch_cleanup);
		signal(sig, SIG_DFL);
		raise(sig);
	}
	errno = saved;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* A signal stopped the downloads: die of it now that all is cleaned. */
static void die_of_signal(void)
{
	if (!fetch_stop)
		return;
	signal(fetch_stop, SIG_DFL);
	raise(fetch_stop);
}

/* ---- options ---- */

enum {
	O_DEVICE = 256, O_ALL_DEVICES, O_SINCE, O_UNTIL, O_DOWNLOAD_ONLY,
	O_DOWNLOAD_DIR, O_PAGE_SIZE, O_S3_ENDPOINT, O_S3_REGION,
	O_S3_PATH_STYLE, O_PROFILE, O_CREDENTIALS, O_CA_FILE, O_TIMEOUT,
	O_CONNECT_TIMEOUT,
};

static const struct option fetch_longopts[] = {
	{ "url", required_argument, NULL, 'u' },
	{ "list", no_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'j' },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "all-devices", no_argument, NULL, O_ALL_DEVICES },
	{ "since", required_argument, NULL, O_SINCE },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "key", required_argument, NULL, 'k' },
	{ "output", required_argument, NULL, 'o' },
	{ "png", required_argument, NULL, 'p' },
	{ "info", no_argument, NULL, 'i' },
	{ "download-only", required_argument, NULL, O_DOWNLOAD_ONLY },
	{ "download-dir", required_argument, NULL, O_DOWNLOAD_DIR },
	{ "page-size", required_argument, NULL, O_PAGE_SIZE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	SC_UNSEAL_CHECK_OPTIONS,	/* passed on to the unseal step */
	/* the store's, as sealcam-agent's */
	{ "s3-endpoint", required_argument, NULL, O_S3_ENDPOINT },
	{ "s3-region", required_argument, NULL, O_S3_REGION },
	{ "s3-path-style", optional_argument, NULL, O_S3_PATH_STYLE },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "credentials-file", required_argument, NULL, O_CREDENTIALS },
	{ "ca-file", required_argument, NULL, O_CA_FILE },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static int __attribute__((format(printf, 1, 2))) usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, FETCH_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" FETCH_PROG " --help'.\n");
	return SC_EXIT_USAGE;
}

static int set_mode(struct fetch *f, enum fetch_mode m, const char *out)
{
	if (f->mode != FM_NONE)
		return usage("choose one of --list, -o, --png, --info, "
			     "--download-only");
	f->mode = m;
	f->out = out;
	return 0;
}

/* An unseal option (short @opt): kept, as "-X [ARG]", for the unseal step. */
static int pass_on(struct fetch *f, int opt, const char *arg)
{
	char *flag = f->flags[f->n_pass];

	if (f->n_pass + 2 > (int)(sizeof(f->pass) / sizeof(f->pass[0])))
		return usage("too many unseal options");
	flag[0] = '-';
	flag[1] = (char)opt;
	flag[2] = '\0';
	f->pass[f->n_pass++] = flag;
	if (arg)
		f->pass[f->n_pass++] = arg;
	f->unseal_opts = true;
	return 0;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : usage("out of memory");
}

static int number(const char *v, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	if (errno || end == v || *end || *out < lo || *out > hi)
		return usage("not a number in range: '%s'", v);
	return 0;
}

static int set_device(struct fetch *f, const char *v)
{
	size_t i;

	if (strlen(v) != FETCH_DEVICE_LEN ||
	    strspn(v, "0123456789abcdefABCDEF") != FETCH_DEVICE_LEN)
		return usage("--device %s: not a device id (16 hex digits)", v);
	for (i = 0; i < FETCH_DEVICE_LEN; i++)
		f->device[i] = (char)tolower((unsigned char)v[i]);
	f->device[i] = '\0';
	return 0;
}

static int set_time(const char *opt, const char *v, int64_t *t, bool *have)
{
	if (fetch_parse_time(v, t)) {
		fprintf(stderr, FETCH_PROG ": %s %s: not a time "
			"(2026-01-01T12:00:00Z, @SECONDS or -N[smhd])\n", opt, v);
		return SC_EXIT_USAGE;
	}
	*have = true;
	return 0;
}

/* A store option: the setting, and where it came from (--NAME). */
static int store_opt(struct fetch *f, int opt, const char *v)
{
	struct sc_store_config *c = &f->sc;
	long n;

	switch (opt) {
	case O_S3_ENDPOINT:
		sc_s3_set(&c->s3_endpoint, &c->s3_from.endpoint, v, "--s3-endpoint");
		return 0;
	case O_S3_REGION:
		sc_s3_set(&c->s3_region, &c->s3_from.region, v, "--s3-region");
		return 0;
	case O_S3_PATH_STYLE:
		c->s3_path_style = sc_s3_path_style(v);
		if (c->s3_path_style == -2)
			return usage("--s3-path-style=%s: true, false or auto", v);
		return set_str(&c->s3_from.path_style, "--s3-path-style");
	case O_PROFILE:
		c->profile_given = true;
		sc_s3_set(&c->profile, &c->s3_from.profile, v, "--profile");
		return 0;
	case O_CREDENTIALS:
		return set_str(&c->credentials_file, v);
	case O_CA_FILE:
		return set_str(&c->ca_file, v);
	case O_TIMEOUT:
		if (number(v, 1, 3600, &n))
			return SC_EXIT_USAGE;
		c->timeout_s = n;
		return 0;
	default:
		if (number(v, 1, 600, &n))
			return SC_EXIT_USAGE;
		c->connect_timeout_s = n;
		return 0;
	}
}

static int fetch_opt(struct fetch *f, int opt, const char *arg)
{
	long n;

	switch (opt) {
	case 'u': return set_str(&f->sc.url, arg);
	case 'l': return set_mode(f, FM_LIST, NULL);
	case 'o': return set_mode(f, FM_Y4M, arg);
	case 'p': return set_mode(f, FM_PNG, arg);
	case 'i': return set_mode(f, FM_INFO, NULL);
	case O_DOWNLOAD_ONLY: return set_mode(f, FM_DOWNLOAD, arg);
	case 'j': f->json = true; return 0;
	case 'k': f->key_path = arg; return 0;
	case 'v': f->verbose = true; return 0;
	case 'q': f->quiet = true; return 0;
	case O_DEVICE: return set_device(f, arg);
	case O_ALL_DEVICES: f->all_devices = true; return 0;
	case O_SINCE: return set_time("--since", arg, &f->since, &f->have_since);
	case O_UNTIL: return set_time("--until", arg, &f->until, &f->have_until);
	case O_DOWNLOAD_DIR: f->download_dir = arg; return 0;
	case O_PAGE_SIZE:
		if (number(arg, 1, 1000, &n))
			return SC_EXIT_USAGE;
		f->page_size = n;
		return 0;
	default:
		/* the rest: unseal's check options (letters), the store's */
		return opt < 256 ? pass_on(f, opt, arg) : store_opt(f, opt, arg);
	}
}

/* What the options allow together. */
static int check_opts(struct fetch *f)
{
	bool unsealing = f->mode == FM_Y4M || f->mode == FM_PNG ||
			 f->mode == FM_INFO;

	if (!f->sc.url)
		return usage("--url is needed");
	if (!strncasecmp(f->sc.url, "http", 4))
		return usage("%s: an HTTP store cannot be listed: use its file:// "
			     "or s3:// URL", f->sc.url);
	if (f->mode == FM_NONE)
		return usage("choose one of --list, -o, --png, --info, "
			     "--download-only");
	if (*f->device && f->all_devices)
		return usage("--device and --all-devices exclude each other");
	if (unsealing && !f->key_path)
		return usage("unsealing needs --key");
	if ((f->have_since || f->have_until) && !f->key_path)
		return usage("--since and --until need --key: a segment's time is "
			     "inside its ciphertext");
	if (f->have_since && f->have_until && f->until <= f->since)
		return usage("--until is not after --since");
	if (f->json && f->mode != FM_LIST && f->mode != FM_INFO)
		return usage("--json goes with --list or --info");
	if (f->unseal_opts && !unsealing)
		return usage("unseal options go with -o, --png or --info");
	if (f->download_dir && !unsealing)
		return usage("--download-dir goes with -o, --png or --info");
	if (f->mode == FM_Y4M && f->all_devices)
		return usage("-o holds one device's segments: use --device, or "
			     "--png DIR (a directory per device)");
	return 0;
}

static int parse_args(struct fetch *f, int argc, char **argv, bool *done)
{
	int opt, ret;

	*done = true;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "u:ljk:o:p:ivqh"
				  SC_UNSEAL_CHECK_SHORTOPTS, fetch_longopts,
				  NULL)) != -1) {
		if (opt == 'h') {
			fputs(fetch_help, stdout);
			return SC_EXIT_OK;
		}
		if (opt == '?') {
			fprintf(stderr, "Try '" FETCH_PROG " --help'.\n");
			return SC_EXIT_USAGE;
		}
		ret = fetch_opt(f, opt, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	ret = check_opts(f);
	*done = ret != 0;
	return ret;
}

/* ---- the store ---- */

static bool verbose_log;

static void log_line(const char *line)
{
	if (verbose_log)
		fprintf(stderr, FETCH_PROG ": %s\n", line);
}

static void error_line(const char *line)
{
	fprintf(stderr, FETCH_PROG ": %s\n", line);
}

static int open_store(struct fetch *f)
{
	static const struct sc_store_ops ops = {
		.log = log_line,
		.error = error_line,
		.stop = &fetch_stop,
	};
	char err[PATH_MAX + 512];

	verbose_log = f->verbose;
	if (!strncasecmp(f->sc.url, "s3://", 5) &&
	    sc_s3_resolve(&f->sc, err, sizeof(err))) {
		fprintf(stderr, FETCH_PROG ": %s\n", err);
		return SC_EXIT_USAGE;
	}
	if (sc_store_global_init()) {
		fprintf(stderr, FETCH_PROG ": cannot initialise libcurl\n");
		return SC_EXIT_FAIL;
	}
	if (sc_store_init(&f->st, &f->sc, &ops, err, sizeof(err))) {
		fprintf(stderr, FETCH_PROG ": store: %s\n", err);
		return SC_EXIT_USAGE;
	}
	if (sc_store_check_read(f->st, err, sizeof(err))) {
		fprintf(stderr, FETCH_PROG ": store: %s\n", err);
		return SC_EXIT_FAIL;
	}
	return 0;
}

/* The devices to read: the one named, all, or the store's only one. */
static int choose_devices(struct fetch *f)
{
	char (*ids)[FETCH_DEVICE_LEN + 1] = NULL, err[1024];
	size_t n = 0, i;

	if (*f->device) {
		ids = calloc(1, sizeof(*ids));
		if (!ids)
			return SC_EXIT_FAIL;
		memcpy(ids[0], f->device, sizeof(ids[0]));
		n = 1;
	} else if (fetch_devices(f->st, f->page_size, &ids, &n, err, sizeof(err))) {
		fprintf(stderr, FETCH_PROG ": %s\n", err);
		return SC_EXIT_FAIL;
	}
	if (!*f->device && !f->all_devices && f->mode != FM_LIST && n > 1) {
		fprintf(stderr, FETCH_PROG ": %zu devices in %s; choose one "
			"with --device, or --all-devices:", n, f->sc.url);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", ids[i]);
		fprintf(stderr, "\n");
		free(ids);
		return SC_EXIT_USAGE;
	}
	f->dev = calloc(n ? n : 1, sizeof(*f->dev));
	if (!f->dev) {
		free(ids);
		return SC_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		memcpy(f->dev[i].id, ids[i], sizeof(ids[i]));
	f->n_dev = n;
	free(ids);
	return 0;
}

/* Each device's segments, and those the time range chooses. */
static int list_segments(struct fetch *f)
{
	char err[1024];
	size_t i;

	f->probe.st = f->st;
	f->probe.priv = f->priv;
	for (i = 0; i < f->n_dev; i++) {
		struct fetch_device *d = &f->dev[i];
		unsigned int frames = f->probe.frames;

		if (fetch_segments(f->st, d->id, f->page_size, &d->l, err,
				   sizeof(err))) {
			fprintf(stderr, FETCH_PROG ": %s\n", err);
			return SC_EXIT_FAIL;
		}
		fetch_select(&f->probe, &d->l, f->have_since ? &f->since : NULL,
			     f->have_until ? &f->until : NULL, &d->first, &d->end);
		if (fetch_stop)
			return SC_EXIT_FAIL;
		if (!f->quiet && (f->have_since || f->have_until))
			fprintf(stderr, FETCH_PROG ": device %s: %zu of %zu "
				"segment(s) in the time range (%u first frame(s) "
				"read)\n", d->id, d->end - d->first, d->l.n,
				f->probe.frames - frames);
	}
	return 0;
}

/* ---- --list ---- */

static void print_segment(struct fetch *f, struct fetch_seg *s)
{
	char stored[40] = "-", start[40] = "-";
	bool have_start = f->key_path && !fetch_start_time(&f->probe, s);

	if (s->stored_ns >= 0)
		sc_fmt_time(stored, sizeof(stored), s->stored_ns);
	if (have_start)
		sc_fmt_time(start, sizeof(start), s->start_ns);
	if (!f->json) {
		printf("%s %020" PRIu64 " %lld %s%s%s\n", s->device, s->id,
		       s->size, stored, f->key_path ? " " : "",
		       f->key_path ? start : "");
		return;
	}
	/* every field was checked or made here: nothing to escape */
	printf("{\"device\": \"%s\", \"segment_id\": %" PRIu64 ", \"object\": "
	       "\"%s\", \"bytes\": %lld, \"stored\": ", s->device, s->id,
	       s->name, s->size);
	if (s->stored_ns >= 0)
		printf("\"%s\"", stored);
	else
		printf("null");
	if (f->key_path && have_start)
		printf(", \"start\": \"%s\", \"start_ns\": %" PRIu64, start,
		       s->start_ns);
	else if (f->key_path)
		printf(", \"start\": null, \"start_ns\": null");
	printf("}\n");
}

static int list_mode(struct fetch *f)
{
	size_t i, j, n = 0;

	for (i = 0; i < f->n_dev; i++)
		for (j = f->dev[i].first; j < f->dev[i].end; j++, n++)
			print_segment(f, &f->dev[i].l.v[j]);
	if (fflush(stdout)) {
		fprintf(stderr, FETCH_PROG ": cannot write the listing: %s\n",
			strerror(errno));
		return SC_EXIT_FAIL;
	}
	if (!f->quiet)
		fprintf(stderr, FETCH_PROG ": %zu segment(s) of %zu device(s)\n", n,
			f->n_dev);
	return SC_EXIT_OK;
}

static size_t chosen(const struct fetch *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_dev; i++)
		n += f->dev[i].end - f->dev[i].first;
	return n;
}

/* ---- the unseal step ---- */

/* unseal's precedence: the first fatal status, else 5, else 6, else 0. */
static bool fatal_status(int c)
{
	return c && c != SC_UNSEAL_TRUNCATED && c != SC_UNSEAL_UNEXPECTED_RECIPIENT;
}

static int combine(int a, int b)
{
	if (fatal_status(a))
		return a;
	if (fatal_status(b))
		return b;
	if (a == SC_UNSEAL_TRUNCATED || b == SC_UNSEAL_TRUNCATED)
		return SC_UNSEAL_TRUNCATED;
	return a ? a : b;
}

/* `sealcam unseal` of one device's downloads, in segment id order. */
static int unseal_device(struct fetch *f, const struct fetch_device *d,
			 const char *dir)
{
	size_t n = d->end - d->first, i, np = 0;
	char **av, **paths, *png = NULL;
	int ac = 0, ret = SC_EXIT_FAIL;

	av = calloc(f->n_pass + 10 + n, sizeof(*av));
	paths = calloc(n, sizeof(*paths));
	if (!av || !paths)
		goto out;
	av[ac++] = (char *)"unseal";
	av[ac++] = (char *)"--key";
	av[ac++] = *f->key_text ? f->key_text : (char *)f->key_path;
	for (i = 0; i < (size_t)f->n_pass; i++)
		av[ac++] = (char *)f->pass[i];
	if (f->quiet)
		av[ac++] = (char *)"--quiet";
	if (f->mode == FM_Y4M) {
		av[ac++] = (char *)"--output";
		av[ac++] = (char *)f->out;
	} else if (f->mode == FM_PNG) {
		if (f->all_devices && (sc_mkdirs(f->out, 0755) ||
				       asprintf(&png, "%s/%s", f->out, d->id) < 0)) {
			fprintf(stderr, FETCH_PROG ": cannot create %s: %s\n", f->out,
				strerror(errno));
			goto out;
		}
		av[ac++] = (char *)"--png";
		av[ac++] = png ? png : (char *)f->out;
	} else {
		av[ac++] = (char *)"--info";
		if (f->json)
			av[ac++] = (char *)"--json";
	}
	av[ac++] = (char *)"--";
	for (np = 0; np < n; np++) {
		if (asprintf(&paths[np], "%s/%s", dir,
			     d->l.v[d->first + np].name) < 0)
			goto out;
		av[ac++] = paths[np];
	}
	fflush(stdout);
	ret = cmd_unseal(ac, av);
out:
	for (i = 0; paths && i < np; i++)
		free(paths[i]);
	free(paths);
	free(png);
	free(av);
	return ret;
}

static void describe_range(const struct fetch *f, char *out, size_t len)
{
	char a[40], b[40];

	*out = '\0';
	if (f->have_since)
		snprintf(out, len, " from %s", sc_fmt_time(a, sizeof(a), f->since));
	if (f->have_until)
		snprintf(out + strlen(out), len - strlen(out), " until %s",
			 sc_fmt_time(b, sizeof(b), f->until));
}

static int fetch_and_unseal(struct fetch *f)
{
	const char *dir = f->mode == FM_DOWNLOAD ? f->out : f->download_dir;
	struct fetch_tally t;
	char range[128];
	int ret = 0;
	size_t i;

	if (!chosen(f)) {
		describe_range(f, range, sizeof(range));
		fprintf(stderr, FETCH_PROG ": no segment%s%s%s in %s\n", range,
			*f->device ? " of device " : "", f->device, f->sc.url);
		return SC_EXIT_FAIL;
	}
	if (!dir) {
		ret = fetch_tmpdir(f->tmpdir, sizeof(f->tmpdir), f->dev, f->n_dev,
				   &f->cleanup);
		fetch_cleanup = f->cleanup;
		if (ret)
			return ret;
		dir = f->tmpdir;
	}
	ret = fetch_download(f->st, f->dev, f->n_dev, dir, !*f->tmpdir,
			     &fetch_stop, &t);
	if (!ret && fetch_stop)
		ret = SC_EXIT_FAIL;
	if (!ret && !f->quiet)
		fprintf(stderr, FETCH_PROG ": downloaded %zu segment(s), %lld bytes, "
			"from %s%s%s%s\n", t.got, t.bytes, f->sc.url,
			*f->tmpdir ? "" : " into ", *f->tmpdir ? "" : dir,
			t.kept ? " (the others were there already)" : "");
	if (ret || f->mode == FM_DOWNLOAD)
		return ret;
	fetch_unsealing = 1;
	for (i = 0; i < f->n_dev; i++)
		if (f->dev[i].end > f->dev[i].first)
			ret = combine(ret, unseal_device(f, &f->dev[i], dir));
	fetch_unsealing = 0;
	return ret;
}

/* ---- the command ---- */

static int read_key(struct fetch *f)
{
	char what[256];
	int ret;

	ret = keyfmt_read_key(f->key_path, f->priv, what, sizeof(what));
	if (ret) {
		fprintf(stderr, FETCH_PROG ": --key %s: %s\n", what, ret == -EINVAL ?
			"not a base64 X25519 private key" : strerror(-ret));
		return SC_EXIT_USAGE;
	}
	/* standard input cannot be read twice: the unseal step gets the text */
	if (!strcmp(f->key_path, "-"))
		keyfmt_encode(f->priv, f->key_text);
	return 0;
}

static int run(struct fetch *f)
{
	int ret;

	if (keyfmt_init())
		return SC_EXIT_FAIL;
	if (f->key_path) {
		ret = read_key(f);
		if (ret)
			return ret;
	}
	catch_signals();
	ret = open_store(f);
	if (!ret)
		ret = choose_devices(f);
	if (!ret)
		ret = list_segments(f);
	if (!ret)
		ret = f->mode == FM_LIST ? list_mode(f) : fetch_and_unseal(f);
	return ret;
}

static void fetch_free(struct fetch *f)
{
	size_t i;

	if (f->cleanup) {
		fetch_remove_paths(f->cleanup);
		fetch_cleanup = NULL;
		for (i = 0; f->cleanup[i]; i++)
			free(f->cleanup[i]);
		free(f->cleanup);
	}
	for (i = 0; i < f->n_dev; i++)
		fetch_list_free(&f->dev[i].l);
	free(f->dev);
	sc_store_free(f->st);
	sc_store_thread_done();
	sc_store_config_free(&f->sc);
	sodium_memzero(f->priv, sizeof(f->priv));
	sodium_memzero(f->key_text, sizeof(f->key_text));
}

int cmd_fetch(int argc, char **argv)
{
	struct fetch f = { 0 };
	bool done;
	int ret;

	sc_store_config_defaults(&f.sc);
	ret = parse_args(&f, argc, argv, &done);
	if (!done)
		ret = run(&f);
	fetch_free(&f);
	die_of_signal();
	return ret;
}
