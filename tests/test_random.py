"""Random sampling against torch, statistically: shapes, dtypes, ranges, moments, determinism.

jtorch draws from JAX's PRNG, so values never equal torch's; everything else must.
"""
import math

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same_raise, jdt, pair

N = 20000  # samples for moment checks: standard error of a mean ~ 0.007


def _same_meta(jt, t):
    assert tuple(jt.shape) == tuple(t.shape), (tuple(jt.shape), tuple(t.shape))
    assert str(jt.dtype) == str(t.dtype), (jt.dtype, t.dtype)
    assert str(jt.device) == str(t.device)


def _np(x):
    return np.asarray(x.detach()._arr()).astype(np.float64)


# ---- shapes and dtypes --------------------------------------------------------------------------

META = """
L.rand(3)
L.rand(2, 3)
L.rand((2, 3))
L.rand(())
L.rand(0, 2)
L.rand(2, dtype=L.float64)
L.rand(2, dtype=L.float16)
L.rand(2, dtype=L.bfloat16)
L.randn(4)
L.randn(2, 3, dtype=L.float64)
L.randn(())
L.randint(5, (3,))
L.randint(3, 5, (3,))
L.randint(3, 5, (2, 2), dtype=L.int32)
L.randint(5, (3,), dtype=L.float32)
L.randint(256, (3,), dtype=L.uint8)
L.randint(2, (3,), dtype=L.bool)
L.randint(0, 2**40, (3,))
L.randint(5, ())
L.randperm(5)
L.randperm(0)
L.randperm(5, dtype=L.float32)
L.randperm(5, dtype=L.int32)
L.normal(0.0, 1.0, (3,))
L.normal(2.0, 3.0, size=(2, 2))
L.normal(L.zeros(3), 1.0)
L.normal(0.0, L.ones(3))
L.normal(L.zeros(3, dtype=L.float64), L.ones(3))
L.normal(L.zeros(2, 1), L.ones(3))
L.bernoulli(L.full((3,), 0.5))
L.bernoulli(L.full((3,), 0.5, dtype=L.float64))
L.bernoulli(L.zeros(2), p=0.5)
L.multinomial(L.tensor([0.2, 0.8]), 1)
L.multinomial(L.tensor([0.2, 0.8]), 5, True)
L.multinomial(L.tensor([[0.2, 0.8], [0.5, 0.5]]), 4, True)
L.multinomial(L.tensor([[0.2, 0.8, 0.0], [0.5, 0.5, 1.0]]), 2)
L.rand_like(L.zeros(2, 3))
L.rand_like(L.zeros(2, dtype=L.float64))
L.randn_like(L.zeros(2))
L.randn_like(L.zeros(2), dtype=L.float16)
L.randint_like(L.zeros(2), 5)
L.randint_like(L.zeros(2, dtype=L.int32), 2, 5)
L.zeros(2, 3).uniform_(-1, 1)
L.zeros(2, dtype=L.float64).normal_(1, 2)
L.zeros(2, dtype=L.int32).random_(0, 5)
L.zeros(2, dtype=L.int16).random_()
L.zeros(2, dtype=L.int64).geometric_(0.5)
L.zeros(2, dtype=L.bool).bernoulli_(0.5)
L.zeros(2, dtype=L.uint8).bernoulli_(L.full((2,), 0.5))
L.zeros(2, dtype=L.float16).exponential_()
L.zeros(2).log_normal_()
L.zeros(2, dtype=L.bfloat16).cauchy_()
L.full((2, 3), 0.5).bernoulli()
L.zeros(2, 3).bernoulli(0.5)
L.poisson(L.ones(2, 2))
L.poisson(L.ones(2, dtype=L.float64))
L.normal(0.0, 1.0, (2,), dtype=L.float64)
L.tensor([1.0, 2.0]).multinomial(3, True)
L.tensor([[1.0, 2.0], [3.0, 4.0]]).multinomial(2)
"""

ERRORS = """
L.rand(2, dtype=L.int64)
L.randn(2, dtype=L.int64)
L.randn(2, dtype=L.bool)
L.rand(-1)
L.randint(5, 3, (3,))
L.randint(3, 3, (3,))
L.randint(10, (3,), dtype=L.bool)
L.randint(257, (3,), dtype=L.uint8)
L.randperm(-1)
L.normal(0.0, -1.0, (3,))
L.normal(L.zeros(3), -1.0)
L.bernoulli(L.full((3,), 1.5))
L.bernoulli(L.ones(3, dtype=L.int64))
L.multinomial(L.tensor([0.2, 0.8]), 3)
L.multinomial(L.tensor([-0.2, 0.8]), 1)
L.multinomial(L.tensor([0.0, 0.0]), 1)
L.rand_like(L.zeros(2, dtype=L.int64))
L.poisson(L.tensor([-1.0]))
L.poisson(L.tensor([1]))
L.normal(L.zeros(3), L.ones(4))
L.normal(L.zeros(3), L.ones(3), size=(3,))
L.zeros(2).exponential_(0)
L.zeros(2).geometric_(1.0)
L.zeros(2, dtype=L.int8).random_(0, 300)
"""


