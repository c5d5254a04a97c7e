"""Reductions: sum/mean/prod, max/min family, std/var, norms, all/any, logsumexp and scans.

The ops live in private modules by job; this module re-exports them (the public names in torch's
order, plus the private helpers other modules import from here):
  _reduction_base    dims to axes, accumulation dtypes, empty checks, evenly-split gradients
  _reduction_sum     sum/nansum, mean/nanmean, prod
  _reduction_minmax  max/min, amax/amin, aminmax, argmax/argmin
  _reduction_stats   var/std (+_mean), norm, dist
  _reduction_scan    all/any/count_nonzero, logsumexp, cumsum/cumprod/cummax/cummin/logcumsumexp
"""
from ._reduction_base import _empty_check, _evenly_reduce, _key
from ._reduction_sum import sum, nansum, mean, nanmean, prod
from ._reduction_minmax import max, min, amax, amin, aminmax, argmax, argmin
from ._reduction_stats import _VNORM, _vnorm, var, std, var_mean, std_mean, norm, dist
from ._reduction_scan import (
    all, any, count_nonzero, logsumexp, cumsum, cumprod, cummax, cummin, logcumsumexp,
)

__all__ = [
    "sum", "nansum", "mean", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax",
    "argmin", "var", "std", "var_mean", "std_mean", "norm", "dist", "all", "any", "count_nonzero",
    "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp",
]

# NOTE: private helpers imported from here by other modules (sort, linalg_extra); named once so
# linters see the re-export used.
_REEXPORTED = (_VNORM, _empty_check, _evenly_reduce, _key, _vnorm)
