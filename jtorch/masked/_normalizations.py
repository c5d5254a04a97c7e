"""torch.masked normalizations and scans: softmax, log_softmax, softmin, normalize, cumsum,
cumprod, and the elementwise logaddexp."""
import jtorch

from ._common import canonical_dim, check_input, combine
from ._reductions import norm

__all__ = ["cumsum", "cumprod", "softmax", "log_softmax", "softmin", "normalize", "logaddexp"]


def _along(name, identity, fn, input, dim, dtype, mask, cast=False):
    """fn(input with masked-out elements set to the identity of `identity`, dim, dtype=...)."""
    check_input(input, name)
    if dtype is None:
        dtype = input.dtype
    out = fn(combine(identity, input, mask), canonical_dim(dim, input.ndim)[0], dtype=dtype)
    return out.to(dtype=dtype) if cast else out


def cumsum(input, dim, *, dtype=None, mask=None):
    """Cumulative sum along dim, masked-out elements counting as 0 (torch.masked.cumsum)."""
    return _along("cumsum", "sum", jtorch.cumsum, input, dim, dtype, mask, cast=True)


def cumprod(input, dim, *, dtype=None, mask=None):
    """Cumulative product along dim, masked-out elements counting as 1 (torch.masked.cumprod)."""
    return _along("cumprod", "prod", jtorch.cumprod, input, dim, dtype, mask, cast=True)


def softmax(input, dim, *, dtype=None, mask=None):
    """Softmax along dim over the masked-in elements (masked-out ones get 0)."""
    return _along("softmax", "amax", jtorch.nn.functional.softmax, input, dim, dtype, mask)


def log_softmax(input, dim, *, dtype=None, mask=None):
    """Log-softmax along dim over the masked-in elements (masked-out ones get -inf)."""
    return _along("log_softmax", "amax", jtorch.nn.functional.log_softmax, input, dim, dtype,
                  mask)


def softmin(input, dim, *, dtype=None, mask=None):
    """Softmin along dim over the masked-in elements (masked-out ones get 0)."""
    return _along("softmin", "amin", jtorch.nn.functional.softmin, input, dim, dtype, mask)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    """input divided by its masked ord-norm along dim, clamped below by eps."""
    check_input(input, "normalize")
    if dtype is None:
        dtype = input.dtype
    mask_input = combine("sum", input, mask)
    nrm_ = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    denom = jtorch.maximum(nrm_, nrm_.new_full([], eps))
    return jtorch.divide(mask_input, denom)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    """log(exp(input) + exp(other)) with masked-out elements of either counting as -inf."""
    check_input(input, "logaddexp")
    check_input(other, "logaddexp")
    if dtype is None:
        dtype = input.dtype
    mask_input = combine("logaddexp", input, input_mask)
    mask_other = combine("logaddexp", other, other_mask)
    return jtorch.logaddexp(mask_input, mask_other).to(dtype=dtype)
