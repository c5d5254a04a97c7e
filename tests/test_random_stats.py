"""In-place samplers and distribution ops against torch, statistically.

jtorch's JAX PRNG never reproduces torch's values, so each test draws a large sample in both
libraries and compares what must agree: shape, dtype, support (range), and moments (means,
variances, quantiles) within a few standard errors; plus torch's errors and determinism under
manual_seed / generator=.
"""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same_raise, jdt, tdt

N = 20000


@pytest.fixture(autouse=True)
def _seeded():
    # NOTE: fixed seeds in both libraries keep these statistical checks reproducible (the bounds
    # are ~4-7 standard errors, so they are not tuned to a seed).
    jtorch.manual_seed(0)
    torch.manual_seed(0)


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().to(torch.float64).numpy()
    return np.asarray(x.detach()._arr()).astype(np.float64)


def _same_meta(j, t):
    assert tuple(j.shape) == tuple(t.shape) and str(j.dtype) == str(t.dtype), \
        (tuple(j.shape), j.dtype, tuple(t.shape), t.dtype)


def _close_moments(xj, xt, k=5.0, quantiles=(0.1, 0.5, 0.9)):
    """Means and standard deviations (and quantiles) agree within k standard errors."""
    n = min(len(xj), len(xt))
    sd = max(xt.std(), 1e-12)
    assert abs(xj.mean() - xt.mean()) < k * sd * np.sqrt(2.0 / n), (xj.mean(), xt.mean())
    # NOTE: the standard error of a sample std is ~ sd * sqrt(kurtosis / (4 n)); 0.05 sd covers
    # every distribution here (geometric/exponential tails included) at N = 20000.
    assert abs(xj.std() - xt.std()) < 0.05 * sd + 1e-9, (xj.std(), xt.std())
    for q in quantiles:
        qj, qt = np.quantile(xj, q), np.quantile(xt, q)
        assert abs(qj - qt) < 0.07 * sd + 0.02 * abs(qt) + 1e-9, (q, qj, qt)


# ---- in-place samplers: same dtype/shape, same distribution as torch ---------------------------

INF = float("inf")
# (method, args, dtype, closed support [lo, hi], discrete)
SAMPLERS = [
    ("uniform_", (), "float32", (0, 1), False),
    ("uniform_", (-2.0, 3.0), "float64", (-2, 3), False),
    ("uniform_", (1.0, 2.0), "float16", (1, 2), False),
    ("normal_", (), "float32", (-INF, INF), False),
    ("normal_", (3.0, 0.5), "float64", (-INF, INF), False),
    ("normal_", (-1.0, 2.0), "bfloat16", (-INF, INF), False),
    ("exponential_", (), "float32", (0, INF), False),
    ("exponential_", (4.0,), "float64", (0, INF), False),
    ("log_normal_", (0.0, 0.5), "float32", (0, INF), False),
    ("log_normal_", (), "float64", (0, INF), False),
    ("geometric_", (0.3,), "float32", (1, INF), True),
    ("geometric_", (0.7,), "int64", (1, INF), True),
    ("bernoulli_", (), "float32", (0, 1), True),
    ("bernoulli_", (0.2,), "int64", (0, 1), True),
    ("bernoulli_", (0.9,), "bool", (0, 1), True),
    ("random_", (10,), "float32", (0, 9), True),
    ("random_", (-3, 7), "int32", (-3, 6), True),
    ("random_", (), "uint8", (0, 255), True),
    ("random_", (), "int8", (0, 127), True),
    ("random_", (), "float16", (0, 2048), True),
]


