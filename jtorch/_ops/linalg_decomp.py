"""torch.linalg decompositions and solvers (det, inv, solve, cholesky, qr, eigh, svd, lu, ...).

Each op is one pure JAX function (jnp.linalg / jax.scipy.linalg underneath), so its VJP comes
from JAX. NOTE: where torch raises torch.linalg.LinAlgError for singular / non positive-definite
input, JAX returns inf/NaN; the *_ex variants report info = 0 always (see README Differences).
"""
import builtins
import functools

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jax import lax

from .. import _dtype as D
from .. import return_types as RT
from ._svd_full import svd_full
from ._common import exporter, torch_name, with_out as _out
from .registry import dispatch, register as _reg

__all__ = []  # torch.linalg names (the public jtorch.linalg namespace picks these)
TORCH_NAMES = []  # top-level torch.* functions defined here (det, inverse, svd, ...)
_torch = exporter(TORCH_NAMES)

_HI = lax.Precision.HIGHEST


def _linalg(fn):
    __all__.append(fn.__name__)
    return fn


def _mT(x):
    return jnp.swapaxes(x, -1, -2)


def _mH(x):
    return jnp.conj(_mT(x)) if jnp.iscomplexobj(x) else _mT(x)


def _mm(a, b):
    return jnp.matmul(a, b, precision=_HI)


def _check_float(x, what):
    d = D.from_np(x.dtype)
    if d._cat < 2 or d in (D.float16, D.bfloat16):
        raise RuntimeError(f"{what}: Expected a floating point or complex tensor as input. Got "
                           f"{torch_name(d)}")


def _check_square(x, what):
    if x.ndim < 2:
        raise RuntimeError(f"{what}: The input tensor A must have at least 2 dimensions.")
    if x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{what}: A must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")


def _sq(what, x):
    _check_square(x, what)
    _check_float(x, what)
    return x


# ---- determinants and inverses ---------------------------------------------------------------

def _det_fn(x):
    _sq("linalg.det", x)
    if x.shape[-1] == 0:  # NOTE: det of a 0x0 matrix is 1 (JAX's LU path fails on it)
        return jnp.ones(x.shape[:-2], x.dtype)
    return jnp.linalg.det(x)


_DET = _reg("linalg_det", _det_fn, grad_name="LinalgDetBackward0")


def _slogdet_fn(x):
    _sq("linalg.slogdet", x)
    if x.shape[-1] == 0:
        return jnp.ones(x.shape[:-2], x.dtype), jnp.zeros(x.shape[:-2], jnp.abs(x).dtype)
    s, l = jnp.linalg.slogdet(x)
    return s, l


_SLOGDET = _reg("linalg_slogdet", _slogdet_fn, nout=2, grad_name="LinalgSlogdetBackward0")
_INV = _reg("linalg_inv", lambda x: jnp.linalg.inv(_sq("linalg.inv", x)),
            grad_name="LinalgInvExBackward0")


@_linalg
def det(A, *, out=None):
    """Determinant of square matrices (torch.linalg.det)."""
    return _out(dispatch(_DET, (A,)), out)


@_linalg
def slogdet(A, *, out=None):
    """(sign, log|det|) of square matrices (torch.linalg.slogdet)."""
    return RT.linalg_slogdet(_out(dispatch(_SLOGDET, (A,)), out))


@_linalg
def inv(A, *, out=None):
    """Inverse of square matrices (torch.linalg.inv)."""
    return _out(dispatch(_INV, (A,)), out)


def _info(A):
    from .creation import zeros
    return zeros(tuple(A.shape[:-2]), dtype=D.int32)


