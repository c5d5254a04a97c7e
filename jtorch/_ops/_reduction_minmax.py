"""The max/min family: max/min, amax/amin, aminmax, argmax/argmin."""
import jax.numpy as jnp

from .. import return_types as RT
from ._common import with_out as _out
from ._reduction_base import (
    _axes, _axis, _empty_check, _evenly_reduce, _key, _out_rt, _publisher,
)
from ._reduction_sum import _int_dim
from .registry import dispatch, hooks
from .registry import register as _reg

__all__ = []
_public = _publisher(__all__)


# ---- max / min family ------------------------------------------------------------------

def _full_ext(name, jfn):
    def f(x):
        _empty_check(name, x, (), True)
        return _evenly_reduce(x, jfn(x))
    return f


def _arg_ext(is_max, x, axis):
    """First index of the max/min along axis (NaN counts as the extreme, like torch)."""
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.uint8)
    return (jnp.argmax if is_max else jnp.argmin)(x, axis=axis).astype(jnp.int64)


def _ext_dim_fn(name, is_max, dim, keepdim, x):
    axis = _axis(x, dim)
    if axis is None:  # 0-d input
        return x, jnp.zeros((), jnp.int64)
    _empty_check(name, x, (axis,), False)
    idx = jnp.expand_dims(_arg_ext(is_max, x, axis), axis)
    # NOTE: values gathered at the returned index, so the gradient goes to that index only
    # (torch's value_selecting_reduction_backward for max(dim) / min(dim)).
    vals = jnp.take_along_axis(x, idx, axis=axis)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, axis), jnp.squeeze(idx, axis)
    return vals, idx


_MAX = _reg("max", _full_ext("max", jnp.max), grad_name="MaxBackward1")
_MIN = _reg("min", _full_ext("min", jnp.min), grad_name="MinBackward1")
_MAX_DIM = _reg("max_dim", lambda *a: _ext_dim_fn("max", True, *a), nout=2,
                grad_name="MaxBackward0", nondiff_outputs=(1,))
_MIN_DIM = _reg("min_dim", lambda *a: _ext_dim_fn("min", False, *a), nout=2,
                grad_name="MinBackward0", nondiff_outputs=(1,))


def _maxmin(name, full, by_dim, binary, cls, input, dim, keepdim, out):
    if dim is None:
        return _out(dispatch(full, (input,)), out)
    if isinstance(dim, hooks.tensor_cls):
        return binary(input, dim, out=out)
    _int_dim(name, dim)
    r = dispatch(by_dim, (input,), (dim, bool(keepdim)))
    return _out_rt(cls, r, out)


@_public
def max(input, dim=None, keepdim=False, *, out=None):
    """max(input) -> value; max(input, dim) -> (values, indices); max(input, other) (torch.max)."""
    from .pointwise import maximum
    return _maxmin("max", _MAX, _MAX_DIM, maximum, RT.max, input, dim, keepdim, out)


@_public
def min(input, dim=None, keepdim=False, *, out=None):
    """min(input) -> value; min(input, dim) -> (values, indices); min(input, other) (torch.min)."""
    from .pointwise import minimum
    return _maxmin("min", _MIN, _MIN_DIM, minimum, RT.min, input, dim, keepdim, out)


def _amax_fn(name, jfn, dim, keepdim, x):
    axes = _axes(x, dim)
    _empty_check(name, x, axes, dim is None or dim == ())
    # NOTE: jnp.max/min's JAX gradient splits it evenly among ties, as torch's amax/amin do.
    return jfn(x, axis=axes, keepdims=keepdim)


_AMAX = _reg("amax", lambda *a: _amax_fn("amax", jnp.max, *a))
_AMIN = _reg("amin", lambda *a: _amax_fn("amin", jnp.min, *a))


@_public
def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over dims (all by default); ties share the gradient (torch.amax)."""
    return _out(dispatch(_AMAX, (input,), (_key(dim), bool(keepdim))), out)


@_public
def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over dims (all by default); ties share the gradient (torch.amin)."""
    return _out(dispatch(_AMIN, (input,), (_key(dim), bool(keepdim))), out)


def _aminmax_fn(dim, keepdim, x):
    axes = _axes(x, dim if dim is None else (dim,))
    if dim is None and x.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {a} to have non-zero size.")
    return jnp.min(x, axis=axes, keepdims=keepdim), jnp.max(x, axis=axes, keepdims=keepdim)


_AMINMAX = _reg("aminmax", _aminmax_fn, nout=2)


@_public
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """(min, max) over all elements or one dim (torch.aminmax)."""
    return _out_rt(RT.aminmax, dispatch(_AMINMAX, (input,), (dim, bool(keepdim))), out)


def _argext_fn(name, is_max, dim, keepdim, x):
    if x.dtype == jnp.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        _empty_check(name, x, (), True, IndexError)
        r = _arg_ext(is_max, x.reshape(-1), 0)
        return r.reshape((1,) * x.ndim) if keepdim else r
    axis = _axis(x, dim)
    if axis is None:
        return jnp.zeros((), jnp.int64)
    _empty_check(name, x, (axis,), False)
    r = _arg_ext(is_max, x, axis)
    return jnp.expand_dims(r, axis) if keepdim else r


_ARGMAX = _reg("argmax", lambda *a: _argext_fn("argmax", True, *a), differentiable=False)
_ARGMIN = _reg("argmin", lambda *a: _argext_fn("argmin", False, *a), differentiable=False)


@_public
def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximum (over the flattened input when dim is None) (torch.argmax)."""
    return _out(dispatch(_ARGMAX, (input,), (dim, bool(keepdim))), out)


@_public
def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the first minimum (over the flattened input when dim is None) (torch.argmin)."""
    return _out(dispatch(_ARGMIN, (input,), (dim, bool(keepdim))), out)

