"""LDL factorization and Householder QR pieces: linalg.ldl_factor/_ex/ldl_solve, geqrf, ormqr.

NOTE: torch computes these with LAPACK (sytrf/sytrs, geqrf, ormqr) and returns LAPACK's compact
formats. ldl_factor/ldl_solve here are LAPACK's unblocked algorithms (dsytf2: Bunch-Kaufman
pivoting on the lower triangle; dsytrs) written as lax.fori_loop bodies of masked vector updates,
so they run under jit on any backend and give LAPACK's LD, pivots and info. geqrf is JAX's geqrf
(LAPACK's format on every backend); ormqr applies the Householder reflectors one by one in
jax.numpy, so JAX differentiates it.
"""
import builtins
import math

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .. import return_types as RT
from ._common import torch_name, with_out as _out
from .linalg_decomp import _check_float, _check_square
from .registry import dispatch, register as _reg

TORCH_NAMES = []   # top-level torch.* names defined here (geqrf, ormqr)
METHODS = {}       # Tensor methods defined here
__all__ = []       # torch.linalg names defined here

_HI = lax.Precision.HIGHEST
_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0  # NOTE: Bunch-Kaufman's growth bound constant


def _abs1(x):
    # NOTE: LAPACK's pivot search measures complex entries by |re| + |im| (izamax / cabs1).
    return jnp.abs(x.real) + jnp.abs(x.imag) if jnp.iscomplexobj(x) else jnp.abs(x)


def _mirror_lower(m, herm=False):
    """The symmetric (herm: Hermitian, real diagonal) matrix whose lower triangle is m's."""
    n = m.shape[-1]
    i, j = jnp.arange(n)[:, None], jnp.arange(n)[None, :]
    if herm:
        return jnp.where(i > j, m, jnp.where(i == j, m.real.astype(m.dtype), jnp.conj(m.T)))
    return jnp.where(i >= j, m, m.T)


# ---- ldl_factor: LAPACK ?sytf2 / ?hetf2 (uplo = 'L') --------------------------------------------

def _sytf2(herm, a):
    """(LD, pivots, info) of one n x n matrix from its lower triangle: LAPACK dsytf2 / zsytf2,
    or zhetf2 when herm (complex Hermitian: conjugates in the updates, real D diagonal)."""
    n = a.shape[-1]
    idx = jnp.arange(n)
    ii, jj = idx[:, None], idx[None, :]
    rdt = jnp.finfo(a.dtype).dtype
    cj = jnp.conj if herm else (lambda v: v)
    dabs = (lambda v: jnp.abs(v.real)) if herm else _abs1

    def step(k, carry):
        A, ipiv, info, skip = carry
        k1 = jnp.minimum(k + 1, n - 1)
        absakk = dabs(A[k, k])
        colabs = jnp.where(idx > k, _abs1(A[:, k]), -1.0)
        imax = jnp.argmax(colabs)  # NOTE: first maximum, as LAPACK's i?amax
        colmax = jnp.where(k < n - 1, colabs[imax], 0.0).astype(rdt)
        zero_col = (jnp.maximum(absakk, colmax) == 0) | jnp.isnan(absakk)
        rowabs = _abs1(A[imax, :])  # NOTE: the trailing block is kept (Hermitian-)symmetric
        rowmax = jnp.max(jnp.where((idx >= k) & (idx != imax), rowabs, -jnp.inf))
        no_swap = (absakk >= _ALPHA * colmax) | (absakk >= _ALPHA * colmax * (colmax / rowmax))
        one_swap = dabs(A[imax, imax]) >= _ALPHA * rowmax
        two = ~zero_col & ~no_swap & ~one_swap
        kp = jnp.where(zero_col | no_swap, k, imax)
        kk = jnp.where(two, k1, k)
        # interchange rows and columns kk and kp of the trailing block A[k:, k:]
        perm = idx.at[kk].set(kp).at[kp].set(kk)
        trail = (ii >= k) & (jj >= k)
        A = jnp.where(trail, A[perm][:, perm], A)
        # 1x1 pivot: rank-1 update A22 -= c (1/d) c^T (c^H), column k becomes L(k)
        d11 = 1 / (A[k, k].real if herm else A[k, k])
        c = jnp.where(idx > k, A[:, k], 0)
        A1 = _mirror_lower(A - c[:, None] * (d11 * cj(c))[None, :], herm)
        A1 = A1.at[:, k].set(jnp.where(idx > k, c * d11, A1[:, k]))
        # 2x2 pivot: rank-2 update with columns k, k+1 (LAPACK's WK / WKP1 form)
        rest = idx >= k + 2
        ck = jnp.where(rest, A[:, k], 0)
        ck1 = jnp.where(rest, A[:, k1], 0)
        if herm:
            dd = jnp.abs(A[k1, k])
            e11 = A[k1, k1].real / dd
            e22 = A[k, k].real / dd
            tt = 1 / (e11 * e22 - 1)
            d21 = A[k1, k] / dd
            dd = tt / dd
            wk = dd * (e11 * ck - d21 * ck1)
            wkp1 = dd * (e22 * ck1 - jnp.conj(d21) * ck)
        else:
            d21 = A[k1, k]
            e11 = A[k1, k1] / d21
            e22 = A[k, k] / d21
            t = 1 / (e11 * e22 - 1)
            d21 = t / d21
            wk = d21 * (e11 * ck - ck1)
            wkp1 = d21 * (e22 * ck1 - ck)
        A2 = _mirror_lower(A - ck[:, None] * cj(wk)[None, :] - ck1[:, None] * cj(wkp1)[None, :],
                           herm)
        A2 = A2.at[:, k].set(jnp.where(rest, wk, A2[:, k]))
        A2 = A2.at[:, k1].set(jnp.where(rest, wkp1, A2[:, k1]))
        newA = jnp.where(zero_col, A, jnp.where(two, A2, A1))
        p1 = (kp + 1).astype(jnp.int32)
        newpiv = jnp.where(two, ipiv.at[k].set(-p1).at[k1].set(-p1), ipiv.at[k].set(p1))
        newinfo = jnp.where(zero_col & (info == 0), (k + 1).astype(jnp.int32), info)
        return (jnp.where(skip, carry[0], newA), jnp.where(skip, ipiv, newpiv),
                jnp.where(skip, info, newinfo), ~skip & two)

    init = (_mirror_lower(a, herm), jnp.zeros((n,), jnp.int32), jnp.zeros((), jnp.int32),
            jnp.zeros((), bool))
    A, ipiv, info, _ = lax.fori_loop(0, n, step, init)
    return jnp.where(ii >= jj, A, 0), ipiv, info


