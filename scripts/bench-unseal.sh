#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench-unseal.sh - `sealcam unseal` on a large sealed file beside
# libsodium's raw ChaCha20-Poly1305 on the same amount of data (issue 14,
# acceptance 7: peak RSS under 64 MiB for a 2 GB file, and decryption at
# >= 0.9x libsodium's raw AEAD throughput).
#
#   1. sc-mkseg (the userspace sealer of the tests) writes one format-v3
#      segment of FRAMES GREY 1920x1080 frames (default 1000: 2.07 GB) to
#      the owner key of tests/vectors, in build/ (not /tmp: it may be tmpfs)
#   2. ROUNDS rounds (default 3), each: `sealcam unseal -q -o /dev/null`
#      (every frame decrypted, verified, its attribution MAC checked, written
#      as y4m to /dev/null) under /usr/bin/time, then tests/tools/bench_aead
#      (libsodium decrypting one frame-sized ciphertext FRAMES times, in
#      memory, one thread: no file, no parsing, no hash)
#   3. prints one table: the median round of each, and the ratios
#
# The file is read once before the first round so that both sides start
# from the page cache. unseal decrypts and checks a v3 frame on one thread
# (its attribution MAC is one Poly1305 pass); only v2 files hash on a
# second thread. Wall and CPU time are both printed.
#
# Usage: scripts/bench-unseal.sh [FRAMES [ROUNDS]]

set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
frames=${1:-1000}
rounds=${2:-3}

make -s all build/tests/agent/sc-mkseg build/tests/tools/bench_aead
out=$(mktemp -d "$root/build/bench-unseal.XXXXXX")
trap 'rm -rf "$out"' EXIT
export SEALCAM_KNOWN_DEVICES=$out/known_devices

big=$out/big.sealed
build/tests/agent/sc-mkseg -o "$big" --owner-pub tests/vectors/owner.pub \
	--segment 7 --frames "$frames" --size 1920x1080 >/dev/null
bytes=$(stat -c %s "$big")
frame_ct=$(( (bytes / frames) - 48 - 16 ))	# ciphertext of one frame, about
# pins the device (trust on first use, in $out) and warms the page cache
build/sealcam unseal --key tests/vectors/owner.key --info "$big" >/dev/null 2>&1

for ((i = 0; i < rounds; i++)); do
	/usr/bin/time -f '%e %U %S %M' -o "$out/time" build/sealcam unseal \
		--key tests/vectors/owner.key -q -o /dev/null "$big" ||
		{ echo "bench-unseal: unseal failed (exit $?)" >&2; exit 1; }
	read -r wall user sys rss <"$out/time"
	echo "unseal $wall $(echo "$user + $sys" | bc -l) $rss" >>"$out/rows"
	build/tests/tools/bench_aead "$frame_ct" "$frames" |
		sed -E 's/bytes=([0-9]+) wall_ns=([0-9]+) cpu_ns=([0-9]+).*/aead \2 \3 \1/' |
		awk '{ printf "aead %.3f %.3f %d\n", $2 / 1e9, $3 / 1e9, $4 }' >>"$out/rows"
done

median() {	# median KIND COLUMN
	awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$out/rows" | sort -g |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
u_wall=$(median unseal 2) u_cpu=$(median unseal 3) u_rss=$(median unseal 4)
a_wall=$(median aead 2) a_cpu=$(median aead 3)
a_bytes=$(awk '$1 == "aead" { print $4; exit }' "$out/rows")
mbs() { echo "scale=0; $1 / $2 / 1000000" | bc -l; }

echo
echo "unseal of one sealed file beside libsodium's raw AEAD (median of $rounds rounds)"
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %14s %9s %9s %10s %10s\n' "" "bytes" "wall s" "CPU s" "MB/s wall" "peak RSS"
printf '%-44s %14s %9s %9s %10s %10s\n' "sealcam unseal -o /dev/null (v3, 1920x1080)" \
	"$bytes" "$u_wall" "$u_cpu" "$(mbs "$bytes" "$u_wall")" "$((u_rss / 1024)) MiB"
printf '%-44s %14s %9s %9s %10s %10s\n' "libsodium chacha20poly1305_ietf_decrypt" \
	"$a_bytes" "$a_wall" "$a_cpu" "$(mbs "$a_bytes" "$a_wall")" "-"
echo
printf 'throughput ratio unseal / libsodium raw AEAD: wall %s, per CPU second %s (target >= 0.9, wall)\n' \
	"$(echo "scale=2; ($bytes / $u_wall) / ($a_bytes / $a_wall)" | bc -l)" \
	"$(echo "scale=2; ($bytes / $u_cpu) / ($a_bytes / $a_cpu)" | bc -l)"
printf 'peak RSS of unseal: %s MiB for a %s MB file (target < 64 MiB)\n' \
	"$((u_rss / 1024))" "$((bytes / 1000000))"