@pytest.mark.parametrize("name,args,dtype,support,discrete", SAMPLERS, ids=lambda v: str(v))
def test_inplace_sampler_matches_torch(name, args, dtype, support, discrete):
    j = jtorch.zeros(N, dtype=jdt(dtype))
    t = torch.zeros(N, dtype=tdt(dtype))
    rj = getattr(j, name)(*args)
    rt = getattr(t, name)(*args)
    assert rj is j and rt is t  # in place, returns self
    _same_meta(j, t)
    xj, xt = _np(j), _np(t)
    lo, hi = support
    assert xj.min() >= lo and xj.max() <= hi, (xj.min(), xj.max())
    if discrete:
        assert (xj == np.round(xj)).all()
        if hi - lo <= 10:  # every value of a small support is drawn, at torch's frequencies
            fj = np.bincount((xj - lo).astype(int), minlength=int(hi - lo + 1)) / N
            ft = np.bincount((xt - lo).astype(int), minlength=int(hi - lo + 1)) / N
            assert np.allclose(fj, ft, atol=0.02), (fj, ft)
    if name == "log_normal_":  # heavy tail: compare the underlying normal
        xj, xt = np.log(xj), np.log(xt)
    _close_moments(xj, xt, quantiles=() if discrete else (0.1, 0.5, 0.9))


def test_cauchy_median_and_quartiles():
    # NOTE: Cauchy has no mean/variance: compare the median and quartiles instead.
    j = _np(jtorch.zeros(N).cauchy_(2.0, 0.5))
    t = _np(torch.zeros(N).cauchy_(2.0, 0.5))
    for q, want in ((0.25, 1.5), (0.5, 2.0), (0.75, 2.5)):
        assert abs(np.quantile(j, q) - want) < 0.05 and abs(np.quantile(t, q) - want) < 0.05


def test_random_default_ranges_per_dtype():
    # torch's defaults: floats in [0, 2**mantissa_digits], ints in [0, max], bool in {0, 1}
    for dtype, top in (("float32", 2 ** 24), ("float64", 2 ** 53), ("float16", 2 ** 11),
                       ("bfloat16", 2 ** 8), ("int16", 2 ** 15 - 1), ("int32", 2 ** 31 - 1),
                       ("int64", 2 ** 63 - 1), ("uint8", 255), ("bool", 1)):
        j = jtorch.empty(4000, dtype=jdt(dtype)).random_()
        t = torch.empty(4000, dtype=tdt(dtype)).random_()
        _same_meta(j, t)
        xj = np.asarray(j._arr()).astype(np.float64) if dtype != "bfloat16" else _np(j)
        assert xj.min() >= 0 and xj.max() <= top, dtype
        assert xj.max() > top * 0.9 and xj.min() < top * 0.1, dtype  # spread over the range


def test_random_from_to_forms():
    j = jtorch.zeros(N, dtype=jtorch.int8).random_(-3, None)
    x = _np(j)
    assert x.min() == -3 and x.max() == 127
    x = _np(jtorch.zeros(N, dtype=jtorch.int64).random_(-2 ** 63, None))
    assert x.min() < -2 ** 62 and x.max() > 2 ** 62
    x = _np(jtorch.zeros(N).random_(5))
    assert set(np.unique(x)) == {0, 1, 2, 3, 4}
    x = _np(jtorch.zeros(N, dtype=jtorch.int64).random_(to=3))
    assert set(np.unique(x)) == {0, 1, 2}
    counts = np.bincount(x.astype(int), minlength=3) / N
    assert np.allclose(counts, 1 / 3, atol=0.02)
    x = _np(jtorch.zeros(N, dtype=jtorch.float64).random_(**{"from": 2, "to": 4}))
    assert set(np.unique(x)) == {2, 3}


def test_random_precision_warning():
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        torch.zeros(3).random_(0, 2 ** 25)
    with warnings.catch_warnings(record=True) as wj:
        warnings.simplefilter("always")
        jtorch.zeros(3).random_(0, 2 ** 25)
    assert [type(w.message) for w in wj] == [type(w.message) for w in wt] == [UserWarning]
    assert "to - 1 is out of bounds" in str(wj[0].message)


def test_bernoulli_inplace_tensor_p():
    p = np.linspace(0, 1, 5).astype(np.float32)
    rows = np.stack([_np(jtorch.zeros(5).bernoulli_(jtorch.tensor(p))) for _ in range(300)])
    assert np.allclose(rows.mean(0), p, atol=0.09)
    assert rows[:, 0].sum() == 0 and rows[:, -1].sum() == 300
    # broadcast p over self, integer self
    j = jtorch.zeros(4000, 2, dtype=jtorch.int64).bernoulli_(jtorch.tensor([0.1, 0.8]))
    t = torch.zeros(4000, 2, dtype=torch.int64).bernoulli_(torch.tensor([0.1, 0.8]))
    _same_meta(j, t)
    assert np.allclose(_np(j).mean(0), [0.1, 0.8], atol=0.03)


