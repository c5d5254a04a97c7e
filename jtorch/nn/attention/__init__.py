"""torch.nn.attention: scaled-dot-product-attention backend selection and the flash-attention
implementation registry.

NOTE: XLA chooses the attention kernel itself: sdpa_kernel validates and records the selection
(torch.backends.cuda.*_sdp_enabled() read it back) but it does not change what
torch.nn.functional.scaled_dot_product_attention computes or which kernel runs.
"""
from ._sdpa_kernel import SDPBackend, sdpa_kernel, WARN_FOR_UNFUSED_KERNELS  # noqa: F401
from . import _sdpa_kernel
from ._registry import (  # noqa: F401
    register_flash_attention_impl, activate_flash_attention_impl, list_flash_attention_impls,
    current_flash_attention_impl, restore_flash_attention_impl)

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS",
           "register_flash_attention_impl", "activate_flash_attention_impl",
           "list_flash_attention_impls", "current_flash_attention_impl",
           "restore_flash_attention_impl"]

# NOTE: private in torch too; code that saves and restores the selection reads it.
_cur_sdpa_kernel_backends = _sdpa_kernel._cur_sdpa_kernel_backends
