"""Optimizer step cost: jtorch.optim.Adam.step() vs torch.optim.Adam.step() vs raw optax under jit.

100 parameter tensors shaped like 50 Linear(256, 256) layers (weight 256x256 + bias 256, float32,
~3.3M values), gradients set once. One timed repetition = one `step()` (jtorch: wait for the
updated parameters with block_until_ready; torch is synchronous; optax: a jitted adam update +
apply_updates over the same pytree, waited on). torch is timed with its CPU default (the
single-tensor for-loop, foreach=False) and, for reference, with foreach=True. Bar: jtorch <= 1.5x
torch's default step. Before timing, jtorch's parameters after 3 steps are checked against torch's.

Run alone: `python benchmarks/optim_step.py [--quick]`, or through `benchmarks/run.py`.
"""
import sys
from pathlib import Path

import numpy as np

if __name__ == "__main__" and __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"  # noqa: A001 - run as a script: import siblings as a package

from ._timing import Budget, compare  # noqa: E402

NAME = "optim"
TITLE = "Optimizer step: Adam over 100 tensors (50 x Linear(256,256)), median us per step()"

BAR = 1.5
LAYERS, WIDTH = 50, 256


def _shapes():
    out = []
    for _ in range(LAYERS):
        out += [(WIDTH, WIDTH), (WIDTH,)]
    return out


def _check(jtorch, torch, init, grads):
    """None if 3 jtorch Adam steps give torch's parameters, else a description."""
    jp = [jtorch.tensor(a.copy(), requires_grad=True) for a in init]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    jo, to = jtorch.optim.Adam(jp, lr=1e-3), torch.optim.Adam(tp, lr=1e-3)
    for p, q, g in zip(jp, tp, grads):
        p.grad, q.grad = jtorch.tensor(g), torch.tensor(g)
    for _ in range(3):
        jo.step()
        to.step()
    worst = max(float(np.max(np.abs(np.asarray(p.detach().numpy()) - q.detach().numpy())))
                for p, q in zip(jp, tp))
    return None if worst <= 1e-6 else f"jtorch params differ from torch's (max abs {worst:.3g})"


def run(quick=False):
    import jax
    import optax
    import torch

    import jtorch

    budget = Budget(quick)
    rng = np.random.default_rng(0)
    shapes = _shapes()
    init = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in shapes]
    row = {"name": "Adam.step", "size": f"{len(shapes)} tensors", "bar": BAR, "bar_vs": "torch",
           "note": None}
    bad = _check(jtorch, torch, init, grads)
    if bad:
        row["note"], row["wrong"] = "WRONG RESULT: " + bad, True

    jp = [jtorch.tensor(a.copy(), requires_grad=True) for a in init]
    for p, g in zip(jp, grads):
        p.grad = jtorch.tensor(g)
    jopt = jtorch.optim.Adam(jp, lr=1e-3)

    def run_jtorch():
        jopt.step()
        jp[-1]._a.block_until_ready()

    def torch_step(foreach):
        tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
        for p, g in zip(tp, grads):
            p.grad = torch.tensor(g)
        opt = torch.optim.Adam(tp, lr=1e-3, foreach=foreach)
        return opt.step

    run_torch, run_torch_foreach = torch_step(False), torch_step(True)

    tx = optax.adam(1e-3)
    xp = [jax.numpy.asarray(a) for a in init]
    xg = [jax.numpy.asarray(g) for g in grads]
    box = {"p": xp, "s": tx.init(xp)}

    @jax.jit
    def optax_step(params, state, g):
        updates, state = tx.update(g, state, params)
        return optax.apply_updates(params, updates), state

    def run_optax():
        box["p"], box["s"] = optax_step(box["p"], box["s"], xg)
        box["p"][-1].block_until_ready()

    res = compare({"jtorch": run_jtorch, "torch": run_torch, "torch_foreach": run_torch_foreach,
                   "optax": run_optax}, budget)
    row.update(jtorch_us=res["jtorch"], torch_us=res["torch"],
               torch_foreach_us=res["torch_foreach"], optax_us=res["optax"],
               ratios={"torch": res.ratio("jtorch", "torch"),
                       "torch_foreach": res.ratio("jtorch", "torch_foreach"),
                       "optax": res.ratio("jtorch", "optax")},
               ratio_iqr={"torch": res.ratio_spread("jtorch", "torch")},
               ratio_ci={"torch": res.ratio_ci("jtorch", "torch")})
    return [row]


if __name__ == "__main__":
    from benchmarks.run import bar_summary, format_table

    import jtorch  # noqa: F401 - jtorch's JAX config first, as in run.py
    import torch
    torch.set_num_threads(1)  # NOTE: run.py's default (--torch-threads 1)
    rows = run("--quick" in sys.argv)
    print(format_table(f"[{NAME}] {TITLE}", rows))
    for line in bar_summary(rows):
        print("bar: " + line)
