"""Differential tests of the matmul family against real torch (jtorch/_ops/linalg.py)."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, noncontig_cases, pair

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RTOL = ATOL = 1e-5


def run(fn, *arrays, rtol=RTOL, atol=ATOL):
    """fn(lib, *tensors) in torch and jtorch: same result, or the same exception class."""
    jts, ts = zip(*[pair(a) for a in arrays])
    try:
        want = fn(torch, *ts)
    except Exception:  # noqa: BLE001
        assert_same_raise(lambda: fn(jtorch, *jts), lambda: fn(torch, *ts))
        return None
    got = fn(jtorch, *jts)
    assert_same(got, want, rtol, atol)
    return got


def arr(shape, dtype="float32", seed=0):
    return make_array(shape, dtype, seed, -3, 4)


# ---- matmul ---------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)), ((1, 2, 3), (5, 3, 4)), ((0, 3), (3, 4)), ((2, 0), (0, 4)),
    ((0, 2, 3), (3, 1)),
    # mismatches: each shape family raises with torch's message
    ((3,), (4,)), ((2, 3), (4,)), ((4,), (2, 3)), ((2, 3), (4, 5)), ((2, 2, 3), (4, 5)),
    ((2, 2, 3), (3, 4, 5)), ((2, 2, 3), (2, 4, 5)), ((2, 2, 3), (4,)), ((4,), (2, 3, 4)),
    ((), (2, 3)), ((2, 3), ()),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_matmul(sa, sb, dtype):
    a, b = arr(sa, dtype, 1), arr(sb, dtype, 2)
    run(lambda L, x, y: L.matmul(x, y), a, b)
    run(lambda L, x, y: x @ y, a, b)


@pytest.mark.parametrize("da,db", [("float32", "float64"), ("float32", "int64"),
                                   ("int64", "float32"), ("bool", "bool"), ("int32", "int32"),
                                   ("float64", "float64")])
@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                   ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4))], ids=str)
def test_matmul_dtypes(da, db, sa, sb):
    run(lambda L, x, y: L.matmul(x, y), arr(sa, da, 1), arr(sb, db, 2))


def test_matmul_messages():
    a, b = pair(arr((2, 3)))
    c, d = pair(arr((4, 5)))
    assert_same_raise(lambda: jtorch.mm(a, c), lambda: torch.mm(b, d),
                      match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)")
    assert_same_raise(lambda: jtorch.matmul(a, c), lambda: torch.matmul(b, d),
                      match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)")
    e, f = pair(arr((4,)))
    assert_same_raise(lambda: a @ e, lambda: b @ f,
                      match=r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)")


def test_matmul_large_float32_precision():
    a, b = arr((64, 256), "float32", 3), arr((256, 32), "float32", 4)
    run(lambda L, x, y: x @ y, a, b, rtol=1e-5, atol=1e-4)


# ---- mm / bmm / mv / dot / vdot ---------------------------------------------------------------

@pytest.mark.parametrize("name,sa,sb", [
    ("mm", (2, 3), (3, 4)), ("mm", (2, 3), (3,)), ("mm", (3,), (3, 4)), ("mm", (2, 3), (2, 4)),
    ("bmm", (2, 2, 3), (2, 3, 4)), ("bmm", (2, 3), (3, 4)), ("bmm", (2, 2, 3), (3, 4)),
    ("bmm", (2, 2, 3), (3, 3, 4)), ("bmm", (2, 2, 3), (2, 4, 4)), ("mv", (2, 3), (3,)),
    ("mv", (2, 3), (4,)), ("mv", (2, 3), (2, 3)), ("dot", (3,), (3,)), ("dot", (3,), (4,)),
    ("dot", (3,), (2, 3)), ("vdot", (3,), (3,)), ("vdot", (0,), (0,)), ("dot", (), ())])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_products(name, sa, sb, dtype):
    run(lambda L, x, y: getattr(L, name)(x, y), arr(sa, dtype, 1), arr(sb, dtype, 2))
    run(lambda L, x, y: getattr(x, name)(y), arr(sa, dtype, 1), arr(sb, dtype, 2))


def test_dot_dtype_mismatch_and_complex():
    run(lambda L, x, y: L.dot(x, y), arr((3,), "float32"), arr((3,), "int64"))
    run(lambda L, x, y: L.vdot(x, y), arr((3,), "complex64", 1), arr((3,), "complex64", 2))
    run(lambda L, x, y: L.mm(x, y), arr((2, 3), "float32"), arr((3, 2), "float64"))
    run(lambda L, x, y: L.bmm(x, y), arr((2, 2, 3), "float32"), arr((2, 3, 2), "float64"))


# ---- add* family ------------------------------------------------------------------------------

ADD_CASES = [
    ("addmm", (2, 4), (2, 3), (3, 4)), ("addmm", (4,), (2, 3), (3, 4)),
    ("addmm", (), (2, 3), (3, 4)), ("addmm", (3, 4), (2, 3), (3, 4)),
    ("addmm", (2, 4), (2, 3), (2, 4)), ("addmv", (2,), (2, 3), (3,)), ("addmv", (), (2, 3), (3,)),
    ("addmv", (3,), (2, 3), (3,)), ("addbmm", (2, 4), (5, 2, 3), (5, 3, 4)),
    ("addbmm", (2,), (5, 2, 3), (5, 3, 4)), ("baddbmm", (5, 2, 4), (5, 2, 3), (5, 3, 4)),
    ("baddbmm", (4,), (5, 2, 3), (5, 3, 4)), ("addr", (3, 4), (3,), (4,)),
    ("addr", (1, 4), (3,), (4,)), ("addr", (3, 3), (3,), (4,)),
]


@pytest.mark.parametrize("name,si,sa,sb", ADD_CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_add_family(name, si, sa, sb, dtype):
    i, a, b = arr(si, dtype, 0), arr(sa, dtype, 1), arr(sb, dtype, 2)
    run(lambda L, x, y, z: getattr(L, name)(x, y, z), i, a, b)
    run(lambda L, x, y, z: getattr(x, name)(y, z, beta=2, alpha=3), i, a, b)
    if dtype == "float32":
        run(lambda L, x, y, z: getattr(L, name)(x, y, z, beta=0.5, alpha=-1.5), i, a, b)
        nan = np.full(si, np.nan, np.float32)
        run(lambda L, x, y, z: getattr(L, name)(x, y, z, beta=0), nan, a, b)


def test_add_family_inplace_and_dtype():
    i, a, b = arr((2, 4)), arr((2, 3), seed=1), arr((3, 4), seed=2)
    run(lambda L, x, y, z: x.addmm_(y, z, alpha=2), i, a, b)
    run(lambda L, x, y, z: L.addmm(x, y, z), arr((2, 4), "float64"), a, b)


# ---- outer / inner / tensordot / einsum / kron / trace / cross --------------------------------

@pytest.mark.parametrize("da,db", [("float32", "float32"), ("float32", "int64"),
                                   ("bool", "bool"), ("int64", "int64")])
def test_outer_kron(da, db):
    run(lambda L, x, y: L.outer(x, y), arr((3,), da, 1), arr((4,), db, 2))
    run(lambda L, x, y: L.ger(x, y), arr((3,), da, 1), arr((4,), db, 2))
    run(lambda L, x, y: x.outer(y), arr((3,), da, 1), arr((2, 2), db, 2))
    run(lambda L, x, y: L.kron(x, y), arr((2, 3), da, 1), arr((3, 2), db, 2))
    run(lambda L, x, y: L.kron(x, y), arr((2,), da, 1), arr((3, 2), db, 2))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,)),
                                   ((), (2, 3)), ((2, 3), ()), ((2, 3), (3, 4))], ids=str)
def test_inner(sa, sb):
    run(lambda L, x, y: L.inner(x, y), arr(sa, "float32", 1), arr(sb, "float32", 2))
    run(lambda L, x, y: L.inner(x, y), arr(sa, "int64", 1), arr(sb, "int64", 2))
    run(lambda L, x, y: L.inner(x, y), arr(sa, "float32", 1), arr(sb, "int64", 2))


@pytest.mark.parametrize("dims", [0, 1, 2, ([1], [0]), ([0, 1], [1, 2]), ([2], [0]),
                                  ([1], [1, 0]), -1], ids=str)
def test_tensordot(dims):
    run(lambda L, x, y: L.tensordot(x, y, dims), arr((2, 3, 4), seed=1), arr((3, 4, 5), seed=2))
    run(lambda L, x, y: L.tensordot(x, y, dims), arr((2, 3, 4), seed=1), arr((4, 2, 3), seed=2))


def test_tensordot_dtype():
    run(lambda L, x, y: L.tensordot(x, y, 1), arr((2, 3)), arr((3, 4), "float64"))
    run(lambda L, x, y: L.tensordot(x, y, 1), arr((2, 3), "int64"), arr((3, 4), "int64"))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]), ("i,i", [(3,), (3,)]), ("i,j->ij", [(3,), (4,)]),
    ("...j,jk->...k", [(2, 2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (1, 3, 4)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]), ("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]), ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    # errors
    ("ij,jk->ik", [(2, 3)]), ("ij,jk->ik", [(2, 3), (3, 4), (4, 5)]), ("ij->ik", [(2, 3)]),
    ("ijk->", [(2, 3)]), ("ij->jj", [(2, 3)]), ("ij,jk->ik", [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=str)
def test_einsum(eq, shapes):
    arrays = [arr(s, "float32", i) for i, s in enumerate(shapes)]
    run(lambda L, *xs: L.einsum(eq, *xs), *arrays)
    run(lambda L, *xs: L.einsum(eq, list(xs)), *arrays)
    if len(shapes) == 2:
        run(lambda L, *xs: L.einsum(eq, *xs), *[arr(s, "int64", i) for i, s in enumerate(shapes)])


def test_einsum_dtype_mismatch():
    run(lambda L, x, y: L.einsum("ij,jk->ik", x, y), arr((2, 3)), arr((3, 4), "float64"))


@pytest.mark.parametrize("shape,dtype", [((3, 3), "float32"), ((2, 4), "int64"),
                                         ((4, 2), "int32"), ((3,), "float32"),
                                         ((2, 2), "bool"), ((0, 3), "float32")], ids=str)
def test_trace(shape, dtype):
    run(lambda L, x: L.trace(x), arr(shape, dtype))
    run(lambda L, x: x.trace(), arr(shape, dtype))


@pytest.mark.parametrize("sa,sb,dim", [((2, 3), (2, 3), 1), ((3, 2), (3, 2), None),
                                       ((2, 3), (1, 3), 1), ((4, 3, 3), (4, 3, 3), -1),
                                       ((2, 2), (2, 2), 1), ((2, 3), (2, 3), None),
                                       ((2, 3), (2, 3), 2)], ids=str)
def test_cross(sa, sb, dim):
    run(lambda L, x, y: L.cross(x, y, dim=dim), arr(sa, seed=1), arr(sb, seed=2))
    run(lambda L, x, y: x.cross(y, dim), arr(sa, "int64", 1), arr(sb, "int64", 2))
    run(lambda L, x, y: L.cross(x, y, dim), arr(sa, seed=1), arr(sb, "float64", 2))


# ---- non-contiguous, grad_fn names, gradients -------------------------------------------------

@pytest.mark.parametrize("case", noncontig_cases("float32"), ids=repr)
def test_noncontiguous(case):
    jt, t = case.make()
    assert_same(jt @ jt.t(), t @ t.t(), RTOL, ATOL)
    assert_same(jtorch.mm(jt.t(), jt), torch.mm(t.t(), t), RTOL, ATOL)
    assert_same(jtorch.einsum("ij,kj->ik", jt, jt), torch.einsum("ij,kj->ik", t, t), RTOL, ATOL)


@pytest.mark.parametrize("expr,name", [
    ("A @ B", "MmBackward0"), ("A @ v", "MvBackward0"), ("v @ v", "DotBackward0"),
    ("w @ A", "SqueezeBackward4"), ("C @ B", "UnsafeViewBackward0"),
    ("jt.addmm(M, A, B)", "AddmmBackward0"), ("jt.bmm(C, D)", "BmmBackward0"),
    ("jt.outer(v, w)", "MulBackward0"), ("jt.trace(M)", "TraceBackward0"),
    ("jt.baddbmm(C @ B, C, D)", "BaddbmmBackward0"), ("jt.addmv(w, A, v)", "AddmvBackward0"),
    ("jt.kron(A, B)", "UnsafeViewBackward0"), ("jt.vdot(v, v)", "VdotBackward0")])
def test_grad_fn_names(expr, name):
    if not hasattr(jtorch.Tensor, "backward"):
        pytest.skip("autograd has not landed yet")
    jt = jtorch  # noqa: F841
    A = jtorch.ones(2, 3, requires_grad=True)  # noqa: F841
    B = jtorch.ones(3, 4, requires_grad=True)  # noqa: F841
    C = jtorch.ones(5, 2, 3, requires_grad=True)  # noqa: F841
    D = jtorch.ones(5, 3, 4, requires_grad=True)  # noqa: F841
    M = jtorch.ones(2, 4, requires_grad=True)  # noqa: F841
    v = jtorch.ones(3, requires_grad=True)  # noqa: F841
    w = jtorch.ones(2, requires_grad=True)  # noqa: F841
    assert eval(expr).grad_fn.name() == name


GRADS = {
    "matmul": (lambda L, x, y: L.matmul(x, y), [(2, 3), (3, 4)]),
    "batched": (lambda L, x, y: L.matmul(x, y), [(5, 2, 3), (3,)]),
    "addmm": (lambda L, x, y: L.addmm(y[0, :2], x, y, beta=0.5, alpha=2), [(3, 3), (3, 2)]),
    "einsum": (lambda L, x, y: L.einsum("bij,bjk->bk", x, y), [(2, 2, 3), (2, 3, 4)]),
    "tensordot": (lambda L, x, y: L.tensordot(x, y, 1), [(2, 3), (3, 4)]),
    "kron": (lambda L, x, y: L.kron(x, y), [(2, 2), (2, 3)]),
    "cross": (lambda L, x, y: L.cross(x, y, 1), [(2, 3), (2, 3)]),
}


@pytest.mark.parametrize("case", list(GRADS))
def test_gradients(case):
    if not hasattr(jtorch.Tensor, "backward"):
        pytest.skip("autograd has not landed yet")
    f, shapes = GRADS[case]
    arrays = [arr(s, seed=i) for i, s in enumerate(shapes)]
    res = []
    for lib in (jtorch, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        (f(lib, *xs) * 1.5).sum().backward()
        res.append([x.grad for x in xs])
    assert_same(res[0], res[1], RTOL, ATOL)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_and_solve_grads_treat_factor_as_full(dtype, upper):
    """torch differentiates A = L L^H with every entry of L (the other triangle gets a
    gradient too); real and complex, lower and upper."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4)) + (1j * rng.standard_normal((4, 4)) if dtype == np.complex64
                                       else 0)
    lo = np.linalg.cholesky(a @ a.conj().T + 4 * np.eye(4))
    fac = (lo.conj().T if upper else lo).astype(dtype)
    b = rng.standard_normal((4, 2)).astype(dtype)
    grads = []
    for lib in (torch, jtorch):
        tl, tb = lib.tensor(fac, requires_grad=True), lib.tensor(b, requires_grad=True)
        (lib.cholesky_inverse(tl, upper=upper).abs().sum() +
         lib.cholesky_solve(tb, tl, upper=upper).abs().sum()).backward()
        grads.append((tl.grad.numpy(), tb.grad.numpy()))
    (tl, tb), (jl, jb) = grads
    assert np.abs(tl).min() > 0  # NOTE: no zero triangle
    np.testing.assert_allclose(jl, tl, atol=2e-5)
    np.testing.assert_allclose(jb, tb, atol=2e-5)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (2, 3, 5), (0, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_svd_full_matrices_backward(shape, dtype):
    """linalg.svd's default full_matrices=True is differentiable as in torch: the extra columns
    of U (rows of Vh) carry no gradient (JAX alone has no rule for full matrices)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if dtype == np.complex128
                                      else 0)
    grads = []
    for lib in (torch, jtorch):
        x = lib.tensor(a.astype(dtype), requires_grad=True)
        u, s, vh = lib.linalg.svd(x)
        k = s.shape[-1]
        # NOTE: gauge-invariant in the first k columns (U_k Vh_k), plus every entry of U and Vh
        (s.sum() + (u[..., :k] @ vh[..., :k, :]).abs().sum() + 0.1 * u.abs().sum() +
         0.1 * vh.abs().sum()).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-10)
