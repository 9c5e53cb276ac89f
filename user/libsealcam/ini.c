// SPDX-License-Identifier: MIT
/* The INI-style reader of agent.conf and the AWS files (see ini.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>

#include "ini.h"

char *sc_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool indented(const char *s)
{
	return *s == ' ' || *s == '\t';
}

/*
 * A "[section]" line (trimmed) into @section; -1 if malformed.  Out of
 * memory leaves *section NULL, which ends the read.
 */
static int ini_section(char *s, char **section)
{
	size_t len = strlen(s);

	if (len < 3 || s[len - 1] != ']')
		return -1;
	s[len - 1] = '\0';
	s = sc_trim(s + 1);
	if (!*s || strpbrk(s, "[]"))
		return -1;
	free(*section);
	*section = strdup(s);
	return 0;
}

/*
 * One line, already known to be no comment: a section header, a setting
 * handed to fn, or an error.  @parent is the open nested block's key.
 */
static int ini_line(char *line, enum sc_ini_dialect d, char **section,
		    char *parent, size_t parentlen, const char *where,
		    sc_ini_fn fn, void *arg, char *err, size_t errlen)
{
	struct sc_ini_line l = { .where = where };
	bool sub = d == SC_INI_AWS && indented(line);
	char *s = sc_trim(line), *eq, *key, *val;
	size_t n;

	if (d == SC_INI_AWS && *s == '[') {
		*parent = '\0';
		if (sub || ini_section(s, section)) {
			snprintf(err, errlen, "%s: expected [section]", where);
			return -1;
		}
		return 0;
	}
	eq = strchr(s, '=');
	if (!eq) {
		snprintf(err, errlen, "%s: expected key = value", where);
		return -1;
	}
	*eq = '\0';
	key = sc_trim(s);
	val = sc_trim(eq + 1);
	if (!*key) {
		snprintf(err, errlen, "%s: no key before '='", where);
		return -1;
	}
	l.key = key;
	l.value = val;
	if (d == SC_INI_SEALCAM) {
		n = strlen(val);
		if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
			val[n - 1] = '\0';
			l.value = val + 1;
		}
		return fn(&l, arg, err, errlen);
	}
	if (!*section) {
		snprintf(err, errlen, "%s: '%s' is in no [section]", where, l.key);
		return -1;
	}
	l.section = *section;
	if (sub) {
		if (!*parent) {
			snprintf(err, errlen, "%s: an indented line belongs in a "
				 "nested block, opened by a \"key =\" line with "
				 "no value", where);
			return -1;
		}
		l.parent = parent;
	} else if (!*l.value) {
		/* "s3 =": the indented lines that follow are its settings */
		snprintf(parent, parentlen, "%s", l.key);
		return 0;
	} else {
		*parent = '\0';
	}
	return fn(&l, arg, err, errlen);
}

int sc_ini_read(const char *path, enum sc_ini_dialect dialect, sc_ini_fn fn,
		void *arg, char *err, size_t errlen)
{
	char where[PATH_MAX + 32], parent[128] = "", *section = NULL;
	char *line = NULL, *s;
	unsigned int lineno = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f) {
		if (errno == ENOENT)
			return -ENOENT;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	section = calloc(1, 1);
	/* getline: a session token is longer than any line buffer we'd pick */
	while (r == 0 && section && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (strlen(line) != (size_t)n) {
			snprintf(err, errlen, "%s: a NUL byte: not a text file", where);
			r = -1;
			break;
		}
		if (dialect == SC_INI_SEALCAM && (s = strchr(line, '#')))
			*s = '\0';
		s = sc_trim(line);
		/* blank lines and comments leave a nested block open, as in aws-cli */
		if (!*s || *s == '#' || *s == ';')
			continue;
		r = ini_line(line, dialect, &section, parent, sizeof(parent), where,
			     fn, arg, err, errlen);
	}
	if (!r && !section) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = -1;
	} else if (!r && ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		r = -1;
	}
	if (line)
		sodium_memzero(line, cap);
	free(line);
	free(section);
	fclose(f);
	return r;
}
