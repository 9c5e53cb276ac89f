#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# A second decryptor, written from docs/FORMAT.md alone with Python's
# hashlib/hmac and python3-cryptography (X25519, ChaCha20Poly1305), opens the
# committed test vector and gets the committed pixel digest: the document is
# enough to decrypt, and the C implementation agrees with an independent one.
# All three formats: v1 (grey-160x120.sealed), v2 (grey-160x120-v2.sealed,
# two recipients, attribution by HMAC over a running SHA-256) and v3
# (grey-160x120-v3.sealed, the same two recipients, attribution by a
# one-time Poly1305 per recipient and frame): the per-recipient frame
# attribution of FORMAT.md 4.4 is checked for each recipient, as are a
# tampered MAC and a co-recipient's forgery.
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
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.poly1305 import Poly1305
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


# Export's exporter_context per version (FORMAT.md 4.2); v1 has none.
EXPORT_CONTEXT = {2: b"sealcam-v2 frame attribution",
                  3: b"sealcam-v3 frame attribution"}


def unwrap(sk_r, enc, pk_s, device_id, segment_id, wrapped, version=1):
    """HPKE mode_auth single-shot Open, FORMAT.md section 4.2: (K, mac_key).

    The key wrapping info is "sealcam-v1 segment key" for v1 and
    "sealcam-v2 segment key" for v2 and v3; mac_key is None for v1."""
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
    mac_key = None
    if version in EXPORT_CONTEXT:
        mac_key = labeled_expand(SUITE_HPKE, exporter_secret, b"sec",
                                 EXPORT_CONTEXT[version], 32)
    return ChaCha20Poly1305(key).decrypt(base_nonce, wrapped, b""), mac_key


def otk_v3(mac_key, index):
    """FORMAT.md 4.4, v3: the first 32 bytes of the ChaCha20 keystream
    (RFC 8439 2.4) with key mac_key, nonce 0^4 || le64(index), counter 0.
    python3-cryptography's ChaCha20 takes a 16-byte nonce: the 32-bit
    block counter (le32) followed by the 12-byte RFC 8439 nonce."""
    nonce = struct.pack("<I", 0) + bytes(4) + struct.pack("<Q", index)
    return Cipher(algorithms.ChaCha20(mac_key, nonce), mode=None).encryptor().update(bytes(32))


def mac_v3(mac_key, index, body):
    """FORMAT.md 4.4, v3: mac(r, i) = Poly1305(otk(r, i), body(i)), body as
    it is (RFC 8439 2.5, no padding or length blocks)."""
    return Poly1305.generate_tag(otk_v3(mac_key, index), body)


def mac_v2(mac_key, chain, body):
    """FORMAT.md 4.4, v2: (new chain, mac): chain(i) = SHA-256(chain(i-1) ||
    body(i)), mac = first 16 bytes of HMAC-SHA256(mac_key, chain(i))."""
    chain = hashlib.sha256(chain + body).digest()
    return chain, hmac.new(mac_key, chain, hashlib.sha256).digest()[:16]


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
        if magic != 0x31464353 or version not in (1, 2, 3) or hdr_len != 48 or \
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
            if sversion != version or (version != 1 and mac_len != 16 * n):
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
        if version != 1:
            body = data[pos:body_end]
            if version == 2:
                chain, mac = mac_v2(mac_key, chain, body)
            else:
                mac = mac_v3(mac_key, index, body)
            at = body_end + 16 * mine_at
            if not hmac.compare_digest(mac, data[at:at + 16]):
                raise Forged("segment %d frame %d" % (segment_id, index))
        meta = struct.unpack("<QQQIIIIIIIII", plain[:60])
        frames.append((segment_id, index, meta, plain[64:64 + meta[7]]))
        pos += 48 + seg_hdr_len + ct_len
    return frames


class Tap:
    """TAP lines, numbered as they come; the plan is printed first."""

    def __init__(self, plan):
        self.num, self.failed = 0, 0
        print("1..%d" % plan)

    def check(self, ok, text):
        self.num += 1
        self.failed += not ok
        print("%sok %d - %s" % ("" if ok else "not ", self.num, text))


