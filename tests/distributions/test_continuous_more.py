"""Cauchy, HalfCauchy, HalfNormal, StudentT, Chi2, Gumbel, Weibull, Pareto, InverseGamma,
Kumaraswamy, FisherSnedecor, ContinuousBernoulli, VonMises, GeneralizedPareto, LogisticNormal
vs real torch: values, gradients, shapes, samples, validation errors and KL."""
import math

import numpy as np
import pytest

from ._cases import build, close, jtorch, to_np, torch
from ._cont_cases import CASE_IDS, CASES
from ._dist_helpers import (check_moments, check_samples, check_shapes_and_repr, expand_pair,
                            grads_close, same_error)

N = 4000


@pytest.fixture(autouse=True)
def _seeded():
    jtorch.manual_seed(0)
    torch.manual_seed(0)


def _pair(case, grad=True):
    _, cls, kw, _, _, dt = case
    return build(jtorch, cls, kw, grad, dt), build(torch, cls, kw, grad, dt)


def _val(lib, case):
    return lib.tensor(case[3], dtype=getattr(lib, case[5]))


def _tol(case):
    return dict(rtol=2e-4, atol=1e-5) if case[5] == "float32" else dict(rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_shapes_and_repr(case):
    (j, _), (t, _) = _pair(case, grad=False)
    check_shapes_and_repr(j, t)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_log_prob_and_grad(case):
    (j, jl), (t, tl) = _pair(case)
    lj, lt = j.log_prob(_val(jtorch, case)), t.log_prob(_val(torch, case))
    assert str(lj.dtype) == str(lt.dtype)
    close(lj, lt, **_tol(case))
    if not tl:
        return
    lt.sum().backward()
    lj.sum().backward()
    grads_close(jl, tl, rtol=max(_tol(case)["rtol"], 1e-5), atol=_tol(case)["atol"])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_moments_entropy(case):
    (j, jl), (t, tl) = _pair(case)
    check_moments(j, t, jl, tl, dict(rtol=max(_tol(case)["rtol"], 1e-5), atol=_tol(case)["atol"]))


@pytest.mark.parametrize("case", [c for c in CASES if c[4]], ids=[c[0] for c in CASES if c[4]])
def test_cdf_icdf(case):
    _, cls, _, _, methods, dt = case
    (j, jl), (t, tl) = _pair(case)
    tol = dict(rtol=max(_tol(case)["rtol"], 1e-5), atol=_tol(case)["atol"])
    if "cdf" in methods.split():
        cj, ct = j.cdf(_val(jtorch, case)), t.cdf(_val(torch, case))
        close(cj, ct, **tol)
        if tl and cls not in ("Chi2", "InverseGamma"):  # NOTE: no igamma d/dconcentration
            ct.sum().backward()
            cj.sum().backward()
            grads_close(jl, tl, rtol=1e-4, atol=1e-6)
    if "icdf" in methods.split():
        qs = [0.1, 0.5, 0.9]
        shape = (3,) + (1,) * len(t.batch_shape)
        close(j.icdf(jtorch.tensor(qs, dtype=getattr(jtorch, dt)).reshape(shape)),
              t.icdf(torch.tensor(qs, dtype=getattr(torch, dt)).reshape(shape)), **tol)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_expand(case):
    (j, _), (t, _) = _pair(case, grad=False)
    je, te = expand_pair(j, t)
    x = te.sample()  # NOTE: any in-support value of the expanded shape
    close(je.log_prob(jtorch.tensor(x.numpy())), te.log_prob(x), **_tol(case))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_sample_matches_torch_distribution(case):
    (j, _), (t, _) = _pair(case, grad=False)
    check_samples(j.sample((N,)), t.sample((N,)), t, N)


# NOTE: compiling jax.random.gamma's implicit-reparameterization gradient takes ~20 s per tape
# here, so the gamma-based cases check rsample's graph here and its gradient values once below
# (StudentT, through Chi2 -> Gamma); Gamma's own gradient is tested in test_sampling.
_GAMMA_BASED = ("StudentT", "Chi2", "InverseGamma", "FisherSnedecor")


@pytest.mark.parametrize("case", [c for c in CASES if c[1] != "VonMises"],
                         ids=[c[0] for c in CASES if c[1] != "VonMises"])
def test_rsample_shape_and_grad_flows(case):
    (j, leaves), (t, _) = _pair(case)
    assert j.has_rsample and t.has_rsample
    x = j.rsample((3,))
    assert tuple(x.shape) == (3,) + tuple(t.batch_shape + t.event_shape)
    assert str(x.dtype) == str(t.rsample((3,)).dtype)
    if not leaves:
        return
    assert x.requires_grad and x.grad_fn is not None
    if case[1] in _GAMMA_BASED:
        return
    x.pow(2).sum().backward()  # NOTE: not x.sum(): LogisticNormal's simplex sums to 1
    for k, leaf in leaves.items():
        g = to_np(leaf.grad)
        assert leaf.grad is not None and np.isfinite(g).all() and np.abs(g).sum() > 0, k


# NOTE: pathwise gradients are unbiased: d/dtheta mean(rsample) ~ d/dtheta E[X] (torch's mean;
# no torch gradient means E[X] does not depend on theta: expect ~0).
PATHWISE = [
    ("Gumbel", dict(loc=[0.5, -1.0], scale=[1.0, 2.0])),
    ("Weibull", dict(scale=[1.0, 2.0], concentration=[1.5, 3.0])),
    ("HalfNormal", dict(scale=[0.5, 2.0])),
    ("Kumaraswamy", dict(concentration1=[2.0, 5.0], concentration0=[3.0, 1.5])),
    ("Pareto", dict(scale=[1.0, 2.0], alpha=[4.0, 6.0])),
    ("StudentT", dict(df=[5.0, 8.0], loc=[0.0, 1.0], scale=[1.0, 2.0])),
    ("ContinuousBernoulli", dict(probs=[0.2, 0.8])),
    ("GeneralizedPareto", dict(loc=[0.0, 1.0], scale=[1.0, 2.0], concentration=[-0.2, 0.1])),
]


@pytest.mark.parametrize("cls,kw", PATHWISE, ids=[p[0] for p in PATHWISE])
def test_rsample_pathwise_gradient(cls, kw):
    jp = {k: jtorch.tensor(v, dtype=jtorch.float64, requires_grad=True) for k, v in kw.items()}
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in kw.items()}
    x = getattr(jtorch.distributions, cls)(**jp).rsample((40000,))
    x.mean(0).sum().backward()
    getattr(torch.distributions, cls)(**tp).mean.sum().backward()
    for k in kw:
        expected = np.zeros(2) if tp[k].grad is None else to_np(tp[k].grad)
        np.testing.assert_allclose(to_np(jp[k].grad), expected, rtol=0.1, atol=0.02, err_msg=k)


