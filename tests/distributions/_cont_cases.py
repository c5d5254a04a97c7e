"""Cases for the further continuous distributions (Cauchy ... LogisticNormal)."""
import numpy as np

R = np.random.RandomState(7)


def _pos(*shape):
    return R.uniform(0.5, 2.5, size=shape)


def _simplex(*shape):
    p = R.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


_PARETO_SCALE = _pos(3)
_GP_LOC, _GP_SCALE = R.randn(3), _pos(3)

# NOTE: (id, class name, kwargs, value to score, methods with cdf/icdf, dtype). Parameters
# straddle the branch points (df <= 1 / <= 2, alpha <= 2, probs near 0.5, kappa >= 3.75, ...).
CASES = [
    ("cauchy", "Cauchy", dict(loc=R.randn(3), scale=_pos(3)), R.randn(4, 3), "cdf icdf"),
    ("cauchy_scalar", "Cauchy", dict(loc=0.5, scale=2.0), R.randn(5), "cdf icdf"),
    ("halfcauchy", "HalfCauchy", dict(scale=_pos(3)), R.uniform(0.1, 3, (2, 3)), "cdf icdf"),
    ("halfnormal", "HalfNormal", dict(scale=_pos(3)), R.uniform(0.1, 3, (2, 3)), "cdf icdf"),
    ("halfnormal_scalar", "HalfNormal", dict(scale=1.5), R.uniform(0.1, 3, (4,)), "cdf icdf"),
    ("studentt", "StudentT", dict(df=np.array([0.8, 1.5, 4.0]), loc=R.randn(3), scale=_pos(3)),
     R.randn(4, 3), ""),
    ("studentt_df", "StudentT", dict(df=np.array([3.0, 6.0, 10.0])), R.randn(2, 3), ""),
    ("chi2", "Chi2", dict(df=_pos(3) * 2), R.uniform(0.1, 3, (2, 3)), "cdf"),
    ("gumbel", "Gumbel", dict(loc=R.randn(3), scale=_pos(3)), R.randn(2, 3), "cdf icdf"),
    ("gumbel_scalar", "Gumbel", dict(loc=1.0, scale=2.0), R.randn(3), "cdf icdf"),
    ("weibull", "Weibull", dict(scale=_pos(3), concentration=np.array([0.7, 1.5, 3.0])),
     R.uniform(0.1, 3, (2, 3)), "cdf icdf"),
    ("pareto", "Pareto", dict(scale=_PARETO_SCALE, alpha=np.array([0.8, 1.5, 3.0])),
     _PARETO_SCALE + R.uniform(0.0, 2, (2, 3)), "cdf icdf"),
    ("inverse_gamma", "InverseGamma", dict(concentration=np.array([0.8, 1.5, 3.0]), rate=_pos(3)),
     R.uniform(0.1, 3, (2, 3)), "cdf"),
    ("kumaraswamy", "Kumaraswamy", dict(concentration1=_pos(3), concentration0=_pos(3)),
     R.uniform(0.05, 0.95, (2, 3)), "cdf icdf"),
    ("fisher", "FisherSnedecor", dict(df1=np.array([1.5, 3.0, 5.0]), df2=np.array([1.5, 3.0, 6.0])),
     R.uniform(0.1, 3, (2, 3)), ""),
    # NOTE: all moments finite, so their gradients are compared too.
    ("pareto_big", "Pareto", dict(scale=_PARETO_SCALE, alpha=np.array([2.5, 3.0, 4.0])),
     _PARETO_SCALE + R.uniform(0.0, 2, (2, 3)), "cdf"),
    ("inverse_gamma_big", "InverseGamma", dict(concentration=np.array([2.5, 3.0, 4.0]),
                                               rate=_pos(3)), R.uniform(0.1, 3, (2, 3)), ""),
    ("fisher_big", "FisherSnedecor", dict(df1=np.array([3.0, 5.0, 8.0]),
                                          df2=np.array([5.0, 7.0, 10.0])),
     R.uniform(0.1, 3, (2, 3)), ""),
    ("cb_probs", "ContinuousBernoulli", dict(probs=np.array([0.2, 0.4995, 0.7])),
     R.uniform(0.05, 0.95, (2, 3)), "cdf icdf"),
    ("cb_logits", "ContinuousBernoulli", dict(logits=R.randn(2, 3)), R.uniform(0.05, 0.95, (2, 3)),
     "cdf icdf"),
    ("vonmises", "VonMises", dict(loc=R.randn(3), concentration=np.array([0.5, 2.0, 6.0])),
     R.uniform(-np.pi, np.pi, (2, 3)), ""),
    # NOTE: float32: torch's GeneralizedPareto.log_prob raises for float64 parameters.
    ("gpareto", "GeneralizedPareto",
     dict(loc=_GP_LOC, scale=_GP_SCALE, concentration=np.array([-0.3, 0.0, 0.4])),
     _GP_LOC + _GP_SCALE * R.uniform(0.1, 1.5, (2, 3)), "cdf icdf", "float32"),
    ("logistic_normal", "LogisticNormal", dict(loc=R.randn(2, 3), scale=_pos(2, 3)),
     _simplex(2, 4), ""),
    ("logistic_normal_1d", "LogisticNormal", dict(loc=R.randn(3), scale=_pos(3)), _simplex(4),
     ""),
]
CASES = [c if len(c) == 6 else c + ("float64",) for c in CASES]
CASE_IDS = [c[0] for c in CASES]
