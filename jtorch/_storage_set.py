"""Tensor.set_: make a tensor share another tensor's (or a storage's) memory, or empty it.

jtorch models shared memory as views of one root tensor (jtorch/_view.py), so after
x.set_(y) x is a view of y's root with the requested size/stride/offset: writes through either
show in the other, as in torch.
"""
import builtins
import gc
import operator

import jax.numpy as jnp

from . import _dtype as D
from . import _view
from ._ops.registry import hooks
from ._tensor import Tensor, wrap

__all__ = ["set_"]

# NOTE: the C++ names torch's "Could not set tensor of type ..." message uses, and the
# ScalarType names of its storage-type message.
_CPP = {D.float32: "float", D.float64: "double", D.float16: "c10::Half",
        D.bfloat16: "c10::BFloat16", D.int64: "long int", D.int32: "int", D.int16: "short int",
        D.int8: "signed char", D.uint8: "unsigned char", D.bool: "bool",
        D.complex64: "c10::complex<float>", D.complex128: "c10::complex<double>",
        D.uint16: "short unsigned int", D.uint32: "unsigned int", D.uint64: "long unsigned int"}
_SCALAR = {D.float32: "Float", D.float64: "Double", D.float16: "Half", D.bfloat16: "BFloat16",
           D.int64: "Long", D.int32: "Int", D.int16: "Short", D.int8: "Char", D.uint8: "Byte",
           D.bool: "Bool", D.complex64: "ComplexFloat", D.complex128: "ComplexDouble",
           D.uint16: "UInt16", D.uint32: "UInt32", D.uint64: "UInt64"}

_MISSING = object()
_SIGS = (" * ()\n * (torch.Storage source)\n * (torch.Storage source, int storage_offset, tuple "
         "of ints size, tuple of ints stride = None)\n * (Tensor source)\n * (Tensor source, int "
         "storage_offset, tuple of ints size, tuple of ints stride = None)\n")


def _bad_args(args):
    names = ", ".join(_type_name(a) for a in args)
    return TypeError(f"set_() received an invalid combination of arguments - got ({names}), "
                     f"but expected one of:\n{_SIGS}")


def _type_name(a):
    from ._storage import UntypedStorage, TypedStorage
    if isinstance(a, Tensor):
        return "Tensor"
    if isinstance(a, UntypedStorage):
        return UntypedStorage._NAME
    if isinstance(a, TypedStorage):
        return TypedStorage._NAME
    return type(a).__name__


def _ints(v):
    return tuple(operator.index(x) for x in v)


def _grad_enabled():
    return hooks.mode is not None and hooks.mode.enabled


def _move_out(root):
    """Give root's current memory to a fresh root: existing views and storages of root keep it.
    NOTE: torch's old views/storages keep the old memory when a tensor is set_ elsewhere.
    jtorch keeps no list of a root's views, so they are found with gc.get_referrers (a heap
    scan, some ms); set_ is rare enough for that."""
    from ._storage import UntypedStorage, _rehome
    old = wrap(root._a)
    old._ver = root._ver
    for o in gc.get_referrers(root):
        if isinstance(o, Tensor) and o is not root and o._base is root:
            o._base = old
        elif isinstance(o, UntypedStorage) and o._root is root:
            o._root = old
    _rehome(root, old)
    return old


