// SPDX-License-Identifier: GPL-2.0
/*
 * The "sealcam" generic netlink family, against the real module:
 *  - recipient keys round-trip, with the kernel's key ids equal to the ones
 *    userspace computes; 16 recipients at most; duplicates refused;
 *  - malformed requests (missing, short, long, unterminated, unknown or
 *    out-of-range attributes, weak keys) get a clean errno and an extack
 *    message, and change nothing;
 *  - the device key: generated at load, replaceable, private half never
 *    returned, public key = X25519(private key);
 *  - every change command, the key list (labels name people) and the
 *    camera status (whether a camera is in use) are refused (EPERM) to a
 *    non-root user, to root inside a user namespace, and through a socket
 *    root opened but an unprivileged process uses; only the device public
 *    key stays readable; a new network namespace does not see the family;
 *    events cannot be subscribed to without CAP_SYS_ADMIN in the initial
 *    user namespace (nobody, root in a user namespace);
 *  - events reach a multicast subscriber with the actor's pid/uid/comm;
 *  - key lock freezes recipients and device key (last: it lasts until the
 *    module is reloaded).
 *
 * Loads $SEALCAM_KO (devices=2) itself and unloads it at the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

#include <sodium.h>

#include "kselftest_harness.h"

#include "keyfmt.h"
#include "nl.h"

#define NOBODY 65534

static void new_public_key(uint8_t pub[SEALCAM_KEY_LEN])
{
	uint8_t priv[SEALCAM_KEY_LEN];

	randombytes_buf(priv, sizeof(priv));
	crypto_scalarmult_base(pub, priv);
	sodium_memzero(priv, sizeof(priv));
}

static int clear_keyring(struct sc_nl *nl)
{
	struct sc_nl_key keys[SEALCAM_MAX_RECIPIENTS];
	unsigned int n, i;
	int ret;

	ret = sc_nl_key_list(nl, keys, SEALCAM_MAX_RECIPIENTS, &n);
	for (i = 0; !ret && i < n; i++)
		ret = sc_nl_key_del(nl, keys[i].id);
	return ret;
}

/* Send one hand-built request: attributes given as (type, len, data). */
struct raw_attr {
	int type;
	int len;
	const void *data;
};

static int raw_request(struct sc_nl *nl, uint8_t cmd,
		       const struct raw_attr *attrs, int n)
{
	struct nl_msg *msg = sc_nl_msg_new(nl, cmd, 0);
	int i;

	if (!msg)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (nla_put(msg, attrs[i].type, attrs[i].len, attrs[i].data)) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
	return sc_nl_transact(nl, msg, NULL, NULL);
}

static unsigned int key_count(struct sc_nl *nl)
{
	struct sc_nl_key keys[SEALCAM_MAX_RECIPIENTS];
	unsigned int n = 1000;

	if (sc_nl_key_list(nl, keys, SEALCAM_MAX_RECIPIENTS, &n))
		return 1000;
	return n;
}

FIXTURE(sc) {
	struct sc_nl nl;
};

FIXTURE_SETUP(sc)
{
	ASSERT_EQ(0, sc_nl_open(&self->nl));
	ASSERT_EQ(0, clear_keyring(&self->nl));
}

FIXTURE_TEARDOWN(sc)
{
	sc_nl_close(&self->nl);
}

TEST_F(sc, family_and_group_resolve)
{
	struct sc_nl_devkey dev;

	EXPECT_GT(self->nl.family, 0);
	EXPECT_GE(self->nl.mcgrp, 0);
	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &dev));
	EXPECT_EQ(0u, dev.recipients);
	EXPECT_FALSE(dev.locked);
	EXPECT_NE(0, dev.driver[0]);
}

