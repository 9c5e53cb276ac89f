// SPDX-License-Identifier: MIT
/*
 * sealcam: the owner's tool. Key management, device key, camera status and
 * segment policy over the "sealcam" generic netlink family; genkey, pubkey
 * and unseal are provided by libsealcam's side (sealcam.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "json.h"
#include "keyfmt.h"
#include "nl.h"
#include "sealcam.h"
#include "sealcam_version.h"
#include "audit/audit.h"

#define MAX_CAMERAS 64

static const char main_help[] =
"NAME\n"
"    sealcam - manage a sealcam device and open what it recorded\n"
"\n"
"SYNOPSIS\n"
"    sealcam COMMAND [OPTIONS] [ARGUMENTS]\n"
"    sealcam --help | sealcam COMMAND --help | sealcam --version\n"
"\n"
"DESCRIPTION\n"
"    sealcam.ko encrypts every camera frame in the kernel to the public keys\n"
"    of its owners (recipients). This tool installs those keys, shows the\n"
"    device state, and, with the owner's private key, opens sealed segments.\n"
"\n"
"COMMANDS\n"
"    genkey              write a new private key to standard output\n"
"    pubkey              read a private key on standard input, print its\n"
"                        public key\n"
"    key add PUBKEY|FILE [--label L]\n"
"                        make a public key a recipient of new segments\n"
"    key del KEYID       remove a recipient\n"
"    key list [--json]   list the recipients\n"
"    key lock            forbid key changes until the module is reloaded\n"
"    device-key [--set FILE | --generate]\n"
"                        print (or replace) the device public key\n"
"    status [--json]     per camera: node, streaming, segment, counters\n"
"    segment [--camera N] [--frames N] [--ms N]\n"
"                        show or set when segments end\n"
"    rotate [--camera N] end the current segment at the next frame\n"
"    unseal              verify and decrypt sealed segments\n"
"    fetch               list, download and unseal segments from the store\n"
"    view                watch a camera live from the relay (verified, decrypted)\n"
"                        the agent uploads to (file://, s3://)\n"
"    events [--json]     print key, camera and segment events as they happen\n"
"    audit init|show|follow|stats|verify  the camera-open audit log\n"
"\n"
"    Keys are one line of base64 (32 bytes); a key id is 16 hex digits,\n"
"    the first 8 bytes of SHA-256 of the public key.\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 failure (the message names the cause), 2 usage error.\n"
"    unseal has further codes, see sealcam unseal --help.\n";

static const char key_add_help[] =
"NAME\n"
"    sealcam key add - add a recipient key\n"
"\n"
"SYNOPSIS\n"
"    sealcam key add PUBKEY|FILE|- [--label LABEL]\n"
"\n"
"DESCRIPTION\n"
"    Installs an X25519 public key as a recipient: every segment started\n"
"    from now on is sealed to it too. The key is given as its base64 text,\n"
"    as a file holding that line, or as - for standard input. Prints the\n"
"    key id. Up to 16 recipients; all-zero and small-order keys, duplicates\n"
"    and changes after \"key lock\" are refused. Needs CAP_SYS_ADMIN (and\n"
"    CAP_NET_ADMIN) in the initial user namespace.\n"
"\n"
"OPTIONS\n"
"    -l, --label LABEL   a name for the key, at most 31 bytes, no control\n"
"                        characters\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 added, 1 refused or failed, 2 usage error.\n";

static const char key_del_help[] =
"NAME\n"
"    sealcam key del - remove a recipient key\n"
"\n"
"SYNOPSIS\n"
"    sealcam key del KEYID\n"
"\n"
"DESCRIPTION\n"
"    Removes the recipient whose key id (16 hex digits, as \"key list\"\n"
"    shows) is KEYID. Segments started afterwards are not sealed to it.\n"
"    Needs CAP_SYS_ADMIN in the initial user namespace.\n"
"\n"
"OPTIONS\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 removed, 1 refused or failed (unknown id, keyring locked), 2 usage\n"
"    error.\n";

static const char key_list_help[] =
"NAME\n"
"    sealcam key list - list the recipient keys\n"
"\n"
"SYNOPSIS\n"
"    sealcam key list [--json]\n"
"\n"
"DESCRIPTION\n"
"    One line per recipient: key id, public key, label. The keyring state\n"
"    (locked or not) comes first. Needs CAP_SYS_ADMIN (root) in the initial\n"
"    user namespace: labels name people.\n"
"\n"
"OPTIONS\n"
"    -j, --json          one JSON object: {\"locked\": BOOL, \"keys\":\n"
"                        [{\"id\", \"key\", \"label\"}, ...]}\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 listed, 1 failed, 2 usage error.\n";

static const char key_lock_help[] =
"NAME\n"
"    sealcam key lock - freeze the keyring\n"
"\n"
"SYNOPSIS\n"
"    sealcam key lock\n"
"\n"
"DESCRIPTION\n"
"    After this, recipients and the device key cannot be added, removed or\n"
"    replaced until sealcam.ko is reloaded; such requests fail with \"Key\n"
"    was rejected by service\". Locking twice is not an error. Needs\n"
"    CAP_SYS_ADMIN in the initial user namespace.\n"
"\n"
"OPTIONS\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 locked, 1 refused or failed, 2 usage error.\n";

static const char key_help[] =
"NAME\n"
"    sealcam key - manage recipient keys\n"
"\n"
"SYNOPSIS\n"
"    sealcam key add PUBKEY|FILE|- [--label LABEL]\n"
"    sealcam key del KEYID\n"
"    sealcam key list [--json]\n"
"    sealcam key lock\n"
"\n"
"DESCRIPTION\n"
"    Recipients are the X25519 public keys every new segment is sealed to.\n"
"    See sealcam key SUBCOMMAND --help.\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 failure, 2 usage error.\n";

static const char devkey_help[] =
"NAME\n"
"    sealcam device-key - show or replace the device key\n"
"\n"
"SYNOPSIS\n"
"    sealcam device-key [--set FILE|- | --generate] [--id]\n"
"\n"
"DESCRIPTION\n"
"    The device key pair authenticates every segment (HPKE mode_auth\n"
"    sender). The module generates one at load. Prints the device public\n"
"    key as one base64 line. The private key is write-only: no command\n"
"    returns it. Reading needs no privilege; --set and --generate need\n"
"    CAP_SYS_ADMIN in the initial user namespace and fail once the keyring\n"
"    is locked.\n"
"\n"
"OPTIONS\n"
"    -s, --set FILE      install the private key read from FILE (one base64\n"
"                        line, as sealcam genkey writes), - for standard\n"
"                        input\n"
"    -g, --generate      make the kernel generate a new key pair\n"
"    -i, --id            print the key id (16 hex digits) instead\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 refused or failed, 2 usage error.\n";

static const char status_help[] =
"NAME\n"
"    sealcam status - show the state of every sealed camera\n"
"\n"
"SYNOPSIS\n"
"    sealcam status [--json] [--agent-status FILE]\n"
"\n"
"DESCRIPTION\n"
"    Device key id, number of recipients, whether the keyring is locked,\n"
"    the AEAD implementation in use, then for each camera: video node,\n"
"    streaming or not, current segment id, segments started, frames and\n"
"    bytes sealed, frames dropped, opens of the node and the segment\n"
"    policy. Then sealcam-agent, from its status file: running or not,\n"
"    spool bytes, queue length, oldest waiting segment, last upload, last\n"
"    error, drops. The camera part needs CAP_SYS_ADMIN (root) in the\n"
"    initial user namespace (it tells when the camera is in use); without\n"
"    it only the agent is shown. The agent is shown even when the module is\n"
"    not loaded (the exit status is then 1).\n"
"\n"
"OPTIONS\n"
"    -j, --json          one JSON object\n"
"    -a, --agent-status FILE  the agent's status file (default\n"
"                        " AGENT_STATUS_DEFAULT ")\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 failed, 2 usage error.\n";

static const char segment_help[] =
"NAME\n"
"    sealcam segment - show or set when segments end\n"
"\n"
"SYNOPSIS\n"
"    sealcam segment [--camera N] [--frames N] [--ms N]\n"
"\n"
"DESCRIPTION\n"
"    A segment ends, and the next one gets a fresh content key, after a\n"
"    number of frames or of milliseconds, whichever comes first. Without\n"
"    --frames and --ms, prints each camera's policy. With either, sets the\n"
"    whole policy: a limit not given is removed (0 = no limit of that\n"
"    kind). Setting needs CAP_SYS_ADMIN in the initial user namespace.\n"
"\n"
"OPTIONS\n"
"    -c, --camera N      only camera N (default: every camera)\n"
"    -f, --frames N      frames per segment, 0..100000\n"
"    -m, --ms N          milliseconds per segment, 0..86400000\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 refused or failed, 2 usage error.\n";

static const char rotate_help[] =
"NAME\n"
"    sealcam rotate - end the current segment now\n"
"\n"
"SYNOPSIS\n"
"    sealcam rotate [--camera N]\n"
"\n"
"DESCRIPTION\n"
"    The next frame each (or the given) camera seals is the last of its\n"
"    segment; the frame after it starts a new segment with a new content\n"
"    key, sealed to the recipients installed at that moment. Needs\n"
"    CAP_SYS_ADMIN in the initial user namespace.\n"
"\n"
"OPTIONS\n"
"    -c, --camera N      only camera N (default: every camera)\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 refused or failed, 2 usage error.\n";

static const char events_help[] =
"NAME\n"
"    sealcam events - print sealcam events as they happen\n"
"\n"
"SYNOPSIS\n"
"    sealcam events [--json] [--count N] [--timeout SECONDS]\n"
"\n"
"DESCRIPTION\n"
"    Subscribes to the module's \"events\" multicast group and prints one\n"
"    line per event: key added or deleted, keyring locked, device key\n"
"    changed (with the pid, uid and command name of the process that did\n"
"    it), camera opened or closed (by whom), segment started or ended,\n"
"    segment policy changed. Output is flushed per line. Needs\n"
"    CAP_SYS_ADMIN in the initial user namespace (the events name\n"
"    processes). If the kernel had to drop events because this reader fell\n"
"    behind, that is reported and the exit status is 1.\n"
"\n"
"OPTIONS\n"
"    -j, --json          one JSON object per line\n"
"    -n, --count N       exit after N events\n"
"    -t, --timeout S     exit after S seconds\n"
"    -h, --help          this text\n"
"\n"
"EXIT STATUS\n"
"    0 stopped by --count, --timeout or a signal, 1 failure or lost\n"
"    events, 2 usage error.\n";

static const char *progname = "sealcam";

static void usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", progname, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", progname, cmd);
}

/* "sealcam: key add: Operation not permitted (need CAP_SYS_ADMIN)". */
static int report(const char *cmd, const struct sc_nl *nl, int err)
{
	const char *hint = "";

	if (err == -EPERM && (!nl || !nl->errmsg[0]))
		hint = " (need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
	if (nl && nl->errmsg[0])
		fprintf(stderr, "%s: %s: %s: %s\n", progname, cmd,
			strerror(-err), nl->errmsg);
	else
		fprintf(stderr, "%s: %s: %s%s\n", progname, cmd,
			strerror(-err), hint);
	return SC_EXIT_FAIL;
}

