"""The transforms added for torch parity (Abs, Softplus, Reshape, StickBreaking, LowerCholesky,
PositiveDefinite, CorrCholesky, Cat, Stack, CumulativeDistribution) and constraint_registry's
biject_to / transform_to, vs real torch."""
import importlib

import numpy as np
import pytest

from ._cases import close, jtorch, torch

R = np.random.RandomState(2)


def _T(lib):
    return importlib.import_module(f"{lib.__name__}.distributions.transforms")


def _C(lib):
    return lib.distributions.constraints


# (id, builder(lib) -> transform, input x (numpy))
CASES = [
    ("abs", lambda L: _T(L).AbsTransform(), R.randn(2, 3)),
    ("softplus", lambda L: _T(L).SoftplusTransform(), R.randn(2, 3)),
    ("reshape", lambda L: _T(L).ReshapeTransform((2, 3), (6,)), R.randn(4, 2, 3)),
    ("stick_breaking", lambda L: _T(L).StickBreakingTransform(), R.randn(2, 3)),
    ("lower_cholesky", lambda L: _T(L).LowerCholeskyTransform(), R.randn(2, 3, 3)),
    ("positive_definite", lambda L: _T(L).PositiveDefiniteTransform(), R.randn(2, 3, 3)),
    ("corr_cholesky", lambda L: _T(L).CorrCholeskyTransform(), R.randn(2, 3)),
    ("cat_event", lambda L: _T(L).CatTransform(
        [_T(L).ExpTransform(), _T(L).AffineTransform(1.0, 2.0)], dim=-1, lengths=[2, 1]),
     R.randn(4, 3)),
    ("cat_batch", lambda L: _T(L).CatTransform(
        [_T(L).ExpTransform(), _T(L).IndependentTransform(_T(L).SoftplusTransform(), 1)],
        dim=0, lengths=[1, 2]), R.randn(3, 2)),
    ("stack", lambda L: _T(L).StackTransform(
        [_T(L).ExpTransform(), _T(L).AffineTransform(0.0, 3.0), _T(L).SoftplusTransform()],
        dim=1), R.randn(2, 3)),
    ("cdf_normal", lambda L: _T(L).CumulativeDistributionTransform(
        L.distributions.Normal(L.tensor(0.5, dtype=L.float64), 2.0)), R.randn(5)),
]
IDS = [c[0] for c in CASES]


