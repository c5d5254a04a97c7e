"""Indexing: Tensor.__getitem__/__setitem__ (torch's rules) and the index_*/gather/scatter ops.

Basic indexing (ints, slices, None, Ellipsis) is parsed in Python into a hashable static key,
cached per (key, shape, layout), and run as ONE dispatch that returns a view. Advanced indices
(integer tensors/lists, bool masks) run as one gather op after the basic part; out-of-range
indices are detected inside that jitted op (min/max-style flags) and raised on the host.
"""
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, make_view
from ._common import canon_dim, inplace_from, make_inplace, torch_name, unwrap_out
from ._shape_views import _SELECT, _SLICE, _reg, basic_index_fn, layout
from .registry import dispatch

__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "masked_fill",
           "masked_select", "take", "take_along_dim", "index_put", "index_add", "index_fill",
           "index_copy", "nonzero", "argwhere"]

_Tracer = jax.core.Tracer
_UNSQ = _reg("unsqueeze_index", basic_index_fn, grad_name="UnsqueezeBackward0")
_ALIAS_IDX = _reg("alias_index", basic_index_fn, grad_name="AliasBackward0")
_BASIC_OPS = {"i": _SELECT, "s": _SLICE, "n": _UNSQ, None: _ALIAS_IDX}


def _oob_check(idx_arrays, sizes, allow_negative=True):
    """(K, 2) int64: per index array [any out of range, the first offending value]."""
    rows = []
    for i, n in zip(idx_arrays, sizes):
        if i.size == 0:
            rows.append(jnp.zeros((2,), jnp.int64))
            continue
        f = i.reshape(-1).astype(jnp.int64)
        bad = (f >= n) | (f < (-n if allow_negative else 0))
        rows.append(jnp.stack([bad.any().astype(jnp.int64), f[jnp.argmax(bad)]]))
    return jnp.stack(rows) if rows else jnp.zeros((0, 2), jnp.int64)


def _raise_oob(check, msg, exc=IndexError):
    """Raise exc(msg(k, value)) for the first flagged row of a check tensor (eager only)."""
    a = check._a
    if isinstance(a, _Tracer) or a.shape[0] == 0:
        return
    c = np.asarray(a)
    for k in range(c.shape[0]):
        if c[k, 0]:
            raise exc(msg(k, int(c[k, 1])))


# ---- parsing an index ------------------------------------------------------------------------

def _tkey(idx):
    """Hashable cache key for a basic index made of ints/slices/None/Ellipsis, else None."""
    out = []
    for e in idx:
        t = type(e)
        if t is int or e is None or e is Ellipsis:
            out.append(e)
        elif t is slice:
            a, b, c = e.start, e.stop, e.step
            if (a is None or type(a) is int) and (b is None or type(b) is int) and \
                    (c is None or type(c) is int):
                out.append((a, b, c))
            else:
                return None
        else:
            return None
    return tuple(out)


def _as_tuple(idx):
    """torch's treatSequenceAsTuple: the index as a tuple of items."""
    if type(idx) is tuple:
        return idx
    if isinstance(idx, (Tensor, np.ndarray)) or not isinstance(idx, (list, tuple)):
        return (idx,)
    if len(idx) < 32 and any(isinstance(e, (Tensor, list, tuple, slice)) or e is None or
                             e is Ellipsis for e in idx):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and "
                      "will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In "
                      "pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)]"
                      ", which will result either in an error or a different result",
                      UserWarning, stacklevel=3)
        return tuple(idx)
    return (idx,)


def _to_index_tensor(obj):
    from .creation import tensor
    if isinstance(obj, Tensor):
        return obj
    a = np.asarray(obj)
    if a.dtype.kind not in "bu" or a.dtype == np.uint16:
        a = a.astype(np.int64) if a.dtype.kind in "iuf" else a
    return tensor(a)


def _is_mask(t):
    return t.dtype is D.bool or t.dtype is D.uint8


class _Plan:
    """A parsed index: the basic part (static), the view layout, and the advanced part."""
    __slots__ = ("basic", "shape", "strides", "offset", "last", "spec", "args", "sizes")


