#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# A second decryptor, written from docs/FORMAT.md alone with Python's
# hashlib/hmac and python3-cryptography (X25519, ChaCha20Poly1305), opens the
# committed test vector and gets the committed pixel digest: the document is
# enough to decrypt, and the C implementation agrees with an independent one.
# Both formats: v1 (grey-160x120.sealed) and v2 (grey-160x120-v2.sealed, two
# recipients), whose per-recipient frame attribution (FORMAT.md 4.4) is
# checked here too.
# Fails when python3-cryptography is missing: scripts/setup.sh installs it,
# so that is a broken setup, not a reason to skip.
import base64
import hashlib
import hmac
import os
import struct
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey, X25519PublicKey)
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
except ImportError:
    print("1..1")
    print("not ok 1 - missing: python3-cryptography")
    print("# scripts/setup.sh (run by make check) installs it:"
          " a setup failure, not a skip")
    sys.exit(1)

SUITE_KEM = b"KEM" + bytes([0x00, 0x20])
SUITE_HPKE = b"HPKE" + bytes([0x00, 0x20, 0x00, 0x01, 0x00, 0x03])


def extract(salt, ikm):
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def labeled_extract(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite, prk, label, info, length):
    return expand(prk, struct.pack(">H", length) + b"HPKE-v1" + suite + label + info, length)


def raw_public(priv):
    return priv.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)


class Forged(Exception):
    """Our attribution MAC does not verify (FORMAT.md 4.4, rule 14a)."""


def unwrap(sk_r, enc, pk_s, device_id, segment_id, wrapped, version=1):
    """HPKE mode_auth single-shot Open, FORMAT.md section 4.2: (K, mac_key)."""
    pk_r = raw_public(sk_r)
    dh = sk_r.exchange(X25519PublicKey.from_public_bytes(enc)) + \
        sk_r.exchange(X25519PublicKey.from_public_bytes(pk_s))
    eae_prk = labeled_extract(SUITE_KEM, b"", b"eae_prk", dh)
    shared = labeled_expand(SUITE_KEM, eae_prk, b"shared_secret", enc + pk_r + pk_s, 32)
    label = b"sealcam-v1 segment key" if version == 1 else b"sealcam-v2 segment key"
    info = label + device_id + struct.pack("<Q", segment_id)
    context = bytes([0x02]) + labeled_extract(SUITE_HPKE, b"", b"psk_id_hash", b"") + \
        labeled_extract(SUITE_HPKE, b"", b"info_hash", info)
    secret = labeled_extract(SUITE_HPKE, shared, b"secret", b"")
    key = labeled_expand(SUITE_HPKE, secret, b"key", context, 32)
    base_nonce = labeled_expand(SUITE_HPKE, secret, b"base_nonce", context, 12)
    exporter_secret = labeled_expand(SUITE_HPKE, secret, b"exp", context, 32)
    mac_key = labeled_expand(SUITE_HPKE, exporter_secret, b"sec",
                             b"sealcam-v2 frame attribution", 32)
    return ChaCha20Poly1305(key).decrypt(base_nonce, wrapped, b""), mac_key


def parse_frames(data):
    """Split a segment file: list of (pos, header fields, frame bytes)."""
    pos, out = 0, []
    while pos < len(data):
        f = struct.unpack("<IBBHII8sQQII", data[pos:pos + 48])
        length = 48 + f[4] + f[5]
        out.append((pos, f, data[pos:pos + length]))
        pos += length
    return out


