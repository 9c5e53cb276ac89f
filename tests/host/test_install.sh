#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_install.sh - `make install` (PREFIX, DESTDIR) and `make install-dkms`
# put every file where the units, man and DKMS look for it; --version on
# every program is debian/changelog's version; the man pages are generated
# from --help and render without a groff warning; the units keep the audit
# state and the agent's state apart.
set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$root/tests/lib/tap.sh"
cd "$root"
tmp=${SEALCAM_TMP:-$(mktemp -d)}
command -v groff >/dev/null || tap_missing groff
command -v systemd-analyze >/dev/null || tap_missing systemd-analyze

tap_plan 17
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)

for p in sealcam sealcam-agent sealcam-auditd; do
	tap_ok "$p --version is '$p $version' (debian/changelog)" \
		test "$(build/$p --version)" = "$p $version"
done

d=$tmp/usr-local
make -s install DESTDIR="$d" >"$tmp/install.log" 2>&1
tap_ok "make install (PREFIX=/usr/local): programs, man pages, units, sysusers, tmpfiles" \
	ls "$d/usr/local/bin/sealcam" "$d/usr/local/sbin/sealcam-agent" \
	"$d/usr/local/sbin/sealcam-auditd" "$d/usr/local/libexec/sealcam/keys" \
	"$d/usr/local/share/man/man1/sealcam.1" "$d/usr/local/share/man/man8/sealcam-agent.8" \
	"$d/usr/local/share/man/man8/sealcam-auditd.8" \
	"$d/etc/systemd/system/sealcam-auditd.service" "$d/etc/systemd/system/sealcam-agent.service" \
	"$d/etc/systemd/system/sealcam-keys.service" "$d/etc/sysusers.d/sealcam.conf" \
	"$d/etc/tmpfiles.d/sealcam.conf"
tap_ok "PREFIX=/usr/local: units run the installed programs" bash -c \
	"grep -h '^Exec' $d/etc/systemd/system/*.service | grep -v -e '=/usr/local/sbin/sealcam-' -e '=/usr/local/libexec/sealcam/keys ' | grep . && exit 1 || exit 0"
tap_ok "the keys helper calls the installed sealcam" grep -q '^sealcam=/usr/local/bin/sealcam$' \
	"$d/usr/local/libexec/sealcam/keys"

u=$tmp/usr
make -s install PREFIX=/usr DESTDIR="$u" >>"$tmp/install.log" 2>&1
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
tap_ok "PREFIX=/usr: units in systemd's own directory ($unitdir), Exec in /usr" bash -c \
	"grep -h '^Exec' $u$unitdir/*.service | grep -v -e '=/usr/sbin/sealcam-' -e '=/usr/libexec/sealcam/keys ' | grep . && exit 1 || exit 0"
tap_ok "no @placeholder@ left in any installed unit or script" bash -c \
	"! grep -rn '@[a-z]*@' $u$unitdir $u/usr/libexec/sealcam"

k=$tmp/dkms
make -s install-dkms DESTDIR="$k" >>"$tmp/install.log" 2>&1
src=$k/usr/src/sealcam-${version%-*}
# every kmod/ source but kmod/uvc/ (built into uvcvideo.ko, never by DKMS)
tap_ok "make install-dkms: Kbuild, every kmod/ source Kbuild builds from, dkms.conf" bash -c \
	"test -f $src/Kbuild && test -f $src/kmod/uapi/sealcam.h && \
	 diff <(cd kmod && find . -path ./uvc -prune -o -name '*.[ch]' -print | sort) \
	      <(cd $src/kmod && find . -type f | sort) && \
	 grep -qx 'PACKAGE_VERSION=\"${version%-*}\"' $src/dkms.conf && grep -qx 'BUILT_MODULE_NAME\[0\]=\"sealcam\"' $src/dkms.conf"

# the DKMS tree builds on its own, as DKMS builds it (against this host's
# kernel headers)
kdir=$(make -s -p -q 2>/dev/null | sed -n 's/^KDIR := //p' | head -n1)
[ -n "$kdir" ] || kdir=$(ls -d /lib/modules/*/build 2>/dev/null | head -n1)
tap_ok "the installed DKMS tree builds sealcam.ko alone (make -C $kdir M=...)" bash -c \
	"make -C $kdir M=$src modules >$tmp/dkms-build.log 2>&1 && test -f $src/sealcam.ko || { tail -n 20 $tmp/dkms-build.log; exit 1; }"

# man pages: rendered without warnings, and they carry what --help says
for m in sealcam.1 sealcam-agent.8 sealcam-auditd.8; do
	tap_ok "man page $m renders without a groff warning" bash -c \
		"w=\$(groff -man -ww -z -Tutf8 build/man/$m 2>&1); echo \"\$w\"; [ -z \"\$w\" ]"
done
tap_ok "sealcam.1 has every command's own help (e.g. unseal's exit codes, audit verify)" bash -c \
	"man -l build/man/sealcam.1 2>/dev/null | grep -q 'sealcam unseal' && man -l build/man/sealcam.1 2>/dev/null | grep -q 'audit verify'"
# a program without --version cannot make a man page
printf '#!/bin/sh\necho "NAME"\necho "    x - y"\n' >"$tmp/noversion"
chmod +x "$tmp/noversion"
tap_ok "help2man.sh refuses a program without a '--version' line of its own" bash -c \
	"! scripts/help2man.sh $tmp/noversion 1 >/dev/null 2>&1"

# state directories: the agent's unit must never own the audit state
ag=$u$unitdir/sealcam-agent.service
ad=$u$unitdir/sealcam-auditd.service
tap_ok "agent: StateDirectory only sealcam-agent, user sealcam, no capability" bash -c \
	"[ \"\$(grep '^StateDirectory=' $ag)\" = StateDirectory=sealcam-agent ] && grep -qx 'User=sealcam' $ag && grep -qx 'CapabilityBoundingSet=' $ag && grep -qx NoNewPrivileges=yes $ag && grep -qx ProtectSystem=strict $ag"
tap_ok "auditd: Type=notify, StateDirectory sealcam/audit 0700, hardened" bash -c \
	"grep -qx Type=notify $ad && grep -qx StateDirectory=sealcam/audit $ad && grep -qx StateDirectoryMode=0700 $ad && grep -qx NoNewPrivileges=yes $ad && grep -qx ProtectSystem=strict $ad && grep -q '^CapabilityBoundingSet=CAP_' $ad"
tap_done
