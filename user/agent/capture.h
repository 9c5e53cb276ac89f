/* SPDX-License-Identifier: MIT */
/* V4L2 MMAP capture from a sealcam camera into the spool. */
#ifndef SEALCAM_AGENT_CAPTURE_H
#define SEALCAM_AGENT_CAPTURE_H

#include "agent.h"
#include "spool.h"

struct capture;

/* Open the node, refuse anything that is not a sealcam camera, set the
 * format and frame rate, map the buffers. 0, or -1 with a message. */
int capture_open(struct capture **out, const struct agent_config *c,
		 char *err, size_t errlen);
int capture_start(struct capture *cap, char *err, size_t errlen);
/* Wait up to @timeout_ms for frames and spool them. 0 or -1 (fatal). */
int capture_poll(struct capture *cap, struct spool *sp, int timeout_ms);
/* Clean stop: ask the module to end the segment, spool until its LAST
 * frame (at most stop_timeout_ms), stream off, finalise what is open. */
void capture_stop(struct capture *cap, struct spool *sp);
void capture_close(struct capture *cap);
/* --live: every frame spooled is also given to the live queue. */
struct live;
void capture_set_live(struct capture *cap, struct live *lv);
/* Ask the module to end the camera's segment now (a new one starts with
 * the next frame). 0 or -errno. Callable from any thread. */
int capture_rotate(struct capture *cap);

#endif
