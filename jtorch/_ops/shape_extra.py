"""Scatter-into-view and small tensor-method ops: select/slice/diagonal/as_strided_scatter,
constant_pad_nd, fill/zero_, sum_to_size, unsafe_split/chunk, __rdiv__, hash_tensor.

(resize_/resize_as_ and the empty_* creation ops live in shape_resize.py.)
"""
import builtins
import functools
import operator

import jax.numpy as jnp
import numpy as np
from jax import lax

from ._common import canon_dim, canon_dims
from ._shape_views import _positions, ints, layout, select_index
from .registry import cast, dispatch
from .registry import register as _reg
from ._common import exporter

TORCH_NAMES = []
_torch = exporter(TORCH_NAMES)
METHODS = {}


def _check_src(src, want):
    if tuple(src.shape) != tuple(want):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(want)}")


# ---- *_scatter: out-of-place writes into a view ------------------------------------------------
# NOTE: torch copies src into the view (copy_ semantics): src is cast to input's dtype, so the
# result always has input's dtype; the gradient of input is zero where src landed.

def _select_scatter_fn(d, x, s, i):
    s = jnp.expand_dims(cast(s, x.dtype), d)
    start = [0] * x.ndim
    start[d] = i
    return lax.dynamic_update_slice(x, s, start)


_SELECT_SCATTER = _reg("select_scatter", _select_scatter_fn)


@_torch
def select_scatter(input, src, dim, index):
    """input with input.select(dim, index) replaced by src (torch.select_scatter)."""
    sh = tuple(input.shape)
    d, index = select_index(sh, dim, index)
    _check_src(src, sh[:d] + sh[d + 1:])
    # NOTE: the index is a runtime argument: every index shares one compiled program.
    return dispatch(_SELECT_SCATTER, (input, src, index), (d,))


def _slice_scatter_fn(d, step, x, s, start):
    s = cast(s, x.dtype)
    if step == 1:
        begin = [0] * x.ndim
        begin[d] = start
        return lax.dynamic_update_slice(x, s, begin)
    # NOTE: a strided slice: the written positions are start + step * k (static step).
    pos = start + step * jnp.arange(s.shape[d])
    return jnp.moveaxis(jnp.moveaxis(x, d, 0).at[pos].set(jnp.moveaxis(s, d, 0)), 0, d)


_SLICE_SCATTER = _reg("slice_scatter", _slice_scatter_fn)


