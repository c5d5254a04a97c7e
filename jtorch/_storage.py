"""torch.UntypedStorage / torch.TypedStorage / the legacy torch.<Type>Storage classes over
jtorch's emulated storage: a storage is a byte window of a ROOT tensor's array (every jtorch view
keeps its root; a root's array is its whole storage, row-major).

Reads convert the root's array to bytes on the host; writes rebuild the root's array from the
edited bytes and rebind it with Tensor._set_array (the in-place machinery: the version bumps and
every view of the root re-reads), so a write through a storage really changes its tensors.
Storages made from Python (torch.UntypedStorage(10), torch.FloatStorage([1, 2])) get a private
root tensor nobody else sees. Importing this module attaches Tensor.untyped_storage / storage /
_typed_storage / storage_type / set_ (see _storage_set).
"""
import builtins
import collections.abc
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from . import _device as DEV
from ._tensor import Tensor, wrap

__all__ = ["UntypedStorage", "TypedStorage", "is_storage", "DoubleStorage", "FloatStorage",
           "HalfStorage", "LongStorage", "IntStorage", "ShortStorage", "CharStorage",
           "ByteStorage", "BoolStorage", "BFloat16Storage", "ComplexDoubleStorage",
           "ComplexFloatStorage"]

# NOTE: the flag a private (storage-only) root carries in its __dict__; such a root may be
# re-typed or resized because no user tensor owns it.
_OWNED = "_jt_storage_only"


# ---- root bytes ---------------------------------------------------------------------------------

def _root_of(t):
    return t if t._base is None else t._base


def _check_concrete(a):
    if isinstance(a, jax.core.Tracer):
        raise RuntimeError("jtorch: storages of traced tensors (inside jtorch.compile / jax.jit) "
                           "are unsupported: a storage reads the tensor's bytes on the host")


def _root_bytes(root):
    """The root's whole storage as a flat uint8 NumPy array (a read-only host copy)."""
    a = root._a
    _check_concrete(a)
    return np.ascontiguousarray(np.asarray(a)).reshape(-1).view(np.uint8)


def _put_like(arr, like):
    """`arr` (NumPy) as a jax.Array placed like the jax.Array `like`."""
    try:
        return jax.device_put(arr, like.sharding)
    except AttributeError:
        return jnp.asarray(arr)


def _write_root_bytes(root, byte_off, new_bytes):
    """Write `new_bytes` at byte_off of root's storage, as an in-place write of root."""
    full = np.array(_root_bytes(root))
    full[byte_off:byte_off + len(new_bytes)] = new_bytes
    a = root._a
    root._set_array(_put_like(full.view(a.dtype).reshape(a.shape), a))


def _new_root(np_arr, device=None):
    """A private root tensor holding np_arr on device (torch's default: cpu)."""
    jd = DEV.to_jax_device("cpu" if device is None else device)
    root = wrap(jax.device_put(np_arr, jd))
    root.__dict__[_OWNED] = True
    return root


def _retype(root, dtype):
    """Reinterpret a private root's bytes as `dtype` (set_ of a tensor onto a fresh storage)."""
    b = _root_bytes(root)
    n = b.size // dtype.itemsize
    root._a = _put_like(np.array(b[:n * dtype.itemsize]).view(dtype._np), root._a)
    root._ver += 1


# ---- UntypedStorage ---------------------------------------------------------------------------

_CACHE = {}  # id(root) -> weakref to its whole-root UntypedStorage (torch returns the same one)


def _byte(value):
    # NOTE: torch fills a uint8 tensor: Python ints wrap modulo 256.
    return builtins.int(value) & 0xFF