static int open_nl(const char *cmd, struct sc_nl *nl)
{
	int ret = sc_nl_open(nl);

	if (ret == -ENOENT) {
		fprintf(stderr,
			"%s: %s: sealcam module not loaded (no \"%s\" generic netlink family in this network namespace)\n",
			progname, cmd, SEALCAM_GENL_NAME);
		return SC_EXIT_FAIL;
	}
	if (ret)
		return report(cmd, NULL, ret);
	return 0;
}

/* A decimal number in [min, max]; false (and a message) otherwise. */
static bool parse_ulong(const char *cmd, const char *opt, const char *s,
			unsigned long max, long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v > max) {
		usage_error(cmd, "%s: not a number from 0 to %lu: '%s'", opt,
			    max, s);
		return false;
	}
	*out = (long)v;
	return true;
}

/* ---- output helpers ---- */


static void print_key(const uint8_t key[SEALCAM_KEY_LEN])
{
	char b64[KEYFMT_B64_SIZE];

	keyfmt_encode(key, b64);
	fputs(b64, stdout);
}

static void print_id(const uint8_t id[SEALCAM_KEY_ID_LEN])
{
	char hex[KEYFMT_ID_HEX_SIZE];

	keyfmt_id_hex(id, hex);
	fputs(hex, stdout);
}

