"""place/parse_size and the filled factories: zeros/ones/empty/full (+_like), eye."""
import builtins
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _device as DEV
from .. import _float8
from .._tensor import Tensor, jagged, layout as _Layout, strided, wrap


def _jdev(device):
    return DEV.default_device() if device is None else DEV.to_jax_device(device)


def place(arr, device=None, requires_grad=False, fresh=False):
    """Wrap a NumPy/JAX array as a leaf Tensor on `device` (torch's default: cpu); `fresh`: a
    NumPy array nobody else holds (else the tensor gets its own copy)."""
    if requires_grad and D.from_np(arr.dtype)._cat < 2:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")  # NOTE: the factories' wording (requires_grad_ differs)
    # NOTE: on the CPU, device_put of a 64-byte-aligned NumPy array aliases its memory (even
    # with may_alias=False, jax 0.10); a later write to that array would change the tensor,
    # whose JAX array must never change. Only a fresh (or read-only) array may be aliased.
    if not fresh and isinstance(arr, np.ndarray) and arr.flags.writeable:
        arr = arr.copy()
    t = wrap(jax.device_put(arr, _jdev(device)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _arg_type_name(v):
    """How torch's argument parser names v's type ('str', 'torch.dtype', 'Tensor')."""
    cls = builtins.type(v)
    if isinstance(v, Tensor):
        return "Tensor"
    return ("torch." if cls.__module__.startswith("jtorch") else "") + cls.__name__


def check_layout(layout, fname):
    """torch's TypeError for a non-layout `layout`; NotImplementedError for a sparse layout,
    which jtorch (dense tensors only) cannot build."""
    if layout is None or layout is strided:
        return
    if not isinstance(layout, _Layout):
        raise TypeError(f"{fname}(): argument 'layout' must be torch.layout, not "
                        f"{_arg_type_name(layout)}")
    if layout is jagged:
        return  # NOTE: torch's factories ignore layout=torch.jagged and return strided tensors
    raise NotImplementedError(f"jtorch: layout torch.{layout._name} is not supported by "
                              f"{fname}() (dense tensors only)")


def parse_size(size, fname="zeros"):
    """Normalise torch's size forms: f(2, 3), f((2, 3)), f([2, 3]), f(torch.Size)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (builtins.int, np.integer)) or isinstance(s, builtins.bool):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {type(s).__name__} at pos {len(out)}")
        out.append(builtins.int(s))
    for s in out:
        if s < 0:
            if fname == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


# NOTE: the C++ type names torch's checked scalar conversion (fill/full) prints.
_CXX_NAMES = {"bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t",
              "int32": "int", "int64": "int64_t", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
              **{d._name: "c10::F" + d._name[1:] for d in D.FLOAT8}}


def _overflows(v, d):
    """c10::overflows: whether Python number v does not fit dtype d (ints may wrap unsigned)."""
    if isinstance(v, (builtins.bool, np.bool_)) or d is D.bool:
        return False
    if isinstance(v, (builtins.complex, np.complexfloating)):
        if d._cat < 3 and v.imag != 0:
            return True
        v = v.real if d._cat < 3 else v
        if d._cat == 3:
            return False
    if d._cat == 1:
        info = np.iinfo(d._np)
        if isinstance(v, (builtins.float, np.floating)):
            return v != v or v < info.min or v > info.max
        v = builtins.int(v)
        if info.min == 0:  # NOTE: negative ints wrap around for unsigned types, as in torch
            return v > info.max or -v > info.max
        return v < info.min or v > info.max
    if d._cat == 2 and isinstance(v, (builtins.float, np.floating, builtins.int, np.integer)):
        v = builtins.float(v)
        return math.isfinite(v) and builtins.abs(v) > float(jnp.finfo(d._np).max)
    return False


def _check_fill(v, d):
    """torch's error for a fill value that does not fit the dtype (full, fill_, scalar_tensor)."""
    if isinstance(v, builtins.int) and not isinstance(v, builtins.bool) and \
            not -(1 << 63) <= v < (1 << 64):
        raise OverflowError("int too big to convert")
    if _overflows(v, d):
        raise RuntimeError(f"value cannot be converted to type {_CXX_NAMES[d._name]} without "
                           f"overflow")


def _creation_dtype(dtype, default=None):
    if dtype is not None:
        return D.to_dtype(dtype)
    return default or D.get_default_dtype()


def _filled(fill, size, dtype, device, requires_grad, layout=None):
    d = _creation_dtype(dtype)
    if d in D.FLOAT8:  # NOTE: torch's float8 rounding (e8m0fnu's 0 is 2**-127, not NaN)
        return place(_float8.encode_host(np.full(size, fill, np.float64), d._np), device,
                     requires_grad)
    return place(np.full(size, fill, dtype=d._np), device, requires_grad, fresh=True)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """A tensor of zeros."""
    check_layout(layout, "zeros")
    return _filled(0, parse_size(size, "zeros"), dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, memory_format=None):
    """A tensor of ones."""
    check_layout(layout, "ones")
    return _filled(1, parse_size(size, "ones"), dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An 'uninitialised' tensor (jtorch fills it with zeros)."""
    check_layout(layout, "empty")
    return _filled(0, parse_size(size, "empty"), dtype, device, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An 'uninitialised' tensor; strides are ignored (jtorch tensors are contiguous)."""
    check_layout(layout, "empty_strided")
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    if isinstance(fill_value, (builtins.bool, np.bool_)):
        return D.bool
    if isinstance(fill_value, (builtins.int, np.integer)):
        return D.int64
    if isinstance(fill_value, (builtins.complex, np.complexfloating)):
        return D.get_default_dtype().to_complex()
    return D.get_default_dtype()


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """A tensor filled with fill_value (dtype inferred from it like torch)."""
    check_layout(layout, "full")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    d = D.to_dtype(dtype) if dtype is not None else _fill_dtype(fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return place(_fill_array(parse_size((size,), "full"), fill_value, d), device, requires_grad)


def _fill_array(size, v, d):
    """np.full with torch's checked conversion of the fill value to dtype d."""
    _check_fill(v, d)
    if isinstance(v, (builtins.complex, np.complexfloating)) and d._cat < 3:
        v = v.real
    if d._cat == 1 and isinstance(v, (builtins.int, np.integer)) and not isinstance(v, builtins.bool):
        v = np.array(builtins.int(v) & 0xFFFFFFFFFFFFFFFF, np.uint64).astype(d._np)  # wraps
    return np.full(size, v, dtype=d._np)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A 0-d tensor holding s (default float dtype)."""
    if isinstance(layout, _Layout):
        layout = None  # NOTE: torch.scalar_tensor ignores a sparse layout (returns strided)
    check_layout(layout, "scalar_tensor")
    return full((), s, dtype=dtype or D.get_default_dtype(), device=device,
                requires_grad=requires_grad)


def _like(input, dtype, device):
    d = input.dtype if dtype is None else D.to_dtype(dtype)
    dev = input.device if device is None else device
    return tuple(input.shape), d, dev


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros with input's shape, dtype and device."""
    check_layout(layout, "zeros_like")
    s, d, dev = _like(input, dtype, device)
    return zeros(s, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with input's shape, dtype and device."""
    check_layout(layout, "ones_like")
    s, d, dev = _like(input, dtype, device)
    return ones(s, dtype=d, device=dev, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An 'uninitialised' tensor (zeros) like input."""
    check_layout(layout, "empty_like")
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """fill_value with input's shape, dtype and device."""
    check_layout(layout, "full_like")
    s, d, dev = _like(input, dtype, device)
    return full(s, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Identity matrix n x m."""
    check_layout(layout, "eye")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else m
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return place(np.eye(n, m, dtype=_creation_dtype(dtype)._np), device, requires_grad)