class UntypedStorage:
    """torch.UntypedStorage: raw bytes; a view of a tensor's root storage or a fresh buffer."""

    # NOTE: _root: the root tensor; _off: byte offset; _n: byte length (None: the whole root,
    # tracking the root's size as it is resized).
    __slots__ = ("_root", "_off", "_n", "__weakref__")
    is_sparse = False
    is_sparse_csr = False
    filename = None
    _NAME = "torch.storage.UntypedStorage"

    def __init__(self, *args, device=None):
        if not args:
            arr = np.zeros(0, np.uint8)
        elif len(args) > 1:
            raise TypeError("torch.UntypedStorage(): too many positional arguments")
        elif isinstance(args[0], (builtins.int, np.integer)) and not isinstance(args[0],
                                                                                builtins.bool):
            arr = np.zeros(builtins.int(args[0]), np.uint8)
        elif isinstance(args[0], collections.abc.Sequence):
            arr = np.array([_byte(v) for v in args[0]], np.uint8)
        else:
            raise RuntimeError(f"torch.UntypedStorage(): Expected a sequence type, but got "
                               f"{type(args[0]).__name__}")
        _init(self, _new_root(arr, device), 0, None)

    # ---- size / identity ----------------------------------------------------------------------
    def nbytes(self):
        """Size in bytes."""
        if self._n is None:
            a = self._root._a
            return a.size * a.dtype.itemsize
        return self._n

    size = nbytes

    def __len__(self):
        return self.nbytes()

    def element_size(self):
        """Bytes per element: 1."""
        return 1

    def data_ptr(self):
        """The emulated address (Tensor.data_ptr of the root plus this window's offset)."""
        return id(self._root) * 64 + self._off

    @property
    def _cdata(self):
        return self.data_ptr()

    @property
    def device(self):
        return self._root.device

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_hpu(self):
        return False

    def get_device(self):
        """The device's index (None for the cpu, as torch's storages say)."""
        return self.device.index

    def untyped(self):
        """This storage."""
        return self

    # ---- bytes ----------------------------------------------------------------------------------
    def _bytes(self):
        b = _root_bytes(self._root)
        return b[self._off:self._off + self.nbytes()]

    def _write(self, rel_off, new_bytes):
        _write_root_bytes(self._root, self._off + rel_off, new_bytes)

    def _wrap_index(self, idx):
        n = self.nbytes()
        if idx < 0:
            idx += n  # NOTE: torch reports the wrapped index
        if not 0 <= idx < n:
            raise IndexError(f"index {idx} out of range for storage of size {n}")
        return idx

    def _slice(self, idx):
        start, stop, step = idx.indices(self.nbytes())
        if step != 1:
            raise RuntimeError(f"Trying to slice with a step of {step}, but only a step of 1 is "
                               f"supported")
        return start, builtins.max(stop, start)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            start, stop = self._slice(idx)
            out = object.__new__(UntypedStorage)
            # NOTE: as in torch, a slice shares memory with this storage.
            _init(out, self._root, self._off + start, stop - start)
            return out
        if not isinstance(idx, (builtins.int, np.integer)):
            raise TypeError(f"can't index a torch.UntypedStorage with {type(idx).__name__}")
        return builtins.int(self._bytes()[self._wrap_index(builtins.int(idx))])

    def __setitem__(self, idx, value):
        if is_storage(value):
            from ._storage_typed import _cls_repr
            raise RuntimeError(f"cannot set item with value type {_cls_repr(type(value))}")
        if isinstance(idx, slice):
            start, stop = self._slice(idx)
        elif isinstance(idx, (builtins.int, np.integer)):
            start = builtins.int(idx)
            if not 0 <= start < self.nbytes():
                raise RuntimeError("out of bounds")  # NOTE: torch: no negative indices here
            stop = start + 1
        else:
            raise TypeError(f"can't index a torch.UntypedStorage with {type(idx).__name__}")
        if not isinstance(value, (builtins.int, np.integer)):
            raise RuntimeError(f"can only set storage content with a int types, but got "
                               f"{type(value).__name__} instead")
        if stop > start:
            self._write(start, np.full(stop - start, _byte(value), np.uint8))

    def fill_(self, value):
        """Set every byte to value; returns self."""
        self[:] = value
        return self

    def copy_(self, source, non_blocking=None):
        """Copy source's bytes into this storage (same size); returns self."""
        src = source._untyped_storage if isinstance(source, TypedStorage) else source
        if not isinstance(src, UntypedStorage):
            raise TypeError(f"copy_(): expected a storage, got {type(source).__name__}")
        if src.nbytes() != self.nbytes():
            raise RuntimeError("size does not match")
        if self.nbytes():
            self._write(0, np.array(src._bytes()))
        return self

    def tolist(self):
        """The bytes as a list of ints."""
        return self._bytes().tolist()

    def __iter__(self):
        return iter(self.tolist())

    # ---- copies / moves -----------------------------------------------------------------------
    def clone(self):
        """A copy of this storage (new memory, same device)."""
        return _from_bytes(np.array(self._bytes()), self.device)

    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        memo = memo.setdefault("torch", {})
        if self._cdata in memo:
            return memo[self._cdata]
        new = self.clone()
        memo[self._cdata] = new
        return new

    def __reduce__(self):
        return (_from_bytes, (np.array(self._bytes()), str(self.device)))

    def cpu(self):
        """A cpu copy, or self if already on the cpu."""
        return self if self.device.type == "cpu" else _from_bytes(np.array(self._bytes()), "cpu")

    def to(self, *, device, non_blocking=False):
        """This storage on device (self when already there)."""
        dev = DEV.device(device) if not isinstance(device, DEV.device) else device
        if DEV.to_jax_device(dev) == DEV.to_jax_device(self.device):
            return self
        return _from_bytes(np.array(self._bytes()), dev)

    def cuda(self, device=None, non_blocking=False):
        """A CUDA copy of this storage."""
        return self.to(device="cuda" if device is None else
                       (f"cuda:{device}" if isinstance(device, builtins.int) else device))

    def type(self, dtype=None, non_blocking=False):
        """The type name ('torch.storage.UntypedStorage')."""
        if dtype is None:
            return self._NAME
        raise NotImplementedError("jtorch: UntypedStorage.type(dtype) conversion is unsupported")

    def is_pinned(self, device=None):
        """Never pinned in jtorch."""
        return False

    def pin_memory(self, device=None):
        """A pinned copy; like torch, an error without an accelerator."""
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self.clone()

    def is_shared(self):
        """Whether share_memory_() was called on this storage or its tensor."""
        from ._tensor_methods_extra import is_shared
        return is_shared(self._root)

    def share_memory_(self):
        """Mark this storage shared (JAX arrays already live outside Python); returns self."""
        from ._tensor_methods_extra import share_memory_
        share_memory_(self._root)
        return self

    def resizable(self):
        """Whether resize_ works: only for storages made from Python (private buffers)."""
        return builtins.bool(self._root.__dict__.get(_OWNED)) and self._n is None

    def resize_(self, size):
        """Resize a private storage in place (new bytes are zeros; torch's are uninitialised)."""
        if not self.resizable():
            # NOTE: torch would free/grow the memory under every tensor using it; jtorch
            # tensors are immutable JAX arrays that cannot lose or gain memory underneath.
            raise NotImplementedError("jtorch: resize_ of a storage that backs a tensor is "
                                      "unsupported (only storages created from Python resize)")
        b = self._bytes()
        new = np.zeros(builtins.int(size), np.uint8)
        k = builtins.min(new.size, b.size)
        new[:k] = b[:k]
        a = self._root._a
        self._root._a = _put_like(new, a)
        self._root._ver += 1
        return self

    # ---- element conversions (torch's _StorageBase._to: a TypedStorage of the byte values) ------
    def _to(self, dtype):
        return _typed_from_np(self._bytes().astype(dtype._np), dtype, self.device)

    def __repr__(self):
        info = f"[{self._NAME}(device={self.device}) of size {self.nbytes()}]"
        return " " + "\n ".join(str(v) for v in self.tolist()) + "\n" + info

    __str__ = __repr__


