#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# forge_corecipient.py KEYFILE IN OUT FRAME
#
# What a co-recipient can do (issue 14, point 1): it holds its own private
# key, so it unwraps the segment's content key K, but not the device key.
# It decrypts frame FRAME (index in the file, 0-based) of the segment file
# IN, inverts every pixel, and encrypts the result again under K with the
# same nonce and header: the frame's ChaCha20-Poly1305 stays valid. In a v2
# or v3 file it also rewrites its own attribution MACs (it can derive its
# own MAC key): v2 from that frame on (the chain carries the change), v3
# that frame's (each frame is attributed on its own). The other recipients'
# MACs it cannot make, so it leaves them. Writes OUT. Uses the independent
# decryptor of tests/host/test_format_doc.py (from docs/FORMAT.md), not
# libsealcam.
import base64
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "host"))
import test_format_doc as doc  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: E402


def forge(sk, data, target):
    """data (bytes) with frame number target re-encrypted, pixels inverted,
    and sk's own MACs made again; returns the new bytes."""
    data = bytearray(data)
    my_id = hashlib.sha256(doc.raw_public(sk)).digest()[:8]
    k = mac_key = None
    mine, chain = 0, bytes(32)
    for num, (pos, f, _frame) in enumerate(doc.parse_frames(bytes(data))):
        (_m, version, _hl, flags, seg_hdr_len, ct_len, device_id, segment_id,
         index, mac_len, _r) = f
        hdr = bytes(data[pos:pos + 48 + seg_hdr_len])
        if flags & 1:
            sh = hdr[48:]
            n = struct.unpack("<H", sh[6:8])[0]
            device_pub = sh[8:40]
            entries = [sh[64 + 88 * i:64 + 88 * (i + 1)] for i in range(n)]
            mine = [i for i, e in enumerate(entries) if e[:8] == my_id][0]
            e = entries[mine]
            k, mac_key = doc.unwrap(sk, e[8:40], device_pub, device_id,
                                    segment_id, e[40:88], version)
            chain = bytes(32)
        start = pos + 48 + seg_hdr_len
        end = start + ct_len - mac_len
        nonce = bytes(4) + struct.pack("<Q", index)
        if num == target:
            plain = bytearray(ChaCha20Poly1305(k).decrypt(nonce, bytes(data[start:end]), hdr))
            for i in range(64, len(plain)):
                plain[i] ^= 0xff
            data[start:end] = ChaCha20Poly1305(k).encrypt(nonce, bytes(plain), hdr)
        at = end + 16 * mine
        if version == 2:
            chain, data[at:at + 16] = doc.mac_v2(mac_key, chain, bytes(data[pos:end]))
        elif version == 3:
            data[at:at + 16] = doc.mac_v3(mac_key, index, bytes(data[pos:end]))
    return bytes(data)


def main():
    if len(sys.argv) != 5:
        print(__doc__ or "usage: forge_corecipient.py KEYFILE IN OUT FRAME",
              file=sys.stderr)
        return 2
    sk = X25519PrivateKey.from_private_bytes(
        base64.b64decode(open(sys.argv[1]).read().strip()))
    data = open(sys.argv[2], "rb").read()
    open(sys.argv[3], "wb").write(forge(sk, data, int(sys.argv[4])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
