#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sealcam audit and sealcam-auditd on bad input, without the probe: init
# refuses to overwrite a log, verify exits 3 naming the first bad record for
# a wrong key or a corrupted log and 2 for a bad key, show survives garbage,
# and the daemon reports a bad config, a bad allow-list, a missing sealing
# state and a missing bpffs with a clear message and exit 1 (no crash).
. "$(dirname "$0")/../lib/tap.sh"

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${SEALCAM_TMP:-$(mktemp -d)}
SC=$root/build/sealcam
AUDITD=$root/build/sealcam-auditd
[ -x "$AUDITD" ] || tap_missing "build/sealcam-auditd (make all)"

tap_plan 11

"$SC" audit init --dir "$T/a" >"$T/key" 2>/dev/null
tap_check "init prints a 44-character key" test "$(wc -c <"$T/key")" = 45
"$SC" audit init --dir "$T/a" >/dev/null 2>"$T/err"
rc=$?
tap_check "init refuses to replace an existing log (exit 1)" \
	sh -c "test $rc = 1 && grep -q 'already holds' '$T/err'"
tap_ok "verify passes with the key" "$SC" audit verify --dir "$T/a" --verify-key "$T/key"

(umask 077; "$SC" genkey >"$T/wrong")
"$SC" audit verify --dir "$T/a" --verify-key "$T/wrong" >"$T/out" 2>&1
rc=$?
tap_check "verify with another key: exit 3, record 0 named" \
	sh -c "test $rc = 3 && grep -q 'audit.log:1: record 0: MAC' '$T/out'"

{ cat "$T/a/audit.log"; printf '\x00garbage{{{\n'; } >"$T/bad.log"
"$SC" audit verify --no-state --verify-key "$T/key" "$T/bad.log" >"$T/out" 2>&1
rc=$?
tap_check "verify of a corrupted log: exit 3, line 2 named" \
	sh -c "test $rc = 3 && grep -q 'bad.log:2: not a valid record' '$T/out'"
"$SC" audit verify --verify-key "not-a-key" "$T/bad.log" >/dev/null 2>&1
tap_check "verify with a malformed key: exit 2" test $? = 2
"$SC" audit show "$T/bad.log" >/dev/null 2>"$T/err"
tap_check "show skips garbage with a warning" \
	sh -c "test $? = 0 && grep -q malformed '$T/err'"

printf 'dir = %s\nbogus = 1\n' "$T/a" >"$T/bad.conf"
"$AUDITD" --config "$T/bad.conf" >/dev/null 2>"$T/err"
rc=$?
tap_check "daemon: bad config is named (exit 1)" \
	sh -c "test $rc = 1 && grep -q 'bad.conf:2: unknown setting \"bogus\"' '$T/err'"
"$AUDITD" --dir "$T/a" --allow-exe /nonexistent/prog >/dev/null 2>"$T/err"
rc=$?
tap_check "daemon: bad allow-list entry is named (exit 1)" \
	sh -c "test $rc = 1 && grep -q 'allow-exe /nonexistent/prog' '$T/err'"
"$AUDITD" --dir "$T/none" >/dev/null 2>"$T/err"
rc=$?
tap_check "daemon: missing sealing state says to run init (exit 1)" \
	sh -c "test $rc = 1 && grep -q 'audit init' '$T/err'"
mkdir -p "$T/notbpf"
"$AUDITD" --dir "$T/a" --pin-dir "$T/notbpf/sealcam" >/dev/null 2>"$T/err"
rc=$?
tap_check "daemon: missing bpffs is named (exit 1)" \
	sh -c "test $rc = 1 && grep -q 'not a bpf filesystem' '$T/err'"
tap_done
