"""sample/rsample: shapes, dtypes, support and moments (statistically), rsample gradients."""
import numpy as np
import pytest

from ._cases import CASES, CASE_IDS, build, jtorch, to_np, torch

N = 4000


@pytest.fixture(autouse=True)
def _seeded():
    jtorch.manual_seed(0)
    torch.manual_seed(0)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_sample_shape_dtype_support_moments(case):
    _, cls, kw, _, _ = case
    j, _ = build(jtorch, cls, kw, grad=False)
    t, _ = build(torch, cls, kw, grad=False)
    sj, st = j.sample((N,)), t.sample((N,))
    assert tuple(sj.shape) == tuple(st.shape) and str(sj.dtype) == str(st.dtype)
    assert not sj.requires_grad
    assert bool(t.support.check(torch.tensor(to_np(sj))).all())
    # NOTE: the sample means agree with each other within ~6 standard errors.
    xj, xt = to_np(sj).astype(np.float64), to_np(st).astype(np.float64)
    sd = xt.std(0) + 1e-9
    assert (np.abs(xj.mean(0) - xt.mean(0)) < 6 * sd * np.sqrt(2.0 / N) + 1e-6).all()
    if cls != "LogNormal":  # NOTE: heavy tails: its sample std is too noisy to compare
        assert (np.abs(xj.std(0) - xt.std(0)) < 0.15 * sd + 1e-6).all()


@pytest.mark.parametrize("case", [c for c in CASES if c[1] not in (
    "Categorical", "Bernoulli", "OneHotCategorical", "Poisson", "Binomial")],
    ids=lambda c: c[0])
def test_rsample_grad_flows(case):
    _, cls, kw, _, _ = case
    j, leaves = build(jtorch, cls, kw)
    t, _ = build(torch, cls, kw, grad=False)
    assert j.has_rsample and t.has_rsample
    x = j.rsample((3,))
    assert tuple(x.shape) == (3,) + tuple(t.batch_shape + t.event_shape)
    if not leaves:
        return
    x.sum().backward()
    for k, leaf in leaves.items():
        assert leaf.grad is not None and np.isfinite(to_np(leaf.grad)).all(), k


def test_rsample_grad_is_pathwise_normal():
    loc = jtorch.tensor([1.0, 2.0], requires_grad=True)
    scale = jtorch.tensor([0.5, 3.0], requires_grad=True)
    x = jtorch.distributions.Normal(loc, scale).rsample((5000,))
    x.mean(0).sum().backward()
    np.testing.assert_allclose(to_np(loc.grad), [1.0, 1.0], rtol=1e-6)
    assert abs(to_np(scale.grad)).max() < 0.1  # E[eps] = 0


def test_gamma_rsample_grad_matches_mean_derivative():
    # NOTE: d/dalpha E[X] = 1/rate; the implicit-reparameterization estimator is unbiased.
    alpha = jtorch.tensor([2.0, 5.0], requires_grad=True)
    x = jtorch.distributions.Gamma(alpha, 2.0).rsample((20000,))
    x.mean(0).sum().backward()
    np.testing.assert_allclose(to_np(alpha.grad), [0.5, 0.5], rtol=0.05)


def test_categorical_sample_frequencies():
    p = [0.1, 0.2, 0.7]
    s = jtorch.distributions.Categorical(probs=jtorch.tensor(p)).sample((20000,))
    assert str(s.dtype) == "torch.int64" and tuple(s.shape) == (20000,)
    freq = np.bincount(to_np(s), minlength=3) / 20000
    np.testing.assert_allclose(freq, p, atol=0.015)
