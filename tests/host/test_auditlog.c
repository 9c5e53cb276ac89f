// SPDX-License-Identifier: MIT
/*
 * user/audit/auditlog.c: a log written through the writer verifies with the
 * verification key, and every kind of tampering is detected with the first
 * bad record named: an edited field, a deleted, inserted or reordered line,
 * a cut inside a line, a cut before the last seal (with the device state), a
 * log rebuilt without the key, an old record re-MACed with a later epoch's
 * key. The writer catches up a state that lags the log, cuts a partial
 * last line, and writes a batch of appended lines in one flush. The parser round-trips escaped strings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/*
 * The library is compiled in, so this test builds the same whether or not
 * the Makefile links build/libsealcam-audit.a into the tests (the archive's
 * member is then simply not pulled in).
 */
#include "../user/audit/auditlog.c"
#include "../user/audit/chunk.c"
#include "tap.h"

#define N_EVENTS 23	/* with epochs of 5 lines: 5 seals and an open epoch */

static char dir[] = "/tmp/test_auditlog.XXXXXX";
static char log_path[256], state_path[256];
static char *lines[128];
static size_t n_lines;

static void append_event(struct al_writer *w, int i)
{
	struct al_buf b = { 0 };

	al_buf_str(&b, "type", "open");
	al_buf_u64(&b, "pid", 1000 + i);
	al_buf_str(&b, "comm", "cam\"reader\\\x01\xff");
	al_buf_str(&b, "path", "/dev/video0");
	al_append(w, b.p, b.len);
	al_buf_free(&b);
}

static void read_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	n_lines = 0;
	while (f && (len = getline(&line, &cap, f)) > 0 && n_lines < 128) {
		if (line[len - 1] == '\n')
			line[len - 1] = 0;
		lines[n_lines++] = strdup(line);
	}
	free(line);
	if (f)
		fclose(f);
}

/* Verify @n lines (the last one possibly without newline); returns 0 or the
 * 1-based number of the line named bad (-1 when the failure is at the end). */
static long verify(char **ls, size_t n, const uint8_t *k0,
		   const struct al_state *dev, bool last_complete, char *why)
{
	static struct al_verifier v;
	size_t i;

	al_verify_init(&v, k0);
	for (i = 0; i < n; i++)
		if (al_verify_line(&v, ls[i], strlen(ls[i]),
				   i + 1 < n || last_complete, "t"))
			break;
	al_verify_finish(&v, dev);
	if (why)
		snprintf(why, 256, "%s", v.reason);
	if (!v.failed)
		return 0;
	return (long)v.bad_line;
}

