#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest.sh - the device test's driver inside the Debian image
# (tests/host/test_device.sh boots it; sealcam-devtest.service runs this at
# every boot from the 9p share /mnt/devtest).  Two boots:
#   boot 1: README's "Using it on a device" commands (work/readme.sh: apt
#           installs the two .debs, DKMS builds the module, the owner key,
#           audit init, systemctl enable --now), first checks, reboot
#   boot 2: after the reboot: module with the owner key, services, segments
#           in the file:// store, audit verify, the agent's user against the
#           audit state; then apt remove (state kept) and apt purge
#           (nothing left); poweroff
# Results: one "ok DESC" / "not ok DESC" line per check in out/results
# (the host turns them into TAP), diagnostics in out/diag.  Every wait is
# on an event (systemctl start returns when the unit is up; the agent's
# journal line for a confirmed upload), bounded by a timeout.
set -u
share=/mnt/devtest
out=$share/out
work=$share/work
phase_file=/var/lib/sealcam-devtest-phase
mkdir -p "$out"
phase=$(cat "$phase_file" 2>/dev/null || echo 1)

check() {	# check DESC CMD...: run CMD, record the result
	local desc=$1 o
	shift
	# what runs now, with the guest's uptime: a run cut by the host's
	# timeout shows where it was
	echo "$(cut -d' ' -f1 /proc/uptime) s: $desc" >>"$out/progress"
	if o=$("$@" 2>&1); then
		echo "ok $desc" >>"$out/results"
	else
		echo "not ok $desc" >>"$out/results"
		{ echo "== $desc: $*"; echo "$o"; } >>"$out/diag"
	fi
}

as_agent() { runuser -u sealcam -- "$@"; }
# denied CMD...: CMD, run as the agent's user, is refused by the kernel's
# permission check (not failing for another reason, e.g. no such user)
denied() {
	local o
	getent passwd sealcam >/dev/null || { echo "no user sealcam"; return 1; }
	if o=$(as_agent "$@" 2>&1); then echo "allowed: $o"; return 1; fi
	echo "$o"
	case $o in *"Permission denied"*) return 0 ;; esac
	return 1
}
agent_pid() { systemctl show -p MainPID --value sealcam-agent; }

# await_upload TIMEOUT [MIN_ID]: the agent's journal line for a confirmed
# upload of a segment (with an id of at least MIN_ID), awaited
await_upload() {
	local line id
	while IFS= read -r line; do
		id=$(echo "$line" | sed -n 's|.*segments/0*\([0-9][0-9]*\)\.sealed.*|\1|p')
		[ -n "$id" ] || continue
		[ "$id" -ge "${2:-0}" ] && { echo "$line"; return 0; }
	done < <(exec timeout "$1" journalctl -b -u sealcam-agent -f -n all -o cat |
		grep --line-buffered 'uploaded .*segments/.*confirmed')
	return 1
}

leftovers() {	# every file of sealcam outside the share and the test's unit
	find / -xdev \( -path /mnt/devtest -o -path /proc -o -path /sys \) -prune -o \
		-name '*sealcam*' -print | grep -v -e sealcam-devtest -e '^/mnt/devtest$'
	getent passwd sealcam; getent group sealcam
	ls /var/lib/dkms/sealcam 2>/dev/null
	return 0
}

case $phase in
1)
	echo "guest: boot 1, kernel $(uname -r)" >>"$out/diag"
	# README's commands as typed, without a terminal to answer apt's prompt
	echo 'APT::Get::Assume-Yes "true";' >/etc/apt/apt.conf.d/90sealcam-devtest
	export DEBIAN_FRONTEND=noninteractive
	uname -r >"$out/kver"
	check "README's device commands run (apt install, DKMS build, owner key, audit init, enable --now)" \
		bash -c "cd '$work' && bash -ex readme.sh"
	check "dpkg: sealcam and sealcam-dkms installed" \
		bash -c "dpkg -s sealcam sealcam-dkms | grep -c '^Status: install ok installed' | grep -qx 2"
	check "DKMS built and installed sealcam.ko for the running kernel" \
		bash -c "dkms status sealcam | grep -q \"$(uname -r).*installed\" && modinfo -n sealcam | grep -q updates/dkms"
	check "--version on every program" bash -c \
		"sealcam --version && sealcam-agent --version && sealcam-auditd --version"
	check "man pages installed" bash -c \
		"dpkg -L sealcam | grep -c -e 'man1/sealcam.1.gz' -e 'man8/sealcam-agent.8.gz' -e 'man8/sealcam-auditd.8.gz' | grep -qx 3"
	check "systemd-analyze verify: the installed units are clean" bash -c \
		"o=\$(systemd-analyze verify --man=no sealcam-auditd.service sealcam-keys.service sealcam-agent.service 2>&1); echo \"\$o\"; [ -z \"\$o\" ]"
	for u in sealcam-auditd sealcam-keys sealcam-agent; do
		systemd-analyze security "$u.service" >"$out/security-$u.txt" 2>&1
	done
	check "boot 1: three services active" systemctl is-active sealcam-auditd sealcam-keys sealcam-agent
	check "boot 1: a segment uploaded to the file:// store" await_upload 600
	sealcam device-key --id >"$out/devkey-1" 2>&1
	# the largest segment id of this boot: the agent's segment files (spool
	# and store, ...-SEGMENT-ID.sealed) once it has stopped
	systemctl stop sealcam-agent
	find /var/lib/sealcam-agent -name '*.sealed' | grep -o '[0-9]\{20\}\.sealed$' |
		sed 's/^0*\([0-9]\)/\1/; s/\.sealed$//' | sort -n | tail -n1 >"$out/maxid-1"
	echo 2 >"$phase_file"
	sync
	systemctl reboot
	;;
