"""Unary pointwise ops: exp/log/trig and special functions, sign/rounding, predicates, round."""
import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax import lax

from .. import _dtype as D
from ._common import torch_name, unwrap_out
from . import _kinks as K
from ._pointwise_base import _dt, _exporter, _guard, _nie
from .registry import dispatch, to_float
from .registry import register as _reg

__all__ = []  # filled by _export
_export = _exporter(globals())


# ---- unary ops ------------------------------------------------------------------------

def _float_unary(jfn):
    return lambda x: jfn(to_float(x))


def _def_unary(name, fn, grad_name=None, differentiable=True):
    o = _reg(name, _guard(name, fn), grad_name=grad_name, differentiable=differentiable)

    def public(input, *, out=None):
        if out is None:
            return dispatch(o, (input,))
        return unwrap_out(dispatch(o, (input,)), out)
    public.__doc__ = f"Elementwise {name} (torch.{name})."
    return _export(name, public)


_FLOAT_UNARY = {
    "exp": jnp.exp, "exp2": jnp.exp2, "expm1": jnp.expm1, "log": jnp.log, "log2": jnp.log2,
    "log10": jnp.log10, "log1p": jnp.log1p, "sqrt": jnp.sqrt, "rsqrt": lax.rsqrt,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "asin": jnp.arcsin, "acos": jnp.arccos,
    "atan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh, "tanh": jnp.tanh,
    "asinh": jnp.arcsinh, "acosh": jnp.arccosh, "atanh": jnp.arctanh, "sigmoid": jax.nn.sigmoid,
    "erf": jss.erf, "erfc": jss.erfc, "erfinv": jss.erfinv, "lgamma": K.lgamma,
    "digamma": K.digamma, "i0": K.i0, "sinc": jnp.sinc, "reciprocal": lambda x: 1 / x,
    "deg2rad": jnp.deg2rad, "rad2deg": jnp.rad2deg,
}
# NOTE: torch's node names where they are not simply the capitalised op name.
_GRAD_NAMES = {"log1p": "Log1PBackward0", "deg2rad": "Deg2RadBackward0",
               "rad2deg": "Rad2DegBackward0"}
for _n, _f in _FLOAT_UNARY.items():
    _def_unary(_n, _float_unary(_f), grad_name=_GRAD_NAMES.get(_n))

_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
            "arccosh": "acosh", "arctanh": "atanh"}
for _a, _n in _ALIASES.items():
    _export(_a, globals()[_n])


def _no_bool(what):
    def check(x):
        if x.dtype == jnp.bool_:
            raise RuntimeError(what)
        return x
    return check


_neg_check = _no_bool("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                      "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_def_unary("neg", lambda x: -_neg_check(x))
_export("negative", neg)  # noqa: F821
_def_unary("positive", lambda x: x, grad_name="AliasBackward0")


def _abs(x):
    if x.dtype == jnp.bool_:
        raise RuntimeError("abs does not support bool tensors")
    # NOTE: torch's abs gradient at 0 is 0 (JAX's is 1); see _kinks.
    return K.abs_(x) if _dt(x)._cat == 2 else jnp.abs(x)


_def_unary("abs", _abs)
_export("absolute", abs)  # noqa: F821


def _sign(x):
    if x.dtype == jnp.bool_:
        return x
    if x.dtype.kind == "f":  # NOTE: torch: (0 < x) - (x < 0), so sign(nan) = sign(-0.) = 0
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
    return jnp.sign(x)


_def_unary("sign", _sign)
_def_unary("sgn", lambda x: x / jnp.where(x == 0, 1, jnp.abs(x)) if jnp.iscomplexobj(x)
           else _sign(x))


def _int_identity(jfn):
    def f(x):
        if _dt(x)._cat < 2:
            return x
        return jfn(x)
    return f


_def_unary("floor", _int_identity(jnp.floor))
_def_unary("ceil", _int_identity(jnp.ceil))
_def_unary("trunc", _int_identity(jnp.trunc))
_export("fix", trunc)  # noqa: F821


def _frac(x):
    if _dt(x)._cat < 2:
        raise RuntimeError(f"\"frac_cpu\" not implemented for '{torch_name(_dt(x))}'")
    return x - jnp.trunc(x)


_def_unary("frac", _frac)


def _square(x):
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.int64)
    return x * x


_def_unary("square", _square, grad_name="PowBackward0")


def _relu(x):
    if x.dtype == jnp.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    if x.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    # NOTE: torch's relu gradient at 0 is 0; jnp.maximum splits ties (0.5), so use where.
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))


_def_unary("relu", _relu)


def _pred(jfn):
    return lambda x: jfn(x)


_def_unary("isnan", _pred(jnp.isnan), differentiable=False)
_def_unary("isinf", _pred(jnp.isinf), differentiable=False)
_def_unary("isfinite", _pred(jnp.isfinite), differentiable=False)
_def_unary("isposinf", _pred(jnp.isposinf), differentiable=False)
_def_unary("isneginf", _pred(jnp.isneginf), differentiable=False)
_def_unary("isreal", lambda x: jnp.isreal(x), differentiable=False)
_def_unary("signbit", lambda x: jnp.signbit(x) if _dt(x)._cat >= 1 else jnp.zeros_like(x, bool),
           differentiable=False)
_def_unary("logical_not", lambda x: jnp.logical_not(x), differentiable=False)


def _bitwise_not(x):
    if _dt(x)._cat >= 2:
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{torch_name(_dt(x))}'")
    return jnp.invert(x)


_def_unary("bitwise_not", _bitwise_not, differentiable=False)


def _round_fn(decimals, x):
    d = _dt(x)
    if d._cat == 3 or (d is D.bool and decimals == 0):
        raise _nie("round_vml_cpu")(d)
    if d._cat < 2 and decimals != 0:
        raise _nie("round_cpu")(d)
    if d._cat < 2:
        return x
    if decimals == 0:
        return jnp.round(x)
    # NOTE: torch computes round(x * 10**d) / 10**d (neg d: x / 10**-d then * 10**-d).
    if decimals > 0:
        s = jnp.asarray(10.0 ** decimals, x.dtype)
        return jnp.round(x * s) / s
    s = jnp.asarray(10.0 ** -decimals, x.dtype)
    return jnp.round(x / s) * s


_ROUND = _reg("round", _round_fn)


def round(input, *, decimals=0, out=None):
    """Round half to even, optionally to `decimals` places (torch.round)."""
    return unwrap_out(dispatch(_ROUND, (input,), (int(decimals),)), out)


__all__.append("round")