static const char *yesno(bool b, bool json)
{
	if (json)
		return b ? "true" : "false";
	return b ? "yes" : "no";
}

/*
 * getopt_long for a subcommand: argv[0] is the subcommand's name. Returns
 * optind, or -1 after printing help (exit 0) or -2 on a usage error.
 */
struct opt_result {
	bool json;
	const char *label;
	const char *set_file;
	bool generate;
	bool show_id;
	long camera;
	long frames;
	long ms;
	long count;
	long timeout;
	const char *agent_status;
};

enum opt_set {
	OPT_HELP = 1 << 0,
	OPT_JSON = 1 << 1,
	OPT_LABEL = 1 << 2,
	OPT_DEVKEY = 1 << 3,
	OPT_CAMERA = 1 << 4,
	OPT_SEGMENT = 1 << 5,
	OPT_EVENTS = 1 << 6,
	OPT_AGENT = 1 << 7,
};

static int parse_opts(const char *cmd, const char *help, unsigned int allowed,
		      int argc, char **argv, struct opt_result *o)
{
	static const struct option all[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "label", required_argument, NULL, 'l' },
		{ "set", required_argument, NULL, 's' },
		{ "generate", no_argument, NULL, 'g' },
		{ "id", no_argument, NULL, 'i' },
		{ "camera", required_argument, NULL, 'c' },
		{ "frames", required_argument, NULL, 'f' },
		{ "ms", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "agent-status", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		int c;
		unsigned int set;
	} owner[] = {
		{ 'h', OPT_HELP }, { 'j', OPT_JSON }, { 'l', OPT_LABEL },
		{ 's', OPT_DEVKEY }, { 'g', OPT_DEVKEY }, { 'i', OPT_DEVKEY },
		{ 'c', OPT_CAMERA }, { 'f', OPT_SEGMENT }, { 'm', OPT_SEGMENT },
		{ 'n', OPT_EVENTS }, { 't', OPT_EVENTS }, { 'a', OPT_AGENT },
	};
	unsigned int i;
	int c;

	memset(o, 0, sizeof(*o));
	o->camera = o->frames = o->ms = o->count = o->timeout = -1;
	allowed |= OPT_HELP;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hjl:s:gic:f:m:n:t:a:", all,
				NULL)) != -1) {
		bool ok = false;

		for (i = 0; i < sizeof(owner) / sizeof(owner[0]); i++)
			if (owner[i].c == c && (owner[i].set & allowed))
				ok = true;
		if (!ok) {
			if (c == '?' && optopt)
				usage_error(cmd, "option '-%c' is unknown or needs an argument",
					    optopt);
			else
				usage_error(cmd, "unknown option '%s'",
					    argv[optind - 1]);
			return -2;
		}
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return -1;
		case 'j':
			o->json = true;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 's':
			o->set_file = optarg;
			break;
		case 'g':
			o->generate = true;
			break;
		case 'i':
			o->show_id = true;
			break;
		case 'a':
			o->agent_status = optarg;
			break;
		case 'c':
			if (!parse_ulong(cmd, "--camera", optarg, INT_MAX,
					 &o->camera))
				return -2;
			break;
		case 'f':
			if (!parse_ulong(cmd, "--frames", optarg, 100000,
					 &o->frames))
				return -2;
			break;
		case 'm':
			if (!parse_ulong(cmd, "--ms", optarg, 86400000,
					 &o->ms))
				return -2;
			break;
		case 'n':
			if (!parse_ulong(cmd, "--count", optarg, INT_MAX,
					 &o->count))
				return -2;
			break;
		case 't':
			if (!parse_ulong(cmd, "--timeout", optarg, 86400,
					 &o->timeout))
				return -2;
			break;
		}
	}
	return optind;
}

