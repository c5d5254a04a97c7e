"""Reductions: sum/mean/prod, max/min family, std/var, norms, all/any, logsumexp and scans."""
import builtins
import functools
import math
import warnings

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .. import return_types as RT
from ._common import canon_dim, canon_dims, torch_name, unwrap_out
from .registry import dispatch, hooks, promote, to_float
from .registry import register as _reg
from ._common import with_out as _out

__all__ = []

_LOWP = (jnp.dtype(jnp.float16), jnp.dtype(jnp.bfloat16))
_I64 = jnp.dtype(jnp.int64)


def _public(fn):
    __all__.append(fn.__name__)
    return fn


def _cat(x):
    return D.from_np(x.dtype)._cat


def _npd(dtype):
    return None if dtype is None else D.to_dtype(dtype)._np


def _key(dim):
    """A hashable static for a dim argument (lists become tuples)."""
    return tuple(dim) if isinstance(dim, list) else dim


def _axes(x, dim, empty_is_all=True):
    """Reduction axes for `dim` (int / tuple / None) at trace time; 0-d input reduces nothing."""
    # NOTE: dims are wrapped inside the traced function so torch's check order (dtype errors
    # before dim errors) holds, and the eager wrapper does no per-call work.
    nd = x.ndim
    if dim is None or (empty_is_all and isinstance(dim, tuple) and len(dim) == 0):
        return tuple(range(nd))
    return tuple(d for d in canon_dims(dim, nd) if d < nd)


def _axis(x, dim):
    """One wrapped dim, or None for a 0-d input (which torch lets you reduce over dim 0/-1)."""
    d = canon_dim(dim, x.ndim)
    return d if x.ndim else None


def _out_rt(cls, r, out):
    return cls(r if out is None else unwrap_out(r, out))


def _sum_cast(x, dtype):
    """torch's accumulation input: the requested dtype, else bool/int -> int64."""
    if dtype is not None:
        return x.astype(dtype)
    return x.astype(jnp.int64) if _cat(x) < 2 else x


def _lowp(jfn, x, *a, **k):
    # NOTE: torch accumulates half/bfloat16 reductions in float32, then rounds once.
    if x.dtype in _LOWP:
        return jfn(x.astype(jnp.float32), *a, **k).astype(x.dtype)
    return jfn(x, *a, **k)


def _acc(jfn, x, **k):
    """sum/prod/cumsum/cumprod in x's own dtype (jnp would widen int32 to int64)."""
    if x.dtype in _LOWP:
        return jfn(x.astype(jnp.float32), **k).astype(x.dtype)
    return jfn(x, dtype=x.dtype, **k)


def _empty_check(name, x, axes, full, exc_full=RuntimeError):
    """torch's errors for reductions without identity (max, amin, argmax, ...) over empties."""
    if full and x.size == 0:
        tail = " Specify the reduction dim with the 'dim' argument." if exc_full is RuntimeError \
            else ""
        raise exc_full(f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                       + tail)
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


# ---- evenly-distributed gradients ------------------------------------------------------
# NOTE: torch's max()/min()/median() without dim use evenly_distribute_backward: the gradient
# is split equally among all entries equal to the result (NaN entries when the result is NaN).
# JAX would send it to one entry (sort/argmax) or give NaN, so this custom_vjp restates it.
@jax.custom_vjp
def _evenly(x, v):
    return v


def _evenly_fwd(x, v):
    return v, (x, v)


def _evenly_bwd(res, g):
    x, v = res
    mask = jnp.where(jnp.isnan(v), jnp.isnan(x), x == v) if _cat(x) >= 2 else x == v
    share = g / jnp.sum(mask).astype(g.dtype)
    return jnp.where(mask, share, jnp.zeros((), g.dtype)).astype(x.dtype), jnp.zeros_like(v)


_evenly.defvjp(_evenly_fwd, _evenly_bwd)


def _evenly_reduce(x, v):
    return _evenly(x, lax.stop_gradient(v))


# ---- sum / mean / prod -----------------------------------------------------------------

def _sum_fn(dim, keepdim, dtype, x):
    return _acc(jnp.sum, _sum_cast(x, dtype), axis=_axes(x, dim), keepdims=keepdim)


def _nansum_fn(dim, keepdim, dtype, x):
    if _cat(x) >= 2:
        x = jnp.where(jnp.isnan(x), jnp.zeros((), x.dtype), x)
    return _sum_fn(dim, keepdim, dtype, x)


