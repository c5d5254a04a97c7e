"""torch.svd_lowrank / pca_lowrank / lobpcg vs torch 2.13 (and NumPy).

jtorch's random numbers differ from torch's, so only seed-independent results are compared:
exactly low-rank inputs (rank <= q) are reconstructed exactly and give torch's singular values;
converged LOBPCG eigenvalues equal torch's and NumPy's; shapes, dtypes and errors match."""
import numpy as np
import pytest
import torch

import jtorch
from jtorch._lobpcg import lobpcg as jlobpcg
from jtorch._lowrank import pca_lowrank as jpca, svd_lowrank as jsvd
from _harness import assert_same, assert_same_dtype, assert_same_error, assert_same_raise, pair


def _low_rank(shape, rank, seed, dtype="float64"):
    """A (*, m, n) array of rank `rank`."""
    rng = np.random.default_rng(seed)
    *b, m, n = shape
    return (rng.standard_normal((*b, m, rank)) @ rng.standard_normal((*b, rank, n))).astype(dtype)


def _check_usv(j, t, a, tol):
    """Same shapes/dtypes as torch, torch's singular values, U diag(S) V^H == a."""
    for x, y in zip(j, t):
        assert tuple(x.shape) == tuple(y.shape)
        assert_same_dtype(x.dtype, y.dtype)
    U, S, V = j
    assert_same(S, t[1], rtol=tol, atol=tol)
    rec = (U * S.unsqueeze(-2)) @ V.mT
    np.testing.assert_allclose(rec.detach().numpy(), a, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,q,dtype", [((4, 9), 4, "float32"), ((2, 3, 7, 6), 3, "float64")])
def test_svd_lowrank_exact_low_rank(shape, q, dtype):
    a = _low_rank(shape, min(q, 3), 1, dtype)
    ja, ta = pair(a)
    tol = 1e-5 if dtype == "float64" else 2e-4
    _check_usv(jsvd(ja, q=q, niter=1), torch.svd_lowrank(ta, q=q, niter=1), a, tol)


def test_svd_lowrank_M_and_q_above_rank():
    a = _low_rank((9, 6), 2, 2)
    m = np.random.default_rng(3).standard_normal((6,))
    (ja, ta), (jm, tm) = pair(a + m), pair(m)
    _check_usv(jsvd(ja, q=4, M=jm), torch.svd_lowrank(ta, q=4, M=tm), a, 1e-5)
    # q larger than min(m, n): torch returns min(m, n) columns
    _check_usv(jsvd(ja[:6], q=10), torch.svd_lowrank(ta[:6], q=10), a[:6] + m, 1e-5)
    assert_same_raise(lambda: jsvd(ja, q=2, M=jtorch.ones(4, dtype=jtorch.float64)),
                      lambda: torch.svd_lowrank(ta, q=2, M=torch.ones(4, dtype=torch.float64)))


def test_svd_lowrank_gradient_of_singular_values():
    # NOTE: d sum(S)/dA = U V^T whatever the random sketch, when rank(A) <= q.
    a = _low_rank((7, 5), 2, 4)
    ja, ta = pair(a, requires_grad=True)
    jsvd(ja, q=2)[1].sum().backward()
    torch.svd_lowrank(ta, q=2)[1].sum().backward()
    assert_same(ja.grad, ta.grad, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("center", [True, False])
def test_pca_lowrank(center):
    a = _low_rank((10, 6), 3, 5) + (3.0 if center else 0.0)
    ja, ta = pair(a)
    q = 4 if center else None
    j, t = jpca(ja, q=q, center=center), torch.pca_lowrank(ta, q=q, center=center)
    _check_usv(j, t, a - a.mean(0) if center else a, 1e-5)


def test_lowrank_errors():
    ja, ta = pair(np.zeros((5, 3)))
    for kw in ({"q": -1}, {"q": 4}, {"niter": -1}):
        assert_same_error(lambda: jpca(ja, **kw), lambda: torch.pca_lowrank(ta, **kw))
    assert_same_error(lambda: jsvd(ja, q=-1), lambda: torch.svd_lowrank(ta, q=-1))


# ---- lobpcg: one size (m=9, n=2, float64) so the ops compiled once serve every test ----

def _spd(seed, batch=()):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((*batch, 9, 9))
    return q @ np.swapaxes(q, -1, -2) + 9 * np.eye(9)


def _x0(seed=7):
    return np.random.default_rng(seed).standard_normal((9, 2))


def test_lobpcg_basic_smallest():
    # NOTE: method='ortho' (the default) and largest=True are exercised by the tests below.
    method, largest = "basic", False
    a = _spd(0)
    (ja, ta), (jx, tx) = pair(a), pair(_x0())
    E, X = jlobpcg(ja, X=jx, largest=largest, method=method)
    tE, tX = torch.lobpcg(ta, X=tx, largest=largest, method=method)
    assert_same(E, tE, rtol=1e-6, atol=1e-6)
    ev = np.linalg.eigvalsh(a)
    np.testing.assert_allclose(E.numpy(), ev[::-1][:2] if largest else ev[:2], rtol=1e-6)
    assert tuple(X.shape) == tuple(tX.shape) and str(X.dtype) == str(tX.dtype)
    # the columns are eigenvectors: A X = X diag(E)
    np.testing.assert_allclose(a @ X.numpy(), X.numpy() * E.numpy(), atol=1e-5)


def test_lobpcg_generalized_and_batched():
    a, b = _spd(1), _spd(2) / 9
    (ja, ta), (jb, tb), (jx, tx) = pair(a), pair(b), pair(_x0())
    E, _ = jlobpcg(ja, B=jb, X=jx)
    tE, _ = torch.lobpcg(ta, B=tb, X=tx)
    assert_same(E, tE, rtol=1e-6, atol=1e-6)
    li = np.linalg.inv(np.linalg.cholesky(b))
    np.testing.assert_allclose(E.numpy(), np.linalg.eigvalsh(li @ a @ li.T)[::-1][:2],
                               rtol=1e-6)
    ab = _spd(3, (2,))
    jab, tab = pair(ab)
    E, X = jlobpcg(jab, k=2)
    tE, tX = torch.lobpcg(tab, k=2)
    assert_same(E, tE, rtol=1e-6, atol=1e-6)
    assert tuple(X.shape) == tuple(tX.shape)


def test_lobpcg_gradient():
    a = _spd(4)
    (ja, ta), (jx, tx) = pair(a, requires_grad=True), pair(_x0())
    jlobpcg(ja, X=jx)[0].sum().backward()
    torch.lobpcg(ta, X=tx)[0].sum().backward()
    assert_same(ja.grad, ta.grad, rtol=1e-5, atol=1e-6)


def test_lobpcg_errors():
    ja, ta = pair(_spd(0))
    assert_same_error(lambda: jlobpcg(ja, k=4), lambda: torch.lobpcg(ta, k=4))
    assert_same_error(lambda: jlobpcg(ja[:8]), lambda: torch.lobpcg(ta[:8]))