def test_inplace_writes_through_views():
    base = jtorch.zeros(4, 6)
    base[1].uniform_(5.0, 6.0)
    base[:, 0].normal_(100.0, 0.01)
    x = _np(base)
    assert (x[1, 1:] >= 5).all() and (x[1, 1:] < 6).all()
    assert np.allclose(x[:, 0], 100.0, atol=0.1)
    assert (x[[0, 2, 3], 1:] == 0).all()


INPLACE_ERRORS = """
L.zeros(3, dtype=L.int64).uniform_()
L.zeros(3).uniform_(2, 1)
L.zeros(3, dtype=L.int64).normal_()
L.zeros(3).normal_(0, -1)
L.zeros(3).exponential_(-1)
L.zeros(3).exponential_(0)
L.zeros(3, dtype=L.int64).exponential_()
L.zeros(3).geometric_(1.5)
L.zeros(3).geometric_(0)
L.zeros(3).geometric_(1)
L.zeros(3).log_normal_(1, -2)
L.zeros(3).log_normal_(1, 0)
L.zeros(3, dtype=L.int64).log_normal_()
L.zeros(3).cauchy_(0, -1)
L.zeros(3, dtype=L.int64).cauchy_()
L.zeros(3).bernoulli_(1.5)
L.zeros(3).bernoulli_(-0.1)
L.zeros(3).bernoulli_(L.tensor([0.1, 0.5, 2.0]))
L.zeros(3, dtype=L.int8).random_(-3)
L.zeros(3, dtype=L.int8).random_(5, 3)
L.zeros(3, dtype=L.int8).random_(0, 300)
L.zeros(3, dtype=L.int8).random_(200)
L.zeros(3, dtype=L.uint8).random_(-1, 5)
L.zeros(3, dtype=L.float16).random_(0, 70000)
L.zeros(3, dtype=L.bool).random_(0, 3)
L.zeros(3, requires_grad=True).uniform_()
L.zeros(3, requires_grad=True).normal_()
L.zeros(3, requires_grad=True).random_()
L.zeros(3, requires_grad=True).bernoulli_()
L.multinomial(L.tensor([[0., 0.], [1., 1.]]), 1)
L.multinomial(L.tensor([1., 1.]), 0)
L.multinomial(L.ones(2, 2, 2), 1)
L.multinomial(L.tensor([1., float('nan')]), 1)
L.multinomial(L.tensor([1., float('inf')]), 1)
L.multinomial(L.tensor([1, 1]), 1)
L.multinomial(L.tensor([[0.2, 0.8], [0.5, 0.5]]), 3)
L.poisson(L.tensor([-1., 1.]))
L.poisson(L.tensor([1, 2]))
L.normal(L.zeros(3), L.ones(3), size=(3,))
L.normal(L.zeros(3, dtype=L.int64), 1.0)
L.normal(L.zeros(3), L.ones(4))
L.normal(L.zeros(2, 2), L.ones(4))
L.normal(0.0, L.ones(3) * -1)
"""


@pytest.mark.parametrize("expr", [ln for ln in INPLACE_ERRORS.strip().splitlines()])
def test_errors_match_torch(expr):
    ej, et = assert_same_raise(lambda: eval(expr, {"L": jtorch}), lambda: eval(expr, {"L": torch}))
    # the first line of torch's message (its own wording) appears in jtorch's message
    first = str(et).splitlines()[0].split(" (Could")[0]
    if "TensorOptions" not in first and "received an invalid" not in first and \
            "specified" not in first:
        assert first.strip() in str(ej), (str(ej), first)


def test_inplace_sampler_autograd_nonleaf():
    # a non-leaf overwritten by a sampler: its gradient path is cut (torch: zero grad)
    for lib in (jtorch, torch):
        a = lib.ones(3, requires_grad=True)
        b = a * 2
        b.uniform_()
        b.sum().backward()
        g = _np(a.grad) if a.grad is not None else np.zeros(3)
        assert (g == 0).all(), lib


