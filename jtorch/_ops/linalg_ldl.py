"""LDL factorization and Householder QR pieces: linalg.ldl_factor/_ex/ldl_solve, geqrf, ormqr."""
from .registry import Op, OPS, dispatch  # noqa: F401

TORCH_NAMES = []
METHODS = {}