def _ldl_factor_fn(what, hermitian, x):
    _check_square(x, what)
    _check_float(x, what)
    n = x.shape[-1]
    batch = x.shape[:-2]
    if n == 0 or math.prod(batch) == 0:
        return x, jnp.zeros(x.shape[:-1], jnp.int32), jnp.zeros(batch, jnp.int32)
    herm = bool(hermitian) and jnp.iscomplexobj(x)  # NOTE: for real input hermitian is a no-op
    flat = x.reshape((-1, n, n))
    ld, piv, info = jax.vmap(lambda m: _sytf2(herm, m))(flat)
    return ld.reshape(x.shape), piv.reshape(x.shape[:-1]), info.reshape(batch)


_LDL_FACTOR = _reg("linalg_ldl_factor_ex", _ldl_factor_fn, nout=3, differentiable=False)


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """(LD, pivots, info): Bunch-Kaufman LDL^T factorization (torch.linalg.ldl_factor_ex)."""
    # NOTE: check_errors would need info on the host; as jtorch's other *_ex ops, not raised.
    r = dispatch(_LDL_FACTOR, (A,), ("torch.linalg.ldl_factor_ex", bool(hermitian)))
    return RT.linalg_ldl_factor_ex(_out(r, out))


def ldl_factor(A, *, hermitian=False, out=None):
    """(LD, pivots): LDL^T factorization with Bunch-Kaufman pivoting (torch.linalg.ldl_factor)."""
    ld, piv, _ = dispatch(_LDL_FACTOR, (A,), ("torch.linalg.ldl_factor", bool(hermitian)))
    return RT.linalg_ldl_factor(_out((ld, piv), out))


# ---- ldl_solve: LAPACK ?sytrs / ?hetrs (uplo = 'L') ---------------------------------------------