TEST_F(sc, key_add_list_del_round_trip)
{
	struct sc_nl_key keys[SEALCAM_MAX_RECIPIENTS];
	uint8_t pub[3][SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	uint8_t want[SEALCAM_KEY_ID_LEN];
	const char *labels[3] = { "alice", "", "bob's phone \xc3\xa9" };
	struct sc_nl_devkey dev;
	unsigned int n, i;

	for (i = 0; i < 3; i++) {
		new_public_key(pub[i]);
		ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub[i],
					   i == 1 ? NULL : labels[i], id));
		keyfmt_key_id(pub[i], want);
		EXPECT_EQ(0, memcmp(id, want, SEALCAM_KEY_ID_LEN));
	}
	ASSERT_EQ(0, sc_nl_key_list(&self->nl, keys, SEALCAM_MAX_RECIPIENTS, &n));
	ASSERT_EQ(3u, n);
	for (i = 0; i < 3; i++) {
		keyfmt_key_id(pub[i], want);
		EXPECT_EQ(0, memcmp(keys[i].pub, pub[i], SEALCAM_KEY_LEN));
		EXPECT_EQ(0, memcmp(keys[i].id, want, SEALCAM_KEY_ID_LEN));
		EXPECT_STREQ(labels[i], keys[i].label);
	}
	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &dev));
	EXPECT_EQ(3u, dev.recipients);

	/* Remove the middle one: the others stay, in order. */
	ASSERT_EQ(0, sc_nl_key_del(&self->nl, keys[1].id));
	ASSERT_EQ(0, sc_nl_key_list(&self->nl, keys, SEALCAM_MAX_RECIPIENTS, &n));
	ASSERT_EQ(2u, n);
	EXPECT_EQ(0, memcmp(keys[0].pub, pub[0], SEALCAM_KEY_LEN));
	EXPECT_EQ(0, memcmp(keys[1].pub, pub[2], SEALCAM_KEY_LEN));
	/* Deleting it again: unknown id. */
	keyfmt_key_id(pub[1], want);
	EXPECT_EQ(-ENOENT, sc_nl_key_del(&self->nl, want));
	EXPECT_NE(0, self->nl.errmsg[0]);
	ASSERT_EQ(0, clear_keyring(&self->nl));
	EXPECT_EQ(0u, key_count(&self->nl));
}

TEST_F(sc, duplicate_key_is_refused)
{
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];

	new_public_key(pub);
	ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, "one", id));
	EXPECT_EQ(-EEXIST, sc_nl_key_add(&self->nl, pub, "two", id));
	TH_LOG("extack: %s", self->nl.errmsg);
	EXPECT_NE(0, self->nl.errmsg[0]);
	EXPECT_EQ(1u, key_count(&self->nl));
}

TEST_F(sc, seventeenth_recipient_is_refused)
{
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	int i;

	for (i = 0; i < SEALCAM_MAX_RECIPIENTS; i++) {
		new_public_key(pub);
		ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, NULL, id));
	}
	new_public_key(pub);
	EXPECT_EQ(-ENOSPC, sc_nl_key_add(&self->nl, pub, NULL, id));
	TH_LOG("extack: %s", self->nl.errmsg);
	EXPECT_NE(0, self->nl.errmsg[0]);
	EXPECT_EQ((unsigned int)SEALCAM_MAX_RECIPIENTS, key_count(&self->nl));
}

TEST_F(sc, weak_public_keys_are_refused)
{
	/* Zero, one, an order-8 point, p-1, p, p+1, and 1 with bit 255 set. */
	static const char *const weak[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=",
		"7P///////////////////////////////////////38=",
		"7f///////////////////////////////////////38=",
		"7v///////////////////////////////////////38=",
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA=",
	};
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	unsigned int i;

	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		ASSERT_EQ(0, keyfmt_decode(weak[i], pub));
		EXPECT_EQ(-EINVAL, sc_nl_key_add(&self->nl, pub, NULL, id))
			TH_LOG("weak key %s accepted", weak[i]);
		EXPECT_NE(0, self->nl.errmsg[0]);
	}
	EXPECT_EQ(0u, key_count(&self->nl));
}

