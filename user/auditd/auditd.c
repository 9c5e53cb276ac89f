// SPDX-License-Identifier: MIT
/*
 * sealcam-auditd: attaches the camopen probe (or finds it pinned), drains
 * its ring buffer on a timer, listens to the sealcam module's netlink
 * events, and appends every event to the sealed audit log (auditlog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <netlink/socket.h>
#include <sodium.h>

#include "../audit/auditlog.h"
#include "../audit/chunk.h"
#include "../keyfmt.h"
#include "../nl.h"
#include "ini.h"
#include "agentev.h"
#include "camopen.h"
#include "probe.h"
#include "sealcam_version.h"
#include <systemd/sd-daemon.h>

#define DEFAULT_CONFIG	"/etc/sealcam/auditd.conf"
#define DEFAULT_DIR	"/var/lib/sealcam/audit"
#define MAX_ALLOW	CAMOPEN_MAX_ALLOW
/* Records taken from the ring buffer per log write; the consumer position
 * moves only after they are written, so a restart may find up to one batch
 * again, recognised by kseq in the last DEDUP_TAIL bytes of the log. */
#define BATCH_RECORDS	512
#define DEDUP_TAIL	(4 << 20)
#define SYNC_EVERY_NS	1000000000LL	/* fsync at least this often when busy */

static const char help[] =
"NAME\n"
"    sealcam-auditd - log every open of a camera device to a sealed log\n"
"\n"
"SYNOPSIS\n"
"    sealcam-auditd [OPTIONS]\n"
"    sealcam-auditd --detach [--pin-dir DIR]\n"
"\n"
"DESCRIPTION\n"
"    Attaches the camopen BPF LSM probe (file_open), which sees every open\n"
"    of a V4L2 or media device node whatever the path or mount namespace,\n"
"    and writes one record per open and close, plus the sealcam module's\n"
"    key and segment events, to DIR/audit.log: JSON Lines, hash-chained,\n"
"    MACed under a key that evolves one way every epoch (see sealcam audit).\n"
"    Run `sealcam audit init` first. The probe and its ring buffer stay\n"
"    pinned in bpffs, so a restart loses nothing the buffer held; events the\n"
"    buffer could not hold are counted and logged as \"gap\" records.\n"
"    The same probe guards the ways to a USB webcam's frames around its V4L2\n"
"    node (usbmon, usbfs, unbinding its driver in sysfs): refused and\n"
"    recorded as \"usb\" records (--usb-guard), also while the daemon is\n"
"    stopped, as long as the probe stays pinned.\n"
"    Stops cleanly (drains, seals) on SIGTERM or SIGINT.\n"
"\n"
"OPTIONS\n"
"    -c, --config FILE       settings file (default " DEFAULT_CONFIG ",\n"
"                            if present); lines \"name = value\", names as\n"
"                            the long options below, # comments\n"
"    -d, --dir DIR           log and sealing state (default " DEFAULT_DIR ")\n"
"    -e, --enforce           deny (EPERM) opens by programs and uids not\n"
"                            listed; default: audit only\n"
"    -a, --allow-exe PATH    allow this executable (by device and inode: a\n"
"                            copy is another program); repeatable\n"
"    -u, --allow-uid UID     allow this user; repeatable\n"
"        --usb-guard MODE    the ways to a USB webcam's frames around its\n"
"                            V4L2 node (usbmon, usbfs, unbinding its driver\n"
"                            in sysfs; docs/AUDIT.md): deny (refuse and log,\n"
"                            the default), log (allow and log) or off\n"
"        --drain-ms N        ring buffer drain period (default 100)\n"
"        --ring-mb N         ring buffer size in MiB when the probe is loaded,\n"
"                            a power of two (default 32); a pinned one keeps\n"
"                            its size\n"
"        --priority-boost N  run at nice -N, so the daemon keeps up with a\n"
"                            storm of opens (default 10, 0 to leave it)\n"
"        --netlink-rcvbuf N  receive buffer for the module's events, bytes\n"
"                            (default 4194304)\n"
"        --epoch-records N   seal after N records (default 1000)\n"
"        --epoch-seconds N   seal after N seconds (default 60)\n"
"        --pin-dir DIR       bpffs directory (default " PROBE_PIN_DIR ")\n"
"        --reload            load a fresh probe even if one is pinned\n"
"        --no-netlink        do not subscribe to the module's events\n"
"        --outbox DIR        at every seal, write the newly sealed part of\n"
"                            the log there as a chunk encrypted to the\n"
"                            recipients (audit-FIRST-LAST.sealed), for the\n"
"                            agent to upload; needs --recipient\n"
"        --recipient KEY     public key (base64 text or file) of an owner;\n"
"                            repeatable, up to 16\n"
"        --agent-events DIR  take sealcam-agent's drop records from DIR\n"
"                            into the log (default " AGENTEV_DEFAULT_DIR ";\n"
"                            \"none\" disables)\n"
"        --ready-file FILE   create FILE once the probe is attached\n"
"        --detach            remove the pinned probe and exit\n"
"    -h, --help              this text\n"
"        --version           print the version and exit\n"
"\n"
"EXIT STATUS\n"
"    0 stopped cleanly, 1 failure (the message names it), 2 usage error.\n";

struct opts {
	char *dir;
	char *pin_dir;
	char *ready_file;
	bool enforce, reload, no_netlink, detach;
	uint32_t usb_guard;	/* enum camopen_usb_mode */
	long drain_ms, epoch_records, epoch_secs;
	long ring_mb, prio_boost, nl_rcvbuf;
	char *outbox;
	char *agent_events;
	uint8_t rcpt[AL_CHUNK_MAX_RCPT][32];
	unsigned int n_rcpt;
	char *exe[MAX_ALLOW];
	unsigned int n_exe;
	uint32_t uids[MAX_ALLOW];
	unsigned int n_uids;
};

