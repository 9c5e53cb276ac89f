// SPDX-License-Identifier: MIT
/*
 * Loader of the camopen probe: skeleton open -> rodata (camera majors) ->
 * load -> attach -> pin; or reuse the pinned probe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "camopen.h"
#include "camopen.skel.h"
#include "probe.h"

#define V4L2_MAJOR 81

static const char *const map_names[] = {
	"events", "lost", "counter", "settings", "allow_exe", "allow_uid",
	"open_files", "usb_guard", "usb_seen", "usb_files",
};
static const char *const link_names[] = {
	"link_file_open", "link_file_free", "link_file_ioctl", "link_mmap_file",
	"link_file_permission",
};
#define NR_LINKS (sizeof(link_names) / sizeof(link_names[0]))

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

unsigned int probe_camera_majors(uint32_t *majors, unsigned int max)
{
	char line[128], name[64];
	bool chr = false;
	unsigned int n = 0, major, i;
	FILE *f;

	majors[n++] = V4L2_MAJOR;
	f = fopen("/proc/devices", "re");
	if (!f)
		return n;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Character devices:", 18)) {
			chr = true;
			continue;
		}
		if (!strncmp(line, "Block devices:", 14))
			chr = false;
		if (!chr || sscanf(line, "%u %63s", &major, name) != 2)
			continue;
		if (strcmp(name, "media") && strcmp(name, "video4linux"))
			continue;
		for (i = 0; i < n && majors[i] != major; i++)
			;
		if (i == n && n < max)
			majors[n++] = major;
	}
	fclose(f);
	return n;
}

static int check_bpffs(const char *pin_dir, char *err, size_t err_len)
{
	char parent[512];
	struct statfs sfs;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (statfs(parent, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		seterr(err, err_len, "%s is not a bpf filesystem (mount -t bpf bpf %s)",
		       parent, parent);
		return -ENOTDIR;
	}
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		int ret = -errno;

		seterr(err, err_len, "%s: %s", pin_dir, strerror(errno));
		return ret;
	}
	return 0;
}

static int pinned(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static int get_pinned(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

static int open_maps(struct probe *p, const char *dir, char *err, size_t len)
{
	p->events_fd = get_pinned(dir, "events");
	p->lost_fd = get_pinned(dir, "lost");
	p->settings_fd = get_pinned(dir, "settings");
	p->allow_exe_fd = get_pinned(dir, "allow_exe");
	p->allow_uid_fd = get_pinned(dir, "allow_uid");
	p->usb_guard_fd = get_pinned(dir, "usb_guard");
	if (p->events_fd < 0 || p->lost_fd < 0 || p->settings_fd < 0 ||
	    p->allow_exe_fd < 0 || p->allow_uid_fd < 0 || p->usb_guard_fd < 0) {
		seterr(err, len, "%s: pinned maps missing or unreadable: %s", dir,
		       strerror(errno));
		return -ENOENT;
	}
	return 0;
}

int probe_open(struct probe *p, const char *pin_dir, bool reload,
	       uint64_t ring_bytes, char *err, size_t err_len)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct camopen_bpf *skel = NULL;
	struct bpf_link *links[NR_LINKS] = { NULL };
	char path[512];
	unsigned int i;
	int ret;

	memset(p, 0, sizeof(*p));
	p->events_fd = p->lost_fd = p->settings_fd = -1;
	p->allow_exe_fd = p->allow_uid_fd = p->usb_guard_fd = -1;
	libbpf_set_print(libbpf_quiet);
	ret = check_bpffs(pin_dir, err, err_len);
	if (ret)
		return ret;
	p->nr_majors = probe_camera_majors(p->majors, CAMOPEN_MAX_MAJORS);

	/* a probe pinned by an older daemon lacks some links: load anew */
	for (i = 0; i < NR_LINKS && pinned(pin_dir, link_names[i]); i++)
		;
	if (!reload && i == NR_LINKS) {
		p->reused = true;
		return open_maps(p, pin_dir, err, err_len);
	}

	skel = camopen_bpf__open_opts(&opts);
	if (!skel) {
		ret = -errno;
		seterr(err, err_len, "cannot open the BPF object: %s", strerror(errno));
		return ret;
	}
	for (i = 0; i < p->nr_majors; i++)
		skel->rodata->cam_majors[i] = p->majors[i];
	skel->rodata->nr_majors = p->nr_majors;
	if (ring_bytes && bpf_map__set_max_entries(skel->maps.events, ring_bytes)) {
		ret = -EINVAL;
		seterr(err, err_len, "bad ring buffer size %llu",
		       (unsigned long long)ring_bytes);
		goto out;
	}
	ret = camopen_bpf__load(skel);
	if (ret) {
		seterr(err, err_len, "cannot load the probe: %s (BPF LSM enabled? "
		       "\"bpf\" must be in /sys/kernel/security/lsm; a ring buffer "
		       "pinned with another size needs --detach first)", strerror(-ret));
		goto out;
	}
	links[0] = bpf_program__attach_lsm(skel->progs.camopen_file_open);
	links[1] = bpf_program__attach_lsm(skel->progs.camopen_file_free);
	links[2] = bpf_program__attach_lsm(skel->progs.camopen_file_ioctl);
	links[3] = bpf_program__attach_lsm(skel->progs.camopen_mmap_file);
	links[4] = bpf_program__attach_lsm(skel->progs.camopen_file_permission);
	for (i = 0; i < NR_LINKS; i++) {
		if (links[i])
			continue;
		ret = -errno;
		seterr(err, err_len, "cannot attach the probe to the LSM hooks: %s",
		       strerror(errno));
		goto out;
	}
	/* The new links replace any old ones: never a moment with no probe. */
	for (i = 0; i < NR_LINKS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, link_names[i]);
		unlink(path);
		ret = bpf_link__pin(links[i], path);
		if (ret) {
			seterr(err, err_len, "cannot pin %s: %s", path, strerror(-ret));
			goto out;
		}
	}
	ret = open_maps(p, pin_dir, err, err_len);
