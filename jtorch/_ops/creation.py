"""Tensor creation: tensor/as_tensor/from_numpy, zeros/ones/full/empty (+_like), ranges, eye."""
import builtins
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _device as DEV
from .._size import Size
from .._tensor import Tensor, wrap

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
           "logspace", "eye", "scalar_tensor", "empty_strided", "frombuffer"]


def _jdev(device):
    return DEV.default_device() if device is None else DEV.to_jax_device(device)


def place(arr, device=None, requires_grad=False):
    """Wrap a NumPy/JAX array as a leaf Tensor on `device` (torch's default: cpu)."""
    if requires_grad and D.from_np(arr.dtype)._cat < 2:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")  # NOTE: the factories' wording (requires_grad_ differs)
    t = wrap(jax.device_put(arr, _jdev(device)))
    if requires_grad:
        t.requires_grad_(True)
    return t


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
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


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


def _infer_dtype_of_list_array(arr):
    """Map NumPy's inference for Python data to torch's (float -> default, complex -> cdefault)."""
    k = arr.dtype.kind
    if k == "b":
        return D.bool
    if k in "iu":
        if arr.dtype == np.uint64:  # NOTE: NumPy's pick for Python ints in [2**63, 2**64)
            raise ValueError("Overflow when unpacking long long")
        return D.int64
    if k == "f":
        return D.get_default_dtype()
    if k == "c":
        return D.get_default_dtype().to_complex()
    if k in "US":
        raise TypeError("new(): invalid data type 'str'")
    raise TypeError(f"new(): invalid data type '{arr.dtype.name}'")


def _to_numpy(data):
    """(numpy array, torch dtype) from Python data / NumPy / Tensors, with torch's inference."""
    if isinstance(data, Tensor):
        return np.asarray(data._arr()), data.dtype
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "biufc" and data.dtype.name != "bfloat16":
            raise TypeError(f"can't convert np.ndarray of type numpy.{data.dtype.type.__name__}. "
                            f"The only supported types are: float64, float32, float16, "
                            f"complex64, complex128, int64, int32, int16, int8, uint64, uint32, "
                            f"uint16, uint8, and bool.")
        return data, D.from_np(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_np(data.dtype)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    tensor_dtype = None
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data, tensor_dtype = _tensors_to_scalars(data)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError):
        _sequence_error(data)
        raise
    if arr.dtype == object:
        _sequence_error(data)
        leaf = _first_bad_leaf(data)
        if isinstance(leaf, builtins.int):
            raise ValueError("Overflow when unpacking long long")
        raise RuntimeError(f"Could not infer dtype of {type(leaf).__name__}")
    inferred = _infer_dtype_of_list_array(arr)
    if arr.dtype.kind == "f" and arr.size and np.max(np.abs(arr), initial=0.0, where=~np.isnan(arr)) >= 2.0 ** 63 and \
            _has_big_int(data):
        raise ValueError("Overflow when unpacking long long")  # NumPy made [1, 2**63] float
    if tensor_dtype is not None:
        # NOTE: torch infers from tensor elements' dtypes and the Python numbers' dtypes
        # together, with promote_types (not the scalar-category rule).
        inferred = D.promote_types(tensor_dtype, inferred) if arr.size else tensor_dtype
    return arr, inferred


def _has_big_int(x):
    if isinstance(x, (list, tuple)):
        return any(_has_big_int(y) for y in x)
    return type(x) is builtins.int and not -(1 << 63) <= x < (1 << 63)


def _has_tensor(seq):
    for x in seq:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)) and _has_tensor(x):
            return True
    return False


def _tensors_to_scalars(seq):
    """Replace tensors inside nested lists by their single values (torch reads them as
    scalars); also returns the promoted dtype of those tensors."""
    dt = [None]

    def conv(x):
        if isinstance(x, Tensor):
            if x.numel() != 1:
                raise TypeError("only integer tensors of a single element can be converted to an "
                                "index")
            dt[0] = x.dtype if dt[0] is None else D.promote_types(dt[0], x.dtype)
            return x.item()
        if isinstance(x, (list, tuple)):
            return [conv(y) for y in x]
        return x
    return conv(seq), dt[0]


def _first_bad_leaf(x):
    """The first leaf NumPy could not turn into a number (for the error message)."""
    if isinstance(x, (list, tuple)):
        for y in x:
            r = _first_bad_leaf(y)
            if r is not None:
                return r
        return None
    if isinstance(x, (builtins.bool, builtins.float, builtins.complex, np.number, np.bool_)):
        return None
    if isinstance(x, builtins.int) and -(1 << 63) <= x < (1 << 63):
        return None
    return x


