"""Registry ops for F.linear and F.bilinear (one compiled call each, autograd via jax.vjp)."""
import jax.numpy as jnp
from jax import lax

from ..._ops._common import torch_name
from ..._ops.linalg import _CPP
from ..._ops.registry import OPS, Op, dispatch
from ..._dtype import from_np

__all__ = ["linear", "bilinear"]

_HI = lax.Precision.HIGHEST


def _tn(x):
    return torch_name(from_np(x.dtype))


def _expand_msg(tgt, b):
    """torch's expand error for the bias of addmm (target [N, out])."""
    pad = (1,) * (len(tgt) - b.ndim) + tuple(b.shape)
    for i, (s, t) in enumerate(zip(pad, tgt)):
        if s != t and s != 1:
            return (f"The expanded size of the tensor ({t}) must match the existing size ({s}) at "
                    f"non-singleton dimension {i}.  Target sizes: {list(tgt)}.  Tensor sizes: "
                    f"{list(b.shape)}")
    return None


def _linear_fn(x, w, b):
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    lead = 1
    for s in x.shape[:-1]:
        lead *= s
    # NOTE: torch routes 2-D input with a bias, and any input with a 1-D bias, through addmm
    # on the flattened input (its dtype/expand messages); other cases through mm/matmul + add.
    addmm = b is not None and (x.ndim == 2 or b.ndim == 1)
    if w.ndim == 1:
        if addmm:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        if x.shape[-1] != w.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({lead}), mat ({lead}x{x.shape[-1]}), "
                               f"vec ({w.shape[0]})")
        y = jnp.matmul(x, w, precision=_HI)
        return y if b is None else y + b
    if x.shape[-1] != w.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({lead}x{x.shape[-1]} "
                           f"and {w.shape[1]}x{w.shape[0]})")
    if addmm:
        if b.dtype != w.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {_tn(b)} and "
                               f"{_tn(w)}")
        if x.dtype != w.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_tn(x)} and "
                               f"{_tn(w)}")
        msg = _expand_msg((lead, w.shape[0]), b) if b.ndim <= 2 else None
        if msg:
            raise RuntimeError(msg)
    elif x.dtype != w.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP[from_np(x.dtype)._name]} != {_CPP[from_np(w.dtype)._name]}")
    if x.dtype == jnp.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    y = jnp.matmul(x, w.T, precision=_HI)
    if b is None:
        return y
    if b.dtype != y.dtype:
        raise RuntimeError(f"result type {_tn(b)} can't be cast to the desired output type "
                           f"{_tn(y)}")
    return y + b


def _mk(name, grad_name):
    o = Op(name, _linear_fn, grad_name=grad_name)
    OPS[name] = o
    return o


# NOTE: one op, several grad_fn names: torch's linear decomposes differently by input rank.
_LIN = {
    (2, True): _mk("linear", "AddmmBackward0"),
    (2, False): _mk("linear_mm", "MmBackward0"),
    (1, True): _mk("linear_1d", "ViewBackward0"),
    (1, False): _mk("linear_1d_nobias", "SqueezeBackward4"),
    (3, True): _mk("linear_nd", "ViewBackward0"),
    (3, False): _mk("linear_nd_nobias", "UnsafeViewBackward0"),
}


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias (torch.nn.functional.linear)."""
    nd = input.dim()
    key = (2 if nd == 2 else (1 if nd == 1 else 3), bias is not None)
    return dispatch(_LIN[key], (input, weight, bias))


def _bilinear_fn(x1, x2, w, b):
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    if x1.shape[:-1] != x2.shape[:-1]:
        for i, (p, q) in enumerate(zip(x1.shape[:-1], x2.shape[:-1])):
            if p != q:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {p} "
                                   f"and {q}")
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {w.ndim}")
    if x1.shape[-1] != w.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{x1.shape[-1]} but expected {w.shape[1]}")
    if x2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{x2.shape[-1]} but expected {w.shape[2]}")
    if b is not None and (b.ndim != 1 or b.shape[0] != w.shape[0]):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{b.shape[-1] if b.ndim else 1} but expected {w.shape[0]}")
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2, precision=_HI)
    return y if b is None else y + b


_BIL = Op("bilinear", _bilinear_fn, grad_name="ViewBackward0")
OPS["bilinear"] = _BIL


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b (torch.nn.functional.bilinear)."""
    return dispatch(_BIL, (input1, input2, weight, bias))
