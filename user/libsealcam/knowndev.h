/* SPDX-License-Identifier: MIT */
/*
 * The owner's known-devices file: trust on first use of device keys, like
 * ssh's known_hosts. One line per pinned device:
 *
 *   OWNER-KEY-ID DEVICE-PUBLIC-KEY [notes...]
 *
 * OWNER-KEY-ID is the 16-hex-digit key id of the owner key the pin belongs
 * to (an owner may hold several keys, each with its own cameras);
 * DEVICE-PUBLIC-KEY is the device's X25519 public key in base64. The rest of
 * the line (device id, when and where first seen) is for people. Blank lines
 * and lines starting with '#' are ignored.
 *
 * Default path: $SEALCAM_KNOWN_DEVICES, else $XDG_CONFIG_HOME/sealcam/
 * known_devices, else ~/.config/sealcam/known_devices.
 */
#ifndef SEALCAM_KNOWNDEV_H
#define SEALCAM_KNOWNDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "sealed.h"

struct sc_known_devices {
	const char *path;
	unsigned char owner_id[SEALCAM_KEY_ID_LEN];
	size_t n;			/* devices pinned for owner_id */
	unsigned char pubs[SC_MAX_TRUSTED_DEVICES][SEALCAM_KEY_LEN];
};

/*
 * The file to use when none is given: NULL when there is no home directory
 * to put it in. The result is malloc'd.
 */
char *sc_known_default_path(void);

/*
 * Read the devices pinned for @owner_id from @path (a missing file pins
 * nothing). 0; -EINVAL for a malformed line, -ENOSPC for more than
 * SC_MAX_TRUSTED_DEVICES pins, -errno when the file cannot be read. @err
 * gets a message naming the file (and line).
 */
int sc_known_load(struct sc_known_devices *k, const char *path,
		  const unsigned char owner_id[SEALCAM_KEY_ID_LEN],
		  char *err, size_t err_len);

bool sc_known_has(const struct sc_known_devices *k,
		  const unsigned char pub[SEALCAM_KEY_LEN]);

/*
 * Pin @pub for the owner key: append one line (creating the file 0600 and
 * its directory 0700 when missing). @note ends the line (e.g. where the
 * device was first seen). 0, or -errno.
 */
int sc_known_add(struct sc_known_devices *k,
		 const unsigned char pub[SEALCAM_KEY_LEN], const char *note);

#endif /* SEALCAM_KNOWNDEV_H */
