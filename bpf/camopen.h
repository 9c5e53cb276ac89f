/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * camopen: the camera-open audit probe. This header is shared by the BPF
 * program (bpf/camopen.bpf.c) and its loader (user/auditd/probe.c): the
 * record layout in the ring buffer, the allow-list map keys and limits.
 */
#ifndef SEALCAM_CAMOPEN_H
#define SEALCAM_CAMOPEN_H

#define CAMOPEN_COMM_LEN	16
#define CAMOPEN_PATH_LEN	256
#define CAMOPEN_MAX_MAJORS	4
#define CAMOPEN_MAX_ALLOW	1024
#define CAMOPEN_MAX_OPEN	16384	/* open camera files tracked for close */
#define CAMOPEN_RINGBUF_BYTES	(16 << 20)	/* compiled in; the loader sets it */

enum camopen_kind {
	CAMOPEN_EV_OPEN = 1,
	CAMOPEN_EV_CLOSE = 2,
	CAMOPEN_EV_USB = 3,	/* the USB guard: a way around the V4L2 node */
};

/*
 * The USB guard (usb_guard map): what it does with the ways to a USB
 * webcam's frames that go around its V4L2 node (docs/AUDIT.md).
 */
enum camopen_usb_mode {
	CAMOPEN_USB_OFF = 0,	/* nothing checked, nothing logged */
	CAMOPEN_USB_LOG = 1,	/* allowed, and recorded */
	CAMOPEN_USB_DENY = 2,	/* refused (-EPERM), and recorded */
};

/* CAMOPEN_EV_USB records: which route (in the record's "mode" field). */
enum camopen_usb_what {
	CAMOPEN_USB_USBMON_OPEN = 1,	/* a debugfs usb/usbmon file opened */
	CAMOPEN_USB_USBMON_READ = 2,	/* read() of a usbmon file */
	CAMOPEN_USB_USBMON_IOCTL = 3,	/* ioctl() on /dev/usbmonN */
	CAMOPEN_USB_USBMON_MMAP = 4,	/* mmap() of /dev/usbmonN */
	CAMOPEN_USB_USBFS_IOCTL = 5,	/* usbfs ioctl() on a video-class device */
	CAMOPEN_USB_SYSFS_DRIVER = 6,	/* write-open of a usb driver's bind/unbind/new_id... */
	CAMOPEN_USB_SYSFS_DEVICE = 7,	/* write-open of a video-class device's authorized/remove/... */
};

enum camopen_verdict {
	CAMOPEN_ALLOWED = 0,	/* audit-only, or listed */
	CAMOPEN_DENIED = 1,	/* enforcement: the open got -EPERM */
};

/* Which part of an allow-list entry matched (informational). */
enum camopen_match {
	CAMOPEN_MATCH_NONE = 0,
	CAMOPEN_MATCH_EXE = 1,
	CAMOPEN_MATCH_UID = 2,
};

/* Devices are in the kernel's encoding: major << 20 | minor. */
struct camopen_exe_key {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

/*
 * One ring-buffer record. A close carries the same file cookie as its open
 * and the open's boot time, so user space needs no state for the duration.
 * A CAMOPEN_EV_USB record uses: mode = enum camopen_usb_what, flags = the
 * ioctl command (usbfs, usbmon) or the open flags, cookie = the USB device
 * (busnum << 16 | devnum, 0 when not known), rdev = the device node's
 * (0 for sysfs and debugfs files), verdict, path (not for reads: the
 * read hook may not resolve paths) and the opener's identity.
 */
struct camopen_event {
	__u64 kseq;		/* probe-wide sequence number, gaps = lost */
	__u64 boot_ns;		/* bpf_ktime_get_boot_ns() */
	__u64 open_boot_ns;	/* close only: when the file was opened */
	__u64 cookie;		/* identifies the struct file while open */
	__u64 cgroup_id;
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 kind;		/* enum camopen_kind */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 loginuid;
	__u32 sessionid;
	__u32 rdev;		/* major << 20 | minor */
	__u32 flags;		/* f_flags */
	__u32 mode;		/* f_mode */
	__s32 verdict;		/* enum camopen_verdict */
	__u32 match;		/* enum camopen_match */
	__s32 path_len;		/* bpf_d_path result, < 0 on error */
	__s32 exe_len;
	__u32 pad;
	char comm[CAMOPEN_COMM_LEN];
	char path[CAMOPEN_PATH_LEN];
	char exe[CAMOPEN_PATH_LEN];
};

#endif /* SEALCAM_CAMOPEN_H */
