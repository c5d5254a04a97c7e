"""torch.accelerator: the device-agnostic accelerator API. jtorch's accelerator is CUDA (a JAX GPU
backend, see jtorch.cuda); without one everything behaves like a CPU-only build of torch.
"""
import builtins
import collections
import warnings

from . import _device as DEV
from . import cuda as _cuda

__all__ = ["Graph", "current_accelerator", "current_device_idx", "current_device_index",
           "get_device_capability", "current_stream", "device_count", "device_index",
           "empty_cache", "empty_host_cache", "get_memory_info", "is_available",
           "max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved",
           "memory_stats", "reset_accumulated_memory_stats", "reset_peak_memory_stats",
           "set_device_idx", "set_device_index", "set_stream", "synchronize"]

_NO_ACC = "Cannot access accelerator device when none is available."


def _acc():
    """The accelerator jtorch was 'built' with: cuda when JAX has a GPU backend, else None."""
    # NOTE: torch's answer is fixed at compile time; jtorch's equivalent is whether JAX has a GPU
    # backend at all, which is also what makes cuda available, so check_available never differs.
    return DEV.device("cuda") if _cuda.is_available() else None


def _require():
    if _acc() is None:
        raise RuntimeError(_NO_ACC)


def _get_device_index(device, optional=False):
    """The device index meant by an int / str / torch.device (torch.accelerator._utils)."""
    if isinstance(device, builtins.int):
        return device
    if isinstance(device, builtins.str):
        device = DEV.device(device)
    device_index = None
    if isinstance(device, DEV.device):
        acc = current_accelerator()
        if acc is None:
            raise RuntimeError("Accelerator expected")
        if acc.type != device.type:
            raise ValueError(f"{device.type} doesn't match the current accelerator {acc}.")
        device_index = device.index
    if device_index is None:
        if not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, "
                             f"but got:{device}")
        return current_device_index()
    return device_index


def device_count():
    """Number of devices of the current accelerator (0 without one)."""
    acc = current_accelerator()
    if acc is None:
        return 0
    return _cuda.device_count()


def is_available():
    """Whether an accelerator is available (a JAX GPU backend with at least one device)."""
    acc = current_accelerator()
    if acc is None:
        return False
    return _cuda.is_available()


def current_accelerator(check_available=False):
    """torch.device('cuda') when jtorch has a JAX GPU backend, else None."""
    acc = _acc()
    if acc is not None and (not check_available or is_available()):
        return acc
    return None


def current_device_index():
    """Index of the currently selected accelerator device."""
    _require()
    return _cuda.current_device()


def current_device_idx():
    """(Deprecated) current_device_index()."""
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def get_device_capability(device=None, /):
    """{'supported_dtypes': set of dtypes} of an accelerator device."""
    idx = _get_device_index(device, optional=True)
    _require()
    _cuda._jax_device(idx)  # NOTE: torch's error for a device that does not exist
    from . import _dtype
    # NOTE: every dtype jtorch can hold on a JAX GPU (quantized dtypes do not exist in jtorch).
    return {"supported_dtypes": {d for d in vars(_dtype).values()
                                 if isinstance(d, _dtype.dtype)}}


def set_device_index(device, /):
    """Make `device` the current accelerator device (a no-op for a negative index)."""
    idx = _get_device_index(device, optional=False)
    if idx < 0:
        return
    _require()
    _cuda.set_device(idx)


def set_device_idx(device, /):
    """(Deprecated) set_device_index(device)."""
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    return set_device_index(device)


def _no_streams(what):
    return NotImplementedError(
        f"torch.accelerator.{what}: jtorch has no streams (XLA orders the work on a device "
        f"itself); use torch.accelerator.synchronize() to wait for a device")


def current_stream(device=None, /):
    """Not supported with an accelerator (jtorch has no streams); torch's error without one."""
    _get_device_index(device, optional=True)
    _require()
    raise _no_streams("current_stream")


def set_stream(stream):
    """Not supported with an accelerator (jtorch has no streams); torch's error without one."""
    _require()
    raise _no_streams("set_stream")


def synchronize(device=None, /):
    """Wait until all work queued on the accelerator device has finished."""
    idx = _get_device_index(device, optional=True)
    _require()
    _cuda.synchronize(idx)


