"""Loading side of torch's format: storages, tensor rebuild functions, the global allow-list.

Every tensor is rebuilt as its own array first; when the whole object is loaded, the tensors
of one storage are tied together: a tensor covering the storage contiguously becomes the root
and the others become jtorch views of it (or of a hidden flat root), so a write through one is
seen by the others, as after torch.load.
"""
import _codecs
import collections
import math
import threading

import jax
import numpy as np

from .. import _dtype as D
from .. import _device as DEV
from .. import _view
from .._size import Size
from .._tensor import Tensor, wrap

__all__ = ["LoadContext", "torch_globals", "StorageType", "LoadedStorage"]


class StorageType:
    """Stand-in for torch's storage classes (FloatStorage, ..., UntypedStorage) in a pickle."""

    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"StorageType(dtype={self.dtype})" if self.dtype else "UntypedStorage"


class LoadedStorage:
    """One storage record of a checkpoint: flat host bytes, its dtype and target device.

    This is what a `map_location` callable receives; it may return it, `.cpu()`, `.cuda(i)` or
    `.to(device)` of it."""

    __slots__ = ("_ctx", "key", "dtype", "_host", "location", "_device")

    def __init__(self, ctx, key, dtype, host, location, device):
        self._ctx, self.key, self.dtype, self._host = ctx, key, dtype, host
        self.location, self._device = location, device

    def _moved(self, device):
        return LoadedStorage(self._ctx, self.key, self.dtype, self._host, self.location,
                             str(DEV.device(device)))

    @property
    def device(self):
        return DEV.device(self._device)

    def _jax_device(self):
        return DEV.to_jax_device(self._device)

    def cpu(self):
        """This storage placed on the cpu."""
        return self._moved("cpu")

    def cuda(self, device=None, non_blocking=False):
        """This storage placed on a CUDA (JAX GPU) device."""
        return self._moved("cuda" if device is None else
                           (f"cuda:{device}" if isinstance(device, int) else device))

    def to(self, device=None, non_blocking=False):
        """This storage placed on `device`."""
        return self._moved(device)

    def size(self):
        """Number of elements."""
        return self._host.size

    __len__ = size

    def nbytes(self):
        """Number of bytes."""
        return self._host.nbytes

    def element_size(self):
        """Bytes per element."""
        return self._host.dtype.itemsize

    def typed(self, dtype):
        """The flat host array viewed as `dtype` (for untyped byte storages)."""
        if dtype is self.dtype or dtype._np == self._host.dtype:
            return self._host
        h = self._host
        if h.dtype != np.uint8:
            raise RuntimeError(f"cannot view a {self.dtype} storage as {dtype}")
        if h.size % dtype.itemsize:
            raise RuntimeError(f"storage of {h.size} bytes is not a whole number of {dtype} "
                               f"elements")
        return h.view(dtype._np)


def _restore_device(storage, location):
    """torch's default_restore_location: the device named by `location`, checked."""
    loc = str(location)
    if loc == "meta" or loc.startswith("meta:"):
        raise NotImplementedError("jtorch.load: map_location='meta' is not supported (jtorch "
                                  "has no meta tensors)")
    dev = DEV.device(loc)
    if dev.type == "cuda" and not DEV._platform_devices("gpu"):
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "torch.cuda.is_available() is False. If you are running on a "
                           "CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    return storage._moved(dev)


