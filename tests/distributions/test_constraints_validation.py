"""constraints (check/repr) and argument/sample validation errors vs real torch."""
import numpy as np
import pytest

from ._cases import close, jtorch, torch

JD, TD = jtorch.distributions, torch.distributions
NAMES = ["real", "positive", "nonnegative", "unit_interval", "simplex", "boolean",
         "nonnegative_integer", "positive_integer", "real_vector", "one_hot", "lower_cholesky",
         "positive_definite"]


@pytest.mark.parametrize("name", NAMES)
def test_constraint_check_and_repr(name):
    cj, ct = getattr(JD.constraints, name), getattr(TD.constraints, name)
    assert repr(cj) == repr(ct)
    assert cj.event_dim == ct.event_dim and cj.is_discrete == ct.is_discrete
    shape = (4, 3, 3) if cj.event_dim == 2 else (4, 3)
    a = np.random.RandomState(1).randn(4, 3, 3)
    cands = [np.random.RandomState(1).randn(*shape), np.abs(np.random.RandomState(2).randn(*shape)),
             np.ones(shape), np.zeros(shape)]
    if cj.event_dim == 2:
        cands += [np.eye(3)[None].repeat(4, 0), a @ a.transpose(0, 2, 1), np.tril(a)]
    else:
        cands += [np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [0, 1, 0], [2, 0, 0]])]
    for x in cands:
        close(cj.check(jtorch.tensor(x)), ct.check(torch.tensor(x)))


def test_parametrized_constraints():
    for f, args in [("interval", (0.0, 2.0)), ("greater_than", (1.0,)),
                    ("integer_interval", (0, 3)), ("less_than", (1.5,)),
                    ("half_open_interval", (0.0, 1.0)), ("greater_than_eq", (0.5,))]:
        cj, ct = getattr(JD.constraints, f)(*args), getattr(TD.constraints, f)(*args)
        assert repr(cj) == repr(ct)
        x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
        close(cj.check(jtorch.tensor(x)), ct.check(torch.tensor(x)))
    assert JD.constraints.is_dependent(JD.constraints.dependent)
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        JD.constraints.dependent.check(jtorch.tensor(1.0))


def _same_error(fj, ft):
    with pytest.raises(ValueError) as et:
        ft()
    with pytest.raises(ValueError) as ej:
        fj()
    assert str(ej.value) == str(et.value)


@pytest.mark.parametrize("cls,kw", [
    ("Normal", dict(loc=[0.0, 1.0, float("nan")], scale=[1.0, 1.0, 1.0])),
    ("Normal", dict(loc=[0.0, 1.0], scale=[1.0, -1.0])),
    ("Bernoulli", dict(probs=[0.5, 1.5])),
    ("Categorical", dict(probs=[[0.5, -0.1]])),
    ("Gamma", dict(concentration=[1.0, 0.0], rate=[1.0, 1.0])),
    ("Uniform", dict(low=[0.0, 2.0], high=[1.0, 1.0])),
    ("Dirichlet", dict(concentration=[1.0, -2.0])),
    ("Poisson", dict(rate=[-1.0])),
    ("Exponential", dict(rate=[0.0])),
])
def test_argument_validation(cls, kw):
    _same_error(lambda: getattr(JD, cls)(**{k: jtorch.tensor(v) for k, v in kw.items()}),
                lambda: getattr(TD, cls)(**{k: torch.tensor(v) for k, v in kw.items()}))


def test_sample_validation():
    _same_error(lambda: JD.Exponential(jtorch.tensor([1.0, 2.0])).log_prob(jtorch.tensor([-1.0, 1.0])),
                lambda: TD.Exponential(torch.tensor([1.0, 2.0])).log_prob(torch.tensor([-1.0, 1.0])))
    _same_error(lambda: JD.Normal(jtorch.zeros(3), 1.0).log_prob(jtorch.zeros(2)),
                lambda: TD.Normal(torch.zeros(3), 1.0).log_prob(torch.zeros(2)))
    _same_error(lambda: JD.Categorical(logits=jtorch.zeros(3)).log_prob(jtorch.tensor(3)),
                lambda: TD.Categorical(logits=torch.zeros(3)).log_prob(torch.tensor(3)))
    _same_error(lambda: JD.Normal(0.0, 1.0).log_prob(1.0),
                lambda: TD.Normal(0.0, 1.0).log_prob(1.0))


def test_validate_args_switches():
    d = JD.Normal(jtorch.tensor([0.0]), jtorch.tensor([-1.0]), validate_args=False)
    assert tuple(d.batch_shape) == (1,)
    try:
        JD.Distribution.set_default_validate_args(False)
        JD.Normal(jtorch.tensor([0.0]), jtorch.tensor([-1.0]))
    finally:
        JD.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        JD.Normal(jtorch.tensor([0.0]), jtorch.tensor([-1.0]))
    with pytest.raises(ValueError):
        JD.Distribution.set_default_validate_args(2)
