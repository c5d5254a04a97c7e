"""Pointwise ops: unary math, binary arithmetic, comparisons, bitwise and logical ops."""
import builtins

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax import lax

from .. import _dtype as D
from ._common import torch_name, unwrap_out
from . import _kinks as K
from .registry import dispatch, promote, result_dtype, to_float
from .registry import register as _reg

__all__ = []  # filled by _export


def _export(name, fn):
    fn.__name__ = name
    globals()[name] = fn
    __all__.append(name)
    return fn


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


# ---- conversion -----------------------------------------------------------------------

def _to_fn(np_dtype, x):
    if jnp.iscomplexobj(x) and not jnp.issubdtype(np_dtype, jnp.complexfloating):
        x = jnp.real(x)
    return x.astype(np_dtype)


_TO = _reg("_to_copy", _to_fn, grad_name="ToCopyBackward0")


def _to(t, dtype):
    """t converted to a torch dtype (a new tensor; recorded as ToCopyBackward0)."""
    return dispatch(_TO, (t,), (dtype._np,))


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


# ---- binary ops -----------------------------------------------------------------------

def _def_binary(name, fn, differentiable=True, grad_name=None):
    o = _reg(name, _guard(name, fn), differentiable=differentiable, grad_name=grad_name)

    def public(input, other, *, out=None):
        if out is None:
            return dispatch(o, (input, other))
        return unwrap_out(dispatch(o, (input, other)), out)
    public.__doc__ = f"Elementwise {name} with broadcasting and type promotion (torch.{name})."
    return _export(name, public)


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


# ---- ternary and friends ----------------------------------------------------------------

def _where_fn(c, a, b):
    _bshape(c, a)
    _bshape(c, b)
    _bshape(a, b)
    if c.dtype != jnp.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {torch_name(_dt(c))}")
    (a, b), _ = promote(a, b)
    return jnp.where(c, a, b)


_WHERE = _reg("where", _where_fn)


def where(condition, input=None, other=None, *, out=None):
    """Elementwise select: input where condition else other (torch.where)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return unwrap_out(dispatch(_WHERE, (condition, input, other)), out)


def _invert(self):
    """~x: torch's TypeError for floating/complex tensors."""
    if self.dtype._cat >= 2:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)  # noqa: F821


def _where_method(self, condition, other):
    """Tensor.where(condition, other) == torch.where(condition, self, other)."""
    return where(condition, self, other)


# NOTE: Tensor methods whose signature differs from the function's (bound by _tensor_methods).
METHODS = {"where": _where_method, "float_power_": _float_power_, "__invert__": _invert}


def _clamp_fn(has_min, has_max, x, lo, hi):
    scalar = any(getattr(v, "weak_type", False) for v, h in ((lo, has_min), (hi, has_max)) if h)
    (x, lo, hi), rt = promote(x, lo if has_min else None, hi if has_max else None)
    if rt._cat == 3:
        raise NotImplementedError("clamp is not supported for complex types")
    if rt is D.bool:
        # NOTE: torch has bool kernels only for clamp_min / clamp_max with a tensor bound.
        if has_min and has_max:
            raise _nie("clamp_scalar_cpu" if scalar else "clamp_cpu")(rt)
        if scalar:
            raise _nie("clamp_min_scalar_cpu" if has_min else "clamp_max_scalar_cpu")(rt)
        return jnp.logical_or(x, lo) if has_min else jnp.logical_and(x, hi)
    # NOTE: torch: min(max(x, lo), hi), NaN in x propagates, gradient flows where lo<=x<=hi.
    if has_min:
        x = jnp.where(x < lo, lo, x) if _dt(x)._cat < 2 else jnp.where((x < lo) | jnp.isnan(lo), lo, x)
    if has_max:
        x = jnp.where(x > hi, hi, x) if _dt(x)._cat < 2 else jnp.where((x > hi) | jnp.isnan(hi), hi, x)
    return x


_CLAMP = _reg("clamp", _clamp_fn)


def clamp(input, min=None, max=None, *, out=None):
    """Clamp into [min, max]; bounds may be numbers or tensors (torch.clamp)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    r = dispatch(_CLAMP, (input, min, max), (min is not None, max is not None))
    return r if out is None else unwrap_out(r, out)


def clamp_min(input, min):
    """Clamp from below (torch.clamp_min)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """Clamp from above (torch.clamp_max)."""
    return clamp(input, max=max)


clip = clamp
__all__ += ["where", "clamp", "clip", "clamp_min", "clamp_max"]


def _lerp_fn(a, b, w):
    (a, b), rt = promote(a, b)
    if rt._cat < 2:
        raise _nie("lerp_kernel_scalar" if getattr(w, "weak_type", False)
                   else "lerp_kernel_tensor")(rt)
    w = w.astype(rt._np)
    # NOTE: torch's lerp formula, chosen for exactness at both ends.
    return jnp.where(jnp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


_LERP = _reg("lerp", _lerp_fn)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input) (torch.lerp)."""
    return unwrap_out(dispatch(_LERP, (input, end, weight)), out)


def _addcmul_fn(a, t1, t2, v):
    (a, t1, t2), rt = promote(a, t1, t2)
    if rt is D.bool:
        raise _nie("addcmul_cpu_out")(rt)
    return a + v.astype(rt._np) * t1 * t2


def _addcdiv_fn(a, t1, t2, v):
    (a, t1, t2), rt = promote(a, t1, t2)
    if rt._cat < 2:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                           "release addcdiv will perform a true division of tensor1 and tensor2. "
                           "The historic addcdiv behavior can be implemented as (input + value * "
                           "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs "
                           "and as (input + value * tensor1 / tensor2) for float inputs. The "
                           "future addcdiv behavior is just the latter implementation: (input + "
                           "value * tensor1 / tensor2), for all dtypes.")
    return a + v.astype(rt._np) * (t1 / t2)


_ADDCMUL = _reg("addcmul", _addcmul_fn)
_ADDCDIV = _reg("addcdiv", _addcdiv_fn)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (torch.addcmul)."""
    return unwrap_out(dispatch(_ADDCMUL, (input, tensor1, tensor2, value)), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (torch.addcdiv)."""
    return unwrap_out(dispatch(_ADDCDIV, (input, tensor1, tensor2, value)), out)


__all__ += ["lerp", "addcmul", "addcdiv"]


def _nan_to_num_fn(nan, posinf, neginf, x):
    if _dt(x)._cat < 2:
        return x
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_NAN_TO_NUM = _reg("nan_to_num", _nan_to_num_fn, grad_name="NanToNumBackward0")


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN/inf with finite numbers (torch.nan_to_num)."""
    return unwrap_out(dispatch(_NAN_TO_NUM, (input,), (nan, posinf, neginf)), out)


def _logit_fn(eps, x):
    if x.dtype.kind == "c":
        raise _nie("logit_cpu")(_dt(x))
    return K.logit(eps, to_float(x))


_LOGIT = _reg("logit", _logit_fn)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with optional clamping to [eps, 1 - eps] (torch.logit)."""
    return unwrap_out(dispatch(_LOGIT, (input,), (eps,)), out)


__all__ += ["nan_to_num", "logit"]
