"""nn.init vs torch: fan computation and gains exactly; distributions statistically.

jtorch's PRNG differs from torch's, so sampled values are compared by their distribution
(bounds, mean and std within a few standard errors on large tensors), never element-wise.
"""
import math
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise

init = jtorch.nn.init


def sample(fn, shape=(200, 300), dtype=jtorch.float32, **kw):
    """Apply init fn to a fresh tensor; return (tensor, float64 NumPy values)."""
    t = jtorch.empty(shape, dtype=dtype)
    out = fn(t, **kw)
    assert out is t
    return t, np.asarray(t.float()).astype(np.float64)


def check_moments(a, mean, std, k=6.0):
    """Sample mean and std of a are within k standard errors of the expected values."""
    n = a.size
    assert abs(a.mean() - mean) < k * std / math.sqrt(n), (a.mean(), mean)
    # std of the sample std ~ std / sqrt(2n) (normal-ish); a generous band
    assert abs(a.std() - std) < k * std / math.sqrt(2 * n) + 1e-3 * std, (a.std(), std)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (4, 3, 2, 2), (2, 3, 1, 2, 2), (7, 1)])
def test_fan_computation_matches_torch(shape):
    jt, tt = jtorch.empty(shape), torch.empty(shape)
    assert init._calculate_fan_in_and_fan_out(jt) == \
        torch.nn.init._calculate_fan_in_and_fan_out(tt)
    for mode in ["fan_in", "fan_out", "FAN_IN"]:
        assert init._calculate_correct_fan(jt, mode) == \
            torch.nn.init._calculate_correct_fan(tt, mode)
    assert_same_raise(lambda: init._calculate_correct_fan(jt, "bad"),
                      lambda: torch.nn.init._calculate_correct_fan(tt, "bad"),
                      contains=["Mode bad not supported"])


def test_fan_errors_and_gain_table():
    assert_same_raise(lambda: init._calculate_fan_in_and_fan_out(jtorch.empty(3)),
                      lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(3)),
                      contains=["fewer than 2 dimensions"])
    for nl, p in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                  ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3),
                  ("selu", None), ("conv_transpose3d", None)]:
        a, b = init.calculate_gain(nl, p), torch.nn.init.calculate_gain(nl, p)
        assert a == b and type(a) is type(b)
    for nl, p in [("foo", None), ("leaky_relu", True), ("leaky_relu", "x")]:
        assert_same_raise(lambda: init.calculate_gain(nl, p),
                          lambda: torch.nn.init.calculate_gain(nl, p))


def test_uniform_normal_constant():
    _, a = sample(init.uniform_, a=-2.0, b=3.0)
    assert a.min() >= -2 and a.max() < 3
    check_moments(a, 0.5, 5 / math.sqrt(12))
    _, a = sample(init.uniform_)
    assert a.min() >= 0 and a.max() < 1
    _, a = sample(init.normal_, mean=1.5, std=0.5)
    check_moments(a, 1.5, 0.5)
    _, a = sample(init.normal_, shape=(100, 100), dtype=jtorch.float64)
    check_moments(a, 0.0, 1.0)
    _, a = sample(init.normal_, shape=(100, 100), dtype=jtorch.float16, std=2.0)
    check_moments(a, 0.0, 2.0, k=8)
    for fn, kw, val in [(init.constant_, {"val": 0.25}, 0.25), (init.ones_, {}, 1.0),
                        (init.zeros_, {}, 0.0)]:
        _, a = sample(fn, shape=(3, 2), **kw)
        assert (a == val).all()
    t = jtorch.empty(3, dtype=jtorch.int64)
    init.constant_(t, 7)
    assert t.tolist() == [7, 7, 7]


def test_trunc_normal():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, a = sample(init.trunc_normal_, mean=0.0, std=1.0, a=-2.0, b=2.0)
    assert a.min() >= -2 and a.max() <= 2
    # truncated standard normal on [-2, 2]: std = sqrt(1 - 2*2*phi(2)/(Phi(2)-Phi(-2)))
    phi = math.exp(-2) / math.sqrt(2 * math.pi)
    z = math.erf(2 / math.sqrt(2))
    check_moments(a, 0.0, math.sqrt(1 - 4 * phi / z))
    _, a = sample(init.trunc_normal_, mean=1.0, std=0.1, a=0.9, b=1.5)
    assert a.min() >= 0.9 and a.max() <= 1.5 and a.mean() > 1.0
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        sample(init.trunc_normal_, shape=(4,), mean=10.0, std=1.0, a=-2.0, b=2.0)


@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3), (100, 50, 5)])
def test_xavier_and_kaiming(shape):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = 1.3 * math.sqrt(2.0 / (fan_in + fan_out))
    _, a = sample(init.xavier_uniform_, shape, gain=1.3)
    assert np.abs(a).max() <= math.sqrt(3) * std
    check_moments(a, 0.0, std)
    _, a = sample(init.xavier_normal_, shape, gain=1.3)
    check_moments(a, 0.0, std)
    for mode, fan in [("fan_in", fan_in), ("fan_out", fan_out)]:
        gain = math.sqrt(2.0 / (1 + 0.1 ** 2))
        std = gain / math.sqrt(fan)
        _, a = sample(init.kaiming_uniform_, shape, a=0.1, mode=mode)
        assert np.abs(a).max() <= math.sqrt(3) * std
        check_moments(a, 0.0, std)
        _, a = sample(init.kaiming_normal_, shape, mode=mode, nonlinearity="relu")
        check_moments(a, 0.0, math.sqrt(2) / math.sqrt(fan))


