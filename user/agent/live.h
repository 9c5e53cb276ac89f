/* SPDX-License-Identifier: MIT */
/*
 * --live: every sealed frame, as dequeued, also goes to the MQTT relay
 * (docs/LIVE.md). The capture thread only copies the frame into a bounded
 * queue (live_frame never blocks on the network); a thread of its own
 * publishes, with at most a few messages handed to libmosquitto at a time,
 * and drops the oldest frames when the relay is slow and all frames while
 * it is unreachable. Recording and upload do not depend on it.
 */
#ifndef SEALCAM_AGENT_LIVE_H
#define SEALCAM_AGENT_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"

struct live;
struct capture;

/* Check the settings and start the thread (it connects and reconnects by
 * itself). 0, or -1 with a message. */
int live_start(struct live **out, const struct agent_config *c,
	       struct capture *cap, char *err, size_t errlen);
/* One sealed frame, from the capture thread: copied, queued, never waits.
 * @captured_ns: its V4L2 timestamp (CLOCK_MONOTONIC ns; 0: unknown), for
 * the latency trace only. */
void live_frame(struct live *lv, const unsigned char *frame, size_t len,
		uint64_t captured_ns);
void live_stop(struct live *lv);

struct live_stats {
	uint64_t published, dropped, rotations;
	int connected;
};
void live_get_stats(struct live *lv, struct live_stats *st);

#endif
