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

/* The USB guard's generation of each file it recorded (see usb_seen). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} usb_files SEC(".maps");

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

static __always_inline int usb_guard_open(struct file *file);

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
		return usb_guard_open(file);

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

	/* the USB guard's generation (a lookup first: it is lock-free, and
	 * this runs for every file freed) */
	if (bpf_map_lookup_elem(&usb_files, &key))
		bpf_map_delete_elem(&usb_files, &key);
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

/*
 * The USB guard: the ways to a USB webcam's frames that go around its V4L2
 * node (issue 15), each refused or recorded as usb_guard[0] says
 * (enum camopen_usb_mode; 0, the value before sealcam-auditd configures it,
 * is off). A "video-class device" is a USB device with a USB Video Class
 * interface (bInterfaceClass 14) in any of its configurations - what
 * uvcvideo drives - whether or not a driver is bound to it now.
 *
 *  - usbmon: every read(), ioctl() and mmap() of a file whose operations
 *    belong to the usbmon module (the /dev/usbmonN binary interface, under
 *    any name or copy of the node, however the file was opened and also
 *    when it was opened before the probe was attached), and every open of
 *    debugfs's usb/usbmon/ files (the text interface). usbmon shows every
 *    bus, and a webcam may appear on any bus at any time: all of usbmon is
 *    refused, not one bus.
 *  - usbfs (/dev/bus/usb/BBB/DDD, major 189): every ioctl() on a
 *    video-class device except the ones that only read its state
 *    (CONNECTINFO, GETDRIVER, GET_CAPABILITIES, GET_SPEED, CONNINFO_EX):
 *    no disconnecting its driver, claiming an interface, transfer,
 *    reset, configuration or alternate setting change.
 *  - sysfs: opening for writing the unbind file of uvcvideo and of "usb"
 *    (the USB device driver: unbinding it unconfigures the device), a
 *    video-class device's authorized, remove and bConfigurationValue, its
 *    interfaces' authorized, and the disable file of the hub port it is
 *    on. Opening any other usb driver's bind, unbind, new_id, remove_id or
 *    match_busid for writing is recorded, never refused.
 */
#define USB_DEVICE_MAJOR	189
#define USB_CLASS_VIDEO		0x0e
#define USB_MAXCONFIG		8
#define USB_MAXINTERFACES	32
#define SYSFS_MAGIC		0x62656572
#define DEBUGFS_MAGIC		0x64626720
#define FMODE_WRITE_BIT		0x2
#define NAME_LEN		24

/*
 * usbcore's private types (drivers/usb/core/), relocated against usbcore's
 * BTF when usbcore is loaded as the probe is. When it is not (a probe
 * loaded early in boot, before udev loads usbcore), the fields are read at
 * the offsets 6.1 and 6.12 have (usb_dev_state: dev after a list_head;
 * usb_port: child first). Either way the pointer read must be a
 * usb_device (is_usb_device) before it is used.
 */
#define USB_DEV_STATE_DEV_OFF	16
#define USB_PORT_CHILD_OFF	0
struct usb_dev_state___sc {
	struct usb_device *dev;
} __attribute__((preserve_access_index));

struct usb_port___sc {
	struct usb_device *child;
	struct device dev;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} usb_guard SEC(".maps");

/*
 * (file, route, request) already recorded: a read(), ioctl() or mmap()
 * repeated on the same open file (a loop of reads, a stream of URBs) is
 * recorded once, refused every time. A struct file's address is reused
 * once it is freed, so each file the guard has seen gets a generation
 * (usb_files, deleted in file_free_security) that is part of the key.
 * LRU maps: under a flood of distinct files the oldest entries go, and a
 * later repeat is recorded again (more records, never fewer).
 */
struct usb_seen_key {
	__u64 file;
	__u64 gen;
	__u32 what;
	__u32 cmd;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct usb_seen_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} usb_seen SEC(".maps");

