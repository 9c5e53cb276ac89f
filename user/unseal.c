// SPDX-License-Identifier: MIT
/*
 * sealcam genkey | pubkey | unseal: the owner's side.
 *
 * unseal reads every segment file once, frame by frame (libsealcam's reader
 * on a descriptor: memory is about two frames whatever the input size), and
 * writes each frame as soon as it verified, to a temporary file (y4m) or a
 * staging directory (PNG) that is moved into place at the end only when no
 * fatal problem was found. A truncated segment is not fatal unless --strict:
 * its frames before the cut are kept and the exit status is 5.
 *
 * Without --expect-device, device keys are pinned on first use in the
 * known-devices file (libsealcam/knowndev.h), and the output never replaces
 * an input or a sealed file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "libsealcam/json.h"
#include "libsealcam/knowndev.h"
#include "libsealcam/sealed.h"

static const char unseal_help[] =
"NAME\n"
"    sealcam unseal - verify and decrypt sealed camera segments\n"
"\n"
"SYNOPSIS\n"
"    sealcam unseal --key FILE [--expect-device PUB|FILE]\n"
"                   [--pin-device PUB|FILE]... [--known-devices FILE]\n"
"                   [--no-record] [--strict]\n"
"                   [--expect-recipient KEYID|PUB]... SEGMENT...\n"
"                   (-o OUT.y4m | --png DIR | --info [--json])\n"
"\n"
"DESCRIPTION\n"
"    Checks every frame of every SEGMENT file, in the order given, against\n"
"    the sealed format (docs/FORMAT.md): headers, the HPKE-wrapped segment\n"
"    key (which also authenticates the device), the ChaCha20-Poly1305 tag of\n"
"    every frame, frame order inside each segment, and the continuity of\n"
"    segment ids between files. Each file is read once, frame by frame:\n"
"    memory stays at a few frames whatever the size of the input. On a\n"
"    terminal, progress is shown on standard error.\n"
"\n"
"    Frames are written as they verify, to OUT.partXXXXXX or\n"
"    DIR/.sealcam-unseal-XXXXXX, moved into place at the end; after a fatal\n"
"    problem nothing is written. With -o - (or -o naming a device or a\n"
"    FIFO, written in place), frames go out as they verify and a fatal\n"
"    problem stops the stream there (the exit status says why); with\n"
"    --strict, everything is verified first.\n"
"\n"
"    Truncated segments (a camera unplugged mid-segment, an agent killed):\n"
"    each frame before the cut is authenticated on its own. They are\n"
"    written; a warning names the segment, the frame index and the byte\n"
"    offset of the cut; reading goes on with the next segment, and the exit\n"
"    status is 5. With --strict a cut is fatal and nothing is written.\n"
"\n"
"    Device pinning (trust on first use). Without --expect-device, the\n"
"    device key of the first segment opened with an owner key is recorded\n"
"    in the known-devices file, with a notice on standard error; from then\n"
"    on, segments from any other device are refused (exit 9) before their\n"
"    key is opened. Compare the pinned key with what `sealcam device-key`\n"
"    prints on the camera. sealcam.ko makes a new device key at every load\n"
"    unless `sealcam device-key --set FILE` installs a kept one: after a\n"
"    deliberate change, or for a second camera, check the new key there and\n"
"    add it with --pin-device. When the file cannot be written (no home\n"
"    directory, read-only file system), the device is accepted with a\n"
"    warning and not pinned.\n"
"\n"
"    The output never replaces an input or a sealed file: -o naming an\n"
"    input (the same file by its path, a hard link or a symbolic link) or a\n"
"    file that starts with the sealed magic \"SCF1\" is refused.\n"
"\n"
"OPTIONS\n"
"    -k, --key FILE        the owner's private key (one base64 line; - for\n"
"                          standard input)\n"
"    -d, --expect-device PUB|FILE\n"
"                          accept only segments sealed by this device key;\n"
"                          the known-devices file is then neither read nor\n"
"                          written\n"
"    -P, --pin-device PUB|FILE\n"
"                          trust this device key too, and record it in the\n"
"                          known-devices file (a new camera, or a device\n"
"                          key changed on purpose); repeatable\n"
"    -K, --known-devices FILE\n"
"                          the known-devices file (default: see FILES)\n"
"    -n, --no-record       check the pinned devices but record none: a\n"
"                          device seen for the first time is accepted, with\n"
"                          a warning, and stays unpinned\n"
"    -s, --strict          all or nothing: a truncated segment is fatal and\n"
"                          nothing is written unless every check passed\n"
"    -r, --expect-recipient KEYID|PUB\n"
"                          another recipient the segments may list without\n"
"                          a warning (16 hex digits, or a public key);\n"
"                          repeatable\n"
"    -o, --output OUT.y4m  write YUV4MPEG2 (GREY: Cmono, YUYV: C422 planar,\n"
"                          NV12: C420jpeg planar); - for standard output.\n"
"                          MJPG frames (a webcam's JPEGs) are written as\n"
"                          an MJPEG stream instead: each frame's JPEG\n"
"                          byte for byte as the camera sent it, back to\n"
"                          back (name it OUT.mjpeg: mpv and ffplay play it;\n"
"                          it holds no frame rate, players assume 25/s:\n"
"                          ffplay -framerate 15, mpv\n"
"                          --demuxer-lavf-o=framerate=15 set the camera's)\n"
"    -p, --png DIR         write DIR/<segment>-<frame>.png (GREY as\n"
"                          greyscale, YUYV and NV12 as RGB, BT.601, MJPG as\n"
"                          libjpeg decodes it; an MJPG frame that does not\n"
"                          decode gets a warning and no PNG)\n"
"    -i, --info            print, per segment: id, device, camera,\n"
"                          recipients (ours marked), frames, sequence range,\n"
"                          timestamps, format, warnings\n"
"    -j, --json            with --info: one JSON object per segment per line\n"
"    -q, --quiet           no summary line and no progress on standard error\n"
"    -h, --help            this text\n"
"\n"
"ENVIRONMENT\n"
"    SEALCAM_KNOWN_DEVICES  the known-devices file, unless --known-devices\n"
"\n"
"FILES\n"
"    $XDG_CONFIG_HOME/sealcam/known_devices, else\n"
"    ~/.config/sealcam/known_devices\n"
"                          one line per pinned device: OWNER-KEY-ID (16 hex\n"
"                          digits) DEVICE-PUBLIC-KEY (base64) [notes]\n"
"\n"
"EXIT STATUS\n"
"    0  every segment verified (gaps between segments are warnings only)\n"
"    1  cannot read a segment or the known-devices file, or write the output\n"
"    2  usage error; the key file is unreadable or not a key; a malformed\n"
"       known-devices file; -o naming an input or a sealed file\n"
"    3  wrong key: no recipient entry has our key id (the segment is not\n"
"       sealed to this key)\n"
"    4  tampered: bad magic/version/length/flags/reserved field, headers\n"
"       that disagree, a frame failing authentication, invalid metadata,\n"
"       or a frame dropped, swapped, duplicated, from another segment or\n"
"       from another device, or a segment not starting with FIRST\n"
"    5  truncated: the file ends inside a frame, or a segment has no LAST;\n"
"       the verified frames before each cut are written (not with --strict)\n"
"    6  a segment lists a recipient that is neither ours nor expected\n"
"       (warning; the output is still written)\n"
"    7  unexpected device: not the --expect-device key, or the device\n"
"       changes between segments\n"
"    8  replay: a segment id repeats or goes back between segments\n"
"    9  device changed: the segment's device is not pinned for this owner\n"
"       key in the known-devices file\n"
"    10 unauthenticated: our recipient entry does not open. HPKE auth mode\n"
"       mixes our key and the device key into one secret, so the failure\n"
"       alone cannot say which is wrong; the entry carries our key id, so\n"
"       it is meant for our key: the segment was not sealed by the device\n"
"       its header names (a forged sender), or the entry was altered\n"
"    The status is that of the first fatal problem; else 5 when a segment\n"
"    was cut; else 6 when a recipient was unexpected; else 0. Each problem\n"
"    is printed on standard error with the file and offset. A jump in\n"
"    segment id or frame sequence between consecutive segments is reported\n"
"    as a gap (exit 0).\n";

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

struct input {
	const char *path;
	dev_t dev;
	ino_t ino;
};

struct unseal {
	enum out_mode mode;
	bool json, quiet, strict;
	bool write;			/* this pass writes frames */
	bool again;			/* the writing pass after a verifying one */
	const char *out_path;
	bool streamed;			/* y4m to stdout or a device/FIFO: no
					 * temporary file, nothing to take back */
	FILE *info;			/* stdout for --info */
	struct input *in;
	size_t n_in;
	struct sc_reader *r;

	/* output */
	struct sc_y4m y4m;
	char *tmp_path;			/* y4m: OUT.partXXXXXX */
	char *stage_dir;		/* png: DIR/.sealcam-unseal-XXXXXX */
	bool made_dir;			/* png: DIR did not exist */
	uint64_t written;		/* frames written */
	uint64_t undecodable;		/* MJPG frames without a PNG */
	int write_errno;		/* -1: y4m format change, -2: conflict */

	/* device pinning (without --expect-device) */
	bool pinning, record;
	struct sc_known_devices known;
	unsigned char last_device_pub[SEALCAM_KEY_LEN];

	/* progress on a terminal */
	bool progress, progress_shown;
	size_t cur_file;
	uint64_t cur_size, last_ms;

	/* per-segment text for --info, printed when the segment ends */
	char warnings[2048];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fmt_bytes(char *out, size_t len, uint64_t n)
{
	static const char units[][3] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	unsigned int i = 0;

	while (v >= 1000 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.1f %s" : "%.0f %s", v, units[i]);
}

static void progress_clear(struct unseal *u)
{
	if (!u->progress_shown)
		return;
	fputs("\r\033[K", stderr);
	u->progress_shown = false;
}

/* "[2/5] FILE: 41% (1.2 GB of 3.0 GB)", at most five times a second. */
static void progress_show(struct unseal *u, const struct sc_frame *f)
{
	uint64_t now, done = f->file_offset + f->length;
	char a[32], b[32];

	if (!u->progress)
		return;
	now = now_ms();
	if (u->progress_shown && now - u->last_ms < 200)
		return;
	u->last_ms = now;
	fmt_bytes(a, sizeof(a), done);
	fprintf(stderr, "\r\033[Ksealcam unseal: [%zu/%zu] %s: ", u->cur_file + 1,
		u->n_in, u->in[u->cur_file].path);
	if (u->cur_size) {
		fmt_bytes(b, sizeof(b), u->cur_size);
		fprintf(stderr, "%u%% (%s of %s)",
			(unsigned int)(done * 100 / u->cur_size), a, b);
	} else {
		fprintf(stderr, "%s", a);
	}
	fflush(stderr);
	u->progress_shown = true;
}

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

	if (u->again && !fatal)
		return;		/* said in the verifying pass */
	progress_clear(u);
	fprintf(stderr, "sealcam unseal: %s: %s: %s\n", source,
		fatal ? sc_finding_name(f) : "warning", msg);
	if (u->mode == OUT_INFO)
		add_warning(u, fatal ? sc_finding_name(f) : "warning", msg);
}

