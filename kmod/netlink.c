// SPDX-License-Identifier: GPL-2.0
/*
 * The "sealcam" generic netlink family: recipient and device key management,
 * camera status and segment policy, and the "events" multicast group.
 *
 * Who may do what:
 *  - every command that changes state, and the key list (its labels name
 *    people) and camera status (whether a camera is in use, and how often
 *    it was opened), need CAP_NET_ADMIN (GENL_ADMIN_PERM) and CAP_SYS_ADMIN,
 *    both in the initial user namespace, held by the sender and by whoever
 *    opened the socket; root in a user namespace gets -EPERM;
 *  - the device public key is open to everyone: it identifies the device
 *    in every sealed segment;
 *  - subscribing to events needs CAP_SYS_ADMIN, because they name the
 *    processes that open cameras and change keys. A kernel that cannot
 *    restrict a multicast group (6.1 before GENL_MCAST_CAP_SYS_ADMIN was
 *    backported) gets no events group at all;
 *  - the family exists in the initial network namespace only (netnsok is
 *    false): a container does not see it at all.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "sealcam.h"
#include "keys.h"

/* Upper bound for a time-based segment: a day. */
#define SC_SEG_MS_MAX		(24U * 60 * 60 * 1000)
#define SC_SEG_FRAMES_MAX	100000U

/*
 * Older 6.1 releases lack the flag and have no bind callback either: the
 * group would be open to everyone, so it is not offered there.
 */
#ifdef GENL_MCAST_CAP_SYS_ADMIN
#define SC_HAVE_EVENTS 1
#else
#define SC_HAVE_EVENTS 0
#endif

static struct genl_family sc_genl_family;
static bool sc_genl_registered;

static struct netlink_range_validation sc_seg_frames_range = {
	.min = 0,
	.max = SC_SEG_FRAMES_MAX,
};

static struct netlink_range_validation sc_seg_ms_range = {
	.min = 0,
	.max = SC_SEG_MS_MAX,
};

/*
 * Only attributes userspace may send appear here; with strict validation
 * every other attribute (the reply-only ones included) is rejected.
 */
static const struct nla_policy sc_policy[SEALCAM_A_MAX + 1] = {
	[SEALCAM_A_KEY]		= NLA_POLICY_EXACT_LEN(SEALCAM_KEY_LEN),
	[SEALCAM_A_KEY_ID]	= NLA_POLICY_EXACT_LEN(SEALCAM_KEY_ID_LEN),
	[SEALCAM_A_LABEL]	= { .type = NLA_NUL_STRING,
				    .len = SEALCAM_LABEL_MAX - 1 },
	[SEALCAM_A_PRIVKEY]	= NLA_POLICY_EXACT_LEN(SEALCAM_KEY_LEN),
	[SEALCAM_A_CAMERA]	= { .type = NLA_U32 },
	[SEALCAM_A_SEG_FRAMES]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&sc_seg_frames_range),
	[SEALCAM_A_SEG_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&sc_seg_ms_range),
};

/*
 * GENL_ADMIN_PERM has checked CAP_NET_ADMIN; keys also need CAP_SYS_ADMIN.
 * capable() looks at the initial user namespace only, so root inside a user
 * namespace fails here; netlink_capable() adds the same test for the
 * credentials the socket was opened with.
 */
static bool sc_nl_is_admin(const struct sk_buff *skb)
{
	return capable(CAP_SYS_ADMIN) && netlink_capable(skb, CAP_SYS_ADMIN);
}

