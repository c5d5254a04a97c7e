"""torch.sym_* helpers and the SymInt/SymFloat/SymBool classes. jtorch has no symbolic shapes
(shapes are concrete Python ints, also under jax.jit), so these act on plain numbers and Tensors
exactly as torch's do on concrete values."""
import builtins
import math

import numpy as np

__all__ = ["SymInt", "SymFloat", "SymBool", "sym_int", "sym_float", "sym_max", "sym_min",
           "sym_not", "sym_ite", "sym_sum", "sym_sqrt", "sym_fresh_size", "sym_constrain_range",
           "sym_constrain_range_for_size"]


class _Symbolic:
    """Base of the symbolic number classes; no value is ever an instance of them in jtorch."""

    def __init__(self, node):
        raise NotImplementedError(f"torch.{type(self).__name__}: jtorch has no symbolic shapes "
                                  f"(sizes are plain Python ints)")


class SymInt(_Symbolic):
    """A symbolic int (never instantiated in jtorch: sizes are plain ints)."""


class SymFloat(_Symbolic):
    """A symbolic float (never instantiated in jtorch)."""


class SymBool(_Symbolic):
    """A symbolic bool (never instantiated in jtorch)."""


for _c in (SymInt, SymFloat, SymBool):
    _c.__module__ = "jtorch"

# NOTE: torch accepts numpy scalars in sym_max/sym_min and promotes to float if either is a float.
_ALL_TYPES = (np.integer, np.floating, builtins.int, builtins.float)
_FLOAT_TYPES = (np.floating, builtins.float)


def sym_int(a):
    """int(a) (truncating), as torch.sym_int on a concrete value."""
    return builtins.int(a)


def sym_float(a):
    """float(a), as torch.sym_float on a concrete value."""
    return builtins.float(a)


def _minmax(fn, a, b):
    if not isinstance(a, _ALL_TYPES):
        raise AssertionError(f"expected {_ALL_TYPES}, got {type(a)}")
    if not isinstance(b, _ALL_TYPES):
        raise AssertionError(f"expected {_ALL_TYPES}, got {type(b)}")
    if isinstance(a, _FLOAT_TYPES) or isinstance(b, _FLOAT_TYPES):
        return builtins.float(fn(a, b))
    return fn(a, b)


def sym_max(a, b):
    """max of two numbers, a float if either is a float (torch.sym_max)."""
    return _minmax(builtins.max, a, b)


def sym_min(a, b):
    """min of two numbers, a float if either is a float (torch.sym_min)."""
    return _minmax(builtins.min, a, b)


def sym_not(a):
    """Logical negation (`not a`)."""
    return not a


def sym_ite(b, t, f):
    """`t if b else f`; b must be a bool and t, f of the same type, as in torch."""
    if not isinstance(b, (SymBool, builtins.bool)):
        raise AssertionError(f"expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"type mismatch: {type(t)} vs {type(f)}")
    return t if b else f


def sym_sum(*args):
    """Sum of the arguments (sym_sum([a, b, c]) or sym_sum(a, b, c))."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]
    return builtins.sum(args)


def sym_sqrt(a):
    """math.sqrt(a) (a float), as torch.sym_sqrt on a concrete value."""
    return math.sqrt(a)


def sym_fresh_size(expr):
    """torch.tensor(expr).item(): the value as a Python number."""
    from ._ops.creation import tensor
    return tensor(expr).item()


def _check_types(fn, size, lo, hi):
    from ._tensor import Tensor
    is_num = isinstance(size, (builtins.int, builtins.float, np.number))
    if not (is_num or (isinstance(size, Tensor) and size.dim() == 0)):
        raise TypeError(f"{fn}(): argument 'size' (position 1) must be Number, not "
                        f"{type(size).__name__}")
    for name, v in (("min", lo), ("max", hi)):
        if v is not None and not isinstance(v, builtins.int):
            raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(v).__name__}")


def _check_range(size, lo, hi):
    if lo > hi:
        raise RuntimeError(f"Max must be greater than or equal to min. Got min={lo} max={hi}")
    size = builtins.int(size)  # NOTE: torch reads the size as an int (truncating a float)
    if not lo <= size <= hi:
        raise RuntimeError(f"Invalid value range for {size} between [{lo}, {hi}].")


_INT_MAX = 2 ** 63 - 1


def sym_constrain_range(size, min=None, max=None):
    """Check that a concrete size lies in [min, max] (torch's RuntimeError otherwise)."""
    _check_types("sym_constrain_range", size, min, max)
    _check_range(size, -_INT_MAX - 1 if min is None else min, _INT_MAX if max is None else max)


def sym_constrain_range_for_size(size, min=None, max=None):
    """Check that a concrete size is a valid size in [min, max] (min defaults to 0)."""
    _check_types("sym_constrain_range_for_size", size, min, max)
    if max is not None and max <= 2:
        raise RuntimeError(f"Max value to constrain_range_for_size must be greater than 2. "
                           f"got: {max}")
    _check_range(size, 0 if min is None else min, _INT_MAX if max is None else max)