/* true when this (file, what, cmd) was recorded before; remembers it */
static __always_inline bool usb_seen_before(struct file *file, __u32 what, __u32 cmd)
{
	struct usb_seen_key key = { .file = (__u64)file, .what = what, .cmd = cmd };
	__u64 *gen = bpf_map_lookup_elem(&usb_files, &key.file);
	__u8 one = 1;

	if (gen) {
		key.gen = *gen;
	} else {
		key.gen = bpf_ktime_get_ns();
		bpf_map_update_elem(&usb_files, &key.file, &key.gen, BPF_ANY);
	}
	if (bpf_map_lookup_elem(&usb_seen, &key))
		return true;
	bpf_map_update_elem(&usb_seen, &key, &one, BPF_ANY);
	return false;
}

/*
 * The hook's return value. 6.12's verifier checks that an LSM program
 * returns 0 or a negative errno, and does not follow a negation, which
 * is what "deny ? -EPERM : 0" compiles to for a 0/1 value: the barrier
 * makes the compiler branch instead.
 */
static __always_inline int refusal(int deny)
{
	barrier_var(deny);
	return deny ? -EPERM : 0;
}

static __always_inline __u32 usb_mode(void)
{
	__u32 zero = 0, *m = bpf_map_lookup_elem(&usb_guard, &zero);

	return m ? *m : CAMOPEN_USB_OFF;
}

/* a kernel string equals @want (at most NAME_LEN - 1 bytes) */
static __always_inline bool kstr_is(const char *kstr, const char *want,
				    unsigned int len)
{
	char buf[NAME_LEN];
	unsigned int i;

	if (!kstr || bpf_probe_read_kernel_str(buf, sizeof(buf), kstr) != len + 1)
		return false;
	for (i = 0; i < NAME_LEN - 1 && i < len; i++)
		if (buf[i] != want[i])
			return false;
	return true;
}

#define KSTR_IS(kstr, lit) kstr_is(kstr, lit, sizeof(lit) - 1)

/* @udev is a USB device: its struct device's type is usb_device_type */
static __always_inline bool is_usb_device(struct usb_device *udev)
{
	const struct device_type *type;

	if (!udev)
		return false;
	type = BPF_CORE_READ(udev, dev.type);
	return type && KSTR_IS(BPF_CORE_READ(type, name), "usb_device");
}

/* The USB device of a usbfs file (its private_data is a usb_dev_state). */
static __always_inline struct usb_device *usbfs_device(struct file *file)
{
	void *ps = file->private_data;
	struct usb_device *udev = NULL;

	if (!ps)
		return NULL;
	if (bpf_core_type_exists(struct usb_dev_state___sc))
		udev = BPF_CORE_READ((struct usb_dev_state___sc *)ps, dev);
	else
		bpf_probe_read_kernel(&udev, sizeof(udev), ps + USB_DEV_STATE_DEV_OFF);
	return is_usb_device(udev) ? udev : NULL;
}

/* busnum << 16 | devnum */
static __always_inline __u32 usb_id(struct usb_device *udev)
{
	struct usb_bus *bus = BPF_CORE_READ(udev, bus);

	return (__u32)BPF_CORE_READ(bus, busnum) << 16 |
	       (BPF_CORE_READ(udev, devnum) & 0xffff);
}

/* Any interface of any configuration of @udev of the video class. The
 * descriptors are read at enumeration, before the device is added, so
 * this holds from the moment its nodes exist, configured or not. */
