// SPDX-License-Identifier: MIT
/*
 * The audit log's format, writer and verifier (see auditlog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auditlog.h"
#include "json.h"

#define EVOLVE_LABEL "sealcam-audit-v1 evolve"
#define MAC_MARK ",\"mac\":\""

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- parsing ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the UTF-8 of @cp to out; false when it does not fit. */
static bool put_utf8(char *out, size_t *o, size_t cap, uint32_t cp)
{
	unsigned char tmp[4];
	size_t n, i;

	if (cp < 0x80) {
		tmp[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = 0xc0 | (cp >> 6);
		tmp[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = 0xe0 | (cp >> 12);
		tmp[1] = 0x80 | ((cp >> 6) & 0x3f);
		tmp[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		tmp[0] = 0xf0 | (cp >> 18);
		tmp[1] = 0x80 | ((cp >> 12) & 0x3f);
		tmp[2] = 0x80 | ((cp >> 6) & 0x3f);
		tmp[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	if (*o + n >= cap)
		return false;
	for (i = 0; i < n; i++)
		out[(*o)++] = tmp[i];
	return true;
}

static int read_hex4(const char *s, size_t len, size_t i, uint32_t *out)
{
	uint32_t v = 0;
	int k, h;

	if (i + 4 > len)
		return -1;
	for (k = 0; k < 4; k++) {
		h = hexval((unsigned char)s[i + k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	*out = v;
	return 0;
}

/* Parses a string starting after its opening quote; *i ends after the
 * closing quote. The unescaped text goes to out[*o...], NUL-terminated. */
static int parse_string(const char *s, size_t len, size_t *i, char *out,
			size_t *o, size_t cap)
{
	while (*i < len) {
		unsigned char c = s[(*i)++];
		uint32_t cp, lo;

		if (c == '"') {
			if (*o >= cap)
				return -1;
			out[(*o)++] = 0;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (*o + 1 >= cap)
				return -1;
			out[(*o)++] = c;
			continue;
		}
		if (*i >= len)
			return -1;
		c = s[(*i)++];
		switch (c) {
		case '"': case '\\': case '/':
			cp = c; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (read_hex4(s, len, *i, &cp))
				return -1;
			*i += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (*i + 6 > len || s[*i] != '\\' || s[*i + 1] != 'u' ||
				    read_hex4(s, len, *i + 2, &lo) ||
				    lo < 0xdc00 || lo >= 0xe000)
					return -1;
				*i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return -1;
			}
			if (cp == 0)
				return -1;	/* would cut the C string */
			break;
		default:
			return -1;
		}
		if (!put_utf8(out, o, cap, cp))
			return -1;
	}
	return -1;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

int al_parse_line(const char *s, size_t len, struct al_record *rec, char *err,
		  size_t err_len)
{
	size_t i = 0, o = 0, start;
	unsigned int k;

	rec->n = 0;
	while (i < len && is_ws(s[i]))
		i++;
	if (i >= len || s[i++] != '{') {
		seterr(err, err_len, "not a JSON object");
		return -EINVAL;
	}
	for (;;) {
		struct al_field *f;
		size_t ko = o;

		while (i < len && is_ws(s[i]))
			i++;
		if (i < len && s[i] == '}' && rec->n == 0) {
			i++;
			break;
		}
		if (i >= len || s[i] != '"') {
			seterr(err, err_len, "expected a member name at byte %zu", i);
			return -EINVAL;
		}
		if (rec->n >= AL_MAX_FIELDS) {
			seterr(err, err_len, "more than %d members", AL_MAX_FIELDS);
			return -EINVAL;
		}
		i++;
		if (parse_string(s, len, &i, rec->buf, &o, sizeof(rec->buf))) {
			seterr(err, err_len, "bad member name at byte %zu", i);
			return -EINVAL;
		}
		f = &rec->f[rec->n];
		if (strlen(rec->buf + ko) >= sizeof(f->key)) {
			seterr(err, err_len, "member name too long at byte %zu", i);
			return -EINVAL;
		}
		strcpy(f->key, rec->buf + ko);
		o = ko;
		for (k = 0; k < rec->n; k++) {
			if (!strcmp(rec->f[k].key, f->key)) {
				seterr(err, err_len, "duplicate member \"%s\"", f->key);
				return -EINVAL;
			}
		}
		while (i < len && is_ws(s[i]))
			i++;
		if (i >= len || s[i++] != ':') {
			seterr(err, err_len, "expected ':' after \"%s\"", f->key);
			return -EINVAL;
		}
		while (i < len && is_ws(s[i]))
			i++;
		if (i >= len) {
			seterr(err, err_len, "missing value of \"%s\"", f->key);
			return -EINVAL;
		}
		f->val = rec->buf + o;
		if (s[i] == '"') {
			i++;
			f->type = AL_STR;
			if (parse_string(s, len, &i, rec->buf, &o, sizeof(rec->buf))) {
				seterr(err, err_len, "bad string value of \"%s\"", f->key);
				return -EINVAL;
			}
		} else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			start = i;
			if (s[i] == '-')
				i++;
			if (i >= len || s[i] < '0' || s[i] > '9')
				goto bad_number;
			if (s[i] == '0' && i + 1 < len && s[i + 1] >= '0' &&
			    s[i + 1] <= '9')
				goto bad_number;
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
			/* a fraction, as in the agent's drop records' times */
			if (i + 1 < len && s[i] == '.' && s[i + 1] >= '0' &&
			    s[i + 1] <= '9') {
				i++;
				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
			}
			if (i - start > 24)
				goto bad_number;
			f->type = AL_NUM;
			if (o + (i - start) + 1 > sizeof(rec->buf))
				goto bad_number;
			memcpy(rec->buf + o, s + start, i - start);
			o += i - start;
			rec->buf[o++] = 0;
		} else if (len - i >= 4 && !memcmp(s + i, "true", 4)) {
			f->type = AL_BOOL;
			i += 4;
			goto literal;
		} else if (len - i >= 5 && !memcmp(s + i, "false", 5)) {
			f->type = AL_BOOL;
			i += 5;
			goto literal;
		} else if (len - i >= 4 && !memcmp(s + i, "null", 4)) {
			f->type = AL_NULL;
			i += 4;
			goto literal;
		} else {
			seterr(err, err_len, "unsupported value of \"%s\"", f->key);
			return -EINVAL;
		}
		goto next;
literal:
		{
			const char *lit = f->type == AL_NULL ? "null" :
				(s[i - 1] == 'e' && s[i - 2] == 'u') ? "true" : "false";
			size_t n = strlen(lit) + 1;

			if (o + n > sizeof(rec->buf)) {
				seterr(err, err_len, "line too long");
				return -EINVAL;
			}
			memcpy(rec->buf + o, lit, n);
			o += n;
		}
next:
		rec->n++;
		while (i < len && is_ws(s[i]))
			i++;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '}') {
			i++;
			break;
		}
		seterr(err, err_len, "expected ',' or '}' after \"%s\"", f->key);
		return -EINVAL;
bad_number:
		seterr(err, err_len, "bad number in \"%s\"", f->key);
		return -EINVAL;
	}
	while (i < len && is_ws(s[i]))
		i++;
	if (i != len) {
		seterr(err, err_len, "text after the object at byte %zu", i);
		return -EINVAL;
	}
	return 0;
}

const char *al_get(const struct al_record *rec, const char *key)
{
	unsigned int i;

	for (i = 0; i < rec->n; i++)
		if (!strcmp(rec->f[i].key, key))
			return rec->f[i].val;
	return NULL;
}

int al_get_u64(const struct al_record *rec, const char *key, uint64_t *out)
{
	const char *v = al_get(rec, key);
	char *end;
	unsigned long long n;

	if (!v)
		return -ENOENT;
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = n;
	return 0;
}

/* ---- building ---- */

static void buf_put(struct al_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void al_buf_reset(struct al_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = 0;
}

void al_buf_free(struct al_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void buf_key(struct al_buf *b, const char *key)
{
	if (b->len)
		buf_put(b, ",", 1);
	buf_put(b, "\"", 1);
	buf_put(b, key, strlen(key));
	buf_put(b, "\":", 2);
}

static void buf_put_json(void *b, const char *p, size_t n)
{
	buf_put(b, p, n);
}

void al_buf_str(struct al_buf *b, const char *key, const char *val)
{
	buf_key(b, key);
	/* bytes, not UTF-8: paths and comm can be anything */
	sc_json_str(buf_put_json, b, val, SC_JSON_BYTES);
}

void al_buf_u64(struct al_buf *b, const char *key, uint64_t val)
{
	char num[24];

	buf_key(b, key);
	buf_put(b, num, snprintf(num, sizeof(num), "%" PRIu64, val));
}

void al_buf_i64(struct al_buf *b, const char *key, int64_t val)
{
	char num[24];

	buf_key(b, key);
	buf_put(b, num, snprintf(num, sizeof(num), "%" PRId64, val));
}

void al_buf_bool(struct al_buf *b, const char *key, bool val)
{
	buf_key(b, key);
	buf_put(b, val ? "true" : "false", val ? 4 : 5);
}

/* ---- keys ---- */

void al_evolve(uint8_t key[AL_KEY_LEN])
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)EVOLVE_LABEL,
				  strlen(EVOLVE_LABEL));
	crypto_hash_sha256_update(&h, key, AL_KEY_LEN);
	crypto_hash_sha256_final(&h, key);
	sodium_memzero(&h, sizeof(h));
}

void al_key_id(const uint8_t k0[AL_KEY_LEN], char out[17])
{
	uint8_t h[32];

	crypto_hash_sha256(h, k0, AL_KEY_LEN);
	sodium_bin2hex(out, 17, h, 8);
}

static void line_mac(const uint8_t key[AL_KEY_LEN], const char *line,
		     size_t len, uint8_t mac[32])
{
	crypto_auth_hmacsha256(mac, (const uint8_t *)line, len, key);
}

/* ---- state ---- */

void al_state_new(struct al_state *st, uint8_t k0[AL_KEY_LEN])
{
	memset(st, 0, sizeof(*st));
	randombytes_buf(k0, AL_KEY_LEN);
	memcpy(st->key, k0, AL_KEY_LEN);
	st->epoch_start = time(NULL);
}

void al_state_wipe(struct al_state *st)
{
	sodium_memzero(st, sizeof(*st));
}

int al_state_save(const struct al_state *st, const char *path)
{
	char tmp[4096], b64[64], prev[AL_HEX_LEN + 1], text[512];
	int fd, n, ret = 0;

	sodium_bin2base64(b64, sizeof(b64), st->key, AL_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2hex(prev, sizeof(prev), st->prev, AL_HASH_LEN);
	n = snprintf(text, sizeof(text),
		     "version=1\nkey=%s\nepoch=%" PRIu64 "\nseq=%" PRIu64
		     "\nepoch_records=%" PRIu64 "\nepoch_start=%" PRIu64
		     "\nprev=%s\nlost_seen=%" PRIu64 "\nexported_off=%" PRIu64
		     "\nexported_seq=%" PRIu64 "\n",
		     b64, st->epoch, st->seq, st->epoch_records,
		     st->epoch_start, prev, st->lost_seen, st->exported_off,
		     st->exported_seq);
	sodium_memzero(b64, sizeof(b64));
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		sodium_memzero(text, sizeof(text));
		return -errno;
	}
	if (write(fd, text, n) != n || fsync(fd))
		ret = errno ? -errno : -EIO;
	sodium_memzero(text, sizeof(text));
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int al_state_load(struct al_state *st, const char *path, char *err,
		  size_t err_len)
{
	char line[256], val[200];
	unsigned int have = 0;
	FILE *f;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		seterr(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[32];
		size_t bin_len;
		unsigned long long n;
		char *end;

		if (sscanf(line, "%31[a-z_]=%199s", name, val) != 2)
			goto bad;
		if (!strcmp(name, "version")) {
			if (strcmp(val, "1"))
				goto bad;
			have |= 1;
		} else if (!strcmp(name, "key")) {
			if (sodium_base642bin(st->key, AL_KEY_LEN, val, strlen(val),
					      NULL, &bin_len, NULL,
					      sodium_base64_VARIANT_ORIGINAL) ||
			    bin_len != AL_KEY_LEN)
				goto bad;
			have |= 2;
		} else if (!strcmp(name, "prev")) {
			if (sodium_hex2bin(st->prev, AL_HASH_LEN, val, strlen(val),
					   NULL, &bin_len, NULL) ||
			    bin_len != AL_HASH_LEN)
				goto bad;
			have |= 4;
		} else {
			uint64_t *dst;

			if (!strcmp(name, "epoch"))
				dst = &st->epoch;
			else if (!strcmp(name, "seq"))
				dst = &st->seq;
			else if (!strcmp(name, "epoch_records"))
				dst = &st->epoch_records;
			else if (!strcmp(name, "epoch_start"))
				dst = &st->epoch_start;
			else if (!strcmp(name, "lost_seen"))
				dst = &st->lost_seen;
			else if (!strcmp(name, "exported_off"))
				dst = &st->exported_off;
			else if (!strcmp(name, "exported_seq"))
				dst = &st->exported_seq;
			else
				goto bad;
			if (val[0] < '0' || val[0] > '9')
				goto bad;
			errno = 0;
			n = strtoull(val, &end, 10);
			if (errno || *end)
				goto bad;
			*dst = n;
			have |= 8;
		}
	}
	sodium_memzero(line, sizeof(line));
	sodium_memzero(val, sizeof(val));
	fclose(f);
	if (have != 15) {
		seterr(err, err_len, "%s: incomplete sealing state", path);
		al_state_wipe(st);
		return -EINVAL;
	}
	return 0;
bad:
	sodium_memzero(line, sizeof(line));
	sodium_memzero(val, sizeof(val));
	fclose(f);
	al_state_wipe(st);
	seterr(err, err_len, "%s: not a sealcam audit state file", path);
	return -EINVAL;
}

/* ---- writer ---- */

/* Reads the last complete line of fd (at most AL_MAX_LINE bytes) into
 * @line; *partial = bytes after the last newline. 0, -ENOENT when empty. */
static int last_line(int fd, char *line, size_t cap, size_t *len,
		     off_t *size, uint64_t *partial)
{
	char buf[AL_MAX_LINE * 2 + 2];
	struct stat sb;
	off_t from;
	ssize_t n;
	char *end, *start;

	if (fstat(fd, &sb))
		return -errno;
	*size = sb.st_size;
	*partial = 0;
	if (!sb.st_size)
		return -ENOENT;
	from = sb.st_size > (off_t)sizeof(buf) ? sb.st_size - (off_t)sizeof(buf) : 0;
	n = pread(fd, buf, sb.st_size - from, from);
	if (n != sb.st_size - from)
		return n < 0 ? -errno : -EIO;
	end = memrchr(buf, '\n', n);
	if (!end) {
		*partial = n;
		return from ? -E2BIG : -ENOENT;
	}
	*partial = buf + n - end - 1;
	start = memrchr(buf, '\n', end - buf);
	start = start ? start + 1 : buf;
	if (!start[0] && start == end)
		return -EINVAL;
	if (start == buf && from)
		return -E2BIG;
	if ((size_t)(end - start) >= cap)
		return -E2BIG;
	memcpy(line, start, end - start);
	line[end - start] = 0;
	*len = end - start;
	return 0;
}

int al_writer_open(struct al_writer *w, const char *log_path,
		   const char *state_path, uint64_t *repaired, char *err,
		   size_t err_len)
{
	static struct al_record rec;
	char line[AL_MAX_LINE + 1], perr[128];
	uint64_t seq, epoch, partial = 0;
	size_t len = 0;
	off_t size = 0;
	int ret;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->epoch_max_records = 1000;
	w->epoch_max_secs = 60;
	*repaired = 0;
	ret = al_state_load(&w->st, state_path, err, err_len);
	if (ret)
		return ret;
	w->state_path = strdup(state_path);
	if (!w->state_path)
		return -ENOMEM;
	w->fd = open(log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		ret = -errno;
		seterr(err, err_len, "%s: %s", log_path, strerror(errno));
		goto fail;
	}
	ret = last_line(w->fd, line, sizeof(line), &len, &size, &partial);
	if (ret == -ENOENT) {
		ret = 0;
	} else if (ret) {
		seterr(err, err_len, "%s: cannot read the last line: %s",
		       log_path, strerror(-ret));
		goto fail;
	}
	if (partial) {
		/* a write cut by a crash: that line was never whole */
		if (ftruncate(w->fd, size - partial)) {
			ret = -errno;
			goto fail;
		}
		*repaired = partial;
	}
	if (size - (off_t)partial == 0)
		return 0;
	if (al_parse_line(line, len, &rec, perr, sizeof(perr)) ||
	    al_get_u64(&rec, "seq", &seq) || al_get_u64(&rec, "epoch", &epoch)) {
		seterr(err, err_len, "%s: last line is not an audit record", log_path);
		ret = -EINVAL;
		goto fail;
	}
	if (seq + 1 > w->st.seq) {
		/* the log is ahead of the saved state: catch up */
		const char *type = al_get(&rec, "type");
		bool sealed = type && !strcmp(type, "seal");
		uint64_t want = epoch + (sealed ? 1 : 0);
		uint64_t n = 0;

		if (want < w->st.epoch) {
			seterr(err, err_len, "%s: last line's epoch %" PRIu64
			       " is older than the state's %" PRIu64, log_path,
			       epoch, w->st.epoch);
			ret = -EINVAL;
			goto fail;
		}
		if (!sealed && epoch == w->st.epoch)
			n = w->st.epoch_records + (seq + 1 - w->st.seq);
		while (w->st.epoch < want) {
			al_evolve(w->st.key);
			w->st.epoch++;
			w->st.epoch_start = time(NULL);
		}
		w->st.epoch_records = n;
		w->st.seq = seq + 1;
		crypto_hash_sha256(w->st.prev, (const uint8_t *)line, len);
		w->dirty = true;
	}
	sodium_memzero(line, sizeof(line));
	return 0;
fail:
	al_writer_close(w);
	return ret;
}

/* Writes the lines built since the last flush, in one write(2). */
int al_flush(struct al_writer *w)
{
	struct al_buf *o = &w->out;
	size_t done = 0;
	ssize_t n;

	if (o->oom)
		return -ENOMEM;
	while (done < o->len) {
		n = write(w->fd, o->p + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	o->len = 0;
	if (o->p)
		o->p[0] = 0;
	return 0;
}

/*
 * Builds one line (chain hash and MAC) into the pending output; al_flush()
 * writes it. The state (seq, chain head) moves on at once, so a failed
 * flush leaves the writer unusable: the caller stops.
 */
static int write_line(struct al_writer *w, const char *body, size_t body_len)
{
	char head[160], prev[AL_HEX_LEN + 1], machex[AL_HEX_LEN + 1];
	uint8_t mac[32];
	struct al_buf *b = &w->out;
	size_t start = b->len;
	int ret;

	if (body_len > AL_MAX_LINE - 300)
		return -E2BIG;
	sodium_bin2hex(prev, sizeof(prev), w->st.prev, AL_HASH_LEN);
	snprintf(head, sizeof(head), "{\"seq\":%" PRIu64 ",\"epoch\":%" PRIu64
		 ",\"prev\":\"%s\",", w->st.seq, w->st.epoch, prev);
	buf_put(b, head, strlen(head));
	buf_put(b, body, body_len);
	if (b->oom)
		return -ENOMEM;
	line_mac(w->st.key, b->p + start, b->len - start, mac);
	sodium_bin2hex(machex, sizeof(machex), mac, sizeof(mac));
	buf_put(b, MAC_MARK, strlen(MAC_MARK));
	buf_put(b, machex, AL_HEX_LEN);
	buf_put(b, "\"}", 2);
	if (b->oom)
		return -ENOMEM;
	crypto_hash_sha256(w->st.prev, (const uint8_t *)b->p + start,
			   b->len - start);
	buf_put(b, "\n", 1);
	if (b->oom)
		return -ENOMEM;
	w->st.seq++;
	w->st.epoch_records++;
	w->dirty = true;
	if (b->len >= AL_FLUSH_BYTES) {
		ret = al_flush(w);
		if (ret)
			return ret;
	}
	return 0;
}

static int seal_epoch(struct al_writer *w)
{
	char body[96];
	int n, ret;

	n = snprintf(body, sizeof(body), "\"type\":\"seal\",\"time\":%" PRIu64
		     ",\"records\":%" PRIu64, (uint64_t)time(NULL),
		     w->st.epoch_records + 1);
	ret = write_line(w, body, n);
	if (!ret)
		ret = al_flush(w);
	if (ret)
		return ret;
	w->seals++;
	w->sealed_off = lseek(w->fd, 0, SEEK_END);
	w->sealed_seq = w->st.seq;
	al_evolve(w->st.key);
	w->st.epoch++;
	w->st.epoch_records = 0;
	w->st.epoch_start = time(NULL);
	/* the old key must not survive on disk longer than needed */
	return al_writer_sync(w);
}

int al_append(struct al_writer *w, const char *body, size_t body_len)
{
	int ret;

	if (w->epoch_max_records &&
	    w->st.epoch_records + 1 >= w->epoch_max_records) {
		ret = seal_epoch(w);
		if (ret)
			return ret;
	}
	return write_line(w, body, body_len);
}

int al_tick(struct al_writer *w, uint64_t now, bool force)
{
	if (!w->st.epoch_records)
		return 0;
	if (force || (w->epoch_max_secs &&
		      now >= w->st.epoch_start + w->epoch_max_secs))
		return seal_epoch(w);
	return 0;
}

int al_writer_sync(struct al_writer *w)
{
	int ret = al_flush(w);

	if (ret)
		return ret;
	if (!w->dirty)
		return 0;
	if (fdatasync(w->fd))
		return -errno;
	w->dirty = false;
	return al_state_save(&w->st, w->state_path);
}

void al_writer_close(struct al_writer *w)
{
	if (w->fd >= 0) {
		al_flush(w);	/* what a caller appended and did not sync */
		close(w->fd);
	}
	w->fd = -1;
	free(w->state_path);
	w->state_path = NULL;
	al_buf_free(&w->out);
	al_state_wipe(&w->st);
}

/* ---- verifier ---- */

void al_verify_init(struct al_verifier *v, const uint8_t k0[AL_KEY_LEN])
{
	memset(v, 0, sizeof(*v));
	memcpy(v->key, k0, AL_KEY_LEN);
}

void al_verify_wipe(struct al_verifier *v)
{
	sodium_memzero(v->key, sizeof(v->key));
}

static int vfail(struct al_verifier *v, const char *where, const char *fmt, ...)
{
	va_list ap;

	v->failed = true;
	v->bad_line = v->lines;
	snprintf(v->bad_where, sizeof(v->bad_where), "%s", where ? where : "");
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return -1;
}

int al_verify_line(struct al_verifier *v, const char *line, size_t len,
		   bool complete, const char *where)
{
	char perr[128], machex[AL_HEX_LEN + 1], prevhex[AL_HEX_LEN + 1];
	const char *prev, *type, *mac;
	uint64_t seq, epoch, records;
	uint8_t want[32];
	size_t body;

	if (v->failed)
		return -1;
	v->lines++;
	if (!complete)
		return vfail(v, where, "record %" PRIu64 " is cut off (no end of line): "
			     "the log was truncated", v->next_seq);
	if (al_parse_line(line, len, &v->rec, perr, sizeof(perr)))
		return vfail(v, where, "not a valid record (%s)", perr);
	if (al_get_u64(&v->rec, "seq", &seq) ||
	    al_get_u64(&v->rec, "epoch", &epoch))
		return vfail(v, where, "record without seq/epoch");
	prev = al_get(&v->rec, "prev");
	mac = al_get(&v->rec, "mac");
	type = al_get(&v->rec, "type");
	if (!prev || !mac || !type)
		return vfail(v, where, "record %" PRIu64 " lacks prev, mac or type", seq);
	if (seq != v->next_seq) {
		if (seq > v->next_seq)
			return vfail(v, where, "record %" PRIu64 " follows record %" PRIu64
				     ": %" PRIu64 " record(s) missing (deleted)",
				     seq, v->next_seq ? v->next_seq - 1 : 0,
				     seq - v->next_seq);
		return vfail(v, where, "record %" PRIu64 " where record %" PRIu64
			     " belongs: inserted, duplicated or reordered",
			     seq, v->next_seq);
	}
	sodium_bin2hex(prevhex, sizeof(prevhex), v->prev, AL_HASH_LEN);
	if (strcmp(prev, prevhex))
		return vfail(v, where, "record %" PRIu64 " does not chain to the "
			     "record before it (prev hash differs)", seq);
	if (epoch != v->epoch)
		return vfail(v, where, "record %" PRIu64 " claims epoch %" PRIu64
			     ", expected %" PRIu64, seq, epoch, v->epoch);
	/* MAC: over the text before the final ,"mac":"..."} */
	if (len < AL_MAC_SUFFIX_LEN ||
	    memcmp(line + len - AL_MAC_SUFFIX_LEN, MAC_MARK, strlen(MAC_MARK)) ||
	    line[len - 2] != '"' || line[len - 1] != '}')
		return vfail(v, where, "record %" PRIu64 ": mac is not the last member",
			     seq);
	body = len - AL_MAC_SUFFIX_LEN;
	line_mac(v->key, line, body, want);
	sodium_bin2hex(machex, sizeof(machex), want, sizeof(want));
	if (sodium_memcmp(machex, line + body + strlen(MAC_MARK), AL_HEX_LEN))
		return vfail(v, where, "record %" PRIu64 ": MAC does not match "
			     "(edited, forged, or rebuilt without the key)", seq);
	crypto_hash_sha256(v->prev, (const uint8_t *)line, len);
	v->next_seq++;
	v->epoch_records++;
	if (!strcmp(type, "seal")) {
		if (al_get_u64(&v->rec, "records", &records) ||
		    records != v->epoch_records)
			return vfail(v, where, "seal %" PRIu64 " counts a different "
				     "number of records than its epoch holds", seq);
		al_evolve(v->key);
		v->epoch++;
		v->epoch_records = 0;
		v->seals++;
		v->last_sealed_seq = v->next_seq;
	}
	return 0;
}

int al_verify_finish(struct al_verifier *v, const struct al_state *dev)
{
	uint8_t k[AL_KEY_LEN];
	uint64_t e;

	if (v->failed)
		return -1;
	if (!dev)
		return 0;
	/* The device's key proves which epoch it reached. */
	if (dev->epoch < v->epoch)
		return vfail(v, "state", "the device state is at epoch %" PRIu64
			     ", older than the log's %" PRIu64, dev->epoch, v->epoch);
	memcpy(k, v->key, sizeof(k));
	for (e = v->epoch; e < dev->epoch; e++)
		al_evolve(k);
	if (sodium_memcmp(k, dev->key, sizeof(k))) {
		sodium_memzero(k, sizeof(k));
		return vfail(v, "state", "the device state's key is not epoch %"
			     PRIu64 " of this verification key", dev->epoch);
	}
	sodium_memzero(k, sizeof(k));
	if (dev->epoch > v->epoch) {
		v->lines++;
		return vfail(v, "end", "log truncated: it ends at record %" PRIu64
			     " in epoch %" PRIu64 ", but the device sealed through "
			     "epoch %" PRIu64 " (first missing record %" PRIu64 ")",
			     v->next_seq ? v->next_seq - 1 : 0, v->epoch,
			     dev->epoch - 1, v->next_seq);
	}
	if (dev->seq > v->next_seq) {
		v->lines++;
		return vfail(v, "end", "log truncated: the device wrote %" PRIu64
			     " records, the log holds %" PRIu64 " (first missing "
			     "record %" PRIu64 ")", dev->seq, v->next_seq, v->next_seq);
	}
	return 0;
}

int al_scan_tail(const char *path, long tail,
		 int (*fn)(void *arg, const struct al_record *rec), void *arg)
{
	static struct al_record rec;
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long size;
	int ret = 0;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	if (size > tail) {
		fseek(f, size - tail, SEEK_SET);
		len = getline(&line, &cap, f);	/* a partial line */
	} else {
		fseek(f, 0, SEEK_SET);
	}
	while (!ret && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			len--;
		if (!al_parse_line(line, len, &rec, NULL, 0))
			ret = fn(arg, &rec);
	}
	free(line);
	fclose(f);
	return ret;
}