static void on_segment_start(void *arg, const struct sc_segment_info *s)
{
	struct unseal *u = arg;

	u->warnings[0] = '\0';
	memcpy(u->last_device_pub, s->device_pub, SEALCAM_KEY_LEN);
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
	fprintf(u->info, "  sealed      format v%u: %s\n", s->version,
		s->version == SEALCAM_FORMAT_V1 ?
		"frames authenticated under the content key only (any recipient could alter them)" :
		"every frame attributed to the device for each recipient");
	fprintf(u->info, "  recipients  %u\n", s->n_recipients);
	for (i = 0; i < s->n_recipients; i++)
		fprintf(u->info, "    %s%s\n", sc_hex(hex, s->recipient_ids[i], 8),
			(int)i == s->our_index ? "  (ours)" :
			s->expected[i] ? "  (expected)" : "  (UNEXPECTED)");
	fprintf(u->info, "  frames      %" PRIu64 "%s\n", s->frames,
		s->complete ? " (complete)" : " (incomplete)");
	if (s->have_meta) {
		sc_fmt_time(t1, sizeof(t1), s->first.timestamp_ns);
		sc_fmt_time(t2, sizeof(t2), s->last.timestamp_ns);
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
	fprintf(u->info, "{\"segment_id\":%" PRIu64 ",\"file\":", s->segment_id);
	sc_json_fputs(u->info, s->source);
	fprintf(u->info, ",\"offset\":%" PRIu64 ",\"device_id\":\"%s\",\"device_pub\":\"%s\",\"camera\":%u,\"format_version\":%u,\"recipients\":[",
		s->file_offset, sc_hex(hex, s->device_id, 8), b64, s->camera,
		s->version);
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

		char *w = strndup(p, n);

		fprintf(u->info, "%s", i ? "," : "");
		sc_json_fputs(u->info, w ? w : "");
		free(w);
		p += n + (nl ? 1 : 0);
	}
	fprintf(u->info, "]}\n");
}

