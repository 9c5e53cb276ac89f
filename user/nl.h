/* SPDX-License-Identifier: MIT */
/*
 * Client of the "sealcam" generic netlink family (libnl-genl-3).
 *
 * Every call returns 0 or a negative errno: the kernel's error when it
 * refused the request (the kernel's extended-ack message, if any, is then
 * in nl->errmsg), -ENOENT from sc_nl_open() when the family is not
 * registered (module not loaded, or not visible from this network
 * namespace), or -EPROTO/-ENOMEM/-EIO for local or protocol failures.
 */
#ifndef SEALCAM_NL_H
#define SEALCAM_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

#include "../kmod/uapi/sealcam.h"

struct sc_nl {
	struct nl_sock *sk;
	int family;
	int mcgrp;		/* id of the "events" group, or -1 */
	char errmsg[256];	/* kernel extack message of the last error */
	int missing_attr;	/* attribute the kernel reported missing */
	int bad_attr_offset;	/* offset of the attribute it rejected, or -1 */
};

struct sc_nl_key {
	uint8_t pub[SEALCAM_KEY_LEN];
	uint8_t id[SEALCAM_KEY_ID_LEN];
	char label[SEALCAM_LABEL_MAX];
};

/* Device public key plus the keyring-wide state that comes with it. */
struct sc_nl_devkey {
	uint8_t pub[SEALCAM_KEY_LEN];
	uint8_t id[SEALCAM_KEY_ID_LEN];
	uint32_t recipients;
	bool locked;
	char driver[64];
};

struct sc_nl_status {
	uint32_t camera;
	char node[32];
	bool streaming;
	uint64_t segment_id;
	uint64_t frames;
	uint64_t bytes;
	uint64_t segments;
	uint64_t drops;
	uint64_t opens;
	uint32_t seg_frames;
	uint32_t seg_ms;
	uint32_t recipients;
	bool locked;
	char driver[64];
};

/* One multicast event; has[attr] tells which fields the kernel sent. */
struct sc_nl_event {
	bool has[SEALCAM_A_MAX + 1];
	uint32_t event;
	uint32_t camera;
	uint32_t pid;
	uint32_t uid;
	char comm[32];
	uint8_t key_id[SEALCAM_KEY_ID_LEN];
	char label[SEALCAM_LABEL_MAX];
	uint64_t segment_id;
	uint64_t frame_index;
	uint64_t opens;
	uint32_t seg_frames;
	uint32_t seg_ms;
};

int sc_nl_open(struct sc_nl *nl);
void sc_nl_close(struct sc_nl *nl);

/* Name of an event (SEALCAM_EV_*) for printing: "key-added", ... */
const char *sc_nl_event_name(uint32_t event);

int sc_nl_key_add(struct sc_nl *nl, const uint8_t pub[SEALCAM_KEY_LEN],
		  const char *label, uint8_t id[SEALCAM_KEY_ID_LEN]);
int sc_nl_key_del(struct sc_nl *nl, const uint8_t id[SEALCAM_KEY_ID_LEN]);
/* Fills at most @max keys; *n is the number the kernel listed. */
int sc_nl_key_list(struct sc_nl *nl, struct sc_nl_key *keys, unsigned int max,
		   unsigned int *n);
int sc_nl_key_lock(struct sc_nl *nl);

int sc_nl_devkey_get(struct sc_nl *nl, struct sc_nl_devkey *out);
int sc_nl_devkey_set(struct sc_nl *nl, const uint8_t priv[SEALCAM_KEY_LEN],
		     struct sc_nl_devkey *out);
int sc_nl_devkey_generate(struct sc_nl *nl, struct sc_nl_devkey *out);

/* Fills at most @max cameras; *n is the number the kernel listed. */
int sc_nl_status(struct sc_nl *nl, struct sc_nl_status *st, unsigned int max,
		 unsigned int *n);
/* camera < 0: every camera; frames/ms < 0: leave the attribute out. */
int sc_nl_segment_set(struct sc_nl *nl, int camera, long frames, long ms);
int sc_nl_rotate(struct sc_nl *nl, int camera);

/* Join the "events" group (needs CAP_SYS_ADMIN). */
int sc_nl_events_subscribe(struct sc_nl *nl);
/*
 * For a listener that does not want the per-open notifications
 * (SEALCAM_EV_OPEN/CLOSE, one pair per open of a camera): a socket filter
 * drops them in the kernel before they take room in the receive queue, so a
 * storm of opens cannot crowd out key events. @rcvbuf > 0: receive buffer
 * in bytes (forced past rmem_max when allowed). 0 or -errno.
 */
int sc_nl_events_quiet(struct sc_nl *nl, int rcvbuf);
/* Messages the kernel could not queue on this socket (receive queue full),
 * since it was opened. 0 or -errno. */
int sc_nl_drops(struct sc_nl *nl, uint32_t *drops);
/*
 * Wait up to @timeout_ms (-1: forever) for events and call @fn for each.
 * Returns the number of events delivered (0 on timeout) or -errno; a
 * negative return from @fn stops and is passed back.
 */
int sc_nl_events_wait(struct sc_nl *nl, int timeout_ms,
		      int (*fn)(const struct sc_nl_event *ev, void *arg),
		      void *arg);

/*
 * Raw access, for tests and new commands: a message for @cmd with the
 * family header filled in, and a request/response exchange. @fn (optional)
 * sees the parsed attributes of every reply message.
 */
struct nl_msg *sc_nl_msg_new(struct sc_nl *nl, uint8_t cmd, int flags);
int sc_nl_transact(struct sc_nl *nl, struct nl_msg *msg,
		   int (*fn)(struct nlattr **attrs, void *arg), void *arg);

#endif /* SEALCAM_NL_H */
