"""torch.backends.cudnn: cuDNN switches, stored and read back.

NOTE: jtorch runs through XLA, which picks its own GPU kernels, so `benchmark`,
`benchmark_limit`, `deterministic`, `allow_tf32` and `enabled` have no effect on computation.
Availability follows `jtorch.cuda.is_available()` (a JAX GPU backend).
"""
import contextlib

from ._props import install_flags

__all__ = ["is_available", "version", "flags", "set_flags", "is_acceptable"]

_state = {"enabled": True, "benchmark": False, "deterministic": False, "allow_tf32": True,
          "benchmark_limit": 10, "fp32_precision": "none"}


def is_available():
    """True when jtorch has a CUDA (JAX GPU) backend."""
    from .. import cuda
    return cuda.is_available()


def version():
    """The cuDNN version JAX was built with (an int like torch's), or None without CUDA."""
    if not is_available():
        return None
    try:
        from jax._src.lib import cuda_versions
        return int(cuda_versions.cudnn_get_version())
    except Exception:  # NOTE: JAX's private version hook moved or is absent; torch says None too
        return None


def is_acceptable(tensor):
    """Whether cuDNN would be used for `tensor` (a CUDA float tensor with cuDNN enabled)."""
    return bool(_state["enabled"] and is_available() and tensor.device.type == "cuda"
                and tensor.dtype.is_floating_point)


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None,
              _allow_tf32=None, _fp32_precision="none"):
    """Set the given flags; returns the previous ones (for flags() to restore)."""
    orig = (_state["enabled"], _state["benchmark"], _state["benchmark_limit"],
            _state["deterministic"], _state["allow_tf32"], _state["fp32_precision"])
    for name, value in (("enabled", _enabled), ("benchmark", _benchmark),
                        ("benchmark_limit", _benchmark_limit), ("deterministic", _deterministic),
                        ("allow_tf32", _allow_tf32), ("fp32_precision", _fp32_precision)):
        if value is not None:
            _state[name] = value
    return orig


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True, fp32_precision="none"):
    """Set cuDNN flags for the duration of the block (torch's defaults: cuDNN disabled)."""
    orig = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*orig)


install_flags(__name__, _state, {"enabled": "set_enabled_cudnn",
                                 "benchmark": "set_benchmark_cudnn",
                                 "deterministic": "set_deterministic_cudnn",
                                 "allow_tf32": "set_allow_tf32_cublas"})  # NOTE: torch's own wording
