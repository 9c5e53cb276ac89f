// SPDX-License-Identifier: MIT
/*
 * The live path (live.h, docs/LIVE.md): a bounded frame queue between the
 * capture thread and the MQTT relay.
 *
 * Why it cannot stall capture: live_frame() takes a mutex for a list
 * append and a memcpy; the network is touched only by the publisher thread
 * and by the network thread (network()). libmosquitto's outgoing queue
 * is unbounded, so the publisher hands it at most LIVE_INFLIGHT messages
 * at a time (a QoS 1 PUBLISH counts until on_publish says the relay
 * acknowledged it); the rest wait in our queue, capped at live_queue_bytes,
 * the oldest dropped first. While the relay is unreachable every frame is
 * dropped at once: a live view wants the newest frame, not a backlog, and
 * the recording has them all anyway.
 *
 * Connecting: a thread of ours (network()) connects with libmosquitto's
 * blocking mosquitto_connect, which tries every address of the relay's name
 * in turn until one accepts, as `sealcam view` and mosquitto_pub do, and
 * then runs mosquitto_loop_forever (I/O and libmosquitto's own
 * reconnects). Not mosquitto_connect_async: its non-blocking connect keeps
 * the first address whose connect() is merely "in progress" (for
 * "localhost" that is ::1, where a relay bound to 127.0.0.1 refuses), and
 * libmosquitto 2.0.21 (Debian 13) starts the TLS handshake on that socket
 * at once, so the refusal came back as "A TLS error occurred"; 2.0.11
 * (Debian 12) deferred the handshake to the network thread, whose blocking
 * reconnect then found 127.0.0.1. The blocking connect runs in that thread
 * only (never in the capture thread, never under our lock) and live_stop
 * cancels it if it is still waiting for a relay.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mosquitto.h>

#include "capture.h"
#include "live.h"
#include "liveurl.h"
#include "sealed.h"
#include "spool.h"

#define LIVE_ROTATE_MIN_MS 1000
/*
 * Latency bounds (docs/LIVE.md "Latency"). When the path to the viewer is
 * slower than the camera (scripts/bench-live.sh: at 640x480 15 fps under
 * TCG the CPU is spent before a third of the frames reach the relay), the
 * frames must be dropped here, not queued anywhere on the way:
 *  - one message at a time in libmosquitto, at QoS 1: the next frame is
 *    chosen only when the relay has acknowledged the previous one (not
 *    merely when it is in a socket buffer: the relay's receive buffer
 *    alone holds seconds of frames), so a frame that has become stale
 *    meanwhile is dropped instead of sent;
 *  - a frame captured more than live_max_age_ms ago (--live-max-age,
 *    default 250; the V4L2 timestamp: the time it waited in the kernel's
 *    queue counts) is stale for a live view: dropped. When the link is
 *    slower than the camera, this bound is what the queue fills up to, so
 *    it sets the live view's delay: 500 ms, the end-to-end target of
 *    docs/LIVE.md, left a frame sent at the bound nothing for the link,
 *    the relay and the viewer (bench-live, the page at 640x480 15 fps
 *    under TCG: 346-429 ms median with 500, 192-258 with 250, in four
 *    runs of each; the frames that do not fit are dropped either way);
 *  - the kernel's send buffer of the relay socket is kept small, so that a
 *    slow relay shows up here rather than as seconds of frames queued in
 *    TCP buffers that autotuning lets grow to megabytes.
 * (Before: 3 messages in libmosquitto and 1 s in the queue, and the relay
 * kept 16 messages per viewer; at 640x480 under TCG a frame waited 4.3 s.)
 */
#define LIVE_INFLIGHT 1
/* a viewer asked for a segment this recently: it is watching */
#define LIVE_VIEWER_ACTIVE_MS 60000
#define LIVE_SNDBUF (256 * 1024)

struct live_item {
	struct live_item *next;
	uint64_t captured_ns, queued_ns;	/* CLOCK_MONOTONIC, for the trace */
	uint64_t segment, index;
	size_t len;
	unsigned char data[];
};

