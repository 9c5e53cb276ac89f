/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The keyring of sealcam.ko: up to SEALCAM_MAX_RECIPIENTS recipient public
 * keys and the device key pair. keys.c owns it; netlink.c is its only writer.
 * The part other files need (snapshot, generation, count) is in sealcam.h.
 *
 * Errors: -EINVAL bad key (all-zero or small-order point, bad label),
 * -EEXIST duplicate, -ENOSPC keyring full, -ENOENT unknown key id,
 * -EKEYREJECTED keyring locked (SEALCAM_CMD_KEY_LOCK; until module reload).
 */
#ifndef _SEALCAM_KEYS_H
#define _SEALCAM_KEYS_H

#include <linux/types.h>
#include "seal.h"

/* @label may be NULL or "". On success the new key's id is in @id. */
int __must_check sc_keys_add(const u8 pub[SEALCAM_KEY_LEN], const char *label,
			     u8 id[SEALCAM_KEY_ID_LEN]);
int __must_check sc_keys_del(const u8 id[SEALCAM_KEY_ID_LEN]);

/* Copy recipient @idx (insertion order); -ENOENT past the end. */
int sc_keys_get(unsigned int idx, struct sc_recipient_key *out, u64 *generation);

/* Returns 1 if this call locked the keyring, 0 if it already was locked. */
int sc_keys_lock(void);
bool sc_keys_locked(void);

/* The device private key is only ever written, never read back. */
int __must_check sc_keys_devkey_set(const u8 priv[SEALCAM_KEY_LEN]);
int __must_check sc_keys_devkey_generate(void);
void sc_keys_devkey_public(u8 pub[SEALCAM_KEY_LEN], u8 id[SEALCAM_KEY_ID_LEN]);

/* A public key no honest party uses: its X25519 output is all zeros. */
bool sc_keys_pub_is_weak(const u8 pub[SEALCAM_KEY_LEN]);

#endif /* _SEALCAM_KEYS_H */
