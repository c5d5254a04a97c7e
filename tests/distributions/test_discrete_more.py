"""Geometric, NegativeBinomial, Multinomial, MixtureSameFamily, LowRankMultivariateNormal and
the relaxed (Concrete) distributions vs real torch: values, gradients, shapes, errors, samples."""
import numpy as np
import pytest

from jtorch.distributions import _kl_discrete  # NOTE: registers its pairs (kl.py may not yet)

from ._disc_cases import CASE_IDS, CASES, build, close, dist_module, jtorch, to_np, torch, value

N = 2000
# NOTE: sampling and expand() don't depend on the parameterization: one case per class is enough.
_SEEN = set()
ONE_PER_CLASS = [c for c in CASES if not (c[2] in _SEEN or _SEEN.add(c[2]))
                 or c[0] == "mixture_mvn"]  # NOTE: the event-shaped gather path


def _pair(case, grad=True):
    return build(jtorch, case, grad), build(torch, case, grad)


def _call(obj, prop):
    r = getattr(obj, prop)
    return r() if callable(r) else r


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_shapes_and_repr(case):
    (j, _), (t, _) = _pair(case, grad=False)
    assert tuple(j.batch_shape) == tuple(t.batch_shape)
    assert tuple(j.event_shape) == tuple(t.event_shape)
    assert repr(j) == repr(t)
    assert j.has_rsample == t.has_rsample
    assert j.has_enumerate_support == t.has_enumerate_support
    assert repr(j.support) == repr(t.support)
    assert sorted(j.arg_constraints) == sorted(t.arg_constraints)
    for k in t.arg_constraints:
        assert repr(j.arg_constraints[k]) == repr(t.arg_constraints[k]), k


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_log_prob_and_grad(case):
    (j, jl), (t, tl) = _pair(case)
    lj, lt = j.log_prob(value(jtorch, case)), t.log_prob(value(torch, case))
    close(lj, lt)
    if not tl:
        return
    lj.sum().backward()
    lt.sum().backward()
    for k in tl:
        close(jl[k].grad, tl[k].grad, rtol=1e-5, atol=1e-10)