int main(void)
{
	uint8_t k0[AL_KEY_LEN], other[AL_KEY_LEN], k[AL_KEY_LEN];
	struct al_writer w;
	struct al_state st, old;
	static struct al_record rec;
	char *copy[130], why[256], cmd[600];
	uint64_t repaired;
	size_t i, n;
	long bad;
	int fd, ret;

	tap_plan(27);
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(log_path, sizeof(log_path), "%s/audit.log", dir);
	snprintf(state_path, sizeof(state_path), "%s/seal.state", dir);

	al_state_new(&st, k0);
	tap_ok(!al_state_save(&st, state_path), "state saved");
	ret = al_writer_open(&w, log_path, state_path, &repaired, why, sizeof(why));
	tap_ok(!ret, "writer opens a new log (%s)", ret ? why : "ok");
	w.epoch_max_records = 5;
	for (i = 0; i < N_EVENTS; i++)
		append_event(&w, i);
	tap_ok(!al_writer_sync(&w), "log and state synced");
	al_writer_close(&w);
	al_state_load(&st, state_path, why, sizeof(why));
	read_lines(log_path);
	tap_ok(n_lines == N_EVENTS + 5 && st.epoch == 5 && st.seq == n_lines,
	       "%zu lines, 5 seals, state at epoch %llu seq %llu", n_lines,
	       (unsigned long long)st.epoch, (unsigned long long)st.seq);

	bad = verify(lines, n_lines, k0, &st, true, why);
	tap_ok(bad == 0, "untouched log verifies with k0 and the state (%s)", why);

	/* an edited field */
	memcpy(copy, lines, sizeof(lines));
	copy[6] = strdup(lines[6]);
	*strstr(copy[6], "\"pid\":10") = '_';
	memcpy(strstr(copy[6], "_pid\":10"), "\"pid\":20", 8);
	bad = verify(copy, n_lines, k0, NULL, true, why);
	tap_ok(bad == 7 && strstr(why, "MAC"), "edited field: line %ld named (%s)", bad, why);

	/* a deleted line */
	memcpy(copy, lines, sizeof(lines));
	memmove(copy + 8, copy + 9, (n_lines - 9) * sizeof(char *));
	bad = verify(copy, n_lines - 1, k0, NULL, true, why);
	tap_ok(bad == 9 && strstr(why, "missing"), "deleted line: line %ld named (%s)", bad, why);

	/* an inserted (replayed) line */
	memcpy(copy, lines, sizeof(lines));
	memmove(copy + 11, copy + 10, (n_lines - 10) * sizeof(char *));
	copy[10] = lines[3];
	bad = verify(copy, n_lines + 1, k0, NULL, true, why);
	tap_ok(bad == 11, "inserted line: line %ld named (%s)", bad, why);

	/* two lines swapped */
	memcpy(copy, lines, sizeof(lines));
	copy[13] = lines[14];
	copy[14] = lines[13];
	bad = verify(copy, n_lines, k0, NULL, true, why);
	tap_ok(bad == 14, "reordered lines: line %ld named (%s)", bad, why);

	/* cut inside the last line */
	memcpy(copy, lines, sizeof(lines));
	copy[n_lines - 1] = strndup(lines[n_lines - 1], 40);
	bad = verify(copy, n_lines, k0, NULL, false, why);
	tap_ok(bad == (long)n_lines && strstr(why, "cut off"),
	       "line cut in the middle: line %ld named (%s)", bad, why);

	/* truncated before the last seal: only the device state shows it */
	bad = verify(lines, 14, k0, NULL, true, why);
	tap_ok(bad == 0, "a prefix alone verifies (no anchor)");
	bad = verify(lines, 14, k0, &st, true, why);
	tap_ok(bad == 15 && strstr(why, "truncated"),
	       "truncated before the last seal: detected with the state (%s)", why);
	bad = verify(lines, n_lines - 1, k0, &st, true, why);
	tap_ok(bad != 0 && strstr(why, "truncated"),
	       "dropped unsealed tail: detected with the state (%s)", why);

	/* rebuilt without the key: same content, another key */
	{
		char p2[300], s2[300];
		struct al_writer w2;
		struct al_state st2;

		snprintf(p2, sizeof(p2), "%s/forged.log", dir);
		snprintf(s2, sizeof(s2), "%s/forged.state", dir);
		al_state_new(&st2, other);
		al_state_save(&st2, s2);
		al_writer_open(&w2, p2, s2, &repaired, why, sizeof(why));
		w2.epoch_max_records = 5;
		for (i = 0; i < N_EVENTS; i++)
			append_event(&w2, i);
		al_writer_sync(&w2);
		al_writer_close(&w2);
		read_lines(p2);
		bad = verify(lines, n_lines, k0, NULL, true, why);
		tap_ok(bad == 1 && strstr(why, "MAC"),
		       "log rebuilt with another key: line %ld named (%s)", bad, why);
		al_state_load(&st2, s2, why, sizeof(why));
		read_lines(log_path);
		bad = verify(lines, n_lines, k0, &st2, true, why);
		tap_ok(bad != 0 && strstr(why, "not epoch"),
		       "a foreign state file is refused (%s)", why);
	}

	/* the thief holds the current key: re-MACing a sealed line fails */
	memcpy(k, st.key, sizeof(k));
	memcpy(copy, lines, sizeof(lines));
	{
		char *l = strdup(lines[2]);
		char *mac = strstr(l, ",\"mac\":\"");
		uint8_t m[32];
		char hex[65];

		*strstr(l, "\"pid\":10") = '_';
		memcpy(strstr(l, "_pid\":10"), "\"pid\":30", 8);
		crypto_auth_hmacsha256(m, (uint8_t *)l, mac - l, k);
		sodium_bin2hex(hex, sizeof(hex), m, 32);
		memcpy(mac + 8, hex, 64);
		copy[2] = l;
	}
	bad = verify(copy, n_lines, k0, NULL, true, why);
	tap_ok(bad == 3, "a sealed line re-MACed with the current key: line %ld named", bad);

	/* garbage */
	memcpy(copy, lines, sizeof(lines));
	copy[4] = "{\"seq\":4,not json";
	bad = verify(copy, n_lines, k0, NULL, true, why);
	tap_ok(bad == 5 && strstr(why, "not a valid record"), "malformed line named (%s)", why);

	/* state lagging the log (crash between the two writes): caught up */
	al_state_load(&old, state_path, why, sizeof(why));
	al_writer_open(&w, log_path, state_path, &repaired, why, sizeof(why));
	w.epoch_max_records = 5;
	for (i = 0; i < 7; i++)
		append_event(&w, i);
	al_writer_sync(&w);
	al_writer_close(&w);
	al_state_save(&old, state_path);	/* as if the saves were lost */
	ret = al_writer_open(&w, log_path, state_path, &repaired, why, sizeof(why));
	append_event(&w, 99);
	al_writer_sync(&w);
	al_writer_close(&w);
	al_state_load(&st, state_path, why, sizeof(why));
	read_lines(log_path);
	bad = verify(lines, n_lines, k0, &st, true, why);
	tap_ok(!ret && bad == 0, "writer catches up a lagging state; log verifies (%s)", why);

	/* a crash inside a write: the partial line is cut and counted */
	fd = open(log_path, O_WRONLY | O_APPEND);
	ret = write(fd, "{\"seq\":123,\"ep", 14);
	close(fd);
	ret = al_writer_open(&w, log_path, state_path, &repaired, why, sizeof(why));
	append_event(&w, 100);
	al_writer_sync(&w);
	al_writer_close(&w);
	al_state_load(&st, state_path, why, sizeof(why));
	read_lines(log_path);
	bad = verify(lines, n_lines, k0, &st, true, why);
	tap_ok(!ret && repaired == 14 && bad == 0,
	       "partial last line cut (%llu bytes); log verifies (%s)",
	       (unsigned long long)repaired, why);

	/* batching: appended lines reach the file in one flush, not one by one */
	{
		struct stat sb0, sb1, sb2;
		size_t lines_before;

		read_lines(log_path);
		lines_before = n_lines;
		al_writer_open(&w, log_path, state_path, &repaired, why, sizeof(why));
		w.epoch_max_records = 1000;
		stat(log_path, &sb0);
		for (i = 0; i < 3; i++)
			append_event(&w, 200 + i);
		stat(log_path, &sb1);
		ret = al_flush(&w);
		stat(log_path, &sb2);
		al_writer_sync(&w);
		al_writer_close(&w);
		al_state_load(&st, state_path, why, sizeof(why));
		read_lines(log_path);
		bad = verify(lines, n_lines, k0, &st, true, why);
		tap_ok(!ret && sb1.st_size == sb0.st_size && sb2.st_size > sb0.st_size &&
		       n_lines == lines_before + 3 && bad == 0,
		       "3 appends held in memory, written by one flush; log verifies (%s)", why);
	}

	/* parser */
	n = strlen(lines[1]);
	tap_ok(!al_parse_line(lines[1], n, &rec, why, sizeof(why)) &&
	       !strcmp(al_get(&rec, "comm"), "cam\"reader\\\x01\xc3\xbf"),
	       "escaped bytes come back (\\u00ff as UTF-8)");
	tap_ok(al_parse_line("{\"a\":1,\"a\":2}", 13, &rec, why, sizeof(why)) &&
	       al_parse_line("{\"a\":\"\\ud800\"}", 14, &rec, why, sizeof(why)) &&
	       al_parse_line("{\"a\":01}", 8, &rec, why, sizeof(why)) &&
	       al_parse_line("{\"a\":{}}", 8, &rec, why, sizeof(why)) &&
	       !al_parse_line("{}", 2, &rec, why, sizeof(why)),
	       "duplicates, lone surrogates, leading zeros, nesting refused");
	tap_ok(al_state_load(&st, log_path, why, sizeof(why)) == -EINVAL,
	       "a log is not accepted as a state file (%s)", why);

	/* sealed chunks: each recipient opens, others and tampering fail */
	{
		uint8_t sk[2][32], pk[2][32], stranger[32], *out, *back;
		uint64_t first, last;
		size_t out_len, back_len;
		const char *text = "{\"seq\":0}\n{\"seq\":1}\n";

		for (i = 0; i < 2; i++)
			crypto_box_keypair(pk[i], sk[i]);
		randombytes_buf(stranger, sizeof(stranger));
		ret = al_chunk_seal((const uint8_t (*)[32])pk, 2, 0, 1,
				    (const uint8_t *)text, strlen(text), &out, &out_len);
		tap_ok(!ret && !al_chunk_open(sk[1], out, out_len, &back, &back_len,
					      &first, &last) &&
		       back_len == strlen(text) && !memcmp(back, text, back_len) &&
		       first == 0 && last == 1,
		       "chunk sealed to two recipients opens with the second key");
		if (!ret)
			free(back);
		tap_ok(al_chunk_open(stranger, out, out_len, &back, &back_len,
				     &first, &last) == -ENOKEY,
		       "a stranger's key cannot open a chunk");
		out[out_len - 20] ^= 1;
		tap_ok(al_chunk_open(sk[0], out, out_len, &back, &back_len, &first,
				     &last) == -EBADMSG, "a flipped ciphertext bit is refused");
		out[out_len - 20] ^= 1;
		out[8] ^= 1;	/* first_seq: bound by HPKE info and the AAD */
		tap_ok(al_chunk_open(sk[0], out, out_len - 1, &back, &back_len,
				     &first, &last) == -EBADMSG &&
		       al_chunk_open(sk[0], out, out_len, &back, &back_len, &first,
				     &last) != 0,
		       "a cut chunk or an edited header is refused");
		free(out);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ret = system(cmd);
	return tap_done();
}
