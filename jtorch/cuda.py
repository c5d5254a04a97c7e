"""torch.cuda on JAX: CUDA devices are JAX's GPU devices (`jax.devices('gpu')`).

Without a JAX GPU backend this behaves like a CPU-only build of torch: `is_available()` is
False, `device_count()` is 0, and calls that need a device raise torch's
AssertionError("Torch not compiled with CUDA enabled").
"""
import builtins
import sys

import jax

from . import _device as DEV
from . import _random as R

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
           "get_device_name", "get_device_capability", "get_device_properties", "empty_cache",
           "is_bf16_supported", "is_initialized", "init", "device", "memory_allocated",
           "max_memory_allocated", "memory_reserved"]


def _gpus():
    return DEV._platform_devices("gpu")


def _lazy_init():
    if not _gpus():
        raise AssertionError("Torch not compiled with CUDA enabled")


def is_available():
    """True if JAX has a GPU backend with at least one device."""
    return builtins.bool(_gpus())


def device_count():
    """Number of JAX GPU devices (0 without a GPU backend)."""
    return len(_gpus())


def is_initialized():
    """Whether CUDA (the JAX GPU backend) is usable."""
    return is_available()


def init():
    """Initialise CUDA; torch's AssertionError without a GPU backend."""
    _lazy_init()


def _index(d, optional=True):
    """The device index meant by d (None / int / str / device), torch's errors otherwise."""
    if d is None:
        return current_device()
    if isinstance(d, builtins.int) and not isinstance(d, builtins.bool):
        return d
    d = DEV.device(d)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return current_device() if d.index is None else d.index


def current_device():
    """Index of the current CUDA device."""
    _lazy_init()
    return DEV._CURRENT.get("cuda", 0)


def set_device(device):
    """Make `device` the current CUDA device (where 'cuda' without an index goes)."""
    idx = _index(device)
    if idx < 0:
        return  # NOTE: torch ignores negative indices here
    _lazy_init()
    if idx >= device_count():
        raise RuntimeError(f"CUDA error: invalid device ordinal (device {idx} requested, "
                           f"{device_count()} available)")
    DEV._CURRENT["cuda"] = idx


class device:
    """Context manager that changes the current CUDA device (torch.cuda.device)."""

    def __init__(self, device):
        self.idx = _index(device) if device is not None else -1
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev_idx >= 0:
            set_device(self.prev_idx)
        return False


def _jax_device(d=None):
    _lazy_init()
    idx = _index(d)
    gpus = _gpus()
    if not 0 <= idx < len(gpus):
        raise AssertionError(f"Invalid device id {idx}")
    return gpus[idx]


def synchronize(device=None):
    """Wait until all work queued on the device (every live array on it) has finished."""
    jd = _jax_device(device)
    for a in jax.live_arrays():
        try:
            if jd in a.devices():
                a.block_until_ready()
        except RuntimeError:  # NOTE: deleted/donated buffers
            pass


def get_device_name(device=None):
    """The GPU's name as JAX reports it (e.g. 'NVIDIA H100 80GB HBM3')."""
    return _jax_device(device).device_kind


def get_device_capability(device=None):
    """(major, minor) compute capability."""
    return _cap(_jax_device(device))


class _Properties:
    def __init__(self, jd):
        self.name = jd.device_kind
        self.major, self.minor = _cap(jd)
        stats = _stats(jd)
        self.total_memory = stats.get("bytes_limit", 0)
        self.multi_processor_count = getattr(jd, "core_count", 0)

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
                f"minor={self.minor}, total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def _cap(jd):
    cc = getattr(jd, "compute_capability", None)
    if not cc:
        return (0, 0)
    major, _, minor = str(cc).partition(".")
    return (builtins.int(major), builtins.int(minor or 0))


def get_device_properties(device=None):
    """Name, compute capability and memory of a GPU."""
    return _Properties(_jax_device(device))


def is_bf16_supported(including_emulation=True):
    """bfloat16 support: native from compute capability 8.0, emulated on any GPU."""
    if not is_available():
        return False
    if including_emulation:
        return True
    return _cap(_jax_device())[0] >= 8


def _stats(jd):
    try:
        return jd.memory_stats() or {}
    except Exception:  # noqa: BLE001 - some backends do not report
        return {}


def memory_allocated(device=None):
    """Bytes currently held by arrays on the device (0 without a GPU)."""
    if not is_available():
        return 0
    return _stats(_jax_device(device)).get("bytes_in_use", 0)


def max_memory_allocated(device=None):
    """Peak bytes held on the device (0 without a GPU)."""
    if not is_available():
        return 0
    return _stats(_jax_device(device)).get("peak_bytes_in_use", 0)


def memory_reserved(device=None):
    """Bytes reserved by the allocator on the device (0 without a GPU)."""
    if not is_available():
        return 0
    s = _stats(_jax_device(device))
    return s.get("bytes_reserved", s.get("bytes_in_use", 0))


def empty_cache():
    """No-op: XLA's allocator manages device memory."""


# NOTE: jtorch has one generator for every device (JAX keys are device independent), so the
# CUDA seeding functions seed the default generator when a GPU exists; without one they do
# nothing, like torch's lazily queued calls on a CPU-only build.
def manual_seed(seed):
    """Seed the generator CUDA tensors draw from."""
    if is_available():
        R.manual_seed(seed)


def manual_seed_all(seed):
    """Seed the generator of every GPU (one shared generator in jtorch)."""
    manual_seed(seed)


def seed():
    """Seed the CUDA generator non-deterministically."""
    if is_available():
        R.seed()


def seed_all():
    """Seed every GPU's generator non-deterministically."""
    seed()


def initial_seed():
    """The seed of the CUDA generator."""
    _lazy_init()
    return R.initial_seed()


# NOTE: torch.cuda.amp, the deprecated AMP aliases. This file is a module, not a package: the
# empty __path__ and the sys.modules entry let `import torch.cuda.amp` / `from torch.cuda.amp
# import GradScaler` find it (also through the compat shim).
__path__ = []
from . import _cuda_amp as amp  # noqa: E402
sys.modules[__name__ + ".amp"] = amp