_SUM = _reg("sum", _sum_fn, grad_name="SumBackward0")
_SUM_DIM = _reg("sum_dim", _sum_fn, grad_name="SumBackward1")
_NANSUM = _reg("nansum", _nansum_fn, grad_name="NansumBackward0")


@_public
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over `dim` (all dims by default); bool/int accumulate in int64 (torch.sum)."""
    o = _SUM if dim is None else _SUM_DIM
    return _out(dispatch(o, (input,), (_key(dim), bool(keepdim), _npd(dtype))), out)


@_public
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero (torch.nansum)."""
    return _out(dispatch(_NANSUM, (input,), (_key(dim), bool(keepdim), _npd(dtype))),
                out)


def _mean_cast(name, x, dtype):
    if dtype is not None:
        if D.from_np(dtype)._cat < 2:
            raise RuntimeError(f"{name}(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{torch_name(D.from_np(dtype))}")
        return x.astype(dtype)
    if _cat(x) < 2:
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: "
                           f"{torch_name(D.from_np(x.dtype))}")
    return x


def _mean_fn(dim, keepdim, dtype, x):
    return _lowp(jnp.mean, _mean_cast("mean", x, dtype), axis=_axes(x, dim), keepdims=keepdim)


def _nanmean_fn(dim, keepdim, dtype, x):
    if _cat(x) < 2:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {torch_name(D.from_np(x.dtype))}")
    x = x if dtype is None else x.astype(dtype)
    n = jnp.sum(~jnp.isnan(x), axis=_axes(x, dim), keepdims=keepdim)
    return _nansum_fn(dim, keepdim, None, x) / n.astype(x.dtype)


_MEAN = _reg("mean", _mean_fn, grad_name="MeanBackward0")
_MEAN_DIM = _reg("mean_dim", _mean_fn, grad_name="MeanBackward1")
_NANMEAN = _reg("nanmean", _nanmean_fn, grad_name="DivBackward0")


@_public
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean; floating/complex input (or dtype=) only (torch.mean)."""
    o = _MEAN if dim is None else _MEAN_DIM
    return _out(dispatch(o, (input,), (_key(dim), bool(keepdim), _npd(dtype))), out)


@_public
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean ignoring NaN (torch.nanmean)."""
    return _out(dispatch(_NANMEAN, (input,), (_key(dim), bool(keepdim), _npd(dtype))),
                out)


def _prod_fn(dim, keepdim, dtype, x):
    return _acc(jnp.prod, _sum_cast(x, dtype), axis=_axes(x, dim), keepdims=keepdim)


_PROD = _reg("prod", _prod_fn, grad_name="ProdBackward0")
_PROD_DIM = _reg("prod_dim", _prod_fn, grad_name="ProdBackward1")


def _int_dim(name, dim):
    if isinstance(dim, (list, tuple)) or isinstance(dim, builtins.float):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(dim).__name__}), but expected (Tensor input, int dim, ...)")


