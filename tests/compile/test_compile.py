"""jtorch.compile: compiled calls equal eager ones (and torch's), state is written back, errors."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, jt_to_torch


def same(a, b, **kw):
    """Two jtorch results agree (b converted to torch as the reference)."""
    assert_same(a, jt_to_torch(b), **kw)

jnn, F = jtorch.nn, jtorch.nn.functional


def _mlp(lib, seed=0):
    lib.manual_seed(seed)
    return lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))


def _copy_weights(jt_model, t_model):
    with jtorch.no_grad():
        for (n, p), (tn, tp) in zip(jt_model.named_parameters(), t_model.named_parameters()):
            assert n == tn
            p.copy_(jtorch.tensor(tp.detach().numpy()))


def _step_fn(lib, model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


@pytest.mark.parametrize("opt_name", ["Adam", "SGD"])
def test_training_step_matches_eager_and_torch(opt_name):
    kw = {"lr": 0.05, "momentum": 0.9} if opt_name == "SGD" else {"lr": 0.01}
    tm, m_e, m_c = _mlp(torch), _mlp(jtorch), _mlp(jtorch)
    _copy_weights(m_e, tm)
    _copy_weights(m_c, tm)
    t_opt = getattr(torch.optim, opt_name)(tm.parameters(), **kw)
    e_opt = getattr(jtorch.optim, opt_name)(m_e.parameters(), **kw)
    c_opt = getattr(jtorch.optim, opt_name)(m_c.parameters(), **kw)
    t_step, e_step = _step_fn(torch, tm, t_opt), _step_fn(jtorch, m_e, e_opt)
    c_step = jtorch.compile(_step_fn(jtorch, m_c, c_opt))
    rng = np.random.default_rng(0)
    jtorch.compiler.reset()
    for i in range(5):
        xa = rng.standard_normal((4, 6)).astype(np.float32)
        ya = rng.integers(0, 3, 4)
        lt = t_step(torch.tensor(xa), torch.tensor(ya))
        le = e_step(jtorch.tensor(xa), jtorch.tensor(ya))
        lc = c_step(jtorch.tensor(xa), jtorch.tensor(ya))
        same(lc, le.detach(), rtol=1e-5, atol=1e-6)
        assert_same(lc, lt.detach(), rtol=1e-4, atol=1e-5)
    for (n, pc), pe, pt in zip(m_c.named_parameters(), m_e.parameters(), tm.parameters()):
        same(pc.detach(), pe.detach(), rtol=1e-5, atol=1e-6, where=n)
        assert_same(pc.detach(), pt.detach(), rtol=1e-4, atol=1e-5, where=n)
    # one trace for the whole run: call 1 is the eager warm-up, calls 2-5 share one program
    assert jtorch.compiler.counters["traces"] == 1


def test_compiled_module_output_is_differentiable():
    m = _mlp(jtorch)
    cm = jtorch.compile(m)
    x = jtorch.randn(5, 6)
    grads = []
    for _ in range(3):  # eager warm-up, first compiled call, cached call
        m.zero_grad()
        out = cm(x)
        assert out.requires_grad
        (out ** 2).sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    m.zero_grad()
    (m(x) ** 2).sum().backward()
    for g_run in grads:
        for g, p in zip(g_run, m.parameters()):
            same(g, p.grad, rtol=1e-5, atol=1e-6)


def test_compiled_module_is_an_optimized_module():
    m = _mlp(jtorch)
    cm = jtorch.compile(m)
    assert cm._orig_mod is m
    assert list(cm.state_dict()) == ["_orig_mod." + k for k in m.state_dict()]
    x = jtorch.randn(2, 6)
    with jtorch.no_grad():
        same(cm(x), m(x))
        same(cm(x), m(x))


def test_batchnorm_running_stats_and_dropout_rng_are_state():
    def make():
        jtorch.manual_seed(1)
        return jnn.Sequential(jnn.Linear(4, 6), jnn.BatchNorm1d(6), jnn.Dropout(0.5))
    m_e, m_c = make(), make()
    c = jtorch.compile(m_c)
    jtorch.manual_seed(3)
    xs = [jtorch.randn(8, 4) for _ in range(4)]
    outs_e, outs_c = [], []
    jtorch.manual_seed(7)
    for x in xs:
        outs_e.append(m_e(x).detach())
    jtorch.manual_seed(7)
    for x in xs:
        outs_c.append(c(x).detach())
    for a, b in zip(outs_c, outs_e):
        same(a, b, rtol=1e-5, atol=1e-6)
    same(m_c[1].running_mean, m_e[1].running_mean, rtol=1e-5, atol=1e-6)
    same(m_c[1].running_var, m_e[1].running_var, rtol=1e-5, atol=1e-6)
    assert int(m_c[1].num_batches_tracked) == 4


def test_recompiles_on_new_shapes_and_training_flag():
    m = _mlp(jtorch)
    f = jtorch.compile(lambda x: m(x).sum())
    jtorch.compiler.reset()
    with jtorch.no_grad():
        f(jtorch.randn(2, 6))  # warm-up (eager)
        f(jtorch.randn(2, 6))
        f(jtorch.randn(2, 6))
        assert jtorch.compiler.counters["traces"] == 1
        f(jtorch.randn(3, 6))
        assert jtorch.compiler.counters["traces"] == 2
        m.eval()
        f(jtorch.randn(3, 6))
        assert jtorch.compiler.counters["traces"] == 3


def test_data_dependent_control_flow_names_the_line():
    def g(x):
        if x.sum() > 0:  # the offending line
            return x
        return -x
    cg = jtorch.compile(g)
    cg(jtorch.ones(3))
    with pytest.raises(jtorch._compile.DataDependentControlFlowError,
                       match=r"test_compile.py:\d+.*if x.sum\(\) > 0.*torch.where.*torch.cond"):
        cg(jtorch.ones(3))
    assert isinstance(jtorch._compile.DataDependentControlFlowError("x"), RuntimeError)


def test_cond_eager_and_compiled():
    def h(x):
        return jtorch.cond(x.sum() > 0, lambda a: a * 2, lambda a: a - 1, (x,))
    ch = jtorch.compile(h)
    for v in ([1.0, 2.0], [-3.0, 1.0], [-1.0, -1.0]):
        x = jtorch.tensor(v)
        want = x * 2 if sum(v) > 0 else x - 1
        same(h(x), want)
        same(ch(x), want)
        same(ch(x), want)
    with pytest.raises(RuntimeError, match="operands"):
        jtorch.cond(jtorch.tensor(True), lambda a: a, lambda a: a, 3)


def test_closed_over_tensor_state_is_written_back():
    acc = jtorch.zeros(3)

    def f(x):
        acc.add_(x)
        return acc * 1

    cf = jtorch.compile(f)
    for i in range(4):
        out = cf(jtorch.ones(3))
    same(acc, jtorch.full((3,), 4.0))
    same(out, acc)


def test_storing_a_new_tensor_outside_raises():
    holder = {}

    class Box:
        pass
    box = Box()
    box.t = jtorch.zeros(2)

    def f(x):
        box.t = x * 2  # a new tensor stored on an object that outlives the call
        return x
    cf = jtorch.compile(f)
    cf(jtorch.ones(2))
    with pytest.raises(RuntimeError, match="outlives the call"):
        cf(jtorch.ones(2))
    assert holder == {}