static void on_segment_end(void *arg, const struct sc_segment_info *s)
{
	struct unseal *u = arg;

	if (u->mode != OUT_INFO)
		return;
	progress_clear(u);
	if (u->json)
		print_info_json(u, s);
	else
		print_info_text(u, s);
	u->warnings[0] = '\0';
}

/* ---- device pinning ---------------------------------------------- */

/* Trust a device for the rest of this run without recording it. */
static void known_remember(struct sc_known_devices *k,
			   const unsigned char pub[SEALCAM_KEY_LEN])
{
	if (!sc_known_has(k, pub) && k->n < SC_MAX_TRUSTED_DEVICES)
		memcpy(k->pubs[k->n++], pub, SEALCAM_KEY_LEN);
}

/* The first verified frame from a device no pin names: trust on first use. */
static void pin_new_device(struct unseal *u, const struct sc_segment_info *s)
{
	char id[17], owner[17], b64[KEYFMT_B64_SIZE], when[40], note[600];
	int ret = -EPERM;

	keyfmt_encode(s->device_pub, b64);
	sc_hex(id, s->device_id, SEALCAM_KEY_ID_LEN);
	sc_hex(owner, u->known.owner_id, SEALCAM_KEY_ID_LEN);
	if (u->record && u->known.path) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sc_fmt_time(when, sizeof(when), (uint64_t)ts.tv_sec *
			    1000000000u + (uint64_t)ts.tv_nsec);
		snprintf(note, sizeof(note), "device %s first seen %s in %s", id,
			 when, s->source);
		ret = sc_known_add(&u->known, s->device_pub, note);
	}
	progress_clear(u);
	fprintf(stderr, "sealcam unseal: NEW DEVICE %s: first recording from this device opened with key %s\n"
		"sealcam unseal:   device key %s\n", id, owner, b64);
	if (!ret)
		fprintf(stderr, "sealcam unseal:   pinned in %s: segments from any other device will be refused (exit 9).\n"
			"sealcam unseal:   Check that `sealcam device-key` on the camera prints this key.\n",
			u->known.path);
	else if (!u->record)
		fprintf(stderr, "sealcam unseal:   NOT pinned (--no-record): the next run accepts any device again\n");
	else if (!u->known.path)
		fprintf(stderr, "sealcam unseal:   NOT pinned: no home directory for the known-devices file (set SEALCAM_KNOWN_DEVICES or --known-devices); the next run accepts any device again\n");
	else
		fprintf(stderr, "sealcam unseal:   NOT pinned: cannot write %s: %s; the next run accepts any device again\n",
			u->known.path, strerror(-ret));
	known_remember(&u->known, s->device_pub);
	sc_reader_trust_device(u->r, s->device_pub);
}

