"""Sorting and order statistics: sort/argsort/topk, kthvalue/median/mode/quantile, searchsorted."""
import builtins

import jax
import jax.numpy as jnp
from jax import lax

from .. import return_types as RT
from ._common import canon_dim, unwrap_out
from .reduction import _empty_check, _evenly_reduce
from .registry import dispatch, hooks, promote
from .registry import register as _reg
from ._common import with_out as _out

__all__ = []


def _public(fn):
    __all__.append(fn.__name__)
    return fn


def _axis(x, dim):
    """One wrapped dim at trace time, or None for a 0-d input (dim 0/-1 allowed)."""
    d = canon_dim(dim, x.ndim)
    return d if x.ndim else None


def _zero_index():
    return jnp.zeros((), jnp.int64)


def _order(x, axis, descending=False):
    """Stable argsort along axis, NaN treated as the largest value (torch's order)."""
    # NOTE: jnp.argsort(descending=True, stable=True) reverses a stable ascending sort, which
    # puts NaN first and keeps equal elements in their original order, as torch does.
    return jnp.argsort(lax.stop_gradient(x), axis=axis, stable=True,
                       descending=descending).astype(jnp.int64)


# ---- sort / argsort / msort / topk -------------------------------------------------------

def _sort_fn(dim, descending, x):
    axis = _axis(x, dim)
    if axis is None:
        return x, _zero_index()
    idx = _order(x, axis, descending)
    # NOTE: values gathered by index so the gradient scatters back through it (SortBackward0).
    return jnp.take_along_axis(x, idx, axis=axis), idx


_SORT = _reg("sort", _sort_fn, nout=2, nondiff_outputs=(1,))
_ARGSORT = _reg("argsort", lambda axis, desc, x: _sort_fn(axis, desc, x)[1],
                differentiable=False)


@_public
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorted values and their indices along dim; NaN sorts as the largest (torch.sort)."""
    r = dispatch(_SORT, (input,), (dim, bool(descending)))
    return RT.sort(r if out is None else unwrap_out(r, out))


@_public
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort input along dim (torch.argsort)."""
    return dispatch(_ARGSORT, (input,), (dim, bool(descending)))


@_public
def msort(input, *, out=None):
    """Sort along the first dim (torch.msort)."""
    return _out(dispatch(_SORT, (input,), (0, False))[0], out)


def _topk_fn(k, dim, largest, x):
    if x.dtype == jnp.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    axis = _axis(x, dim)
    n = x.shape[axis] if axis is not None else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if axis is None:
        return x, _zero_index()  # NOTE: torch returns the 0-d input even for k == 0
    idx = lax.slice_in_dim(_order(x, axis, largest), 0, k, axis=axis)
    return jnp.take_along_axis(x, idx, axis=axis), idx


_TOPK = _reg("topk", _topk_fn, nout=2, nondiff_outputs=(1,))


@_public
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The k largest (or smallest) values along dim and their indices (torch.topk)."""
    r = dispatch(_TOPK, (input,), (int(k), dim, bool(largest)))
    return RT.topk(r if out is None else unwrap_out(r, out))


# ---- kthvalue / median / nanmedian / mode --------------------------------------------------

def _select(x, axis, keepdim, k):
    """(values, indices) of the k-th element (k: traced, keepdims-shaped) in sorted order."""
    idx = jnp.take_along_axis(_order(x, axis), k, axis=axis)
    vals = jnp.take_along_axis(x, idx, axis=axis)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, axis), jnp.squeeze(idx, axis)
    return vals, idx


def _kthvalue_fn(k, dim, keepdim, x):
    axis = _axis(x, dim)
    n = x.shape[axis] if axis is not None else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension "
                           f"{canon_dim(dim, x.ndim)}")
    if axis is None:
        return x, _zero_index()
    kk = jnp.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], k - 1, jnp.int64)
    return _select(x, axis, keepdim, kk)


_KTHVALUE = _reg("kthvalue", _kthvalue_fn, nout=2, nondiff_outputs=(1,))


@_public
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The k-th smallest value along dim and its index (torch.kthvalue)."""
    r = dispatch(_KTHVALUE, (input,), (int(k), dim, bool(keepdim)))
    return RT.kthvalue(r if out is None else unwrap_out(r, out))


