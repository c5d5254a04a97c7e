"""DataLoader worker processes, worker info, and the collation core (stdlib + NumPy only).

NOTE: this module never imports jtorch or JAX at module level. A worker process loads it by file
path under its real name (see `_BOOTSTRAP`), so starting a worker does not import jtorch and
never initialises a JAX backend. Workers run only the dataset's `__getitem__`/`__iter__`, the
collate function and `worker_init_fn`. The default collate runs in "NumPy mode" inside a worker:
every value that torch's default_collate would turn into a tensor is collated into a NumPy array
wrapped in `_Leaf`; a `_Leaf` unpickles in the main process as a jtorch tensor, so the conversion
to jtorch tensors happens in the main process. If a dataset or collate_fn itself uses jtorch,
jtorch is imported in the worker with JAX_PLATFORMS=cpu (set by the parent before the worker
starts), so a worker never touches an accelerator. Workers never run the parent's main module
(see _mp_iter._fresh_workers): what the parent defined there arrives cloudpickled by value, and
what a worker sends back refers to the parent's `__main__` by name (see `_ResultPickler`).
"""
import collections
import collections.abc
import copy
import functools
import io
import os
import pickle
import queue
import random
import re
import sys
import traceback
import types
from dataclasses import dataclass

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

MP_STATUS_CHECK_INTERVAL = 5.0
np_str_obj_array_pattern = re.compile(r"[SaUO]")
default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """Information about the current DataLoader worker process (read-only, as in torch)."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


def get_worker_info():
    """The current worker's WorkerInfo inside a DataLoader worker process, else None."""
    return _worker_info


# ---- collation core (shared by jtorch's default_collate and the workers' NumPy mode) --------

def collate(batch, *, collate_fn_map=None):
    """torch's generic collate: dispatch on the first element's type through collate_fn_map,
    recursing into mappings, namedtuples and sequences."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                              for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch],
                                           collate_fn_map=collate_fn_map) for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                    for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map)
                              for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def convert(data, leaf):
    """torch's default_convert traversal; `leaf(data)` converts tensors / NumPy values (returns
    `NotImplemented` for anything else)."""
    out = leaf(data)
    if out is not NotImplemented:
        return out
    elem_type = type(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: convert(data[key], leaf) for key in data})
                return clone
            return elem_type({key: convert(data[key], leaf) for key in data})
        except TypeError:
            return {key: convert(data[key], leaf) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(convert(d, leaf) for d in data))
    if isinstance(data, tuple):
        return [convert(d, leaf) for d in data]  # NOTE: torch's backwards-compatible list
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = convert(d, leaf)
                return clone
            return elem_type([convert(d, leaf) for d in data])
        except TypeError:
            return [convert(d, leaf) for d in data]
    return data


def is_numpy_value(data):
    """True for NumPy arrays/scalars that default_convert turns into tensors."""
    t = type(data)
    if t.__module__ != "numpy" or t.__name__ in ("str_", "string_"):
        return False
    return not (t.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str))


def check_stack_shapes(shapes):
    """torch.stack's error for elements of different shapes."""
    first = shapes[0]
    for i, s in enumerate(shapes):
        if s != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(s)} at entry {i}")


def int_batch_array(batch):
    """NumPy array for a batch of Python ints/bools with torch.tensor's dtype inference."""
    arr = np.asarray(batch)
    k = arr.dtype.kind
    if k == "b":
        return arr
    if k == "i":
        return arr.astype(np.int64, copy=False)
    if k == "u":
        raise ValueError("Overflow when unpacking long long")
    if k == "f":
        return arr.astype(np.float32)  # NOTE: torch's default dtype for ints mixed with floats
    raise TypeError(f"new(): invalid data type '{type(batch[0]).__name__}'")


# ---- NumPy mode (inside workers) --------------------------------------------------------------

class _Leaf:
    """A NumPy array standing for a tensor; it unpickles as a jtorch tensor."""
    __slots__ = ("arr",)

    def __init__(self, arr):
        self.arr = arr

    def __reduce__(self):
        return (_make_tensor, (self.arr,))


def _make_tensor(arr):
    """Unpickle helper: the jtorch tensor for a worker's `_Leaf` (runs in the main process)."""
    import jtorch
    return jtorch.as_tensor(arr)


# NOTE: pickle imports the module named by a function's __module__ with __import__, which for a
# dotted name imports the top-level package: pickling `jtorch.utils.data._worker._make_tensor`
# in a worker would import all of jtorch (and JAX) there. The module is therefore also registered
# under a top-level alias, in the main process (below) and in workers (_BOOTSTRAP).
_ALIAS = "_jtorch_data_worker"
_make_tensor.__module__ = _ALIAS
sys.modules.setdefault(_ALIAS, sys.modules[__name__])


def _main_lookup(qualname):
    """The object `qualname` names in this process's `__main__`, or None."""
    obj = sys.modules.get("__main__")
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _from_main(qualname):
    """Unpickle helper (runs in the main process): the class/function `qualname` of `__main__`."""
    obj = _main_lookup(qualname)
    if obj is None:
        raise pickle.UnpicklingError(f"DataLoader worker sent __main__.{qualname}, which the "
                                     f"main module does not define")
    return obj


