"""Histograms: histc, histogram, histogramdd, with torch's CPU bin selection bit for bit.

torch bins an element by linear interpolation between the outer edges (histc), then (histogram
and histogramdd with bin counts) corrects the guess against the neighbouring linspace edges; with
explicit edge tensors it binary-searches them. Elements outside the range (and NaN) are skipped;
the last bin includes its right edge. Outer edges taken from the data are computed in the jitted
op; their finiteness is checked on the host (eager only), as torch does with .item().
"""
import builtins

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..return_types import histogram as _Hist, histogramdd as _HistDD
from ._common import torch_name, unwrap_out
from .registry import dispatch
from .registry import register as _reg

__all__ = ["histc", "histogram", "histogramdd"]

_Tracer = jax.core.Tracer
# NOTE: torch names dtypes by their C++ type in the histogramdd messages.
_CPP = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
        "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
        "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _cpp(d):
    return _CPP.get(d._name, d._name)


def _fmt(v):
    """A double as C++'s ostream prints it (6 significant digits)."""
    return "%g" % v


def _exact_div(d):
    """A divisor XLA cannot turn into a multiplication by its reciprocal (off by an ulp, which
    moves elements across bin edges): torch divides."""
    return jax.lax.optimization_barrier(d)


def _linspace(lo, hi, bins, dt):
    """torch's CPU linspace(lo, hi, bins + 1) in dtype dt, from traced outer edges."""
    s, e = lo.astype(dt), hi.astype(dt)
    step = ((e - s) / _exact_div(jnp.asarray(bins, dt))).astype(jnp.float64)
    i = jnp.arange(bins + 1, dtype=jnp.float64)
    half = (bins + 1) // 2
    # NOTE: torch's kernel uses a fused multiply-add: the exact product-sum rounded once.
    v = jnp.where(i < half, step * i + s.astype(jnp.float64),
                  e.astype(jnp.float64) - step * (bins - i))
    return v.astype(dt)


def _bin_index(x, edges, how):
    """(bin index, in range) per element of x for one dimension's edges (torch's kernel)."""
    nb = edges.shape[0] - 1
    lo, hi = edges[0], edges[-1]
    valid = (x >= lo) & (x <= hi)
    if how == "search":
        pos = jnp.searchsorted(edges, x, side="right") - 1
    else:
        xs = jnp.where(valid, x, lo)
        pos = jnp.trunc((xs - lo) * jnp.asarray(nb, x.dtype) /
                        _exact_div(jnp.broadcast_to(hi - lo, xs.shape)))
        pos = jnp.where(jnp.isfinite(pos), pos, 0).astype(jnp.int64)
        if how == "local":
            # NOTE: upper_bound over edges[pos - 1 : pos + 2] fixes elements near an edge.
            pmin = jnp.maximum(pos - 1, 0)
            pmax = jnp.minimum(pos + 2, nb + 1)
            cnt = sum(((pmin + t < pmax) & (edges[jnp.minimum(pmin + t, nb)] <= xs))
                      .astype(jnp.int64) for t in range(3))
            pos = pmin + cnt - 1
    pos = jnp.where(pos == nb, nb - 1, pos)
    return jnp.clip(pos, 0, nb - 1), valid


def _hist(x2, w, edges, how, density):
    """The (bins...) histogram of the rows of x2 (M, N) over per-dimension edges."""
    shape = tuple(e.shape[0] - 1 for e in edges)
    flat = jnp.zeros((x2.shape[0],), jnp.int64)
    ok = jnp.ones((x2.shape[0],), jnp.bool_)
    for k, e in enumerate(edges):
        pos, valid = _bin_index(x2[:, k], e, how)
        flat = flat * shape[k] + pos
        ok = ok & valid
    dt = x2.dtype
    wt = jnp.ones((x2.shape[0],), dt) if w is None else w.reshape(-1)
    h = jnp.zeros((int(np.prod(shape)),), dt).at[flat].add(jnp.where(ok, wt, jnp.zeros((), dt)))
    h = h.reshape(shape)
    if density:
        # NOTE: the barriers keep each division as torch does it ((h / a) / b would become
        # h / (a * b), and a division by a broadcast scalar a multiplication by its reciprocal).
        h = _exact_div(h / _exact_div(jnp.broadcast_to(h.sum(), h.shape)))
        for k, e in enumerate(edges):
            sh = [1] * len(shape)
            sh[k] = shape[k]
            h = _exact_div(h / _exact_div(jnp.broadcast_to(jnp.diff(e).reshape(sh), h.shape)))
    return h


