"""Reshaping views: view/view_as/view(dtype), reshape, flatten/unflatten, ravel; contiguous."""
import numpy as np
from jax import lax

from .. import _dtype as D
from .. import _view
from ._common import canon_dim, torch_name
from ._views_base import ints, layout, mkview
from .registry import dispatch
from .registry import register as _reg


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


# ---- contiguous -------------------------------------------------------------------------

def contiguous(self, memory_format=None):
    """self if contiguous, else a contiguous copy (Tensor.contiguous)."""
    if self._base is None or _view.is_contiguous(self._a.shape, self._st[0]):
        return self
    from .convert import clone
    return clone(self)

