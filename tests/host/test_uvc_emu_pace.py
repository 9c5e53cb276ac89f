#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# tests/tools/uvc-emu.py paces frames as a sensor does: this test plays
# vhci_hcd's side of USB/IP against the emulator's Camera over a socketpair
# (no kernel needed) and checks that
#  - with --fps 30, bulk IN URBs beyond the current frame are held, and
#    frames start about 1/30 s apart (never sooner than 25 ms);
#  - a held URB that is unlinked gets RET_UNLINK -ECONNRESET and never a
#    RET_SUBMIT afterwards (what vhci_hcd requires);
#  - an URB already answered gets RET_UNLINK status 0;
#  - with --fps 0 every URB is answered at once (frames back to back);
#  - control transfers are answered at once while bulk URBs are held.
# The kernel side of the same (vhci_hcd and uvcvideo driving the emulator)
# is covered by the VM tests test_uvc_stock/sealed/bypass.
import importlib.util
import os
import socket
import struct
import sys
import threading
import time

EMU = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "..", "tools", "uvc-emu.py")
spec = importlib.util.spec_from_file_location("emu", EMU)
emu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(emu)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tap import check, done  # noqa: E402


class Host:
    """vhci_hcd's end: CMD_SUBMIT / CMD_UNLINK out, RET_* in."""

    def __init__(self, fps):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.cam = emu.Camera(theirs, None, None, fps)
        self.thread = threading.Thread(target=self.cam.run, daemon=True)
        self.thread.start()
        self.seq = 0

    def submit_bulk(self, length=16384):
        self.seq += 1
        hdr = struct.pack(">IIIII", emu.USBIP_CMD_SUBMIT, self.seq, (1 << 16) | 2, 1, 1)
        hdr += struct.pack(">Iiiii", 0, length, 0, 0, 0) + b"\0" * 8
        self.sock.sendall(hdr)
        return self.seq

    def submit_get_status(self):
        self.seq += 1
        hdr = struct.pack(">IIIII", emu.USBIP_CMD_SUBMIT, self.seq, (1 << 16) | 2, 1, 0)
        setup = struct.pack("<BBHHH", 0x80, 0, 0, 0, 2)
        hdr += struct.pack(">Iiiii", 0, 2, 0, 0, 0) + setup
        self.sock.sendall(hdr)
        return self.seq

    def unlink(self, target):
        self.seq += 1
        hdr = struct.pack(">IIIII", emu.USBIP_CMD_UNLINK, self.seq, (1 << 16) | 2, 0, 0)
        hdr += struct.pack(">I", target) + b"\0" * 24
        self.sock.sendall(hdr)
        return self.seq

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            b = self.sock.recv(n - len(buf))
            if not b:
                raise EOFError("emulator closed")
            buf += b
        return buf

    def reply(self, timeout):
        """(cmd, seq, status, payload, time) or None after timeout s"""
        self.sock.settimeout(timeout)
        try:
            hdr = self.recv_exact(48)
        except socket.timeout:
            return None
        finally:
            self.sock.settimeout(None)
        cmd, seq = struct.unpack_from(">II", hdr)
        status = struct.unpack_from(">i", hdr, 20)[0]
        data = b""
        if cmd == emu.USBIP_RET_SUBMIT:
            actual = struct.unpack_from(">i", hdr, 24)[0]
            data = self.recv_exact(actual)
        return cmd, seq, status, data, time.monotonic()

    def close(self):
        self.sock.close()
        self.thread.join(5)


# --- paced: 160x120 YUYV (38400 bytes) is 3 URBs of 16382 payload bytes -----------
h = Host(30)
for _ in range(12):
    h.submit_bulk()
got = []
while len(got) < 12:
    r = h.reply(5)
    if r is None:
        break
    got.append(r)
check("paced: 12 bulk URBs are all answered (4 frames)", len(got) == 12,
      "got %d" % len(got))
eof = [r[4] for r in got if len(r[3]) >= 2 and r[3][1] & 0x02]
starts = [got[0][4]] + [got[i + 1][4] for i, r in enumerate(got[:-1])
                        if len(r[3]) >= 2 and r[3][1] & 0x02]
gaps = [b - a for a, b in zip(starts, starts[1:])]
check("paced: 4 frames end in the 12 URBs", len(eof) == 4, "eof at %r" % eof)
check("paced: frames start 25..100 ms apart (30 fps)",
      len(gaps) == 3 and all(0.025 <= g <= 0.1 for g in gaps),
      "gaps %r" % [round(g * 1000, 1) for g in gaps])

# held URBs: one more frame's worth is queued before its time; a control
# transfer is answered at once meanwhile, and an unlinked held URB is
# cancelled and never answered
a = h.submit_bulk()
b = h.submit_bulk()
t0 = time.monotonic()
c = h.submit_get_status()
r = h.reply(5)
check("paced: a control transfer is answered at once while bulk URBs are held",
      r is not None and r[0] == emu.USBIP_RET_SUBMIT and r[1] == c and
      r[4] - t0 < 0.02 and r[3] == b"\x01\x00",
      repr(r and r[:3]))
u = h.unlink(b)
r = h.reply(5)
check("paced: unlinking a held URB gives RET_UNLINK -ECONNRESET",
      r is not None and r[0] == emu.USBIP_RET_UNLINK and r[1] == u and
      r[2] == -emu.ECONNRESET, repr(r and r[:3]))
rest = []
while True:
    r = h.reply(0.3)
    if r is None:
        break
    rest.append(r)
check("paced: the other held URB is answered when the frame is due, the unlinked one never",
      [x[1] for x in rest] == [a], repr([x[:3] for x in rest]))
u = h.unlink(a)
r = h.reply(5)
check("paced: unlinking an URB already answered gives RET_UNLINK status 0",
      r is not None and r[0] == emu.USBIP_RET_UNLINK and r[1] == u and r[2] == 0,
      repr(r and r[:3]))
h.close()

# --- unpaced ----------------------------------------------------------------------
h = Host(0)
t0 = time.monotonic()
for _ in range(30):
    h.submit_bulk()
got = []
while len(got) < 30:
    r = h.reply(5)
    if r is None:
        break
    got.append(r)
check("fps 0: 30 URBs (10 frames) are answered back to back (< 250 ms)",
      len(got) == 30 and got[-1][4] - t0 < 0.25,
      "%d in %.0f ms" % (len(got), (got[-1][4] - t0) * 1000 if got else 0))
h.close()

sys.exit(done())
