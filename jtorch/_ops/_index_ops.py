"""gather/scatter family, take, index_select/add/fill/copy (re-exported by indexing.py).

Out-of-range indices are detected inside each jitted op (a small flags array returned beside the
result) and raised on the host with torch's exception class and message (eager only).
"""
import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as DEV
from .. import _dtype as D
from .._tensor import Tensor
from ._common import canon_dim, torch_name, unwrap_out
from ._shape_views import _reg, expand, reshape
from .registry import dispatch

__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "take",
           "take_along_dim", "index_add", "index_fill", "index_copy"]

_Tracer = jax.core.Tracer


def _oob_check(idx_arrays, sizes, allow_negative=True):
    """(K, 2) int64: per index array [any out of range, the first offending value]; an index
    whose size is None (checked on the host already) gets no row."""
    rows = []
    for i, n in zip(idx_arrays, sizes):
        if n is None:
            continue
        if i.size == 0:
            rows.append(jnp.zeros((2,), jnp.int64))
            continue
        f = i.reshape(-1).astype(jnp.int64)
        bad = (f >= n) | (f < (-n if allow_negative else 0))
        rows.append(jnp.stack([bad.any().astype(jnp.int64), f[jnp.argmax(bad)]]))
    return jnp.stack(rows) if rows else jnp.zeros((0, 2), jnp.int64)


def _raise_oob(check, msg, exc=IndexError):
    """Raise exc(msg(k, value)) for the first flagged row of a check tensor (eager only; on the
    CPU only: torch's GPU kernels assert on the device, a read-back would wait for the device)."""
    a = check._a
    if a.shape[0] == 0 or not DEV.host_readable(a):
        return
    c = np.asarray(a)
    for k in range(c.shape[0]):
        if c[k, 0]:
            raise exc(msg(k, int(c[k, 1])))


def _bshape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i in range(n):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b "
                               f"({b[i]}) at non-singleton dimension {i}")
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))


def _at_add(x, idx, val, how="add"):
    """x.at[idx].add/multiply(val); bool tensors accumulate as logical or/and like torch."""
    if x.dtype == jnp.bool_:
        y = x.astype(jnp.int32)
        return getattr(y.at[idx], how)(val.astype(jnp.int32)).astype(jnp.bool_)
    return getattr(x.at[idx], how)(val)


def _check_int_index(i, what, allowed=(jnp.int64, jnp.int32)):
    if i.dtype not in [np.dtype(a) for a in allowed]:
        raise RuntimeError(what)


def _index_select_fn(dim, x, i):
    _check_int_index(i, "index_select(): Expected dtype int32 or int64 for index")
    if i.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if x.ndim == 0:
        if i.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{i.size} value(s)")
        return x, _oob_check([i], [1], False)
    return jnp.take(x, i.reshape(-1), axis=dim, mode="clip"), _oob_check([i], [x.shape[dim]],
                                                                         False)


_INDEX_SELECT = _reg("index_select", _index_select_fn, nout=2, nondiff_outputs=(1,),
                     grad_name="IndexSelectBackward0")


def index_select(input, dim, index, *, out=None):
    """Entries of input at `index` (a vector) along dim (torch.index_select)."""
    r, check = dispatch(_INDEX_SELECT, (input, index), (canon_dim(dim, input.ndim),))
    _raise_oob(check, lambda k, v: "index out of range in self")
    return unwrap_out(r, out)


def _grid(index, dim, i):
    """Full advanced-index tuple addressing, for each index element, (..., index, ...)."""
    return tuple(i if k == dim else jnp.broadcast_to(
        jnp.arange(index.shape[k]).reshape((-1,) + (1,) * (index.ndim - k - 1)), index.shape)
        for k in range(index.ndim))


def _gather_fn(dim, x, i):
    if i.size == 0:
        # NOTE: torch skips the index dtype and shape checks for an empty index.
        return jnp.zeros(i.shape, x.dtype), _oob_check([], [])
    _check_int_index(i, "gather(): Expected dtype int32/int64 for index")
    if i.ndim != x.ndim and not (x.ndim <= 1 and i.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    x1, i1 = (x.reshape(1), i.reshape(-1)) if x.ndim == 0 else (x, i)
    for k in range(x1.ndim):
        if k != dim and i1.shape[k] > x1.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(i.shape)} to be no larger than self {list(x.shape)} apart "
                               f"from dimension {dim}")
    out = x1[_grid(i1, dim, jnp.clip(i1, 0, x1.shape[dim] - 1))] if i1.size else \
        jnp.zeros(i1.shape, x.dtype)
    return out.reshape(i.shape), _oob_check([i], [x1.shape[dim]], False)


