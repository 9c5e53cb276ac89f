// SPDX-License-Identifier: MIT
/*
 * Configuration of sealcam-agent: built-in defaults, then the config file
 * (/etc/sealcam/agent.conf, or --config FILE), then command-line flags.
 * The file holds "key = value" lines whose keys are the long flag names
 * without the dashes; '#' starts a comment; booleans are true/false.
 * For an s3:// store, what neither gave comes from where aws-cli takes it:
 * the AWS environment variables, then the profile's section of the AWS
 * config file (sc_s3_resolve).  One reader, sc_ini_read(), parses
 * agent.conf and both AWS files.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent.h"
#include "sealcam_version.h"
#include "ini.h"
#include "store/s3conf.h"

/* the "where" of a setting given as a flag */
static const char cmdline[] = "command line";

enum opt_id {
	O_CONFIG = 256, O_DEVICE, O_SIZE, O_FORMAT, O_FPS, O_BUFFERS, O_SPOOL,
	O_OUTBOX, O_STATUS, O_URL, O_S3_ENDPOINT, O_S3_REGION, O_S3_PATH_STYLE,
	O_CREDENTIALS, O_PROFILE, O_TOKEN_FILE, O_CA_FILE, O_INSECURE,
	O_DEVICE_ID, O_CONCURRENCY, O_MAX_SEND_SPEED, O_TIMEOUT,
	O_CONNECT_TIMEOUT, O_BACKOFF_MIN, O_BACKOFF_MAX, O_SPOOL_MAX,
	O_NO_STARTUP_CHECK, O_DRAIN, O_DRAIN_TIMEOUT, O_STOP_TIMEOUT, O_HELP,
	O_VERSION,
	O_LIVE, O_LIVE_USER, O_LIVE_PASSWORD_FILE, O_LIVE_CA_FILE, O_LIVE_QUEUE,
	O_LIVE_MAX_AGE,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, O_CONFIG },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "size", required_argument, NULL, O_SIZE },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "fps", required_argument, NULL, O_FPS },
	{ "buffers", required_argument, NULL, O_BUFFERS },
	{ "spool", required_argument, NULL, O_SPOOL },
	{ "spool-max", required_argument, NULL, O_SPOOL_MAX },
	{ "outbox", required_argument, NULL, O_OUTBOX },
	{ "status-file", required_argument, NULL, O_STATUS },
	{ "url", required_argument, NULL, O_URL },
	{ "s3-endpoint", required_argument, NULL, O_S3_ENDPOINT },
	{ "s3-region", required_argument, NULL, O_S3_REGION },
	{ "s3-path-style", optional_argument, NULL, O_S3_PATH_STYLE },
	{ "credentials-file", required_argument, NULL, O_CREDENTIALS },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "token-file", required_argument, NULL, O_TOKEN_FILE },
	{ "ca-file", required_argument, NULL, O_CA_FILE },
	{ "insecure", optional_argument, NULL, O_INSECURE },
	{ "device-id", required_argument, NULL, O_DEVICE_ID },
	{ "concurrency", required_argument, NULL, O_CONCURRENCY },
	{ "max-send-speed", required_argument, NULL, O_MAX_SEND_SPEED },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT },
	{ "backoff-min", required_argument, NULL, O_BACKOFF_MIN },
	{ "backoff-max", required_argument, NULL, O_BACKOFF_MAX },
	{ "no-startup-check", no_argument, NULL, O_NO_STARTUP_CHECK },
	{ "drain", no_argument, NULL, O_DRAIN },
	{ "drain-timeout", required_argument, NULL, O_DRAIN_TIMEOUT },
	{ "stop-timeout", required_argument, NULL, O_STOP_TIMEOUT },
	{ "live", required_argument, NULL, O_LIVE },
	{ "live-user", required_argument, NULL, O_LIVE_USER },
	{ "live-password-file", required_argument, NULL, O_LIVE_PASSWORD_FILE },
	{ "live-ca-file", required_argument, NULL, O_LIVE_CA_FILE },
	{ "live-queue", required_argument, NULL, O_LIVE_QUEUE },
	{ "live-max-age", required_argument, NULL, O_LIVE_MAX_AGE },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

