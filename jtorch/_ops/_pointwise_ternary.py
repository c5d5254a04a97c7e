"""Ternary pointwise ops and friends: where, clamp, lerp, addcmul/addcdiv, nan_to_num, logit."""
import jax.numpy as jnp

from .. import _dtype as D
from ._common import torch_name, unwrap_out
from . import _kinks as K
from ._pointwise_base import _bshape, _dt, _nie
from ._pointwise_unary import bitwise_not
from .registry import dispatch, promote, to_float
from .registry import register as _reg

__all__ = []


# ---- ternary and friends ----------------------------------------------------------------

def _where_fn(c, a, b):
    _bshape(c, a)
    _bshape(c, b)
    _bshape(a, b)
    if c.dtype != jnp.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {torch_name(_dt(c))}")
    (a, b), _ = promote(a, b)
    return jnp.where(c, a, b)


_WHERE = _reg("where", _where_fn)


def where(condition, input=None, other=None, *, out=None):
    """Elementwise select: input where condition else other (torch.where)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return unwrap_out(dispatch(_WHERE, (condition, input, other)), out)


def _invert(self):
    """~x: torch's TypeError for floating/complex tensors."""
    if self.dtype._cat >= 2:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)


def _where_method(self, condition, other):
    """Tensor.where(condition, other) == torch.where(condition, self, other)."""
    return where(condition, self, other)


def _clamp_fn(has_min, has_max, x, lo, hi):
    scalar = any(getattr(v, "weak_type", False) for v, h in ((lo, has_min), (hi, has_max)) if h)
    (x, lo, hi), rt = promote(x, lo if has_min else None, hi if has_max else None)
    if rt._cat == 3:
        raise NotImplementedError("clamp is not supported for complex types")
    if rt is D.bool:
        # NOTE: torch has bool kernels only for clamp_min / clamp_max with a tensor bound.
        if has_min and has_max:
            raise _nie("clamp_scalar_cpu" if scalar else "clamp_cpu")(rt)
        if scalar:
            raise _nie("clamp_min_scalar_cpu" if has_min else "clamp_max_scalar_cpu")(rt)
        return jnp.logical_or(x, lo) if has_min else jnp.logical_and(x, hi)
    # NOTE: torch: min(max(x, lo), hi), NaN in x propagates, gradient flows where lo<=x<=hi.
    if has_min:
        x = jnp.where(x < lo, lo, x) if _dt(x)._cat < 2 else jnp.where((x < lo) | jnp.isnan(lo), lo, x)
    if has_max:
        x = jnp.where(x > hi, hi, x) if _dt(x)._cat < 2 else jnp.where((x > hi) | jnp.isnan(hi), hi, x)
    return x


_CLAMP = _reg("clamp", _clamp_fn)


def clamp(input, min=None, max=None, *, out=None):
    """Clamp into [min, max]; bounds may be numbers or tensors (torch.clamp)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    r = dispatch(_CLAMP, (input, min, max), (min is not None, max is not None))
    return r if out is None else unwrap_out(r, out)


def clamp_min(input, min):
    """Clamp from below (torch.clamp_min)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """Clamp from above (torch.clamp_max)."""
    return clamp(input, max=max)


clip = clamp
__all__ += ["where", "clamp", "clip", "clamp_min", "clamp_max"]


def _lerp_fn(a, b, w):
    (a, b), rt = promote(a, b)
    if rt._cat < 2:
        raise _nie("lerp_kernel_scalar" if getattr(w, "weak_type", False)
                   else "lerp_kernel_tensor")(rt)
    w = w.astype(rt._np)
    # NOTE: torch's lerp formula, chosen for exactness at both ends.
    return jnp.where(jnp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


_LERP = _reg("lerp", _lerp_fn)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input) (torch.lerp)."""
    return unwrap_out(dispatch(_LERP, (input, end, weight)), out)


def _addcmul_fn(a, t1, t2, v):
    (a, t1, t2), rt = promote(a, t1, t2)
    if rt is D.bool:
        raise _nie("addcmul_cpu_out")(rt)
    return a + v.astype(rt._np) * t1 * t2


def _addcdiv_fn(a, t1, t2, v):
    (a, t1, t2), rt = promote(a, t1, t2)
    if rt._cat < 2:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                           "release addcdiv will perform a true division of tensor1 and tensor2. "
                           "The historic addcdiv behavior can be implemented as (input + value * "
                           "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs "
                           "and as (input + value * tensor1 / tensor2) for float inputs. The "
                           "future addcdiv behavior is just the latter implementation: (input + "
                           "value * tensor1 / tensor2), for all dtypes.")
    return a + v.astype(rt._np) * (t1 / t2)


_ADDCMUL = _reg("addcmul", _addcmul_fn)
_ADDCDIV = _reg("addcdiv", _addcdiv_fn)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (torch.addcmul)."""
    return unwrap_out(dispatch(_ADDCMUL, (input, tensor1, tensor2, value)), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (torch.addcdiv)."""
    return unwrap_out(dispatch(_ADDCDIV, (input, tensor1, tensor2, value)), out)


__all__ += ["lerp", "addcmul", "addcdiv"]


def _nan_to_num_fn(nan, posinf, neginf, x):
    if _dt(x)._cat < 2:
        return x
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_NAN_TO_NUM = _reg("nan_to_num", _nan_to_num_fn, grad_name="NanToNumBackward0")


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN/inf with finite numbers (torch.nan_to_num)."""
    return unwrap_out(dispatch(_NAN_TO_NUM, (input,), (nan, posinf, neginf)), out)


def _logit_fn(eps, x):
    if x.dtype.kind == "c":
        raise _nie("logit_cpu")(_dt(x))
    return K.logit(eps, to_float(x))


_LOGIT = _reg("logit", _logit_fn)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with optional clamping to [eps, 1 - eps] (torch.logit)."""
    return unwrap_out(dispatch(_LOGIT, (input,), (eps,)), out)


__all__ += ["nan_to_num", "logit"]
