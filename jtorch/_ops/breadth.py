"""Wires the op-breadth families into the torch namespace: torch.special / torch.fft /
torch.linalg submodules, their top-level torch.* spellings (det, svd, polygamma, complex, ...)
and the matching Tensor methods. Imported last by jtorch/__init__.py."""
import sys

from .. import fft, linalg, special  # noqa: F401  (sets jtorch.fft / .linalg / .special)
from .._tensor import Tensor
from ._common import make_inplace
from . import linalg_decomp as _LD, linalg_extra as _LEX, linalg_lu as _LU, misc_ops as _MISC
from . import special_ops as _SPO
from . import special_bessel as _SB, linalg_ldl as _LDL, index_extra as _IX, shape_extra as _SX
from . import numeric_extra as _NX

# NOTE: only names the torch namespace does not define yet (never shadowing another family's).
_JT = sys.modules["jtorch"]
__all__ = []
for _m in (_SPO, _LEX, _LD, _LU, _MISC, _SB, _LDL, _IX, _SX, _NX):
    for _n in _m.TORCH_NAMES:
        if not hasattr(_JT, _n):
            globals()[_n] = getattr(_m, _n)
            __all__.append(_n)

# NOTE: methods are bound only where the Tensor class has none yet (never overriding).
_METHODS = dict(_SPO.METHODS)
_METHODS.update(_MISC.METHODS)
for _m in (_SB, _LDL, _IX, _SX, _NX):
    _METHODS.update(_m.METHODS)
_METHODS.update({n: getattr(_LEX, n) for n in (
    "det", "logdet", "slogdet", "inverse", "cholesky", "cholesky_solve", "cholesky_inverse", "qr",
    "svd", "pinverse", "matrix_power", "matrix_exp", "lu", "lu_solve", "triangular_solve")
    if hasattr(_LEX, n)})
_METHODS.update(triangular_solve=_LD.triangular_solve)
_INPLACE = ("polygamma", "mvlgamma", "igamma", "igammac", "gcd", "lcm", "heaviside")
for _n, _f in _METHODS.items():
    if not hasattr(Tensor, _n):
        setattr(Tensor, _n, _f)
    if _n in _INPLACE and not hasattr(Tensor, _n + "_"):
        setattr(Tensor, _n + "_", make_inplace(_f, _n + "_"))
for _n in ("real", "imag"):
    if not hasattr(Tensor, _n):
        setattr(Tensor, _n, property(getattr(_SPO, _n), doc=f"The {_n} part (a copy)."))