struct daemon {
	struct opts *o;
	struct al_writer w;
	struct al_buf body;
	struct probe probe;
	int64_t real_offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	uint64_t *seen;		/* kseqs already in the log (restart) */
	size_t n_seen, seen_max;
	uint64_t opens, closes, skipped, nl_events, usb_events;
	int err;
	int epfd;
	struct sc_nl nl;
	bool nl_up;
	time_t nl_retry;
	struct agentev ev;
	uint32_t nl_drops_seen;	/* module events dropped, already logged */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

enum { O_DRAIN = 256, O_EPREC, O_EPSEC, O_PIN, O_RELOAD, O_NONL, O_READY,
	O_VERSION, O_DETACH, O_OUTBOX, O_RCPT, O_AGENTEV, O_RING, O_PRIO, O_NLBUF,
	O_USBGUARD };

/* One setting from the command line or the config file. */
static int set_opt(struct opts *o, int id, const char *val, const char *where)
{
	long v;

	switch (id) {
	case 'd':
		free(o->dir);
		o->dir = strdup(val);
		return 0;
	case 'e':
		if (!val || !strcmp(val, "yes") || !strcmp(val, "true") ||
		    !strcmp(val, "1"))
			o->enforce = true;
		else if (!strcmp(val, "no") || !strcmp(val, "false") ||
			 !strcmp(val, "0"))
			o->enforce = false;
		else
			goto bad;
		return 0;
	case 'a':
		if (o->n_exe >= MAX_ALLOW || !*val)
			goto bad;
		o->exe[o->n_exe++] = strdup(val);
		return 0;
	case 'u':
		if (o->n_uids >= MAX_ALLOW || parse_long(val, 0, UINT32_MAX - 1, &v))
			goto bad;
		o->uids[o->n_uids++] = v;
		return 0;
	case O_USBGUARD:
		if (!strcmp(val, "deny"))
			o->usb_guard = CAMOPEN_USB_DENY;
		else if (!strcmp(val, "log"))
			o->usb_guard = CAMOPEN_USB_LOG;
		else if (!strcmp(val, "off"))
			o->usb_guard = CAMOPEN_USB_OFF;
		else
			goto bad;
		return 0;
	case O_DRAIN:
		if (parse_long(val, 1, 60000, &o->drain_ms))
			goto bad;
		return 0;
	case O_RING:
		if (parse_long(val, 1, 1024, &o->ring_mb) ||
		    (o->ring_mb & (o->ring_mb - 1)))
			goto bad;
		return 0;
	case O_PRIO:
		if (parse_long(val, 0, 19, &o->prio_boost))
			goto bad;
		return 0;
	case O_NLBUF:
		if (parse_long(val, 1, 1 << 30, &o->nl_rcvbuf))
			goto bad;
		return 0;
	case O_EPREC:
		if (parse_long(val, 2, 100000000, &o->epoch_records))
			goto bad;
		return 0;
	case O_EPSEC:
		if (parse_long(val, 1, 86400 * 366, &o->epoch_secs))
			goto bad;
		return 0;
	case O_PIN:
		free(o->pin_dir);
		o->pin_dir = strdup(val);
		return 0;
	case O_NONL:
		o->no_netlink = true;
		return 0;
	case O_AGENTEV:
		free(o->agent_events);
		o->agent_events = strdup(val);
		return 0;
	case O_OUTBOX:
		free(o->outbox);
		o->outbox = strdup(val);
		return 0;
	case O_RCPT: {
		char what[256];

		if (o->n_rcpt >= AL_CHUNK_MAX_RCPT ||
		    keyfmt_read_key(val, o->rcpt[o->n_rcpt], what, sizeof(what))) {
			auditd_say("%s: recipient %s is not a public key", where, val);
			return -EINVAL;
		}
		o->n_rcpt++;
		return 0;
	}
	}
bad:
	auditd_say("%s: bad value \"%s\"", where, val ? val : "");
	return -EINVAL;
}

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "dir", required_argument, NULL, 'd' },
	{ "enforce", no_argument, NULL, 'e' },
	{ "allow-exe", required_argument, NULL, 'a' },
	{ "allow-uid", required_argument, NULL, 'u' },
	{ "usb-guard", required_argument, NULL, O_USBGUARD },
	{ "drain-ms", required_argument, NULL, O_DRAIN },
	{ "ring-mb", required_argument, NULL, O_RING },
	{ "priority-boost", required_argument, NULL, O_PRIO },
	{ "netlink-rcvbuf", required_argument, NULL, O_NLBUF },
	{ "epoch-records", required_argument, NULL, O_EPREC },
	{ "epoch-seconds", required_argument, NULL, O_EPSEC },
	{ "pin-dir", required_argument, NULL, O_PIN },
	{ "reload", no_argument, NULL, O_RELOAD },
	{ "no-netlink", no_argument, NULL, O_NONL },
	{ "outbox", required_argument, NULL, O_OUTBOX },
	{ "recipient", required_argument, NULL, O_RCPT },
	{ "ready-file", required_argument, NULL, O_READY },
	{ "agent-events", required_argument, NULL, O_AGENTEV },
	{ "detach", no_argument, NULL, O_DETACH },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* One "name = value" line of the config file: a long option's name. */
