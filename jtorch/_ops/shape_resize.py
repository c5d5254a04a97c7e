"""Storage-shaped tensor methods: resize_/resize_as_ and the empty_permuted/new_empty_strided
factories (uninitialised in torch; zeros here)."""
import builtins

import jax.numpy as jnp

from .. import _view
from ._shape_views import ints
from .registry import Op, OPS, dispatch
from ._common import exporter
from ._creation_fill import check_layout

TORCH_NAMES = []
_torch = exporter(TORCH_NAMES)
METHODS = {}


# ---- resize_ ----------------------------------------------------------------------------------

def _resize_fn(offset, shape, x):
    # NOTE: the first numel elements (row-major) survive, as in torch. New elements are zeros:
    # uninitialised memory in torch, or, after an earlier shrink, the old values torch's
    # larger storage still holds (jtorch's storage is the tensor's own array: a shrink drops
    # the tail).
    n = 1
    for s in shape:
        n *= s
    flat = x.reshape(-1)[offset:]
    if n <= flat.size:
        return flat[:n].reshape(shape)
    return jnp.concatenate([flat, jnp.zeros(n - flat.size, x.dtype)]).reshape(shape)


_RESIZE = Op("resize_", _resize_fn, differentiable=False)
OPS["resize_"] = _RESIZE


def _parse_resize(size):
    size = ints(size, "resize_")
    if builtins.any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{builtins.min(size)}: {list(size)}")
    return size


def resize_(self, *sizes, memory_format=None):
    """Resize self in place to `sizes` (contiguous), keeping the leading storage elements
    (Tensor.resize_)."""
    size = _parse_resize(sizes)
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if tuple(self.shape) == size:
        return self
    n = 1
    for s in size:
        n *= s
    base = self._base
    if base is not None:
        strides = _view.contiguous_strides(size)
        off = self._st[1]
        if off + n <= base._a.size:
            # NOTE: still fits the shared storage: self stays a view of it, re-laid out
            # contiguously at its storage offset (as torch does).
            self._a = _view.read(base._a, size, strides, off)
            self._st = (strides, off)
            self._seen = base._ver
            return self
        # NOTE: torch would grow the shared storage; JAX arrays can't, so self gets its own
        # storage holding the values from its offset on (it no longer aliases the base).
        self._a = dispatch(_RESIZE, (base,), (off, size))._a
        self._base = None
        self._st = None
        self._ver += 1
        return self
    self._a = dispatch(_RESIZE, (self,), (0, size))._a
    self._ver += 1
    return self


@_torch
def resize_as_(input, the_template, *, memory_format=None):
    """Resize input in place to the_template's shape (torch.resize_as_)."""
    return resize_(input, tuple(the_template.shape))


METHODS.update(resize_=resize_, resize_as_=resize_as_)


# ---- empty_permuted / new_empty_strided -------------------------------------------------------

@_torch
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """An uninitialised tensor of `size` whose dims lie in memory in the order physical_layout
    (outermost first) (torch.empty_permuted)."""
    check_layout(layout, "empty_permuted")
    size = ints((size,), "empty_permuted")
    perm = ints((physical_layout,), "empty_permuted", "physical_layout")
    if len(size) != len(perm):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(size)} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    seen = set()
    for k, p in enumerate(perm):
        if not 0 <= p < len(size):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and "
                               f"{len(size) - 1}, but got {p} at index {k}).  NB: negative dims "
                               f"not currently supported; file an issue if you want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    from .creation import empty
    from ._shape_views import permute
    phys = empty([size[p] for p in perm], dtype=dtype, device=device)
    inv = [0] * len(perm)
    for k, p in enumerate(perm):
        inv[p] = k
    # NOTE: a permuted view of the physical buffer carries torch's strides for this layout.
    out = permute(phys, inv) if perm != tuple(range(len(perm))) else phys
    if requires_grad:
        out.requires_grad_(True)
    return out


def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None,
                      requires_grad=False, pin_memory=False):
    """An uninitialised tensor of size/stride with self's dtype and device unless given
    (Tensor.new_empty_strided)."""
    check_layout(layout, "new_empty_strided")
    size = ints((size,), "new_empty_strided")
    stride = ints((stride,), "new_empty_strided", "stride")
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")
    from .creation import empty_strided
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=self.device if device is None else device,
                         requires_grad=requires_grad)


METHODS.update(new_empty_strided=new_empty_strided)
