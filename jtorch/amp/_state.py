"""Autocast state (torch's thread-local autocast flags) and the top-level torch.* functions.

Per thread and device type: enabled, dtype; plus the weight-cast cache, its on/off flag and the
nesting depth of autocast regions. While any thread has autocast enabled for some device type,
`registry.AUTOCAST` holds the casting hook (jtorch/amp/_policy.py, installed through
`registry.set_autocast`); otherwise it is None, so the eager dispatch path pays one global read and
one `is not None` test (of `registry.INTERCEPT`).
"""
import threading
import warnings

from .. import _device as DEV
from .. import _dtype as D
from .._ops import registry as _reg

__all__ = ["is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
           "set_autocast_dtype", "get_autocast_gpu_dtype", "get_autocast_cpu_dtype",
           "set_autocast_gpu_dtype", "set_autocast_cpu_dtype", "is_autocast_cpu_enabled",
           "set_autocast_cpu_enabled", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
           "clear_autocast_cache", "autocast_increment_nesting", "autocast_decrement_nesting",
           "get_autocast_ipu_dtype", "is_autocast_ipu_enabled", "is_autocast_xla_enabled",
           "get_autocast_xla_dtype"]

# NOTE: torch's defaults (torch.get_autocast_dtype(d) in 2.13); jtorch's 'tpu' gets bfloat16.
_DEFAULT_DTYPE = {"cpu": D.bfloat16, "cuda": D.float16, "xla": D.bfloat16, "mps": D.float16,
                  "xpu": D.float16, "hpu": D.bfloat16, "mtia": D.float16, "maia": D.bfloat16,
                  "ipu": D.float16, "privateuseone": D.float16, "tpu": D.bfloat16}
# NOTE: the device types torch.amp.is_autocast_available accepts (torch 2.13), plus 'tpu'.
AVAILABLE = frozenset(_DEFAULT_DTYPE)


class _TLS(threading.local):
    def __init__(self):
        self.enabled = {}   # device type -> True, only for enabled device types
        self.dtype = {}     # device type -> jtorch dtype, where set (else _DEFAULT_DTYPE)
        self.cache_enabled = True
        self.nesting = 0
        self.cache = {}     # id(weight) -> (weight, version, dtype, cast weight)


TLS = _TLS()
# NOTE: (thread ident, device type) pairs with autocast enabled, in any thread; the dispatch
# hook is installed exactly while this is non-empty.
_ACTIVE = set()
_LOCK = threading.Lock()


def _refresh():
    from . import _policy
    _reg.set_autocast(_policy.hook if _ACTIVE else None)


def _device_type(device_type):
    """Validate a device type string as torch does (torch's RuntimeError for unknown ones)."""
    if not isinstance(device_type, str):
        raise TypeError(f"expected a device type string, got {type(device_type).__name__}")
    return DEV.device(device_type).type


def is_autocast_enabled(device_type=None):
    """Whether autocast is enabled for `device_type` in this thread (no argument: 'cuda')."""
    d = "cuda" if device_type is None else _known(device_type)
    return d in TLS.enabled


def _known(device_type):
    d = _device_type(device_type)
    if d not in AVAILABLE:
        raise RuntimeError("unknown device type for autocast in "
                           "get_autocast_dispatch_key_from_device_type")
    return d


def set_autocast_enabled(*args):
    """set_autocast_enabled(device_type, enabled), or the legacy set_autocast_enabled(enabled)
    for 'cuda'."""
    if len(args) == 1:
        d, enabled = "cuda", args[0]
    elif len(args) == 2:
        d, enabled = _known(args[0]), args[1]
    else:
        raise TypeError("set_autocast_enabled() takes (device_type, enabled) or (enabled)")
    if not isinstance(enabled, bool):
        raise TypeError(f"set_autocast_enabled(): argument 'enabled' must be bool, not "
                        f"{type(enabled).__name__}")
    key = (threading.get_ident(), d)
    with _LOCK:
        if enabled:
            TLS.enabled[d] = True
            _ACTIVE.add(key)
        else:
            TLS.enabled.pop(d, None)
            _ACTIVE.discard(key)
        _refresh()


def get_autocast_dtype(device_type):
    """The dtype autocast uses for `device_type` in this thread."""
    d = _device_type(device_type)
    r = TLS.dtype.get(d) or _DEFAULT_DTYPE.get(d)
    if r is None:  # NOTE: torch's message for a device type autocast knows nothing of ('meta')
        raise RuntimeError("unsupported scalarType")
    return r


def set_autocast_dtype(device_type, dtype):
    """Set the dtype autocast uses for `device_type` in this thread."""
    d = _device_type(device_type)
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"set_autocast_dtype(): argument 'dtype' must be torch.dtype, not "
                        f"{type(dtype).__name__}")
    TLS.dtype[d] = dtype


def _deprecated(old, new):
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def get_autocast_gpu_dtype():
    """Deprecated: get_autocast_dtype('cuda')."""
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def get_autocast_cpu_dtype():
    """Deprecated: get_autocast_dtype('cpu')."""
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def set_autocast_gpu_dtype(dtype):
    """Deprecated: set_autocast_dtype('cuda', dtype)."""
    _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


def set_autocast_cpu_dtype(dtype):
    """Deprecated: set_autocast_dtype('cpu', dtype)."""
    _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def is_autocast_cpu_enabled():
    """Deprecated: is_autocast_enabled('cpu')."""
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    """Deprecated: set_autocast_enabled('cpu', enabled)."""
    _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_ipu_dtype():
    """Deprecated: get_autocast_dtype('ipu')."""
    _deprecated("get_autocast_ipu_dtype", "get_autocast_dtype('ipu')")
    return get_autocast_dtype("ipu")


def is_autocast_ipu_enabled():
    """Deprecated: is_autocast_enabled('ipu')."""
    _deprecated("is_autocast_ipu_enabled", "is_autocast_enabled('ipu')")
    return is_autocast_enabled("ipu")


def get_autocast_xla_dtype():
    """Deprecated: get_autocast_dtype('xla')."""
    _deprecated("get_autocast_xla_dtype", "get_autocast_dtype('xla')")
    return get_autocast_dtype("xla")


def is_autocast_xla_enabled():
    """Deprecated: is_autocast_enabled('xla')."""
    _deprecated("is_autocast_xla_enabled", "is_autocast_enabled('xla')")
    return is_autocast_enabled("xla")


def is_autocast_cache_enabled():
    """Whether autocast caches the casts of weights (leaf tensors requiring grad)."""
    return TLS.cache_enabled


def set_autocast_cache_enabled(enabled):
    """Turn autocast's weight-cast cache on or off for this thread."""
    TLS.cache_enabled = bool(enabled)


def clear_autocast_cache():
    """Drop the cached weight casts of this thread."""
    TLS.cache.clear()


def autocast_increment_nesting():
    """Enter one autocast region; returns the new depth."""
    TLS.nesting += 1
    return TLS.nesting


def autocast_decrement_nesting():
    """Leave one autocast region; returns the new depth."""
    TLS.nesting -= 1
    return TLS.nesting
