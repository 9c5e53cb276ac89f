#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - the main job (`make demo`): the whole product on its embedded
# defaults, nothing set up by hand.
#
#   host:  build; create the owner's key pair (the private key never enters
#          the VM)
#   VM:    (Debian's 6.1 kernel) load sealcam.ko, install the owner's public
#          key, `sealcam audit init`, start sealcam-auditd and sealcam-agent
#          with file:// storage in a host directory, record ~10 s, stop both
#          with SIGTERM (scripts/demo-guest.sh)
#   host:  unseal every uploaded segment into ./demo-out/ (PNG frames and a
#          y4m), verify the audit log with the verification key, and the
#          audit chunks the agent uploaded; print what happened and where.
#
# Environment: DEMO_SECONDS (default 10), DEMO_OUT (default ./demo-out),
# DEMO_SEGMENT_FRAMES (default 30: a new segment every 2 s at 15 fps),
# DEMO_SIZE (default 320x240: the agent's own default, 640x480, is 9 MB/s of
# sealed video, more than a TCG guest seals and writes over 9p in real time).
# Exit status 0 only when every step and check passed.

set -euo pipefail
# one block: parsed whole before it runs, so an edit cannot derail a run
{
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${DEMO_SECONDS:-10}
seg_frames=${DEMO_SEGMENT_FRAMES:-30}
size=${DEMO_SIZE:-320x240}
out=$(realpath -m "${DEMO_OUT:-demo-out}")
dev=$out/device		# what the device wrote: store, audit log, its logs
t0=$SECONDS

step() { printf '\n== [%3ds] %s\n' "$((SECONDS - t0))" "$*"; }
step "building sealcam.ko, sealcam, sealcam-auditd and sealcam-agent"
make -s all >"${TMPDIR:-/tmp}/sealcam-demo-build.log" 2>&1 ||
	{ tail -30 "${TMPDIR:-/tmp}/sealcam-demo-build.log" >&2; exit 1; }
for f in sealcam.ko build/sealcam build/sealcam-auditd build/sealcam-agent; do
	[ -e "$f" ] || { echo "demo: $f was not built" >&2; exit 1; }
done
echo "built: sealcam.ko build/sealcam build/sealcam-auditd build/sealcam-agent"

step "creating the owner's key pair on the host"
rm -rf "$out"
mkdir -p "$out/png" "$dev"
mkdir -p "$out/keys"
chmod 700 "$out/keys"
(umask 077 && build/sealcam genkey >"$out/keys/owner.key")
build/sealcam pubkey <"$out/keys/owner.key" >"$dev/owner.pub"
cp "$dev/owner.pub" "$out/keys/owner.pub"
echo "owner public key: $(cat "$dev/owner.pub") (the device gets only this)"

step "booting the VM (one to three minutes under TCG) and running the device for ${seconds} s at $size"
# The VM sees the host's file system; it must not see the owner's private
# key. vm-run runs in a mount namespace of its own where an empty tmpfs
# covers demo-out/keys, so qemu cannot hand the key to the guest.
unshare --mount --propagation private bash -c '
	mount -t tmpfs -o size=1m,mode=700 demo-keys "$1" && shift && exec "$@"' \
	demo "$out/keys" scripts/vm-run --cpu-max --rwdir "$dev" -- \
	bash scripts/demo-guest.sh "$dev" "$dev/owner.pub" "$seconds" "$seg_frames" "$out/keys" "$size"

step "keeping the verification key on the host"
# printed once in the VM by `sealcam audit init`; it lives on the host now
mv "$dev/verify.key" "$out/keys/verify.key"
chmod 600 "$out/keys/verify.key"
echo "owner key:        $out/keys/owner.key (never visible to the VM)"
echo "verification key: $out/keys/verify.key (removed from the device directory)"

step "unsealing every uploaded segment with the owner key"
mapfile -t segs < <(find "$dev/store" -path '*/segments/*.sealed' -type f | sort)
[ "${#segs[@]}" -gt 0 ] || { echo "demo: no segment in $dev/store" >&2; exit 1; }
echo "${#segs[@]} segments in the store ($(du -ch "${segs[@]}" | tail -1 | cut -f1), ciphertext only)"
key=(--key "$out/keys/owner.key" --expect-device "$dev/device.pub")
build/sealcam unseal "${key[@]}" --info "${segs[@]}" >"$out/segments.txt"
tail -3 "$out/segments.txt"
build/sealcam unseal "${key[@]}" -o "$out/demo.y4m" "${segs[@]}"
build/sealcam unseal "${key[@]}" --png "$out/png" "${segs[@]}"
npng=$(find "$out/png" -name '*.png' | wc -l)
echo "$npng PNG frames in $out/png, video in $out/demo.y4m"

step "verifying the audit log with the verification key"
build/sealcam audit verify --dir "$dev/audit" --verify-key "$out/keys/verify.key" \
	>"$out/audit-verify.txt" 2>&1 || { cat "$out/audit-verify.txt" >&2; exit 1; }
cat "$out/audit-verify.txt"
build/sealcam audit show --dir "$dev/audit" >"$out/audit.txt"
mapfile -t chunks < <(find "$dev/store" -path '*/audit/audit-*.sealed' -type f | sort)
[ "${#chunks[@]}" -gt 0 ] || { echo "demo: no audit chunk was uploaded" >&2; exit 1; }
build/sealcam audit unseal --key "$out/keys/owner.key" "${chunks[@]}" >"$out/audit-uploaded.log"
build/sealcam audit verify --no-state --verify-key "$out/keys/verify.key" - \
	<"$out/audit-uploaded.log" >"$out/audit-uploaded-verify.txt" 2>&1 ||
	{ cat "$out/audit-uploaded-verify.txt" >&2; exit 1; }
echo "the ${#chunks[@]} audit chunks the agent uploaded, opened with the owner key:"
cat "$out/audit-uploaded-verify.txt"

opens=$(grep -c '"type":"open"' "$dev/audit/audit.log" || true)
agent_opens=$(grep '"type":"open"' "$dev/audit/audit.log" | grep -c '"comm":"sealcam-agent"' || true)
step "done in $((SECONDS - t0)) s"
cat <<EOF
What happened: the VM's sealcam.ko sealed every frame in the kernel to the
owner's public key; sealcam-agent (which can read no pixel) spooled the
sealed segments and uploaded them to file:// storage; sealcam-auditd logged
every open of a camera ($opens opens, $agent_opens by sealcam-agent) and the
module's segment events to a hash-chained, MACed log; on the host the
owner key opened every segment and the verification key checked the log.

  frames:             $out/png/ ($npng PNG files)
  video:              $out/demo.y4m   (mpv $out/demo.y4m)
  segment report:     $out/segments.txt
  stored (sealed):    $dev/store/ (${#segs[@]} segments, ${#chunks[@]} audit chunks)
  audit log:          $dev/audit/audit.log  (readable: $out/audit.txt)
  audit verification: $out/audit-verify.txt
  device status:      $dev/status-recording.txt
  daemon logs:        $dev/agent.log, $dev/auditd.log
  keys (host only):   $out/keys/
EOF
}
