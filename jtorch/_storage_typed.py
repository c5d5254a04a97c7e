"""torch.TypedStorage (an UntypedStorage viewed as elements of one dtype; deprecated in torch,
which warns once) and the legacy classes torch.FloatStorage, torch.LongStorage, ... whose
instances are TypedStorages (isinstance checks dtype and device, as in torch)."""
import builtins
import collections.abc
import warnings

import numpy as np

from . import _dtype as D
from . import _device as DEV

__all__ = ["TypedStorage", "DoubleStorage", "FloatStorage", "HalfStorage", "LongStorage",
           "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
           "BFloat16Storage", "ComplexDoubleStorage", "ComplexFloatStorage"]

_always_warn_typed_storage_removal = False
_warned = [False]


def _get_always_warn_typed_storage_removal():
    return _always_warn_typed_storage_removal


def _set_always_warn_typed_storage_removal(always_warn):
    global _always_warn_typed_storage_removal
    if not isinstance(always_warn, builtins.bool):
        raise AssertionError(f"always_warn must be bool, got {type(always_warn).__name__}")
    _always_warn_typed_storage_removal = always_warn


def _warn_typed_storage_removal(stacklevel=2):
    """torch's TypedStorage deprecation UserWarning: once per process unless always-warn."""
    if _always_warn_typed_storage_removal or not _warned[0]:
        warnings.warn(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage "
            "will be the only storage class. This should only matter to you if you are using "
            "storages directly.  To access UntypedStorage directly, use "
            "tensor.untyped_storage() instead of tensor.storage()",
            UserWarning, stacklevel=stacklevel + 1)
        _warned[0] = True


def _reset_warn_typed_storage_removal():
    _warned[0] = False


def _untyped():
    from ._storage import UntypedStorage
    return UntypedStorage


def _py(v, dtype):
    """A NumPy scalar as the Python number torch's .item() gives."""
    if dtype is D.bool:
        return builtins.bool(v)
    if dtype._cat == 1:
        return builtins.int(v)
    if dtype._cat == 3:
        return builtins.complex(v)
    return builtins.float(v)


def _isint(x):
    return isinstance(x, (builtins.int, np.integer))


def _typed_from_np(arr, dtype, device):
    """A TypedStorage over a new private root holding the NumPy array arr."""
    from ._storage import _init, _new_root
    us = _init(object.__new__(_untyped()), _new_root(np.asarray(arr, dtype._np).reshape(-1),
                                                     device), 0, None)
    return TypedStorage(wrap_storage=us, dtype=dtype, _internal=True)


