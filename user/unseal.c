// SPDX-License-Identifier: MIT
/*
 * sealcam genkey | pubkey | unseal: the owner's side. unseal reads every
 * segment twice: the first pass verifies everything (libsealcam's reader)
 * and writes nothing; only when it found no fatal problem does the second
 * pass decrypt again and write YUV4MPEG2 or PNG.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sealcam.h"
#include "keyfmt.h"
#include "libsealcam/frameout.h"
#include "libsealcam/hpke.h"
#include "libsealcam/sealed.h"

static const char unseal_help[] =
"NAME\n"
"    sealcam unseal - verify and decrypt sealed camera segments\n"
"\n"
"SYNOPSIS\n"
"    sealcam unseal --key FILE [--expect-device PUB|FILE]\n"
"                   [--expect-recipient KEYID|PUB]... SEGMENT...\n"
"                   (-o OUT.y4m | --png DIR | --info [--json])\n"
"\n"
"DESCRIPTION\n"
"    Checks every frame of every SEGMENT file, in the order given, against\n"
"    the sealed format (docs/FORMAT.md): headers, the HPKE-wrapped segment\n"
"    key (which also authenticates the device), the ChaCha20-Poly1305 tag of\n"
"    every frame, frame order inside each segment, and the continuity of\n"
"    segment ids between files. Nothing is written unless every check\n"
"    passed; then the frames are decrypted to the chosen output.\n"
"\n"
"OPTIONS\n"
"    -k, --key FILE        the owner's private key (one base64 line; - for\n"
"                          standard input)\n"
"    -d, --expect-device PUB|FILE\n"
"                          refuse segments not sealed by this device key\n"
"    -r, --expect-recipient KEYID|PUB\n"
"                          another recipient the segments may list without\n"
"                          a warning (16 hex digits, or a public key);\n"
"                          repeatable\n"
"    -o, --output OUT.y4m  write YUV4MPEG2 (GREY: Cmono, YUYV: C422 planar,\n"
"                          NV12: C420jpeg planar); - for standard output\n"
"    -p, --png DIR         write DIR/<segment>-<frame>.png (GREY as\n"
"                          greyscale, YUYV and NV12 as RGB, BT.601)\n"
"    -i, --info            print, per segment: id, device, camera,\n"
"                          recipients (ours marked), frames, sequence range,\n"
"                          timestamps, format, warnings\n"
"    -j, --json            with --info: one JSON object per segment per line\n"
"    -q, --quiet           no summary line on standard error\n"
"    -h, --help            this text\n"
"\n"
"EXIT STATUS\n"
"    0  every segment verified (gaps between segments are warnings only)\n"
"    1  cannot read a segment or write the output\n"
"    2  usage error, or the key file is unreadable or not a key\n"
"    3  wrong key: no recipient entry has our key id, or its HPKE open\n"
"       failed (another key, or the entry or device key was altered)\n"
"    4  tampered: bad magic/version/length/flags/reserved field, headers\n"
"       that disagree, a frame failing authentication, invalid metadata,\n"
"       or a frame dropped, swapped, duplicated, from another segment or\n"
"       from another device, or a segment not starting with FIRST\n"
"    5  truncated: the file ends inside a frame, or a segment has no LAST\n"
"    6  a segment lists a recipient that is neither ours nor expected\n"
"       (warning; the output is still written)\n"
"    7  unexpected device: not the --expect-device key, or the device\n"
"       changes between segments\n"
"    8  replay: a segment id repeats or goes back between segments\n"
"    Each problem is printed on standard error with the file and offset.\n"
"    A jump in segment id or frame sequence between consecutive segments is\n"
"    reported as a gap (exit 0).\n";

static const char genkey_help[] =
"NAME\n"
"    sealcam genkey - generate an X25519 private key\n"
"\n"
"SYNOPSIS\n"
"    umask 077; sealcam genkey > owner.key\n"
"\n"
"DESCRIPTION\n"
"    Prints 32 random bytes, clamped as RFC 7748 section 5 describes, as one\n"
"    line of base64. Derive the public key with sealcam pubkey.\n";

static const char pubkey_help[] =
"NAME\n"
"    sealcam pubkey - print the public key of a private key\n"
"\n"
"SYNOPSIS\n"
"    sealcam pubkey < owner.key > owner.pub\n"
"\n"
"DESCRIPTION\n"
"    Reads a base64 private key on standard input and prints its X25519\n"
"    public key, as one base64 line.\n";

static bool want_help(int argc, char **argv, const char *text)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(text, stdout);
			return true;
		}
	return false;
}

int cmd_genkey(int argc, char **argv)
{
	unsigned char priv[SEALCAM_KEY_LEN];
	char text[KEYFMT_B64_SIZE];
	struct stat st;

	if (want_help(argc, argv, genkey_help))
		return 0;
	if (argc > 1) {
		fprintf(stderr, "sealcam genkey: takes no arguments\n");
		return SC_EXIT_USAGE;
	}
	if (keyfmt_init())
		return SC_EXIT_FAIL;
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0077))
		fprintf(stderr, "sealcam genkey: warning: writing a private key to a file others can read; set umask 077 first\n");
	randombytes_buf(priv, sizeof(priv));
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	keyfmt_encode(priv, text);
	sodium_memzero(priv, sizeof(priv));
	printf("%s\n", text);
	sodium_memzero(text, sizeof(text));
	return fflush(stdout) ? SC_EXIT_FAIL : 0;
}

int cmd_pubkey(int argc, char **argv)
{
	unsigned char priv[SEALCAM_KEY_LEN], pub[SEALCAM_KEY_LEN];
	char text[KEYFMT_B64_SIZE];
	int ret;

	if (want_help(argc, argv, pubkey_help))
		return 0;
	if (argc > 1) {
		fprintf(stderr, "sealcam pubkey: takes no arguments (private key on standard input)\n");
		return SC_EXIT_USAGE;
	}
	if (keyfmt_init())
		return SC_EXIT_FAIL;
	ret = keyfmt_read_stream(stdin, priv);
	if (ret) {
		fprintf(stderr, "sealcam pubkey: standard input: not a base64 X25519 key\n");
		return SC_EXIT_USAGE;
	}
	ret = sc_x25519_public(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	if (ret) {
		fprintf(stderr, "sealcam pubkey: cannot derive the public key\n");
		return SC_EXIT_FAIL;
	}
	keyfmt_encode(pub, text);
	printf("%s\n", text);
	return fflush(stdout) ? SC_EXIT_FAIL : 0;
}

/* ------------------------------------------------------------------ */