def _parse(self, idx):
    items = _as_tuple(idx)
    sh = self._a.shape
    nd = len(sh)
    tens = []
    specified = 0
    for e in items:
        if isinstance(e, (Tensor, np.ndarray)):
            if not isinstance(e, Tensor):
                e = _to_index_tensor(e)
            specified += e.ndim if _is_mask(e) else 1
        elif e is not None and e is not Ellipsis and type(e) is not bool:
            specified += 1
    if specified > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    st, off = layout(self)
    cur_sh, cur_st = list(sh), list(st)
    basic, spec, args = [], [], []
    consumed = 0  # input dims used so far (torch's real_dim)
    last = None
    masks = []
    for e in items:
        dim = len(spec)
        if type(e) is bool or (isinstance(e, Tensor) and e.ndim == 0 and _is_mask(e) and
                               not isinstance(e._a, _Tracer)):
            val = bool(e) if type(e) is bool else bool(e.item())
            ns = 1 if dim >= len(cur_sh) else cur_sh[dim] * cur_st[dim]
            cur_sh.insert(dim, 1)
            cur_st.insert(dim, ns)
            basic.append(None)
            spec.append(val)
            last = "n"
            continue
        if e is None:
            ns = 1 if dim >= len(cur_sh) else cur_sh[dim] * cur_st[dim]
            cur_sh.insert(dim, 1)
            cur_st.insert(dim, ns)
            basic.append(None)
            spec.append(None)
            last = "n"
            continue
        if e is Ellipsis:
            k = min(nd - specified, nd - consumed)
            basic.extend([(None, None, None)] * k)
            spec.extend([None] * k)
            consumed += k
            continue
        if isinstance(e, slice):
            start, stop, step = (None if v is None else _int_index(v)
                                 for v in (e.start, e.stop, e.step))
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step is not None and step < 0:
                raise ValueError("step must be greater than zero")
            n = cur_sh[dim]
            a, b, c = slice(start, stop, step).indices(n)
            b = max(a, b)
            off += a * cur_st[dim]
            cur_sh[dim] = (b - a + c - 1) // c
            cur_st[dim] *= c
            basic.append((a, b, c))
            spec.append(None)
            consumed += 1
            last = "s"
            continue
        if isinstance(e, (list, tuple, np.ndarray)):
            e = _to_index_tensor(e)
        if isinstance(e, Tensor):
            if e.dtype._cat != 1 and e.dtype is not D.bool:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if _is_mask(e):
                if e.dtype is D.uint8:
                    warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use "
                                  "a dtype torch.bool instead.", UserWarning, stacklevel=3)
                masks.append((dim, e))
                for _ in range(e.ndim):
                    spec.append(("m", len(masks) - 1))
                    basic.append((None, None, None))
                consumed += e.ndim
                continue
            if e.dtype not in (D.int64, D.int32):
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if e.ndim == 0 and not isinstance(e._a, _Tracer):
                e = e.item()  # NOTE: torch treats a 0-d integer tensor like a Python int
            else:
                spec.append(len(args))
                args.append(e)
                basic.append((None, None, None))
                consumed += 1
                continue
        try:
            i = _int_index(e)
        except TypeError:
            if isinstance(e, str):
                raise TypeError(f"new(): invalid data type 'str'") from None
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(e).__name__})") from None
        n = cur_sh[dim]
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for dimension {consumed} with size {n}")
        if i < 0:
            i += n
        off += i * cur_st[dim]
        del cur_sh[dim], cur_st[dim]
        basic.append(i)
        consumed += 1
        last = "i"
    # NOTE: trailing full slices change nothing; dropping them keeps cache keys small.
    while basic and basic[-1] == (None, None, None) and spec and spec[-1] is None:
        basic.pop()
        spec.pop()
    p = _Plan()
    p.basic, p.shape, p.strides, p.offset, p.last = tuple(basic), tuple(cur_sh), tuple(cur_st), \
        off, last
    p.spec, p.args = spec, args
    if masks:
        _expand_masks(p, masks)
    spec = tuple(p.spec)
    while spec and spec[-1] is None:
        spec = spec[:-1]
    p.spec = spec
    p.sizes = tuple(cur_sh[d] for d, s in enumerate(spec) if type(s) is int)
    return p


def _int_index(v):
    if isinstance(v, Tensor):
        return v.__index__()
    if isinstance(v, bool):
        return int(v)
    import operator
    return operator.index(v)


def _expand_masks(p, masks):
    """Replace each mask's dims with the long index tensors of its nonzero positions (eager)."""
    spec = list(p.spec)
    for j, (dim, m) in enumerate(masks):
        for k in range(m.ndim):
            if dim + k >= len(p.shape) or m.shape[k] != p.shape[dim + k]:
                raise IndexError(f"The shape of the mask {list(m.shape)} at index {k} does not "
                                 f"match the shape of the indexed tensor {list(p.shape)} at index "
                                 f"{dim + k}")
        cols = nonzero(m, as_tuple=True) if m.ndim else ()
        for k in range(m.ndim):
            spec[dim + k] = len(p.args)
            p.args.append(cols[k])
    p.spec = spec


