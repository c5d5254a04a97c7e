"""Shared by the view ops: a tensor's layout, mkview, int-list arguments, type names."""
import builtins
import operator

from .. import _view
from .._tensor import make_view
from ._common import torch_name
from .registry import dispatch


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

