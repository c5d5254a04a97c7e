"""torch.mps: Apple's Metal backend. jtorch has none, so this behaves like a torch build without
MPS: nothing is available and calls that need the device raise torch's RuntimeError."""
from .backends import mps as _backend

__all__ = ["device_count", "get_rng_state", "manual_seed", "seed", "set_rng_state", "synchronize",
           "empty_cache", "set_per_process_memory_fraction", "current_allocated_memory",
           "driver_allocated_memory", "recommended_max_memory", "is_available"]


def _no_mps(what):
    return RuntimeError(f"Cannot execute {what}() without MPS backend.")


def is_available():
    """False: jtorch has no MPS backend."""
    return _backend.is_available()


def device_count():
    """0: jtorch has no MPS backend."""
    return 0


def synchronize():
    """torch's RuntimeError: there is no MPS device to wait for."""
    raise _no_mps("deviceSynchronize")


def manual_seed(seed):
    """A no-op, as in torch without MPS (torch.manual_seed calls it on every build)."""


def seed():
    """torch's RuntimeError: there is no MPS generator."""
    raise _no_mps("getDefaultGenerator")


def get_rng_state(device="mps"):
    """torch's RuntimeError: there is no MPS generator."""
    raise _no_mps("getDefaultGenerator")


def set_rng_state(new_state, device="mps"):
    """torch's RuntimeError: there is no MPS generator."""
    new_state.clone()  # NOTE: torch copies the state first (an AttributeError for a non-tensor)
    raise _no_mps("getDefaultGenerator")


def empty_cache():
    """torch's RuntimeError: there is no MPS allocator."""
    raise _no_mps("emptyCache")


def set_per_process_memory_fraction(fraction):
    """Validates `fraction` like torch, then torch's RuntimeError (no MPS allocator)."""
    if not isinstance(fraction, float):
        raise TypeError("Invalid type for fraction argument, must be `float`")
    if fraction < 0 or fraction > 2:
        raise ValueError(f"Invalid fraction value: {fraction}. Allowed range: 0~2")
    raise _no_mps("setMemoryFraction")


def current_allocated_memory():
    """torch's RuntimeError: there is no MPS allocator."""
    raise _no_mps("getCurrentAllocatedMemory")


def driver_allocated_memory():
    """torch's RuntimeError: there is no MPS allocator."""
    raise _no_mps("getDriverAllocatedMemory")


def recommended_max_memory():
    """torch's RuntimeError: there is no MPS device."""
    raise _no_mps("getRecommendedMaxMemory")
