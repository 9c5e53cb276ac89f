#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A co-recipient cannot forge frames to the other recipients (issue 14,
# point 1; docs/FORMAT.md 4.4). Segments sealed to two owners (owner2 is the
# forger, owner the victim); tests/tools/forge_corecipient.py, knowing K
# through owner2's key but not the device key, re-encrypts one frame with
# inverted pixels, its ChaCha20-Poly1305 valid, and rewrites owner2's own
# MACs. Formats v3 (one-time Poly1305 per frame) and v2 (HMAC over a
# running SHA-256): owner's unseal rejects it as a forged frame (exit 4),
# owner2's accepts it (it only fools itself). Format v1: the forgery goes
# through for owner, and unseal says so with the "format v1" warning.
set -uo pipefail

. "$(dirname "$0")/../lib/unseal-host.sh"

tap_plan 15

forge=tests/tools/forge_corecipient.py
key2=$vec/owner2.key
dev=$tmp/device.pub
# the device key sc-mkseg seals with: SHA-256 of its default seed
python3 - "$dev" <<'PY'
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
k = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"agent test").digest())
pub = k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
open(sys.argv[1], "w").write(base64.b64encode(pub).decode() + "\n")
PY

unseal() {	# unseal KEY FILE: exit status; stderr in $tmp/err
	$sc unseal --key "$1" --expect-device "$dev" --expect-recipient $vec/owner.pub \
		--expect-recipient $vec/owner2.pub -o /dev/null "$2" 2>"$tmp/err"
}

for v in 1 2 3; do
	$mk -o "$tmp/v$v.sealed" --format $v --owner-pub $vec/owner.pub \
		--owner-pub $vec/owner2.pub --segment 5 --frames 4 >/dev/null ||
		tap_bail "sc-mkseg --format $v"
	python3 $forge $key2 "$tmp/v$v.sealed" "$tmp/v$v.forged" 2 ||
		tap_bail "forge_corecipient.py on v$v"
done

for v in 3 2; do
	unseal $key "$tmp/v$v.sealed"; rc=$?
	tap_check "v$v, two recipients, untouched: owner verifies it (exit $rc)" test "$rc" = 0
	unseal $key "$tmp/v$v.forged"; rc=$?
	tap_check "v$v forged by the co-recipient: owner's unseal rejects it as tampered (exit $rc)" test "$rc" = 4
	tap_check "... with a message naming the forgery" \
		grep -q "forged frame: .*segment 5: frame 2 is forged: .*fails our attribution MAC, so device .* did not seal it" "$tmp/err" ||
		tap_diag "$(cat "$tmp/err")"
	tap_check "... and nothing about format v1" bash -c "! grep -q 'format v1' '$tmp/err'"
	unseal $key2 "$tmp/v$v.forged"; rc=$?
	tap_check "the forger's own unseal accepts it (its own MACs; exit $rc)" test "$rc" = 0
	cmp -s "$tmp/v$v.sealed" "$tmp/v$v.forged"; rc=$?
	tap_check "the forgery changed the file" test "$rc" = 1
done

unseal $key "$tmp/v1.sealed"; rc=$?
tap_check "v1, untouched: owner verifies it (exit $rc)" test "$rc" = 0
unseal $key "$tmp/v1.forged"; rc=$?
tap_check "v1 forged by the co-recipient: accepted (exit $rc): v1 cannot tell" test "$rc" = 0
tap_check "... with the format v1 warning (weaker guarantee)" \
	grep -q "format v1: .*authenticated only under the content key every recipient holds; another recipient could have altered them" "$tmp/err" ||
	tap_diag "$(cat "$tmp/err")"
