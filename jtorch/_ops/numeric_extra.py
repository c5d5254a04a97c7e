"""Numeric helpers: cov, corrcoef, gradient, renorm, and torch.stft/istft."""
from .registry import Op, OPS, dispatch  # noqa: F401

TORCH_NAMES = []
METHODS = {}
