"""torch.linalg LU family: lu_factor(_ex), lu, lu_solve, and torch.lu_unpack (LAPACK-style
1-based int32 pivots, as torch returns them)."""
import builtins

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jax import lax

from .. import return_types as RT
from .linalg_decomp import _check_float, _info, _mH, _out, _reg
from .registry import dispatch
from ._common import exporter

__all__ = []
TORCH_NAMES = []
_torch = exporter(TORCH_NAMES)


def _linalg(fn):
    __all__.append(fn.__name__)
    return fn


# ---- LU ---------------------------------------------------------------------------------------

def _lu_factor_fn(x):
    _check_float(x, "linalg.lu_factor")
    lu, piv, _ = lax.linalg.lu(x)
    return lu, (piv + 1).astype(jnp.int32)


_LU_FACTOR = _reg("linalg_lu_factor", _lu_factor_fn, nout=2, nondiff_outputs=(1,),
                  grad_name="LinalgLuFactorExBackward0")


@_linalg
def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots) packed LU factorisation with 1-based pivots (torch.linalg.lu_factor)."""
    if not pivot:
        raise NotImplementedError("jtorch: linalg.lu_factor(pivot=False) is not supported")
    return RT.linalg_lu_factor(_out(dispatch(_LU_FACTOR, (A,)), out))


@_linalg
def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info) (torch.linalg.lu_factor_ex); info is always 0."""
    lu_, piv = lu_factor(A, pivot=pivot)
    return RT.linalg_lu_factor_ex(_out((lu_, piv, _info(A)), out))


def _perm_matrix(perm, m, dtype):
    # P with A = P L U: P[perm[i], i] = 1
    return jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=dtype), -1, -2)


def _lu_fn(x):
    _check_float(x, "linalg.lu")
    lu, _, perm = lax.linalg.lu(x)
    m, n = x.shape[-2:]
    k = builtins.min(m, n)
    L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=x.dtype)
    U = jnp.triu(lu[..., :k, :])
    return _perm_matrix(perm, m, x.dtype), L, U


_LU = _reg("linalg_lu", _lu_fn, nout=3, nondiff_outputs=(0,), grad_name="LinalgLuBackward0")


@_linalg
def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U (torch.linalg.lu)."""
    if not pivot:
        raise NotImplementedError("jtorch: linalg.lu(pivot=False) is not supported")
    return RT.linalg_lu(_out(dispatch(_LU, (A,)), out))


def _pivots_to_perm(piv, m):
    """LAPACK 1-based row swaps -> the permutation (row i of P^T A is A[perm[i]])."""
    batch = piv.shape[:-1]
    perm = jnp.broadcast_to(jnp.arange(m), batch + (m,))

    def body(i, p):
        j = piv[..., i] - 1
        pi = jnp.take_along_axis(p, jnp.full(batch + (1,), i), -1)
        pj = jnp.take_along_axis(p, j[..., None], -1)
        p = jnp.where(jnp.arange(m) == i, pj, p)
        return jnp.where(jnp.arange(m) == j[..., None], pi, p)
    return lax.fori_loop(0, piv.shape[-1], body, perm)


def _lu_solve_fn(left, adjoint, lu_, piv, b):
    m = lu_.shape[-1]
    dt = jnp.result_type(lu_, b)
    lu_, b = lu_.astype(dt), b.astype(dt)
    perm = _pivots_to_perm(piv, m)
    batch = jnp.broadcast_shapes(lu_.shape[:-2], b.shape[:-2], perm.shape[:-1])
    lu_ = jnp.broadcast_to(lu_, batch + lu_.shape[-2:])
    perm = jnp.broadcast_to(perm, batch + perm.shape[-1:])
    if not left:  # X A = B  <=>  A^H X^H = B^H
        b, adjoint = _mH(b), not adjoint
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    L = jnp.tril(lu_, -1) + jnp.eye(m, dtype=dt)
    U = jnp.triu(lu_)
    if not adjoint:  # A = P L U
        pb = jnp.take_along_axis(b, perm[..., :, None], -2)
        y = jsl.solve_triangular(L, pb, lower=True, unit_diagonal=True)
        x = jsl.solve_triangular(U, y, lower=False)
    else:  # A^H = U^H L^H P^T
        y = jsl.solve_triangular(_mH(U), b, lower=True)
        z = jsl.solve_triangular(_mH(L), y, lower=False, unit_diagonal=True)
        inv = jnp.argsort(perm, axis=-1)
        x = jnp.take_along_axis(z, inv[..., :, None], -2)
    return x if left else _mH(x)


_LU_SOLVE = _reg("linalg_lu_solve", _lu_solve_fn, grad_name="LinalgLuSolveBackward0")


@_linalg
def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """Solve A X = B from lu_factor's output (torch.linalg.lu_solve)."""
    return _out(dispatch(_LU_SOLVE, (LU, pivots, B), (bool(left), bool(adjoint))), out)


def _lu_unpack_fn(unpack_data, unpack_piv, lu_, piv):
    m, n = lu_.shape[-2:]
    k = builtins.min(m, n)
    perm = _pivots_to_perm(piv, m)
    P = _perm_matrix(perm, m, lu_.dtype) if unpack_piv else jnp.zeros((0,), lu_.dtype)
    if not unpack_data:
        return P, jnp.zeros((0,), lu_.dtype), jnp.zeros((0,), lu_.dtype)
    L = jnp.tril(lu_[..., :, :k], -1) + jnp.eye(m, k, dtype=lu_.dtype)
    return P, L, jnp.triu(lu_[..., :k, :])


_LU_UNPACK = _reg("lu_unpack", _lu_unpack_fn, nout=3, nondiff_outputs=(0,))


@_torch
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from packed LU data and pivots (torch.lu_unpack)."""
    return RT.lu_unpack(_out(dispatch(_LU_UNPACK, (LU_data, LU_pivots),
                                      (bool(unpack_data), bool(unpack_pivots))), out))
