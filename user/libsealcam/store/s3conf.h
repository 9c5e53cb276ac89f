/* SPDX-License-Identifier: MIT */
/*
 * S3 settings, as aws-cli finds them, after the program's own: each of
 * endpoint, region, addressing style and profile comes from the first of
 * a flag, the program's config file (sealcam-agent's agent.conf), the
 * environment (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; AWS_REGION,
 * else AWS_DEFAULT_REGION; AWS_PROFILE), the profile's section of the AWS
 * config file ($AWS_CONFIG_FILE, else ~/.aws/config), and the defaults.
 * Credentials: s3cred.c.  docs/AGENT.md, "S3 configurations".
 */
#ifndef SEALCAM_S3CONF_H
#define SEALCAM_S3CONF_H

#include "store.h"

/*
 * Fill the S3 settings of @c that are still unset (their s3_from is NULL)
 * from the environment, then the AWS config file, then the defaults, and
 * check the region.  0, or -1 with a message naming FILE:LINE (a malformed
 * AWS config file) or the setting and where it came from.
 */
int sc_s3_resolve(struct sc_store_config *c, char *err, size_t errlen);

/* Set one setting and where it came from ("--s3-region", "FILE:LINE"). */
void sc_s3_set(char **dst, char **from, const char *value, const char *origin);

/*
 * An addressing style given as a flag's or a config file's value: 1 path
 * (true, yes, on, 1, path, and no value at all), 0 virtual-host (false,
 * no, off, 0, virtual), -1 auto; -2 for anything else.
 */
int sc_s3_path_style(const char *v);

/* The S3 part of a man-style --help, after "a flag[, CONFIG FILE];" */
#define SC_S3_SETTINGS_HELP \
"      the environment: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL;\n" \
"        AWS_REGION, else AWS_DEFAULT_REGION; AWS_PROFILE;\n" \
"      the profile's section of the AWS config file ($AWS_CONFIG_FILE or\n" \
"        ~/.aws/config; [default] or [profile NAME]): region, endpoint_url,\n" \
"        and addressing_style = path|virtual|auto indented under \"s3 =\";\n" \
"      the defaults: region us-east-1, AWS's endpoint for the region,\n" \
"        profile default, path-style for any endpoint but AWS's.\n" \
"    Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and\n" \
"    AWS_SESSION_TOKEN), unless --profile names a profile; else the\n" \
"    credentials file's [PROFILE] (--credentials-file, else\n" \
"    $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials):\n" \
"    aws_access_key_id, aws_secret_access_key, aws_session_token.\n"

#endif
