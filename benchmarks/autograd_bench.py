"""Autograd: a 5-op chain forward+backward, jtorch vs torch eager vs jax.jit(jax.grad), same run.

The chain is loss = ((x @ w).relu() * 2 + b).sum() with w and b requiring grad (x is data), on
float32 64x64 and 1024x1024. One repetition = forward + backward + waiting for both gradients
(jtorch and jax block_until_ready on them; torch on CPU is synchronous); .grad is reset to None
first, as `optimizer.zero_grad()` does. Bars: 64x64 <= 2.5x torch eager (dispatch + tape cost);
1024x1024 <= 1.2x jax.jit(jax.grad) (the work is the same there, so overhead must vanish).

A last row runs the 64x64 step 10,000 times (3,000 with --quick) and samples resident memory
(/proc/self/statm) after 1,000 steps and at the end: the tape must be freed after every backward,
so memory stays flat (bar: growth <= 8 MB). Its "jtorch us" is the mean step time of that loop.
"""
import os

import numpy as np

from ._timing import Budget, compare

NAME = "autograd"
TITLE = "Autograd chain forward+backward: median us per step, interleaved rounds"

SIZES = (64, 1024)
BARS = {64: (2.5, "torch"), 1024: (1.2, "jax")}
FLAT_MB = 8.0


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _setup(n, jtorch, torch, jax, jnp):
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((n, n), dtype=np.float32)
    ws = (rng.standard_normal((n, n), dtype=np.float32) / np.sqrt(n)).astype(np.float32)
    bs = rng.standard_normal((n,), dtype=np.float32)
    jx, jw, jb = jtorch.tensor(xs), jtorch.tensor(ws, requires_grad=True), \
        jtorch.tensor(bs, requires_grad=True)
    tx, tw, tb = torch.tensor(xs), torch.tensor(ws, requires_grad=True), \
        torch.tensor(bs, requires_grad=True)

    def run_jtorch():
        jw.grad = None
        jb.grad = None
        ((jx @ jw).relu() * 2 + jb).sum().backward()
        jw.grad._a.block_until_ready()
        jb.grad._a.block_until_ready()

    def run_torch():
        tw.grad = None
        tb.grad = None
        ((tx @ tw).relu() * 2 + tb).sum().backward()

    def loss(x, w, b):
        return (jnp.maximum(x @ w, 0.0) * 2 + b).sum()

    g = jax.jit(jax.grad(loss, argnums=(1, 2)))
    ax, aw, ab = jx._a, jw._a, jb._a

    def run_jax():
        gw, gb = g(ax, aw, ab)
        gw.block_until_ready()
        gb.block_until_ready()

    def check():
        run_jtorch()
        run_torch()
        gw, gb = g(ax, aw, ab)
        for got, want, ref in ((jw.grad, gw, tw.grad), (jb.grad, gb, tb.grad)):
            got = np.asarray(got._a)
            scale = max(1.0, float(np.abs(ref.numpy()).max()))
            if not (np.allclose(got, np.asarray(want), atol=1e-3 * scale) and
                    np.allclose(got, ref.numpy(), atol=1e-3 * scale)):
                return "jtorch gradient differs from jax/torch"
        return None

    return run_jtorch, run_torch, run_jax, check


def run(quick=False):
    import jax
    import jax.numpy as jnp
    import torch

    import jtorch

    budget = Budget(quick)
    rows = []
    for n in SIZES:
        bar, vs = BARS[n]
        row = {"name": "chain5_fwd_bwd", "size": f"{n}x{n}", "bar": bar, "bar_vs": vs,
               "note": None}
        run_jtorch, run_torch, run_jax, check = _setup(n, jtorch, torch, jax, jnp)
        bad = check()
        if bad:
            row["note"] = "WRONG RESULT: " + bad
            row["wrong"] = True
        res = compare({"jtorch": run_jtorch, "jax": run_jax, "torch": run_torch,
                       "jax_again": run_jax}, budget)
        row.update(jtorch_us=res["jtorch"], jax_us=res["jax"], torch_us=res["torch"],
                   ratios={"jax": res.ratio("jtorch", "jax"),
                           "torch": res.ratio("jtorch", "torch")},
                   ratio_iqr={b: res.ratio_spread("jtorch", b) for b in ("jax", "torch")},
                   ratio_ci={b: res.ratio_ci("jtorch", b) for b in ("jax", "torch")},
                   aa={"jax": res.ratio("jax_again", "jax")})
        rows.append(row)
    rows.append(memory_row(3000 if quick else 10000))
    return rows


def memory_row(steps, first=1000):
    """Run the 64x64 step `steps` times; RSS after `first` steps and at the end."""
    import jax
    import jax.numpy as jnp
    import torch

    import time

    import jtorch

    run_jtorch = _setup(64, jtorch, torch, jax, jnp)[0]
    t0 = time.perf_counter()
    for _ in range(first):
        run_jtorch()
    a = _rss_mb()
    for _ in range(steps - first):
        run_jtorch()
    b = _rss_mb()
    mean_us = (time.perf_counter() - t0) / steps * 1e6
    growth = b - a
    return {"name": f"memory_{steps}_steps", "size": "64x64", "bar": None,
            "jtorch_us": mean_us, "jax_us": None, "torch_us": None,
            "note": f"RSS {a:.1f} MB after {first} steps, {b:.1f} MB after {steps}: growth "
                    f"{growth:+.1f} MB -> {'FLAT' if growth <= FLAT_MB else 'GROWING'} "
                    f"(bar <= {FLAT_MB:.0f} MB)",
            "rss_first_mb": a, "rss_last_mb": b, "wrong": growth > FLAT_MB}