void config_usage(FILE *out)
{
	fprintf(out,
"NAME\n"
"    sealcam-agent - capture sealed video into a crash-safe spool and upload it\n"
"\n"
"SYNOPSIS\n"
"    sealcam-agent [--config FILE] [--device /dev/videoN] [--url URL] [OPTION]...\n"
"\n"
"DESCRIPTION\n"
"    Streams sealed frames (ciphertext only) from a sealcam camera, appends\n"
"    each frame to the current segment file in SPOOL/cur/ as it arrives and,\n"
"    at the segment's LAST frame, fsyncs it and renames it into SPOOL/ready/.\n"
"    Upload workers send every ready segment, and every file of the audit\n"
"    outbox, to the store; a file leaves the spool only after the store\n"
"    confirmed it (2xx, then size and MD5/ETag checked). At startup a segment\n"
"    left half-written by a crash is moved to ready/ as it is (unseal reports\n"
"    it truncated). Without --device the agent only uploads.\n"
"\n"
"    Object names: DEVICE-ID/segments/SEGMENT-ID.sealed and\n"
"    DEVICE-ID/audit/NAME; both ids come from the sealed frame header.\n"
"\n"
"    Settings come from the config file (" AGENT_DEFAULT_CONFIG " if it exists,\n"
"    or --config FILE), \"key = value\" lines with the long option names below\n"
"    as keys; flags override the file. For s3:// see S3 SETTINGS.\n"
"\n"
"CAPTURE\n"
"    --device PATH          sealcam V4L2 node (refused if not a sealcam camera)\n"
"    --size WxH             frame size (default 640x480)\n"
"    --format F             sealed format: yuyv, nv12, grey, or mjpeg (a\n"
"                           webcam's own JPEGs; default yuyv)\n"
"    --fps N                frame rate (default 15)\n"
"    --buffers N            MMAP buffers (default 6)\n"
"    --stop-timeout MS      on SIGTERM, wait this long for the segment's LAST\n"
"                           frame after asking the module to rotate (default\n"
"                           3000); then the segment is finalised truncated\n"
"\n"
"SPOOL\n"
"    --spool DIR            spool directory (default " AGENT_DEFAULT_SPOOL ")\n"
"    --spool-max BYTES      size cap (suffix K, M, G; default 0 = none). When a\n"
"                           frame would exceed it, the oldest segment not yet\n"
"                           uploaded is dropped; each drop is counted, logged\n"
"                           and written to the outbox as drop-TIME.json\n"
"    --outbox DIR           audit outbox uploaded under audit/ (default\n"
"                           " AGENT_DEFAULT_OUTBOX "; \"\" disables)\n"
"    --status-file FILE     JSON status (default " AGENT_DEFAULT_STATUS ")\n"
"    --device-id HEX        device id for outbox files that carry no sealed\n"
"                           header (default: learnt from the segments)\n"
"\n"
"STORE\n"
"    --url URL              file:///dir (default " AGENT_DEFAULT_URL "),\n"
"                           s3://bucket[/prefix], https://host/path (PUT with a\n"
"                           bearer token), http:// only to a loopback address\n"
"    --s3-endpoint URL      S3 endpoint (default https://s3.REGION.amazonaws.com)\n"
"    --s3-region R          region for SigV4 (default us-east-1; for Ceph RGW\n"
"                           the zonegroup's name)\n"
"    --s3-path-style[=B]    path-style bucket addressing (ENDPOINT/BUCKET/KEY);\n"
"                           false: virtual-host (BUCKET.ENDPOINT/KEY); auto\n"
"                           (default): virtual-host for AWS, path-style for any\n"
"                           other endpoint (a server without a DNS name for\n"
"                           each bucket would take the host as the bucket)\n"
"    --credentials-file F   AWS credentials file (default\n"
"                           $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)\n"
"    --profile NAME         AWS profile (default $AWS_PROFILE, else default)\n"
"    --token-file F         bearer token for https:// (required there)\n"
"    --ca-file F            CA bundle for TLS verification (on by default)\n"
"    --concurrency N        parallel uploads (default 2)\n"
"    --max-send-speed B     upload bandwidth cap per upload, bytes/s (K, M)\n"
"    --timeout S            a request that moves no byte for S seconds fails\n"
"                           (default 30)\n"
"    --connect-timeout S    (default 10)\n"
"    --backoff-min MS, --backoff-max MS\n"
"                           retry delays: exponential with jitter (500, 60000)\n"
"    --no-startup-check     do not probe the store at startup\n"
"    --drain                upload what is queued, then exit (0 when empty)\n"
"    --drain-timeout S      give up draining after S seconds (default 600)\n"
"\n"
"LIVE VIEW (docs/LIVE.md)\n"
"    --live URL             also publish every sealed frame, as dequeued, to\n"
"                           the MQTT relay at mqtts://HOST[:PORT] (mqtt:// only\n"
"                           to loopback), topic sealcam/DEVICE-ID/live; a\n"
"                           message on sealcam/DEVICE-ID/rotate (a viewer\n"
"                           joining) starts a new segment, at most once a\n"
"                           second. Recording never waits for the relay: the\n"
"                           live thread has its own bounded queue and drops\n"
"                           (counts) what the relay does not take\n"
"    --live-user NAME       relay user name (default: the device id)\n"
"    --live-password-file F first line: the relay password\n"
"    --live-ca-file F       CA certificate(s) of the relay (default: the system's)\n"
"    --live-queue BYTES     frames waiting for the relay (default 8M; K, M)\n"
"    --live-max-age MS      a frame captured longer ago is not sent live\n"
"                           (default 250; 20-60000): lower, less delay and\n"
"                           more frames dropped on a slow link\n"
"\n"
"OTHER\n"
"    -h, --help             this text\n"
"    --version              print the version and exit\n"
"\n"
"S3 SETTINGS\n"
"    Endpoint, region, addressing and profile each come from the first of:\n"
"      a flag; the agent's config file (profile = counts as --profile);\n"
SC_S3_SETTINGS_HELP
"    The credentials file is re-read when it changes (checked before every\n"
"    upload) and when the store answers ExpiredToken; the agent logs each\n"
"    reload. The startup log names where each setting came from.\n"
"\n"
"SIGNALS\n"
"    SIGTERM/SIGINT: stop after the current frame, end the segment (module\n"
"    rotation over netlink when permitted, else finalised truncated), abort\n"
"    uploads in flight and leave the queue for the next start.\n"
"\n"
"EXIT STATUS\n"
"    0 ok; 1 runtime failure or --drain left files; 2 usage (a bad flag, or a\n"
"    bad line in the agent's config file); 3 configuration refused at startup\n"
"    (unknown scheme, unreachable store, no credentials, a malformed AWS\n"
"    config or credentials file, not a sealcam camera, unwritable spool).\n");
}

