"""View ops: results share their input's storage, with the strides/offset torch would give.

(The multi-output views -- split, chunk, unbind, tensor_split -- live in shape.py.)

Each op computes its array with one registered op through `dispatch`, then `make_view` marks the
result as a view of the input's root with torch's layout (computed here in Python from
`input.stride()` / `input.storage_offset()`), so writes through it land in the base.
"""
import builtins
import functools
import operator
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .. import _view
from .._tensor import make_view
from ._common import canon_dim, torch_name
from .registry import dispatch
from .registry import register as _reg

__all__ = ["reshape", "flatten", "unflatten", "ravel", "permute", "transpose", "swapaxes",
           "swapdims", "t", "adjoint", "movedim", "moveaxis", "squeeze", "unsqueeze", "narrow",
           "select", "diagonal", "as_strided", "broadcast_to"]


def layout(t):
    """(strides, storage_offset) of t in its root's storage."""
    if t._base is None:
        return _view.contiguous_strides(t._a.shape), 0
    return t._st


def mkview(o, t, statics, strides, offset):
    """Dispatch view op `o` on t and mark the result as a view with the given layout."""
    return make_view(dispatch(o, (t,), statics), t, tuple(strides), offset)


def ints(args, fname="view", argname="size"):
    """torch's int-list argument forms: f(2, 3), f((2, 3)), f([2, 3]), f(torch.Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for i, a in enumerate(args):
        try:
            if isinstance(a, builtins.bool):
                raise TypeError
            out.append(operator.index(a))
        except TypeError:
            raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of ints, "
                            f"but found element of type {type(a).__name__} at pos {i}") from None
    return tuple(out)


def type_name(t):
    """torch's legacy type name of a tensor ('torch.FloatTensor')."""
    return f"torch.{torch_name(t.dtype)}Tensor"


# ---- reshaping views ----------------------------------------------------------------------

def _reshape_fn(shape, x):
    return x.reshape(shape)


_VIEW = _reg("view", _reshape_fn, grad_name="ViewBackward0")
_RESHAPE_COPY = _reg("_reshape_copy", _reshape_fn, grad_name="UnsafeViewBackward0")
_SQUEEZE = [_reg(f"squeeze{i}", _reshape_fn, grad_name=f"SqueezeBackward{i}") for i in range(3)]
_UNSQUEEZE = _reg("unsqueeze", _reshape_fn, grad_name="UnsqueezeBackward0")


