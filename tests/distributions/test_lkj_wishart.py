"""LKJCholesky and Wishart vs real torch: shapes, reprs, log_prob and gradients, moments, expand,
sample moments, warnings and validation errors."""
import warnings

import numpy as np
import pytest

from ._cases import close, jtorch, to_np, torch
from ._dist_helpers import (check_moments, check_samples, check_shapes_and_repr, expand_pair,
                            grads_close, same_error)

import jtorch.distributions.lkj_cholesky as jlkj
import jtorch.distributions.wishart as jwis

N = 4000
R = np.random.RandomState(11)


def _spd(n, batch=()):
    a = R.randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(n, batch=()):
    return np.tril(R.randn(*batch, n, n) * 0.3) + np.eye(n) * R.uniform(0.5, 1.5, (*batch, 1, n))


def _corr_chol(n, batch=()):
    """Lower Cholesky factors of correlation matrices (rows of unit norm, positive diagonal)."""
    a = R.randn(*batch, n, n)
    L = np.linalg.cholesky(a @ np.swapaxes(a, -1, -2) + np.eye(n))
    return L / np.linalg.norm(L, axis=-1, keepdims=True)


# NOTE: (id, class name, kwargs (numpy arrays are tensors, others passed as is), value, dtype).
# Wishart: each parameterization, python-number and batched df, df <= p + 1 (mode is nan).
CASES = [
    ("lkj_scalar", "LKJCholesky", dict(dim=3, concentration=1.5), _corr_chol(3, (2,)),
     "float64"),
    ("lkj_batch", "LKJCholesky", dict(dim=4, concentration=np.array([0.5, 1.0, 3.0])),
     _corr_chol(4, (3,)), "float64"),
    ("lkj_dim2", "LKJCholesky", dict(dim=2, concentration=np.array([[0.7], [2.0]])),
     _corr_chol(2, (2, 3)), "float64"),
    ("lkj_f32", "LKJCholesky", dict(dim=3, concentration=np.array([0.8, 2.0])),
     _corr_chol(3, (2,)), "float32"),
    ("wishart_cov", "Wishart", dict(df=np.array([4.5, 6.0]), covariance_matrix=_spd(3)),
     _spd(3, (2,)), "float64"),
    ("wishart_tril", "Wishart", dict(df=5.0, scale_tril=_tril(3, (2,))), _spd(3, (4, 2)),
     "float64"),
    ("wishart_prec", "Wishart", dict(df=np.array(3.5), precision_matrix=_spd(3)), _spd(3),
     "float64"),
    ("wishart_bcast", "Wishart", dict(df=np.array([[3.0], [8.0]]), scale_tril=_tril(2, (3,))),
     _spd(2, (2, 3)), "float64"),
    ("wishart_f32", "Wishart", dict(df=np.array([3.0, 7.0]), covariance_matrix=_spd(2)),
     _spd(2, (2,)), "float32"),
]
IDS = [c[0] for c in CASES]


@pytest.fixture(autouse=True)
def _seeded():
    jtorch.manual_seed(0)
    torch.manual_seed(0)


def _cls(lib, name):
    if lib is torch:
        return getattr(torch.distributions, name)
    return jlkj.LKJCholesky if name == "LKJCholesky" else jwis.Wishart


def _build(lib, case, grad=True, **extra):
    """The distribution in `lib` and its leaf parameter tensors."""
    _, name, kw, _, dt = case
    leaves, args = {}, {}
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            args[k] = leaves[k] = lib.tensor(v, dtype=getattr(lib, dt), requires_grad=grad)
        else:
            args[k] = v
    return _cls(lib, name)(**args, **extra), (leaves if grad else {})


def _pair(case, grad=True, **extra):
    return _build(jtorch, case, grad, **extra), _build(torch, case, grad, **extra)