@_linalg
def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info) (torch.linalg.inv_ex); info is always 0 (see module NOTE)."""
    return RT.linalg_inv_ex(_out((inv(A), _info(A)), out))


# ---- solvers -------------------------------------------------------------------------------

def _is_vector_rhs(a_shape, b_shape):
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and
                                 tuple(b_shape) == tuple(a_shape[:-1]))


def _solve_fn(left, a, b):
    _sq("linalg.solve", a)
    vec = _is_vector_rhs(a.shape, b.shape)
    dt = jnp.result_type(a, b)
    a, b = a.astype(dt), b.astype(dt)
    if not left:
        a = _mT(a)
        if not vec:
            b = _mT(b)
    if vec:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    x = jnp.linalg.solve(a, b)
    if vec:
        return x[..., 0]
    return x if left else _mT(x)


_SOLVE = _reg("linalg_solve", _solve_fn, grad_name="LinalgSolveExBackward0")


@_linalg
def solve(A, B, *, left=True, out=None):
    """Solve A X = B (left) or X A = B (torch.linalg.solve)."""
    return _out(dispatch(_SOLVE, (A, B), (bool(left),)), out)


@_linalg
def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(result, info) (torch.linalg.solve_ex); info is always 0."""
    return RT.linalg_solve_ex(_out((solve(A, B, left=left), _info(A)), out))


def _solve_tri_fn(upper, left, unit, a, b):
    _check_float(a, "linalg.solve_triangular")
    dt = jnp.result_type(a, b)
    a, b = a.astype(dt), b.astype(dt)
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    if left:
        return jsl.solve_triangular(a, b, lower=not upper, unit_diagonal=unit)
    # X A = B  <=>  A^T X^T = B^T
    return _mT(jsl.solve_triangular(_mT(a), _mT(b), lower=upper, unit_diagonal=unit))


_SOLVE_TRI = _reg("linalg_solve_triangular", _solve_tri_fn,
                  grad_name="LinalgSolveTriangularBackward0")


@_linalg
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solve a triangular system (torch.linalg.solve_triangular)."""
    return _out(dispatch(_SOLVE_TRI, (A, B), (bool(upper), bool(left), bool(unitriangular))),
                out)


@_torch
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """(solution, cloned_coefficient) of A X = b (torch.triangular_solve, deprecated)."""
    from .shape import transpose as _tr
    a = _tr(A, -1, -2) if transpose else A
    x = solve_triangular(a, b, upper=upper != bool(transpose), unitriangular=unitriangular)
    return RT.triangular_solve(_out((x, A.clone()), out))


# ---- Cholesky --------------------------------------------------------------------------------

def _chol_fn(upper, x):
    _sq("linalg.cholesky", x)
    L = jnp.linalg.cholesky(x)
    return _mH(L) if upper else L


_CHOL = _reg("linalg_cholesky", _chol_fn, grad_name="LinalgCholeskyExBackward0")


@_linalg
def cholesky(A, *, upper=False, out=None):
    """Cholesky factor of Hermitian positive-definite matrices (torch.linalg.cholesky)."""
    return _out(dispatch(_CHOL, (A,), (bool(upper),)), out)


@_linalg
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info) (torch.linalg.cholesky_ex); info is always 0."""
    return RT.linalg_cholesky_ex(_out((cholesky(A, upper=upper), _info(A)), out))


# NOTE: torch's cholesky_solve/cholesky_inverse derivatives treat the factor as a full matrix
# (A = L L^H with every entry of L; upper: A = L^H L), although the forward reads one triangle;
# autodiff through triangular solves would leave the other triangle's gradient zero. Custom JVPs
# of A^-1 B and A^-1 in terms of that full L give torch's gradients (their transposes are
# torch's backward formulas) and keep forward-mode AD working.

def _chol_solve_fn(upper, b, l):
    dt = jnp.result_type(b, l)
    b, l = b.astype(dt), l.astype(dt)
    batch = jnp.broadcast_shapes(b.shape[:-2], l.shape[:-2])
    return _chol_solve(upper, jnp.broadcast_to(b, batch + b.shape[-2:]),
                       jnp.broadcast_to(l, batch + l.shape[-2:]))


def _chol_dA(upper, l, dl):
    """The tangent of A = L L^H (upper: L^H L) for a full tangent dl."""
    if upper:
        return _mm(_mH(dl), l) + _mm(_mH(l), dl)
    return _mm(dl, _mH(l)) + _mm(l, _mH(dl))


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _chol_solve(upper, b, l):
    lo = _mH(l) if upper else l
    y = jsl.solve_triangular(lo, b, lower=True)
    return jsl.solve_triangular(_mH(lo), y, lower=False)


@_chol_solve.defjvp
def _chol_solve_jvp(upper, primals, tangents):
    b, l = primals
    db, dl = tangents
    x = _chol_solve(upper, b, l)
    return x, _chol_solve(upper, db - _mm(_chol_dA(upper, l, dl), x), l)