def decrypt(sk_r, data):
    """Frames of a segment file: list of (segment_id, index, meta, pixels)."""
    my_id = hashlib.sha256(raw_public(sk_r)).digest()[:8]
    pos, content_key, frames = 0, None, []
    mac_key, mine_at, chain = None, 0, bytes(32)
    while pos < len(data):
        hdr = data[pos:pos + 48]
        (magic, version, hdr_len, flags, seg_hdr_len, ct_len, device_id,
         segment_id, index, mac_len, reserved) = struct.unpack("<IBBHII8sQQII", hdr)
        if magic != 0x31464353 or version not in (1, 2) or hdr_len != 48 or \
                reserved or (version == 1 and mac_len) or mac_len % 16:
            raise ValueError("bad frame header at %d" % pos)
        seg_hdr = data[pos + 48:pos + 48 + seg_hdr_len]
        if flags & 0x0001:
            (smagic, sversion, n, device_pub, seg_id2, _camera, r1,
             r2) = struct.unpack("<IHH32sQIIQ", seg_hdr[:64])
            if smagic != 0x31534353 or seg_id2 != segment_id or \
                    hashlib.sha256(device_pub).digest()[:8] != device_id:
                raise ValueError("bad segment header")
            entries = [seg_hdr[64 + 88 * i:64 + 88 * (i + 1)] for i in range(n)]
            if sversion != version or (version == 2 and mac_len != 16 * n):
                raise ValueError("bad segment header")
            mine = [i for i, e in enumerate(entries) if e[:8] == my_id]
            if not mine:
                raise ValueError("not a recipient")
            e = entries[mine[0]]
            content_key, mac_key = unwrap(sk_r, e[8:40], device_pub, device_id,
                                          segment_id, e[40:88], version)
            mine_at, chain = mine[0], bytes(32)
        aead_len = ct_len - mac_len
        body_end = pos + 48 + seg_hdr_len + aead_len
        ct = data[pos + 48 + seg_hdr_len:body_end]
        nonce = bytes(4) + struct.pack("<Q", index)
        plain = ChaCha20Poly1305(content_key).decrypt(nonce, ct, hdr + seg_hdr)
        if version == 2:
            chain = hashlib.sha256(chain + data[pos:body_end]).digest()
            mac = hmac.new(mac_key, chain, hashlib.sha256).digest()[:16]
            at = body_end + 16 * mine_at
            if not hmac.compare_digest(mac, data[at:at + 16]):
                raise Forged("segment %d frame %d" % (segment_id, index))
        meta = struct.unpack("<QQQIIIIIIIII", plain[:60])
        frames.append((segment_id, index, meta, plain[64:64 + meta[7]]))
        pos += 48 + seg_hdr_len + ct_len
    return frames


