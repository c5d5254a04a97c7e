"""torch.masked: reductions and normalizations that ignore masked-out elements.

Dense strided tensors with a boolean `mask=` only: MaskedTensor and sparse layouts are out of
scope (jtorch tensors are dense JAX arrays).
"""
from ._normalizations import (cumprod, cumsum, log_softmax, logaddexp, normalize, softmax,
                              softmin)
from ._reductions import (amax, amin, argmax, argmin, logsumexp, mean, median, norm, prod, std,
                          sum, var)

__all__ = ["amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "is_masked_tensor",
           "log_softmax", "logaddexp", "logsumexp", "mean", "median", "norm", "normalize", "prod",
           "softmax", "softmin", "std", "sum", "var"]


def is_masked_tensor(obj):
    """False: jtorch has no MaskedTensor (torch.masked.is_masked_tensor)."""
    return False