TEST_F(sc, malformed_requests_are_refused)
{
	uint8_t buf[64], pub[SEALCAM_KEY_LEN], zeros[SEALCAM_KEY_LEN] = { 0 };
	char long_label[SEALCAM_LABEL_MAX + 8];
	uint32_t big = 100001, cam = 9999, zero = 0;
	struct raw_attr short_key[] = { { SEALCAM_A_KEY, 31, buf } };
	struct raw_attr long_key[] = { { SEALCAM_A_KEY, 33, buf } };
	/* A label without its terminating NUL. */
	struct raw_attr unterminated[] = { { SEALCAM_A_KEY, 32, pub },
					   { SEALCAM_A_LABEL, 5, "hello" } };
	struct raw_attr too_long[] = {
		{ SEALCAM_A_KEY, 32, pub },
		{ SEALCAM_A_LABEL, (int)sizeof(long_label), long_label },
	};
	struct raw_attr control[] = { { SEALCAM_A_KEY, 32, pub },
				      { SEALCAM_A_LABEL, 4, "a\033b" } };
	/* A reply-only attribute, and one beyond the last. */
	struct raw_attr reply_only[] = { { SEALCAM_A_KEY, 32, pub },
					 { SEALCAM_A_NODE, 7, "video0" } };
	struct raw_attr beyond[] = { { SEALCAM_A_KEY, 32, pub },
				     { SEALCAM_A_MAX + 1, 4, &zero } };
	struct raw_attr short_id[] = { { SEALCAM_A_KEY_ID, 7, buf } };
	struct raw_attr zero_priv[] = { { SEALCAM_A_PRIVKEY, 32, zeros } };
	struct raw_attr short_priv[] = { { SEALCAM_A_PRIVKEY, 16, buf } };
	struct raw_attr many_frames[] = { { SEALCAM_A_SEG_FRAMES, 4, &big } };
	struct raw_attr no_camera[] = { { SEALCAM_A_CAMERA, 4, &cam },
					{ SEALCAM_A_SEG_FRAMES, 4, &zero } };
	struct raw_attr short_u32[] = { { SEALCAM_A_SEG_FRAMES, 2, &zero } };
	int ret;

	memset(buf, 0x42, sizeof(buf));
	new_public_key(pub);
	memset(long_label, 'x', sizeof(long_label) - 1);
	long_label[sizeof(long_label) - 1] = '\0';

	/* KEY_ADD without KEY: the kernel names the missing attribute. */
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_KEY_ADD, NULL, 0));
	EXPECT_EQ(SEALCAM_A_KEY, self->nl.missing_attr);

	ret = raw_request(&self->nl, SEALCAM_CMD_KEY_ADD, short_key, 1);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("31-byte key: %d", ret);
	EXPECT_GE(self->nl.bad_attr_offset, 0);
	ret = raw_request(&self->nl, SEALCAM_CMD_KEY_ADD, long_key, 1);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("33-byte key: %d", ret);
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_KEY_ADD,
				       unterminated, 2));
	ret = raw_request(&self->nl, SEALCAM_CMD_KEY_ADD, too_long, 2);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("long label: %d", ret);
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_KEY_ADD,
				       control, 2));
	EXPECT_NE(0, self->nl.errmsg[0]);
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_KEY_ADD,
				       reply_only, 2));
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_KEY_ADD,
				       beyond, 2));

	ret = raw_request(&self->nl, SEALCAM_CMD_KEY_DEL, short_id, 1);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("7-byte id: %d", ret);
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_KEY_DEL, NULL, 0));
	EXPECT_EQ(SEALCAM_A_KEY_ID, self->nl.missing_attr);

	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_DEVKEY_SET,
				       zero_priv, 1));
	ret = raw_request(&self->nl, SEALCAM_CMD_DEVKEY_SET, short_priv, 1);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("16-byte private key: %d", ret);

	ret = raw_request(&self->nl, SEALCAM_CMD_SEGMENT_SET, many_frames, 1);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("100001 frames: %d", ret);
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_SEGMENT_SET,
				       NULL, 0));
	EXPECT_EQ(-ENODEV, raw_request(&self->nl, SEALCAM_CMD_SEGMENT_SET,
				       no_camera, 2));
	EXPECT_EQ(-ENODEV, raw_request(&self->nl, SEALCAM_CMD_SEGMENT_ROTATE,
				       no_camera, 1));
	EXPECT_EQ(-EINVAL, raw_request(&self->nl, SEALCAM_CMD_SEGMENT_SET,
				       short_u32, 1));

	/* No such command; and events are not commands. */
	EXPECT_EQ(-EOPNOTSUPP, raw_request(&self->nl, 200, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP,
		  raw_request(&self->nl, SEALCAM_CMD_EVENT, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP,
		  raw_request(&self->nl, SEALCAM_CMD_UNSPEC, NULL, 0));

	EXPECT_EQ(0u, key_count(&self->nl));
}

/* A reply must never carry the device private key. */
static int no_private_key(struct nlattr **tb, void *arg)
{
	int *seen = arg;

	if (tb[SEALCAM_A_PRIVKEY])
		(*seen)++;
	return 0;
}

TEST_F(sc, device_key_set_generate_get)
{
	uint8_t priv[SEALCAM_KEY_LEN], pub[SEALCAM_KEY_LEN];
	uint8_t id[SEALCAM_KEY_ID_LEN];
	struct sc_nl_devkey before, after, got;
	struct nl_msg *msg;
	int leaks = 0;

	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &before));
	EXPECT_FALSE(sodium_is_zero(before.pub, SEALCAM_KEY_LEN));
	keyfmt_key_id(before.pub, id);
	EXPECT_EQ(0, memcmp(id, before.id, SEALCAM_KEY_ID_LEN));

	ASSERT_EQ(0, sc_nl_devkey_generate(&self->nl, &after));
	EXPECT_NE(0, memcmp(before.pub, after.pub, SEALCAM_KEY_LEN));
	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &got));
	EXPECT_EQ(0, memcmp(after.pub, got.pub, SEALCAM_KEY_LEN));

	randombytes_buf(priv, sizeof(priv));
	crypto_scalarmult_base(pub, priv);
	ASSERT_EQ(0, sc_nl_devkey_set(&self->nl, priv, &got));
	EXPECT_EQ(0, memcmp(pub, got.pub, SEALCAM_KEY_LEN));
	keyfmt_key_id(pub, id);
	EXPECT_EQ(0, memcmp(id, got.id, SEALCAM_KEY_ID_LEN));

	/* Nothing hands the private key back. */
	msg = sc_nl_msg_new(&self->nl, SEALCAM_CMD_DEVKEY_GET, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, sc_nl_transact(&self->nl, msg, no_private_key, &leaks));
	msg = sc_nl_msg_new(&self->nl, SEALCAM_CMD_DEVKEY_GENERATE, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, sc_nl_transact(&self->nl, msg, no_private_key, &leaks));
	EXPECT_EQ(0, leaks);
}

