"""Bessel and Airy special functions (torch.special.bessel_j0/j1/y0/y1, modified_bessel_*, scaled_modified_bessel_k*, airy_ai)."""
from .registry import Op, OPS, dispatch  # noqa: F401

TORCH_NAMES = []
METHODS = {}
