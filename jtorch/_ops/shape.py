"""Shape ops: views (here and in _shape_views) and copies: cat/stack, repeat, flip, roll, ..."""
import builtins
import operator
import warnings

import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor, make_view
from . import _shape_views as V
from ._common import canon_dim, canon_dims, make_inplace, torch_name, unwrap_out
from ._shape_views import *  # noqa: F401,F403
from ._shape_views import _reg, ints
from .registry import dispatch

__all__ = list(V.__all__) + [
    "split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit", "cat", "concat",
    "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
    "column_stack", "tile", "flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu",
    "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_tensors", "broadcast_shapes", "meshgrid",
]


def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tuple(tensors)


def _common_dtype(xs):
    d = D.from_np(xs[0].dtype)
    for x in xs[1:]:
        d = D.promote_types(d, D.from_np(x.dtype))
    return d._np


# ---- multi-output views: split / chunk / unbind / tensor_split ------------------------------

def _pieces_fn(dim, bounds, x):
    return tuple(lax.slice_in_dim(x, a, b, 1, dim) for a, b in bounds)


# NOTE: nout=None marks a variable number of outputs (one per piece); dispatch returns a tuple.
_SPLIT = _reg("split", _pieces_fn, nout=None, grad_name="SplitBackward0")
_SPLIT_SIZES = _reg("split_with_sizes", _pieces_fn, nout=None,
                    grad_name="SplitWithSizesBackward0")
_TSPLIT = _reg("tensor_split", _pieces_fn, nout=None, grad_name="SliceBackward0")
_UNBIND = _reg("unbind", lambda dim, n, x: tuple(lax.index_in_dim(x, i, dim, False)
                                                for i in range(n)),
               nout=None, grad_name="UnbindBackward0")


def _pieces(o, input, d, bounds):
    st, off = V.layout(input)
    outs = dispatch(o, (input,), (d, tuple(bounds)))
    return tuple(make_view(r, input, st, off + a * st[d]) for r, (a, _) in zip(outs, bounds))


def _bounds(sizes):
    out, a = [], 0
    for s in sizes:
        out.append((a, a + s))
        a += s
    return out


def _split_sizes(input, sizes, d, o=_SPLIT_SIZES):
    n = input._a.shape[d]
    if builtins.any(s < 0 for s in sizes) or builtins.sum(sizes) != n:
        if builtins.any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={list(sizes)}")
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
    return _pieces(o, input, d, _bounds(sizes))


def _split_int(input, size, d):
    if not input._a.ndim:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    n = input._a.shape[d]
    if size == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    k = builtins.max((n + size - 1) // size, 1) if size else 1
    sizes = [size] * (k - 1) + [size - (size * k - n)]
    return _pieces(_SPLIT, input, d, _bounds(sizes))


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces of one size, or of the given sizes (views) (torch.split)."""
    d = canon_dim(dim, tensor._a.ndim)
    if isinstance(split_size_or_sections, (list, tuple)):
        return _split_sizes(tensor, ints((split_size_or_sections,), "split"), d)
    return _split_int(tensor, operator.index(split_size_or_sections), d)


def _m_split(self, split_size, dim=0):
    return split(self, split_size, dim)


def split_with_sizes(self, split_sizes, dim=0):
    """Split into pieces of the given sizes (Tensor.split_with_sizes)."""
    return _split_sizes(self, ints((split_sizes,), "split_with_sizes"),
                        canon_dim(dim, self._a.ndim))


def chunk(input, chunks, dim=0):
    """Split into `chunks` nearly equal pieces (views) (torch.chunk)."""
    if not input._a.ndim:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = canon_dim(dim, input._a.ndim)
    n = input._a.shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:
        return _pieces(_SPLIT_SIZES, input, d, _bounds([0] * chunks))
    return _split_int(input, size, d)


def unbind(input, dim=0):
    """All slices along dim, each with dim removed (views) (torch.unbind)."""
    nd = input._a.ndim
    if not nd:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = canon_dim(dim, nd)
    n = input._a.shape[d]
    st, off = V.layout(input)
    outs = dispatch(_UNBIND, (input,), (d, n))
    rst = st[:d] + st[d + 1:]
    return tuple(make_view(r, input, rst, off + i * st[d]) for i, r in enumerate(outs))


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n sections or at the given indices (views) (torch.tensor_split)."""
    nd = input._a.ndim
    if not nd:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype is not D.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {torch_name(ios.dtype)}")
        ios = ios.item() if ios.ndim == 0 else ios.tolist()
    d = canon_dim(dim, nd)
    n = input._a.shape[d]
    if isinstance(ios, (list, tuple)):
        cuts = [0] + [builtins.min(builtins.max(i + n if i < 0 else i, 0), n) for i in ios] + [n]
        bounds = [(a, builtins.max(a, b)) for a, b in zip(cuts, cuts[1:])]
    else:
        k = operator.index(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        bounds = _bounds([q + 1] * r + [q] * (k - r))
    return _pieces(_TSPLIT, input, d, bounds)


def _dsplit_like(name, min_dim, dim):
    def f(input, indices_or_sections):
        nd = input._a.ndim
        if nd < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, "
                               f"but got a tensor with {nd} dimensions!")
        d = 0 if name == "hsplit" and nd == 1 else dim
        ios = indices_or_sections
        if isinstance(ios, int) and not isinstance(ios, builtins.bool):
            n = input._a.shape[d]
            if ios == 0 or n % ios:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the "
                                   f"size of the dimension {n} is not divisible by the split_size "
                                   f"{ios}!")
        return tensor_split(input, ios, d)
    f.__name__ = name
    f.__doc__ = f"tensor_split along dim {dim} (torch.{name})."
    return f


