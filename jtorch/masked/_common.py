"""torch.masked plumbing: input checks, mask canonicalization, reduction identities, dims."""
import math

import jtorch

_INT_TO_INT64 = ("uint8", "bool", "int8", "int16", "int32")


def check_input(input, fname):
    """Raise unless `input` is a strided jtorch Tensor (the only layout jtorch has)."""
    if not isinstance(input, jtorch.Tensor):
        # NOTE: MaskedTensor and sparse COO/CSR layouts are out of scope: jtorch tensors are
        # dense JAX arrays; masks are passed with mask= instead.
        raise TypeError(f"masked {fname}(): expected a strided Tensor as input, "
                        f"got {type(input).__name__}")
    if input.layout != jtorch.strided:
        raise ValueError(f"masked {fname} expects strided tensor (got {input.layout} tensor)")


def dtype_name(dtype):
    """'float32' for jtorch.float32."""
    return str(dtype).replace("torch.", "")


def sum_dtype(dtype):
    """The result dtype of masked sum/prod without dtype=: small integers and bool -> int64."""
    return jtorch.int64 if dtype_name(dtype) in _INT_TO_INT64 else dtype


def input_mask(input, mask):
    """torch.masked's canonical mask: a bool tensor of input's shape (mask broadcast to it)."""
    if mask is None:
        raise ValueError("_input_mask requires explicit mask")
    if not isinstance(mask, jtorch.Tensor):
        raise TypeError(f"masked: expected mask to be a Tensor, got {type(mask).__name__}")
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality "
                             "higher than of the input)")
        mask = jtorch.broadcast_to(mask, tuple(input.shape))
    return mask.to(dtype=jtorch.bool)


def reduction_identity(op_name, input, *args):
    """The identity of reduction `op_name` on input's dtype as a 0-d tensor (None: undefined)."""
    dtype = input.dtype
    is_float = dtype.is_floating_point
    if op_name in ("sum", "cumsum"):
        return jtorch.tensor(0, dtype=dtype)
    if op_name in ("prod", "cumprod"):
        return jtorch.tensor(1, dtype=dtype)
    if op_name in ("amax", "argmax", "logaddexp", "logsumexp"):
        if is_float:
            return jtorch.tensor(-math.inf, dtype=dtype)
        if op_name == "logsumexp" and dtype.is_complex:
            return jtorch.tensor(complex(-math.inf, 0.0), dtype=dtype)
        if dtype.is_signed or dtype_name(dtype) == "uint8":
            return jtorch.tensor(jtorch.iinfo(dtype).min, dtype=dtype)
    elif op_name in ("amin", "argmin"):
        if is_float:
            return jtorch.tensor(math.inf, dtype=dtype)
        if dtype.is_signed or dtype_name(dtype) == "uint8":
            return jtorch.tensor(jtorch.iinfo(dtype).max, dtype=dtype)
    elif op_name in ("mean", "var", "std"):
        # NOTE: undefined (the mean of the very slice being reduced), as in torch.
        return None
    elif op_name == "norm":
        ord = args[0] if args else 2
        if ord == -math.inf:
            if not is_float:
                raise AssertionError(f"input must be floating point, got {dtype}")
            return jtorch.tensor(math.inf, dtype=dtype)
        return jtorch.tensor(0, dtype=dtype)
    elif op_name == "median":
        # NOTE: NaN because the reduction is nanmedian, which ignores NaN.
        return jtorch.tensor(math.nan, dtype=dtype if is_float else jtorch.float32)
    raise NotImplementedError(f"identity of {op_name} on {dtype} input")


def canonical_dim(dim, ndim):
    """dim as a sorted tuple of non-negative dims (None or () -> all dims)."""
    if dim == () or dim is None:
        # NOTE: torch.masked reads dim=() as "reduce over all dimensions" (gh-29137).
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    dims = []
    for d in ((dim,) if isinstance(dim, int) else dim):
        d = int(d)
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-ndim}, {ndim - 1}], but got {d})")
        dims.append(d % ndim)
    return tuple(sorted(dims))


def combine(op_name, input, mask, *args):
    """input with masked-out elements replaced by op_name's identity (input if mask is None)."""
    if mask is None:
        return input
    fill = reduction_identity(op_name, input, *args)
    return jtorch.where(input_mask(input, mask), input, fill)
