"""torch.xpu: Intel GPUs. jtorch has no XPU backend, so this behaves like a torch build without
XPU: nothing is available, seeding calls are dropped, and calls that need a device raise torch's
AssertionError("Torch not compiled with XPU enabled")."""
import collections

from ._absent_device import (get_rng_state_all, manual_seed, manual_seed_all, seed,  # noqa: F401
                             seed_all)

__all__ = ["is_available", "device_count", "is_initialized", "init", "synchronize",
           "current_device", "set_device", "get_device_name", "get_device_capability",
           "get_device_properties", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "initial_seed", "get_rng_state", "get_rng_state_all", "set_rng_state",
           "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "memory_stats", "mem_get_info", "is_bf16_supported",
           "is_tf32_supported", "get_arch_list", "current_stream"]


def _lazy_init():
    raise AssertionError("Torch not compiled with XPU enabled")


def is_available():
    """False: jtorch has no XPU backend."""
    return False


def device_count():
    """0: jtorch has no XPU backend."""
    return 0


def is_initialized():
    """False: there is no XPU to initialise."""
    return False


def init():
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def synchronize(device=None):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def current_device():
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def set_device(device):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def get_device_name(device=None):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def get_device_capability(device=None):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def get_device_properties(device=None):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()






def initial_seed():
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def get_rng_state(device="xpu"):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()



def set_rng_state(new_state, device="xpu"):
    """A no-op (torch queues it until an XPU initialises, which never happens here)."""
    new_state.clone()  # NOTE: torch copies the state first (an AttributeError for a non-tensor)


def empty_cache():
    """A no-op: no XPU allocator was initialised."""


def memory_stats(device=None):
    """An empty OrderedDict: no XPU allocator."""
    return collections.OrderedDict()


def memory_allocated(device=None):
    """0: no XPU allocator."""
    return 0


def max_memory_allocated(device=None):
    """0: no XPU allocator."""
    return 0


def memory_reserved(device=None):
    """0: no XPU allocator."""
    return 0


def max_memory_reserved(device=None):
    """0: no XPU allocator."""
    return 0


def mem_get_info(device=None):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()


def is_bf16_supported(including_emulation=True):
    """False: no XPU."""
    return False


def is_tf32_supported():
    """False: no XPU."""
    return False


def get_arch_list():
    """[]: jtorch was built for no XPU architecture."""
    return []


def current_stream(device=None):
    """torch's AssertionError: jtorch has no XPU backend."""
    _lazy_init()
