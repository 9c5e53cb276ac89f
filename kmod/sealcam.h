/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the parts of sealcam.ko:
 *   main.c     module init/exit (ordered bring-up, reverse teardown)
 *   seal.c     HPKE + frame sealing (seal.h)
 *   keys.c     recipient keys and the device key
 *   netlink.c  the "sealcam" generic netlink family and its events
 *   camera.c / vid-cap.c / kthread  the V4L2 capture devices
 */
#ifndef _SEALCAM_H
#define _SEALCAM_H

#include <linux/types.h>
#include "seal.h"

#define SC_DRV_NAME "sealcam"

/* ---- keys.c ---- */
int sc_keys_init(void);		/* generates a device key */
void sc_keys_exit(void);	/* wipes everything */
/* Copy device key + recipients; -ENOKEY when there is no recipient. */
int __must_check sc_keys_snapshot(struct sc_key_snapshot *snap);
void sc_keys_snapshot_wipe(struct sc_key_snapshot *snap);
/* Bumped on every recipient or device key change. */
u64 sc_keys_generation(void);
unsigned int sc_keys_count(void);

/* ---- camera side, implemented by the V4L2 part ---- */
struct sc_camera_status {
	char node[32];		/* "video0" */
	bool streaming;
	u64 segment_id;
	u64 frames;
	u64 bytes;
	u64 segments;
	u64 drops;
	u64 opens;
	u32 seg_frames;
	u32 seg_ms;
};

unsigned int sc_camera_count(void);
int sc_camera_status(unsigned int idx, struct sc_camera_status *st);
/* idx < 0: every camera. frames/ms 0 = no limit of that kind. */
int sc_camera_set_segment_policy(int idx, u32 frames, u32 ms);
/* The next sealed frame of camera idx (or every camera) ends its segment. */
int sc_camera_rotate(int idx);
/* End every open segment now, no LAST, keys wiped (VM fork, hibernation). */
void sc_cameras_end_segments(const char *why);

/* ---- netlink.c ---- */
int sc_netlink_init(void);
void sc_netlink_exit(void);
/* Multicast events (no-ops when nobody listens); process context only. */
void sc_event_open(u32 camera, bool open, u64 opens);
void sc_event_segment(u32 camera, bool start, u64 segment_id, u64 frames);

/* ---- bench.c: debugfs sealing benchmark (root only) ---- */
void sc_bench_init(void);
void sc_bench_exit(void);

#endif /* _SEALCAM_H */
