#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_device.sh - sealcam installed like a product on a Debian device
# (issue 16): boots the Debian image of scripts/device-image.sh under QEMU
# (systemd as PID 1, the distribution's kernel; the accelerator is the one
# scripts/vm-run decides), and tests/device/guest.sh, run at every boot from
# a 9p share, does README's "Using it on a device" commands (the blocks
# marked <!-- device-test: -->: apt installs the two .debs built here by
# scripts/build-debs.sh, DKMS builds the module, the owner key, audit init,
# enable --now), reboots, checks the device after the reboot (module with
# the owner key, services, segments in the file:// store, audit verify, the
# agent's user against the audit state), then apt remove and apt purge.
# The host then unseals every uploaded segment with the owner's key.
#
#   SEALCAM_DEVICE_SUITES  images to test (default "trixie": Debian 13, the
#                          stable release; "bookworm trixie" tests both, and
#                          adds 10-25 min under TCG: run by hand, not in make
#                          check, to keep CI inside its 90 minutes)
#   SEALCAM_DEVICE_TIMEOUT seconds for one image's whole run (default 3600)
set -uo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$root/tests/lib/tap.sh"
cd "$root"

suites=${SEALCAM_DEVICE_SUITES:-trixie}
tmp=${SEALCAM_TMP:-$(mktemp -d)}
sc=$root/build/sealcam
for t in qemu-system-x86_64 dpkg-buildpackage dpkg-checkbuilddeps lintian debugfs "$sc"; do
	command -v "$t" >/dev/null || tap_missing "$t"
done

echo "TAP version 13"
start=$SECONDS

# the packages, built from this tree (lintian clean)
if out=$(scripts/build-debs.sh "$tmp/debs" 2>&1); then
	tap_pass "scripts/build-debs.sh: two packages, lintian clean"
else
	tap_fail "scripts/build-debs.sh: two packages, lintian clean"
	tap_diag "$out"
	tap_done
fi

# the owner, on the host
(umask 077; "$sc" genkey >"$tmp/owner.key") && "$sc" pubkey <"$tmp/owner.key" >"$tmp/owner.pub"