class TypedStorage:
    """torch.TypedStorage: an UntypedStorage read as elements of `dtype` (deprecated)."""

    is_sparse = False
    _NAME = "torch.storage.TypedStorage"

    def __new__(cls, *args, wrap_storage=None, dtype=None, device=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal()
        if cls is TypedStorage:
            return super().__new__(cls)
        msg = (f"{_cls_repr(cls)}.__new__ received an invalid combination of arguments. "
               f"Expected one of:\n * no arguments\n * (int size)\n * (Sequence data)\n"
               f" * (*, UntypedStorage wrap_storage)")
        if device is not None:
            raise RuntimeError(msg + "\nKeyword argument 'device' cannot be specified")
        if dtype is not None:
            raise RuntimeError(msg + "\nKeyword argument 'dtype' cannot be specified")
        if wrap_storage is None:
            if len(args) > 1:
                raise RuntimeError(msg + "\nToo many positional arguments")
            if (len(args) == 1 and not _isint(args[0])
                    and not isinstance(args[0], collections.abc.Sequence)):
                raise TypeError(msg + f"\nArgument type not recognized: {type(args[0])}")
            return TypedStorage(*args, dtype=cls.dtype, device="cpu", _internal=True)
        if args:
            raise RuntimeError(msg + "\nNo positional arguments should be given when using "
                               "'wrap_storage'")
        if not isinstance(wrap_storage, _untyped()):
            raise TypeError(msg + f"\nArgument 'wrap_storage' must be UntypedStorage, but got "
                            f"{type(wrap_storage)}")
        if wrap_storage.device.type != "cpu":
            raise RuntimeError(msg + f"\nDevice of 'wrap_storage' must be cpu, but got "
                               f"{wrap_storage.device.type}")
        return TypedStorage(wrap_storage=wrap_storage, dtype=cls.dtype, _internal=True)

    def __init__(self, *args, device=None, dtype=None, wrap_storage=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal()
        msg = ("TypedStorage.__init__ received an invalid combination of arguments. Expected "
               "one of:\n * (*, torch.device device, torch.dtype dtype)\n * (int size, *, "
               "torch.device device, torch.dtype dtype)\n * (Sequence data, *, torch.device "
               "device, torch.dtype dtype)\n * (*, UntypedStorage wrap_storage, torch.dtype "
               "dtype)")
        if wrap_storage is not None:
            if args:
                raise RuntimeError(msg + "\nNo positional arguments should be given when using "
                                   "'wrap_storage'")
            if dtype is None:
                raise RuntimeError(msg + "\nArgument 'dtype' must be specified")
            if not isinstance(dtype, D.dtype):
                raise TypeError(msg + f"\nArgument 'dtype' must be torch.dtype, not "
                                f"{type(dtype)}")
            if device is not None:
                raise RuntimeError(msg + "\nArgument 'device' should not be specified when "
                                   "'wrap_storage' is given")
            self.dtype = dtype
            if not isinstance(wrap_storage, _untyped()):
                raise TypeError(msg + f"\nArgument 'wrap_storage' must be UntypedStorage, but "
                                f"got {type(wrap_storage)}")
            self._untyped_storage = wrap_storage
            return
        self.dtype = D.get_default_dtype() if dtype is None else dtype
        device = DEV.device("cpu" if device is None else device)
        if not args:
            self._untyped_storage = _untyped()(device=device)
        elif len(args) == 1:
            if _isint(args[0]):
                self._untyped_storage = _untyped()(builtins.int(args[0]) * self.dtype.itemsize,
                                                   device=device)
            elif isinstance(args[0], collections.abc.Sequence):
                from ._ops._creation_data import tensor
                vals = tensor(args[0], dtype=self.dtype).numpy()
                self._untyped_storage = _typed_from_np(vals, self.dtype, device)._untyped_storage
            else:
                raise TypeError(msg + f"\nArgument type not recognized: {type(args[0])}")
        else:
            raise RuntimeError(msg + "\nToo many positional arguments")

    # ---- elements -------------------------------------------------------------------------------
    def _values(self):
        b = self._untyped_storage._bytes()
        es = self.dtype.itemsize
        return b[:len(b) // es * es].view(self.dtype._np)

    def _size(self):
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    def _maybe_wrap_index(self, idx):
        if type(idx) is not builtins.int:
            raise TypeError(f"can't index a {_cls_repr(type(self))} with {type(idx)}")
        n = self._size()
        if idx >= n or idx < -n:
            raise IndexError(f"index {idx} out of range for storage of size {n}")
        return idx % n

    def __getitem__(self, idx):
        _warn_typed_storage_removal()
        return self._getitem(idx)

    def _getitem(self, idx):
        if isinstance(idx, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        if not isinstance(idx, builtins.int):
            raise RuntimeError(f"can't index a {_cls_repr(type(self))} with {type(idx)}")
        return _py(self._values()[self._maybe_wrap_index(idx)], self.dtype)

    def __setitem__(self, idx, value):
        _warn_typed_storage_removal()
        return self._setitem(idx, value)

    def _setitem(self, idx, value):
        if not isinstance(idx, (builtins.int, slice)):
            raise RuntimeError(f"can't index a {_cls_repr(type(self))} with {type(idx)}")
        from ._storage import is_storage
        if is_storage(value):
            raise RuntimeError(f"cannot set item with value type {_cls_repr(type(value))}")
        vals = np.array(self._values())
        n = vals.size
        if isinstance(idx, builtins.int) and not -n <= idx < n:
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {n}")
        if hasattr(value, "numpy"):
            value = value.numpy()
        # NOTE: torch writes through a tensor set_ to this storage: values cast to the dtype.
        vals[idx] = np.asarray(value).astype(self.dtype._np)
        if n:
            self._untyped_storage._write(0, vals.view(np.uint8))

    def fill_(self, value):
        """Set every element to value; returns self."""
        _warn_typed_storage_removal()
        self._setitem(slice(0, self._size()), value)
        return self

    def __len__(self):
        _warn_typed_storage_removal()
        return self._size()

    def size(self):
        """Number of elements."""
        _warn_typed_storage_removal()
        return self._size()

    def nbytes(self):
        """Size in bytes."""
        _warn_typed_storage_removal()
        return self._untyped_storage.nbytes()

    def _nbytes(self):
        return self._untyped_storage.nbytes()

    def element_size(self):
        """Bytes per element."""
        _warn_typed_storage_removal()
        return self.dtype.itemsize

    def _element_size(self):
        return self.dtype.itemsize

    @property
    def device(self):
        _warn_typed_storage_removal()
        return self._untyped_storage.device

    @property
    def is_cuda(self):
        _warn_typed_storage_removal()
        return self._untyped_storage.device.type == "cuda"

    @property
    def filename(self):
        return None

    def get_device(self):
        """The device's index (None for the cpu)."""
        _warn_typed_storage_removal()
        return self._untyped_storage.get_device()

    def data_ptr(self):
        """The emulated address (equal to the tensor's for its storage)."""
        _warn_typed_storage_removal()
        return self._untyped_storage.data_ptr()

    def _data_ptr(self):
        return self._untyped_storage.data_ptr()

    @property
    def _cdata(self):
        return self._untyped_storage._cdata

    def untyped(self):
        """The underlying UntypedStorage."""
        _warn_typed_storage_removal()
        return self._untyped_storage

    def tolist(self):
        """The elements as a list of Python numbers."""
        _warn_typed_storage_removal()
        return [_py(v, self.dtype) for v in self._values()]

    def __iter__(self):
        _warn_typed_storage_removal()
        return iter([_py(v, self.dtype) for v in self._values()])

    def _new_wrapped_storage(self, untyped_storage):
        return TypedStorage(wrap_storage=untyped_storage, dtype=self.dtype, _internal=True)

    def clone(self):
        """A copy of this storage."""
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.clone())

    def __copy__(self):
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.__copy__())

    def __deepcopy__(self, memo):
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.__deepcopy__(memo))

    def cpu(self):
        """A cpu copy, or a storage sharing self's memory if already on the cpu."""
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.cpu())

    def to(self, *, device, non_blocking=False):
        """This storage on device."""
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.to(device=device))

    def cuda(self, device=None, non_blocking=False):
        """A CUDA copy of this storage."""
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.cuda(device))

    def copy_(self, source, non_blocking=None):
        """Copy source's bytes into this storage; returns self."""
        _warn_typed_storage_removal()
        self._untyped_storage.copy_(source, non_blocking)
        return self

    def type(self, dtype=None, non_blocking=False):
        """The legacy class name ('torch.FloatStorage') or 'torch.storage.TypedStorage'."""
        _warn_typed_storage_removal()
        if dtype is None:
            legacy = _LEGACY.get(self.dtype)
            return f"torch.{legacy.__name__}" if legacy is not None else self._NAME
        return self._untyped_storage.type(dtype, non_blocking)

    def pickle_storage_type(self):
        """The legacy class name without 'torch.' (the name torch.save writes)."""
        _warn_typed_storage_removal()
        legacy = _LEGACY.get(self.dtype)
        if legacy is None:
            raise KeyError(f"dtype {self.dtype} is not recognized")
        return legacy.__name__

    def is_shared(self):
        """Whether the memory is marked shared."""
        _warn_typed_storage_removal()
        return self._untyped_storage.is_shared()

    def share_memory_(self):
        """Mark the memory shared; returns self."""
        _warn_typed_storage_removal()
        self._untyped_storage.share_memory_()
        return self

    def is_pinned(self, device=None):
        """Never pinned in jtorch."""
        _warn_typed_storage_removal()
        return False

    def pin_memory(self, device=None):
        """A pinned copy; an error without an accelerator."""
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.pin_memory(device))

    def resizable(self):
        """Whether resize_ works (storages made from Python only)."""
        _warn_typed_storage_removal()
        return self._untyped_storage.resizable()

    def resize_(self, size):
        """Resize to size elements (storages made from Python only)."""
        _warn_typed_storage_removal()
        self._untyped_storage.resize_(size * self.dtype.itemsize)

    def _to(self, dtype):
        return _typed_from_np(self._values().astype(dtype._np), dtype,
                              self._untyped_storage.device)

    def __str__(self):
        _warn_typed_storage_removal()
        info = (f"[{self._NAME}(dtype={self.dtype}, device={self._untyped_storage.device}) of "
                f"size {self._size()}]")
        return " " + "\n ".join(str(_py(v, self.dtype)) for v in self._values()) + "\n" + info

    def __repr__(self):
        _warn_typed_storage_removal()
        return str(self)

    def __reduce__(self):
        from ._storage import _from_bytes
        return (_rewrap, (_from_bytes, np.array(self._untyped_storage._bytes()),
                          str(self._untyped_storage.device), self.dtype))