/*
 * Options and then at least @npos_min and at most @npos_max positional
 * arguments, stored in @pos. GNU getopt permutes, so options may follow
 * the positional arguments. Returns their number, or -1 / -2 as above.
 */
static int parse_args(const char *cmd, const char *help, unsigned int allowed,
		      int argc, char **argv, struct opt_result *o,
		      char **pos, int npos_min, int npos_max)
{
	int first, npos, i;

	first = parse_opts(cmd, help, allowed, argc, argv, o);
	if (first < 0)
		return first;
	npos = argc - first;
	if (npos < npos_min) {
		usage_error(cmd, "missing argument");
		return -2;
	}
	if (npos > npos_max) {
		usage_error(cmd, "unexpected argument '%s'",
			    argv[first + npos_max]);
		return -2;
	}
	for (i = 0; i < npos; i++)
		pos[i] = argv[first + i];
	return npos;
}

static int opts_exit(int ret)
{
	return ret == -1 ? SC_EXIT_OK : SC_EXIT_USAGE;
}

/* ---- key ---- */

static int cmd_key_add(int argc, char **argv)
{
	const char *cmd = "key add";
	uint8_t pub[SEALCAM_KEY_LEN], id[SEALCAM_KEY_ID_LEN];
	struct opt_result o;
	char what[256];
	char *pos[1];
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, key_add_help, OPT_LABEL, argc, argv, &o, pos, 1, 1);
	if (ret < 0)
		return opts_exit(ret);
	if (o.label && strlen(o.label) >= SEALCAM_LABEL_MAX) {
		usage_error(cmd, "label longer than %d bytes",
			    SEALCAM_LABEL_MAX - 1);
		return SC_EXIT_USAGE;
	}
	ret = keyfmt_read_key(pos[0], pub, what, sizeof(what));
	if (ret == -EINVAL) {
		fprintf(stderr, "%s: %s: %s: not a key (one line of base64 of 32 bytes)\n",
			progname, cmd, what);
		return SC_EXIT_FAIL;
	}
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: %s: '%s' is neither a key (one line of base64 of 32 bytes) nor a file\n",
			progname, cmd, pos[0]);
		return SC_EXIT_FAIL;
	}
	if (ret) {
		fprintf(stderr, "%s: %s: %s: %s\n", progname, cmd, what,
			strerror(-ret));
		return SC_EXIT_FAIL;
	}
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	ret = sc_nl_key_add(&nl, pub, o.label, id);
	if (ret) {
		report(cmd, &nl, ret);
		sc_nl_close(&nl);
		return SC_EXIT_FAIL;
	}
	sc_nl_close(&nl);
	print_id(id);
	putchar('\n');
	return SC_EXIT_OK;
}

