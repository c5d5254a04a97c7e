"""kl_divergence and register_kl vs real torch."""
import pytest

from ._cases import CASES, build, close, jtorch, torch

_BY_ID = {c[0]: c for c in CASES}
PAIRS = [("normal", "normal_bcast"), ("categorical_probs", "categorical_probs"),
         ("bernoulli_probs", "bernoulli_probs"), ("uniform", "uniform"), ("mvn_cov", "mvn_tril"),
         ("beta", "beta"), ("gamma", "gamma"), ("dirichlet", "dirichlet"),
         ("exponential", "exponential"), ("laplace", "laplace"), ("onehot", "onehot"),
         ("poisson", "poisson"), ("lognormal", "lognormal"), ("normal", "laplace"),
         ("laplace", "normal"), ("gamma", "exponential"), ("exponential", "gamma"),
         ("exponential", "normal"), ("gamma", "normal"), ("beta", "normal"),
         ("beta", "gamma"), ("beta", "exponential"), ("uniform", "normal"),
         ("normal", "uniform"), ("beta", "uniform"), ("uniform", "gamma"),
         ("binomial", "binomial")]


def _q_kwargs(case, seed_shift=0.3):
    """q's parameters: p's shifted a little (same support)."""
    _, cls, kw, _, _ = case
    out = {}
    for k, v in kw.items():
        if k in ("probs",):
            p = v ** 1.5
            out[k] = p / p.sum(-1, keepdims=True) if cls != "Bernoulli" and cls != "Binomial" else p
        elif k in ("loc", "logits", "low"):
            out[k] = v + seed_shift
        elif k == "total_count":
            out[k] = v
        elif k == "high":
            out[k] = v + 1.0
        else:
            out[k] = v * 1.3
    return out


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_kl_divergence(pair):
    cp, cq = _BY_ID[pair[0]], _BY_ID[pair[1]]
    kq = _q_kwargs(cq) if pair[0] == pair[1] else cq[2]
    jp, jl = build(jtorch, cp[1], cp[2])
    tp, tl = build(torch, cp[1], cp[2])
    jq, _ = build(jtorch, cq[1], kq)
    tq, _ = build(torch, cq[1], kq)
    kt = torch.distributions.kl_divergence(tp, tq)
    kj = jtorch.distributions.kl_divergence(jp, jq)
    close(kj, kt, rtol=1e-5)
    if kt.requires_grad and bool(torch.isfinite(kt).all()):
        kt.sum().backward()
        kj.sum().backward()
        for k in tl:
            if tl[k].grad is not None:
                close(jl[k].grad, tl[k].grad, rtol=1e-4, atol=1e-8)


def test_kl_not_implemented_and_register():
    D = jtorch.distributions
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p "
                                                  "type Poisson and q type Laplace"):
        D.kl_divergence(D.Poisson(jtorch.tensor(1.0)), D.Laplace(0.0, 1.0))
    with pytest.raises(NotImplementedError, match="cannot"):  # NOTE: torch's Bregman fallback
        D.kl_divergence(D.Poisson(jtorch.tensor(1.0)), D.Normal(0.0, 1.0))

    class MyNormal(D.Normal):
        pass

    # NOTE: subclasses dispatch to the parent's registered pair, then to a new registration.
    close(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)), torch.tensor(0.5))

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return jtorch.tensor(42.0)

    assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0))) == 42.0


def test_kl_expfamily_bregman():
    # NOTE: torch's generic ExponentialFamily KL (autograd of the log normalizer).
    D = jtorch.distributions
    fn = D.kl._kl_expfamily_expfamily
    tfn = torch.distributions.kl._kl_expfamily_expfamily
    close(fn(D.Exponential(jtorch.tensor([2.0])), D.Exponential(jtorch.tensor([3.0]))),
          tfn(torch.distributions.Exponential(torch.tensor([2.0])),
              torch.distributions.Exponential(torch.tensor([3.0]))), rtol=1e-5)