static __always_inline bool usb_is_video(struct usb_device *udev)
{
	__u32 cfg_size = bpf_core_type_size(struct usb_host_config);
	__u32 cache_off = bpf_core_field_offset(struct usb_host_config, intf_cache);
	__u32 alt_off = bpf_core_field_offset(struct usb_interface_cache, altsetting);
	struct usb_host_config *cfgs;
	unsigned int c, i;
	__u8 ncfg, nintf;

	if (!udev)
		return false;
	ncfg = BPF_CORE_READ(udev, descriptor.bNumConfigurations);
	cfgs = BPF_CORE_READ(udev, config);
	if (!cfgs)
		return false;
	for (c = 0; c < USB_MAXCONFIG; c++) {
		struct usb_host_config *cfg = (void *)cfgs + c * cfg_size;

		if (c >= ncfg)
			break;
		nintf = BPF_CORE_READ(cfg, desc.bNumInterfaces);
		for (i = 0; i < USB_MAXINTERFACES; i++) {
			struct usb_interface_cache *ic = NULL;
			struct usb_host_interface *alt;

			if (i >= nintf)
				break;
			bpf_probe_read_kernel(&ic, sizeof(ic),
					      (void *)cfg + cache_off + i * sizeof(void *));
			if (!ic)
				continue;
			alt = (void *)ic + alt_off;
			if (BPF_CORE_READ(alt, desc.bInterfaceClass) == USB_CLASS_VIDEO)
				return true;
		}
	}
	return false;
}

/* The file's operations belong to the usbmon module: /dev/usbmonN under
 * whatever name, node copy or mount it was opened through. */
static __always_inline bool is_usbmon_chr(struct file *file)
{
	const struct file_operations *fop = file->f_op;
	struct module *owner;

	if (!fop)
		return false;
	owner = fop->owner;
	return owner && KSTR_IS(owner->name, "usbmon");
}

/* A debugfs file of usbmon's text interface (usb/usbmon/Nt, Nu, Ns). */
static __always_inline bool is_usbmon_debugfs(struct file *file)
{
	struct inode *inode = file->f_inode;
	struct dentry *parent;

	if (!inode || inode->i_sb->s_magic != DEBUGFS_MAGIC)
		return false;
	parent = file->f_path.dentry->d_parent;
	return parent && KSTR_IS((const char *)parent->d_name.name, "usbmon");
}

static __always_inline int usb_record(struct file *file, __u32 what, __u32 cmd,
				      __u32 usbid, int deny, bool paths)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct camopen_event *e;
	struct file *exe = NULL;
	struct mm_struct *mm;
	struct inode *inode = file->f_inode;
	__u64 id = bpf_get_current_pid_tgid(), uid_gid = bpf_get_current_uid_gid();

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		next_kseq();
		count_lost();
		return refusal(deny);
	}
	mm = task->mm;
	if (mm)
		exe = mm->exe_file;
	e->kseq = next_kseq();
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->open_boot_ns = 0;
	e->cookie = usbid;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->exe_ino = exe ? exe->f_inode->i_ino : 0;
	e->exe_dev = exe ? exe->f_inode->i_sb->s_dev : 0;
	e->kind = CAMOPEN_EV_USB;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ppid = task->real_parent->tgid;
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->euid = task->cred->euid.val;
	if (bpf_core_field_exists(task->loginuid)) {
		e->loginuid = task->loginuid.val;
		e->sessionid = task->sessionid;
	} else {
		e->loginuid = (__u32)-1;
		e->sessionid = (__u32)-1;
	}
	e->rdev = inode && (inode->i_mode & S_IFMT) == S_IFCHR ? inode->i_rdev : 0;
	e->flags = cmd;
	e->mode = what;
	e->verdict = deny ? CAMOPEN_DENIED : CAMOPEN_ALLOWED;
	e->match = CAMOPEN_MATCH_NONE;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->path_len = -1;
	e->exe_len = -1;
	if (paths) {	/* only where the hook may call bpf_d_path */
		e->path_len = bpf_d_path(&file->f_path, e->path, sizeof(e->path));
		if (exe)
			e->exe_len = bpf_d_path(&exe->f_path, e->exe, sizeof(e->exe));
	}
	submit(e);
	return refusal(deny);
}

/* The sysfs directory holding @kn is a device's: the USB device it is,
 * or whose interface or hub port it is (NULL when none). */
