"""Cases for the discrete, mixture, low-rank and relaxed distributions (torch and jtorch)."""
import importlib

import numpy as np

from ._cases import close, jtorch, to_np, torch

R = np.random.RandomState(1)


def _pos(*shape):
    return R.uniform(0.5, 2.5, size=shape)


def _probs(*shape):
    p = R.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def _mixture(mod, cls, a):
    """MixtureSameFamily(Categorical(...), component) from flat tensor args."""
    d = a["lib"].distributions
    mix = d.Categorical(**{k[4:]: v for k, v in a.items() if k.startswith("mix_")})
    if "scale_tril" in a:
        comp = d.MultivariateNormal(a["loc"], scale_tril=a["scale_tril"])
    else:
        comp = d.Normal(a["loc"], a["scale"])
    return getattr(mod, cls)(mix, comp)


# (id, module, class, kwargs (numpy arrays / numbers), value to score (numpy), methods, factory)
CASES = [
    ("geometric_probs", "geometric", "Geometric", dict(probs=R.uniform(0.1, 0.9, 3)),
     np.array([[0., 2., 5.]]), "", None),
    ("geometric_logits", "geometric", "Geometric", dict(logits=R.randn(2, 3)),
     np.array([[0., 1., 7.]]), "", None),
    ("geometric_scalar", "geometric", "Geometric", dict(probs=0.3), np.array([0., 1., 4.]),
     "", None),
    ("negbin_probs", "negative_binomial", "NegativeBinomial",
     dict(total_count=_pos(3) * 2, probs=R.uniform(0.1, 0.8, 3)), np.array([[0., 3., 10.]]),
     "", None),
    ("negbin_logits", "negative_binomial", "NegativeBinomial",
     dict(total_count=5.0, logits=R.randn(2)), np.array([1., 4.]), "", None),
    ("negbin_zero_count", "negative_binomial", "NegativeBinomial",
     dict(total_count=np.array([0., 2.]), probs=np.array([0.3, 0.6])), np.array([0., 1.]),
     "", None),
    ("multinomial", "multinomial", "Multinomial", dict(total_count=10, probs=_probs(2, 3)),
     np.array([[2., 3., 5.], [0., 10., 0.]]), "", None),
    ("multinomial_logits", "multinomial", "Multinomial",
     dict(total_count=5, logits=R.randn(4)), np.array([1., 1., 3., 0.]), "", None),
    ("mixture_normal", "mixture_same_family", "MixtureSameFamily",
     dict(mix_probs=_probs(2, 3), loc=R.randn(2, 3), scale=_pos(2, 3)), R.randn(4, 2),
     "cdf", _mixture),
    ("mixture_mvn", "mixture_same_family", "MixtureSameFamily",
     dict(mix_logits=R.randn(3), loc=R.randn(3, 2),
          scale_tril=np.tril(R.randn(3, 2, 2) * 0.3) + np.eye(2)), R.randn(4, 2), "",
     _mixture),
    ("lowrank", "lowrank_multivariate_normal", "LowRankMultivariateNormal",
     dict(loc=R.randn(3), cov_factor=R.randn(3, 2), cov_diag=_pos(3)), R.randn(4, 3), "",
     None),
    ("lowrank_batched", "lowrank_multivariate_normal", "LowRankMultivariateNormal",
     dict(loc=R.randn(2, 3), cov_factor=R.randn(3, 1), cov_diag=_pos(2, 3)), R.randn(2, 3),
     "", None),
    ("relaxed_bernoulli", "relaxed_bernoulli", "RelaxedBernoulli",
     dict(temperature=np.array(0.7), probs=R.uniform(0.1, 0.9, 3)),
     R.uniform(0.1, 0.9, (2, 3)), "", None),
    ("logit_relaxed_bernoulli", "relaxed_bernoulli", "LogitRelaxedBernoulli",
     dict(temperature=np.array(1.3), logits=R.randn(2, 3)), R.randn(2, 3), "", None),
    ("relaxed_onehot", "relaxed_categorical", "RelaxedOneHotCategorical",
     dict(temperature=np.array(0.5), probs=_probs(2, 3)), _probs(4, 2, 3), "", None),
    ("exp_relaxed_categorical", "relaxed_categorical", "ExpRelaxedCategorical",
     dict(temperature=np.array(2.0), logits=R.randn(3)), np.log(_probs(2, 3)), "", None),
]
CASE_IDS = [c[0] for c in CASES]
# NOTE: integer-valued parameters (counts) stay out of autograd, as in torch.
_NO_GRAD = {"total_count"}


def dist_module(lib, mod):
    """lib.distributions.<mod> (torch's module path, also jtorch's)."""
    return importlib.import_module(f"{lib.__name__}.distributions.{mod}")


def build(lib, case, grad=True, dtype="float64"):
    """The case's distribution in `lib` (torch or jtorch) and its leaf parameter tensors."""
    _, mod, cls, kwargs, _, _, factory = case
    leaves, args = {}, {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            t = lib.tensor(v, dtype=getattr(lib, dtype))
            if grad and k not in _NO_GRAD:
                t.requires_grad_(True)
                leaves[k] = t
            args[k] = t
        else:
            args[k] = v
    module = dist_module(lib, mod)
    if factory is not None:
        return factory(module, cls, dict(args, lib=lib)), leaves
    return getattr(module, cls)(**args), leaves


def value(lib, case, dtype="float64"):
    """The case's scoring value as a tensor."""
    return lib.tensor(case[4], dtype=getattr(lib, dtype))


__all__ = ["CASES", "CASE_IDS", "build", "value", "dist_module", "close", "to_np", "jtorch",
           "torch"]
