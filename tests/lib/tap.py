# SPDX-License-Identifier: GPL-2.0
"""TAP output for the Python host tests (tests/lib/tap.sh's counterpart):

    import tap                  # tests/lib on sys.path
    tap.plan(11)                # optional: else done() prints the plan last
    tap.check("name", cond, "diagnostics shown when it fails")
    sys.exit(tap.done())        # 1 if any check failed (or the plan was missed)
"""
import sys

_n = 0
_failed = 0
_planned = None


def plan(n):
    global _planned
    _planned = n
    print("TAP version 13")
    print("1..%d" % n)
    sys.stdout.flush()


def check(name, cond, diag=""):
    global _n, _failed
    _n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", _n, name))
    if not cond:
        _failed += 1
        for line in str(diag).splitlines():
            print("# " + line)
    sys.stdout.flush()
    return bool(cond)


def done():
    if _planned is None:
        print("1..%d" % _n)
    elif _n != _planned:
        print("# planned %d checks, ran %d" % (_planned, _n))
        return 1
    return 1 if _failed else 0
