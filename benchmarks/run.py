"""jtorch benchmark suite: `python benchmarks/run.py [--only NAME[,NAME]] [--quick] [--json FILE]`.

Discovers the benchmark modules in this folder (every `benchmarks/<name>.py` that is not private
and defines `run(quick: bool) -> list[dict]`), runs them in one process, and prints one table per
module with the ratios vs raw JAX and vs torch, each row's bar and PASS/FAIL. See README.md for the
row format and the timing methodology (benchmarks/_timing.py).
"""
import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the repo root: `jtorch` and the `benchmarks` package
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path.pop(0)  # not the script folder: benchmark modules are imported as benchmarks.<name>

# NOTE: modules that must run first (cheap ones); the rest follow in alphabetical order.
ORDER = ["eager_ops"]
SKIP = {"run"}


def discover():
    """[(file stem, module name for --only, module)] for every benchmark module here."""
    stems = [p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem not in SKIP]
    stems.sort(key=lambda s: (ORDER.index(s) if s in ORDER else len(ORDER), s))
    found = []
    for stem in stems:
        mod = importlib.import_module(f"benchmarks.{stem}")
        if callable(getattr(mod, "run", None)):
            found.append((stem, getattr(mod, "NAME", stem), mod))
    return found


def _selected(stem, name, only):
    if not only:
        return True
    return any(o in (stem, name) or stem.startswith(o) for o in only)


# ---- formatting ------------------------------------------------------------------------

def _us(v):
    if v is None:
        return "-"
    return f"{v:.1f}" if v < 1000 else f"{v:,.0f}"


def _ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def row_ratio(row, base):
    """jtorch/<base> for a row: its paired ratio if the module measured one, else us / us."""
    r = (row.get("ratios") or {}).get(base)
    if r is not None:
        return r
    return _ratio(row.get("jtorch_us"), row.get(f"{base}_us"))


def _fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def marginal(row):
    """True if the verdict is within this run's noise: the bar lies inside the ratio's confidence
    interval widened by the row's A/A deviation (|base/base' - 1|, same callable timed twice)."""
    base = row.get("bar_vs", "jax")
    bar, r = row.get("bar"), row_ratio(row, base)
    if bar is None or r is None:
        return False
    ci = (row.get("ratio_ci") or {}).get(base) or (r, r)
    aa = (row.get("aa") or {}).get(base)
    slack = abs(aa - 1) * r if aa is not None else 0.0
    return ci[0] - slack <= bar <= ci[1] + slack


def verdict(row):
    """'PASS' / 'FAIL' / 'n/a' / '' (no bar) for one row."""
    bar = row.get("bar")
    if row.get("wrong"):
        return "FAIL"
    if bar is None:
        return ""
    r = row_ratio(row, row.get("bar_vs", "jax"))
    if r is None:
        return "n/a"
    return "PASS" if r <= bar else "FAIL"


def format_table(title, rows):
    """The printed table for one module's rows."""
    time_cols = []
    for r in rows:
        for k in r:
            if k.endswith("_us") and k not in time_cols:
                time_cols.append(k)
    impls = [k[:-3] for k in time_cols]
    ratio_cols = [b for b in impls if b != "jtorch"] if "jtorch" in impls else []
    head = ["op", "size"] + [f"{i} us" for i in impls] + [f"jtorch/{b}" for b in ratio_cols]
    aa_cols = []
    for r in rows:
        for b in r.get("aa") or {}:
            if b not in aa_cols:
                aa_cols.append(b)
    head += [f"A/A {b}" for b in aa_cols]
    has_bar = any(r.get("bar") is not None for r in rows)
    if has_bar:
        head += ["bar", "result"]
    body = []
    notes = []
    for r in rows:
        line = [r.get("name", "?"), r.get("size", "")]
        for k in time_cols:
            v = r.get(k)
            if v is None and k == "jtorch_us" and r.get("note"):
                line.append("n/a (not implemented)" if r["note"].startswith("n/a") else "error")
            else:
                line.append(_us(v))
        for b in ratio_cols:
            cell = _fmt_ratio(row_ratio(r, b))
            iqr = (r.get("ratio_iqr") or {}).get(b)
            if iqr and cell != "-":
                cell += f" [{iqr[0]:.2f}-{iqr[1]:.2f}]"
            line.append(cell)
        line += [_fmt_ratio((r.get("aa") or {}).get(b)) for b in aa_cols]
        if has_bar:
            bar = r.get("bar")
            v = verdict(r)
            if v in ("PASS", "FAIL") and not r.get("wrong") and marginal(r):
                v += "*"
            line += ["-" if bar is None else f"<={bar:g}x", v]
        if r.get("note"):
            notes.append(f"  {r.get('name')} {r.get('size', '')}: {r['note']}")
        body.append(line)
    widths = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    left = {0, 1}

    def fmt(line):
        return "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(line, widths)))
    out = [title, fmt(head), fmt(["-" * w for w in widths])]
    out += [fmt(line) for line in body]
    if any(r.get("ratios") for r in rows):
        out.append("ratios: median of per-round paired ratios (each round times every "
                   "implementation back to back); [25th-75th percentile] of those ratios")
    if aa_cols:
        out.append("A/A: the same raw-JAX callable timed twice as two implementations; its "
                   "distance from 1.00x is the noise floor of that row in this run")
    if any(marginal(r) for r in rows):
        out.append("*: within noise: the bar lies inside the ratio's 95% confidence interval "
                   "widened by the row's A/A deviation; re-run (quieter machine, no --quick)")
    if notes:
        out.append("notes:")
        out += notes
    return "\n".join(out)


