"""Binary pointwise ops: arithmetic, pow, max/min, comparisons, bitwise and logical ops."""
import builtins

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from ._common import torch_name, unwrap_out
from . import _kinks as K
from ._pointwise_base import _bshape, _exporter, _guard, _nie, _to
from .registry import dispatch, promote, result_dtype, to_float
from .registry import register as _reg

__all__ = []  # filled by _export
_export = _exporter(globals())


# ---- binary ops -----------------------------------------------------------------------

def _def_binary(name, fn, differentiable=True, grad_name=None):
    o = _reg(name, _guard(name, fn), differentiable=differentiable, grad_name=grad_name)

    def public(input, other, *, out=None):
        if out is None:
            return dispatch(o, (input, other))
        return unwrap_out(dispatch(o, (input, other)), out)
    public.__doc__ = f"Elementwise {name} with broadcasting and type promotion (torch.{name})."
    return _export(name, public)


def _binary(jfn, floatify=False):
    def f(a, b):
        _bshape(a, b)
        (a, b), rt = promote(a, b)
        if floatify and rt._cat < 2:
            a, b = to_float(a), to_float(b)
        return jfn(a, b)
    return f


def _add_fn(a, b):
    _bshape(a, b)
    (a, b), rt = promote(a, b)
    return jnp.logical_or(a, b) if rt is D.bool else a + b


def _add_alpha_fn(a, b, alpha):
    _bshape(a, b)
    rt = result_dtype(a, b)
    if rt._cat < 2 and jnp.issubdtype(alpha.dtype, jnp.floating):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    (a, b), rt = promote(a, b)
    return a + b * alpha.astype(rt._np)


def _sub_check(a, b):
    # NOTE: torch's sub_check: no bool operand at all (Python bools included).
    ab, bb = a.dtype == jnp.bool_, b.dtype == jnp.bool_
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if ab or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _sub_fn(a, b):
    _bshape(a, b)
    _sub_check(a, b)
    (a, b), rt = promote(a, b)
    return a - b


def _sub_alpha_fn(a, b, alpha):
    _bshape(a, b)
    _sub_check(a, b)
    (a, b), rt = promote(a, b)
    return a - b * alpha.astype(rt._np)


def _mul_fn(a, b):
    _bshape(a, b)
    (a, b), rt = promote(a, b)
    return jnp.logical_and(a, b) if rt is D.bool else a * b


_ADD = _reg("add", _add_fn)
_ADD_A = _reg("add_alpha", _add_alpha_fn, grad_name="AddBackward0")
_SUB = _reg("sub", _sub_fn)
_SUB_A = _reg("sub_alpha", _sub_alpha_fn, grad_name="SubBackward0")
_MUL = _reg("mul", _mul_fn)


def _is_w(x):
    return getattr(x, "weak_type", False)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion (torch.add)."""
    r = dispatch(_ADD, (input, other)) if alpha == 1 else dispatch(_ADD_A, (input, other, alpha))
    return r if out is None else unwrap_out(r, out)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other (torch.sub)."""
    r = dispatch(_SUB, (input, other)) if alpha == 1 else dispatch(_SUB_A, (input, other, alpha))
    return r if out is None else unwrap_out(r, out)


def rsub(input, other, *, alpha=1):
    """other - alpha * input (torch.rsub)."""
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    """input * other (torch.mul)."""
    r = dispatch(_MUL, (input, other))
    return r if out is None else unwrap_out(r, out)


__all__ += ["add", "sub", "rsub", "mul"]
subtract, multiply = sub, mul
__all__ += ["subtract", "multiply"]


def _div_fn(mode, a, b):
    _bshape(a, b)
    (a, b), rt = promote(a, b)
    if mode is None:
        if rt._cat < 2:
            a, b = to_float(a), to_float(b)
        return a / b
    if rt is D.bool or rt._cat == 3:
        raise _nie(f"div_{mode}_cpu")(rt)
    if mode == "trunc":
        if rt._cat < 2:
            return lax.div(*jnp.broadcast_arrays(a, b))
        return lax.stop_gradient(jnp.trunc(a / b))
    if rt._cat < 2:
        return jnp.floor_divide(a, b) if rt is not D.bool else a
    # NOTE: torch: rounded division has a zero gradient (fmod-based formula: NaN/inf at b == 0).
    return lax.stop_gradient(_floor_div_float(a, b))


def _floor_div_float(a, b):
    # NOTE: torch's div_floor_floating: computed from fmod so that a == b * q + r exactly.
    mod = jnp.fmod(a, b)
    div = (a - mod) / b
    div = jnp.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
    floordiv = jnp.floor(div)
    floordiv = jnp.where(div - floordiv > 0.5, floordiv + 1, floordiv)
    return jnp.where(b == 0, a / b, jnp.where(div != 0, floordiv, jnp.copysign(0.0, a / b)))


_DIV = {m: _reg("div" if m is None else f"div_{m}", _div_fn, grad_name="DivBackward0")
        for m in (None, "trunc", "floor")}


