"""SDPBackend and the sdpa_kernel context manager (kernel selection flags, recorded only)."""
import contextlib

from ..._pybind_enum import PybindEnum
from ...backends import cuda as _cuda_backend

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

# NOTE: set to True in torch to warn when a bias subclass cannot use a fused kernel; jtorch has no
# fused kernels of its own to miss (XLA picks the kernel), so nothing reads it.
WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(PybindEnum):
    """The scaled-dot-product-attention backends (torch._C._SDPBackend's members and values)."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


SDPBackend.__module__ = "jtorch.nn.attention"

# NOTE: torch keeps these flags in C++ (torch.backends.cuda reads the same ones); jtorch keeps
# flash/mem_efficient/math/cudnn in jtorch.backends.cuda and the rest here. XLA chooses the
# attention kernel itself, so none of them changes what scaled_dot_product_attention computes.
_BACKEND_NAMES = {"cudnn": "CUDNN_ATTENTION", "flash": "FLASH_ATTENTION",
                  "mem_efficient": "EFFICIENT_ATTENTION", "math": "MATH",
                  "overrideable": "OVERRIDEABLE"}
_state = {"overrideable": True, "priority": [1, 2, 0, 3, 4]}


def _get_enabled(name):
    if name == "overrideable":
        return _state["overrideable"]
    return _cuda_backend._sdp[name]


def _set_enabled(name, enabled):
    if name == "overrideable":
        _state["overrideable"] = enabled
    else:
        _cuda_backend._sdp[name] = enabled


def _get_sdp_priority_order():
    """The backends' priority order as ints (torch._C._get_sdp_priority_order)."""
    return list(_state["priority"])


def _cur_sdpa_kernel_backends(with_priority=False):
    """The enabled backends, in priority order when asked."""
    backends = [getattr(SDPBackend, val) for name, val in _BACKEND_NAMES.items()
                if _get_enabled(name)]
    if with_priority:
        order = _state["priority"]
        backends = sorted(backends, key=lambda b: order.index(int(b)))
    return backends


def _sdpa_kernel(backends, set_priority=False):
    for name, val in _BACKEND_NAMES.items():
        _set_enabled(name, getattr(SDPBackend, val) in backends)
    if set_priority:
        user_priority = [int(b) for b in backends]
        for b in _state["priority"]:
            if b not in user_priority:
                user_priority.append(int(b))
        _state["priority"] = user_priority


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Select the attention backends for the block (recorded; XLA still picks the kernel)."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(f"Backend must be an instance of SDPBackend or a list of SDPBackend "
                             f"instances, got {type(backends).__name__}")
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(dict.fromkeys(backends))
    previous = _cur_sdpa_kernel_backends(with_priority=set_priority)
    try:
        _sdpa_kernel(backends, set_priority)
        yield {}
    finally:
        _sdpa_kernel(previous, set_priority)
