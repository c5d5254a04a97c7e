"""Tensors from data: tensor/as_tensor/asarray/from_numpy/frombuffer, torch's dtype inference."""
import builtins
import warnings

import numpy as np

from .. import _dtype as D
from .. import _float8
from .._tensor import Tensor
from ._creation_fill import place


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
            arr = _float8.encode_host(arr, d._np) if d in D.FLOAT8 else arr.astype(d._np)
    # NOTE: an array made here from Python data (or by the cast) is ours to alias
    return place(arr, device, requires_grad, fresh=arr is not data and arr.flags.owndata)


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


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor from a Python buffer object."""
    d = D.to_dtype(dtype)
    return place(np.frombuffer(buffer, dtype=d._np, count=count, offset=offset).copy(), None,
                 requires_grad)

