"""Trajectory parity: every optimizer and option, jtorch vs torch.optim, after 25+ steps."""
import numpy as np
import pytest
import torch

import jtorch

from ._util import (assert_params_close, grad_sequence, init_arrays, make_params, np_of,
                    set_grads)

N_STEPS = 25

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.2, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.6, t0=8, weight_decay=0.1, maximize=True)),
]


def _run(lib, name, kwargs, grads, init):
    params = make_params(lib, init)
    opt = getattr(lib.optim, name)(params, **kwargs)
    for gs in grads:
        set_grads(lib, params, gs)
        opt.step()
    return params, opt


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory(name, kwargs):
    init, grads = init_arrays(), grad_sequence(N_STEPS)
    jp, jo = _run(jtorch, name, kwargs, grads, init)
    tp, to = _run(torch, name, kwargs, grads, init)
    assert_params_close(jp, tp)
    # the state: same keys, dtypes and values as torch's
    js, ts = jo.state_dict(), to.state_dict()
    assert js["param_groups"] == ts["param_groups"]
    assert js["state"].keys() == ts["state"].keys()
    for k in ts["state"]:
        assert list(js["state"][k]) == list(ts["state"][k])
        for key, tv in ts["state"][k].items():
            jv = js["state"][k][key]
            assert isinstance(jv, jtorch.Tensor)
            assert str(jv.dtype) == str(tv.dtype) and tuple(jv.shape) == tuple(tv.shape)
            np.testing.assert_allclose(np_of(jv), np_of(tv), rtol=1e-5, atol=1e-6)


def test_param_groups_and_none_grads():
    """Two groups with different hyper-parameters; a param whose grad is None is skipped."""
    init, grads = init_arrays(), grad_sequence(N_STEPS)
    for gs in grads[::3]:
        gs[2] = None  # sometimes no grad for the scalar parameter

    def run(lib):
        ps = make_params(lib, init)
        opt = lib.optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1, "amsgrad": True}],
                             lr=0.01, weight_decay=0.01)
        for gs in grads:
            set_grads(lib, ps, gs)
            opt.step()
        return ps, opt
    jp, jo = run(jtorch)
    tp, to = run(torch)
    assert_params_close(jp, tp)
    assert float(jo.state[jp[2]]["step"]) == float(to.state[tp[2]]["step"]) == N_STEPS - 9
    assert jo.state_dict()["param_groups"] == to.state_dict()["param_groups"]


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_autograd_quadratic(name):
    """Gradients from jtorch autograd on a small least-squares loss, 30 steps."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 4)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    w0 = rng.standard_normal(4).astype(np.float32)

    def run(lib):
        w = lib.tensor(w0.copy(), requires_grad=True)
        c = lib.tensor(np.float32(0.5), requires_grad=True)
        opt = getattr(lib.optim, name)([w, c], lr=0.02, **({"momentum": 0.9}
                                                             if name == "SGD" else {}))
        At, bt = lib.tensor(A), lib.tensor(b)
        losses = []
        for _ in range(30):
            opt.zero_grad()
            loss = ((At @ w + c - bt) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        return [w, c], losses
    jp, jl = run(jtorch)
    tp, tl = run(torch)
    assert_params_close(jp, tp)
    np.testing.assert_allclose(jl, tl, rtol=1e-5)


def test_float64_params():
    """float64 parameters keep float64 state (step stays float32) and match torch."""
    init = init_arrays(dtype=np.float64)
    grads = grad_sequence(N_STEPS, dtype=np.float64)
    jp, jo = _run(jtorch, "Adam", dict(lr=0.01), grads, init)
    tp, to = _run(torch, "Adam", dict(lr=0.01), grads, init)
    assert_params_close(jp, tp, rtol=1e-12, atol=1e-12)
    assert str(jo.state[jp[0]]["exp_avg"].dtype) == "torch.float64"
    assert str(jo.state[jp[0]]["step"].dtype) == "torch.float32"


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(momentum=0.9, nesterov=True)),
                                         ("AdamW", dict(amsgrad=True))])
def test_nn_model_with_groups_and_scheduler(name, kwargs):
    """A Linear model trained with weight/bias param groups and a OneCycleLR schedule (lr and
    momentum/beta1 change every step): parameters and losses match torch's."""
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal((3, 4)).astype(np.float32) * 0.5
    b0 = rng.standard_normal(3).astype(np.float32) * 0.1
    X = rng.standard_normal((16, 4)).astype(np.float32)
    Y = rng.standard_normal((16, 3)).astype(np.float32)

    def run(lib):
        model = lib.nn.Linear(4, 3)
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w0))
            model.bias.copy_(lib.tensor(b0))
        opt = getattr(lib.optim, name)(
            [{"params": [model.weight]}, {"params": [model.bias], "weight_decay": 0.0}],
            lr=0.05, weight_decay=0.01, **kwargs)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=30)
        x, y = lib.tensor(X), lib.tensor(Y)
        losses = []
        for _ in range(30):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
        return [model.weight, model.bias], losses
    (jp, jl), (tp, tl) = run(jtorch), run(torch)
    assert_params_close(jp, tp)
    np.testing.assert_allclose(jl, tl, rtol=1e-5, atol=1e-7)
