// SPDX-License-Identifier: MIT
/*
 * sealcam view: the owner's live view (docs/LIVE.md). Subscribes to a
 * device's live topic on the MQTT relay, verifies and decrypts every frame
 * with the owner's key exactly as `sealcam unseal` does (one frame at a
 * time: sc_reader_feed_frame) and writes YUV4MPEG2 to stdout for
 * `mpv -` / `ffplay -`. Drops, refusals and capture-to-display latency go
 * to stderr.
 *
 * Joining: a frame can be opened only with its segment's content key,
 * which travels in the segment's FIRST frame. A viewer that joins
 * mid-segment asks the device for a new segment (an empty message on
 * sealcam/DEVID/rotate; the agent rotates at most once a second) and
 * skips frames until a FIRST arrives. The same happens after a frame lost
 * on the way (the relay or the agent's live queue dropped it): the
 * segment's frame indices have a gap, which the reader refuses as a
 * dropped frame (docs/FORMAT.md rule 14), so the viewer resyncs at the next
 * segment.
 *
 * Only pinned devices are shown: --expect-device, or a device pinned for
 * the key in the known-devices file (by `sealcam unseal`). The relay is not
 * trusted to say which device a frame comes from.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <sodium.h>

#include "sealcam.h"
#include "keyfmt.h"
#include "libsealcam/frameout.h"
#include "libsealcam/hpke.h"
#include "libsealcam/knowndev.h"
#include "libsealcam/liveurl.h"
#include "libsealcam/sealed.h"

static const char view_usage[] =
"NAME\n"
"    sealcam view - watch a camera live: verify and decrypt its frames\n"
"\n"
"SYNOPSIS\n"
"    sealcam view --key FILE --url mqtts://HOST[:PORT] --user NAME\n"
"                 --password-file FILE [--device DEVID] [OPTION]... > out.y4m\n"
"    sealcam view ... | mpv -\n"
"\n"
"DESCRIPTION\n"
"    Subscribes to sealcam/DEVID/live on the relay, checks every frame as\n"
"    `sealcam unseal` does (device-authenticated HPKE, ChaCha20-Poly1305,\n"
"    the per-recipient attribution MAC, order) and writes the verified frames as\n"
"    YUV4MPEG2 to stdout. A frame that fails is never written. Joining, it\n"
"    asks the device for a new segment (sealcam/DEVID/rotate) and starts at\n"
"    the next FIRST frame; after a lost frame it resyncs the same way.\n"
"    The device must be pinned: --expect-device, or pinned for the key in\n"
"    the known-devices file (sealcam unseal --pin-device).\n"
"    On stderr: joins, drops, refusals, and at the end frames, drops and\n"
"    capture-to-decrypted latency (median, p99; the camera's and this\n"
"    machine's clocks must agree).\n"
"\n"
"OPTIONS\n"
"    --key FILE             the owner's private key\n"
"    --url URL              the relay, mqtts://HOST[:PORT] (mqtt:// only to\n"
"                           a loopback address)\n"
"    --user NAME, --password-file FILE   the viewer's relay account\n"
"    --ca-file FILE         CA certificate(s) of the relay (default: system)\n"
"    --device DEVID         the device id (16 hex; default: that of\n"
"                           --expect-device, or the only pinned device)\n"
"    --expect-device PUB|FILE   accept frames of this device key only\n"
"    --known-devices FILE   pins (default ~/.config/sealcam/known-devices)\n"
"    --frames N             exit after N frames written\n"
"    --duration S           exit after S seconds\n"
"    --wait S               exit 1 if no frame is written within S seconds\n"
"                           (default 0: wait for ever)\n"
"    --no-rotate            do not ask the device for a new segment\n"
"    --latency-log FILE     one line per frame written: segment, index,\n"
"                           capture time (ns), latency (ms), latency to\n"
"                           the frame's arrival here (ms), then in ns of\n"
"                           CLOCK_MONOTONIC: capture, arrival, written\n"
"    -o FILE                write the y4m there instead of stdout\n"
"\n"
"EXIT STATUS\n"
"    0 ended as asked (--frames, --duration, signal), 1 failure (relay\n"
"    refused, --wait passed, output closed), 2 usage, 4 a frame was refused\n"
"    as tampered or forged (the view went on at the next segment).\n";

struct view {
	struct sc_reader r;
	bool reader_ok;
	unsigned char priv[SEALCAM_KEY_LEN];
	bool have_device;
	unsigned char device_pub[SEALCAM_KEY_LEN];
	struct sc_known_devices known;
	struct mosquitto *mosq;
	char topic[SC_LIVE_TOPIC_MAX], rotate_topic[SC_LIVE_TOPIC_MAX];
	bool rotate;
	struct sc_y4m y4m;
	FILE *latency_log;

	uint64_t frames, skipped, lost, refused, resyncs, messages;
	uint64_t max_frames;
	bool done, failed, joined;
	uint64_t last_rotate_ms;
	bool have_segment;
	uint64_t last_segment;	/* newest segment started, across resyncs */
	double *lat;
	size_t n_lat, cap_lat;
	uint64_t recv_real_ns, recv_mono_ns;	/* the message being fed */
	bool resyncing;		/* joining, or after a loss: waiting for FIRST */
	uint64_t last_msg_ms;	/* CLOCK_MONOTONIC: the last live message */
	uint64_t interval_ms;	/* the camera's frame interval */
};

