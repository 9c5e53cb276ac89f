/* SPDX-License-Identifier: MIT */
/*
 * The one reader of INI-style files: sealcam's own "key = value" files
 * (SC_INI_SEALCAM: agent.conf; no sections, '#' starts a comment anywhere,
 * "quoted" values unquoted) and the AWS shared config and credentials
 * files (SC_INI_AWS: [section] headers, comment lines only, and nested
 * blocks - a "key =" line with no value, then indented "sub = value"
 * lines, as aws-cli's "s3 =").
 *
 * Calls @fn for every setting, in order; a malformed line is an error
 * naming FILE:LINE.  Lines are wiped after use: the credentials file
 * holds secrets.
 */
#ifndef SEALCAM_INI_H
#define SEALCAM_INI_H

#include <stddef.h>

enum sc_ini_dialect { SC_INI_SEALCAM, SC_INI_AWS };

struct sc_ini_line {
	const char *section;	/* AWS: the [section] it is in */
	const char *parent;	/* AWS: "s3" inside an "s3 =" block, else NULL */
	const char *key, *value;
	const char *where;	/* "FILE:LINE" */
};

/* 0 to go on; -1 to stop, with a message in @err. */
typedef int (*sc_ini_fn)(const struct sc_ini_line *l, void *arg, char *err,
			 size_t errlen);

/* 0; -ENOENT when the file does not exist; -1 with a message in @err. */
int sc_ini_read(const char *path, enum sc_ini_dialect dialect, sc_ini_fn fn,
		void *arg, char *err, size_t errlen);

/* White space off both ends of @s, in place; returns the new start. */
char *sc_trim(char *s);

#endif /* SEALCAM_INI_H */
