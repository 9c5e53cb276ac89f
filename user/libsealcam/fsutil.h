/* SPDX-License-Identifier: MIT */
/* Small file system helpers of the agent, the store client and the CLI. */
#ifndef SEALCAM_FSUTIL_H
#define SEALCAM_FSUTIL_H

/* mkdir -p, new directories with @mode. 0 or -errno (-ENOTDIR). */
int sc_mkdirs(const char *path, unsigned int mode);

/* fsync a directory by path, so that a rename in it is durable. 0 or -errno. */
int sc_fsync_dir(const char *dir);

#endif