# README's device commands: every block after a <!-- device-test: --> line
awk '/^<!-- device-test: -->$/ { want = 1; next }
     want && /^```/ { if (inside) { want = 0; inside = 0 } else inside = 1; next }
     inside { print }' README.md >"$tmp/readme.sh"
tap_check "README: device-test blocks found (apt install, owner key, enable, verify)" \
	grep -q -e '^apt install' -e 'systemctl enable' "$tmp/readme.sh"
tap_diag "README commands run in the guest:" "$(cat "$tmp/readme.sh")"

accel=$(scripts/vm-run --decide-accel 2>&1 | grep -o 'accel \(kvm\|tcg\)' | head -n1)
accel=${accel#accel }
[ -n "$accel" ] || accel=tcg
tap_diag "accelerator: $accel ($(scripts/vm-run --decide-accel 2>&1 | head -n1))"

run_suite() {
	local suite=$1 img share t0 rc n
	t0=$SECONDS
	if ! img=$(scripts/device-image.sh --path "$suite" 2>&1); then
		tap_fail "missing: Debian $suite device image: $img"
		return
	fi
	share=$tmp/$suite
	rm -rf "$share"
	mkdir -p "$share/work" "$share/out" "$share/image-dpkg"
	# apt in the guest is offline: the image must already hold every
	# package the two .debs depend on (dpkg-shlibdeps names one for each
	# library the programs link).  Checked against the image's dpkg
	# database before booting it: a missing one is named here in seconds,
	# not as an apt error in the guest's log after a 20-minute run.
	local deb deps out missing=""
	if debugfs -R 'cat /var/lib/dpkg/status' "$img/root.ext4" \
		>"$share/image-dpkg/status" 2>"$share/image-dpkg/err" &&
		[ -s "$share/image-dpkg/status" ]; then
		for deb in "$tmp"/debs/sealcam*.deb; do
			deps=$(dpkg-deb -f "$deb" Depends)
			out=$(dpkg-checkbuilddeps --admindir="$share/image-dpkg" -d "$deps" /dev/null 2>&1) ||
				missing+="${deb##*/} depends on what the image lacks: ${out#*dependencies: }"$'\n'
		done
	else
		missing="cannot read the image's dpkg status: $(cat "$share/image-dpkg/err")"
	fi
	if [ -n "$missing" ]; then
		tap_fail "$suite: the image has every package the .debs depend on"
		tap_diag "$missing" "(scripts/device-image.sh's package list; scripts/setup.sh rebuilds the image)"
		return
	fi
	tap_pass "$suite: the image has every package the .debs depend on"
	cp "$root/tests/device/guest.sh" "$share/"
	cp "$tmp"/debs/sealcam*.deb "$tmp/owner.pub" "$tmp/readme.sh" "$share/work/"
	local qaccel=(-accel tcg -cpu max)
	[ "$accel" = kvm ] && qaccel=(-accel kvm -cpu host)
	# the guest powers off at the end (reboots in between): qemu's exit
	# is the event awaited. snapshot=on: the guest's writes go to a
	# temporary overlay (in TMPDIR) that lives as long as this qemu, across
	# the guest's reboot; the cached image stays as built.
	TMPDIR=$share timeout "${SEALCAM_DEVICE_TIMEOUT:-3600}" qemu-system-x86_64 "${qaccel[@]}" \
		-m 2G -smp 2 -nodefaults -display none -no-user-config \
		-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0" \
		-drive "file=$img/root.ext4,if=virtio,format=raw,snapshot=on" \
		-virtfs "local,path=$share,mount_tag=devtest,security_model=none,id=devtest" \
		-serial "file:$share/console.log" -nic none
	rc=$?
	tap_diag "Debian $suite ($(cat "$share/out/kver" 2>/dev/null)): qemu exit $rc after $((SECONDS - t0)) s"
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		"ok "*) tap_pass "$suite: ${line#ok }" ;;
		*) tap_fail "$suite: ${line#not ok }" ;;
		esac
	done <"$share/out/results" 2>/dev/null
	if [ -s "$share/out/diag" ]; then tap_diag "$(cat "$share/out/diag")"; fi
	if [ -f "$share/out/finished" ]; then
		tap_pass "$suite: the guest ran both boots to the end"
	else
		tap_fail "$suite: the guest ran both boots to the end ($n results)"
		tap_diag "last steps:" "$(tail -n 3 "$share/out/progress" 2>/dev/null)"
		tap_diag "console (last lines):" "$(tail -n 40 "$share/console.log" 2>/dev/null)"
	fi
	# the owner opens every uploaded segment (the device key pinned on first
	# use in the scratch directory)
	local segs=() s bad=0
	mapfile -t segs < <(find "$share/out/store" -name '*.sealed' -path '*/segments/*' 2>/dev/null | sort)
	for s in "${segs[@]}"; do
		"$sc" unseal --key "$tmp/owner.key" --known-devices "$share/known" \
			-o /dev/null "$s" >/dev/null 2>"$share/unseal.err"
		rc=$?
		# 5: truncated (the segment being recorded when the agent stopped)
		[ "$rc" = 0 ] || [ "$rc" = 5 ] || { bad=$((bad + 1)); tap_diag "$s: exit $rc: $(cat "$share/unseal.err")"; }
	done
	tap_check "$suite: the owner unseals all ${#segs[@]} uploaded segments (both boots, one device key)" \
		test "${#segs[@]}" -ge 2 -a "$bad" = 0
	for s in "$share"/out/security-*.txt; do
		[ -f "$s" ] && tap_diag "$(basename "$s" .txt): $(tail -n1 "$s")"
	done
}

for suite in $suites; do
	run_suite "$suite"
done
tap_diag "test_device: $((SECONDS - start)) s"
tap_done
exit
}
