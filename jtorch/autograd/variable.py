"""torch.autograd.variable: the legacy Variable wrapper (every Tensor is a Variable)."""
import warnings

from .._tensor import Tensor

__all__ = ["VariableMeta", "Variable"]


class VariableMeta(type):
    """Metaclass making isinstance(t, Variable) true for every Tensor, as in torch."""

    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


_ARGS = ("data", "requires_grad", "volatile", "_grad_fn", "name")


class Variable(metaclass=VariableMeta):
    """Legacy constructor: Variable(data, requires_grad=False) returns a Tensor."""

    def __new__(cls, *args, **kwargs):
        if len(args) > len(_ARGS):
            raise TypeError(f"function takes at most {len(_ARGS)} arguments ({len(args)} given)")
        for k in kwargs:
            if k not in _ARGS:
                raise TypeError(f"'{k}' is an invalid keyword argument for this function")
        bound = dict(zip(_ARGS, args), **kwargs)
        data = bound.get("data")
        if bound.get("volatile"):
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():`"
                          " instead.", stacklevel=2)
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        elif not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        # NOTE: torch returns a new Tensor sharing data with `data`, detached from its graph
        # (torch's _LegacyVariableBase: data.detach() with requires_grad set).
        out = data.detach()
        if bound.get("requires_grad"):
            if not (data.is_floating_point() or data.is_complex()):
                raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                                   "gradients")
            out.requires_grad_(True)
        return out