hsplit = _dsplit_like("hsplit", 1, 1)
vsplit = _dsplit_like("vsplit", 2, 0)
dsplit = _dsplit_like("dsplit", 3, 2)



# ---- cat / stack ---------------------------------------------------------------------------

def _cat_fn(dim, *xs):
    npd = _common_dtype(xs)  # NOTE: skipped empty tensors still take part in promotion
    for i, x in enumerate(xs):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    # NOTE: torch's legacy rule: 1-D empty tensors are skipped whatever their shape.
    keep = [(i, x) for i, x in enumerate(xs) if not (x.ndim == 1 and x.shape[0] == 0)]
    if not keep:
        return jnp.zeros((0,), npd)
    ref = keep[0][1]
    d = canon_dim(dim, ref.ndim)
    for i, x in keep[1:]:
        if x.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{x.ndim}")
        for k in range(ref.ndim):
            if k != d and x.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {x.shape[k]} for "
                                   f"tensor number {i} in the list.")
    return jnp.concatenate([x.astype(npd) for _, x in keep], axis=d)


_CAT = _reg("cat", _cat_fn)


def cat(tensors, dim=0, *, out=None):
    """Concatenate along an existing dim, promoting dtypes (torch.cat)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    return unwrap_out(dispatch(_CAT, tensors, (operator.index(dim),)), out)


concat = cat


def concatenate(tensors, axis=0, out=None):
    """Alias of cat with numpy's argument name (torch.concatenate)."""
    return cat(tensors, axis, out=out)


def _stack_fn(dim, *xs):
    for i, x in enumerate(xs[1:], 1):
        if x.shape != xs[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(xs[0].shape)} at entry 0 and {list(x.shape)} at entry {i}")
    npd = _common_dtype(xs)
    return jnp.stack([x.astype(npd) for x in xs], axis=canon_dim(dim, xs[0].ndim + 1))


_STACK = _reg("stack", _stack_fn)


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dim (torch.stack)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    return unwrap_out(dispatch(_STACK, tensors, (operator.index(dim),)), out)


def hstack(tensors, *, out=None):
    """Concatenate column-wise (dim 1, or dim 0 for 1-D inputs) (torch.hstack)."""
    ts = atleast_1d(_tensor_list(tensors, "hstack"))
    return cat(ts, 0 if ts and ts[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Concatenate row-wise after atleast_2d (torch.vstack)."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack")), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Concatenate depth-wise after atleast_3d (torch.dstack)."""
    return cat(atleast_3d(_tensor_list(tensors, "dstack")), 2, out=out)


def column_stack(tensors, *, out=None):
    """Stack 0-D/1-D tensors as columns, then hstack (torch.column_stack)."""
    ts = [V.reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t
          for t in _tensor_list(tensors, "column_stack")]
    return hstack(ts, out=out)


def _atleast(nd, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        k = t.ndim
        if k >= nd:
            out.append(t)
        elif k == 0:
            out.append(V.reshape(t, (1,) * nd))
        elif nd == 2 or k == 2:
            out.append(V.unsqueeze(t, 0 if nd == 2 else -1))
        else:
            out.append(V.unsqueeze(V.unsqueeze(t, 0), -1))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Inputs with at least one dim (views; the input itself when already >= 1-D)."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """Inputs with at least two dims (torch.atleast_2d)."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """Inputs with at least three dims (torch.atleast_3d)."""
    return _atleast(3, tensors)


# ---- repeat / tile / flip / roll / rot90 / tril / triu ------------------------------------------

_REPEAT = _reg("repeat", lambda padded, reps, x: jnp.tile(x.reshape(padded), reps))


def repeat(self, *repeats):
    """Tile the tensor `repeats` times along each dim (Tensor.repeat)."""
    reps = ints(repeats, "repeat", "repeats")
    sh = self._a.shape
    if len(reps) < len(sh):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    padded = (1,) * (len(reps) - len(sh)) + sh
    shape = [a * b for a, b in zip(padded, reps)]
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {shape}")
    return dispatch(_REPEAT, (self,), (padded, reps))


def tile(input, dims):
    """repeat with dims left-padded by ones (torch.tile)."""
    dims = ints((dims,), "tile", "dims")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _m_tile(self, *dims):
    return tile(self, ints(dims, "tile", "dims"))


_FLIP = _reg("flip", lambda dims, x: jnp.flip(x, dims) if dims else jnp.array(x, copy=True))


def flip(input, dims):
    """Reverse the order of elements along dims (a copy) (torch.flip)."""
    if not isinstance(dims, (list, tuple)):
        dims = (dims,)
    return dispatch(_FLIP, (input,), (canon_dims(tuple(dims), input.ndim),))


def _m_flip(self, *dims):
    return flip(self, ints(dims, "flip", "dims"))


def fliplr(input):
    """Flip dim 1 (torch.fliplr)."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """Flip dim 0 (torch.flipud)."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def _roll_fn(shifts, dims, x):
    if x.size == 0:
        return jnp.array(x, copy=True)
    if dims is None:
        return jnp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
    return jnp.roll(x, shifts, dims)


