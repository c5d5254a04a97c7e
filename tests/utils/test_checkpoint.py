"""jtorch.utils.checkpoint: values, gradients and warnings equal torch.utils.checkpoint's."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tc

import jtorch
import jtorch.utils.checkpoint as jc


def _models():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                             torch.nn.ReLU(), torch.nn.Linear(8, 3))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(4, 8), jtorch.nn.Tanh(), jtorch.nn.Linear(8, 8),
                              jtorch.nn.ReLU(), jtorch.nn.Linear(8, 3))
    for (_, tp), (_, jp) in zip(tm.named_parameters(), jm.named_parameters()):
        with jtorch.no_grad():
            jp.copy_(jtorch.tensor(tp.detach().numpy()))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    return tm, jm, x


def _close(j, t):
    np.testing.assert_allclose(j.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def _grads(model):
    return [p.grad for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_checkpoint_values_and_grads(use_reentrant, x_requires_grad):
    tm, jm, x = _models()
    tx = torch.tensor(x, requires_grad=x_requires_grad)
    jx = jtorch.tensor(x, requires_grad=x_requires_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = tc.checkpoint(lambda a: tm[2](tm[1](tm[0](a))), tx, use_reentrant=use_reentrant)
        jy = jc.checkpoint(lambda a: jm[2](jm[1](jm[0](a))), jx, use_reentrant=use_reentrant)
    _close(jy, ty)
    assert jy.requires_grad == ty.requires_grad
    if ty.requires_grad:
        ty.pow(2).sum().backward()
        jy.pow(2).sum().backward()
        for jg, tg in zip(_grads(jm), _grads(tm)):
            assert (jg is None) == (tg is None)
            if tg is not None:
                _close(jg, tg)
        if x_requires_grad:
            _close(jx.grad, tx.grad)


def test_checkpoint_kwargs_non_reentrant():
    def f(a, *, scale):
        return (a * scale).sin()
    tx = torch.tensor([0.5, 1.0], requires_grad=True)
    jx = jtorch.tensor([0.5, 1.0], requires_grad=True)
    ty = tc.checkpoint(f, tx, use_reentrant=False, scale=torch.tensor(2.0))
    jy = jc.checkpoint(f, jx, use_reentrant=False, scale=jtorch.tensor(2.0))
    _close(jy, ty)
    ty.sum().backward()
    jy.sum().backward()
    _close(jx.grad, tx.grad)


def _warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(x.category, str(x.message)) for x in w]


def test_use_reentrant_warning_matches():
    tx = torch.ones(2, requires_grad=True)
    jx = jtorch.ones(2, requires_grad=True)
    assert _warned(lambda: jc.checkpoint(jtorch.sin, jx)) == _warned(lambda: tc.checkpoint(torch.sin, tx))
    assert _warned(lambda: jc.checkpoint(jtorch.sin, jx, use_reentrant=False)) == []
    assert (_warned(lambda: jc.checkpoint(jtorch.sin, jtorch.ones(2), use_reentrant=True))
            == _warned(lambda: tc.checkpoint(torch.sin, torch.ones(2), use_reentrant=True)))
    tm, jm, x = _models()
    assert (_warned(lambda: jc.checkpoint_sequential(jm, 2, jtorch.tensor(x, requires_grad=True)))
            == _warned(lambda: tc.checkpoint_sequential(tm, 2, torch.tensor(x, requires_grad=True))))


def test_argument_errors_match():
    def outcome(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            return type(e), str(e)
    for kw in (dict(use_reentrant=True, foo=1), dict(use_reentrant=True, debug=True),
               dict(use_reentrant=False, determinism_check="bogus")):
        want = outcome(lambda: tc.checkpoint(torch.sin, torch.ones(1, requires_grad=True), **kw))
        got = outcome(lambda: jc.checkpoint(jtorch.sin, jtorch.ones(1, requires_grad=True), **kw))
        assert got == want, kw


@pytest.mark.parametrize("segments", [1, 2, 3, 5])
@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_sequential(segments, use_reentrant):
    tm, jm, x = _models()
    tx = torch.tensor(x, requires_grad=True)
    jx = jtorch.tensor(x, requires_grad=True)
    ty = tc.checkpoint_sequential(tm, segments, tx, use_reentrant=use_reentrant)
    jy = jc.checkpoint_sequential(jm, segments, jx, use_reentrant=use_reentrant)
    _close(jy, ty)
    ty.square().mean().backward()
    jy.square().mean().backward()
    for jg, tg in zip(_grads(jm), _grads(tm)):
        _close(jg, tg)
    _close(jx.grad, tx.grad)


def test_context_fn_runs_forward_context():
    entered = []

    class Ctx:
        def __enter__(self):
            entered.append(1)

        def __exit__(self, *a):
            return False
    y = jc.checkpoint(jtorch.cos, jtorch.ones(2, requires_grad=True), use_reentrant=False,
                      context_fn=lambda: (Ctx(), Ctx()))
    assert entered == [1] and y.requires_grad
