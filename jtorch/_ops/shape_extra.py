"""Scatter-into-view and small tensor-method ops: select/slice/diagonal/as_strided_scatter, fill/zero_, resize_, sum_to_size, unsafe_split/chunk, constant_pad_nd, empty_permuted."""
from .registry import Op, OPS, dispatch  # noqa: F401

TORCH_NAMES = []
METHODS = {}
