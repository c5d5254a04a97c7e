"""linalg.ldl_factor/_ex/ldl_solve, geqrf, ormqr and pinv's gradient against torch, beyond op_db's
samples: indefinite matrices (2x2 Bunch-Kaufman pivots), singular input (info), complex symmetric
and Hermitian factorizations, batch broadcasting, errors, ormqr gradients."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, pair, to_jt

_RNG = np.random.default_rng(0)


def _mat(shape, dtype="float64", kind="general"):
    a = _RNG.standard_normal(shape)
    if "complex" in dtype:
        a = a + 1j * _RNG.standard_normal(shape)
    if kind == "symmetric":
        a = a + np.swapaxes(a, -1, -2)
    return a.astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_ldl_factor_matches_lapack_format(dtype, n):
    """LD (lower, upper zeroed) and pivots (1-based, negative for 2x2 blocks) as torch's; the
    input's upper triangle is ignored."""
    for kind in ("general", "symmetric"):
        jt, t = pair(_mat((3, n, n), dtype, kind))
        tol = 1e-4 if dtype == "float32" else 1e-10
        assert_same(jtorch.linalg.ldl_factor_ex(jt), torch.linalg.ldl_factor_ex(t), tol, tol)


def test_ldl_factor_uses_two_by_two_pivots():
    """A matrix with a zero diagonal forces 2x2 blocks: pivots negative, as torch's."""
    a = np.array([[0., 1, 2], [1, 0, 3], [2, 3, 0]])
    jt, t = pair(a)
    r = jtorch.linalg.ldl_factor(jt)
    assert (r.pivots.numpy() < 0).any()
    assert_same(r, torch.linalg.ldl_factor(t))


def test_ldl_factor_ex_singular_reports_info():
    """A zero column: info is its 1-based index, LAPACK continues past it."""
    a = np.array([[2., 0, 1], [0, 0, 0], [1, 0, 3]])
    jt, t = pair(a)
    assert_same(jtorch.linalg.ldl_factor_ex(jt), torch.linalg.ldl_factor_ex(t))
    jt, t = pair(np.zeros((2, 3, 3)))
    assert_same(jtorch.linalg.ldl_factor_ex(jt), torch.linalg.ldl_factor_ex(t))


@pytest.mark.parametrize("hermitian", [False, True])
def test_ldl_complex_symmetric_and_hermitian(hermitian):
    """Complex input: zsytrf (hermitian=False) or zhetrf (hermitian=True) factors and solves."""
    a = _mat((2, 6, 6), "complex128")
    jt, t = pair(a)
    jr = jtorch.linalg.ldl_factor(jt, hermitian=hermitian)
    tr = torch.linalg.ldl_factor(t, hermitian=hermitian)
    assert_same(jr, tr, 1e-10, 1e-10)
    b = _mat((2, 6, 3), "complex128")
    jb, tb = pair(b)
    assert_same(jtorch.linalg.ldl_solve(*jr, jb, hermitian=hermitian),
                torch.linalg.ldl_solve(*tr, tb, hermitian=hermitian), 1e-9, 1e-9)


def test_ldl_solve_broadcasts_and_accepts_int64_pivots():
    """B's batch broadcasts against LD's; int64 pivots are accepted like torch's."""
    t_ld, t_piv = torch.linalg.ldl_factor(torch.tensor(_mat((5, 5), kind="symmetric")))
    b = _mat((2, 5, 3))
    want = torch.linalg.ldl_solve(t_ld, t_piv.long(), torch.tensor(b))
    got = jtorch.linalg.ldl_solve(to_jt(t_ld), to_jt(t_piv.long()), to_jt(torch.tensor(b)))
    assert_same(got, want, 1e-10, 1e-10)
    a = t_ld.new_tensor(_mat((5, 5), kind="symmetric"))
    x = jtorch.linalg.ldl_solve(*jtorch.linalg.ldl_factor(to_jt(a)), to_jt(torch.tensor(b)))
    assert np.allclose(a.numpy() @ x.numpy(), b)


