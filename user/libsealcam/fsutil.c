// SPDX-License-Identifier: MIT
/* Small file system helpers (see fsutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int sc_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

int sc_mkdirs(const char *path, unsigned int mode)
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
