#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds tests/fuzz/fuzz_sealed.c with clang's libFuzzer + ASan + UBSan and
# runs it from a seed corpus made of the committed test vector (whole, cut,
# and two copies joined as two "files"): 20000 runs normally, 180 s with
# SEALCAM_LONG=1. Skips (exit 4) where clang or libFuzzer is missing.
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
	echo "ok 1 # SKIP clang not installed"
	echo "ok 2 # SKIP clang not installed"
	echo "ok 3 # SKIP clang not installed"
	exit 4
fi

bin=$tmp/fuzz_sealed
if "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Ikmod/uapi -Iuser/libsealcam tests/fuzz/fuzz_sealed.c \
	user/libsealcam/sealed.c user/libsealcam/hpke.c \
	$(pkg-config --cflags --libs libsodium) -o "$bin" 2>"$tmp/build.log"; then
	echo "ok 1 - fuzz_sealed builds with -fsanitize=fuzzer,address,undefined"
else
	if grep -q "libclang_rt.fuzzer\|fuzzer.*No such file\|cannot find.*fuzzer" "$tmp/build.log"; then
		echo "ok 1 # SKIP libFuzzer runtime missing"
		echo "ok 2 # SKIP libFuzzer runtime missing"
		echo "ok 3 # SKIP libFuzzer runtime missing"
		exit 4
	fi
	echo "not ok 1 - fuzz_sealed builds"
	sed 's/^/# /' "$tmp/build.log"
	exit 1
fi

corpus=$tmp/corpus
mkdir -p "$corpus"
vec=tests/vectors/grey-160x120.sealed
cp "$vec" "$corpus/whole"
head -c 300 "$vec" >"$corpus/head"
head -c 20000 "$vec" >"$corpus/first-frame"
{ cat "$vec"; printf '\377SCF|'; cat "$vec"; } >"$corpus/replayed"

# The seed corpus itself must give the documented results.
if "$bin" -runs=0 -artifact_prefix="$tmp/" "$corpus" >"$tmp/seed.log" 2>&1; then
	echo "ok 2 - seed corpus (vector, cuts, replay) runs clean"
else
	echo "not ok 2 - seed corpus runs clean"
	tail -30 "$tmp/seed.log" | sed 's/^/# /'
fi

if [ -n "${SEALCAM_LONG:-}" ]; then
	limit=(-max_total_time=180 -max_len=120000)
	what="180 s"
else
	# the first frame of the vector (19480 bytes) fits: HPKE and AEAD pass
	limit=(-runs=20000 -max_len=20000)
	what="20000 runs"
fi
if "$bin" "${limit[@]}" -timeout=20 -rss_limit_mb=1024 \
	-artifact_prefix="$tmp/" "$corpus" >"$tmp/fuzz.log" 2>&1; then
	echo "ok 3 - fuzz_sealed: $what without a crash, leak or UB"
	grep -E "^#[0-9]+.*(DONE|pulse)" "$tmp/fuzz.log" | tail -1 | sed 's/^/# /'
else
	echo "not ok 3 - fuzz_sealed: $what"
	tail -40 "$tmp/fuzz.log" | sed 's/^/# /'
	ls "$tmp"/crash-* "$tmp"/leak-* 2>/dev/null | sed 's/^/# artifact: /'
	exit 1
fi