TEST_F(sc, status_lists_every_camera)
{
	struct sc_nl_status st[8];
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	unsigned int n, i;

	new_public_key(pub);
	ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, NULL, id));
	ASSERT_EQ(0, sc_nl_status(&self->nl, st, 8, &n));
	ASSERT_EQ(2u, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(i, st[i].camera);
		EXPECT_EQ(0, strncmp(st[i].node, "video", 5))
			TH_LOG("node '%s'", st[i].node);
		EXPECT_FALSE(st[i].streaming);
		EXPECT_EQ(1u, st[i].recipients);
		EXPECT_NE(0, st[i].driver[0]);
	}
	/* Policy set on one camera shows on that one only. */
	ASSERT_EQ(0, sc_nl_segment_set(&self->nl, 1, 77, 1234));
	ASSERT_EQ(0, sc_nl_status(&self->nl, st, 8, &n));
	EXPECT_EQ(77u, st[1].seg_frames);
	EXPECT_EQ(1234u, st[1].seg_ms);
	EXPECT_NE(77u, st[0].seg_frames);
	EXPECT_EQ(0, sc_nl_rotate(&self->nl, -1));
	EXPECT_EQ(0, sc_nl_rotate(&self->nl, 0));
}

/* ---- events ---- */

struct event_log {
	struct sc_nl_event ev[16];
	int n;
};

static int log_event(const struct sc_nl_event *ev, void *arg)
{
	struct event_log *log = arg;

	/* udev may open the new camera nodes at any time: not ours. */
	if (ev->event == SEALCAM_EV_OPEN || ev->event == SEALCAM_EV_CLOSE)
		return 0;
	if (log->n < 16)
		log->ev[log->n++] = *ev;
	return 0;
}

/* Collect events until @want arrived or nothing came for a while. */
static int wait_events(struct sc_nl *nl, struct event_log *log, int want)
{
	int tries, ret = 0;

	for (tries = 0; tries < 50 && log->n < want; tries++) {
		ret = sc_nl_events_wait(nl, 200, log_event, log);
		if (ret < 0)
			return ret;
	}
	/* Give an unexpected extra event the chance to show up. */
	ret = sc_nl_events_wait(nl, 300, log_event, log);
	return ret < 0 ? ret : 0;
}