static __always_inline struct usb_device *sysfs_usb_device(struct kernfs_node *kn,
							   bool *port)
{
	struct kernfs_node *dir = BPF_CORE_READ(kn, parent);
	struct kobject *kobj = BPF_CORE_READ(dir, priv);
	struct device *dev, *parent;
	const struct device_type *type;
	const char *tname;

	*port = false;
	if (!kobj)
		return NULL;
	dev = (void *)kobj - bpf_core_field_offset(struct device, kobj);
	type = BPF_CORE_READ(dev, type);
	if (!type)
		return NULL;
	tname = BPF_CORE_READ(type, name);
	if (KSTR_IS(tname, "usb_device"))
		return (void *)dev - bpf_core_field_offset(struct usb_device, dev);
	if (KSTR_IS(tname, "usb_interface")) {
		parent = BPF_CORE_READ(dev, parent);
		return parent ? (void *)parent -
			bpf_core_field_offset(struct usb_device, dev) : NULL;
	}
	if (KSTR_IS(tname, "usb_port")) {
		struct usb_device *child = NULL;
		void *p;

		*port = true;
		if (bpf_core_type_exists(struct usb_port___sc)) {
			p = (void *)dev - bpf_core_field_offset(struct usb_port___sc, dev);
			child = BPF_CORE_READ((struct usb_port___sc *)p, child);
		} else {
			/* struct usb_port { struct usb_device *child;
			 * struct device dev; ...}: dev follows the pointer */
			p = (void *)dev - sizeof(void *);
			bpf_probe_read_kernel(&child, sizeof(child), p + USB_PORT_CHILD_OFF);
		}
		return is_usb_device(child) ? child : NULL;
	}
	return NULL;
}

/* Opening a sysfs file for writing: the usb bus's driver files and a
 * video-class device's attributes that would take it from its driver. */
static __always_inline int usb_sysfs_open(struct file *file, __u32 mode)
{
	struct kernfs_node *kn = file->f_inode->i_private, *drv, *drivers, *bus;
	const char *name = BPF_CORE_READ(kn, name);
	struct usb_device *udev;
	bool port;

	if (!name)
		return 0;
	if (KSTR_IS(name, "unbind") || KSTR_IS(name, "bind") ||
	    KSTR_IS(name, "new_id") || KSTR_IS(name, "remove_id") ||
	    KSTR_IS(name, "match_busid")) {
		drv = BPF_CORE_READ(kn, parent);
		drivers = BPF_CORE_READ(drv, parent);
		bus = BPF_CORE_READ(drivers, parent);
		if (!KSTR_IS(BPF_CORE_READ(drivers, name), "drivers") ||
		    !KSTR_IS(BPF_CORE_READ(bus, name), "usb") ||
		    !KSTR_IS(BPF_CORE_READ(bus, parent, name), "bus"))
			return 0;
		/* only unbinding the webcam's drivers is refused */
		return usb_record(file, CAMOPEN_USB_SYSFS_DRIVER, file->f_flags, 0,
				  mode == CAMOPEN_USB_DENY && KSTR_IS(name, "unbind") &&
				  (KSTR_IS(BPF_CORE_READ(drv, name), "uvcvideo") ||
				   KSTR_IS(BPF_CORE_READ(drv, name), "usb")), true);
	}
	if (!KSTR_IS(name, "authorized") && !KSTR_IS(name, "remove") &&
	    !KSTR_IS(name, "bConfigurationValue") && !KSTR_IS(name, "disable"))
		return 0;
	udev = sysfs_usb_device(kn, &port);
	if (!udev || port != KSTR_IS(name, "disable") || !usb_is_video(udev))
		return 0;
	return usb_record(file, CAMOPEN_USB_SYSFS_DEVICE, file->f_flags,
			  usb_id(udev), mode == CAMOPEN_USB_DENY, true);
}

/* Called from camopen_file_open for a file that is not a camera node. */
static __always_inline int usb_guard_open(struct file *file)
{
	struct inode *inode = file->f_inode;
	__u32 mode = usb_mode();
	unsigned long magic;

	if (mode == CAMOPEN_USB_OFF || !inode)
		return 0;
	magic = inode->i_sb->s_magic;
	if (magic == SYSFS_MAGIC && (file->f_mode & FMODE_WRITE_BIT))
		return usb_sysfs_open(file, mode);
	if (magic == DEBUGFS_MAGIC && is_usbmon_debugfs(file))
		return usb_record(file, CAMOPEN_USB_USBMON_OPEN, file->f_flags, 0,
				  mode == CAMOPEN_USB_DENY, true);
	return 0;
}

