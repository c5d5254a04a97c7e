"""torch.autograd.forward_ad: dual levels, make_dual and unpack_dual (forward-mode AD)."""
from typing import NamedTuple, Optional

from .._ops.registry import dispatch
from ._forward_ad_impl import activate, deactivate, identity_op, set_tangent, tangent_of
from .grad_mode import _DecoratorContextManager

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]

# NOTE: as in torch, one level at a time (nesting raises) and the level is process-global.
_current_level = -1

# NOTE: make_dual's result is backward-differentiable w.r.t. the primal (grad_fn named as in
# torch); unpack_dual's primal likewise. Both are fresh tensors sharing the primal's (immutable)
# array; torch makes make_dual's result a view of its input, so there an in-place write into it
# also changes the input.
_MAKE_DUAL = identity_op("_make_dual", "ViewBackward0")
_FW_PRIMAL = identity_op("_fw_primal", "torch::autograd::Identity")


def enter_dual_level():
    """Enter a new forward grad level; returns it (0: torch supports one level at a time)."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    return 0


def exit_dual_level(*, level=None):
    """Exit the current forward grad level, deleting all tangents made at it."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    deactivate()
    _current_level = level - 1


def _sizes(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


def make_dual(tensor, tangent, *, level=None):
    """A new tensor with tensor's values and `tangent` as its forward gradient (a dual tensor)."""
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if level != _current_level:
        raise RuntimeError("Invalid level given to _make_dual")
    if tangent_of(tensor) is not None:
        raise RuntimeError(f"Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {level} is not supported.")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {_sizes(tensor.shape)} while the given forward gradient is of "
                           f"size {_sizes(tangent.shape)}.")
    out = dispatch(_MAKE_DUAL, (tensor,), (), True)
    if tangent._base is not None:
        # NOTE: torch keeps the tangent as-is when its layout matches the primal's, else copies
        # it; a view tangent is copied here so every root's tangent is a root (views of the
        # dual then get views of it as tangents).
        tangent = tangent.clone()
    activate()
    set_tangent(out, tangent)
    return out


class UnpackedDualTensor(NamedTuple):
    """Namedtuple returned by unpack_dual: the primal and tangent of a dual tensor."""

    primal: object
    tangent: Optional[object]


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of a dual tensor: a non-dual alias of its values and its tangent."""
    if level is None:
        level = _current_level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    if level != _current_level:
        raise RuntimeError("Invalid level given to _fw_primal")
    # NOTE: dispatched directly: the primal must not pick up the tangent through forward AD.
    primal = dispatch(_FW_PRIMAL, (tensor,), (), True)
    return UnpackedDualTensor(primal, tangent_of(tensor))


class dual_level(_DecoratorContextManager):
    """Context manager (and decorator) entering a forward AD level for its block."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type, exc_value, traceback):
        exit_dual_level()
