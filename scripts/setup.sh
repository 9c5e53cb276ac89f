#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh - install everything sealcam needs to build, run and test on
# Debian 12 (bookworm).  Idempotent: when everything is present it only
# checks, prints "nothing to do" lines and returns quickly.
#
#   * Debian 12 packages (kernel 6.1 image/headers/source, qemu, clang/llvm,
#     bpftool, libbpf, libnl, libsodium, libcurl, v4l-utils, and what the
#     debug kernel build of `make check-debug` needs: flex, bison, bc, pahole)
#   * virtme-ng from Debian 13 (trixie): it is not in Debian 12.  The .deb
#     (architecture all) is fetched through a PRIVATE apt source list under
#     /var/lib/sealcam/apt that points at the same mirror the machine already
#     uses, then installed with apt-get so that its dependencies come from
#     Debian 12.  The system's apt sources are never modified.
#   * npm packages pinned by package-lock.json (npm ci), when node_modules
#     does not match the lockfile.
#   * kselftest/checkpatch files extracted from linux-source-6.1
#     (scripts/kselftest.sh).
#   * a Debian 13 root for the 6.12 leg of the VM suite (setup_trixie_root,
#     mmdebstrap from the same mirror; SEALCAM_SKIP_TRIXIE_ROOT=1 skips it).
#
# Environment: SEALCAM_APT_STATE (default /var/lib/sealcam/apt);
# SEALCAM_SETUP_REINSTALL_VIRTME=1 fetches and reinstalls virtme-ng even when
# present (exercises the private-source path without removing vng).

set -euo pipefail