struct live {
	const struct agent_config *c;
	struct capture *cap;
	struct sc_live_url url;
	char password[256];
	struct mosquitto *mosq;
	pthread_t thread, net_thread;
	bool thread_started, net_started;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct live_item *head, *tail;
	size_t queued_bytes;
	bool stop, connected, was_connected, rotate_asked, rotate_self;
	bool skipping;			/* a frame of the segment was dropped */
	unsigned int inflight;
	char devid[2 * SEALCAM_KEY_ID_LEN + 1];
	char topic[SC_LIVE_TOPIC_MAX], rotate_topic[SC_LIVE_TOPIC_MAX];
	uint64_t published, dropped, rotations, last_rotate_ms;
	uint64_t viewer_ms;		/* a viewer's last rotate request */
	FILE *trace;			/* SEALCAM_LIVE_TRACE, under lock */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The trace (bench-live.sh, docs/LIVE.md "Latency"): one line per frame
 * that leaves the queue, with lv->lock held:
 *   P SEGMENT INDEX CAPTURED QUEUED HANDED MID   handed to libmosquitto
 *   D SEGMENT INDEX CAPTURED QUEUED WHY          dropped (age, full, skip,
 *                                                down, error)
 *   W MID ACKED                                  the relay acknowledged it
 * times in ns of CLOCK_MONOTONIC (the kernel's capture time is the V4L2
 * buffer timestamp, the same clock).
 */
static void trace_drop(struct live *lv, const struct live_item *it,
		       const char *why)
{
	if (lv->trace)
		fprintf(lv->trace, "D %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
			PRIu64 " %s\n", it->segment, it->index, it->captured_ns,
			it->queued_ns, why);
}

/*
 * mosquitto_loop_forever reconnects by itself after most failures but
 * returns after some (a TLS connection cut by a relay that died ends it
 * with EPROTO; a failed handshake with MOSQ_ERR_TLS): network() then waits
 * this long and connects again.
 */
#define LIVE_RETRY_MS 2000

/* Our lock is never held where network() may be cancelled (live_stop):
 * the callbacks run in that thread, inside libmosquitto, and take it. */
static int no_cancel(void)
{
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}

static void restore_cancel(int old)
{
	pthread_setcancelstate(old, NULL);
}

/* Too old to be worth sending to a live view (captured, else queued). */
static bool stale(const struct live *lv, const struct live_item *it)
{
	uint64_t t0 = it->captured_ns ? it->captured_ns : it->queued_ns;

	return mono_ns() - t0 > (uint64_t)lv->c->live_max_age_ms * 1000000ull;
}

/*
 * A frame of the open segment did not go out: the viewers cannot show the
 * rest of it (a gap in its frame indices: the reader refuses it), so it
 * is skipped up to the next FIRST frame. While a viewer watches, that next
 * FIRST is asked for now
 * (served within LIVE_ROTATE_MIN_MS of the last rotation): the viewer
 * receives nothing while the rest is skipped, and would otherwise wait for
 * the segment's natural end (150 frames: 10 s at 15 fps).
 */
static void chain_broken(struct live *lv)
{
	lv->skipping = true;
	if (lv->connected && lv->viewer_ms &&
	    agent_now_ms() - lv->viewer_ms < LIVE_VIEWER_ACTIVE_MS &&
	    !lv->rotate_asked) {
		lv->rotate_asked = true;
		lv->rotate_self = true;
	}
}

static void drop_head(struct live *lv, const char *why)
{
	struct live_item *it = lv->head;

	trace_drop(lv, it, why);
	lv->head = it->next;
	if (!lv->head)
		lv->tail = NULL;
	lv->queued_bytes -= it->len;
	lv->dropped++;
	chain_broken(lv);
	free(it);
}

void live_frame(struct live *lv, const unsigned char *frame, size_t len,
		uint64_t captured_ns)
{
	struct live_item *it;
	struct agent_frame_info fi;

	if (!lv || len > (size_t)lv->c->live_queue_bytes)
		goto count_drop;
	it = malloc(sizeof(*it) + len);
	if (!it)
		goto count_drop;
	it->next = NULL;
	it->queued_ns = mono_ns();
	it->captured_ns = captured_ns;
	it->segment = it->index = 0;
	if (!agent_frame_info(frame, len, &fi)) {
		it->segment = fi.segment_id;
		it->index = fi.frame_index;
	}
	it->len = len;
	memcpy(it->data, frame, len);
	pthread_mutex_lock(&lv->lock);
	/*
	 * After a drop the rest of the segment is of no use to a viewer (its
	 * frame order is broken): skip to the next FIRST frame and
	 * spend the relay's bandwidth on frames that can be shown.
	 */
	if (lv->skipping && !agent_frame_info(frame, len, &fi) &&
	    !(fi.flags & SEALCAM_F_FIRST)) {
		lv->dropped++;
		trace_drop(lv, it, "skip");
		pthread_mutex_unlock(&lv->lock);
		free(it);
		return;
	}
	lv->skipping = false;
	if (!lv->devid[0] && !agent_frame_info(frame, len, &fi)) {
		/* the topic is named by the device id of the frames themselves */
		sc_hex(lv->devid, fi.device_id, SEALCAM_KEY_ID_LEN);
		sc_live_topic(lv->topic, lv->devid, "live");
		sc_live_topic(lv->rotate_topic, lv->devid, "rotate");
	}
	while (lv->head && lv->queued_bytes + len > (size_t)lv->c->live_queue_bytes)
		drop_head(lv, "full");
	if (lv->tail)
		lv->tail->next = it;
	else
		lv->head = it;
	lv->tail = it;
	lv->queued_bytes += len;
	pthread_cond_signal(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	return;
count_drop:
	if (lv) {
		pthread_mutex_lock(&lv->lock);
		lv->dropped++;
		pthread_mutex_unlock(&lv->lock);
	}
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct live *lv = arg;
	bool subscribe;
	int cs = no_cancel();

	pthread_mutex_lock(&lv->lock);
	lv->connected = rc == 0;
	subscribe = lv->connected && lv->rotate_topic[0];
	pthread_cond_signal(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	if (rc) {
		agent_error("live: relay %s:%d refused the connection: %s",
			    lv->url.host, lv->url.port, mosquitto_connack_string(rc));
		restore_cancel(cs);
		return;
	}
	{
		int fd = mosquitto_socket(m), sz = LIVE_SNDBUF;

		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	agent_log("live: connected to the relay %s:%d as %s", lv->url.host,
		  lv->url.port, lv->c->live_user ? lv->c->live_user : lv->devid);
	if (subscribe)
		mosquitto_subscribe(m, NULL, lv->rotate_topic, 0);
	restore_cancel(cs);
}

static void on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	struct live *lv = arg;
	bool was;
	int cs = no_cancel();

	pthread_mutex_lock(&lv->lock);
	was = lv->connected && !lv->stop;	/* not our own DISCONNECT */
	lv->connected = false;
	lv->inflight = 0;	/* libmosquitto dropped what it had queued */
	pthread_cond_signal(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	if (was)
		agent_error("live: lost the relay (%s); frames are dropped from "
			    "the live view until it is back, recording goes on",
			    mosquitto_strerror(rc));
	restore_cancel(cs);
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	struct live *lv = arg;
	int cs = no_cancel();

	pthread_mutex_lock(&lv->lock);
	if (lv->inflight)
		lv->inflight--;
	lv->published++;
	if (lv->trace)
		fprintf(lv->trace, "W %d %" PRIu64 "\n", mid, mono_ns());
	pthread_cond_signal(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	restore_cancel(cs);
}

static void on_message(struct mosquitto *m, void *arg,
		       const struct mosquitto_message *msg)
{
	struct live *lv = arg;
	int cs = no_cancel();

	pthread_mutex_lock(&lv->lock);
	if (lv->rotate_topic[0] && !strcmp(msg->topic, lv->rotate_topic)) {
		lv->rotate_asked = true;
		lv->rotate_self = false;
		lv->viewer_ms = agent_now_ms();
		pthread_cond_signal(&lv->cond);
	}
	pthread_mutex_unlock(&lv->lock);
	restore_cancel(cs);
}

/* libmosquitto's own errors (OpenSSL's reason for a failed handshake) */
static void on_log(struct mosquitto *m, void *arg, int level, const char *str)
{
	int cs = no_cancel();

	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		agent_error("live: libmosquitto: %s", str);
	restore_cancel(cs);
}

static void timed_wait(struct live *lv, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (ms % 1000) * 1000000L;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&lv->cond, &lv->lock, &ts);
}

/* @self: after a drop (chain_broken), not a viewer's request: not logged,
 * it can happen every second while the path to the viewer is too slow */
static void rotate_for_viewer(struct live *lv, bool self)
{
	int r = lv->cap ? capture_rotate(lv->cap) : -ENODEV;

	if (r && !self)
		agent_error("live: a viewer asked for a new segment, the module "
			    "refused: %s", strerror(-r));
	else if (!self)
		agent_log("live: new segment started for a joining viewer");
}

static void *publisher(void *arg)
{
	struct live *lv = arg;
	bool subscribed = false;

	pthread_mutex_lock(&lv->lock);
	while (!lv->stop) {
		struct live_item *it;
		uint64_t handed;
		long wait_ms;
		int mid, r;

		if (lv->connected && !subscribed && lv->rotate_topic[0]) {
			pthread_mutex_unlock(&lv->lock);
			mosquitto_subscribe(lv->mosq, NULL, lv->rotate_topic, 0);
			pthread_mutex_lock(&lv->lock);
			subscribed = true;
		}
		if (!lv->connected)
			subscribed = false;
		/*
		 * A viewer's request within LIVE_ROTATE_MIN_MS of the last
		 * rotation is kept and served when that time is up, not
		 * forgotten: while the rest of a segment is skipped the viewer
		 * receives nothing and has nothing to ask again on.
		 */
		wait_ms = 1000;
		if (lv->rotate_asked) {
			uint64_t now = agent_now_ms();

			if (!lv->last_rotate_ms ||
			    now - lv->last_rotate_ms >= LIVE_ROTATE_MIN_MS) {
				bool self = lv->rotate_self;

				lv->rotate_asked = false;
				lv->rotate_self = false;
				lv->last_rotate_ms = now;
				lv->rotations++;
				pthread_mutex_unlock(&lv->lock);
				rotate_for_viewer(lv, self);
				pthread_mutex_lock(&lv->lock);
				continue;
			}
			wait_ms = (long)(lv->last_rotate_ms + LIVE_ROTATE_MIN_MS - now);
		}
		if (!lv->connected) {
			while (lv->head)
				drop_head(lv, "down");
			timed_wait(lv, wait_ms);
			continue;
		}
		while (lv->head && stale(lv, lv->head))
			drop_head(lv, "age");
		if (!lv->head || lv->inflight >= LIVE_INFLIGHT) {
			timed_wait(lv, lv->head && wait_ms > 100 ? 100 : wait_ms);
			continue;
		}
		it = lv->head;
		lv->head = it->next;
		if (!lv->head)
			lv->tail = NULL;
		lv->queued_bytes -= it->len;
		lv->inflight++;
		pthread_mutex_unlock(&lv->lock);
		handed = mono_ns();
		/* QoS 1: on_publish comes with the relay's PUBACK, once it has
		 * read and handled the frame, not when the frame is in our
		 * socket's buffer (the relay's receive buffer holds megabytes) */
		r = mosquitto_publish(lv->mosq, &mid, lv->topic, (int)it->len,
				      it->data, 1, false);
		pthread_mutex_lock(&lv->lock);
		if (r != MOSQ_ERR_SUCCESS) {
			if (lv->inflight)
				lv->inflight--;
			lv->dropped++;
			chain_broken(lv);
			trace_drop(lv, it, "error");
		} else if (lv->trace) {
			fprintf(lv->trace, "P %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
				PRIu64 " %" PRIu64 " %d\n", it->segment, it->index,
				it->captured_ns, it->queued_ns, handed, mid);
		}
		free(it);
	}
	pthread_mutex_unlock(&lv->lock);
	return NULL;
}

/*
 * The connection to the relay: connect (blocking, every address of the
 * name), then libmosquitto's loop, which sends, receives and reconnects by
 * itself; when it gives up, connect again after LIVE_RETRY_MS. Cancelled by
 * live_stop anywhere inside libmosquitto; never while holding lv->lock
 * (the callbacks disable cancellation).
 */
static void *network(void *arg)
{
	struct live *lv = arg;
	char last[160] = "";
	int r;

	r = mosquitto_connect(lv->mosq, lv->url.host, lv->url.port, 30);
	for (;;) {
		char why[160];
		int cs;

		if (r == MOSQ_ERR_SUCCESS) {
			r = mosquitto_loop_forever(lv->mosq, 1000, 1);
			last[0] = 0;	/* it was connected: report anew */
		}
		cs = no_cancel();
		pthread_mutex_lock(&lv->lock);
		if (lv->stop) {
			pthread_mutex_unlock(&lv->lock);
			break;
		}
		pthread_mutex_unlock(&lv->lock);
		/* once per distinct reason, not every retry */
		snprintf(why, sizeof(why), "%s%s%s", r ? mosquitto_strerror(r) :
			 "the connection ended",
			 r == MOSQ_ERR_ERRNO ? ": " : "",
			 r == MOSQ_ERR_ERRNO ? strerror(errno) : "");
		if (strcmp(why, last))
			agent_error("live: relay %s:%d: %s; retrying every %d s",
				    lv->url.host, lv->url.port, why,
				    LIVE_RETRY_MS / 1000);
		snprintf(last, sizeof(last), "%s", why);
		pthread_mutex_lock(&lv->lock);
		if (!lv->stop)
			timed_wait(lv, LIVE_RETRY_MS);
		if (lv->stop) {
			pthread_mutex_unlock(&lv->lock);
			break;
		}
		pthread_mutex_unlock(&lv->lock);
		restore_cancel(cs);
		r = mosquitto_reconnect(lv->mosq);
	}
	return NULL;
}

int live_start(struct live **out, const struct agent_config *c,
	       struct capture *cap, char *err, size_t errlen)
{
	struct live *lv;
	int r;

	*out = NULL;
	lv = calloc(1, sizeof(*lv));
	if (!lv)
		return -1;
	lv->c = c;
	lv->cap = cap;
	pthread_mutex_init(&lv->lock, NULL);
	pthread_cond_init(&lv->cond, NULL);
	if (sc_live_url_parse(&lv->url, c->live_url, err, errlen))
		goto fail;
	{
		const char *tp = getenv("SEALCAM_LIVE_TRACE");

		if (tp && *tp && !(lv->trace = fopen(tp, "we"))) {
			snprintf(err, errlen, "SEALCAM_LIVE_TRACE %s: %s", tp,
				 strerror(errno));
			goto fail;
		}
	}
	if (c->device_id) {
		snprintf(lv->devid, sizeof(lv->devid), "%s", c->device_id);
		sc_live_topic(lv->topic, lv->devid, "live");
		sc_live_topic(lv->rotate_topic, lv->devid, "rotate");
	}
	if (!c->live_password_file) {
		snprintf(err, errlen, "--live needs --live-password-file (the "
			 "device's relay password)");
		goto fail;
	}
	r = sc_live_read_password(c->live_password_file, lv->password,
				  sizeof(lv->password));
	if (r) {
		snprintf(err, errlen, "cannot read the relay password from %s: %s",
			 c->live_password_file, r == -EINVAL ?
			 "empty or too long" : strerror(-r));
		goto fail;
	}
	mosquitto_lib_init();
	lv->mosq = mosquitto_new(NULL, true, lv);
	if (!lv->mosq) {
		snprintf(err, errlen, "cannot create an MQTT client: %s",
			 strerror(errno));
		goto fail;
	}
	mosquitto_int_option(lv->mosq, MOSQ_OPT_PROTOCOL_VERSION,
			     MQTT_PROTOCOL_V311);
	mosquitto_connect_callback_set(lv->mosq, on_connect);
	mosquitto_disconnect_callback_set(lv->mosq, on_disconnect);
	mosquitto_publish_callback_set(lv->mosq, on_publish);
	mosquitto_message_callback_set(lv->mosq, on_message);
	mosquitto_log_callback_set(lv->mosq, on_log);
	mosquitto_reconnect_delay_set(lv->mosq, 1, 5, false);
	if (lv->url.tls) {
		r = mosquitto_tls_set(lv->mosq, c->live_ca_file,
				      c->live_ca_file ? NULL : "/etc/ssl/certs",
				      NULL, NULL, NULL);
		if (r) {
			snprintf(err, errlen, "relay TLS: %s (CA file %s)",
				 mosquitto_strerror(r),
				 c->live_ca_file ? c->live_ca_file : "none");
			goto fail;
		}
	}
	/* the user is the device id unless told: the relay's ACL needs it
	 * before the first frame tells it, so take it from the module now */
	if (!c->live_user && !lv->devid[0]) {
		snprintf(err, errlen, "--live needs the device id for the relay "
			 "user name: --live-user or --device-id");
		goto fail;
	}
	r = mosquitto_username_pw_set(lv->mosq,
				      c->live_user ? c->live_user : lv->devid,
				      lv->password);
	if (r) {
		snprintf(err, errlen, "relay credentials: %s", mosquitto_strerror(r));
		goto fail;
	}
	/* our own network thread: publish only queues, that thread writes */
	mosquitto_threaded_set(lv->mosq, true);
	if (pthread_create(&lv->net_thread, NULL, network, lv)) {
		snprintf(err, errlen, "cannot start the MQTT network thread");
		goto fail;
	}
	lv->net_started = true;
	if (pthread_create(&lv->thread, NULL, publisher, lv)) {
		snprintf(err, errlen, "cannot start the live thread");
		goto fail;
	}
	lv->thread_started = true;
	agent_log("live: publishing to %s (queue %lld bytes, frames up to %ld ms old)",
		  c->live_url, c->live_queue_bytes, c->live_max_age_ms);
	*out = lv;
	return 0;
fail:
	live_stop(lv);
	return -1;
}

void live_get_stats(struct live *lv, struct live_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!lv)
		return;
	pthread_mutex_lock(&lv->lock);
	st->published = lv->published;
	st->dropped = lv->dropped;
	st->rotations = lv->rotations;
	st->connected = lv->connected;
	pthread_mutex_unlock(&lv->lock);
}

void live_stop(struct live *lv)
{
	if (!lv)
		return;
	pthread_mutex_lock(&lv->lock);
	lv->stop = true;
	pthread_cond_broadcast(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	if (lv->thread_started)
		pthread_join(lv->thread, NULL);
	if (lv->mosq) {
		/* a clean DISCONNECT ends mosquitto_loop_forever and with it
		 * the network thread; a thread still connecting or waiting
		 * for a relay that is away is cancelled */
		bool clean = lv->connected &&
			     mosquitto_disconnect(lv->mosq) == MOSQ_ERR_SUCCESS;

		if (lv->net_started) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 2;
			if (!clean || pthread_timedjoin_np(lv->net_thread, NULL, &ts)) {
				pthread_cancel(lv->net_thread);
				pthread_join(lv->net_thread, NULL);
			}
		}
		mosquitto_destroy(lv->mosq);
		agent_log("live: stopped, %llu frames published, %llu dropped",
			  (unsigned long long)lv->published,
			  (unsigned long long)lv->dropped);
	}
	while (lv->head)
		drop_head(lv, "stop");
	if (lv->trace)
		fclose(lv->trace);
	if (lv->mosq)
		mosquitto_lib_cleanup();
	memset(lv->password, 0, sizeof(lv->password));
	pthread_mutex_destroy(&lv->lock);
	pthread_cond_destroy(&lv->cond);
	free(lv);
}
