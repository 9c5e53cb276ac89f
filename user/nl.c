// SPDX-License-Identifier: MIT
/*
 * libnl-genl client of the "sealcam" family: one request, its replies and
 * the kernel's ack (with extended-ack message) per call; see nl.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sodium.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Reply attributes, checked for size before anything reads them. */
static struct nla_policy reply_policy[SEALCAM_A_MAX + 1] = {
	[SEALCAM_A_KEY] = { .type = NLA_UNSPEC, .minlen = SEALCAM_KEY_LEN },
	[SEALCAM_A_KEY_ID] = { .type = NLA_UNSPEC, .minlen = SEALCAM_KEY_ID_LEN },
	[SEALCAM_A_LABEL] = { .type = NLA_STRING },
	[SEALCAM_A_CAMERA] = { .type = NLA_U32 },
	[SEALCAM_A_SEG_FRAMES] = { .type = NLA_U32 },
	[SEALCAM_A_SEG_MS] = { .type = NLA_U32 },
	[SEALCAM_A_LOCKED] = { .type = NLA_U8 },
	[SEALCAM_A_NODE] = { .type = NLA_STRING },
	[SEALCAM_A_STREAMING] = { .type = NLA_U8 },
	[SEALCAM_A_SEGMENT_ID] = { .type = NLA_U64 },
	[SEALCAM_A_FRAMES] = { .type = NLA_U64 },
	[SEALCAM_A_BYTES] = { .type = NLA_U64 },
	[SEALCAM_A_SEGMENTS] = { .type = NLA_U64 },
	[SEALCAM_A_DROPS] = { .type = NLA_U64 },
	[SEALCAM_A_OPENS] = { .type = NLA_U64 },
	[SEALCAM_A_RECIPIENTS] = { .type = NLA_U32 },
	[SEALCAM_A_AEAD_DRIVER] = { .type = NLA_STRING },
	[SEALCAM_A_EVENT] = { .type = NLA_U32 },
	[SEALCAM_A_PID] = { .type = NLA_U32 },
	[SEALCAM_A_UID] = { .type = NLA_U32 },
	[SEALCAM_A_COMM] = { .type = NLA_STRING },
	[SEALCAM_A_DEVKEY_SET] = { .type = NLA_U8 },
	[SEALCAM_A_FRAME_INDEX] = { .type = NLA_U64 },
};

static const char *const event_names[__SEALCAM_EV_MAX] = {
	[SEALCAM_EV_KEY_ADDED] = "key-added",
	[SEALCAM_EV_KEY_DELETED] = "key-deleted",
	[SEALCAM_EV_KEYS_LOCKED] = "keys-locked",
	[SEALCAM_EV_DEVKEY_CHANGED] = "device-key-changed",
	[SEALCAM_EV_SEGMENT_START] = "segment-start",
	[SEALCAM_EV_SEGMENT_END] = "segment-end",
	[SEALCAM_EV_OPEN] = "open",
	[SEALCAM_EV_CLOSE] = "close",
	[SEALCAM_EV_SEGMENT_POLICY] = "segment-policy",
};

const char *sc_nl_event_name(uint32_t event)
{
	if (event < __SEALCAM_EV_MAX && event_names[event])
		return event_names[event];
	return "unknown";
}

/* libnl's own error codes, for the few that can reach us. */
static int nlerr_to_errno(int err)
{
	switch (-err) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_DUMP_INTR:
		return -EAGAIN;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	default:
		return -EPROTO;
	}
}