void config_defaults(struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->width = 640;
	c->height = 480;
	c->fps = 15;
	c->pixfmt = SEALCAM_PIX_FMT_YUYV;
	c->buffers = 6;
	c->spool = strdup(AGENT_DEFAULT_SPOOL);
	c->outbox = strdup(AGENT_DEFAULT_OUTBOX);
	c->status_file = strdup(AGENT_DEFAULT_STATUS);
	sc_store_config_defaults(&c->store);
	c->store.url = strdup(AGENT_DEFAULT_URL);
	c->concurrency = 2;
	c->backoff_min_ms = 500;
	c->backoff_max_ms = 60000;
	c->startup_check = true;
	c->drain_timeout_s = 600;
	c->stop_timeout_ms = 3000;
	c->live_queue_bytes = 8LL << 20;
	c->live_max_age_ms = 250;
}

void config_free(struct agent_config *c)
{
	free(c->device);
	free(c->spool);
	free(c->outbox);
	free(c->status_file);
	sc_store_config_free(&c->store);
	free(c->device_id);
	free(c->live_url);
	free(c->live_user);
	free(c->live_password_file);
	free(c->live_ca_file);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

/* Record where an S3 setting came from: "--NAME" for a flag, else FILE:LINE. */
static void set_from(char **from, const char *name, const char *where)
{
	char buf[PATH_MAX + 64];

	if (where == cmdline)
		snprintf(buf, sizeof(buf), "--%s", name);
	else
		snprintf(buf, sizeof(buf), "%s", where);
	set_str(from, buf);
}

static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
		 !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

/* Non-negative integer with an optional K/M/G (1024-based) suffix. */
static int parse_size(const char *v, long long max, long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || n < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': n *= 1024LL; end++; break;
	case 'M': n *= 1024LL * 1024; end++; break;
	case 'G': n *= 1024LL * 1024 * 1024; end++; break;
	}
	if (*end && strcasecmp(end, "B") && strcasecmp(end, "iB"))
		return -1;
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
	long long n;

	if (parse_size(v, hi, &n) || n < lo)
		return -1;
	*out = (long)n;
	return 0;
}

