#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_vm_accel.sh - scripts/vm-run's choice of accelerator, case by case,
# with tests/tools/fake-kvm-qemu first on PATH as the KVM of other machines:
#   - no KVM device: TCG at once
#   - qemu cannot start with KVM: TCG, with qemu's reason
#   - KVM starts but never boots Linux (nested): the probe boot gives up
#     within its deadline, TCG; the verdict is kept for this host boot
#   - KVM boots Linux: KVM; kept too
#   - SEALCAM_VM_ACCEL=kvm|tcg forces either without probing; anything
#     else is refused
#   - a real run whose boot hangs under KVM (kept verdict "kvm") is booted
#     once more under TCG, says so, and the kept verdict becomes TCG
# Every decision is checked on the one line vm-run prints about it.
# Each case boots at most one real (TCG) guest: about two minutes in all.

. "$(dirname "$0")/../lib/tap.sh"
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${SEALCAM_TMP:-$(mktemp -d)}
cd "$root" || exit 1

tap_plan 20

mkdir -p "$T/bin"
ln -s "$root/tests/tools/fake-kvm-qemu" "$T/bin/qemu-system-x86_64"
: >"$T/kvm"	# a KVM device that exists and is readable and writable
boot_id=$(cat /proc/sys/kernel/random/boot_id)

# decide CASE [VAR=VALUE...]: vm-run --decide-accel with its own verdict
# cache and the fake qemu; output in $T/CASE.out, time in $T/CASE.secs
decide() {
	local name=$1 t0=$SECONDS
	shift
	env PATH="$T/bin:$PATH" SEALCAM_VM_ACCEL_CACHE="$T/cache-$name" \
		SEALCAM_VM_KVM_DEV="$T/kvm" SEALCAM_FAKE_KVM_LOG="$T/$name.qemu" "$@" \
		scripts/vm-run --decide-accel >"$T/$name.out" 2>&1
	echo $? >"$T/$name.rc"
	echo $((SECONDS - t0)) >"$T/$name.secs"
}
line() { grep '^vm-run: accel' "$T/$1.out"; }
nlines() { grep -c '^vm-run: accel' "$T/$1.out"; }
show() { tap_diag "$1 ($(cat "$T/$1.secs") s): $(cat "$T/$1.out")"; }

# --- no KVM device ------------------------------------------------------------
decide absent SEALCAM_VM_KVM_DEV="$T/no-such-kvm"
show absent
tap_check "no KVM device: TCG, said in one line" \
	test "$(line absent)" = "vm-run: accel tcg: no $T/no-such-kvm on this host" -a "$(nlines absent)" = 1
tap_check "no KVM device: qemu never run, no time lost (<= 1 s)" \
	test ! -s "$T/absent.qemu" -a "$(cat "$T/absent.secs")" -le 1

# --- qemu cannot use KVM ------------------------------------------------------
decide broken SEALCAM_FAKE_KVM=broken
show broken
tap_check "qemu cannot start with KVM: TCG, with qemu's own error" \
	grep -qx "vm-run: accel tcg: qemu cannot start with KVM (Could not access KVM kernel module: Operation not supported)" "$T/broken.out"
tap_check "qemu cannot start with KVM: decided without a probe boot (one qemu call)" \
	test "$(grep -c . "$T/broken.qemu")" = 1 -a "$(cat "$T/broken.secs")" -le 2

# --- KVM that starts but never boots Linux ------------------------------------
decide hang SEALCAM_FAKE_KVM=hang SEALCAM_VM_KVM_PROBE_TIMEOUT=15
show hang
tap_check "KVM that hangs Linux: TCG, because the probe boot did not reach its command" \
	grep -qE "^vm-run: accel tcg: a probe boot of [^ ]+ under KVM did not reach its command within 15 s" "$T/hang.out"
tap_check "the probe passed qemu's start check first, then booted the real kernel under KVM" \
	sh -c "grep -q '^kvm .* -S ' '$T/hang.qemu' && grep -q '^kvm .*-kernel /boot/vmlinuz-' '$T/hang.qemu'"
tap_check "the probe costs its deadline and no more (<= 20 s for 15 s)" \
	test "$(cat "$T/hang.secs")" -le 20
no_fake_left() { ! pgrep -f -- "$T/bin/qemu-system" >/dev/null; }
tap_check "nothing of the hung probe is left running" no_fake_left
decide hang SEALCAM_FAKE_KVM=hang SEALCAM_VM_KVM_PROBE_TIMEOUT=15
show hang
tap_check "the verdict is kept for this host boot: the next run decides TCG at once, saying why" \
	sh -c "grep -qE '^vm-run: accel tcg: a probe boot .* \(verdict kept for this host boot in $T/cache-hang/$boot_id\)$' '$T/hang.out' &&
		test \$(cat '$T/hang.secs') -le 1"

