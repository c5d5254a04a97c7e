"""Counting and index ops: bincount, histc, histogram(dd), isin, index_reduce, masked_scatter, put, nonzero_static, unravel_index, repeat_interleave."""
from .registry import Op, OPS, dispatch  # noqa: F401

TORCH_NAMES = []
METHODS = {}
