// SPDX-License-Identifier: GPL-2.0
/*
 * camopen: every open of a camera node, seen by the BPF LSM.
 *
 * The file_open hook runs after the path has been resolved to an inode, so
 * symlinks, /proc/self/fd re-opens, a second node made with mknod, bind
 * mounts and other mount namespaces all end at the same check: a character
 * device whose major is one of the camera majors given before load.
 *
 * Each open becomes one record in a ring buffer submitted without a wakeup;
 * the daemon drains it on a timer, which keeps the probe's cost close to that
 * of the bare open. A record that does not fit is counted in a per-CPU
 * counter instead, so the loss is known exactly. An allowed open is
 * remembered by its struct file until file_free_security, which gives the
 * close record and the duration of access.
 *
 * Enforcement (settings[0] != 0): an open whose executable (device, inode)
 * and uid are both unlisted fails with -EPERM and is recorded as denied.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "camopen.h"

#define EPERM		1
#define S_IFMT		00170000
#define S_IFCHR		0020000
#define MINORBITS	20

char LICENSE[] SEC("license") = "GPL";

/* Camera device majors (V4L2 81 covers video, v4l-subdev; media's is dynamic). */
const volatile __u32 cam_majors[CAMOPEN_MAX_MAJORS] = {};
const volatile __u32 nr_majors = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CAMOPEN_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

/* Records that did not fit in the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lost SEC(".maps");

/* [0]: next kseq. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counter SEC(".maps");

/* [0]: enforce (0 audit-only, 1 deny unlisted). A map, not rodata, so the
 * mode changes without reloading (and without losing the buffer). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CAMOPEN_MAX_ALLOW);
	__type(key, struct camopen_exe_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} allow_exe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CAMOPEN_MAX_ALLOW);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} allow_uid SEC(".maps");

struct open_file {
	__u64 kseq;
	__u64 boot_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 rdev;
	char comm[CAMOPEN_COMM_LEN];
};

/* Allowed opens not yet freed, by struct file address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CAMOPEN_MAX_OPEN);
	__type(key, __u64);
	__type(value, struct open_file);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} open_files SEC(".maps");

/*
 * Fields are read by direct (BTF-checked, CO-RE relocated) loads, not
 * bpf_probe_read_kernel() helper calls: this runs on every open.
 */
static __always_inline bool is_camera(struct inode *inode, __u32 *rdev)
{
	umode_t mode = inode->i_mode;
	__u32 dev, major;
	unsigned int i;

	if ((mode & S_IFMT) != S_IFCHR)
		return false;
	dev = inode->i_rdev;
	major = dev >> MINORBITS;
	for (i = 0; i < CAMOPEN_MAX_MAJORS; i++) {
		if (i >= nr_majors)
			break;
		if (cam_majors[i] == major) {
			*rdev = dev;
			return true;
		}
	}
	return false;
}

static __always_inline __u64 next_kseq(void)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&counter, &zero);

	if (!c)
		return 0;
	return __sync_fetch_and_add(c, 1) + 1;
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

/*
 * Submit quietly; wake the reader only when the buffer is filling up (past
 * a quarter of its size, which the loader may have changed).
 */
