"""Dropout family: statistical checks (masks come from jtorch's own RNG) and torch's errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same_raise


def _np(t):
    return np.asarray(t.detach()._arr())


def test_dropout_stats_grad_and_seed():
    x = jtorch.ones(400, 50, requires_grad=True)
    jtorch.manual_seed(0)
    y = JF.dropout(x, 0.3)
    jtorch.manual_seed(0)
    y2 = JF.dropout(x, 0.3)
    a = _np(y)
    assert abs((a == 0).mean() - 0.3) < 0.02
    assert np.allclose(np.unique(a), [0.0, 1 / 0.7])
    assert (a == _np(y2)).all()
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert (_np(x.grad) == a).all()  # d/dx of x * mask / (1-p) is the scaled mask
    assert not (a == _np(JF.dropout(x, 0.3))).all()  # the generator advanced


def test_dropout_identity_cases():
    x = jtorch.randn(3, 4)
    assert JF.dropout(x, training=False) is x
    assert JF.dropout(x, 0.0) is x
    z = _np(JF.dropout(x, 1.0))
    assert (z == 0).all()
    y = jtorch.ones(3, 4)
    r = JF.dropout(y, 0.5, inplace=True)
    assert r is y and set(np.unique(_np(y))) <= {0.0, 2.0}


@pytest.mark.parametrize("fn,shape,lead", [("dropout1d", (200, 40, 6), 2),
                                           ("dropout1d", (400, 6), 1),
                                           ("dropout2d", (100, 50, 3, 3), 2),
                                           ("dropout3d", (20, 60, 2, 2, 2), 2),
                                           ("dropout3d", (600, 2, 2, 2), 1)])
def test_feature_dropout(fn, shape, lead):
    jtorch.manual_seed(3)
    y = _np(getattr(JF, fn)(jtorch.ones(*shape), 0.4))
    assert y.shape == shape
    flat = y.reshape(y.shape[:lead] + (-1,))
    assert (flat == flat[..., :1]).all()  # whole channels kept or dropped
    assert abs((flat[..., 0] == 0).mean() - 0.4) < 0.08


@pytest.mark.parametrize("fn,shape", [("alpha_dropout", (200000,)),
                                      ("feature_alpha_dropout", (400, 200, 4))])
def test_alpha_dropout_keeps_moments(fn, shape):
    jtorch.manual_seed(1)
    x = jtorch.randn(*shape)
    y = _np(getattr(JF, fn)(x, 0.2, True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.03
    assert getattr(JF, fn)(x, 0.2, False) is x


def test_dropout_warnings_like_torch():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        JF.dropout2d(jtorch.ones(2, 3, 4), 0.5)
    assert any("dropout2d: Received a 3D input" in str(m.message) for m in w)


ERRS = [
    lambda F, T: F.dropout(T(2, 3), 1.5),
    lambda F, T: F.dropout(T(2, 3), -0.1),
    lambda F, T: F.alpha_dropout(T(2, 3), 2.0),
    lambda F, T: F.dropout1d(T(2, 3, 4, 5), 0.5),
    lambda F, T: F.dropout2d(T(2, 3, 4, 5), -1.0),
]


@pytest.mark.parametrize("i", range(len(ERRS)))
def test_dropout_errors(i):
    assert_same_raise(lambda: ERRS[i](JF, jtorch.randn), lambda: ERRS[i](TF, torch.randn))


# ---- layers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                  "AlphaDropout", "FeatureAlphaDropout"])
def test_dropout_layers(name):
    jm, tm = getattr(jtorch.nn, name)(0.25), getattr(torch.nn, name)(0.25)
    assert repr(jm) == repr(tm)
    assert repr(getattr(jtorch.nn, name)(p=0.1, inplace=True)) == \
        repr(getattr(torch.nn, name)(p=0.1, inplace=True))
    assert list(jm.state_dict()) == list(tm.state_dict()) == []
    shape = {"Dropout1d": (8, 6, 3), "Dropout2d": (8, 6, 3, 2)}.get(name, (8, 6, 3, 2, 2))
    x = jtorch.ones(*shape)
    jm.eval()
    assert jm(x) is x  # identity in eval mode, like torch
    jm.train()
    y = _np(jm(x))
    assert y.shape == shape
    assert (y == 0).any() if not name.endswith("AlphaDropout") else (y != 1).any()
    assert_same_raise(lambda: getattr(jtorch.nn, name)(1.5), lambda: getattr(torch.nn, name)(1.5))