def _outer_fn(x2):
    """Per-dimension data min/max (torch's aminmax), as float64 (2, N)."""
    if x2.shape[0] == 0:
        return jnp.stack([jnp.zeros(x2.shape[1]), jnp.ones(x2.shape[1])]).astype(jnp.float64)
    return jnp.stack([x2.min(0), x2.max(0)]).astype(jnp.float64)


_OUTER = _reg("_histogram_outer", _outer_fn, differentiable=False)


def _host_outer(x2, what):
    a = dispatch(_OUTER, (x2,))._a
    if isinstance(a, _Tracer):
        raise RuntimeError(f"{what} without an explicit range reads the data's min and max on "
                           "the host; it is supported in eager mode only (pass range= / min= and "
                           "max= under jtorch.compile / jax.jit)")
    return np.asarray(a)


def _check_float(input, kernel):
    if input.dtype not in (D.float32, D.float64):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{torch_name(input.dtype)}'")


# ---- histc ----------------------------------------------------------------------------------

def _histc_fn(bins, x, lo, hi):
    dt = x.dtype
    edges = _linspace(lo, hi, bins, dt)
    return _hist(x.reshape(-1, 1), None, [edges], "linear", False)


_HISTC = _reg("histc", _histc_fn, differentiable=False)


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of input with `bins` equal bins over [min, max] (data range if equal)."""
    _check_float(input, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = builtins.float(min), builtins.float(max)
    if lo == hi and input.numel() > 0:
        from ._shape_views import reshape
        lo, hi = (builtins.float(v) for v in _host_outer(reshape(input, (-1, 1)), "histc")[:, 0])
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_fmt(lo)}, {_fmt(hi)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    # NOTE: the outer edges are runtime operands: one compiled op for every data range.
    return unwrap_out(dispatch(_HISTC, (input, lo, hi), (int(bins),)), out)


# ---- histogram / histogramdd -----------------------------------------------------------------

def _hdd_fn(bins, density, has_w, x2, w, *rest):
    """rest: the edge tensors (bins None), else each dimension's outer edges lo, hi."""
    dt = x2.dtype
    if bins is None:
        edges = list(rest)
        how = "search"
    else:
        edges = [_linspace(rest[2 * k], rest[2 * k + 1], b, dt) for k, b in enumerate(bins)]
        how = "local"
    return (_hist(x2, w if has_w else None, edges, how, density),) + tuple(edges)


_HDD = {}


def _hdd_op(n):
    o = _HDD.get(n)
    if o is None:
        o = _HDD[n] = _reg(f"histogramdd_{n}", _hdd_fn, nout=n + 1, differentiable=False)
    return o


def _outer_edges(x2, range, what):
    """torch's select_outer_bin_edges: per-dimension (lo, hi) as Python floats."""
    n = x2.shape[1]
    if range is not None:
        range = [builtins.float(v) for v in range]
        if len(range) != 2 * n:
            raise RuntimeError(f"torch.histogramdd: for a {n}-dimensional histogram range should "
                               f"have {2 * n} elements, but got {len(range)}")
        pairs = [(range[2 * k], range[2 * k + 1]) for k in builtins.range(n)]
    elif x2.shape[0] > 0:
        mm = _host_outer(x2, what)
        pairs = [(builtins.float(mm[0, k]), builtins.float(mm[1, k])) for k in builtins.range(n)]
    else:
        pairs = [(0.0, 1.0)] * n
    out = []
    for k, (lo, hi) in enumerate(pairs):
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension {k}'s range [{_fmt(lo)}, "
                               f"{_fmt(hi)}] is not finite")
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{_fmt(lo)} max {_fmt(hi)} for dimension {k}")
        out.append((lo - 0.5, hi + 0.5) if lo == hi else (lo, hi))
    return tuple(out)