def test_float32_default_dtype():
    for cls, args in [("Cauchy", (0.0, 1.0)), ("Gumbel", (0.0, 1.0)), ("Weibull", (1.0, 2.0)),
                      ("ContinuousBernoulli", (0.3,)), ("Kumaraswamy", (2.0, 3.0)),
                      ("HalfNormal", (2.0,)), ("HalfCauchy", (2.0,))]:
        j, t = getattr(jtorch.distributions, cls)(*args), getattr(torch.distributions, cls)(*args)
        sj, st = j.sample((2,)), t.sample((2,))
        assert str(sj.dtype) == str(st.dtype) == "torch.float32", cls
        assert tuple(j.batch_shape) == tuple(t.batch_shape), cls


BAD_ARGS = [
    ("Cauchy", dict(loc=[0.0, 1.0], scale=[1.0, -1.0])),
    ("Cauchy", dict(loc=[float("nan")], scale=[1.0])),
    ("HalfCauchy", dict(scale=[0.0, 1.0])),
    ("HalfNormal", dict(scale=[-2.0])),
    ("StudentT", dict(df=[0.0, 1.0])),
    ("StudentT", dict(df=[1.0], loc=[0.0], scale=[-1.0])),
    ("Chi2", dict(df=[-1.0])),
    ("Gumbel", dict(loc=[0.0], scale=[0.0])),
    ("Weibull", dict(scale=[1.0], concentration=[-1.0])),
    ("Weibull", dict(scale=[-1.0], concentration=[1.0])),
    ("Pareto", dict(scale=[1.0], alpha=[0.0])),
    ("InverseGamma", dict(concentration=[-1.0], rate=[1.0])),
    ("Kumaraswamy", dict(concentration1=[1.0], concentration0=[-1.0])),
    ("FisherSnedecor", dict(df1=[1.0], df2=[-1.0])),
    ("ContinuousBernoulli", dict(logits=[float("nan")])),
    ("VonMises", dict(loc=[0.0], concentration=[-1.0])),
    ("GeneralizedPareto", dict(loc=[0.0], scale=[-1.0], concentration=[0.1])),
    ("LogisticNormal", dict(loc=[0.0, 1.0], scale=[1.0, -1.0])),
]


