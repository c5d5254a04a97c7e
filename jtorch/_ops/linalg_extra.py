"""torch.linalg norms, lstsq, householder_product, multi_dot, vecdot, tensorinv/solve, vander,
and the top-level torch.* spellings of the linalg functions (det, inverse, svd, qr, ...)."""
import builtins
import math

import jax.numpy as jnp

from .. import _dtype as D
from .. import return_types as RT
from . import linalg_decomp as LD
from . import linalg_lu as LU
from ._common import canon_dim, torch_name
from .registry import dispatch
from ._common import exporter

__all__ = []
TORCH_NAMES = []
_torch = exporter(TORCH_NAMES)

_HI, _reg, _out = LD._HI, LD._reg, LD._out  # NOTE: one registration helper for linalg


def _linalg(fn):
    __all__.append(fn.__name__)
    return fn


def _npd(dtype):
    return None if dtype is None else dtype._np


# ---- norms -----------------------------------------------------------------------------------

def _check_float(x, what):
    d = D.from_np(x.dtype)
    if d._cat < 2:
        raise RuntimeError(f"{what}: Expected a floating point or complex tensor as input. Got "
                           f"{torch_name(d)}")


def _matrix_norm(ord, axes, keepdim, x):
    from .reduction import _vnorm
    a0, a1 = axes
    if ord == "fro":
        return _vnorm(2.0, axes, keepdim, x)
    if ord == "nuc" or ord in (2.0, -2.0):
        y = jnp.moveaxis(x, axes, (-2, -1))
        s = jnp.linalg.svd(y, compute_uv=False)
        r = jnp.sum(s, -1) if ord == "nuc" else (jnp.max if ord > 0 else jnp.min)(s, -1)
        return jnp.expand_dims(r, axes) if keepdim else r
    # NOTE: 1/-1: max/min over columns of the column sums; inf/-inf: over rows of the row sums.
    sum_ax, red_ax = (a0, a1) if ord in (1.0, -1.0) else (a1, a0)
    s = _vnorm(1.0, (sum_ax,), True, x)
    r = (jnp.max if ord > 0 else jnp.min)(s, axis=red_ax, keepdims=True)
    return r if keepdim else jnp.squeeze(r, axes)