@_public
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over all elements or one dim; bool/int accumulate in int64 (torch.prod)."""
    _int_dim("prod", dim)
    o = _PROD if dim is None else _PROD_DIM
    return _out(dispatch(o, (input,), (_key(dim), bool(keepdim), _npd(dtype))), out)


# ---- max / min family ------------------------------------------------------------------

def _full_ext(name, jfn):
    def f(x):
        _empty_check(name, x, (), True)
        return _evenly_reduce(x, jfn(x))
    return f


def _arg_ext(is_max, x, axis):
    """First index of the max/min along axis (NaN counts as the extreme, like torch)."""
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.uint8)
    return (jnp.argmax if is_max else jnp.argmin)(x, axis=axis).astype(jnp.int64)


def _ext_dim_fn(name, is_max, dim, keepdim, x):
    axis = _axis(x, dim)
    if axis is None:  # 0-d input
        return x, jnp.zeros((), jnp.int64)
    _empty_check(name, x, (axis,), False)
    idx = jnp.expand_dims(_arg_ext(is_max, x, axis), axis)
    # NOTE: values gathered at the returned index, so the gradient goes to that index only
    # (torch's value_selecting_reduction_backward for max(dim) / min(dim)).
    vals = jnp.take_along_axis(x, idx, axis=axis)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, axis), jnp.squeeze(idx, axis)
    return vals, idx


_MAX = _reg("max", _full_ext("max", jnp.max), grad_name="MaxBackward1")
_MIN = _reg("min", _full_ext("min", jnp.min), grad_name="MinBackward1")
_MAX_DIM = _reg("max_dim", lambda *a: _ext_dim_fn("max", True, *a), nout=2,
                grad_name="MaxBackward0", nondiff_outputs=(1,))
_MIN_DIM = _reg("min_dim", lambda *a: _ext_dim_fn("min", False, *a), nout=2,
                grad_name="MinBackward0", nondiff_outputs=(1,))


def _maxmin(name, full, by_dim, binary, cls, input, dim, keepdim, out):
    if dim is None:
        return _out(dispatch(full, (input,)), out)
    if isinstance(dim, hooks.tensor_cls):
        return binary(input, dim, out=out)
    _int_dim(name, dim)
    r = dispatch(by_dim, (input,), (dim, bool(keepdim)))
    return _out_rt(cls, r, out)


@_public
def max(input, dim=None, keepdim=False, *, out=None):
    """max(input) -> value; max(input, dim) -> (values, indices); max(input, other) (torch.max)."""
    from .pointwise import maximum
    return _maxmin("max", _MAX, _MAX_DIM, maximum, RT.max, input, dim, keepdim, out)


@_public
def min(input, dim=None, keepdim=False, *, out=None):
    """min(input) -> value; min(input, dim) -> (values, indices); min(input, other) (torch.min)."""
    from .pointwise import minimum
    return _maxmin("min", _MIN, _MIN_DIM, minimum, RT.min, input, dim, keepdim, out)


def _amax_fn(name, jfn, dim, keepdim, x):
    axes = _axes(x, dim)
    _empty_check(name, x, axes, dim is None or dim == ())
    # NOTE: jnp.max/min's JAX gradient splits it evenly among ties, as torch's amax/amin do.
    return jfn(x, axis=axes, keepdims=keepdim)


_AMAX = _reg("amax", lambda *a: _amax_fn("amax", jnp.max, *a))
_AMIN = _reg("amin", lambda *a: _amax_fn("amin", jnp.min, *a))


@_public
def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over dims (all by default); ties share the gradient (torch.amax)."""
    return _out(dispatch(_AMAX, (input,), (_key(dim), bool(keepdim))), out)


@_public
def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over dims (all by default); ties share the gradient (torch.amin)."""
    return _out(dispatch(_AMIN, (input,), (_key(dim), bool(keepdim))), out)


def _aminmax_fn(dim, keepdim, x):
    axes = _axes(x, dim if dim is None else (dim,))
    if dim is None and x.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {a} to have non-zero size.")
    return jnp.min(x, axis=axes, keepdims=keepdim), jnp.max(x, axis=axes, keepdims=keepdim)


_AMINMAX = _reg("aminmax", _aminmax_fn, nout=2)


@_public
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """(min, max) over all elements or one dim (torch.aminmax)."""
    return _out_rt(RT.aminmax, dispatch(_AMINMAX, (input,), (dim, bool(keepdim))), out)


def _argext_fn(name, is_max, dim, keepdim, x):
    if x.dtype == jnp.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        _empty_check(name, x, (), True, IndexError)
        r = _arg_ext(is_max, x.reshape(-1), 0)
        return r.reshape((1,) * x.ndim) if keepdim else r
    axis = _axis(x, dim)
    if axis is None:
        return jnp.zeros((), jnp.int64)
    _empty_check(name, x, (axis,), False)
    r = _arg_ext(is_max, x, axis)
    return jnp.expand_dims(r, axis) if keepdim else r


_ARGMAX = _reg("argmax", lambda *a: _argext_fn("argmax", True, *a), differentiable=False)
_ARGMIN = _reg("argmin", lambda *a: _argext_fn("argmin", False, *a), differentiable=False)


@_public
def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximum (over the flattened input when dim is None) (torch.argmax)."""
    return _out(dispatch(_ARGMAX, (input,), (dim, bool(keepdim))), out)


