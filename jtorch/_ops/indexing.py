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
import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, wrap
from . import _index_ops
from ._common import inplace_from, make_inplace, torch_name
from ._index_ops import *  # noqa: F401,F403
from ._index_ops import _at_add, _raise_oob
from ._index_parse import (
    _tkey, _Plan, _parse, _adv_tuple, _oob_first, _host_oob,
)
from ._shape_views import _reg, basic_index_fn, basic_view, dyn_basic_fn, split_basic
from .registry import dispatch

__all__ = list(_index_ops.__all__) + ["masked_fill", "masked_select", "index_put", "nonzero",
                                      "argwhere"]

_Tracer = jax.core.Tracer


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


# NOTE: nonzero and boolean masks live in _index_masks.py (registered here, in this order)
from ._index_masks import argwhere, masked_fill, masked_select, nonzero  # noqa: E402,F401


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
