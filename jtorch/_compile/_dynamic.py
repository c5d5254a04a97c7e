"""jtorch.compile(dynamic=True): one trace with a symbolic dim 0 per group of equal batch sizes.

The function is traced once through jax.export with dim 0 of every tensor argument symbolic
(arguments whose dim 0 is equal at the first call share one symbol; 0 and 1 stay static, as
they broadcast differently). New batch sizes then reuse the trace: XLA compiles the exported
StableHLO for the new shape without running the Python function again. A function that
cannot be traced symbolically (e.g. it turns a batch size into a Python int) falls back to
one trace per shape.
"""
import jax

__all__ = ["batch_pattern", "export_call"]


def _dim0(x):
    from .._tensor import Tensor
    if isinstance(x, Tensor) and x._a.ndim >= 1 and x._a.shape[0] > 1:
        return x._a.shape[0]
    return None


def batch_pattern(leaves):
    """Per argument leaf: None (static shape) or the index of its batch-size group."""
    groups, out = {}, []
    for x in leaves:
        d = _dim0(x)
        out.append(None if d is None else groups.setdefault(d, len(groups)))
    return tuple(out)


def _aval(a):
    return None if a is None else jax.ShapeDtypeStruct(a.shape, a.dtype)


def export_call(spec, pattern, arrs, grads, key, ins, hps):
    """A jitted call of spec["pure"] exported with symbolic batch sizes, or None if the function
    cannot be traced that way (or its outputs need autograd: those stay per shape). pattern:
    batch_pattern of the call's argument leaves."""
    n = max((g for g in pattern if g is not None), default=-1) + 1
    if n == 0:
        return None
    syms = jax.export.symbolic_shape(",".join(f"b{i}" for i in range(n)))
    in_specs = [None if a is None else jax.ShapeDtypeStruct(
        a.shape if g is None else (syms[g],) + tuple(a.shape[1:]), a.dtype)
        for a, g in zip(ins, pattern)]
    try:
        exp = jax.export.export(jax.jit(spec["pure"]), platforms=[jax.default_backend()])(
            [_aval(a) for a in arrs], [_aval(g) for g in grads], _aval(key), in_specs,
            [_aval(h) for h in hps])
    except Exception:  # noqa: BLE001  NOTE: any failure of the symbolic trace -> per shape
        return None
    if spec.get("diff"):
        return None
    return jax.jit(exp.call, donate_argnums=(0, 1))
