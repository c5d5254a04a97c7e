"""torch.testing.make_tensor: random tensors with torch's value ranges per dtype."""
import collections.abc
import functools
import math
import warnings

__all__ = ["make_tensor"]


def _dtype_groups():
    import jtorch as t
    integral = [t.uint8, t.int8, t.int16, t.int32, t.int64, t.uint16, t.uint32, t.uint64]
    floating = [t.float16, t.bfloat16, t.float32, t.float64]
    complex_ = [t.complex64, t.complex128]
    return integral, floating, complex_


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of `shape` with values uniform in [low, high) (torch's defaults per dtype)."""
    # NOTE: values come from jtorch's RNG, so they differ from torch's; ranges, dtypes, shapes,
    # strides and errors follow torch.testing.make_tensor.
    import jtorch as t
    integral, floating, complex_ = _dtype_groups()
    bool_or_int = [t.bool, *integral]

    def modify_low_high(low, high, *, lowest_inclusive, highest_exclusive, default_low,
                        default_high):
        low = default_low if low is None else low
        high = default_high if high is None else high
        if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
            raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
        elif low == high and dtype in floating + complex_:
            warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                          "complex types is deprecated since 2.1 and will be removed in 2.3. "
                          "Use `torch.full(...)` instead.", FutureWarning, stacklevel=3)
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest_inclusive or low >= highest_exclusive:
            raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                             f"but {dtype} only supports [{lowest_inclusive}, {highest_exclusive})")
        low = min(max(low, lowest_inclusive), highest_exclusive)
        high = min(max(high, lowest_inclusive), highest_exclusive)
        if dtype in bool_or_int:
            return math.ceil(low), math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got {noncontiguous=} and {memory_format=}")
    if requires_grad and dtype in bool_or_int:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got {dtype=}")
    noncontiguous = noncontiguous and functools.reduce(lambda x, y: x * y, shape, 1) > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is t.bool:
        low, high = modify_low_high(low, high, lowest_inclusive=0, highest_exclusive=2,
                                    default_low=0, default_high=2)
        result = t.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in integral:
        info = t.iinfo(dtype)
        low, high = modify_low_high(
            low, high, lowest_inclusive=info.min,
            highest_exclusive=info.max + (1 if dtype is not t.int64 else 0),
            default_low=-9, default_high=10)
        result = t.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in floating + complex_:
        info = t.finfo(dtype)
        low, high = modify_low_high(low, high, lowest_inclusive=info.min,
                                    highest_exclusive=info.max, default_low=-9, default_high=9)
        if dtype in complex_:
            # NOTE: torch fills view_as_real(result); real and imaginary parts drawn separately
            # give the same distribution.
            part = t.float32 if dtype is t.complex64 else t.float64
            result = t.complex(_uniform(shape, part, device, low, high),
                               _uniform(shape, part, device, low, high))
        else:
            result = _uniform(shape, dtype, device, low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor(). To request support, file an issue at: "
                        "https://github.com/pytorch/pytorch/issues")

    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        tiny = 1 if dtype in bool_or_int else t.finfo(dtype).tiny
        result = t.where(result == 0, t.tensor(tiny, dtype=dtype, device=device), result)
        if noncontiguous:
            # NOTE: `where` returns a contiguous tensor; rebuild the strided view torch returns.
            wide = t.empty((*shape[:-1], shape[-1]), dtype=dtype, device=device)
            wide[..., 1::2] = result
            result = wide[..., 1::2]
    if dtype in floating + complex_:
        result.requires_grad = requires_grad
    return result


def _uniform(shape, dtype, device, low, high):
    import jtorch as t
    result = t.empty(shape, device=device, dtype=dtype)
    if high - low >= t.finfo(dtype).max:  # NOTE: torch halves the range to avoid overflow
        return result.uniform_(low / 2, high / 2).mul_(2)
    return result.uniform_(low, high)
