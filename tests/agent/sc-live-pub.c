// SPDX-License-Identifier: MIT
/*
 * sc-live-pub - test helper: the agent's live path (user/agent/live.c)
 * without a camera. Publishes the sealed frames of FILE (a segment file)
 * over and over through live_start/live_frame, one every 1/FPS s, for
 * SECONDS, as the capture thread would, and reports how long live_frame
 * took (the capture thread's cost: it must never wait for the relay) and
 * the live path's counters, and the peak RSS.
 *
 *   sc-live-pub URL PASSWORD-FILE CA-FILE DEVICE-ID FILE FPS SECONDS
 *               [AGE-MS [MAX-AGE-MS]]
 *
 * AGE-MS: each frame is handed over as captured that long ago (its V4L2
 * timestamp, CLOCK_MONOTONIC; default: unknown, as for a source without
 * one); MAX-AGE-MS: the agent's --live-max-age (default its default).
 *
 * Last line: "live_frame_max_us N calls N published N dropped N maxrss_kb N"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "live.h"
#include "sealed.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t mono_ns(void)
{
	return now_us() * 1000u;
}

int main(int argc, char **argv)
{
	struct agent_config c;
	struct live_stats st;
	struct rusage ru;
	struct live *lv;
	unsigned char *buf;
	size_t len, pos = 0;
	uint64_t worst = 0, calls = 0, end, next;
	char err[512];
	int fps, age_ms;

	if (argc < 8 || argc > 10) {
		fprintf(stderr, "usage: sc-live-pub URL PWFILE CAFILE DEVID FILE FPS SECONDS [AGE-MS [MAX-AGE-MS]]\n");
		return 2;
	}
	config_defaults(&c);
	c.live_url = strdup(argv[1]);
	c.live_password_file = strdup(argv[2]);
	c.live_ca_file = strdup(argv[3]);
	c.device_id = strdup(argv[4]);
	fps = atoi(argv[6]);
	age_ms = argc > 8 ? atoi(argv[8]) : -1;
	if (argc > 9)
		c.live_max_age_ms = atol(argv[9]);
	if (sc_read_file(argv[5], &buf, &len) || fps < 1) {
		fprintf(stderr, "sc-live-pub: cannot read %s\n", argv[5]);
		return 1;
	}
	if (live_start(&lv, &c, NULL, err, sizeof(err))) {
		fprintf(stderr, "sc-live-pub: %s\n", err);
		return 1;
	}
	end = now_us() + (uint64_t)atoi(argv[7]) * 1000000u;
	next = now_us();
	while (now_us() < end) {
		uint32_t n = 48;
		uint64_t t0, dt;

		memcpy(&n, buf + pos + 8, 4);	/* seg_hdr_len */
		{
			uint32_t ct;

			memcpy(&ct, buf + pos + 12, 4);
			n = 48 + n + ct;
		}
		t0 = now_us();
		live_frame(lv, buf + pos, n, age_ms < 0 ? 0 :
			   mono_ns() - (uint64_t)age_ms * 1000000u);
		dt = now_us() - t0;
		if (dt > worst)
			worst = dt;
		calls++;
		pos += n;
		if (pos >= len)
			pos = 0;
		next += 1000000u / (unsigned int)fps;
		if (next > now_us())
			usleep((useconds_t)(next - now_us()));
	}
	live_get_stats(lv, &st);
	live_stop(lv);
	getrusage(RUSAGE_SELF, &ru);
	printf("live_frame_max_us %llu calls %llu published %llu dropped %llu maxrss_kb %ld\n",
	       (unsigned long long)worst, (unsigned long long)calls,
	       (unsigned long long)st.published, (unsigned long long)st.dropped,
	       ru.ru_maxrss);
	free(buf);
	config_free(&c);
	return 0;
}