def load_key(path):
    return X25519PrivateKey.from_private_bytes(
        base64.b64decode(open(path).read().strip()))


def outcome(sk, data):
    """decrypt(), summed up: ("ok", frames) or (exception class name, text)."""
    try:
        return "ok", decrypt(sk, data)
    except Forged as e:
        return "Forged", str(e)
    except InvalidTag:
        return "InvalidTag", "the ChaCha20-Poly1305 tag fails"
    except ValueError as e:
        return "ValueError", str(e)


def pixel_digest(frames):
    return hashlib.sha256(b"".join(f[3] for f in frames)).hexdigest()


def check_attributed(tap, version, data, keys, want):
    """The checks made on the v2 and on the v3 vector alike: each recipient
    verifies its own MAC, the header fields, a flipped bit in either MAC, and
    a co-recipient's forgery."""
    (sk1, name1), (sk2, name2) = keys
    v = "v%d" % version
    for key, name in keys:
        res, fr = outcome(key, data)
        ok = res == "ok" and pixel_digest(fr) == want and [f[1] for f in fr] == [0, 1, 2]
        tap.check(ok, "%s vector with %s: its own MAC verifies on every frame, pixel digest %s" %
                  (v, name, pixel_digest(fr) if res == "ok" else "%s: %s" % (res, fr)))

    hdr = parse_frames(data)
    ok = len(hdr) == 3 and len(data) == 58320 and \
        all(f[1][1] == version and f[1][9] == 32 for f in hdr)
    tap.check(ok, "%s vector: version %d, mac_len 32 (2 recipients) on every frame, 58320 bytes" %
              (v, version))

    # One MAC byte of the last frame altered, the second recipient's, then
    # the first's: only that recipient finds a forgery, the other is not
    # affected (it cannot check the MACs of others).
    for slot, (victim, vname), (other, oname) in ((1, keys[1], keys[0]), (0, keys[0], keys[1])):
        bad = bytearray(data)
        bad[len(bad) - 32 + 16 * slot + 7] ^= 0x01
        r_victim, r_other = outcome(victim, bytes(bad))[0], outcome(other, bytes(bad))[0]
        tap.check(r_victim == "Forged" and r_other == "ok",
                  "%s: a flipped bit in %s's MAC of frame 2: forged for %s (%s), %s unaffected (%s)" %
                  (v, vname, vname, r_victim, oname, r_other))

    # The co-recipient (owner2) re-encrypts frame 1 with inverted pixels
    # under K and makes its own MACs again (tests/tools/forge_corecipient.py):
    # the AEAD holds, owner2 accepts it, owner's MAC finds the forgery.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
    import forge_corecipient  # it imports this file as a module: no cycle at load
    forged = forge_corecipient.forge(sk2, data, 1)
    r1, why = outcome(sk1, forged)
    r2, fr2 = outcome(sk2, forged)
    ok = r1 == "Forged" and "frame 1" in why and r2 == "ok" and forged != data and \
        pixel_digest(fr2) != want
    tap.check(ok, "%s: a co-recipient's forgery of frame 1 (AEAD valid under K): %s rejects it (%s: %s), %s accepts it (%s)" %
              (v, name1, r1, why, name2, r2))