def _check_grads(jl, tl):
    for k in tl:
        if tl[k].grad is None:
            assert jl[k].grad is None, k
        else:
            close(jl[k].grad, tl[k].grad, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_moments_entropy(case):
    for prop in ["mean", "variance", "stddev", "mode", "entropy"]:
        (j, jl), (t, tl) = _pair(case)
        try:
            rt = _call(t, prop)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                _call(j, prop)
            continue
        rj = _call(j, prop)
        close(rj, rt, rtol=1e-5)
        assert str(rj.dtype) == str(rt.dtype), prop
        if rt.requires_grad and prop != "mode":
            rt.sum().backward()
            rj.sum().backward()
            _check_grads(jl, tl)


def test_mixture_cdf():
    case = CASES[CASE_IDS.index("mixture_normal")]
    (j, jl), (t, tl) = _pair(case)
    cj, ct = j.cdf(value(jtorch, case)), t.cdf(value(torch, case))
    close(cj, ct)
    cj.sum().backward()
    ct.sum().backward()
    for k in tl:
        close(jl[k].grad, tl[k].grad, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("case", ONE_PER_CLASS, ids=lambda c: c[0])
def test_expand(case):
    (j, _), (t, _) = _pair(case, grad=False)
    shape = (2,) + tuple(t.batch_shape)
    je, te = j.expand(shape), t.expand(shape)
    assert type(je) is type(j)
    assert tuple(je.batch_shape) == tuple(te.batch_shape) == shape
    assert tuple(je.event_shape) == tuple(te.event_shape)
    x = te.sample()  # NOTE: any in-support value of the expanded shape
    close(je.log_prob(jtorch.tensor(x.numpy())), te.log_prob(x))


@pytest.mark.parametrize("case", ONE_PER_CLASS, ids=lambda c: c[0])
def test_sample_shape_dtype_support_moments(case):
    jtorch.manual_seed(0)
    torch.manual_seed(0)
    (j, _), (t, _) = _pair(case, grad=False)
    sj, st = j.sample((N,)), t.sample((N,))
    assert tuple(sj.shape) == tuple(st.shape) and str(sj.dtype) == str(st.dtype)
    assert not sj.requires_grad
    assert bool(t.support.check(torch.tensor(to_np(sj))).all())
    # NOTE: the sample means agree with each other within ~6 standard errors.
    xj, xt = to_np(sj), to_np(st)
    if case[2] == "LogitRelaxedBernoulli":  # NOTE: logistic tails; compare on the sigmoid scale
        xj, xt = 1 / (1 + np.exp(-xj)), 1 / (1 + np.exp(-xt))
    sd = xt.std(0) + 1e-9
    assert (np.abs(xj.mean(0) - xt.mean(0)) < 6 * sd * np.sqrt(2.0 / N) + 1e-6).all()
    assert (np.abs(xj.std(0) - xt.std(0)) < 0.15 * sd + 1e-6).all()


@pytest.mark.parametrize("case", [c for c in CASES if c[2] in (
    "LowRankMultivariateNormal", "RelaxedBernoulli", "LogitRelaxedBernoulli",
    "RelaxedOneHotCategorical", "ExpRelaxedCategorical")], ids=lambda c: c[0])
def test_rsample_grad_flows(case):
    (j, leaves), (t, _) = _pair(case)
    assert j.has_rsample == t.has_rsample  # NOTE: False for LogitRelaxedBernoulli, as torch
    x = j.rsample((3,))
    assert tuple(x.shape) == (3,) + tuple(t.batch_shape + t.event_shape)
    assert x.requires_grad
    x.sum().backward()
    for k, leaf in leaves.items():
        assert leaf.grad is not None and np.isfinite(to_np(leaf.grad)).all(), k


def test_lowrank_rsample_grad_is_pathwise():
    # NOTE: d/dloc E[x] = 1 exactly; d/dW E[sum x] = 0 in expectation.
    loc = jtorch.tensor([1.0, -1.0, 0.5], requires_grad=True)
    W = jtorch.tensor([[1.0], [0.5], [-0.3]], requires_grad=True)
    mod = dist_module(jtorch, "lowrank_multivariate_normal")
    d = mod.LowRankMultivariateNormal(loc, W, jtorch.tensor([0.5, 1.0, 2.0]))
    d.rsample((4000,)).mean(0).sum().backward()
    np.testing.assert_allclose(to_np(loc.grad), [1.0, 1.0, 1.0], rtol=1e-6)
    # NOTE: W.grad = 1.2 * mean(eps_W) ~ N(0, 0.019^2): 0.08 is > 4 standard errors.
    assert abs(to_np(W.grad)).max() < 0.08


@pytest.mark.parametrize("name", ["scale_tril", "covariance_matrix", "precision_matrix"])
@pytest.mark.parametrize("cid", ["lowrank", "lowrank_batched"])
def test_lowrank_matrices(cid, name):
    case = CASES[CASE_IDS.index(cid)]
    (j, jl), (t, tl) = _pair(case)
    mj, mt = getattr(j, name), getattr(t, name)
    close(mj, mt, rtol=1e-6, atol=1e-10)
    mj.sum().backward()
    mt.sum().backward()
    _check_grads(jl, tl)


@pytest.mark.parametrize("cid", ["geometric_logits", "negbin_probs", "relaxed_bernoulli",
                                 "multinomial_logits", "exp_relaxed_categorical"])
def test_lazy_probs_logits(cid):
    case = CASES[CASE_IDS.index(cid)]
    (j, _), (t, _) = _pair(case, grad=False)
    close(j.logits, t.logits)
    close(j.probs, t.probs)
    if hasattr(t, "param_shape"):
        assert tuple(j.param_shape) == tuple(t.param_shape)
    assert repr(j) == repr(t)  # NOTE: both parameters are now cached in __dict__ where lazy


def test_multinomial_sample_counts():
    jtorch.manual_seed(0)
    mod = dist_module(jtorch, "multinomial")
    p = [0.1, 0.2, 0.7]
    s = mod.Multinomial(7, jtorch.tensor(p)).sample((2000,))
    assert str(s.dtype) == "torch.float32" and tuple(s.shape) == (2000, 3)
    x = to_np(s)
    assert (x.sum(-1) == 7).all() and (x >= 0).all() and (x == np.round(x)).all()
    np.testing.assert_allclose(x.mean(0) / 7, p, atol=0.015)


def test_geometric_sample_frequencies():
    jtorch.manual_seed(0)
    mod = dist_module(jtorch, "geometric")
    s = to_np(mod.Geometric(jtorch.tensor(0.4)).sample((20000,)))
    freq = np.bincount(s.astype(np.int64), minlength=4)[:4] / 20000
    np.testing.assert_allclose(freq, [0.4 * 0.6 ** k for k in range(4)], atol=0.012)


def _errors(fn_t, fn_j, exc):
    with pytest.raises(exc) as et:
        fn_t()
    with pytest.raises(exc) as ej:
        fn_j()
    assert type(ej.value) is type(et.value)
    assert str(ej.value) == str(et.value)


def _both(mod, cls, *args, **kw):
    """A lambda pair building cls in torch and jtorch from numpy/number args."""
    def conv(lib, v):
        return lib.tensor(v) if isinstance(v, np.ndarray) else v

    def make(lib):
        return lambda: getattr(dist_module(lib, mod), cls)(
            *[conv(lib, a) for a in args], **{k: conv(lib, v) for k, v in kw.items()})
    return make(torch), make(jtorch)


@pytest.mark.parametrize("mod,cls,args,kw,exc", [
    ("geometric", "Geometric", (np.array([0.0, 0.5]),), dict(validate_args=True), ValueError),
    ("geometric", "Geometric", (np.array([1.5]),), dict(validate_args=True), ValueError),
    ("geometric", "Geometric", (), {}, ValueError),
    ("negative_binomial", "NegativeBinomial", (2.0, np.array([0.3, 1.0])),
     dict(validate_args=True), ValueError),
    ("negative_binomial", "NegativeBinomial", (-1.0, np.array([0.3])),
     dict(validate_args=True), ValueError),
    ("multinomial", "Multinomial", (2.5, np.array([0.3, 0.7])), {}, NotImplementedError),
    ("multinomial", "Multinomial", (3,), {}, ValueError),
    ("multinomial", "Multinomial", (3, np.array([-0.1, 0.7])), dict(validate_args=True),
     ValueError),
    ("lowrank_multivariate_normal", "LowRankMultivariateNormal",
     (np.zeros(3), np.ones((2, 1)), np.ones(3)), {}, ValueError),
    ("lowrank_multivariate_normal", "LowRankMultivariateNormal",
     (np.zeros(3), np.ones((3, 1)), np.ones(2)), {}, ValueError),
    ("lowrank_multivariate_normal", "LowRankMultivariateNormal",
     (np.zeros(()), np.ones((3, 1)), np.ones(3)), {}, ValueError),
    ("lowrank_multivariate_normal", "LowRankMultivariateNormal",
     (np.zeros((2, 3)), np.ones((4, 3, 1)), np.ones(3)), {}, ValueError),
    ("relaxed_bernoulli", "RelaxedBernoulli", (np.array(0.5),), {}, ValueError),
    ("lowrank_multivariate_normal", "LowRankMultivariateNormal",
     (np.zeros(3), np.ones((3, 1)), np.array([1.0, -1.0, 1.0])), dict(validate_args=True),
     ValueError),
], ids=lambda v: v if isinstance(v, str) else None)
def test_constructor_errors(mod, cls, args, kw, exc):
    _errors(*_both(mod, cls, *args, **kw), exc)


@pytest.mark.parametrize("cid,bad", [
    ("geometric_probs", np.array([0.5, 1.0, 2.0])),
    ("negbin_probs", np.array([-1.0, 1.0, 2.0])),
    ("multinomial", np.array([[2., 3., 6.], [0., 10., 0.]])),
    ("relaxed_bernoulli", np.array([0.5, 1.5, 0.2])),
    ("mixture_normal", np.zeros((2, 3))),
    ("mixture_normal", np.array([[np.nan, 0.0]])),
    ("lowrank", np.zeros((2, 4))),
])
def test_log_prob_validation_errors(cid, bad):
    case = CASES[CASE_IDS.index(cid)]
    (j, _), (t, _) = _pair(case, grad=False)
    jt, tt = jtorch.tensor(bad), torch.tensor(bad)
    _errors(lambda: t.log_prob(tt), lambda: j.log_prob(jt), ValueError)


def test_mixture_errors_and_support():
    def make(lib, k, mix_batch=()):
        d = lib.distributions
        mix = d.Categorical(logits=lib.zeros(mix_batch + (k,), dtype=lib.float64))
        comp = d.Normal(lib.zeros(2, 3, dtype=lib.float64), lib.ones(2, 3, dtype=lib.float64))
        return dist_module(lib, "mixture_same_family").MixtureSameFamily(mix, comp)
    _errors(lambda: make(torch, 4), lambda: make(jtorch, 4), ValueError)
    _errors(lambda: make(torch, 3, (5,)), lambda: make(jtorch, 3, (5,)), ValueError)
    mods = [dist_module(lib, "mixture_same_family") for lib in (torch, jtorch)]
    _errors(lambda: mods[0].MixtureSameFamily(1, 2), lambda: mods[1].MixtureSameFamily(1, 2),
            ValueError)
    j, t = make(jtorch, 3), make(torch, 3)
    assert repr(j.support) == repr(t.support) == "MixtureSameFamilyConstraint(Real())"
    x = np.array([[0.0, np.inf], [1.0, -2.0]])
    close(j.support.check(jtorch.tensor(x)), t.support.check(torch.tensor(x)))
    assert j.mixture_distribution is j._mixture_distribution
    assert j.component_distribution is j._component_distribution


def _kl_pair(lib, kind):
    """(p, q, leaves) for one registered KL pair, built in lib."""
    r = np.random.RandomState(5)
    d = lib.distributions
    leaves = []

    def t(a):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
        leaves.append(x)
        return x
    lr = dist_module(lib, "lowrank_multivariate_normal").LowRankMultivariateNormal
    geo = dist_module(lib, "geometric").Geometric
    mk = {
        "geo": lambda: (geo(probs=t(r.uniform(0.1, 0.9, 3))), geo(logits=t(r.randn(2, 3)))),
        "lr_lr": lambda: (lr(t(r.randn(2, 3)), t(r.randn(3, 2)), t(r.uniform(0.5, 2, 3))),
                          lr(t(r.randn(3)), t(r.randn(2, 3, 1)), t(r.uniform(0.5, 2, 3)))),
        "mvn_lr": lambda: (d.MultivariateNormal(t(r.randn(3)), scale_tril=t(
            np.tril(r.randn(3, 3) * 0.3) + np.eye(3))),
            lr(t(r.randn(2, 3)), t(r.randn(3, 2)), t(r.uniform(0.5, 2, 3)))),
        "lr_mvn": lambda: (lr(t(r.randn(2, 3)), t(r.randn(3, 2)), t(r.uniform(0.5, 2, 3))),
                           d.MultivariateNormal(t(r.randn(3)), covariance_matrix=t(
                               np.eye(3) * 2 + 0.3))),
    }
    p, q = mk[kind]()
    return p, q, leaves


def test_kl_pairs_registered():
    from jtorch.distributions.kl import _dispatch_kl
    G = dist_module(jtorch, "geometric").Geometric
    L = dist_module(jtorch, "lowrank_multivariate_normal").LowRankMultivariateNormal
    M = jtorch.distributions.MultivariateNormal
    assert _dispatch_kl(G, G) is _kl_discrete._kl_geometric_geometric
    assert _dispatch_kl(L, M) is _kl_discrete._kl_lowrankmultivariatenormal_multivariatenormal
    assert _dispatch_kl(M, L) is _kl_discrete._kl_multivariatenormal_lowrankmultivariatenormal


@pytest.mark.parametrize("kind", ["geo", "lr_lr", "mvn_lr", "lr_mvn"])
def test_kl_divergence(kind):
    pj, qj, lj = _kl_pair(jtorch, kind)
    pt, qt, lt = _kl_pair(torch, kind)
    kj = jtorch.distributions.kl_divergence(pj, qj)
    kt = torch.distributions.kl_divergence(pt, qt)
    close(kj, kt, rtol=1e-6, atol=1e-10)
    kj.sum().backward()
    kt.sum().backward()
    for a, b in zip(lj, lt):
        close(a.grad, b.grad, rtol=1e-5, atol=1e-10)


def test_kl_lowrank_event_shape_error():
    def make(lib):
        lr = dist_module(lib, "lowrank_multivariate_normal").LowRankMultivariateNormal
        return (lr(lib.zeros(3), lib.ones(3, 1), lib.ones(3)),
                lr(lib.zeros(2), lib.ones(2, 1), lib.ones(2)))
    _errors(lambda: torch.distributions.kl_divergence(*make(torch)),
            lambda: jtorch.distributions.kl_divergence(*make(jtorch)), ValueError)


@pytest.mark.parametrize("case", ONE_PER_CLASS, ids=lambda c: c[0])
def test_float32(case):
    j, _ = build(jtorch, case, grad=False, dtype="float32")
    t, _ = build(torch, case, grad=False, dtype="float32")
    lj = j.log_prob(value(jtorch, case, "float32"))
    lt = t.log_prob(value(torch, case, "float32"))
    assert str(lj.dtype) == str(lt.dtype) == "torch.float32"
    close(lj, lt, rtol=2e-5, atol=1e-5)
    sj, st = j.sample((2,)), t.sample((2,))
    assert str(sj.dtype) == str(st.dtype) and tuple(sj.shape) == tuple(st.shape)
