# SPDX-License-Identifier: MIT
# Build rules for the camera-open audit (included by the top-level Makefile,
# after bpf/bpf.mk):
#   build/sealcam-auditd       the daemon (user/auditd/, the BPF skeleton)
#   build/libsealcam-audit.a   the log format, writer and verifier
#                              (user/audit/auditlog.c), linked into sealcam
#                              (`sealcam audit`, user/audit/audit.c), the
#                              daemon and the tests

AUDIT_LIB := $(BUILD)/libsealcam-audit.a
AUDIT_LIB_OBJS := $(BUILD)/user/audit/auditlog.o $(BUILD)/user/audit/chunk.o
AUDIT_CLI_OBJS := $(BUILD)/user/audit/audit.o
AUDITD_OBJS := $(BUILD)/user/auditd/auditd.o $(BUILD)/user/auditd/probe.o \
	       $(BUILD)/user/auditd/agentev.o
AUDITD_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
# sd_notify (Type=notify in its unit)
AUDITD_LIBS += $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)

$(AUDIT_LIB): $(AUDIT_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# the daemon's objects see the probe's shared header and its skeleton
$(AUDITD_OBJS): CFLAGS += -Ibpf -I$(BPF_OUT)
$(AUDITD_OBJS): $(BPF_OUT)/camopen.skel.h

$(BUILD)/sealcam-auditd: $(AUDITD_OBJS) $(AUDIT_LIB) $(BUILD)/user/nl.o \
		$(BUILD)/user/keyfmt.o $(BUILD)/libsealcam.a
	$(CC) $(CFLAGS) -o $@ $^ $(AUDITD_LIBS) $(PKG_LIBS)

# `sealcam audit`: extra objects for the CLI link (its recipe links $^)
$(BUILD)/sealcam: $(AUDIT_CLI_OBJS) $(AUDIT_LIB) $(BUILD)/libsealcam.a

# tests and tools may use the log library
TEST_LIBS += $(AUDIT_LIB)
$(HOST_TESTS) $(VM_TESTS) $(TOOLS): $(AUDIT_LIB)

# probe_toggle (bench-audit.sh) loads the probe itself, from the skeleton
$(BUILD)/tests/tools/probe_toggle: tests/tools/probe_toggle.c $(BPF_OUT)/camopen.skel.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ibpf -I$(BPF_OUT) -o $@ $< $(AUDITD_LIBS)

all: $(BUILD)/sealcam-auditd
tests: $(BUILD)/sealcam-auditd

# host test of the daemon's intake of the agent's drop records
tests: $(BUILD)/tests/host/test_agentev
$(BUILD)/tests/host/test_agentev: tests/agent/test_agentev.c \
		$(BUILD)/user/auditd/agentev.o $(AUDIT_LIB) $(BUILD)/libsealcam.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -o $@ $^ $(PKG_LIBS)
