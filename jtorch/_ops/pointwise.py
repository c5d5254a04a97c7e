"""Pointwise ops: unary math, binary arithmetic, comparisons, bitwise and logical ops.

The ops live in private modules by job; this module re-exports them (the public names in torch's
order, plus the private helpers other modules import from here):
  _pointwise_base     the dtype guard, broadcast-shape check, _to
  _pointwise_unary    exp/log/trig/special functions, sign/rounding, predicates, round
  _pointwise_binary   arithmetic, max/min, comparisons, bitwise and logical ops
  _pointwise_ternary  where, clamp, lerp, addcmul/addcdiv, nan_to_num, logit
"""
from ._pointwise_base import _bshape, _to, _to_fn
from ._pointwise_unary import (
    exp, exp2, expm1, log, log2, log10, log1p, sqrt, rsqrt, sin, cos, tan, asin, acos, atan, sinh,
    cosh, tanh, asinh, acosh, atanh, sigmoid, erf, erfc, erfinv, lgamma, digamma, i0, sinc,
    reciprocal, deg2rad, rad2deg, arcsin, arccos, arctan, arcsinh, arccosh, arctanh, neg, negative,
    positive, abs, absolute, sign, sgn, floor, ceil, trunc, fix, frac, square, relu, isnan, isinf,
    isfinite, isposinf, isneginf, isreal, signbit, logical_not, bitwise_not, round,
)
from ._pointwise_binary import (
    _float_power_, add, sub, rsub, mul, subtract, multiply, div, divide, true_divide, floor_divide,
    remainder, fmod, pow, float_power, atan2, arctan2, hypot, copysign, nextafter, xlogy, ldexp,
    maximum, minimum, fmax, fmin, eq, ne, lt, le, gt, ge, greater, greater_equal, less, less_equal,
    not_equal, bitwise_and, bitwise_or, bitwise_xor, bitwise_left_shift, bitwise_right_shift,
    logical_and, logical_or, logical_xor,
)
from ._pointwise_ternary import (
    _invert, _where_method, where, clamp, clip, clamp_min, clamp_max, lerp, addcmul, addcdiv,
    nan_to_num, logit,
)

__all__ = [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf",
    "erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "reciprocal", "deg2rad", "rad2deg",
    "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "neg", "negative", "positive",
    "abs", "absolute", "sign", "sgn", "floor", "ceil", "trunc", "fix", "frac", "square", "relu",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "logical_not",
    "bitwise_not", "round", "add", "sub", "rsub", "mul", "subtract", "multiply", "div", "divide",
    "true_divide", "floor_divide", "remainder", "fmod", "pow", "float_power", "atan2", "arctan2",
    "hypot", "copysign", "nextafter", "xlogy", "ldexp", "maximum", "minimum", "fmax", "fmin", "eq",
    "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "logical_and", "logical_or", "logical_xor", "where", "clamp", "clip", "clamp_min", "clamp_max",
    "lerp", "addcmul", "addcdiv", "nan_to_num", "logit",
]

# NOTE: private helpers imported from here by other modules (_common, convert, linalg,
# special_ops, reduction, autograd.function); named once so linters see the re-export used.
_REEXPORTED = (_bshape, _to, _to_fn)

# NOTE: Tensor methods whose signature differs from the function's (bound by _tensor_methods).
METHODS = {"where": _where_method, "float_power_": _float_power_, "__invert__": _invert}
