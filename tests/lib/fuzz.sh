# SPDX-License-Identifier: MIT
# Shell library (source it) for the libFuzzer host tests: three TAP points.
#
#   fuzz_build NAME CLANG_ARGS...   1..3, then point 1: build $tmp/NAME with
#                                   -fsanitize=fuzzer,address,undefined
#                                   (fails, exit 1, without clang or the
#                                   libFuzzer runtime: scripts/setup.sh
#                                   installs both, so that is a broken
#                                   setup, not a reason to skip)
#   fuzz_run NAME CORPUS MAXLEN_SHORT MAXLEN_LONG
#                                   point 2: the seed corpus runs clean;
#                                   point 3: 20000 runs, or 180 s with
#                                   SEALCAM_LONG=1, without crash, leak or UB
# Needs $tmp (scratch dir) and the checkout as the working directory.

# fuzz_missing NAME WHAT: point 1 fails naming what is missing
fuzz_missing() {
	echo "not ok 1 - $1 builds: missing: $2"
	echo "# scripts/setup.sh (run by make check) installs clang and libFuzzer:" \
		"a setup failure, not a skip"
	exit 1
}

fuzz_build() {
	local name=$1 cc= c
	shift
	echo "1..3"
	for c in clang clang-16 clang-15 clang-14; do
		command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
	done
	[ -n "$cc" ] || fuzz_missing "$name" "clang"
	if "$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined "$@" -o "$tmp/$name" \
		2>"$tmp/build.log"; then
		echo "ok 1 - $name builds with -fsanitize=fuzzer,address,undefined"
		return 0
	fi
	grep -q "libclang_rt.fuzzer\|fuzzer.*No such file\|cannot find.*fuzzer" \
		"$tmp/build.log" && fuzz_missing "$name" "the libFuzzer runtime (libclang_rt.fuzzer)"
	echo "not ok 1 - $name builds"
	sed 's/^/# /' "$tmp/build.log"
	exit 1
}

fuzz_run() {
	local name=$1 corpus=$2 short=$3 long=$4 what
	local -a limit
	if "$tmp/$name" -runs=0 -artifact_prefix="$tmp/" "$corpus" \
		>"$tmp/seed.log" 2>&1; then
		echo "ok 2 - $name: the seed corpus runs clean"
	else
		echo "not ok 2 - $name: the seed corpus runs clean"
		tail -30 "$tmp/seed.log" | sed 's/^/# /'
	fi
	if [ -n "${SEALCAM_LONG:-}" ]; then
		limit=(-max_total_time=180 -max_len="$long")
		what="180 s"
	else
		limit=(-runs=20000 -max_len="$short")
		what="20000 runs"
	fi
	if "$tmp/$name" "${limit[@]}" -timeout=20 -rss_limit_mb=1024 \
		-artifact_prefix="$tmp/" "$corpus" >"$tmp/fuzz.log" 2>&1; then
		echo "ok 3 - $name: $what without a crash, leak or UB"
		grep -E "^#[0-9]+.*(DONE|pulse)" "$tmp/fuzz.log" | tail -1 |
			sed 's/^/# /'
	else
		echo "not ok 3 - $name: $what"
		tail -40 "$tmp/fuzz.log" | sed 's/^/# /'
		ls "$tmp"/crash-* "$tmp"/leak-* 2>/dev/null |
			sed 's/^/# artifact: /'
		exit 1
	fi
}
