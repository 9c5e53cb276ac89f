// SPDX-License-Identifier: MIT
/*
 * Known-devices file of `sealcam unseal` (trust on first use of device
 * keys); the format is described in knowndev.h and docs/FORMAT.md.
 */
#include "knowndev.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KNOWN_HEADER \
	"# sealcam known devices (sealcam unseal pins a device on first use).\n" \
	"# OWNER-KEY-ID DEVICE-PUBLIC-KEY [notes]: recordings opened with that\n" \
	"# owner key are accepted only from the devices listed for it.\n"

static char *join_path(const char *dir, const char *rest)
{
	char *p;

	if (!dir || !*dir)
		return NULL;
	if (asprintf(&p, "%s/%s", dir, rest) < 0)
		return NULL;
	return p;
}

char *sc_known_default_path(void)
{
	const char *env = getenv("SEALCAM_KNOWN_DEVICES");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (env && *env)
		return strdup(env);
	if (xdg && *xdg == '/')
		return join_path(xdg, "sealcam/known_devices");
	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	return join_path(home, ".config/sealcam/known_devices");
}

static int parse_id(const char *text, unsigned char id[SEALCAM_KEY_ID_LEN])
{
	size_t n;

	if (strlen(text) != 2 * SEALCAM_KEY_ID_LEN ||
	    sodium_hex2bin(id, SEALCAM_KEY_ID_LEN, text, strlen(text), NULL,
			   &n, NULL) || n != SEALCAM_KEY_ID_LEN)
		return -1;
	return 0;
}

static int parse_pub(const char *text, unsigned char pub[SEALCAM_KEY_LEN])
{
	size_t n;

	if (strlen(text) != 44 ||
	    sodium_base642bin(pub, SEALCAM_KEY_LEN, text, strlen(text), NULL,
			      &n, NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    n != SEALCAM_KEY_LEN)
		return -1;
	return 0;
}

bool sc_known_has(const struct sc_known_devices *k,
		  const unsigned char pub[SEALCAM_KEY_LEN])
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!memcmp(k->pubs[i], pub, SEALCAM_KEY_LEN))
			return true;
	return false;
}

/* One line of the file: 0 (pinned or not ours), or -EINVAL / -ENOSPC. */
static int load_line(struct sc_known_devices *k, char *line)
{
	unsigned char id[SEALCAM_KEY_ID_LEN], pub[SEALCAM_KEY_LEN];
	char *save, *t1, *t2;

	t1 = strtok_r(line, " \t\r\n", &save);
	if (!t1 || *t1 == '#')
		return 0;
	t2 = strtok_r(NULL, " \t\r\n", &save);
	if (parse_id(t1, id) || !t2 || parse_pub(t2, pub))
		return -EINVAL;
	if (memcmp(id, k->owner_id, SEALCAM_KEY_ID_LEN) || sc_known_has(k, pub))
		return 0;
	if (k->n == SC_MAX_TRUSTED_DEVICES)
		return -ENOSPC;
	memcpy(k->pubs[k->n++], pub, SEALCAM_KEY_LEN);
	return 0;
}

int sc_known_load(struct sc_known_devices *k, const char *path,
		  const unsigned char owner_id[SEALCAM_KEY_ID_LEN],
		  char *err, size_t err_len)
{
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	memset(k, 0, sizeof(*k));
	k->path = path;
	memcpy(k->owner_id, owner_id, SEALCAM_KEY_ID_LEN);
	f = fopen(path, "re");
	if (!f && (errno == ENOENT || errno == ENOTDIR))
		return 0;	/* nothing pinned yet */
	if (!f) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		lineno++;
		ret = load_line(k, line);
	}
	if (!ret && ferror(f))
		ret = -EIO;
	if (ret == -EINVAL)
		snprintf(err, err_len, "%s:%u: not \"OWNER-KEY-ID DEVICE-PUBLIC-KEY [notes]\"",
			 path, lineno);
	else if (ret == -ENOSPC)
		snprintf(err, err_len, "%s:%u: more than %d devices pinned for one key",
			 path, lineno, SC_MAX_TRUSTED_DEVICES);
	else if (ret)
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
	free(line);
	fclose(f);
	return ret;
}

/* mkdir -p of the directory holding @path, new directories 0700. */
static int make_parent(const char *path)
{
	char *dir = strdup(path), *p;
	int ret = 0;

	if (!dir)
		return -ENOMEM;
	p = strrchr(dir, '/');
	if (p && p != dir) {
		*p = '\0';
		for (p = dir + 1; !ret; p++) {
			bool end = !*p;

			if (*p != '/' && !end)
				continue;
			*p = '\0';
			if (mkdir(dir, 0700) && errno != EEXIST)
				ret = -errno;
			if (end)
				break;
			*p = '/';
		}
	}
	free(dir);
	return ret;
}

int sc_known_add(struct sc_known_devices *k,
		 const unsigned char pub[SEALCAM_KEY_LEN], const char *note)
{
	char id_hex[2 * SEALCAM_KEY_ID_LEN + 1], b64[45], *line = NULL, *clean, *p;
	struct stat st;
	int fd, n, ret = 0;

	if (sc_known_has(k, pub))
		return 0;
	if (k->n == SC_MAX_TRUSTED_DEVICES)
		return -ENOSPC;
	/* one line, whatever a file name in the note holds */
	clean = strdup(note ? note : "");
	if (!clean)
		return -ENOMEM;
	for (p = clean; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	ret = make_parent(k->path);
	fd = ret ? -1 : open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			     0600);
	if (!ret && fd < 0)
		ret = -errno;
	if (ret) {
		free(clean);
		return ret;
	}
	sc_hex(id_hex, k->owner_id, SEALCAM_KEY_ID_LEN);
	sodium_bin2base64(b64, sizeof(b64), pub, SEALCAM_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	n = asprintf(&line, "%s%s %s%s%s\n",
		     !fstat(fd, &st) && st.st_size == 0 ? KNOWN_HEADER : "",
		     id_hex, b64, *clean ? " " : "", clean);
	errno = 0;
	if (n < 0)
		ret = -ENOMEM;
	else if (write(fd, line, (size_t)n) != n || fsync(fd))
		ret = errno ? -errno : -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	free(line);
	free(clean);
	if (!ret)
		memcpy(k->pubs[k->n++], pub, SEALCAM_KEY_LEN);
	return ret;
}
