"""Parsing an index for Tensor.__getitem__/__setitem__ (see indexing.py): the static plan of the
basic part, advanced indices as tensors or host (NumPy) arrays, masks, and host-side bounds checks.
"""
import operator
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._index_ops import _oob_check
from ._shape_views import _SELECT, _SLICE, _reg, dyn_basic_fn, layout

__all__ = []

_Tracer = jax.core.Tracer
_UNSQ = _reg("unsqueeze_index", dyn_basic_fn, grad_name="UnsqueezeBackward0")
_ALIAS_IDX = _reg("alias_index", dyn_basic_fn, grad_name="AliasBackward0")
_BASIC_OPS = {"i": _SELECT, "s": _SLICE, "n": _UNSQ, None: _ALIAS_IDX}
_FULL = (None, None, None)


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


_NP_IDX = (np.dtype(np.int64), np.dtype(np.int32))
_NP_MASK = (np.dtype(np.bool_), np.dtype(np.uint8))


def _host_index(obj):
    """A list/tuple/ndarray index as a host NumPy array: bool/uint8 (a mask) or int64 (ints,
    floats, and NumPy's other unsigned ints, as torch converts them), else
    _to_index_tensor(obj) (its errors)."""
    a = np.asarray(obj)
    k = a.dtype.kind
    if k == "b" or a.dtype == np.uint8:
        return a
    if k in "if" or (k == "u" and type(obj) is np.ndarray):  # NOTE: as torch converts them
        return a.astype(np.int64, copy=False)
    if k == "u":  # NOTE: a list holding an int in [2**63, 2**64)
        raise ValueError("Overflow when unpacking long long")
    return _to_index_tensor(obj)


def _is_mask(t):
    if type(t) is np.ndarray:
        return t.dtype in _NP_MASK
    return t.dtype is D.bool or t.dtype is D.uint8


class _Plan:
    """A parsed index: the basic part (static), the view's layout, and the advanced part.
    args: the advanced indices, Tensors or host NumPy arrays (from lists/arrays); sizes: the
    size of the dim each indexes; host: every arg is a host array (checked on the host, so the
    compiled op returns no out-of-range flags); csizes: sizes for the compiled op's flags (all
    None when host)."""
    __slots__ = ("basic", "shape", "strides", "offset", "op", "spec", "args", "sizes", "dims",
                 "csizes", "host", "split")


def _insert_dim(cur_sh, cur_st, dim):
    ns = 1 if dim >= len(cur_sh) else cur_sh[dim] * cur_st[dim]  # NOTE: torch's unsqueeze rule
    cur_sh.insert(dim, 1)
    cur_st.insert(dim, ns)


def _push_mask(m, is_uint8, dim, masks, spec, basic):
    """Record mask `m` (a bool/uint8 Tensor or host array) at `dim`; the dims it consumes."""
    if is_uint8:
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                      "torch.bool instead.", UserWarning, stacklevel=4)
    masks.append((dim, m))
    spec.extend(["m"] * m.ndim)
    basic.extend([_FULL] * m.ndim)
    return m.ndim


def _parse(self, idx):
    """torch's applySlicing: basic items become a static index + layout, tensors the advanced part.

    spec has one entry per dim of the basic result: None (untouched), an int k (advanced index
    k, i.e. args[k]) or a Python bool (an index made from a bool: [0] or empty).
    """
    items = _as_tuple(idx)
    sh = self._a.shape
    nd = len(sh)
    items = tuple(_host_index(e) if isinstance(e, np.ndarray) else e for e in items)
    specified = 0
    for e in items:
        if isinstance(e, (Tensor, np.ndarray)):
            specified += e.ndim if _is_mask(e) else 1
        elif e is not None and e is not Ellipsis and type(e) is not bool:
            specified += 1
    if specified > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    st, off = layout(self)
    cur_sh, cur_st = list(sh), list(st)
    basic, spec, args, masks = [], [], [], []
    consumed = 0  # input dims used so far (torch's real_dim)
    last = None
    for e in items:
        dim = len(spec)
        if type(e) is bool or (isinstance(e, (Tensor, np.ndarray)) and e.ndim == 0 and
                               _is_mask(e) and not isinstance(getattr(e, "_a", None), _Tracer)):
            _insert_dim(cur_sh, cur_st, dim)
            basic.append(None)
            spec.append(bool(e) if type(e) is bool else bool(e.item()))
            last = "n"
            continue
        if e is None:
            _insert_dim(cur_sh, cur_st, dim)
            basic.append(None)
            spec.append(None)
            last = "n"
            continue
        if e is Ellipsis:
            k = min(nd - specified, nd - consumed)
            basic.extend([_FULL] * k)
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
            a, b, c = slice(start, stop, step).indices(cur_sh[dim])
            b = max(a, b)
            off += a * cur_st[dim]
            cur_sh[dim] = (b - a + c - 1) // c
            cur_st[dim] *= c
            basic.append((a, b, c))
            spec.append(None)
            consumed += 1
            last = "s"
            continue
        if isinstance(e, (list, tuple)):
            e = _host_index(e)
        if type(e) is np.ndarray:  # NOTE: a list/array index: stays on the host (see _Plan)
            if e.dtype in _NP_MASK:
                consumed += _push_mask(e, e.dtype == np.uint8, dim, masks, spec, basic)
                continue
            if e.dtype not in _NP_IDX:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if e.ndim:
                spec.append(len(args))
                args.append(e)
                basic.append(_FULL)
                consumed += 1
                continue
            e = int(e)
        if isinstance(e, Tensor):
            if _is_mask(e):
                consumed += _push_mask(e, e.dtype is D.uint8, dim, masks, spec, basic)
                continue
            if e.dtype not in (D.int64, D.int32):
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if e.ndim or isinstance(e._a, _Tracer):
                spec.append(len(args))
                args.append(e)
                basic.append(_FULL)
                consumed += 1
                continue
            e = e.item()  # NOTE: torch treats a 0-d integer tensor like a Python int
        try:
            i = _int_index(e)
        except TypeError:
            if isinstance(e, str):
                raise TypeError("new(): invalid data type 'str'") from None
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
    while basic and basic[-1] == _FULL and spec and spec[-1] is None:
        basic.pop()
        spec.pop()
    while spec and spec[-1] is None:
        spec.pop()
    p = _Plan()
    p.basic, p.shape, p.strides, p.offset = tuple(basic), tuple(cur_sh), tuple(cur_st), off
    p.op = _BASIC_OPS[last]
    p.args = args
    if masks:
        _expand_masks(p, masks, spec)
    p.spec = tuple(spec)
    # NOTE: per advanced index k: the size of the dim it indexes, and its position among the
    # non-null indices (torch moves indexed dims to the front, so errors name that position).
    where = {s: d for d, s in enumerate(spec) if type(s) is int}
    nonnull = [d for d, s in enumerate(spec) if s is not None]
    p.sizes = tuple(cur_sh[where[k]] for k in range(len(args)))
    p.dims = tuple(nonnull.index(where[k]) for k in range(len(args)))
    p.host = bool(args) and all(type(a) is np.ndarray for a in args)
    p.csizes = (None,) * len(args) if p.host else p.sizes
    p.split = None  # NOTE: split_basic(p.basic, shape), kept on cached list-index templates
    if len(args) + sum(s is True or s is False for s in p.spec) > 1:
        _check_broadcast(p)
    return p


