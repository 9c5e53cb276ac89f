// SPDX-License-Identifier: MIT
/* Shared state and small helpers of sealcam-agent: logging, time, dirs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int agent_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

int agent_mkdirs(const char *path, unsigned int mode)
{
	char p[PATH_MAX];
	size_t i;
	struct stat st;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) && errno != EEXIST)
			return -errno;
		p[i] = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST)
		return -errno;
	if (stat(p, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
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