/* Apply one setting; id is the option's. 0, or -1 with a message in err. */
static int apply(struct agent_config *c, int id, const char *name,
		 const char *v, const char *where, char *err, size_t errlen)
{
	long n;
	long long ll;

	switch (id) {
	case O_DEVICE: set_str(&c->device, v); break;
	case O_SIZE: {
		unsigned int w, h;
		char extra;

		if (sscanf(v, "%ux%u%c", &w, &h, &extra) != 2 ||
		    w < SEALCAM_MIN_WIDTH || w > SEALCAM_MAX_WIDTH ||
		    h < SEALCAM_MIN_HEIGHT || h > SEALCAM_MAX_HEIGHT)
			goto bad;
		c->width = w;
		c->height = h;
		break;
	}
	case O_FORMAT:
		if (!strcasecmp(v, "yuyv") || !strcasecmp(v, "SLYV"))
			c->pixfmt = SEALCAM_PIX_FMT_YUYV;
		else if (!strcasecmp(v, "nv12") || !strcasecmp(v, "SLN2"))
			c->pixfmt = SEALCAM_PIX_FMT_NV12;
		else if (!strcasecmp(v, "grey") || !strcasecmp(v, "SLGY"))
			c->pixfmt = SEALCAM_PIX_FMT_GREY;
		else if (!strcasecmp(v, "mjpeg") || !strcasecmp(v, "mjpg") ||
			 !strcasecmp(v, "SLMJ"))
			c->pixfmt = SEALCAM_PIX_FMT_MJPG;
		else
			goto bad;
		break;
	case O_FPS:
		if (parse_long(v, 1, SEALCAM_MAX_FPS, &n))
			goto bad;
		c->fps = n;
		break;
	case O_BUFFERS:
		if (parse_long(v, 2, 32, &n))
			goto bad;
		c->buffers = n;
		break;
	case O_SPOOL: set_str(&c->spool, v); break;
	case O_SPOOL_MAX:
		if (parse_size(v, LLONG_MAX / 2, &ll))
			goto bad;
		c->spool_max_bytes = ll;
		break;
	case O_OUTBOX: set_str(&c->outbox, v); break;
	case O_STATUS: set_str(&c->status_file, v); break;
	case O_URL: set_str(&c->store.url, v); break;
	case O_S3_ENDPOINT:
		set_str(&c->store.s3_endpoint, v);
		set_from(&c->store.s3_from.endpoint, name, where);
		break;
	case O_S3_REGION:
		set_str(&c->store.s3_region, v);
		set_from(&c->store.s3_from.region, name, where);
		break;
	case O_S3_PATH_STYLE:
		n = sc_s3_path_style(v);
		if (n == -2)
			goto bad;
		c->store.s3_path_style = n;
		set_from(&c->store.s3_from.path_style, name, where);
		break;
	case O_CREDENTIALS: set_str(&c->store.credentials_file, v); break;
	case O_PROFILE:
		set_str(&c->store.profile, v);
		set_from(&c->store.s3_from.profile, name, where);
		c->store.profile_given = true;
		break;
	case O_TOKEN_FILE: set_str(&c->store.token_file, v); break;
	case O_CA_FILE: set_str(&c->store.ca_file, v); break;
	case O_INSECURE:
		if (parse_bool(v, &c->store.insecure))
			goto bad;
		break;
	case O_DEVICE_ID: {
		size_t i;

		if (strlen(v) != 2 * SEALCAM_KEY_ID_LEN)
			goto bad;
		for (i = 0; v[i]; i++)
			if (!isxdigit((unsigned char)v[i]))
				goto bad;
		set_str(&c->device_id, v);
		for (i = 0; c->device_id[i]; i++)
			c->device_id[i] = tolower((unsigned char)c->device_id[i]);
		break;
	}
	case O_CONCURRENCY:
		if (parse_long(v, 1, 16, &n))
			goto bad;
		c->concurrency = n;
		break;
	case O_MAX_SEND_SPEED:
		if (parse_size(v, LLONG_MAX / 2, &ll))
			goto bad;
		c->store.max_send_speed = ll;
		break;
	case O_TIMEOUT:
		if (parse_long(v, 1, 3600, &c->store.timeout_s))
			goto bad;
		break;
	case O_CONNECT_TIMEOUT:
		if (parse_long(v, 1, 600, &c->store.connect_timeout_s))
			goto bad;
		break;
	case O_BACKOFF_MIN:
		if (parse_long(v, 1, 3600000, &c->backoff_min_ms))
			goto bad;
		break;
	case O_BACKOFF_MAX:
		if (parse_long(v, 1, 86400000, &c->backoff_max_ms))
			goto bad;
		break;
	case O_NO_STARTUP_CHECK: {
		bool b = true;

		if (v && parse_bool(v, &b))
			goto bad;
		c->startup_check = !b;
		break;
	}
	case O_DRAIN:
		if (v && parse_bool(v, &c->drain))
			goto bad;
		if (!v)
			c->drain = true;
		break;
	case O_DRAIN_TIMEOUT:
		if (parse_long(v, 1, 86400, &c->drain_timeout_s))
			goto bad;
		break;
	case O_STOP_TIMEOUT:
		if (parse_long(v, 0, 600000, &c->stop_timeout_ms))
			goto bad;
		break;
	case O_LIVE: set_str(&c->live_url, v); break;
	case O_LIVE_USER: set_str(&c->live_user, v); break;
	case O_LIVE_PASSWORD_FILE: set_str(&c->live_password_file, v); break;
	case O_LIVE_CA_FILE: set_str(&c->live_ca_file, v); break;
	case O_LIVE_QUEUE:
		if (parse_size(v, 1LL << 30, &ll) || ll < 65536)
			goto bad;
		c->live_queue_bytes = ll;
		break;
	case O_LIVE_MAX_AGE:
		if (parse_long(v, 20, 60000, &c->live_max_age_ms))
			goto bad;
		break;
	default:
		snprintf(err, errlen, "%s: unknown setting '%s'", where, name);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: invalid value for %s: '%s'", where, name,
		 v ? v : "");
	return -1;
}

