// SPDX-License-Identifier: MIT
/*
 * S3 settings as aws-cli finds them (see s3conf.h): what the program's
 * flags and config file left unset comes from the AWS environment, then
 * the profile's section of the AWS config file, then the defaults.  One
 * reader, sc_ini_read(), parses that file (and agent.conf).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ini.h"
#include "s3conf.h"

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

/* path, virtual, auto: 1, 0, -1; -2 for anything else */
static int addressing_style(const char *v)
{
	if (!strcmp(v, "path"))
		return 1;
	if (!strcmp(v, "virtual"))
		return 0;
	return strcmp(v, "auto") ? -2 : -1;
}

int sc_s3_path_style(const char *v)
{
	if (!v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on"))
		return 1;
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcmp(v, "0") || !strcasecmp(v, "off"))
		return 0;
	return addressing_style(v);
}

struct aws_setting {
	char *value, *where;
};

/* What the AWS config file says for one profile. */
struct aws_profile {
	const char *name;
	struct aws_setting region, endpoint, style;
};

/* [default], or [profile NAME] (also for default, as aws-cli accepts). */
static bool aws_profile_section(const char *section, const char *name)
{
	if (!strcmp(name, "default") && !strcmp(section, "default"))
		return true;
	if (strncmp(section, "profile", 7) || !isspace((unsigned char)section[7]))
		return false;
	section += 7;
	while (isspace((unsigned char)*section))
		section++;
	return !strcmp(section, name);
}

/*
 * A line of the AWS config file.  Keys sealcam has no use for (output,
 * cli_pager, sso_*, ...) are aws-cli's business and pass; a bad value of
 * one it uses is an error.
 */
static int aws_config_line(const struct sc_ini_line *l, void *arg,
			   char *err, size_t errlen)
{
	struct aws_profile *p = arg;
	struct aws_setting *set = NULL;

	if (!aws_profile_section(l->section, p->name))
		return 0;
	if (!l->parent && !strcmp(l->key, "region"))
		set = &p->region;
	else if (!l->parent && !strcmp(l->key, "endpoint_url"))
		set = &p->endpoint;
	else if (l->parent && !strcmp(l->parent, "s3") &&
		 !strcmp(l->key, "addressing_style"))
		set = &p->style;
	if (!set)
		return 0;
	if (set == &p->style && addressing_style(l->value) == -2) {
		snprintf(err, errlen, "%s: addressing_style must be path, virtual "
			 "or auto, not '%s'", l->where, l->value);
		return -1;
	}
	set_str(&set->value, l->value);
	set_str(&set->where, l->where);
	return 0;
}

static const char *env_value(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

void sc_s3_set(char **dst, char **from, const char *value, const char *origin)
{
	set_str(dst, value);
	set_str(from, origin);
}

/* The first of two environment variables that is set, else NULL. */
static const char *env_first(const char *a, const char *b, const char **which)
{
	const char *v = env_value(a);

	*which = v ? a : b;
	return v ? v : env_value(b);
}

/* A SigV4 scope part: no ':' or '/' (they would change the scope). */
static bool region_ok(const char *r)
{
	size_t n = strlen(r);

	return n && n < 64 &&
	       strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.") == n;
}

int sc_s3_resolve(struct sc_store_config *c, char *err, size_t errlen)
{
	struct aws_profile p = { 0 };
	const char *v, *which, *home = getenv("HOME");
	char path[PATH_MAX];
	int r;

	if (!c->profile) {
		v = env_value("AWS_PROFILE");
		sc_s3_set(&c->profile, &c->s3_from.profile, v ? v : "default",
			  v ? "AWS_PROFILE" : "default");
	}
	v = env_value("AWS_CONFIG_FILE");
	if (v)
		snprintf(path, sizeof(path), "%s", v);
	else
		snprintf(path, sizeof(path), "%s/.aws/config", home ? home : "/root");
	p.name = c->profile;
	/* no such file is no settings, as for aws-cli */
	r = sc_ini_read(path, SC_INI_AWS, aws_config_line, &p, err, errlen);
	if (r == -1)
		goto out;
	r = 0;
	if (!c->s3_from.region) {
		if ((v = env_first("AWS_REGION", "AWS_DEFAULT_REGION", &which)))
			sc_s3_set(&c->s3_region, &c->s3_from.region, v, which);
		else if (p.region.value)
			sc_s3_set(&c->s3_region, &c->s3_from.region,
				  p.region.value, p.region.where);
		else
			sc_s3_set(&c->s3_region, &c->s3_from.region, "us-east-1",
				  "default");
	}
	if (!region_ok(c->s3_region)) {
		snprintf(err, errlen, "region '%s' (from %s) is not a region name",
			 c->s3_region, c->s3_from.region);
		r = -1;
		goto out;
	}
	if (!c->s3_from.endpoint) {
		if ((v = env_first("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", &which)))
			sc_s3_set(&c->s3_endpoint, &c->s3_from.endpoint, v, which);
		else if (p.endpoint.value)
			sc_s3_set(&c->s3_endpoint, &c->s3_from.endpoint,
				  p.endpoint.value, p.endpoint.where);
		else
			set_str(&c->s3_from.endpoint, "default");
	}
	if (!c->s3_from.path_style) {
		if (p.style.value) {
			c->s3_path_style = addressing_style(p.style.value);
			set_str(&c->s3_from.path_style, p.style.where);
		} else {
			set_str(&c->s3_from.path_style, "default");
		}
	}
out:
	free(p.region.value);
	free(p.region.where);
	free(p.endpoint.value);
	free(p.endpoint.where);
	free(p.style.value);
	free(p.style.where);
	return r;
}