int sc_nl_open(struct sc_nl *nl)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->mcgrp = -1;
	nl->bad_attr_offset = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		goto fail;
	}
	/* Ask for the kernel's error text, without echoing our request. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, SEALCAM_GENL_NAME);
	if (nl->family < 0) {
		ret = -ENOENT;
		goto fail;
	}
	nl->mcgrp = genl_ctrl_resolve_grp(nl->sk, SEALCAM_GENL_NAME,
					  SEALCAM_GENL_MCGRP);
	if (nl->mcgrp < 0)
		nl->mcgrp = -1;
	return 0;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret;
}

void sc_nl_close(struct sc_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *sc_nl_msg_new(struct sc_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, SEALCAM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct transact {
	struct sc_nl *nl;
	int (*fn)(struct nlattr **attrs, void *arg);
	void *arg;
	int err;
	bool done;
};

static int parse_attrs(struct nl_msg *msg, struct nlattr **tb)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));

	return nla_parse(tb, SEALCAM_A_MAX, genlmsg_attrdata(gnlh, 0),
			 genlmsg_attrlen(gnlh, 0), reply_policy);
}

static int on_valid(struct nl_msg *msg, void *data)
{
	struct nlattr *tb[SEALCAM_A_MAX + 1];
	struct transact *t = data;
	int ret;

	if (parse_attrs(msg, tb) < 0) {
		t->err = -EPROTO;
		return NL_STOP;
	}
	if (t->fn) {
		ret = t->fn(tb, t->arg);
		if (ret < 0) {
			t->err = ret;
			return NL_STOP;
		}
	}
	return NL_OK;
}

/* Pull the extended-ack attributes out of an error message. */
static void read_extack(struct sc_nl *nl, struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)(nlh->nlmsg_len - NLMSG_HDRLEN) - (int)off;
	if (len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		nl->missing_attr = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4)
		nl->bad_attr_offset = (int)nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *data)
{
	struct transact *t = data;

	(void)nla;
	t->err = e->error;
	read_extack(t->nl, e);
	t->done = true;
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *data)
{
	struct transact *t = data;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

int sc_nl_transact(struct sc_nl *nl, struct nl_msg *msg,
		   int (*fn)(struct nlattr **attrs, void *arg), void *arg)
{
	struct transact t = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	nl->missing_attr = 0;
	nl->bad_attr_offset = -1;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		sodium_memzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);

	ret = nl_send_auto(nl->sk, msg);
	/* Requests may carry a private key: wipe before handing back. */
	sodium_memzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		goto out;
	}
	ret = 0;
	while (!t.done && !t.err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !t.err) {
			ret = nlerr_to_errno(ret);
			/*
			 * An interrupted dump must still be read to its end,
			 * or the next request would see its leftovers.
			 */
			if (ret == -EAGAIN && !t.done)
				continue;
			goto out;
		}
	}
	ret = t.err;
out:
	nl_cb_put(cb);
	return ret;
}

/* ---- keys ---- */

static int copy_key_id(struct nlattr **tb, void *arg)
{
	if (!tb[SEALCAM_A_KEY_ID])
		return -EPROTO;
	memcpy(arg, nla_data(tb[SEALCAM_A_KEY_ID]), SEALCAM_KEY_ID_LEN);
	return 0;
}

int sc_nl_key_add(struct sc_nl *nl, const uint8_t pub[SEALCAM_KEY_LEN],
		  const char *label, uint8_t id[SEALCAM_KEY_ID_LEN])
{
	struct nl_msg *msg = sc_nl_msg_new(nl, SEALCAM_CMD_KEY_ADD, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, SEALCAM_A_KEY, SEALCAM_KEY_LEN, pub) ||
	    (label && nla_put_string(msg, SEALCAM_A_LABEL, label))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sc_nl_transact(nl, msg, copy_key_id, id);
}