static int sc_nl_require_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (!sc_nl_is_admin(skb)) {
		GENL_SET_ERR_MSG(info, "need CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	return 0;
}

/* Dumps check before the first message: the refusal is the request's ack. */
static int sc_nl_dump_start_admin(struct netlink_callback *cb)
{
	if (!sc_nl_is_admin(cb->skb)) {
		NL_SET_ERR_MSG(cb->extack,
			       "need CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	return 0;
}

/* ---- events ---- */

static bool sc_event_wanted(void)
{
	return SC_HAVE_EVENTS && READ_ONCE(sc_genl_registered) &&
	       genl_has_listeners(&sc_genl_family, &init_net, 0);
}

static struct sk_buff *sc_event_new(enum sealcam_event event, gfp_t gfp,
				    void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &sc_genl_family, 0, SEALCAM_CMD_EVENT);
	if (!*hdr || nla_put_u32(skb, SEALCAM_A_EVENT, event)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void sc_event_send(struct sk_buff *skb, void *hdr, gfp_t gfp)
{
	genlmsg_end(skb, hdr);
	/* -ESRCH (nobody listening any more) is not an error for us. */
	genlmsg_multicast(&sc_genl_family, skb, 0, 0, gfp);
}

/* The process that caused the event, as seen from the initial namespaces. */
static int sc_put_actor(struct sk_buff *skb)
{
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, current);
	if (nla_put_u32(skb, SEALCAM_A_PID, task_tgid_nr(current)) ||
	    nla_put_u32(skb, SEALCAM_A_UID,
			from_kuid_munged(&init_user_ns, current_uid())) ||
	    nla_put_string(skb, SEALCAM_A_COMM, comm))
		return -EMSGSIZE;
	return 0;
}

/* Key events come from command handlers: process context, may sleep. */
static void sc_event_key(enum sealcam_event event, const u8 *id,
			 const char *label)
{
	struct sk_buff *skb;
	void *hdr;

	if (!sc_event_wanted())
		return;
	skb = sc_event_new(event, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if ((id && nla_put(skb, SEALCAM_A_KEY_ID, SEALCAM_KEY_ID_LEN, id)) ||
	    (label && nla_put_string(skb, SEALCAM_A_LABEL, label)) ||
	    sc_put_actor(skb)) {
		nlmsg_free(skb);
		return;
	}
	sc_event_send(skb, hdr, GFP_KERNEL);
}

/* From open() and release() of a camera node: process context. */
void sc_event_open(u32 camera, bool open, u64 opens)
{
	struct sk_buff *skb;
	void *hdr;

	might_sleep();
	if (!sc_event_wanted())
		return;
	skb = sc_event_new(open ? SEALCAM_EV_OPEN : SEALCAM_EV_CLOSE,
			   GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, SEALCAM_A_CAMERA, camera) ||
	    sc_put_actor(skb) ||
	    (open && nla_put_u64_64bit(skb, SEALCAM_A_OPENS, opens,
				       SEALCAM_A_PAD))) {
		nlmsg_free(skb);
		return;
	}
	sc_event_send(skb, hdr, GFP_KERNEL);
}

/*
 * From the capture thread (src_lock held, a mutex) and from start/stop
 * streaming (cam->lock held): process context.
 */
void sc_event_segment(u32 camera, bool start, u64 segment_id, u64 frames)
{
	struct sk_buff *skb;
	void *hdr;

	might_sleep();
	if (!sc_event_wanted())
		return;
	skb = sc_event_new(start ? SEALCAM_EV_SEGMENT_START :
			   SEALCAM_EV_SEGMENT_END, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, SEALCAM_A_CAMERA, camera) ||
	    nla_put_u64_64bit(skb, SEALCAM_A_SEGMENT_ID, segment_id,
			      SEALCAM_A_PAD) ||
	    (!start && nla_put_u64_64bit(skb, SEALCAM_A_FRAME_INDEX, frames,
					 SEALCAM_A_PAD))) {
		nlmsg_free(skb);
		return;
	}
	sc_event_send(skb, hdr, GFP_KERNEL);
}

static void sc_event_policy(const struct nlattr *camera, u32 frames, u32 ms)
{
	struct sk_buff *skb;
	void *hdr;

	if (!sc_event_wanted())
		return;
	skb = sc_event_new(SEALCAM_EV_SEGMENT_POLICY, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if ((camera && nla_put_u32(skb, SEALCAM_A_CAMERA,
				   nla_get_u32(camera))) ||
	    nla_put_u32(skb, SEALCAM_A_SEG_FRAMES, frames) ||
	    nla_put_u32(skb, SEALCAM_A_SEG_MS, ms) ||
	    sc_put_actor(skb)) {
		nlmsg_free(skb);
		return;
	}
	sc_event_send(skb, hdr, GFP_KERNEL);
}

/* ---- replies ---- */

static struct sk_buff *sc_reply_new(struct genl_info *info, void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &sc_genl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static int sc_put_global(struct sk_buff *skb)
{
	const char *driver = sc_crypto_driver();

	if (nla_put_u32(skb, SEALCAM_A_RECIPIENTS, sc_keys_count()) ||
	    nla_put_u8(skb, SEALCAM_A_LOCKED, sc_keys_locked()) ||
	    nla_put_string(skb, SEALCAM_A_AEAD_DRIVER,
			   driver ? driver : "unknown"))
		return -EMSGSIZE;
	return 0;
}

/* Reply with the device public key, its id and the keyring state. */
static int sc_reply_devkey(struct genl_info *info)
{
	u8 pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	struct sk_buff *skb;
	void *hdr;

	skb = sc_reply_new(info, &hdr);
	if (!skb)
		return -ENOMEM;
	sc_keys_devkey_public(pub, id);
	if (nla_put(skb, SEALCAM_A_KEY, SEALCAM_KEY_LEN, pub) ||
	    nla_put(skb, SEALCAM_A_KEY_ID, SEALCAM_KEY_ID_LEN, id) ||
	    nla_put_u8(skb, SEALCAM_A_DEVKEY_SET, 1) ||
	    sc_put_global(skb)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/* ---- key commands ---- */

static int sc_keyring_errmsg(struct genl_info *info, int err)
{
	switch (err) {
	case -EKEYREJECTED:
		GENL_SET_ERR_MSG(info, "keyring is locked until the module is reloaded");
		break;
	case -EEXIST:
		GENL_SET_ERR_MSG(info, "this key is already a recipient");
		break;
	case -ENOSPC:
		GENL_SET_ERR_MSG(info, "keyring is full (16 recipients)");
		break;
	case -ENOENT:
		GENL_SET_ERR_MSG(info, "no recipient has this key id");
		break;
	}
	return err;
}

static int sc_nl_key_add(struct sk_buff *skb, struct genl_info *info)
{
	u8 id[SEALCAM_KEY_ID_LEN];
	const struct nlattr *label_attr = info->attrs[SEALCAM_A_LABEL];
	const char *label = label_attr ? nla_data(label_attr) : "";
	struct sk_buff *reply;
	const u8 *pub;
	void *hdr;
	int ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, SEALCAM_A_KEY))
		return -EINVAL;
	pub = nla_data(info->attrs[SEALCAM_A_KEY]);
	if (sc_keys_pub_is_weak(pub)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SEALCAM_A_KEY],
				    "public key is zero or of small order");
		return -EINVAL;
	}

	ret = sc_keys_add(pub, label, id);
	if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, label_attr,
				    "label must not contain control characters");
	if (ret)
		return sc_keyring_errmsg(info, ret);
	sc_event_key(SEALCAM_EV_KEY_ADDED, id, label);

	reply = sc_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	if (nla_put(reply, SEALCAM_A_KEY_ID, SEALCAM_KEY_ID_LEN, id) ||
	    nla_put(reply, SEALCAM_A_KEY, SEALCAM_KEY_LEN, pub)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

static int sc_nl_key_del(struct sk_buff *skb, struct genl_info *info)
{
	const u8 *id;
	int ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, SEALCAM_A_KEY_ID))
		return -EINVAL;
	id = nla_data(info->attrs[SEALCAM_A_KEY_ID]);
	ret = sc_keys_del(id);
	if (ret)
		return sc_keyring_errmsg(info, ret);
	sc_event_key(SEALCAM_EV_KEY_DELETED, id, NULL);
	return 0;
}

static int sc_nl_key_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sc_recipient_key key;
	unsigned int idx = cb->args[0];
	u64 generation;
	void *hdr;

	while (!sc_keys_get(idx, &key, &generation)) {
		/* A change between two parts of the dump sets DUMP_INTR. */
		cb->seq = lower_32_bits(generation) ?: 1;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sc_genl_family,
				  NLM_F_MULTI, SEALCAM_CMD_KEY_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (nla_put(skb, SEALCAM_A_KEY_ID, SEALCAM_KEY_ID_LEN, key.id) ||
		    nla_put(skb, SEALCAM_A_KEY, SEALCAM_KEY_LEN, key.pub) ||
		    nla_put_string(skb, SEALCAM_A_LABEL, key.label)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		idx++;
	}
	cb->args[0] = idx;
	return skb->len;
}

static int sc_nl_key_lock(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	if (sc_keys_lock())
		sc_event_key(SEALCAM_EV_KEYS_LOCKED, NULL, NULL);
	return 0;
}

static void sc_event_devkey(void)
{
	u8 pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];

	sc_keys_devkey_public(pub, id);
	sc_event_key(SEALCAM_EV_DEVKEY_CHANGED, id, NULL);
}