def _rewrap(from_bytes, b, device, dtype):
    return TypedStorage(wrap_storage=from_bytes(b, device), dtype=dtype, _internal=True)


# NOTE: torch's _StorageBase/TypedStorage conversions: .float(), .long(), ... copy the
# values into a new TypedStorage of that dtype.
def _conv(dtype):
    def conv(self):
        return self._to(dtype)
    conv.__doc__ = f"A copy of this storage's values as {dtype}."
    return conv


_CONV = {"double": D.float64, "float": D.float32, "half": D.float16, "long": D.int64,
         "int": D.int32, "short": D.int16, "char": D.int8, "byte": D.uint8, "bool": D.bool,
         "bfloat16": D.bfloat16, "complex_double": D.complex128, "complex_float": D.complex64}


def _cls_repr(cls):
    """repr(cls) as torch spells its storage classes (other classes unchanged)."""
    if cls is TypedStorage or cls is _untyped():
        return f"<class '{cls._NAME}'>"
    if isinstance(cls, _LegacyStorageMeta):
        return f"<class 'torch.{cls.__name__}'>"
    return repr(cls)


# ---- legacy classes ------------------------------------------------------------------------------

class _LegacyStorageMeta(type):
    """isinstance(s, torch.FloatStorage): a cpu TypedStorage of that dtype."""

    def __instancecheck__(cls, instance):
        if type(instance) is TypedStorage:
            return (instance._untyped_storage.device.type == "cpu"
                    and cls.dtype == instance.dtype)
        return False

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


