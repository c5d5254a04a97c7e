"""jtorch.compile on whole training steps: schedulers inside the step, traced hyper-parameters,
buffer donation that keeps aliases valid."""
import copy

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, jt_to_torch

jnn, F = jtorch.nn, jtorch.nn.functional


def same(a, b, **kw):
    """Two jtorch results agree (b converted to torch as the reference)."""
    assert_same(a, jt_to_torch(b), **kw)


def _cnn(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(4 * 5 * 5, 3))


def _setup(lib, sched_cls=None, **sched_kw):
    model = _cnn(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = (sched_cls or lib.optim.lr_scheduler.StepLR)(opt, **(sched_kw or {"step_size": 2,
                                                                           "gamma": 0.5}))

    def step(x, y):
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        return loss
    return model, opt, sched, step


def _batches(n):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((6, 2, 5, 5)).astype(np.float32), rng.integers(0, 3, 6))
            for _ in range(n)]


@pytest.mark.parametrize("sched", ["StepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_cnn_step_with_scheduler_matches_eager(sched):
    kw = {"StepLR": {"step_size": 2, "gamma": 0.5}, "ExponentialLR": {"gamma": 0.8},
          "CosineAnnealingLR": {"T_max": 4}}[sched]
    cls = getattr(jtorch.optim.lr_scheduler, sched)
    m_e, o_e, s_e, e_step = _setup(jtorch, cls, **kw)
    m_c, o_c, s_c, c_step = _setup(jtorch, cls, **kw)
    c_step = jtorch.compile(c_step)
    jtorch.compiler.reset()
    for i, (xa, ya) in enumerate(_batches(7)):
        jtorch.manual_seed(100 + i)
        le = e_step(jtorch.tensor(xa), jtorch.tensor(ya))
        jtorch.manual_seed(100 + i)
        lc = c_step(jtorch.tensor(xa), jtorch.tensor(ya))
        same(lc, le.detach(), rtol=1e-5, atol=1e-6, where=f"loss {i}: ")
        assert o_c.param_groups[0]["lr"] == pytest.approx(o_e.param_groups[0]["lr"], rel=1e-12)
        assert s_c.last_epoch == s_e.last_epoch == i + 1
        assert s_c.get_last_lr() == pytest.approx(s_e.get_last_lr(), rel=1e-12)
    for (n, pc), pe in zip(m_c.named_parameters(), m_e.parameters()):
        same(pc.detach(), pe.detach(), rtol=1e-4, atol=1e-5, where=n)
    same(m_c[1].running_mean, m_e[1].running_mean, rtol=1e-5, atol=1e-6)
    same(o_c.state[m_c[0].weight]["momentum_buffer"], o_e.state[m_e[0].weight]["momentum_buffer"],
         rtol=1e-4, atol=1e-5)
    # NOTE: the learning rate is a traced input: a new lr every step needs no new program
    assert jtorch.compiler.counters["traces"] == 1


def test_lr_schedule_equals_torch():
    t_model, t_opt, t_sched, _ = _setup(torch)
    _, _, j_sched, j_step = _setup(jtorch)
    j_step = jtorch.compile(j_step)
    for xa, ya in _batches(5):
        j_step(jtorch.tensor(xa), jtorch.tensor(ya))
        t_opt.step()
        t_sched.step()
        assert j_sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12)


def test_scheduler_before_optimizer_inside_compiled_step_raises():
    model = _cnn(jtorch)
    opt = jtorch.optim.SGD(model.parameters(), lr=0.1)
    sched = jtorch.optim.lr_scheduler.ExponentialLR(opt, 0.9)

    def step(x, y):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        sched.step()
        opt.step()
    c = jtorch.compile(step)
    (xa, ya), = _batches(1)
    x, y = jtorch.tensor(xa), jtorch.tensor(ya)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        c(x, y)  # eager warm-up: torch's order warning
    with pytest.raises(NotImplementedError, match="after optimizer.step"):
        c(x, y)


def test_plateau_scheduler_given_a_tensor_inside_raises():
    model = _cnn(jtorch)
    opt = jtorch.optim.SGD(model.parameters(), lr=0.1)
    sched = jtorch.optim.lr_scheduler.ReduceLROnPlateau(opt)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step(loss)
        return loss
    c = jtorch.compile(step)
    (xa, ya), = _batches(1)
    c(jtorch.tensor(xa), jtorch.tensor(ya))
    with pytest.raises(NotImplementedError, match="outside it"):
        c(jtorch.tensor(xa), jtorch.tensor(ya))


def test_hyperparameter_change_outside_does_not_retrace():
    m_e, o_e, _, e_step = _setup(jtorch)
    m_c, o_c, _, c_step = _setup(jtorch)
    c_step = jtorch.compile(c_step)
    jtorch.compiler.reset()
    for i, (xa, ya) in enumerate(_batches(4)):
        for o in (o_e, o_c):
            o.param_groups[0]["momentum"] = 0.5 + 0.1 * i
        jtorch.manual_seed(i)
        le = e_step(jtorch.tensor(xa), jtorch.tensor(ya))
        jtorch.manual_seed(i)
        lc = c_step(jtorch.tensor(xa), jtorch.tensor(ya))
        same(lc, le.detach(), rtol=1e-5, atol=1e-6)
    assert jtorch.compiler.counters["traces"] == 1
    # a static flag is part of the program: changing it compiles a new one
    for o in (o_e, o_c):
        o.param_groups[0]["nesterov"] = True
    (xa, ya), = _batches(1)
    jtorch.manual_seed(9)
    le = e_step(jtorch.tensor(xa), jtorch.tensor(ya))
    jtorch.manual_seed(9)
    lc = c_step(jtorch.tensor(xa), jtorch.tensor(ya))
    same(lc, le.detach(), rtol=1e-5, atol=1e-6)
    assert jtorch.compiler.counters["traces"] == 2


def test_state_shared_with_a_copy_keeps_its_values():
    """Compiled steps update parameters in place (donated buffers); a deepcopy of the
    state_dict made before, which shares the immutable arrays, must keep the old values."""
    model, opt, _, step = _setup(jtorch)
    c = jtorch.compile(step)
    batches = _batches(4)
    for xa, ya in batches[:2]:
        c(jtorch.tensor(xa), jtorch.tensor(ya))
    snap = copy.deepcopy(model.state_dict())
    opt_snap = copy.deepcopy(opt.state_dict())
    want = {k: v.numpy().copy() for k, v in snap.items()}
    want_opt = {k: v["momentum_buffer"].numpy().copy() for k, v in opt_snap["state"].items()}
    detached = model[0].weight.detach()
    for xa, ya in batches[2:]:
        c(jtorch.tensor(xa), jtorch.tensor(ya))
    for k, v in snap.items():
        np.testing.assert_array_equal(v.numpy(), want[k])
    for k, v in opt_snap["state"].items():
        np.testing.assert_array_equal(v["momentum_buffer"].numpy(), want_opt[k])
    # a detached alias shares storage with the parameter, as in torch: it sees the update
    np.testing.assert_array_equal(detached.numpy(), model[0].weight.detach().numpy())
    assert not np.array_equal(detached.numpy(), want["0.weight"])


def _mlp_step(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))
    opt = lib.optim.Adam(model.parameters(), lr=0.01)

    def step(x, y):
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, step