def test_ldl_errors_like_torch():
    """Shape/dtype errors: torch's exception class and message content."""
    ld, piv = torch.linalg.ldl_factor(torch.eye(3))
    jld, jpiv = to_jt(ld), to_jt(piv)
    cases = [
        (lambda m: m.linalg.ldl_factor(m.ones(5, 3)), "5 by 3"),
        (lambda m: m.linalg.ldl_factor(m.ones(5)), "at least 2 dimensions"),
        (lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.int64)), "Long"),
    ]
    for f, msg in cases:
        assert_same_raise(lambda: f(jtorch), lambda: f(torch), contains=(msg,))
    assert_same_raise(lambda: jtorch.linalg.ldl_solve(jld, jpiv, jtorch.ones(4, 2)),
                      lambda: torch.linalg.ldl_solve(ld, piv, torch.ones(4, 2)),
                      contains=("4 by 2",))
    assert_same_raise(lambda: jtorch.linalg.ldl_solve(jld, jpiv[:2], jtorch.ones(3, 2)),
                      lambda: torch.linalg.ldl_solve(ld, piv[:2], torch.ones(3, 2)),
                      contains=("[2]",))
    assert_same_raise(lambda: jtorch.linalg.ldl_solve(jld, jpiv, jtorch.ones(3, 2).double()),
                      lambda: torch.linalg.ldl_solve(ld, piv, torch.ones(3, 2).double()),
                      contains=("Double",))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4), (0, 3)])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_geqrf_and_ormqr(shape, dtype):
    """geqrf's (a, tau) as LAPACK's; ormqr applies Q / Q^H from either side."""
    jt, t = pair(_mat(shape, dtype))
    ja, jtau = jtorch.geqrf(jt)
    ta, ttau = torch.geqrf(t)
    assert_same((ja, jtau), (ta, ttau), 1e-10, 1e-10)
    m = shape[-2]
    for left in (True, False):
        for transpose in (True, False):
            c = _mat(shape[:-2] + ((m, 2) if left else (2, m)), dtype)
            jc, tc = pair(c)
            assert_same(jtorch.ormqr(ja, jtau, jc, left, transpose),
                        torch.ormqr(ta, ttau, tc, left, transpose), 1e-10, 1e-10)
    assert_same(jt.geqrf(), t.geqrf(), 1e-10, 1e-10)


def test_ormqr_gradients_match_torch():
    """ormqr is differentiable in input, tau and other (torch's ormqr_backward)."""
    ta, ttau = torch.geqrf(torch.tensor(_mat((5, 3))))
    tc = torch.tensor(_mat((2, 5)))
    for t in (ta, ttau, tc):
        t.requires_grad_()
    ja, jtau, jc = (to_jt(x, requires_grad=True) for x in (ta, ttau, tc))
    cot = _mat((2, 5))
    tg = torch.autograd.grad(torch.ormqr(ta, ttau, tc, left=False, transpose=True),
                             (ta, ttau, tc), torch.tensor(cot))
    jg = jtorch.autograd.grad(jtorch.ormqr(ja, jtau, jc, left=False, transpose=True),
                              (ja, jtau, jc), jtorch.tensor(cot))
    assert_same(tuple(jg), tuple(tg), 1e-10, 1e-10)


def test_ormqr_errors_like_torch():
    """ormqr's shape and dtype checks."""
    a, tau = torch.geqrf(torch.ones(5, 3))
    ja, jtau = to_jt(a), to_jt(tau)
    cases = [
        (lambda m, x, y: m.ormqr(x, y, m.ones(4, 2)), "other.shape[-2]"),
        (lambda m, x, y: m.ormqr(x, y[:2], m.ones(5, 2)), "tau.shape[-1]"),
        (lambda m, x, y: m.ormqr(x, y, m.ones(5, 2, dtype=m.float64)), "Double"),
        (lambda m, x, y: m.ormqr(x[0], y, m.ones(5, 2)), "at least 2 dimensions"),
    ]
    for f, msg in cases:
        assert_same_raise(lambda: f(jtorch, ja, jtau), lambda: f(torch, a, tau), contains=(msg,))
    assert_same_raise(lambda: jtorch.geqrf(jtorch.ones(3, 3, dtype=jtorch.int64)),
                      lambda: torch.geqrf(torch.ones(3, 3, dtype=torch.int64)), contains=("Long",))


@pytest.mark.parametrize("case", ["hermitian_nonsym", "rank_deficient", "wide", "atol"])
def test_pinv_gradient_is_torchs_formula(case):
    """pinv's VJP is torch's pinv_backward for non-Hermitian input to hermitian=True, at a rank
    cut-off, for wide matrices and with atol (no gradient flows to atol)."""
    kw = {}
    if case == "hermitian_nonsym":
        a, kw = _mat((4, 4)), {"hermitian": True}
    elif case == "rank_deficient":
        u = _mat((5, 2))
        a = u @ u.T
    elif case == "wide":
        a = _mat((3, 5))
    else:
        a, kw = _mat((4, 4)), {"atol": 0.5}
    cot = _mat(a.shape[::-1])
    jt, t = pair(a, requires_grad=True)
    tg, = torch.autograd.grad(torch.linalg.pinv(t, **kw), t, torch.tensor(cot))
    jg, = jtorch.autograd.grad(jtorch.linalg.pinv(jt, **kw), jt, jtorch.tensor(cot))
    assert_same(jg, tg, 1e-8, 1e-8)


def test_pinv_forward_mode_is_torchs_formula():
    """func.jvp through pinv uses torch's pinv_jvp (also with hermitian=True on non-Hermitian A)."""
    for kw in ({}, {"hermitian": True}):
        a = _mat((4, 4) if kw else (4, 3))
        da = _mat(a.shape)
        _, tt = torch.func.jvp(lambda x: torch.linalg.pinv(x, **kw), (torch.tensor(a),),
                               (torch.tensor(da),))
        _, jt = jtorch.func.jvp(lambda x: jtorch.linalg.pinv(x, **kw), (jtorch.tensor(a),),
                                (jtorch.tensor(da),))
        assert_same(jt, tt, 1e-8, 1e-8)