static int cmd_key_del(int argc, char **argv)
{
	const char *cmd = "key del";
	uint8_t id[SEALCAM_KEY_ID_LEN];
	struct opt_result o;
	char *pos[1];
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, key_del_help, 0, argc, argv, &o, pos, 1, 1);
	if (ret < 0)
		return opts_exit(ret);
	if (keyfmt_id_parse(pos[0], id)) {
		usage_error(cmd, "'%s' is not a key id (16 hex digits)", pos[0]);
		return SC_EXIT_USAGE;
	}
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	ret = sc_nl_key_del(&nl, id);
	if (ret)
		report(cmd, &nl, ret);
	sc_nl_close(&nl);
	return ret ? SC_EXIT_FAIL : SC_EXIT_OK;
}

static int cmd_key_list(int argc, char **argv)
{
	const char *cmd = "key list";
	struct sc_nl_key keys[SEALCAM_MAX_RECIPIENTS];
	struct sc_nl_devkey dev;
	struct opt_result o;
	unsigned int n, i;
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, key_list_help, OPT_JSON, argc, argv, &o, NULL,
			 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	ret = sc_nl_devkey_get(&nl, &dev);
	if (!ret)
		ret = sc_nl_key_list(&nl, keys, SEALCAM_MAX_RECIPIENTS, &n);
	if (ret) {
		report(cmd, &nl, ret);
		sc_nl_close(&nl);
		return SC_EXIT_FAIL;
	}
	sc_nl_close(&nl);
	if (n > SEALCAM_MAX_RECIPIENTS)
		n = SEALCAM_MAX_RECIPIENTS;

	if (o.json) {
		printf("{\"locked\": %s, \"keys\": [", yesno(dev.locked, true));
		for (i = 0; i < n; i++) {
			printf("%s{\"id\": \"", i ? ", " : "");
			print_id(keys[i].id);
			printf("\", \"key\": \"");
			print_key(keys[i].pub);
			printf("\", \"label\": ");
			sc_json_fputs(stdout, keys[i].label);
			putchar('}');
		}
		printf("]}\n");
		return SC_EXIT_OK;
	}
	printf("keyring: %u recipient%s%s\n", n, n == 1 ? "" : "s",
	       dev.locked ? ", locked" : "");
	for (i = 0; i < n; i++) {
		print_id(keys[i].id);
		fputs("  ", stdout);
		print_key(keys[i].pub);
		if (keys[i].label[0]) {
			fputs("  ", stdout);
			sc_json_fputs(stdout, keys[i].label);
		}
		putchar('\n');
	}
	return SC_EXIT_OK;
}

static int cmd_key_lock(int argc, char **argv)
{
	const char *cmd = "key lock";
	struct opt_result o;
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, key_lock_help, 0, argc, argv, &o, NULL, 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	ret = sc_nl_key_lock(&nl);
	if (ret)
		report(cmd, &nl, ret);
	sc_nl_close(&nl);
	return ret ? SC_EXIT_FAIL : SC_EXIT_OK;
}