def test_dynamic_batch_traces_once():
    m_e, e_step = _mlp_step(jtorch)
    m_c, c_step = _mlp_step(jtorch)
    c_step = jtorch.compile(c_step, dynamic=True)
    rng = np.random.default_rng(0)
    jtorch.compiler.reset()
    for b in (4, 4, 7, 9, 7, 16):
        xa = rng.standard_normal((b, 6)).astype(np.float32)
        ya = rng.integers(0, 3, b)
        le = e_step(jtorch.tensor(xa), jtorch.tensor(ya))
        lc = c_step(jtorch.tensor(xa), jtorch.tensor(ya))
        same(lc, le.detach(), rtol=1e-5, atol=1e-6, where=f"batch {b}: ")
    for pc, pe in zip(m_c.parameters(), m_e.parameters()):
        same(pc.detach(), pe.detach(), rtol=1e-5, atol=1e-6)
    # call 1 is the eager warm-up; every later batch size reuses the one symbolic trace
    assert jtorch.compiler.counters["traces"] == 1


def test_dynamic_falls_back_to_one_trace_per_shape():
    def f(x):
        n = int(x.shape[0])  # a batch size as a Python int: not traceable symbolically
        return x.sum(0) / n

    cf = jtorch.compile(f, dynamic=True)
    jtorch.compiler.reset()
    for b in (3, 3, 5, 5, 6):
        x = jtorch.arange(float(b * 2)).reshape(b, 2)
        same(cf(x), f(x), rtol=1e-6, atol=1e-6)
    # warm-up, failed symbolic trace + trace for 3, then one trace each for 5 and 6
    assert jtorch.compiler.counters["traces"] == 4


def test_unshared_state_is_donated_not_copied(monkeypatch):
    """A plain training step hands its state buffers to XLA as they are (no defensive copies)."""
    from jtorch._compile import compiled as CC
    _, _, _, step = _setup(jtorch)
    c = jtorch.compile(step)
    copies = []
    orig = CC._exclusive

    def counting(arrs):
        out = orig(arrs)
        copies.append(sum(o is not a for o, a in zip(out, arrs)))
        return out
    monkeypatch.setattr(CC, "_exclusive", counting)
    for xa, ya in _batches(4):
        c(jtorch.tensor(xa), jtorch.tensor(ya))
    assert copies and sum(copies) == 0
