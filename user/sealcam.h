/* SPDX-License-Identifier: MIT */
/*
 * The sealcam command-line tool: user/sealcam.c parses the command line and
 * dispatches; each subcommand is a function taking the arguments from its
 * own name on (argv[0] is "genkey", "unseal", ...) and returning the exit
 * status. Subcommands handle their own --help.
 *
 * Exit status shared by all subcommands: 0 success, 1 failure, 2 usage
 * error; unseal adds its own codes above 2 (see its --help).
 */
#ifndef SEALCAM_CLI_H
#define SEALCAM_CLI_H

#define SC_EXIT_OK 0
#define SC_EXIT_FAIL 1
#define SC_EXIT_USAGE 2

/* Implemented with libsealcam (user/unseal.c and its neighbours). */
int cmd_genkey(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_unseal(int argc, char **argv);
/* Segments from the agent's store, unsealed by cmd_unseal (user/fetch.c). */
int cmd_fetch(int argc, char **argv);
/* The live view from the MQTT relay (user/view.c, docs/LIVE.md). */
int cmd_view(int argc, char **argv);

/*
 * unseal's options for its checks, as getopt_long rows (include
 * <getopt.h>): `sealcam fetch` takes the same and passes them on.
 */
#define SC_UNSEAL_CHECK_OPTIONS \
	{ "expect-device", required_argument, NULL, 'd' }, \
	{ "pin-device", required_argument, NULL, 'P' }, \
	{ "known-devices", required_argument, NULL, 'K' }, \
	{ "no-record", no_argument, NULL, 'n' }, \
	{ "strict", no_argument, NULL, 's' }, \
	{ "expect-recipient", required_argument, NULL, 'r' }
#define SC_UNSEAL_CHECK_SHORTOPTS "d:P:K:nsr:"

#include <stdbool.h>

/* sealcam-agent's status file, shown by `sealcam status` (agentstatus.c) */
#define AGENT_STATUS_DEFAULT "/run/sealcam/agent.status"
/* Print the agent part of `sealcam status` (text, or one JSON value). */
int agent_status_show(const char *path, bool json);

#endif /* SEALCAM_CLI_H */
