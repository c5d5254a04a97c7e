"""nn.LinearCrossEntropyLoss vs torch 2.13: parameters, state_dict, repr, loss and gradients
(torch's weights copied into jtorch's module), constructor and forward errors."""
import numpy as np
import pytest
import torch

import jtorch
from jtorch.nn.modules._linear_cross_entropy import LinearCrossEntropyLoss as JLoss
from _harness import assert_same, assert_same_raise, pair, to_jt
from ._fn_harness import arr


def _modules(*args, **kw):
    """The same module in both libraries; jtorch's gets torch's parameters and buffers."""
    tkw = dict(kw)
    jkw = {k: (to_jt(v) if isinstance(v, torch.Tensor) else v) for k, v in kw.items()}
    if "options" in kw and kw["options"] is not None:
        jkw["options"] = jtorch.nn.LinearCrossEntropyOptions(
            batch_chunk_size=kw["options"].batch_chunk_size)
    tm = torch.nn.LinearCrossEntropyLoss(*args, **tkw)
    jm = JLoss(*args, **jkw)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


def _check(jm, tm, x, target, rtol=1e-5, atol=1e-5):
    """Loss and the gradients of input and every parameter agree."""
    jx, tx = pair(x, requires_grad=True)
    jt, tt = pair(target)
    yj, yt = jm(jx, jt), tm(tx, tt)
    assert_same(yj, yt, rtol=rtol, atol=atol)
    cot = np.random.default_rng(9).standard_normal(tuple(yt.shape)).astype("float32")
    yt.backward(torch.from_numpy(cot))
    yj.backward(jtorch.tensor(cot))
    assert_same(jx.grad, tx.grad, rtol=1e-4, atol=1e-5)
    for (n, jp), (_, tp) in zip(jm.named_parameters(), tm.named_parameters()):
        assert_same(jp.grad, tp.grad, rtol=1e-4, atol=1e-5, where=n + ": ")


def test_structure_state_dict_and_repr():
    for kw in ({}, {"out_features": (2, 3), "bias": True},
               {"weight": torch.rand(4), "ignore_index": 1, "label_smoothing": 0.25,
                "reduction": "sum"},
               {"options": torch.nn.LinearCrossEntropyOptions(batch_chunk_size=3)}):
        jm, tm = _modules(5, 4, **kw)
        assert list(jm.state_dict()) == list(tm.state_dict())
        assert [(n, tuple(p.shape)) for n, p in jm.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
        assert repr(jm) == repr(tm)
    jm = JLoss(3, 2, dtype=jtorch.float64)
    tm = torch.nn.LinearCrossEntropyLoss(3, 2, dtype=torch.float64)
    assert str(jm.linear.weight.dtype) == str(tm.linear.weight.dtype)
    # NOTE: default init is Linear's kaiming_uniform(a=sqrt(5)): |w| <= 1/sqrt(in_features).
    assert float(jm.linear.weight.abs().max()) <= 3 ** -0.5


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_class_indices(reduction):
    jm, tm = _modules(5, 7, weight=torch.from_numpy(arr((7,), 4, low=0.5)), ignore_index=2,
                      reduction=reduction)
    _check(jm, tm, arr((6, 5), 1), np.array([0, 2, 6, 3, 2, 1]))


def test_unbatched_smoothing_and_bias():
    jm, tm = _modules(5, 7, bias=True, label_smoothing=0.3)
    _check(jm, tm, arr((5,), 1), np.array(4))


def test_k_dimensional_probabilities_and_indices():
    jm, tm = _modules(5, 4, out_features=(2, 3), bias=True)
    probs = np.random.default_rng(3).random((2, 4, 2, 3)).astype("float32")
    _check(jm, tm, arr((2, 5), 1), probs / probs.sum(1, keepdims=True))
    _check(jm, tm, arr((2, 5), 2), np.random.default_rng(4).integers(0, 4, (2, 2, 3)))


def test_options_give_the_unchunked_result():
    opts = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    jm, tm = _modules(5, 7, options=opts)
    _check(jm, tm, arr((3, 5), 1), np.array([0, 6, 3]))


def test_errors():
    assert_same_raise(lambda: JLoss(5, 4, weight=jtorch.ones(3)),
                      lambda: torch.nn.LinearCrossEntropyLoss(5, 4, weight=torch.ones(3)),
                      contains=["(4,)", "(3,)"])
    for ls in (-0.1, 1.5):
        assert_same_raise(lambda: JLoss(5, 4, label_smoothing=ls),
                          lambda: torch.nn.LinearCrossEntropyLoss(5, 4, label_smoothing=ls),
                          contains=[str(ls)])
    jm, tm = _modules(5, 4, ignore_index=0)
    probs = np.full((3, 4), 0.25, np.float32)
    jx, tx = pair(arr((3, 5), 1))
    jp, tp = pair(probs)
    assert_same_raise(lambda: jm(jx, jp), lambda: tm(tx, tp), match="ignore_index")
    jm, tm = _modules(6, 4)
    assert_same_raise(lambda: jm(jx, jtorch.zeros(3, dtype=jtorch.int64)),
                      lambda: tm(tx, torch.zeros(3, dtype=torch.int64)), contains=["5", "6"])
