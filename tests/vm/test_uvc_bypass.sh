#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ways around a sealed USB webcam's V4L2 node (issue 15, acceptance 2's
# last sentence; docs/AUDIT.md "The USB guard"): with the emulated webcam
# (tests/tools/uvc-emu.py over vhci_hcd) driven by the sealed uvcvideo,
# streaming sealed, and sealcam-auditd's probe attached (--usb-guard deny):
#  - usbmon: read(), mmap() and ioctl() of /dev/usbmonN (and of a copy of
#    the node made with mknod) and opening debugfs's usbmon files fail with
#    EPERM;
#  - usbfs: disconnecting uvcvideo from the streaming interface, claiming
#    it, transfers, reset, configuration and alternate setting changes on
#    the webcam's /dev/bus/usb node fail with EPERM (tests/tools/usbfs_grab);
#  - sysfs: uvcvideo's and the usb driver's unbind, the webcam's
#    authorized, remove, bConfigurationValue, its interface's authorized and
#    its hub port's disable refuse to open for writing (EPERM);
#  - the sealed stream goes on meanwhile, and each attempt is an audit
#    record ("type":"usb", "verdict":"denied") in a log that verifies;
#  - with sealcam-auditd stopped, the pinned probe still refuses, and the
#    record reaches the log when the daemon is back;
# the probe is attached before usbcore and usbmon are loaded (as early in
# boot); and the control that the routes are real and the guard is what
# stops them: with --usb-guard log (the probe reloaded, now with usbcore's
# BTF) the same routes are allowed and recorded
# ("allowed"), usbmon shows the webcam's plaintext pixels, usbfs takes the
# streaming interface and reads plaintext from it, and the unbind removes
# uvcvideo's node.
# One { } block: bash parses it whole before running it, so editing this
# file while a VM runs it cannot derail the run.
{
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

kmm=$(uname -r | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
[ "$kmm" = 6.1 ] || [ -f "$SC_ROOT/kmod/uvc/uvcvideo-sealcam-$kmm.patch" ] ||
	tap_skip_all "no sealcam patch for uvcvideo of Linux $kmm: build-uvc.sh built no uvcvideo.ko for $(uname -r)"

tap_plan 30

T=$SEALCAM_TMP
EMU=$SC_ROOT/tests/tools/uvc-emu.py
UVC_KO=$SC_UVC_KO	# the build of the running kernel (vm-suite.sh --build, check-debug)
AUDITD=$SC_BUILD/sealcam-auditd
GRAB=$SC_TOOLS/usbfs_grab
VHCI=/sys/devices/platform/vhci_hcd.0
DIR=$T/audit
PIN=/sys/fs/bpf/sealcam-bypass
# the webcam's white bar as YUYV (Y=235 Cb=128 Y=235 Cr=128), 16 bytes
NEEDLE=eb80eb80eb80eb80eb80eb80eb80eb80
for p in python3 cjpeg "$AUDITD" "$UVC_KO" "$GRAB" "$SC_TOOLS/sc_capture"; do
	[ -e "$p" ] || command -v "$p" >/dev/null || tap_missing "$p (make all tests)"
done

emu_pid=
cap_pid=
daemon_pid=
cleanup() {
	[ -z "$cap_pid" ] || kill -9 "$cap_pid" 2>/dev/null
	[ -z "$daemon_pid" ] || kill -TERM "$daemon_pid" 2>/dev/null
	wait 2>/dev/null
	"$AUDITD" --detach --pin-dir "$PIN" 2>/dev/null
	[ -e "$VHCI/detach" ] && echo 0 >"$VHCI/detach" 2>/dev/null
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
	umount "$T/nodes" 2>/dev/null
	rmmod uvcvideo 2>/dev/null
	sc_unload
	rmmod vhci-hcd usbmon 2>/dev/null
	[ -f "$DIR/audit.log" ] &&
		grep -vE '"type":"(open|close)"' "$DIR/audit.log" >"$SEALCAM_ARTIFACTS/bypass-audit.log" 2>/dev/null
	cp "$T/auditd.log" "$T/emu.err" "$SEALCAM_ARTIFACTS/" 2>/dev/null
}
sc_on_exit cleanup

start_daemon() { # MODE [FLAGS]: the probe pinned in $PIN, reused when there
	local mode=$1
	shift
	rm -f "$T/ready"
	"$AUDITD" --dir "$DIR" --pin-dir "$PIN" --ready-file "$T/ready" \
		--agent-events none --usb-guard "$mode" "$@" >>"$T/auditd.log" 2>&1 &
	daemon_pid=$!
	wait_for 120 test -e "$T/ready" && return 0
	kill "$daemon_pid" 2>/dev/null
	daemon_pid=
	return 1
}
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	local rc=$?
	daemon_pid=
	return $rc
}

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
bigger_than() { [ "$(size_of "$1")" -gt "$2" ]; }
# grows FILE: FILE grows by 10 frames (sealed 160x120 YUYV is ~38.5 KB)
grows() { local s; s=$(size_of "$1"); wait_for 120 bigger_than "$1" $((s + 10 * 38400)); }

# write_refused FILE VALUE: opening FILE for writing fails with EPERM, so
# nothing is written
write_refused() {
	local out
	out=$(sh -c 'echo "$2" > "$1"' _ "$1" "$2" 2>&1) && { echo "written: $1"; return 1; }
	grep -q "Operation not permitted" <<<"$out" || { echo "$out"; return 1; }
}

# log_has JQ-LIKE PATTERNS...: a "usb" record of the log has every pattern
log_has() {
	local l
	l=$(grep '"type":"usb"' "$DIR/audit.log")
	for p in "$@"; do
		l=$(grep -F -- "$p" <<<"$l")
	done
	[ -n "$l" ]
}
wait_log() { wait_for 30 log_has "$@"; }

mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
dmesg_mark=$(wc -l < <(dmesg))

# --- the sealed webcam, as test_uvc_sealed.sh sets it up ----------------------
rmmod uvcvideo 2>/dev/null
tap_ok "load sealcam.ko" sc_load devices=1 seg_frames=100 || { tap_done; exit 1; }
snode=$(sc_node 0)
"$SC" genkey >"$T/owner.key" && "$SC" pubkey <"$T/owner.key" >"$T/owner.pub"
"$SC" key add "$T/owner.pub" --label owner >/dev/null

# The probe first, as early in boot, before usbcore and usbmon are loaded:
# its usbfs and hub-port checks then read usbcore's structures at the
# offsets 6.1 and 6.12 have (the control below reloads it with usbcore's
# BTF), and usbmon's files are known by their module, whenever it loads.
tap_ok "usbcore and usbmon are not loaded yet" \
	sh -c '! grep -qE "^(usbcore|usbmon) " /proc/modules'
"$SC" audit init --dir "$DIR" >"$T/verify.key" 2>"$T/init.err"
if start_daemon deny; then
	tap_pass "sealcam-auditd attached the probe, USB guard deny"
else
	tap_fail "sealcam-auditd attached the probe, USB guard deny"
	tap_diag "$(cat "$T/auditd.log")"
	tap_done
	exit 1
fi

deps=$(modinfo -F depends "$UVC_KO" | tr , ' ')
deps=$(for m in $deps; do [ "$m" = sealcam ] || echo "$m"; done)
# shellcheck disable=SC2086
modprobe -a vhci-hcd usbmon $deps
tap_ok "load the sealed uvcvideo ($UVC_KO)" insmod "$UVC_KO" || { tap_done; exit 1; }

mkdir -p "$T/jpg"
python3 "$EMU" --log "$T/sent.log" --dump "$T/jpg" 2>"$T/emu.err" &
emu_pid=$!
if wait_for 180 uvc_node >/dev/null && node=$(uvc_node); then
	tap_pass "uvcvideo bound the emulated webcam ($node), sealcam node $snode"
else
	tap_fail "uvcvideo bound the emulated webcam"
	tap_diag "$(cat "$T/emu.err"; dmesg | tail -n 20)"
	tap_done
	exit 1
fi
intf=$(readlink -f "/sys/class/video4linux/${node#/dev/}/device")	# B-P:1.0
dev=${intf%/*}								# B-P
usbname=${dev##*/}
bus=$(cat "$dev/busnum")
devnum=$(cat "$dev/devnum")
usbfs=$(printf /dev/bus/usb/%03d/%03d "$bus" "$devnum")
usbmon=/dev/usbmon$bus
port=$(readlink -f "$dev/port")
port=${port##*/}
tap_diag "webcam $usbname (bus $bus device $devnum): $usbfs, $usbmon, $intf"

"$SC_TOOLS/sc_capture" -d "$snode" -f yuyv -s 160x120 -n 1000000 -m mmap \
	-o "$T/sealed.sealed" >"$T/cap.out" 2>&1 &
cap_pid=$!
tap_ok "the sealed node streams the webcam" grows "$T/sealed.sealed"

# --- usbmon -------------------------------------------------------------------
# usbmon_try NODE...: read(), mmap() and an ioctl (MON_IOCG_STATS) of each
# fail with EPERM; prints what happened
usbmon_try() {
	python3 - "$@" <<'PY'
import errno, fcntl, mmap, os, sys
ok = True
MON_IOCG_STATS = 0x80089203
for node in sys.argv[1:]:
    fd = os.open(node, os.O_RDONLY)
    for what, f in (("read", lambda: [os.read(fd, 4096) for _ in range(5)]),
                    ("mmap", lambda: mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)),
                    ("ioctl", lambda: fcntl.ioctl(fd, MON_IOCG_STATS, b"\0" * 8))):
        try:
            f()
            print(node, what, "ok")
            ok = False
        except OSError as e:
            print(node, what, errno.errorcode.get(e.errno, e.errno))
            ok = ok and e.errno == errno.EPERM
    os.close(fd)
sys.exit(0 if ok else 1)
PY
}
mkdir -p "$T/nodes"
mount -t tmpfs nodes "$T/nodes"
mknod "$T/nodes/mon" c $((0x$(stat -c %t "$usbmon"))) $((0x$(stat -c %T "$usbmon")))
out=$(usbmon_try "$usbmon" /dev/usbmon0 "$T/nodes/mon" 2>&1)
rc=$?
tap_diag "$(tr '\n' ';' <<<"$out")"
if [ $rc = 0 ]; then
	tap_pass "usbmon: read, mmap and ioctl of $usbmon, usbmon0 and a mknod copy: EPERM"
else
	tap_fail "usbmon: read, mmap and ioctl of $usbmon, usbmon0 and a mknod copy: EPERM"
fi
out=$(cat "/sys/kernel/debug/usb/usbmon/${bus}u" 2>&1 | head -c 200)
if grep -q "Operation not permitted" <<<"$out"; then
	tap_pass "usbmon: debugfs usb/usbmon/${bus}u refuses to open (EPERM)"
else
	tap_fail "usbmon: debugfs usb/usbmon/${bus}u refuses to open"
	tap_diag "$out"
fi
usbmon_logged() {
	local w
	for w in read mmap ioctl; do
		wait_log "\"what\":\"usbmon-$w\"" '"verdict":"denied"' || { echo "no usbmon-$w record"; return 1; }
	done
	wait_log '"what":"usbmon-open"' '"verdict":"denied"' "/usbmon/${bus}u\"" ||
		{ echo "no usbmon-open record"; return 1; }
	# five refused reads of each of the 3 open files: one record per file
	n=$(grep -c '"what":"usbmon-read"' "$DIR/audit.log")
	[ "$n" = 3 ] || { echo "$n usbmon-read records, not 3"; return 1; }
}
tap_ok "usbmon: the refusals are in the audit log (a repeated read once per file)" usbmon_logged

# --- usbfs ----------------------------------------------------------------------
out=$("$GRAB" try "$usbfs" 1 0x81 2>&1)
rc=$?
tap_diag "$(tr '\n' ';' <<<"$out")"
if [ $rc = 0 ]; then
	tap_pass "usbfs: disconnect, claim, transfers, reset, configuration of the webcam: EPERM"
else
	tap_fail "usbfs: disconnect, claim, transfers, reset, configuration of the webcam: EPERM"
fi
usbfs_logged() {
	local n
	for n in IOCTL DISCONNECT_CLAIM CLAIMINTERFACE SETINTERFACE BULK SUBMITURB SETCONFIGURATION RESET; do
		wait_log '"what":"usbfs-ioctl"' '"verdict":"denied"' "\"ioctl_name\":\"$n\"" \
			"\"usbdev\":\"$(printf %03d/%03d "$bus" "$devnum")\"" '"comm":"usbfs_grab"' || { echo "no record of $n"; return 1; }
	done
}
tap_ok "usbfs: each refused request is in the audit log, with the device" usbfs_logged

# --- sysfs ----------------------------------------------------------------------
sysfs_try() {
	local f bad=0
	for f in "/sys/bus/usb/drivers/uvcvideo/unbind=$usbname:1.0" \
		"/sys/bus/usb/drivers/uvcvideo/unbind=$usbname:1.1" \
		"/sys/bus/usb/drivers/usb/unbind=$usbname" \
		"$dev/authorized=0" "$dev/remove=1" "$dev/bConfigurationValue=0" \
		"$dev/$usbname:1.1/authorized=0" "$dev/port/disable=1"; do
		write_refused "${f%=*}" "${f##*=}" || { echo "not refused: $f"; bad=1; }
	done
	return $bad
}
tap_ok "sysfs: unbind (uvcvideo, usb), authorized, remove, bConfigurationValue, port disable: EPERM" sysfs_try
sysfs_logged() {
	local p
	wait_log '"what":"sysfs-driver"' '"verdict":"denied"' '/drivers/uvcvideo/unbind' || return 1
	wait_log '"what":"sysfs-driver"' '"verdict":"denied"' '/drivers/usb/unbind' || return 1
	for p in "$usbname/authorized" "$usbname/remove" "$usbname/bConfigurationValue" \
		"$usbname:1.1/authorized" "$port/disable"; do
		wait_log '"what":"sysfs-device"' '"verdict":"denied"' "\"usbdev\":\"$(printf %03d/%03d "$bus" "$devnum")\"" "$p\"" ||
			{ echo "no record of $p"; return 1; }
	done
}
tap_ok "sysfs: each refusal is in the audit log" sysfs_logged
# another driver's new_id: recorded, not refused (the write itself fails:
# not a device id)
out=$(sh -c 'echo bogus > /sys/bus/usb/drivers/usbfs/new_id' 2>&1)
if ! grep -q "Operation not permitted" <<<"$out" &&
	wait_log '"what":"sysfs-driver"' '"verdict":"allowed"' '/drivers/usbfs/new_id'; then
	tap_pass "sysfs: usbfs's new_id opens and is recorded (allowed)"
else
	tap_fail "sysfs: usbfs's new_id opens and is recorded (allowed)"
	tap_diag "$out"
fi

# --- nothing of it touched the sealed stream --------------------------------------
tap_ok "uvcvideo still drives the webcam ($node)" test -c "$node"
tap_ok "the sealed node still streams after every attempt" grows "$T/sealed.sealed"

# --- with the daemon stopped the pinned probe still refuses --------------------
# (stop_daemon and start_daemon in this shell: they keep $daemon_pid)
tap_result() { if [ "$2" = 0 ]; then tap_pass "$1"; else tap_fail "$1 (exit $2)"; fi; }
stop_daemon
tap_result "sealcam-auditd stops cleanly" $?
out=$(sh -c "echo $usbname:1.0 > /sys/bus/usb/drivers/uvcvideo/unbind" 2>&1)
if grep -q "Operation not permitted" <<<"$out"; then
	tap_pass "daemon stopped: the pinned probe still refuses uvcvideo's unbind"
else
	tap_fail "daemon stopped: the pinned probe still refuses uvcvideo's unbind"
	tap_diag "$out"
fi
n_before=$(grep -c '"what":"sysfs-driver".*"verdict":"denied".*uvcvideo/unbind' "$DIR/audit.log")
start_daemon deny
n_after() { [ "$(grep -c '"what":"sysfs-driver".*"verdict":"denied".*uvcvideo/unbind' "$DIR/audit.log")" -gt "$n_before" ]; }
tap_ok "restarted, the daemon logs the refusal made while it was stopped" wait_for 30 n_after

# --- control: --usb-guard log, the routes are real ----------------------------
stop_daemon
start_daemon log --reload	# a fresh probe, relocated against usbcore's BTF
tap_result "sealcam-auditd restarted with --usb-guard log, the probe reloaded" $?
out=$(timeout 300 python3 - "$usbmon" "$NEEDLE" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
needle, seen, tail = bytes.fromhex(sys.argv[2]), 0, b""
while seen < 64 << 20:
    b = os.read(fd, 1 << 16)
    seen += len(b)
    if needle in tail + b:
        print("plaintext found after %d bytes of usbmon" % seen)
        sys.exit(0)
    tail = b[-len(needle):]
print("no plaintext in %d bytes of usbmon" % seen)
sys.exit(3)
PY
)
rc=$?
if [ $rc = 0 ]; then
	tap_pass "control: unguarded, usbmon shows the webcam's plaintext ($out)"
else
	tap_fail "control: unguarded, usbmon shows the webcam's plaintext"
	tap_diag "rc=$rc $out"
fi
tap_ok "control: the usbmon read is recorded, allowed" \
	wait_log '"what":"usbmon-read"' '"verdict":"allowed"'
kill "$cap_pid" 2>/dev/null
wait "$cap_pid" 2>/dev/null
cap_pid=
out=$("$GRAB" grab "$usbfs" 1 0x81 "$NEEDLE" $((16 << 20)) 2>&1)
rc=$?
if [ $rc = 0 ]; then
	tap_pass "control: unguarded, usbfs takes the streaming interface and reads plaintext ($(tr '\n' ' ' <<<"$out"))"
else
	tap_fail "control: unguarded, usbfs takes the streaming interface and reads plaintext"
	tap_diag "rc=$rc $out"
fi
tap_ok "control: the usbfs requests are recorded, allowed" \
	wait_log '"what":"usbfs-ioctl"' '"verdict":"allowed"' '"ioctl_name":"DISCONNECT_CLAIM"'
if sh -c "echo $usbname:1.0 > /sys/bus/usb/drivers/uvcvideo/unbind" &&
	wait_for 60 uvc_nodes_gone; then
	tap_pass "control: unguarded, uvcvideo's unbind removes its node"
else
	tap_fail "control: unguarded, uvcvideo's unbind removes its node"
fi
tap_ok "control: the unbind is recorded, allowed" \
	wait_log '"what":"sysfs-driver"' '"verdict":"allowed"' '/drivers/uvcvideo/unbind'

# --- the log ---------------------------------------------------------------------
tap_ok "detach the port" sh -c "echo 0 > $VHCI/detach"
wait_for 60 sh -c "! kill -0 $emu_pid 2>/dev/null"
emu_pid=
stop_daemon
tap_result "sealcam-auditd stops cleanly" $?
out=$("$SC" audit verify --dir "$DIR" --verify-key "$T/verify.key" 2>&1)
rc=$?
if [ $rc = 0 ]; then
	tap_pass "the audit log verifies ($(grep -c '"type":"usb"' "$DIR/audit.log") usb records)"
else
	tap_fail "the audit log verifies (exit $rc)"
	tap_diag "$out"
fi
"$AUDITD" --detach --pin-dir "$PIN"
# the control phase's own requests make uvcvideo and usbcore complain
# (interface taken, device gone); only what points to a kernel bug counts
bad=$(dmesg | tail -n +"$((dmesg_mark + 1))" | grep -E 'WARNING|BUG|Oops|general protection|refcount_t|KASAN|UBSAN')
if [ -z "$bad" ]; then
	tap_pass "no kernel warning"
else
	tap_fail "no kernel warning"
	tap_diag "$bad"
fi
tap_done
exit
}
