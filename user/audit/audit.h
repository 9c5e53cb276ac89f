/* SPDX-License-Identifier: MIT */
/* `sealcam audit` (user/audit/audit.c): argv[0] is "audit"; returns the
 * exit status. */
#ifndef SEALCAM_AUDIT_H
#define SEALCAM_AUDIT_H

#include <stdio.h>

/*
 * Weak, so that build/sealcam still links where the audit objects are not
 * built in (a Makefile without user/audit.mk); cmd_audit_main() then says so.
 */
int cmd_audit(int argc, char **argv) __attribute__((weak));

static inline int cmd_audit_main(int argc, char **argv)
{
	if (!cmd_audit) {
		fputs("sealcam: this build has no audit support (user/audit.mk)\n",
		      stderr);
		return 1;
	}
	return cmd_audit(argc, argv);
}

#endif /* SEALCAM_AUDIT_H */