TEST_F(sc, events_reach_subscriber)
{
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	struct sc_nl_devkey dev;
	struct event_log log = { .n = 0 };
	char comm[32] = "";
	struct sc_nl sub;
	FILE *f;

	f = fopen("/proc/self/comm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	ASSERT_EQ(0, sc_nl_open(&sub));
	ASSERT_EQ(0, sc_nl_events_subscribe(&sub));

	new_public_key(pub);
	ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, "watched", id));
	ASSERT_EQ(0, sc_nl_key_del(&self->nl, id));
	ASSERT_EQ(0, sc_nl_devkey_generate(&self->nl, &dev));
	ASSERT_EQ(0, sc_nl_segment_set(&self->nl, 0, 100, 0));
	EXPECT_EQ(0, wait_events(&sub, &log, 4));
	sc_nl_close(&sub);

	ASSERT_EQ(4, log.n);
	EXPECT_EQ((uint32_t)SEALCAM_EV_KEY_ADDED, log.ev[0].event);
	EXPECT_EQ(0, memcmp(id, log.ev[0].key_id, SEALCAM_KEY_ID_LEN));
	EXPECT_STREQ("watched", log.ev[0].label);
	EXPECT_EQ((uint32_t)SEALCAM_EV_KEY_DELETED, log.ev[1].event);
	EXPECT_EQ(0, memcmp(id, log.ev[1].key_id, SEALCAM_KEY_ID_LEN));
	EXPECT_EQ((uint32_t)SEALCAM_EV_DEVKEY_CHANGED, log.ev[2].event);
	EXPECT_EQ(0, memcmp(dev.id, log.ev[2].key_id, SEALCAM_KEY_ID_LEN));
	EXPECT_EQ((uint32_t)SEALCAM_EV_SEGMENT_POLICY, log.ev[3].event);
	EXPECT_TRUE(log.ev[3].has[SEALCAM_A_CAMERA]);
	EXPECT_EQ(0u, log.ev[3].camera);
	EXPECT_EQ(100u, log.ev[3].seg_frames);
	for (int i = 0; i < 4; i++) {
		EXPECT_TRUE(log.ev[i].has[SEALCAM_A_PID]);
		EXPECT_EQ((uint32_t)getpid(), log.ev[i].pid);
		EXPECT_EQ(0u, log.ev[i].uid);
		EXPECT_STREQ(comm, log.ev[i].comm);
	}
}

/* ---- privilege ---- */

/*
 * In a child: every change command and the private reads (key list with
 * labels, camera status) must fail with EPERM; the device public key must
 * stay readable. Returns the number of violations (as the exit status).
 */
static int try_changes(struct sc_nl *nl, const uint8_t existing_id[8],
		       const char *who)
{
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	uint8_t priv[SEALCAM_KEY_LEN];
	struct sc_nl_key keys[SEALCAM_MAX_RECIPIENTS];
	struct sc_nl_status st[8];
	struct sc_nl_devkey dev;
	int bad = 0, ret;
	unsigned int n;

#define MUST_EPERM(call) do {						\
		ret = (call);						\
		if (ret != -EPERM) {					\
			fprintf(stderr, "# %s: %s returned %d\n",	\
				who, #call, ret);			\
			bad++;						\
		}							\
	} while (0)

	new_public_key(pub);
	randombytes_buf(priv, sizeof(priv));
	MUST_EPERM(sc_nl_key_add(nl, pub, "intruder", id));
	MUST_EPERM(sc_nl_key_del(nl, existing_id));
	MUST_EPERM(sc_nl_key_lock(nl));
	MUST_EPERM(sc_nl_devkey_set(nl, priv, &dev));
	MUST_EPERM(sc_nl_devkey_generate(nl, &dev));
	MUST_EPERM(sc_nl_segment_set(nl, -1, 1, 0));
	MUST_EPERM(sc_nl_rotate(nl, -1));
	MUST_EPERM(sc_nl_key_list(nl, keys, SEALCAM_MAX_RECIPIENTS, &n));
	MUST_EPERM(sc_nl_status(nl, st, 8, &n));
#undef MUST_EPERM

	/* The device public key is public: it is in every segment. */
	if (sc_nl_devkey_get(nl, &dev)) {
		fprintf(stderr, "# %s: device key read failed\n", who);
		bad++;
	}
	return bad;
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t len = (ssize_t)strlen(text);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, (size_t)len) == len;
	close(fd);
	return ok ? 0 : -1;
}

/* Become root of a new user namespace (uid 0 maps to real uid 0). */
static int enter_userns(int extra_flags)
{
	if (unshare(CLONE_NEWUSER | extra_flags))
		return -1;
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 0 1") ||
	    write_file("/proc/self/gid_map", "0 0 1"))
		return -1;
	return 0;
}

