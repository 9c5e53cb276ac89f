// SPDX-License-Identifier: MIT
/*
 * S3 credentials, as aws-cli finds them: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) unless a profile was named
 * by a flag or a config file; else the profile's section of the shared
 * credentials file, which is re-read when it changes and when the store
 * says the session expired.  A secret is never logged.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ini.h"
#include "internal.h"

/* One profile's keys, as read from the credentials file. */
struct s3_keys {
	const char *profile;
	char *akid, *secret, *token;
};

static void keys_wipe(struct s3_keys *k)
{
	sc_free_secret(k->akid);
	sc_free_secret(k->secret);
	sc_free_secret(k->token);
	k->akid = k->secret = k->token = NULL;
}

/* The credentials file names a profile [NAME], never [profile NAME]. */
static int cred_line(const struct sc_ini_line *l, void *arg, char *err,
		     size_t errlen)
{
	struct s3_keys *k = arg;
	char **dst = NULL;

	if (l->parent || strcmp(l->section, k->profile))
		return 0;
	if (!strcmp(l->key, "aws_access_key_id"))
		dst = &k->akid;
	else if (!strcmp(l->key, "aws_secret_access_key"))
		dst = &k->secret;
	else if (!strcmp(l->key, "aws_session_token"))
		dst = &k->token;
	if (dst) {
		sc_free_secret(*dst);
		*dst = strdup(l->value);
		if (!*dst) {
			snprintf(err, errlen, "%s: out of memory", l->where);
			return -1;
		}
	}
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

/*
 * libcurl's "AKID:SECRET" and the session token header from keys found in
 * @where.  0, or -1 with a message that shows no secret.
 */
static int make_auth(const char *ak, const char *sk, const char *tok,
		     const char *where, char **userpwd, char **session_hdr,
		     char *err, size_t errlen)
{
	size_t n;

	*userpwd = *session_hdr = NULL;
	if (strchr(ak, ':') || !printable(ak) || !printable(sk) ||
	    (tok && !printable(tok))) {
		snprintf(err, errlen, "s3: invalid credentials from %s (a ':' in "
			 "the key id, or a control character)", where);
		return -1;
	}
	n = strlen(ak) + strlen(sk) + 2;
	*userpwd = malloc(n);
	if (*userpwd)
		snprintf(*userpwd, n, "%s:%s", ak, sk);
	if (tok && *tok) {
		n = strlen(tok) + 32;
		*session_hdr = malloc(n);
		if (*session_hdr)
			snprintf(*session_hdr, n, "x-amz-security-token: %s", tok);
	}
	if (!*userpwd || (tok && *tok && !*session_hdr)) {
		sc_free_secret(*userpwd);
		sc_free_secret(*session_hdr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Read the profile's keys from the credentials file. 0 or -1 with a message. */
static int cred_read(struct sc_store *st, char **userpwd, char **session_hdr,
		     char *err, size_t errlen)
{
	struct s3_keys k = { .profile = st->c->profile };
	char where[PATH_MAX + 300];
	int r;

	r = sc_ini_read(st->cred_path, SC_INI_AWS, cred_line, &k, err, errlen);
	if (r == -ENOENT)
		snprintf(err, errlen, "s3: no credentials: %s does not exist",
			 st->cred_path);
	else if (!r && !(k.akid && *k.akid && k.secret && *k.secret))
		snprintf(err, errlen, "s3: no credentials: %s has no profile [%s] "
			 "with both aws_access_key_id and aws_secret_access_key",
			 st->cred_path, st->c->profile);
	else if (!r) {
		snprintf(where, sizeof(where), "%s [%s]", st->cred_path,
			 st->c->profile);
		r = make_auth(k.akid, k.secret, k.token, where, userpwd,
			      session_hdr, err, errlen);
		keys_wipe(&k);
		return r;
	}
	keys_wipe(&k);
	return -1;
}

/* The access key id as aws-cli shows it: only its last 4 characters. */
static void akid_masked(const char *userpwd, char *out, size_t len)
{
	size_t n = strcspn(userpwd, ":");

	snprintf(out, len, "****%.*s", n > 4 ? 4 : 0, userpwd + (n > 4 ? n - 4 : 0));
}

static void cred_path(const struct sc_store_config *c, char *path, size_t len)
{
	const char *v = getenv("AWS_SHARED_CREDENTIALS_FILE");

	if (c->credentials_file)
		snprintf(path, len, "%s", c->credentials_file);
	else if (v && *v)
		snprintf(path, len, "%s", v);
	else
		snprintf(path, len, "%s/.aws/credentials",
			 getenv("HOME") ? getenv("HOME") : "/root");
}

/*
 * The credentials at startup: from the environment (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) unless a profile was asked for
 * by a flag or a config file, as aws-cli does with --profile; else from
 * the credentials file, which is then watched (sc_s3_reload).
 */
int sc_s3_credentials(struct sc_store *st, char *err, size_t errlen)
{
	const struct sc_store_config *c = st->c;
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
	char masked[16];

	if (!c->profile_given && ak && *ak && sk && *sk) {
		*st->cred_path = '\0';
		if (make_auth(ak, sk, getenv("AWS_SESSION_TOKEN"), "the environment",
			      &st->userpwd, &st->session_hdr, err, errlen))
			return -1;
		akid_masked(st->userpwd, masked, sizeof(masked));
		sc_store_log(st, "s3: credentials from the environment (access "
			     "key %s%s)", masked,
			     st->session_hdr ? ", session token" : "");
		return 0;
	}
	cred_path(c, st->cred_path, sizeof(st->cred_path));
	/* stat before reading: a change after the stat is seen next time */
	if (stat(st->cred_path, &st->cred_stat))
		memset(&st->cred_stat, 0, sizeof(st->cred_stat));
	if (cred_read(st, &st->userpwd, &st->session_hdr, err, errlen)) {
		size_t n = strlen(err);

		if (c->profile_given && ak && *ak)
			snprintf(err + n, errlen - n, " (AWS_ACCESS_KEY_ID is not "
				 "used: a profile was named by %s)", c->s3_from.profile);
		else if (!c->profile_given)
			snprintf(err + n, errlen - n, " (and AWS_ACCESS_KEY_ID, "
				 "AWS_SECRET_ACCESS_KEY are not both set)");
		return -1;
	}
	akid_masked(st->userpwd, masked, sizeof(masked));
	sc_store_log(st, "s3: credentials from %s [%s] (access key %s%s; "
		     "re-read when it changes)", st->cred_path, c->profile,
		     masked, st->session_hdr ? ", session token" : "");
	return 0;
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool same_secret(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strlen(a) == strlen(b) && !sodium_memcmp(a, b, strlen(a));
}

/*
 * Re-read the credentials file when it changed since it was read (a stat:
 * cheap enough before every upload), or with @force whatever the stat says
 * (the server said the session expired: the file may have been rewritten
 * within one timestamp tick).  True when the credentials are new: a request
 * refused with the old ones is worth sending again.  A file that cannot be
 * used (half written, a profile missing) leaves the old credentials in
 * place, logged once for each change.
 */
bool sc_s3_reload(struct sc_store *st, bool force, const char *why)
{
	char *userpwd = NULL, *session_hdr = NULL, err[PATH_MAX + 300];
	char masked[16];
	struct stat now;
	bool changed = false;

	if (st->kind != ST_S3 || !*st->cred_path)
		return false;
	pthread_mutex_lock(&st->lock);
	if (stat(st->cred_path, &now))
		memset(&now, 0, sizeof(now));
	if (!force && same_file_state(&now, &st->cred_stat))
		goto out;
	st->cred_stat = now;
	if (cred_read(st, &userpwd, &session_hdr, err, sizeof(err))) {
		sc_store_logerr(st, "s3: credentials file changed but cannot be "
				"used, the previous credentials stay (%s): %s",
				why, err);
		goto out;
	}
	if (same_secret(userpwd, st->userpwd) &&
	    same_secret(session_hdr, st->session_hdr)) {
		sc_free_secret(userpwd);
		sc_free_secret(session_hdr);
		goto out;
	}
	sc_free_secret(st->userpwd);
	sc_free_secret(st->session_hdr);
	st->userpwd = userpwd;
	st->session_hdr = session_hdr;
	changed = true;
	akid_masked(userpwd, masked, sizeof(masked));
	sc_store_log(st, "s3: credentials reloaded from %s [%s] (%s): access "
		     "key %s%s", st->cred_path, st->c->profile, why, masked,
		     session_hdr ? ", session token" : "");
out:
	pthread_mutex_unlock(&st->lock);
	return changed;
}

/*
 * After a refusal with S3 error @code: new credentials may cure it.
 * ExpiredToken (and the other session token codes) re-reads the file
 * whatever its state; a refused key (Ceph RGW with STS on says
 * AccessDenied for a key it does not know) only when the file changed
 * since the request was signed.  True to send the request once more.
 */
bool sc_s3_reload_after(struct sc_store *st, const char *code)
{
	static const char *const session[] = {
		"ExpiredToken", "TokenRefreshRequired", "InvalidToken",
	};
	char why[96];
	bool force = false;
	size_t i;

	for (i = 0; i < sizeof(session) / sizeof(session[0]); i++)
		force |= !strcmp(code, session[i]);
	if (!force && strcmp(code, "InvalidAccessKeyId") &&
	    strcmp(code, "SignatureDoesNotMatch") && strcmp(code, "AccessDenied"))
		return false;
	snprintf(why, sizeof(why), "the store answered %s", code);
	return sc_s3_reload(st, force, why);
}
