"""Indexing: Tensor.__getitem__/__setitem__ with torch's rules, index_put, masks, nonzero.

Basic indexing (ints, slices, None, Ellipsis) is parsed in Python into a hashable static plan,
cached per (index key, shape, layout), and run as ONE dispatch that returns a view. Advanced
indices (integer tensors/lists, bool masks) run as one gather op after the basic part;
out-of-range tensor indices are flagged inside that jitted op and raised on the host (eager only).
Python lists (and NumPy arrays) used as indices stay NumPy arrays on the host: they are checked
there (no device read) and passed to the jitted op as ordinary runtime inputs, so neither a
device_put per call nor a program per index value is needed.
The gather/scatter family lives in _index_ops.py and is re-exported here.
"""
import operator
import warnings

import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, make_view, wrap
from . import _index_ops
from ._common import inplace_from, make_inplace, torch_name, unwrap_out
from ._index_ops import *  # noqa: F401,F403
from ._index_ops import _at_add, _bshape, _oob_check, _raise_oob
from ._shape_views import (
    _SELECT, _SLICE, _reg, basic_index_fn, basic_view, dyn_basic_fn, expand, layout,
    split_basic,
)
from .shape import unbind
from .registry import dispatch

__all__ = list(_index_ops.__all__) + ["masked_fill", "masked_select", "index_put", "nonzero",
                                      "argwhere"]

_Tracer = jax.core.Tracer
_UNSQ = _reg("unsqueeze_index", dyn_basic_fn, grad_name="UnsqueezeBackward0")
_ALIAS_IDX = _reg("alias_index", dyn_basic_fn, grad_name="AliasBackward0")
_BASIC_OPS = {"i": _SELECT, "s": _SLICE, "n": _UNSQ, None: _ALIAS_IDX}
_FULL = (None, None, None)


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
                if e.dtype == np.uint8:
                    warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use "
                                  "a dtype torch.bool instead.", UserWarning, stacklevel=3)
                masks.append((dim, e))
                spec.extend(["m"] * e.ndim)
                basic.extend([_FULL] * e.ndim)
                consumed += e.ndim
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
                if e.dtype is D.uint8:
                    warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use "
                                  "a dtype torch.bool instead.", UserWarning, stacklevel=3)
                masks.append((dim, e))
                spec.extend(["m"] * e.ndim)
                basic.extend([_FULL] * e.ndim)
                consumed += e.ndim
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


def _index_fn(struct, spec, sizes, n, x, *rest):
    """x[basic][advanced]: the basic part's starts are the runtime ints after the n index
    tensors (split_basic), so x[idx, i] for every i shares one compiled program."""
    idx, starts = rest[:n], rest[n:]
    v = dyn_basic_fn(struct, x, *starts)
    return v[_adv_tuple(spec, idx)], _oob_first(idx, sizes)


def _index_host_fn(struct, spec, n, x, *rest):
    """_index_fn when every index is a host array (checked on the host): no flags output."""
    return _index_fn(struct, spec, (None,) * n, n, x, *rest)[0]


_INDEX = _reg("index", _index_fn, nout=2, nondiff_outputs=(1,), grad_name="IndexBackward0")
# NOTE: even an empty (0, 2) flags output costs ~5 us per call; list indices need none.
_INDEX_HOST = _reg("index_host", _index_host_fn, grad_name="IndexBackward0")


_PLANS = {}


def _lkey(idx):
    """(cache key, lists) for an index whose advanced parts are all flat lists of Python ints
    (x[[3, 0]], x[:, [1, 3]], x[[0, 1], [2, 3]]): each list is keyed by its length only;
    (None, None) for anything else."""
    if type(idx) is list:
        idx = (idx,)
    out, lists = [], []
    for e in idx:
        t = type(e)
        if t is list:
            for v in e:
                if type(v) is not int:
                    return None, None
            out.append(("L", len(e)))
            lists.append(e)
        elif t is int or e is None or e is Ellipsis:
            out.append(e)
        elif t is slice:
            k = _tkey((e,))
            if k is None:
                return None, None
            out.append(k[0])
        else:
            return None, None
    return (tuple(out) if lists else None), lists


def _from_template(tp, lists):
    """A cached list-index plan with this call's lists (as int64 host arrays) as its args."""
    try:
        args = [np.array(v, np.int64) for v in lists]
    except OverflowError:
        return None
    p = _Plan()
    p.basic, p.shape, p.strides, p.offset, p.op = tp.basic, tp.shape, tp.strides, tp.offset, tp.op
    p.spec, p.sizes, p.dims, p.csizes, p.host = tp.spec, tp.sizes, tp.dims, tp.csizes, True
    p.split = tp.split
    p.args = args
    return p


