"""Sum-like reductions: sum/nansum, mean/nanmean, prod."""
import builtins

import jax.numpy as jnp

from .. import _dtype as D
from ._common import torch_name
from ._common import with_out as _out
from ._reduction_base import _acc, _axes, _cat, _key, _lowp, _npd, _publisher, _sum_cast
from .registry import dispatch
from .registry import register as _reg

__all__ = []
_public = _publisher(__all__)


# ---- sum / mean / prod -----------------------------------------------------------------

def _sum_fn(dim, keepdim, dtype, x):
    return _acc(jnp.sum, _sum_cast(x, dtype), axis=_axes(x, dim), keepdims=keepdim)


def _nansum_fn(dim, keepdim, dtype, x):
    if _cat(x) >= 2:
        x = jnp.where(jnp.isnan(x), jnp.zeros((), x.dtype), x)
    return _sum_fn(dim, keepdim, dtype, x)


_SUM = _reg("sum", _sum_fn, grad_name="SumBackward0")
_SUM_DIM = _reg("sum_dim", _sum_fn, grad_name="SumBackward1")
_NANSUM = _reg("nansum", _nansum_fn, grad_name="NansumBackward0")


@_public
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over `dim` (all dims by default); bool/int accumulate in int64 (torch.sum)."""
    o = _SUM if dim is None else _SUM_DIM
    return _out(dispatch(o, (input,), (_key(dim), bool(keepdim), _npd(dtype))), out)


@_public
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero (torch.nansum)."""
    return _out(dispatch(_NANSUM, (input,), (_key(dim), bool(keepdim), _npd(dtype))),
                out)


def _mean_cast(name, x, dtype):
    if dtype is not None:
        if D.from_np(dtype)._cat < 2:
            raise RuntimeError(f"{name}(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{torch_name(D.from_np(dtype))}")
        return x.astype(dtype)
    if _cat(x) < 2:
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: "
                           f"{torch_name(D.from_np(x.dtype))}")
    return x


def _mean_fn(dim, keepdim, dtype, x):
    return _lowp(jnp.mean, _mean_cast("mean", x, dtype), axis=_axes(x, dim), keepdims=keepdim)


def _nanmean_fn(dim, keepdim, dtype, x):
    if _cat(x) < 2:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {torch_name(D.from_np(x.dtype))}")
    x = x if dtype is None else x.astype(dtype)
    n = jnp.sum(~jnp.isnan(x), axis=_axes(x, dim), keepdims=keepdim)
    return _nansum_fn(dim, keepdim, None, x) / n.astype(x.dtype)


_MEAN = _reg("mean", _mean_fn, grad_name="MeanBackward0")
_MEAN_DIM = _reg("mean_dim", _mean_fn, grad_name="MeanBackward1")
_NANMEAN = _reg("nanmean", _nanmean_fn, grad_name="DivBackward0")


@_public
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean; floating/complex input (or dtype=) only (torch.mean)."""
    o = _MEAN if dim is None else _MEAN_DIM
    return _out(dispatch(o, (input,), (_key(dim), bool(keepdim), _npd(dtype))), out)


@_public
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean ignoring NaN (torch.nanmean)."""
    return _out(dispatch(_NANMEAN, (input,), (_key(dim), bool(keepdim), _npd(dtype))),
                out)


def _prod_fn(dim, keepdim, dtype, x):
    return _acc(jnp.prod, _sum_cast(x, dtype), axis=_axes(x, dim), keepdims=keepdim)


_PROD = _reg("prod", _prod_fn, grad_name="ProdBackward0")
_PROD_DIM = _reg("prod_dim", _prod_fn, grad_name="ProdBackward1")


def _int_dim(name, dim):
    if isinstance(dim, (list, tuple)) or isinstance(dim, builtins.float):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(dim).__name__}), but expected (Tensor input, int dim, ...)")


@_public
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over all elements or one dim; bool/int accumulate in int64 (torch.prod)."""
    _int_dim("prod", dim)
    o = _PROD if dim is None else _PROD_DIM
    return _out(dispatch(o, (input,), (_key(dim), bool(keepdim), _npd(dtype))), out)

