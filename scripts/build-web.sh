#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-web.sh - bundle the browser viewer (web/viewer.mjs, web/sealcam.mjs
# and their npm libraries: @noble/*, mqtt) into one static page:
#   build/web/viewer.html, build/web/viewer.js
# with esbuild from node_modules (npm ci, scripts/setup.sh). Serve the two
# files from anywhere (e.g. the bucket that holds the segments).
#   scripts/build-web.sh [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/web}
esbuild=$root/node_modules/.bin/esbuild
[ -x "$esbuild" ] || { echo "build-web.sh: $esbuild missing (npm ci)" >&2; exit 1; }
mkdir -p "$out"
"$esbuild" "$root/web/viewer.mjs" --bundle --format=iife --platform=browser \
	--target=es2020 --minify --log-level=warning --outfile="$out/viewer.js"
cp "$root/web/viewer.html" "$out/viewer.html"
echo "build-web.sh: $out/viewer.html, $out/viewer.js ($(stat -c %s "$out/viewer.js") bytes)"
