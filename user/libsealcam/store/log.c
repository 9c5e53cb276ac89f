// SPDX-License-Identifier: MIT
/*
 * What every part of the store client shares below the store itself: its
 * log lines (to the caller's ops.log and ops.error) and the freeing of
 * secret strings (credentials, signed headers).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

static void vlog(void (*out)(const char *line), const char *fmt, va_list ap)
{
	char line[2048];

	if (!out)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	out(line);
}

void sc_store_log(const struct sc_store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(st->ops.log, fmt, ap);
	va_end(ap);
}

void sc_store_logerr(const struct sc_store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(st->ops.error, fmt, ap);
	va_end(ap);
}

void sc_free_secret(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}
