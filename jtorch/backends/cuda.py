"""torch.backends.cuda: cuBLAS / attention-kernel switches, stored and read back.

NOTE: jtorch's CUDA is a JAX GPU backend; XLA chooses its own matmul and attention kernels, so
`matmul.allow_tf32`, the reduced-precision-reduction flags and the scaled-dot-product-attention
kernel switches have no effect on computation. `is_built()` follows `jtorch.cuda.is_available()`.
"""
import contextlib
import enum
import warnings

from ._props import check_bool

__all__ = ["is_built", "matmul", "flash_sdp_enabled", "enable_flash_sdp",
           "mem_efficient_sdp_enabled", "enable_mem_efficient_sdp", "math_sdp_enabled",
           "enable_math_sdp", "cudnn_sdp_enabled", "enable_cudnn_sdp", "sdp_kernel",
           "preferred_linalg_library"]


def is_built():
    """True when jtorch has a CUDA (JAX GPU) backend."""
    from .. import cuda
    return cuda.is_available()


class cuBLASModule:
    """torch.backends.cuda.matmul: cuBLAS flags as assignable attributes."""

    _DEFAULTS = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
                 "allow_fp16_reduced_precision_reduction_split_k": True,
                 "allow_bf16_reduced_precision_reduction": True,
                 "allow_bf16_reduced_precision_reduction_split_k": True,
                 "allow_fp16_accumulation": False, "fp32_precision": "none"}

    def __init__(self):
        object.__setattr__(self, "_state", dict(self._DEFAULTS))

    @staticmethod
    def _parse_reduction_setting(value, attr_name):
        """(allow_reduced_precision, allow_splitk) from a bool or a 1-2 tuple/list of bools."""
        def ensure_bool(obj, which):
            if isinstance(obj, bool):
                return obj
            raise TypeError(f"{attr_name} expects a bool for {which}, but got {type(obj)!r}")
        if isinstance(value, bool):
            return value, True
        if isinstance(value, (list, tuple)):
            if not value:
                raise TypeError(f"{attr_name} expects at least one boolean argument")
            if len(value) > 2:
                raise TypeError(f"{attr_name} expects at most two boolean arguments")
            reduced = ensure_bool(value[0], "allow_reduced_precision")
            if len(value) == 1:
                return reduced, True
            return reduced, ensure_bool(value[1], "allow_splitk")
        raise TypeError(f"{attr_name} expects a bool or a tuple/list of bools, but got {type(value)!r}")

    def __getattr__(self, name):
        state = object.__getattribute__(self, "_state")
        if name in state:
            return state[name]
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name, value):
        if name in ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
            self._state[name], self._state[name + "_split_k"] = self._parse_reduction_setting(value, name)
        elif name in ("allow_tf32", "allow_fp16_accumulation"):
            self._state[name] = check_bool(value, f"set_{name}_cublas")
        elif name == "fp32_precision":
            self._state[name] = value
        else:
            raise AttributeError("Unknown attribute " + name)


matmul = cuBLASModule()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    """Whether the flash attention kernel is enabled (a stored flag)."""
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    """Enable or disable the flash attention kernel (a stored flag)."""
    _sdp["flash"] = check_bool(enabled, "set_sdp_use_flash")


def mem_efficient_sdp_enabled():
    """Whether the memory-efficient attention kernel is enabled (a stored flag)."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    """Enable or disable the memory-efficient attention kernel (a stored flag)."""
    _sdp["mem_efficient"] = check_bool(enabled, "set_sdp_use_mem_efficient")


def math_sdp_enabled():
    """Whether the math attention kernel is enabled (a stored flag)."""
    return _sdp["math"]


def enable_math_sdp(enabled):
    """Enable or disable the math attention kernel (a stored flag)."""
    _sdp["math"] = check_bool(enabled, "set_sdp_use_math")


def cudnn_sdp_enabled():
    """Whether the cuDNN attention kernel is enabled (a stored flag)."""
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    """Enable or disable the cuDNN attention kernel (a stored flag)."""
    _sdp["cudnn"] = check_bool(enabled, "set_sdp_use_cudnn")


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Enable exactly the given attention kernels for the block (deprecated in torch)."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context "
                  "manager will be removed. Please see `torch.nn.attention.sdpa_kernel()` for the "
                  "new context manager, with updated signature.", FutureWarning, stacklevel=3)
    prev = dict(_sdp)
    _sdp.update(flash=bool(enable_flash), math=bool(enable_math),
                mem_efficient=bool(enable_mem_efficient), cudnn=bool(enable_cudnn))
    try:
        yield {}
    finally:
        _sdp.update(prev)


class _LinalgBackend(enum.Enum):
    """torch._C._LinalgBackend: which CUDA linear-algebra library is preferred."""
    Default = 0
    Cusolver = 1
    Magma = 2


_LinalgBackends = {"default": _LinalgBackend.Default, "cusolver": _LinalgBackend.Cusolver,
                   "magma": _LinalgBackend.Magma}
_LinalgBackends_str = ", ".join(_LinalgBackends)
_linalg = [_LinalgBackend.Default]


def preferred_linalg_library(backend=None):
    """Get (and with `backend`, first set) the preferred CUDA linalg library (a stored flag)."""
    if backend is None:
        return _linalg[0]
    if isinstance(backend, str):
        if backend not in _LinalgBackends:
            raise RuntimeError(f"Unknown input value. Choose from: {_LinalgBackends_str}.")
        backend = _LinalgBackends[backend]
    elif not isinstance(backend, _LinalgBackend):
        raise RuntimeError("Unknown input value type.")
    # NOTE: JAX's GPU linalg is cuSOLVER-based and has no MAGMA; without a GPU neither exists
    # (torch's CPU build raises the same errors).
    if backend is _LinalgBackend.Magma:
        raise RuntimeError("Cannot set preferred backend to MAGMA if PyTorch has not been "
                           "compiled with MAGMA.")
    if backend is _LinalgBackend.Cusolver and not is_built():
        raise RuntimeError("Cannot set preferred backend to cuSOLVER if PyTorch has not been "
                           "compiled with cuSOLVER.")
    _linalg[0] = backend
    return _linalg[0]
