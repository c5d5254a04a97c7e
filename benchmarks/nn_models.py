"""nn models, forward + backward per step: jtorch eager vs torch eager, measured in one run.

* cnn: Conv2d(3,16,3,p=1), BatchNorm2d, ReLU, MaxPool2d(2), Conv2d(16,32,3,p=1), BatchNorm2d,
  ReLU, MaxPool2d(2), Flatten, Linear(32*8*8, 10); batch 32 of 3x32x32 float32, train mode,
  loss = cross_entropy against fixed labels.
* lstm: LSTM(64, 128, num_layers=2, batch_first=True); batch 16, seq 32, input 64 float32;
  loss = output.sum().

One timed repetition = zero_grad(set_to_none) + forward + loss + backward (jtorch: waits with
block_until_ready on every parameter's gradient; torch is synchronous). torch's weights are copied
into jtorch first, and before timing the loss and every parameter gradient of one step are
checked against torch's. For reference, raw JAX runs the same model as ONE jitted
value_and_grad (lax.conv / reduce_window / scan; the jtorch step also updates BatchNorm's running
stats, the JAX one does not), so jtorch/jax shows what eager dispatch costs over a whole-step
compile. Bar: jtorch <= 2.0x torch eager (issue 5). A model whose layers jtorch
does not have yet is reported as n/a with the missing layer, never timed.

Run alone: `python benchmarks/nn_models.py [--quick]`, or through `benchmarks/run.py`.
"""
import sys
from pathlib import Path

import numpy as np

if __name__ == "__main__" and __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"  # noqa: A001 - run as a script: import siblings as a package

from ._timing import Budget, compare  # noqa: E402

NAME = "nn"
TITLE = "nn models: forward+backward per training step, median us per step"

BAR = 2.0
_NEEDS = {"cnn": ("Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Linear"),
          "lstm": ("LSTM",)}


def _cnn(nn):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 10))


def _lstm(nn):
    return nn.LSTM(64, 128, num_layers=2, batch_first=True)