/* --pin-device: trust these keys, and record those not yet pinned. */
static int pin_given_devices(struct unseal *u,
			     unsigned char (*pubs)[SEALCAM_KEY_LEN], size_t n)
{
	char id_hex[17], b64[KEYFMT_B64_SIZE];
	unsigned char id[SEALCAM_KEY_ID_LEN];
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (sc_known_has(&u->known, pubs[i]))
			continue;
		sc_key_id(id, pubs[i]);
		sc_hex(id_hex, id, SEALCAM_KEY_ID_LEN);
		keyfmt_encode(pubs[i], b64);
		if (!u->record || !u->known.path) {
			fprintf(stderr, "sealcam unseal: trusting device %s (%s) for this run only: %s\n",
				id_hex, b64, u->record ? "no known-devices file" :
				"--no-record");
			known_remember(&u->known, pubs[i]);
			continue;
		}
		ret = sc_known_add(&u->known, pubs[i], "added with --pin-device");
		if (ret) {
			fprintf(stderr, "sealcam unseal: cannot pin device %s in %s: %s\n",
				id_hex, u->known.path, strerror(-ret));
			return SC_UNSEAL_IO;
		}
		fprintf(stderr, "sealcam unseal: pinned device %s (%s) in %s\n",
			id_hex, b64, u->known.path);
	}
	return 0;
}

/* Without --expect-device: load the pins of our key. 0 or an exit code. */
static int setup_pinning(struct unseal *u, const char *path_arg,
			 const unsigned char priv[SEALCAM_KEY_LEN])
{
	unsigned char pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	char *path = path_arg ? strdup(path_arg) : sc_known_default_path();
	char err[512];
	int ret;

	if (sc_x25519_public(pub, priv)) {
		free(path);
		return SC_UNSEAL_USAGE;
	}
	sc_key_id(id, pub);
	u->pinning = true;
	if (!path) {
		memset(&u->known, 0, sizeof(u->known));
		memcpy(u->known.owner_id, id, SEALCAM_KEY_ID_LEN);
		return 0;
	}
	ret = sc_known_load(&u->known, path, id, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "sealcam unseal: known devices: %s\n", err);
		free(path);
		u->known.path = NULL;
		return ret == -EINVAL || ret == -ENOSPC ? SC_UNSEAL_USAGE :
							  SC_UNSEAL_IO;
	}
	return 0;
}