@_public
def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the first minimum (over the flattened input when dim is None) (torch.argmin)."""
    return _out(dispatch(_ARGMIN, (input,), (dim, bool(keepdim))), out)


# ---- variance / standard deviation -------------------------------------------------------

def _safe_sqrt(v):
    # NOTE: torch masks the std gradient to 0 where std == 0; sqrt's own gradient there is inf.
    z = v == 0
    return jnp.where(z, jnp.zeros((), v.dtype), jnp.sqrt(jnp.where(z, jnp.ones((), v.dtype), v)))


def _var_core(dim, correction, keepdim, x):
    if _cat(x) < 2:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = _axes(x, dim)
    low = x.dtype if x.dtype in _LOWP else None
    if low is not None:
        x = x.astype(jnp.float32)
    n = math.prod(x.shape[a] for a in axes)
    dof = n - correction
    if dof <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=2)
    m = jnp.mean(x, axis=axes, keepdims=True)
    d = x - m
    sq = d * d if _cat(x) == 2 else jnp.real(d * jnp.conj(d))
    v = jnp.sum(sq, axis=axes, keepdims=keepdim) / builtins.max(dof, 0)
    if not keepdim:
        m = jnp.squeeze(m, axes)
    if low is not None:
        v, m = v.astype(low), m.astype(low)
    return v, m


_VAR = _reg("var", lambda *a: _var_core(*a)[0])
_STD = _reg("std", lambda *a: _safe_sqrt(_var_core(*a)[0]))
_VAR_MEAN = _reg("var_mean", lambda *a: _var_core(*a), nout=2, grad_name="VarMeanBackward0")
_STD_MEAN = _reg("std_mean", lambda *a: (lambda v, m: (_safe_sqrt(v), m))(*_var_core(*a)),
                 nout=2, grad_name="StdMeanBackward0")


def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, builtins.bool):  # NOTE: legacy overload var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        f"unbiased and correction")
    c = correction if correction is not None else (
        1 if unbiased is None or unbiased else 0)
    return (_key(dim), c, bool(keepdim))


@_public
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance with Bessel's `correction` (default 1) or legacy `unbiased` (torch.var)."""
    return _out(dispatch(_VAR, (input,), _var_args("var", input, dim, unbiased, keepdim,
                                                   correction)), out)


@_public
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation, sqrt of var (torch.std)."""
    return _out(dispatch(_STD, (input,), _var_args("std", input, dim, unbiased, keepdim,
                                                   correction)), out)


@_public
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(var, mean) in one pass (torch.var_mean)."""
    return _out(dispatch(_VAR_MEAN, (input,), _var_args("var_mean", input, dim, unbiased,
                                                         keepdim, correction)), out)


@_public
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(std, mean) in one pass (torch.std_mean)."""
    return _out(dispatch(_STD_MEAN, (input,), _var_args("std_mean", input, dim, unbiased,
                                                         keepdim, correction)), out)


# ---- norms -----------------------------------------------------------------------------

def _abs0(x):
    # NOTE: |x| with torch's gradient sgn(x) (0 at 0); jnp.abs's gradient at 0 is 1.
    return jnp.abs(x) if jnp.iscomplexobj(x) else x * jnp.sign(x)


def _vnorm(ord, axes, keepdim, x, what="linalg.vector_norm"):
    """torch.linalg.vector_norm on a traced floating/complex array."""
    if ord in (math.inf, -math.inf):
        if x.size == 0 and len(axes) == x.ndim:
            raise RuntimeError(f"{what} cannot compute the {ord} norm on an empty tensor because "
                               f"the operation does not have an identity")
        for a in axes:
            if x.shape[a] == 0:
                raise RuntimeError(f"{what} cannot compute the {ord} norm on the dimension {a}"
                                   f"because this dimension is empty and the operation does not "
                                   f"have an identity")
        return (jnp.max if ord > 0 else jnp.min)(_abs0(x), axis=axes, keepdims=keepdim)
    a = _abs0(x)
    if ord == 0:
        return jnp.sum(a != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
    if ord == 1:
        return jnp.sum(a, axis=axes, keepdims=keepdim)
    if ord == 2:
        return _safe_sqrt(jnp.sum(a * a, axis=axes, keepdims=keepdim))
    if ord > 0:
        # NOTE: safe power/root so that zeros get torch's 0 gradient instead of NaN.
        z = a == 0
        p = jnp.where(z, jnp.zeros((), a.dtype), jnp.where(z, jnp.ones((), a.dtype), a) ** ord)
        s = jnp.sum(p, axis=axes, keepdims=keepdim)
        zs = s == 0
        return jnp.where(zs, jnp.zeros((), s.dtype),
                         jnp.where(zs, jnp.ones((), s.dtype), s) ** (1.0 / ord))
    return jnp.sum(a ** ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)


def _vnorm_fn(ord, dim, keepdim, dtype, x):
    if _cat(x) < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_name(D.from_np(x.dtype))}")
    axes = _axes(x, dim)
    if dtype is not None:
        x = x.astype(dtype)
    return _lowp(lambda y: _vnorm(ord, axes, keepdim, y), x)


def _nuc_fn(axes, keepdim, x):
    if _cat(x) < 2:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_name(D.from_np(x.dtype))}")
    y = jnp.moveaxis(x, axes, (-2, -1))
    r = jnp.sum(jnp.linalg.svd(y, compute_uv=False), axis=-1)
    return jnp.expand_dims(r, axes) if keepdim else r


_VNORM = _reg("linalg_vector_norm", _vnorm_fn, grad_name="LinalgVectorNormBackward0")
_NUC = _reg("nuclear_norm", _nuc_fn, grad_name="SumBackward1")


@_public
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm, 'fro' or 'nuc' matrix norm over dim (torch.norm)."""
    if isinstance(dim, builtins.int):
        dim = [dim]
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            p = 2
        else:
            dims = list(range(input.ndim)) if dim is None else list(dim)
            if len(dims) != 2:
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                                   f"{' '.join(str(d) for d in dims)}")
            if p not in ("fro", "nuc"):
                raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
            axes = tuple(canon_dim(d, input.ndim) for d in dims)
            if p == "fro":
                p, dim = 2, axes
            else:
                return _out(dispatch(_NUC, (input,), (axes, bool(keepdim))), out)
    p = 2.0 if p is None else builtins.float(p)
    return _out(dispatch(_VNORM, (input,), (p, _key(dim), bool(keepdim), _npd(dtype))),
                out)


