// SPDX-License-Identifier: MIT
/* JSON strings: see json.h. */

#include <stdint.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at @s (1 to 4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_u(sc_json_put_fn put, void *ctx, unsigned int c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf] };

	put(ctx, esc, sizeof(esc));
}

void sc_json_str(sc_json_put_fn put, void *ctx, const char *str,
		 enum sc_json_form form)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	const char *short_esc;
	size_t n;

	put(ctx, "\"", 1);
	while (*s) {
		short_esc = NULL;
		if (*s == '"')
			short_esc = "\\\"";
		else if (*s == '\\')
			short_esc = "\\\\";
		else if (form == SC_JSON_UTF8 && *s == '\n')
			short_esc = "\\n";
		else if (form == SC_JSON_UTF8 && *s == '\t')
			short_esc = "\\t";
		else if (form == SC_JSON_UTF8 && *s == '\r')
			short_esc = "\\r";
		if (short_esc) {
			put(ctx, short_esc, 2);
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f ||
		    (*s >= 0x80 && form == SC_JSON_BYTES)) {
			put_u(put, ctx, *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			put(ctx, "\\ufffd", 6);
			s++;
			continue;
		}
		put(ctx, (const char *)s, n);
		s += n;
	}
	put(ctx, "\"", 1);
}

static void put_stdio(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

void sc_json_fputs(FILE *f, const char *s)
{
	sc_json_str(put_stdio, f, s, SC_JSON_UTF8);
}