static int sc_nl_devkey_set(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, SEALCAM_A_PRIVKEY))
		return -EINVAL;
	ret = sc_keys_devkey_set(nla_data(info->attrs[SEALCAM_A_PRIVKEY]));
	/* The request still holds the private key; wipe it in place. */
	memzero_explicit(nla_data(info->attrs[SEALCAM_A_PRIVKEY]),
			 SEALCAM_KEY_LEN);
	if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SEALCAM_A_PRIVKEY],
				    "private key is zero or gives a weak public key");
	if (ret)
		return sc_keyring_errmsg(info, ret);
	sc_event_devkey();
	return sc_reply_devkey(info);
}

static int sc_nl_devkey_generate(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	ret = sc_keys_devkey_generate();
	if (ret)
		return sc_keyring_errmsg(info, ret);
	sc_event_devkey();
	return sc_reply_devkey(info);
}

static int sc_nl_devkey_get(struct sk_buff *skb, struct genl_info *info)
{
	return sc_reply_devkey(info);
}

/* ---- cameras ---- */

static int sc_nl_status_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sc_camera_status st;
	unsigned int idx = cb->args[0];
	void *hdr;

	for (; idx < sc_camera_count(); idx++) {
		memset(&st, 0, sizeof(st));
		if (sc_camera_status(idx, &st))
			continue;
		st.node[sizeof(st.node) - 1] = '\0';
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sc_genl_family,
				  NLM_F_MULTI, SEALCAM_CMD_STATUS_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, SEALCAM_A_CAMERA, idx) ||
		    nla_put_string(skb, SEALCAM_A_NODE, st.node) ||
		    nla_put_u8(skb, SEALCAM_A_STREAMING, st.streaming) ||
		    nla_put_u64_64bit(skb, SEALCAM_A_SEGMENT_ID, st.segment_id,
				      SEALCAM_A_PAD) ||
		    nla_put_u64_64bit(skb, SEALCAM_A_FRAMES, st.frames,
				      SEALCAM_A_PAD) ||
		    nla_put_u64_64bit(skb, SEALCAM_A_BYTES, st.bytes,
				      SEALCAM_A_PAD) ||
		    nla_put_u64_64bit(skb, SEALCAM_A_SEGMENTS, st.segments,
				      SEALCAM_A_PAD) ||
		    nla_put_u64_64bit(skb, SEALCAM_A_DROPS, st.drops,
				      SEALCAM_A_PAD) ||
		    nla_put_u64_64bit(skb, SEALCAM_A_OPENS, st.opens,
				      SEALCAM_A_PAD) ||
		    nla_put_u32(skb, SEALCAM_A_SEG_FRAMES, st.seg_frames) ||
		    nla_put_u32(skb, SEALCAM_A_SEG_MS, st.seg_ms) ||
		    sc_put_global(skb)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = idx;
	return skb->len;
}