class LoadContext:
    """Per-load state: records, storages by key, and the tensors of each storage."""

    def __init__(self, reader, map_location, mmap, byteorder, deferred=False):
        self.reader, self.mmap, self.byteorder = reader, mmap, byteorder
        self.storages = {}
        self.groups = collections.OrderedDict()
        self.restore = _restore_fn(map_location)
        # NOTE: deferred: tensors hold their host (NumPy) array until finalize() places all of
        # them with one batched device_put (per-array device_put dominates loading many small
        # tensors). Only for loads where nothing but the rebuild functions sees the tensors.
        self.deferred = deferred
        self.pending = []

    def persistent_load(self, pid):
        """The storage named by torch's persistent id ('storage', type, key, location, numel)."""
        import pickle
        if type(pid) is not tuple or len(pid) != 5 or _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got "
                                         f"{pid!r:.80}")
        _, stype, key, location, numel = pid
        key, location = _ascii(key), _ascii(location)
        if type(stype) is not StorageType:
            raise pickle.UnpicklingError(f"persistent id names {stype!r:.60}, not a storage type")
        if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int \
                or numel < 0:
            raise pickle.UnpicklingError("malformed storage id in checkpoint")
        st = self.storages.get(key)
        if st is None:
            dtype = stype.dtype or D.uint8
            nbytes = numel * dtype.itemsize
            raw = self.reader.get_array(f"data/{key}", nbytes, mmap=self.mmap)
            host = raw.view(dtype._np)
            if self.byteorder == "big" and dtype.itemsize > 1:
                host = host.byteswap()  # NOTE: a copy in native (little) order
            st = LoadedStorage(self, key, dtype, host, location, "cpu")
            st = self.restore(st, location)
            if not isinstance(st, LoadedStorage):
                raise TypeError(f"map_location must return a storage (or None), got "
                                f"{type(st).__name__}")
            self.storages[key] = st
        return st

    def tensor(self, storage, offset, size, stride, dtype):
        """A fresh tensor with torch's (offset, size, stride) layout over `storage`."""
        if not isinstance(storage, LoadedStorage):
            raise RuntimeError(f"expected a storage, got {type(storage).__name__}")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        if type(offset) is not int or offset < 0 or len(size) != len(stride):
            raise RuntimeError(f"invalid tensor layout: offset={offset!r}, size={size}, "
                               f"stride={stride}")
        host = storage.typed(dtype)
        numel = math.prod(size)
        if numel:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= host.size:
                raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, "
                                   f"storage offset {offset} are out of bounds for storage of "
                                   f"{host.size} elements")
        full = offset == 0 and numel == host.size and _view.is_contiguous(size, stride)
        if full:
            arr = host.reshape(size)
        elif numel:
            it = host.dtype.itemsize
            # NOTE: as_strided takes only plain NumPy dtypes: stride over raw bytes (float8...)
            raw = host[offset:].view(f"V{it}")
            arr = np.lib.stride_tricks.as_strided(raw, size, [s * it for s in stride])
            arr = np.ascontiguousarray(arr).view(host.dtype)
        else:
            arr = np.empty(size, host.dtype)
        jdev = storage._jax_device()
        if self.deferred:
            t = wrap(arr)
            self.pending.append((t, arr, jdev))
        else:
            t = wrap(_put(arr, jdev))
        if host.size:
            self.groups.setdefault((storage.key, dtype._name), []).append(
                (t, tuple(stride), offset, full, host, jdev))
        return t

    def finalize(self):
        """Place deferred arrays, then tie the tensors of each storage together as views of
        one root."""
        for entries in self.groups.values():
            if len(entries) == 1 and entries[0][3]:
                continue
            fulls = [e for e in entries if e[3]]
            if fulls:
                root = fulls[0][0]
            else:
                _, _, _, _, host, jdev = entries[0]
                root = wrap(_put(host, jdev))
            for t, stride, offset, _, _, _ in entries:
                if t is not root:
                    t._base, t._st, t._seen = root, (stride, offset), root._ver
        by_dev = collections.defaultdict(list)
        for t, arr, jdev in self.pending:
            if isinstance(t._a, np.ndarray):
                by_dev[jdev].append((t, arr))
        self.pending = []
        for jdev, items in by_dev.items():
            for (t, _), a in zip(items, _put([arr for _, arr in items], jdev)):
                t._a = a


def _put(arr, jdev):
    """arr on jdev; on the cpu JAX adopts the buffer without a copy."""
    # NOTE: arr is always memory this load allocated (or a copy-on-write file mapping) and is
    # never written afterwards, so letting the jax.Array alias it is safe; it halves load
    # time (one copy fewer per storage).
    try:
        return jax.device_put(arr, jdev, may_alias=True)
    except TypeError:  # pragma: no cover - JAX without may_alias
        return jax.device_put(arr, jdev)


def _ints(x, what):
    if isinstance(x, Size) or type(x) in (tuple, list):
        if all(type(v) is int and v >= 0 for v in x):
            return tuple(x)
    raise RuntimeError(f"invalid tensor {what} in checkpoint: {x!r:.80}")


def _ascii(x):
    return x.decode("ascii") if isinstance(x, bytes) else x


def _restore_fn(map_location):
    if map_location is None:
        return _restore_device
    if isinstance(map_location, dict):
        return lambda st, loc: _restore_device(st, map_location.get(loc, loc))
    if isinstance(map_location, (str, bytes, DEV.device)):
        target = _ascii(map_location) if isinstance(map_location, bytes) else map_location
        return lambda st, loc: _restore_device(st, str(target))
    if callable(map_location):
        def restore(st, loc):
            out = map_location(st, loc)
            return _restore_device(st, loc) if out is None else out
        return restore
    raise TypeError(f"map_location should be a str, a torch.device, a dict or a callable, got "
                    f"{type(map_location).__name__}")


# ---- rebuild functions (the only callables a checkpoint may invoke) ---------------------