@pytest.mark.parametrize("cls,kw", BAD_ARGS, ids=[b[0] for b in BAD_ARGS])
def test_argument_validation(cls, kw):
    same_error(lambda: getattr(jtorch.distributions, cls)(
                    **{k: jtorch.tensor(v) for k, v in kw.items()}, validate_args=True),
                lambda: getattr(torch.distributions, cls)(
                    **{k: torch.tensor(v) for k, v in kw.items()}, validate_args=True))


BAD_VALUES = [
    ("HalfNormal", dict(scale=[1.0, 2.0]), [-1.0, 1.0]),
    ("HalfCauchy", dict(scale=[1.0, 2.0]), [1.0, -0.5]),
    ("Chi2", dict(df=[1.0, 2.0]), [-1.0, 1.0]),
    ("Pareto", dict(scale=[1.0, 2.0], alpha=[1.0, 1.0]), [1.5, 1.5]),
    ("Kumaraswamy", dict(concentration1=[1.0, 2.0], concentration0=[1.0, 1.0]), [0.5, 1.5]),
    ("Weibull", dict(scale=[1.0, 2.0], concentration=[1.0, 1.0]), [0.0, 1.0]),
    ("InverseGamma", dict(concentration=[1.0, 2.0], rate=[1.0, 1.0]), [-1.0, 1.0]),
    ("FisherSnedecor", dict(df1=[1.0, 2.0], df2=[1.0, 1.0]), [-1.0, 1.0]),
    ("ContinuousBernoulli", dict(probs=[0.3, 0.6]), [0.5, 2.0]),
    ("GeneralizedPareto", dict(loc=[0.0, 0.0], scale=[1.0, 1.0], concentration=[-0.5, 0.2]),
     [3.0, 1.0]),
    ("Gumbel", dict(loc=[0.0, 0.0], scale=[1.0, 1.0]), [0.0, float("nan")]),
    ("LogisticNormal", dict(loc=[0.0, 0.0], scale=[1.0, 1.0]), [0.5, 0.6, 0.1]),
]


