#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""uvc-emu.py - a USB Video Class 1.1 webcam emulated at the USB/IP level.

The device speaks the USB/IP protocol (kernel Documentation/usb/
usbip_protocol.rst) over one end of an AF_UNIX stream socketpair whose
other end is handed to the kernel's virtual host controller vhci_hcd
through its sysfs "attach" file.  The stock USB core and uvcvideo then
enumerate and stream from it exactly as from hardware.

Streaming endpoint: BULK IN 0x81 (wMaxPacketSize 512).  Formats:
  1 YUYV  160x120, 640x480  (uncompressed, exact frame size)
  2 MJPEG 160x120, 640x480  (JPEGs made by cjpeg at start)
(--sizes replaces the sizes, the same for both formats.)
Every frame carries its frame number: in YUYV as 32 black/white blocks in
the first 8 rows (and bars shifted by the frame number below), in MJPEG as a
COM segment right after SOI ("uvc-emu frame N") in front of one of a few
cjpeg-made images.  Frames are paced as a sensor paces them (--fps,
default 30, the interval the descriptors offer): a bulk IN URB that comes
between frames stays pending, as a real webcam NAKs it, until the next
frame starts; an URB unlinked while pending is cancelled (RET_UNLINK
-ECONNRESET, no RET_SUBMIT).  --fps 0 answers every URB at once, frames as
fast as uvcvideo asks for them (scripts/bench-seal.sh's CPU-per-frame runs).

  uvc-emu.py [--port N] [--log FILE] [--dump DIR] [--attach PATH] [--bad-every K]
             [--sizes WxH[,WxH...]] [--fps N]
  uvc-emu.py --check FORMAT WxH LOG DUMP CAPTURE   (verify a v4l2-ctl capture)
  uvc-emu.py --check-y4m WxH LOG Y4M   (verify YUYV unsealed by sealcam unseal)

--log FILE  one line per frame whose last byte was sent: "FMT WxH N"
--dump DIR  the base JPEGs written as DIR/WxH-K.jpg (for --check)
--sizes     the frame sizes offered, in this order (frame indexes 1, 2...),
            e.g. 640x480,1280x720 (scripts/bench-seal.sh); default
            160x120,640x480, what the tests expect
--fps N     frames per second (default 30); 0: unpaced
--bad-every K  after SIGUSR1 (until SIGUSR2), every K-th frame (number
            N with N % K == K - 1) is sent with the UVC error bit set in its
            payload headers, as a webcam reports a frame it lost: uvcvideo
            drops it; it is not logged as sent
--check     splits CAPTURE (v4l2-ctl --stream-to) into frames, and checks
            every one is byte for byte a frame the emulator logged as sent;
            prints "frames N first F last L" and exits 1 on any mismatch.
--check-y4m the same for YUYV frames in a YUV4MPEG2 file (C422 planar, as
            `sealcam unseal -o` writes YUYV), turned back into YUYV.
"""

import collections
import hashlib
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SIZES = [(160, 120), (640, 480)]
NBASE = 4  # distinct cjpeg images per size
VID, PID = 0x1d6b, 0x5ca1
EP_IN = 0x81
MAXP = 512
PAYLOAD = 16384  # dwMaxPayloadTransferSize: one payload per URB (32 x 512)
INTERVAL = 333333  # 30 fps, in 100 ns

USBIP_CMD_SUBMIT, USBIP_CMD_UNLINK = 1, 2
USBIP_RET_SUBMIT, USBIP_RET_UNLINK = 3, 4
EPIPE, ECONNRESET = 32, 104

# --- the picture ---------------------------------------------------------------

# eight bars, (Y, U, V) limited range, and their RGB for the JPEG source
BARS_YUV = [(235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34),
            (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128)]
BARS_RGB = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
            (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
HDR_ROWS = 8


def _yuyv_row(w, shift):
    """One row of bars as YUYV, shifted right by 2*shift pixels."""
    pairs = []
    for x in range(0, w, 2):
        b = (((x - 2 * shift) % w) * 8) // w
        y, u, v = BARS_YUV[b]
        pairs.append(bytes((y, u, y, v)))
    return b"".join(pairs)


def _yuyv_header(w, n):
    """HDR_ROWS rows: 32 blocks, white for a 1 bit of n (MSB first)."""
    bw = (w // 32) & ~1  # even: whole YUYV pairs (4 or 20 pixels)
    row = bytearray()
    for i in range(32):
        yv = 235 if (n >> (31 - i)) & 1 else 16
        row += bytes((yv, 128, yv, 128)) * (bw // 2)
    row += bytes((16, 128, 16, 128)) * ((w - 32 * bw) // 2)
    return bytes(row) * HDR_ROWS


_rows = {}


def yuyv_frame(w, h, n):
    key = (w, n % (w // 2))
    row = _rows.get(key)
    if row is None:
        if len(_rows) > 4096:
            _rows.clear()
        row = _rows[key] = _yuyv_row(w, key[1])
    return _yuyv_header(w, n) + row * (h - HDR_ROWS)


def yuyv_number(w, frame):
    """The frame number a YUYV frame carries in its header rows."""
    bw = (w // 32) & ~1
    n = 0
    for i in range(32):
        off = (i * bw + bw // 2) * 2  # a Y byte near the block's middle
        off -= off % 4
        n = (n << 1) | (1 if frame[off] > 128 else 0)
    return n


def ppm(w, h, k):
    """A P6 picture for JPEG base k: bars shifted by k/NBASE of the width."""
    row = bytearray()
    for x in range(w):
        row += bytes(BARS_RGB[(((x - k * w // NBASE) % w) * 8) // w])
    return b"P6\n%d %d\n255\n" % (w, h) + bytes(row) * h


def make_jpegs(dump=None):
    jpegs = {}
    with tempfile.TemporaryDirectory() as td:
        for w, h in SIZES:
            for k in range(NBASE):
                src = os.path.join(td, "in.ppm")
                with open(src, "wb") as f:
                    f.write(ppm(w, h, k))
                out = subprocess.run(["cjpeg", "-quality", "85", src],
                                     check=True, stdout=subprocess.PIPE).stdout
                if out[:2] != b"\xff\xd8":
                    sys.exit("uvc-emu: cjpeg made no JPEG")
                jpegs[(w, h, k)] = out
                if dump:
                    with open(os.path.join(dump, "%dx%d-%d.jpg" % (w, h, k)), "wb") as f:
                        f.write(out)
    return jpegs


def mjpeg_frame(jpegs, w, h, n):
    com = b"uvc-emu frame %d" % n
    return (b"\xff\xd8\xff\xfe" + struct.pack(">H", len(com) + 2) + com +
            jpegs[(w, h, n % NBASE)][2:])


# --- descriptors -----------------------------------------------------------------

def desc_device():
    return struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, 0xEF, 0x02, 0x01, 64,
                       VID, PID, 0x0100, 1, 2, 0, 1)


def desc_qualifier():
    return struct.pack("<BBHBBBBBB", 10, 6, 0x0200, 0xEF, 0x02, 0x01, 64, 1, 0)


def frame_desc(sub, idx, w, h, maxsize):
    rate = w * h * 16 * 30
    return struct.pack("<BBBBBHHIIIIBI", 30, 0x24, sub, idx, 0, w, h,
                       rate, rate, maxsize, INTERVAL, 1, INTERVAL)


def desc_config():
    # VideoControl: header, camera input terminal 1, streaming output terminal 2
    it = struct.pack("<BBBBHBBHHHB3s", 18, 0x24, 0x02, 1, 0x0201, 0, 0, 0, 0, 0, 3, b"\0\0\0")
    ot = struct.pack("<BBBBHBBB", 9, 0x24, 0x03, 2, 0x0101, 0, 1, 0)
    vc_total = 13 + len(it) + len(ot)
    vch = struct.pack("<BBBHHIBB", 13, 0x24, 0x01, 0x0110, vc_total, 48000000, 1, 1)
    vc = struct.pack("<BBBBBBBBB", 9, 4, 0, 0, 0, 0x0E, 0x01, 0x00, 0) + vch + it + ot
    # VideoStreaming: formats and frames
    guid_yuy2 = b"YUY2" + bytes.fromhex("00001000800000aa00389b71")
    fmts = struct.pack("<BBBBB16sBBBBBB", 27, 0x24, 0x04, 1, len(SIZES), guid_yuy2,
                       16, 1, 0, 0, 0, 0)
    for i, (w, h) in enumerate(SIZES):
        fmts += frame_desc(0x05, i + 1, w, h, w * h * 2)
    fmts += struct.pack("<BBBBBBBBBBB", 11, 0x24, 0x06, 2, len(SIZES), 1, 1, 0, 0, 0, 0)
    for i, (w, h) in enumerate(SIZES):
        fmts += frame_desc(0x07, i + 1, w, h, w * h * 2)
    nfmt = 2
    vs_total = 13 + nfmt + len(fmts)
    vsh = struct.pack("<BBBBHBBBBBBB", 13 + nfmt, 0x24, 0x01, nfmt, vs_total, EP_IN, 0, 2,
                      0, 0, 0, 1) + b"\0" * nfmt
    vs = struct.pack("<BBBBBBBBB", 9, 4, 1, 0, 1, 0x0E, 0x02, 0x00, 0) + vsh + fmts
    ep = struct.pack("<BBBBHB", 7, 5, EP_IN, 0x02, MAXP, 0)
    iad = struct.pack("<BBBBBBBB", 8, 0x0B, 0, 2, 0x0E, 0x03, 0x00, 0)
    body = iad + vc + vs + ep
    return struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), 2, 1, 0, 0x80, 250) + body


def desc_string(i):
    if i == 0:
        return b"\x04\x03\x09\x04"
    s = {1: "sealcam", 2: "uvc-emu webcam"}.get(i)
    if s is None:
        return None
    e = s.encode("utf-16-le")
    return bytes((2 + len(e), 3)) + e


# --- the device ------------------------------------------------------------------

class Camera:
    def __init__(self, sock, log, jpegs, fps=30):
        self.sock = sock
        self.period = 1.0 / fps if fps else 0.0  # seconds between frame starts
        self.due = 0.0  # time.monotonic() at which the next frame may start
        self.pending = collections.deque()  # (seq, length) of held bulk IN URBs
        self.log = log
        self.jpegs = jpegs
        self.probe = self.default_probe(1, 1)
        self.commit = None
        self.frame_no = 0
        self.fid = 0
        self.cur = None  # bytes of the frame being sent
        self.bad = False  # the frame being sent carries the error bit
        self.bad_every = 0  # K of --bad-every, while switched on
        self.off = 0
        self.answered = set()  # seqnums of URBs given a RET_SUBMIT
        self.cancelled = set()  # unlinked before their CMD_SUBMIT came

    def default_probe(self, fmt, frm):
        w, h = SIZES[frm - 1]
        return self.fill(dict(hint=0, fmt=fmt, frm=frm, interval=INTERVAL))

    def fill(self, p):
        fmt = p["fmt"] if p["fmt"] in (1, 2) else 1
        frm = p["frm"] if 1 <= p["frm"] <= len(SIZES) else 1
        w, h = SIZES[frm - 1]
        return dict(hint=p.get("hint", 0), fmt=fmt, frm=frm, interval=INTERVAL,
                    maxframe=w * h * 2, maxpayload=PAYLOAD)

    def pack_probe(self, p, length):
        b = struct.pack("<HBBIHHHHHIIIBBBB", p["hint"], p["fmt"], p["frm"], p["interval"],
                        0, 0, 0, 0, 0, p["maxframe"], p["maxpayload"], 48000000, 3, 1, 1, 1)
        return b[:length]

    def unpack_probe(self, data):
        data = data + b"\0" * (26 - len(data)) if len(data) < 26 else data
        hint, fmt, frm, interval = struct.unpack_from("<HBBI", data)
        return dict(hint=hint, fmt=fmt, frm=frm, interval=interval)

    # control requests: returns (status, data)
    def control(self, setup, out):
        rt, req, val, idx, length = struct.unpack("<BBHHH", setup)
        if rt == 0x80 and req == 6:
            typ, i = val >> 8, val & 0xff
            d = {1: desc_device, 2: desc_config, 6: desc_qualifier}.get(typ)
            d = d() if d else (desc_string(i) if typ == 3 else None)
            return (0, d[:length]) if d is not None else (-EPIPE, b"")
        if rt == 0x80 and req == 0:  # GET_STATUS
            return 0, b"\x01\x00"[:length]
        if rt == 0x80 and req == 8:  # GET_CONFIGURATION
            return 0, b"\x01"[:length]
        if rt in (0x00, 0x01, 0x02) and req in (1, 3, 9, 11):
            # CLEAR_FEATURE, SET_FEATURE, SET_CONFIGURATION, SET_INTERFACE
            if rt == 0x02 and req == 1:  # endpoint halt cleared: stream stopped
                self.cur = None
            return 0, b""
        if rt == 0x81 and req == 10:  # GET_INTERFACE
            return 0, b"\x00"[:length]
        if (idx & 0xff) == 1 and rt in (0x21, 0xA1):  # VideoStreaming interface
            cs = val >> 8
            if cs not in (1, 2):
                return -EPIPE, b""
            if rt == 0x21 and req == 0x01:  # SET_CUR
                p = self.fill(self.unpack_probe(out))
                if cs == 1:
                    self.probe = p
                else:
                    self.commit = p
                    self.cur = None
                    self.off = 0
                    # the stream starts: a sensor's first frame takes a
                    # frame time to expose, it is not there at once
                    if self.period:
                        self.due = time.monotonic() + self.period
                return 0, b""
            if req == 0x81:
                return 0, self.pack_probe(self.probe if cs == 1 else (self.commit or self.probe), length)
            if req in (0x82, 0x87):  # GET_MIN, GET_DEF
                return 0, self.pack_probe(self.default_probe(1, 1), length)
            if req == 0x83:  # GET_MAX
                p = self.default_probe(2, len(SIZES))
                return 0, self.pack_probe(p, length)
            if req == 0x84:  # GET_RES
                return 0, b"\0" * length
            if req == 0x85:  # GET_LEN
                return 0, struct.pack("<H", 34)[:length]
            if req == 0x86:  # GET_INFO
                return 0, b"\x03"[:length]
            return -EPIPE, b""
        return -EPIPE, b""

    def next_frame(self):
        p = self.commit or self.probe
        w, h = SIZES[p["frm"] - 1]
        n = self.frame_no
        self.frame_no += 1
        self.fid ^= 1
        k = self.bad_every
        self.bad = k > 0 and n % k == k - 1
        if p["fmt"] == 1:
            self.cur = yuyv_frame(w, h, n)
            self.cur_name = "YUYV %dx%d %d" % (w, h, n)
        else:
            self.cur = mjpeg_frame(self.jpegs, w, h, n)
            self.cur_name = "MJPG %dx%d %d" % (w, h, n)
        self.off = 0

    def bulk_in(self, length):
        """One payload: 2-byte header + data; EOF on the frame's last one."""
        if self.cur is None:
            if self.period:
                # the frame starts now; the next one a period after this
                # one was due, or after now when this one is a period late
                now = time.monotonic()
                base = self.due if now - self.due < self.period else now
                self.due = base + self.period
            self.next_frame()
        room = min(length, PAYLOAD) - 2
        chunk = self.cur[self.off:self.off + room]
        self.off += len(chunk)
        info = 0x80 | self.fid
        if self.bad:
            info |= 0x40  # UVC_STREAM_ERR
        last = self.off >= len(self.cur)
        if last:
            info |= 0x02
        data = bytes((2, info)) + chunk
        if last:
            if self.log and not self.bad:
                self.log.write(self.cur_name + "\n")
                self.log.flush()
            self.cur = None
        return data

    # --- USB/IP --------------------------------------------------------------
    def recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            b = self.sock.recv(n - len(buf))
            if not b:
                return None
            buf += b
        return bytes(buf)

    def reply_bulk(self, seq, length):
        data = self.bulk_in(length)
        self.answered.add(seq)
        rep = struct.pack(">IIIIIiiiii8x", USBIP_RET_SUBMIT, seq, 0, 0, 0,
                          0, len(data), 0, 0, 0)
        self.sock.sendall(rep + data)

    def serve(self):
        """Answers held bulk URBs while a frame is under way or due."""
        while self.pending and (self.cur is not None or time.monotonic() >= self.due):
            self.reply_bulk(*self.pending.popleft())

    def wait_command(self):
        """Blocks until a command can be read, serving held URBs as frames
        fall due meanwhile."""
        while True:
            self.serve()
            timeout = None
            if self.pending:
                timeout = max(0.0, self.due - time.monotonic())
            r, _, _ = select.select([self.sock], [], [], timeout)
            if r:
                return

    def run(self):
        while True:
            self.wait_command()
            hdr = self.recv(48)
            if hdr is None:
                return
            cmd, seq, devid, direction, ep = struct.unpack_from(">IIIII", hdr)
            if cmd == USBIP_CMD_UNLINK:
                # A bulk URB held for the next frame is cancelled; any
                # other URB is answered as soon as its CMD_SUBMIT is read,
                # so an unlink finds it either answered (status 0) or not
                # yet seen: vhci_hcd can send CMD_UNLINK before the
                # CMD_SUBMIT of an URB unlinked right after it was queued.
                # That one is cancelled (-ECONNRESET, vhci gives the URB
                # back) and its CMD_SUBMIT must then get no RET_SUBMIT, or
                # vhci drops the device ("cannot find a urb of seqnum").
                target = struct.unpack_from(">I", hdr, 20)[0]
                status = 0
                held = [u for u in self.pending if u[0] == target]
                if held:
                    # held for the next frame: cancelled, never answered
                    self.pending.remove(held[0])
                    status = -ECONNRESET
                elif target not in self.answered:
                    status = -ECONNRESET
                    self.cancelled.add(target)
                rep = struct.pack(">IIIIIi24x", USBIP_RET_UNLINK, seq, 0, 0, 0, status)
                self.sock.sendall(rep)
                continue
            if cmd != USBIP_CMD_SUBMIT:
                sys.exit("uvc-emu: unknown USB/IP command %#x" % cmd)
            flags, length, start, npk, interval = struct.unpack_from(">Iiiii", hdr, 20)
            setup = hdr[40:48]
            out = b""
            if direction == 0 and length > 0:
                out = self.recv(length)
                if out is None:
                    return
            if npk not in (0, -1, 0xffffffff) and npk > 0:
                self.recv(16 * npk)  # iso descriptors: not used by this device
            if seq in self.cancelled:
                self.cancelled.discard(seq)
                continue
            if len(self.answered) > 65536:
                self.answered = set(sorted(self.answered)[-4096:])
            if ep == 1 and direction == 1 and self.period:
                self.pending.append((seq, length))
                continue
            self.answered.add(seq)
            status, data = 0, b""
            if ep == 0:
                status, data = self.control(setup, out)
                actual = len(out) if direction == 0 else len(data)
            elif ep == 1 and direction == 1:
                data = self.bulk_in(length)
                actual = len(data)
            else:
                status, actual = -EPIPE, 0
            if status:
                data, actual = b"", 0
            rep = struct.pack(">IIIIIiiiii8x", USBIP_RET_SUBMIT, seq, 0, 0, 0,
                              status, actual, 0, 0, 0)
            self.sock.sendall(rep + (data if direction == 1 else b""))


# --- checking a capture -------------------------------------------------------------

def check(fmt, size, logf, dump, capture):
    w, h = (int(x) for x in size.split("x"))
    sent = set()
    with open(logf) as f:
        for line in f:
            f_, s_, n = line.split()
            if f_ == fmt and s_ == size:
                sent.add(int(n))
    with open(capture, "rb") as f:
        data = f.read()
    nums, bad = [], 0
    if fmt == "YUYV":
        fs = w * h * 2
        if len(data) % fs:
            print("capture is %d bytes, not a multiple of the frame size %d" % (len(data), fs))
            return 1
        for i in range(0, len(data), fs):
            fr = data[i:i + fs]
            n = yuyv_number(w, fr)
            if n not in sent or fr != yuyv_frame(w, h, n):
                print("frame %d (number %d) is not a frame the emulator sent" % (i // fs, n))
                bad += 1
            nums.append(n)
    else:
        bases = {}
        for k in range(NBASE):
            with open(os.path.join(dump, "%dx%d-%d.jpg" % (w, h, k)), "rb") as f:
                bases[(w, h, k)] = f.read()
        pos = 0
        while pos < len(data):
            fr = data[pos:pos + 4]
            n = None
            if fr == b"\xff\xd8\xff\xfe":
                ln = struct.unpack_from(">H", data, pos + 4)[0]
                com = data[pos + 6:pos + 4 + ln]
                if com.startswith(b"uvc-emu frame "):
                    try:
                        n = int(com[14:])
                    except ValueError:
                        n = None
            exp = mjpeg_frame(bases, w, h, n) if n is not None else None
            if exp is None or n not in sent or data[pos:pos + len(exp)] != exp:
                print("MJPEG frame %d at byte %d is not a frame the emulator sent" % (len(nums), pos))
                return 1
            nums.append(n)
            pos += len(exp)
    if not nums:
        print("no frames")
        return 1
    if len(set(nums)) != len(nums):
        print("a frame was delivered twice")
        bad += 1
    print("frames %d first %d last %d out-of-order %d sha256 %s" % (
        len(nums), nums[0], nums[-1], sum(1 for a, b in zip(nums, nums[1:]) if b < a),
        hashlib.sha256(data).hexdigest()[:16]))
    return 1 if bad else 0


def check_y4m(size, logf, y4m):
    w, h = (int(x) for x in size.split("x"))
    sent = set()
    with open(logf) as f:
        for line in f:
            f_, s_, n = line.split()
            if f_ == "YUYV" and s_ == size:
                sent.add(int(n))
    with open(y4m, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    hdr = data[:nl].split()
    if hdr[0] != b"YUV4MPEG2" or b"W%d" % w not in hdr or b"H%d" % h not in hdr \
            or b"C422" not in hdr:
        print("not a %s 4:2:2 YUV4MPEG2 file: %r" % (size, data[:nl]))
        return 1
    pos, nums, bad = nl + 1, [], 0
    ysz, csz = w * h, w * h // 2
    while pos < len(data):
        if data[pos:pos + 6] != b"FRAME\n":
            print("no FRAME at byte %d" % pos)
            return 1
        pos += 6
        y, u, v = (data[pos:pos + ysz], data[pos + ysz:pos + ysz + csz],
                   data[pos + ysz + csz:pos + ysz + 2 * csz])
        pos += ysz + 2 * csz
        fr = bytearray(2 * ysz)
        fr[0::4], fr[2::4], fr[1::4], fr[3::4] = y[0::2], y[1::2], u, v
        n = yuyv_number(w, fr)
        if n not in sent or bytes(fr) != yuyv_frame(w, h, n):
            print("frame %d (number %d) is not a frame the emulator sent" % (len(nums), n))
            bad += 1
        nums.append(n)
    if not nums or len(set(nums)) != len(nums):
        print("no frames, or a frame twice")
        return 1
    print("frames %d first %d last %d out-of-order %d" % (
        len(nums), nums[0], nums[-1], sum(1 for a, b in zip(nums, nums[1:]) if b < a)))
    return 1 if bad else 0


def set_sizes(spec):
    """--sizes: "WxH,WxH...", each even-width, at most 1920x1080."""
    sizes = []
    for item in spec.split(","):
        try:
            w, h = (int(x) for x in item.split("x"))
        except ValueError:
            sys.exit("uvc-emu: --sizes wants WxH[,WxH...], not %r" % spec)
        # the YUYV header row needs 32 blocks of whole pixel pairs
        if not (64 <= w <= 1920 and HDR_ROWS < h <= 1080) or w % 2:
            sys.exit("uvc-emu: --sizes: %dx%d is not an even width 64..1920 "
                     "by a height %d..1080" % (w, h, HDR_ROWS + 1))
        if (w, h) in sizes:
            sys.exit("uvc-emu: --sizes: %dx%d twice" % (w, h))
        sizes.append((w, h))
    SIZES[:] = sizes


def main(argv):
    if argv[:1] == ["--check-y4m"]:
        if len(argv) != 4:
            sys.exit("usage: uvc-emu.py --check-y4m WxH LOG Y4M")
        return check_y4m(*argv[1:])
    if argv[:1] == ["--check"]:
        if len(argv) != 6:
            sys.exit("usage: uvc-emu.py --check FORMAT WxH LOG DUMP CAPTURE")
        return check(*argv[1:])
    port, logp, dump, attach = 0, None, None, "/sys/devices/platform/vhci_hcd.0/attach"
    bad_every = 0
    fps = 30
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--port", "--log", "--dump", "--attach", "--bad-every",
                 "--sizes", "--fps") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--sizes":
                set_sizes(v)
            elif a == "--bad-every":
                bad_every = int(v)
                if bad_every < 2:
                    sys.exit("uvc-emu: --bad-every wants K >= 2")
            elif a == "--fps":
                try:
                    fps = int(v)
                except ValueError:
                    fps = -1
                if not 0 <= fps <= 1000:
                    sys.exit("uvc-emu: --fps wants 0 (unpaced) to 1000")
            elif a == "--port":
                port = int(v)
            elif a == "--log":
                logp = v
            elif a == "--dump":
                dump = v
            else:
                attach = v
            i += 2
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            sys.exit("uvc-emu: unknown argument %r (see --help)" % a)
    jpegs = make_jpegs(dump)
    log = open(logp, "a") if logp else None
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    devid = (1 << 16) | 2
    try:
        with open(attach, "w") as f:
            f.write("%d %d %d %d" % (port, theirs.fileno(), devid, 3))  # 3: high speed
    except OSError as e:
        sys.exit("uvc-emu: attach through %s: %s" % (attach, e))
    theirs.close()
    print("uvc-emu: attached on port %d" % port, file=sys.stderr, flush=True)
    cam = Camera(mine, log, jpegs, fps)
    if bad_every:
        def bad_on(_sig, _frm):
            cam.bad_every = bad_every

        def bad_off(_sig, _frm):
            cam.bad_every = 0
        signal.signal(signal.SIGUSR1, bad_on)
        signal.signal(signal.SIGUSR2, bad_off)
    cam.run()
    print("uvc-emu: the host closed the connection (detached)", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
