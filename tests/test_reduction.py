"""Differential tests of jtorch's reductions against real torch (jtorch/_ops/reduction.py)."""
import math
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, noncontig_cases, pair

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SHAPES = [(), (0,), (2, 0), (5,), (3, 4), (2, 3, 4)]
DTYPES = ["float32", "int64", "bool"]
RTOL = ATOL = 1e-5


def run(fn, *arrays, rtol=RTOL, atol=ATOL):
    """fn(lib, *tensors) in torch and jtorch: same result, or the same exception class."""
    jts, ts = zip(*[pair(a) for a in arrays]) if arrays else ((), ())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = fn(torch, *ts)
    except Exception:  # noqa: BLE001
        assert_same_raise(lambda: fn(jtorch, *jts), lambda: fn(torch, *ts))
        return None
    got = fn(jtorch, *jts)
    if type(want).__module__ == "torch.return_types":
        assert type(got).__name__ == type(want).__name__
        assert type(got).__module__ == "torch.return_types"
    assert_same(got, want, rtol, atol)
    return got


def arr(shape, dtype, seed=0):
    return make_array(shape, dtype, seed)


def dims_for(shape):
    """(dim, keepdim) cases: all, first/last, out of range, tuples, list, empty tuple."""
    nd = len(shape)
    out = [(None, False), (0, False), (-1, True), (nd, False)]
    if nd >= 2:
        out += [((0, -1), False), ((0, -1), True), ([1], False), ((), False)]
    return out


# ---- sum / mean / prod ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sum", "nansum", "mean", "nanmean", "prod"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_sum_mean_prod(name, dtype, shape):
    a = arr(shape, dtype)
    run(lambda L, x: getattr(L, name)(x), a)
    run(lambda L, x: getattr(x, name)(), a)
    for dim, keepdim in dims_for(shape)[1:]:
        run(lambda L, x: getattr(L, name)(x, dim, keepdim), a)
        run(lambda L, x: getattr(x, name)(dim=dim, keepdim=keepdim), a)


@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "all", "any"])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "float16", "float64"])
def test_result_dtypes(name, dtype):
    a = arr((2, 3), dtype, 3) / (4 if name == "prod" and dtype.startswith("f") else 1)
    tol = 1e-2 if dtype == "float16" else RTOL
    run(lambda L, x: getattr(L, name)(x, 1), a, rtol=tol, atol=tol)


@pytest.mark.parametrize("name,dtype,out", [("sum", "int64", "float32"), ("sum", "float32",
                                            "int32"), ("sum", "bool", "float64"),
                                            ("mean", "int64", "float32"),
                                            ("mean", "float32", "float64"),
                                            ("mean", "float32", "int64"),
                                            ("prod", "int32", "float32"),
                                            ("nansum", "float32", "float64"),
                                            ("nanmean", "float32", "float64")])
def test_dtype_kwarg(name, dtype, out):
    a = arr((3, 4), dtype)
    run(lambda L, x: getattr(L, name)(x, dtype=getattr(L, out)), a)
    run(lambda L, x: getattr(L, name)(x, 1, dtype=getattr(L, out)), a)


def test_half_precision_sum_mean():
    a = arr((64,), "float16")
    run(lambda L, x: L.sum(x), a, rtol=1e-3, atol=1e-2)
    run(lambda L, x: L.mean(x, 0), a, rtol=1e-3, atol=1e-3)


def test_nan_reductions():
    a = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]], np.float32)
    for name in ["sum", "nansum", "mean", "nanmean", "prod"]:
        run(lambda L, x: getattr(L, name)(x), a)
        run(lambda L, x: getattr(L, name)(x, 1), a)


def test_mean_int_message():
    jt, t = pair(np.arange(3))
    assert_same_raise(lambda: jtorch.mean(jt), lambda: torch.mean(t),
                      match=r"mean\(\): could not infer output dtype. Input dtype must be either "
                            r"a floating point or complex dtype. Got: Long")
    assert_same_raise(lambda: jtorch.nanmean(jt), lambda: torch.nanmean(t))


def test_bad_dims():
    jt, t = pair(arr((2, 3), "float32"))
    assert_same_raise(lambda: jtorch.sum(jt, 2), lambda: torch.sum(t, 2),
                      match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but "
                            r"got 2\)")
    assert_same_raise(lambda: jtorch.sum(jt, (0, 0)), lambda: torch.sum(t, (0, 0)))
    assert_same_raise(lambda: jtorch.prod(jt, (0, 1)), lambda: torch.prod(t, (0, 1)))
    assert_same_raise(lambda: jtorch.amax(jt, -3), lambda: torch.amax(t, -3))