out:
	for (i = 0; i < NR_LINKS; i++)
		if (links[i])
			bpf_link__destroy(links[i]);	/* the pin keeps it */
	camopen_bpf__destroy(skel);
	return ret;
}

int probe_detach(const char *pin_dir, char *err, size_t err_len)
{
	char path[512];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < NR_LINKS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, link_names[i]);
		if (unlink(path) && errno != ENOENT)
			ret = -errno;
	}
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		if (unlink(path) && errno != ENOENT)
			ret = -errno;
	}
	if (rmdir(pin_dir) && errno != ENOENT)
		ret = -errno;
	if (ret)
		seterr(err, err_len, "%s: %s", pin_dir, strerror(-ret));
	return ret;
}

void probe_close(struct probe *p)
{
	int *fds[] = { &p->events_fd, &p->lost_fd, &p->settings_fd,
		       &p->allow_exe_fd, &p->allow_uid_fd, &p->usb_guard_fd };
	unsigned int i;

	if (p->consumer_pos)
		munmap((void *)p->consumer_pos, p->page_size);
	if (p->producer_pos)
		munmap((void *)p->producer_pos, p->page_size + 2 * p->ring_size);
	p->consumer_pos = NULL;
	p->producer_pos = NULL;
	p->ring = NULL;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Same layout as the kernel's ring buffer map (kernel/bpf/ringbuf.c):
 * page 0 the consumer position (writable), page 1 the producer position,
 * then the data pages mapped twice, so a record never wraps for us. */
int probe_ring_map(struct probe *p)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	void *m;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(p->events_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries)
		return -EINVAL;
	p->ring_size = info.max_entries;
	p->page_size = sysconf(_SC_PAGESIZE);
	m = mmap(NULL, p->page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 p->events_fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->consumer_pos = m;
	m = mmap(NULL, p->page_size + 2 * p->ring_size, PROT_READ, MAP_SHARED,
		 p->events_fd, p->page_size);
	if (m == MAP_FAILED) {
		int ret = -errno;

		munmap((void *)p->consumer_pos, p->page_size);
		p->consumer_pos = NULL;
		return ret;
	}
	p->producer_pos = m;
	p->ring = (const uint8_t *)m + p->page_size;
	return 0;
}

#define RB_BUSY		(1U << 31)	/* BPF_RINGBUF_BUSY_BIT */
#define RB_DISCARD	(1U << 30)	/* BPF_RINGBUF_DISCARD_BIT */
#define RB_HDR		8		/* BPF_RINGBUF_HDR_SZ */

unsigned long probe_ring_consumer(struct probe *p)
{
	return __atomic_load_n(p->consumer_pos, __ATOMIC_ACQUIRE);
}

uint64_t probe_ring_pending(struct probe *p)
{
	return __atomic_load_n(p->producer_pos, __ATOMIC_ACQUIRE) -
	       probe_ring_consumer(p);
}

const void *probe_ring_peek(struct probe *p, unsigned long pos,
			    unsigned long *next, uint32_t *len)
{
	unsigned long prod = __atomic_load_n(p->producer_pos, __ATOMIC_ACQUIRE);

	while (pos < prod) {
		const uint32_t *hdr = (const uint32_t *)(p->ring +
							 (pos & (p->ring_size - 1)));
		uint32_t l = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (l & RB_BUSY)
			return NULL;	/* reserved, not yet committed */
		pos += (RB_HDR + (l & ~(RB_BUSY | RB_DISCARD)) + 7) & ~7UL;
		if (l & RB_DISCARD)
			continue;
		*next = pos;
		*len = l & ~(RB_BUSY | RB_DISCARD);
		return (const uint8_t *)hdr + RB_HDR;
	}
	return NULL;
}

void probe_ring_consume(struct probe *p, unsigned long pos)
{
	__atomic_store_n(p->consumer_pos, pos, __ATOMIC_RELEASE);
}

static void clear_map(int fd, size_t key_size)
{
	unsigned char key[64], next[64];
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		bpf_map_delete_elem(fd, key);
		prev = NULL;	/* deleted: restart from the first key */
	}
}

