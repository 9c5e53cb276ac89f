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