int sc_nl_key_del(struct sc_nl *nl, const uint8_t id[SEALCAM_KEY_ID_LEN])
{
	struct nl_msg *msg = sc_nl_msg_new(nl, SEALCAM_CMD_KEY_DEL, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, SEALCAM_A_KEY_ID, SEALCAM_KEY_ID_LEN, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sc_nl_transact(nl, msg, NULL, NULL);
}

struct key_list {
	struct sc_nl_key *keys;
	unsigned int max, n;
};

static int add_listed_key(struct nlattr **tb, void *arg)
{
	struct key_list *l = arg;
	struct sc_nl_key *k;

	if (!tb[SEALCAM_A_KEY] || !tb[SEALCAM_A_KEY_ID])
		return -EPROTO;
	if (l->n < l->max) {
		k = &l->keys[l->n];
		memset(k, 0, sizeof(*k));
		memcpy(k->pub, nla_data(tb[SEALCAM_A_KEY]), SEALCAM_KEY_LEN);
		memcpy(k->id, nla_data(tb[SEALCAM_A_KEY_ID]),
		       SEALCAM_KEY_ID_LEN);
		if (tb[SEALCAM_A_LABEL])
			nla_strlcpy(k->label, tb[SEALCAM_A_LABEL],
				    sizeof(k->label));
	}
	l->n++;
	return 0;
}

/* Run a dump, starting over (up to a few times) if it was interrupted. */
static int dump(struct sc_nl *nl, uint8_t cmd,
		int (*fn)(struct nlattr **attrs, void *arg), void *arg,
		unsigned int *count)
{
	struct nl_msg *msg;
	int tries, ret = -EAGAIN;

	for (tries = 0; tries < 5 && ret == -EAGAIN; tries++) {
		*count = 0;
		msg = sc_nl_msg_new(nl, cmd, NLM_F_DUMP);
		if (!msg)
			return -ENOMEM;
		ret = sc_nl_transact(nl, msg, fn, arg);
	}
	return ret;
}

int sc_nl_key_list(struct sc_nl *nl, struct sc_nl_key *keys, unsigned int max,
		   unsigned int *n)
{
	struct key_list l = { .keys = keys, .max = max };
	int ret;

	ret = dump(nl, SEALCAM_CMD_KEY_GET, add_listed_key, &l, &l.n);
	*n = l.n;
	return ret;
}

int sc_nl_key_lock(struct sc_nl *nl)
{
	struct nl_msg *msg = sc_nl_msg_new(nl, SEALCAM_CMD_KEY_LOCK, 0);

	if (!msg)
		return -ENOMEM;
	return sc_nl_transact(nl, msg, NULL, NULL);
}

/* ---- device key ---- */

static int copy_devkey(struct nlattr **tb, void *arg)
{
	struct sc_nl_devkey *d = arg;

	if (!tb[SEALCAM_A_KEY] || !tb[SEALCAM_A_KEY_ID])
		return -EPROTO;
	memset(d, 0, sizeof(*d));
	memcpy(d->pub, nla_data(tb[SEALCAM_A_KEY]), SEALCAM_KEY_LEN);
	memcpy(d->id, nla_data(tb[SEALCAM_A_KEY_ID]), SEALCAM_KEY_ID_LEN);
	if (tb[SEALCAM_A_RECIPIENTS])
		d->recipients = nla_get_u32(tb[SEALCAM_A_RECIPIENTS]);
	if (tb[SEALCAM_A_LOCKED])
		d->locked = nla_get_u8(tb[SEALCAM_A_LOCKED]);
	if (tb[SEALCAM_A_AEAD_DRIVER])
		nla_strlcpy(d->driver, tb[SEALCAM_A_AEAD_DRIVER],
			    sizeof(d->driver));
	return 0;
}

static int devkey_cmd(struct sc_nl *nl, uint8_t cmd,
		      const uint8_t *priv, struct sc_nl_devkey *out)
{
	struct nl_msg *msg = sc_nl_msg_new(nl, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (priv && nla_put(msg, SEALCAM_A_PRIVKEY, SEALCAM_KEY_LEN, priv)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sc_nl_transact(nl, msg, copy_devkey, out);
}

int sc_nl_devkey_get(struct sc_nl *nl, struct sc_nl_devkey *out)
{
	return devkey_cmd(nl, SEALCAM_CMD_DEVKEY_GET, NULL, out);
}

int sc_nl_devkey_set(struct sc_nl *nl, const uint8_t priv[SEALCAM_KEY_LEN],
		     struct sc_nl_devkey *out)
{
	return devkey_cmd(nl, SEALCAM_CMD_DEVKEY_SET, priv, out);
}

int sc_nl_devkey_generate(struct sc_nl *nl, struct sc_nl_devkey *out)
{
	return devkey_cmd(nl, SEALCAM_CMD_DEVKEY_GENERATE, NULL, out);
}

/* ---- cameras ---- */

struct status_list {
	struct sc_nl_status *st;
	unsigned int max, n;
};

static uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

static int add_status(struct nlattr **tb, void *arg)
{
	struct status_list *l = arg;
	struct sc_nl_status *s;

	if (!tb[SEALCAM_A_CAMERA])
		return -EPROTO;
	if (l->n < l->max) {
		s = &l->st[l->n];
		memset(s, 0, sizeof(*s));
		s->camera = nla_get_u32(tb[SEALCAM_A_CAMERA]);
		if (tb[SEALCAM_A_NODE])
			nla_strlcpy(s->node, tb[SEALCAM_A_NODE],
				    sizeof(s->node));
		s->streaming = tb[SEALCAM_A_STREAMING] &&
			       nla_get_u8(tb[SEALCAM_A_STREAMING]);
		s->segment_id = get_u64(tb, SEALCAM_A_SEGMENT_ID);
		s->frames = get_u64(tb, SEALCAM_A_FRAMES);
		s->bytes = get_u64(tb, SEALCAM_A_BYTES);
		s->segments = get_u64(tb, SEALCAM_A_SEGMENTS);
		s->drops = get_u64(tb, SEALCAM_A_DROPS);
		s->opens = get_u64(tb, SEALCAM_A_OPENS);
		s->seg_frames = get_u32(tb, SEALCAM_A_SEG_FRAMES);
		s->seg_ms = get_u32(tb, SEALCAM_A_SEG_MS);
		s->recipients = get_u32(tb, SEALCAM_A_RECIPIENTS);
		s->locked = tb[SEALCAM_A_LOCKED] &&
			    nla_get_u8(tb[SEALCAM_A_LOCKED]);
		if (tb[SEALCAM_A_AEAD_DRIVER])
			nla_strlcpy(s->driver, tb[SEALCAM_A_AEAD_DRIVER],
				    sizeof(s->driver));
	}
	l->n++;
	return 0;
}

int sc_nl_status(struct sc_nl *nl, struct sc_nl_status *st, unsigned int max,
		 unsigned int *n)
{
	struct status_list l = { .st = st, .max = max };
	int ret;

	ret = dump(nl, SEALCAM_CMD_STATUS_GET, add_status, &l, &l.n);
	*n = l.n;
	return ret;
}

static struct nl_msg *camera_msg(struct sc_nl *nl, uint8_t cmd, int camera)
{
	struct nl_msg *msg = sc_nl_msg_new(nl, cmd, 0);

	if (msg && camera >= 0 &&
	    nla_put_u32(msg, SEALCAM_A_CAMERA, (uint32_t)camera)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int sc_nl_segment_set(struct sc_nl *nl, int camera, long frames, long ms)
{
	struct nl_msg *msg = camera_msg(nl, SEALCAM_CMD_SEGMENT_SET, camera);

	if (!msg)
		return -ENOMEM;
	if ((frames >= 0 &&
	     nla_put_u32(msg, SEALCAM_A_SEG_FRAMES, (uint32_t)frames)) ||
	    (ms >= 0 && nla_put_u32(msg, SEALCAM_A_SEG_MS, (uint32_t)ms))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sc_nl_transact(nl, msg, NULL, NULL);
}

int sc_nl_rotate(struct sc_nl *nl, int camera)
{
	struct nl_msg *msg = camera_msg(nl, SEALCAM_CMD_SEGMENT_ROTATE, camera);

	if (!msg)
		return -ENOMEM;
	return sc_nl_transact(nl, msg, NULL, NULL);
}

/* ---- events ---- */

int sc_nl_events_subscribe(struct sc_nl *nl)
{
	int grp = nl->mcgrp;

	if (grp < 0)
		return -ENOENT;
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK,
		       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		return -errno;
	return 0;
}

int sc_nl_events_quiet(struct sc_nl *nl, int rcvbuf)
{
	/*
	 * Classic BPF over the datagram: nlmsghdr (16 bytes), genlmsghdr (4),
	 * then the first attribute, which the module always makes
	 * SEALCAM_A_EVENT (u32). Loads are big-endian, hence htons/htonl on
	 * the host-order constants. Anything else is accepted.
	 */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 28, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),		/* nlmsg_type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(nl->family), 0, 7),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 16),		/* genl cmd */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SEALCAM_CMD_EVENT, 0, 5),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 22),		/* nla_type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(SEALCAM_A_EVENT), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 24),		/* the event */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(SEALCAM_EV_OPEN), 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(SEALCAM_EV_CLOSE), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};
	int fd = nl_socket_get_fd(nl->sk);

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		return -errno;
	if (rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		return -errno;
	return 0;
}

int sc_nl_drops(struct sc_nl *nl, uint32_t *drops)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_MEMINFO, mem, &len))
		return -errno;
	if (len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return -EOPNOTSUPP;
	*drops = mem[SK_MEMINFO_DROPS];
	return 0;
}

struct event_wait {
	int (*fn)(const struct sc_nl_event *ev, void *arg);
	void *arg;
	int count;
	int err;
};

static void copy_str(char *dst, size_t size, struct nlattr *attr)
{
	if (attr)
		nla_strlcpy(dst, attr, size);
}

static int accept_any_seq(struct nl_msg *msg, void *data)
{
	(void)msg;
	(void)data;
	return NL_OK;
}

static int on_event(struct nl_msg *msg, void *data)
{
	struct nlattr *tb[SEALCAM_A_MAX + 1];
	struct event_wait *w = data;
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct sc_nl_event ev;
	int i, ret;

	if (gnlh->cmd != SEALCAM_CMD_EVENT)
		return NL_SKIP;
	if (parse_attrs(msg, tb) < 0 || !tb[SEALCAM_A_EVENT])
		return NL_SKIP;
	memset(&ev, 0, sizeof(ev));
	for (i = 0; i <= SEALCAM_A_MAX; i++)
		ev.has[i] = tb[i] != NULL;
	ev.event = nla_get_u32(tb[SEALCAM_A_EVENT]);
	ev.camera = get_u32(tb, SEALCAM_A_CAMERA);
	ev.pid = get_u32(tb, SEALCAM_A_PID);
	ev.uid = get_u32(tb, SEALCAM_A_UID);
	copy_str(ev.comm, sizeof(ev.comm), tb[SEALCAM_A_COMM]);
	if (tb[SEALCAM_A_KEY_ID])
		memcpy(ev.key_id, nla_data(tb[SEALCAM_A_KEY_ID]),
		       SEALCAM_KEY_ID_LEN);
	copy_str(ev.label, sizeof(ev.label), tb[SEALCAM_A_LABEL]);
	ev.segment_id = get_u64(tb, SEALCAM_A_SEGMENT_ID);
	ev.frame_index = get_u64(tb, SEALCAM_A_FRAME_INDEX);
	ev.opens = get_u64(tb, SEALCAM_A_OPENS);
	ev.seg_frames = get_u32(tb, SEALCAM_A_SEG_FRAMES);
	ev.seg_ms = get_u32(tb, SEALCAM_A_SEG_MS);
	w->count++;
	ret = w->fn(&ev, w->arg);
	if (ret < 0) {
		w->err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

int sc_nl_events_wait(struct sc_nl *nl, int timeout_ms,
		      int (*fn)(const struct sc_nl_event *ev, void *arg),
		      void *arg)
{
	struct event_wait w = { .fn = fn, .arg = arg };
	struct pollfd pfd = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };
	struct nl_cb *cb;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return -ENOMEM;
	/* Multicast messages carry sequence number 0. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &w);
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (w.err)
		return w.err;
	/* A full receive queue drops events: say so rather than hide it. */
	if (ret < 0)
		return ret == -NLE_NOMEM ? -ENOBUFS : nlerr_to_errno(ret);
	return w.count;
}
