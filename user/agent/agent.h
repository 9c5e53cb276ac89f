/* SPDX-License-Identifier: MIT */
/*
 * sealcam-agent: capture sealed segments from a sealcam camera into a
 * crash-safe spool and upload them (file://, s3://, https://) without loss.
 *
 * Pieces, one file each:
 *   config.c   configuration: defaults, /etc/sealcam/agent.conf, flags;
 *              the S3 settings then as aws-cli finds them (sc_s3_resolve)
 *   spool.c    the spool directory: segment files, finalising, recovery,
 *              the size cap and its drop records, the digest sidecars
 *   capture.c  V4L2 MMAP streaming from the camera into the spool
 *   queue.c    upload workers: what to send next, retries with backoff
 *   status.c   the JSON status file
 *   live.c     --live: every frame also to the MQTT relay, on its own
 *              thread with a bounded queue (docs/LIVE.md)
 *   main.c     startup checks, signals, the main loop
 * The store client (one confirmed PUT per object, credentials, the AWS
 * settings), the digests and the INI reader are the library's, shared
 * with `sealcam fetch`: user/libsealcam/store/, ini.c, fsutil.c.
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
#include "store/store.h"

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
	/*
	 * The store: URL, S3 settings (with where each came from: a flag,
	 * agent.conf, then for s3:// the AWS environment and config file,
	 * config_load), credentials, TLS, timeouts, --max-send-speed.
	 */
	struct sc_store_config store;
	char *device_id;	/* 16 hex, for outbox files without a header */
	unsigned int concurrency;
	long backoff_min_ms, backoff_max_ms;
	long long spool_max_bytes;	/* 0 = no cap */
	bool startup_check;		/* probe the store before running */
	bool drain;			/* upload what is queued, then exit */
	long drain_timeout_s;
	long stop_timeout_ms;		/* clean stop: wait for LAST this long */
	/* live view (live.c, docs/LIVE.md); live_url NULL: off */
	char *live_url;			/* mqtts://HOST[:PORT] */
	char *live_user;		/* default: the device id */
	char *live_password_file;
	char *live_ca_file;		/* default: the system's CAs */
	long long live_queue_bytes;	/* frames waiting for the relay */
	long live_max_age_ms;		/* older since capture: not sent live */
};

void config_defaults(struct agent_config *c);
/* Parse flags (and the config file they name, or the default one).
 * Returns -1 to exit with *exit_code (help, error). */
int config_load(struct agent_config *c, int argc, char **argv, int *exit_code);
void config_usage(FILE *out);
void config_free(struct agent_config *c);

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

/* The store's logging through agent_log/agent_error, stopped by agent_stop. */
extern const struct sc_store_ops agent_store_ops;

/*
 * The digest sidecar of a spooled file: DIR/.NAME.sum, one line
 * "SIZE MD5-HEX SHA256-HEX", written by the spool as the frames are appended
 * so that the uploader need not read a segment twice. Optional: without it
 * (a segment recovered after a crash) the uploader hashes the file.
 */
void agent_sum_path(char *out, size_t len, const char *file);

#endif /* SEALCAM_AGENT_H */