/* After exit 9: what to do about it. */
static void explain_device_changed(const struct unseal *u)
{
	char b64[KEYFMT_B64_SIZE], owner[17];

	keyfmt_encode(u->last_device_pub, b64);
	sc_hex(owner, u->known.owner_id, SEALCAM_KEY_ID_LEN);
	fprintf(stderr, "sealcam unseal: the device key %s is not pinned for key %s in %s (%zu pinned).\n"
		"sealcam unseal: Someone else's camera, or the device key changed (sealcam.ko makes a new one at each load\n"
		"sealcam unseal: unless `sealcam device-key --set` installs a kept one). If `sealcam device-key` on your\n"
		"sealcam unseal: camera prints this key, run again with --pin-device %s\n",
		b64, owner, u->known.path ? u->known.path : "(no file)",
		u->known.n, b64);
}

/* ---- output -------------------------------------------------------- */

/*
 * Would writing @path (already existing as @st) replace an input or a sealed
 * recording? Then say so. @read_path: where to read its first bytes.
 */
static bool conflicts(const struct unseal *u, const char *name,
		      const struct stat *st, const char *read_path)
{
	int fd, sealed = 0;
	size_t i;

	for (i = 0; i < u->n_in; i++)
		if (st->st_dev == u->in[i].dev && st->st_ino == u->in[i].ino) {
			fprintf(stderr, "sealcam unseal: refusing to write %s: it is the input %s (the same file): the sealed recording would be lost\n",
				name, u->in[i].path);
			return true;
		}
	if (!S_ISREG(st->st_mode) || !st->st_size)
		return false;
	fd = open(read_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		sealed = sc_fd_is_sealed(fd);
		close(fd);
	}
	if (sealed == 1) {
		fprintf(stderr, "sealcam unseal: refusing to overwrite %s: it holds a sealed recording (it starts with \"SCF1\")\n",
			name);
		return true;
	}
	return false;
}

static bool path_conflicts(const struct unseal *u, const char *path)
{
	struct stat st;

	return !stat(path, &st) && conflicts(u, path, &st, path);
}

/*
 * Before anything is read: the output is not an input nor sealed. y4m to an
 * existing file that is not a regular one (/dev/null, a FIFO) is written in
 * place: renaming a temporary file over it would replace the device node.
 */
static bool output_refused(struct unseal *u)
{
	struct stat st;

	if (u->mode == OUT_Y4M && !strcmp(u->out_path, "-")) {
		u->streamed = true;
		return !fstat(STDOUT_FILENO, &st) &&
		       conflicts(u, "standard output", &st, "/proc/self/fd/1");
	}
	if (u->mode == OUT_Y4M && !stat(u->out_path, &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "sealcam unseal: -o %s: is a directory\n",
			u->out_path);
		return true;
	}
	if (u->mode == OUT_Y4M && !stat(u->out_path, &st) && !S_ISREG(st.st_mode))
		u->streamed = true;
	if (u->mode == OUT_Y4M)
		return path_conflicts(u, u->out_path);
	if (u->mode == OUT_PNG && !stat(u->out_path, &st) && !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "sealcam unseal: --png %s: not a directory\n",
			u->out_path);
		return true;
	}
	return false;
}