def _adv_tuple(spec, idx):
    full = []
    for s in spec:
        if s is None:
            full.append(slice(None))
        elif s is True or s is False:
            full.append(np.zeros(1 if s else 0, np.int64))
        else:
            full.append(idx[s])
    return tuple(full)


def _index_fn(basic, spec, sizes, x, *idx):
    v = basic_index_fn(basic, x)
    return v[_adv_tuple(spec, idx)], _oob_check(idx, sizes)


_INDEX = _reg("index", _index_fn, nout=2, nondiff_outputs=(1,), grad_name="IndexBackward0")


_PLANS = {}


def getitem(self, idx):
    """Tensor.__getitem__ with torch's rules; basic indexing returns a view."""
    t = type(idx)
    if t is int:
        key = idx
    elif t is tuple:
        key = _tkey(idx)
    elif t is slice:
        key = _tkey((idx,))
    else:
        key = None
    if key is not None:
        ck = (key, self._a.shape, self._st)
        p = _PLANS.get(ck)
        if p is not None:
            return make_view(dispatch(p[0], (self,), p[1]), self, p[2], p[3])
    p = _parse(self, idx)
    if not p.spec:
        o = _BASIC_OPS[p.last]
        if key is not None:
            if len(_PLANS) > 8192:
                _PLANS.clear()
            _PLANS[ck] = (o, (p.basic,), p.strides, p.offset)
        return make_view(dispatch(o, (self,), (p.basic,)), self, p.strides, p.offset)
    out, check = dispatch(_INDEX, (self,) + tuple(p.args), (p.basic, p.spec, p.sizes))
    _raise_adv_oob(check, p)
    return out


def _raise_adv_oob(check, p):
    nonnull = [s for s in p.spec if s is not None]
    pos = [i for i, s in enumerate(nonnull) if type(s) is int]
    _raise_oob(check, lambda k, v: f"index {v} is out of bounds for dimension {pos[k]} with "
                                   f"size {p.sizes[k]}")


# ---- __setitem__ / index_put -----------------------------------------------------------------

def _prep_value(val, dtype, target, adv):
    """val cast to dtype, leading 1-dims stripped, broadcast to target (torch's copy_ rules)."""
    if jnp.iscomplexobj(val) and not jnp.issubdtype(dtype, jnp.complexfloating):
        val = jnp.real(val)
    val = jnp.asarray(val).astype(dtype)
    orig = val.shape
    k = 0
    while k < val.ndim and val.shape[k] == 1:
        k += 1
    val = val.reshape(val.shape[k:])
    ok = val.ndim <= len(target) and all(
        a == b or a == 1 for a, b in zip(val.shape[::-1], target[::-1]))
    if not ok:
        if adv:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(orig)} cannot be "
                               f"broadcast to indexing result of shape {list(target)}")
        off = len(target) - val.ndim
        for i in range(val.ndim - 1, -1, -1):
            j = i + off
            if j < 0 or (val.shape[i] != target[j] and val.shape[i] != 1):
                raise RuntimeError(f"The expanded size of the tensor ({target[j] if j >= 0 else -1})"
                                   f" must match the existing size ({val.shape[i]}) at "
                                   f"non-singleton dimension {max(j, 0)}.  Target sizes: "
                                   f"{list(target)}.  Tensor sizes: {list(val.shape)}")
    return jnp.broadcast_to(val, target)


def _at_add(x, idx, val, how="add"):
    """x.at[idx].add/multiply(val); bool tensors accumulate as logical or/and like torch."""
    if x.dtype == jnp.bool_:
        y = x.astype(jnp.int32)
        return getattr(y.at[idx], how)(val.astype(jnp.int32)).astype(jnp.bool_)
    return getattr(x.at[idx], how)(val)


def _setitem_fn(basic, spec, sizes, accumulate, x, val, *idx):
    v = basic_index_fn(basic, x)
    if spec:
        full = _adv_tuple(spec, idx)
        target = jax.eval_shape(lambda a: a[full], v).shape
        val = _prep_value(val, x.dtype, target, True)
        v = _at_add(v, full, val) if accumulate else v.at[full].set(val)
    else:
        v = _prep_value(val, x.dtype, v.shape, False)
    if basic:
        no_none = tuple(slice(*e) if type(e) is tuple else e for e in basic if e is not None)
        x = x.at[no_none].set(v.reshape(jax.eval_shape(lambda a: a[no_none], x).shape))
    else:
        x = v
    return x, _oob_check(idx, sizes)


_COPY_SLICES = _reg("copy_slices", _setitem_fn, nout=2, nondiff_outputs=(1,),
                    grad_name="CopySlices")
_INDEX_PUT = _reg("index_put", _setitem_fn, nout=2, nondiff_outputs=(1,),
                  grad_name="IndexPutBackward0")


