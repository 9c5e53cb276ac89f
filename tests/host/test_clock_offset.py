#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# tests/tools/clock_offset.py (scripts/bench-live.sh: the camera VM's
# CLOCK_REALTIME against the host's) measures what it says, checked on the
# host with the two ends as separate processes over TCP:
#  - the probe's clock shifted by a known amount (+830 ms, -165 ms, 0:
#    the offsets bench-live has met) is found within the printed bound, and
#    the bound is half the printed round trip;
#  - a reference that answers late, and late by a different amount each
#    time (an asymmetric, jittery path), still gives a bound that holds the
#    true offset: the estimate is off by at most the bound, whatever the
#    asymmetry;
#  - the smallest round trip is the one kept (the bound is at most the
#    fastest answer's, not the mean's);
#  - bad use: N below 1 and a server that is gone fail with a message, and
#    no line that could pass for a measurement.
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "tools", "clock_offset.py")
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from tap import check, done, plan  # noqa: E402


# Runs the tool with its CLOCK_REALTIME shifted by SHIFT ns, and (server
# side) each answer delayed before and after the clock is read by the
# amounts DELAYS cycles through: the reference's clock reading can fall
# anywhere in the round trip.
WRAP = r"""
import itertools, runpy, sys, time
shift = int(sys.argv[1])
delays = [tuple(float(x) for x in d.split("/")) for d in sys.argv[2].split(",") if d]
real = time.time_ns
cyc = itertools.cycle(delays) if delays else None
def shifted():
    if cyc is None:
        return real() + shift
    before, after = next(cyc)
    time.sleep(before)
    t = real() + shift
    time.sleep(after)
    return t
time.time_ns = shifted
sys.argv = [sys.argv[3]] + sys.argv[4:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def tool(shift_ns, delays, *args, **kw):
    return [sys.executable, "-c", WRAP, str(shift_ns), delays, TOOL] + list(args)


def serve(tmp, shift_ns=0, delays=""):
    portfile = os.path.join(tmp, "port%d" % time.monotonic_ns())
    p = subprocess.Popen(tool(shift_ns, delays, "serve", portfile),
                         stderr=subprocess.PIPE)
    for _ in range(200):
        if os.path.exists(portfile):
            return p, int(open(portfile).read())
        if p.poll() is not None:
            break
        time.sleep(0.025)
    p.kill()
    raise SystemExit("Bail out! clock_offset.py serve wrote no port file: %s"
                     % p.stderr.read().decode())


def probe(port, shift_ns=0, n="30"):
    r = subprocess.run(tool(shift_ns, "", "probe", "127.0.0.1", str(port), n),
                       capture_output=True, text=True, timeout=60)
    return r


def parse(out):
    f = out.split()
    if len(f) != 4 or not all(x.lstrip("-").isdigit() for x in f):
        return None
    return [int(x) for x in f]


plan(11)
with tempfile.TemporaryDirectory() as tmp:
    srv, port = serve(tmp)
    try:
        for shift_ms in (830, -165, 0):
            shift = shift_ms * 1000000
            r = probe(port, shift)
            m = parse(r.stdout)
            ok = (r.returncode == 0 and m is not None and
                  abs(m[0] - shift) <= m[1] and m[1] == (m[2] + 1) // 2)
            check("probe clock %+d ms: the offset is found within the bound "
                  "(bound = rtt/2)" % shift_ms, ok, r.stdout + r.stderr)
        m = parse(probe(port, 0).stdout)
        check("loopback, one clock: the bound is under 5 ms (%s)" %
              (m and "%.3f ms" % (m[1] / 1e6)), m is not None and m[1] < 5000000)
        # N=1 keeps its one round trip; N=30 keeps the smallest of 30:
        # over a few tries, never larger than N=1's
        one = [parse(probe(port, 0, "1").stdout) for _ in range(3)]
        many = parse(probe(port, 0, "30").stdout)
        check("30 round trips keep the smallest: bound no larger than a "
              "single round trip's", None not in one and many is not None and
              many[1] <= max(o[1] for o in one),
              "N=1: %s, N=30: %s" % (one, many))
    finally:
        srv.kill()
        srv.wait()

    # a late, asymmetric and jittery reference: it reads its clock 0-80 ms
    # after the byte arrives and answers 0-60 ms after that
    srv, port = serve(tmp, 0, "0.08/0,0/0.06,0.03/0.03,0.05/0.01")
    try:
        for shift_ms in (400, -250):
            shift = shift_ms * 1000000
            r = probe(port, shift, "8")
            m = parse(r.stdout)
            ok = (r.returncode == 0 and m is not None and
                  abs(m[0] - shift) <= m[1])
            check("late, asymmetric reference, probe clock %+d ms: the true "
                  "offset is within the bound (%s)" %
                  (shift_ms, m and "error %.1f ms, bound %.1f ms" %
                   (abs(m[0] - shift) / 1e6, m[1] / 1e6)), ok,
                  r.stdout + r.stderr)
        m = parse(probe(port, 0, "8").stdout)
        check("late reference: the bound grows with the delay (>= 25 ms)",
              m is not None and m[1] >= 25000000, str(m))
    finally:
        srv.kill()
        srv.wait()

    r = probe(port, 0, "0")
    check("N=0 is refused with a message, nothing printed on stdout",
          r.returncode != 0 and "at least 1" in r.stderr and not r.stdout,
          r.stdout + r.stderr)
    # the server is gone (killed above): the probe fails, prints no figures
    r = probe(port, 0, "3")
    check("a server that is gone: the probe fails and prints no figures",
          r.returncode != 0 and parse(r.stdout) is None,
          r.stdout + r.stderr)
    r = subprocess.run([sys.executable, TOOL, "measure"], capture_output=True,
                       text=True)
    check("an unknown command prints the usage and fails",
          r.returncode != 0 and "probe HOST PORT" in r.stderr, r.stderr)

sys.exit(done())
