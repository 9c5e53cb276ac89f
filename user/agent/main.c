// SPDX-License-Identifier: MIT
/* sealcam-agent: startup checks, signals, the main loop (see agent.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "capture.h"
#include "live.h"
#include "nl.h"
#include "sealed.h"
#include "queue.h"
#include "spool.h"
#include "status.h"
#include "fsutil.h"

static void on_signal(int sig)
{
	agent_stop = 1;
}

static void setup_signals(void)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void refuse(const char *what, const char *err)
{
	fprintf(stderr, AGENT_NAME ": %s: %s\n", what, err);
}

int main(int argc, char **argv)
{
	struct agent_config c;
	struct capture *cap = NULL;
	struct spool *sp = NULL;
	struct sc_store *st = NULL;
	struct queue *q = NULL;
	struct live *lv = NULL;
	char err[512];
	int code = AGENT_EXIT_OK;
	uint64_t last_status = 0, drain_end;

	config_defaults(&c);
	if (config_load(&c, argc, argv, &code)) {
		config_free(&c);
		return code;
	}
	if (sodium_init() < 0 || sc_store_global_init()) {
		fprintf(stderr, AGENT_NAME ": cannot initialise libsodium/libcurl\n");
		return AGENT_EXIT_FAIL;
	}
	agent_stats.started = time(NULL);
	setup_signals();

	/* Every refusal happens here, before anything runs. */
	if (sc_store_init(&st, &c.store, &agent_store_ops, err, sizeof(err))) {
		refuse("store", err);
		code = AGENT_EXIT_CONFIG;
		goto out;
	}
	if (c.store.insecure)
		agent_error("TLS verification is OFF (--insecure)");
	if (spool_open(&sp, c.spool, c.outbox, c.spool_max_bytes, err,
		       sizeof(err))) {
		refuse("spool", err);
		code = AGENT_EXIT_CONFIG;
		goto out;
	}
	if (c.device_id)
		spool_set_device_id(sp, c.device_id);
	spool_set_sha256(sp, strcmp(sc_store_kind(st), "file") != 0);
	if (c.startup_check && sc_store_check(st, err, sizeof(err))) {
		refuse("store", err);
		code = AGENT_EXIT_CONFIG;
		goto out;
	}
	if (c.device && capture_open(&cap, &c, err, sizeof(err))) {
		refuse("device", err);
		code = AGENT_EXIT_CONFIG;
		goto out;
	}
	if (cap && !c.device_id) {
		/* the device id for outbox files, before any segment is seen */
		struct sc_nl nl;
		struct sc_nl_devkey dk;
		char hex[2 * SEALCAM_KEY_ID_LEN + 1];

		if (!sc_nl_open(&nl)) {
			if (!sc_nl_devkey_get(&nl, &dk)) {
				spool_set_device_id(sp, sc_hex(hex, dk.id,
							       SEALCAM_KEY_ID_LEN));
				/* the live relay's user name and topic */
				if (c.live_url)
					c.device_id = strdup(hex);
			}
			sc_nl_close(&nl);
		}
	}
	if (c.status_file && *c.status_file) {
		char dir[PATH_MAX], *slash;

		snprintf(dir, sizeof(dir), "%s", c.status_file);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			sc_mkdirs(dir, 0755);
		}
	}
	if (queue_start(&q, &c, sp, st)) {
		refuse("upload workers", "cannot start threads");
		code = AGENT_EXIT_FAIL;
		goto out;
	}
	spool_set_hooks(sp, queue_drop_oldest, queue_notify, q);
	if (c.live_url) {
		if (!cap) {
			refuse("live", "--live needs --device");
			code = AGENT_EXIT_USAGE;
			goto out;
		}
		if (live_start(&lv, &c, cap, err, sizeof(err))) {
			refuse("live", err);
			code = AGENT_EXIT_CONFIG;
			goto out;
		}
		capture_set_live(cap, lv);
	}
	if (cap && capture_start(cap, err, sizeof(err))) {
		refuse("device", err);
		code = AGENT_EXIT_CONFIG;
		goto out;
	}
	agent_log("running: %s%s -> %s store, spool %s%s", c.device ? "capture " : "upload only",
		  c.device ? c.device : "", sc_store_kind(st), c.spool,
		  c.drain ? " (drain)" : "");

	drain_end = agent_now_ms() + (uint64_t)c.drain_timeout_s * 1000;
	while (!agent_stop) {
		if (cap) {
			if (capture_poll(cap, sp, 200)) {
				code = AGENT_EXIT_FAIL;
				break;
			}
		} else {
			queue_wait(q, 100);
		}
		if (agent_now_ms() - last_status >= 1000) {
			status_write(c.status_file, "running", &c, sp, q, st);
			last_status = agent_now_ms();
		}
		if (c.drain && !cap && queue_idle(q)) {
			agent_log("drain: queue empty");
			break;
		}
		if (c.drain && agent_now_ms() > drain_end) {
			agent_error("drain: gave up after %lds with files left",
				    c.drain_timeout_s);
			code = AGENT_EXIT_FAIL;
			break;
		}
	}
	if (agent_stop)
		agent_log("stopping (signal)");
	status_write(c.status_file, "stopping", &c, sp, q, st);
	if (cap)
		capture_stop(cap, sp);
	if (cap)
		capture_set_live(cap, NULL);
	live_stop(lv);
	lv = NULL;
	/* abort uploads in flight: what is not confirmed stays queued */
	agent_stop = 1;
	queue_stop(q);
out:
	live_stop(lv);
	capture_close(cap);
	sc_store_thread_done();	/* the startup check ran on this thread */
	if (sp)
		status_write(c.status_file, "stopped", &c, sp, q, st);
	queue_free(q);
	spool_close(sp);
	sc_store_free(st);
	config_free(&c);
	curl_global_cleanup();
	return code;
}