def _lines(block):
    return [ln for ln in block.strip().splitlines() if ln.strip()]


@pytest.mark.parametrize("expr", _lines(META))
def test_shape_dtype(expr):
    t = eval(expr, {"L": torch})
    j = eval(expr, {"L": jtorch})
    _same_meta(j, t)
    assert j.is_leaf and not j.requires_grad


@pytest.mark.parametrize("expr", _lines(ERRORS))
def test_errors(expr):
    assert_same_raise(lambda: eval(expr, {"L": jtorch}), lambda: eval(expr, {"L": torch}))


def test_requires_grad_kwarg():
    for f in ("rand", "randn"):
        j = getattr(jtorch, f)(3, requires_grad=True)
        t = getattr(torch, f)(3, requires_grad=True)
        assert j.requires_grad == t.requires_grad and j.is_leaf == t.is_leaf
    assert_same_raise(lambda: jtorch.randint(5, (2,), requires_grad=True),
                      lambda: torch.randint(5, (2,), requires_grad=True))


# ---- ranges and moments -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_rand_range_and_moments(dtype):
    x = _np(jtorch.rand(N, dtype=jdt(dtype)))
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.02
    assert abs(x.var() - 1 / 12) < 0.01


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_moments(dtype):
    x = _np(jtorch.randn(N, dtype=jdt(dtype)))
    assert abs(x.mean()) < 0.05
    assert abs(x.std() - 1) < 0.05
    assert abs(((x - x.mean()) ** 3).mean()) < 0.1  # symmetric
    assert (np.abs(x) < 1).mean() == pytest.approx(0.6827, abs=0.02)


def test_randint_range_and_coverage():
    x = _np(jtorch.randint(-5, 5, (N,)))
    assert x.min() == -5 and x.max() == 4
    counts = np.bincount((x + 5).astype(int), minlength=10)
    assert (abs(counts / N - 0.1) < 0.02).all()
    big = _np(jtorch.randint(0, 2**40, (1000,)))
    assert big.min() >= 0 and big.max() < 2**40 and big.max() > 2**39
    b = jtorch.randint(2, (1000,), dtype=jtorch.bool)
    assert 300 < int(np.asarray(b._arr()).sum()) < 700


def test_randperm_is_permutation():
    for n in (1, 2, 10, 1000):
        p = np.asarray(jtorch.randperm(n)._arr())
        assert sorted(p.tolist()) == list(range(n))
    p1 = jtorch.randperm(1000).tolist()
    assert p1 != sorted(p1)


def test_normal_moments():
    x = _np(jtorch.normal(2.0, 3.0, (N,)))
    assert abs(x.mean() - 2) < 0.15 and abs(x.std() - 3) < 0.15
    m = jtorch.full((N,), -1.0)
    s = jtorch.full((N,), 0.5)
    x = _np(jtorch.normal(m, s))
    assert abs(x.mean() + 1) < 0.03 and abs(x.std() - 0.5) < 0.03
    x = _np(jtorch.normal(m, 2.0))
    assert abs(x.std() - 2) < 0.1
    x = _np(jtorch.normal(1.0, s))
    assert abs(x.mean() - 1) < 0.03


def test_bernoulli_rates():
    probs = np.array([0.0, 0.25, 0.5, 0.75, 1.0], dtype=np.float32)
    x = np.stack([_np(jtorch.bernoulli(jtorch.tensor(probs))) for _ in range(400)])
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert np.allclose(x.mean(0), probs, atol=0.08)
    assert x[:, 0].sum() == 0 and x[:, 4].sum() == 400
    y = _np(jtorch.bernoulli(jtorch.zeros(N), p=0.3))
    assert abs(y.mean() - 0.3) < 0.02