def main():
    root = os.environ.get("SEALCAM_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
    vec = os.path.join(root, "tests", "vectors")
    sk_r = load_key(os.path.join(vec, "owner.key"))
    sk_r2 = load_key(os.path.join(vec, "owner2.key"))
    keys = ((sk_r, "owner.key"), (sk_r2, "owner2.key"))
    data = open(os.path.join(vec, "grey-160x120.sealed"), "rb").read()
    want = open(os.path.join(vec, "grey-160x120.sha256")).read().strip()
    tap = Tap(22)

    frames = decrypt(sk_r, data)
    digest = pixel_digest(frames)
    tap.check(digest == want, "independent decryptor: pixel digest %s" % digest)

    seqs = [f[2][2] for f in frames]
    fmt = frames[0][2][3].to_bytes(4, "little") if frames else b""
    ok = [f[1] for f in frames] == [0, 1, 2] and seqs == [42, 43, 44] and \
        fmt == b"GREY" and frames[0][2][4:6] == (160, 120)
    tap.check(ok, "3 GREY 160x120 frames, index 0..2, sequence 42..44")

    device_pub = base64.b64decode(open(os.path.join(vec, "device.pub")).read().strip())
    tap.check(data[48 + 8:48 + 40] == device_pub, "segment header device_pub is device.pub")

    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x04
    tap.check(outcome(sk_r, bytes(bad))[0] == "InvalidTag",
              "a flipped bit fails the Poly1305 tag here too")

    # Format v2: two recipients, each checks its own attribution MAC.
    data2 = open(os.path.join(vec, "grey-160x120-v2.sealed"), "rb").read()
    check_attributed(tap, 2, data2, keys, want)

    # Format v3. First the two primitives as called here, on RFC 8439's own
    # examples: 2.6.2 (Poly1305 key generation: the first 32 keystream bytes
    # of ChaCha20, counter 0) and 2.5.2 (Poly1305).
    otk = otk_v3(bytes(range(0x80, 0xa0)), 0x0706050403020100)
    tap.check(otk.hex() == "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646",
              "RFC 8439 2.6.2: otk = ChaCha20 keystream [0, 32), nonce 0^4 || le64(i), counter 0")
    tag = Poly1305.generate_tag(
        bytes.fromhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"),
        b"Cryptographic Forum Research Group")
    tap.check(tag.hex() == "a8061dc1305136c6c22b8baf0c0127a9", "RFC 8439 2.5.2: Poly1305")

    data3 = open(os.path.join(vec, "grey-160x120-v3.sealed"), "rb").read()
    check_attributed(tap, 3, data3, keys, want)

    # "the same frames, K, device, recipients and ephemeral keys" as v2, and
    # v3 wraps K with v2's info: the recipient entries are byte for byte
    # v2's, and so is the ciphertext (same K and nonces); only the tags
    # (the AAD holds the version), the versions and the MACs differ.
    f2, f3 = parse_frames(data2), parse_frames(data3)
    ok = len(f2) == len(f3) == 3
    for (p2, h2, b2), (p3, h3, b3) in zip(f2, f3):
        sh2, sh3 = h2[4], h3[4]
        ok = ok and sh2 == sh3 and h2[5] == h3[5] and b2[48 + 64:48 + sh2] == b3[48 + 64:48 + sh3]
        end = 48 + sh2 + h2[5] - h2[9] - 16
        ok = ok and b2[48 + sh2:end] == b3[48 + sh3:end] and b2[end:end + 16] != b3[end:end + 16]
        ok = ok and b2[-32:] != b3[-32:]
    tap.check(ok, "v3 vector: recipient entries and ciphertext byte for byte v2's (K wrapped with 'sealcam-v2 segment key'), tags and MACs not")

    # Each v3 frame is attributed on its own: the MAC covers the frame's
    # own body and index only, so with frame 1 removed frame 2's MAC still
    # verifies (rule 14 names the gap), where v2's chain breaks.
    drop3 = f3[0][2] + f3[2][2]
    drop2 = f2[0][2] + f2[2][2]
    r3, r2 = outcome(sk_r, drop3), outcome(sk_r, drop2)
    tap.check(r3[0] == "ok" and [f[1] for f in r3[1]] == [0, 2] and r2[0] == "Forged",
              "frame 1 removed: v3's frame 2 still verifies on its own (%s), v2's chain breaks (%s)" %
              (r3[0], r2[0]))

    # A v3 MAC moved to another frame: the index keys otk, so it fails there.
    moved = bytearray(data3)
    a, b = f3[1], f3[2]
    moved[b[0] + len(b[2]) - 32:b[0] + len(b[2]) - 16] = a[2][-32:-16]
    tap.check(outcome(sk_r, bytes(moved))[0] == "Forged",
              "v3: frame 1's MAC put in frame 2 does not verify there")

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
    tap.check(ok, "MJPG: variable-length frames decrypt to the exact bytes sealed, rule 15 holds (%s)" % why)
    return 1 if tap.failed or tap.num != 22 else 0


if __name__ == "__main__":
    sys.exit(main())