static int write_png(struct unseal *u, const struct sc_frame *f)
{
	char name[64], path[4096], final[4096];
	int ret;

	snprintf(name, sizeof(name), "%020" PRIu64 "-%06" PRIu64 ".png",
		 f->seg->segment_id, f->frame_index);
	snprintf(final, sizeof(final), "%s/%s", u->out_path, name);
	if (path_conflicts(u, final)) {
		u->write_errno = -2;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", u->stage_dir, name);
	if (f->meta.pixelformat == SEALCAM_PLAIN_MJPG) {
		unsigned char *rgb;
		uint32_t w, h;
		char why[300];

		ret = sc_jpeg_to_rgb(f->pixels, f->meta.payload_len, &rgb, &w,
				     &h, why, sizeof(why));
		if (ret == -EBADMSG) {
			/*
			 * Authentic (it verified), but not a picture: what
			 * the camera sent. Said, not drawn; the run goes on.
			 */
			progress_clear(u);
			fprintf(stderr, "sealcam unseal: warning: segment %" PRIu64 " frame %" PRIu64 ": %s: no PNG for it\n",
				f->seg->segment_id, f->frame_index, why);
			u->undecodable++;
			return 0;
		}
		if (!ret) {
			ret = sc_png_write_image(path, rgb, w, h, false);
			free(rgb);
		}
	} else {
		ret = sc_png_write(path, &f->meta, f->pixels);
	}
	if (ret) {
		u->write_errno = -ret;
		return -1;
	}
	u->written++;
	return 0;
}

static int write_y4m(struct unseal *u, const struct sc_frame *f)
{
	errno = 0;
	if (sc_y4m_frame(&u->y4m, &f->meta, f->pixels)) {
		u->write_errno = errno ? errno : EIO;
		if (u->y4m.started && (f->meta.width != u->y4m.width ||
				       f->meta.height != u->y4m.height ||
				       f->meta.pixelformat != u->y4m.pixelformat))
			u->write_errno = -1;	/* format change */
		return -1;
	}
	u->written++;
	return 0;
}

static int on_frame(void *arg, const struct sc_frame *f)
{
	struct unseal *u = arg;

	if (u->pinning && !sc_known_has(&u->known, f->seg->device_pub))
		pin_new_device(u, f->seg);
	progress_show(u, f);
	if (!u->write)
		return 0;
	if (u->mode == OUT_Y4M)
		return write_y4m(u, f);
	if (u->mode == OUT_PNG)
		return write_png(u, f);
	return 0;
}

static int open_output(struct unseal *u)
{
	int fd;

	if (u->mode == OUT_PNG) {
		if (!mkdir(u->out_path, 0700)) {
			u->made_dir = true;
		} else if (errno != EEXIST) {
			fprintf(stderr, "sealcam unseal: cannot create %s: %s\n",
				u->out_path, strerror(errno));
			return -1;
		}
		if (asprintf(&u->stage_dir, "%s/.sealcam-unseal-XXXXXX",
			     u->out_path) < 0)
			return -1;
		if (!mkdtemp(u->stage_dir)) {
			fprintf(stderr, "sealcam unseal: cannot write in %s: %s\n",
				u->out_path, strerror(errno));
			free(u->stage_dir);
			u->stage_dir = NULL;
			return -1;
		}
		return 0;
	}
	if (!strcmp(u->out_path, "-")) {
		u->y4m.f = stdout;
		return 0;
	}
	if (u->streamed) {
		u->y4m.f = fopen(u->out_path, "we");
		if (!u->y4m.f) {
			fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
				u->out_path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Write beside the target and rename, so OUT is never half a video. */
	if (asprintf(&u->tmp_path, "%s.partXXXXXX", u->out_path) < 0)
		return -1;
	fd = mkstemp(u->tmp_path);
	if (fd < 0 || !(u->y4m.f = fdopen(fd, "wb"))) {
		fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
			u->out_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(u->tmp_path);
		u->tmp_path = NULL;
		return -1;
	}
	return 0;
}

/* PNG: move the staged frames into DIR (@keep), or delete them. */
static int finish_png(struct unseal *u, bool keep)
{
	char from[4096], to[4096];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (!u->stage_dir)
		return 0;
	d = opendir(u->stage_dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", u->stage_dir, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", u->out_path, de->d_name);
		if (keep && !ret && !path_conflicts(u, to) && !rename(from, to))
			continue;
		if (keep && !ret) {
			fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
				to, errno ? strerror(errno) : "refused");
			ret = -1;
		}
		unlink(from);
	}
	if (d)
		closedir(d);
	rmdir(u->stage_dir);
	if (!keep && u->made_dir)
		rmdir(u->out_path);
	free(u->stage_dir);
	u->stage_dir = NULL;
	return ret;
}

/* y4m: rename OUT.partXXXXXX to OUT (@keep and frames written), or delete. */
static int finish_y4m(struct unseal *u, bool keep)
{
	int ret = 0;

	if (!u->y4m.f)
		return 0;
	if (u->y4m.f == stdout) {
		ret = fflush(stdout) ? -errno : 0;
	} else if (u->streamed) {
		ret = fclose(u->y4m.f) ? -errno : 0;
	} else {
		if (fflush(u->y4m.f) || fsync(fileno(u->y4m.f)))
			ret = -errno;
		if (fclose(u->y4m.f) && !ret)
			ret = -errno;
		keep = keep && !ret && u->written;
		if (keep && path_conflicts(u, u->out_path))
			ret = -EEXIST;	/* said why */
		else if (keep && rename(u->tmp_path, u->out_path))
			ret = -errno;
		if (!keep || ret)
			unlink(u->tmp_path);
	}
	if (ret && ret != -EEXIST)
		fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
			u->out_path, strerror(-ret));
	u->y4m.f = NULL;
	sc_y4m_free(&u->y4m);
	free(u->tmp_path);
	u->tmp_path = NULL;
	return ret;
}

static int finish_output(struct unseal *u, bool keep)
{
	return u->mode == OUT_PNG ? finish_png(u, keep) : finish_y4m(u, keep);
}

