"""Shared distribution cases: the same parameters built in torch and jtorch."""
import numpy as np
import torch

import jtorch
import jtorch.distributions  # noqa: F401  (until jtorch/__init__ imports it)

R = np.random.RandomState(0)


def _pos(*shape):
    return R.uniform(0.5, 2.5, size=shape)


def _spd(n, batch=()):
    a = R.randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(n):
    return np.tril(R.randn(n, n) * 0.3) + np.diag(R.uniform(0.5, 1.5, n))


def _probs(*shape):
    p = R.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


# (id, class name, kwargs (numpy arrays / python numbers), value to score (numpy), methods)
CASES = [
    ("normal", "Normal", dict(loc=R.randn(3), scale=_pos(3)), R.randn(4, 3),
     "cdf icdf"),
    ("normal_bcast", "Normal", dict(loc=R.randn(2, 1), scale=_pos(3)), R.randn(2, 3), "cdf"),
    ("normal_scalar", "Normal", dict(loc=0.5, scale=2.0), R.randn(5), "cdf icdf"),
    ("categorical_probs", "Categorical", dict(probs=_probs(2, 4)), np.array([[0, 3], [2, 1]]),
     ""),
    ("categorical_logits", "Categorical", dict(logits=R.randn(3, 5)), np.array([0, 4, 2]), ""),
    ("bernoulli_probs", "Bernoulli", dict(probs=R.uniform(0.1, 0.9, 4)),
     np.array([0., 1., 1., 0.]), ""),
    ("bernoulli_logits", "Bernoulli", dict(logits=R.randn(2, 3)), np.array([[0., 1., 1.]]), ""),
    ("uniform", "Uniform", dict(low=R.randn(3), high=R.randn(3) + 5), R.uniform(1, 3, (2, 3)),
     "cdf icdf"),
    ("mvn_cov", "MultivariateNormal", dict(loc=R.randn(3), covariance_matrix=_spd(3)),
     R.randn(2, 3), ""),
    ("mvn_tril", "MultivariateNormal", dict(loc=R.randn(2, 3), scale_tril=_tril(3)),
     R.randn(2, 3), ""),
    ("mvn_prec", "MultivariateNormal", dict(loc=R.randn(3), precision_matrix=_spd(3, (2,))),
     R.randn(4, 2, 3), ""),
    ("beta", "Beta", dict(concentration1=_pos(3), concentration0=_pos(3)),
     R.uniform(0.05, 0.95, (2, 3)), ""),
    ("gamma", "Gamma", dict(concentration=_pos(3), rate=_pos(3)), R.uniform(0.1, 3, (2, 3)),
     "cdf"),
    ("dirichlet", "Dirichlet", dict(concentration=_pos(2, 3)), _probs(2, 3), ""),
    ("exponential", "Exponential", dict(rate=_pos(3)), R.uniform(0.1, 3, (2, 3)), "cdf icdf"),
    ("laplace", "Laplace", dict(loc=R.randn(3), scale=_pos(3)), R.randn(2, 3), "cdf icdf"),
    ("onehot", "OneHotCategorical", dict(probs=_probs(2, 3)),
     np.array([[1., 0., 0.], [0., 0., 1.]]), ""),
    ("poisson", "Poisson", dict(rate=_pos(3) * 3), np.array([[0., 2., 5.]]), ""),
    ("binomial", "Binomial", dict(total_count=10, probs=R.uniform(0.1, 0.9, 3)),
     np.array([[0., 3., 10.]]), ""),
    ("binomial_logits", "Binomial", dict(total_count=np.array([5., 5.]), logits=R.randn(2)),
     np.array([1., 4.]), ""),
    ("lognormal", "LogNormal", dict(loc=R.randn(3), scale=_pos(3)), R.uniform(0.1, 3, (2, 3)),
     "cdf icdf"),
]
CASE_IDS = [c[0] for c in CASES]
# NOTE: integer-valued parameters (counts) stay out of autograd, as in torch.
_NO_GRAD = {"total_count"}


def build(lib, cls_name, kwargs, grad=True, dtype="float64"):
    """The distribution in `lib` (torch or jtorch) and its leaf parameter tensors."""
    dist_mod = lib.distributions
    leaves = {}
    args = {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            t = lib.tensor(v, dtype=getattr(lib, dtype))
            if grad and k not in _NO_GRAD:
                t.requires_grad_(True)
                leaves[k] = t
            args[k] = t
        else:
            args[k] = v
    return getattr(dist_mod, cls_name)(**args), leaves


def value(lib, v, cls_name, dtype="float64"):
    """The scoring value as a tensor (long for Categorical)."""
    if cls_name == "Categorical":
        return lib.tensor(v, dtype=lib.long)
    return lib.tensor(v, dtype=getattr(lib, dtype))


def to_np(x):
    """NumPy copy of a torch or jtorch tensor."""
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach()._arr())


def close(a, b, rtol=1e-6, atol=1e-8):
    """Same shape and values (nan == nan)."""
    a, b = to_np(a), to_np(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


__all__ = ["CASES", "CASE_IDS", "build", "value", "to_np", "close", "jtorch", "torch"]
