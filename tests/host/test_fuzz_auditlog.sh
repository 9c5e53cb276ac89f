#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds tests/fuzz/fuzz_auditlog.c with libFuzzer + ASan + UBSan and runs it
# over a seed corpus of real records (written by the library's own writer
# through `sealcam audit init`, plus cut and edited copies): 20000 runs
# normally, 180 s with SEALCAM_LONG=1. Skips (exit 4) without clang/libFuzzer.
set -uo pipefail

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=${SEALCAM_TMP:-$(mktemp -d)}
cd "$root"

echo "1..3"
cc=""
for c in clang clang-16 clang-15 clang-14; do
	command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
done
if [ -z "$cc" ]; then
	for i in 1 2 3; do echo "ok $i # SKIP clang not installed"; done
	exit 4
fi

bin=$tmp/fuzz_auditlog
if "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -Iuser/audit tests/fuzz/fuzz_auditlog.c user/audit/auditlog.c \
	$(pkg-config --cflags --libs libsodium) -o "$bin" 2>"$tmp/build.log"; then
	echo "ok 1 - fuzz_auditlog builds with -fsanitize=fuzzer,address,undefined"
else
	if grep -q "libclang_rt.fuzzer\|fuzzer.*No such file\|cannot find.*fuzzer" "$tmp/build.log"; then
		for i in 1 2 3; do echo "ok $i # SKIP libFuzzer runtime missing"; done
		exit 4
	fi
	echo "not ok 1 - fuzz_auditlog builds"
	sed 's/^/# /' "$tmp/build.log"
	exit 1
fi

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

if "$bin" -runs=0 "$corpus" >"$tmp/seed.log" 2>&1; then
	echo "ok 2 - seed corpus runs clean"
else
	echo "not ok 2 - seed corpus runs clean"
	tail -30 "$tmp/seed.log" | sed 's/^/# /'
fi

if [ -n "${SEALCAM_LONG:-}" ]; then
	limit=(-max_total_time=180)
	what="180 s"
else
	limit=(-runs=20000)
	what="20000 runs"
fi
if "$bin" "${limit[@]}" -max_len=4096 -timeout=20 -rss_limit_mb=1024 \
	-artifact_prefix="$tmp/" "$corpus" >"$tmp/fuzz.log" 2>&1; then
	echo "ok 3 - fuzz_auditlog: $what without a crash, leak or UB"
	grep -E "^#[0-9]+.*(DONE|pulse)" "$tmp/fuzz.log" | tail -1 | sed 's/^/# /'
else
	echo "not ok 3 - fuzz_auditlog: $what"
	tail -40 "$tmp/fuzz.log" | sed 's/^/# /'
	exit 1
fi
