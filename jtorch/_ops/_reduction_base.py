"""Shared reduction helpers: dims to axes, accumulation dtypes, empty checks, even gradients."""
import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from ._common import canon_dim, canon_dims, unwrap_out

_LOWP = (jnp.dtype(jnp.float16), jnp.dtype(jnp.bfloat16))
_I64 = jnp.dtype(jnp.int64)


def _publisher(names):
    """A decorator that lists a function's name in `names` (a module's __all__)."""
    def _public(fn):
        names.append(fn.__name__)
        return fn
    return _public


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