_from_main.__module__ = _ALIAS


class _ResultPickler(pickle.Pickler):
    """Pickles what a worker sends back (batches, exception classes).

    NOTE: a worker never runs the parent's main module, so a class or function the parent
    defined in `__main__` (a namedtuple a collate_fn returns, an exception a dataset raises)
    exists here only as cloudpickle's by-value copy, which plain pickle cannot find by name in
    this process's `__main__`. It goes back as a reference to the parent's `__main__` instead, so
    the parent gets its own class (isinstance and `except` work as they do with fork). Under
    'fork' the lookup finds the object itself and pickling is the default.
    """

    def reducer_override(self, obj):
        if isinstance(obj, (type, types.FunctionType)) and \
                getattr(obj, "__module__", None) == "__main__":
            qualname = getattr(obj, "__qualname__", "")
            if "<locals>" not in qualname and _main_lookup(qualname) is not obj:
                return _from_main, (qualname,)
        return NotImplemented


def _dumps(obj):
    """Pickle `obj` for the main process (see `_ResultPickler`)."""
    buf = io.BytesIO()
    _ResultPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _jtorch_tensor_type():
    jt = sys.modules.get("jtorch")
    return getattr(jt, "Tensor", None)


def _np_of(x):
    return np.asarray(x.detach()) if hasattr(x, "detach") else np.asarray(x)


def _np_collate_tensor(batch, *, collate_fn_map=None):
    arrs = [_np_of(b) for b in batch]
    check_stack_shapes([a.shape for a in arrs])
    return _Leaf(np.stack(arrs))


def _promote(dtypes):
    """torch.promote_types over NumPy dtypes: the highest category (bool < int < float <
    complex) wins, NumPy's promotion within it (NumPy alone would make int32 + float32 float64)."""
    def cat(d):
        return "biufc".index(d.kind) if d.kind in "biufc" else 5
    top = max(cat(d) for d in dtypes)
    if top == 2:
        top = 1  # NOTE: signed and unsigned ints share a category
    return functools.reduce(np.promote_types, [d for d in dtypes if cat(d) >= top])


