"""torch.mtia: Meta's training and inference accelerator. jtorch has none, so this behaves like a
torch build without MTIA: nothing is available and calls that need a device raise torch's errors."""
import builtins

from ._absent_device import (get_rng_state_all, manual_seed, manual_seed_all, seed,  # noqa: F401
                             seed_all)

__all__ = ["init", "is_available", "is_initialized", "synchronize", "device_count",
           "current_device", "current_stream", "memory_stats", "max_memory_allocated",
           "memory_allocated", "reset_peak_memory_stats", "get_device_capability",
           "get_device_properties", "empty_cache", "set_device", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
           "get_rng_state_all", "is_bf16_supported"]

_NOT_COMPILED = ("Torch not compiled with MTIA enabled. Ensure you have `import "
                 "mtia.host_runtime.torch_mtia.dynamic_library` in your python src file and "
                 "include `//mtia/host_runtime/torch_mtia:torch_mtia` as your target dependency!")


def _no_mtia(what):
    return RuntimeError(f"Cannot execute {what}() without MTIA backend.")


def _lazy_init():
    raise AssertionError(_NOT_COMPILED)


def init():
    """torch's AssertionError: jtorch has no MTIA backend."""
    _lazy_init()


def is_available():
    """False: jtorch has no MTIA backend."""
    return False


def is_initialized():
    """False: there is no MTIA to initialise."""
    return False


def device_count():
    """0: jtorch has no MTIA backend."""
    return 0


def current_device():
    """torch's RuntimeError: there is no MTIA device."""
    raise _no_mtia("getCurrentDevice")


def synchronize(device=None):
    """torch's RuntimeError: there is no MTIA device."""
    raise _no_mtia("getCurrentDevice")


def current_stream(device=None):
    """torch's RuntimeError: there is no MTIA device."""
    raise _no_mtia("getCurrentDevice")


def set_device(device):
    """torch's RuntimeError (a no-op for a negative index, as in torch)."""
    if isinstance(device, builtins.int) and device < 0:
        return
    raise _no_mtia("setCurrentDevice")


def get_device_capability(device=None):
    """torch's RuntimeError: there is no MTIA device."""
    raise _no_mtia("getCurrentDevice")


def get_device_properties(device=None):
    """torch's RuntimeError: there is no MTIA device."""
    raise _no_mtia("getCurrentDevice")


def empty_cache():
    """torch's RuntimeError: there is no MTIA allocator."""
    raise _no_mtia("emptyCache")


def memory_stats(device=None):
    """{}: no MTIA allocator was initialised."""
    return {}


def memory_allocated(device=None):
    """0: no MTIA allocator was initialised."""
    return 0


def max_memory_allocated(device=None):
    """0: no MTIA allocator was initialised."""
    return 0


def reset_peak_memory_stats(device=None):
    """A no-op: no MTIA allocator was initialised."""






def initial_seed():
    """torch's AssertionError: jtorch has no MTIA backend."""
    _lazy_init()


def get_rng_state(device="mtia"):
    """torch's AssertionError: jtorch has no MTIA backend."""
    _lazy_init()



def is_bf16_supported(including_emulation=True):
    """True, as torch.mtia answers without asking a device."""
    return True