_GATHER = _reg("gather", _gather_fn, nout=2, nondiff_outputs=(1,),
               grad_name="GatherBackward0")


def _oob_runtime(dim, size):
    return lambda k, v: f"index {v} is out of bounds for dimension {dim} with size {size}"


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j] = input[index[i][j]][j] (for dim 0), etc. (torch.gather)."""
    d = canon_dim(dim, input.ndim)
    r, check = dispatch(_GATHER, (input, index), (d,))
    _raise_oob(check, _oob_runtime(d, input.shape[d] if input.ndim else 1), RuntimeError)
    return unwrap_out(r, out)


def _scatter_prep(dim, has_src, x, i, src):
    """Checks shared by the scatter family; returns (x as >= 1-D, index grid, values)."""
    if has_src and src.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if i.size == 0:
        # NOTE: torch skips the index dtype and shape checks for an empty index.
        return x, None, None
    _check_int_index(i, "scatter(): Expected dtype int32/int64 for index")
    if i.ndim != x.ndim and not (x.ndim <= 1 and i.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    x1 = x.reshape(1) if x.ndim == 0 else x
    i1 = i.reshape(-1) if i.ndim == 0 else i
    bad = any(k != dim and i1.shape[k] > x1.shape[k] for k in range(x1.ndim))
    if has_src:
        s1 = src.reshape(-1) if src.ndim == 0 else src
        if bad or any(i1.shape[k] > s1.shape[k] for k in range(min(i1.ndim, s1.ndim))):
            raise RuntimeError(f"Expected index {list(i.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {dim} and to be no larger "
                               f"size than src {list(src.shape)}")
        vals = s1[tuple(slice(0, n) for n in i1.shape)]
    else:
        if bad:
            raise RuntimeError(f"Expected index {list(i.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {dim}")
        if jnp.iscomplexobj(src) and not jnp.iscomplexobj(x):
            src = jnp.real(src)
        vals = jnp.broadcast_to(src.astype(x.dtype), i1.shape)
    return x1, _grid(i1, dim, i1), vals.astype(x.dtype)


def _scatter_fn(dim, mode, has_src, x, i, src):
    x1, g, vals = _scatter_prep(dim, has_src, x, i, src)
    if g is None:
        return x, _oob_check([], [])
    out = x1.at[g].set(vals) if mode == "set" else _at_add(x1, g, vals, mode)
    return out.reshape(x.shape), _oob_check([i], [x1.shape[dim]], False)


def _scatter_op(name, grad):
    return _reg(name, _scatter_fn, nout=2, nondiff_outputs=(1,), grad_name=grad)


_SCATTER = _scatter_op("scatter", "ScatterBackward0")
_SCATTER_V = _scatter_op("scatter_value", "ScatterBackward1")
_SCATTER_ADD = _scatter_op("scatter_add", "ScatterAddBackward0")
_SCATTER_RED = _scatter_op("scatter_reduce_legacy", "ScatterReduceBackward0")


def _scatter(o, input, dim, index, src, mode):
    d = canon_dim(dim, input.ndim)
    has_src = isinstance(src, Tensor)
    r, check = dispatch(o, (input, index, src), (d, mode, has_src))
    _raise_oob(check, _oob_runtime(d, input.shape[d] if input.ndim else 1), RuntimeError)
    return r


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """Write src (tensor) or value (number) into input at index along dim (torch.scatter)."""
    if src is None:
        src = value
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if reduce is not None and isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.", UserWarning, stacklevel=2)
    o = _SCATTER if isinstance(src, Tensor) else _SCATTER_V
    return _scatter(_SCATTER_RED if reduce else o, input, dim, index, src, reduce or "set")


def scatter_add(input, dim, index, src):
    """Add src into input at index along dim (torch.scatter_add)."""
    return _scatter(_SCATTER_ADD, input, dim, index, src, "add")


def _reduce_ident(reduce, dt):
    """The identity of a scatter/index reduction for dtype dt (what include_self=False uses)."""
    if reduce in ("amax", "amin"):
        if jnp.issubdtype(dt, jnp.inexact):
            return -jnp.inf if reduce == "amax" else jnp.inf
        info = jnp.iinfo(dt)
        return info.min if reduce == "amax" else info.max
    return 1 if reduce == "prod" else 0


def _reduce_plain(reduce, include_self, x1, g, vals):
    dt = x1.dtype
    base = x1 if include_self else x1.at[g].set(jnp.asarray(_reduce_ident(reduce, dt)).astype(dt))
    at = base.at[g]
    out = {"sum": at.add, "mean": at.add, "prod": at.multiply, "amax": at.max,
           "amin": at.min}[reduce](vals)
    if reduce == "mean":
        cnt = jnp.full(x1.shape, 1 if include_self else 0, dt).at[g].add(jnp.ones((), dt))
        cnt = jnp.maximum(cnt, jnp.ones((), dt))
        out = out // cnt if jnp.issubdtype(dt, jnp.integer) else out / cnt
    return out


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _reduce_prod(include_self, x1, g, vals):
    return _reduce_plain("prod", include_self, x1, g, vals)


def _reduce_prod_fwd(include_self, x1, g, vals):
    out = _reduce_prod(include_self, x1, g, vals)
    return out, (x1, g, vals, out)


def _reduce_prod_bwd(include_self, res, grad):
    # NOTE: torch's scatter_reduce_backward / index_reduce_backward for "prod" (JAX's
    # scatter_mul VJP needs unique indices): grad * result / x, with the products recomputed
    # without the zero for an x that is 0 and for a src value that is the only 0 of its slot.
    x1, g, vals, out = res
    inc = include_self
    one = jnp.ones((), x1.dtype)
    masked_x = jnp.where(x1 == 0, one, x1)
    grad_x = grad * _reduce_plain("prod", inc, masked_x, g, vals) / masked_x
    src_zero = vals == 0
    nzeros = jnp.zeros(x1.shape, jnp.int32).at[g].add(src_zero.astype(jnp.int32))[g]
    single = src_zero & (nzeros == 1)
    masked_src_out = _reduce_plain("prod", inc, x1, g, jnp.where(single, one, vals))
    grad_src = jnp.where(single, (grad * masked_src_out)[g],
                         (grad * out)[g] / jnp.where(src_zero, one, vals))
    if not inc:
        grad_x = grad_x.at[g].set(jnp.zeros((), x1.dtype))
    return grad_x, None, grad_src


_reduce_prod.defvjp(_reduce_prod_fwd, _reduce_prod_bwd)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def _reduce_extremal(reduce, include_self, x1, g, vals):
    return _reduce_plain(reduce, include_self, x1, g, vals)


def _reduce_extremal_fwd(reduce, include_self, x1, g, vals):
    out = _reduce_plain(reduce, include_self, x1, g, vals)
    return out, (x1, g, vals, out)


def _reduce_extremal_bwd(reduce, include_self, res, grad):
    # NOTE: torch's backward for amax/amin: the gradient is split evenly among self and src
    # entries equal to the result. torch counts a self entry equal to the result even when
    # include_self=False (then zeroes its share), so the split is restated rather than JAX's.
    x1, g, vals, out = res
    self_is = (x1 == out).astype(grad.dtype)
    value = out[g]
    src_is = (vals == value).astype(grad.dtype)
    n = self_is.at[g].add(src_is)
    dist = grad / n
    grad_x = self_is * dist
    if not include_self:
        grad_x = grad_x.at[g].set(jnp.zeros((), grad.dtype))
    return grad_x, None, src_is * dist[g]


_reduce_extremal.defvjp(_reduce_extremal_fwd, _reduce_extremal_bwd)


def reduce_at(reduce, include_self, x1, g, vals):
    """x1 with vals reduced in at the advanced index g (scatter_reduce / index_reduce)."""
    dt = x1.dtype
    if dt == jnp.bool_:
        if reduce == "mean":
            raise NotImplementedError('"scatter_reduce" mean not implemented for \'Bool\'')
        # NOTE: XLA has no bool scatter kernels: reduce 0/1 in int32 and test != 0, which is
        # torch's bool semantics (sum/amax: any, prod/amin: all).
        r = _reduce_plain(reduce, include_self, x1.astype(jnp.int32), g, vals.astype(jnp.int32))
        return r != 0
    if reduce == "prod" and jnp.issubdtype(dt, jnp.inexact):
        return _reduce_prod(bool(include_self), x1, g, vals)
    if reduce in ("amax", "amin") and jnp.issubdtype(dt, jnp.inexact):
        return _reduce_extremal(reduce, bool(include_self), x1, g, vals)
    return _reduce_plain(reduce, include_self, x1, g, vals)


def _scatter_reduce_fn(dim, reduce, include_self, x, i, src):
    x1, g, vals = _scatter_prep(dim, True, x, i, src)
    if g is None:
        return x, _oob_check([], [])
    out = reduce_at(reduce, include_self, x1, g, vals)
    return out.reshape(x.shape), _oob_check([i], [x1.shape[dim]], False)


_SCATTER_REDUCE = _reg("scatter_reduce", _scatter_reduce_fn, nout=2, nondiff_outputs=(1,),
                       grad_name="ScatterReduceBackward0")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into input at index along dim: sum/prod/mean/amax/amin."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d = canon_dim(dim, input.ndim)
    r, check = dispatch(_SCATTER_REDUCE, (input, index, src), (d, reduce, bool(include_self)))
    _raise_oob(check, _oob_runtime(d, input.shape[d] if input.ndim else 1), RuntimeError)
    return r


def _take_fn(x, i):
    if i.dtype != jnp.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{torch_name(D.from_np(i.dtype))}")
    n = x.size
    f = x.reshape(-1)
    out = jnp.take(f, jnp.where(i < 0, i + n, i), mode="clip") if n else jnp.zeros(i.shape,
                                                                                x.dtype)
    return out, _oob_check([i], [n])


_TAKE = _reg("take", _take_fn, nout=2, nondiff_outputs=(1,),
             grad_name="TakeBackward0")


def take(input, index):
    """input treated as 1-D, indexed by `index` (torch.take)."""
    r, check = dispatch(_TAKE, (input, index))
    n = input.numel()
    _raise_oob(check, lambda k, v: f"out of range: tried to access index {v} on a tensor of {n} "
                                   "elements.")
    return r


def take_along_dim(input, indices, dim=None, *, out=None):
    """Gather values of input at indices along dim (flattened if None) (torch.take_along_dim)."""
    if indices.dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{torch_name(indices.dtype)}")
    if dim is None:
        return unwrap_out(gather(reshape(input, (-1,)), 0, reshape(indices, (-1,))), out)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    d = canon_dim(dim, input.ndim)
    if input.shape[d]:
        # NOTE: torch's take_along_dim(dim=...) wraps indices modulo the size (-1 is the last,
        # size + 2 the third; measured), unlike gather
        from .pointwise import remainder
        indices = remainder(indices, input.shape[d])
    s_in, s_ix = list(input.shape), list(indices.shape)
    s_in[d] = s_ix[d] = 1
    b = _bshape(s_in, s_ix)
    bi, bx = list(b), list(b)
    bi[d], bx[d] = input.shape[d], indices.shape[d]
    return unwrap_out(gather(expand(input, bi), d, expand(indices, bx)), out)


# ---- index_add / index_fill / index_copy ---------------------------------------------------------

def _index_along(x, dim, i):
    return (slice(None),) * dim + (i,)


def _index_add_fn(dim, x, i, src, alpha):
    if src.dtype != x.dtype:
        raise RuntimeError(f"index_add_(): self ({torch_name(D.from_np(x.dtype))}) and source "
                           f"({torch_name(D.from_np(src.dtype))}) must have the same scalar type")
    _check_int_index(i, "index_add_(): Expected dtype int32/int64 for index")
    if i.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    x1, s1, i1 = x.reshape(1) if x.ndim == 0 else x, src.reshape(1) if src.ndim == 0 else src, \
        i.reshape(-1)
    if s1.shape[dim] != i1.size if s1.ndim else False:
        raise RuntimeError(f"index_add_(): Number of indices ({i1.size}) should be equal to "
                           f"source.size(dim): ({s1.shape[dim]}), for dim: {dim}")
    if s1.shape[:dim] + s1.shape[dim + 1:] != x1.shape[:dim] + x1.shape[dim + 1:]:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(x.shape)} source.shape "
                           f"= {list(src.shape)}")
    out = _at_add(x1, _index_along(x1, dim, i1), s1 * alpha.astype(x.dtype))
    return out.reshape(x.shape), _oob_check([i1], [x1.shape[dim]], False)


_INDEX_ADD = _reg("index_add", _index_add_fn, nout=2, nondiff_outputs=(1,),
                  grad_name="IndexAddBackward0")


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """input with alpha * source added at `index` along dim (torch.index_add)."""
    d = canon_dim(dim, input.ndim)
    r, check = dispatch(_INDEX_ADD, (input, index, source, alpha), (d,))
    _raise_oob(check, _oob_runtime(d, input.shape[d] if input.ndim else 1), RuntimeError)
    return unwrap_out(r, out)


def _index_fill_fn(dim, x, i, v):
    if i.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if v.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {v.ndim} dimension(s).")
    x1, i1 = x.reshape(1) if x.ndim == 0 else x, i.reshape(-1)
    n = x1.shape[dim]
    if jnp.iscomplexobj(v) and not jnp.iscomplexobj(x):
        v = jnp.real(v)
    out = x1.at[_index_along(x1, dim, jnp.where(i1 < 0, i1 + n, i1))].set(v.astype(x.dtype))
    return out.reshape(x.shape), _oob_check([i1], [n])


_INDEX_FILL = _reg("index_fill", _index_fill_fn, nout=2, nondiff_outputs=(1,),
                   grad_name="IndexFillBackward0")
_INDEX_FILL_T = _reg("index_fill_tensor", _index_fill_fn, nout=2, nondiff_outputs=(1,),
                     grad_name="IndexFillBackward1")


def index_fill(input, dim, index, value):
    """input with value written at `index` along dim (torch.index_fill)."""
    d = canon_dim(dim, input.ndim)
    o = _INDEX_FILL_T if isinstance(value, Tensor) else _INDEX_FILL
    r, check = dispatch(o, (input, index, value), (d,))
    n = input.shape[d] if input.ndim else 1
    _raise_oob(check, lambda k, v: f"index {v} is out of bounds for dimension {d} with size {n}")
    return r


def _index_copy_fn(dim, x, i, src):
    if src.dtype != x.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {torch_name(D.from_np(x.dtype))} and (source) "
                           f"{torch_name(D.from_np(src.dtype))}")
    x1, s1, i1 = x.reshape(1) if x.ndim == 0 else x, src.reshape(1) if src.ndim == 0 else src, \
        i.reshape(-1)
    if i.ndim > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{i.ndim})")
    if s1.shape[dim] != i1.size:
        raise IndexError(f"index_copy_(): Number of indices ({i1.size}) should be equal to "
                         f"source.size(dim) ({s1.shape[dim]})")
    for k in range(x1.ndim):
        if k != dim and (k >= s1.ndim or s1.shape[k] != x1.shape[k]):
            j = k if k < dim else k - 1
            raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {x1.shape[k]} at dimension {j}"
                               f" and source slice shape: {s1.shape[k] if k < s1.ndim else 1} at "
                               f"dimension {j}.")
    out = x1.at[_index_along(x1, dim, i1)].set(s1)
    return out.reshape(x.shape), _oob_check([i1], [x1.shape[dim]], False)


_INDEX_COPY = _reg("index_copy", _index_copy_fn, nout=2, nondiff_outputs=(1,),
                   grad_name="IndexCopyBackward0")


def index_copy(input, dim, index, source):
    """input with source's slices copied to `index` along dim (torch.index_copy)."""
    d = canon_dim(dim, input.ndim)
    r, check = dispatch(_INDEX_COPY, (input, index, source), (d,))
    n = input.shape[d] if input.ndim else 1
    _raise_oob(check, lambda k, v: f"index_copy_(): index {v} is out of bounds for dimension "
                                   f"{d} with size {n}")
    return r