static volatile sig_atomic_t view_stop;

static void on_signal(int sig)
{
	view_stop = 1;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ask_rotate(struct view *v)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC) / 1000000;

	if (!v->rotate || (v->last_rotate_ms && now - v->last_rotate_ms < 1000))
		return;
	v->last_rotate_ms = now;
	mosquitto_publish(v->mosq, NULL, v->rotate_topic, 0, NULL, 0, false);
}

static int on_frame(void *arg, const struct sc_frame *f)
{
	struct view *v = arg;
	double ms = ((double)now_ns(CLOCK_REALTIME) -
		     (double)f->meta.timestamp_ns) / 1e6;

	if (sc_y4m_frame(&v->y4m, &f->meta, f->pixels) || fflush(v->y4m.f)) {
		fprintf(stderr, "sealcam view: cannot write the video: %s\n",
			strerror(errno));
		v->failed = true;
		v->done = true;
		return -1;
	}
	if (v->n_lat == v->cap_lat) {
		size_t cap = v->cap_lat ? 2 * v->cap_lat : 1024;
		double *p = realloc(v->lat, cap * sizeof(*p));

		if (p) {
			v->lat = p;
			v->cap_lat = cap;
		}
	}
	if (v->n_lat < v->cap_lat)
		v->lat[v->n_lat++] = ms;
	if (v->latency_log)
		fprintf(v->latency_log, "%" PRIu64 " %" PRIu64 " %" PRIu64
			" %.1f %.1f %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			f->seg->segment_id, f->frame_index,
			f->meta.timestamp_ns, ms,
			((double)v->recv_real_ns - (double)f->meta.timestamp_ns) / 1e6,
			f->meta.monotonic_ns, v->recv_mono_ns,
			now_ns(CLOCK_MONOTONIC));
	v->frames++;
	v->resyncing = false;
	if (f->meta.fps_den)
		v->interval_ms = (uint64_t)f->meta.fps_num * 1000 / f->meta.fps_den;
	if (v->max_frames && v->frames >= v->max_frames)
		v->done = true;
	return 0;
}

static void on_report(void *arg, enum sc_finding f, bool fatal,
		      const char *source, const char *msg)
{
	if (f == SC_FIND_NO_LAST || f == SC_FIND_DROPPED)
		return;	/* a frame lost on the way: counted by the caller */
	if (fatal || f == SC_FIND_FORMAT_V1 || f == SC_FIND_UNEXPECTED_RECIPIENT)
		fprintf(stderr, "sealcam view: %s: %s: %s\n",
			fatal ? "refused" : "warning", sc_finding_name(f), msg);
}

static const struct sc_reader_ops view_ops = {
	.frame = on_frame,
	.report = on_report,
};

