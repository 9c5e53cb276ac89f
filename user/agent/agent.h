/* SPDX-License-Identifier: MIT */
/*
 * sealcam-agent: capture sealed segments from a sealcam camera into a
 * crash-safe spool and upload them (file://, s3://, https://) without loss.
 *
 * Pieces, one file each:
 *   config.c   configuration: defaults, /etc/sealcam/agent.conf, flags, the
 *              AWS environment and config file; the one INI-style reader
 *   spool.c    the spool directory: segment files, finalising, recovery,
 *              the size cap and its drop records
 *   capture.c  V4L2 MMAP streaming from the camera into the spool
 *   store.c    the uploaders (libcurl), one confirmed PUT per object
 *   queue.c    upload workers: what to send next, retries with backoff
 *   status.c   the JSON status file
 *   digest.c   MD5 (for the store's ETag) and SHA-256 of a body, one pass
 *   main.c     startup checks, signals, the main loop
 *
 * The agent never holds a key that opens a segment: it reads only the
 * cleartext frame header (struct sealcam_frame_hdr) for segment boundaries,
 * the device id and the segment id.
 */
#ifndef SEALCAM_AGENT_H
#define SEALCAM_AGENT_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../../kmod/uapi/sealcam.h"

#define AGENT_NAME "sealcam-agent"
#define AGENT_DEFAULT_CONFIG "/etc/sealcam/agent.conf"
#define AGENT_DEFAULT_SPOOL "/var/lib/sealcam/spool"
#define AGENT_DEFAULT_OUTBOX "/var/lib/sealcam/outbox"
#define AGENT_DEFAULT_STATUS "/run/sealcam/agent.status"
#define AGENT_DEFAULT_URL "file:///var/lib/sealcam/store"

/* exit statuses */
#define AGENT_EXIT_OK 0
#define AGENT_EXIT_FAIL 1	/* runtime failure, or --drain left work */
#define AGENT_EXIT_USAGE 2	/* bad flag or config value */
#define AGENT_EXIT_CONFIG 3	/* configuration refused at startup */

struct agent_config {
	char *device;		/* NULL: upload only, no capture */
	uint32_t width, height, fps;
	uint32_t pixfmt;	/* SEALCAM_PIX_FMT_* */
	uint32_t buffers;
	char *spool;
	char *outbox;		/* "" disables */
	char *status_file;	/* "" disables */
	char *url;
	char *s3_endpoint;		/* NULL: AWS's, from the region */
	char *s3_region;
	int s3_path_style;		/* -1 auto, 0 virtual-host, 1 path */
	char *credentials_file;	/* AWS shared credentials file */
	char *profile;
	/*
	 * Where each S3 setting came from, for the startup log and errors:
	 * "--s3-region", "FILE:LINE" (agent.conf or the AWS config file), an
	 * environment variable's name, or "default".  NULL until set: a
	 * setting not given by a flag or agent.conf is taken from the AWS
	 * environment, then the AWS config file (config_load, s3:// only).
	 */
	struct {
		char *endpoint, *region, *path_style, *profile;
	} s3_from;
	bool profile_given;		/* by a flag or agent.conf: the
					 * credentials file, not the env */
	char *token_file;	/* https:// bearer token */
	char *ca_file;
	bool insecure;		/* only for tests on loopback; logged loudly */
	char *device_id;	/* 16 hex, for outbox files without a header */
	unsigned int concurrency;
	long long max_send_speed;	/* bytes/s, 0 = unlimited */
	long timeout_s;			/* per request */
	long connect_timeout_s;
	long backoff_min_ms, backoff_max_ms;
	long long spool_max_bytes;	/* 0 = no cap */
	bool startup_check;		/* probe the store before running */
	bool drain;			/* upload what is queued, then exit */
	long drain_timeout_s;
	long stop_timeout_ms;		/* clean stop: wait for LAST this long */
};

void config_defaults(struct agent_config *c);
/* Parse flags (and the config file they name, or the default one).
 * Returns -1 to exit with *exit_code (help, error). */
int config_load(struct agent_config *c, int argc, char **argv, int *exit_code);
void config_usage(FILE *out);
void config_free(struct agent_config *c);

/*
 * The one reader of INI-style files: agent.conf (AGENT_INI_AGENT: no
 * sections, '#' starts a comment anywhere, "quoted" values unquoted) and
 * the AWS shared config and credentials files (AGENT_INI_AWS: [section]
 * headers, comment lines only, and nested blocks - a "key =" line with no
 * value, then indented "sub = value" lines, as aws-cli's "s3 =").
 * Calls @fn for every setting, in order; a malformed line is an error
 * naming FILE:LINE.  Lines are wiped after use: the credentials file
 * holds secrets.
 */
enum agent_ini_dialect { AGENT_INI_AGENT, AGENT_INI_AWS };

struct agent_ini_line {
	const char *section;	/* AWS: the [section] it is in */
	const char *parent;	/* AWS: "s3" inside an "s3 =" block, else NULL */
	const char *key, *value;
	const char *where;	/* "FILE:LINE" */
};

/* 0 to go on; -1 to stop, with a message in @err. */
typedef int (*agent_ini_fn)(const struct agent_ini_line *l, void *arg,
			    char *err, size_t errlen);

/* 0; -ENOENT when the file does not exist; -1 with a message in @err. */
int agent_ini_read(const char *path, enum agent_ini_dialect dialect,
		   agent_ini_fn fn, void *arg, char *err, size_t errlen);

/* ---- shared counters, shown in the status file ---- */
struct agent_stats {
	pthread_mutex_t lock;
	uint64_t frames, frame_bytes;
	uint64_t segments_finalised, segments_truncated, segments_recovered;
	uint64_t uploaded, uploaded_bytes, audit_uploaded;
	uint64_t upload_failures;
	uint64_t drops, dropped_bytes, dropped_frames;
	char last_upload[128];
	time_t last_upload_time;
	char last_error[256];
	time_t last_error_time;
	time_t started;
};

extern struct agent_stats agent_stats;
extern volatile sig_atomic_t agent_stop;	/* SIGTERM/SIGINT seen */

void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void agent_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t agent_now_ms(void);	/* CLOCK_MONOTONIC */

/* fsync a directory by path. 0 or -errno. */
int agent_fsync_dir(const char *dir);
/*
 * The digest sidecar of a spooled file: DIR/.NAME.sum, one line
 * "SIZE MD5-HEX SHA256-HEX", written by the spool as the frames are appended
 * so that the uploader need not read a segment twice. Optional: without it
 * (a segment recovered after a crash) the uploader hashes the file.
 */
void agent_sum_path(char *out, size_t len, const char *file);

/* mkdir -p. 0 or -errno. */
int agent_mkdirs(const char *path, unsigned int mode);

#endif /* SEALCAM_AGENT_H */