static void explain_write_error(const struct unseal *u)
{
	if (u->write_errno == -1)
		fprintf(stderr, "sealcam unseal: the format changes between segments; -o holds one format (y4m, or an MJPEG stream), use --png\n");
	else if (u->write_errno > 0)
		fprintf(stderr, "sealcam unseal: cannot write %s: %s\n",
			u->out_path, strerror(u->write_errno));
}

/* ---- reading --------------------------------------------------------- */

struct keys {
	const unsigned char *priv;
	const unsigned char *expect_device;	/* or NULL */
	unsigned char (*ids)[SEALCAM_KEY_ID_LEN];
	size_t n_ids;
};

static enum sc_unseal_exit feed_file(struct unseal *u, struct sc_reader *r,
				     size_t i)
{
	const char *path = u->in[i].path;
	enum sc_unseal_exit ret;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		progress_clear(u);
		fprintf(stderr, "sealcam unseal: cannot read %s: %s\n", path,
			strerror(errno));
		return SC_UNSEAL_IO;
	}
	u->cur_file = i;
	u->cur_size = !fstat(fd, &st) && S_ISREG(st.st_mode) ?
		      (uint64_t)st.st_size : 0;
	ret = sc_reader_feed_fd(r, fd, path);
	close(fd);
	if (ret == SC_UNSEAL_IO && r->read_errno) {
		progress_clear(u);
		fprintf(stderr, "sealcam unseal: cannot read %s: %s\n", path,
			strerror(r->read_errno));
	}
	return ret;
}

/* One pass over every input with a fresh reader: its result. */
static enum sc_unseal_exit run_pass(struct unseal *u, struct sc_reader *r,
				    const struct keys *k)
{
	static const struct sc_reader_ops ops = {
		.segment_start = on_segment_start,
		.frame = on_frame,
		.segment_end = on_segment_end,
		.report = on_report,
	};
	enum sc_unseal_exit ret = SC_UNSEAL_OK;
	size_t i;

	if (sc_reader_init(r, k->priv, &ops, u))
		return SC_UNSEAL_IO;
	u->r = r;
	if (k->expect_device)
		sc_reader_expect_device(r, k->expect_device);
	for (i = 0; i < k->n_ids; i++)
		sc_reader_expect_recipient(r, k->ids[i]);
	for (i = 0; u->pinning && i < u->known.n; i++)
		sc_reader_trust_device(r, u->known.pubs[i]);
	if (!u->strict)
		sc_reader_keep_cut_segments(r);
	for (i = 0; i < u->n_in; i++) {
		ret = feed_file(u, r, i);
		if (ret == SC_UNSEAL_IO || r->fatal != SC_FIND_NONE)
			break;
	}
	progress_clear(u);
	return ret == SC_UNSEAL_IO ? ret : sc_reader_result(r);
}

/* The summary of a run without a fatal finding. */
static void summary(const struct unseal *u, const struct sc_reader *r)
{
	fprintf(stderr, "sealcam unseal: verified %" PRIu64 " segment(s), %" PRIu64 " frame(s), %u warning(s)\n",
		r->segments, r->frames, r->warnings);
	if (r->cuts && u->mode == OUT_INFO)
		fprintf(stderr, "sealcam unseal: truncated (exit 5): %u cut(s); the frames before each cut are verified\n",
			r->cuts);
	else if (r->cuts && !u->written)
		fprintf(stderr, "sealcam unseal: truncated (exit 5): %u cut(s); no frame before the cut: nothing written\n",
			r->cuts);
	else if (r->cuts)
		fprintf(stderr, "sealcam unseal: truncated (exit 5): %u cut(s); wrote the %" PRIu64 " verified frame(s), those before each cut included, to %s\n",
			r->cuts, u->written, strcmp(u->out_path, "-") ?
			u->out_path : "standard output");
	else if (u->mode == OUT_PNG)
		fprintf(stderr, "sealcam unseal: wrote %" PRIu64 " PNG file(s) to %s\n",
			u->written, u->out_path);
	if (u->undecodable)
		fprintf(stderr, "sealcam unseal: %" PRIu64 " MJPEG frame(s) verified but do not decode: no PNG for them\n",
			u->undecodable);
}

/*
 * Verify (and write, unless --info): one pass, or with --strict to standard
 * output (or a device) a verifying pass first, as nothing can be taken back
 * there.
 */
