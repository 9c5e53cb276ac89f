#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""clock_offset.py - the offset of this machine's CLOCK_REALTIME against
another's, measured over TCP (scripts/bench-live.sh: the camera in a VM,
whose clock is not the host's, and the viewer on the host).

  clock_offset.py serve PORTFILE [BIND]
      on the reference machine (the host): listen on BIND (default
      127.0.0.1), an ephemeral port written to PORTFILE once listening;
      to every byte received, answer with 8 bytes: its CLOCK_REALTIME in ns
      (big-endian), taken when the byte was read.  Runs until killed.
  clock_offset.py probe HOST PORT [N]
      on the other machine (the guest): N (default 30) round trips; for
      each, t1 = own clock before the byte is sent, h = the server's clock,
      t2 = own clock after the answer came.  h was read at some instant
      between t1 and t2, so offset = own - reference lies in
      [t1 - h, t2 - h]: the estimate (t1 + t2)/2 - h is off by at most
      (t2 - t1)/2, whatever the asymmetry of the path.  Prints, for the
      round trip with the smallest t2 - t1:
        offset_ns bound_ns rtt_ns t_ns
      offset = own clock minus reference clock; bound = the error bound
      (rtt/2); t = own clock at the middle of that round trip.
"""
import os
import socket
import struct
import sys
import time


def serve(portfile, bind):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, 0))
    s.listen(8)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{s.getsockname()[1]}\n")
    os.rename(tmp, portfile)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with c:
            while c.recv(1):
                c.sendall(struct.pack(">q", time.time_ns()))


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise ConnectionError("the clock server closed the connection")
        b += d
    return b


def probe(host, port, n):
    c = socket.create_connection((host, port), timeout=60)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    best = None
    with c:
        for _ in range(n):
            t1 = time.time_ns()
            c.sendall(b"t")
            (h,) = struct.unpack(">q", recv_exact(c, 8))
            t2 = time.time_ns()
            if best is None or t2 - t1 < best[1] - best[0]:
                best = (t1, t2, h)
    t1, t2, h = best
    mid = (t1 + t2) // 2
    print(mid - h, (t2 - t1 + 1) // 2, t2 - t1, mid)


def main(argv):
    if len(argv) >= 2 and argv[0] == "serve" and len(argv) <= 3:
        serve(argv[1], argv[2] if len(argv) == 3 else "127.0.0.1")
    elif len(argv) >= 3 and argv[0] == "probe" and len(argv) <= 4:
        n = int(argv[3]) if len(argv) == 4 else 30
        if n < 1:
            sys.exit("clock_offset.py: N must be at least 1")
        probe(argv[1], int(argv[2]), n)
    else:
        sys.exit(__doc__.split("\n\n")[1].rstrip())


if __name__ == "__main__":
    main(sys.argv[1:])