class _LegacyStorage(TypedStorage, metaclass=_LegacyStorageMeta):
    """Base of torch.<Type>Storage: calling one makes a cpu TypedStorage of its dtype."""


def _legacy(name, dtype):
    cls = _LegacyStorageMeta(name, (_LegacyStorage,), {
        "__doc__": f"torch.{name}: legacy cpu TypedStorage of {dtype}.", "dtype": dtype,
        "__module__": "jtorch"})
    return cls


DoubleStorage = _legacy("DoubleStorage", D.float64)
FloatStorage = _legacy("FloatStorage", D.float32)
HalfStorage = _legacy("HalfStorage", D.float16)
LongStorage = _legacy("LongStorage", D.int64)
IntStorage = _legacy("IntStorage", D.int32)
ShortStorage = _legacy("ShortStorage", D.int16)
CharStorage = _legacy("CharStorage", D.int8)
ByteStorage = _legacy("ByteStorage", D.uint8)
BoolStorage = _legacy("BoolStorage", D.bool)
BFloat16Storage = _legacy("BFloat16Storage", D.bfloat16)
ComplexDoubleStorage = _legacy("ComplexDoubleStorage", D.complex128)
ComplexFloatStorage = _legacy("ComplexFloatStorage", D.complex64)
_LEGACY = {c.dtype: c for c in (DoubleStorage, FloatStorage, HalfStorage, LongStorage,
                                IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage,
                                BFloat16Storage, ComplexDoubleStorage, ComplexFloatStorage)}


def _install_conversions():
    from ._storage import UntypedStorage
    for name, dt in _CONV.items():
        setattr(TypedStorage, name, _conv(dt))
        setattr(UntypedStorage, name, _conv(dt))


_install_conversions()
