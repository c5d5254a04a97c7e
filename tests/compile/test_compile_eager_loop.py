"""A compiled module inside an eager training loop (`cmodel = torch.compile(model)`, then
`loss.backward()` and `opt.step()` outside): its forward and backward are each one compiled
program; results equal the eager twin's (and torch's), and steady-state calls skip the state walk.
"""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same

jnn, F = jtorch.nn, jtorch.nn.functional



def _mlp(lib):
    lib.manual_seed(0)
    nn = lib.nn
    return nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3),
                         nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))


def _cnn(lib):
    lib.manual_seed(0)
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(8, 8, 3), nn.GELU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))


def _loop(fwd, opt, batches):
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.cross_entropy(fwd(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return losses


def _batches(shape, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [(jtorch.tensor(rng.standard_normal(shape).astype(np.float32)),
             jtorch.tensor(rng.integers(0, 3, shape[0]))) for _ in range(n)]


def _twins(make, opt_cls, **kw):
    out = []
    for _ in range(2):
        m = make(jtorch).train()
        out.append((m, opt_cls(m.parameters(), **kw)))
    return out


def _assert_same_state(m_e, m_c):
    for (k, a), b in zip(m_e.state_dict().items(), m_c.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("make,shape,opt", [
    (_mlp, (8, 6), "Adam"), (_cnn, (4, 3, 8, 8), "SGD")], ids=["mlp-bn-dropout", "cnn-bn"])
def test_compiled_module_in_an_eager_loop_equals_eager(make, shape, opt, walks):
    (m_e, o_e), (m_c, o_c) = _twins(make, getattr(jtorch.optim, opt), lr=0.05)
    cm = jtorch.compile(m_c)
    batches = _batches(shape)
    # NOTE: the same RNG stream for both runs (Dropout): reseed before each.
    jtorch.manual_seed(5)
    le = _loop(m_e, o_e, batches)
    jtorch.manual_seed(5)
    lc = _loop(cm, o_c, batches[:2])  # call 1 runs eagerly, call 2 traces
    traces, n0 = jtorch.compiler.counters["traces"], walks[0]
    lc += _loop(cm, o_c, batches[2:])
    np.testing.assert_allclose(lc, le, rtol=1e-5)
    _assert_same_state(m_e, m_c)  # parameters and BatchNorm running stats
    # calls 3-5 replay the program: no trace, no state walk
    assert jtorch.compiler.counters["traces"] == traces
    assert walks[0] == n0


def test_compiled_module_gradients_equal_torch():
    tm = _mlp(torch).eval()
    m = _mlp(jtorch).eval()
    m.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    cm = jtorch.compile(m)
    x = np.random.default_rng(1).standard_normal((8, 6)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    (tm(tx) ** 2).sum().backward()
    for _ in range(3):  # eager warm-up, traced call, replayed call
        m.zero_grad()
        jx = jtorch.tensor(x, requires_grad=True)
        (cm(jx) ** 2).sum().backward()
        assert_same(jx.grad, tx.grad, rtol=1e-5, atol=1e-6)
        for (n, p), tp in zip(m.named_parameters(), tm.parameters()):
            assert_same(p.grad, tp.grad, rtol=1e-5, atol=1e-6, where=n)


def test_fast_path_follows_changes_between_calls(walks):
    (m_e, o_e), (m_c, o_c) = _twins(_mlp, jtorch.optim.SGD, lr=0.1)
    cm = jtorch.compile(m_c)
    batches = _batches((8, 6), n=3)
    for change in (lambda m: m.eval(), lambda m: m[0].bias.requires_grad_(False),
                   lambda m: m.train()):
        change(m_e)
        change(m_c)
        jtorch.manual_seed(3)
        le = _loop(m_e, o_e, batches)
        jtorch.manual_seed(3)
        lc = _loop(cm, o_c, batches)
        np.testing.assert_allclose(lc, le, rtol=1e-5)
        _assert_same_state(m_e, m_c)
    assert m_c[0].bias.grad is None


def test_forward_program_returns_no_unchanged_state_and_no_input_residuals():
    m = jnn.Sequential(jnn.Linear(6, 16), jnn.ReLU(), jnn.Linear(16, 3))
    cm = jtorch.compile(m)
    x = jtorch.randn(4, 6)
    for _ in range(2):
        cm(x).sum().backward()
    progs = [e[1]["vjp"] for e in cm._jt_compiled._cache.values() if "vjp" in e[1]]
    assert len(progs) == 1
    lay = next(iter(progs[0].layouts.values()))
    assert lay.new_arrs == [] and lay.new_grads == [] and not lay.new_key
    # the weights and the batch come back as inputs; only the hidden activation is returned
    assert sum(w is None for w in lay.where) == 1

