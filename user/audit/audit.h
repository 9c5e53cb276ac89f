/* SPDX-License-Identifier: MIT */
/* `sealcam audit`: argv[0] is "audit"; returns the exit status. */
#ifndef SEALCAM_AUDIT_H
#define SEALCAM_AUDIT_H

int cmd_audit(int argc, char **argv);

#endif /* SEALCAM_AUDIT_H */