static __always_inline void submit(void *rec)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);

	bpf_ringbuf_submit(rec, avail > size / 4 ?
			   BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline int check_allowed(__u32 exe_dev, __u64 exe_ino,
					 __u32 uid, __u32 *match)
{
	struct camopen_exe_key key = { .dev = exe_dev, .ino = exe_ino };
	__u32 zero = 0, *enforce;

	if (exe_ino && bpf_map_lookup_elem(&allow_exe, &key)) {
		*match = CAMOPEN_MATCH_EXE;
		return CAMOPEN_ALLOWED;
	}
	if (bpf_map_lookup_elem(&allow_uid, &uid)) {
		*match = CAMOPEN_MATCH_UID;
		return CAMOPEN_ALLOWED;
	}
	*match = CAMOPEN_MATCH_NONE;
	enforce = bpf_map_lookup_elem(&settings, &zero);
	return enforce && *enforce ? CAMOPEN_DENIED : CAMOPEN_ALLOWED;
}

SEC("lsm/file_open")
int BPF_PROG(camopen_file_open, struct file *file, int ret)
{
	struct task_struct *task;
	struct camopen_event *e;
	struct file *exe = NULL;
	struct mm_struct *mm;
	struct open_file of;
	__u32 rdev, uid, match, exe_dev = 0;
	__u64 exe_ino = 0, id, kseq, uid_gid, now, cgroup;
	int verdict;

	if (ret)
		return ret;
	if (!is_camera(file->f_inode, &rdev))
		return 0;

	task = bpf_get_current_task_btf();
	mm = task->mm;
	if (mm)
		exe = mm->exe_file;
	if (exe) {
		exe_dev = exe->f_inode->i_sb->s_dev;
		exe_ino = exe->f_inode->i_ino;
	}
	uid_gid = bpf_get_current_uid_gid();
	uid = (__u32)uid_gid;
	verdict = check_allowed(exe_dev, exe_ino, uid, &match);

	/* each helper once; the close record needs the same identity */
	id = bpf_get_current_pid_tgid();
	now = bpf_ktime_get_boot_ns();
	cgroup = bpf_get_current_cgroup_id();
	kseq = next_kseq();
	__builtin_memset(&of, 0, sizeof(of));
	of.kseq = kseq;
	of.boot_ns = now;
	of.cgroup_id = cgroup;
	of.pid = id >> 32;
	of.tid = (__u32)id;
	of.uid = uid;
	of.rdev = rdev;
	bpf_get_current_comm(of.comm, sizeof(of.comm));

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		goto track;
	}
	e->kseq = kseq;
	e->boot_ns = now;
	e->open_boot_ns = now;
	e->cookie = kseq;
	e->cgroup_id = cgroup;
	e->exe_ino = exe_ino;
	e->exe_dev = exe_dev;
	e->kind = CAMOPEN_EV_OPEN;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ppid = task->real_parent->tgid;
	e->uid = uid;
	e->gid = uid_gid >> 32;
	e->euid = task->cred->euid.val;
	if (bpf_core_field_exists(task->loginuid)) {
		e->loginuid = task->loginuid.val;
		e->sessionid = task->sessionid;
	} else {
		e->loginuid = (__u32)-1;
		e->sessionid = (__u32)-1;
	}
	e->rdev = rdev;
	e->flags = file->f_flags;
	e->mode = file->f_mode;
	e->verdict = verdict;
	e->match = match;
	e->pad = 0;
	__builtin_memcpy(e->comm, of.comm, sizeof(e->comm));
	e->path_len = bpf_d_path(&file->f_path, e->path, sizeof(e->path));
	if (exe)
		e->exe_len = bpf_d_path(&exe->f_path, e->exe, sizeof(e->exe));
	else
		e->exe_len = -1;
	submit(e);

track:
	if (verdict == CAMOPEN_DENIED)
		return -EPERM;
	/* The close record needs the open's identity; kept until freed. */
	id = (__u64)file;
	bpf_map_update_elem(&open_files, &id, &of, BPF_ANY);
	return 0;
}

SEC("lsm/file_free_security")
int BPF_PROG(camopen_file_free, struct file *file)
{
	struct camopen_event *e;
	struct open_file *of;
	__u64 key = (__u64)file;

	of = bpf_map_lookup_elem(&open_files, &key);
	if (!of)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		next_kseq();
		count_lost();
		bpf_map_delete_elem(&open_files, &key);
		return 0;
	}
	/* every header field set; path and exe stay unused (length -1) */
	e->kseq = next_kseq();
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->open_boot_ns = of->boot_ns;
	e->cookie = of->kseq;
	e->cgroup_id = of->cgroup_id;
	e->exe_ino = 0;
	e->exe_dev = 0;
	e->kind = CAMOPEN_EV_CLOSE;
	e->ppid = 0;
	e->euid = 0;
	e->gid = 0;
	e->loginuid = 0;
	e->sessionid = 0;
	e->flags = 0;
	e->mode = 0;
	e->verdict = CAMOPEN_ALLOWED;
	e->match = CAMOPEN_MATCH_NONE;
	e->pad = 0;
	e->pid = of->pid;
	e->tid = of->tid;
	e->uid = of->uid;
	e->rdev = of->rdev;
	e->path_len = -1;
	e->exe_len = -1;
	__builtin_memcpy(e->comm, of->comm, sizeof(e->comm));
	bpf_map_delete_elem(&open_files, &key);
	submit(e);
	return 0;
}
