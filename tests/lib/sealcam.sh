# SPDX-License-Identifier: GPL-2.0
# Shell library (source it) for VM tests that use sealcam.ko.
#
#   sc_load [PARAM=VALUE...]   load the module's dependencies and sealcam.ko
#   sc_unload                  rmmod sealcam (no error when not loaded)
#   sc_node [N]                /dev/videoX of sealcam camera N (default 0)
#   wait_for SECONDS CMD...    poll (0.1 s) until CMD succeeds; 1 at the deadline
#   $SC                        the sealcam CLI; $SC_TOOLS the test tools
#   $SC_UVC_KO                 the sealed uvcvideo.ko (SEALCAM_UVC_KO)
#   $SC_BUILD                  the build they come from ($SEALCAM_BUILD, set
#                              by tests/vm-suite.sh; default build/)

SC_ROOT=${SEALCAM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SC_BUILD=${SEALCAM_BUILD:-$SC_ROOT/build}
SC=$SC_BUILD/sealcam
SC_TOOLS=$SC_BUILD/tests/tools
SC_KO=${SEALCAM_KO:-$SC_ROOT/sealcam.ko}
# the sealed uvcvideo (scripts/build-uvc.sh) of the same build; make
# check-debug points SEALCAM_UVC_KO at the one built for the debug kernel
SC_UVC_KO=${SEALCAM_UVC_KO:-$SC_BUILD/uvc/uvcvideo.ko}

# insmod does not resolve dependencies: load what sealcam.ko links against
# (and its soft dependencies, so the SIMD ChaCha20/Poly1305 are the ones used).
SC_DEPS="videodev videobuf2-common videobuf2-v4l2 videobuf2-vmalloc v4l2-tpg
	libchacha20poly1305 libcurve25519 chacha20poly1305 chacha-x86_64
	poly1305-x86_64 curve25519-x86_64 hmac sha256_generic"

sc_load() {
	local m
	for m in $SC_DEPS; do
		modprobe "$m" 2>/dev/null
	done
	insmod "$SC_KO" "$@" || return
	# where this load of the module lives, for kmemleak reports read after
	# it is unloaded (tests/lib/dmesg-check.sh kmemleak_reports)
	[ -z "${SEALCAM_MODMAP:-}" ] || sc_record_load >>"$SEALCAM_MODMAP"
	return 0
}

# "sealcam SIZE ADDRESS" lines: the module's core (/proc/modules) and each
# code section (its address from /sys/module/sealcam/sections, its size from
# the .ko), so that init code, freed after loading, is covered too.
sc_record_load() {
	local f name type size
	awk '$1 == "sealcam" { print $1, $2, $6 }' /proc/modules
	# readelf -SW: "  [ 2] .text  PROGBITS  ADDRESS OFFSET SIZE ..."
	readelf -SW "$SC_KO" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] //p' |
		while read -r name type _ _ size _; do
			f=/sys/module/sealcam/sections/$name
			[ "$type" = PROGBITS ] && [ -r "$f" ] || continue
			case $name in *text*) ;; *) continue ;; esac
			echo "sealcam $((16#$size)) $(cat "$f")"
		done
}

sc_unload() {
	grep -q '^sealcam ' /proc/modules || return 0
	rmmod sealcam
}

sc_node() {
	local n=${1:-0} d
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "sealcam-$n" ] || continue
		echo "/dev/${d##*/}"
		return 0
	done
	# fall back to driver name via v4l2-ctl
	v4l2-ctl --list-devices 2>/dev/null | awk -v n="$n" '
		/^sealcam/ { on = 1; next } on && /\/dev\/video/ { if (i++ == n) { print $1; exit } }'
}

# uvc_node: uvcvideo's capture node (index 0) of the webcam below vhci_hcd
# (the emulated one of tests/tools/uvc-emu.py)
uvc_node() {
	local d
	for d in /sys/class/video4linux/video*; do
		[ -e "$d" ] || continue
		case $(readlink -f "$d/device") in *vhci_hcd*) ;; *) continue ;; esac
		[ "$(cat "$d/index" 2>/dev/null)" = 0 ] || continue
		echo "/dev/${d##*/}"
		return 0
	done
	return 1
}
# uvc_nodes_gone: no video node (capture or metadata) below vhci_hcd is left
uvc_nodes_gone() {
	local d
	for d in /sys/class/video4linux/video*; do
		[ -e "$d" ] || continue
		case $(readlink -f "$d/device") in *vhci_hcd*) return 1 ;; esac
	done
	return 0
}

# wait_for SECONDS COMMAND...: wait for an event the test can only observe
# by looking (a log line, a file, a counter), never a fixed time: how long
# a step takes differs 20x between TCG and KVM.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# sc_on_exit FUNC: run FUNC when the test exits - in the test's own shell
# only. bash may run an EXIT trap in a forked subshell too (a background job
# killed before it execs), which must not unload the module under the test.
sc_on_exit() {
	SC_EXIT_FUNC=$1
	trap '[ "$BASHPID" = "$$" ] && "$SC_EXIT_FUNC"' EXIT
}
