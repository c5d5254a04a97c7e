"""dtype/device conversion and copying: to, type, float/double/..., clone, copy_, fill_, zero_."""
import builtins

import jax
import jax.numpy as jnp

from .. import _dtype as D
from .. import _device as DEV
from .._tensor import Tensor
from ._common import inplace_from
from .pointwise import _to
from .registry import OPS, Op, dispatch

__all__ = ["clone"]


def _parse_to(args, kwargs):
    """Decode torch's Tensor.to overloads into (device, dtype, copy)."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, DEV.device, int)) and not isinstance(a, bool):
            device = a
        elif isinstance(a, bool):
            pass  # non_blocking / copy positional flags
        elif a is not None:
            dtype = D.to_dtype(a)
    return device, dtype, copy


_DEVICE_COPY = Op("_to_device", lambda x: x, grad_name="ToCopyBackward0")
OPS["_to_device"] = _DEVICE_COPY


def to(self, *args, **kwargs):
    """Move/cast: to(dtype), to(device), to(device, dtype), to(other); self if unchanged."""
    device, dtype, copy = _parse_to(args, kwargs)
    out = self
    if dtype is not None:
        dtype = D.to_dtype(dtype)
        if dtype is not self.dtype:
            out = _to(self, dtype)
    if device is not None:
        jd = DEV.to_jax_device(device)
        cur = next(iter(out._arr().devices()), None)
        if cur != jd:
            moved = dispatch(_DEVICE_COPY, (out,))
            moved._a = jax.device_put(moved._a, jd)
            out = moved
    if copy and out is self:
        out = clone(self)
    return out


def cuda(self, device=None, non_blocking=False, memory_format=None):
    """This tensor on a CUDA (JAX GPU) device; torch's errors without one."""
    d = DEV.device("cuda") if device is None else DEV.device(device)  # int: torch.device(int)
    if d.type != "cuda":
        raise RuntimeError("Invalid device, must be cuda device")
    return to(self, d)


def _caster(dtype):
    def cast(self, memory_format=None):
        return _to(self, dtype) if self.dtype is not dtype else self
    cast.__doc__ = f"self.to({dtype})."
    return cast


_CASTS = {"float": D.float32, "double": D.float64, "half": D.float16, "bfloat16": D.bfloat16,
          "long": D.int64, "int": D.int32, "short": D.int16, "char": D.int8, "byte": D.uint8,
          "bool": D.bool, "cfloat": D.complex64, "cdouble": D.complex128}

_TYPE_NAMES = {D.float32: "torch.FloatTensor", D.float64: "torch.DoubleTensor",
               D.float16: "torch.HalfTensor", D.bfloat16: "torch.BFloat16Tensor",
               D.int64: "torch.LongTensor", D.int32: "torch.IntTensor",
               D.int16: "torch.ShortTensor", D.int8: "torch.CharTensor",
               D.uint8: "torch.ByteTensor", D.bool: "torch.BoolTensor",
               D.complex64: "torch.ComplexFloatTensor", D.complex128: "torch.ComplexDoubleTensor",
               **{d: f"torch.{D._SCALAR_NAMES[d._name]}Tensor" for d in D.FLOAT8}}
_BY_TYPE_NAME = {v: k for k, v in _TYPE_NAMES.items()}


def type(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument the type string ('torch.FloatTensor'), else a cast."""
    if dtype is None:
        name = _TYPE_NAMES[self.dtype]
        return name if self.device.type == "cpu" else name.replace("torch.", "torch.cuda.")
    if isinstance(dtype, str):
        key = dtype.replace("torch.cuda.", "torch.")
        if key not in _BY_TYPE_NAME:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _BY_TYPE_NAME[key]
    return to(self, dtype)


def type_as(self, other):
    """self cast to other's dtype (Tensor.type_as: self.type(other.type()))."""
    return type(self, type(other))


_CLONE = Op("clone", lambda x: x + jnp.zeros((), x.dtype) if x.dtype != jnp.bool_ else x | False,
            grad_name="CloneBackward0")
OPS["clone"] = _CLONE


def clone(input, *, memory_format=None):
    """A copy of input (recorded in autograd as CloneBackward0)."""
    return dispatch(_CLONE, (input,))


def _copy_fn(dst, src):
    from .pointwise import _bshape, _to_fn
    _bshape(dst, src)  # NOTE: torch's "size of tensor a (dst) must match ... b (src)" error
    shape = jnp.broadcast_shapes(dst.shape, src.shape)
    if shape != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    return _to_fn(dst.dtype, jnp.broadcast_to(src, dst.shape))


_COPY = Op("copy_", _copy_fn, grad_name="CopyBackward0")
OPS["copy_"] = _COPY


def copy_(self, src, non_blocking=False):
    """Copy src's values into self (broadcast, cast to self's dtype and device)."""
    if not isinstance(src, (Tensor, builtins.bool, builtins.int, builtins.float,
                            builtins.complex)):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{builtins.type(src).__name__}")
    if isinstance(src, Tensor) and src.device != self.device:
        src = to(src, self.device)
    r = dispatch(_COPY, (self, src))
    return inplace_from(self, r)


_FILL = Op("fill_", lambda x, v: jnp.full(x.shape, v, x.dtype), grad_name="FillBackward0")
OPS["fill_"] = _FILL


def fill_(self, value):
    """Fill self with a number or 0-d tensor."""
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
    else:
        from .creation import _check_fill
        _check_fill(value, self.dtype)  # NOTE: torch's overflow check for the fill value
    return inplace_from(self, dispatch(_FILL, (self, value)))


def zero_(self):
    """Fill self with zeros."""
    return fill_(self, 0)


def _bind():
    Tensor.to = to
    Tensor.cuda = cuda
    Tensor.type = type
    Tensor.type_as = type_as
    Tensor.clone = clone
    Tensor.copy_ = copy_
    Tensor.fill_ = fill_
    Tensor.zero_ = zero_
    for name, d in _CASTS.items():
        setattr(Tensor, name, _caster(d))


_bind()
