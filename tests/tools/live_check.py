#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks of the live view tests (tests/vm/test_live_view.sh,
tests/host/test_live_view.sh).

  live_check.py frames VIEW.y4m LATENCY_LOG SEGDIR
      every frame `sealcam view` wrote is byte for byte the frame that
      `sealcam unseal` wrote for the same segment and index: SEGDIR/ID.y4m
      is unseal's output for segment ID; LATENCY_LOG has one line
      "SEGMENT INDEX CAPTURE_NS LATENCY_MS" per frame of VIEW.y4m
  live_check.py cipher RELAYED.bin STOREDIR VIEW.y4m
      RELAYED.bin (what a relay operator subscribed to: frames back to back)
      holds only sealed frames, each one byte for byte a frame of a stored
      segment, and no 32-byte run of any decrypted frame
  live_check.py split FILE.sealed OUTDIR
      one file per frame (OUTDIR/NNNN.frame), for publishing
Prints what it found; exit 0 when the check holds, 1 otherwise.
"""
import os
import struct
import sys

MAGIC = b"SCF1"


def y4m_frames(path):
    data = open(path, "rb").read()
    nl = data.index(b"\n")
    head = data[:nl].split()
    w = h = 0
    c = "420jpeg"
    for t in head[1:]:
        t = t.decode()
        if t[0] == "W":
            w = int(t[1:])
        elif t[0] == "H":
            h = int(t[1:])
        elif t[0] == "C":
            c = t[1:]
    size = {"422": w * h * 2, "mono": w * h}.get(c, w * h * 3 // 2)
    frames, pos = [], nl + 1
    while pos < len(data):
        end = data.index(b"\n", pos)
        if not data[pos:end].startswith(b"FRAME"):
            raise SystemExit(f"{path}: bad frame marker at {pos}")
        frames.append(data[end + 1:end + 1 + size])
        pos = end + 1 + size
    return frames


def sealed_frames(data):
    out, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 4] != MAGIC or len(data) - pos < 48:
            return None, pos
        seg_hdr_len, ct_len = struct.unpack_from("<II", data, pos + 8)
        n = 48 + seg_hdr_len + ct_len
        if len(data) - pos < n:
            return None, pos
        out.append(data[pos:pos + n])
        pos += n
    return out, pos


def check_frames(view, log, segdir):
    frames = y4m_frames(view)
    lines = [l.split() for l in open(log) if l.strip()]
    if len(lines) != len(frames):
        print(f"{len(frames)} frames in {view}, {len(lines)} lines in {log}")
        return 1
    cache = {}
    for i, (f, l) in enumerate(zip(frames, lines)):
        seg, idx = int(l[0]), int(l[1])
        if seg not in cache:
            p = os.path.join(segdir, f"{seg}.y4m")
            if not os.path.exists(p):
                print(f"frame {i}: segment {seg} was not unsealed ({p})")
                return 1
            cache[seg] = y4m_frames(p)
        ref = cache[seg]
        if idx >= len(ref) or ref[idx] != f:
            print(f"frame {i} (segment {seg} index {idx}) differs from unseal's")
            return 1
    print(f"{len(frames)} frames pixel-exact against unseal, "
          f"segments {sorted(cache)}")
    return 0


def check_cipher(relayed, storedir, view):
    data = open(relayed, "rb").read()
    frames, pos = sealed_frames(data)
    if frames is None or not frames:
        print(f"{relayed}: not a run of sealed frames (stops at byte {pos} of {len(data)})")
        return 1
    stored = set()
    for root, _, files in os.walk(storedir):
        for n in files:
            if n.endswith(".sealed"):
                fr, _ = sealed_frames(open(os.path.join(root, n), "rb").read())
                stored.update(fr or [])
    missing = sum(1 for f in frames if f not in stored)
    if missing:
        print(f"{missing} of {len(frames)} relayed frames are not frames of a stored segment")
        return 1
    plain = y4m_frames(view)
    probes = set()
    for p in plain:
        for off in range(0, len(p) - 32, max(1, len(p) // 64)):
            probes.add(p[off:off + 32])
    leaked = [x for x in probes if x in data]
    if leaked:
        print(f"{len(leaked)} runs of decrypted pixels appear in what the relay carried")
        return 1
    print(f"{len(frames)} relayed messages: all sealed frames of stored segments, "
          f"none of {len(probes)} 32-byte pixel runs present")
    return 0


def split(path, outdir):
    frames, pos = sealed_frames(open(path, "rb").read())
    if frames is None:
        print(f"{path}: not sealed frames (byte {pos})")
        return 1
    os.makedirs(outdir, exist_ok=True)
    for i, f in enumerate(frames):
        open(os.path.join(outdir, f"{i:04d}.frame"), "wb").write(f)
    print(len(frames))
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "frames":
        sys.exit(check_frames(*a[1:]))
    if len(a) == 4 and a[0] == "cipher":
        sys.exit(check_cipher(*a[1:]))
    if len(a) == 3 and a[0] == "split":
        sys.exit(split(*a[1:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