def test_multinomial_frequencies():
    probs = jtorch.tensor([0.1, 0.2, 0.7])
    x = np.asarray(jtorch.multinomial(probs, N, True)._arr())
    freq = np.bincount(x, minlength=3) / N
    assert np.allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
    # unnormalised weights are fine; zero weights never drawn
    w = jtorch.tensor([0.0, 2.0, 6.0])
    x = np.asarray(jtorch.multinomial(w, 2000, True)._arr())
    assert (x != 0).all() and abs((x == 2).mean() - 0.75) < 0.04
    # without replacement: distinct indices, all of them when n == size
    for _ in range(20):
        s = jtorch.multinomial(jtorch.tensor([0.1, 0.2, 0.3, 0.4]), 4).tolist()
        assert sorted(s) == [0, 1, 2, 3]
    first = [jtorch.multinomial(jtorch.tensor([0.05, 0.05, 0.9]), 1).item() for _ in range(200)]
    assert first.count(2) > 150


# ---- determinism --------------------------------------------------------------------------------

def _draws(gen=None):
    kw = {} if gen is None else {"generator": gen}
    out = [jtorch.rand(5, **kw).tolist(), jtorch.randn(3, **kw).tolist(),
           jtorch.randint(0, 100, (4,), **kw).tolist(), jtorch.randperm(6, **kw).tolist(),
           jtorch.normal(0.0, 1.0, (3,), **kw).tolist(),
           jtorch.multinomial(jtorch.tensor([0.3, 0.7]), 4, True, **kw).tolist(),
           jtorch.bernoulli(jtorch.full((5,), 0.5), **kw).tolist()]
    return out


def test_manual_seed_determinism():
    jtorch.manual_seed(1234)
    a = _draws()
    jtorch.manual_seed(1234)
    b = _draws()
    assert a == b
    jtorch.manual_seed(4321)
    assert _draws() != a
    # consecutive draws differ
    jtorch.manual_seed(0)
    assert jtorch.rand(5).tolist() != jtorch.rand(5).tolist()


def test_manual_seed_returns_generator_and_initial_seed():
    g = jtorch.manual_seed(77)
    assert isinstance(g, jtorch.Generator)
    assert jtorch.initial_seed() == torch.manual_seed(77).initial_seed() == 77


def test_generator_argument():
    g1 = jtorch.Generator().manual_seed(5)
    g2 = jtorch.Generator().manual_seed(5)
    assert _draws(g1) == _draws(g2)
    # the default generator is untouched by draws from a private generator
    jtorch.manual_seed(9)
    before = jtorch.rand(3).tolist()
    jtorch.manual_seed(9)
    _draws(jtorch.Generator().manual_seed(1))
    assert jtorch.rand(3).tolist() == before
    assert jtorch.Generator().manual_seed(3).initial_seed() == \
        torch.Generator().manual_seed(3).initial_seed()
    assert isinstance(jtorch.Generator().manual_seed(1), jtorch.Generator)


def test_generator_state_roundtrip():
    g = jtorch.Generator().manual_seed(11)
    state = g.get_state()
    a = jtorch.rand(4, generator=g).tolist()
    g.set_state(state)
    assert jtorch.rand(4, generator=g).tolist() == a
    jtorch.manual_seed(3)
    s = jtorch.get_rng_state()
    a = jtorch.randn(4).tolist()
    jtorch.set_rng_state(s)
    assert jtorch.randn(4).tolist() == a
    assert str(s.dtype) == str(torch.get_rng_state().dtype)


def test_like_functions_use_input_metadata():
    jx, tx = pair(np.zeros((2, 3), dtype=np.float64))
    for f in ("rand_like", "randn_like"):
        _same_meta(getattr(jtorch, f)(jx), getattr(torch, f)(tx))
    _same_meta(jtorch.randint_like(jx, 3, 9), torch.randint_like(tx, 3, 9))
    r = _np(jtorch.randint_like(jx, 3, 9))
    assert r.min() >= 3 and r.max() < 9


def test_seed_differs_between_calls():
    s1 = jtorch.seed()
    x = jtorch.rand(3).tolist()
    s2 = jtorch.seed()
    assert isinstance(s1, int) and (s1 != s2 or jtorch.rand(3).tolist() != x)


def test_large_seed_values():
    for seed in (0, 1, 2**32, 2**63 - 1, 2**64 - 1, -1):
        jtorch.manual_seed(seed)
        torch.manual_seed(seed)
        assert jtorch.initial_seed() == torch.initial_seed(), seed
    assert_same_raise(lambda: jtorch.manual_seed(2**64), lambda: torch.manual_seed(2**64))


def test_rand_is_not_trivially_correlated():
    jtorch.manual_seed(0)
    x = _np(jtorch.rand(N))
    r = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert abs(r) < 0.05
    assert not math.isnan(r)
