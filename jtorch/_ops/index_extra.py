"""Counting and index ops: bincount, isin, index_reduce, masked_scatter, put, nonzero_static,
unravel_index, repeat_interleave (+ histc/histogram/histogramdd from histogram_ops.py).

Ops whose output size depends on the data (bincount, repeat_interleave with tensor repeats)
read one small statistic on the host first, as torch does, and are eager-only for that reason.
"""
import builtins
import itertools
import operator

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._common import canon_dim, inplace_from, torch_name
from ._index_ops import _grid, _oob_check, _raise_oob, reduce_at
from .histogram_ops import histc, histogram, histogramdd  # noqa: F401  (via TORCH_NAMES)
from .registry import dispatch, promote
from .registry import register as _reg
from ._common import exporter

TORCH_NAMES = ["histc", "histogram", "histogramdd"]
_torch = exporter(TORCH_NAMES)
METHODS = {"histc": histc, "histogram": histogram}

_Tracer = jax.core.Tracer


def _host(a, what):
    """A small statistic array on the host; torch's data-dependent-shape error under tracing."""
    if isinstance(a, _Tracer):
        raise RuntimeError(f"{what} has a data-dependent output shape; it is supported in eager "
                           "mode only (not under jtorch.compile / jax.jit)")
    return np.asarray(a)


def _name(x):
    return torch_name(D.from_np(x.dtype))


# ---- isin -----------------------------------------------------------------------------------

def _isin_fn(invert, e, t):
    (e, t), rt = promote(e, t)
    if rt is D.bool or rt._cat == 3:
        raise RuntimeError(f"Unsupported input type encountered for isin(): {torch_name(rt)}")
    flat = t.reshape(-1)
    if flat.size == 0:
        r = jnp.zeros(e.shape, jnp.bool_)
    elif e.size * flat.size <= (1 << 20):
        r = (e[..., None] == flat).any(-1)
    else:
        # NOTE: large inputs: sort the test elements and binary-search (O((N+M) log M)).
        s = jnp.sort(flat)
        pos = jnp.clip(jnp.searchsorted(s, e), 0, s.size - 1)
        r = s[pos] == e
    return ~r if invert else r


_ISIN = _reg("isin", _isin_fn, differentiable=False)


@_torch
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Boolean tensor: whether each of elements is in test_elements (torch.isin)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: at least one of "
                        "elements and test_elements must be a Tensor")
    return dispatch(_ISIN, (elements, test_elements), (builtins.bool(invert),))


# ---- bincount -------------------------------------------------------------------------------

_MINMAX = _reg("_minmax_stat", lambda x: jnp.stack([x.min(), x.max()]).astype(jnp.int64),
               differentiable=False)


def _bincount_fn(n, x, w):
    if w is None:
        return jnp.zeros((n,), jnp.int64).at[x].add(jnp.ones((), jnp.int64))
    wd = jnp.float32 if w.dtype == jnp.float32 else jnp.float64
    return jnp.zeros((n,), wd).at[x].add(w.astype(wd))


_BINCOUNT = _reg("bincount", _bincount_fn, differentiable=False)