_CHOL_SOLVE = _reg("cholesky_solve", _chol_solve_fn)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _chol_inv_fn(upper, l):
    lo = _mH(l) if upper else l
    eye = jnp.broadcast_to(jnp.eye(lo.shape[-1], dtype=lo.dtype), lo.shape)
    y = jsl.solve_triangular(lo, eye, lower=True)
    return _mm(_mH(y), y)


@_chol_inv_fn.defjvp
def _chol_inv_jvp(upper, primals, tangents):
    (l,), (dl,) = primals, tangents
    inv = _chol_inv_fn(upper, l)
    return inv, -_mm(inv, _mm(_chol_dA(upper, l, dl), inv))


_CHOL_INV = _reg("cholesky_inverse", _chol_inv_fn)


# ---- QR, eigen, SVD --------------------------------------------------------------------------

def _qr_fn(mode, x):
    _check_float(x, "linalg.qr")
    if mode == "r":
        r = jnp.linalg.qr(x, mode="r")
        return jnp.zeros((0,), x.dtype), r
    q, r = jnp.linalg.qr(x, mode=mode)
    return q, r


_QR = _reg("linalg_qr", _qr_fn, nout=2, grad_name="LinalgQrBackward0")


@_linalg
def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (torch.linalg.qr)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    return RT.linalg_qr(_out(dispatch(_QR, (A,), (mode,)), out))


def _herm_part(lower, x):
    """The Hermitian matrix LAPACK's eigh reads from one triangle of x."""
    t = jnp.tril(x) if lower else jnp.triu(x)
    strict = jnp.tril(x, -1) if lower else jnp.triu(x, 1)
    return t + _mH(strict)


def _eig_backward(hermitian, w, v, gw, gv):
    """torch's linalg_eig_backward (FunctionsManual.cpp): gA from the output gradients.

    NOTE: gw/gv arrive as JAX cotangents, the conjugates of torch's gradients for complex
    values; the result is returned in the same (JAX) convention."""
    gw, gv = jnp.conj(gw), jnp.conj(gv)
    vh = _mH(v)
    vhgv = _mm(vh, gv)
    if hermitian:
        vhgv = 0.5 * (vhgv - _mH(vhgv))
    else:
        d = jnp.real(jnp.diagonal(vhgv, 0, -2, -1))
        vhgv = vhgv - _mm(vh, v * d[..., None, :].astype(v.dtype))
    wc = jnp.conj(w)
    e = wc[..., None, :] - wc[..., :, None]
    n = w.shape[-1]
    eye = jnp.eye(n, dtype=bool)
    g = vhgv / jnp.where(eye, 1, e).astype(vhgv.dtype)
    g = jnp.where(eye, gw[..., None, :].astype(g.dtype) * eye, g)
    if hermitian:
        return jnp.conj(_mm(v, _mm(g, vh)))
    return jnp.conj(jnp.linalg.solve(vh, _mm(g, vh)))


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _eigh_core(lower, x):
    return tuple(jnp.linalg.eigh(_herm_part(lower, x), symmetrize_input=False))


def _eigh_fwd(lower, x):
    w, v = _eigh_core(lower, x)
    return (w, v), (w, v, jnp.iscomplexobj(x))


def _eigh_bwd(lower, res, g):
    w, v, _ = res
    gw, gv = g
    # NOTE: torch's gradient is not restricted to the triangle eigh reads (gA = V f(G) V^H).
    return (_eig_backward(True, w, v, gw, gv).astype(v.dtype),)


_eigh_core.defvjp(_eigh_fwd, _eigh_bwd)


def _eigh_fn(lower, x):
    _sq("linalg.eigh", x)
    return _eigh_core(lower, x)


_EIGH = _reg("linalg_eigh", _eigh_fn, nout=2, grad_name="LinalgEighBackward0")