def test_out_kwarg():
    jt, t = pair(arr((3, 4), "float32"))
    jo, to = pair(np.zeros(4, np.float32))
    r = jtorch.sum(jt, 0, out=jo)
    torch.sum(t, 0, out=to)
    assert r is jo
    assert_same(jo, to)
    jv, tv = pair(np.zeros(4, np.float32))
    ji, ti = pair(np.zeros(4, np.int64))
    r = jtorch.max(jt, 0, out=(jv, ji))
    torch.max(t, 0, out=(tv, ti))
    assert_same(jv, tv)
    assert_same(ji, ti)


# ---- max / min family ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_max_min(name, dtype, shape):
    a = arr(shape, dtype)
    run(lambda L, x: getattr(L, name)(x), a)
    for dim, keepdim in [(0, False), (-1, True), (len(shape), False), (1, False)]:
        run(lambda L, x: getattr(L, name)(x, dim, keepdim), a)
        run(lambda L, x: getattr(x, name)(dim=dim, keepdim=keepdim), a)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_binary_and_bad_dims(name):
    a, b = arr((2, 3), "float32", 1), arr((3,), "float32", 2)
    run(lambda L, x, y: getattr(L, name)(x, y), a, b)
    run(lambda L, x, y: getattr(x, name)(y), a, b)
    jt, t = pair(a)
    assert_same_raise(lambda: getattr(jtorch, name)(jt, (0, 1)),
                      lambda: getattr(torch, name)(t, (0, 1)))


