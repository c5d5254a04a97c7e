"""Views that select elements: basic-index slicing, narrow/select/diagonal/unfold, as_strided."""
import builtins
import functools
import operator

import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import make_view
from ._common import canon_dim
from ._views_base import ints, layout, mkview
from .registry import dispatch
from .registry import register as _reg


# ---- slicing views -------------------------------------------------------------------------

def basic_index_fn(index, x):
    """x indexed by a static basic index: entries int | (start, stop, step) | None."""
    idx = tuple(slice(*e) if type(e) is tuple else e for e in index)
    return x[idx] if idx else x


def split_basic(index, shape):
    """(struct, starts) of a static basic index: the positions of its ints and slice starts
    become runtime ints, so x[i] / x[i:i+k] for every i share one compiled program."""
    struct, starts = [], []
    d = 0
    for e in index:
        if e is None:
            struct.append(None)
            continue
        n = shape[d]
        d += 1
        if type(e) is tuple:
            start, stop, step = slice(*e).indices(n)
            size = len(range(start, stop, step))
            if start == 0 and size == n and step == 1:
                struct.append(("f",))  # NOTE: a full slice needs no runtime start
                continue
            struct.append(("s", size, step))
            starts.append(start if size else 0)
        else:
            struct.append(("i",))
            starts.append(e + n if e < 0 else e)
    return tuple(struct), tuple(starts)


def dyn_basic_fn(struct, x, *starts):
    """x indexed by split_basic's (struct, starts): one dynamic_slice, then strides/reshape."""
    begin, sizes, steps, out_shape = [], [], [], []
    k = 0
    for e in struct:
        if e is None:
            out_shape.append(1)
            continue
        d = len(begin)
        if e[0] == "f":
            begin.append(0)
            sizes.append(x.shape[d])
            steps.append(1)
            out_shape.append(x.shape[d])
            continue
        begin.append(starts[k])
        k += 1
        if e[0] == "i":
            sizes.append(1)
            steps.append(1)
        else:
            _, size, step = e
            sizes.append((size - 1) * step + 1 if size else 0)
            steps.append(step)
            out_shape.append(size)
    rest = list(x.shape[len(begin):])
    y = lax.dynamic_slice(x, begin + [0] * len(rest), sizes + rest) if k else x
    if any(s != 1 for s in steps):
        y = y[tuple(slice(None, None, s) for s in steps)]
    return y.reshape(tuple(out_shape) + tuple(rest))


def basic_view(o, t, index, strides, offset):
    """Dispatch basic-index view op `o` (statics: the struct; args: the runtime starts)."""
    struct, starts = split_basic(index, t._a.shape)
    return make_view(dispatch(o, (t,) + starts, (struct,)), t, tuple(strides), offset)


_SLICE = _reg("slice", dyn_basic_fn, grad_name="SliceBackward0")
_SELECT = _reg("select", dyn_basic_fn, grad_name="SelectBackward0")


def narrow(input, dim, start, length):
    """The slice [start, start + length) of dim (a view) (torch.narrow)."""
    sh = input._a.shape
    if not sh:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = canon_dim(dim, len(sh))
    n = sh[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start > n - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    st, off = layout(input)
    index = ((None, None, None),) * d + ((start, start + length, 1),)
    return basic_view(_SLICE, input, index, st, off + start * st[d])


def select_index(sh, dim, index):
    """(dim, index) of select() on shape sh, both wrapped; torch's IndexErrors."""
    if not sh:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = canon_dim(dim, len(sh))
    index = operator.index(index)
    if not -sh[d] <= index < sh[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(sh)} at "
                         f"dimension {d}")
    return d, index % sh[d]


def select(input, dim, index):
    """The sub-tensor at `index` along dim, dropping dim (a view) (torch.select)."""
    sh = input._a.shape
    d, index = select_index(sh, dim, index)
    st, off = layout(input)
    key = ((None, None, None),) * d + (index,)
    return basic_view(_SELECT, input, key, st[:d] + st[d + 1:], off + index * st[d])