def _sytrs(herm, ld, ipiv, b):
    """X with A X = B for one compact LDL^T (herm: LDL^H) factorization (LAPACK ?sytrs/?hetrs)."""
    n = ld.shape[-1]
    idx = jnp.arange(n)
    cj = jnp.conj if herm else (lambda v: v)

    def swap(B, i, j):
        perm = idx.at[i].set(j).at[j].set(i)
        return B[perm]

    def fwd(k, carry):
        B, skip = carry
        k1 = jnp.minimum(k + 1, n - 1)
        p = ipiv[k]
        two = p < 0
        # 1x1 block
        B1 = swap(B, k, jnp.clip(p - 1, 0, n - 1))
        B1 = B1 - jnp.where(idx > k, ld[:, k], 0)[:, None] * B1[k][None, :]
        B1 = B1.at[k].multiply(1 / (ld[k, k].real if herm else ld[k, k]))
        # 2x2 block (k, k+1)
        B2 = swap(B, k1, jnp.clip(-p - 1, 0, n - 1))
        rest = idx >= k + 2
        B2 = B2 - jnp.where(rest, ld[:, k], 0)[:, None] * B2[k][None, :]
        B2 = B2 - jnp.where(rest, ld[:, k1], 0)[:, None] * B2[k1][None, :]
        akm1k = ld[k1, k]
        akm1 = ld[k, k] / cj(akm1k)
        ak = ld[k1, k1] / akm1k
        denom = akm1 * ak - 1
        bkm1 = B2[k] / cj(akm1k)
        bk = B2[k1] / akm1k
        B2 = B2.at[k].set((ak * bkm1 - bk) / denom).at[k1].set((akm1 * bk - bkm1) / denom)
        return jnp.where(skip, B, jnp.where(two, B2, B1)), ~skip & two

    def bwd(j, carry):
        B, skip = carry
        k = n - 1 - j
        km1 = jnp.maximum(k - 1, 0)
        p = ipiv[k]
        two = p < 0
        below = idx > k
        dk = jnp.einsum("i,ij->j", cj(jnp.where(below, ld[:, k], 0)), B, precision=_HI)
        # 1x1 block
        B1 = swap(B.at[k].add(-dk), k, jnp.clip(p - 1, 0, n - 1))
        # 2x2 block (k-1, k)
        dkm1 = jnp.einsum("i,ij->j", cj(jnp.where(below, ld[:, km1], 0)), B, precision=_HI)
        B2 = swap(B.at[k].add(-dk).at[km1].add(-dkm1), k, jnp.clip(-p - 1, 0, n - 1))
        return jnp.where(skip, B, jnp.where(two, B2, B1)), ~skip & two

    B, _ = lax.fori_loop(0, n, fwd, (b, jnp.zeros((), bool)))
    B, _ = lax.fori_loop(0, n, bwd, (B, jnp.zeros((), bool)))
    return B


