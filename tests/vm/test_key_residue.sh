#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No secret left behind (issue 14, point 3 and acceptance 3): after a segment
# ends, no key of it is anywhere in the kernel's memory - not in the shared
# HMAC/AEAD transforms (their state after setkey: the HMAC ipad/opad hash
# states, the ChaCha20 key), not in freed or live slab objects, not on a
# stack page.
#
# tests/tools/sc_keyscan derives, as the owner, every secret sealcam.ko
# computed for the segment (K, the frame-MAC key and its HMAC states, the
# DHKEM outputs, eae_prk, shared_secret, the key schedule's secret, HPKE key,
# base nonce and exporter secret, and the HMAC states of each) and looks for
# each at every byte of every RAM page that is not user memory, through
# /proc/kcore. One scanner process does both scans, so its own copies never
# land in a page it freed.
#   scan 1, segment open:  K and the frame-MAC key states ARE found (the
#                          positive control: the scanner sees slab memory
#                          and the derivation is right); nothing else is
#   scan 2, segment ended: nothing is found
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

tap_plan 6
T=$SEALCAM_TMP
cap_pid=
cleanup() {
	[ -z "$cap_pid" ] || { kill -9 "$cap_pid" 2>/dev/null; wait "$cap_pid"; }
	sc_unload
}
sc_on_exit cleanup

[ -x "$SC_TOOLS/sc_keyscan" ] || tap_missing "$SC_TOOLS/sc_keyscan (make tests)"
[ -r /proc/kcore ] || tap_missing "/proc/kcore (CONFIG_PROC_KCORE)"

tap_ok "load sealcam.ko (one segment per stream)" \
	sc_load devices=1 seg_frames=0 seg_ms=0
node=$(sc_node 0)
(umask 077; "$SC" genkey >"$T/a.key")
"$SC" pubkey <"$T/a.key" >"$T/a.pub"
"$SC" key add "$T/a.pub" --label a >/dev/null

(trap - EXIT; exec "$SC_TOOLS/sc_capture" -d "$node" -f grey -s 160x120 \
	-r 30 -n 1000000 -o "$T/s.sealed" >"$T/cap.log" 2>&1) &
cap_pid=$!
# the first frame (with the segment header) is in the file
tap_ok "streaming: the segment's first frame is written" \
	wait_for 300 test -s "$T/s.sealed"

coproc SCAN { exec "$SC_TOOLS/sc_keyscan" "$T/a.key" "$T/s.sealed" 2>&1; }
read_scan() {	# read_scan N FILE: the scanner's lines up to "scan N: done"
	local line
	: >"$2"
	while IFS= read -r -u "${SCAN[0]}" line; do
		echo "$line" >>"$2"
		[ "$line" = "scan $1: done" ] && return 0
	done
	return 1
}
read_scan 1 "$T/scan1" || tap_diag "$(cat "$T/scan1")"
tap_diag "$(grep -m1 'MiB scanned' "$T/scan1")"
found1=$(awk '/ found at / { print $3 }' "$T/scan1" | sort | tr '\n' ' ')
tap_check "segment open: K and the frame-MAC key are in kernel memory (control: found $found1)" \
	test "$found1" = "K mac_key "
total=$(awk '/needles,/ { print $2; exit }' "$T/scan1")
# the security property: nothing but those three is found while it is open
others=$(awk '/ found at / { print $3 }' "$T/scan1" |
	grep -vxE 'K|mac_key' | tr '\n' ' ')
tap_check "segment open: none of the other $((total - 2)) is left (DH outputs, PRKs, HPKE key, nonce, exporter secret, their HMAC states, the MAC key's)${others:+: found $others}" \
	test -z "$others"

kill -9 "$cap_pid"
wait "$cap_pid" 2>/dev/null
cap_pid=
tap_check "the stream stopped: camera 0 no longer streaming" \
	sh -c "'$SC' status | grep -q 'streaming: no'"

echo go >&"${SCAN[1]}"
read_scan 2 "$T/scan2" || tap_diag "$(cat "$T/scan2")"
tap_diag "$(grep -m1 'MiB scanned' "$T/scan2")"
found2=$(grep ' found at ' "$T/scan2")
tap_check "segment ended: no key of it anywhere in kernel memory ($(grep -c ' absent$' "$T/scan2") needles absent)" \
	test -z "$found2" -a "$(grep -c ' absent$' "$T/scan2")" = "$total"
exec {SCAN[1]}>&-
wait "$SCAN_PID" 2>/dev/null
tap_done