def test_kaiming_zero_element_warns():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            fn(jtorch.empty(0, 3))


@pytest.mark.parametrize("shape", [(30, 50), (50, 30), (8, 4, 3)])
def test_orthogonal(shape):
    t, a = sample(init.orthogonal_, shape, gain=2.0)
    rows = shape[0]
    flat = a.reshape(rows, -1) / 2.0
    if rows <= flat.shape[1]:
        np.testing.assert_allclose(flat @ flat.T, np.eye(rows), atol=1e-5)
    else:
        np.testing.assert_allclose(flat.T @ flat, np.eye(flat.shape[1]), atol=1e-5)
    assert_same_raise(lambda: init.orthogonal_(jtorch.empty(3)),
                      lambda: torch.nn.init.orthogonal_(torch.empty(3)))
    assert init.orthogonal_(jtorch.empty(0, 3)).shape == (0, 3)


def test_sparse():
    t, a = sample(init.sparse_, (40, 500), sparsity=0.3, std=0.5)
    zeros = (a == 0).sum(axis=0)
    assert (zeros == math.ceil(0.3 * 40)).all()
    nz = a[a != 0]
    check_moments(nz, 0.0, 0.5)
    # the zeroed rows differ between columns (a random subset per column)
    assert len({tuple(np.nonzero(a[:, c] == 0)[0]) for c in range(20)}) > 1
    assert_same_raise(lambda: init.sparse_(jtorch.empty(2, 3, 4), 0.1),
                      lambda: torch.nn.init.sparse_(torch.empty(2, 3, 4), 0.1))


def test_eye_and_dirac_exact():
    for shape in [(3, 5), (4, 2), (3, 3)]:
        j, t = jtorch.empty(shape), torch.empty(shape)
        assert_same(init.eye_(j), torch.nn.init.eye_(t))
    assert_same_raise(lambda: init.eye_(jtorch.empty(2, 2, 2)),
                      lambda: torch.nn.init.eye_(torch.empty(2, 2, 2)))
    for shape, groups in [((4, 3, 3), 1), ((6, 2, 3, 3), 2), ((2, 2, 3, 3, 3), 1),
                          ((4, 5, 2, 2), 1), ((6, 1, 3), 3)]:
        j, t = jtorch.empty(shape), torch.empty(shape)
        assert_same(init.dirac_(j, groups), torch.nn.init.dirac_(t, groups))
    for shape, groups in [((2, 2), 1), ((5, 2, 3), 2)]:
        assert_same_raise(lambda: init.dirac_(jtorch.empty(shape), groups),
                          lambda: torch.nn.init.dirac_(torch.empty(shape), groups))


def test_generator_reproducible_and_independent():
    g1 = jtorch.Generator().manual_seed(5)
    g2 = jtorch.Generator().manual_seed(5)
    a = init.normal_(jtorch.empty(6), generator=g1)
    b = init.normal_(jtorch.empty(6), generator=g2)
    assert a.tolist() == b.tolist()
    c = init.normal_(jtorch.empty(6), generator=g1)
    assert a.tolist() != c.tolist()
    for fn, kw in [(init.uniform_, {}), (init.xavier_uniform_, {}), (init.kaiming_normal_, {}),
                   (init.trunc_normal_, {}), (init.orthogonal_, {}),
                   (init.sparse_, {"sparsity": 0.5})]:
        x = fn(jtorch.empty(4, 4), generator=jtorch.Generator().manual_seed(3), **kw)
        y = fn(jtorch.empty(4, 4), generator=jtorch.Generator().manual_seed(3), **kw)
        assert x.tolist() == y.tolist(), fn.__name__


def test_init_on_parameter_is_no_grad_and_bumps_version():
    p = jtorch.nn.Parameter(jtorch.zeros(3, 4))
    v = p._version
    init.kaiming_uniform_(p)  # a leaf requiring grad: fine, because init runs under no_grad
    assert p._version > v and p.grad_fn is None and p.requires_grad
    assert float(p.abs().sum()) > 0
    base = jtorch.zeros(4, 4)
    init.ones_(base[1])  # writes through a view into its base, as in torch
    assert base.sum().item() == 4.0


def test_dtype_checks_and_deprecated_aliases():
    assert_same_raise(lambda: init.uniform_(jtorch.empty(3, dtype=jtorch.int64)),
                      lambda: torch.nn.init.uniform_(torch.empty(3, dtype=torch.int64)))
    assert_same_raise(lambda: init.normal_(jtorch.empty(3, dtype=jtorch.int32)),
                      lambda: torch.nn.init.normal_(torch.empty(3, dtype=torch.int32)))
    with pytest.warns(FutureWarning, match="nn.init.normal_"):
        init.normal(jtorch.empty(2))
    assert set(init.__all__) == set(torch.nn.init.__all__)
