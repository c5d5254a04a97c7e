"""nonzero, argwhere, masked_select and masked_fill (re-exported by indexing.py).

nonzero and masked_select have data-dependent output shapes: eager only (a count is read first).
"""
import jax
import jax.numpy as jnp

from .. import _dtype as D
from .._tensor import Tensor
from ._common import unwrap_out
from ._index_ops import _bshape
from ._shape_views import _reg, expand
from .registry import dispatch
from .shape import unbind

__all__ = ["masked_fill", "masked_select", "nonzero", "argwhere"]

_Tracer = jax.core.Tracer

_COUNT = _reg("_count_nonzero_idx", lambda x: jnp.count_nonzero(x), differentiable=False)


def _nonzero_fn(k, x):
    if x.ndim == 0:
        return jnp.zeros((k, 0), jnp.int64)
    return jnp.stack(jnp.nonzero(x, size=k), -1).astype(jnp.int64)


_NONZERO = _reg("nonzero", _nonzero_fn, differentiable=False)


def _count(x, what):
    c = dispatch(_COUNT, (x,))._a
    if isinstance(c, _Tracer):
        raise RuntimeError(f"{what} has a data-dependent output shape; it is supported in eager "
                           "mode only (not under jtorch.compile / jax.jit)")
    return int(c)


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of non-zero elements: (n, ndim) long, or a tuple of 1-D tensors (eager only)."""
    k = _count(input, "nonzero")
    r = dispatch(_NONZERO, (input,), (k,))
    if as_tuple:
        if input.ndim == 0:
            from .creation import zeros
            return (zeros(k, dtype=D.int64),)
        return unbind(r, 1)
    return unwrap_out(r, out)


def argwhere(input):
    """nonzero(input) as an (n, ndim) tensor (torch.argwhere)."""
    return nonzero(input)


def _masked_select_fn(k, x, m):
    shape = _bshape(x.shape, m.shape)
    xb, mb = jnp.broadcast_to(x, shape).reshape(-1), jnp.broadcast_to(m, shape).reshape(-1)
    return xb[jnp.nonzero(mb, size=k)[0]]


_MASKED_SELECT = _reg("masked_select", _masked_select_fn, grad_name="MaskedSelectBackward0")


def masked_select(input, mask, *, out=None):
    """1-D tensor of input's elements where mask (broadcast) is True (eager only)."""
    if mask.dtype is not D.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _bshape(input.shape, mask.shape)
    k = _count(expand(mask, shape), "masked_select")
    return unwrap_out(dispatch(_MASKED_SELECT, (input, mask), (k,)), out)


# NOTE: torch names a mask's dtype by its C++ type in this message.
_CPP_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _masked_fill_fn(x, m, v):
    if m.dtype != jnp.bool_:
        name = _CPP_NAMES.get(D.from_np(m.dtype)._name, D.from_np(m.dtype)._name)
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{name}")
    if v.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {v.ndim} dimension(s).")
    _bshape(m.shape, x.shape)
    if jnp.iscomplexobj(v) and not jnp.iscomplexobj(x):
        v = jnp.real(v)
    return jnp.where(m, v.astype(x.dtype), x)


_MASKED_FILL = _reg("masked_fill", _masked_fill_fn, grad_name="MaskedFillBackward0")
_MASKED_FILL_T = _reg("masked_fill_tensor", _masked_fill_fn, grad_name="MaskedFillBackward1")


def masked_fill(input, mask, value):
    """input with value written where mask (broadcast) is True (torch.masked_fill)."""
    return dispatch(_MASKED_FILL_T if isinstance(value, Tensor) else _MASKED_FILL,
                    (input, mask, value))