# ---- distribution ops ---------------------------------------------------------------------------

def test_normal_four_overloads_match_torch():
    m = np.full(N, 1.5, np.float32)
    s = np.full(N, 0.5, np.float32)
    cases = [
        lambda L: L.normal(L.tensor(m), L.tensor(s)),
        lambda L: L.normal(L.tensor(m), 2.0),
        lambda L: L.normal(-1.0, L.tensor(s).double()),
        lambda L: L.normal(3.0, 0.25, (N,)),
        lambda L: L.normal(3.0, 0.25, size=(N // 100, 100), dtype=L.float64),
    ]
    for c in cases:
        j, t = c(jtorch), c(torch)
        _same_meta(j, t)
        _close_moments(_np(j).ravel(), _np(t).ravel())


def test_normal_broadcasts_mean_and_std():
    j = jtorch.normal(jtorch.zeros(2, 1), jtorch.ones(3))
    t = torch.normal(torch.zeros(2, 1), torch.ones(3))
    _same_meta(j, t)


def test_normal_gradient_matches_torch():
    mj = jtorch.zeros(5, requires_grad=True)
    sj = jtorch.ones(5, requires_grad=True)
    out = jtorch.normal(mj, sj)
    out.sum().backward()
    assert np.allclose(_np(mj.grad), 1.0)
    # d out / d std = (out - mean) / std
    assert np.allclose(_np(sj.grad), _np(out), atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson_matches_torch(dtype):
    rates = np.repeat(np.array([0.0, 0.5, 3.0, 40.0]), N // 4)
    j = jtorch.poisson(jtorch.tensor(rates, dtype=jdt(dtype)))
    t = torch.poisson(torch.tensor(rates, dtype=tdt(dtype)))
    _same_meta(j, t)
    xj, xt = _np(j).reshape(4, -1), _np(t).reshape(4, -1)
    assert (xj == np.round(xj)).all() and xj.min() >= 0
    assert (xj[0] == 0).all()
    for r, a, b in zip((0.5, 3.0, 40.0), xj[1:], xt[1:]):
        se = np.sqrt(r / a.size)
        assert abs(a.mean() - r) < 5 * se and abs(b.mean() - r) < 5 * se
        assert abs(a.var() - b.var()) < 0.1 * r


def test_multinomial_2d_with_and_without_replacement():
    w = [[0.1, 0.2, 0.7, 0.0], [1.0, 1.0, 1.0, 1.0]]
    j = jtorch.multinomial(jtorch.tensor(w), 5000, True)
    t = torch.multinomial(torch.tensor(w), 5000, True)
    _same_meta(j, t)
    fj = np.stack([np.bincount(r, minlength=4) / 5000 for r in np.asarray(j._arr())])
    ft = np.stack([np.bincount(r, minlength=4) / 5000 for r in t.numpy()])
    assert np.allclose(fj, ft, atol=0.03)
    assert fj[0, 3] == 0
    for _ in range(10):
        j = jtorch.multinomial(jtorch.tensor(w), 3)
        _same_meta(j, torch.multinomial(torch.tensor(w), 3))
        rows = np.asarray(j._arr())
        assert all(len(set(r)) == 3 for r in rows) and 3 not in rows[0]
    # without replacement, the first draw follows the weights
    first = np.asarray(jtorch.multinomial(jtorch.tensor([[1.0, 3.0]] * 4000), 1)._arr())
    assert abs(first.mean() - 0.75) < 0.03


def test_tensor_methods_bernoulli_multinomial():
    j = jtorch.full((N,), 0.3).bernoulli()
    t = torch.full((N,), 0.3).bernoulli()
    _same_meta(j, t)
    assert abs(_np(j).mean() - 0.3) < 0.02
    j = jtorch.zeros(N).bernoulli(0.6)
    assert abs(_np(j).mean() - 0.6) < 0.02
    j = jtorch.tensor([0.0, 1.0]).multinomial(4, True)
    assert j.tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_like_moments(fn, dtype):
    j = getattr(jtorch, fn)(jtorch.zeros(N, dtype=jdt(dtype)))
    t = getattr(torch, fn)(torch.zeros(N, dtype=tdt(dtype)))
    _same_meta(j, t)
    _close_moments(_np(j), _np(t))


def test_randint_like_and_randperm_stats():
    j = jtorch.randint_like(jtorch.zeros(N, dtype=jtorch.int32), -4, 4)
    t = torch.randint_like(torch.zeros(N, dtype=torch.int32), -4, 4)
    _same_meta(j, t)
    _close_moments(_np(j), _np(t), quantiles=())
    # randperm: each position is uniform over 0..n-1
    rows = np.stack([np.asarray(jtorch.randperm(5)._arr()) for _ in range(500)])
    assert abs(rows[:, 0].mean() - 2.0) < 0.3


# ---- determinism --------------------------------------------------------------------------------

def _inplace_draws(gen=None):
    kw = {} if gen is None else {"generator": gen}
    return [jtorch.zeros(4).uniform_(**kw).tolist(), jtorch.zeros(4).normal_(**kw).tolist(),
            jtorch.zeros(4).exponential_(**kw).tolist(), jtorch.zeros(4).geometric_(0.5, **kw)
            .tolist(), jtorch.zeros(4).log_normal_(**kw).tolist(),
            jtorch.zeros(4).cauchy_(**kw).tolist(), jtorch.zeros(4).bernoulli_(**kw).tolist(),
            jtorch.zeros(4, dtype=jtorch.int64).random_(**kw).tolist(),
            jtorch.poisson(jtorch.full((4,), 3.0), **kw).tolist(),
            jtorch.normal(jtorch.zeros(4), jtorch.ones(4), **kw).tolist()]


def test_inplace_determinism_manual_seed_and_generator():
    jtorch.manual_seed(42)
    a = _inplace_draws()
    jtorch.manual_seed(42)
    assert _inplace_draws() == a
    g1, g2 = jtorch.Generator().manual_seed(7), jtorch.Generator().manual_seed(7)
    assert _inplace_draws(g1) == _inplace_draws(g2)
    jtorch.manual_seed(42)
    _inplace_draws(jtorch.Generator().manual_seed(1))  # private generator: default untouched
    assert _inplace_draws() == a


def test_generator_state_roundtrip_through_inplace_ops():
    g = jtorch.Generator().manual_seed(123)
    jtorch.zeros(3).normal_(generator=g)
    st = g.get_state()
    assert str(st.dtype) == "torch.uint8" and st.dim() == 1
    a = _inplace_draws(g)
    g.set_state(st)
    assert _inplace_draws(g) == a
    # the state can move between generators
    h = jtorch.Generator()
    h.set_state(st)
    assert _inplace_draws(h) == a


def test_generator_set_state_errors():
    for bad in (lambda L: L.zeros(8, dtype=L.int64), lambda L: [1, 2]):
        assert_same_raise(lambda: jtorch.Generator().set_state(bad(jtorch)),
                          lambda: torch.Generator().set_state(bad(torch)))
    # a state of the wrong size (e.g. torch's 5056-byte mt19937 state) is refused
    assert_same_raise(lambda: jtorch.Generator().set_state(jtorch.zeros(5056, dtype=jtorch.uint8)),
                      lambda: torch.Generator().set_state(torch.zeros(8, dtype=torch.uint8)))


def test_samplers_honor_default_dtype():
    exprs = ["L.rand(3)", "L.randn(3)", "L.normal(0.0, 1.0, (3,))", "L.rand_like(L.zeros(3))",
             "L.empty(3).uniform_()", "L.empty(3).exponential_()",
             "L.bernoulli(L.full((3,), 0.5))", "L.randint(5, (3,))", "L.randperm(3)",
             "L.hann_window(4)", "L.signal.windows.kaiser(4)"]
    jtorch.set_default_dtype(jtorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for e in exprs:
            _same_meta(eval(e, {"L": jtorch}), eval(e, {"L": torch}))
    finally:
        jtorch.set_default_dtype(jtorch.float32)
        torch.set_default_dtype(torch.float32)
