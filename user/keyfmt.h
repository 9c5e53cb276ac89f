/* SPDX-License-Identifier: MIT */
/*
 * Text form of sealcam keys: one line of standard base64 (RFC 4648, with
 * padding) of the 32 key bytes, as WireGuard prints its keys. A key id is
 * the first 8 bytes of SHA-256(public key), written as 16 hex digits.
 */
#ifndef SEALCAM_KEYFMT_H
#define SEALCAM_KEYFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* user/sealcam.h is the CLI header; this is the UAPI one. */
#include "../kmod/uapi/sealcam.h"

/* 44 characters for 32 bytes, plus the NUL. */
#define KEYFMT_B64_SIZE 45
#define KEYFMT_ID_HEX_SIZE (2 * SEALCAM_KEY_ID_LEN + 1)

/* Call once before anything else here (libsodium initialisation). */
int keyfmt_init(void);

void keyfmt_encode(const uint8_t key[SEALCAM_KEY_LEN],
		   char out[KEYFMT_B64_SIZE]);

/*
 * Decode one key line. Leading and trailing white space (the newline of a
 * file) is ignored; anything else that is not exactly 32 bytes of base64 is
 * -EINVAL.
 */
int keyfmt_decode(const char *text, uint8_t key[SEALCAM_KEY_LEN]);

void keyfmt_key_id(const uint8_t pub[SEALCAM_KEY_LEN],
		   uint8_t id[SEALCAM_KEY_ID_LEN]);
void keyfmt_id_hex(const uint8_t id[SEALCAM_KEY_ID_LEN],
		   char out[KEYFMT_ID_HEX_SIZE]);
/* Exactly 16 hex digits (either case); -EINVAL otherwise. */
int keyfmt_id_parse(const char *text, uint8_t id[SEALCAM_KEY_ID_LEN]);

/*
 * A key given on the command line: the base64 text itself, "-" for standard
 * input, or the name of a file holding one key line. Returns 0, -EINVAL when
 * the text is not a key, or -errno from opening/reading the file. @what is
 * filled with a short description of the source for error messages.
 */
int keyfmt_read_key(const char *arg, uint8_t key[SEALCAM_KEY_LEN],
		    char *what, size_t what_len);

/* Same, from an open stream (the first line). */
int keyfmt_read_stream(FILE *f, uint8_t key[SEALCAM_KEY_LEN]);

#endif /* SEALCAM_KEYFMT_H */
