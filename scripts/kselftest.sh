#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kselftest.sh - extract the few kernel-source files the build and the tests
# use from Debian's linux-source-6.1 tarball into build/linux-src/ (never
# into the repository proper):
#
#   build/linux-src/tools/testing/selftests/kselftest_harness.h
#   build/linux-src/tools/testing/selftests/kselftest.h
#   build/linux-src/scripts/checkpatch.pl  (+ spelling.txt,
#                                            const_structs.checkpatch)
#
# C tests: -I build/linux-src/tools/testing/selftests
# checkpatch: build/linux-src/scripts/checkpatch.pl --strict --no-tree -f FILE
#
# Does nothing when the files are already there.  Prints the directory.
# Environment: SEALCAM_LINUX_SRC_TAR (default /usr/src/linux-source-6.1.tar.xz),
# SEALCAM_LINUX_SRC_DIR (default <repo>/build/linux-src).

set -euo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tarball=${SEALCAM_LINUX_SRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
dest=${SEALCAM_LINUX_SRC_DIR:-$root/build/linux-src}

files=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
)

missing=0
for f in "${files[@]}"; do
	[ -s "$dest/$f" ] || missing=1
done
if [ "$missing" = 0 ]; then
	echo "kselftest.sh: $dest up to date, nothing to do"
	exit 0
fi

[ -r "$tarball" ] || {
	echo "kselftest.sh: $tarball missing (apt-get install linux-source-6.1)" >&2
	exit 1
}

# The tarball's top directory is linux-source-6.1/.
top=$(basename "$tarball" .tar.xz)
tmp=$(mktemp -d "${dest%/*}/.linux-src.XXXXXX" 2>/dev/null ||
	{ mkdir -p "${dest%/*}" && mktemp -d "${dest%/*}/.linux-src.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
echo "kselftest.sh: extracting ${#files[@]} files from $tarball"
tar -xJf "$tarball" -C "$tmp" --strip-components=1 "${files[@]/#/$top/}"
chmod +x "$tmp/scripts/checkpatch.pl"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "kselftest.sh: extracted into $dest"
exit
}