static int reader_start(struct view *v)
{
	size_t i;

	if (v->reader_ok)
		sc_reader_free(&v->r);
	v->reader_ok = false;
	if (sc_reader_init(&v->r, v->priv, &view_ops, v))
		return -1;
	v->reader_ok = true;
	sc_reader_keep_cut_segments(&v->r);
	if (v->have_device)
		sc_reader_expect_device(&v->r, v->device_pub);
	for (i = 0; i < v->known.n; i++)
		sc_reader_trust_device(&v->r, v->known.pubs[i]);
	return 0;
}

/* Cleartext header fields, read before the reader checks the frame. */
static uint16_t frame_flags(const unsigned char *p, size_t len, uint64_t *index,
			    uint64_t *segment)
{
	uint16_t fl;

	if (len < sizeof(struct sealcam_frame_hdr))
		return 0;
	memcpy(&fl, p + offsetof(struct sealcam_frame_hdr, flags), 2);
	memcpy(index, p + offsetof(struct sealcam_frame_hdr, frame_index), 8);
	memcpy(segment, p + offsetof(struct sealcam_frame_hdr, segment_id), 8);
	*index = le64toh(*index);
	*segment = le64toh(*segment);
	return le16toh(fl);
}

static void on_message(struct mosquitto *m, void *arg,
		       const struct mosquitto_message *msg)
{
	struct view *v = arg;
	uint64_t index = 0, segment = 0, want = 0;
	uint16_t flags;
	enum sc_unseal_exit ret;

	if (v->done || strcmp(msg->topic, v->topic))
		return;
	v->recv_real_ns = now_ns(CLOCK_REALTIME);
	v->recv_mono_ns = now_ns(CLOCK_MONOTONIC);
	v->last_msg_ms = v->recv_mono_ns / 1000000;
	v->messages++;
	flags = frame_flags(msg->payload, (size_t)msg->payloadlen, &index,
			    &segment);
	if (!v->r.in_segment && !(flags & SEALCAM_F_FIRST)) {
		/* joined mid-segment, or resyncing: wait for a FIRST frame */
		v->skipped++;
		ask_rotate(v);
		return;
	}
	/*
	 * The reader refuses a segment id going back, but a resync starts a
	 * fresh reader: the newest segment seen is kept here, so that the relay
	 * cannot replay an old segment after making the view resync.
	 */
	if ((flags & SEALCAM_F_FIRST) && v->have_segment &&
	    segment <= v->last_segment && !(v->r.in_segment &&
					     segment == v->r.seg.segment_id)) {
		fprintf(stderr, "sealcam view: refused: replay: segment %" PRIu64
			" starts again after segment %" PRIu64 "\n", segment,
			v->last_segment);
		v->refused++;
		return;
	}
	/*
	 * A later segment's frame without its FIRST: the tail of this segment
	 * and the start of that one were lost on the way (the relay dropped
	 * them for a slow viewer). Nothing of it can be shown (its key is in
	 * the lost FIRST), but it is not a forgery: counted as lost, resync.
	 * An earlier segment's frame goes to the reader, which refuses it.
	 */
	if (!(flags & SEALCAM_F_FIRST) && v->r.in_segment &&
	    segment > v->r.seg.segment_id) {
		v->lost++;
		fprintf(stderr, "sealcam view: frames lost on the way: frame %" PRIu64
			" of segment %" PRIu64 " came in segment %" PRIu64
			"; resyncing at the next segment\n", index, segment,
			v->r.seg.segment_id);
		goto resync;
	}
	want = v->r.next_index;
	ret = sc_reader_feed_frame(&v->r, msg->payload, (size_t)msg->payloadlen,
				   "live");
	if ((flags & SEALCAM_F_FIRST) && v->r.seg.unwrapped &&
	    v->r.seg.segment_id == segment) {
		v->have_segment = true;
		v->last_segment = segment;
	}
	if (ret == SC_UNSEAL_OK || ret == SC_UNSEAL_TRUNCATED) {
		if (!v->joined && v->frames) {
			v->joined = true;
			fprintf(stderr, "sealcam view: joined at segment %" PRIu64
				" after skipping %" PRIu64 " frame(s)\n",
				v->r.seg.segment_id, v->skipped);
		}
		return;
	}
	if (ret == SC_UNSEAL_IO) {
		v->done = true;
		return;
	}
	if (v->r.fatal == SC_FIND_DROPPED) {
		v->lost += index > want ? index - want : 1;
		fprintf(stderr, "sealcam view: %" PRIu64 " frame(s) lost on the way "
			"in segment %" PRIu64 "; resyncing at the next segment\n",
			index > want ? index - want : 1, v->r.seg.segment_id);
	} else {
		v->refused++;
	}
resync:
	v->resyncs++;
	v->resyncing = true;
	if (reader_start(v)) {
		v->failed = true;
		v->done = true;
		return;
	}
	ask_rotate(v);
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct view *v = arg;

	if (rc) {
		fprintf(stderr, "sealcam view: the relay refused: %s\n",
			mosquitto_connack_string(rc));
		v->failed = true;
		v->done = true;
		return;
	}
	{
		/* a small receive buffer: a view slower than the camera makes the
		 * relay drop (and the view resync) instead of frames piling up
		 * for seconds in TCP buffers */
		int fd = mosquitto_socket(m), sz = 256 * 1024;

		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	/* QoS 1: the relay sends the next frame once this one is here
	 * (max_inflight_messages 1, scripts/live-relay.sh), so a view slower
	 * than the camera makes the relay drop frames, not queue them */
	mosquitto_subscribe(m, NULL, v->topic, 1);
	ask_rotate(v);
	v->last_rotate_ms = 0;	/* after a reconnect, ask again */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summary(struct view *v)
{
	double med = 0, p99 = 0;

	if (v->n_lat) {
		qsort(v->lat, v->n_lat, sizeof(double), cmp_double);
		med = v->lat[v->n_lat / 2];
		p99 = v->lat[(v->n_lat * 99) / 100 < v->n_lat ?
			     (v->n_lat * 99) / 100 : v->n_lat - 1];
	}
	fprintf(stderr, "sealcam view: %" PRIu64 " frames shown, %" PRIu64
		" skipped while joining or resyncing, %" PRIu64 " lost on the way, %"
		PRIu64 " refused; latency capture to decrypted: median %.1f ms, p99 %.1f ms\n",
		v->frames, v->skipped, v->lost, v->refused, med, p99);
}

enum { O_KEY = 256, O_URL, O_USER, O_PASSWORD_FILE, O_CA_FILE, O_DEVICE,
       O_EXPECT_DEVICE, O_KNOWN, O_FRAMES, O_DURATION, O_WAIT, O_NO_ROTATE,
       O_LATENCY_LOG, O_HELP };

static const struct option view_opts[] = {
	{ "key", required_argument, NULL, O_KEY },
	{ "url", required_argument, NULL, O_URL },
	{ "user", required_argument, NULL, O_USER },
	{ "password-file", required_argument, NULL, O_PASSWORD_FILE },
	{ "ca-file", required_argument, NULL, O_CA_FILE },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "expect-device", required_argument, NULL, O_EXPECT_DEVICE },
	{ "known-devices", required_argument, NULL, O_KNOWN },
	{ "frames", required_argument, NULL, O_FRAMES },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "wait", required_argument, NULL, O_WAIT },
	{ "no-rotate", no_argument, NULL, O_NO_ROTATE },
	{ "latency-log", required_argument, NULL, O_LATENCY_LOG },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "sealcam view: %s%s%s\nTry 'sealcam view --help'.\n", msg,
		arg ? ": " : "", arg ? arg : "");
	return SC_EXIT_USAGE;
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return false;
	*out = n;
	return true;
}

