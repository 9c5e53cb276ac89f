/* SPDX-License-Identifier: MIT */
/*
 * The sealcam audit log: append-only JSON Lines, hash-chained and protected
 * by a forward-secure MAC (in the spirit of journald's Forward Secure
 * Sealing).
 *
 * Every line is one flat JSON object:
 *
 *   {"seq":N,"epoch":E,"prev":"<sha256 hex of the previous line>",
 *    <event members>,"mac":"<HMAC-SHA256 hex>"}
 *
 * seq counts lines from 0; prev of line 0 is 64 zeros; the MAC covers the
 * bytes from '{' up to (not including) ",\"mac\":" under the key of the
 * line's epoch. An epoch ends with a "seal" line (members "type":"seal",
 * "records":<lines in the epoch, seal included>); the key then evolves one
 * way, k[e+1] = SHA-256("sealcam-audit-v1 evolve" || k[e]), and k[e] is
 * wiped. k[0] is the verification key: printed once by `sealcam audit init`
 * and kept off the device. Whoever takes the device later holds only the
 * current epoch's key and can neither forge nor silently drop sealed lines.
 *
 * The device keeps its current key, epoch, next seq and chain head in a
 * small state file; `verify` given that file also detects a log cut before
 * its last seal (the device's key proves which epoch it reached).
 */
#ifndef SEALCAM_AUDITLOG_H
#define SEALCAM_AUDITLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AL_KEY_LEN	32
#define AL_HASH_LEN	32
#define AL_HEX_LEN	64
#define AL_MAX_LINE	8192
#define AL_MAX_FIELDS	48
#define AL_FLUSH_BYTES	(1 << 20)	/* pending output written through */
#define AL_MAC_SUFFIX_LEN (8 + AL_HEX_LEN + 2)	/* ,"mac":"<hex>"} */

/* ---- one parsed line ---- */

enum al_value_type { AL_STR, AL_NUM, AL_BOOL, AL_NULL };

struct al_field {
	char key[32];
	enum al_value_type type;
	char *val;		/* unescaped text (numbers as written) */
};

struct al_record {
	unsigned int n;
	struct al_field f[AL_MAX_FIELDS];
	char buf[AL_MAX_LINE];	/* storage for the values */
};

/*
 * Parse one line (without its newline) as a flat JSON object of strings,
 * numbers (integers, or with a fraction), true/false/null; no nesting, no
 * duplicate keys. 0 or -EINVAL
 * with a reason in @err.
 */
int al_parse_line(const char *line, size_t len, struct al_record *rec,
		  char *err, size_t err_len);
const char *al_get(const struct al_record *rec, const char *key);
/* Unsigned decimal member; -ENOENT when absent, -EINVAL when not a number. */
int al_get_u64(const struct al_record *rec, const char *key, uint64_t *out);

/*
 * Call @fn for each record in the last @tail bytes of the log at @path (the
 * whole log when shorter; a line cut by that boundary, and lines that do
 * not parse, are skipped). Stops when @fn returns non-zero, and returns
 * that; -errno when the log cannot be opened.
 */
int al_scan_tail(const char *path, long tail,
		 int (*fn)(void *arg, const struct al_record *rec), void *arg);

/* ---- building lines ---- */

struct al_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void al_buf_reset(struct al_buf *b);
void al_buf_free(struct al_buf *b);
void al_buf_str(struct al_buf *b, const char *key, const char *val);
void al_buf_u64(struct al_buf *b, const char *key, uint64_t val);
void al_buf_i64(struct al_buf *b, const char *key, int64_t val);
void al_buf_bool(struct al_buf *b, const char *key, bool val);

/* ---- keys ---- */

void al_evolve(uint8_t key[AL_KEY_LEN]);
/* First 8 bytes of SHA-256(k0) as 16 hex digits: names a verification key. */
void al_key_id(const uint8_t k0[AL_KEY_LEN], char out[17]);

/* ---- the device's sealing state ---- */