def _no_bool(name, x):
    if x.dtype == jnp.bool_:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")


def _median_full_fn(ignore_nan, x):
    _no_bool("nanmedian" if ignore_nan else "median", x)
    flat = x.reshape(-1)
    n = flat.size
    if n == 0:  # NOTE: torch casts NaN to the dtype: INT64_MIN etc. for integers
        fill = jnp.nan if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.iinfo(x.dtype).min
        return jnp.full((), fill, x.dtype)
    s = jnp.sort(lax.stop_gradient(flat))
    nn = jnp.sum(jnp.isnan(s))
    # NOTE: the lower median; NaN (sorted last) wins for median, is skipped by nanmedian.
    k = jnp.maximum((n - nn - 1) // 2, 0) if ignore_nan else jnp.where(nn > 0, n - 1,
                                                                         (n - 1) // 2)
    return _evenly_reduce(x, s[k])


def _median_dim_fn(ignore_nan, dim, keepdim, x):
    name = "nanmedian" if ignore_nan else "median"
    _no_bool(name, x)
    axis = _axis(x, dim)
    if axis is None:
        return x, _zero_index()
    _empty_check(name, x, (axis,), False)
    n = x.shape[axis]
    nn = jnp.sum(jnp.isnan(x), axis=axis, keepdims=True).astype(jnp.int64)
    # NOTE: for an all-NaN slice torch's nanmedian index comes from its quickselect (not a
    # fixed rule); jtorch returns the middle position.
    k = jnp.where(nn < n, (n - nn - 1) // 2, (n - 1) // 2) if ignore_nan else \
        jnp.where(nn > 0, n - nn, (n - 1) // 2)
    return _select(x, axis, keepdim, k)


_MEDIAN = _reg("median", lambda x: _median_full_fn(False, x), grad_name="MedianBackward0")
_NANMEDIAN = _reg("nanmedian", lambda x: _median_full_fn(True, x),
                  grad_name="NanmedianBackward0")
_MEDIAN_DIM = _reg("median_dim", lambda *a: _median_dim_fn(False, *a), nout=2,
                   nondiff_outputs=(1,), grad_name="MedianBackward1")
_NANMEDIAN_DIM = _reg("nanmedian_dim", lambda *a: _median_dim_fn(True, *a), nout=2,
                      nondiff_outputs=(1,), grad_name="NanmedianBackward1")


@_public
def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median (NaN if any NaN); with dim: (values, indices) (torch.median)."""
    if dim is None:
        return _out(dispatch(_MEDIAN, (input,)), out)
    r = dispatch(_MEDIAN_DIM, (input,), (dim, bool(keepdim)))
    return RT.median(r if out is None else unwrap_out(r, out))


@_public
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """Lower median ignoring NaN; with dim: (values, indices) (torch.nanmedian)."""
    if dim is None:
        return _out(dispatch(_NANMEDIAN, (input,)), out)
    r = dispatch(_NANMEDIAN_DIM, (input,), (dim, bool(keepdim)))
    return RT.nanmedian(r if out is None else unwrap_out(r, out))


def _mode_fn(dim, keepdim, x):
    axis = _axis(x, dim)
    if axis is None:
        return x, _zero_index()
    if x.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    xm = jnp.moveaxis(x, axis, -1)
    n = xm.shape[-1]
    s = jnp.sort(lax.stop_gradient(xm), axis=-1)
    j = lax.broadcasted_iota(jnp.int64, s.shape, s.ndim - 1)
    edge = s[..., 1:] != s[..., :-1]
    ones = jnp.ones(s.shape[:-1] + (1,), bool)
    start = lax.cummax(jnp.where(jnp.concatenate([ones, edge], -1), j, 0), axis=s.ndim - 1)
    end = lax.cummin(jnp.where(jnp.concatenate([edge, ones], -1), j, n - 1), axis=s.ndim - 1,
                     reverse=True)
    # NOTE: the most frequent value, the smallest among equally frequent ones (first in
    # sorted order); torch reports the index of its last occurrence.
    best = jnp.argmax(end - start, axis=-1, keepdims=True)
    v = jnp.take_along_axis(s, best, axis=-1)
    idx = jnp.max(jnp.where(lax.stop_gradient(xm) == v, j, -1), axis=-1, keepdims=True)
    vals = jnp.take_along_axis(xm, idx, axis=-1)
    vals, idx = jnp.moveaxis(vals, -1, axis), jnp.moveaxis(idx, -1, axis)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, axis), jnp.squeeze(idx, axis)
    return vals, idx


_MODE = _reg("mode", _mode_fn, nout=2, nondiff_outputs=(1,))


@_public
def mode(input, dim=-1, keepdim=False, *, out=None):
    """Most frequent value along dim and the index of its last occurrence (torch.mode)."""
    r = dispatch(_MODE, (input,), (dim, bool(keepdim)))
    return RT.mode(r if out is None else unwrap_out(r, out))


# ---- quantile ----------------------------------------------------------------------------

_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _lerp(a, b, w):
    # NOTE: torch's lerp formula (exact at both ends).
    return jnp.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _quantile_fn(ignore_nan, scalar_q, dim, keepdim, interp, x, q):
    if x.dtype not in (jnp.float32, jnp.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    axis = None if dim is None else _axis(x, dim)
    if not getattr(q, "weak_type", False) and q.dtype != x.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if x.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    xm = x.reshape(-1) if axis is None else jnp.moveaxis(x, axis, -1)
    s = jnp.sort(xm, axis=-1)
    qv = q.astype(x.dtype).reshape(-1)
    n = s.shape[-1]
    isn = jnp.isnan(s)
    if ignore_nan:
        cnt = jnp.sum(~isn, axis=-1, keepdims=True).astype(x.dtype)
        ranks = qv * (cnt - 1)
        ranks = jnp.where(ranks < 0, jnp.zeros((), x.dtype), ranks)
    else:
        # NOTE: torch points the rank at the last (NaN) element when a slice has a NaN.
        ranks = jnp.where(jnp.any(isn, axis=-1, keepdims=True), jnp.asarray(n - 1, x.dtype),
                          qv * (n - 1))
    ranks = {"lower": jnp.floor, "higher": jnp.ceil, "nearest": jnp.round}.get(
        interp, lambda r: r)(ranks)
    below = ranks.astype(jnp.int64)
    r = jnp.take_along_axis(s, below, axis=-1)
    if interp in ("linear", "midpoint"):
        w = jnp.full_like(ranks, 0.5) if interp == "midpoint" else ranks - below.astype(x.dtype)
        r = _lerp(r, jnp.take_along_axis(s, jnp.ceil(ranks).astype(jnp.int64), axis=-1), w)
    if keepdim:
        r = r.reshape((1,) * x.ndim + r.shape[-1:]) if axis is None else \
            jnp.expand_dims(r, axis)
    return r[..., 0] if scalar_q else jnp.moveaxis(r, -1, 0)


_QUANTILE = _reg("quantile", lambda *a: _quantile_fn(False, *a), grad_name="SqueezeBackward4")
_NANQUANTILE = _reg("nanquantile", lambda *a: _quantile_fn(True, *a),
                    grad_name="SqueezeBackward4")


def _quantile(o, input, q, dim, keepdim, interpolation, out):
    if interpolation not in _INTERP:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    T = hooks.tensor_cls
    if isinstance(q, T):
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        a = q._arr()
        if not isinstance(a, jax.core.Tracer) and not builtins.bool(jnp.all((a >= 0) & (a <= 1))):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        scalar = q.ndim == 0
    else:
        q = builtins.float(q)
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        scalar = True
    return _out(dispatch(o, (input, q), (scalar, dim, bool(keepdim), interpolation)), out)


@_public
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles along dim with torch's interpolation modes (torch.quantile)."""
    return _quantile(_QUANTILE, input, q, dim, keepdim, interpolation, out)


@_public
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """Quantiles ignoring NaN (torch.nanquantile)."""
    return _quantile(_NANQUANTILE, input, q, dim, keepdim, interpolation, out)


# ---- searchsorted / bucketize --------------------------------------------------------------

def _searchsorted_fn(side, out_int32, has_sorter, seq, v, sorter):
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.ndim > 1:
        if getattr(v, "weak_type", False) or v.ndim == 0:
            raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                               f"boundaries tensor dimension is 1, but we got boundaries tensor "
                               f"dim({seq.ndim}) and input value's dim({v.ndim}) "
                               f"numel({v.size})")
        if seq.shape[:-1] != v.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                               f"the first N-1 dimensions of boundaries tensor and input value "
                               f"tensor must match, but we got boundaries tensor "
                               f"{list(seq.shape)} and input value tensor {list(v.shape)}")
    if has_sorter:
        seq = jnp.take_along_axis(seq, sorter, axis=-1)
    (seq, v), _ = promote(seq, v)
    if seq.ndim == 1:
        r = jnp.searchsorted(seq, v, side=side)
    else:
        n, m = seq.shape[-1], v.shape[-1]
        r = jax.vmap(lambda s, w: jnp.searchsorted(s, w, side=side))(
            seq.reshape(-1, n), v.reshape(-1, m)).reshape(v.shape)
    return r.astype(jnp.int32 if out_int32 else jnp.int64)


_SEARCHSORTED = _reg("searchsorted", _searchsorted_fn, differentiable=False)


@_public
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Insertion indices of input into the innermost dim of sorted_sequence (torch.searchsorted)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
    s = side or ("right" if right else "left")
    return _out(dispatch(_SEARCHSORTED, (sorted_sequence, input, sorter),
                         (s, bool(out_int32), sorter is not None)), out)


@_public
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Bucket index of each input element given 1-d boundaries (torch.bucketize)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ---- unique (eager only: the output size depends on the values) ----------------------------

def _concrete(input, name):
    a = input._arr()
    if isinstance(a, jax.core.Tracer):
        raise RuntimeError(f"torch.{name}() has a data-dependent output shape and cannot run "
                           f"inside a compiled (traced) function; call it eagerly")
    return a


@_public
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Unique elements (sorted), optionally with inverse indices and counts (torch.unique)."""
    a = _concrete(input, "unique")
    axis = None if dim is None else canon_dim(dim, a.ndim)
    vals, inv, cnt = jnp.unique(a, return_inverse=True, return_counts=True, axis=axis)
    return _unique_result(vals, inv.reshape(a.shape if axis is None else (-1,)), cnt,
                          return_inverse, return_counts)


def _unique_result(vals, inv, cnt, return_inverse, return_counts):
    w = hooks.wrap
    res = (w(vals),)
    if return_inverse:
        res += (w(inv.astype(jnp.int64)),)
    if return_counts:
        res += (w(cnt.astype(jnp.int64)),)
    return res[0] if len(res) == 1 else res


@_public
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (torch.unique_consecutive)."""
    a = _concrete(input, "unique_consecutive")
    if dim is None:
        flat = a.reshape(-1)
        new = jnp.concatenate([jnp.ones((builtins.min(flat.size, 1),), bool),
                               flat[1:] != flat[:-1]])
        axis, inv_shape = 0, a.shape
    else:
        axis = canon_dim(dim, a.ndim)
        flat = jnp.moveaxis(a, axis, 0)
        diff = (flat[1:] != flat[:-1]).reshape(builtins.max(flat.shape[0] - 1, 0), -1)
        new = jnp.concatenate([jnp.ones((builtins.min(flat.shape[0], 1),), bool),
                               jnp.any(diff, axis=1)])
        inv_shape = (flat.shape[0],)
    starts = jnp.nonzero(new)[0]
    vals = jnp.moveaxis(flat[starts], 0, axis) if dim is not None else flat[starts]
    inv = (jnp.cumsum(new) - 1).reshape(inv_shape)
    cnt = jnp.diff(jnp.concatenate([starts, jnp.asarray([new.shape[0]])]))
    return _unique_result(vals, inv, cnt, return_inverse, return_counts)