def _try(fn):
    """(result, None) or (None, exception type)."""
    try:
        return fn(), None
    except (NotImplementedError, ValueError) as e:
        return None, type(e)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_and_grads(case):
    _, make, xv = case
    tj, tt = make(jtorch), make(torch)
    xj = jtorch.tensor(xv, dtype=jtorch.float64, requires_grad=True)
    xt = torch.tensor(xv, dtype=torch.float64, requires_grad=True)
    yj, yt = tj(xj), tt(xt)
    close(yj, yt)
    try:
        ok = tt.codomain.check(yt)
    except RuntimeError:  # NOTE: torch's cat constraint can't mix event dims either
        with pytest.raises(RuntimeError):
            tj.codomain.check(yj)
    else:
        close(tj.codomain.check(yj), ok)
        assert bool(ok.all())
    close(tj.inv(yj), tt.inv(yt))
    lj, ej = _try(lambda: tj.log_abs_det_jacobian(xj, yj))
    lt, et = _try(lambda: tt.log_abs_det_jacobian(xt, yt))
    assert ej is et
    if lt is None:
        lt, lj = yt.sum() * 0, yj.sum() * 0
    close(lj, lt)
    ij, eij = _try(lambda: tj.inv.log_abs_det_jacobian(yj, xj))
    it, eit = _try(lambda: tt.inv.log_abs_det_jacobian(yt, xt))
    assert eij is eit
    if it is not None:
        close(ij, it)
    (yt.sum() + lt.sum()).backward()
    (yj.sum() + lj.sum()).backward()
    close(xj.grad, xt.grad, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_static_properties(case):
    _, make, xv = case
    tj, tt = make(jtorch), make(torch)
    assert repr(tj) == repr(tt) and repr(tj.inv) == repr(tt.inv)
    for name in ["domain", "codomain"]:
        cj, ct = getattr(tj, name), getattr(tt, name)
        assert repr(cj) == repr(ct) and cj.event_dim == ct.event_dim, name
        cj, ct = getattr(tj.inv, name), getattr(tt.inv, name)
        assert repr(cj) == repr(ct), name
    assert _try(lambda: tj.event_dim) == _try(lambda: tt.event_dim)
    assert tj.bijective == tt.bijective
    assert _try(lambda: tj.sign) == _try(lambda: tt.sign)
    shape = torch.Size(xv.shape)
    fs = tt.forward_shape(shape)
    assert tuple(tj.forward_shape(jtorch.Size(xv.shape))) == tuple(fs)
    assert tuple(tj.inverse_shape(jtorch.Size(fs))) == tuple(tt.inverse_shape(fs))
    assert tuple(tj.inv.forward_shape(jtorch.Size(fs))) == tuple(tt.inv.forward_shape(fs))
    assert (tj == make(jtorch)) == (tt == make(torch))
    assert (tj != make(jtorch)) == (tt != make(torch))
    assert (tj == _T(jtorch).ExpTransform()) == (tt == _T(torch).ExpTransform()) is False
    assert tj.inv.inv is tj


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_with_cache(case):
    _, make, xv = case
    t = make(jtorch).with_cache(1)
    assert t._cache_size == 1 and t.with_cache(1) is t
    x = jtorch.tensor(xv, dtype=jtorch.float64)
    y = t(x)
    assert t(x) is y and t.inv(y) is x


def _err(fn_t, fn_j, exc):
    with pytest.raises(exc) as et:
        fn_t()
    with pytest.raises(exc) as ej:
        fn_j()
    assert str(ej.value) == str(et.value)


@pytest.mark.parametrize("fn,exc", [
    (lambda L: _T(L).ReshapeTransform((2, 3), (5,)), ValueError),
    (lambda L: _T(L).ReshapeTransform((2, 3), (6,)).forward_shape(L.Size((3, 2))), ValueError),
    (lambda L: _T(L).ReshapeTransform((2, 3), (6,)).inverse_shape(L.Size((4, 5))), ValueError),
    (lambda L: _T(L).ReshapeTransform((2, 3), (6,)).forward_shape(L.Size((3,))), ValueError),
    (lambda L: _T(L).CorrCholeskyTransform().forward_shape(L.Size((4,))), ValueError),
    (lambda L: _T(L).CorrCholeskyTransform().inverse_shape(L.Size((3, 4))), ValueError),
    (lambda L: _T(L).StickBreakingTransform().forward_shape(L.Size(())), ValueError),
    (lambda L: _T(L).CatTransform([_T(L).ExpTransform()], 0, [1, 2]), AssertionError),
    (lambda L: _T(L).CatTransform([1]), AssertionError),
    (lambda L: _T(L).CatTransform([_T(L).ExpTransform()], 0, [2])(L.zeros(3)), AssertionError),
    (lambda L: _T(L).CatTransform([_T(L).ExpTransform()], 2)(L.zeros(3)), AssertionError),
    (lambda L: _T(L).StackTransform([_T(L).ExpTransform()], 0)(L.zeros(3)), AssertionError),
    (lambda L: _T(L).StackTransform([_T(L).ExpTransform()], 0).inv(L.zeros(2)),
     AssertionError),
    (lambda L: _T(L).StackTransform([_T(L).ExpTransform()] * 2, 0).log_abs_det_jacobian(
        L.zeros(2), L.zeros(3)), AssertionError),
])
def test_errors(fn, exc):
    _err(lambda: fn(torch), lambda: fn(jtorch), exc)


def test_transformed_distribution_with_new_transforms():
    # NOTE: a Dirichlet-like density on the simplex via StickBreaking, scored against torch.
    def make(L):
        base = L.distributions.Normal(L.zeros(2, dtype=L.float64), L.ones(2, dtype=L.float64))
        return L.distributions.TransformedDistribution(
            L.distributions.Independent(base, 1), [_T(L).StickBreakingTransform()])
    j, t = make(jtorch), make(torch)
    assert tuple(j.event_shape) == tuple(t.event_shape) == (3,)
    y = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    close(j.log_prob(jtorch.tensor(y)), t.log_prob(torch.tensor(y)), rtol=1e-6)


def _registry(lib):
    return importlib.import_module(f"{lib.__name__}.distributions.constraint_registry")


CONSTRAINTS = [
    ("real", lambda C: C.real, (3,)), ("real_vector", lambda C: C.real_vector, (3,)),
    ("indep_positive", lambda C: C.independent(C.positive, 1), (2, 3)),
    ("positive", lambda C: C.positive, (3,)), ("nonnegative", lambda C: C.nonnegative, (3,)),
    ("greater_than", lambda C: C.greater_than(2.0), (3,)),
    ("greater_than_eq", lambda C: C.greater_than_eq(-1.0), (3,)),
    ("less_than", lambda C: C.less_than(3.0), (3,)),
    ("unit_interval", lambda C: C.unit_interval, (3,)),
    ("interval", lambda C: C.interval(-2.0, 5.0), (3,)),
    ("half_open_interval", lambda C: C.half_open_interval(0.0, 2.0), (3,)),
    ("simplex", lambda C: C.simplex, (2, 3)),
    ("lower_cholesky", lambda C: C.lower_cholesky, (2, 2)),
    ("positive_definite", lambda C: C.positive_definite, (2, 2)),
    ("positive_semidefinite", lambda C: C.positive_semidefinite, (2, 2)),
    ("corr_cholesky", lambda C: C.corr_cholesky, (3,)),
    ("cat", lambda C: C.cat([C.positive, C.real], 0, [1, 2]), (3,)),
    ("stack", lambda C: C.stack([C.positive, C.unit_interval], -1), (4, 2)),
    ("boolean", lambda C: C.boolean, None), ("one_hot", lambda C: C.one_hot, None),
    ("integer_interval", lambda C: C.integer_interval(0, 3), None),
    ("nonnegative_integer", lambda C: C.nonnegative_integer, None),
    ("lower_triangular", lambda C: C.lower_triangular, None),
    ("symmetric", lambda C: C.symmetric, None), ("square", lambda C: C.square, None),
    ("multinomial", lambda C: C.multinomial(3), None),
]


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("cid,make,shape", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_constraint_registry(registry, cid, make, shape):
    rj = getattr(_registry(jtorch), registry)
    rt = getattr(_registry(torch), registry)
    cj, ct = make(_C(jtorch)), make(_C(torch))
    try:
        tt = rt(ct)
    except NotImplementedError as e:
        with pytest.raises(NotImplementedError) as ej:
            rj(cj)
        assert str(ej.value) == str(e)
        return
    tj = rj(cj)
    assert type(tj).__name__ == type(tt).__name__ and repr(tj) == repr(tt)
    assert tj.bijective == tt.bijective
    x = R.randn(*shape)
    yj, yt = tj(jtorch.tensor(x)), tt(torch.tensor(x))
    close(yj, yt)
    assert bool(cj.check(yj).all())


def test_registry_register_and_errors():
    mod = _registry(jtorch)
    reg = mod.ConstraintRegistry()
    f = reg.register(_C(jtorch).positive)(lambda c: "exp")
    assert reg(_C(jtorch).positive) == "exp" and callable(f)
    assert reg(_C(jtorch).greater_than(3.0)) == "exp"  # NOTE: keyed by constraint type
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint"):
        reg.register(int, lambda c: None)
    with pytest.raises(NotImplementedError, match="Cannot transform _Simplex constraints"):
        reg(_C(jtorch).simplex)
    assert mod.biject_to is not mod.transform_to