enum out_mode { OUT_NONE, OUT_Y4M, OUT_PNG, OUT_INFO };

struct unseal {
	enum out_mode mode;
	bool json;
	const char *out_path;
	FILE *info;			/* stdout for --info */
	struct sc_y4m y4m;
	char *tmp_path;
	unsigned int png_count;
	int write_errno;
	/* per-segment text for --info, printed when the segment ends */
	unsigned char our_id[SEALCAM_KEY_ID_LEN];
	char warnings[2048];
};

static const char *fourcc_name(uint32_t f, char buf[5])
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = (char)(f >> (8 * i));

		buf[i] = c >= 32 && c < 127 ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

static void fmt_time(char *out, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&s, &tm)) {
		snprintf(out, len, "?");
		return;
	}
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned int)(ns % 1000000000u / 1000000u));
}

/* Append to the warning list of the segment, JSON-safe (no quotes). */
static void add_warning(struct unseal *u, const char *kind, const char *msg)
{
	size_t n = strlen(u->warnings);
	char *p;

	snprintf(u->warnings + n, sizeof(u->warnings) - n, "%s%s: %s",
		 n ? "\n" : "", kind, msg);
	for (p = u->warnings + n; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
}

static void on_report(void *arg, enum sc_finding f, bool fatal,
		      const char *source, const char *msg)
{
	struct unseal *u = arg;

	fprintf(stderr, "sealcam unseal: %s: %s: %s\n", source,
		fatal ? sc_finding_name(f) : "warning", msg);
	if (u->mode == OUT_INFO)
		add_warning(u, fatal ? sc_finding_name(f) : "warning", msg);
}

static void on_segment_start(void *arg, const struct sc_segment_info *s)
{
	struct unseal *u = arg;

	u->warnings[0] = '\0';
	(void)s;
}

static void print_info_text(struct unseal *u, const struct sc_segment_info *s)
{
	char hex[17], b64[KEYFMT_B64_SIZE], t1[80], t2[80], fcc[5];
	unsigned int i;
	const char *p, *nl;

	keyfmt_encode(s->device_pub, b64);
	fprintf(u->info, "segment %" PRIu64 "\n", s->segment_id);
	fprintf(u->info, "  file        %s (offset %" PRIu64 ")\n", s->source,
		s->file_offset);
	fprintf(u->info, "  device      %s  %s\n", sc_hex(hex, s->device_id, 8), b64);
	fprintf(u->info, "  camera      %u\n", s->camera);
	fprintf(u->info, "  recipients  %u\n", s->n_recipients);
	for (i = 0; i < s->n_recipients; i++)
		fprintf(u->info, "    %s%s\n", sc_hex(hex, s->recipient_ids[i], 8),
			(int)i == s->our_index ? "  (ours)" :
			s->expected[i] ? "  (expected)" : "  (UNEXPECTED)");
	fprintf(u->info, "  frames      %" PRIu64 "%s\n", s->frames,
		s->complete ? " (complete)" : " (incomplete)");
	if (s->have_meta) {
		fmt_time(t1, sizeof(t1), s->first.timestamp_ns);
		fmt_time(t2, sizeof(t2), s->last.timestamp_ns);
		fprintf(u->info, "  sequence    %" PRIu64 "..%" PRIu64 "\n",
			s->first.sequence, s->last.sequence);
		fprintf(u->info, "  time        %s .. %s\n", t1, t2);
		fprintf(u->info, "  format      %s %ux%u stride %u, %u/%u s per frame\n",
			fourcc_name(s->first.pixelformat, fcc), s->first.width,
			s->first.height, s->first.bytesperline,
			s->first.fps_num, s->first.fps_den);
		if (s->device_drops)
			fprintf(u->info, "  dropped     %" PRIu64 " frame(s) before sealing\n",
				s->device_drops);
	}
	for (p = u->warnings; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		fprintf(u->info, "  ! %.*s\n", (int)(nl - p), p);
	}
}

static void print_info_json(struct unseal *u, const struct sc_segment_info *s)
{
	char hex[17], b64[KEYFMT_B64_SIZE], fcc[5];
	unsigned int i;
	const char *p;

	keyfmt_encode(s->device_pub, b64);
	fprintf(u->info, "{\"segment_id\":%" PRIu64 ",\"file\":\"", s->segment_id);
	for (p = s->source; *p; p++)
		fprintf(u->info, (*p == '"' || *p == '\\') ? "\\%c" :
			(unsigned char)*p < 32 ? "?" : "%c", *p);
	fprintf(u->info, "\",\"offset\":%" PRIu64 ",\"device_id\":\"%s\",\"device_pub\":\"%s\",\"camera\":%u,\"recipients\":[",
		s->file_offset, sc_hex(hex, s->device_id, 8), b64, s->camera);
	for (i = 0; i < s->n_recipients; i++)
		fprintf(u->info, "%s{\"key_id\":\"%s\",\"ours\":%s,\"expected\":%s}",
			i ? "," : "", sc_hex(hex, s->recipient_ids[i], 8),
			(int)i == s->our_index ? "true" : "false",
			s->expected[i] ? "true" : "false");
	fprintf(u->info, "],\"frames\":%" PRIu64 ",\"complete\":%s", s->frames,
		s->complete ? "true" : "false");
	if (s->have_meta)
		fprintf(u->info, ",\"first_sequence\":%" PRIu64 ",\"last_sequence\":%" PRIu64
			",\"first_timestamp_ns\":%" PRIu64 ",\"last_timestamp_ns\":%" PRIu64
			",\"format\":\"%s\",\"width\":%u,\"height\":%u,\"bytesperline\":%u"
			",\"interval\":[%u,%u],\"device_drops\":%" PRIu64,
			s->first.sequence, s->last.sequence, s->first.timestamp_ns,
			s->last.timestamp_ns, fourcc_name(s->first.pixelformat, fcc),
			s->first.width, s->first.height, s->first.bytesperline,
			s->first.fps_num, s->first.fps_den, s->device_drops);
	fprintf(u->info, ",\"warnings\":[");
	for (p = u->warnings, i = 0; *p; i++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fprintf(u->info, "%s\"%.*s\"", i ? "," : "", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
	fprintf(u->info, "]}\n");
}

static void on_segment_end(void *arg, const struct sc_segment_info *s)
{
	struct unseal *u = arg;

	if (u->mode != OUT_INFO)
		return;
	if (u->json)
		print_info_json(u, s);
	else
		print_info_text(u, s);
	u->warnings[0] = '\0';
}

static int on_frame(void *arg, const struct sc_frame *f)
{
	struct unseal *u = arg;
	char path[4096];
	int ret;

	switch (u->mode) {
	case OUT_Y4M:
		if (sc_y4m_frame(&u->y4m, &f->meta, f->pixels)) {
			u->write_errno = errno ? errno : EINVAL;
			if (u->y4m.started && (f->meta.width != u->y4m.width ||
					       f->meta.height != u->y4m.height ||
					       f->meta.pixelformat != u->y4m.pixelformat))
				u->write_errno = -1;	/* format change */
			return -1;
		}
		return 0;
	case OUT_PNG:
		snprintf(path, sizeof(path), "%s/%020" PRIu64 "-%06" PRIu64 ".png",
			 u->out_path, f->seg->segment_id, f->frame_index);
		ret = sc_png_write(path, &f->meta, f->pixels);
		if (ret) {
			u->write_errno = -ret;
			return -1;
		}
		u->png_count++;
		return 0;
	default:
		return 0;
	}
}

struct input {
	const char *path;
	unsigned char *buf;
	size_t len;
};

/* One pass over all inputs with a fresh reader. */
static enum sc_unseal_exit read_all(const unsigned char priv[SEALCAM_KEY_LEN],
				    const unsigned char *expect_device,
				    unsigned char (*expect_ids)[SEALCAM_KEY_ID_LEN],
				    size_t n_ids, struct input *in, size_t n_in,
				    const struct sc_reader_ops *ops,
				    struct unseal *u, struct sc_reader *r)
{
	size_t i;

	if (sc_reader_init(r, priv, ops, u))
		return SC_UNSEAL_IO;
	if (expect_device)
		sc_reader_expect_device(r, expect_device);
	for (i = 0; i < n_ids; i++)
		sc_reader_expect_recipient(r, expect_ids[i]);
	for (i = 0; i < n_in; i++)
		if (sc_reader_feed(r, in[i].buf, in[i].len, in[i].path) &&
		    r->fatal != SC_FIND_NONE)
			break;
	return sc_reader_result(r);
}

/* A recipient given as 16 hex digits, or as a public key (text or file). */
static int parse_recipient(const char *arg, unsigned char id[SEALCAM_KEY_ID_LEN])
{
	unsigned char pub[SEALCAM_KEY_LEN];
	char what[256];

	if (!keyfmt_id_parse(arg, id))
		return 0;
	if (keyfmt_read_key(arg, pub, what, sizeof(what)))
		return -1;
	sc_key_id(id, pub);
	return 0;
}

static int open_output(struct unseal *u)
{
	if (u->mode == OUT_PNG) {
		if (mkdir(u->out_path, 0700) && errno != EEXIST) {
			fprintf(stderr, "sealcam unseal: cannot create %s: %s\n",
				u->out_path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!strcmp(u->out_path, "-")) {
		u->y4m.f = stdout;
		return 0;
	}
	/* Write beside the target and rename, so OUT is never half a video. */
	if (asprintf(&u->tmp_path, "%s.partXXXXXX", u->out_path) < 0)
		return -1;
	{
		int fd = mkstemp(u->tmp_path);

		if (fd < 0 || !(u->y4m.f = fdopen(fd, "wb"))) {
			fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
				u->out_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			free(u->tmp_path);
			u->tmp_path = NULL;
			return -1;
		}
	}
	return 0;
}

static int close_output(struct unseal *u, bool keep)
{
	int ret = 0;

	if (u->mode != OUT_Y4M || !u->y4m.f)
		return 0;
	if (u->y4m.f == stdout) {
		ret = fflush(stdout) ? -1 : 0;
	} else {
		if (fflush(u->y4m.f) || fsync(fileno(u->y4m.f)))
			ret = -1;
		if (fclose(u->y4m.f))
			ret = -1;
		if (keep && !ret && rename(u->tmp_path, u->out_path))
			ret = -1;
		if (!keep || ret)
			unlink(u->tmp_path);
	}
	u->y4m.f = NULL;
	sc_y4m_free(&u->y4m);
	free(u->tmp_path);
	u->tmp_path = NULL;
	return ret;
}

int cmd_unseal(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "expect-device", required_argument, NULL, 'd' },
		{ "expect-recipient", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "png", required_argument, NULL, 'p' },
		{ "info", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static unsigned char ids[SC_MAX_EXPECTED_IDS][SEALCAM_KEY_ID_LEN];
	struct sc_reader_ops verify_ops = {
		.segment_start = on_segment_start,
		.segment_end = on_segment_end,
		.report = on_report,
	};
	struct sc_reader_ops write_ops = { .frame = on_frame };
	unsigned char priv[SEALCAM_KEY_LEN], device[SEALCAM_KEY_LEN];
	const char *key_path = NULL;
	bool have_device = false, quiet = false;
	struct unseal u = { .mode = OUT_NONE };
	struct input *in = NULL;
	struct sc_reader r;
	enum sc_unseal_exit result, again;
	size_t n_ids = 0, n_in = 0, i;
	char what[256];
	int opt, ret = SC_UNSEAL_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:d:r:o:p:ijqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			key_path = optarg;
			break;
		case 'd':
			if (keyfmt_read_key(optarg, device, what, sizeof(what))) {
				fprintf(stderr, "sealcam unseal: --expect-device %s: not a base64 public key or a file holding one\n",
					optarg);
				return SC_UNSEAL_USAGE;
			}
			have_device = true;
			break;
		case 'r':
			if (n_ids == SC_MAX_EXPECTED_IDS ||
			    parse_recipient(optarg, ids[n_ids])) {
				fprintf(stderr, "sealcam unseal: --expect-recipient %s: not a 16-hex-digit key id or a public key\n",
					optarg);
				return SC_UNSEAL_USAGE;
			}
			n_ids++;
			break;
		case 'o':
		case 'p':
		case 'i':
			if (u.mode != OUT_NONE) {
				fprintf(stderr, "sealcam unseal: choose one of -o, --png, --info\n");
				return SC_UNSEAL_USAGE;
			}
			u.mode = opt == 'o' ? OUT_Y4M : opt == 'p' ? OUT_PNG : OUT_INFO;
			u.out_path = optarg;
			break;
		case 'j':
			u.json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(unseal_help, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'sealcam unseal --help'.\n");
			return SC_UNSEAL_USAGE;
		}
	}
	if (!key_path || optind >= argc || u.mode == OUT_NONE) {
		fprintf(stderr, "sealcam unseal: need --key, one of -o/--png/--info, and at least one SEGMENT\n"
			"Try 'sealcam unseal --help'.\n");
		return SC_UNSEAL_USAGE;
	}
	if (u.json && u.mode != OUT_INFO) {
		fprintf(stderr, "sealcam unseal: --json goes with --info\n");
		return SC_UNSEAL_USAGE;
	}
	if (keyfmt_init())
		return SC_UNSEAL_IO;
	ret = keyfmt_read_key(key_path, priv, what, sizeof(what));
	if (ret) {
		fprintf(stderr, "sealcam unseal: --key %s: %s\n", what,
			ret == -EINVAL ? "not a base64 X25519 private key" :
			strerror(-ret));
		return SC_UNSEAL_USAGE;
	}
	u.info = stdout;

	n_in = (size_t)(argc - optind);
	in = calloc(n_in, sizeof(*in));
	if (!in) {
		ret = SC_UNSEAL_IO;
		goto out;
	}
	for (i = 0; i < n_in; i++) {
		int err;

		in[i].path = argv[optind + (int)i];
		err = sc_read_file(in[i].path, &in[i].buf, &in[i].len);
		if (err) {
			fprintf(stderr, "sealcam unseal: cannot read %s: %s\n",
				in[i].path, strerror(-err));
			ret = SC_UNSEAL_IO;
			goto out;
		}
	}

	/* Pass 1: verify everything, write nothing. */
	result = read_all(priv, have_device ? device : NULL, ids, n_ids, in,
			  n_in, &verify_ops, &u, &r);
	if (r.fatal != SC_FIND_NONE) {
		if (!quiet)
			fprintf(stderr, "sealcam unseal: %s (exit %d); nothing written\n",
				sc_finding_name(r.fatal), result);
		sc_reader_free(&r);
		ret = result;
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "sealcam unseal: verified %" PRIu64 " segment(s), %" PRIu64 " frame(s), %u warning(s)\n",
			r.segments, r.frames, r.warnings);
	sc_reader_free(&r);
	ret = result;
	if (u.mode == OUT_INFO)
		goto out;

	/* Pass 2: decrypt again and write. */
	if (open_output(&u)) {
		ret = SC_UNSEAL_IO;
		goto out;
	}
	again = read_all(priv, have_device ? device : NULL, ids, n_ids, in,
			 n_in, &write_ops, &u, &r);
	sc_reader_free(&r);
	if (again != result || u.write_errno) {
		if (u.write_errno == -1)
			fprintf(stderr, "sealcam unseal: the format changes between segments; y4m holds one format, use --png\n");
		else
			fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
				u.out_path, strerror(u.write_errno ? u.write_errno : EIO));
		close_output(&u, false);
		ret = SC_UNSEAL_IO;
		goto out;
	}
	if (close_output(&u, true)) {
		fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
			u.out_path, strerror(errno));
		ret = SC_UNSEAL_IO;
		goto out;
	}
	if (!quiet && u.mode == OUT_PNG)
		fprintf(stderr, "sealcam unseal: wrote %u PNG file(s) to %s\n",
			u.png_count, u.out_path);
out:
	sodium_memzero(priv, sizeof(priv));
	if (in) {
		for (i = 0; i < n_in; i++)
			free(in[i].buf);
		free(in);
	}
	return ret;
}