def _plan(self, idx):
    """The parsed index, cached when it is basic and hashable (the fast path), or when its
    advanced parts are flat int lists (a template keyed by the lists' lengths)."""
    t = type(idx)
    if t is int:
        key = idx
    elif t is tuple:
        key = _tkey(idx)
    elif t is slice:
        key = _tkey((idx,))
    elif t is list:
        key = None
    else:
        return _parse(self, idx)
    if key is None:
        key, lists = _lkey(idx)
        if key is None:
            return _parse(self, idx)
        ck = (key, self._a.shape, self._st)
        tp = _PLANS.get(ck)
        p = None if tp is None else _from_template(tp, lists)
        if p is None:
            p = _parse(self, idx)
            if tp is None and p.host:
                if len(_PLANS) > 8192:
                    _PLANS.clear()
                p.split = split_basic(p.basic, self._a.shape)
                _PLANS[ck] = p
        return p
    ck = (key, self._a.shape, self._st)
    p = _PLANS.get(ck)
    if p is None:
        p = _parse(self, idx)
        if not p.args:
            if len(_PLANS) > 8192:
                _PLANS.clear()
            _PLANS[ck] = p
    return p


def getitem(self, idx):
    """Tensor.__getitem__ with torch's rules; basic indexing returns a view."""
    p = _plan(self, idx)
    if not p.spec:
        return basic_view(p.op, self, p.basic, p.strides, p.offset)
    struct, starts = p.split or split_basic(p.basic, self._a.shape)
    if p.host:
        out = dispatch(_INDEX_HOST, (self,) + _adv_args(p) + starts,
                       (struct, p.spec, len(p.args)))
        _raise_adv_oob(None, p)
        return out
    out, check = dispatch(_INDEX, (self,) + _adv_args(p) + starts,
                          (struct, p.spec, p.csizes, len(p.args)))
    _raise_adv_oob(check, p)
    return out


def _adv_args(p):
    """The advanced indices as dispatch arguments: a host array rides in a Tensor wrapper whose
    array is the NumPy array itself; jax.jit takes it as a runtime input (a ~3 us copy in the
    call, vs ~200 us for a jax.device_put), so every index value shares one program."""
    return tuple(wrap(a) if type(a) is np.ndarray else a for a in p.args)