struct al_state {
	uint8_t key[AL_KEY_LEN];	/* key of the current epoch */
	uint64_t epoch;
	uint64_t seq;			/* seq of the next line */
	uint64_t epoch_records;		/* lines written in this epoch */
	uint64_t epoch_start;		/* CLOCK_REALTIME seconds */
	uint8_t prev[AL_HASH_LEN];	/* SHA-256 of the last line */
	uint64_t lost_seen;		/* probe losses already logged */
	uint64_t exported_off;		/* log bytes already sealed to the outbox */
	uint64_t exported_seq;		/* seq of the first line not exported */
};

/* Fresh state; k0 (the verification key) is returned once in @k0. */
void al_state_new(struct al_state *st, uint8_t k0[AL_KEY_LEN]);
int al_state_save(const struct al_state *st, const char *path);
int al_state_load(struct al_state *st, const char *path, char *err,
		  size_t err_len);
void al_state_wipe(struct al_state *st);

/* ---- the writer ---- */

struct al_writer {
	int fd;
	struct al_state st;
	char *state_path;
	uint64_t epoch_max_records;	/* seal after this many lines */
	uint64_t epoch_max_secs;	/* ... or this many seconds */
	struct al_buf out;		/* lines built, not yet written */
	bool dirty;			/* state not yet saved */
	uint64_t seals;			/* seal lines written since open */
	uint64_t sealed_off;		/* log size right after the last seal */
	uint64_t sealed_seq;		/* seq right after the last seal */
};

/*
 * Open (create) the log for appending with the state at @state_path. When
 * the log's last line is newer than the state (a crash between the two
 * writes), the state is caught up: the key evolves forward to that line's
 * epoch. A partial last line (crash inside a write) is cut off and counted
 * in *repaired (bytes). 0 or -errno, with a message in @err.
 */
int al_writer_open(struct al_writer *w, const char *log_path,
		   const char *state_path, uint64_t *repaired, char *err,
		   size_t err_len);
/*
 * Append one line with the members in @body (JSON members without braces,
 * e.g. "\"type\":\"open\",\"pid\":1"). Seals first when the epoch is full.
 * The line is built (hash, MAC) in memory and written by the next
 * al_flush() or al_writer_sync() (or by itself once AL_FLUSH_BYTES are
 * pending), so a batch of lines costs one write(2). A seal is written
 * through at once. Readers must treat a last line without its newline as
 * still being written.
 */
int al_append(struct al_writer *w, const char *body, size_t body_len);
int al_flush(struct al_writer *w);	/* write pending lines */
/* Seal the epoch now if it has lines (or @force) and the time is up. */
int al_tick(struct al_writer *w, uint64_t now_secs, bool force);
int al_writer_sync(struct al_writer *w);	/* flush, fsync log, save state */
void al_writer_close(struct al_writer *w);

/* ---- the verifier ---- */

struct al_verifier {
	uint8_t key[AL_KEY_LEN];
	uint64_t epoch;
	uint64_t next_seq;
	uint64_t epoch_records;
	uint8_t prev[AL_HASH_LEN];
	uint64_t seals;
	uint64_t last_sealed_seq;	/* seq of the last seal line + 1 */
	uint64_t lines;
	bool failed;
	char reason[256];		/* the first problem */
	uint64_t bad_line;		/* 1-based line number over all input */
	char bad_where[256];		/* file:line of it */
	struct al_record rec;
};

void al_verify_init(struct al_verifier *v, const uint8_t k0[AL_KEY_LEN]);
/*
 * One line, without its newline (@complete false: the input ended without
 * one). Returns 0, or -1 once a line is bad (then every later call too).
 */
int al_verify_line(struct al_verifier *v, const char *line, size_t len,
		   bool complete, const char *where);
/*
 * End of input. With @dev (the device's state), a log that stops before
 * the device's epoch was cut: -1 with the reason.
 */
int al_verify_finish(struct al_verifier *v, const struct al_state *dev);
void al_verify_wipe(struct al_verifier *v);

#endif /* SEALCAM_AUDITLOG_H */
