"""torch.special: special functions (ops in jtorch/_ops/special_ops.py, special_bessel.py and
pointwise.py)."""
from ._ops.pointwise import (  # noqa: F401
    digamma, erf, erfc, erfinv, exp2, expm1, i0, log1p, logit, round, sinc, xlogy,
)
from ._ops.pointwise import lgamma as gammaln  # noqa: F401
from ._ops.pointwise import digamma as psi  # noqa: F401
from ._ops.special_ops import *  # noqa: F401,F403
from ._ops.special_ops import __all__ as _SP_ALL
from ._ops.special_bessel import *  # noqa: F401,F403
from ._ops.special_bessel import __all__ as _SB_ALL



def softmax(input, dim, *, dtype=None):
    """softmax over dim (torch.special.softmax)."""
    from .nn.functional import softmax as _sm
    return _sm(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """log of softmax over dim (torch.special.log_softmax)."""
    from .nn.functional import log_softmax as _lsm
    return _lsm(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dim (torch.special.logsumexp)."""
    from ._ops.reduction import logsumexp as _lse
    return _lse(input, dim, keepdim, out=out)


__all__ = list(_SP_ALL) + list(_SB_ALL) + [
    "digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expm1", "gammaln", "i0", "log1p", "logit",
    "round", "sinc", "xlogy", "softmax", "log_softmax", "logsumexp"]
