"""Statistics and norms: var/std (+_mean), norm, dist."""
import builtins
import math
import warnings

import jax.numpy as jnp

from .. import _dtype as D
from ._common import canon_dim, torch_name
from ._common import with_out as _out
from ._reduction_base import _LOWP, _axes, _cat, _key, _lowp, _npd, _publisher
from .registry import dispatch, promote
from .registry import register as _reg

__all__ = []
_public = _publisher(__all__)


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
    # NOTE: ord < 0: a zero makes the norm 0 with torch's 0 gradient (not NaN) for every element.
    z = a == 0
    p = jnp.where(z, jnp.asarray(jnp.inf, a.dtype), jnp.where(z, jnp.ones((), a.dtype), a) ** ord)
    s = jnp.sum(p, axis=axes, keepdims=keepdim)
    zs = jnp.isinf(s)
    return jnp.where(zs, jnp.zeros((), s.dtype),
                     jnp.where(zs, jnp.ones((), s.dtype), s) ** (1.0 / ord))


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