def _np_collate_array(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    check_stack_shapes([b.shape for b in batch])
    if any(b.dtype != elem.dtype for b in batch):
        return _Leaf(np.stack(batch).astype(_promote([b.dtype for b in batch])))
    return _Leaf(np.stack(batch))


def _np_collate_scalar(batch, *, collate_fn_map=None):
    if any(type(b) is not type(batch[0]) for b in batch):
        dt = _promote([np.asarray(b).dtype for b in batch])
        return _Leaf(np.asarray([b.item() for b in batch], dtype=dt))
    return _Leaf(np.asarray(batch))


def _np_collate_float(batch, *, collate_fn_map=None):
    return _Leaf(np.asarray(batch, dtype=np.float64))


def _np_collate_int(batch, *, collate_fn_map=None):
    return _Leaf(int_batch_array(batch))


def _collate_str(batch, *, collate_fn_map=None):
    return batch


def _np_collate_map():
    m = {}
    tensor_type = _jtorch_tensor_type()
    if tensor_type is not None:
        m[tensor_type] = _np_collate_tensor
    m[np.ndarray] = _np_collate_array
    m[(np.bool_, np.number, np.object_)] = _np_collate_scalar
    m[float] = _np_collate_float
    m[int] = _np_collate_int
    m[str] = _collate_str
    m[bytes] = _collate_str
    return m


def np_default_collate(batch):
    """default_collate in NumPy mode (workers): tensors leave the worker as `_Leaf` arrays."""
    return collate(batch, collate_fn_map=_np_collate_map())


def _np_leaf(data):
    tensor_type = _jtorch_tensor_type()
    if tensor_type is not None and isinstance(data, tensor_type):
        return data
    if is_numpy_value(data):
        return _Leaf(np.asarray(data))
    return NotImplemented


def np_default_convert(data):
    """default_convert in NumPy mode (workers)."""
    return convert(data, _np_leaf)


class _ArrayDataset:
    """A TensorDataset's arrays inside a worker (used only with the default collate)."""

    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        return tuple(_Leaf(a[index]) for a in self.arrays)

    def batch(self, indices):
        return [_Leaf(a[np.asarray(indices, dtype=np.int64)]) for a in self.arrays]


# ---- worker seeding and errors ----------------------------------------------------------------

def _generate_state(base_seed, worker_id):
    """torch's per-worker NumPy seed (a SeedSequence-style hash of base_seed and worker_id)."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_A = INIT_A

    def hash_(value):
        nonlocal hash_const_A
        value = (value ^ hash_const_A) & MASK32
        hash_const_A = (hash_const_A * MULT_A) & MASK32
        value = (value * hash_const_A) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = (((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)) & MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    for i in range(4):
        pool[i] = hash_(entropy[i])
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_B = INIT_B
    state = []
    for i_dst in range(4):
        v = (pool[i_dst] ^ hash_const_B) & MASK32
        hash_const_B = (hash_const_B * MULT_B) & MASK32
        v = (v * hash_const_B) & MASK32
        state.append((v ^ (v >> XSHIFT)) & MASK32)
    return state


def _exception_payload():
    """(pickled exception class or None, class name, formatted traceback) of the current error."""
    exc_type, exc, tb = sys.exc_info()
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    try:
        cls = _dumps(exc_type)
    except Exception:
        cls = None
    return (cls, exc_type.__name__, text)


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation = dataset, auto_collation
        self.collate_fn, self.drop_last = collate_fn, drop_last

    def fetch(self, index):
        ds = self.dataset
        if self.auto_collation:
            if isinstance(ds, _ArrayDataset):
                return ds.batch(index)
            if hasattr(ds, "__getitems__") and ds.__getitems__:
                data = ds.__getitems__(index)
            else:
                data = [ds[i] for i in index]
        else:
            data = ds[index]
        return self.collate_fn(data)


class _IterFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    """The object that turns an index (or a batch of indices) into a collated batch."""
    cls = _IterFetcher if is_iterable else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _load(spec, shared):
    """Decode a dataset / collate spec sent by the main process (`shared`: the unpickled objects
    the parent sent in one pickle; a "pickle" spec is an index into it)."""
    kind, payload = spec
    if kind == "pickle":
        return shared[payload]
    if kind == "arrays":
        return _ArrayDataset(payload)
    if kind == "default_collate":
        return np_default_collate
    if kind == "default_convert":
        return np_default_convert
    if kind == "none":
        return None
    raise ValueError(f"unknown worker spec {kind!r}")


def _first_message(index_queue):
    """The ("init", shared, dataset, collate_fn, worker_init_fn) specs; None if the parent died."""
    manager_pid = os.getppid()
    while os.getppid() == manager_pid:
        try:
            return index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
    return None


def _worker_loop(is_iterable, index_queue, data_queue, done_event, auto_collation, drop_last,
                 base_seed, worker_id, num_workers):
    """A worker: fetch batches for (idx, index) tasks until told to stop or the parent dies."""
    global _worker_info
    os.environ["JAX_PLATFORMS"] = "cpu"  # NOTE: if the dataset imports jtorch, stay off GPUs
    where = f"in DataLoader worker process {worker_id}"
    try:
        # NOTE: the dataset comes through the queue, not the Process arguments: the parent's
        # start() then returns at once instead of blocking until this interpreter has booted
        # and read a large pickled dataset from the pipe, so workers boot in parallel.
        first = _first_message(index_queue)
        if first is None or first[0] != "init":
            return
        _, shared_blob, dataset_spec, collate_spec, init_fn_spec = first
        seed = base_seed + worker_id
        random.seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))
        init_exception = None
        fetcher = dataset = collate_fn = None
        try:
            # NOTE: plain pickle.loads; cloudpickle's by-value parts import cloudpickle here.
            shared = () if shared_blob is None else pickle.loads(shared_blob)
            dataset = _load(dataset_spec, shared)
            collate_fn = _load(collate_spec, shared)
            init_fn = _load(init_fn_spec, shared)
            _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                      dataset=dataset)
            jt = sys.modules.get("jtorch")
            if jt is not None and hasattr(jt, "manual_seed"):
                jt.manual_seed(seed)
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = _exception_payload()
        data_queue.put((None, "ready", worker_id))  # NOTE: starts the main process's timeout
        iteration_end = False
        manager_pid = os.getppid()
        while os.getppid() == manager_pid:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if r is None:
                break
            if r[0] == "resume":
                data_queue.put((None, "resume", None))
                iteration_end = False
                if init_exception is None:
                    fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                           drop_last)
                continue
            if done_event.is_set() or iteration_end:
                continue
            _, idx, index = r
            if init_exception is not None:
                msg = (idx, "exc", (where,) + init_exception)
                init_exception = None
            else:
                try:
                    msg = (idx, "ok", _dumps(fetcher.fetch(index)))
                except StopIteration:
                    if not is_iterable:
                        msg = (idx, "exc", (where,) + _exception_payload())
                    else:
                        msg = (idx, "stop", worker_id)
                        iteration_end = True
                except Exception:
                    msg = (idx, "exc", (where,) + _exception_payload())
            data_queue.put(msg)
            del msg, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()


# NOTE: the worker's entry point, run with `exec` (a builtin, so pickling the Process target
# imports nothing). It loads this file under its real module name without importing the jtorch
# package (a forked worker may have jtorch already). `_shim` is the path of jtorch/_shim.py when
# the parent has the `import torch` -> jtorch alias finder installed in-process (`jtorch run`):
# the worker installs the same finder (loaded by path, so jtorch itself is not imported) before
# it unpickles anything, so `import torch` in the worker resolves as in the parent. Under
# PYTHONPATH=compat the worker inherits that environment as well.
_BOOTSTRAP = """
import sys, importlib.util

def _load_by_path(name, path):
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod

if _shim is not None:
    _load_by_path("jtorch._shim", _shim).install()
_mod = _load_by_path("jtorch.utils.data._worker", _path)
sys.modules.setdefault("_jtorch_data_worker", _mod)
_mod._worker_loop(*_args)
"""