def _uplo(UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper() == "L"


@_linalg
def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices (torch.linalg.eigh)."""
    return RT.linalg_eigh(_out(dispatch(_EIGH, (A,), (_uplo(UPLO),)), out))


_EIGVALSH = _reg("linalg_eigvalsh", lambda lower, x: _eigh_fn(lower, x)[0],
                 grad_name="LinalgEighBackward0")


@_linalg
def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of Hermitian matrices (torch.linalg.eigvalsh)."""
    return _out(dispatch(_EIGVALSH, (A,), (_uplo(UPLO),)), out)


def _cdt(x):
    return jnp.complex128 if x.dtype == jnp.float64 else jnp.complex64


@jax.custom_vjp
def _eig_core(x):
    w, v = lax.linalg.eig(x, compute_left_eigenvectors=False)
    return w.astype(_cdt(x)), v.astype(_cdt(x))


def _eig_fwd(x):
    w, v = _eig_core(x)
    return (w, v), (w, v, jnp.zeros((0,), x.dtype))


def _eig_bwd(res, g):
    w, v, proto = res
    gw, gv = g
    ga = _eig_backward(False, w, v, gw, gv)
    # NOTE: a real input gets the real part (torch's handle_r_to_c).
    return (ga.astype(proto.dtype) if jnp.iscomplexobj(proto) else jnp.real(ga).astype(proto.dtype),)


_eig_core.defvjp(_eig_fwd, _eig_bwd)


def _eig_fn(x):
    _sq("linalg.eig", x)
    return _eig_core(x)


def _eigvals_fn(x):
    _sq("linalg.eigvals", x)
    return _eig_core(x)[0]


_EIG = _reg("linalg_eig", _eig_fn, nout=2, grad_name="LinalgEigBackward0")
_EIGVALS = _reg("linalg_eigvals", _eigvals_fn, grad_name="LinalgEigBackward0")


@_linalg
def eig(A, *, out=None):
    """Complex eigenvalues and eigenvectors of square matrices (torch.linalg.eig; CPU only)."""
    return RT.linalg_eig(_out(dispatch(_EIG, (A,)), out))


@_linalg
def eigvals(A, *, out=None):
    """Complex eigenvalues of square matrices (torch.linalg.eigvals; CPU only)."""
    return _out(dispatch(_EIGVALS, (A,)), out)


def _svd_fn(full, x):
    _check_float(x, "linalg.svd")
    return tuple(svd_full(x) if full else jnp.linalg.svd(x, full_matrices=False))


_SVD = _reg("linalg_svd", _svd_fn, nout=3, grad_name="LinalgSvdBackward0")


def _svdvals_fn(x):
    _check_float(x, "linalg.svdvals")
    return jnp.linalg.svd(x, compute_uv=False)


_SVDVALS = _reg("linalg_svdvals", _svdvals_fn, grad_name="LinalgSvdBackward0")


@_linalg
def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh (torch.linalg.svd)."""
    return RT.linalg_svd(_out(dispatch(_SVD, (A,), (bool(full_matrices),)), out))


@_linalg
def svdvals(A, *, driver=None, out=None):
    """Singular values, descending (torch.linalg.svdvals)."""
    return _out(dispatch(_SVDVALS, (A,)), out)


# ---- functions of matrices -------------------------------------------------------------------

def _matrix_power_fn(n, x):
    _check_square(x, "linalg.matrix_power")
    if n < 0:
        _check_float(x, "linalg.matrix_power")
        x = jnp.linalg.inv(x)
        n = -n
    if n == 0:
        return jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    # NOTE: torch multiplies by repeated squaring, the same association as this loop.
    acc = None
    z = x
    while n:
        if n & 1:
            acc = z if acc is None else _mm(acc, z)
        n >>= 1
        if n:
            z = _mm(z, z)
    return acc


_MPOW = _reg("linalg_matrix_power", _matrix_power_fn, grad_name="LinalgMatrixPowerBackward0")


@_linalg
def matrix_power(A, n, *, out=None):
    """A raised to the integer power n (torch.linalg.matrix_power)."""
    return _out(dispatch(_MPOW, (A,), (int(n),)), out)


def _expm_fn(x):
    _sq("linalg.matrix_exp", x)
    return jsl.expm(x)


_EXPM = _reg("linalg_matrix_exp", _expm_fn, grad_name="LinalgMatrixExpBackward0")


@_linalg
def matrix_exp(A):
    """Matrix exponential (torch.linalg.matrix_exp)."""
    return dispatch(_EXPM, (A,))


def _default_rtol(x, atol_given):
    return 0.0 if atol_given else jnp.finfo(x.dtype).eps * builtins.max(x.shape[-2:])


def _pinv_fn(herm, has_atol, has_rtol, x, atol, rtol):
    _check_float(x, "linalg.pinv")
    rdt = jnp.finfo(x.dtype).dtype
    if herm:
        w, v = jnp.linalg.eigh(x, symmetrize_input=False)
        s = jnp.abs(w)
    else:
        u, s, vh = jnp.linalg.svd(x, full_matrices=False)
    smax = jnp.max(s, axis=-1, keepdims=True, initial=0.0)
    a = atol.astype(rdt)[..., None] if has_atol else jnp.zeros((), rdt)
    r = rtol.astype(rdt)[..., None] if has_rtol else jnp.asarray(_default_rtol(x, has_atol), rdt)
    tol = jnp.maximum(a, r * smax)
    keep = s > tol
    sinv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0)
    if herm:
        wi = jnp.where(keep, 1 / jnp.where(keep, w, 1), 0)
        return _mm(v * wi[..., None, :].astype(v.dtype), _mH(v))
    return _mm(_mH(vh) * sinv[..., None, :].astype(x.dtype), _mH(u))


def _pinv_jvp(a, p, da):
    """torch's closed-form pinv JVP (FunctionsManual.cpp pinv_jvp), in A and pinv(A)."""
    dah, ph = _mH(da), _mH(p)
    if a.shape[-2] <= a.shape[-1]:
        k = _mm(ph, dah)
        return _mm(p, k - _mH(k) - _mm(k, _mm(a, p))) + _mm(dah - _mm(p, _mm(a, dah)), _mm(ph, p))
    k = _mm(p, da)
    kh = _mH(k)
    return _mm(kh - k - _mm(_mm(p, a), kh), p) + _mm(_mm(p, ph), dah - _mm(_mm(dah, a), p))


# NOTE: torch differentiates pinv by that closed formula for every input (its backward,
# pinv_backward, is exactly the formula's transpose): with hermitian=True it treats A as the full
# (possibly non-Hermitian) matrix, and at a rank cut-off it differs from the SVD's derivative.
# A custom JVP gives torch's gradients in both cases, forward mode (func.jvp) included; JAX
# transposes it for reverse mode. atol/rtol get no derivative.
@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1, 2))
def _pinv_cjvp(herm, has_atol, has_rtol, x, atol, rtol):
    return _pinv_fn(herm, has_atol, has_rtol, x, atol, rtol)