def _ldl_solve_fn(hermitian, ld, piv, b):
    what = "torch.linalg.ldl_solve"
    _check_square(ld, what)
    _check_float(ld, what)
    if b.ndim < 2:
        r = builtins.max(b.ndim, 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-r}, {r - 1}], "
                         f"but got -2)")
    if piv.shape != ld.shape[:-1]:
        raise RuntimeError(f"{what}: Expected LD.shape[:-1] and pivots.shape to be the same, but "
                           f"got pivots with shape {list(piv.shape)} instead")
    if not jnp.issubdtype(piv.dtype, jnp.integer):
        raise RuntimeError(f"{what}: Expected pivots to be integers. Got "
                           f"{torch_name(D.from_np(piv.dtype))}")
    if b.dtype != ld.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{torch_name(D.from_np(b.dtype))} and A of type "
                           f"{torch_name(D.from_np(ld.dtype))} instead.")
    n = ld.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {what}: each A matrix is {n} by {n} "
                           f"but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    try:
        batch = jnp.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{what}: the batch dimensions of LD {list(ld.shape[:-2])} and B "
                           f"{list(b.shape[:-2])} are not broadcastable") from None
    ld = jnp.broadcast_to(ld, batch + ld.shape[-2:])
    piv = jnp.broadcast_to(piv, batch + piv.shape[-1:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    if n == 0 or b.shape[-1] == 0 or math.prod(batch) == 0:
        return b
    herm = bool(hermitian) and jnp.iscomplexobj(ld)
    x = jax.vmap(lambda l_, p_, b_: _sytrs(herm, l_, p_, b_))(
        ld.reshape((-1, n, n)), piv.reshape((-1, n)), b.reshape((-1,) + b.shape[-2:]))
    return x.reshape(b.shape)


_LDL_SOLVE = _reg("linalg_ldl_solve", _ldl_solve_fn, differentiable=False)


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """Solve A X = B from ldl_factor's (LD, pivots) (torch.linalg.ldl_solve)."""
    return _out(dispatch(_LDL_SOLVE, (LD, pivots, B), (bool(hermitian),)), out)


__all__ += ["ldl_factor", "ldl_factor_ex", "ldl_solve"]


# ---- geqrf / ormqr ------------------------------------------------------------------------------

def _geqrf_fn(x):
    if x.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    d = D.from_np(x.dtype)
    if d._cat < 2 or d in (D.float16, D.bfloat16):
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{torch_name(d)}'")
    m, n = x.shape[-2:]
    k = builtins.min(m, n)
    if k == 0 or math.prod(x.shape[:-2]) == 0:
        return x, jnp.zeros(x.shape[:-2] + (k,), x.dtype)
    # NOTE: mode="raw" is jax's public door to LAPACK-format geqrf; it returns a transposed.
    h, tau = jnp.linalg.qr(x, mode="raw")
    return jnp.swapaxes(h, -1, -2), tau


_GEQRF = _reg("geqrf", _geqrf_fn, nout=2, differentiable=False)


def geqrf(input, *, out=None):
    """(a, tau): QR in LAPACK's compact Householder form (torch.geqrf)."""
    return RT.geqrf(_out(dispatch(_GEQRF, (input,)), out))


def _ormqr_check(a, tau, c, left):
    if a.ndim < 2:
        raise RuntimeError("torch.ormqr: input must have at least 2 dimensions.")
    if c.ndim < 2:
        raise RuntimeError("torch.ormqr: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if c.shape[side] != a.shape[-2]:
        raise RuntimeError(f"torch.ormqr: other.shape[{side}] must be equal to input.shape[-2]")
    k = builtins.min(c.shape[side], a.shape[-1])
    if tau.shape[-1:] != (k,) or tau.ndim < 1:
        raise RuntimeError(f"torch.ormqr: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           f"input.shape[-1])")
    if tau.ndim != a.ndim - 1:
        raise RuntimeError(f"torch.ormqr: Expected tau to have one dimension less than input, "
                           f"but got tau.ndim equal to {tau.ndim} and input.ndim is equal to "
                           f"{a.ndim}")
    if c.ndim != a.ndim:
        raise RuntimeError(f"torch.ormqr: Expected other to have the same number of dimensions "
                           f"as input, but got other.ndim equal to {c.ndim} and input.ndim is "
                           f"equal to {a.ndim}")
    if tau.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"torch.ormqr: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if c.shape[:-2] != a.shape[:-2]:
        raise RuntimeError(f"torch.ormqr: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(c.shape[:-2])}")
    for name, t in (("other", c), ("tau", tau)):
        if t.dtype != a.dtype:
            raise RuntimeError(f"torch.ormqr: Expected input and {name} to have the same dtype, "
                               f"but input has dtype{torch_name(D.from_np(a.dtype))} and "
                               f"{name} has dtype {torch_name(D.from_np(t.dtype))}")
    d = D.from_np(a.dtype)
    if d._cat < 2 or d in (D.float16, D.bfloat16):
        raise NotImplementedError(f"\"ormqr_cpu\" not implemented for '{torch_name(d)}'")


def _ormqr_fn(left, transpose, a, tau, c):
    _ormqr_check(a, tau, c, left)
    m = a.shape[-2]
    k = tau.shape[-1]
    rows = jnp.arange(m)
    cplx = jnp.iscomplexobj(a)
    # NOTE: Q = H_0 H_1 ... H_{k-1}, H_i = I - tau_i v_i v_i^H; transpose means Q^H, whose
    # reflectors carry conj(tau_i). Q C applies H_{k-1} first; C Q applies H_0 first.
    order = range(k) if left == bool(transpose) else reversed(range(k))
    for i in order:
        v = jnp.where(rows < i, 0, jnp.where(rows == i, 1, a[..., :, i]))
        t = tau[..., i, None, None]
        if transpose and cplx:
            t = jnp.conj(t)
        vh = jnp.conj(v) if cplx else v
        if left:
            w = jnp.einsum("...m,...mn->...n", vh, c, precision=_HI)
            c = c - t * v[..., :, None] * w[..., None, :]
        else:
            w = jnp.einsum("...pm,...m->...p", c, v, precision=_HI)
            c = c - t * w[..., :, None] * vh[..., None, :]
    return c


_ORMQR = _reg("ormqr", _ormqr_fn, grad_name="OrmqrBackward0")


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """Multiply other by the Q of a geqrf factorization (torch.ormqr)."""
    return _out(dispatch(_ORMQR, (input, tau, other), (bool(left), bool(transpose))), out)


TORCH_NAMES += ["geqrf", "ormqr"]
METHODS.update(geqrf=geqrf, ormqr=ormqr)