static int cmd_key(int argc, char **argv)
{
	if (argc < 2) {
		usage_error("key", "missing subcommand (add, del, list, lock)");
		return SC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(key_help, stdout);
		return SC_EXIT_OK;
	}
	if (!strcmp(argv[1], "add"))
		return cmd_key_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "del"))
		return cmd_key_del(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_key_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lock"))
		return cmd_key_lock(argc - 1, argv + 1);
	usage_error("key", "unknown subcommand '%s'", argv[1]);
	return SC_EXIT_USAGE;
}

/* ---- device key ---- */

static int read_private_key(const char *cmd, const char *path,
			    uint8_t priv[SEALCAM_KEY_LEN])
{
	FILE *f;
	int ret;

	/* Never from the command line: it would show in ps and history. */
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		fprintf(stderr, "%s: %s: %s: %s\n", progname, cmd, path,
			strerror(errno));
		return SC_EXIT_FAIL;
	}
	ret = keyfmt_read_stream(f, priv);
	if (f != stdin)
		fclose(f);
	if (ret) {
		fprintf(stderr, "%s: %s: %s: %s\n", progname, cmd,
			strcmp(path, "-") ? path : "standard input",
			ret == -EINVAL ?
			"not a key (one line of base64 of 32 bytes)" :
			strerror(-ret));
		return SC_EXIT_FAIL;
	}
	return 0;
}

static int cmd_device_key(int argc, char **argv)
{
	const char *cmd = "device-key";
	uint8_t priv[SEALCAM_KEY_LEN];
	struct sc_nl_devkey dev;
	struct opt_result o;
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, devkey_help, OPT_DEVKEY, argc, argv, &o, NULL,
			 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	if (o.set_file && o.generate) {
		usage_error(cmd, "--set and --generate exclude each other");
		return SC_EXIT_USAGE;
	}
	if (o.set_file) {
		ret = read_private_key(cmd, o.set_file, priv);
		if (ret)
			return ret;
	}
	ret = open_nl(cmd, &nl);
	if (ret) {
		sodium_memzero(priv, sizeof(priv));
		return ret;
	}
	if (o.set_file)
		ret = sc_nl_devkey_set(&nl, priv, &dev);
	else if (o.generate)
		ret = sc_nl_devkey_generate(&nl, &dev);
	else
		ret = sc_nl_devkey_get(&nl, &dev);
	sodium_memzero(priv, sizeof(priv));
	if (ret) {
		report(cmd, &nl, ret);
		sc_nl_close(&nl);
		return SC_EXIT_FAIL;
	}
	sc_nl_close(&nl);
	if (o.show_id)
		print_id(dev.id);
	else
		print_key(dev.pub);
	putchar('\n');
	return SC_EXIT_OK;
}

/* ---- status, segment, rotate ---- */

