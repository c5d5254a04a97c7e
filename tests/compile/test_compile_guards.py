"""The compiled call's fast path: a call with the same argument key replays the last program
without walking the state again, unless something the walk read (modules, optimizers, closure
cells, globals) or a state tensor (array, grad, requires_grad) changed. Each change below must
give the eager result (checked against an eager twin run side by side)."""
import numpy as np
import pytest

import jtorch

jnn, F = jtorch.nn, jtorch.nn.functional
MODEL = None  # a global the compiled function reads


def _pair():
    """Two identical (model, optimizer, step) triples: one to compile, one to run eagerly."""
    out = []
    for _ in range(2):
        jtorch.manual_seed(0)
        m = jnn.Sequential(jnn.Linear(4, 6), jnn.ReLU(), jnn.Linear(6, 3))
        opt = jtorch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)

        def step(x, y, m=m, opt=opt):
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            return loss
        out.append((m, opt, step))
    return out


def _data(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return (jtorch.tensor(rng.standard_normal((n, 4)).astype(np.float32)),
            jtorch.tensor(rng.integers(0, 3, n)))


def _check(eager, comp, cstep, x, y, steps=3):
    """`steps` eager and compiled steps side by side: same losses, same parameters."""
    for _ in range(steps):
        le, lc = eager[2](x, y), cstep(x, y)
        assert abs(float(le) - float(lc)) < 1e-5
        for a, b in zip(eager[0].parameters(), comp[0].parameters()):
            assert a.shape == b.shape
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)



def test_steady_state_skips_the_walk(walks):
    eager, comp = _pair()
    cstep = jtorch.compile(comp[2])
    x, y = _data()
    _check(eager, comp, cstep, x, y)
    n = walks[0]
    _check(eager, comp, cstep, x, y)
    assert walks[0] == n  # NOTE: the fast path replayed the program


CHANGES = {
    "module replaced": lambda m, o: setattr(m, "2", jnn.Linear(6, 3)),
    "param frozen": lambda m, o: m[0].bias.requires_grad_(False),
    "param data resized": lambda m, o: setattr(m[2], "weight", jnn.Parameter(
        jtorch.ones(3, 6) * 0.1)),
    "eval mode": lambda m, o: m.eval(),
    "grads set to None": lambda m, o: o.zero_grad(set_to_none=True),
    "static option changed": lambda m, o: o.param_groups[0].update(nesterov=True),
    "in-place update outside": lambda m, o: m[0].weight.data.mul_(0.5),
    "forward hook added": lambda m, o: m[1].register_forward_hook(
        lambda mod, inp, out: out * 0.5),
    "forward pre-hook added": lambda m, o: m[2].register_forward_pre_hook(
        lambda mod, inp: (inp[0] + 1.0,)),
    "class swapped": lambda m, o: setattr(m[1], "__class__", _HalfReLU),
}


class _HalfReLU(jnn.ReLU):
    def forward(self, x):
        return super().forward(x) * 0.5


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_changes_between_calls_are_seen(name):
    eager, comp = _pair()
    cstep = jtorch.compile(comp[2])
    x, y = _data()
    _check(eager, comp, cstep, x, y)
    jtorch.manual_seed(1)
    CHANGES[name](eager[0], eager[1])
    jtorch.manual_seed(1)
    CHANGES[name](comp[0], comp[1])
    _check(eager, comp, cstep, x, y)


def test_rebound_global_is_seen():
    global MODEL
    jtorch.manual_seed(0)
    a, b = jnn.Linear(4, 2), jnn.Linear(4, 2)

    def fwd(x):
        return MODEL(x)
    f = jtorch.compile(fwd)
    x = _data()[0]
    with jtorch.no_grad():
        for m in (a, a, a, b, b, a):
            MODEL = m
            np.testing.assert_allclose(f(x).numpy(), m(x).numpy(), atol=1e-6)


def test_new_param_group_is_seen():
    eager, comp = _pair()
    cstep = jtorch.compile(comp[2])
    x, y = _data()
    _check(eager, comp, cstep, x, y)
    for m, o, _ in (eager, comp):
        extra = m[2]
        o.param_groups[0]["params"] = [p for p in o.param_groups[0]["params"]
                                       if all(p is not q for q in extra.parameters())]
        o.add_param_group({"params": list(extra.parameters()), "lr": 0.5})
    _check(eager, comp, cstep, x, y)


def test_removed_hook_is_seen():
    eager, comp = _pair()
    cstep = jtorch.compile(comp[2])
    x, y = _data()
    handles = [m[1].register_forward_hook(lambda mod, inp, out: out * 0.5)
               for m in (eager[0], comp[0])]
    _check(eager, comp, cstep, x, y)
    for h in handles:
        h.remove()
    _check(eager, comp, cstep, x, y)


def test_global_module_hook_is_seen():
    from jtorch.nn.modules.module import register_module_forward_hook
    eager, comp = _pair()
    cstep = jtorch.compile(comp[2])
    x, y = _data()
    _check(eager, comp, cstep, x, y)
    h = register_module_forward_hook(
        lambda mod, inp, out: out * 0.5 if isinstance(mod, jnn.ReLU) else None)
    try:
        _check(eager, comp, cstep, x, y)
    finally:
        h.remove()
    _check(eager, comp, cstep, x, y)