static int unseal_run(struct unseal *u, const struct keys *k)
{
	bool verify_first = u->strict && u->streamed;
	enum sc_unseal_exit result;
	struct sc_reader r;
	bool fatal;

	u->write = u->mode != OUT_INFO && !verify_first;
	if (u->write && open_output(u))
		return SC_UNSEAL_IO;
	result = run_pass(u, &r, k);
	if (verify_first && result != SC_UNSEAL_IO && r.fatal == SC_FIND_NONE) {
		sc_reader_free(&r);
		u->write = true;
		u->again = true;
		if (open_output(u))
			return SC_UNSEAL_IO;
		result = run_pass(u, &r, k);
	}
	fatal = result == SC_UNSEAL_IO || r.fatal != SC_FIND_NONE;
	if (result == SC_UNSEAL_IO)
		explain_write_error(u);
	if (u->write && finish_output(u, !fatal) && !fatal)
		result = SC_UNSEAL_IO;
	if (result == SC_UNSEAL_DEVICE_CHANGED)
		explain_device_changed(u);
	if (!u->quiet && fatal && r.fatal != SC_FIND_NONE) {
		if (u->write && u->streamed)
			fprintf(stderr, "sealcam unseal: %s (exit %d); %s got the %" PRIu64 " frame(s) verified before it\n",
				sc_finding_name(r.fatal), result,
				strcmp(u->out_path, "-") ? u->out_path :
				"standard output", u->written);
		else
			fprintf(stderr, "sealcam unseal: %s (exit %d); nothing written\n",
				sc_finding_name(r.fatal), result);
	} else if (!u->quiet && !fatal && result != SC_UNSEAL_IO) {
		summary(u, &r);
	}
	sc_reader_free(&r);
	return result;
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

/* Remember which files the inputs are, to never write over one. */
static int stat_inputs(struct unseal *u, char **paths, size_t n)
{
	struct stat st;
	size_t i;

	u->in = calloc(n, sizeof(*u->in));
	if (!u->in)
		return SC_UNSEAL_IO;
	u->n_in = n;
	for (i = 0; i < n; i++) {
		u->in[i].path = paths[i];
		if (stat(paths[i], &st)) {
			fprintf(stderr, "sealcam unseal: cannot read %s: %s\n",
				paths[i], strerror(errno));
			return SC_UNSEAL_IO;
		}
		u->in[i].dev = st.st_dev;
		u->in[i].ino = st.st_ino;
	}
	return 0;
}

int cmd_unseal(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		SC_UNSEAL_CHECK_OPTIONS,
		{ "output", required_argument, NULL, 'o' },
		{ "png", required_argument, NULL, 'p' },
		{ "info", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static unsigned char ids[SC_MAX_EXPECTED_IDS][SEALCAM_KEY_ID_LEN];
	static unsigned char pins[SC_MAX_TRUSTED_DEVICES][SEALCAM_KEY_LEN];
	unsigned char priv[SEALCAM_KEY_LEN], device[SEALCAM_KEY_LEN];
	const char *key_path = NULL, *known_path = NULL;
	bool have_device = false;
	struct unseal u = { .mode = OUT_NONE, .record = true };
	struct keys k = { .priv = priv, .ids = ids };
	size_t n_pins = 0;
	char what[256];
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:" SC_UNSEAL_CHECK_SHORTOPTS
				  "o:p:ijqh", longopts, NULL)) != -1) {
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
		case 'P':
			if (n_pins == SC_MAX_TRUSTED_DEVICES ||
			    keyfmt_read_key(optarg, pins[n_pins], what, sizeof(what))) {
				fprintf(stderr, "sealcam unseal: --pin-device %s: not a base64 public key or a file holding one\n",
					optarg);
				return SC_UNSEAL_USAGE;
			}
			n_pins++;
			break;
		case 'K':
			known_path = optarg;
			break;
		case 'n':
			u.record = false;
			break;
		case 's':
			u.strict = true;
			break;
		case 'r':
			if (k.n_ids == SC_MAX_EXPECTED_IDS ||
			    parse_recipient(optarg, ids[k.n_ids])) {
				fprintf(stderr, "sealcam unseal: --expect-recipient %s: not a 16-hex-digit key id or a public key\n",
					optarg);
				return SC_UNSEAL_USAGE;
			}
			k.n_ids++;
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
			u.quiet = true;
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
	if (have_device && n_pins) {
		fprintf(stderr, "sealcam unseal: --expect-device and --pin-device exclude each other\n");
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
	u.progress = !u.quiet && isatty(STDERR_FILENO);
	k.expect_device = have_device ? device : NULL;

	ret = stat_inputs(&u, argv + optind, (size_t)(argc - optind));
	if (!ret && output_refused(&u))
		ret = SC_UNSEAL_USAGE;
	if (!ret && !have_device)
		ret = setup_pinning(&u, known_path, priv);
	if (!ret && n_pins)
		ret = pin_given_devices(&u, pins, n_pins);
	if (!ret)
		ret = unseal_run(&u, &k);
	sodium_memzero(priv, sizeof(priv));
	free((char *)u.known.path);
	free(u.in);
	return ret;
}