def _raise_adv_oob(check, p):
    """torch's IndexError for the first out-of-range advanced index: host indices are checked
    here, tensors by the flags the compiled op returned in `check`."""
    if p.host:
        _host_oob(p)
        return
    _raise_oob(check, lambda k, v: f"index {v} is out of bounds for dimension {p.dims[k]} with "
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
                tj = target[j] if j >= 0 else -1
                raise RuntimeError(f"The expanded size of the tensor ({tj})"
                                   f" must match the existing size ({val.shape[i]}) at "
                                   f"non-singleton dimension {max(j, 0)}.  Target sizes: "
                                   f"{list(target)}.  Tensor sizes: {list(val.shape)}")
    return jnp.broadcast_to(val, target)


def _adv_put(v, spec, idx, val, accumulate, strict):
    """v with val put (or added) at the advanced index spec/idx (torch's index_put_ checks)."""
    full = _adv_tuple(spec, idx)
    target = jax.eval_shape(lambda a: a[full], v).shape
    val0 = val
    val = _prep_value(val, v.dtype, target, True)
    if strict and val0.dtype != v.dtype:  # NOTE: index_put_ checks shapes, then dtypes
        raise RuntimeError(f"Index put requires the source and destination dtypes match, "
                           f"got {torch_name(D.from_np(v.dtype))} for the destination and "
                           f"{torch_name(D.from_np(val0.dtype))} for the source.")
    return _at_add(v, full, val) if accumulate else v.at[full].set(val)


def _setitem_fn(basic, spec, sizes, accumulate, strict, x, val, *idx):
    v = basic_index_fn(basic, x)
    if spec:
        v = _adv_put(v, spec, idx, val, accumulate, strict)
    else:
        v = _prep_value(val, x.dtype, v.shape, False)
    if basic:
        no_none = tuple(slice(*e) if type(e) is tuple else e for e in basic if e is not None)
        x = x.at[no_none].set(v.reshape(jax.eval_shape(lambda a: a[no_none], x).shape))
    else:
        x = v
    return x, _oob_first(idx, sizes)


_COPY_SLICES = _reg("copy_slices", _setitem_fn, nout=2, nondiff_outputs=(1,),
                    grad_name="CopySlices")


def _region_write(struct, x, v, starts):
    """x with v (shaped like dyn_basic_fn's result) written at the unit-step basic index
    struct/starts."""
    shape, begin, d, k = [], [], 0, 0
    for e in struct:
        if e is None:
            continue
        shape.append(x.shape[d] if e[0] == "f" else 1 if e[0] == "i" else e[1])
        begin.append(0 if e[0] == "f" else starts[k])
        k += e[0] != "f"
        d += 1
    rest = list(x.shape[len(shape):])
    return lax.dynamic_update_slice(x, v.reshape(tuple(shape) + tuple(rest)),
                                    begin + [0] * len(rest))


def _set_basic_fn(struct, x, val, *starts):
    """x with val written at a unit-step basic index whose starts are runtime ints."""
    region = dyn_basic_fn(struct, x, *starts)
    return _region_write(struct, x, _prep_value(val, x.dtype, region.shape, False), starts)


def _index_put_dyn_fn(struct, spec, sizes, n, strict, x, val, *rest):
    """x[basic][advanced] = val with the basic part's starts at runtime (see _index_fn)."""
    idx, starts = rest[:n], rest[n:]
    v = _adv_put(dyn_basic_fn(struct, x, *starts), spec, idx, val, False, strict)
    return _region_write(struct, x, v, starts), _oob_first(idx, sizes)


def _index_put_host_fn(struct, spec, n, strict, x, val, *rest):
    """_index_put_dyn_fn when every index is a host array (checked on the host): no flags."""
    return _index_put_dyn_fn(struct, spec, (None,) * n, n, strict, x, val, *rest)[0]


# NOTE: x[i] = v / x[i:j] = v in a loop: one compiled program for every i (starts are runtime).
_SET_BASIC = _reg("copy_slices_basic", _set_basic_fn, grad_name="CopySlices")
_INDEX_PUT = _reg("index_put", _setitem_fn, nout=2, nondiff_outputs=(1,),
                  grad_name="IndexPutBackward0")
_INDEX_PUT_DYN = _reg("index_put_dyn", _index_put_dyn_fn, nout=2, nondiff_outputs=(1,),
                      grad_name="IndexPutBackward0")
_INDEX_PUT_HOST = _reg("index_put_host", _index_put_host_fn, grad_name="IndexPutBackward0")


def setitem(self, idx, value):
    """Tensor.__setitem__: write value (number or tensor, broadcast, cast) into self[idx]."""
    if not isinstance(value, (Tensor, bool, int, float, complex)):
        from .creation import tensor
        value = tensor(value, dtype=self.dtype)
    if idx is False:
        return  # NOTE: torch writes nothing (and keeps the version) for x[False] = v
    p = _plan(self, idx)
    if any(s == 0 and n > 1 for n, s in zip(p.shape, p.strides)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    if all(type(e) is not tuple or e[2] in (None, 1) for e in p.basic):
        struct, starts = p.split or split_basic(p.basic, self._a.shape)
        if not p.spec:
            inplace_from(self, dispatch(_SET_BASIC, (self, value) + starts, (struct,)))
            return
        if p.host:
            new, check = dispatch(_INDEX_PUT_HOST, (self, value) + _adv_args(p) + starts,
                                  (struct, p.spec, len(p.args), isinstance(value, Tensor))), None
        else:
            new, check = dispatch(_INDEX_PUT_DYN, (self, value) + _adv_args(p) + starts,
                                  (struct, p.spec, p.csizes, len(p.args),
                                   isinstance(value, Tensor)))
        _raise_adv_oob(check, p)
        inplace_from(self, new)
        return
    o = _INDEX_PUT if p.spec else _COPY_SLICES
    new, check = dispatch(o, (self, value) + _adv_args(p),
                          (p.basic, p.spec, p.csizes, False, isinstance(value, Tensor)))
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
    p = _parse(input, tuple(indices))
    new, check = dispatch(_INDEX_PUT, (input, values) + _adv_args(p),
                          (p.basic, p.spec, p.csizes, bool(accumulate), isinstance(values, Tensor)))
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


def _m_scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return inplace_from(self, _index_ops.scatter(self, dim, index, src, value, reduce=reduce))


METHODS = {n: globals()[n] for n in __all__ if n != "index_put"}
METHODS.update({
    "__getitem__": getitem, "__setitem__": setitem, "index_put": index_put,
    "index_put_": index_put_, "scatter_": _m_scatter_,
})
for _n in ("scatter_add", "scatter_reduce", "masked_fill", "index_add", "index_fill",
           "index_copy"):
    METHODS[_n + "_"] = make_inplace(globals()[_n], _n + "_")
