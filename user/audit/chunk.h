/* SPDX-License-Identifier: MIT */
/*
 * Sealed audit chunks: a closed piece of the audit log (whole epochs, up to
 * a seal line) encrypted to the camera's recipient keys, so that deleting
 * the log on the device does not delete history. The agent uploads them
 * from the outbox directory like segments.
 *
 * File layout (little-endian):
 *   "SCA1" | u8 version (1) | u8 n_recipients (1..16) | u16 0 |
 *   le64 first_seq | le64 last_seq | le64 plaintext length        (32 bytes)
 *   n_recipients x { key_id[8] | enc[32] | HPKE Seal(K)[48] }     (88 each)
 *   ChaCha20-Poly1305(K, nonce = 12 zero bytes, aad = all of the above)
 *     of the log lines, tag appended
 * K is fresh per chunk. HPKE (RFC 9180) base mode, the project's suite
 * (X25519 / HKDF-SHA256 / ChaCha20Poly1305): the device key lives in the
 * kernel, out of the daemon's reach, so the chunk is not sender-authenticated;
 * its integrity comes from the log's own MACs (`sealcam audit verify`).
 * info = "sealcam-v1 audit chunk" || le64(first_seq), aad = "".
 */
#ifndef SEALCAM_AUDIT_CHUNK_H
#define SEALCAM_AUDIT_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#define AL_CHUNK_MAGIC		"SCA1"
#define AL_CHUNK_HDR_LEN	32
#define AL_CHUNK_RCPT_LEN	88
#define AL_CHUNK_MAX_RCPT	16
#define AL_CHUNK_LABEL		"sealcam-v1 audit chunk"

/* *out is malloc'ed. 0 or -errno. */
int al_chunk_seal(const uint8_t (*pubs)[32], unsigned int n, uint64_t first_seq,
		  uint64_t last_seq, const uint8_t *data, size_t len,
		  uint8_t **out, size_t *out_len);
/* Opens with the recipient private key @priv; *data is malloc'ed.
 * 0, -ENOKEY (not a recipient / wrong key), -EBADMSG (malformed, tampered). */
int al_chunk_open(const uint8_t priv[32], const uint8_t *in, size_t len,
		  uint8_t **data, size_t *data_len, uint64_t *first_seq,
		  uint64_t *last_seq);

#endif /* SEALCAM_AUDIT_CHUNK_H */