# The whole body is one { ... } block: bash parses it completely before
# running it, so editing this file while it runs cannot derail the run.
{

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=setup.sh
export DEBIAN_FRONTEND=noninteractive

# Debian 12 packages.  busybox-static: vng builds an initramfs (Debian's 9p
# and virtio drivers are modules) and insists on a static busybox.
debian_pkgs=(
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static
	clang llvm libclang-rt-14-dev
	bpftool libbpf-dev libelf-dev zlib1g-dev
	libnl-3-dev libnl-genl-3-dev libsodium-dev libcurl4-openssl-dev libssl-dev
	v4l-utils pkg-config make gcc libc6-dev kmod xz-utils
	perl python3 python3-cryptography file openssl auditd
	python3-argcomplete python3-requests python3-pkg-resources
	nodejs
	flex bison bc dwarves rsync
	ceph-mon ceph-osd radosgw ceph-common uuid-runtime
	time
)
# mmdebstrap: the Debian 13 root of the 6.12 leg (setup_trixie_root below)
debian_pkgs+=(mmdebstrap)
# issue 15 (uvc): libjpeg-turbo-progs (cjpeg) makes the MJPEG frames of the
# emulated USB webcam, tests/tools/uvc-emu.py; patch applies
# kmod/uvc/uvcvideo-sealcam.patch (scripts/build-uvc.sh).
debian_pkgs+=(libjpeg-turbo-progs patch)
# libjpeg-dev: `sealcam unseal --png` decodes sealed MJPEG frames with
# libjpeg-turbo (user/libsealcam/jpeg.c)
debian_pkgs+=(libjpeg-dev)
# ffmpeg (ffprobe, ffmpeg, ffplay) and mpv: the players `sealcam unseal -o`
# and `sealcam view` write for, run on their outputs by
# tests/host/test_unseal_players.sh
debian_pkgs+=(ffmpeg mpv)
# auditd: the Linux audit reference for the camera-open audit tests and
# benchmark; they start it inside the VM only (apt does not start services
# where policy-rc.d forbids it, and the tests never start it on the host).
# flex, bison, bc, dwarves (pahole, for BTF), libssl-dev, libelf-dev: the
# debug kernel of `make check-debug` (scripts/debug-kernel.sh); rsync copies
# the module sources next to it.
# ceph-mon, ceph-osd, radosgw, ceph-common (ceph, radosgw-admin; monmaptool
# comes with ceph-base), uuid-runtime (uuidgen): the real, SigV4-verifying
# S3 server of the tests, a one-node Ceph cluster (scripts/s3-server.sh);
# no ceph-mgr, which it does not need.  They set up no daemon by themselves.
# time (/usr/bin/time -v): peak memory of `sealcam unseal` in test_unseal_stream.
# Live view (issue 17): the relay (mosquitto, its clients for the tests),
# libmosquitto for the agent and `sealcam view`, websockify in front of the
# relay for browsers, chromium for the browser test.
debian_pkgs+=(mosquitto mosquitto-clients libmosquitto-dev chromium websockify)
# nodejs/npm: Debian 12 ships both; a machine with another nodejs build
# that bundles npm is fine too, so npm is only installed when missing.

# Packaging and the device test (issue 16): sd_notify for sealcam-auditd,
# the .debs (debhelper, dh-dkms, lintian, fakeroot), the device image
# (mmdebstrap, mkfs.ext4 -d of e2fsprogs), and
# systemd-analyze for the units.
debian_pkgs+=(libsystemd-dev debhelper dh-dkms dkms lintian fakeroot
	mmdebstrap e2fsprogs systemd)

apt_state=${SEALCAM_APT_STATE:-/var/lib/sealcam/apt}
trixie_suite=trixie
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo

say() { echo "$prog: $*"; }

# apt-get waits for another apt/dpkg (e.g. a concurrent install) instead of
# failing on the lock.
apt_get() { $sudo apt-get -o DPkg::Lock::Timeout=3600 "$@"; }

is_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

install_debian_pkgs() {
	local missing=() p
	for p in "${debian_pkgs[@]}"; do
		is_installed "$p" || missing+=("$p")
	done
	if ! command -v npm >/dev/null; then
		missing+=(npm)
	fi
	if [ ${#missing[@]} -eq 0 ]; then
		say "Debian packages: all ${#debian_pkgs[@]} present, nothing to do"
		return
	fi
	say "Debian packages: installing ${missing[*]}"
	apt_get update -q
	apt_get install -y -q --no-install-recommends "${missing[@]}"
}

# Print the URI of the machine's own Debian archive (the source that carries
# the release's main suite), from one-line .list files and deb822 .sources.
system_debian_mirror() {
	local codename f
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			# deb [options] URI suite components...
			sed -E -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
				awk -v cn="$codename" '$1 == "deb" && $3 == cn { print $2 }'
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			awk -v cn="$codename" '
				function flush() {
					if (enabled && types ~ /(^| )deb( |$)/ &&
					    (" " suites " ") ~ (" " cn " ") && uris != "") {
						split(uris, u, " "); print u[1]
					}
					types = ""; uris = ""; suites = ""; enabled = 1
				}
				BEGIN { enabled = 1 }
				/^[ \t]*#/ { next }
				/^[ \t]*$/ { flush(); next }
				{
					key = tolower($1); sub(/:$/, "", key)
					val = $0; sub(/^[^:]*:[ \t]*/, "", val)
					if (key == "types") types = val
					else if (key == "uris") uris = val
					else if (key == "suites") suites = val
					else if (key == "enabled") enabled = (tolower(val) != "no")
				}
				END { flush() }' "$f"
		done
	} | head -n1
}

install_virtme_ng() {
	local reinstall=()
	if [ -n "${SEALCAM_SETUP_REINSTALL_VIRTME:-}" ]; then
		reinstall=(--reinstall)
	elif is_installed virtme-ng && command -v vng >/dev/null; then
		say "virtme-ng: $(vng --version 2>/dev/null || echo installed) present, nothing to do"
		return
	fi
	local mirror keyring list opts deb
	mirror=$(system_debian_mirror)
	[ -n "$mirror" ] || {
		say "cannot find the machine's Debian mirror in /etc/apt/sources*" >&2
		exit 1
	}
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || { say "missing $keyring (debian-archive-keyring)" >&2; exit 1; }

	$sudo mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" \
		"$apt_state/debs"
	list=$apt_state/sources.list
	echo "deb [signed-by=$keyring] $mirror $trixie_suite main" |
		$sudo tee "$list" >/dev/null
	say "virtme-ng: fetching from Debian $trixie_suite via private list $list ($mirror)"

	# Private source list, private package lists and cache: the system's
	# apt state is neither read for sources nor written.
	opts=(-o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache=$apt_state/cache"
		-o APT::Sandbox::User=root)
	$sudo apt-get "${opts[@]}" update -q
	(cd "$apt_state/debs" && $sudo rm -f virtme-ng_*.deb &&
		$sudo apt-get "${opts[@]}" download virtme-ng)
	deb=$(ls "$apt_state"/debs/virtme-ng_*_all.deb | head -n1)
	say "virtme-ng: installing $deb with its dependencies from Debian 12"
	# Dependencies resolve from the system's (Debian 12) sources.
	apt_get install -y -q --no-install-recommends "${reinstall[@]}" "$deb"
	vng --version >/dev/null
}

install_npm_pkgs() {
	local lock=$root/package-lock.json stamp=$root/node_modules/.sealcam-lock.sha256 sum
	[ -f "$lock" ] || { say "npm: no package-lock.json, nothing to do"; return; }
	sum=$(sha256sum "$lock" | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		say "npm: node_modules matches package-lock.json, nothing to do"
		return
	fi
	say "npm: node_modules out of date, running npm ci"
	(cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
	echo "$sum" >"$stamp"
}

# ---- Debian 13 root (issue 16): the 6.12 leg of the VM suite -------------
# A Debian 13 (trixie) root made with mmdebstrap from the machine's own
# mirror (system_debian_mirror), at $SEALCAM_TRIXIE_ROOT (default
# /var/lib/sealcam/trixie-root): its kernel 6.12 boots the 6.12 leg
# (scripts/vm-run --root), its gcc 14, 6.12 headers and libbpf 1.5 build
# build/deb13 (scripts/build-deb13.sh), and it is the guest's userspace.
# Kept while its stamp (.sealcam-pkgs: hash of the package list) matches;
# a new root is made beside it and replaces it only when complete.
# SEALCAM_SKIP_TRIXIE_ROOT=1 skips it (a 6.1-only machine).
trixie_root=${SEALCAM_TRIXIE_ROOT:-/var/lib/sealcam/trixie-root}
trixie_pkgs=(
	linux-image-amd64 linux-headers-amd64
	gcc make libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libnl-3-dev libnl-genl-3-dev libsodium-dev libcurl4-openssl-dev libssl-dev
	pkg-config v4l-utils kmod busybox-static binutils
	python3 python3-cryptography libjpeg-turbo-progs
	ceph-mon ceph-osd radosgw ceph-common uuid-runtime
	time file openssl auditd curl perl procps psmisc util-linux iproute2
	libsystemd-dev mosquitto mosquitto-clients libmosquitto-dev
	linux-source-6.12 patch libjpeg-dev
)
# busybox-static: virtme-ng builds the guest's initramfs from the root's
# busybox.  binutils: readelf (tests/lib/sealcam.sh).  libjpeg-turbo-progs:
# cjpeg for the emulated USB webcam.  curl, python3: test_agent_s3.sh.
# libsystemd-dev: sealcam-auditd's sd_notify.  mosquitto, mosquitto-clients,
# libmosquitto-dev: the live path (agent --live, sealcam view) and the broker
# of test_live_view.sh.  linux-source-6.12, patch: uvcvideo with sealcam's
# patch for 6.12 (scripts/build-uvc.sh).  libjpeg-dev: sealcam
# unseal's PNGs of MJPEG frames (user/libsealcam/jpeg.c).

trixie_stamp() {
	printf '%s\n' "$trixie_suite" "${trixie_pkgs[@]}" | sha256sum | cut -d' ' -f1
}

setup_trixie_root() {
	local stamp mirror new t0 inc
	if [ -n "${SEALCAM_SKIP_TRIXIE_ROOT:-}" ]; then
		say "Debian 13 root: SEALCAM_SKIP_TRIXIE_ROOT set, not made"
		return
	fi
	stamp=$(trixie_stamp)
	if [ -f "$trixie_root/.sealcam-pkgs" ] &&
		[ "$(cat "$trixie_root/.sealcam-pkgs")" = "$stamp" ] &&
		ls "$trixie_root"/boot/vmlinuz-6.12* >/dev/null 2>&1; then
		say "Debian 13 root: $trixie_root complete, nothing to do"
		return
	fi
	command -v mmdebstrap >/dev/null || { say "mmdebstrap missing" >&2; exit 1; }
	mirror=$(system_debian_mirror)
	[ -n "$mirror" ] || {
		say "cannot find the machine's Debian mirror in /etc/apt/sources*" >&2
		exit 1
	}
	new=$trixie_root.new
	$sudo rm -rf "$new"
	$sudo mkdir -p "$(dirname "$trixie_root")"
	inc=$(IFS=,; echo "${trixie_pkgs[*]}")
	say "Debian 13 root: making $trixie_root with mmdebstrap ($mirror, log $trixie_root.log)"
	t0=$(date +%s)
	# --variant=apt: essential + apt; no recommends (only what is listed)
	if ! $sudo mmdebstrap --variant=apt --include="$inc" \
		--aptopt='APT::Install-Recommends "false"' \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$trixie_suite" "$new" "deb $mirror $trixie_suite main" \
		>"$trixie_root.log" 2>&1; then
		tail -n 20 "$trixie_root.log" >&2
		say "Debian 13 root: mmdebstrap failed (log $trixie_root.log)" >&2
		exit 1
	fi
	echo "$stamp" | $sudo tee "$new/.sealcam-pkgs" >/dev/null
	$sudo rm -rf "$trixie_root.old"
	[ ! -e "$trixie_root" ] || $sudo mv "$trixie_root" "$trixie_root.old"
	$sudo mv "$new" "$trixie_root"
	$sudo rm -rf "$trixie_root.old"
	say "Debian 13 root: made in $(($(date +%s) - t0))s ($(du -sh "$trixie_root" | cut -f1))"
}

start=$(date +%s)
install_debian_pkgs
install_virtme_ng
install_npm_pkgs
"$root/scripts/kselftest.sh"
setup_trixie_root
# the device test's images (cached; downloads only here): those
# tests/host/test_device.sh tests, SEALCAM_DEVICE_SUITES (default Debian 13)
for suite in ${SEALCAM_DEVICE_SUITES:-trixie}; do
	"$root/scripts/device-image.sh" "$suite" >/dev/null
done
say "done in $(($(date +%s) - start))s"
exit
}