@_pinv_cjvp.defjvp
def _pinv_cjvp_rule(herm, has_atol, has_rtol, primals, tangents):
    x, atol, rtol = primals
    p = _pinv_fn(herm, has_atol, has_rtol, x, atol, rtol)
    return p, _pinv_jvp(x, p, tangents[0]).astype(p.dtype)


_PINV = _reg("linalg_pinv", _pinv_cjvp)


@_linalg
def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse (torch.linalg.pinv)."""
    return _out(dispatch(_PINV, (A, atol, rtol), (bool(hermitian), atol is not None,
                                                  rtol is not None)), out)


@_torch
def pinverse(input, rcond=1e-15):
    """Pseudo-inverse with relative cutoff rcond (torch.pinverse)."""
    return pinv(input, rtol=rcond)


def _rank_fn(herm, has_atol, has_rtol, x, atol, rtol):
    _check_float(x, "linalg.matrix_rank")
    rdt = jnp.finfo(x.dtype).dtype
    s = jnp.abs(jnp.linalg.eigh(x, symmetrize_input=False)[0]) if herm else jnp.linalg.svd(x, compute_uv=False)
    smax = jnp.max(s, axis=-1, keepdims=True, initial=0.0)
    a = atol.astype(rdt)[..., None] if has_atol else jnp.zeros((), rdt)
    r = rtol.astype(rdt)[..., None] if has_rtol else jnp.asarray(_default_rtol(x, has_atol), rdt)
    return jnp.sum(s > jnp.maximum(a, r * smax), axis=-1).astype(jnp.int64)


_RANK = _reg("linalg_matrix_rank", _rank_fn, differentiable=False)


@_linalg
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Numerical rank (torch.linalg.matrix_rank)."""
    return _out(dispatch(_RANK, (A, atol, rtol), (bool(hermitian), atol is not None,
                                                  rtol is not None)), out)
