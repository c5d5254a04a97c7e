"""all/any/count_nonzero, logsumexp and the scans (cumsum/cumprod/cummax/cummin/logcumsumexp)."""
import functools

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .. import return_types as RT
from ._common import torch_name
from ._common import with_out as _out
from ._reduction_base import (
    _LOWP, _acc, _axes, _axis, _cat, _key, _lowp, _npd, _out_rt, _publisher, _sum_cast,
)
from .registry import dispatch, to_float
from .registry import register as _reg

__all__ = []
_public = _publisher(__all__)


# ---- all / any / count_nonzero -----------------------------------------------------------

def _logical_fn(jfn, dim, keepdim, x):
    r = jfn(x, axis=_axes(x, dim, False), keepdims=keepdim)
    # NOTE: torch keeps uint8 for uint8 input (legacy byte masks); bool otherwise.
    return r.astype(jnp.uint8) if x.dtype == jnp.uint8 else r


_ALL = _reg("all", lambda *a: _logical_fn(jnp.all, *a), differentiable=False)
_ANY = _reg("any", lambda *a: _logical_fn(jnp.any, *a), differentiable=False)


@_public
def all(input, dim=None, keepdim=False, *, out=None):
    """True if all elements (over dim) are nonzero (torch.all)."""
    return _out(dispatch(_ALL, (input,), (_key(dim), bool(keepdim))), out)


@_public
def any(input, dim=None, keepdim=False, *, out=None):
    """True if any element (over dim) is nonzero (torch.any)."""
    return _out(dispatch(_ANY, (input,), (_key(dim), bool(keepdim))), out)


_COUNT_NZ = _reg("count_nonzero", lambda dim, x: jnp.sum(x != 0, axis=_axes(x, dim),
                                                                dtype=jnp.int64),
                 differentiable=False)


@_public
def count_nonzero(input, dim=None):
    """Number of nonzero elements over dim (torch.count_nonzero)."""
    return dispatch(_COUNT_NZ, (input,), (_key(dim),))


# ---- logsumexp and scans -----------------------------------------------------------------

def _logsumexp_fn(dim, keepdim, x):
    x, axes = to_float(x), _axes(x, dim)
    return _lowp(lambda y: jax.nn.logsumexp(y, axis=axes, keepdims=keepdim), x)


_LOGSUMEXP = _reg("logsumexp", _logsumexp_fn)


@_public
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dim, computed stably (torch.logsumexp)."""
    return _out(dispatch(_LOGSUMEXP, (input,), (_key(dim), bool(keepdim))), out)


def _scan_fn(jfn, dim, dtype, x):
    x, axis = _sum_cast(x, dtype), _axis(x, dim)
    if axis is None:
        return x
    return _acc(jfn, x, axis=axis)


_CUMSUM = _reg("cumsum", lambda *a: _scan_fn(jnp.cumsum, *a))
_CUMPROD = _reg("cumprod", lambda *a: _scan_fn(jnp.cumprod, *a))


@_public
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along dim; bool/int accumulate in int64 (torch.cumsum)."""
    return _out(dispatch(_CUMSUM, (input,), (dim, _npd(dtype))), out)


@_public
def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along dim (torch.cumprod)."""
    return _out(dispatch(_CUMPROD, (input,), (dim, _npd(dtype))), out)


def _cumext_fn(is_max, dim, x):
    axis = _axis(x, dim)
    if axis is None:
        return x, jnp.zeros((), jnp.int64)
    idx0 = lax.broadcasted_iota(jnp.int64, x.shape, axis)
    nan = jnp.isnan if _cat(x) >= 2 else (lambda v: jnp.zeros(v.shape, bool))
    xs = lax.stop_gradient(x)

    def combine(l, r):
        (lv, li), (rv, ri) = l, r
        # NOTE: torch's scan: a later element wins on ties (>=) and NaN, once seen, sticks.
        better = (rv >= lv) if is_max else (rv <= lv)
        take = nan(rv) | (~nan(lv) & better)
        return jnp.where(take, rv, lv), jnp.where(take, ri, li)

    _, idx = lax.associative_scan(combine, (xs, idx0), axis=axis)
    return jnp.take_along_axis(x, idx, axis=axis), idx


_CUMMAX = _reg("cummax", lambda *a: _cumext_fn(True, *a), nout=2, nondiff_outputs=(1,))
_CUMMIN = _reg("cummin", lambda *a: _cumext_fn(False, *a), nout=2, nondiff_outputs=(1,))


@_public
def cummax(input, dim, *, out=None):
    """Running maximum and its (latest) index along dim (torch.cummax)."""
    return _out_rt(RT.cummax, dispatch(_CUMMAX, (input,), (dim,)), out)


@_public
def cummin(input, dim, *, out=None):
    """Running minimum and its (latest) index along dim (torch.cummin)."""
    return _out_rt(RT.cummin, dispatch(_CUMMIN, (input,), (dim,)), out)


def _logcumsumexp_fn(dim, x):
    axis = _axis(x, dim)
    if _cat(x) < 2:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{torch_name(D.from_np(x.dtype))}'")
    if axis is None:
        return x
    if _cat(x) == 3:
        return _lowp(lambda y: lax.associative_scan(jnp.logaddexp, y, axis=axis), x)
    return _lcse_real(x, axis)


def _lcse_scan(x, axis):
    # NOTE: torch's CPU kernel accumulates in acc_type (float32 -> double, half/bfloat16 ->
    # float32) and rounds once; matching that keeps `result` bit-equal, which the backward's
    # `+ self` cancellation at large |x| is sensitive to.
    acc = jnp.float64 if x.dtype == jnp.float32 else (
        jnp.float32 if x.dtype in _LOWP else x.dtype)
    return lax.associative_scan(jnp.logaddexp, x.astype(acc), axis=axis).astype(x.dtype)


@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def _lcse_real(x, axis):
    return _lcse_scan(x, axis)


def _lcse_real_fwd(x, axis):
    r = _lcse_scan(x, axis)
    return r, (x, r)


def _lcse_real_bwd(axis, res, g):
    # NOTE: torch's logcumsumexp_backward (FunctionsManual.cpp, after TensorFlow): the positive
    # and negative parts of grad go through a reversed logcumsumexp in log space, each
    # exponentiated back after adding self. Same float32 steps, so the same rounding.
    x, r = res
    lowest = jnp.asarray(jnp.finfo(g.dtype).min, g.dtype)
    lg = jnp.log(jnp.abs(g))
    pos = jnp.where(g > 0, lg, lowest)
    neg = jnp.where(g < 0, lg, lowest)

    def rev(v):
        return jnp.flip(_lcse_scan(jnp.flip(v, axis), axis), axis)

    return (jnp.exp(rev(pos - r) + x) - jnp.exp(rev(neg - r) + x),)


_lcse_real.defvjp(_lcse_real_fwd, _lcse_real_bwd)


_LOGCUMSUMEXP = _reg("logcumsumexp", _logcumsumexp_fn)


@_public
def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along dim, computed stably (torch.logcumsumexp)."""
    return _out(dispatch(_LOGCUMSUMEXP, (input,), (dim,)), out)