int cmd_view(int argc, char **argv)
{
	const char *key_path = NULL, *url = NULL, *user = NULL, *pw_file = NULL;
	const char *ca_file = NULL, *devid_arg = NULL, *known_path = NULL;
	const char *out_path = NULL, *lat_path = NULL;
	uint64_t duration = 0, wait_s = 0;
	struct sc_live_url u;
	struct view v;
	char err[512], what[256], password[256], devid[17];
	unsigned char pub[SEALCAM_KEY_LEN], owner_id[SEALCAM_KEY_ID_LEN];
	unsigned char dev_id[SEALCAM_KEY_ID_LEN];
	uint64_t start, backoff_ms = 0;
	char *def_known = NULL;
	int opt, ret, code = SC_EXIT_OK;
	struct sigaction sa = { 0 };

	memset(&v, 0, sizeof(v));
	v.rotate = true;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", view_opts, NULL)) != -1) {
		switch (opt) {
		case O_KEY: key_path = optarg; break;
		case O_URL: url = optarg; break;
		case O_USER: user = optarg; break;
		case O_PASSWORD_FILE: pw_file = optarg; break;
		case O_CA_FILE: ca_file = optarg; break;
		case O_DEVICE: devid_arg = optarg; break;
		case O_EXPECT_DEVICE:
			if (keyfmt_init())
				return SC_EXIT_FAIL;
			if (keyfmt_read_key(optarg, v.device_pub, what, sizeof(what)))
				return usage_error("--expect-device: not a device public key", optarg);
			v.have_device = true;
			break;
		case O_KNOWN: known_path = optarg; break;
		case O_FRAMES:
			if (!parse_count(optarg, &v.max_frames))
				return usage_error("--frames: not a count", optarg);
			break;
		case O_DURATION:
			if (!parse_count(optarg, &duration))
				return usage_error("--duration: not a number of seconds", optarg);
			break;
		case O_WAIT:
			if (!parse_count(optarg, &wait_s))
				return usage_error("--wait: not a number of seconds", optarg);
			break;
		case O_NO_ROTATE: v.rotate = false; break;
		case O_LATENCY_LOG: lat_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'h':
		case O_HELP:
			fputs(view_usage, stdout);
			return SC_EXIT_OK;
		default:
			return usage_error("bad option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!key_path || !url || !user || !pw_file)
		return usage_error("--key, --url, --user and --password-file are required", NULL);
	if (sc_live_url_parse(&u, url, err, sizeof(err)))
		return usage_error(err, NULL);
	if (keyfmt_init())
		return SC_EXIT_FAIL;
	ret = keyfmt_read_key(key_path, v.priv, what, sizeof(what));
	if (ret)
		return usage_error("--key: not a base64 X25519 private key", what);
	ret = sc_live_read_password(pw_file, password, sizeof(password));
	if (ret)
		return usage_error("--password-file: cannot read a password", pw_file);
	if (sc_x25519_public(pub, v.priv))
		return usage_error("--key: not a usable private key", key_path);
	sc_key_id(owner_id, pub);
	if (!v.have_device) {
		if (!known_path)
			known_path = def_known = sc_known_default_path();
		if (known_path && sc_known_load(&v.known, known_path, owner_id, err,
						sizeof(err))) {
			free(def_known);
			return usage_error("known devices", err);
		}
		if (!v.known.n) {
			free(def_known);
			return usage_error("no trusted device: give --expect-device, or pin "
					   "the camera first (sealcam unseal --pin-device)",
					   NULL);
		}
	}
	if (devid_arg) {
		if (keyfmt_id_parse(devid_arg, dev_id))
			return usage_error("--device: not a 16-hex-digit device id", devid_arg);
	} else if (v.have_device) {
		sc_key_id(dev_id, v.device_pub);
	} else if (v.known.n == 1) {
		sc_key_id(dev_id, v.known.pubs[0]);
	} else {
		return usage_error("several devices are pinned: say which with --device", NULL);
	}
	sc_hex(devid, dev_id, SEALCAM_KEY_ID_LEN);
	sc_live_topic(v.topic, devid, "live");
	sc_live_topic(v.rotate_topic, devid, "rotate");

	v.y4m.f = stdout;
	if (out_path && !(v.y4m.f = fopen(out_path, "we"))) {
		fprintf(stderr, "sealcam view: cannot write %s: %s\n", out_path,
			strerror(errno));
		return SC_EXIT_FAIL;
	}
	if (!out_path && isatty(STDOUT_FILENO))
		return usage_error("refusing to write video to a terminal (pipe it "
				   "into `mpv -` or use -o FILE)", NULL);
	if (lat_path && !(v.latency_log = fopen(lat_path, "we"))) {
		fprintf(stderr, "sealcam view: cannot write %s: %s\n", lat_path,
			strerror(errno));
		return SC_EXIT_FAIL;
	}
	if (reader_start(&v))
		return SC_EXIT_FAIL;
	v.resyncing = true;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	mosquitto_lib_init();
	v.mosq = mosquitto_new(NULL, true, &v);
	if (!v.mosq) {
		code = SC_EXIT_FAIL;
		goto out;
	}
	mosquitto_int_option(v.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_connect_callback_set(v.mosq, on_connect);
	mosquitto_message_callback_set(v.mosq, on_message);
	mosquitto_username_pw_set(v.mosq, user, password);
	sodium_memzero(password, sizeof(password));
	if (u.tls && mosquitto_tls_set(v.mosq, ca_file, ca_file ? NULL : "/etc/ssl/certs",
				       NULL, NULL, NULL)) {
		fprintf(stderr, "sealcam view: cannot use the CA file %s\n",
			ca_file ? ca_file : "(system)");
		code = SC_EXIT_USAGE;
		goto out;
	}
	fprintf(stderr, "sealcam view: device %s on %s, waiting for its next segment\n",
		devid, url);
	start = now_ns(CLOCK_MONOTONIC);
	ret = mosquitto_connect(v.mosq, u.host, u.port, 30);
	if (ret)
		fprintf(stderr, "sealcam view: relay %s:%d: %s; retrying\n", u.host,
			u.port, ret == MOSQ_ERR_ERRNO ? strerror(errno) :
			mosquitto_strerror(ret));
	while (!v.done && !view_stop) {
		uint64_t el = (now_ns(CLOCK_MONOTONIC) - start) / 1000000000ull;

		if (duration && el >= duration)
			break;
		if (wait_s && !v.frames && el >= wait_s) {
			fprintf(stderr, "sealcam view: no frame in %" PRIu64 " s\n", wait_s);
			v.failed = true;
			break;
		}
		if (ret) {
			/* not connected: try again, backing off to 2 s */
			poll(NULL, 0, (int)backoff_ms);
			backoff_ms = backoff_ms ? (backoff_ms >= 1000 ? 2000 : 2 * backoff_ms) : 250;
			ret = mosquitto_reconnect(v.mosq);
			continue;
		}
		ret = mosquitto_loop(v.mosq, 200, 1);
		/*
		 * Waiting for a FIRST frame, or no frame for three frame
		 * intervals (at least 1.5 s): ask for a new segment again,
		 * every 2 s at most. A device that dropped a frame skips the
		 * rest of its segment, so nothing may come to notice the loss
		 * by, and a request can be lost (QoS 0).
		 */
		if (ret == MOSQ_ERR_SUCCESS) {
			uint64_t now = now_ns(CLOCK_MONOTONIC) / 1000000;
			uint64_t quiet = 3 * v.interval_ms > 1500 ? 3 * v.interval_ms : 1500;

			if ((v.resyncing || (v.last_msg_ms && now - v.last_msg_ms >= quiet)) &&
			    now - v.last_rotate_ms >= 2000)
				ask_rotate(&v);
		}
		if (ret == MOSQ_ERR_SUCCESS)
			backoff_ms = 0;
		else if (!v.done)
			fprintf(stderr, "sealcam view: relay connection lost (%s); reconnecting\n",
				mosquitto_strerror(ret));
	}
	summary(&v);
	if (v.failed)
		code = SC_EXIT_FAIL;
	else if (v.refused)
		code = SC_UNSEAL_TAMPERED;
out:
	if (v.mosq) {
		mosquitto_disconnect(v.mosq);
		mosquitto_destroy(v.mosq);
	}
	mosquitto_lib_cleanup();
	if (v.reader_ok)
		sc_reader_free(&v.r);
	sc_y4m_free(&v.y4m);
	if (out_path && v.y4m.f && fclose(v.y4m.f))
		code = SC_EXIT_FAIL;
	if (v.latency_log)
		fclose(v.latency_log);
	sodium_memzero(v.priv, sizeof(v.priv));
	free(v.lat);
	free(def_known);
	return code;
}
