"""Differential tests of sorting and order statistics against real torch (jtorch/_ops/sort.py)."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, noncontig_cases, pair

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RTOL = ATOL = 1e-5
SHAPES = [(), (0,), (2, 0), (5,), (3, 4), (2, 3, 4)]


def run(fn, *arrays, rtol=RTOL, atol=ATOL):
    """fn(lib, *tensors) in torch and jtorch: same result, or the same exception class."""
    jts, ts = zip(*[pair(a) for a in arrays])
    try:
        want = fn(torch, *ts)
    except Exception:  # noqa: BLE001
        assert_same_raise(lambda: fn(jtorch, *jts), lambda: fn(torch, *ts))
        return None
    got = fn(jtorch, *jts)
    if type(want).__module__ == "torch.return_types":
        assert type(got).__name__ == type(want).__name__
    assert_same(got, want, rtol, atol)
    return got


def distinct(shape, dtype="float32", seed=0):
    """Values without ties (so every index result is unambiguous)."""
    n = int(np.prod(shape))
    v = np.random.default_rng(seed).permutation(n) - n // 2
    return v.reshape(shape).astype(dtype)


# ---- sort / argsort / msort / topk ------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("shape", SHAPES)
def test_sort_argsort(dtype, shape):
    a = distinct(shape, dtype)
    for dim, desc in [(-1, False), (0, True), (len(shape), False)]:
        run(lambda L, x: L.sort(x, dim, desc), a)
        run(lambda L, x: x.sort(dim=dim, descending=desc), a)
        run(lambda L, x: L.argsort(x, dim, desc), a)
    run(lambda L, x: L.msort(x), a)


def test_sort_stable_ties_nan_bool():
    a = np.array([[3.0, np.nan, 1.0, 3.0, np.nan, 1.0, -0.5]], np.float32)
    for desc in (False, True):
        run(lambda L, x: L.sort(x, descending=desc, stable=True), a)
        run(lambda L, x: L.argsort(x, descending=desc, stable=True), a)
    b = np.array([True, False, True, False])
    run(lambda L, x: L.sort(x, stable=True), b)
    run(lambda L, x: L.sort(x, descending=True, stable=True), b)
    i = np.array([2, 1, 2, 0, 1])
    run(lambda L, x: L.sort(x, stable=True), i)
    run(lambda L, x: L.sort(x, descending=True, stable=True), i)


@pytest.mark.parametrize("shape", [(), (0,), (6,), (3, 5)])
def test_topk(shape):
    a = distinct(shape)
    n = shape[-1] if shape else 1
    for k in (0, 1, n, n + 1, -1):
        for largest in (True, False):
            run(lambda L, x: L.topk(x, k, largest=largest), a)
    if len(shape) == 2:
        run(lambda L, x: x.topk(2, dim=0), a)
        run(lambda L, x: L.topk(x, 2, 2), a)
    run(lambda L, x: L.topk(x, 1), np.array([True, False]))
    run(lambda L, x: L.topk(x, 2), np.array([1.0, np.nan, 3.0, np.nan], np.float32))


# ---- kthvalue / median / nanmedian / mode -----------------------------------------------------

@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_kthvalue(shape, dtype):
    a = distinct(shape, dtype)
    n = shape[-1] if shape else 1
    for k in (1, n, 0, n + 1):
        run(lambda L, x: L.kthvalue(x, k), a)
    run(lambda L, x: L.kthvalue(x, 1, 0, True), a)
    run(lambda L, x: x.kthvalue(1, dim=len(shape)), a)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("shape", SHAPES)
def test_median(name, shape):
    a = distinct(shape)
    run(lambda L, x: getattr(L, name)(x), a)
    for dim, keepdim in [(0, False), (-1, True), (len(shape), False)]:
        run(lambda L, x: getattr(L, name)(x, dim, keepdim), a)
    run(lambda L, x: getattr(x, name)(), distinct(shape, "int64"))


def test_median_nan_bool():
    a = np.array([[1.0, np.nan, 3.0, 0.0], [np.nan, np.nan, 2.0, 5.0], [np.nan] * 4,
                  [4.0, 3.0, 2.0, 1.0]], np.float32)
    for name in ("median", "nanmedian"):
        run(lambda L, x: getattr(L, name)(x), a)
        run(lambda L, x: getattr(L, name)(x, 1), a[[0, 1, 3]])
        run(lambda L, x: getattr(L, name)(x, 1).values, a)  # all-NaN row: index arbitrary
        run(lambda L, x: getattr(L, name)(x), a[3])
        run(lambda L, x: getattr(L, name)(x), np.array([True, False]))


@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 5)])
def test_mode(shape):
    a = make_array(shape, "int64", 3, 0, 3)
    run(lambda L, x: L.mode(x), a)
    run(lambda L, x: L.mode(x, 0, True), a)
    run(lambda L, x: x.mode(len(shape)), a)
    run(lambda L, x: L.mode(x), np.array([3, 3, 1, 1, 2]))
    run(lambda L, x: L.mode(x, 1), np.array([[1.0, 1, 2], [2, 2, 1]], np.float32))


# ---- quantile ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(name, interp):
    a = make_array((3, 5), "float32", 1)
    q = np.array([0.0, 0.25, 0.5, 1 / 6, 1.0], np.float32)
    f = lambda L: getattr(L, name)  # noqa: E731
    run(lambda L, x: f(L)(x, 0.3, interpolation=interp), a)
    run(lambda L, x: f(L)(x, 0.5, 1, True, interpolation=interp), a)
    run(lambda L, x, qq: f(L)(x, qq, 0, interpolation=interp), a, q)
    run(lambda L, x, qq: f(L)(x, qq, None, True, interpolation=interp), a, q)
    run(lambda L, x, qq: f(L)(x, qq, -1, interpolation=interp), a, q[2:3].reshape(()))
    n = np.array([[np.nan, 1.0, 2.0, 4.0], [np.nan] * 4, [0.0, 1, 2, 3]], np.float32)
    run(lambda L, x: f(L)(x, 0.4, 1, interpolation=interp), n)
    run(lambda L, x, qq: f(L)(x, qq, 1, interpolation=interp), n, q)


def test_quantile_errors():
    a = make_array((3, 5), "float32", 1)
    run(lambda L, x: L.quantile(x, 1.5), a)
    run(lambda L, x: L.quantile(x, 0.5, interpolation="foo"), a)
    run(lambda L, x: L.quantile(x, 0.5), np.arange(4))
    run(lambda L, x: L.quantile(x, 0.5), np.zeros(0, np.float32))
    run(lambda L, x, q: L.quantile(x, q), a, np.array([0.5], np.float64))
    run(lambda L, x, q: L.quantile(x, q), a, np.array([[0.5]], np.float32))
    run(lambda L, x, q: L.quantile(x, q), a, np.array([0.5, 1.5], np.float32))
    run(lambda L, x: L.quantile(x, 0.5, 2), a)
    run(lambda L, x: L.quantile(x, 0.5, 0, True), np.array(3.0, np.float32))
    run(lambda L, x: L.quantile(x, 0.7), np.arange(10, dtype=np.float64))


# ---- searchsorted / bucketize -----------------------------------------------------------------

@pytest.mark.parametrize("right", [False, True])
def test_searchsorted(right):
    seq = np.array([1.0, 2.0, 2.0, 3.0, 5.0], np.float32)
    v = np.array([[0.0, 2.0, 2.5], [5.0, 6.0, 3.0]], np.float32)
    run(lambda L, s, x: L.searchsorted(s, x, right=right), seq, v)
    run(lambda L, s, x: L.searchsorted(s, x, side="right" if right else "left",
                                       out_int32=True), seq, v)
    run(lambda L, s: L.searchsorted(s, 2, right=right), seq)
    run(lambda L, s, x: L.searchsorted(s, x, right=right), seq, np.array([2, 4]))
    seq2 = np.sort(make_array((2, 4), "float32", 2), axis=1)
    run(lambda L, s, x: L.searchsorted(s, x, right=right), seq2, v)
    run(lambda L, x, b: L.bucketize(x, b, right=right), v, seq)
    run(lambda L, b: L.bucketize(3, b, right=right), seq)
    unsorted = np.array([3.0, 1.0, 2.0], np.float32)
    run(lambda L, s, x, o: L.searchsorted(s, x, sorter=o), unsorted,
        np.array([1.5, 2.5], np.float32), np.argsort(unsorted))


def test_searchsorted_errors():
    seq = np.array([1.0, 2.0, 3.0], np.float32)
    seq2 = np.ones((2, 3), np.float32)
    run(lambda L, s, x: L.searchsorted(s, x, side="left", right=True), seq, seq)
    run(lambda L, s, x: L.searchsorted(s, x, side="foo"), seq, seq)
    run(lambda L, s, x: L.searchsorted(s, x), seq2, np.ones((1, 1), np.float32))
    run(lambda L, s: L.searchsorted(s, 2.0), seq2)
    run(lambda L, s, x: L.searchsorted(s, x), np.array(3.0, np.float32), seq)
    run(lambda L, x, b: L.bucketize(x, b), seq, seq2)


# ---- unique -----------------------------------------------------------------------------------

def test_unique():
    a = np.array([3, 1, 2, 1, 3, 3])
    m = np.array([[1, 2], [1, 2], [0, 1], [1, 2]])
    for inv in (False, True):
        for cnt in (False, True):
            run(lambda L, x: L.unique(x, return_inverse=inv, return_counts=cnt), a)
            run(lambda L, x: L.unique(x, return_inverse=inv, return_counts=cnt), m)
            run(lambda L, x: L.unique(x, return_inverse=inv, return_counts=cnt, dim=0), m)
            run(lambda L, x: L.unique_consecutive(x, return_inverse=inv, return_counts=cnt), a)
            run(lambda L, x: x.unique_consecutive(return_inverse=inv, return_counts=cnt, dim=0),
                m)
    run(lambda L, x: x.unique(), np.array([2.0, np.inf, -1.0, 2.0], np.float32))
    run(lambda L, x: L.unique_consecutive(x), np.zeros(0, np.int64))


# ---- non-contiguous, return types, gradients -------------------------------------------------

@pytest.mark.parametrize("case", noncontig_cases("float32"), ids=repr)
def test_noncontiguous(case):
    jt, t = case.make()
    for dim in (0, 1):
        assert_same(jtorch.sort(jt, dim), torch.sort(t, dim))
        assert_same(jtorch.topk(jt, 2, dim), torch.topk(t, 2, dim))
        assert_same(jtorch.median(jt, dim), torch.median(t, dim))
        assert_same(jtorch.quantile(jt, 0.3, dim), torch.quantile(t, 0.3, dim), RTOL, ATOL)


def test_return_type_reprs():
    jt, t = pair(np.array([[3.0, 1.0], [2.0, 4.0]], np.float32))
    assert repr(jtorch.sort(jt)) == repr(torch.sort(t))
    assert repr(jtorch.topk(jt, 1)) == repr(torch.topk(t, 1))
    assert repr(jtorch.kthvalue(jt, 1)) == repr(torch.kthvalue(t, 1))


GRAD_CASES = {
    "sort": lambda L, x: x.sort(1)[0] * L.arange(3.0),
    "topk": lambda L, x: x.topk(2, 1).values,
    "kthvalue": lambda L, x: x.kthvalue(2, 1).values,
    "median": lambda L, x: x.median(),
    "median_dim": lambda L, x: x.median(1).values,
    "nanmedian": lambda L, x: x.nanmedian(),
    "mode": lambda L, x: x.mode(1).values,
    "quantile": lambda L, x: x.quantile(0.3, 1),
    "quantile_vec": lambda L, x: L.quantile(x, L.tensor([0.2, 0.9]), 0) * 3,
    "msort": lambda L, x: x.msort(),
}


@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_gradients(case):
    if not hasattr(jtorch.Tensor, "backward"):
        pytest.skip("autograd has not landed yet")
    a = np.array([[1.0, 3.0, 3.0], [2.0, 3.0, 0.0], [3.0, 5.0, 3.0]], np.float32)
    if case in ("kthvalue", "topk"):  # NOTE: torch's quickselect picks an arbitrary tie
        a = distinct((3, 3))
    f = GRAD_CASES[case]
    grads = []
    for lib in (jtorch, torch):
        x = lib.tensor(a, requires_grad=True)
        f(lib, x).sum().backward()
        grads.append(x.grad)
    assert_same(grads[0], grads[1], RTOL, ATOL)
