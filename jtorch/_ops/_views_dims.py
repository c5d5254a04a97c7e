"""Views that reorder, drop, add or broadcast dims: permute/transpose/movedim, squeeze, expand."""
import warnings

import jax.numpy as jnp

from ._common import canon_dim
from ._views_base import ints, layout, mkview, type_name
from ._views_reshape import _SQUEEZE, _UNSQUEEZE
from .registry import dispatch
from .registry import register as _reg


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