def _matrix_norm_fn(ord, dim, keepdim, dtype, x):
    _check_float(x, "linalg.matrix_norm")
    if x.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    axes = tuple(canon_dim(d, x.ndim) for d in dim)
    if axes[0] == axes[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if dtype is not None:
        x = x.astype(dtype)
    return _matrix_norm(ord, axes, keepdim, x)


_MNORM = _reg("linalg_matrix_norm", _matrix_norm_fn, grad_name="LinalgMatrixNormBackward0")


def _ord(ord):
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        return ord
    ord = builtins.float(ord)
    if ord not in (1.0, -1.0, 2.0, -2.0, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    return ord


@_linalg
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector ord-norm over dim (all dims by default) (torch.linalg.vector_norm)."""
    from .reduction import _VNORM, _key
    return _out(dispatch(_VNORM, (x,), (builtins.float(ord), _key(dim), bool(keepdim),
                                        _npd(dtype))), out)


@_linalg
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm ('fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two dims (torch.linalg.matrix_norm)."""
    return _out(dispatch(_MNORM, (A,), (_ord(ord), tuple(dim), bool(keepdim), _npd(dtype))), out)


@_linalg
def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """Vector or matrix norm, chosen from ord/dim/ndim (torch.linalg.norm)."""
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


@_linalg
def cond(A, p=None, *, out=None):
    """Condition number in the p-norm (torch.linalg.cond)."""
    if p is None or (not isinstance(p, str) and builtins.float(p) in (2.0, -2.0)):
        s = LD.svdvals(A)
        big, small = s.amax(-1), s.amin(-1)
        r = big / small if p is None or builtins.float(p) > 0 else small / big
        return _out(r, out)
    return _out(matrix_norm(A, p) * matrix_norm(LD.inv(A), p), out)


# ---- products and small composites --------------------------------------------------------------

def _vecdot_fn(axis, x, y):
    dt = jnp.result_type(x, y)
    x, y = x.astype(dt), y.astype(dt)
    if jnp.iscomplexobj(x):
        x = jnp.conj(x)
    return jnp.sum(x * y, axis=axis)


_VECDOT = _reg("linalg_vecdot", _vecdot_fn, grad_name="LinalgVecdotBackward0")


@_linalg
def vecdot(x, y, *, dim=-1, out=None):
    """sum(conj(x) * y) over dim, broadcasting (torch.linalg.vecdot)."""
    nd = builtins.max(x.ndim, y.ndim)
    return _out(dispatch(_VECDOT, (x, y), (canon_dim(dim, nd) - nd,)), out)


@_linalg
def multi_dot(tensors, *, out=None):
    """Chained matrix product; 1-d ends act as row/column vectors (torch.linalg.multi_dot)."""
    from .linalg import matmul
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    r = tensors[0]
    for t in tensors[1:]:
        r = matmul(r, t)
    return _out(r, out)


@_torch
def chain_matmul(*matrices, out=None):
    """Product of 2-d matrices (torch.chain_matmul, deprecated)."""
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return multi_dot(list(matrices), out=out)


@_linalg
def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along dim, broadcasting (torch.linalg.cross)."""
    from .linalg import cross as _cross
    return _cross(input, other, dim=dim, out=out)


@_linalg
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Diagonal of (batches of) matrices (torch.linalg.diagonal)."""
    from ._shape_views import diagonal as _diag
    return _diag(A, offset, dim1, dim2)


def _householder_fn(a, tau):
    m, n = a.shape[-2:]
    k = tau.shape[-1]
    q = jnp.broadcast_to(jnp.eye(m, n, dtype=a.dtype), a.shape)
    rows = jnp.arange(m)
    # NOTE: Q = H_0 H_1 ... H_{k-1} applied to the first n columns of I, innermost first.
    for i in reversed(range(k)):
        v = jnp.where(rows < i, 0, jnp.where(rows == i, 1, a[..., :, i]))
        vh = jnp.conj(v) if jnp.iscomplexobj(v) else v
        w = jnp.einsum("...m,...mn->...n", vh, q, precision=_HI)
        q = q - tau[..., i, None, None] * v[..., :, None] * w[..., None, :]
    return q


_HOUSEHOLDER = _reg("linalg_householder_product", _householder_fn,
                    grad_name="LinalgHouseholderProductBackward0")


@_linalg
def householder_product(A, tau, *, out=None):
    """First n columns of the product of Householder reflectors (torch.linalg.householder_product)."""
    return _out(dispatch(_HOUSEHOLDER, (A, tau)), out)


def _lstsq_fn(driver, a, b):
    vec = b.ndim == a.ndim - 1
    if vec:
        b = b[..., None]
    dt = jnp.result_type(a, b)
    a, b = a.astype(dt), b.astype(dt)
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    x = jnp.matmul(LD._pinv_fn(False, False, False, a, None, None), b, precision=_HI)
    s = jnp.linalg.svd(a, compute_uv=False)
    m, n = a.shape[-2:]
    empty = jnp.zeros((0,), a.dtype)
    # NOTE: which outputs torch fills depends on the LAPACK driver (see torch.linalg.lstsq).
    if driver == "gels":
        rank = jnp.zeros((0,), jnp.int64)
    else:
        tol = jnp.finfo(a.dtype).eps * builtins.max(m, n) * s[..., :1]
        rank = jnp.sum(s > tol, -1).astype(jnp.int64)
    if driver == "gelsy" or m <= n:
        res = empty
    else:
        res = jnp.sum(jnp.abs(jnp.matmul(a, x, precision=_HI) - b) ** 2, -2)
    sv = s if driver in ("gelsd", "gelss") else jnp.zeros((0,), s.dtype)
    return (x[..., 0] if vec else x), res, rank, sv


_LSTSQ = _reg("linalg_lstsq", _lstsq_fn, nout=4, nondiff_outputs=(2,),
              grad_name="LinalgLstsqBackward0")


@_linalg
def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B (torch.linalg.lstsq; solved by pseudo-inverse)."""
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"(gels, gelsy, gelsd, gelss)")
    return RT.linalg_lstsq(dispatch(_LSTSQ, (A, B), (driver or "gelsy",)))


@_linalg
def tensorinv(A, ind=2, *, out=None):
    """Inverse of a tensor seen as a matrix split at ind (torch.linalg.tensorinv)."""
    out_shape = tuple(A.shape[ind:]) + tuple(A.shape[:ind])
    rows = math.prod(A.shape[:ind])
    return _out(LD.inv(A.reshape(rows, -1)).reshape(out_shape), out)


@_linalg
def tensorsolve(A, B, dims=None, *, out=None):
    """Solve tensordot(A, X, B.ndim) = B (torch.linalg.tensorsolve)."""
    if dims is not None:
        from .shape import movedim
        nd = A.ndim
        src = [canon_dim(d, nd) for d in dims]
        A = movedim(A, src, list(range(nd - len(src), nd)))
    x_shape = tuple(A.shape[B.ndim:])
    n = math.prod(x_shape)
    return _out(LD.solve(A.reshape(-1, n), B.reshape(-1)).reshape(x_shape), out)


def _vander_fn(n, x):
    d = D.from_np(x.dtype)
    if d is D.bool:
        x = x.astype(jnp.int64)
    elif d._cat == 1:
        x = x.astype(jnp.int64)
    return jnp.cumprod(jnp.concatenate([jnp.ones_like(x[..., None]),
                                        jnp.broadcast_to(x[..., None], x.shape + (n - 1,))],
                                       -1), -1) if n > 0 else jnp.zeros(x.shape + (0,), x.dtype)


_VANDER = _reg("linalg_vander", _vander_fn)


@_linalg
def vander(x, *, N=None):
    """Vandermonde matrix with increasing powers x**0 .. x**(N-1) (torch.linalg.vander)."""
    if x.ndim == 0:
        x = x.reshape(1)
    n = x.shape[-1] if N is None else int(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    return dispatch(_VANDER, (x,), (n,))


# ---- torch.* spellings -------------------------------------------------------------------------

@_torch
def det(input):
    """Determinant (torch.det)."""
    return LD.det(input)


@_torch
def logdet(input):
    """log(det(input)): NaN for a negative determinant (torch.logdet)."""
    s, la = LD.slogdet(input)
    from .pointwise import log, where
    return where(s < 0, s.new_full((), math.nan), la) if not s.is_complex() else log(s) + la


@_torch
def slogdet(input, *, out=None):
    """(sign, log|det|) (torch.slogdet)."""
    return RT.slogdet(_out(tuple(LD.slogdet(input)), out))


@_torch
def inverse(input, *, out=None):
    """Matrix inverse (torch.inverse)."""
    return LD.inv(input, out=out)


@_torch
def cholesky(input, upper=False, *, out=None):
    """Cholesky factor (torch.cholesky, deprecated)."""
    return LD.cholesky(input, upper=upper, out=out)


@_torch
def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solve A X = input given A's Cholesky factor input2 (torch.cholesky_solve)."""
    return _out(dispatch(LD._CHOL_SOLVE, (input, input2), (bool(upper),)), out)


@_torch
def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of A from its Cholesky factor (torch.cholesky_inverse)."""
    return _out(dispatch(LD._CHOL_INV, (input,), (bool(upper),)), out)


@_torch
def qr(input, some=True, *, out=None):
    """(Q, R) (torch.qr, deprecated)."""
    return RT.qr(_out(tuple(LD.qr(input, "reduced" if some else "complete")), out))


@_torch
def svd(input, some=True, compute_uv=True, *, out=None):
    """(U, S, V) with input = U diag(S) V^H (torch.svd, deprecated)."""
    if not compute_uv:
        from .creation import zeros
        s = LD.svdvals(input)
        m, n = input.shape[-2:]
        b = tuple(input.shape[:-2])
        return RT.svd(_out((zeros(b + (m, m), dtype=input.dtype), s,
                            zeros(b + (n, n), dtype=input.dtype)), out))
    u, s, vh = LD.svd(input, full_matrices=not some)
    return RT.svd(_out((u, s, vh.mH), out))


@_torch
def matrix_power(input, n):
    """input raised to the integer power n (torch.matrix_power)."""
    return LD.matrix_power(input, n)


@_torch
def matrix_exp(input):
    """Matrix exponential (torch.matrix_exp)."""
    return LD.matrix_exp(input)


@_torch
def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """Solve A x = b from a packed LU factorisation (torch.lu_solve)."""
    return LU.lu_solve(LU_data, LU_pivots, b, out=out)


@_torch
def lu(A, pivot=True, get_infos=False, out=None):
    """(LU, pivots[, infos]) packed LU factorisation (torch.lu)."""
    lu_, piv = LU.lu_factor(A, pivot=pivot)
    r = (lu_, piv, LD._info(A)) if get_infos else (lu_, piv)
    return _out(r, out)