enum child_mode {
	AS_NOBODY,
	AS_NOBODY_ROOT_SOCKET,
	AS_USERNS_ROOT,
	AS_USERNS_NETNS_ROOT,
	AS_NOBODY_EVENTS,
	AS_USERNS_ROOT_EVENTS,
};

static int events_refused(struct sc_nl *nl, const char *who)
{
	int ret = sc_nl_events_subscribe(nl);

	if (ret != -EPERM) {
		fprintf(stderr, "# %s subscribed to events: %d\n", who, ret);
		return 1;
	}
	return 0;
}

static int child_main(enum child_mode mode, const uint8_t id[8],
		      struct sc_nl *root_nl)
{
	struct sc_nl nl;
	int ret;

	switch (mode) {
	case AS_NOBODY:
		if (drop_to_nobody() || sc_nl_open(&nl))
			return 100;
		return try_changes(&nl, id, "nobody");
	case AS_NOBODY_ROOT_SOCKET:
		/* A socket root opened, used by an unprivileged process. */
		if (drop_to_nobody())
			return 100;
		return try_changes(root_nl, id, "nobody with root's socket");
	case AS_USERNS_ROOT:
		if (enter_userns(0) || sc_nl_open(&nl))
			return 100;
		return try_changes(&nl, id, "root in a user namespace");
	case AS_USERNS_NETNS_ROOT:
		if (enter_userns(CLONE_NEWNET))
			return 100;
		/* The family lives in the initial network namespace only. */
		ret = sc_nl_open(&nl);
		if (ret != -ENOENT) {
			fprintf(stderr, "# userns+netns: open returned %d\n",
				ret);
			return 1;
		}
		return 0;
	case AS_NOBODY_EVENTS:
		if (drop_to_nobody() || sc_nl_open(&nl))
			return 100;
		return events_refused(&nl, "nobody");
	case AS_USERNS_ROOT_EVENTS:
		if (enter_userns(0) || sc_nl_open(&nl))
			return 100;
		return events_refused(&nl, "root in a user namespace");
	}
	return 100;
}

static int run_child(enum child_mode mode, const uint8_t id[8],
		     struct sc_nl *root_nl)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(child_main(mode, id, root_nl));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* After a refused attempt the keyring is exactly as before. */
static void check_unchanged(struct __test_metadata *_metadata,
			    struct sc_nl *nl, const struct sc_nl_devkey *before,
			    const uint8_t pub[SEALCAM_KEY_LEN])
{
	struct sc_nl_key keys[SEALCAM_MAX_RECIPIENTS];
	struct sc_nl_devkey now;
	unsigned int n;

	ASSERT_EQ(0, sc_nl_key_list(nl, keys, SEALCAM_MAX_RECIPIENTS, &n));
	ASSERT_EQ(1u, n);
	EXPECT_EQ(0, memcmp(keys[0].pub, pub, SEALCAM_KEY_LEN));
	ASSERT_EQ(0, sc_nl_devkey_get(nl, &now));
	EXPECT_EQ(0, memcmp(before->pub, now.pub, SEALCAM_KEY_LEN));
	EXPECT_FALSE(now.locked);
}

TEST_F(sc, unprivileged_changes_are_refused)
{
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	struct sc_nl_devkey before;

	new_public_key(pub);
	ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, "owner", id));
	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &before));

	EXPECT_EQ(0, run_child(AS_NOBODY, id, &self->nl));
	check_unchanged(_metadata, &self->nl, &before, pub);
	EXPECT_EQ(0, run_child(AS_NOBODY_ROOT_SOCKET, id, &self->nl));
	check_unchanged(_metadata, &self->nl, &before, pub);
	EXPECT_EQ(0, run_child(AS_NOBODY_EVENTS, id, &self->nl));
}

TEST_F(sc, user_namespace_root_is_refused)
{
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	struct sc_nl_devkey before;

	new_public_key(pub);
	ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, "owner", id));
	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &before));

	EXPECT_EQ(0, run_child(AS_USERNS_ROOT, id, &self->nl));
	check_unchanged(_metadata, &self->nl, &before, pub);
	EXPECT_EQ(0, run_child(AS_USERNS_NETNS_ROOT, id, &self->nl));
	check_unchanged(_metadata, &self->nl, &before, pub);
	EXPECT_EQ(0, run_child(AS_USERNS_ROOT_EVENTS, id, &self->nl));
}