static int config_line(const struct sc_ini_line *l, void *arg, char *err,
		       size_t errlen)
{
	struct opts *o = arg;
	unsigned int i;
	int id = 0;

	for (i = 0; long_opts[i].name; i++)
		if (!strcmp(long_opts[i].name, l->key))
			id = long_opts[i].val;
	if (!id || id == 'c' || id == 'h' || id == O_DETACH ||
	    id == O_READY || id == O_RELOAD || id == O_VERSION) {
		snprintf(err, errlen, "%s: unknown setting \"%s\"", l->where,
			 l->key);
		return -1;
	}
	if (id == O_NONL && strcmp(l->value, "yes")) {
		if (strcmp(l->value, "no")) {
			snprintf(err, errlen, "%s: bad value \"%s\"", l->where,
				 l->value);
			return -1;
		}
		return 0;
	}
	/* set_opt names what it refuses itself */
	if (set_opt(o, id, l->value, l->where)) {
		*err = '\0';
		return -1;
	}
	return 0;
}

/*
 * The config file (docs/AUDIT.md): the long options, one "name = value" a
 * line, '#' comments; read by the tools' one INI reader (sc_ini_read).
 */
static int load_config(struct opts *o, const char *path, bool must_exist)
{
	char err[PATH_MAX + 300] = "";
	int r;

	r = sc_ini_read(path, SC_INI_SEALCAM, config_line, o, err, sizeof(err));
	if (r == -ENOENT) {
		if (!must_exist)
			return 0;
		auditd_say("%s: %s", path, strerror(ENOENT));
		return -ENOENT;
	}
	if (r) {
		if (*err)
			auditd_say("%s", err);
		return -EINVAL;
	}
	return 0;
}

/*
 * The superblock's device of the mount @mnt_id, as the kernel's s_dev
 * (major << 20 | minor). stat()'s st_dev is not always that: overlayfs
 * without xino reports the underlying layer's device, btrfs a subvolume's.
 */
