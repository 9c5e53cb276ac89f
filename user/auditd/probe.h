/* SPDX-License-Identifier: MIT */
/*
 * Loader of the camopen probe (bpf/camopen.bpf.c): loads and attaches it
 * with its maps and links pinned under a bpffs directory, or reuses what is
 * pinned there, so a restart of the daemon finds the ring buffer (and what
 * it holds) where it left it.
 */
#ifndef SEALCAM_AUDITD_PROBE_H
#define SEALCAM_AUDITD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_PIN_DIR "/sys/fs/bpf/sealcam"

struct probe {
	int events_fd, lost_fd, settings_fd, allow_exe_fd, allow_uid_fd;
	bool reused;			/* found pinned, not loaded by us */
	uint32_t majors[4];
	unsigned int nr_majors;
};

/*
 * Camera majors: 81 (video4linux: video, v4l-subdev, ...) and media's from
 * /proc/devices when registered. Returns how many.
 */
unsigned int probe_camera_majors(uint32_t *majors, unsigned int max);

/* @reload: load a fresh program even when one is pinned (maps are kept). */
int probe_open(struct probe *p, const char *pin_dir, bool reload, char *err,
	       size_t err_len);
/* Remove the pins: the probe is detached once nothing else holds it. */
int probe_detach(const char *pin_dir, char *err, size_t err_len);
void probe_close(struct probe *p);

/* Replace the allow-lists and the mode. exe entries are (kernel dev, ino). */
struct probe_exe {
	uint32_t dev;
	uint64_t ino;
};
int probe_configure(struct probe *p, bool enforce, const struct probe_exe *exe,
		    unsigned int n_exe, const uint32_t *uids, unsigned int n_uids);
uint64_t probe_lost(struct probe *p);

#endif /* SEALCAM_AUDITD_PROBE_H */