def setitem(self, idx, value):
    """Tensor.__setitem__: write value (number or tensor, broadcast, cast) into self[idx]."""
    if not isinstance(value, Tensor) and not isinstance(value, (bool, int, float, complex)):
        from .creation import tensor
        value = tensor(value, dtype=self.dtype)
    if idx is False:
        return  # NOTE: torch writes nothing (and keeps the version) for x[False] = v
    p = _parse(self, idx)
    if p.spec and isinstance(value, Tensor) and value.dtype is not self.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{torch_name(self.dtype)} for the destination and "
                           f"{torch_name(value.dtype)} for the source.")
    o = _INDEX_PUT if p.spec else _COPY_SLICES
    new, check = dispatch(o, (self, value) + tuple(p.args), (p.basic, p.spec, p.sizes, False))
    _raise_adv_oob(check, p)
    inplace_from(self, new)


def index_put(input, indices, values, accumulate=False):
    """A copy of input with values put at the advanced `indices` (torch.index_put)."""
    if not isinstance(indices, (list, tuple)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if len(indices) > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got "
                         f"{len(indices)})")
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{torch_name(input.dtype)} for the destination and "
                           f"{torch_name(values.dtype)} for the source.")
    p = _parse(input, tuple(indices))
    new, check = dispatch(_INDEX_PUT, (input, values) + tuple(p.args),
                          (p.basic, p.spec, p.sizes, bool(accumulate)))
    _raise_adv_oob(check, p)
    return new


def index_put_(self, indices, values, accumulate=False):
    """In-place index_put."""
    return inplace_from(self, index_put(self, indices, values, accumulate))


# ---- nonzero and boolean masks (eager only: data-dependent shapes) ----------------------------

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
        from ._shape_views import unbind
        return unbind(r, 1)
    return unwrap_out(r, out)


def argwhere(input):
    """nonzero(input) as an (n, ndim) tensor (torch.argwhere)."""
    return nonzero(input)


def _bshape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i in range(n):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b "
                               f"({b[i]}) at non-singleton dimension {i}")
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))


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
    from ._shape_views import expand
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


# ---- index_select / gather / scatter / take ------------------------------------------------------

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
    _check_int_index(i, "scatter(): Expected dtype int64 for index")
    if has_src and src.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
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
    o = _SCATTER if isinstance(src, Tensor) else _SCATTER_V
    return _scatter(_SCATTER_RED if reduce else o, input, dim, index, src, reduce or "set")


def scatter_add(input, dim, index, src):
    """Add src into input at index along dim (torch.scatter_add)."""
    return _scatter(_SCATTER_ADD, input, dim, index, src, "add")


def _scatter_reduce_fn(dim, reduce, include_self, x, i, src):
    x1, g, vals = _scatter_prep(dim, True, x, i, src)
    dt = x.dtype
    if reduce in ("amax", "amin"):
        info = jnp.finfo(dt) if jnp.issubdtype(dt, jnp.inexact) else jnp.iinfo(dt)
        ident = (-jnp.inf if reduce == "amax" else jnp.inf) if jnp.issubdtype(dt, jnp.inexact) \
            else (info.min if reduce == "amax" else info.max)
    else:
        ident = 1 if reduce == "prod" else 0
    base = x1 if include_self else x1.at[g].set(jnp.asarray(ident).astype(dt))
    at = base.at[g]
    out = {"sum": at.add, "mean": at.add, "prod": at.multiply, "amax": at.max,
           "amin": at.min}[reduce](vals)
    if reduce == "mean":
        cnt = jnp.full(x1.shape, 1 if include_self else 0, dt).at[g].add(jnp.ones((), dt))
        cnt = jnp.maximum(cnt, jnp.ones((), dt))
        out = out // cnt if jnp.issubdtype(dt, jnp.integer) else out / cnt
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
    from ._shape_views import expand, reshape
    if dim is None:
        return unwrap_out(gather(reshape(input, (-1,)), 0, reshape(indices, (-1,))), out)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    d = canon_dim(dim, input.ndim)
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


def _m_scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return inplace_from(self, scatter(self, dim, index, src, value, reduce=reduce))


METHODS = {n: globals()[n] for n in __all__ if n != "index_put"}
METHODS.update({
    "__getitem__": getitem, "__setitem__": setitem, "index_put": index_put,
    "index_put_": index_put_, "scatter_": _m_scatter_,
})
for _n in ("scatter_add", "scatter_reduce", "masked_fill", "index_add", "index_fill",
           "index_copy"):
    METHODS[_n + "_"] = make_inplace(globals()[_n], _n + "_")