int probe_configure(struct probe *p, bool enforce, const struct probe_exe *exe,
		    unsigned int n_exe, const uint32_t *uids, unsigned int n_uids)
{
	uint32_t zero = 0, mode = 0;
	uint8_t one = 1;
	unsigned int i;

	/* Audit-only while the lists change, so nothing listed is refused. */
	if (bpf_map_update_elem(p->settings_fd, &zero, &mode, BPF_ANY))
		return -errno;
	clear_map(p->allow_exe_fd, sizeof(struct camopen_exe_key));
	clear_map(p->allow_uid_fd, sizeof(uint32_t));
	for (i = 0; i < n_exe; i++) {
		struct camopen_exe_key k = { .dev = exe[i].dev, .ino = exe[i].ino };

		if (bpf_map_update_elem(p->allow_exe_fd, &k, &one, BPF_ANY))
			return -errno;
	}
	for (i = 0; i < n_uids; i++)
		if (bpf_map_update_elem(p->allow_uid_fd, &uids[i], &one, BPF_ANY))
			return -errno;
	mode = enforce;
	if (bpf_map_update_elem(p->settings_fd, &zero, &mode, BPF_ANY))
		return -errno;
	return 0;
}

int probe_set_usb_guard(struct probe *p, uint32_t mode)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(p->usb_guard_fd, &zero, &mode, BPF_ANY))
		return -errno;
	return 0;
}

uint64_t probe_lost(struct probe *p)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;
	uint32_t zero = 0;
	int i;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(p->lost_fd, &zero, vals))
		for (i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}
