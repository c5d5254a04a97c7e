"""Ranges: arange/range/linspace/logspace, bit-matched to torch's CPU kernels."""
import builtins
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._creation_fill import _creation_dtype, _fill_array, check_layout, place


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values from start (inclusive) to end (exclusive) by step."""
    check_layout(layout, "arange")
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    for v in (start, end, step):
        if not isinstance(v, (builtins.int, builtins.float, np.integer, np.floating)):
            raise TypeError(f"arange() received an invalid combination of arguments - got "
                            f"({type(v).__name__})")
    if dtype is None:
        is_float = any(isinstance(v, (builtins.float, np.floating)) for v in (start, end, step))
        d = D.get_default_dtype() if is_float else D.int64
    else:
        d = D.to_dtype(dtype)
    if d._cat in (0, 3):
        from ._common import torch_name
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{torch_name(d)}'")
    # NOTE: torch converts start/end/step to the accumulate type first (int64 for integer
    # dtypes: truncation; double for float32/64; float for half types) and checks those.
    if d._cat == 1:
        if any(isinstance(v, (builtins.float, np.floating)) and not math.isfinite(v)
               for v in (start, end, step)):
            raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
        xs, xe, xst = (builtins.int(v) for v in (start, end, step))
    else:
        acc = np.float64 if d in (D.float32, D.float64) else np.float32
        xs, xe, xst = (acc(v) for v in (start, end, step))
    if xst == 0:
        if step != 0 and d is D.int64:
            raise ValueError("step must be nonzero")
        if step == 0:
            raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xs) and math.isfinite(xe)):
        raise RuntimeError(f"unsupported range: {xs:g} -> {xe:g}")
    if (xst != 0 and not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs))) or \
            not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if d is D.int64:
        sgn = (xst > 0) - (xst < 0)
        num = xe - xs + xst - sgn
        n = builtins.abs(num) // builtins.abs(xst) * (1 if (num >= 0) == (xst > 0) else -1)
    else:
        size_d = (builtins.float(end) - builtins.float(start)) / builtins.float(step)
        if not math.isfinite(size_d):
            raise RuntimeError("invalid size, possible overflow?")
        n = math.ceil(size_d)
    if n > np.iinfo(np.int64).max:
        raise RuntimeError("invalid size, possible overflow?")
    n = builtins.max(0, builtins.int(n))
    if d._cat == 1:
        vals = (np.int64(xs) + np.arange(n, dtype=np.int64) * np.int64(xst)).astype(d._np)
    elif acc is np.float64:
        # NOTE: start + step * i in double with one rounding (torch's kernel is compiled with
        # FMA contraction); torch's SIMD lanes may differ from this by an ulp.
        vals = _fma64(np.float64(xst), np.arange(n, dtype=np.float64), np.float64(xs))
        vals = vals.astype(d._np)
    else:
        i = np.arange(n, dtype=np.float64)
        vals = (np.float64(xst) * i + np.float64(xs)).astype(np.float32).astype(d._np)
    return place(vals, device, requires_grad)


def _fma64(a, b, c):
    """a * b + c in float64 with (almost always) a single rounding, like a fused multiply-add:
    Dekker's exact product plus a compensated sum (NumPy has no fma)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    p = a * b
    split = 134217729.0  # 2**27 + 1
    t = split * a
    ah = t - (t - a)
    al = a - ah
    t = split * b
    bh = t - (t - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    with np.errstate(invalid="ignore", over="ignore"):
        s = p + c
        bb = s - p
        tt = (p - (s - bb)) + (c - bb)
        r = s + (tt + err)
    return np.where(np.isfinite(r), r, p + c)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated torch.range: like arange but end-inclusive (default float dtype)."""
    check_layout(layout, "range")
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    n = builtins.int(math.floor((end - start) / step)) + 1
    d = _creation_dtype(dtype)
    return place((start + np.arange(n, dtype=np.float64) * step).astype(d._np), device,
                 requires_grad)


def _check_steps(steps, fname):
    if not isinstance(steps, (builtins.int, np.integer)) or isinstance(steps, builtins.bool):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"(steps={type(steps).__name__}), but expected (int steps)")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


def _space_dtype(start, end, dtype):
    if dtype is not None:
        return D.to_dtype(dtype)
    if any(isinstance(v, (builtins.complex, np.complexfloating)) for v in (start, end)):
        return D.get_default_dtype().to_complex()
    return D.get_default_dtype()


def _round_half(x, d):
    """Round float32 values through a half dtype (torch's Half arithmetic: float then round)."""
    return np.asarray(x, np.float32).astype(d._np).astype(np.float32)


def _linspace_values(start, end, steps, d):
    """torch's CPU linspace kernel, bit for bit: start + step * i for the first half, end -
    step * (steps - 1 - i) for the second; arithmetic in the dtype (double for integers),
    fused multiply-adds for float32/float64/integers."""
    i = np.arange(steps)
    half = steps // 2
    j = (steps - 1 - i)
    if d._cat == 3:
        cd = np.complex128
        s, e = cd(start), cd(end)
        step = (e - s) / (steps - 1)
        return np.where(i < half, s + step * i, e - step * j).astype(d._np)
    if d._cat == 1:
        s, e = np.float64(builtins.int(start)), np.float64(builtins.int(end))
        step = (e - s) / (steps - 1)
        v = np.where(i < half, _fma64(step, i, s), _fma64(-step, j, e))
        return np.trunc(v).astype(np.int64).astype(d._np)
    if d is D.float64:
        s, e = np.float64(start), np.float64(end)
        step = (e - s) / np.float64(steps - 1)
        return np.where(i < half, _fma64(step, i, s), _fma64(-step, j, e))
    if d is D.float32:
        s, e = np.float32(start), np.float32(end)
        step = np.float64((e - s) / np.float32(steps - 1))
        # NOTE: float32 fma = the exact float64 product-sum rounded once to float32.
        lo = step * i + np.float64(s)
        hi = np.float64(e) - step * j
        return np.where(i < half, lo, hi).astype(np.float32)
    # float16 / bfloat16: every operation in float, rounded back to the half type.
    s, e = _round_half(start, d), _round_half(end, d)
    step = _round_half(_round_half(e - s, d) / _round_half(steps - 1, d), d)
    lo = _round_half(s + _round_half(step * _round_half(i, d), d), d)
    hi = _round_half(e - _round_half(step * _round_half(j, d), d), d)
    return np.where(i < half, lo, hi).astype(d._np)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end (inclusive)."""
    check_layout(layout, "linspace")
    start, end = _num(start), _num(end)
    _check_steps(steps, "linspace")
    d = _space_dtype(start, end, dtype)
    if steps == 0:
        return place(np.zeros((0,), d._np), device, requires_grad)
    if steps == 1:
        return place(_fill_array((1,), start, d), device, requires_grad)
    return place(_linspace_values(start, end, builtins.int(steps), d), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """base ** linspace(start, end, steps)."""
    check_layout(layout, "logspace")
    start, end = _num(start), _num(end)
    _check_steps(steps, "logspace")
    d = _space_dtype(start, end, dtype)
    if steps == 0:
        return place(np.zeros((0,), d._np), device, requires_grad)
    if d._cat == 3:
        exps = _linspace_values(start, end, builtins.int(steps), D.complex128)
        return place(np.power(np.complex128(base), exps).astype(d._np), device, requires_grad)
    if steps == 1:
        v = math.pow(builtins.float(base), builtins.float(start))
        return place(_fill_array((1,), v, d), device, requires_grad)
    # NOTE: torch's CPU kernel: start/end in the dtype, step in double, exponent start +
    # step * i in double, std::pow (float base for integer dtypes), stored to the dtype.
    steps = builtins.int(steps)
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    if d._cat == 1:
        s, e = builtins.int(start), builtins.int(end)
        b = builtins.float(np.float32(base))
    else:
        npd = np.float32 if d in (D.float16, D.bfloat16) else d._np
        s, e = _fill_array((), start, d).astype(npd), _fill_array((), end, d).astype(npd)
        b = builtins.float(base)
    step = np.float64(e - s) / (steps - 1)
    if d in (D.float16, D.bfloat16):
        step = np.float64(_round_half(e - s, d)) / (steps - 1)
    exps = np.where(i < half, np.float64(s) + step * i, np.float64(e) - step * (steps - 1 - i))
    # NOTE: math.pow (the C library's pow, as torch uses); NumPy's SIMD power differs by ulps.
    vals = np.fromiter((math.pow(b, x) for x in exps.tolist()), np.float64, steps)
    if d._cat == 1:
        vals = np.trunc(vals)
    elif d in (D.float16, D.bfloat16):
        vals = vals.astype(np.float32)
    return place(vals.astype(d._np), device, requires_grad)