class device_index:
    """Context manager that selects an accelerator device index for its block (None: no-op)."""

    def __init__(self, device, /):
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc_info):
        if self.idx is not None and self.prev_idx >= 0:
            set_device_index(self.prev_idx)


class Graph:
    """torch.accelerator.Graph: not supported (jtorch cannot capture and replay device graphs)."""

    def __init__(self, keep_graph=False, *, pool=None, capture_error_mode="default"):
        _require()
        # NOTE: CUDA-graph capture of eagerly issued kernels has no JAX equivalent; the way to
        # cut launch overhead in jtorch is torch.compile (one XLA program per step).
        raise NotImplementedError("torch.accelerator.Graph: jtorch cannot capture and replay "
                                  "accelerator graphs; use torch.compile instead")


# ---- memory ------------------------------------------------------------------------------------
def empty_cache():
    """Release cached accelerator memory (a no-op: XLA's allocator manages it)."""
    _require()
    _cuda.empty_cache()


def empty_host_cache():
    """Release cached pinned host memory (a no-op: jtorch has no pinned-memory cache)."""
    _require()


def _stats(idx):
    return _cuda._stats(_cuda._jax_device(idx))


def memory_stats(device_index=None, /):
    """The allocator statistics JAX reports, under torch's flat names where one fits."""
    _require()
    s = _stats(_get_device_index(device_index, optional=True))
    # NOTE: XLA's allocator has no pools or segment counts: only the totals it reports exist.
    names = {"allocated_bytes.all.current": "bytes_in_use",
             "allocated_bytes.all.peak": "peak_bytes_in_use",
             "reserved_bytes.all.current": "bytes_reserved",
             "reserved_bytes.all.peak": "peak_bytes_reserved",
             "num_alloc_retries": None, "num_ooms": None}
    flat = {k: s[v] for k, v in names.items() if v in s}
    if "reserved_bytes.all.current" not in flat and "bytes_in_use" in s:
        flat["reserved_bytes.all.current"] = s["bytes_in_use"]
    if "reserved_bytes.all.peak" not in flat and "peak_bytes_in_use" in s:
        flat["reserved_bytes.all.peak"] = s["peak_bytes_in_use"]
    return collections.OrderedDict(sorted(flat.items()))


def memory_allocated(device_index=None, /):
    """Bytes held by arrays on the accelerator device."""
    _require()
    return _cuda.memory_allocated(_get_device_index(device_index, optional=True))


def max_memory_allocated(device_index=None, /):
    """Peak bytes held by arrays on the accelerator device."""
    _require()
    return _cuda.max_memory_allocated(_get_device_index(device_index, optional=True))


def memory_reserved(device_index=None, /):
    """Bytes reserved by the allocator on the accelerator device."""
    _require()
    return _cuda.memory_reserved(_get_device_index(device_index, optional=True))


def max_memory_reserved(device_index=None, /):
    """Peak bytes reserved by the allocator on the accelerator device."""
    return memory_stats(device_index).get("reserved_bytes.all.peak", 0)


def _no_reset(what, device_index):
    _require()
    _get_device_index(device_index, optional=True)
    # NOTE: JAX's device memory statistics cannot be reset; a silent no-op would make the next
    # max_memory_allocated() report a stale peak.
    raise NotImplementedError(f"torch.accelerator.{what}: JAX's device memory statistics cannot "
                              f"be reset")


def reset_accumulated_memory_stats(device_index=None, /):
    """Not supported with an accelerator (JAX's statistics cannot be reset)."""
    _no_reset("reset_accumulated_memory_stats", device_index)


def reset_peak_memory_stats(device_index=None, /):
    """Not supported with an accelerator (JAX's statistics cannot be reset)."""
    _no_reset("reset_peak_memory_stats", device_index)


def get_memory_info(device_index=None, /):
    """(free, total) bytes of the accelerator device as XLA's allocator sees them."""
    idx = _get_device_index(device_index, optional=True)
    _require()
    s = _stats(idx)
    # NOTE: torch asks the driver (whole device, all processes); JAX reports its allocator's
    # limit (by default a fraction of the device) and what this process holds in it.
    total = s.get("bytes_limit", 0)
    return (total - s.get("bytes_in_use", 0), total)