def bar_summary(rows):
    """The closing line: the bars and the PASS/FAIL count per bar."""
    by_bar = {}
    for r in rows:
        if r.get("bar") is None:
            continue
        by_bar.setdefault((r.get("bar_vs", "jax"), r["bar"], r.get("size", "")), []).append(r)
    parts = []
    for (base, bar, size), rs in by_bar.items():
        v = [verdict(r) for r in rs]
        failed = [f"{r['name']}{'*' if marginal(r) else ''}" for r, x in zip(rs, v) if x == "FAIL"]
        s = (f"jtorch/{base} on {size.replace('x', '×')} <= {bar:g}×: {v.count('PASS')} PASS, "
             f"{v.count('FAIL')} FAIL, {v.count('n/a')} n/a")
        if failed:
            s += f" (FAIL: {', '.join(failed)})"
        parts.append(s)
    return parts


def _env_line():
    import jax
    bits = [f"python {platform.python_version()}", f"jax {jax.__version__}",
            f"backend {jax.default_backend()} ({jax.devices()[0].device_kind})"]
    if jax.default_backend() == "cpu":
        bits.append("cpu async dispatch " +
                    ("on" if jax.config.values.get("jax_cpu_enable_async_dispatch", True) else "off"))
    try:
        import torch
        bits.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    except ImportError:
        pass
    bits.append(f"{os.cpu_count()} cpus")
    return ", ".join(bits)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="", help="comma-separated benchmark names (e.g. 'eager')")
    p.add_argument("--quick", action="store_true", help="shorter measurement (under ~30 s)")
    p.add_argument("--json", metavar="FILE", help="also write all rows as JSON to FILE")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if any row FAILs")
    p.add_argument("--list", action="store_true", help="list the benchmark modules and exit")
    p.add_argument("--torch-threads", type=int, default=1, metavar="N",
                   help="torch intra-op threads (default 1; 0 = torch's own default). With more, "
                        "torch's spinning OpenMP workers fight XLA's threads on a small machine")
    p.add_argument("--jax-sync-dispatch", action="store_true",
                   help="turn off JAX's CPU async dispatch (for jtorch and jax alike)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                   help="where the device-aware modules (compile) put torch's and JAX's tensors; "
                        "cuda needs a GPU build of torch and jax[cuda]")
    args = p.parse_args(argv)
    try:
        sys.stdout.reconfigure(errors="replace")
    except AttributeError:
        pass

    mods = discover()
    if args.list:
        for stem, name, mod in mods:
            print(f"{name:12s} benchmarks/{stem}.py  {getattr(mod, 'TITLE', '')}")
        return 0
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    chosen = [(s, n, m) for s, n, m in mods if _selected(s, n, only)]
    if not chosen:
        print(f"no benchmark matches --only {args.only!r}; have: "
              f"{', '.join(n for _, n, _ in mods)}", file=sys.stderr)
        return 2

    import jtorch  # noqa: F401 - first, so jtorch's own JAX config (x64, ...) is what we measure
    import jax
    if args.jax_sync_dispatch:
        jax.config.update("jax_cpu_enable_async_dispatch", False)
    if args.torch_threads:
        try:
            import torch
            torch.set_num_threads(args.torch_threads)
        except ImportError:
            pass
    from benchmarks import _timing
    from benchmarks._timing import timer_overhead_us
    _timing.DEVICE = args.device
    t_start = time.perf_counter()
    print(f"jtorch benchmarks{' (quick)' if args.quick else ''}: {_env_line()}, "
          f"--device {args.device}")
    print(f"timing floor (empty timed call): {timer_overhead_us():.2f} us\n")
    all_rows = {}
    failed = False
    for stem, name, mod in chosen:
        t0 = time.perf_counter()
        rows = mod.run(args.quick)
        dt = time.perf_counter() - t0
        all_rows[name] = rows
        title = getattr(mod, "TITLE", name)
        print(format_table(f"[{name}] {title} ({dt:.1f} s)", rows))
        for line in bar_summary(rows):
            print("bar: " + line)
        failed |= any(verdict(r) == "FAIL" for r in rows)
        print()
    print(f"total {time.perf_counter() - t_start:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_rows, f, indent=1)
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
