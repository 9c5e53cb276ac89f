#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds tests/fuzz/fuzz_auditlog.c with libFuzzer + ASan + UBSan and runs it
# over a seed corpus of real records (written by the library's own writer
# through `sealcam audit init`, plus cut and edited copies): 20000 runs
# normally, 180 s with SEALCAM_LONG=1. Fails without clang/libFuzzer (setup).
set -uo pipefail

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=${SEALCAM_TMP:-$(mktemp -d)}
cd "$root"

. tests/lib/fuzz.sh
fuzz_build fuzz_auditlog -D_GNU_SOURCE -Iuser/audit -Iuser/libsealcam tests/fuzz/fuzz_auditlog.c \
	user/audit/auditlog.c user/libsealcam/json.c $(pkg-config --cflags --libs libsodium)

corpus=$tmp/corpus
mkdir -p "$corpus"
if build/sealcam audit init --dir "$tmp/log" >/dev/null 2>&1; then
	cp "$tmp/log/audit.log" "$corpus/init"
fi
cat >"$corpus/records" <<'REC'
{"seq":0,"epoch":0,"prev":"0000000000000000000000000000000000000000000000000000000000000000","type":"open","comm":"a\u00ff\"\\","pid":12,"verdict":"denied","ok":true,"x":null,"mac":"00"}
{"seq":1,"epoch":0,"prev":"00","type":"seal","records":2,"mac":"0000000000000000000000000000000000000000000000000000000000000000"}
REC
printf '{"seq":0,"epoch":0,"prev":"' >"$corpus/cut"
printf '{"a":"\\ud83d\\ude00","b":-12}\n{}\n' >"$corpus/escapes"

fuzz_run fuzz_auditlog "$corpus" 4096 4096