/* Last: the lock lasts until the module is reloaded. */
TEST_F(sc, zz_lock_freezes_the_keyring)
{
	uint8_t pub[SEALCAM_KEY_LEN], other[SEALCAM_KEY_LEN];
	uint8_t id[SEALCAM_KEY_ID_LEN], priv[SEALCAM_KEY_LEN];
	struct sc_nl_devkey dev, after;
	struct event_log log = { .n = 0 };
	struct sc_nl sub;

	new_public_key(pub);
	new_public_key(other);
	randombytes_buf(priv, sizeof(priv));
	ASSERT_EQ(0, sc_nl_key_add(&self->nl, pub, "kept", id));
	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &dev));
	ASSERT_EQ(0, sc_nl_open(&sub));
	ASSERT_EQ(0, sc_nl_events_subscribe(&sub));

	ASSERT_EQ(0, sc_nl_key_lock(&self->nl));
	EXPECT_EQ(-EKEYREJECTED, sc_nl_key_add(&self->nl, other, NULL, id));
	EXPECT_NE(0, self->nl.errmsg[0]);
	keyfmt_key_id(pub, id);
	EXPECT_EQ(-EKEYREJECTED, sc_nl_key_del(&self->nl, id));
	EXPECT_EQ(-EKEYREJECTED, sc_nl_devkey_generate(&self->nl, &after));
	EXPECT_EQ(-EKEYREJECTED, sc_nl_devkey_set(&self->nl, priv, &after));
	/* Locking again is harmless, and emits no second event. */
	EXPECT_EQ(0, sc_nl_key_lock(&self->nl));

	ASSERT_EQ(0, sc_nl_devkey_get(&self->nl, &after));
	EXPECT_TRUE(after.locked);
	EXPECT_EQ(1u, after.recipients);
	EXPECT_EQ(0, memcmp(dev.pub, after.pub, SEALCAM_KEY_LEN));

	EXPECT_EQ(0, wait_events(&sub, &log, 1));
	sc_nl_close(&sub);
	EXPECT_EQ(1, log.n);
	EXPECT_EQ((uint32_t)SEALCAM_EV_KEYS_LOCKED, log.ev[0].event);
}

/* finit_module does not resolve dependencies: modprobe them first. */
static void load_dependencies(const char *ko)
{
	char cmd[4096], deps[1024], *dep, *save;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "modinfo -F depends '%s'", ko);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(deps, sizeof(deps), p))
		deps[0] = '\0';
	pclose(p);
	deps[strcspn(deps, "\n")] = '\0';
	for (dep = strtok_r(deps, ",", &save); dep;
	     dep = strtok_r(NULL, ",", &save)) {
		snprintf(cmd, sizeof(cmd), "modprobe -q '%s'", dep);
		if (system(cmd))
			fprintf(stderr, "# modprobe %s failed\n", dep);
	}
}

static int load_module(void)
{
	const char *ko = getenv("SEALCAM_KO");
	int fd, ret;

	if (!ko)
		ko = "sealcam.ko";
	/* Start from a fresh keyring even if something left it loaded. */
	syscall(SYS_delete_module, "sealcam", O_NONBLOCK);
	load_dependencies(ko);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "# %s: %s\n", ko, strerror(errno));
		return -1;
	}
	ret = (int)syscall(SYS_finit_module, fd, "devices=2", 0);
	if (ret)
		fprintf(stderr, "# finit_module %s: %s\n", ko, strerror(errno));
	close(fd);
	return ret;
}

static pid_t main_pid;

/* test_harness_run() ends in exit(): unload from an atexit handler. */
static void unload_module(void)
{
	if (getpid() != main_pid)
		return;
	if (syscall(SYS_delete_module, "sealcam", O_NONBLOCK))
		fprintf(stderr, "# rmmod sealcam: %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	/*
	 * Neither is a reason to skip (tests/expected-skips): libsodium is
	 * linked in, and the VM suite runs every test as root.
	 */
	if (keyfmt_init()) {
		printf("1..1\nnot ok 1 libsodium failed to initialise\n");
		return 1;
	}
	if (getuid() != 0) {
		printf("1..1\nnot ok 1 not root: the VM suite runs tests as root\n");
		return 1;
	}
	if (load_module()) {
		printf("Bail out! cannot load sealcam.ko\n");
		return 1;
	}
	main_pid = getpid();
	atexit(unload_module);
	return test_harness_run(argc, argv);
}