def bincount(input, weights=None, minlength=0):
    """Count of each value in a 1-D non-negative integer tensor (torch.bincount)."""
    if input.dtype._cat != 1 or input.dtype is D.bool:
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{torch_name(input.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.ndim == 1 and input.numel() == 0:
        from .creation import zeros
        return zeros(minlength, dtype=D.int64)  # NOTE: torch returns Long even with weights
    lo, hi = (-1, 0) if input.ndim != 1 else _host(dispatch(_MINMAX, (input,))._a, "bincount")
    if input.ndim != 1 or lo < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    return dispatch(_BINCOUNT, (input, weights), (builtins.max(int(hi) + 1, int(minlength)),))


METHODS["bincount"] = bincount
TORCH_NAMES.append("bincount")


# ---- index_reduce ---------------------------------------------------------------------------

def _index_reduce_fn(dim, reduce, include_self, x, i, src):
    # NOTE: torch's index_func_meta_impl checks, in its order.
    if i.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{i.ndim} with type: {_name(i)} and size: {list(i.shape)}")
    if i.dtype not in (jnp.int64, jnp.int32):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{_name(i)}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"index_reduce_(): self ({_name(x)}) and source ({_name(src)}) must "
                           "have the same scalar type")
    if not (dim == 0 or dim < src.ndim):
        raise IndexError(f"index_reduce_(): Indexing dim {dim} is out of bounds of the source "
                         f"tensor with dim {src.ndim}")
    ns = 1 if src.ndim == 0 else src.shape[dim]
    if i.size != ns:
        raise RuntimeError(f"index_reduce_(): Number of indices ({i.size}) should be equal to "
                           f"source.size(dim): ({ns}), for dim: {dim}")
    xs, ss = list(x.shape), list(src.shape)
    if x.ndim and src.ndim:
        del xs[dim], ss[dim]
    if xs != ss:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(x.shape)} source.shape "
                           f"= {list(src.shape)}")
    x1, s1, i1 = x.reshape(1) if x.ndim == 0 else x, src.reshape(1) if src.ndim == 0 else src, \
        i.reshape(-1)
    if i1.size == 0:
        return x, _oob_check([], [])
    shp = [1] * s1.ndim
    shp[dim] = -1
    full = jnp.broadcast_to(jnp.clip(i1, 0, x1.shape[dim] - 1).reshape(shp), s1.shape)
    out = reduce_at(reduce, include_self, x1, _grid(full, dim, full), s1)
    return out.reshape(x.shape), _oob_check([i1], [x1.shape[dim]], False)


_INDEX_REDUCE = _reg("index_reduce", _index_reduce_fn, nout=2, nondiff_outputs=(1,),
                     grad_name="IndexReduceBackward0")


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """input with source's slices reduced in at `index` along dim: prod/mean/amax/amin."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = canon_dim(dim, input.ndim)
    r, check = dispatch(_INDEX_REDUCE, (input, index, source),
                        (d, reduce, builtins.bool(include_self)))
    _raise_oob(check, lambda k, v: "index out of range in self")
    return r


def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    """In-place index_reduce."""
    return inplace_from(self, index_reduce(self, dim, index, source, reduce,
                                           include_self=include_self))


TORCH_NAMES.append("index_reduce")
METHODS.update(index_reduce=index_reduce, index_reduce_=index_reduce_)


# ---- masked_scatter -------------------------------------------------------------------------

def _masked_scatter_fn(x, m, src):
    if m.dtype != jnp.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_name(m)}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_name(x)} and {_name(src)}")
    from ._index_ops import _bshape
    shape = _bshape(x.shape, m.shape)
    xf = jnp.broadcast_to(x, shape).reshape(-1)
    mf = jnp.broadcast_to(m, shape).reshape(-1)
    s = src.reshape(-1)
    n = mf.astype(jnp.int64).sum()
    if s.size == 0:
        out = xf
    else:
        # NOTE: the k-th True of the mask takes source's k-th element (row-major order).
        pos = jnp.clip(jnp.cumsum(mf.astype(jnp.int64)) - 1, 0, s.size - 1)
        out = jnp.where(mf, s[pos], xf)
    return out.reshape(shape), jnp.stack([n > s.size, n]).astype(jnp.int64).reshape(1, 2)


_MASKED_SCATTER = _reg("masked_scatter", _masked_scatter_fn, nout=2, nondiff_outputs=(1,),
                       grad_name="MaskedScatterBackward0")


def masked_scatter(input, mask, source):
    """input with source's elements written, in order, where mask (broadcast) is True."""
    r, check = dispatch(_MASKED_SCATTER, (input, mask, source))
    _raise_oob(check, lambda k, v: "Number of elements of source < number of ones in mask",
               RuntimeError)
    return r