def _resolve(self, source, storage_offset, size, stride):
    """(root, element offset, size, stride) self must view; raises torch's errors."""
    from ._storage import TypedStorage, _OWNED, _retype
    if isinstance(source, Tensor):
        if source.dtype != self.dtype:
            raise RuntimeError(f"Could not set tensor of type {_CPP.get(source.dtype)} to a "
                               f"tensor of type {_CPP.get(self.dtype)}")
        root = source if source._base is None else source._base
        if size is _MISSING:
            return root, source.storage_offset(), tuple(source.shape), source.stride()
    else:
        if isinstance(source, TypedStorage):
            if source.dtype != self.dtype:
                raise RuntimeError(f"Expected a Storage of type {_CPP.get(self.dtype)} or an "
                                   f"UntypedStorage, but got type {_SCALAR.get(source.dtype)} "
                                   f"for argument 1 'storage'")
            source = source._untyped_storage
        root = source._root
        if root.dtype != self.dtype:
            if root.__dict__.get(_OWNED) and not root.__dict__.get("_jt_set"):
                _retype(root, self.dtype)  # NOTE: a fresh storage takes its first user's dtype
            else:
                raise NotImplementedError(
                    f"jtorch: set_ of a {self.dtype} tensor onto the storage of a "
                    f"{root.dtype} tensor is unsupported (jtorch cannot reinterpret a tensor's "
                    f"memory as another dtype)")
        if source._off or source._n is not None:
            # NOTE: torch's storage slice is a storage of its own (offsets count from its
            # start); a jtorch tensor's offset always counts from its root.
            raise NotImplementedError("jtorch: set_ onto a slice of a storage (storage[a:b]) "
                                      "is unsupported; use the whole storage and an offset")
        if size is _MISSING:
            return root, 0, (source.nbytes() // self.dtype.itemsize,), (1,)
    return root, operator.index(storage_offset), size, stride


def set_(self, source=_MISSING, storage_offset=_MISSING, size=_MISSING, stride=None):
    """Make self share source's memory (with the given layout), or empty it (Tensor.set_)."""
    from ._storage import UntypedStorage, TypedStorage
    given = [a for a in (source, storage_offset, size) if a is not _MISSING]
    if stride is not None:
        given.append(stride)
    if source is not _MISSING and not isinstance(source, (Tensor, UntypedStorage, TypedStorage)):
        raise _bad_args(given)
    if (storage_offset is _MISSING) != (size is _MISSING) or (size is _MISSING and
                                                               stride is not None):
        raise _bad_args(given)
    if _grad_enabled():
        if self._rg and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if self._rg or (isinstance(source, Tensor) and source._rg):
            # NOTE: torch records a NotImplemented grad_fn here (backward through it fails).
            raise NotImplementedError("jtorch: set_ with tensors that require grad is "
                                      "unsupported outside torch.no_grad()")
    if source is _MISSING:
        if self._base is None:
            _move_out(self)
        self._a = jnp.zeros((0,), self._a.dtype, device=_device_of(self._a))
        self._base = self._st = None
        self._ver += 1
        self._gfn = None
        return self
    if size is not _MISSING:
        if not isinstance(size, (tuple, list)) or not (stride is None or
                                                       isinstance(stride, (tuple, list))):
            raise _bad_args(given)
        size = _ints(size)
        stride = _view.contiguous_strides(size) if stride is None else _ints(stride)
        if len(stride) != len(size):
            raise RuntimeError(f"unequal size length ({len(size)}) and stride length "
                               f"({len(stride)})")
        if operator.index(storage_offset) < 0:
            raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
        if builtins.any(n < 0 for n in size):
            raise RuntimeError("numel: integer multiplication overflow")
        if builtins.any(st < 0 for st in stride):
            raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} "
                               f"and strides={list(stride)}")
    root, off, size, stride = _resolve(self, source, storage_offset, size, stride)
    need = 0 if 0 in size else off + builtins.sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if need > root._a.size:
        # NOTE: torch grows the storage (new memory is uninitialised); a shared jtorch root
        # cannot grow underneath the tensors using it.
        raise NotImplementedError(
            f"jtorch: set_ with size {list(size)}, stride {list(stride)} and storage offset "
            f"{off} needs {need} elements but the storage holds {root._a.size}: growing a "
            f"storage is unsupported")
    if root is self or self._base is None:
        moved = _move_out(self)
        if root is self:
            root = moved
    root.__dict__["_jt_set"] = True
    self._base = root
    self._st = (tuple(stride), off)
    self._a = _view.read(root._a, size, tuple(stride), off)
    self._seen = root._ver
    self._gfn = None
    self._gv = None  # NOTE: like .data / detach(): a memory alias outside autograd
    return self


def _device_of(a):
    try:
        return next(iter(a.devices()))
    except AttributeError:
        return None
