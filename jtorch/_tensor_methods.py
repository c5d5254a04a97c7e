"""Bind the op functions as Tensor methods and operators (one definition serves both)."""
from ._ops import creation as C
from ._ops import pointwise as P
from ._ops._common import inplace_compute, inplace_from, make_inplace
from ._tensor import Tensor

# NOTE: functions whose first parameter is `input` become methods as they are; each listed
# name also gets its in-place variant `name_` when torch has one.
_POINTWISE_METHODS = [n for n in P.__all__]
_NO_INPLACE = {"isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit",
               "positive", "float_power", "rsub", "eq", "ne", "lt", "le", "gt", "ge", "greater",
               "greater_equal", "less", "less_equal", "not_equal", "where", "nextafter"}
_INPLACE_EXTRA = {"eq", "ne", "lt", "le", "gt", "ge", "float_power", "nextafter"}


def bind(module, names, inplace=True, no_inplace=()):
    """Attach module functions as Tensor methods (+ in-place `name_` variants)."""
    for n in names:
        fn = getattr(module, n)
        setattr(Tensor, n, fn)
        if inplace and n not in no_inplace and not hasattr(Tensor, n + "_"):
            setattr(Tensor, n + "_", make_inplace(fn, n + "_"))


bind(P, _POINTWISE_METHODS, no_inplace=_NO_INPLACE - _INPLACE_EXTRA)
for _n in ("new_tensor", "new_zeros", "new_ones", "new_empty", "new_full"):
    setattr(Tensor, _n, getattr(C, _n))


def _binop(fn, reflected=False):
    if reflected:
        def op(self, other):
            return fn(other, self)
    else:
        def op(self, other):
            return fn(self, other)
    return op


def _iop(fn):
    def op(self, other):
        return inplace_from(self, inplace_compute(fn, self, (other,), {}))
    return op


for _name, _fn in {"add": P.add, "sub": P.sub, "mul": P.mul, "truediv": P.div,
                   "floordiv": P.floor_divide, "mod": P.remainder, "pow": P.pow,
                   "and": P.bitwise_and, "or": P.bitwise_or, "xor": P.bitwise_xor,
                   "lshift": P.bitwise_left_shift, "rshift": P.bitwise_right_shift}.items():
    setattr(Tensor, f"__{_name}__", _binop(_fn))
    setattr(Tensor, f"__r{_name}__", _binop(_fn, reflected=True))
    setattr(Tensor, f"__i{_name}__", _iop(_fn))

for _name, _fn in {"eq": P.eq, "ne": P.ne, "lt": P.lt, "le": P.le, "gt": P.gt,
                   "ge": P.ge}.items():
    setattr(Tensor, f"__{_name}__", _binop(_fn))
Tensor.__neg__ = P.neg
Tensor.__pos__ = P.positive
Tensor.__abs__ = P.abs
Tensor.__invert__ = P.bitwise_not
Tensor.__hash__ = object.__hash__
for _n, _f in P.METHODS.items():  # methods whose signature differs from the function's
    setattr(Tensor, _n, _f)

# ---- reductions, sorting, matmul family (as Tensor methods) ---------------------------------
from ._ops import linalg as _LA, reduction as _RED, sort as _SRT  # noqa: E402

_NOT_METHODS = {"var_mean", "std_mean", "searchsorted", "bucketize", "tensordot", "einsum"}
_WITH_INPLACE = {"cumsum", "cumprod", "addmm", "addmv", "addbmm", "baddbmm", "addr"}
for _m in (_RED, _SRT, _LA):
    _names = [n for n in _m.__all__ if n not in _NOT_METHODS]
    bind(_m, _names, no_inplace=set(_names) - _WITH_INPLACE)
Tensor.__matmul__ = _binop(_LA.matmul)
Tensor.__rmatmul__ = _binop(_LA.matmul, reflected=True)

# ---- shape and indexing ops (views, T/mT/H/mH properties, __getitem__/__setitem__) ----------
from ._ops import indexing as _IDX, shape as _SHP  # noqa: E402

for _m in (_SHP, _IDX):
    for _n, _f in _m.METHODS.items():
        setattr(Tensor, _n, _f)