def main():
    root = os.environ.get("SEALCAM_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
    vec = os.path.join(root, "tests", "vectors")
    sk_r = X25519PrivateKey.from_private_bytes(
        base64.b64decode(open(os.path.join(vec, "owner.key")).read().strip()))
    data = open(os.path.join(vec, "grey-160x120.sealed"), "rb").read()
    want = open(os.path.join(vec, "grey-160x120.sha256")).read().strip()
    failed = 0
    print("1..9")

    frames = decrypt(sk_r, data)
    digest = hashlib.sha256(b"".join(f[3] for f in frames)).hexdigest()
    ok = digest == want
    failed += not ok
    print("%sok 1 - independent decryptor: pixel digest %s" % ("" if ok else "not ", digest))

    seqs = [f[2][2] for f in frames]
    fmt = frames[0][2][3].to_bytes(4, "little") if frames else b""
    ok = [f[1] for f in frames] == [0, 1, 2] and seqs == [42, 43, 44] and \
        fmt == b"GREY" and frames[0][2][4:6] == (160, 120)
    failed += not ok
    print("%sok 2 - 3 GREY 160x120 frames, index 0..2, sequence 42..44" % ("" if ok else "not "))

    device_pub = base64.b64decode(open(os.path.join(vec, "device.pub")).read().strip())
    ok = data[48 + 8:48 + 40] == device_pub
    failed += not ok
    print("%sok 3 - segment header device_pub is device.pub" % ("" if ok else "not "))

    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x04
    try:
        decrypt(sk_r, bytes(bad))
        ok = False
    except InvalidTag:
        ok = True
    failed += not ok
    print("%sok 4 - a flipped bit fails the Poly1305 tag here too" % ("" if ok else "not "))

    # Format v2: two recipients, each checks its own attribution MAC.
    data2 = open(os.path.join(vec, "grey-160x120-v2.sealed"), "rb").read()
    sk_r2 = X25519PrivateKey.from_private_bytes(
        base64.b64decode(open(os.path.join(vec, "owner2.key")).read().strip()))
    for num, key, name in ((5, sk_r, "owner.key"), (6, sk_r2, "owner2.key")):
        try:
            frames2 = decrypt(key, data2)
            d2 = hashlib.sha256(b"".join(f[3] for f in frames2)).hexdigest()
            ok = d2 == want and [f[1] for f in frames2] == [0, 1, 2]
        except (ValueError, InvalidTag, Forged) as e:
            ok, d2 = False, repr(e)
        failed += not ok
        print("%sok %d - v2 vector with %s: attributed, pixel digest %s" %
              ("" if ok else "not ", num, name, d2))

    hdr = parse_frames(data2)
    ok = len(hdr) == 3 and all(f[1][1] == 2 and f[1][9] == 32 for f in hdr)
    failed += not ok
    print("%sok 7 - v2 vector: version 2, mac_len 32 (2 recipients) on every frame" %
          ("" if ok else "not "))

    # The second recipient's MAC of the last frame altered: the first
    # recipient is not affected, the second finds a forgery.
    bad = bytearray(data2)
    bad[-1] ^= 0x01
    try:
        decrypt(sk_r, bytes(bad))
        try:
            decrypt(sk_r2, bytes(bad))
            ok = False
        except Forged:
            ok = True
    except (ValueError, InvalidTag, Forged):
        ok = False
    failed += not ok
    print("%sok 8 - a flipped bit in recipient 2's MAC: forged for it only" %
          ("" if ok else "not "))

    # MJPG (FORMAT.md 3.3): frames of varying length, each one JPEG as the
    # camera sent it. sc-mkseg (the C sealer) seals three byte strings of
    # different lengths as MJPG; decrypted here, each payload is exactly
    # the bytes given, and the metadata passes rule 15 as the document
    # states it for MJPG.
    mk = os.path.join(root, "build", "tests", "agent", "sc-mkseg")
    tmp = os.environ.get("SEALCAM_TMP") or "/tmp"
    jpegs = [b"\xff\xd8" + bytes([i]) * (97 * i + 3) + b"\xff\xd9" for i in range(1, 4)]
    args = [mk, "-o", os.path.join(tmp, "fmtdoc-mjpg.sealed"),
            "--owner-pub", os.path.join(vec, "owner.pub"), "--segment", "7",
            "--frames", "4"]
    for i, j in enumerate(jpegs):
        path = os.path.join(tmp, "fmtdoc-%d.jpg" % i)
        open(path, "wb").write(j)
        args += ["--jpeg", path]
    try:
        import subprocess
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        fr = decrypt(sk_r, open(args[2], "rb").read())
        ok = [f[3] for f in fr] == [jpegs[0], jpegs[1], jpegs[2], jpegs[0]]
        for f in fr:
            m = f[2]  # pixelformat, width, height, bytesperline, payload_len
            ok = ok and m[3].to_bytes(4, "little") == b"MJPG" and m[6] == 0 and \
                1 <= m[7] <= 4 * m[4] * m[5] and 160 <= m[4] <= 1920 and \
                120 <= m[5] <= 1080
        why = "%d frames, payload lengths %s" % (len(fr), [len(f[3]) for f in fr])
    except (OSError, subprocess.CalledProcessError, ValueError, InvalidTag, Forged) as e:
        ok, why = False, "%s (make tests builds sc-mkseg)" % e
    failed += not ok
    print("%sok 9 - MJPG: variable-length frames decrypt to the exact bytes sealed, rule 15 holds (%s)" %
          ("" if ok else "not ", why))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
