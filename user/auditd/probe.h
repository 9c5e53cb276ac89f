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
	int usb_guard_fd;
	bool reused;			/* found pinned, not loaded by us */
	uint32_t majors[4];
	unsigned int nr_majors;
	/* the ring buffer, mapped by probe_ring_map() */
	uint64_t ring_size;		/* bytes of data */
	size_t page_size;
	volatile unsigned long *consumer_pos;	/* ours to advance */
	const volatile unsigned long *producer_pos;
	const uint8_t *ring;		/* data, mapped twice in a row */
};

/*
 * Camera majors: 81 (video4linux: video, v4l-subdev, ...) and media's from
 * /proc/devices when registered. Returns how many.
 */
unsigned int probe_camera_majors(uint32_t *majors, unsigned int max);

/*
 * @reload: load a fresh program even when one is pinned (maps are kept).
 * @ring_bytes: size of the ring buffer when the probe is loaded (a power of
 * two, multiple of the page size); 0 for the compiled-in size. A pinned
 * ring buffer keeps its size.
 */
int probe_open(struct probe *p, const char *pin_dir, bool reload,
	       uint64_t ring_bytes, char *err, size_t err_len);

/*
 * The ring buffer read directly (not through libbpf's callback consumer),
 * so that the consumer position moves only after the records are in the
 * log: a daemon killed in between finds them again.
 */
int probe_ring_map(struct probe *p);
/* Next committed record at or after @pos (NULL: none yet); *next is the
 * position after it. Discarded records are skipped. */
const void *probe_ring_peek(struct probe *p, unsigned long pos,
			    unsigned long *next, uint32_t *len);
unsigned long probe_ring_consumer(struct probe *p);
void probe_ring_consume(struct probe *p, unsigned long pos);
uint64_t probe_ring_pending(struct probe *p);	/* bytes not yet consumed */
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
/* The USB guard's mode (enum camopen_usb_mode). */
int probe_set_usb_guard(struct probe *p, uint32_t mode);


#endif /* SEALCAM_AUDITD_PROBE_H */