def _models(jtorch, torch, rng):
    """[(name, size, build(nn), make_step(lib, model), make_jax(state_dict))]; step() -> loss."""
    out = []
    x = rng.standard_normal((32, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, size=(32,)).astype(np.int64)
    s = rng.standard_normal((16, 32, 64)).astype(np.float32)

    def cnn_step(lib, model, xs, ys):
        def step():
            model.zero_grad(set_to_none=True)
            loss = lib.nn.functional.cross_entropy(model(xs), ys)
            loss.backward()
            return loss
        return step

    def lstm_step(model, xs):
        def step():
            model.zero_grad(set_to_none=True)
            out, _ = model(xs)
            loss = out.sum()
            loss.backward()
            return loss
        return step

    out.append(("cnn", "b32 3x32x32", _cnn,
                lambda lib, m: cnn_step(lib, m, lib.tensor(x), lib.tensor(y)),
                lambda sd: _jax_cnn(sd, x, y)))
    out.append(("lstm", "b16 s32 h128 x2", _lstm, lambda lib, m: lstm_step(m, lib.tensor(s)),
                lambda sd: _jax_lstm(sd, s)))
    return out


def _jax_cnn(sd, x, y):
    """(run fn, loss) of the CNN as one jitted value_and_grad over torch's state_dict `sd`."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    p = {k: jnp.asarray(v) for k, v in sd.items() if "running" not in k and "num_batches" not in k}

    def conv(h, w, b):
        dn = ("NCHW", "OIHW", "NCHW")
        return lax.conv_general_dilated(h, w, (1, 1), ((1, 1), (1, 1)),
                                        dimension_numbers=dn) + b[None, :, None, None]

    def bn(h, g, b):
        m = h.mean((0, 2, 3), keepdims=True)
        v = ((h - m) ** 2).mean((0, 2, 3), keepdims=True)
        return (h - m) / jnp.sqrt(v + 1e-5) * g[None, :, None, None] + b[None, :, None, None]

    def pool(h):
        return lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def loss_fn(p, x, y):
        h = pool(jax.nn.relu(bn(conv(x, p["0.weight"], p["0.bias"]), p["1.weight"], p["1.bias"])))
        h = pool(jax.nn.relu(bn(conv(h, p["4.weight"], p["4.bias"]), p["5.weight"], p["5.bias"])))
        logits = h.reshape(h.shape[0], -1) @ p["9.weight"].T + p["9.bias"]
        logp = jax.nn.log_softmax(logits, axis=-1)
        return -jnp.take_along_axis(logp, y[:, None], axis=1).mean()

    step = jax.jit(jax.value_and_grad(loss_fn))
    xj, yj = jnp.asarray(x), jnp.asarray(y)

    def run():
        loss, g = step(p, xj, yj)
        jax.block_until_ready(g)
        return loss
    return run


def _jax_lstm(sd, s):
    """The 2-layer LSTM (torch's gate order i, f, g, o) as one jitted value_and_grad."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    p = {k: jnp.asarray(v) for k, v in sd.items()}

    def layer(xs, wi, wh, bi, bh):
        pre = xs @ wi.T + bi + bh  # (T, B, 4H)
        hsz = wh.shape[1]

        def cell(carry, xt):
            h, c = carry
            g = xt + h @ wh.T
            i, f, gg, o = jnp.split(g, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(gg)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        z = jnp.zeros((xs.shape[1], hsz), xs.dtype)
        return lax.scan(cell, (z, z), pre)[1]

    def loss_fn(p, x):
        h = jnp.swapaxes(x, 0, 1)
        for k in range(2):
            h = layer(h, p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"], p[f"bias_ih_l{k}"],
                      p[f"bias_hh_l{k}"])
        return h.sum()

    step = jax.jit(jax.value_and_grad(loss_fn))
    xj = jnp.asarray(s)

    def run():
        loss, g = step(p, xj)
        jax.block_until_ready(g)
        return loss
    return run


def _missing(jtorch, name):
    return [n for n in _NEEDS[name] if not hasattr(jtorch.nn, n)]


def _check(jloss, tloss, jm, tm):
    """None if jtorch's loss and parameter gradients match torch's, else a description."""
    worst = abs(float(jloss.item()) - float(tloss.item())) / max(1.0, abs(float(tloss.item())))
    if worst > 1e-4:
        return f"loss {float(jloss.item()):.6g} vs torch {float(tloss.item()):.6g}"
    tp = dict(tm.named_parameters())
    for n, p in jm.named_parameters():
        g, tg = np.asarray(p.grad.numpy()), tp[n].grad.numpy()
        err = float(np.max(np.abs(g - tg))) / max(1.0, float(np.max(np.abs(tg))))
        if err > 1e-3:
            return f"grad of {n} differs from torch's (max rel {err:.3g})"
    return None


def run(quick=False):
    import torch

    import jtorch

    budget = Budget(quick)
    rng = np.random.default_rng(0)
    rows = []
    for name, size, build, make_step, make_jax in _models(jtorch, torch, rng):
        row = {"name": name, "size": size, "bar": BAR, "bar_vs": "torch", "note": None,
               "jtorch_us": None, "torch_us": None, "jax_us": None}
        rows.append(row)
        missing = _missing(jtorch, name)
        if missing:
            row["note"] = "n/a (not implemented): jtorch.nn lacks " + ", ".join(missing)
            continue
        torch.manual_seed(0)
        tm = build(torch.nn)
        sd0 = {k: v.detach().numpy().copy() for k, v in tm.state_dict().items()}
        run_jax = make_jax(sd0)
        try:
            jm = build(jtorch.nn)
            jm.load_state_dict({k: jtorch.tensor(v.detach().numpy().copy())
                                for k, v in tm.state_dict().items()})
            jstep, tstep = make_step(jtorch, jm), make_step(torch, tm)
            # NOTE: the check runs one step on copies of the BatchNorm running stats too
            tloss = tstep()
            bad = _check(jstep(), tloss, jm, tm)
        except (AttributeError, TypeError, NotImplementedError) as e:
            row["note"] = f"n/a (not implemented): {type(e).__name__}: {str(e)[:90]}"
            continue
        except Exception as e:  # noqa: BLE001 - a broken layer must not stop the suite
            row["note"] = f"error: {type(e).__name__}: {str(e)[:90]}"
            continue
        if bad:
            row["note"], row["wrong"] = "WRONG RESULT: " + bad, True
        jloss = float(run_jax())
        if abs(jloss - float(tloss.item())) > 1e-4 * max(1.0, abs(float(tloss.item()))):
            # NOTE: the reference itself is wrong: time it, but say so (the bar is vs torch)
            row["note"] = (row["note"] or "") + f" raw JAX reference loss {jloss:.6g} != " \
                f"torch {float(tloss.item()):.6g}"
        params = list(jm.parameters())

        def run_jtorch(step=jstep, params=params):
            step()
            for p in params:
                p.grad._a.block_until_ready()

        res = compare({"jtorch": run_jtorch, "torch": tstep, "jax": run_jax}, budget)
        row.update(jtorch_us=res["jtorch"], torch_us=res["torch"], jax_us=res["jax"],
                   ratios={"torch": res.ratio("jtorch", "torch"),
                           "jax": res.ratio("jtorch", "jax")},
                   ratio_iqr={"torch": res.ratio_spread("jtorch", "torch")},
                   ratio_ci={"torch": res.ratio_ci("jtorch", "torch")})
    return rows


if __name__ == "__main__":
    from benchmarks.run import bar_summary, format_table

    import jtorch  # noqa: F401 - jtorch's JAX config first, as in run.py
    import torch
    torch.set_num_threads(1)  # NOTE: run.py's default (--torch-threads 1)
    rows = run("--quick" in sys.argv)
    print(format_table(f"[{NAME}] {TITLE}", rows))
    for line in bar_summary(rows):
        print("bar: " + line)
