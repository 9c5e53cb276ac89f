# sealcam — top-level build.
#
#   make            sealcam.ko (via Kbuild) and the userspace tools in build/
#   make check      the whole test suite (README's test command; installs
#                   what it needs first)
#   make check-debug the VM suite under a debug kernel (KASAN, lockdep,
#                   kmemleak, UBSAN; scripts/check-debug.sh), not in check
#   make demo       the main job: seal a few seconds of video in a VM and
#                   unseal it into ./demo-out/
#   make checkpatch kernel style check of kmod/

KVER_HOST := $(shell uname -r)
# Build against the running kernel when it has a build tree, else the newest
# installed Debian 6.1 headers. KDIR= overrides.
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER_HOST)/build) \
	$(lastword $(sort $(wildcard /lib/modules/6.1.*-amd64/build))))

# BUILD=DIR puts every output under DIR (scripts/build-deb13.sh: build/deb13).
# The module of the default build is ./sealcam.ko; any other build compiles a
# copy of Kbuild and kmod/ (with the test vectors seal.c includes) in
# $(BUILD)/module, giving $(BUILD)/module/sealcam.ko: one checkout holds
# modules for two kernels.
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
	  -Ikmod/uapi -Iuser -Iuser/libsealcam
PKGS := libnl-genl-3.0 libsodium zlib libcrypto libjpeg
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# what a program that uses the store client (user/libsealcam/store/) adds
STORE_LIBS = $(shell pkg-config --libs libcurl libcrypto 2>/dev/null || echo -lcurl -lcrypto)
# live view (docs/LIVE.md): `sealcam view` (user/view.c) and the agent's
# --live publish and subscribe with libmosquitto
LIVE_LIBS = -lmosquitto -pthread

# libsealcam: the sealed format, HPKE, the writers, the INI reader and the
# store client (store/, which needs libcurl and libcrypto only in programs
# that call it: sealcam and sealcam-agent)
LIB_SRCS := $(wildcard user/libsealcam/*.c user/libsealcam/store/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS := $(wildcard user/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
# what tests link: the format library and the CLI's pieces, without main()
# and without `sealcam fetch` (fetch*.o: what needs the store client)
TEST_LIBS := $(filter-out $(BUILD)/user/sealcam.o $(BUILD)/user/fetch%.o $(BUILD)/user/view.o,$(CLI_OBJS)) \
	     $(BUILD)/libsealcam.a

HOST_TEST_SRCS := $(wildcard tests/host/*.c)
HOST_TESTS := $(HOST_TEST_SRCS:tests/host/%.c=$(BUILD)/tests/host/%)
VM_TEST_SRCS := $(wildcard tests/vm/*.c)
VM_TESTS := $(VM_TEST_SRCS:tests/vm/%.c=$(BUILD)/tests/vm/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)
KSFT_DIR := $(BUILD)/linux-src/tools/testing/selftests

.PHONY: all module user tests check check-long check-debug demo checkpatch clean

all: module user

module:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run scripts/setup.sh or set KDIR=" >&2; exit 1; }
ifeq ($(BUILD),build)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
else
	@mkdir -p $(BUILD)/module/tests
	cp -pRu Kbuild kmod $(BUILD)/module/
	cp -pRu tests/vectors $(BUILD)/module/tests/
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD)/module) modules
endif

user: $(BUILD)/sealcam

# issue 15: uvcvideo with sealcam's patch, built from Debian's linux-source
# (scripts/build-uvc.sh) into $(BUILD)/uvc/uvcvideo.ko, after the sealcam.ko
# of the same build (whose Module.symvers it links against)
.PHONY: uvc
all: uvc
uvc: module
	BUILD=$(BUILD) KDIR=$(KDIR) scripts/build-uvc.sh

$(BUILD)/sealcam: $(CLI_OBJS) $(BUILD)/libsealcam.a
	$(CC) $(CFLAGS) -pthread -o $@ $^ $(PKG_LIBS) $(STORE_LIBS) $(LIVE_LIBS)

$(BUILD)/libsealcam.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# messages and paths are cut to their buffers on purpose
$(filter $(BUILD)/user/libsealcam/store/%,$(LIB_OBJS)): CFLAGS += -Wno-format-truncation

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(KSFT_DIR)/kselftest_harness.h:
	scripts/kselftest.sh

$(BUILD)/tests/host/%: tests/host/%.c $(TEST_LIBS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -I$(KSFT_DIR) -Itests -o $@ $< $(TEST_LIBS) $(PKG_LIBS)

$(BUILD)/tests/vm/%: tests/vm/%.c $(TEST_LIBS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -I$(KSFT_DIR) -Itests -pthread -o $@ $< $(TEST_LIBS) $(PKG_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -pthread -o $@ $< $(TEST_LIBS) $(PKG_LIBS)

tests: all $(HOST_TESTS) $(VM_TESTS) $(TOOLS)

# run-tests.sh installs what is missing (scripts/setup.sh), builds, tests
check:
	bash tests/run-tests.sh

check-long:
	SEALCAM_LONG=1 $(MAKE) check

check-debug:
	bash scripts/check-debug.sh

demo:
	bash scripts/setup.sh
	bash scripts/demo.sh

checkpatch: $(KSFT_DIR)/kselftest_harness.h
	$(BUILD)/linux-src/scripts/checkpatch.pl --strict --no-tree --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f \
		$(wildcard kmod/*.c kmod/*.h kmod/uapi/*.h kmod/include/*.h)

clean:
	rm -rf $(BUILD)
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)

include bpf/bpf.mk
include user/audit.mk
include user/agent.mk
# make install, install-dkms, man, units (scripts/install.mk)
include scripts/install.mk

-include $(shell find $(BUILD) -path $(BUILD)/deb13 -prune -o -type f -name '*.d' -print 2>/dev/null)