# --- KVM that boots Linux -----------------------------------------------------
decide works SEALCAM_FAKE_KVM=works SEALCAM_VM_KVM_PROBE_TIMEOUT=240
show works
tap_check "KVM that boots Linux: KVM, because the probe boot reached its command" \
	grep -qE "^vm-run: accel kvm: a probe boot of [^ ]+ under KVM reached its command in [0-9]+ s$" "$T/works.out"
tap_check "the probe asked qemu for KVM explicitly (-accel kvm, no silent kvm:tcg)" \
	sh -c "grep '^kvm .*-kernel' '$T/works.qemu' | grep -q -- '-accel kvm' &&
		! grep -q 'accel=kvm:tcg' '$T/works.qemu'"
decide works SEALCAM_FAKE_KVM=works
tap_check "a kept KVM verdict is reused without probing" \
	sh -c "grep -q '^vm-run: accel kvm: .*(verdict kept for this host boot' '$T/works.out' && test ! -s '$T/works.qemu' -o \$(cat '$T/works.secs') -le 1"

# --- forced -------------------------------------------------------------------
decide forced_tcg SEALCAM_FAKE_KVM=hang SEALCAM_VM_ACCEL=tcg
decide forced_kvm SEALCAM_FAKE_KVM=hang SEALCAM_VM_ACCEL=kvm
decide forced_bad SEALCAM_VM_ACCEL=fast
show forced_tcg; show forced_kvm; show forced_bad
tap_check "SEALCAM_VM_ACCEL=tcg forces TCG, no probe" \
	test "$(line forced_tcg)" = "vm-run: accel tcg: forced by SEALCAM_VM_ACCEL=tcg" -a ! -s "$T/forced_tcg.qemu"
tap_check "SEALCAM_VM_ACCEL=kvm forces KVM, no probe" \
	test "$(line forced_kvm)" = "vm-run: accel kvm: forced by SEALCAM_VM_ACCEL=kvm" -a ! -s "$T/forced_kvm.qemu"
tap_check "SEALCAM_VM_ACCEL=fast is refused (exit 2, says what it expects)" \
	sh -c "test \$(cat '$T/forced_bad.rc') = 2 && grep -q 'expected kvm, tcg or auto' '$T/forced_bad.out'"

# --- a boot that hangs under KVM in the middle of a suite ---------------------
mkdir -p "$T/cache-mid"
printf 'kvm\tan earlier probe boot reached its command\n' >"$T/cache-mid/$boot_id"
t0=$SECONDS
env PATH="$T/bin:$PATH" SEALCAM_VM_ACCEL_CACHE="$T/cache-mid" SEALCAM_VM_KVM_DEV="$T/kvm" \
	SEALCAM_FAKE_KVM=hang SEALCAM_VM_KVM_BOOT_TIMEOUT=10 SEALCAM_FAKE_KVM_LOG="$T/mid.qemu" \
	scripts/vm-run --timeout 600 -- 'echo "guest says $((6 * 7))"' >"$T/mid.out" 2>&1
rc=$?
tap_diag "mid-suite hang: exit $rc in $((SECONDS - t0)) s; vm-run said:"
tap_diag "$(grep -E '^vm-run|guest says' "$T/mid.out")"
tap_check "a run under a kept KVM verdict first boots under KVM" \
	grep -qx "vm-run: accel kvm: an earlier probe boot reached its command (verdict kept for this host boot in $T/cache-mid/$boot_id)" "$T/mid.out"
tap_check "its hung boot is given up after the KVM boot deadline and booted once more under TCG, saying so" \
	sh -c "grep -qx 'vm-run: the guest had not started the command after 10s; killed it under KVM; booting once more under TCG' '$T/mid.out' &&
		grep -qx 'vm-run: accel tcg: a boot under KVM failed here: the guest had not started the command after 10s; killed it' '$T/mid.out'"
tap_check "the command then ran under TCG to its end (exit 0, its output)" \
	sh -c "test $rc = 0 && grep -qx 'guest says 42' '$T/mid.out' && grep -q '^vm-run: boot .*, accel tcg,' '$T/mid.out'"
tap_check "the kept verdict for this host boot is TCG now" \
	grep -q "^tcg	a boot under KVM failed here" "$T/cache-mid/$boot_id"

# --- this machine, as it is ---------------------------------------------------
t0=$SECONDS
real=$(SEALCAM_VM_ACCEL_CACHE="$T/cache-real" scripts/vm-run --decide-accel 2>&1)
tap_diag "this machine ($((SECONDS - t0)) s): $real"
tap_check "this machine: one line naming the accelerator and why" \
	grep -qE '^vm-run: accel (kvm|tcg): .+' <<<"$real"

tap_done