def _check_broadcast(p):
    """torch's IndexError when the advanced indices (bool items count as [1] / [0]) do not
    broadcast together; shapes are listed in index order."""
    shapes = [((1,) if s else (0,)) if s is True or s is False else tuple(p.args[s].shape)
              for s in p.spec if s is not None]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         "with shapes " + ", ".join(str(list(s)) for s in shapes)) from None


def _int_index(v):
    if isinstance(v, Tensor):
        return v.__index__()
    if isinstance(v, bool):
        return int(v)
    return operator.index(v)


def _expand_masks(p, masks, spec):
    """Replace each mask's dims with the long index tensors of its nonzero positions (eager)."""
    from ._index_masks import nonzero  # NOTE: late: indexing.py registers mask ops after these
    for dim, m in masks:
        for k in range(m.ndim):
            if dim + k >= len(p.shape) or m.shape[k] != p.shape[dim + k]:
                raise IndexError(f"The shape of the mask {list(m.shape)} at index {k} does not "
                                 f"match the shape of the indexed tensor {list(p.shape)} at index "
                                 f"{dim + k}")
        cols = np.nonzero(m) if type(m) is np.ndarray else nonzero(m, as_tuple=True)
        for k, col in enumerate(cols):
            spec[dim + k] = len(p.args)
            p.args.append(col)


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


def _oob_first(idx, sizes):
    """_oob_check's flags, with only the index torch's kernel reports flagged: it walks the
    elements of the broadcast indices in order and checks each element's indices in turn, so
    x[[0, 9], [7, 0]] on a (3, 4) tensor names 7 (dimension 1), not 9."""
    if len(idx) < 2 or any(n is None for n in sizes):
        return _oob_check(idx, sizes)
    shape = jnp.broadcast_shapes(*(i.shape for i in idx))
    flat = [jnp.broadcast_to(i, shape).reshape(-1).astype(jnp.int64) for i in idx]
    if not flat[0].size:
        return jnp.zeros((len(idx), 2), jnp.int64)
    bad = jnp.stack([(f >= n) | (f < -n) for f, n in zip(flat, sizes)])
    col = jnp.argmax(bad.any(0))
    k = jnp.argmax(bad[:, col])
    hit = bad.any()
    return jnp.stack([jnp.stack([(hit & (k == j)).astype(jnp.int64), f[col]])
                      for j, f in enumerate(flat)])


def _host_oob(p):
    """torch's IndexError for an out-of-range host index (same order as _oob_first)."""
    args, sizes = p.args, p.sizes
    for a, n in zip(args, sizes):
        if a.size == 0:
            continue
        if a.size <= 64:  # NOTE: Python's min/max beat two NumPy reductions on short lists
            f = a.reshape(-1).tolist()
            if min(f) < -n or max(f) >= n:
                break
        elif a.max() >= n or a.min() < -n:
            break
    else:
        return
    shape = np.broadcast_shapes(*(a.shape for a in args))
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in args]
    bad = np.stack([(f >= n) | (f < -n) for f, n in zip(flat, sizes)])
    col = int(bad.any(0).argmax())
    k = int(bad[:, col].argmax())
    raise IndexError(f"index {flat[k][col]} is out of bounds for dimension {p.dims[k]} with "
                     f"size {sizes[k]}")