/* Resolve the optional CAMERA attribute: -1 means every camera. */
static int sc_nl_camera(struct genl_info *info, int *camera)
{
	const struct nlattr *attr = info->attrs[SEALCAM_A_CAMERA];

	*camera = -1;
	if (!attr)
		return 0;
	if (nla_get_u32(attr) >= sc_camera_count()) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such camera");
		return -ENODEV;
	}
	*camera = nla_get_u32(attr);
	return 0;
}

static int sc_nl_segment_set(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *frames_attr = info->attrs[SEALCAM_A_SEG_FRAMES];
	const struct nlattr *ms_attr = info->attrs[SEALCAM_A_SEG_MS];
	u32 frames, ms;
	int camera, ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	if (!frames_attr && !ms_attr) {
		GENL_SET_ERR_MSG(info, "need SEG_FRAMES and/or SEG_MS");
		return -EINVAL;
	}
	ret = sc_nl_camera(info, &camera);
	if (ret)
		return ret;
	/* The request sets the whole policy: a missing limit means none. */
	frames = frames_attr ? nla_get_u32(frames_attr) : 0;
	ms = ms_attr ? nla_get_u32(ms_attr) : 0;
	ret = sc_camera_set_segment_policy(camera, frames, ms);
	if (ret)
		return ret;
	sc_event_policy(info->attrs[SEALCAM_A_CAMERA], frames, ms);
	return 0;
}