def _init(s, root, off, n):
    s._root, s._off, s._n = root, off, n
    return s


def _from_bytes(b, device):
    """A new private UntypedStorage holding the uint8 array b."""
    return _init(object.__new__(UntypedStorage), _new_root(np.asarray(b, np.uint8), device),
                 0, None)


def untyped_storage(self):
    """The UntypedStorage of this tensor: its root's whole storage (Tensor.untyped_storage)."""
    root = _root_of(self)
    _check_concrete(root._a)
    ref = _CACHE.get(id(root))
    s = ref() if ref is not None else None
    if s is None or s._root is not root:
        s = _init(object.__new__(UntypedStorage), root, 0, None)
        key = id(root)
        _CACHE[key] = weakref.ref(s, lambda r, k=key: _CACHE.get(k) is r and _CACHE.pop(k))
    return s


def _rehome(old_root, new_root):
    """Storages of old_root now belong to new_root (Tensor.set_ moved old_root's memory)."""
    ref = _CACHE.pop(id(old_root), None)
    s = ref() if ref is not None else None
    if s is not None:
        key = id(new_root)
        _CACHE[key] = weakref.ref(s, lambda r, k=key: _CACHE.get(k) is r and _CACHE.pop(k))


def is_storage(obj, /):
    """True if obj is a storage (torch.is_storage)."""
    return isinstance(obj, (UntypedStorage, TypedStorage))


from ._storage_typed import (  # noqa: E402  (TypedStorage needs UntypedStorage above)
    TypedStorage, _typed_from_np, DoubleStorage, FloatStorage, HalfStorage, LongStorage,
    IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage, BFloat16Storage,
    ComplexDoubleStorage, ComplexFloatStorage, _warn_typed_storage_removal, _LEGACY)
from . import _storage_set  # noqa: E402


def storage(self):
    """The TypedStorage of this tensor (deprecated in torch: warns once) (Tensor.storage)."""
    _warn_typed_storage_removal(stacklevel=2)
    return _typed_storage(self)


def _typed_storage(self):
    return TypedStorage(wrap_storage=self.untyped_storage(), dtype=self.dtype, _internal=True)


def storage_type(self):
    """The legacy storage class of this tensor's dtype, or None (Tensor.storage_type)."""
    _warn_typed_storage_removal(stacklevel=2)
    return _LEGACY.get(self.dtype)


for _n, _f in {"untyped_storage": untyped_storage, "storage": storage,
               "_typed_storage": _typed_storage, "storage_type": storage_type,
               "set_": _storage_set.set_}.items():
    setattr(Tensor, _n, _f)