2)
	echo "guest: boot 2, kernel $(uname -r)" >>"$out/diag"
	store=/var/lib/sealcam-agent/store
	check "after reboot: sealcam-keys active (module loaded, keys installed)" systemctl is-active sealcam-keys
	check "after reboot: sealcam.ko loaded" test -d /sys/module/sealcam
	sealcam key list >"$out/keylist-2" 2>&1
	check "after reboot: the owner key from /etc/sealcam/keys is a recipient" \
		bash -c "sealcam key list | grep -q owner"
	check "after reboot: the device key is the one of boot 1" \
		bash -c "[ \"\$(sealcam device-key --id)\" = \"\$(cat $out/devkey-1)\" ]"
	check "after reboot: the module was loaded with the saved segment floor" \
		bash -c "f=\$(cat /sys/module/sealcam/parameters/segment_floor); [ \"\$f\" -gt 0 ]"
	check "after reboot: sealcam-auditd active (Type=notify: probe attached)" systemctl is-active sealcam-auditd
	check "after reboot: sealcam-agent active" systemctl is-active sealcam-agent
	check "after reboot: a segment of this boot (id >= the floor) uploaded to the file:// store" \
		await_upload 600 "$(cat /sys/module/sealcam/parameters/segment_floor)"
	check "after reboot: the floor is above every segment id of boot 1" bash -c \
		"f=\$(cat /sys/module/sealcam/parameters/segment_floor); m=\$(cat $out/maxid-1); echo floor \$f max \$m; [ \"\$m\" -gt 0 ] && [ \"\$f\" -gt \"\$m\" ]"
	check "the agent runs as sealcam with no capability" bash -c \
		"p=\$(systemctl show -p MainPID --value sealcam-agent); [ \"\$(stat -c %U /proc/\$p)\" = sealcam ] && grep -q '^CapEff:.0000000000000000' /proc/\$p/status"
	check "audit state is root's, mode 0700" bash -c \
		"[ \"\$(stat -c '%U %a' /var/lib/sealcam/audit)\" = 'root 700' ]"
	check "the agent's user cannot read the audit log" denied cat /var/lib/sealcam/audit/audit.log
	check "the agent's user cannot read seal.state" denied cat /var/lib/sealcam/audit/seal.state
	check "the agent's user cannot list the audit state" denied ls /var/lib/sealcam/audit
	check "the agent's user cannot write into the audit state" denied touch /var/lib/sealcam/audit/x
	check "the agent's user cannot replace the audit directory" denied mv /var/lib/sealcam/audit /var/lib/sealcam/a2
	check "the agent's user cannot read the device key" denied cat /var/lib/sealcam/device.key
	check "the agent's own state is its own" bash -c \
		"[ \"\$(stat -c %U /var/lib/sealcam-agent)\" = sealcam ]"
	check "the audit log records the agent's camera open" bash -c \
		"sealcam audit show | grep sealcam-agent"
	check "sealcam audit verify: ok (owner's verification key)" \
		sealcam audit verify --verify-key "$work/audit-verify.key"
	# segments for the owner, unsealed on the host
	# (finished objects only: the agent writes each as a .tmp-* file first)
	mkdir -p "$out/store" &&
		(cd "$store" && find . -name '[!.]*.sealed' -exec cp --parents {} "$out/store/" \;)
	# apt remove: no module, no unit, no program; state and config kept
	check "apt remove sealcam sealcam-dkms" apt-get remove -y -q sealcam sealcam-dkms
	check "remove: no sealcam service runs" bash -c \
		"! systemctl is-active -q sealcam-auditd sealcam-keys sealcam-agent && ! pgrep -x sealcam-agent && ! pgrep -x sealcam-auditd"
	check "remove: module unloaded and gone from /lib/modules" bash -c \
		"[ ! -d /sys/module/sealcam ] && [ -z \"\$(find /lib/modules -name 'sealcam.ko*')\" ]"
	check "remove: no unit file, program or DKMS source left" bash -c \
		"! ls /lib/systemd/system/sealcam-* /usr/lib/systemd/system/sealcam-* /usr/bin/sealcam /usr/sbin/sealcam-* /usr/src/sealcam-* 2>/dev/null | grep ."
	check "remove: state kept (audit log, key, agent store, owner key)" bash -c \
		"test -s /var/lib/sealcam/audit/seal.state && test -s /var/lib/sealcam/device.key && test -d /var/lib/sealcam-agent/store && test -s /etc/sealcam/keys/owner.pub"
	check "apt purge sealcam sealcam-dkms" apt-get purge -y -q sealcam sealcam-dkms
	check "purge: no file, directory, link, user or group of sealcam left" bash -c \
		"l=\$(leftovers); echo \"\$l\"; [ -z \"\$l\" ]"
	echo done >"$out/finished"
	sync
	systemctl poweroff
	;;
esac