@_torch
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """input with input[..., start:end:step (at dim), ...] replaced by src (torch.slice_scatter)."""
    sh = tuple(input.shape)
    if not sh:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = canon_dim(dim, len(sh))
    step = operator.index(step)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    # NOTE: torch clamps start/end into [0, size] (negative ones wrap once), as Python slicing.
    a, b, _ = builtins.slice(start, end, 1).indices(sh[d])
    n = builtins.max(0, (b - a + step - 1) // step)
    _check_src(src, sh[:d] + (n,) + sh[d + 1:])
    if n == 0:
        a = 0
    return dispatch(_SLICE_SCATTER, (input, src, a), (d, step))


@functools.lru_cache(maxsize=256)
def _diag_index(offset, n):
    i = np.arange(n)
    return i + builtins.max(-offset, 0), i + builtins.max(offset, 0)


def _diagonal_scatter_fn(offset, d1, d2, n, x, s):
    rows, cols = _diag_index(offset, n)
    y = jnp.moveaxis(x, (d1, d2), (-2, -1))
    y = y.at[..., rows, cols].set(cast(s, x.dtype))
    return jnp.moveaxis(y, (-2, -1), (d1, d2))


_DIAGONAL_SCATTER = _reg("diagonal_scatter", _diagonal_scatter_fn)


@_torch
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """input with input.diagonal(offset, dim1, dim2) replaced by src (torch.diagonal_scatter)."""
    sh = tuple(input.shape)
    d1, d2 = canon_dim(dim1, len(sh)), canon_dim(dim2, len(sh))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    if offset >= 0:
        n = builtins.max(builtins.min(sh[d1], sh[d2] - offset), 0)
    else:
        n = builtins.max(builtins.min(sh[d1] + offset, sh[d2]), 0)
    _check_src(src, tuple(s for k, s in enumerate(sh) if k not in (d1, d2)) + (n,))
    return dispatch(_DIAGONAL_SCATTER, (input, src), (offset, d1, d2, n))


def _dense_strides(shape, strides):
    """strides if they lay shape out densely without overlap (a permuted contiguous layout)."""
    dims = sorted((s, n) for n, s in zip(shape, strides) if n != 1)
    acc = 1
    for s, n in dims:
        if s != acc:
            return None
        acc *= n
    return strides


@functools.lru_cache(maxsize=256)
def _as_strided_targets(shape, in_strides, size, stride, offset):
    """Flat (row-major) indices into input of every element of the as_strided view."""
    have = _positions(shape, in_strides, 0).reshape(-1)
    inv = np.empty(builtins.max(have.size, 1), np.int64)
    inv[have] = np.arange(have.size)
    return inv[_positions(size, stride, offset).reshape(-1)]


def _as_strided_scatter_fn(in_strides, size, stride, offset, x, s):
    idx = _as_strided_targets(x.shape, in_strides, size, stride, offset)
    if not idx.size:
        return x
    flat = x.reshape(-1).at[jnp.asarray(idx)].set(cast(s, x.dtype).reshape(-1))
    return flat.reshape(x.shape)


_AS_STRIDED_SCATTER = _reg("as_strided_scatter", _as_strided_scatter_fn)


@_torch
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of input with src written into its as_strided(size, stride, storage_offset) view
    (torch.as_strided_scatter)."""
    size, stride = ints((size,), "as_strided_scatter"), \
        ints((stride,), "as_strided_scatter", "stride")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    off = 0 if storage_offset is None else operator.index(storage_offset)
    # NOTE: torch writes into a clone of input, which keeps input's layout when it is dense
    # (e.g. a transpose) and is contiguous otherwise; storage positions follow that layout.
    sh = tuple(input.shape)
    in_st = _dense_strides(sh, tuple(layout(input)[0])) or _contiguous(sh)
    numel = int(np.prod(sh, dtype=np.int64))
    need = 0 if 0 in size else 1 + off + builtins.sum((n - 1) * s for n, s in zip(size, stride))
    if need > numel:
        isz = input.element_size()
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {off}, and itemsize {isz} requiring a storage size of "
                           f"{need * isz} are out of bounds for storage of size {numel * isz}")
    _check_src(src, size)
    return dispatch(_AS_STRIDED_SCATTER, (input, src), (in_st, size, stride, off))


def _contiguous(shape):
    from .._view import contiguous_strides
    return contiguous_strides(shape)


METHODS.update(select_scatter=select_scatter, slice_scatter=slice_scatter,
               diagonal_scatter=diagonal_scatter, as_strided_scatter=as_strided_scatter)


# ---- constant_pad_nd / fill / zero_ -------------------------------------------------------------

def _pad_fn(config, x, v):
    return lax.pad(x, cast(v, x.dtype), config)


_CONSTANT_PAD_ND = _reg("constant_pad_nd", _pad_fn)


@_torch
def constant_pad_nd(input, pad, value=0):
    """Pad (or crop, for negative entries) the last len(pad)//2 dims with a constant: pad is
    (last_lo, last_hi, second_last_lo, ...) (torch.constant_pad_nd)."""
    pad = ints((pad,), "constant_pad_nd", "pad")
    sh = tuple(input.shape)
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) // 2 > len(sh):
        raise RuntimeError(f"Length of pad should be no more than twice the number of dimensions "
                           f"of the input. Pad length is {len(pad)}while the input has "
                           f"{len(sh)}dimensions.")
    config = [(0, 0, 0)] * len(sh)
    for i in range(len(pad) // 2):
        d = len(sh) - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        # NOTE: torch crops negative pads with narrow() first, with narrow's error.
        if sh[d] + builtins.min(lo, 0) + builtins.min(hi, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        config[d] = (lo, hi, 0)
    if hasattr(value, "item"):
        value = value.item()  # NOTE: a Scalar argument in torch (no gradient to it)
    from .creation import _check_fill
    _check_fill(value, input.dtype)
    return dispatch(_CONSTANT_PAD_ND, (input, value), (tuple(config),))


@_torch
def fill(input, value):
    """A tensor like input filled with value (a number or a 0-d tensor) (torch.fill)."""
    from .convert import _FILL
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
    else:
        from .creation import _check_fill
        _check_fill(value, input.dtype)
    return dispatch(_FILL, (input, value))


@_torch
def zero_(input):
    """Fill input with zeros in place; returns input (torch.zero_)."""
    return input.zero_()


# NOTE: torch.Tensor has no fill / constant_pad_nd methods (only torch.* functions).


# ---- sum_to_size / unsafe_split / unsafe_chunk / __rdiv__ --------------------------------------

def sum_to_size(self, *size):
    """self summed down to the broadcast-compatible `size` (Tensor.sum_to_size)."""
    size = ints(size, "sum_to_size")
    sh = tuple(self.shape)
    lead = len(sh) - len(size)
    if lead < 0 or builtins.any(n != 1 and n != sh[lead + k] for k, n in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(sh)}}}.")
    from .reduction import sum as _sum
    if not size:
        return _sum(self)  # NOTE: torch's sum_to: an empty size always sums (bool -> int64)
    dims = list(range(lead)) + [lead + k for k, n in enumerate(size)
                                if n == 1 and sh[lead + k] != 1]
    out = self
    if dims:
        out = _sum(self, dims, keepdim=True)
    return out.view(size) if lead else out


def _unsafe_pieces_fn(dim, bounds, x):
    return tuple(lax.slice_in_dim(x, a, b, 1, dim) for a, b in bounds)


# NOTE: torch's unsafe_split/unsafe_chunk return pieces autograd does not treat as views of
# their input (so in-place writes into them are not checked); here they are plain results.
_UNSAFE_SPLIT = _reg("unsafe_split", _unsafe_pieces_fn, nout=None,
                     grad_name="UnsafeSplitBackward0")


def _unsafe_pieces(input, d, sizes):
    bounds, a = [], 0
    for s in sizes:
        bounds.append((a, a + s))
        a += s
    return dispatch(_UNSAFE_SPLIT, (input,), (d, tuple(bounds)))


@_torch
def unsafe_split(tensor, split_size, dim=0):
    """torch.split into pieces of split_size that are not views (torch.unsafe_split)."""
    if isinstance(split_size, (list, tuple)):
        raise TypeError(f"unsafe_split(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    size = operator.index(split_size)
    if not tensor.dim():
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = canon_dim(dim, tensor.dim())
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    n = tensor.shape[d]
    if size == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    k = builtins.max((n + size - 1) // size, 1) if size else 1
    return _unsafe_pieces(tensor, d, [size] * (k - 1) + [size - (size * k - n)])


@_torch
def unsafe_chunk(input, chunks, dim=0):
    """torch.chunk into pieces that are not views (torch.unsafe_chunk)."""
    chunks = operator.index(chunks)
    if not input.dim():
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = canon_dim(dim, input.dim())
    n = input.shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:
        return _unsafe_pieces(input, d, [0] * chunks)
    return unsafe_split(input, size, d)


def __rdiv__(self, other):
    """other / self, true division (Tensor.__rdiv__, the Python 2 name of __rtruediv__)."""
    from .pointwise import div
    return div(other, self)


METHODS.update(sum_to_size=sum_to_size, unsafe_split=unsafe_split, unsafe_chunk=unsafe_chunk,
               __rdiv__=__rdiv__)


# ---- hash_tensor ------------------------------------------------------------------------------

def _hash_fn(dims, keepdim, x):
    # NOTE: torch upcasts to the 64-bit type of the same kind (float -> double, int/bool ->
    # int64, sign-extended) and bitcasts to uint64 before the xor reduction.
    if jnp.issubdtype(x.dtype, jnp.floating):
        u = lax.bitcast_convert_type(x.astype(jnp.float64), jnp.uint64)
    else:
        u = lax.bitcast_convert_type(x.astype(jnp.int64), jnp.uint64)
    r = lax.reduce(u, np.uint64(0), lax.bitwise_xor, dims)
    if keepdim:
        r = jnp.expand_dims(r, dims)
    return r


_HASH = _reg("hash_tensor", _hash_fn, differentiable=False)


@_torch
def hash_tensor(input, dim=None, *, keepdim=False, mode=0):
    """The xor of input's elements upcast to 64 bits and bitcast to uint64, over dim (all dims
    by default) (torch.hash_tensor)."""
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    dt = input.dtype
    if dt.is_complex or dt._name in ("uint16", "uint32", "uint64"):
        from ._common import torch_name
        name = {"uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}.get(dt._name) or \
            torch_name(dt)
        raise NotImplementedError(f'"xor_sum_cpu" not implemented for \'{name}\'')
    sh = tuple(input.shape)
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):
        if 0 in sh:
            raise RuntimeError("hash_tensor: Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        dims = tuple(range(len(sh)))
    else:
        dims = canon_dims(dim, len(sh))
        if not sh:
            dims = ()
        for d in dims:
            if sh[d] == 0:
                raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero "
                                 f"size.")
    return dispatch(_HASH, (input,), (dims, builtins.bool(keepdim)))


METHODS.update(hash_tensor=hash_tensor)

from . import shape_resize as _SR  # noqa: E402  (the resize_/empty_* half of this family)

TORCH_NAMES += _SR.TORCH_NAMES
globals().update({n: getattr(_SR, n) for n in _SR.TORCH_NAMES})
METHODS.update(_SR.METHODS)