@pytest.mark.parametrize("name", ["amax", "amin", "argmax", "argmin", "aminmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_amax_argmax(name, dtype, shape):
    a = arr(shape, dtype)
    run(lambda L, x: getattr(L, name)(x), a)
    dims = [(0, False), (-1, True), (len(shape), False)]
    dims += [((0, 1), True), ((), False)] if name in ("amax", "amin") else []
    dims += [(None, True)] if name in ("argmax", "argmin") else []
    for dim, keepdim in dims:
        if name == "aminmax":
            run(lambda L, x: L.aminmax(x, dim=dim, keepdim=keepdim), a)
        else:
            run(lambda L, x: getattr(L, name)(x, dim, keepdim), a)


def test_ties_and_nan():
    a = np.array([[1.0, 3.0, 3.0, 2.0], [np.nan, 1.0, np.nan, 0.0]], np.float32)
    for name in ["max", "min", "argmax", "argmin", "amax", "amin"]:
        run(lambda L, x: getattr(L, name)(x), a)
        run(lambda L, x: getattr(L, name)(x, 1), a)
    i = np.array([[1, 4, 4], [7, 7, 0]])
    for name in ["max", "min", "argmax", "argmin"]:
        run(lambda L, x: getattr(L, name)(x, 1), i)
        run(lambda L, x: getattr(L, name)(x), i)


def test_empty_messages():
    jt, t = pair(np.zeros((0, 3), np.float32))
    assert_same_raise(lambda: jtorch.max(jt), lambda: torch.max(t),
                      match=r"max\(\): Expected reduction dim to be specified for "
                            r"input.numel\(\) == 0")
    assert_same_raise(lambda: jtorch.max(jt, 0), lambda: torch.max(t, 0),
                      match=r"max\(\): Expected reduction dim 0 to have non-zero size")
    assert_same_raise(lambda: jtorch.argmax(jt), lambda: torch.argmax(t))
    assert_same_raise(lambda: jtorch.aminmax(jt), lambda: torch.aminmax(t))


# ---- var / std -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize("shape", SHAPES)
def test_var_std(name, shape):
    a = arr(shape, "float32")
    f = lambda L: getattr(L, name)  # noqa: E731
    run(lambda L, x: f(L)(x), a)
    run(lambda L, x: f(L)(x, False), a)
    for dim, keepdim in dims_for(shape):
        run(lambda L, x: f(L)(x, dim, keepdim=keepdim), a)
        run(lambda L, x: f(L)(x, dim, True, keepdim), a)
        run(lambda L, x: f(L)(x, dim, unbiased=False, keepdim=keepdim), a)
    run(lambda L, x: f(L)(x, -1, correction=0), a)
    run(lambda L, x: f(L)(x, correction=2), a)
    run(lambda L, x: f(L)(x, 0, correction=0.5, keepdim=True), a)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_var_int_errors(dtype):
    jt, t = pair(arr((3,), dtype))
    assert_same_raise(lambda: jtorch.var(jt), lambda: torch.var(t),
                      match="std and var only support floating point and complex dtypes")
    assert_same_raise(lambda: jtorch.std(jt, 0), lambda: torch.std(t, 0))


def test_var_complex():
    run(lambda L, x: L.var(x, 0), arr((4, 2), "complex64"))


# ---- norm / dist ---------------------------------------------------------------------------

@pytest.mark.parametrize("p", [None, "fro", 0, 1, 2, 3.5, -1, math.inf, -math.inf])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
def test_norm(p, shape):
    a = arr(shape, "float32")
    run(lambda L, x: L.norm(x, p), a)
    run(lambda L, x: x.norm(p), a)
    for dim, keepdim in ([(0, False), (-1, True), ((0, 1), False)] if len(shape) >= 2
                         else [(0, True)]):
        run(lambda L, x: L.norm(x, p, dim, keepdim), a)


def test_norm_special():
    a = arr((3, 4), "float32")
    run(lambda L, x: L.norm(x, "nuc"), a, rtol=1e-4)
    run(lambda L, x: L.norm(x, "nuc", (0, 1), True), a, rtol=1e-4)
    run(lambda L, x: L.norm(x, "nuc", 0), a)
    run(lambda L, x: L.norm(x, "foo"), a)
    run(lambda L, x: L.norm(x, dtype=L.float64), a)
    run(lambda L, x: L.norm(x), arr((3,), "int64"))
    run(lambda L, x: L.norm(x), arr((0,), "float32"))
    run(lambda L, x: L.norm(x, math.inf), arr((0,), "float32"))
    run(lambda L, x: L.norm(x, "nuc"), arr((2, 3, 4), "float32"))


@pytest.mark.parametrize("p", [0, 1, 2, 3, math.inf])
def test_dist(p):
    run(lambda L, x, y: L.dist(x, y, p), arr((2, 3), "float32", 1), arr((3,), "float32", 2))
    run(lambda L, x, y: x.dist(y, p), arr((3,), "float32", 1), arr((3,), "float32", 2))
    run(lambda L, x, y: L.dist(x, y), arr((3,), "int64", 1), arr((3,), "int64", 2))


# ---- all / any / count_nonzero / logsumexp --------------------------------------------------

@pytest.mark.parametrize("name", ["all", "any", "count_nonzero"])
@pytest.mark.parametrize("dtype", DTYPES + ["uint8"])
@pytest.mark.parametrize("shape", SHAPES)
def test_all_any_count(name, dtype, shape):
    a = arr(shape, dtype)
    if dtype == "float32" and a.size:
        a.reshape(-1)[0] = 0.0
    run(lambda L, x: getattr(L, name)(x), a)
    for dim, keepdim in dims_for(shape)[1:]:
        if name == "count_nonzero":
            run(lambda L, x: L.count_nonzero(x, dim), a)
        else:
            run(lambda L, x: getattr(L, name)(x, dim, keepdim), a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_logsumexp(dtype, shape):
    a = arr(shape, dtype)
    for dim, keepdim in [(0, False), (-1, True)] + ([((0, -1), False)] if len(shape) >= 2
                                                    else [(1, False)]):
        run(lambda L, x: L.logsumexp(x, dim, keepdim), a)
    run(lambda L, x: L.logsumexp(x, 0), np.array([-np.inf, -np.inf], np.float32))
    run(lambda L, x: L.logsumexp(x, 0), np.array([np.inf, 1.0], np.float32))


# ---- scans ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_scans(name, dtype, shape):
    a = arr(shape, dtype)
    if name == "cumprod" and dtype == "float32":
        a = a / 4
    # NOTE: torch's cummax/cummin skip the dim check for empty inputs; jtorch always checks.
    bad = [] if name in ("cummax", "cummin") and a.size == 0 else [len(shape), 1]
    for dim in [0, -1] + bad:
        run(lambda L, x: getattr(L, name)(x, dim), a)
        run(lambda L, x: getattr(x, name)(dim), a)


def test_scan_dtype_and_nan():
    run(lambda L, x: L.cumsum(x, 0, dtype=L.float64), arr((4,), "int64"))
    run(lambda L, x: L.cumprod(x, 1, dtype=L.int32), arr((2, 3), "float32"))
    a = np.array([2.0, np.nan, 1.0, np.nan, 5.0, 5.0], np.float32)
    for name in ["cummax", "cummin", "cumsum", "logcumsumexp"]:
        run(lambda L, x: getattr(L, name)(x, 0), a)
    run(lambda L, x: L.cummax(x, 0), np.array([1, 1, 0, 2, 2]))
    run(lambda L, x: L.cummin(x, 0), np.array([3, 1, 1, 2, 0, 0]))


def test_inplace_scans():
    jt, t = pair(arr((2, 3), "float32"))
    jt.cumsum_(1)
    t.cumsum_(1)
    assert_same(jt, t, RTOL, ATOL)


# ---- non-contiguous inputs -----------------------------------------------------------------

@pytest.mark.parametrize("case", noncontig_cases("float32"), ids=repr)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "argmax", "var", "norm", "cumsum",
                                  "logsumexp"])
def test_noncontiguous(case, name):
    jt, t = case.make()
    for dim in (0, 1):
        assert_same(getattr(jtorch, name)(jt, dim), getattr(torch, name)(t, dim), RTOL, ATOL)
    assert_same(jtorch.max(jt, 1), torch.max(t, 1))


# ---- return types, gradients ---------------------------------------------------------------

def test_return_type_repr():
    jt, t = pair(np.array([[1.0, 3.0], [2.0, 0.0]], np.float32))
    assert repr(jtorch.max(jt, 0)) == repr(torch.max(t, 0))
    assert repr(jtorch.aminmax(jt)) == repr(torch.aminmax(t))
    r = jtorch.max(jt, 1)
    v, i = r
    assert r.values is v and r.indices is i and r[0] is v and len(r) == 2
    assert type(r).__name__ == "max" and isinstance(r, tuple)
    assert repr(jtorch.return_types.max((1, 2))) == repr(torch.return_types.max((1, 2)))


def _grad(lib, a, f):
    x = lib.tensor(a, requires_grad=True)
    f(lib, x).sum().backward()
    return x.grad


GRAD_CASES = {
    "max": lambda L, x: x.max(),
    "min": lambda L, x: x.min(),
    "max_dim": lambda L, x: x.max(1).values,
    "amax": lambda L, x: x.amax(),
    "amax_dim": lambda L, x: L.amax(x, 1),
    "amin_dims": lambda L, x: L.amin(x, (0, 1)),
    "sum": lambda L, x: x.sum(1) * 2,
    "mean": lambda L, x: x.mean(),
    "prod": lambda L, x: x.prod(1),
    "std_zero": lambda L, x: (x * 0).std(1),
    "var": lambda L, x: x.var(0),
    "norm2": lambda L, x: x.norm(),
    "norm_zero": lambda L, x: (x * 0).norm(dim=1),
    "norm1": lambda L, x: (x - 3).norm(1),
    "norm_inf": lambda L, x: x.norm(math.inf),
    "logsumexp": lambda L, x: x.logsumexp(1),
    "cumsum": lambda L, x: x.cumsum(1),
    "cumprod": lambda L, x: x.cumprod(1),
    "cummax": lambda L, x: x.cummax(1).values,
    "logcumsumexp": lambda L, x: x.logcumsumexp(0),
}


@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_gradients(case):
    if not hasattr(jtorch.Tensor, "backward"):
        pytest.skip("autograd has not landed yet")
    a = np.array([[1.0, 3.0, 3.0], [2.0, 3.0, 0.0]], np.float32)
    f = GRAD_CASES[case]
    assert_same(_grad(jtorch, a, f), _grad(torch, a, f), RTOL, ATOL)


@pytest.mark.parametrize("expr,name", [
    ("x.sum()", "SumBackward0"), ("x.sum(0)", "SumBackward1"), ("x.mean(0)", "MeanBackward1"),
    ("x.max()", "MaxBackward1"), ("x.max(0).values", "MaxBackward0"),
    ("x.amax(0)", "AmaxBackward0"), ("x.std()", "StdBackward0"), ("x.norm()",
                                                                  "LinalgVectorNormBackward0"),
    ("x.prod(0)", "ProdBackward1"), ("x.cumsum(0)", "CumsumBackward0"),
    ("x.logsumexp(0)", "LogsumexpBackward0")])
def test_grad_fn_names(expr, name):
    if not hasattr(jtorch.Tensor, "backward"):
        pytest.skip("autograd has not landed yet")
    x = jtorch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert eval(expr).grad_fn.name() == name


@pytest.mark.parametrize("ord", [-0.5, -1, -2, -3.5])
def test_vector_norm_negative_ord_gradient_at_zero(ord):
    """A zero element makes a negative-order norm 0; torch's gradient is then 0, not NaN."""
    for a in (np.zeros(5, np.float32), np.array([0.0, 1.5, -2.0], np.float32),
              np.array([0.5, -2.0, 3.0], np.float32)):
        grads = []
        for lib in (torch, jtorch):
            x = lib.tensor(a, requires_grad=True)
            lib.linalg.vector_norm(x, ord).backward()
            grads.append(x.grad.numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-7)