def _dist_fn(p, a, b):
    from .pointwise import _bshape
    _bshape(a, b)
    (a, b), rt = promote(a, b)
    if rt._cat < 2:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{torch_name(rt)} instead.")
    d = a - b
    return _vnorm(p, tuple(range(d.ndim)), False, d)


_DIST = _reg("dist", _dist_fn)


@_public
def dist(input, other, p=2):
    """p-norm of input - other (torch.dist)."""
    return dispatch(_DIST, (input, other), (builtins.float(p),))


# ---- all / any / count_nonzero -----------------------------------------------------------

def _logical_fn(jfn, dim, keepdim, x):
    r = jfn(x, axis=_axes(x, dim, False), keepdims=keepdim)
    # NOTE: torch keeps uint8 for uint8 input (legacy byte masks); bool otherwise.
    return r.astype(jnp.uint8) if x.dtype == jnp.uint8 else r


_ALL = _reg("all", lambda *a: _logical_fn(jnp.all, *a), differentiable=False)
_ANY = _reg("any", lambda *a: _logical_fn(jnp.any, *a), differentiable=False)


@_public
def all(input, dim=None, keepdim=False, *, out=None):
    """True if all elements (over dim) are nonzero (torch.all)."""
    return _out(dispatch(_ALL, (input,), (_key(dim), bool(keepdim))), out)


@_public
def any(input, dim=None, keepdim=False, *, out=None):
    """True if any element (over dim) is nonzero (torch.any)."""
    return _out(dispatch(_ANY, (input,), (_key(dim), bool(keepdim))), out)


_COUNT_NZ = _reg("count_nonzero", lambda dim, x: jnp.sum(x != 0, axis=_axes(x, dim),
                                                                dtype=jnp.int64),
                 differentiable=False)


@_public
def count_nonzero(input, dim=None):
    """Number of nonzero elements over dim (torch.count_nonzero)."""
    return dispatch(_COUNT_NZ, (input,), (_key(dim),))


# ---- logsumexp and scans -----------------------------------------------------------------

def _logsumexp_fn(dim, keepdim, x):
    x, axes = to_float(x), _axes(x, dim)
    return _lowp(lambda y: jax.nn.logsumexp(y, axis=axes, keepdims=keepdim), x)


_LOGSUMEXP = _reg("logsumexp", _logsumexp_fn)


@_public
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dim, computed stably (torch.logsumexp)."""
    return _out(dispatch(_LOGSUMEXP, (input,), (_key(dim), bool(keepdim))), out)


def _scan_fn(jfn, dim, dtype, x):
    x, axis = _sum_cast(x, dtype), _axis(x, dim)
    if axis is None:
        return x
    return _acc(jfn, x, axis=axis)


_CUMSUM = _reg("cumsum", lambda *a: _scan_fn(jnp.cumsum, *a))
_CUMPROD = _reg("cumprod", lambda *a: _scan_fn(jnp.cumprod, *a))


@_public
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along dim; bool/int accumulate in int64 (torch.cumsum)."""
    return _out(dispatch(_CUMSUM, (input,), (dim, _npd(dtype))), out)