def _check_weight(x, weight, n):
    if weight is None:
        return
    if weight.dtype is not x.dtype:
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and "
                           f"weight tensor should have the same dtype, but got input("
                           f"{_cpp(x.dtype)}), and weight({_cpp(weight.dtype)})")
    ws = list(weight.shape) or [1]
    if ws != list(x.shape[:-1]):
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the "
                           f"same shape as the input tensor excluding its innermost dimension, "
                           f"but got input with shape {list(x.shape)} and weight with shape "
                           f"{list(weight.shape)}")


def _check_edges(x, edges):
    for k, e in enumerate(edges):
        if e.dtype is not x.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have "
                               f"the same dtype, but got input with dtype {_cpp(x.dtype)} and "
                               f"bins for dimension {k} with dtype {_cpp(e.dtype)}")
        if e.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but "
                               f"got {e.ndim} dimensions in the bins tensor for dimension {k}")
        if e.numel() - 1 <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {e.numel() - 1} "
                               f"for dimension {k}")


def _histdd(x2, bins, range, weight, density, what):
    """(hist, [edges]) for rows x2 (M, N); bins: list of ints or list of edge tensors."""
    n = x2.shape[1]
    if all(isinstance(b, Tensor) for b in bins):
        _check_edges(x2, bins)
        res = dispatch(_hdd_op(n), (x2, weight) + tuple(bins), (None, bool(density),
                                                                 weight is not None))
        return res[0], list(bins)
    bins = [int(b) for b in bins]
    ranges = _outer_edges(x2, range, what)
    if len(bins) != n:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    for k, b in enumerate(bins):
        if b <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {b} for dimension "
                               f"{k}")
    flat = tuple(v for pair in ranges for v in pair)
    res = dispatch(_hdd_op(n), (x2, weight) + flat, (tuple(bins), bool(density),
                                                     weight is not None))
    return res[0], list(res[1:])


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """(hist, bin_edges): histogram of input over `bins` (a count or an edge tensor)."""
    from ._shape_views import reshape
    _check_float(input, "histogramdd")
    x2 = reshape(input, (-1, 1))
    w = None if weight is None else reshape(weight, (-1,))
    if weight is not None and weight.numel() != input.numel():
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the "
                           f"same shape as the input tensor excluding its innermost dimension, "
                           f"but got input with shape {[input.numel(), 1]} and weight with "
                           f"shape {[weight.numel()]}")
    _check_weight(x2, w, 1)
    b = [bins] if isinstance(bins, Tensor) else [int(bins)]
    h, edges = _histdd(x2, b, range, w, density, "histogram")
    return unwrap_out(_Hist((h, edges[0])), out)


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges): N-dimensional histogram of the rows of input (..., N)."""
    from ._shape_views import reshape
    _check_float(input, "histogramdd")
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    n = input.shape[-1]
    if isinstance(bins, (list, tuple)):
        if any(isinstance(b, Tensor) for b in bins):
            for k, b in enumerate(bins):
                if not isinstance(b, Tensor):
                    raise TypeError(f"expected Tensor as element {k} in argument 1, but got "
                                    f"{type(b).__name__}")
        bins = list(bins)
    else:
        bins = [int(bins)] * n
    x2 = reshape(input, (-1, n))
    w = None if weight is None else weight
    if w is not None:
        _check_weight(input, w, n)
        w = reshape(w, (-1,))
    h, edges = _histdd(x2, bins, range, w, density, "histogramdd")
    return _HistDD((h, tuple(edges)))
