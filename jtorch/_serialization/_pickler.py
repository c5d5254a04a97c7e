"""Pickle jtorch objects in PyTorch's checkpoint layout (data.pkl + one record per storage).

Tensors are written as REDUCE of GLOBAL ``torch._utils _rebuild_tensor_v2`` over a persistent
storage id, dtypes as ``torch float32``, devices/Sizes as ``torch device``/``torch Size``, exactly
as torch.save writes them, so real torch loads the file with weights_only=True. Every other
object is pickled normally (by its jtorch module path).

NOTE: this subclasses pickle's pure-Python Pickler: the C Pickler can only write a GLOBAL for
an object importable under that name, and ``torch._utils`` must not be imported (no torch at
runtime). data.pkl is small (tensor bytes live in separate records), so speed is not at stake.
"""
import collections
import pickle

import jax

from .. import _dtype as D
from .. import _view
from .._device import device as _Device
from .._size import Size
from .._tensor import Tensor

__all__ = ["TorchPickler", "StorageRef", "STORAGE_NAMES"]

# NOTE: torch's legacy typed-storage class names; dtypes without one (uint16/32/64) are saved
# as an UntypedStorage of bytes plus _rebuild_tensor_v3's explicit dtype.
STORAGE_NAMES = {
    "bool": "BoolStorage", "uint8": "ByteStorage", "int8": "CharStorage",
    "int16": "ShortStorage", "int32": "IntStorage", "int64": "LongStorage",
    "float16": "HalfStorage", "bfloat16": "BFloat16Storage", "float32": "FloatStorage",
    "float64": "DoubleStorage", "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
}


class _Global:
    """A reference written as GLOBAL `module name` (never imported while pickling)."""

    __slots__ = ("module", "name")
    _cache = {}

    def __new__(cls, module, name):
        key = (module, name)
        g = cls._cache.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module, g.name = module, name
            cls._cache[key] = g
        return g

    def __call__(self, *args):
        # NOTE: pickle requires a reduce function to be callable; this one is only ever written.
        raise TypeError(f"{self.module}.{self.name} is a pickle reference, not callable")


class StorageRef:
    """One storage to write: the root tensor whose flat array holds it."""

    __slots__ = ("root", "key", "untyped")

    def __init__(self, root, key, untyped):
        self.root, self.key, self.untyped = root, key, untyped


_V2 = _Global("torch._utils", "_rebuild_tensor_v2")
_V3 = _Global("torch._utils", "_rebuild_tensor_v3")
_PARAM = _Global("torch._utils", "_rebuild_parameter")
_PARAM_STATE = _Global("torch._utils", "_rebuild_parameter_with_state")
_FROM_TYPE = _Global("torch._tensor", "_rebuild_from_type_v2")
_TENSOR = _Global("torch", "Tensor")
_SIZE = _Global("torch", "Size")
_DEVICE = _Global("torch", "device")
_UNTYPED = _Global("torch.storage", "UntypedStorage")


def _parameter_cls():
    try:
        from ..nn.parameter import Parameter
        return Parameter
    except ImportError:  # pragma: no cover - nn is part of jtorch
        return None


def _location(t):
    try:
        return str(t.device)
    except Exception:  # NOTE: a tracer has no device; refused below anyway
        return "cpu"


class TorchPickler(pickle._Pickler):
    """A Pickler writing jtorch tensors as torch's persistent storages + rebuild calls."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol=2):
        super().__init__(file, protocol=protocol)
        self.storages = {}  # id(root) -> StorageRef (insertion order = key order)
        self._param_cls = _parameter_cls()

    # ---- GLOBAL references that must not be imported ----------------------------------
    def _save_global_ref(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = _save_global_ref

    def _save_dtype(self, obj):
        self._save_global_ref(_Global("torch", obj._name))

    dispatch[D.dtype] = _save_dtype

    def persistent_id(self, obj):
        """torch's storage id tuple for a StorageRef; None for everything else."""
        if type(obj) is StorageRef:
            root = obj.root
            dt = root.dtype
            if obj.untyped:
                return ("storage", _UNTYPED, obj.key, _location(root), root.numel() * dt.itemsize)
            return ("storage", _Global("torch", STORAGE_NAMES[dt._name]), obj.key,
                    _location(root), root.numel())
        return None

    def _storage_of(self, t):
        root = t if t._base is None else t._base
        ref = self.storages.get(id(root))
        if ref is None:
            if isinstance(root._a, jax.core.Tracer):
                raise RuntimeError("jtorch.save: cannot save a tensor that is being traced "
                                   "(inside jax.jit / jtorch.compile)")
            ref = StorageRef(root, str(len(self.storages)), root.dtype._name not in STORAGE_NAMES)
            self.storages[id(root)] = ref
        return ref

    def _tensor_args(self, t):
        ref = self._storage_of(t)
        if t._base is None:
            stride, offset = _view.contiguous_strides(tuple(t._a.shape)), 0
        else:
            stride, offset = t._st
        args = (ref, offset, tuple(t._a.shape), tuple(stride), bool(t._rg),
                collections.OrderedDict())
        if ref.untyped:
            return _V3, args + (_Global("torch", t.dtype._name),)
        return _V2, args

    def reducer_override(self, obj):
        """torch's reduce tuples for tensors, parameters, sizes and devices."""
        if isinstance(obj, Tensor):
            try:
                state = dict(obj.__dict__)
            except AttributeError:
                state = {}
            fn, args = self._tensor_args(obj)
            pcls = self._param_cls
            if pcls is not None and isinstance(obj, pcls):
                data = _PlainView(fn, args[:4] + (False,) + args[5:])
                if not state:
                    return (_PARAM, (data, bool(obj._rg), collections.OrderedDict()))
                return (_PARAM_STATE, (data, bool(obj._rg), collections.OrderedDict(), state))
            if type(obj) is Tensor and not state:
                return (fn, args)
            cls = _TENSOR if type(obj) is Tensor else type(obj)
            return (_FROM_TYPE, (fn, cls, args, state))
        if type(obj) is _PlainView:
            return (obj.fn, obj.args)
        t = type(obj)
        if t is Size:
            return (_SIZE, (tuple(obj),))
        if t is _Device:
            return (_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented


class _PlainView:
    """The `.data` of a Parameter as torch pickles it: a plain tensor over the same storage."""

    __slots__ = ("fn", "args")

    def __init__(self, fn, args):
        self.fn, self.args = fn, args
