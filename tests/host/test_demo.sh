#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_demo.sh - the main job (`make demo`, scripts/demo.sh) end to end: it
# boots its own VM, so it is skipped with SEALCAM_SKIP_VM (a host-only run
# the user asked for: declared in tests/expected-skips). Checks that
# demo-out has PNG frames that decode completely (tests/tools/png_check.py:
# CRCs, zlib, row filters, sizes), a y4m with as many frames, that every
# stored segment unseals with the owner key, that the audit log and the
# audit chunks the agent uploaded verify with the verification key and hold
# the agent's camera open, and that the owner's private key never reached
# the device's directory.
#
# SEALCAM_DEMO_OUT=DIR checks the output of a `make demo` already run
# (DEMO_OUT=DIR) instead of running it again.

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh

tmp=${SEALCAM_TMP:-$(mktemp -d)}
out=${SEALCAM_DEMO_OUT:-}
if [ -z "$out" ]; then
	[ -z "${SEALCAM_SKIP_VM:-}" ] || tap_skip_all "SEALCAM_SKIP_VM: the demo boots a VM"
	command -v vng >/dev/null || tap_missing "virtme-ng (vng)"
fi
tap_plan 11

if [ -z "$out" ]; then
	out=$tmp/demo-out
	DEMO_OUT=$out bash scripts/demo.sh >"$tmp/demo.log" 2>&1
	rc=$?
	cp "$tmp/demo.log" "$root/build/test-demo.log" 2>/dev/null
	[ "$rc" = 0 ] && tap_pass "scripts/demo.sh runs to its end (exit 0)" ||
		{ tap_fail "scripts/demo.sh runs to its end (exit $rc)"; tap_diag "$(tail -30 "$tmp/demo.log")"; }
	grep -q "^== \[ *[0-9]*s\] done in" "$tmp/demo.log" && grep -q "frames: .*PNG files" "$tmp/demo.log" &&
		tap_pass "it shows progress and ends with a summary of where to look" ||
		tap_fail "it shows progress and ends with a summary"
else
	tap_pass "checking an existing demo run in $out"
	tap_pass "(progress and summary: seen when it ran)"
fi
dev=$out/device

mapfile -t pngs < <(find "$out/png" -name '*.png' 2>/dev/null | sort)
n=${#pngs[@]}
python3 tests/tools/png_check.py --y4m "$out/demo.y4m" "${pngs[@]}" >"$tmp/png.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ "$n" -ge 30 ] &&
	tap_pass "$n PNG frames, every one decodes ($(grep -m1 '^ok ' "$tmp/png.out" | cut -d' ' -f3))" ||
	{ tap_fail "PNG frames that decode ($n, exit $rc)"; tap_diag "$(grep -v '^ok ' "$tmp/png.out" | head)"; }
y4m=$(sed -n 's/^y4m .*: \(-\{0,1\}[0-9]*\) frames$/\1/p' "$tmp/png.out")
[ "$y4m" = "$n" ] && tap_pass "demo.y4m holds the same $y4m frames" ||
	tap_fail "demo.y4m holds the same frames (y4m $y4m, png $n)"

mapfile -t segs < <(find "$dev/store" -path '*/segments/*.sealed' -type f 2>/dev/null | sort)
out_info=$(build/sealcam unseal --key "$out/keys/owner.key" --expect-device "$dev/device.pub" \
	--info "${segs[@]}" 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "${#segs[@]}" -ge 3 ] && grep -q "verified ${#segs[@]} segment(s)" <<<"$out_info" &&
	tap_pass "all ${#segs[@]} uploaded segments unseal, complete and continuous" ||
	{ tap_fail "uploaded segments unseal (${#segs[@]}, exit $rc)"; tap_diag "$(tail -5 <<<"$out_info")"; }

build/sealcam audit verify --dir "$dev/audit" --verify-key "$out/keys/verify.key" >"$tmp/verify.out" 2>&1
rc=$?
tap_diag "$(cat "$tmp/verify.out")"
[ "$rc" = 0 ] && grep -q "^OK: [0-9]* records" "$tmp/verify.out" &&
	tap_pass "the audit log verifies with the verification key (and the device state)" ||
	tap_fail "the audit log verifies (exit $rc)"
cmp -s "$tmp/verify.out" "$out/audit-verify.txt" &&
	tap_pass "the demo's own audit-verify.txt says the same" ||
	tap_fail "the demo's own audit-verify.txt says the same"

mapfile -t chunks < <(find "$dev/store" -path '*/audit/audit-*.sealed' -type f 2>/dev/null | sort)
build/sealcam audit unseal --key "$out/keys/owner.key" "${chunks[@]}" 2>/dev/null |
	build/sealcam audit verify --no-state --verify-key "$out/keys/verify.key" - >"$tmp/chunks.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ "${#chunks[@]}" -ge 1 ] && cmp -s <(build/sealcam audit unseal --key "$out/keys/owner.key" "${chunks[@]}" 2>/dev/null) "$dev/audit/audit.log" &&
	tap_pass "the ${#chunks[@]} uploaded audit chunks open to exactly the log, and verify" ||
	{ tap_fail "uploaded audit chunks open and verify (${#chunks[@]}, exit $rc)"; tap_diag "$(cat "$tmp/chunks.out")"; }

grep '"type":"open"' "$dev/audit/audit.log" 2>/dev/null | grep -q '"comm":"sealcam-agent"' &&
	grep -q '"type":"daemon-stop"' "$dev/audit/audit.log" &&
	tap_pass "the log holds the agent's camera open and the daemon's clean stop" ||
	{ tap_fail "the log holds the agent's open and the daemon's clean stop"; tap_diag "$(cut -c1-200 "$dev/audit/audit.log" | head -20)"; }

grep -q "^agent: running" "$dev/status-recording.txt" 2>/dev/null && grep -q "^  uploaded: " "$dev/status-recording.txt" &&
	tap_pass "sealcam status showed the agent while it recorded" ||
	{ tap_fail "sealcam status showed the agent while it recorded"; tap_diag "$(cat "$dev/status-recording.txt" 2>&1)"; }

priv=$(cat "$out/keys/owner.key" 2>/dev/null)
[ -n "$priv" ] && ! grep -rqF -- "$priv" "$dev" && [ ! -e "$dev/verify.key" ] &&
	tap_pass "the owner's private key and the verification key are not in the device's directory" ||
	tap_fail "the owner's private key and the verification key are not in the device's directory"
tap_done