def _tol(case):
    return dict(rtol=2e-4, atol=1e-5) if case[4] == "float32" else dict(rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shapes_and_repr(case):
    (j, _), (t, _) = _pair(case, grad=False)
    check_shapes_and_repr(j, t)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_prob_and_grad(case):
    (j, jl), (t, tl) = _pair(case)
    dt = case[4]
    vj = jtorch.tensor(case[3], dtype=getattr(jtorch, dt), requires_grad=True)
    vt = torch.tensor(case[3], dtype=getattr(torch, dt), requires_grad=True)
    lj, lt = j.log_prob(vj), t.log_prob(vt)
    assert str(lj.dtype) == str(lt.dtype)
    close(lj, lt, **_tol(case))
    lt.sum().backward()
    lj.sum().backward()
    tol = dict(rtol=max(_tol(case)["rtol"], 1e-5), atol=_tol(case)["atol"])
    grads_close(jl, tl, **tol)
    close(vj.grad, vt.grad, **tol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_moments_entropy(case):
    (j, jl), (t, tl) = _pair(case)
    # NOTE: torch's Wishart with a python-number df keeps df 0-dim, so its mean/mode/variance
    # cannot view it to a batched shape; jtorch raises the same error.
    check_moments(j, t, jl, tl, dict(rtol=max(_tol(case)["rtol"], 1e-5), atol=_tol(case)["atol"]),
                  same_runtime_error=True)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_expand(case):
    (j, _), (t, _) = _pair(case, grad=False)
    je, te = expand_pair(j, t)
    assert repr(je) == repr(te)
    v = case[3].reshape((-1,) + tuple(t.event_shape))[0]  # NOTE: broadcasts to any batch
    close(je.log_prob(jtorch.tensor(v, dtype=getattr(jtorch, case[4]))),
          te.log_prob(torch.tensor(v, dtype=getattr(torch, case[4]))), **_tol(case))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(je.sample().shape) == tuple(te.sample().shape)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_matches_torch_distribution(case):
    (j, _), (t, _) = _pair(case, grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sj, st = j.sample((N,)), t.sample((N,))
    xj = check_samples(sj, st, t, N)
    if case[1] == "Wishart":
        # NOTE: and the sample mean within 5 standard errors (torch's variance / N) of the mean;
        # expand() broadcasts a python-number df, without which torch's moments cannot batch.
        te = t.expand(t.batch_shape)
        se = np.sqrt(to_np(te.variance).reshape(-1) / N)
        assert (np.abs(xj.mean(0) - to_np(te.mean).reshape(-1)) < 5 * se).all()


def test_lkj_correlation_moments():
    # NOTE: each correlation r of LKJ(eta) in dim d has (r + 1) / 2 ~ Beta(b, b) with
    # b = eta - 1 + d / 2, so E[r] = 0 and Var[r] = 1 / (2 eta + d - 1); 5 standard errors.
    d, eta = 4, 2.0
    L = to_np(jlkj.LKJCholesky(d, jtorch.tensor(eta, dtype=jtorch.float64)).sample((N,)))
    C = L @ np.swapaxes(L, -1, -2)
    np.testing.assert_allclose(np.diagonal(C, axis1=-2, axis2=-1), 1.0, rtol=1e-12)
    r = C[:, np.tril_indices(d, -1)[0], np.tril_indices(d, -1)[1]]
    var = 1 / (2 * eta + d - 1)
    assert (np.abs(r.mean(0)) < 5 * np.sqrt(var / N)).all()
    # NOTE: the sample variance's standard error is about var * sqrt(2 / N) (near-normal r).
    # torch's onion sampler only gets r_10 right (its other correlations come out ~30% wider
    # than LKJ's); jtorch reproduces torch's sampler, so the rest are compared with torch's.
    assert abs(r[:, 0].var() - var) < 5 * var * np.sqrt(2 / N)
    Lt = torch.distributions.LKJCholesky(d, torch.tensor(eta, dtype=torch.float64)).sample((N,))
    Ct = to_np(Lt) @ np.swapaxes(to_np(Lt), -1, -2)
    rt = Ct[:, np.tril_indices(d, -1)[0], np.tril_indices(d, -1)[1]]
    assert (np.abs(r.var(0) - rt.var(0)) < 5 * rt.var(0) * np.sqrt(4 / N)).all()


def _warning_messages(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fn()
    return [(w.category, str(w.message)) for w in rec]


def test_wishart_rsample_warns_as_torch():
    # NOTE: torch's first singularity check misses its `~`: every rsample of valid samples warns.
    cov = _spd(3)
    j = jwis.Wishart(jtorch.tensor(5.0), covariance_matrix=jtorch.tensor(cov))
    t = torch.distributions.Wishart(torch.tensor(5.0), covariance_matrix=torch.tensor(cov))
    for shape in [(), (3,), (2, 2)]:
        mj = _warning_messages(lambda: j.rsample(shape))
        mt = _warning_messages(lambda: t.rsample(shape))
        assert mj == mt and mt, shape


def test_wishart_low_df_warning():
    cov = _spd(3)
    mj = _warning_messages(lambda: jwis.Wishart(jtorch.tensor([2.5, 4.0]),
                                                covariance_matrix=jtorch.tensor(cov)))
    mt = _warning_messages(lambda: torch.distributions.Wishart(
        torch.tensor([2.5, 4.0]), covariance_matrix=torch.tensor(cov)))
    assert mj == mt and mt


def test_wishart_rsample_graph_and_pathwise_gradient():
    # NOTE: pathwise gradients are unbiased: d/dL mean(rsample) ~ d/dL E[X] = d/dL df L L^T.
    tril = _tril(2)
    jL = jtorch.tensor(tril, requires_grad=True)
    tL = torch.tensor(tril, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = jwis.Wishart(jtorch.tensor(4.0, dtype=jtorch.float64), scale_tril=jL).rsample((20000,))
    assert x.requires_grad and x.grad_fn is not None
    x.mean(0).sum().backward()
    torch.distributions.Wishart(torch.tensor(4.0, dtype=torch.float64),
                                scale_tril=tL).mean.sum().backward()
    np.testing.assert_allclose(to_np(jL.grad), to_np(tL.grad), rtol=0.05, atol=0.05)


def test_lkj_has_no_rsample():
    j, t = jlkj.LKJCholesky(3), torch.distributions.LKJCholesky(3)
    assert j.has_rsample is t.has_rsample is False
    with pytest.raises(NotImplementedError):
        t.rsample()
    with pytest.raises(NotImplementedError):
        j.rsample()


def test_float32_default_dtype():
    pairs = [(jlkj.LKJCholesky(3), torch.distributions.LKJCholesky(3)),
             (jlkj.LKJCholesky(2, 0.5), torch.distributions.LKJCholesky(2, 0.5)),
             (jwis.Wishart(5.0, covariance_matrix=jtorch.eye(2)),
              torch.distributions.Wishart(5.0, covariance_matrix=torch.eye(2)))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j, t in pairs:
            sj, st = j.sample((2,)), t.sample((2,))
            assert str(sj.dtype) == str(st.dtype) == "torch.float32"
            assert tuple(sj.shape) == tuple(st.shape)
            assert repr(j) == repr(t)


def test_wishart_kl_through_exponential_family():
    # NOTE: torch registers no Wishart KL: kl_divergence takes the ExponentialFamily route
    # (Bregman divergence of the log normalizer through its natural parameters).
    from jtorch.distributions.kl import kl_divergence
    a, b = _spd(3), _spd(3)
    jp = jwis.Wishart(jtorch.tensor([5.0, 7.0]), covariance_matrix=jtorch.tensor(a))
    jq = jwis.Wishart(jtorch.tensor([4.0, 6.0]), covariance_matrix=jtorch.tensor(b))
    tp = torch.distributions.Wishart(torch.tensor([5.0, 7.0]), covariance_matrix=torch.tensor(a))
    tq = torch.distributions.Wishart(torch.tensor([4.0, 6.0]), covariance_matrix=torch.tensor(b))
    close(kl_divergence(jp, jq), torch.distributions.kl_divergence(tp, tq), rtol=1e-4, atol=1e-5)


def _both(fn):
    """fn(lib, cls_of(name)) for jtorch and torch."""
    return (lambda: fn(jtorch, lambda n: _cls(jtorch, n)),
            lambda: fn(torch, lambda n: _cls(torch, n)))


_SPD, _NOT_PD = _spd(2), np.array([[1.0, 2.0], [2.0, 1.0]])
BAD = [
    ("lkj_dim1", ValueError, lambda lib, C: C("LKJCholesky")(1, 1.0)),
    ("lkj_conc_neg", ValueError,
     lambda lib, C: C("LKJCholesky")(3, lib.tensor([-1.0, 1.0]), validate_args=True)),
    ("lkj_conc_zero_dim2", ValueError,
     lambda lib, C: C("LKJCholesky")(2, lib.tensor([0.0]), validate_args=True)),
    ("lkj_value", ValueError, lambda lib, C: C("LKJCholesky")(2, validate_args=True).log_prob(
        lib.tensor([[1.0, 0.0], [0.5, 0.5]]))),
    ("wishart_two_params", AssertionError, lambda lib, C: C("Wishart")(
        5.0, covariance_matrix=lib.tensor(_SPD), scale_tril=lib.eye(2, dtype=lib.float64))),
    ("wishart_no_param", AssertionError, lambda lib, C: C("Wishart")(5.0)),
    ("wishart_1d", ValueError, lambda lib, C: C("Wishart")(5.0, covariance_matrix=lib.ones(2))),
    ("wishart_df_low_number", ValueError,
     lambda lib, C: C("Wishart")(1.0, covariance_matrix=lib.tensor(_SPD))),
    ("wishart_df_low_tensor", ValueError,
     lambda lib, C: C("Wishart")(lib.tensor([3.0, 0.5]), covariance_matrix=lib.tensor(_SPD))),
    ("wishart_not_pd", ValueError, lambda lib, C: C("Wishart")(
        5.0, covariance_matrix=lib.tensor(_NOT_PD), validate_args=True)),
    ("wishart_tril_bad", ValueError, lambda lib, C: C("Wishart")(
        5.0, scale_tril=lib.tensor([[1.0, 0.0], [1.0, -1.0]]), validate_args=True)),
    ("wishart_value", ValueError, lambda lib, C: C("Wishart")(
        5.0, covariance_matrix=lib.tensor(_SPD), validate_args=True).log_prob(
            lib.tensor(_NOT_PD))),
]


@pytest.mark.parametrize("bad", BAD, ids=[b[0] for b in BAD])
def test_validation_errors(bad):
    _, exc, fn = bad
    fj, ft = _both(fn)
    same_error(fj, ft, exc)
