#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds tests/fuzz/fuzz_sealed.c with clang's libFuzzer + ASan + UBSan and
# runs it from a seed corpus made of the committed test vector (whole, cut,
# and two copies joined as two "files"): 20000 runs normally, 180 s with
# SEALCAM_LONG=1. Fails where clang or libFuzzer is missing (a broken setup).
set -uo pipefail

root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=${SEALCAM_TMP:-$(mktemp -d)}
cd "$root"

. tests/lib/fuzz.sh
fuzz_build fuzz_sealed -Ikmod/uapi -Iuser/libsealcam tests/fuzz/fuzz_sealed.c \
	user/libsealcam/sealed.c user/libsealcam/hpke.c \
	$(pkg-config --cflags --libs libsodium libcrypto) -pthread

corpus=$tmp/corpus
mkdir -p "$corpus"
vec=tests/vectors/grey-160x120.sealed
cp "$vec" "$corpus/whole"
head -c 300 "$vec" >"$corpus/head"
head -c 20000 "$vec" >"$corpus/first-frame"
{ cat "$vec"; printf '\377SCF|'; cat "$vec"; } >"$corpus/replayed"

# the first frame of the vector (19480 bytes) fits the short runs' limit,
# so HPKE and AEAD pass and the fuzzer gets past them
fuzz_run fuzz_sealed "$corpus" 20000 120000
