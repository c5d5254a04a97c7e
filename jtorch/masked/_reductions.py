"""torch.masked reductions: sum, prod, amax, amin, argmax, argmin, mean, median, logsumexp,
norm, var, std (masked-out elements are replaced by the reduction's identity)."""
import jtorch

from ._common import canonical_dim, check_input, combine, input_mask, sum_dtype

__all__ = ["sum", "prod", "amax", "amin", "argmax", "argmin", "mean", "median", "logsumexp",
           "norm", "var", "std"]

_float = float


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Sum over dim of the masked-in elements (torch.masked.sum)."""
    check_input(input, "sum")
    if dtype is None:
        dtype = sum_dtype(input.dtype)
    dim_ = canonical_dim(dim, input.ndim)
    return jtorch.sum(combine("sum", input, mask), dim_, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Product over dim of the masked-in elements (torch.masked.prod)."""
    check_input(input, "prod")
    if dtype is None:
        dtype = sum_dtype(input.dtype)
    dim_ = canonical_dim(dim, input.ndim)
    result = combine("prod", input, mask).to(dtype=dtype)
    # NOTE: one dim at a time, like torch (prod takes a single dim).
    for d in reversed(dim_):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Maximum over dim of the masked-in elements (torch.masked.amax)."""
    check_input(input, "amax")
    if dtype is None:
        dtype = input.dtype
    mask_input = combine("amax", input, mask)
    return jtorch.amax(mask_input, canonical_dim(dim, mask_input.ndim),
                       bool(keepdim)).to(dtype=dtype)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Minimum over dim of the masked-in elements (torch.masked.amin)."""
    check_input(input, "amin")
    if dtype is None:
        dtype = input.dtype
    mask_input = combine("amin", input, mask)
    return jtorch.amin(mask_input, canonical_dim(dim, mask_input.ndim),
                       bool(keepdim)).to(dtype=dtype)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Index of the maximum masked-in element along dim (torch.masked.argmax)."""
    check_input(input, "argmax")
    if dtype is None:
        # NOTE: torch casts the indices to the input's dtype when dtype is not given.
        dtype = input.dtype
    return jtorch.argmax(combine("argmax", input, mask), dim, bool(keepdim)).to(dtype=dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Index of the minimum masked-in element along dim (torch.masked.argmin)."""
    check_input(input, "argmin")
    if dtype is None:
        dtype = input.dtype
    return jtorch.argmin(combine("argmin", input, mask), dim, bool(keepdim)).to(dtype=dtype)


def _count(input, dim, keepdim, mask):
    """Number of masked-in elements reduced into each output element (int64)."""
    if mask is None:
        return sum(jtorch.ones(tuple(input.shape), dtype=jtorch.int64), dim, keepdim=keepdim)
    return input_mask(input, mask).sum(dim=canonical_dim(dim, input.ndim), keepdim=bool(keepdim))


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Mean over dim of the masked-in elements; nan where all are masked out."""
    check_input(input, "mean")
    source = "Optional"
    if dtype is None:
        dtype, source = input.dtype, "Input"
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either "
                         f"a floating point or complex dtype. Got: {dtype}")
    count = _count(input, dim, keepdim, mask)
    total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=mask)
    return total / count


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    """Median along dim of the masked-in elements (torch.masked.median, via nanmedian)."""
    check_input(input, "median")
    if dtype is None:
        dtype = input.dtype
    dim_ = canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=jtorch.float32)
    output = jtorch.nanmedian(combine("median", input, mask), dim_, keepdim).values
    if is_float:
        return output
    # NOTE: a host sync, as in torch: integer results cannot hold the nan of an empty slice.
    if jtorch.isnan(output).any().item():
        raise ValueError("masked median expects no fully masked out rows if dtype is not "
                         "floating point")
    return output.to(dtype=dtype)


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """log(sum(exp)) over dim of the masked-in elements (torch.masked.logsumexp)."""
    check_input(input, "logsumexp")
    if dtype is None:
        dtype = input.dtype
    dim_ = canonical_dim(dim, input.ndim)
    return jtorch.logsumexp(combine("logsumexp", input, mask), dim_,
                            keepdim=keepdim).to(dtype=dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Vector ord-norm over dim of the masked-in elements (torch.masked.norm)."""
    check_input(input, "norm")
    if dtype is None:
        dtype = input.dtype
    mask_input = combine("norm", input, mask, ord)
    return jtorch.linalg.vector_norm(mask_input, ord, canonical_dim(dim, input.ndim),
                                     bool(keepdim), dtype=dtype)


def _std_var(input, dim, unbiased, correction_opt, keepdim, dtype, mask, take_sqrt):
    """Shared body of masked var/std (torch.masked._ops._std_var)."""
    if unbiased is not None and correction_opt is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    correction = 1.0
    if unbiased is not None:
        correction = 1.0 if unbiased else 0.0
    if correction_opt is not None:
        correction = _float(correction_opt)
    if dtype is None:
        dtype = input.dtype
        if not (dtype.is_floating_point or dtype.is_complex):
            dtype = jtorch.float32
    compute_dtype = dtype
    if not (compute_dtype.is_floating_point or compute_dtype.is_complex):
        compute_dtype = jtorch.float32
    count = _count(input, dim, True, mask)
    sample_total = sum(input, dim, keepdim=True, dtype=dtype, mask=mask)
    x = jtorch.subtract(input, jtorch.divide(sample_total, count))
    total = sum(x * x.conj(), dim, keepdim=keepdim, dtype=compute_dtype, mask=mask)
    if not keepdim:
        count = count.reshape(tuple(total.shape))
    if correction != 0:
        real_dtype = compute_dtype
        if compute_dtype.is_complex:
            real_dtype = compute_dtype.to_real()
        count = jtorch.subtract(count.to(real_dtype), correction)
        count = jtorch.maximum(count, count.new_zeros([]))
    output = jtorch.divide(total, count).to(dtype=dtype)
    return jtorch.sqrt(output) if take_sqrt else output


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    """Variance over dim of the masked-in elements; nan where all are masked out."""
    check_input(input, "var")
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    """Standard deviation over dim of the masked-in elements; nan where all are masked out."""
    check_input(input, "std")
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=True)
