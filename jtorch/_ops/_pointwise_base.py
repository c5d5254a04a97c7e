"""Shared pointwise plumbing: the dtype guard, broadcast-shape check, _to and _exporter."""
import builtins

import jax.numpy as jnp

from .. import _dtype as D
from ._common import torch_name
from .registry import dispatch, result_dtype
from .registry import register as _reg


def _exporter(ns):
    """The `_export(name, fn)` of module namespace ns: names fn, binds it there, lists it in
    ns's __all__."""
    def _export(name, fn):
        fn.__name__ = name
        ns[name] = fn
        ns["__all__"].append(name)
        return fn
    return _export


def _dt(x):
    return D.from_np(x.dtype)


# ---- dtypes torch has no kernel for ---------------------------------------------------------
# NOTE: op name -> (categories it rejects: 0 bool, 1 int, 2 float, 3 complex; the error). Checked
# on the common dtype of the operands when the op is traced, so it costs nothing per call.

def _nie(kernel):
    return lambda d: NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(d)}'")


def _err(cls, msg):
    return lambda d: cls(msg)


_REJECT = {
    **{n: ({3}, _nie(f"{n}_vml_cpu")) for n in ("erf", "erfc", "erfinv", "lgamma", "i0")},
    "digamma": ({3}, _nie("digamma")),
    "deg2rad": ({3}, _err(RuntimeError, "deg2rad is not supported for complex tensors.")),
    "rad2deg": ({3}, _err(RuntimeError, "rad2deg is not supported for complex tensors.")),
    "positive": ({0}, _err(RuntimeError, "The `+` operator, on a bool tensor is not "
                                         "supported.")),
    "abs": ({0}, _nie("abs_cpu")),
    "sign": ({3}, _err(NotImplementedError, "Unlike NumPy, torch.sign is not intended to "
                                            "support complex numbers. Please use torch.sgn "
                                            "instead.")),
    "frac": ({0, 1, 3}, _nie("frac_cpu")),
    "isposinf": ({3}, _err(RuntimeError, "isposinf does not support complex inputs.")),
    "isneginf": ({3}, _err(RuntimeError, "isneginf does not support complex inputs.")),
    "signbit": ({3}, _err(NotImplementedError, "signbit is not implemented for complex "
                                               "tensors.")),
    "bitwise_not": ({2, 3}, _nie("bitwise_not_cpu")),
    "remainder": ({0, 3}, _nie("remainder_cpu")),
    "fmod": ({0, 3}, _nie("fmod_cpu")),
    "atan2": ({3}, _nie("atan2_cpu")),
    "hypot": ({0, 1, 3}, _nie("hypot_cpu")),
    "copysign": ({3}, _nie("copysign_cpu")),
    "nextafter": ({0, 1, 3}, _nie("nextafter_cpu")),
    "xlogy": ({3}, _nie("xlogy_cpu")),
    **{n: ({3}, _err(RuntimeError, f"{n} not implemented for complex tensors."))
       for n in ("maximum", "minimum", "fmax", "fmin")},
    **{n: ({3}, _nie(f"{n}_cpu")) for n in ("lt", "le", "gt", "ge")},
    **{n: ({2, 3}, _nie(f"{n}_cpu")) for n in ("bitwise_and", "bitwise_or", "bitwise_xor")},
    "bitwise_left_shift": ({0, 2, 3}, _nie("lshift_cpu")),
    "bitwise_right_shift": ({0, 2, 3}, _nie("rshift_cpu")),
}
for _n in ("floor", "ceil", "trunc"):
    _REJECT[_n] = ({0, 3}, (lambda k, n: lambda d: NotImplementedError(
        f"{n} is not supported for complex inputs") if d._cat == 3 else _nie(k)(d))(
        f"{_n}_vml_cpu", _n))


def _guard(name, fn):
    """fn, raising torch's error first for operand dtypes torch has no kernel for."""
    rule = _REJECT.get(name)
    if rule is None:
        return fn
    cats, make = rule

    def guarded(*xs):
        if len(xs) == 2:
            _bshape(*xs)  # NOTE: torch reports a shape mismatch before a missing kernel
        d = result_dtype(*xs)
        if d._cat in cats:
            raise make(d)
        return fn(*xs)
    return guarded


def _bshape(a, b):
    """Broadcast shapes; torch's RuntimeError naming the sizes on mismatch (trace time)."""
    sa, sb = jnp.shape(a), jnp.shape(b)
    n = builtins.max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        x, y = pa[i], pb[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")


# ---- conversion -----------------------------------------------------------------------

def _to_fn(np_dtype, x):
    if jnp.iscomplexobj(x) and not jnp.issubdtype(np_dtype, jnp.complexfloating):
        x = jnp.real(x)
    return x.astype(np_dtype)


_TO = _reg("_to_copy", _to_fn, grad_name="ToCopyBackward0")


def _to(t, dtype):
    """t converted to a torch dtype (a new tensor; recorded as ToCopyBackward0)."""
    return dispatch(_TO, (t,), (dtype._np,))