def masked_scatter_(self, mask, source):
    """In-place masked_scatter (the mask must broadcast to self's shape)."""
    if isinstance(mask, Tensor) and tuple(mask.shape) != tuple(self.shape):
        from ._shape_views import expand
        mask = expand(mask, self.shape)
    return inplace_from(self, masked_scatter(self, mask, source))


TORCH_NAMES.append("masked_scatter")
METHODS.update(masked_scatter=masked_scatter, masked_scatter_=masked_scatter_)


# ---- put ------------------------------------------------------------------------------------

def _put_fn(accumulate, x, i, src):
    if i.dtype != jnp.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_name(i)}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_name(x)} and source.dtype = {_name(src)}")
    if src.size != i.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {src.size}, index.numel() = "
                         f"{i.size}")
    if x.size == 0 and i.size != 0:
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    n = x.size
    if i.size == 0:
        return x, _oob_check([], [])
    f, fi, fs = x.reshape(-1), i.reshape(-1), src.reshape(-1)
    fi = jnp.where(fi < 0, fi + n, fi)
    if accumulate:
        from ._index_ops import _at_add
        out = _at_add(f, fi, fs)
    else:
        out = f.at[fi].set(fs)
    return out.reshape(x.shape), _oob_check([i], [n])


_PUT = _reg("put", _put_fn, nout=2, nondiff_outputs=(1,), grad_name="PutBackward0")


def put(input, index, source, accumulate=False):
    """input (as 1-D) with source written (or added) at `index` (torch.put)."""
    r, check = dispatch(_PUT, (input, index, source), (builtins.bool(accumulate),))
    n = input.numel()
    _raise_oob(check, lambda k, v: f"out of range: tried to access index {v} on a tensor of {n} "
                                   "elements.")
    return r


def put_(self, index, source, accumulate=False):
    """In-place put."""
    return inplace_from(self, put(self, index, source, accumulate))


TORCH_NAMES.append("put")
METHODS.update(put=put, put_=put_)


# ---- nonzero_static / unravel_index ---------------------------------------------------------

def _nonzero_static_fn(size, fill_value, x):
    if x.ndim == 0:
        return jnp.zeros((size, 0), jnp.int64)
    cols = jnp.nonzero(x, size=size, fill_value=fill_value)
    return jnp.stack(cols, -1).astype(jnp.int64)


_NONZERO_STATIC = _reg("nonzero_static", _nonzero_static_fn, differentiable=False)


@_torch
def nonzero_static(input, *, size, fill_value=-1):
    """The first `size` rows of nonzero(input), padded with fill_value (static shape)."""
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    return dispatch(_NONZERO_STATIC, (input,), (int(size), int(fill_value)))


METHODS["nonzero_static"] = nonzero_static


def _unravel_fn(shape, i):
    coefs = list(itertools.accumulate(reversed(shape[1:] + (1,)), operator.mul))[::-1]
    idx = i[..., None].astype(jnp.int64)
    c = jnp.asarray(coefs, jnp.int64)
    s = jnp.asarray(shape, jnp.int64)
    # NOTE: torch's floor_divide then remainder (Python-style, sign of the divisor).
    r = jnp.floor_divide(idx, c) % s
    cols = tuple(r[..., k] for k in range(len(shape)))
    return cols if len(cols) > 1 else cols[0]


_UNRAVEL = {}


@_torch
def unravel_index(indices, shape):
    """Coordinates of flat `indices` in an array of `shape`, as a tuple (torch.unravel_index)."""
    if indices.dtype._cat != 1 or indices.dtype is D.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, builtins.bool) or not isinstance(shape, (int, list, tuple)) and \
            not hasattr(shape, "__index__"):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    if isinstance(shape, (list, tuple)):
        for s in shape:
            if not isinstance(s, int):
                raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                                f"{type(s)}")
        shape = tuple(int(s) for s in shape)
    else:
        shape = (operator.index(shape),)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if not shape:
        return ()
    o = _UNRAVEL.get(len(shape))
    if o is None:
        o = _UNRAVEL[len(shape)] = _reg(f"unravel_index_{len(shape)}", _unravel_fn,
                                         nout=len(shape), differentiable=False)
    r = dispatch(o, (indices,), (shape,))
    return r if len(shape) > 1 else (r,)


