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
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _infer_dtype_of_list_array(arr):
    """Map NumPy's inference for Python data to torch's (float -> default, complex -> cdefault)."""
    k = arr.dtype.kind
    if k == "b":
        return D.bool
    if k in "iu":
        return D.int64
    if k == "f":
        return D.get_default_dtype()
    if k == "c":
        return D.get_default_dtype().to_complex()
    raise TypeError(f"new(): invalid data type '{arr.dtype.name}'")


def _to_numpy(data):
    """(numpy array, torch dtype) from Python data / NumPy / Tensors, with torch's inference."""
    if isinstance(data, Tensor):
        return np.asarray(data._arr()), data.dtype
    if isinstance(data, np.ndarray):
        return data, D.from_np(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_np(data.dtype)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data = _tensors_to_lists(data)
    try:
        arr = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"expected sequence of equal lengths ({e})") from None
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")
    return arr, _infer_dtype_of_list_array(arr)


def _has_tensor(seq):
    for x in seq:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)) and _has_tensor(x):
            return True
    return False


def _tensors_to_lists(seq):
    return [x.tolist() if isinstance(x, Tensor) else
            _tensors_to_lists(x) if isinstance(x, (list, tuple)) else x for x in seq]


def _first_leaf(x):
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return x


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying `data` (nested lists, numbers, NumPy arrays)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, inferred = _to_numpy(data)
    d = inferred if dtype is None else D.to_dtype(dtype)
    if d is D.bfloat16 or arr.dtype != d._np:
        arr = np.asarray(arr).astype(d._np)
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
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return place(np.asarray(ndarray), None)


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
    d = D.to_dtype(dtype) if dtype is not None else _fill_dtype(fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return place(np.full(parse_size((size,), "full"), fill_value, dtype=d._np), device,
                 requires_grad)


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
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, (builtins.float, np.floating)) for v in (start, end, step))
        d = D.get_default_dtype() if is_float else D.int64
    else:
        d = D.to_dtype(dtype)
    n = builtins.max(0, math.ceil((end - start) / step))
    # NOTE: torch computes start + i * step in double (accscalar), then casts.
    vals = start + np.arange(n, dtype=np.float64 if d._cat >= 2 or
                             any(isinstance(v, builtins.float) for v in (start, step))
                             else np.int64) * step
    return place(vals.astype(d._np), device, requires_grad)


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


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end (inclusive)."""
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    d = _creation_dtype(dtype)
    if steps == 0:
        return place(np.zeros((0,), d._np), device, requires_grad)
    if steps == 1:
        return place(np.array([start], d._np), device, requires_grad)
    work = d._np if d._cat >= 2 and d not in (D.float16, D.bfloat16) else np.float64
    s, e = np.asarray(start, work), np.asarray(end, work)
    step = (e - s) / np.asarray(steps - 1, work)
    i = np.arange(steps)
    half = steps // 2
    # NOTE: torch's kernel fills the first half from start and the second half from end.
    vals = np.where(i < half, s + step * i.astype(work), e - step * (steps - i - 1).astype(work))
    if d._cat < 2:
        vals = np.trunc(vals)
    return place(vals.astype(d._np), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """base ** linspace(start, end, steps)."""
    d = _creation_dtype(dtype)
    exps = np.asarray(linspace(start, end, steps, dtype=D.float64)._a)
    return place(np.power(np.float64(base), exps).astype(d._np), device, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Identity matrix n x m."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else m
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
