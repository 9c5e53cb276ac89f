# SPDX-License-Identifier: GPL-2.0
# Installation rules, included from the top-level Makefile:
#
#   make install        the tools, daemons, man pages, systemd units,
#                       sysusers.d/tmpfiles.d entries and example configs
#                       under $(DESTDIR)$(PREFIX) (PREFIX=/usr/local)
#   make install-dkms   the module's source tree for DKMS under
#                       $(DESTDIR)/usr/src/sealcam-$(UPSTREAM_VERSION)/
#   make man            build/man/*.1, *.8 from the programs' --help
#
# The version comes from debian/changelog (one place), e.g. 0.1.0-1; it is
# what every program's --version prints.  debian/rules calls these targets
# with PREFIX=/usr.

SEALCAM_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
UPSTREAM_VERSION := $(shell echo '$(SEALCAM_VERSION)' | sed 's/-[^-]*$$//')

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
SBINDIR := $(PREFIX)/sbin
LIBEXECDIR := $(PREFIX)/libexec/sealcam
MANDIR := $(PREFIX)/share/man
DOCDIR := $(PREFIX)/share/doc/sealcam
# units, sysusers and tmpfiles go where systemd looks for the PREFIX: the
# distribution's directories (pkg-config systemd: /lib/systemd/system on
# Debian 12, /usr/lib/systemd/system on 13) for PREFIX=/usr, /etc otherwise
# (systemd 252 does not read /usr/local/lib/systemd/system); each one can
# be given on the command line.
ifeq ($(PREFIX),/usr)
UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
else
UNITDIR ?= /etc/systemd/system
SYSUSERSDIR ?= /etc/sysusers.d
TMPFILESDIR ?= /etc/tmpfiles.d
endif
SYSCONFDIR ?= /etc
INSTALL ?= install

UNITS_IN := $(wildcard scripts/systemd/*.service.in)
UNITS := $(UNITS_IN:scripts/systemd/%.in=$(BUILD)/systemd/%)
MANPAGES := $(BUILD)/man/sealcam.1 $(BUILD)/man/sealcam-agent.8 \
	    $(BUILD)/man/sealcam-auditd.8

# the version, generated: a change of debian/changelog rebuilds its users
$(BUILD)/gen/sealcam_version.h: debian/changelog
	@mkdir -p $(dir $@)
	printf '#define SEALCAM_VERSION "%s"\n' '$(SEALCAM_VERSION)' >$@
CFLAGS += -I$(BUILD)/gen
$(BUILD)/user/sealcam.o $(BUILD)/user/auditd/auditd.o $(BUILD)/user/agent/config.o: \
	$(BUILD)/gen/sealcam_version.h

# regenerated every time: PREFIX may differ from the last run
.PHONY: FORCE
$(BUILD)/systemd/%: scripts/systemd/%.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@prefix@|$(PREFIX)|g' -e 's|@bindir@|$(BINDIR)|g' \
	    -e 's|@sbindir@|$(SBINDIR)|g' -e 's|@libexecdir@|$(LIBEXECDIR)|g' \
	    -e 's|@version@|$(SEALCAM_VERSION)|g' $< >$@

$(BUILD)/man/sealcam.1: $(BUILD)/sealcam scripts/help2man.sh
	@mkdir -p $(dir $@)
	scripts/help2man.sh $< 1 >$@
$(BUILD)/man/sealcam-agent.8: $(BUILD)/sealcam-agent scripts/help2man.sh
	@mkdir -p $(dir $@)
	scripts/help2man.sh $< 8 >$@
$(BUILD)/man/sealcam-auditd.8: $(BUILD)/sealcam-auditd scripts/help2man.sh
	@mkdir -p $(dir $@)
	scripts/help2man.sh $< 8 >$@

.PHONY: man units install install-user install-dkms
man: $(MANPAGES)
units: $(UNITS) $(BUILD)/systemd/keys

$(BUILD)/systemd/keys: scripts/systemd/sealcam-keys.sh.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@bindir@|$(BINDIR)|g' $< >$@

install: install-user

install-user: user $(BUILD)/sealcam-auditd man units
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 $(BUILD)/sealcam $(DESTDIR)$(BINDIR)/sealcam
	$(INSTALL) -m 0755 $(BUILD)/sealcam-agent $(DESTDIR)$(SBINDIR)/sealcam-agent
	$(INSTALL) -m 0755 $(BUILD)/sealcam-auditd $(DESTDIR)$(SBINDIR)/sealcam-auditd
	$(INSTALL) -m 0755 $(BUILD)/systemd/keys $(DESTDIR)$(LIBEXECDIR)/keys
	$(INSTALL) -m 0644 $(BUILD)/man/sealcam.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(BUILD)/man/sealcam-agent.8 $(BUILD)/man/sealcam-auditd.8 \
		$(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 scripts/systemd/sealcam.sysusers $(DESTDIR)$(SYSUSERSDIR)/sealcam.conf
	$(INSTALL) -m 0644 scripts/systemd/sealcam.tmpfiles $(DESTDIR)$(TMPFILESDIR)/sealcam.conf
	$(INSTALL) -m 0644 scripts/systemd/agent.conf scripts/systemd/auditd.conf \
		$(DESTDIR)$(DOCDIR)/examples/

# the module's sources and dkms.conf: what DKMS builds for every kernel
DKMS_SRC := $(DESTDIR)/usr/src/sealcam-$(UPSTREAM_VERSION)
# kmod/'s sources but kmod/uvc/: that glue is built into uvcvideo.ko from
# the kernel's own source (scripts/build-uvc.sh, `make uvc`), never by Kbuild
DKMS_KMOD_SRCS := find kmod -path kmod/uvc -prune -o -name '*.[ch]' -print
install-dkms:
	$(INSTALL) -d $(DKMS_SRC)
	$(INSTALL) -m 0644 Kbuild $(DKMS_SRC)/Kbuild
	$(DKMS_KMOD_SRCS) | while read -r f; do \
		$(INSTALL) -D -m 0644 "$$f" "$(DKMS_SRC)/$$f" || exit; done
	# what kmod/ includes from outside it (the RFC 9180 vectors of the
	# self-test at load)
	for f in $$($(DKMS_KMOD_SRCS) | xargs sed -n 's|^#include "\.\./\(.*\)"$$|\1|p' | sort -u); do \
		$(INSTALL) -D -m 0644 "$$f" "$(DKMS_SRC)/$$f" || exit; done
	sed -e 's|#MODULE_VERSION#|$(UPSTREAM_VERSION)|g' scripts/dkms.conf.in >$(DKMS_SRC)/dkms.conf
	chmod 0644 $(DKMS_SRC)/dkms.conf