static int cmd_status(int argc, char **argv)
{
	const char *cmd = "status";
	static struct sc_nl_status st[MAX_CAMERAS];
	struct sc_nl_devkey dev;
	struct opt_result o;
	const char *agent;
	unsigned int n = 0, i;
	struct sc_nl nl;
	bool json, module;
	int ret;

	ret = parse_args(cmd, status_help, OPT_JSON | OPT_AGENT, argc, argv, &o,
			 NULL, 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	json = o.json;
	agent = o.agent_status ? o.agent_status : AGENT_STATUS_DEFAULT;
	/* the module first; without it, the agent is still worth showing */
	ret = open_nl(cmd, &nl);
	if (!ret) {
		ret = sc_nl_devkey_get(&nl, &dev);
		if (!ret)
			ret = sc_nl_status(&nl, st, MAX_CAMERAS, &n);
		if (ret)
			report(cmd, &nl, ret);
		sc_nl_close(&nl);
	}
	module = !ret;
	if (n > MAX_CAMERAS)
		n = MAX_CAMERAS;

	if (json && !module) {
		printf("{\"module\": null, \"cameras\": [], \"agent\": ");
		agent_status_show(agent, true);
		printf("}\n");
		return SC_EXIT_FAIL;
	}
	if (!module) {
		printf("module: not reachable (see the error above)\n");
		agent_status_show(agent, false);
		return SC_EXIT_FAIL;
	}
	if (json) {
		printf("{\"device_key\": \"");
		print_key(dev.pub);
		printf("\", \"device_id\": \"");
		print_id(dev.id);
		printf("\", \"recipients\": %u, \"locked\": %s, \"aead_driver\": ",
		       dev.recipients, yesno(dev.locked, true));
		sc_json_fputs(stdout, dev.driver);
		printf(", \"cameras\": [");
	} else {
		printf("device key: ");
		print_key(dev.pub);
		printf(" (id ");
		print_id(dev.id);
		printf(")\nrecipients: %u%s\ncrypto: %s\n", dev.recipients,
		       dev.locked ? " (locked)" : "", dev.driver);
		if (!n)
			printf("no cameras\n");
	}
	for (i = 0; i < n; i++) {
		const struct sc_nl_status *s = &st[i];

		if (json) {
			printf("%s{\"camera\": %u, \"node\": ", i ? ", " : "",
			       s->camera);
			sc_json_fputs(stdout, s->node);
			printf(", \"streaming\": %s, \"segment_id\": %" PRIu64
			       ", \"segments\": %" PRIu64 ", \"frames\": %" PRIu64
			       ", \"bytes\": %" PRIu64 ", \"drops\": %" PRIu64
			       ", \"opens\": %" PRIu64
			       ", \"seg_frames\": %u, \"seg_ms\": %u}",
			       yesno(s->streaming, true), s->segment_id,
			       s->segments, s->frames, s->bytes, s->drops,
			       s->opens, s->seg_frames, s->seg_ms);
			continue;
		}
		printf("camera %u: /dev/%s\n", s->camera, s->node);
		printf("  streaming: %s\n  segment: %" PRIu64
		       " (%" PRIu64 " started)\n  sealed: %" PRIu64
		       " frames, %" PRIu64 " bytes\n  drops: %" PRIu64
		       "\n  opens: %" PRIu64 "\n",
		       yesno(s->streaming, false), s->segment_id, s->segments,
		       s->frames, s->bytes, s->drops, s->opens);
		printf("  segment policy: %u frames, %u ms (0 = no limit)\n",
		       s->seg_frames, s->seg_ms);
	}
	if (json) {
		printf("], \"agent\": ");
		agent_status_show(agent, true);
		printf("}\n");
	} else {
		agent_status_show(agent, false);
	}
	return SC_EXIT_OK;
}

static int cmd_segment(int argc, char **argv)
{
	const char *cmd = "segment";
	static struct sc_nl_status st[MAX_CAMERAS];
	struct opt_result o;
	unsigned int n, i;
	struct sc_nl nl;
	bool any = false;
	int ret;

	ret = parse_args(cmd, segment_help, OPT_CAMERA | OPT_SEGMENT, argc,
			 argv, &o, NULL, 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	if (o.frames >= 0 || o.ms >= 0) {
		ret = sc_nl_segment_set(&nl, (int)o.camera, o.frames, o.ms);
		if (ret)
			report(cmd, &nl, ret);
		sc_nl_close(&nl);
		return ret ? SC_EXIT_FAIL : SC_EXIT_OK;
	}
	ret = sc_nl_status(&nl, st, MAX_CAMERAS, &n);
	if (ret) {
		report(cmd, &nl, ret);
		sc_nl_close(&nl);
		return SC_EXIT_FAIL;
	}
	sc_nl_close(&nl);
	for (i = 0; i < n && i < MAX_CAMERAS; i++) {
		if (o.camera >= 0 && st[i].camera != (uint32_t)o.camera)
			continue;
		any = true;
		printf("camera %u: %u frames, %u ms\n", st[i].camera,
		       st[i].seg_frames, st[i].seg_ms);
	}
	if (!any && o.camera >= 0) {
		fprintf(stderr, "%s: %s: camera %ld: No such device\n",
			progname, cmd, o.camera);
		return SC_EXIT_FAIL;
	}
	return SC_EXIT_OK;
}

static int cmd_rotate(int argc, char **argv)
{
	const char *cmd = "rotate";
	struct opt_result o;
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, rotate_help, OPT_CAMERA, argc, argv, &o, NULL,
			 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	ret = sc_nl_rotate(&nl, (int)o.camera);
	if (ret)
		report(cmd, &nl, ret);
	sc_nl_close(&nl);
	return ret ? SC_EXIT_FAIL : SC_EXIT_OK;
}

/* ---- events ---- */

static volatile sig_atomic_t stop_events;

static void on_signal(int sig)
{
	(void)sig;
	stop_events = 1;
}

static int print_event(const struct sc_nl_event *ev, void *arg)
{
	bool json = *(bool *)arg;

	if (json)
		printf("{\"event\": \"%s\"", sc_nl_event_name(ev->event));
	else
		printf("%s", sc_nl_event_name(ev->event));
#define FIELD(name) (json ? ", \"" name "\": " : " " name "=")
	if (ev->has[SEALCAM_A_CAMERA])
		printf("%s%u", FIELD("camera"), ev->camera);
	if (ev->has[SEALCAM_A_SEGMENT_ID])
		printf("%s%" PRIu64, FIELD("segment_id"), ev->segment_id);
	if (ev->has[SEALCAM_A_FRAME_INDEX])
		printf("%s%" PRIu64, FIELD("frames"), ev->frame_index);
	if (ev->has[SEALCAM_A_KEY_ID]) {
		printf("%s%s", FIELD("key_id"), json ? "\"" : "");
		print_id(ev->key_id);
		printf("%s", json ? "\"" : "");
	}
	if (ev->has[SEALCAM_A_LABEL]) {
		printf("%s", FIELD("label"));
		sc_json_fputs(stdout, ev->label);
	}
	if (ev->has[SEALCAM_A_SEG_FRAMES])
		printf("%s%u", FIELD("seg_frames"), ev->seg_frames);
	if (ev->has[SEALCAM_A_SEG_MS])
		printf("%s%u", FIELD("seg_ms"), ev->seg_ms);
	if (ev->has[SEALCAM_A_OPENS])
		printf("%s%" PRIu64, FIELD("opens"), ev->opens);
	if (ev->has[SEALCAM_A_PID])
		printf("%s%u", FIELD("pid"), ev->pid);
	if (ev->has[SEALCAM_A_UID])
		printf("%s%u", FIELD("uid"), ev->uid);
	if (ev->has[SEALCAM_A_COMM]) {
		printf("%s", FIELD("comm"));
		sc_json_fputs(stdout, ev->comm);
	}
#undef FIELD
	printf("%s\n", json ? "}" : "");
	fflush(stdout);
	return 0;
}

static int cmd_events(int argc, char **argv)
{
	const char *cmd = "events";
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec start, now;
	struct opt_result o;
	long seen = 0, left_ms;
	struct sc_nl nl;
	int ret;

	ret = parse_args(cmd, events_help, OPT_JSON | OPT_EVENTS, argc, argv,
			 &o, NULL, 0, 0);
	if (ret < 0)
		return opts_exit(ret);
	ret = open_nl(cmd, &nl);
	if (ret)
		return ret;
	ret = sc_nl_events_subscribe(&nl);
	if (ret) {
		report(cmd, &nl, ret);
		sc_nl_close(&nl);
		return SC_EXIT_FAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop_events && (o.count < 0 || seen < o.count)) {
		left_ms = -1;
		if (o.timeout >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left_ms = o.timeout * 1000 -
				  ((now.tv_sec - start.tv_sec) * 1000 +
				   (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left_ms <= 0)
				break;
		}
		ret = sc_nl_events_wait(&nl, (int)left_ms, print_event, &o.json);
		if (ret == -EINTR)
			continue;
		if (ret == -ENOBUFS) {
			fprintf(stderr, "%s: %s: events were lost (reader too slow)\n",
				progname, cmd);
			sc_nl_close(&nl);
			return SC_EXIT_FAIL;
		}
		if (ret < 0) {
			report(cmd, &nl, ret);
			sc_nl_close(&nl);
			return SC_EXIT_FAIL;
		}
		seen += ret;
	}
	sc_nl_close(&nl);
	return SC_EXIT_OK;
}

/* ---- main ---- */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "genkey", cmd_genkey },
	{ "pubkey", cmd_pubkey },
	{ "key", cmd_key },
	{ "device-key", cmd_device_key },
	{ "status", cmd_status },
	{ "segment", cmd_segment },
	{ "rotate", cmd_rotate },
	{ "unseal", cmd_unseal },
	{ "fetch", cmd_fetch },
	{ "view", cmd_view },
	{ "events", cmd_events },
	{ "audit", cmd_audit_main },
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (keyfmt_init()) {
		fprintf(stderr, "%s: cannot initialise libsodium\n", progname);
		return SC_EXIT_FAIL;
	}
	if (argc < 2) {
		fputs(main_help, stderr);
		return SC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sealcam %s\n", SEALCAM_VERSION);
		return SC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(main_help, stdout);
		return SC_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\nTry '%s --help'.\n",
		progname, argv[1], progname);
	return SC_EXIT_USAGE;
}
