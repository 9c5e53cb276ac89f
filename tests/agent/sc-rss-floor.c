// SPDX-License-Identifier: MIT
/*
 * sc-rss-floor - benchmark helper: the resident memory any program pays for
 * the agent's libraries before it does any work. It starts libcurl exactly
 * as sealcam-agent does (sc_store_global_init: the same OpenSSL options), takes
 * one easy handle, and prints its peak RSS:
 *
 *   sc-rss-floor        ->  "VmHWM_KB RssAnon_KB RssFile_KB"
 *
 * With Debian's libcurl that is mostly pages of its ~35 shared libraries
 * (OpenSSL, GnuTLS through librtmp, Kerberos, LDAP, ...) touched while they
 * are loaded and initialised, so the agent's own share is its peak minus
 * this one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "store/store.h"

static long field_kb(const char *status, const char *name)
{
	const char *p = strstr(status, name);

	return p ? atol(p + strlen(name) + 1) : -1;
}

int main(void)
{
	char status[8192];
	size_t n;
	CURL *h;
	FILE *f;

	if (sc_store_global_init() || !(h = curl_easy_init())) {
		fprintf(stderr, "sc-rss-floor: cannot start libcurl\n");
		return 1;
	}
	f = fopen("/proc/self/status", "re");
	if (!f)
		return 1;
	n = fread(status, 1, sizeof(status) - 1, f);
	fclose(f);
	status[n] = '\0';
	printf("%ld %ld %ld\n", field_kb(status, "VmHWM:"),
	       field_kb(status, "RssAnon:"), field_kb(status, "RssFile:"));
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}
