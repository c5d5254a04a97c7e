"""log_prob, entropy, moments, cdf/icdf, shapes and parameter gradients vs real torch."""
import pytest

from ._cases import CASES, CASE_IDS, build, close, jtorch, torch, value


def _pair(case, grad=True):
    _, cls, kw, _, _ = case
    return build(jtorch, cls, kw, grad), build(torch, cls, kw, grad)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_shapes_and_repr(case):
    (j, _), (t, _) = _pair(case, grad=False)
    assert tuple(j.batch_shape) == tuple(t.batch_shape)
    assert tuple(j.event_shape) == tuple(t.event_shape)
    assert repr(j) == repr(t)
    assert j.has_rsample == t.has_rsample
    assert j.has_enumerate_support == t.has_enumerate_support
    assert repr(j.support) == repr(t.support)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_log_prob_and_grad(case):
    _, cls, _, v, _ = case
    (j, jl), (t, tl) = _pair(case)
    lj, lt = j.log_prob(value(jtorch, v, cls)), t.log_prob(value(torch, v, cls))
    close(lj, lt)
    if not tl:
        return
    lj.sum().backward()
    lt.sum().backward()
    for k in tl:
        close(jl[k].grad, tl[k].grad, rtol=1e-5)


@pytest.mark.parametrize("prop", ["mean", "variance", "stddev", "mode", "entropy"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_moments_entropy(case, prop):
    (j, jl), (t, tl) = _pair(case)
    try:
        rt = getattr(t, prop)
        rt = rt() if callable(rt) else rt
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            rj = getattr(j, prop)
            rj() if callable(rj) else rj
        return
    rj = getattr(j, prop)
    rj = rj() if callable(rj) else rj
    close(rj, rt, rtol=1e-5)
    if rt.requires_grad and prop != "mode":
        rt.sum().backward()
        rj.sum().backward()
        for k in tl:
            if tl[k].grad is not None:
                close(jl[k].grad, tl[k].grad, rtol=1e-5)


@pytest.mark.parametrize("case", [c for c in CASES if c[4]], ids=[c[0] for c in CASES if c[4]])
def test_cdf_icdf(case):
    _, cls, _, v, methods = case
    (j, jl), (t, tl) = _pair(case)
    if "cdf" in methods.split():
        cj, ct = j.cdf(value(jtorch, v, cls)), t.cdf(value(torch, v, cls))
        close(cj, ct, rtol=1e-5)
        if tl and cls != "Gamma":  # NOTE: torch has no igamma derivative w.r.t. concentration
            ct.sum().backward()
            cj.sum().backward()
            for k in tl:
                close(jl[k].grad, tl[k].grad, rtol=1e-4, atol=1e-7)
    if "icdf" in methods.split():
        qs = [0.1, 0.5, 0.9]
        shape = (3,) + (1,) * len(t.batch_shape)
        close(j.icdf(jtorch.tensor(qs, dtype=jtorch.float64).reshape(shape)),
              t.icdf(torch.tensor(qs, dtype=torch.float64).reshape(shape)), rtol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_expand(case):
    (j, _), (t, _) = _pair(case, grad=False)
    shape = (2,) + tuple(t.batch_shape)
    je, te = j.expand(shape), t.expand(shape)
    assert type(je) is type(j)
    assert tuple(je.batch_shape) == tuple(te.batch_shape) == shape
    assert tuple(je.event_shape) == tuple(te.event_shape)
    x = te.sample()  # NOTE: any in-support value of the expanded shape
    close(je.log_prob(jtorch.tensor(x.numpy())), te.log_prob(x))


@pytest.mark.parametrize("case", [c for c in CASES if c[1] in
                                  ("Categorical", "Bernoulli", "OneHotCategorical", "Binomial")],
                         ids=lambda c: c[0])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support(case, expand):
    (j, _), (t, _) = _pair(case, grad=False)
    sj, st = j.enumerate_support(expand), t.enumerate_support(expand)
    close(sj, st)
    assert str(sj.dtype) == str(st.dtype)


def test_float32_dtypes():
    j = jtorch.distributions.Normal(jtorch.zeros(3), 1.0)
    t = torch.distributions.Normal(torch.zeros(3), 1.0)
    assert str(j.scale.dtype) == str(t.scale.dtype) == "torch.float32"
    x = torch.randn(3)
    close(j.log_prob(jtorch.tensor(x.numpy())), t.log_prob(x), rtol=1e-5)
    assert str(j.sample().dtype) == "torch.float32"


def test_independent():
    loc, scale = torch.randn(2, 3, dtype=torch.float64), torch.rand(2, 3, dtype=torch.float64) + .5
    t = torch.distributions.Independent(torch.distributions.Normal(loc, scale), 1)
    j = jtorch.distributions.Independent(
        jtorch.distributions.Normal(jtorch.tensor(loc.numpy()), jtorch.tensor(scale.numpy())), 1)
    assert tuple(j.batch_shape) == (2,) and tuple(j.event_shape) == (3,)
    assert repr(j) == repr(t)
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    close(j.log_prob(jtorch.tensor(x.numpy())), t.log_prob(x))
    close(j.entropy(), t.entropy())
    assert repr(j.support) == repr(t.support)
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims"):
        jtorch.distributions.Independent(j.base_dist, 3)


def test_categorical_lazy_params():
    logits = torch.randn(2, 4, dtype=torch.float64)
    t = torch.distributions.Categorical(logits=logits)
    j = jtorch.distributions.Categorical(logits=jtorch.tensor(logits.numpy()))
    close(j.logits, t.logits)
    close(j.probs, t.probs)
    assert repr(j) == repr(t)  # NOTE: both params now cached in __dict__
    assert tuple(j.param_shape) == tuple(t.param_shape)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        jtorch.distributions.Categorical()
