// SPDX-License-Identifier: MIT
/* Shared state and small helpers of sealcam-agent: logging, time. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"

struct agent_stats agent_stats = { .lock = PTHREAD_MUTEX_INITIALIZER };
volatile sig_atomic_t agent_stop;

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* one write per line: lines of concurrent threads do not mix */
	fprintf(stderr, AGENT_NAME ": %s%s\n", level, line);
}

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void agent_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

static void store_log(const char *line)
{
	agent_log("%s", line);
}

static void store_error(const char *line)
{
	agent_error("%s", line);
}

const struct sc_store_ops agent_store_ops = {
	.log = store_log,
	.error = store_error,
	.stop = &agent_stop,
};

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void agent_sum_path(char *out, size_t len, const char *file)
{
	const char *slash = strrchr(file, '/');

	if (slash)
		snprintf(out, len, "%.*s/.%s.sum", (int)(slash - file), file,
			 slash + 1);
	else
		snprintf(out, len, ".%s.sum", file);
}
