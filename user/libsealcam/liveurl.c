// SPDX-License-Identifier: MIT
/* The live relay's URL, topics and password file (liveurl.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "liveurl.h"

static bool host_is_loopback(const char *h)
{
	return !strcasecmp(h, "localhost") || !strncmp(h, "127.", 4) ||
	       !strcmp(h, "::1");
}

int sc_live_url_parse(struct sc_live_url *u, const char *url, char *err,
		      size_t errlen)
{
	const char *p, *end;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(url, "mqtts://", 8)) {
		u->tls = true;
		u->port = 8883;
		p = url + 8;
	} else if (!strncasecmp(url, "mqtt://", 7)) {
		u->port = 1883;
		p = url + 7;
	} else {
		snprintf(err, errlen, "live relay URL must be mqtts://HOST[:PORT] "
			 "(or mqtt:// to a loopback address): '%s'", url);
		return -1;
	}
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			goto bad;
		n = (size_t)(end - p - 1);
		if (!n || n >= sizeof(u->host))
			goto bad;
		memcpy(u->host, p + 1, n);
		p = end + 1;
	} else {
		n = strcspn(p, ":/");
		if (!n || n >= sizeof(u->host))
			goto bad;
		memcpy(u->host, p, n);
		p += n;
	}
	if (*p == ':') {
		char *e;
		long port = strtol(p + 1, &e, 10);

		if (e == p + 1 || port < 1 || port > 65535)
			goto bad;
		u->port = (int)port;
		p = e;
	}
	if (*p == '/')
		p++;
	if (*p)
		goto bad;
	if (!u->tls && !host_is_loopback(u->host)) {
		snprintf(err, errlen, "mqtt:// (no TLS) is accepted only to a "
			 "loopback address, use mqtts://: '%s'", url);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "malformed live relay URL '%s' (mqtts://HOST[:PORT])",
		 url);
	return -1;
}

int sc_live_topic(char out[SC_LIVE_TOPIC_MAX], const char *devid,
		  const char *what)
{
	size_t i;

	if (strlen(devid) != 16)
		return -1;
	for (i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)devid[i]) ||
		    isupper((unsigned char)devid[i]))
			return -1;
	snprintf(out, SC_LIVE_TOPIC_MAX, "sealcam/%s/%s", devid, what);
	return 0;
}

int sc_live_read_password(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(out, (int)len, f)) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == len - 1)
		return -EINVAL;	/* no newline and the buffer is full */
	out[n] = '\0';
	return n ? 0 : -EINVAL;
}