_ROLL = _reg("roll", _roll_fn)


def roll(input, shifts, dims=None):
    """Rotate elements along dims (flattened when dims is None) (torch.roll)."""
    shifts = ints((shifts,), "roll", "shifts")
    if dims is not None:
        dims = ints((dims,), "roll", "dims")
    nd = 0 if dims is None else len(dims)
    if (dims is None and len(shifts) != 1) or (dims is not None and len(shifts) != nd):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{nd}")
    if dims is not None:
        dims = tuple(canon_dim(d, input.ndim) for d in dims)
    return dispatch(_ROLL, (input,), (shifts, dims))


_ROT90 = _reg("rot90", lambda k, d0, d1, x: jnp.rot90(x, k, (d0, d1)))


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims (torch.rot90)."""
    dims = ints((dims,), "rot90", "dims")
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = canon_dim(dims[0], nd), canon_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return dispatch(_ROT90, (input,), (operator.index(k) % 4, d0, d1))


def _tri(name, jfn):
    def fn(k, x):
        if x.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return jfn(x, k)
    o = _reg(name, fn)

    def public(input, diagonal=0, *, out=None):
        return unwrap_out(dispatch(o, (input,), (operator.index(diagonal),)), out)
    public.__name__ = name
    public.__doc__ = f"Zero the elements {'above' if name == 'tril' else 'below'} the diagonal " \
                     f"(torch.{name})."
    return public


tril = _tri("tril", jnp.tril)
triu = _tri("triu", jnp.triu)


# ---- broadcasting -------------------------------------------------------------------------------

def broadcast_shapes(*shapes):
    """The broadcast of shapes (ints or int sequences) as torch.Size (torch.broadcast_shapes)."""
    shapes = [(s,) if isinstance(s, int) else s for s in shapes if s is not None]
    if not shapes:
        return Size(())
    for s in shapes:
        if not isinstance(s, (tuple, list)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list "
                               f"of ints, got {s}")
    common = [1] * builtins.max(len(s) for s in shapes)
    for k, s in enumerate(shapes):
        for i in range(-1, -1 - len(s), -1):
            if s[i] == common[i]:
                continue
            if common[i] == 1:
                if s[i] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[i] = s[i]
            if s[i] != 1 and common[i] != s[i]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[i]} at {i}! "
                                   f"Mismatching argument at index {k} had {s}; but expected "
                                   f"shape should be broadcastable to {common}")
    return Size(common)


def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape (views) (torch.broadcast_tensors)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        s = t._a.shape
        n = builtins.max(len(shape), len(s))
        a, b = (1,) * (n - len(shape)) + shape, (1,) * (n - len(s)) + s
        for i in range(n):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor "
                                   f"b ({b[i]}) at non-singleton dimension {i}")
        shape = tuple(y if x == 1 else x for x, y in zip(a, b))
    return tuple(V.expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-D/1-D tensors, 'ij' or 'xy' indexing (views) (torch.meshgrid)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    n = len(ts)
    grids = [V.expand(V.view(t, (1,) * i + (-1,) + (1,) * (n - i - 1)), shape)
             for i, t in enumerate(ts)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


METHODS = dict(V.METHODS)
METHODS.update({n: globals()[n] for n in ("fliplr", "flipud", "roll", "rot90", "tril", "triu",
                                          "chunk", "unbind", "tensor_split", "hsplit", "vsplit",
                                          "dsplit")})
METHODS.update({"split": _m_split, "split_with_sizes": split_with_sizes, "repeat": repeat,
                "tile": _m_tile, "flip": _m_flip, "broadcast_to": V.broadcast_to,
                "tril_": make_inplace(tril, "tril_"), "triu_": make_inplace(triu, "triu_")})
