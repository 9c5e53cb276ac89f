# sealcam-agent build rules; included from the top-level Makefile:
#
#   include user/agent.mk
#
# Builds build/sealcam-agent from user/agent/*.c (kept out of user/*.c so the
# CLI's wildcard does not link them into build/sealcam) and libsealcam (its
# store client, user/libsealcam/store/, shared with `sealcam fetch`), and
# the agent's test helpers. Also usable on its own:
#   make -f Makefile -f user/agent.mk agent

AGENT_SRCS := $(wildcard user/agent/*.c)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/%.o)
AGENT_LIBS = $(PKG_LIBS) $(STORE_LIBS) $(LIVE_LIBS) -pthread
AGENT_TEST_TOOLS := $(BUILD)/tests/agent/sc-mkseg

# messages and paths are cut to their buffers on purpose
$(AGENT_OBJS): CFLAGS += -Wno-format-truncation

.PHONY: agent
agent: $(BUILD)/sealcam-agent $(AGENT_TEST_TOOLS)

user: $(BUILD)/sealcam-agent
tests: $(AGENT_TEST_TOOLS)

$(BUILD)/sealcam-agent: $(AGENT_OBJS) $(BUILD)/user/nl.o $(BUILD)/libsealcam.a
	$(CC) $(CFLAGS) -pthread -o $@ $^ $(AGENT_LIBS)

$(BUILD)/tests/agent/%: tests/agent/%.c $(BUILD)/libsealcam.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -o $@ $^ $(PKG_LIBS)

# host test of the spool: links the agent's pieces without main()
AGENT_TEST_OBJS := $(filter-out $(BUILD)/user/agent/main.o,$(AGENT_OBJS)) $(BUILD)/user/nl.o
tests: $(BUILD)/tests/host/test_agent_spool
agent: $(BUILD)/tests/host/test_agent_spool

$(BUILD)/tests/host/test_agent_spool: tests/agent/test_agent_spool.c $(AGENT_TEST_OBJS) $(BUILD)/libsealcam.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-format-truncation $(PKG_CFLAGS) -Itests -pthread -o $@ $^ $(AGENT_LIBS)

# benchmark helper: the RSS of the agent's libraries started as the agent does
tests: $(BUILD)/tests/agent/sc-rss-floor
agent: $(BUILD)/tests/agent/sc-rss-floor

$(BUILD)/tests/agent/sc-rss-floor: tests/agent/sc-rss-floor.c $(AGENT_TEST_OBJS) $(BUILD)/libsealcam.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -pthread -o $@ $^ $(AGENT_LIBS)

# test helper: the live path without a camera (tests/host/test_agent_live.sh)
tests: $(BUILD)/tests/agent/sc-live-pub
agent: $(BUILD)/tests/agent/sc-live-pub

$(BUILD)/tests/agent/sc-live-pub: tests/agent/sc-live-pub.c $(AGENT_TEST_OBJS) $(BUILD)/libsealcam.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iuser/agent $(PKG_CFLAGS) -pthread -o $@ $^ $(AGENT_LIBS)