static int option_id(const char *name)
{
	const struct option *o;

	for (o = long_opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o->val;
	return -1;
}

static int conf_line(const struct sc_ini_line *l, void *arg, char *err,
		     size_t errlen)
{
	int id = option_id(l->key);

	if (id < 0 || id == O_CONFIG || id == O_HELP || id == O_VERSION) {
		snprintf(err, errlen, "%s: unknown setting '%s'", l->where, l->key);
		return -1;
	}
	return apply(arg, id, l->key, l->value, l->where, err, errlen);
}

int config_load(struct agent_config *c, int argc, char **argv, int *exit_code)
{
	const char *config = NULL;
	bool explicit_config = false;
	char err[PATH_MAX + 512];
	int i, opt, r;

	/* The file first, so that flags override it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[i + 1];
			explicit_config = true;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			config = argv[i] + 9;
			explicit_config = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			config_usage(stdout);
			*exit_code = AGENT_EXIT_OK;
			return -1;
		} else if (!strcmp(argv[i], "--version")) {
			printf(AGENT_NAME " %s\n", SEALCAM_VERSION);
			*exit_code = AGENT_EXIT_OK;
			return -1;
		}
	}
	if (!config)
		config = AGENT_DEFAULT_CONFIG;
	r = sc_ini_read(config, SC_INI_SEALCAM, conf_line, c, err, sizeof(err));
	if (r == -ENOENT && explicit_config) {
		fprintf(stderr, AGENT_NAME ": config file %s does not exist\n", config);
		*exit_code = AGENT_EXIT_USAGE;
		return -1;
	}
	if (r == -1) {
		fprintf(stderr, AGENT_NAME ": %s\n", err);
		*exit_code = AGENT_EXIT_USAGE;
		return -1;
	}

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		const char *name = NULL;
		const struct option *o;

		if (opt == '?') {
			fprintf(stderr, "Try '" AGENT_NAME " --help'.\n");
			*exit_code = AGENT_EXIT_USAGE;
			return -1;
		}
		if (opt == O_CONFIG)
			continue;
		for (o = long_opts; o->name; o++)
			if (o->val == opt)
				name = o->name;
		if (apply(c, opt, name ? name : "?", optarg, cmdline, err,
			  sizeof(err))) {
			fprintf(stderr, AGENT_NAME ": %s\n", err);
			*exit_code = AGENT_EXIT_USAGE;
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, AGENT_NAME ": unexpected argument '%s'\n", argv[optind]);
		*exit_code = AGENT_EXIT_USAGE;
		return -1;
	}
	if (c->backoff_max_ms < c->backoff_min_ms)
		c->backoff_max_ms = c->backoff_min_ms;
	/* a broken AWS config file is not the agent's usage: refused, exit 3 */
	if (!strncasecmp(c->store.url, "s3://", 5) &&
	    sc_s3_resolve(&c->store, err, sizeof(err))) {
		fprintf(stderr, AGENT_NAME ": %s\n", err);
		*exit_code = AGENT_EXIT_CONFIG;
		return -1;
	}
	return 0;
}
