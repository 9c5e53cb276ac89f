/* SPDX-License-Identifier: MIT */
/*
 * The live relay's addressing, shared by sealcam-agent --live and
 * `sealcam view` (docs/LIVE.md): the relay URL, the MQTT topics of a
 * device and the password file. No MQTT here, only names and parsing, so
 * that tests link it without libmosquitto.
 *
 * Topics, DEVID = the device id (16 lowercase hex digits):
 *   sealcam/DEVID/live    every sealed frame, one message each, as dequeued
 *                         (the exact bytes the spool writes; QoS 0)
 *   sealcam/DEVID/rotate  a viewer asks the device to start a new segment
 *                         (empty message; the agent rotates at most once a
 *                         second), so that it need not wait for the next one
 */
#ifndef SEALCAM_LIVEURL_H
#define SEALCAM_LIVEURL_H

#include <stdbool.h>
#include <stddef.h>

#define SC_LIVE_TOPIC_MAX 64

struct sc_live_url {
	bool tls;		/* mqtts:// */
	char host[256];
	int port;		/* 8883 for mqtts, 1883 for mqtt */
};

/*
 * mqtts://HOST[:PORT] or mqtt://HOST[:PORT]; plain mqtt:// only to a
 * loopback address (the password would cross the network in clear).
 * IPv6 literals in brackets. 0, or -1 with a message in err.
 */
int sc_live_url_parse(struct sc_live_url *u, const char *url, char *err,
		      size_t errlen);

/* "sealcam/DEVID/live" and "sealcam/DEVID/rotate"; -1 if devid is not
 * 16 hex digits. */
int sc_live_topic(char out[SC_LIVE_TOPIC_MAX], const char *devid,
		  const char *what);

/* First line of a password file, without the newline. 0 or -errno
 * (-EINVAL: empty or too long). */
int sc_live_read_password(const char *path, char *out, size_t len);

#endif