def _sequence_error(data):
    """Raise torch's error for ragged / mis-nested Python data (sizes follow the first
    element at every depth, as torch's compute_sizes does)."""
    if not isinstance(data, (list, tuple)):
        return
    sizes = []
    seq = data
    while isinstance(seq, (list, tuple)):
        sizes.append(len(seq))
        if not seq:
            break
        seq = seq[0]

    def walk(obj, dim):
        if dim == len(sizes):
            if isinstance(obj, (list, tuple)):
                raise TypeError(f"'{type(obj).__name__}' object cannot be interpreted as an "
                                f"integer")
            return
        if not isinstance(obj, (list, tuple)):
            raise TypeError("not a sequence")
        if len(obj) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got "
                             f"{len(obj)})")
        for x in obj:
            walk(x, dim + 1)
    walk(data, 0)


def _check_python_data(arr, d):
    """torch's overflow check when Python numbers are stored into an integer dtype."""
    if d._cat != 1 or arr.size == 0 or arr.dtype.kind not in "iuf":
        return
    info = np.iinfo(d._np)
    if arr.dtype.kind == "f":
        bad = np.isnan(arr).any() or arr.min() < info.min or arr.max() > info.max
    else:
        lo = -builtins.int(info.max) if info.min == 0 else builtins.int(info.min)
        bad = builtins.int(arr.min()) < lo or builtins.int(arr.max()) > builtins.int(info.max)
    if bad:
        raise RuntimeError(f"value cannot be converted to type {d._name} without overflow")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying `data` (nested lists, numbers, NumPy arrays)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, inferred = _to_numpy(data)
    d = inferred if dtype is None else D.to_dtype(dtype)
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray, np.generic)):
        _check_python_data(arr, d)
    if d is D.bfloat16 or arr.dtype != d._np:
        arr = np.asarray(arr)
        if arr.dtype.kind == "c" and d._cat < 3:
            arr = arr.real
        with np.errstate(over="ignore", invalid="ignore"):  # NOTE: torch: 1e300 -> inf quietly
            arr = arr.astype(d._np)
    return place(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """`data` as a tensor, without a copy when it already is one of that dtype/device."""
    if isinstance(data, Tensor):
        if dtype is not None:
            data = data.to(D.to_dtype(dtype))
        if device is not None:
            data = data.to(device)
        return data
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """torch.asarray: like as_tensor, with `copy` and `requires_grad`."""
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy and t is obj:
        t = t.clone()
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor with the NumPy array's dtype and values."""
    if not isinstance(ndarray, np.ndarray):
        t = type(ndarray)
        name = t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}." \
            f"{t.__name__}"
        raise TypeError(f"expected np.ndarray (got {name})")
    arr, _ = _to_numpy(ndarray)
    return place(arr, None)


def _creation_dtype(dtype, default=None):
    if dtype is not None:
        return D.to_dtype(dtype)
    return default or D.get_default_dtype()