/* usbfs ioctls that only read the device's state */
static __always_inline bool usbfs_ioctl_reads(unsigned int cmd)
{
	switch (cmd) {
	case 0x40085511:	/* USBDEVFS_CONNECTINFO */
	case 0x41045508:	/* USBDEVFS_GETDRIVER */
	case 0x8004551a:	/* USBDEVFS_GET_CAPABILITIES */
	case 0x0000551f:	/* USBDEVFS_GET_SPEED */
		return true;
	}
	/* USBDEVFS_CONNINFO_EX(len): _IOC(_IOC_READ, 'U', 0x20, len) */
	return (cmd & 0xc000ffff) == 0x80005520;
}

SEC("lsm/file_ioctl")
int BPF_PROG(camopen_file_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg, int ret)
{
	struct inode *inode = file->f_inode;
	struct usb_device *udev;
	__u32 mode;

	if (ret || !inode || (inode->i_mode & S_IFMT) != S_IFCHR)
		return ret;
	mode = usb_mode();
	if (mode == CAMOPEN_USB_OFF)
		return 0;
	if (inode->i_rdev >> MINORBITS == USB_DEVICE_MAJOR) {
		if (usbfs_ioctl_reads(cmd))
			return 0;
		udev = usbfs_device(file);
		if (!usb_is_video(udev))
			return 0;
		if (usb_seen_before(file, CAMOPEN_USB_USBFS_IOCTL, cmd))
			return refusal(mode == CAMOPEN_USB_DENY);
		return usb_record(file, CAMOPEN_USB_USBFS_IOCTL, cmd, usb_id(udev),
				  mode == CAMOPEN_USB_DENY, true);
	}
	if (!is_usbmon_chr(file))
		return 0;
	if (usb_seen_before(file, CAMOPEN_USB_USBMON_IOCTL, cmd))
		return refusal(mode == CAMOPEN_USB_DENY);
	return usb_record(file, CAMOPEN_USB_USBMON_IOCTL, cmd, 0,
			  mode == CAMOPEN_USB_DENY, true);
}

SEC("lsm/mmap_file")
int BPF_PROG(camopen_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	struct inode *inode;
	__u32 mode;

	if (ret || !file)
		return ret;
	inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFCHR || !is_usbmon_chr(file))
		return 0;
	mode = usb_mode();
	if (mode == CAMOPEN_USB_OFF)
		return 0;
	if (usb_seen_before(file, CAMOPEN_USB_USBMON_MMAP, 0))
		return refusal(mode == CAMOPEN_USB_DENY);
	return usb_record(file, CAMOPEN_USB_USBMON_MMAP, (__u32)prot, 0,
			  mode == CAMOPEN_USB_DENY, true);
}

/* Reads of usbmon: also of a file opened before the probe was attached. */
SEC("lsm/file_permission")
int BPF_PROG(camopen_file_permission, struct file *file, int mask, int ret)
{
	struct inode *inode = file->f_inode;
	__u32 mode;
	int deny;

	if (ret || !inode)
		return ret;
	if ((inode->i_mode & S_IFMT) == S_IFCHR) {
		if (!is_usbmon_chr(file))
			return 0;
	} else if (inode->i_sb->s_magic != DEBUGFS_MAGIC || !is_usbmon_debugfs(file)) {
		return 0;
	}
	mode = usb_mode();
	if (mode == CAMOPEN_USB_OFF)
		return 0;
	deny = mode == CAMOPEN_USB_DENY;
	if (usb_seen_before(file, CAMOPEN_USB_USBMON_READ, 0))
		return refusal(deny);
	return usb_record(file, CAMOPEN_USB_USBMON_READ, (__u32)mask, 0, deny, false);
}