_DIAGONAL = _reg("diagonal", lambda o, d1, d2, x: jnp.diagonal(x, o, d1, d2),
                 grad_name="DiagonalBackward0")


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of dims (dim1, dim2), appended as the last dim (a view) (torch.diagonal)."""
    sh = input._a.shape
    d1, d2 = canon_dim(dim1, len(sh)), canon_dim(dim2, len(sh))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    st, off = layout(input)
    if offset >= 0:
        n = builtins.max(builtins.min(sh[d1], sh[d2] - offset), 0)
    else:
        n = builtins.max(builtins.min(sh[d1] + offset, sh[d2]), 0)
    if n:
        off += offset * st[d2] if offset >= 0 else -offset * st[d1]
    keep = [d for d in range(len(sh)) if d not in (d1, d2)]
    return mkview(_DIAGONAL, input, (offset, d1, d2), [st[d] for d in keep] + [st[d1] + st[d2]],
                  off)


def _unfold_fn(d, size, step, x):
    if x.ndim == 0:
        return x.reshape((1,) * size)
    nw = (x.shape[d] - size) // step + 1
    idx = np.arange(nw)[:, None] * step + np.arange(size)[None, :]
    return jnp.moveaxis(jnp.take(x, idx, axis=d), d + 1, -1)


_UNFOLD = _reg("unfold", _unfold_fn, grad_name="UnfoldBackward0")


def unfold(self, dimension, size, step):
    """All windows of `size` with `step` along dimension, as a new last dim (Tensor.unfold)."""
    sh = self._a.shape
    nd = len(sh)
    d = canon_dim(dimension, nd)
    mx = sh[d] if nd else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > mx:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {mx} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    st, off = layout(self)
    if not nd:
        return mkview(_UNFOLD, self, (d, size, step), (1,), off)
    nst = list(st) + [st[d]]
    nst[d] = step * st[d]
    return mkview(_UNFOLD, self, (d, size, step), nst, off)


# ---- as_strided -------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _positions(shape, strides, offset):
    idx = np.full(shape, offset, dtype=np.int64)
    for k, s in enumerate(strides):
        idx = idx + (np.arange(shape[k]) * s).reshape((-1,) + (1,) * (len(shape) - k - 1))
    return idx


@functools.lru_cache(maxsize=256)
def _as_strided_src(src_layout, size, stride, offset):
    """Flat indices into the source tensor for as_strided, or None when it reaches outside."""
    want = _positions(size, stride, offset)
    if src_layout is None:
        return want
    have = _positions(*src_layout).reshape(-1)
    inv = np.full(int(builtins.max(have.max(initial=0), want.max(initial=0))) + 1, -1, np.int64)
    inv[have[::-1]] = np.arange(have.size - 1, -1, -1)
    mapped = inv[want]
    return None if (mapped < 0).any() else mapped


def _as_strided_fn(src_layout, size, stride, offset, x):
    idx = _as_strided_src(src_layout, size, stride, offset)
    return jnp.take(x.reshape(-1), jnp.asarray(idx), mode="clip") if idx.size else \
        jnp.zeros(size, x.dtype)


_AS_STRIDED = _reg("as_strided", _as_strided_fn, grad_name="AsStridedBackward0")


def as_strided(input, size, stride, storage_offset=None):
    """A view with arbitrary sizes/strides over input's storage (torch.as_strided)."""
    size, stride = ints((size,), "as_strided"), ints((stride,), "as_strided", "stride")
    st, off = layout(input)
    off = off if storage_offset is None else operator.index(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    root = input if input._base is None else input._base
    need = 0 if 0 in size else 1 + off + builtins.sum((n - 1) * s for n, s in zip(size, stride))
    if need > root._a.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {off}, and itemsize {input.element_size()} requiring a "
                           f"storage size of {need * input.element_size()} are out of bounds "
                           f"for storage of size {root._a.size * input.element_size()}")
    # NOTE: gather from the input itself when every position lies inside it (so autograd sees
    # input), else from the root's flat storage.
    src_layout = None if input._base is None else (input._a.shape, st, input._st[1])
    src = input
    if _as_strided_src(src_layout, size, stride, off) is None:
        src, src_layout = root, None
    return mkview(_AS_STRIDED, src, (src_layout, size, stride, off), stride, off)