def div(input, other, *, rounding_mode=None, out=None):
    """Division: true (default), 'trunc' or 'floor' rounding (torch.div)."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    r = dispatch(_DIV[rounding_mode], (input, other), (rounding_mode,))
    return r if out is None else unwrap_out(r, out)


def floor_divide(input, other, *, out=None):
    """Floor division (torch.floor_divide)."""
    return div(input, other, rounding_mode="floor", out=out)


divide = true_divide = div
__all__ += ["div", "divide", "true_divide", "floor_divide"]


def _remainder(a, b):
    if jnp.issubdtype(a.dtype, jnp.floating):
        # NOTE: torch: a - b * floor(a / b) with the result taking b's sign.
        r = jnp.fmod(a, b)
        return jnp.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)
    return jnp.remainder(a, b)


_def_binary("remainder", _binary(_remainder))
_def_binary("fmod", _binary(jnp.fmod))


def _pow_fn(a, b):
    _bshape(a, b)
    # NOTE: torch refuses negative integer scalar exponents for integer bases; that check
    # needs the value, so it runs eagerly in `pow` below.
    (a2, b2), rt = promote(a, b)
    if rt is D.bool:  # NOTE: bool ** bool-tensor is refused in `pow` (needs the Python type)
        return jnp.logical_or(a2, jnp.logical_not(b2))
    if rt._cat == 1:
        # NOTE: torch's powi: a negative exponent gives 0, except for bases 1 and -1.
        neg = b2 < 0
        p = jnp.power(a2, jnp.where(neg, 0, b2))
        inv = jnp.where(a2 == 1, 1, jnp.where(a2 == -1, 1 - 2 * (jnp.abs(b2) % 2), 0))
        return jnp.where(neg, inv.astype(p.dtype), p)
    # NOTE: torch's pow derivatives are 0 where the exponent is 0 / the base is 0 (see _kinks).
    return K.pow_(a2, b2) if rt._cat == 2 else jnp.power(a2, b2)


_POW = _reg("pow", _pow_fn)


def pow(input, exponent, *, out=None):
    """input ** exponent (torch.pow)."""
    if isinstance(exponent, builtins.int) and not isinstance(exponent, builtins.bool) \
            and exponent < 0 and hasattr(input, "dtype") and input.dtype._cat < 2:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if getattr(exponent, "dtype", None) is D.bool and \
            (getattr(input, "dtype", None) is D.bool or isinstance(input, builtins.bool)):
        raise _nie("pow")(D.bool)  # NOTE: torch: a bool base takes only a Python bool exponent
    r = dispatch(_POW, (input, exponent))
    return r if out is None else unwrap_out(r, out)


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision (torch.float_power)."""
    cplx = any(getattr(x, "is_complex", lambda: isinstance(x, complex))()
               for x in (input, exponent))
    d = D.complex128 if cplx else D.float64
    a = _to(input, d) if hasattr(input, "dtype") else input
    b = _to(exponent, d) if hasattr(exponent, "dtype") else exponent
    return pow(a, b, out=out)


__all__ += ["pow", "float_power"]


def _float_power_(self, exponent):
    """In-place float_power: self must already have the double result dtype (torch's rule)."""
    r = float_power(self, exponent)
    if r.dtype is not self.dtype:
        raise RuntimeError(f"the base given to float_power_ has dtype {torch_name(self.dtype)} "
                           f"but the operation's result requires dtype {torch_name(r.dtype)}")
    from ._common import inplace_from
    return inplace_from(self, r)

# NOTE: atan2/hypot/copysign/xlogy/fmax/fmin use torch's derivative conventions (see _kinks).
_def_binary("atan2", _binary(K.atan2, floatify=True))
_export("arctan2", atan2)  # noqa: F821
_def_binary("hypot", _binary(K.hypot, floatify=True))
_def_binary("copysign", _binary(K.copysign, floatify=True))


@jax.custom_jvp
def _nextafter(a, b):
    return jnp.nextafter(a, b)


@_nextafter.defjvp
def _nextafter_jvp(primals, tangents):
    # NOTE: torch's derivatives.yaml: nextafter passes grad straight to self, zeros to other.
    out = jnp.nextafter(*primals)
    return out, jnp.broadcast_to(tangents[0], out.shape).astype(out.dtype)


_def_binary("nextafter", _binary(_nextafter))
_def_binary("xlogy", _binary(K.xlogy, floatify=True))
_def_binary("ldexp", _binary(lambda a, b: a * jnp.exp2(b), floatify=True))


def _maxmin(jfn, is_max):
    def f(a, b):
        _bshape(a, b)
        (a, b), rt = promote(a, b)
        if rt is D.bool:
            return (jnp.logical_or if is_max else jnp.logical_and)(a, b)
        return jfn(a, b)
    return f


_def_binary("maximum", _maxmin(jnp.maximum, True))
_def_binary("minimum", _maxmin(jnp.minimum, False))
_def_binary("fmax", _maxmin(K.fmax, True))
_def_binary("fmin", _maxmin(K.fmin, False))


def _cmp(jfn):
    def f(a, b):
        _bshape(a, b)
        (a, b), _ = promote(a, b)
        return jfn(a, b)
    return f


for _n, _f in {"eq": jnp.equal, "ne": jnp.not_equal, "lt": jnp.less, "le": jnp.less_equal,
               "gt": jnp.greater, "ge": jnp.greater_equal}.items():
    _def_binary(_n, _cmp(_f), differentiable=False)
for _a, _n in {"greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
               "not_equal": "ne"}.items():
    _export(_a, globals()[_n])


def _bitwise(name, jfn):
    def f(a, b):
        _bshape(a, b)
        (a, b), rt = promote(a, b)
        if rt._cat >= 2:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{torch_name(rt)}'")
        return jfn(a, b)
    return f


for _n, _f in {"bitwise_and": jnp.bitwise_and, "bitwise_or": jnp.bitwise_or,
               "bitwise_xor": jnp.bitwise_xor, "bitwise_left_shift": jnp.left_shift,
               "bitwise_right_shift": jnp.right_shift}.items():
    _def_binary(_n, _bitwise(_n, _f), differentiable=False)


def _logical(jfn):
    def f(a, b):
        _bshape(a, b)
        return jfn(a.astype(bool), b.astype(bool))
    return f


for _n, _f in {"logical_and": jnp.logical_and, "logical_or": jnp.logical_or,
               "logical_xor": jnp.logical_xor}.items():
    _def_binary(_n, _logical(_f), differentiable=False)