def infer_size(shape, numel):
    """Resolve one -1 in shape against numel, with torch's errors."""
    newsize, infer = 1, None
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            newsize *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if numel == newsize or (infer is not None and newsize > 0 and numel % newsize == 0):
        if infer is not None:
            if newsize == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                                   "because the unspecified dimension size -1 can be any value "
                                   "and is ambiguous")
            shape = shape[:infer] + (numel // newsize,) + shape[infer + 1:]
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def view(self, *shape):
    """A view with a new shape (one dim may be -1); torch's error when strides forbid it."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    shape = infer_size(ints(shape), self._a.size)
    st, off = layout(self)
    ns = _view.view_strides(self._a.shape, st, shape)
    if ns is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return mkview(_VIEW, self, (shape,), ns, off)


def view_as(self, other):
    """self.view(other.size())."""
    return view(self, other.shape)


def _bitcast_fn(np_dtype, x):
    src, dst = x.dtype.itemsize, np.dtype(np_dtype).itemsize
    if src == dst:
        return lax.bitcast_convert_type(x, np_dtype)
    if src > dst:
        y = lax.bitcast_convert_type(x, np_dtype)
        return y.reshape(x.shape[:-1] + (x.shape[-1] * (src // dst),))
    y = x.reshape(x.shape[:-1] + (x.shape[-1] // (dst // src), dst // src))
    return lax.bitcast_convert_type(y, np_dtype)


_BITCAST = _reg("view_dtype", _bitcast_fn, differentiable=False, grad_name="ViewBackward0")


def _view_dtype(self, dtype):
    # NOTE: torch returns a storage-sharing view; JAX arrays cannot alias across dtypes, so this
    # is a fresh tensor with the reinterpreted bits (writes do not propagate).
    src, dst = self.element_size(), dtype.itemsize
    if src != dst:
        if self.ndim == 0:
            raise RuntimeError("self.dim() cannot be 0 to view " + torch_name(self.dtype) +
                               " as " + torch_name(dtype) + " (different element sizes)")
        if src < dst and self.shape[-1] % (dst // src):
            raise RuntimeError(f"self.size(-1) must be divisible by {dst // src} to view "
                               f"{torch_name(self.dtype)} as {torch_name(dtype)} (different "
                               "element sizes), but got " + str(self.shape[-1]))
    return dispatch(_BITCAST, (self,), (dtype._np,))


def reshape(input, shape):
    """A view when strides allow (like view), else a contiguous copy (torch.reshape)."""
    shape = infer_size(ints((shape,), "reshape", "shape"), input._a.size)
    st, off = layout(input)
    ns = _view.view_strides(input._a.shape, st, shape)
    if ns is None:
        return dispatch(_RESHAPE_COPY, (input,), (shape,))
    return mkview(_VIEW, input, (shape,), ns, off)


def _m_reshape(self, *shape):
    return reshape(self, ints(shape, "reshape", "shape"))


def reshape_as(self, other):
    """self.reshape(other.size())."""
    return reshape(self, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a view when possible) (torch.flatten)."""
    sh = input._a.shape
    if len(sh) == 0:
        return reshape(input, (1,))
    s, e = canon_dim(start_dim, len(sh)), canon_dim(end_dim, len(sh))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input  # NOTE: torch returns the input itself here
    n = 1
    for k in sh[s:e + 1]:
        n *= k
    return reshape(input, sh[:s] + (n,) + sh[e + 1:])


def ravel(input):
    """contiguous() viewed as 1-D (torch.ravel)."""
    return view(contiguous(input), -1)


def unflatten(input, dim, sizes):
    """Split dim into `sizes` (one may be -1) (torch.unflatten)."""
    sizes = ints((sizes,), "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    sh = input._a.shape
    d = canon_dim(dim, len(sh))
    n = 1
    for s in sizes:
        n *= s
    if -1 not in sizes and n != sh[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({sh[d]}) in the input tensor")
    sizes = infer_size(sizes, sh[d])
    return view(input, sh[:d] + sizes + sh[d + 1:])


# ---- dim-reordering views --------------------------------------------------------------------

_PERMUTE = _reg("permute", lambda dims, x: jnp.transpose(x, dims), grad_name="PermuteBackward0")
_TRANSPOSE = _reg("transpose", lambda d0, d1, x: jnp.swapaxes(x, d0, d1) if x.ndim else x,
                  grad_name="TransposeBackward0")
_T = _reg("t", lambda x: x.T, grad_name="TBackward0")


def permute(input, dims):
    """Reorder dims (a view) (torch.permute)."""
    dims = ints((dims,), "permute", "dims")
    nd = input._a.ndim
    if len(dims) != nd:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not "
                           "match the length of the desired ordering of dimensions i.e. input.dim"
                           f"() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(canon_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    st, off = layout(input)
    return mkview(_PERMUTE, input, (dims,), [st[d] for d in dims], off)


def _m_permute(self, *dims):
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    return permute(self, ints(dims, "permute", "dims"))


def transpose(input, dim0, dim1):
    """Swap two dims (a view) (torch.transpose)."""
    nd = input._a.ndim
    d0, d1 = canon_dim(dim0, nd), canon_dim(dim1, nd)
    st, off = layout(input)
    st = list(st)
    if nd:
        st[d0], st[d1] = st[d1], st[d0]
    return mkview(_TRANSPOSE, input, (d0, d1), st, off)


swapaxes = swapdims = transpose


def t(input):
    """Transpose a <= 2-D tensor (torch.t)."""
    nd = input._a.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    st, off = layout(input)
    return mkview(_T, input, (), st[::-1], off)


def adjoint(input):
    """Conjugate transpose of the last two dims (torch.adjoint)."""
    return _mH(input, "adjoint()")


def _T_prop(self):
    nd = self._a.ndim
    if nd == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    elif nd > 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return permute(self, tuple(range(nd - 1, -1, -1)))


def _mT(self, what="tensor.mT"):
    if self._a.ndim < 2:
        raise RuntimeError(f"{what} is only supported on matrices or batches of matrices. Got "
                           f"{self._a.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _mH(self, what="tensor.mH"):
    r = _mT(self, what)
    if self.dtype._cat == 3:
        # NOTE: torch's conj is a lazy view; here the conjugate is a fresh tensor.
        return dispatch(_CONJ, (r,))
    return r


_CONJ = _reg("_conj_mH", jnp.conj, grad_name="ConjBackward0")


def _H(self):
    nd = self._a.ndim
    if nd == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return self
    if nd != 2:
        extra = " For batches of matrices, consider using tensor.mH" if nd > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D "
                           f"tensor.{extra}")
    return _mH(self)


def movedim(input, source, destination):
    """Move dims `source` to positions `destination` (a permute view) (torch.movedim)."""
    src = list(source) if isinstance(source, (tuple, list)) else [source]
    dst = list(destination) if isinstance(destination, (tuple, list)) else [destination]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    nd = input._a.ndim
    cs = [canon_dim(d, nd) for d in src]
    cd = [canon_dim(d, nd) for d in dst]
    if len(set(cs)) != len(cs):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(cd)) != len(cd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    perm = [-1] * nd
    for s, d in zip(cs, cd):
        perm[d] = s
    rest = iter(d for d in range(nd) if d not in cs)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return permute(input, tuple(perm))


moveaxis = movedim


# ---- squeeze / unsqueeze / expand -----------------------------------------------------------

def squeeze(input, dim=None):
    """Drop size-1 dims (all, one, or a tuple of them) (torch.squeeze)."""
    sh = input._a.shape
    st, off = layout(input)
    if dim is None:
        kind, drop = 0, {d for d, n in enumerate(sh) if n == 1}
    elif isinstance(dim, (tuple, list)):
        from ._common import canon_dims
        kind, drop = 2, {d for d in canon_dims(tuple(dim), len(sh)) if len(sh) and sh[d] == 1}
    else:
        d = canon_dim(dim, len(sh))
        kind, drop = 1, ({d} if len(sh) and sh[d] == 1 else set())
    keep = [d for d in range(len(sh)) if d not in drop]
    shape = tuple(sh[d] for d in keep)
    return mkview(_SQUEEZE[kind], input, (shape,), [st[d] for d in keep], off)


def unsqueeze(input, dim):
    """Insert a size-1 dim at `dim` (torch.unsqueeze)."""
    sh = input._a.shape
    d = canon_dim(dim, len(sh) + 1)
    st, off = layout(input)
    ns = 1 if d >= len(sh) else sh[d] * st[d]  # NOTE: torch's inferUnsqueezeGeometry
    return mkview(_UNSQUEEZE, input, (sh[:d] + (1,) + sh[d:],),
                  st[:d] + (ns,) + st[d:], off)


_EXPAND = _reg("expand", lambda shape, x: jnp.broadcast_to(x, shape), grad_name="ExpandBackward0")


def expand(self, *sizes):
    """Broadcast size-1 dims to `sizes` (-1 keeps a dim) as a stride-0 view (Tensor.expand)."""
    sizes = ints(sizes, "expand")
    sh = self._a.shape
    st, off = layout(self)
    n, nd = len(sizes), len(sh)
    if n < nd:
        raise RuntimeError(f"expand({type_name(self)}{{{list(sh)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({n}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({nd})")
    out_sh, out_st = [0] * n, [0] * n
    for i in range(n - 1, -1, -1):
        d = nd - n + i
        size = sh[d] if d >= 0 else 1
        stride = st[d] if d >= 0 else (out_sh[i + 1] * out_st[i + 1] if i + 1 < n else 1)
        target = sizes[i]
        if target == -1:
            if d < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target = size
        if target < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {target}: "
                               f"{list(sizes)}")
        if size != target:
            if size != 1:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                                   f"existing size ({size}) at non-singleton dimension {i}.  "
                                   f"Target sizes: {list(sizes)}.  Tensor sizes: {list(sh)}")
            size, stride = target, 0
        out_sh[i], out_st[i] = size, stride
    return mkview(_EXPAND, self, (tuple(out_sh),), out_st, off)


def expand_as(self, other):
    """self.expand(other.size())."""
    return expand(self, other.shape)


def broadcast_to(input, size):
    """input expanded to `size` (torch.broadcast_to)."""
    return expand(input, ints((size,), "broadcast_to"))


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


# ---- as_strided / contiguous ------------------------------------------------------------

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


def contiguous(self, memory_format=None):
    """self if contiguous, else a contiguous copy (Tensor.contiguous)."""
    if self._base is None or _view.is_contiguous(self._a.shape, self._st[0]):
        return self
    from .convert import clone
    return clone(self)


def _meta_inplace(fn, name):
    def inplace(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        # NOTE: a metadata-only change: same values, new shape (and layout for a view).
        self._a = r._a
        if self._base is not None:
            self._st = r._st
        return self
    inplace.__name__ = name
    inplace.__doc__ = f"In-place version of {fn.__name__}."
    return inplace


METHODS = {n: globals()[n] for n in __all__}
METHODS.update({
    "view": view, "view_as": view_as, "reshape": _m_reshape, "reshape_as": reshape_as,
    "permute": _m_permute, "expand": expand, "expand_as": expand_as, "unfold": unfold,
    "contiguous": contiguous,
    "squeeze_": _meta_inplace(squeeze, "squeeze_"),
    "unsqueeze_": _meta_inplace(unsqueeze, "unsqueeze_"),
    "T": property(_T_prop), "mT": property(_mT), "mH": property(_mH), "H": property(_H),
})