@_public
def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along dim (torch.cumprod)."""
    return _out(dispatch(_CUMPROD, (input,), (dim, _npd(dtype))), out)


def _cumext_fn(is_max, dim, x):
    axis = _axis(x, dim)
    if axis is None:
        return x, jnp.zeros((), jnp.int64)
    idx0 = lax.broadcasted_iota(jnp.int64, x.shape, axis)
    nan = jnp.isnan if _cat(x) >= 2 else (lambda v: jnp.zeros(v.shape, bool))
    xs = lax.stop_gradient(x)

    def combine(l, r):
        (lv, li), (rv, ri) = l, r
        # NOTE: torch's scan: a later element wins on ties (>=) and NaN, once seen, sticks.
        better = (rv >= lv) if is_max else (rv <= lv)
        take = nan(rv) | (~nan(lv) & better)
        return jnp.where(take, rv, lv), jnp.where(take, ri, li)

    _, idx = lax.associative_scan(combine, (xs, idx0), axis=axis)
    return jnp.take_along_axis(x, idx, axis=axis), idx


_CUMMAX = _reg("cummax", lambda *a: _cumext_fn(True, *a), nout=2, nondiff_outputs=(1,))
_CUMMIN = _reg("cummin", lambda *a: _cumext_fn(False, *a), nout=2, nondiff_outputs=(1,))


@_public
def cummax(input, dim, *, out=None):
    """Running maximum and its (latest) index along dim (torch.cummax)."""
    return _out_rt(RT.cummax, dispatch(_CUMMAX, (input,), (dim,)), out)


@_public
def cummin(input, dim, *, out=None):
    """Running minimum and its (latest) index along dim (torch.cummin)."""
    return _out_rt(RT.cummin, dispatch(_CUMMIN, (input,), (dim,)), out)


def _logcumsumexp_fn(dim, x):
    axis = _axis(x, dim)
    if _cat(x) < 2:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{torch_name(D.from_np(x.dtype))}'")
    if axis is None:
        return x
    if _cat(x) == 3:
        return _lowp(lambda y: lax.associative_scan(jnp.logaddexp, y, axis=axis), x)
    return _lcse_real(x, axis)


def _lcse_scan(x, axis):
    # NOTE: torch's CPU kernel accumulates in acc_type (float32 -> double, half/bfloat16 ->
    # float32) and rounds once; matching that keeps `result` bit-equal, which the backward's
    # `+ self` cancellation at large |x| is sensitive to.
    acc = jnp.float64 if x.dtype == jnp.float32 else (
        jnp.float32 if x.dtype in _LOWP else x.dtype)
    return lax.associative_scan(jnp.logaddexp, x.astype(acc), axis=axis).astype(x.dtype)


@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def _lcse_real(x, axis):
    return _lcse_scan(x, axis)


def _lcse_real_fwd(x, axis):
    r = _lcse_scan(x, axis)
    return r, (x, r)


def _lcse_real_bwd(axis, res, g):
    # NOTE: torch's logcumsumexp_backward (FunctionsManual.cpp, after TensorFlow): the positive
    # and negative parts of grad go through a reversed logcumsumexp in log space, each
    # exponentiated back after adding self. Same float32 steps, so the same rounding.
    x, r = res
    lowest = jnp.asarray(jnp.finfo(g.dtype).min, g.dtype)
    lg = jnp.log(jnp.abs(g))
    pos = jnp.where(g > 0, lg, lowest)
    neg = jnp.where(g < 0, lg, lowest)

    def rev(v):
        return jnp.flip(_lcse_scan(jnp.flip(v, axis), axis), axis)

    return (jnp.exp(rev(pos - r) + x) - jnp.exp(rev(neg - r) + x),)


_lcse_real.defvjp(_lcse_real_fwd, _lcse_real_bwd)


_LOGCUMSUMEXP = _reg("logcumsumexp", _logcumsumexp_fn)


@_public
def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along dim, computed stably (torch.logcumsumexp)."""
    return _out(dispatch(_LOGCUMSUMEXP, (input,), (dim,)), out)
