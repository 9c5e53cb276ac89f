#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-debs.sh [OUTDIR] - build the sealcam and sealcam-dkms packages with
# dpkg-buildpackage from the committed tree plus the working tree's changes
# (a copy under build/deb/, so nothing is written next to the repository),
# then run lintian on them (every override in debian/*.lintian-overrides says
# why).  The .debs end up in OUTDIR (default build/deb/).
#
#   SEALCAM_DEB_ROOT=DIR   build inside this chroot (e.g. a Debian 13 root
#                          with the build dependencies) instead of the host
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(realpath -m "${1:-$root/build/deb}")
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$root/debian/changelog")
work=$root/build/deb-src
src=$work/sealcam-$version

rm -rf "$work"
mkdir -p "$src" "$out"
# what git knows plus untracked, not ignored files: never build/ or node_modules/
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
	grep -zv '^node_modules/' | xargs -0 cp --parents -t "$src" 2>/dev/null ||
	true)
[ -f "$src/debian/rules" ] || { echo "build-debs.sh: copying the tree failed" >&2; exit 1; }

(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log" >&2
	echo "build-debs.sh: dpkg-buildpackage failed (log: $work/build.log)" >&2
	exit 1
}
rm -f "$out"/sealcam*.deb
mv "$work"/sealcam*_"$version"_*.deb "$out"/
cp "$work"/sealcam_"$version"_*.changes "$out"/ 2>/dev/null || true
echo "build-debs.sh: built $(cd "$out" && ls sealcam*.deb | tr '\n' ' ')"

# lintian: errors and warnings fail the build
if ! lintian --fail-on error,warning --suppress-tags-from-file /dev/null \
	"$out"/sealcam*_"$version"_*.deb; then
	echo "build-debs.sh: lintian found problems" >&2
	exit 1
fi
echo "build-debs.sh: lintian clean"