static int sc_nl_segment_rotate(struct sk_buff *skb, struct genl_info *info)
{
	int camera, ret;

	ret = sc_nl_require_admin(skb, info);
	if (ret)
		return ret;
	ret = sc_nl_camera(info, &camera);
	if (ret)
		return ret;
	return sc_camera_rotate(camera);
}

/* The two dumps need a start callback, which only full ops have. */
static const struct genl_ops sc_genl_dump_ops[] = {
	{
		.cmd = SEALCAM_CMD_KEY_GET,
		.start = sc_nl_dump_start_admin,
		.dumpit = sc_nl_key_get_dump,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_STATUS_GET,
		.start = sc_nl_dump_start_admin,
		.dumpit = sc_nl_status_dump,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_small_ops sc_genl_ops[] = {
	{
		.cmd = SEALCAM_CMD_KEY_ADD,
		.doit = sc_nl_key_add,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_KEY_DEL,
		.doit = sc_nl_key_del,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_KEY_LOCK,
		.doit = sc_nl_key_lock,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_DEVKEY_SET,
		.doit = sc_nl_devkey_set,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_DEVKEY_GENERATE,
		.doit = sc_nl_devkey_generate,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_DEVKEY_GET,
		.doit = sc_nl_devkey_get,
	}, {
		.cmd = SEALCAM_CMD_SEGMENT_SET,
		.doit = sc_nl_segment_set,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SEALCAM_CMD_SEGMENT_ROTATE,
		.doit = sc_nl_segment_rotate,
		.flags = GENL_ADMIN_PERM,
	},
};

#if SC_HAVE_EVENTS
static const struct genl_multicast_group sc_genl_mcgrps[] = {
	{ .name = SEALCAM_GENL_MCGRP, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};
#endif

static struct genl_family sc_genl_family __ro_after_init = {
	.name = SEALCAM_GENL_NAME,
	.version = SEALCAM_GENL_VERSION,
	.maxattr = SEALCAM_A_MAX,
	.policy = sc_policy,
	.netnsok = false,
	.module = THIS_MODULE,
	.ops = sc_genl_dump_ops,
	.n_ops = ARRAY_SIZE(sc_genl_dump_ops),
	.small_ops = sc_genl_ops,
	.n_small_ops = ARRAY_SIZE(sc_genl_ops),
#if SC_HAVE_EVENTS
	.mcgrps = sc_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sc_genl_mcgrps),
#endif
};

int sc_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&sc_genl_family);
	if (ret)
		return ret;
	if (!SC_HAVE_EVENTS)
		pr_warn("%s: this kernel cannot restrict multicast groups to CAP_SYS_ADMIN; no events group\n",
			SC_DRV_NAME);
	WRITE_ONCE(sc_genl_registered, true);
	return 0;
}

void sc_netlink_exit(void)
{
	WRITE_ONCE(sc_genl_registered, false);
	genl_unregister_family(&sc_genl_family);
}