def _rebuild_tensor(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor."""
    return storage._ctx.tensor(storage, storage_offset, size, stride, storage.dtype)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """torch._utils._rebuild_tensor_v2."""
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    return _finish(t, requires_grad, metadata)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    """torch._utils._rebuild_tensor_v3 (untyped storage + explicit dtype)."""
    if not isinstance(dtype, D.dtype):
        raise RuntimeError(f"_rebuild_tensor_v3: expected a dtype, got {dtype!r:.60}")
    if not isinstance(storage, LoadedStorage):
        raise RuntimeError(f"expected a storage, got {type(storage).__name__}")
    t = storage._ctx.tensor(storage, storage_offset, size, stride, dtype)
    return _finish(t, requires_grad, metadata)


def _finish(t, requires_grad, metadata):
    if metadata:
        # NOTE: torch's metadata carries conj/neg bits; jtorch stores resolved values only.
        raise NotImplementedError(f"jtorch.load: tensor metadata {sorted(metadata)} (conj/neg "
                                  f"bits) is not supported")
    if requires_grad:
        t.requires_grad_(True)
    return t


def _parameter_cls():
    from ..nn.parameter import Parameter
    return Parameter


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """torch._utils._rebuild_parameter: the Parameter keeps data's storage (and views)."""
    if not isinstance(data, Tensor):
        raise RuntimeError(f"_rebuild_parameter: expected a Tensor, got {type(data).__name__}")
    # NOTE: re-class the freshly rebuilt tensor instead of Parameter(data) (which copies into a
    # new root) so parameters sharing a storage stay views of one another, as in torch.
    data.__class__ = _parameter_cls()
    data._rg = False
    if requires_grad:
        data.requires_grad_(True)
    return data


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """torch._utils._rebuild_parameter_with_state."""
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_state(p, state)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: rebuild, re-class to new_type, set Python state."""
    if func not in _TENSOR_REBUILDS:
        raise RuntimeError(f"_rebuild_from_type_v2: unexpected rebuild function {func!r:.60}")
    t = func(*args)
    if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise RuntimeError(f"_rebuild_from_type_v2: {new_type!r:.60} is not a Tensor class")
    if type(t) is not new_type:
        t.__class__ = new_type
    _set_state(t, state)
    return t


def _set_state(t, state):
    if not state:
        return
    if isinstance(state, tuple) and len(state) == 2:
        dict_state, slots = state
        if slots:
            for k, v in slots.items():
                setattr(t, k, v)
        state = dict_state
    if state:
        if not isinstance(state, dict):
            raise RuntimeError("tensor state must be a dict")
        t.__dict__.update(state)


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    """torch._utils._rebuild_device_tensor_from_numpy."""
    from .._ops.creation import tensor
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def _realize(t):
    """Give a deferred tensor (host array) its device array now."""
    if isinstance(t._a, np.ndarray):
        t._a = jax.device_put(t._a)
    return t


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    """torch._utils._rebuild_device_tensor_from_cpu_tensor."""
    t = _realize(data).to(dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _unsupported(kind):
    def f(*args, **kwargs):
        raise NotImplementedError(f"jtorch.load: {kind} tensors are not supported by jtorch")
    f.__name__ = f"_rebuild_{kind.replace(' ', '_')}"
    return f


def _get_layout(name):
    """torch.serialization._get_layout: only the strided layout exists in jtorch."""
    if name == "torch.strided":
        from .._tensor import strided
        return strided
    raise NotImplementedError(f"jtorch.load: layout {name} is not supported")


_TENSOR_REBUILDS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                    _rebuild_parameter_with_state}
_cache = {}
_lock = threading.Lock()


def torch_globals():
    """torch's weights_only allow-list, mapped to jtorch objects (name -> object)."""
    g = _cache.get("g")
    if g is not None:
        return g
    with _lock:
        from ..nn.parameter import Parameter
        from .._device import device
        from ._pickler import STORAGE_NAMES
        g = {
            "collections.OrderedDict": collections.OrderedDict,
            "collections.Counter": collections.Counter,
            "torch.nn.parameter.Parameter": Parameter,
            "torch.serialization._get_layout": _get_layout,
            "torch.Size": Size,
            "torch.Tensor": Tensor,
            "torch.device": device,
            "_codecs.encode": _codecs.encode,
            "builtins.bytearray": bytearray,
            "builtins.set": set,
            "builtins.complex": complex,
            "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
            "torch.storage.UntypedStorage": StorageType("UntypedStorage", None),
        }
        for d in D.ALL:
            g[f"torch.{d._name}"] = d
        for name, sname in STORAGE_NAMES.items():
            g[f"torch.{sname}"] = StorageType(sname, D._BY_NAME[name])
        for f in (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                  _rebuild_parameter_with_state, _rebuild_device_tensor_from_numpy,
                  _rebuild_device_tensor_from_cpu_tensor):
            g[f"torch._utils.{f.__name__}"] = f
        for kind in ("qtensor", "sparse_tensor", "meta_tensor_no_storage", "nested_tensor",
                     "wrapper_subclass"):
            g[f"torch._utils._rebuild_{kind}"] = _unsupported(kind.replace("_", " "))
        _cache["g"] = g
    return g
