"""torch._dynamo's shape markers and graph_break for jtorch.compile.

NOTE: jtorch.compile specializes on every shape unless compiled with dynamic=True (then dim 0
is symbolic); the markers record torch's attributes on the tensor, which jtorch does not read.
"""
from collections import namedtuple

from . import compiled as C

__all__ = ["disable", "mark_dynamic", "maybe_mark_dynamic", "mark_static", "mark_static_address",
           "graph_break"]

_DimRange = namedtuple("_DimRange", ["dim", "min", "max"])


def _indices(index, fn, t, **kw):
    if not isinstance(index, (list, tuple)):
        raise AssertionError(f"Expected index to be int, list, or tuple, got {type(index)}")
    for i in index:
        fn(t, i, **kw)


def mark_dynamic(t, index, *, hint_override=None, min=None, max=None, specialize_on=None):
    """Mark dims of `t` dynamic (recorded as torch does; jtorch does not read the mark)."""
    if not isinstance(index, int):
        return _indices(index, mark_dynamic, t, min=min, max=max, specialize_on=specialize_on)
    if not hasattr(t, "_dynamo_dynamic_indices"):
        t._dynamo_dynamic_indices = set()
        t._dynamo_dynamic_range = set()
        t._dynamo_hint_overrides = {}
    if not hasattr(t, "_specialize_on"):
        t._specialize_on = {}
    if hint_override:
        t._dynamo_hint_overrides[index] = hint_override
    t._dynamo_dynamic_indices.add(index)
    t._dynamo_dynamic_range.add(_DimRange(index, min, max))
    t._has_dynamo_dim_marking = True
    t._specialize_on[index] = specialize_on if specialize_on is not None else []


def maybe_mark_dynamic(t, index):
    """Hint that dims of `t` may be dynamic (recorded; jtorch does not read the mark)."""
    if not isinstance(index, int):
        return _indices(index, maybe_mark_dynamic, t)
    if not hasattr(t, "_dynamo_weak_dynamic_indices"):
        t._dynamo_weak_dynamic_indices = set()
    t._dynamo_weak_dynamic_indices.add(index)


def mark_static(t, index=None):
    """Mark dims of `t` (all with index=None) static, or an nn.Module class static."""
    from .._tensor import Tensor
    from ..nn.modules.module import Module
    if C.is_compiling():
        return None  # NOTE: every traced shape is static already
    if not isinstance(t, Tensor) and isinstance(t, type) and issubclass(t, Module):
        t._dynamo_marked_static = True
        return t
    if not isinstance(t, Tensor):
        raise TypeError(f"mark_static expects a tensor/nn.Module class but received {type(t)}")
    if index is None:
        index = list(range(t.dim()))
    if not isinstance(index, int):
        return _indices(index, mark_static, t)
    if not hasattr(t, "_dynamo_static_indices"):
        t._dynamo_static_indices = set()
    t._dynamo_static_indices.add(index)
    t._has_dynamo_dim_marking = True


def mark_static_address(t, guard=False):
    """Mark `t`'s storage address static (for CUDA graphs); recorded, no effect in jtorch."""
    from .._tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f"mark_static_address expects a tensor but received {type(t)}")
    t._dynamo_static_input_type = "guarded" if guard else "unguarded"


def disable(fn=None, recursive=True, *, reason=None, wrapping=True):
    """torch._dynamo.disable: torch.compiler.disable (`wrapping` is accepted; jtorch always
    returns a wrapper)."""
    from ._compiler_api import disable as _disable
    return _disable(fn, recursive, reason=reason)


def graph_break(msg=""):
    """Force a graph break: jtorch.compile traces the whole function as one program, so this
    does nothing (values are unchanged)."""
    return None