# ---- repeat_interleave ----------------------------------------------------------------------

_RSTATS = _reg("_repeats_stat", lambda r: jnp.stack([r.min(), r.sum()]).astype(jnp.int64),
               differentiable=False)


def _check_repeats_dtype(r):
    if r.dtype not in (D.int64, D.int32):
        raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                  f"'{torch_name(r.dtype)}'")


def _repeat_index_fn(total, r):
    return jnp.repeat(jnp.arange(r.shape[0], dtype=r.dtype), r, total_repeat_length=total)


_REPEAT_INDEX = _reg("repeat_interleave_index", _repeat_index_fn, differentiable=False)


def _repeat_fn(dim, total, x, r):
    x1 = x.reshape(-1) if dim is None or x.ndim == 0 else x
    d = 0 if dim is None else dim
    if r.ndim == 0 or r.shape[0] == 1:
        r = jnp.broadcast_to(r.reshape(1), (x1.shape[d],))
    return jnp.repeat(x1, r, axis=d, total_repeat_length=total)


_REPEAT = _reg("repeat_interleave", _repeat_fn, grad_name="RepeatInterleaveBackward0")


def _repeat_int_fn(dim, r, x):
    x1 = x.reshape(-1) if dim is None or x.ndim == 0 else x
    return jnp.repeat(x1, r, axis=0 if dim is None else dim)


_REPEAT_INT = _reg("repeat_interleave_int", _repeat_int_fn,
                   grad_name="RepeatInterleaveBackward0")


def _repeats_total(r, output_size):
    """sum(r) from the host (torch's cumsum[-1].item()), checked against output_size; with
    output_size under tracing, output_size itself (no host read: the compilable spelling)."""
    if r.numel() == 0:
        return 0 if output_size is None else int(output_size)
    a = dispatch(_RSTATS, (r,))._a
    if output_size is not None and isinstance(a, _Tracer):
        return int(output_size)
    lo, tot = _host(a, "repeat_interleave")
    if output_size is None:
        if lo < 0:
            raise RuntimeError("repeats can not be negative")
        return int(tot)
    if lo < 0 or tot != output_size:
        raise RuntimeError("allocated size does not match required size")
    return int(output_size)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along dim) of input `repeats` times."""
    if repeats is None:  # NOTE: torch.repeat_interleave(repeats): the repeated indices
        r = input
        _check_repeats_dtype(r)
        if r.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        total = output_size if output_size is not None and r.numel() == 0 else \
            _repeats_total(r, output_size)
        return dispatch(_REPEAT_INDEX, (r,), (total,))
    d = None if dim is None else canon_dim(dim, input.ndim)
    size = input.numel() if d is None or input.ndim == 0 else input.shape[d]
    if isinstance(repeats, Tensor):
        _check_repeats_dtype(repeats)
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.ndim == 1 and repeats.shape[0] not in (1, size):
            ad = 0 if d is None else d
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats.shape[0]} and input.size({ad}) = "
                               f"{size}")
        if repeats.ndim == 1 and repeats.shape[0] == size:
            total = _repeats_total(repeats, output_size)
        else:  # NOTE: one repeat count for every slice
            one = _repeats_total(repeats.reshape(1), None)
            total = one * size
            if output_size is not None and output_size != total:
                raise RuntimeError("allocated size does not match required size")
        return dispatch(_REPEAT, (input, repeats), (d, total))
    r = operator.index(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    if d is not None and input.ndim == 0:
        # NOTE: torch repeats along dim as unsqueeze(dim + 1) + expand + flatten.
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got "
                         f"{d + 1})")
    total = r * size
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    return dispatch(_REPEAT_INT, (input,), (d, r))


TORCH_NAMES.append("repeat_interleave")
METHODS["repeat_interleave"] = repeat_interleave
