"""Eager per-op cost: jtorch vs raw jax.numpy vs torch eager, measured in the same run.

Each op runs on float32 64x64 and 1024x1024 inputs. Raw JAX is timed twice as two separate
implementations (an A/A control): the ratio of the two, ideally 1.00, shows each row's noise. jtorch and raw JAX operate on the very same
jax.Array buffers (the jax inputs are the jtorch tensors' arrays), torch on copies of the same
values. Bars (jtorch/jax): <= 1.3x on 64x64 (dispatch overhead must stay small next to JAX's own),
<= 1.05x on 1024x1024 (there the work is identical, so dispatch must vanish in it).

An op jtorch does not have yet (AttributeError / TypeError / NotImplementedError on the first
call) is reported as "n/a (not implemented)"; re-run later to fill it in. Before timing, each
jtorch result is checked against the raw JAX result (shape, dtype, values).
"""
import numpy as np

from ._timing import Budget, compare

NAME = "eager"
TITLE = "Eager ops: median us per op (block_until_ready in every repetition), interleaved rounds"

SIZES = (64, 1024)
BARS = {64: 1.3, 1024: 1.05}


def _cases(jtorch, jnp, jax, torch):
    """(name, jtorch fn, jax fn, torch fn); each fn takes (a, b) of its own library."""
    return [
        ("add", lambda a, b: a + b, lambda a, b: jnp.add(a, b), lambda a, b: a + b),
        ("mul", lambda a, b: a * b, lambda a, b: jnp.multiply(a, b), lambda a, b: a * b),
        ("mul_scalar", lambda a, b: a * 2.0, lambda a, b: a * 2.0, lambda a, b: a * 2.0),
        ("matmul", lambda a, b: a @ b, lambda a, b: a @ b, lambda a, b: a @ b),
        ("sum", lambda a, b: a.sum(), lambda a, b: jnp.sum(a), lambda a, b: a.sum()),
        ("sum_dim", lambda a, b: a.sum(1), lambda a, b: jnp.sum(a, axis=1), lambda a, b: a.sum(1)),
        ("index", lambda a, b: a[1:10], lambda a, b: a[1:10], lambda a, b: a[1:10]),
        ("index_int", lambda a, b: a[3], lambda a, b: a[3], lambda a, b: a[3]),
        ("exp", lambda a, b: jtorch.exp(a), lambda a, b: jnp.exp(a), lambda a, b: torch.exp(a)),
        # NOTE: raw JAX relu as jnp.maximum: jax.nn.relu is a custom_jvp function whose eager
        # call costs ~200 us here, which would make this row say nothing about dispatch.
        ("relu", lambda a, b: jtorch.relu(a), lambda a, b: jnp.maximum(a, 0.0),
         lambda a, b: torch.relu(a)),
    ]


_NOT_IMPLEMENTED = (AttributeError, TypeError, NotImplementedError)


def _short(e):
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {msg[:90]}"


def _check(name, got, want):
    """None if jtorch's result matches raw JAX's, else a description of the mismatch."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"{name}: jtorch gives {got.dtype}{list(got.shape)}, jax {want.dtype}{list(want.shape)}"
    tol = 1e-3 if name == "matmul" else 1e-5
    if not np.allclose(got, want, rtol=tol, atol=tol * max(1.0, float(np.abs(want).max(initial=0)))):
        return f"{name}: jtorch values differ from jax (max abs diff " \
               f"{float(np.abs(got - want).max()):.3g})"
    return None


def run(quick=False):
    import jax
    import jax.numpy as jnp
    import torch

    import jtorch

    budget = Budget(quick)
    rng = np.random.default_rng(0)
    rows = []
    for n in SIZES:
        xa = rng.standard_normal((n, n), dtype=np.float32)
        xb = rng.standard_normal((n, n), dtype=np.float32)
        ta, tb = jtorch.tensor(xa), jtorch.tensor(xb)
        ja, jb = ta._a, tb._a  # the same device buffers for jtorch and raw jax
        pa, pb = torch.from_numpy(xa.copy()), torch.from_numpy(xb.copy())
        assert ja.dtype == np.float32 and ta.dtype is jtorch.float32
        for name, fj, fx, fp in _cases(jtorch, jnp, jax, torch):
            row = {"name": name, "size": f"{n}x{n}", "bar": BARS[n], "note": None,
                   "jtorch_us": None, "jax_us": None, "torch_us": None}

            def run_jtorch(f=fj):
                f(ta, tb)._a.block_until_ready()

            def run_jax(f=fx):
                f(ja, jb).block_until_ready()

            def run_torch(f=fp):
                f(pa, pb)

            # NOTE: "jax_again" is an A/A control: the jax callable timed as a fourth
            # implementation. Its ratio to "jax" (ideally 1.00) is this row's noise floor.
            fns = {"jtorch": run_jtorch, "jax": run_jax, "torch": run_torch,
                   "jax_again": run_jax}
            want = fx(ja, jb)
            try:
                got = fj(ta, tb)
            except _NOT_IMPLEMENTED as e:
                fns["jtorch"] = None
                row["note"] = "n/a (not implemented): " + _short(e)
            except Exception as e:  # noqa: BLE001 - a broken op must not stop the suite
                fns["jtorch"] = None
                row["note"] = "error: " + _short(e)
            else:
                bad = _check(name, got._a, want)
                if bad:
                    row["note"] = "WRONG RESULT: " + bad
                    row["wrong"] = True
            res = compare(fns, budget)
            row.update(jtorch_us=res["jtorch"], jax_us=res["jax"], torch_us=res["torch"],
                       ratios={"jax": res.ratio("jtorch", "jax"),
                               "torch": res.ratio("jtorch", "torch")},
                       ratio_iqr={"jax": res.ratio_spread("jtorch", "jax")},
                       ratio_ci={"jax": res.ratio_ci("jtorch", "jax")},
                       aa={"jax": res.ratio("jax_again", "jax")})
            rows.append(row)
    return rows