@pytest.mark.parametrize("tensor_lr", [False, True], ids=["float-lr", "tensor-lr"])
def test_hyper_parameter_changes_reach_the_program(tensor_lr):
    """A new lr (a new float, or a Tensor lr changed in place) reaches the next compiled call
    (the placed hyper-parameters are reused only while the values are the same objects)."""
    eager, comp = _pair()
    for _, o, _ in (eager, comp):
        if tensor_lr:
            o.param_groups[0]["lr"] = jtorch.tensor(0.1)
    cstep = jtorch.compile(comp[2])
    x, y = _data()
    _check(eager, comp, cstep, x, y)
    for _, o, _ in (eager, comp):
        if tensor_lr:
            o.param_groups[0]["lr"].fill_(0.02)
        else:
            o.param_groups[0]["lr"] = 0.02
    _check(eager, comp, cstep, x, y)
    for _, o, _ in (eager, comp):
        o.param_groups[0]["momentum"] = 0.5
    _check(eager, comp, cstep, x, y)


class _Scale(jnn.Module):
    def __init__(self):
        super().__init__()
        self.s = 2.0
        self.lin = jnn.Linear(3, 3)

    def forward(self, x):
        return self.lin(x) * self.s


def test_plain_module_attribute_change_retraces_up_to_the_limit(caplog):
    """A number a forward reads is baked into the program: a new value traces again (torch
    guards on it too); past torch._dynamo.config.recompile_limit new values run eagerly."""
    from jtorch._dynamo import config
    jtorch.manual_seed(0)
    m = _Scale()
    f = jtorch.compile(m)
    x = _data()[0][:, :3]
    with jtorch.no_grad():
        f(x)  # NOTE: the first call runs eagerly
        traces = []
        for s in [2.0, 2.0, 3.0, 2.0] + [float(v) for v in range(4, 4 + config.recompile_limit)]:
            m.s = s
            with caplog.at_level("WARNING", logger="torch._dynamo"):
                out = f(x)
            np.testing.assert_allclose(out.numpy(), (m.lin(x) * s).numpy(), atol=1e-6)
            traces.append(jtorch.compiler.counters["traces"])
    assert len(set(traces[:4])) == 2  # NOTE: 2.0 -> 3.0 traced once, back to 2.0 reuses
    assert traces[-1] == traces[-2]  # NOTE: past the limit: eager, no new trace
    msgs = [r.getMessage() for r in caplog.records if "recompile_limit" in r.getMessage()]
    assert len(msgs) == 1 and "forward" in msgs[0]


def test_cache_size_limit_is_recompile_limits_alias(monkeypatch):
    from jtorch._dynamo import config
    monkeypatch.setattr(config, "cache_size_limit", 2)
    assert config.recompile_limit == 2
    jtorch.manual_seed(0)
    m = _Scale()
    f = jtorch.compile(m)
    x = _data()[0][:, :3]
    with jtorch.no_grad():
        f(x)
        n = jtorch.compiler.counters["traces"]
        for s in (1.0, 2.0, 3.0, 4.0):
            m.s = s
            np.testing.assert_allclose(f(x).numpy(), (m.lin(x) * s).numpy(), atol=1e-6)
    assert jtorch.compiler.counters["traces"] - n == 2


_STEP_MODEL = _STEP_OPT = None


@jtorch.compile
def step(x, y):
    """A global compiled function named like the `opt.step` it calls: its name is one of the
    globals its code reads, so the state walk meets the compiled function itself."""
    _STEP_OPT.zero_grad()
    loss = F.cross_entropy(_STEP_MODEL(x), y)
    loss.backward()
    _STEP_OPT.step()
    return loss


def test_compiled_function_reading_its_own_name_keeps_the_fast_path(walks):
    global _STEP_MODEL, _STEP_OPT
    eager, comp = _pair()
    _STEP_MODEL, _STEP_OPT = comp[0], comp[1]
    x, y = _data()
    _check(eager, comp, step, x, y)
    n = walks[0]
    _check(eager, comp, step, x, y)
    assert walks[0] == n  # NOTE: its own bookkeeping (the last call's program) is not state


def test_backward_into_an_argument_raises_instead_of_losing_its_grad():
    """jtorch.compile keeps captured tensors' .grad as program state, not arguments': a step
    that runs backward() into an argument must say so, not drop the gradient."""
    x = jtorch.ones(3, requires_grad=True)

    def f(x):
        y = (x * x).sin().sum()
        y.backward()
        return y
    cf = jtorch.compile(f)
    cf(x)  # NOTE: the first call runs eagerly (and accumulates into x.grad, as torch)
    g1 = x.grad.clone()
    with pytest.raises(NotImplementedError, match="backward\\(\\) into a tensor passed as an "
                                                   "argument"):
        cf(x)
    np.testing.assert_allclose(x.grad.numpy(), g1.numpy())  # NOTE: nothing half-written
