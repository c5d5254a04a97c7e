"""Tensor creation: tensor/as_tensor/from_numpy, zeros/ones/full/empty (+_like), ranges, eye.

The factories live in private modules by job; this module re-exports them and holds the new_*
Tensor methods, the legacy torch.Tensor(...) constructor and the unpickle helper:
  _creation_fill    place/parse_size, zeros/ones/empty/full (+_like), scalar_tensor, eye
  _creation_data    tensor/as_tensor/asarray/from_numpy/frombuffer and torch's dtype inference
  _creation_ranges  arange/range/linspace/logspace
"""
import builtins

import numpy as np

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor
from ._creation_data import as_tensor, asarray, from_numpy, frombuffer, tensor
from ._creation_fill import (
    _check_fill, _jdev, check_layout, empty, empty_like, empty_strided, eye, full, full_like,
    ones, ones_like, parse_size, place, scalar_tensor, zeros, zeros_like,
)
from ._creation_ranges import arange, linspace, logspace, range

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
           "logspace", "eye", "scalar_tensor", "empty_strided", "frombuffer"]

# NOTE: private helpers imported from here by other modules (convert, random, shape_extra,
# nn.init); named once so linters see the re-export used.
_REEXPORTED = (_check_fill, _jdev)


# ---- new_* methods and legacy constructors ------------------------------------------------

def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor with self's dtype/device by default."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _new_filled(fn):
    def method(self, *size, dtype=None, layout=None, device=None, requires_grad=False, **kw):
        check_layout(layout, "new_" + fn.__name__)
        return fn(parse_size(size), dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)
    method.__doc__ = f"{fn.__name__} with self's dtype and device by default."
    return method


new_zeros = _new_filled(zeros)
new_ones = _new_filled(ones)
new_empty = _new_filled(empty)


def new_full(self, size, fill_value, *, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """full() with self's dtype and device by default."""
    check_layout(layout, "new_full")
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _legacy_new(cls, *args, **kwargs):
    """torch.Tensor(...) legacy constructor: Tensor(data) or Tensor(*sizes), float32."""
    device = kwargs.pop("device", None)
    if not args:
        t = zeros(0, device=device)
    elif len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer, Size, Tensor)):
        t = tensor(args[0], dtype=D.get_default_dtype(), device=device)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]
    else:
        t = zeros(parse_size(args), device=device)
    if cls is not Tensor:
        t.__class__ = cls
    return t


def _rebuild_from_numpy(arr, requires_grad):
    """Unpickle helper for Tensor.__reduce_ex__."""
    return place(arr, None, requires_grad)