static int mount_sb_dev(uint64_t mnt_id, uint32_t *dev)
{
	char line[4096];
	unsigned long long id;
	unsigned int ma, mi;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %*u %u:%u", &id, &ma, &mi) == 3 &&
		    id == mnt_id) {
			*dev = ma << 20 | mi;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int resolve_allow(struct opts *o, struct probe_exe *exe)
{
	unsigned int i;
	struct statx stx;
	struct stat sb;

	for (i = 0; i < o->n_exe; i++) {
		if (stat(o->exe[i], &sb)) {
			auditd_say("allow-exe %s: %s", o->exe[i], strerror(errno));
			return -errno;
		}
		if (!S_ISREG(sb.st_mode)) {
			auditd_say("allow-exe %s: not a regular file", o->exe[i]);
			return -EINVAL;
		}
		/* the kernel's dev_t encoding: major << 20 | minor */
		exe[i].dev = major(sb.st_dev) << 20 | minor(sb.st_dev);
		exe[i].ino = sb.st_ino;
		if (!statx(AT_FDCWD, o->exe[i], 0, STATX_INO | STATX_MNT_ID, &stx) &&
		    (stx.stx_mask & STATX_MNT_ID))
			mount_sb_dev(stx.stx_mnt_id, &exe[i].dev);
		auditd_say("allow-exe %s: device %u:%u inode %llu", o->exe[i],
		    exe[i].dev >> 20, exe[i].dev & 0xfffff,
		    (unsigned long long)exe[i].ino);
	}
	return 0;
}

/* ---- records ---- */

static void put_time(struct al_buf *b, int64_t real_ns)
{
	char iso[64];
	struct tm tm;
	time_t s = real_ns / 1000000000;

	gmtime_r(&s, &tm);
	snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, real_ns % 1000000000);
	al_buf_str(b, "time", iso);
	al_buf_i64(b, "ts_ns", real_ns);
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int append(struct daemon *d)
{
	int ret;

	if (d->body.oom)
		return -ENOMEM;
	ret = al_append(&d->w, d->body.p, d->body.len);
	if (ret)
		auditd_say("cannot append to the log: %s", strerror(-ret));
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool already_logged(struct daemon *d, uint64_t kseq)
{
	return d->n_seen &&
	       bsearch(&kseq, d->seen, d->n_seen, sizeof(uint64_t), cmp_u64);
}

static void str_field(struct al_buf *b, const char *key, const char *s,
		      size_t max)
{
	char tmp[CAMOPEN_PATH_LEN + 1];

	memcpy(tmp, s, max);
	tmp[max] = 0;
	al_buf_str(b, key, tmp);
}

static const char *usb_mode_name(uint32_t mode)
{
	return mode == CAMOPEN_USB_DENY ? "deny" :
	       mode == CAMOPEN_USB_LOG ? "log" : "off";
}

static const char *usb_what_name(uint32_t what)
{
	switch (what) {
	case CAMOPEN_USB_USBMON_OPEN:	return "usbmon-open";
	case CAMOPEN_USB_USBMON_READ:	return "usbmon-read";
	case CAMOPEN_USB_USBMON_IOCTL:	return "usbmon-ioctl";
	case CAMOPEN_USB_USBMON_MMAP:	return "usbmon-mmap";
	case CAMOPEN_USB_USBFS_IOCTL:	return "usbfs-ioctl";
	case CAMOPEN_USB_SYSFS_DRIVER:	return "sysfs-driver";
	case CAMOPEN_USB_SYSFS_DEVICE:	return "sysfs-device";
	}
	return "unknown";
}

/* usbfs ioctl names (linux/usbdevice_fs.h), for the log's reader */
static const char *usbfs_ioctl_name(uint32_t cmd)
{
	static const struct { uint32_t cmd; const char *name; } names[] = {
		{ USBDEVFS_CONTROL, "CONTROL" }, { USBDEVFS_BULK, "BULK" },
		{ USBDEVFS_RESETEP, "RESETEP" },
		{ USBDEVFS_SETINTERFACE, "SETINTERFACE" },
		{ USBDEVFS_SETCONFIGURATION, "SETCONFIGURATION" },
		{ USBDEVFS_SUBMITURB, "SUBMITURB" },
		{ USBDEVFS_DISCARDURB, "DISCARDURB" },
		{ USBDEVFS_REAPURB, "REAPURB" },
		{ USBDEVFS_REAPURBNDELAY, "REAPURBNDELAY" },
		{ USBDEVFS_DISCSIGNAL, "DISCSIGNAL" },
		{ USBDEVFS_CLAIMINTERFACE, "CLAIMINTERFACE" },
		{ USBDEVFS_RELEASEINTERFACE, "RELEASEINTERFACE" },
		{ USBDEVFS_IOCTL, "IOCTL" }, { USBDEVFS_RESET, "RESET" },
		{ USBDEVFS_CLEAR_HALT, "CLEAR_HALT" },
		{ USBDEVFS_DISCONNECT, "DISCONNECT" },
		{ USBDEVFS_CONNECT, "CONNECT" },
		{ USBDEVFS_CLAIM_PORT, "CLAIM_PORT" },
		{ USBDEVFS_RELEASE_PORT, "RELEASE_PORT" },
		{ USBDEVFS_DISCONNECT_CLAIM, "DISCONNECT_CLAIM" },
		{ USBDEVFS_ALLOC_STREAMS, "ALLOC_STREAMS" },
		{ USBDEVFS_FREE_STREAMS, "FREE_STREAMS" },
		{ USBDEVFS_DROP_PRIVILEGES, "DROP_PRIVILEGES" },
		{ USBDEVFS_FORBID_SUSPEND, "FORBID_SUSPEND" },
		{ USBDEVFS_ALLOW_SUSPEND, "ALLOW_SUSPEND" },
		{ USBDEVFS_WAIT_FOR_RESUME, "WAIT_FOR_RESUME" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cmd == cmd)
			return names[i].name;
	return NULL;
}

/* A CAMOPEN_EV_USB record: a way around a webcam's V4L2 node, taken or
 * refused (bpf/camopen.h says which fields carry what). */
static void usb_fields(struct al_buf *b, const struct camopen_event *e)
{
	char tmp[32];
	const char *name;

	al_buf_str(b, "what", usb_what_name(e->mode));
	al_buf_str(b, "verdict", e->verdict == CAMOPEN_DENIED ? "denied" : "allowed");
	if (e->cookie) {
		/* as in /dev/bus/usb/BBB/DDD and lsusb */
		snprintf(tmp, sizeof(tmp), "%03u/%03u", (unsigned int)(e->cookie >> 16),
			 (unsigned int)(e->cookie & 0xffff));
		al_buf_str(b, "usbdev", tmp);
	}
	if (e->mode == CAMOPEN_USB_USBFS_IOCTL || e->mode == CAMOPEN_USB_USBMON_IOCTL) {
		snprintf(tmp, sizeof(tmp), "0x%08x", e->flags);
		al_buf_str(b, "ioctl", tmp);
		name = e->mode == CAMOPEN_USB_USBFS_IOCTL ? usbfs_ioctl_name(e->flags) : NULL;
		if (name)
			al_buf_str(b, "ioctl_name", name);
	} else if (e->mode != CAMOPEN_USB_USBMON_READ && e->mode != CAMOPEN_USB_USBMON_MMAP) {
		al_buf_u64(b, "flags", e->flags);
	}
	al_buf_u64(b, "ppid", e->ppid);
	al_buf_u64(b, "euid", e->euid);
	al_buf_u64(b, "gid", e->gid);
	al_buf_i64(b, "loginuid", (int32_t)e->loginuid);
	al_buf_i64(b, "sessionid", (int32_t)e->sessionid);
	if (e->path_len > 0)
		str_field(b, "path", e->path, CAMOPEN_PATH_LEN);
	if (e->exe_len > 0)
		str_field(b, "exe", e->exe, CAMOPEN_PATH_LEN);
	snprintf(tmp, sizeof(tmp), "%u:%u", e->exe_dev >> 20, e->exe_dev & 0xfffff);
	al_buf_str(b, "exe_dev", tmp);
	al_buf_u64(b, "exe_ino", e->exe_ino);
}

static int on_probe_event(struct daemon *d, const void *data, size_t size)
{
	const struct camopen_event *e = data;
	struct al_buf *b = &d->body;
	char dev[32];

	if (size < sizeof(*e))
		return 0;
	if (already_logged(d, e->kseq)) {
		d->skipped++;
		return 0;
	}
	al_buf_reset(b);
	if (e->kind == CAMOPEN_EV_USB) {
		d->usb_events++;
		al_buf_str(b, "type", "usb");
		put_time(b, (int64_t)e->boot_ns + d->real_offset_ns);
		al_buf_u64(b, "boot_ns", e->boot_ns);
		al_buf_u64(b, "kseq", e->kseq);
		if (e->rdev) {
			snprintf(dev, sizeof(dev), "%u:%u", e->rdev >> 20, e->rdev & 0xfffff);
			al_buf_str(b, "dev", dev);
		}
		al_buf_u64(b, "pid", e->pid);
		al_buf_u64(b, "tid", e->tid);
		al_buf_u64(b, "uid", e->uid);
		str_field(b, "comm", e->comm, CAMOPEN_COMM_LEN);
		al_buf_u64(b, "cgroup", e->cgroup_id);
		usb_fields(b, e);
		return append(d);
	}
	al_buf_str(b, "type", e->kind == CAMOPEN_EV_OPEN ? "open" : "close");
	put_time(b, (int64_t)e->boot_ns + d->real_offset_ns);
	al_buf_u64(b, "boot_ns", e->boot_ns);
	al_buf_u64(b, "kseq", e->kseq);
	snprintf(dev, sizeof(dev), "%u:%u", e->rdev >> 20, e->rdev & 0xfffff);
	al_buf_str(b, "dev", dev);
	al_buf_u64(b, "pid", e->pid);
	al_buf_u64(b, "tid", e->tid);
	al_buf_u64(b, "uid", e->uid);
	str_field(b, "comm", e->comm, CAMOPEN_COMM_LEN);
	al_buf_u64(b, "cgroup", e->cgroup_id);
	if (e->kind == CAMOPEN_EV_OPEN) {
		d->opens++;
		al_buf_u64(b, "ppid", e->ppid);
		al_buf_u64(b, "euid", e->euid);
		al_buf_u64(b, "gid", e->gid);
		al_buf_i64(b, "loginuid", (int32_t)e->loginuid);
		al_buf_i64(b, "sessionid", (int32_t)e->sessionid);
		if (e->path_len > 0)
			str_field(b, "path", e->path, CAMOPEN_PATH_LEN);
		else
			al_buf_str(b, "path", "");
		if (e->exe_len > 0)
			str_field(b, "exe", e->exe, CAMOPEN_PATH_LEN);
		else
			al_buf_str(b, "exe", "");
		snprintf(dev, sizeof(dev), "%u:%u", e->exe_dev >> 20,
			 e->exe_dev & 0xfffff);
		al_buf_str(b, "exe_dev", dev);
		al_buf_u64(b, "exe_ino", e->exe_ino);
		al_buf_u64(b, "flags", e->flags);
		al_buf_str(b, "verdict", e->verdict == CAMOPEN_DENIED ?
			   "denied" : "allowed");
		al_buf_str(b, "match", e->match == CAMOPEN_MATCH_EXE ? "exe" :
			   e->match == CAMOPEN_MATCH_UID ? "uid" : "none");
	} else {
		d->closes++;
		al_buf_u64(b, "open_kseq", e->cookie);
		al_buf_u64(b, "duration_ns", e->boot_ns - e->open_boot_ns);
	}
	return append(d);
}

/*
 * One batch from the ring buffer: at most BATCH_RECORDS records become log
 * lines, written with one write(2); only then does the consumer position
 * move past them. *more: the batch was full (more may be waiting).
 */
static int drain_batch(struct daemon *d, bool *more)
{
	unsigned long pos = probe_ring_consumer(&d->probe), next;
	unsigned int n = 0;
	const void *rec;
	uint32_t len;
	int ret = 0;

	while (n < BATCH_RECORDS &&
	       (rec = probe_ring_peek(&d->probe, pos, &next, &len))) {
		ret = on_probe_event(d, rec, len);
		if (ret)
			return ret;
		pos = next;
		n++;
	}
	ret = al_flush(&d->w);
	if (ret) {
		auditd_say("cannot write the log: %s", strerror(-ret));
		return ret;
	}
	if (n)
		probe_ring_consume(&d->probe, pos);
	*more = n == BATCH_RECORDS;
	return 0;
}

static int log_lost(struct daemon *d)
{
	uint64_t total = probe_lost(&d->probe);

	if (total < d->w.st.lost_seen)	/* a fresh probe: counting anew */
		d->w.st.lost_seen = 0;
	if (total == d->w.st.lost_seen)
		return 0;
	al_buf_reset(&d->body);
	al_buf_str(&d->body, "type", "gap");
	put_time(&d->body, clock_ns(CLOCK_REALTIME));
	al_buf_str(&d->body, "source", "probe");
	al_buf_u64(&d->body, "lost", total - d->w.st.lost_seen);
	al_buf_u64(&d->body, "lost_total", total);
	d->w.st.lost_seen = total;
	auditd_say("%" PRIu64 " events did not fit in the ring buffer (logged as a gap)",
	    total);
	return append(d);
}

static int on_nl_event(const struct sc_nl_event *ev, void *arg)
{
	struct daemon *d = arg;
	struct al_buf *b = &d->body;
	char hex[KEYFMT_ID_HEX_SIZE];

	/* Opens are the probe's to log; the module's counters are kept as
	 * "counter" baselines for verify --live instead. */
	if (ev->event == SEALCAM_EV_OPEN || ev->event == SEALCAM_EV_CLOSE)
		return 0;
	d->nl_events++;
	al_buf_reset(b);
	al_buf_str(b, "type", "sealcam");
	put_time(b, clock_ns(CLOCK_REALTIME));
	al_buf_str(b, "event", sc_nl_event_name(ev->event));
	if (ev->has[SEALCAM_A_CAMERA])
		al_buf_u64(b, "camera", ev->camera);
	if (ev->has[SEALCAM_A_SEGMENT_ID])
		al_buf_u64(b, "segment_id", ev->segment_id);
	if (ev->has[SEALCAM_A_FRAME_INDEX])
		al_buf_u64(b, "frames", ev->frame_index);
	if (ev->has[SEALCAM_A_KEY_ID]) {
		keyfmt_id_hex(ev->key_id, hex);
		al_buf_str(b, "key_id", hex);
	}
	if (ev->has[SEALCAM_A_LABEL])
		al_buf_str(b, "label", ev->label);
	if (ev->has[SEALCAM_A_OPENS])
		al_buf_u64(b, "opens", ev->opens);
	if (ev->has[SEALCAM_A_SEG_FRAMES])
		al_buf_u64(b, "seg_frames", ev->seg_frames);
	if (ev->has[SEALCAM_A_SEG_MS])
		al_buf_u64(b, "seg_ms", ev->seg_ms);
	if (ev->has[SEALCAM_A_PID])
		al_buf_u64(b, "pid", ev->pid);
	if (ev->has[SEALCAM_A_UID])
		al_buf_u64(b, "uid", ev->uid);
	if (ev->has[SEALCAM_A_COMM])
		al_buf_str(b, "comm", ev->comm);
	return append(d);
}

/*
 * The module's own open counter of each camera, as a baseline for
 * `sealcam audit verify --live`: later opens in the log must add up to the
 * counter's growth, or the probe was detached.
 */
static void log_counters(struct daemon *d)
{
	struct sc_nl_status st[16];
	unsigned int n = 0, i;

	if (sc_nl_status(&d->nl, st, 16, &n))
		return;
	for (i = 0; i < n && i < 16; i++) {
		al_buf_reset(&d->body);
		al_buf_str(&d->body, "type", "counter");
		put_time(&d->body, clock_ns(CLOCK_REALTIME));
		al_buf_u64(&d->body, "camera", st[i].camera);
		al_buf_str(&d->body, "node", st[i].node);
		al_buf_u64(&d->body, "opens", st[i].opens);
		append(d);
	}
}

/*
 * Module events the socket could not queue (receive buffer full) become a
 * gap record with their number; @overrun: the kernel reported ENOBUFS,
 * logged even when the count cannot be read.
 */
static void log_nl_drops(struct daemon *d, bool overrun)
{
	uint32_t drops = 0;
	bool known = !sc_nl_drops(&d->nl, &drops);

	if (known && drops == d->nl_drops_seen && !overrun)
		return;
	al_buf_reset(&d->body);
	al_buf_str(&d->body, "type", "gap");
	put_time(&d->body, clock_ns(CLOCK_REALTIME));
	al_buf_str(&d->body, "source", "netlink");
	if (known) {
		al_buf_u64(&d->body, "lost", drops - d->nl_drops_seen);
		al_buf_u64(&d->body, "lost_total", drops);
		d->nl_drops_seen = drops;
	}
	auditd_say("module events lost: the receive queue overflowed (%s%u dropped)",
	    known ? "" : "at least ", known ? drops : 1);
	append(d);
}

static void netlink_down(struct daemon *d)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, nl_socket_get_fd(d->nl.sk), NULL);
	sc_nl_close(&d->nl);
	d->nl_up = false;
}

/* Reads every queued module event (non-blocking); subscribes first when
 * the module has appeared. */
static void netlink_poll(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ret, i;

	if (d->o->no_netlink)
		return;
	if (!d->nl_up) {
		if (time(NULL) < d->nl_retry)
			return;
		d->nl_retry = time(NULL) + 2;
		if (sc_nl_open(&d->nl))
			return;	/* module not loaded (yet) */
		ret = sc_nl_events_quiet(&d->nl, d->o->nl_rcvbuf);
		if (ret)
			auditd_say("module events: cannot filter out open notifications: %s",
			    strerror(-ret));
		if (sc_nl_events_subscribe(&d->nl)) {
			sc_nl_close(&d->nl);
			return;
		}
		d->nl_up = true;
		d->nl_drops_seen = 0;
		auditd_say("subscribed to the sealcam module's events");
		log_counters(d);
		/*
		 * From here on the socket only carries events. libnl may go on
		 * reading after the message poll() announced; on a blocking
		 * socket that would stall the drain loop until the next event.
		 */
		nl_socket_set_nonblocking(d->nl.sk);
		ev.data.fd = nl_socket_get_fd(d->nl.sk);
		epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	/* the filter keeps the queue short: bounded only against a flood */
	for (i = 0; i < 10000; i++) {
		ret = sc_nl_events_wait(&d->nl, 0, on_nl_event, d);
		if (ret <= 0)
			break;
	}
	if (ret == -ENOBUFS) {
		log_nl_drops(d, true);
	} else if (ret < 0 && ret != -EAGAIN && ret != -EINTR) {
		auditd_say("module events: %s; subscribing again", strerror(-ret));
		/* the module went away: try again later */
		log_nl_drops(d, false);
		netlink_down(d);
		return;
	}
	log_nl_drops(d, false);
}

/* After a restart over a pinned probe, up to one record may have been
 * written but not yet consumed: remember the kseqs at the log's end. */
/* One record's kernel sequence number into d->seen (the dedup set). */
static int add_seen(void *arg, const struct al_record *rec)
{
	struct daemon *d = arg;
	uint64_t k, *p;

	if (al_get_u64(rec, "kseq", &k))
		return 0;
	if (d->n_seen == d->seen_max) {
		size_t max = d->seen_max ? 2 * d->seen_max : 1024;

		p = realloc(d->seen, max * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->seen = p;
		d->seen_max = max;
	}
	d->seen[d->n_seen++] = k;
	return 0;
}

static void load_seen(struct daemon *d, const char *log_path)
{
	al_scan_tail(log_path, DEDUP_TAIL, add_seen, d);
	if (d->n_seen)
		qsort(d->seen, d->n_seen, sizeof(uint64_t), cmp_u64);
}

static int append_ev(void *arg, struct al_buf *b)
{
	return append(arg);
}

/* Seal what the log sealed since the last export into one outbox chunk. */
static int export_sealed(struct daemon *d)
{
	struct al_writer *w = &d->w;
	uint64_t from = w->st.exported_off, to = w->sealed_off;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	uint8_t *data, *out;
	size_t out_len;
	FILE *f;
	int ret;

	if (!d->o->outbox || !w->seals || to <= from)
		return 0;
	data = malloc(to - from);
	if (!data)
		return -ENOMEM;
	if (pread(w->fd, data, to - from, from) != (ssize_t)(to - from)) {
		free(data);
		return -EIO;
	}
	ret = al_chunk_seal((const uint8_t (*)[32])d->o->rcpt, d->o->n_rcpt,
			    w->st.exported_seq, w->sealed_seq - 1, data, to - from,
			    &out, &out_len);
	free(data);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/audit-%020" PRIu64 "-%020" PRIu64 ".sealed",
		 d->o->outbox, w->st.exported_seq, w->sealed_seq - 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fflush(f) ||
	    fsync(fileno(f))) {
		ret = -errno;
		if (f)
			fclose(f);
		free(out);
		return ret ? ret : -EIO;
	}
	fclose(f);
	free(out);
	if (rename(tmp, path))
		return -errno;
	w->st.exported_off = to;
	w->st.exported_seq = w->sealed_seq;
	w->dirty = true;
	return 0;
}

static int run(struct opts *o)
{
	static struct probe_exe exe[MAX_ALLOW];
	char log_path[PATH_MAX], state_path[PATH_MAX], err[512];
	struct daemon d = { .o = o, .epfd = -1 };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int64_t last_sync = 0, now;
	bool more = false;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t repaired;
	int ret;

	snprintf(log_path, sizeof(log_path), "%s/audit.log", o->dir);
	snprintf(state_path, sizeof(state_path), "%s/seal.state", o->dir);
	if (keyfmt_init()) {
		auditd_say("cannot initialise libsodium");
		return 1;
	}
	if (resolve_allow(o, exe))
		return 1;
	if (o->outbox && !o->n_rcpt) {
		auditd_say("--outbox needs at least one --recipient");
		return 1;
	}
	if (o->outbox && mkdir(o->outbox, 0700) && errno != EEXIST) {
		auditd_say("%s: %s", o->outbox, strerror(errno));
		return 1;
	}
	if (o->enforce && !o->n_exe && !o->n_uids)
		auditd_say("warning: enforcing with an empty allow-list: every camera open is denied");

	ret = al_writer_open(&d.w, log_path, state_path, &repaired, err, sizeof(err));
	if (ret) {
		auditd_say("%s (run `sealcam audit init --dir %s` first?)", err, o->dir);
		return 1;
	}
	d.w.epoch_max_records = o->epoch_records;
	d.w.epoch_max_secs = o->epoch_secs;

	ret = probe_open(&d.probe, o->pin_dir, o->reload,
			 (uint64_t)o->ring_mb << 20, err, sizeof(err));
	if (ret) {
		auditd_say("%s", err);
		al_writer_close(&d.w);
		return 1;
	}
	ret = probe_configure(&d.probe, o->enforce, exe, o->n_exe, o->uids,
			      o->n_uids);
	if (ret) {
		auditd_say("cannot set the allow-list: %s", strerror(-ret));
		goto out;
	}
	ret = probe_set_usb_guard(&d.probe, o->usb_guard);
	if (ret) {
		auditd_say("cannot set the USB guard: %s", strerror(-ret));
		goto out;
	}

	if (d.probe.reused)
		load_seen(&d, log_path);
	agentev_init(&d.ev, strcmp(o->agent_events, "none") ? o->agent_events : NULL,
		     log_path);
	ret = probe_ring_map(&d.probe);
	if (ret) {
		auditd_say("cannot map the ring buffer: %s", strerror(-ret));
		goto out;
	}
	/*
	 * The probe submits without wakeups (the drain is timed) and forces
	 * one when the buffer is a quarter full: edge-triggered, so that a
	 * non-empty buffer alone does not keep waking us.
	 */
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = d.probe.events_fd;
	if (d.epfd < 0 || epoll_ctl(d.epfd, EPOLL_CTL_ADD, d.probe.events_fd, &ev)) {
		ret = -errno;
		auditd_say("epoll: %s", strerror(errno));
		goto out;
	}
	if (o->prio_boost && setpriority(PRIO_PROCESS, 0, -o->prio_boost))
		auditd_say("warning: cannot raise the priority (nice -%ld): %s",
		    o->prio_boost, strerror(errno));

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	al_buf_reset(&d.body);
	al_buf_str(&d.body, "type", "daemon-start");
	put_time(&d.body, clock_ns(CLOCK_REALTIME));
	al_buf_u64(&d.body, "pid", getpid());
	al_buf_str(&d.body, "probe", d.probe.reused ? "reused" : "loaded");
	al_buf_str(&d.body, "mode", o->enforce ? "enforce" : "audit");
	al_buf_str(&d.body, "usb_guard", usb_mode_name(o->usb_guard));
	al_buf_u64(&d.body, "ring_bytes", d.probe.ring_size);
	al_buf_u64(&d.body, "allow_exe", o->n_exe);
	al_buf_u64(&d.body, "allow_uid", o->n_uids);
	if (repaired)
		al_buf_u64(&d.body, "repaired_bytes", repaired);
	ret = append(&d);
	if (!ret)
		ret = al_writer_sync(&d.w);
	if (ret)
		goto out;
	auditd_say("probe %s (%u camera majors, %llu MiB ring buffer), %s mode, logging to %s",
	    d.probe.reused ? "reused from bpffs" : "loaded", d.probe.nr_majors,
	    (unsigned long long)(d.probe.ring_size >> 20),
	    o->enforce ? "enforce" : "audit-only", log_path);
	if (o->ready_file) {
		FILE *f = fopen(o->ready_file, "we");

		if (f)
			fclose(f);
	}
	/* systemd (Type=notify): every camera open from here on is logged */
	sd_notify(0, "READY=1\nSTATUS=probe attached, logging");

	/*
	 * Each turn: the module's events (never starved by a busy ring
	 * buffer), one batch of probe records, losses, then sealing and
	 * fsync, the latter at most once a second while batches keep coming.
	 */
	while (!stop && !d.err) {
		struct epoll_event evs[4];

		if (epoll_wait(d.epfd, evs, 4, more ? 0 : o->drain_ms) < 0 &&
		    errno != EINTR) {
			auditd_say("epoll: %s", strerror(errno));
			break;
		}
		d.real_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
		netlink_poll(&d);
		d.err = drain_batch(&d, &more);
		if (d.err || log_lost(&d))
			break;
		now = clock_ns(CLOCK_MONOTONIC);
		if (more && now - last_sync < SYNC_EVERY_NS)
			continue;
		last_sync = now;
		ret = agentev_scan(&d.ev, false, &d.body, append_ev, &d);
		if (ret > 0)
			ret = 0;
		if (!ret)
			ret = al_tick(&d.w, time(NULL), false);
		if (!ret)
			ret = export_sealed(&d);
		if (!ret)
			ret = al_writer_sync(&d.w);
		if (ret) {
			auditd_say("cannot write the log: %s", strerror(-ret));
			d.err = ret;
		} else {
			agentev_commit(&d.ev);	/* the log holds them now */
		}
	}

	sd_notify(0, "STOPPING=1");
	/* drain what is left, then seal everything */
	d.real_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	do {
		more = false;
		if (!d.err)
			d.err = drain_batch(&d, &more);
	} while (more && !d.err);
	if (d.nl_up)
		netlink_poll(&d);
	log_lost(&d);
	if (!d.err)
		agentev_scan(&d.ev, true, &d.body, append_ev, &d);
	al_buf_reset(&d.body);
	al_buf_str(&d.body, "type", "daemon-stop");
	put_time(&d.body, clock_ns(CLOCK_REALTIME));
	al_buf_u64(&d.body, "opens", d.opens);
	al_buf_u64(&d.body, "closes", d.closes);
	al_buf_u64(&d.body, "usb", d.usb_events);
	al_buf_u64(&d.body, "lost_total", d.w.st.lost_seen);
	al_buf_u64(&d.body, "agent_drops", d.ev.ingested);
	append(&d);
	ret = al_tick(&d.w, time(NULL), true);
	if (!ret)
		ret = export_sealed(&d);
	if (!ret)
		ret = al_writer_sync(&d.w);
	if (ret)
		auditd_say("cannot seal the log: %s", strerror(-ret));
	else
		agentev_commit(&d.ev);
	auditd_say("stopped: %" PRIu64 " opens, %" PRIu64 " closes, %" PRIu64
	    " module events logged%s", d.opens, d.closes, d.nl_events,
	    d.err ? " (after an error)" : "");
	if (d.err)
		ret = d.err;
out:
	if (d.nl_up)
		netlink_down(&d);
	if (d.epfd >= 0)
		close(d.epfd);
	probe_close(&d.probe);
	al_writer_close(&d.w);
	al_buf_free(&d.body);
	agentev_free(&d.ev);
	free(d.seen);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .drain_ms = 100, .epoch_records = 1000,
			  .usb_guard = CAMOPEN_USB_DENY,
			  .epoch_secs = 60, .ring_mb = 32, .prio_boost = 10,
			  .nl_rcvbuf = 4 << 20 };
	const char *config = NULL;
	char err[256];
	int c, i;

	if (keyfmt_init()) {
		auditd_say("cannot initialise libsodium");
		return 1;
	}
	/* the config file first, so flags override it */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (i + 1 < argc)
				config = argv[i + 1];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			config = argv[i] + 9;
		}
	}
	if (load_config(&o, config ? config : DEFAULT_CONFIG, config != NULL))
		return 1;
	while ((c = getopt_long(argc, argv, "c:d:ea:u:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		case O_VERSION:
			printf("sealcam-auditd %s\n", SEALCAM_VERSION);
			return 0;
		case 'e':
			o.enforce = true;
			break;
		case O_RELOAD:
			o.reload = true;
			break;
		case O_DETACH:
			o.detach = true;
			break;
		case O_READY:
			o.ready_file = optarg;
			break;
		case '?':
			fputs("Try sealcam-auditd --help\n", stderr);
			return 2;
		default:
			if (set_opt(&o, c, optarg, "command line"))
				return 2;
		}
	}
	if (optind < argc) {
		auditd_say("unexpected argument \"%s\"", argv[optind]);
		return 2;
	}
	if (!o.dir)
		o.dir = strdup(DEFAULT_DIR);
	if (!o.pin_dir)
		o.pin_dir = strdup(PROBE_PIN_DIR);
	if (!o.agent_events)
		o.agent_events = strdup(AGENTEV_DEFAULT_DIR);
	if (o.detach) {
		if (probe_detach(o.pin_dir, err, sizeof(err))) {
			auditd_say("%s", err);
			return 1;
		}
		return 0;
	}
	return run(&o);
}