@pytest.mark.parametrize("cls,kw,v", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_sample_validation(cls, kw, v):
    same_error(lambda: getattr(jtorch.distributions, cls)(
                    **{k: jtorch.tensor(x) for k, x in kw.items()}, validate_args=True
                ).log_prob(jtorch.tensor(v)),
                lambda: getattr(torch.distributions, cls)(
                    **{k: torch.tensor(x) for k, x in kw.items()}, validate_args=True
                ).log_prob(torch.tensor(v)))


def test_continuous_bernoulli_specifics():
    D, TD = jtorch.distributions, torch.distributions
    same_error(lambda: D.ContinuousBernoulli(probs=jtorch.tensor([1.5]), validate_args=False),
                lambda: TD.ContinuousBernoulli(probs=torch.tensor([1.5]), validate_args=False))
    same_error(lambda: D.ContinuousBernoulli(), lambda: TD.ContinuousBernoulli())
    # NOTE: probs are clamped into [eps, 1 - eps] at construction, as torch does.
    j = D.ContinuousBernoulli(probs=jtorch.tensor([0.0, 1.0]))
    t = TD.ContinuousBernoulli(probs=torch.tensor([0.0, 1.0]))
    close(j.probs, t.probs)
    close(j.logits, t.logits, rtol=1e-5)
    assert tuple(j.param_shape) == tuple(t.param_shape)
    logits = np.array([-2.0, 0.001, 3.0])
    j = D.ContinuousBernoulli(logits=jtorch.tensor(logits))
    t = TD.ContinuousBernoulli(logits=torch.tensor(logits))
    for x in (jtorch.tensor(logits),):
        close(j._log_normalizer(x), t._log_normalizer(torch.tensor(logits)))
    assert repr(j) == repr(t)  # NOTE: probs is now cached too
    # NOTE: torch's generic ExponentialFamily entropy (autograd of the log normalizer).
    close(D.ExponentialFamily.entropy(j), TD.ExponentialFamily.entropy(t), rtol=1e-5)


def test_generalized_pareto_float64_error_and_extras():
    D, TD = jtorch.distributions, torch.distributions
    args = ([0.0, 1.0], [1.0, 2.0], [0.0, -0.3])
    j = D.GeneralizedPareto(*[jtorch.tensor(a, dtype=jtorch.float64) for a in args])
    t = TD.GeneralizedPareto(*[torch.tensor(a, dtype=torch.float64) for a in args])
    v = [0.5, 1.5]
    # NOTE: torch compares float64 parameters with a float32 zero in log_prob and fails.
    same_error(lambda: j.log_prob(jtorch.tensor(v, dtype=jtorch.float64)),
                lambda: t.log_prob(torch.tensor(v, dtype=torch.float64)), RuntimeError)
    j32 = D.GeneralizedPareto(*[jtorch.tensor(a) for a in args])
    t32 = TD.GeneralizedPareto(*[torch.tensor(a) for a in args])
    for m in ("log_survival_function", "log_cdf"):
        close(getattr(j32, m)(jtorch.tensor(v)), getattr(t32, m)(torch.tensor(v)), rtol=1e-5)
    close(j.icdf(jtorch.tensor(v) / 2), t.icdf(torch.tensor(v) / 2), rtol=1e-6)


def test_von_mises_specifics():
    D, TD = jtorch.distributions, torch.distributions
    # NOTE: the sample test's shapes (N, 3), so the eager rejection loop reuses its compiled ops.
    j = D.VonMises(jtorch.tensor([3.0, -3.0, 0.0]), jtorch.tensor([0.5, 20.0, 1.0]))
    s = to_np(j.sample((N,)))
    assert s.dtype == np.float32 and (s >= -math.pi).all() and (s < math.pi).all()
    # NOTE: circular mean of the samples ~ loc (wrapped): kappa=20 is tight, 0.5 is diffuse.
    ang = np.angle(np.exp(1j * s).mean(0))
    assert abs(np.angle(np.exp(1j * (ang[1] + 3.0)))) < 0.05
    assert abs(np.angle(np.exp(1j * (ang[0] - 3.0)))) < 0.3
    assert "variance" in j.__dict__ or j.variance is not None
    t = TD.VonMises(torch.tensor([3.0, -3.0, 0.0]), torch.tensor([0.5, 20.0, 1.0]))
    close(j.variance, t.variance, rtol=1e-5)
    je = j.expand((2, 3))
    assert type(je) is D.VonMises and tuple(je.batch_shape) == (2, 3)


def test_chi2_and_studentt_internals():
    D, TD = jtorch.distributions, torch.distributions
    j, t = D.Chi2(jtorch.tensor([1.0, 4.0])), TD.Chi2(torch.tensor([1.0, 4.0]))
    close(j.df, t.df)
    close(j.concentration, t.concentration)
    assert isinstance(j, D.Gamma)
    s = D.StudentT(jtorch.tensor([3.0])).expand((2, 1))
    assert isinstance(s._chi2, D.Chi2) and tuple(s._chi2.batch_shape) == (2, 1)


_R = np.random.RandomState(3)
_U = lambda *s: _R.uniform(0.5, 2.5, size=s)  # noqa: E731
# NOTE: named parameter sets (batch (3,)) for KL pairs; alpha / df straddle the inf branches.
KL_PARAMS = {
    "normal": ("Normal", dict(loc=_R.randn(3), scale=_U(3))),
    "laplace": ("Laplace", dict(loc=_R.randn(3), scale=_U(3))),
    "exponential": ("Exponential", dict(rate=_U(3))),
    "gamma": ("Gamma", dict(concentration=_U(3), rate=_U(3))),
    "chi2": ("Chi2", dict(df=_U(3) * 2)),
    "beta": ("Beta", dict(concentration1=_U(3), concentration0=_U(3))),
    "uniform": ("Uniform", dict(low=_R.randn(3), high=_R.randn(3) + 5)),
    "uniform01": ("Uniform", dict(low=np.array([0.1, 0.0, 0.2]), high=np.array([0.5, 0.9, 1.0]))),
    "cauchy": ("Cauchy", dict(loc=_R.randn(3), scale=_U(3))),
    "cauchy2": ("Cauchy", dict(loc=_R.randn(3), scale=_U(3))),
    "cb": ("ContinuousBernoulli", dict(probs=np.array([0.2, 0.4995, 0.7]))),
    "cb2": ("ContinuousBernoulli", dict(logits=_R.randn(3))),
    "gumbel": ("Gumbel", dict(loc=_R.randn(3), scale=_U(3))),
    "gumbel2": ("Gumbel", dict(loc=_R.randn(3), scale=_U(3))),
    "halfnormal": ("HalfNormal", dict(scale=_U(3))),
    "halfnormal2": ("HalfNormal", dict(scale=_U(3))),
    "halfcauchy": ("HalfCauchy", dict(scale=_U(3))),
    "halfcauchy2": ("HalfCauchy", dict(scale=_U(3))),
    "pareto": ("Pareto", dict(scale=np.array([1.0, 2.0, 0.5]), alpha=np.array([0.8, 1.5, 3.0]))),
    "pareto2": ("Pareto", dict(scale=np.array([0.5, 2.5, 0.4]), alpha=_U(3))),
    "weibull": ("Weibull", dict(scale=_U(3), concentration=_U(3))),
    "kumaraswamy": ("Kumaraswamy", dict(concentration1=_U(3), concentration0=_U(3))),
}
KL_PAIRS = [
    ("cauchy", "cauchy2"), ("cb", "cb2"), ("cb2", "cb"), ("gumbel", "gumbel2"),
    ("halfnormal", "halfnormal2"), ("pareto", "pareto2"), ("pareto2", "pareto"),
    ("beta", "cb"), ("beta", "pareto"), ("cb", "pareto"), ("cb", "exponential"), ("cb", "normal"),
    ("cb", "uniform"), ("cb", "uniform01"), ("exponential", "cb"), ("exponential", "pareto"),
    ("exponential", "gumbel"), ("gamma", "cb"), ("gamma", "pareto"), ("gamma", "gumbel"),
    ("chi2", "gumbel"), ("gumbel", "beta"), ("gumbel", "cb"), ("gumbel", "exponential"),
    ("gumbel", "gamma"), ("gumbel", "pareto"), ("gumbel", "uniform"), ("gumbel", "normal"),
    ("laplace", "cb"), ("laplace", "pareto"), ("normal", "cb"), ("normal", "pareto"),
    ("normal", "gumbel"), ("pareto", "beta"), ("pareto", "cb"), ("pareto", "uniform"),
    ("pareto", "exponential"), ("pareto", "gamma"), ("pareto", "normal"), ("uniform01", "cb"),
    ("uniform", "cb"), ("uniform", "gumbel"), ("uniform", "pareto"), ("uniform01", "pareto2"),
    ("halfcauchy", "halfcauchy2"),
]


def _kl_build(lib, name, grad=True):
    cls, kw = KL_PARAMS[name]
    return build(lib, cls, kw, grad)


@pytest.mark.parametrize("pair", KL_PAIRS, ids=["-".join(p) for p in KL_PAIRS])
def test_kl_divergence(pair):
    (jp, jl), (tp, tl) = _kl_build(jtorch, pair[0]), _kl_build(torch, pair[0])
    (jq, _), (tq, _) = _kl_build(jtorch, pair[1], False), _kl_build(torch, pair[1], False)
    kt = torch.distributions.kl_divergence(tp, tq)
    kj = jtorch.distributions.kl_divergence(jp, jq)
    assert str(kj.dtype) == str(kt.dtype)
    close(kj, kt, rtol=1e-5)
    if kt.requires_grad:
        kt.sum().backward()
        kj.sum().backward()
        grads_close(jl, tl, rtol=1e-4, atol=1e-8)


def test_kl_transformed_fallback():
    D, TD = jtorch.distributions, torch.distributions
    # NOTE: no registered pair: the TransformedDistribution rule needs equal transforms.
    for name in ("weibull", "kumaraswamy"):
        cls, kw = KL_PARAMS[name]
        for lib in (jtorch, torch):
            p, _ = build(lib, cls, kw, False)
            q, _ = build(lib, cls, {k: v * 1.2 for k, v in kw.items()}, False)
            with pytest.raises(NotImplementedError):
                lib.distributions.kl_divergence(p, q)
        jp, _ = build(jtorch, cls, kw, False)
        tp, _ = build(torch, cls, kw, False)
        close(D.kl_divergence(jp, jp), TD.kl_divergence(tp, tp))  # same transforms: 0
    # NOTE: ContinuousBernoulli vs another exponential family: torch's Bregman rule refuses.
    with pytest.raises(NotImplementedError, match="cannot"):
        D.kl_divergence(D.ContinuousBernoulli(jtorch.tensor([0.3])), D.Bernoulli(0.3))


_MINE = {"Cauchy", "HalfCauchy", "HalfNormal", "StudentT", "Chi2", "Gumbel", "Weibull", "Pareto",
         "InverseGamma", "Kumaraswamy", "FisherSnedecor", "ContinuousBernoulli", "VonMises",
         "GeneralizedPareto", "LogisticNormal"}


def test_kl_registry_covers_torch_pairs():
    # NOTE: every pair torch registers that involves these classes is registered here too.
    theirs = {(p.__name__, q.__name__) for p, q in torch.distributions.kl._KL_REGISTRY
              if {p.__name__, q.__name__} & _MINE}
    ours = {(p.__name__, q.__name__) for p, q in jtorch.distributions.kl._KL_REGISTRY}
    assert theirs and theirs <= ours, theirs - ours