def _filled(fill, size, dtype, device, requires_grad, layout=None):
    d = _creation_dtype(dtype)
    return place(np.full(size, fill, dtype=d._np), device, requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """A tensor of zeros."""
    return _filled(0, parse_size(size, "zeros"), dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, memory_format=None):
    """A tensor of ones."""
    return _filled(1, parse_size(size, "ones"), dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An 'uninitialised' tensor (jtorch fills it with zeros)."""
    return _filled(0, parse_size(size, "empty"), dtype, device, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An 'uninitialised' tensor; strides are ignored (jtorch tensors are contiguous)."""
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


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding s (default float dtype)."""
    return full((), s, dtype=dtype or D.get_default_dtype(), device=device,
                requires_grad=requires_grad)


def _like(input, dtype, device):
    d = input.dtype if dtype is None else D.to_dtype(dtype)
    dev = input.device if device is None else device
    return tuple(input.shape), d, dev


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros with input's shape, dtype and device."""
    s, d, dev = _like(input, dtype, device)
    return zeros(s, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with input's shape, dtype and device."""
    s, d, dev = _like(input, dtype, device)
    return ones(s, dtype=d, device=dev, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An 'uninitialised' tensor (zeros) like input."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """fill_value with input's shape, dtype and device."""
    s, d, dev = _like(input, dtype, device)
    return full(s, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values from start (inclusive) to end (exclusive) by step."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    for v in (start, end, step):
        if not isinstance(v, (builtins.int, builtins.float, np.integer, np.floating)):
            raise TypeError(f"arange() received an invalid combination of arguments - got "
                            f"({type(v).__name__})")
    if dtype is None:
        is_float = any(isinstance(v, (builtins.float, np.floating)) for v in (start, end, step))
        d = D.get_default_dtype() if is_float else D.int64
    else:
        d = D.to_dtype(dtype)
    if d._cat in (0, 3):
        from ._common import torch_name
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{torch_name(d)}'")
    # NOTE: torch converts start/end/step to the accumulate type first (int64 for integer
    # dtypes: truncation; double for float32/64; float for half types) and checks those.
    if d._cat == 1:
        if any(isinstance(v, (builtins.float, np.floating)) and not math.isfinite(v)
               for v in (start, end, step)):
            raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
        xs, xe, xst = (builtins.int(v) for v in (start, end, step))
    else:
        acc = np.float64 if d in (D.float32, D.float64) else np.float32
        xs, xe, xst = (acc(v) for v in (start, end, step))
    if xst == 0:
        if step != 0 and d is D.int64:
            raise ValueError("step must be nonzero")
        if step == 0:
            raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xs) and math.isfinite(xe)):
        raise RuntimeError(f"unsupported range: {xs:g} -> {xe:g}")
    if (xst != 0 and not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs))) or \
            not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if d is D.int64:
        sgn = (xst > 0) - (xst < 0)
        num = xe - xs + xst - sgn
        n = builtins.abs(num) // builtins.abs(xst) * (1 if (num >= 0) == (xst > 0) else -1)
    else:
        size_d = (builtins.float(end) - builtins.float(start)) / builtins.float(step)
        if not math.isfinite(size_d):
            raise RuntimeError("invalid size, possible overflow?")
        n = math.ceil(size_d)
    if n > np.iinfo(np.int64).max:
        raise RuntimeError("invalid size, possible overflow?")
    n = builtins.max(0, builtins.int(n))
    if d._cat == 1:
        vals = (np.int64(xs) + np.arange(n, dtype=np.int64) * np.int64(xst)).astype(d._np)
    elif acc is np.float64:
        # NOTE: start + step * i in double with one rounding (torch's kernel is compiled with
        # FMA contraction); torch's SIMD lanes may differ from this by an ulp.
        vals = _fma64(np.float64(xst), np.arange(n, dtype=np.float64), np.float64(xs))
        vals = vals.astype(d._np)
    else:
        i = np.arange(n, dtype=np.float64)
        vals = (np.float64(xst) * i + np.float64(xs)).astype(np.float32).astype(d._np)
    return place(vals, device, requires_grad)


def _fma64(a, b, c):
    """a * b + c in float64 with (almost always) a single rounding, like a fused multiply-add:
    Dekker's exact product plus a compensated sum (NumPy has no fma)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    p = a * b
    split = 134217729.0  # 2**27 + 1
    t = split * a
    ah = t - (t - a)
    al = a - ah
    t = split * b
    bh = t - (t - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    with np.errstate(invalid="ignore", over="ignore"):
        s = p + c
        bb = s - p
        tt = (p - (s - bb)) + (c - bb)
        r = s + (tt + err)
    return np.where(np.isfinite(r), r, p + c)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated torch.range: like arange but end-inclusive (default float dtype)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    n = builtins.int(math.floor((end - start) / step)) + 1
    d = _creation_dtype(dtype)
    return place((start + np.arange(n, dtype=np.float64) * step).astype(d._np), device,
                 requires_grad)


def _check_steps(steps, fname):
    if not isinstance(steps, (builtins.int, np.integer)) or isinstance(steps, builtins.bool):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"(steps={type(steps).__name__}), but expected (int steps)")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


def _space_dtype(start, end, dtype):
    if dtype is not None:
        return D.to_dtype(dtype)
    if any(isinstance(v, (builtins.complex, np.complexfloating)) for v in (start, end)):
        return D.get_default_dtype().to_complex()
    return D.get_default_dtype()


def _round_half(x, d):
    """Round float32 values through a half dtype (torch's Half arithmetic: float then round)."""
    return np.asarray(x, np.float32).astype(d._np).astype(np.float32)


def _linspace_values(start, end, steps, d):
    """torch's CPU linspace kernel, bit for bit: start + step * i for the first half, end -
    step * (steps - 1 - i) for the second; arithmetic in the dtype (double for integers),
    fused multiply-adds for float32/float64/integers."""
    i = np.arange(steps)
    half = steps // 2
    j = (steps - 1 - i)
    if d._cat == 3:
        cd = np.complex128
        s, e = cd(start), cd(end)
        step = (e - s) / (steps - 1)
        return np.where(i < half, s + step * i, e - step * j).astype(d._np)
    if d._cat == 1:
        s, e = np.float64(builtins.int(start)), np.float64(builtins.int(end))
        step = (e - s) / (steps - 1)
        v = np.where(i < half, _fma64(step, i, s), _fma64(-step, j, e))
        return np.trunc(v).astype(np.int64).astype(d._np)
    if d is D.float64:
        s, e = np.float64(start), np.float64(end)
        step = (e - s) / np.float64(steps - 1)
        return np.where(i < half, _fma64(step, i, s), _fma64(-step, j, e))
    if d is D.float32:
        s, e = np.float32(start), np.float32(end)
        step = np.float64((e - s) / np.float32(steps - 1))
        # NOTE: float32 fma = the exact float64 product-sum rounded once to float32.
        lo = step * i + np.float64(s)
        hi = np.float64(e) - step * j
        return np.where(i < half, lo, hi).astype(np.float32)
    # float16 / bfloat16: every operation in float, rounded back to the half type.
    s, e = _round_half(start, d), _round_half(end, d)
    step = _round_half(_round_half(e - s, d) / _round_half(steps - 1, d), d)
    lo = _round_half(s + _round_half(step * _round_half(i, d), d), d)
    hi = _round_half(e - _round_half(step * _round_half(j, d), d), d)
    return np.where(i < half, lo, hi).astype(d._np)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end (inclusive)."""
    start, end = _num(start), _num(end)
    _check_steps(steps, "linspace")
    d = _space_dtype(start, end, dtype)
    if steps == 0:
        return place(np.zeros((0,), d._np), device, requires_grad)
    if steps == 1:
        return place(_fill_array((1,), start, d), device, requires_grad)
    return place(_linspace_values(start, end, builtins.int(steps), d), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """base ** linspace(start, end, steps)."""
    start, end = _num(start), _num(end)
    _check_steps(steps, "logspace")
    d = _space_dtype(start, end, dtype)
    if steps == 0:
        return place(np.zeros((0,), d._np), device, requires_grad)
    if d._cat == 3:
        exps = _linspace_values(start, end, builtins.int(steps), D.complex128)
        return place(np.power(np.complex128(base), exps).astype(d._np), device, requires_grad)
    if steps == 1:
        v = math.pow(builtins.float(base), builtins.float(start))
        return place(_fill_array((1,), v, d), device, requires_grad)
    # NOTE: torch's CPU kernel: start/end in the dtype, step in double, exponent start +
    # step * i in double, std::pow (float base for integer dtypes), stored to the dtype.
    steps = builtins.int(steps)
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    if d._cat == 1:
        s, e = builtins.int(start), builtins.int(end)
        b = builtins.float(np.float32(base))
    else:
        npd = np.float32 if d in (D.float16, D.bfloat16) else d._np
        s, e = _fill_array((), start, d).astype(npd), _fill_array((), end, d).astype(npd)
        b = builtins.float(base)
    step = np.float64(e - s) / (steps - 1)
    if d in (D.float16, D.bfloat16):
        step = np.float64(_round_half(e - s, d)) / (steps - 1)
    exps = np.where(i < half, np.float64(s) + step * i, np.float64(e) - step * (steps - 1 - i))
    # NOTE: math.pow (the C library's pow, as torch uses); NumPy's SIMD power differs by ulps.
    vals = np.fromiter((math.pow(b, x) for x in exps.tolist()), np.float64, steps)
    if d._cat == 1:
        vals = np.trunc(vals)
    elif d in (D.float16, D.bfloat16):
        vals = vals.astype(np.float32)
    return place(vals.astype(d._np), device, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Identity matrix n x m."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else m
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return place(np.eye(n, m, dtype=_creation_dtype(dtype)._np), device, requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor from a Python buffer object."""
    d = D.to_dtype(dtype)
    return place(np.frombuffer(buffer, dtype=d._np, count=count, offset=offset).copy(), None,
                 requires_grad)


# ---- new_* methods and legacy constructors ------------------------------------------------

def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor with self's dtype/device by default."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _new_filled(fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return fn(parse_size(size), dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)
    method.__doc__ = f"{fn.__name__} with self's dtype and device by default."
    return method


new_zeros = _new_filled(zeros)
new_ones = _new_filled(ones)
new_empty = _new_filled(empty)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """full() with self's dtype and device by default."""
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
