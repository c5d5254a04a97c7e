"""Counting and index ops beyond op_db's samples, differential against torch: errors, keyword
variants, in-place forms, zeros in product gradients, bool reductions, histogram edge cases."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise

R = np.random.RandomState(0)
X = R.randn(4, 3).astype(np.float32)


def both(fn):
    """fn(m, T) run with m = jtorch and m = torch (T builds a tensor in that library)."""
    return fn(jtorch, _maker(jtorch)), fn(torch, _maker(torch))


def same(fn, rtol=1e-5, atol=1e-5):
    j, t = both(fn)
    assert_same(j, t, rtol, atol)


def raises(fn, **kw):
    j = lambda: fn(jtorch, _maker(jtorch))  # noqa: E731
    t = lambda: fn(torch, _maker(torch))  # noqa: E731
    assert_same_raise(j, t, **kw)


def _maker(m):
    def make(a, dtype=None, requires_grad=False):
        a = np.asarray(a)
        if a.dtype == np.float64 and dtype is None:
            a = a.astype(np.float32)  # NOTE: like torch.tensor of Python floats
        t = m.tensor(a, dtype=getattr(m, dtype) if dtype else None)
        return t.requires_grad_() if requires_grad else t
    return make


def grads(fn, *arrays):
    """Gradients of sum(fn(m, *leaves) * cot) w.r.t. the leaves, jtorch vs torch."""
    res = []
    for m in (jtorch, torch):
        leaves = [m.tensor(a, requires_grad=True) for a in arrays]
        out = fn(m, *leaves)
        cot = m.tensor(np.linspace(-1, 1, int(np.prod(out.shape))).reshape(out.shape)
                       .astype(np.float32))
        res.append(m.autograd.grad((out * cot).sum(), leaves, allow_unused=True))
    for gj, gt in zip(*res):
        assert_same(gj, gt, 1e-4, 1e-4)


# ---- scatter_reduce / index_reduce -----------------------------------------------------------

SRC = np.array([[2., 0., 3.], [0., 0., 5.], [4., 1., 0.], [1., 2., 2.]], np.float32)
SELF = np.array([[1., 2., 0.], [3., 0., 1.]], np.float32)
IDX = np.array([[0, 1, 1], [0, 1, 0], [1, 0, 1], [1, 1, 0]])


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_grad_with_zeros(include_self):
    grads(lambda m, x, s: m.scatter_reduce(x, 0, m.tensor(IDX), s, "prod",
                                           include_self=include_self), SELF, SRC)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_extremal_grad_ties(reduce, include_self):
    grads(lambda m, x, s: m.scatter_reduce(x, 0, m.tensor(IDX), s, reduce,
                                           include_self=include_self), SELF, SRC)


@pytest.mark.parametrize("reduce", ["sum", "prod", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_bool(reduce, include_self):
    x = R.rand(3, 4) > 0.5
    s = R.rand(3, 4) > 0.5
    i = R.randint(0, 3, (3, 4))
    same(lambda m, T: m.scatter_reduce(T(x), 0, T(i), T(s), reduce, include_self=include_self))


def test_scatter_reduce_bool_mean_raises():
    raises(lambda m, T: m.scatter_reduce(T([True, False]), 0, T([0, 0]), T([True, True]),
                                         "mean"))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    idx = np.array([0, 1, 0, 1])
    same(lambda m, T: m.index_reduce(T(SELF), 0, T(idx), T(SRC), reduce,
                                     include_self=include_self))
    same(lambda m, T: T(SRC).index_reduce(1, T(np.array([2, 2])), T(SRC[:, :2]), reduce,
                                          include_self=include_self))
    grads(lambda m, x, s: m.index_reduce(x, 0, m.tensor(idx), s, reduce,
                                         include_self=include_self), SELF, SRC)


@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_int_mean_floors(include_self):
    same(lambda m, T: m.index_reduce(T([5, 7, -3]), 0, T([0, 0, 1, 2]), T([2, 4, -2, -4]),
                                     "mean", include_self=include_self))


def test_index_reduce_inplace():
    def f(m, T):
        x = T(SELF)
        r = x.index_reduce_(0, T([1, 1, 0, 0]), T(SRC), "amax")
        return r, x
    same(f)


@pytest.mark.parametrize("call", [
    lambda m, T: m.index_reduce(T(SELF), 0, T([0, 0]), T(SRC[:2]), "sum"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([0.0, 1.0]), T(SRC[:2]), "prod"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([0, 1]), T(SRC[:2], "int64"), "prod"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([0, 1, 1]), T(SRC[:2]), "prod"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([[0, 1]]), T(SRC[:2]), "prod"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([0, 1]), T(X[:2, :2]), "prod"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([0, 2]), T(SRC[:2]), "prod"),
    lambda m, T: m.index_reduce(T(SELF), 0, T([0, -1]), T(SRC[:2]), "prod"),
])
def test_index_reduce_errors(call):
    raises(call)


# ---- gather / scatter with an empty index ----------------------------------------------------

def test_gather_scatter_empty_index_any_dtype():
    same(lambda m, T: m.gather(T(X), 0, T(np.zeros((0, 7), np.float32))))
    same(lambda m, T: m.gather(T(X), 1, T(np.zeros((0,), np.uint8))))
    same(lambda m, T: m.scatter(T(X), 0, T(np.zeros((0, 2), np.float32)), 1.5))
    same(lambda m, T: m.scatter_add(T(X), 0, T(np.zeros((0,), np.float32)), T(X)))
    raises(lambda m, T: m.scatter(T(X), 0, T(np.zeros((0,), np.float32)), T(X, "int64")))
    raises(lambda m, T: m.scatter(T(X), 0, T(np.zeros((2, 2), np.float32)), T(X)))


# ---- masked_scatter / put ---------------------------------------------------------------------

MASK = np.array([[True, False, True], [False, True, True], [False, False, False],
                 [True, True, False]])


def test_masked_scatter():
    src = np.arange(12, dtype=np.float32).reshape(3, 4)
    same(lambda m, T: m.masked_scatter(T(X), T(MASK), T(src)))
    same(lambda m, T: T(X[:1]).masked_scatter(T(MASK), T(src)))  # broadcast self
    grads(lambda m, x, s: m.masked_scatter(x, m.tensor(MASK[:, :1]), s), X, src)

    def inplace(m, T):
        x = T(X)
        x.masked_scatter_(T(MASK[0]), T(src))
        return x
    same(inplace)


@pytest.mark.parametrize("call", [
    lambda m, T: m.masked_scatter(T(X), T(MASK), T(np.zeros(3, np.float32))),
    lambda m, T: m.masked_scatter(T(X), T(MASK.astype(np.uint8)), T(X)),
    lambda m, T: m.masked_scatter(T(X), T(MASK), T(X, "int64")),
    lambda m, T: m.masked_scatter(T(X), T(MASK[:2]), T(X)),
    lambda m, T: T(X[0]).masked_scatter_(T(MASK), T(X)),
])
def test_masked_scatter_errors(call):
    raises(call)


def test_put():
    same(lambda m, T: m.put(T(X), T([0, -1, 5]), T([1., 2., 3.])))
    same(lambda m, T: T(X).put(T([0, 0, 5]), T([1., 2., 3.]), accumulate=True))
    same(lambda m, T: T(MASK).put(T([0, 0, 2]), T([True, False, True]), True))
    grads(lambda m, x, s: m.put(x, m.tensor([1, 4, 4]), s, accumulate=True), X,
          np.array([1., 2., 3.], np.float32))

    def inplace(m, T):
        x = T(X)
        x.put_(T([[1, 2]]), T(np.array([[7.], [8.]], np.float32)))
        return x
    same(inplace)


@pytest.mark.parametrize("call", [
    lambda m, T: m.put(T(X), T(np.array([1], np.int32)), T([1.])),
    lambda m, T: m.put(T(X), T([1]), T([1])),
    lambda m, T: m.put(T(X), T([1]), T([1., 2.])),
    lambda m, T: m.put(T(X), T([12]), T([1.])),
    lambda m, T: m.put(T(X), T([-13]), T([1.])),
    lambda m, T: m.put(T(np.zeros(0, np.float32)), T([0]), T([1.])),
])
def test_put_errors(call):
    raises(call)


# ---- nonzero_static / unravel_index / isin / bincount -----------------------------------------

def test_nonzero_static():
    same(lambda m, T: m.nonzero_static(T(MASK), size=4))
    same(lambda m, T: m.nonzero_static(T(MASK), size=9, fill_value=7))
    same(lambda m, T: T(X).nonzero_static(size=2))
    same(lambda m, T: m.nonzero_static(T(3.0), size=2))
    raises(lambda m, T: m.nonzero_static(T(MASK), size=-1))


def test_unravel_index():
    same(lambda m, T: m.unravel_index(T([[3, 8], [-5, 27]]), (4, 5)))
    same(lambda m, T: m.unravel_index(T(np.array([7], np.int32)), (3, 4)))
    same(lambda m, T: m.unravel_index(T(7), 4))
    same(lambda m, T: m.unravel_index(T([7]), ()))
    raises(lambda m, T: m.unravel_index(T([3.]), (2, 2)))
    raises(lambda m, T: m.unravel_index(T([3]), (2, -2)))
    raises(lambda m, T: m.unravel_index(T([3]), 2.0))


def test_isin():
    same(lambda m, T: m.isin(T([1, 2, 3, 4]), T([[2], [4]])))
    same(lambda m, T: m.isin(T([1., 2., np.nan]), T([2., np.nan]), invert=True))
    same(lambda m, T: m.isin(T([1, 2]), T([1., 2.5])))
    same(lambda m, T: m.isin(T([1, 2]), 2))
    same(lambda m, T: m.isin(2, T([1, 2])))
    same(lambda m, T: m.isin(T([1, 2]), T(np.zeros(0, np.int64))))
    big = np.arange(3000) % 97
    same(lambda m, T: m.isin(T(big), T(np.arange(0, 2000, 7))))
    raises(lambda m, T: m.isin(T([True]), T([True])))


def test_bincount():
    x = np.array([4, 1, 1, 0, 4, 6])
    same(lambda m, T: m.bincount(T(x)))
    same(lambda m, T: T(x).bincount(minlength=10))
    same(lambda m, T: m.bincount(T(x), T(np.linspace(0, 1, 6).astype(np.float32))))
    same(lambda m, T: m.bincount(T(x), T(np.arange(6)), 3))
    same(lambda m, T: m.bincount(T(x.astype(np.int32)), T(x % 2 == 0)))
    same(lambda m, T: m.bincount(T(np.zeros(0, np.int64)), T(np.zeros(0, np.float32)), 3))
    for bad in (lambda m, T: m.bincount(T([-1, 2])), lambda m, T: m.bincount(T([[1, 2]])),
                lambda m, T: m.bincount(T([1., 2.])), lambda m, T: m.bincount(T([1]), None, -1),
                lambda m, T: m.bincount(T([1, 2]), T([1.]))):
        raises(bad)


# ---- repeat_interleave ------------------------------------------------------------------------

def test_repeat_interleave():
    same(lambda m, T: m.repeat_interleave(T([1, 2, 0, 3])))
    same(lambda m, T: m.repeat_interleave(T(X), 2))
    same(lambda m, T: T(X).repeat_interleave(T([1, 0, 2, 1]), dim=0))
    same(lambda m, T: T(X).repeat_interleave(T([3]), dim=1))
    same(lambda m, T: m.repeat_interleave(T(X), T(2), dim=-1, output_size=6))
    same(lambda m, T: m.repeat_interleave(T(X), T(np.arange(12, dtype=np.int32) % 3)))
    same(lambda m, T: m.repeat_interleave(T(3.0), T([2])))
    grads(lambda m, x: m.repeat_interleave(x, m.tensor([2, 0, 1]), dim=1), X)
    for bad in (lambda m, T: m.repeat_interleave(T([1, -2])),
                lambda m, T: m.repeat_interleave(T([[1, 2]])),
                lambda m, T: m.repeat_interleave(T([1., 2.])),
                lambda m, T: m.repeat_interleave(T(X), T([1, 2]), dim=0),
                lambda m, T: m.repeat_interleave(T(X), T([1, 2, 3, 4]), dim=0, output_size=9),
                lambda m, T: m.repeat_interleave(T(X), T([[2]]), dim=0),
                lambda m, T: m.repeat_interleave(T(X), -1),
                lambda m, T: m.repeat_interleave(T(3.0), 2, dim=0)):
        raises(bad)


# ---- histograms -----------------------------------------------------------------------------

H = (R.randn(200) * 3).astype(np.float32)


def test_histc():
    same(lambda m, T: m.histc(T(H)))
    same(lambda m, T: T(H).histc(bins=7, min=-2, max=3))
    same(lambda m, T: m.histc(T(np.array([2., 2.], np.float32)), bins=4))
    same(lambda m, T: m.histc(T(np.linspace(0, 1, 11).astype(np.float32)), bins=10, min=0,
                              max=1))
    same(lambda m, T: m.histc(T(np.zeros(0, np.float32)), bins=3))
    for bad in (lambda m, T: m.histc(T([1, 2])),
                lambda m, T: m.histc(T([1., np.inf])),
                lambda m, T: m.histc(T([1., 2.]), min=3, max=1),
                lambda m, T: m.histc(T([1., 2.]), bins=0)):
        raises(bad)


def test_histogram():
    w = R.rand(200).astype(np.float32)
    same(lambda m, T: m.histogram(T(H), 9))
    same(lambda m, T: T(H).histogram(5, range=(-1., 2.), weight=T(w), density=True))
    same(lambda m, T: m.histogram(T(H), T(np.array([-3., -1., 0., 0.5, 4.], np.float32))))
    same(lambda m, T: m.histogram(T(np.linspace(0, 1, 11)), 10))
    same(lambda m, T: m.histogram(T(np.zeros(0, np.float32)), 2))
    same(lambda m, T: m.histogram(T(np.full(3, 2., np.float32)), 2))
    for bad in (lambda m, T: m.histogram(T(H), 3, range=(2., 1.)),
                lambda m, T: m.histogram(T(H), 3, range=(2., np.inf)),
                lambda m, T: m.histogram(T(H), T([[1., 2.]])),
                lambda m, T: m.histogram(T(H), T([1, 2])),
                lambda m, T: m.histogram(T(H), T([1.])),
                lambda m, T: m.histogram(T(H), 2, weight=T(w[:5])),
                lambda m, T: m.histogram(T([1, 2]), 2),
                lambda m, T: m.histogram(T([1., np.nan]), 2)):
        raises(bad)


def test_histogramdd():
    x = R.randn(50, 3).astype(np.float32)
    w = R.rand(50).astype(np.float32)
    same(lambda m, T: m.histogramdd(T(x), [2, 3, 4]))
    same(lambda m, T: m.histogramdd(T(x.reshape(5, 10, 3)), 3, weight=T(w.reshape(5, 10)),
                                    density=True))
    same(lambda m, T: m.histogramdd(T(x), [2, 2, 2], range=[-1., 1., 0., 2., -3., 0.]))
    edges = [np.array([-2., 0., 1.], np.float32), np.array([-1., 1.], np.float32),
             np.array([-5., -1., 0., 5.], np.float32)]
    same(lambda m, T: m.histogramdd(T(x), [T(e) for e in edges], weight=T(w)))
    for bad in (lambda m, T: m.histogramdd(T(x[:, 0]), [2]),
                lambda m, T: m.histogramdd(T(x), [2]),
                lambda m, T: m.histogramdd(T(x), [2, 2, 2], range=[0., 1.]),
                lambda m, T: m.histogramdd(T(x), 2, weight=T(w[:4]))):
        raises(bad)


def test_take_along_dim_wraps_indices_modulo_size():
    """torch's take_along_dim with a dim wraps indices modulo the size (gather does not)."""
    x = np.arange(10.0, dtype=np.float32).reshape(2, 5)
    idx = np.array([[-5, -1, 7, -11, 4]])
    assert_same(jtorch.take_along_dim(jtorch.tensor(x), jtorch.tensor(idx), 1),
                torch.take_along_dim(torch.tensor(x), torch.tensor(idx), 1))
