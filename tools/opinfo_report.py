"""OpInfo coverage report: runs tests/test_opinfo.py and prints passed/failed/skipped per family.

    python tools/opinfo_report.py            # all of op_db, 2 pytest-xdist workers
    python tools/opinfo_report.py -n 0 -k linalg --failures

Columns: passed (every check ran and matched torch), partial (passed, but a dtype or the
gradient check is listed in tests/_opinfo_skips.py), failed, listed (known wrong: skipped by
tests/_opinfo_skips.py, with a reason), missing (jtorch lacks the op), oos (listed there as out of
scope: private aten ops, CUDA-only, sparse layouts, random ops tested statistically elsewhere),
other (no float32/int64/bool sample). pass% = passed / (total - oos - other): missing ops count
against it.
"""
import argparse
import collections
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
COLS = ("passed", "partial", "failed", "listed", "missing", "oos", "other")


class _Collector:
    """pytest plugin: one outcome per test_opinfo[...] test (works under pytest-xdist too)."""

    def __init__(self):
        self.results = {}

    def pytest_runtest_logreport(self, report):
        if "test_opinfo[" not in report.nodeid:
            return
        name = report.nodeid.split("test_opinfo[", 1)[1][:-1]
        if report.when == "call" or report.outcome != "passed":
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else \
                    str(report.longrepr)
                reason = reason.replace("Skipped: ", "")
                kind = ("oos" if reason.startswith("listed: out of scope") else
                        "listed" if reason.startswith("listed:") else
                        "missing" if reason.startswith("jtorch lacks") else "other")
                self.results[name] = (kind, reason)
            elif report.failed:
                msg = str(report.longrepr).strip().splitlines()
                first = next((ln for ln in msg if ln.startswith("E ")), msg[-1] if msg else "")
                self.results[name] = ("failed", first[1:].strip()[:300])
            else:
                self.results[name] = ("passed", "")


def main(argv=None):
    """Run the OpInfo module and print the per-family table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", default="2", help="pytest-xdist workers (0: in process)")
    ap.add_argument("-k", default=None, help="pytest -k expression (op names)")
    ap.add_argument("--failures", action="store_true", help="list every failing op and why")
    ap.add_argument("--missing", action="store_true", help="list the ops jtorch lacks")
    ap.add_argument("--json", default=None, help="write {name: [kind, reason]} to this file")
    args = ap.parse_args(argv)

    import pytest
    sys.path[:0] = [ROOT, TESTS]
    col = _Collector()
    pargs = [os.path.join(TESTS, "test_opinfo.py"), "-q", "-p", "no:cacheprovider",
             "--no-header", "-rN", "--tb=short", "-n", str(args.n)]
    if args.k:
        pargs += ["-k", args.k]
    with open(os.devnull, "w") as devnull:
        old = sys.stdout
        sys.stdout = devnull
        try:
            pytest.main(pargs, plugins=[col])
        finally:
            sys.stdout = old
    import test_opinfo as T
    from _opinfo_skips import SKIPS
    parts = {k.split(":")[0] for k in SKIPS if ":" in k}
    for name, (kind, why) in list(col.results.items()):
        if kind == "passed" and name in parts:
            col.results[name] = ("partial", "some checks listed in tests/_opinfo_skips.py")

    table = collections.defaultdict(collections.Counter)
    for name, (kind, _) in col.results.items():
        table[T.family(name)][kind] += 1
    w = max([len(f) for f in table] + [6])
    print(f"{'family':<{w}} " + " ".join(f"{c:>7}" for c in COLS) + "   total  pass%")
    tot = collections.Counter()
    for fam in sorted(table):
        c = table[fam]
        tot.update(c)
        _row(fam, c, w)
    _row("TOTAL", tot, w)
    if args.failures:
        print("\nfailed:")
        for name, (kind, why) in sorted(col.results.items()):
            if kind == "failed":
                print(f"  {name}: {why}")
    if args.missing:
        print("\nmissing:")
        for name, (kind, why) in sorted(col.results.items()):
            if kind == "missing":
                print(f"  {name}: {why}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(col.results, f, indent=1, sort_keys=True)
    return 0 if not tot["failed"] else 1


def _row(fam, c, w):
    total = sum(c.values())
    scope = total - c["oos"] - c["other"]
    pct = f"{100.0 * c['passed'] / scope:5.1f}%" if scope else "   - "
    print(f"{fam:<{w}} " + " ".join(f"{c[k]:>7}" for k in COLS) + f"  {total:>6}  {pct}")


if __name__ == "__main__":
    sys.exit(main())
