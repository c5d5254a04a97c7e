"""The Optimizer contract: defaults, state_dict layout and loading torch's, hooks, errors,
zero_grad, closures, in-place writes, one compiled call per group, no recompile when lr changes."""
import copy
import importlib

import numpy as np
import pytest
import torch

import jtorch
from jtorch.optim import _functional as F

from _harness import assert_same_raise
from ._util import (assert_params_close, grad_sequence, init_arrays, make_params, set_grads,
                    state_to_numpy)

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "LBFGS", "Rprop", "ASGD"]


@pytest.mark.parametrize("name", ALL)
def test_defaults_and_param_group_keys(name):
    """Every hyper-parameter key torch writes (foreach, fused, capturable, ...) and its default."""
    jo = getattr(jtorch.optim, name)([jtorch.zeros(2, requires_grad=True)])
    to = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert jo.defaults == to.defaults
    assert list(jo.defaults) == list(to.defaults)
    js, ts = jo.state_dict(), to.state_dict()
    assert js["param_groups"] == ts["param_groups"]
    # empty before the first step, except Adagrad which (like torch) creates its state eagerly
    assert {k: list(v) for k, v in js["state"].items()} == \
        {k: list(v) for k, v in ts["state"].items()}
    assert repr(jo) == repr(to)


LOAD_CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adadelta", dict()),
    ("Adamax", dict()),
    ("NAdam", dict()),
    ("RAdam", dict()),
    ("Rprop", dict()),
    ("ASGD", dict(t0=5)),
]


# NOTE: every optimizer through NumPy; two also straight from torch tensors (same code path
# after conversion), to keep the suite fast.
LOAD_PARAMS = [(n, k, "numpy") for n, k in LOAD_CASES] + \
    [(n, k, "torch_tensors") for n, k in LOAD_CASES if n in ("Adam", "RMSprop")]


@pytest.mark.parametrize("name,kwargs,via", LOAD_PARAMS,
                         ids=[f"{n}-{v}" for n, _, v in LOAD_PARAMS])
def test_load_torch_state_dict_and_continue(name, kwargs, via):
    """A state_dict saved by torch (as NumPy, or torch tensors) loads into jtorch; training then
    continues exactly like torch's."""
    init, grads = init_arrays(), grad_sequence(26)
    tp = make_params(torch, init)
    to = getattr(torch.optim, name)(tp, **kwargs)
    for gs in grads[:12]:
        set_grads(torch, tp, gs)
        to.step()
    sd = to.state_dict()
    if via == "numpy":
        sd = state_to_numpy(sd)
    jp = make_params(jtorch, [p.detach().numpy() for p in tp])
    jo = getattr(jtorch.optim, name)(jp, lr=123.0)  # hyper-parameters come from the state_dict
    jo.load_state_dict(sd)
    assert jo.param_groups[0]["lr"] == to.param_groups[0]["lr"]
    st = jo.state[jp[0]]
    for k, v in to.state[tp[0]].items():
        assert isinstance(st[k], jtorch.Tensor) and str(st[k].dtype) == str(v.dtype)
    for gs in grads[12:]:
        set_grads(torch, tp, gs)
        set_grads(jtorch, jp, gs)
        to.step()
        jo.step()
    assert_params_close(jp, tp)


def test_state_dict_roundtrip_and_param_names():
    init, grads = init_arrays(), grad_sequence(10)
    jp = make_params(jtorch, init)
    jo = jtorch.optim.Adam([("a", jp[0]), ("b", jp[1]), ("c", jp[2])], lr=0.01)
    tp = make_params(torch, init)
    to = torch.optim.Adam([("a", tp[0]), ("b", tp[1]), ("c", tp[2])], lr=0.01)
    for gs in grads[:5]:
        set_grads(jtorch, jp, gs)
        jo.step()
    jp2 = make_params(jtorch, [p.detach().numpy() for p in jp])
    jo2 = jtorch.optim.Adam([("a", jp2[0]), ("b", jp2[1]), ("c", jp2[2])], lr=0.5)
    jo2.load_state_dict(copy.deepcopy(jo.state_dict()))
    assert jo2.param_groups[0]["param_names"] == ["a", "b", "c"]
    assert to.state_dict()["param_groups"][0]["param_names"] == \
        jo.state_dict()["param_groups"][0]["param_names"]
    for gs in grads[5:]:
        for ps, o in ((jp, jo), (jp2, jo2)):
            set_grads(jtorch, ps, gs)
            o.step()
    assert_params_close(jp2, jp, rtol=0, atol=0)


def test_in_place_update_keeps_identity_and_bumps_version():
    p = jtorch.tensor([1.0, 2.0], requires_grad=True)
    alias = p.data
    ident, ver = id(p), p._version
    opt = jtorch.optim.SGD([p], lr=0.5)
    p.grad = jtorch.tensor([1.0, 1.0])
    opt.step()
    assert id(opt.param_groups[0]["params"][0]) == ident
    assert p._version > ver
    assert p.tolist() == [0.5, 1.5] and alias.tolist() == [0.5, 1.5]
    assert p.requires_grad and p.is_leaf


def test_one_compiled_call_per_group_and_no_recompile(monkeypatch):
    init, grads = init_arrays(), grad_sequence(6)
    jp = make_params(jtorch, init)
    opt = jtorch.optim.Adam([{"params": jp[:2]}, {"params": jp[2:], "lr": 0.1}], lr=0.01)
    calls = []
    real = F.group_update

    def counting(rule, static):
        fn = real(rule, static)

        def call(*a):
            calls.append(static)
            return fn(*a)
        counting.fns.add(fn)
        return call
    counting.fns = set()
    monkeypatch.setattr(F, "group_update", counting)
    set_grads(jtorch, jp, grads[0])
    opt.step()  # compiles (at most) the two programs: one per group
    compiled = sum(fn._cache_size() for fn in counting.fns)
    calls.clear()
    for i, gs in enumerate(grads):
        set_grads(jtorch, jp, gs)
        for g in opt.param_groups:
            g["lr"] = 0.01 * (i + 1)  # a scheduler-like change every step
        opt.step()
    assert len(calls) == 2 * len(grads)  # one call per group per step
    assert sum(fn._cache_size() for fn in counting.fns) == compiled  # lr changes: no recompile


def test_step_closure_returns_loss_and_runs_with_grad():
    p = jtorch.tensor([1.0, -2.0], requires_grad=True)
    opt = jtorch.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        assert jtorch.is_grad_enabled()
        loss.backward()
        return loss
    with jtorch.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(p.detach().numpy(), [0.8, -1.6], rtol=1e-6)
    assert opt.step() is None


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    jp, tp = make_params(jtorch, init_arrays()), make_params(torch, init_arrays())
    for lib, ps in ((jtorch, jp), (torch, tp)):
        set_grads(lib, ps, grad_sequence(1)[0])
        lib.optim.SGD(ps, lr=0.1).zero_grad(set_to_none=set_to_none)
    for a, b in zip(jp, tp):
        if set_to_none:
            assert a.grad is None and b.grad is None
        else:
            assert a.grad.tolist() == b.grad.tolist() and not a.grad.requires_grad


def test_step_hooks():
    for lib in (jtorch, torch):
        p = lib.tensor([1.0], requires_grad=True)
        opt = lib.optim.SGD([p], lr=1.0)
        log = []
        h1 = opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", o is opt, a[1:], k)))
        h2 = opt.register_step_post_hook(lambda o, a, k: log.append(("post", o is opt)))
        reg = importlib.import_module(lib.__name__ + ".optim.optimizer")
        hg = reg.register_optimizer_step_pre_hook(lambda o, a, k: log.append("g"))
        p.grad = lib.tensor([1.0])
        opt.step()
        h1.remove()
        h2.remove()
        hg.remove()
        opt.step()
        assert log == ["g", ("pre", True, (), {}), ("post", True)], lib.__name__
        assert p.tolist() == [-1.0]
        # a pre hook may replace (args, kwargs)
        opt.register_step_pre_hook(lambda o, a, k: (a, {"closure": lambda: 7.0}))
        assert opt.step() == 7.0


def test_add_param_group():
    init, grads = init_arrays(), grad_sequence(25)

    def run(lib):
        ps = make_params(lib, init)
        opt = lib.optim.RMSprop(ps[:1], lr=0.01, momentum=0.5)
        for i, gs in enumerate(grads):
            if i == 10:
                opt.add_param_group({"params": ps[1:], "lr": 0.05})
            set_grads(lib, ps, gs)
            opt.step()
        return ps, opt
    (jp, jo), (tp, to) = run(jtorch), run(torch)
    assert_params_close(jp, tp)
    assert jo.state_dict()["param_groups"] == to.state_dict()["param_groups"]


ERRORS = [
    ("SGD", dict(lr=-1.0)), ("SGD", dict(momentum=-0.1)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, dampening=1)),
    ("Adam", dict(lr=-1e-3)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-0.1)),
    ("Adam", dict(betas=(0, 0.9))), ("AdamW", dict(betas=(0.9, 1.5))),
    ("RMSprop", dict(alpha=-0.5)), ("RMSprop", dict(momentum=-1)), ("RMSprop", dict(eps=-1)),
    ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adadelta", dict(rho=1.5)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(momentum_decay=-1)), ("RAdam", dict(weight_decay=-1)), ("LBFGS", dict(lr=-1)),
    ("Rprop", dict(etas=(1.5, 1.2))), ("ASGD", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name,kwargs", ERRORS, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(ERRORS)])
def test_invalid_hyperparameters(name, kwargs):
    jt, t = assert_same_raise(
        lambda: getattr(jtorch.optim, name)([jtorch.zeros(1, requires_grad=True)], **kwargs),
        lambda: getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs))
    assert str(jt) == str(t)


def test_param_errors():
    pj, pt = jtorch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    for fj, ft in [
        (lambda: jtorch.optim.Adam([]), lambda: torch.optim.Adam([])),
        (lambda: jtorch.optim.Adam(pj), lambda: torch.optim.Adam(pt)),
        (lambda: jtorch.optim.SGD([pj * 2], lr=0.1), lambda: torch.optim.SGD([pt * 2], lr=0.1)),
        (lambda: jtorch.optim.SGD([pj, 3], lr=0.1), lambda: torch.optim.SGD([pt, 3], lr=0.1)),
        (lambda: jtorch.optim.SGD([{"params": {pj}}], lr=0.1),
         lambda: torch.optim.SGD([{"params": {pt}}], lr=0.1)),
        (lambda: jtorch.optim.SGD([{"params": [pj]}, {"params": [pj]}], lr=0.1),
         lambda: torch.optim.SGD([{"params": [pt]}, {"params": [pt]}], lr=0.1)),
        (lambda: jtorch.optim.LBFGS([{"params": [pj]}, {"params": [pj * 1]}]),
         lambda: torch.optim.LBFGS([{"params": [pt]}, {"params": [pt * 1]}])),
    ]:
        ej, et = assert_same_raise(fj, ft)
        assert str(ej) == str(et)
    sd = jtorch.optim.SGD([pj], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        jtorch.optim.SGD([{"params": [pj]}, {"params": [jtorch.zeros(1, requires_grad=True)]}],
                         lr=0.1).load_state_dict(sd)


def test_unsupported_options_raise_clearly():
    with pytest.raises(NotImplementedError, match="differentiable"):
        jtorch.optim.Adam([jtorch.zeros(1, requires_grad=True)], differentiable=True)
    with pytest.raises(NotImplementedError, match="complex"):
        jtorch.optim.LBFGS([jtorch.zeros(2, dtype=jtorch.complex64, requires_grad=True)])


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)), ("Adam", dict(amsgrad=True)),
    ("RMSprop", dict(centered=True, momentum=0.3)),
    ("Adagrad", dict(initial_accumulator_value=0.1)), ("Adadelta", {}), ("Adamax", {}),
    ("NAdam", {}), ("RAdam", {}), ("Rprop", {}), ("ASGD", dict(t0=3))],
    ids=lambda v: v if isinstance(v, str) else "")
def test_complex_params(name, kwargs):
    """Complex parameters go through real views like torch's view_as_real (state stays complex)."""
    rng = np.random.default_rng(4)

    def c(*shape):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    init = [c(3, 2), rng.standard_normal(4).astype(np.float32)]
    grads = [[c(3, 2), rng.standard_normal(4).astype(np.float32)] for _ in range(25)]
    (jp, jo), (tp, to) = [_run_plain(lib, name, kwargs, init, grads) for lib in (jtorch, torch)]
    assert_params_close(jp, tp)
    js, ts = jo.state_dict()["state"][0], to.state_dict()["state"][0]
    assert {k: str(v.dtype) for k, v in js.items()} == {k: str(v.dtype) for k, v in ts.items()}


def _run_plain(lib, name, kwargs, init, grads):
    ps = make_params(lib, init)
    opt = getattr(lib.optim, name)(ps, **kwargs)
    for gs in grads:
        set_grads(lib, ps, gs)
        opt.step()
    return ps, opt


def test_state_dict_hooks_and_jtorch_state_into_torch():
    """State-dict hooks run like torch's; a jtorch state_dict (as NumPy) loads into torch and
    both continue identically."""
    init, grads = init_arrays(), grad_sequence(20)
    jp, tp = make_params(jtorch, init), make_params(torch, init)
    jo = jtorch.optim.NAdam(jp, lr=0.01)
    to = torch.optim.NAdam(tp, lr=0.5)
    log = []
    jo.register_state_dict_pre_hook(lambda o: log.append("pre"))
    jo.register_state_dict_post_hook(lambda o, sd: log.append("post"))
    jo.register_load_state_dict_pre_hook(lambda o, sd: log.append("lpre"))
    jo.register_load_state_dict_post_hook(lambda o: log.append("lpost"))
    for gs in grads[:8]:
        set_grads(jtorch, jp, gs)
        jo.step()
    sd = state_to_numpy(jo.state_dict())
    sd["state"] = {k: {n: torch.from_numpy(np.array(v)) for n, v in st.items()}
                   for k, st in sd["state"].items()}
    with torch.no_grad():
        for a, b in zip(tp, jp):
            a.copy_(torch.from_numpy(b.detach().numpy()))
    to.load_state_dict(sd)
    jo.load_state_dict(jo.state_dict())
    assert log == ["pre", "post", "pre", "post", "lpre", "lpost"]
    for gs in grads[8:]:
        set_grads(jtorch, jp, gs)
        set_grads(torch, tp, gs)
        jo.step()
        to.step()
    assert_params_close(jp, tp)


def test_checkpoint_files_interchange_with_torch(tmp_path):
    """jtorch.save(opt.state_dict()) loads with torch.load into torch.optim, and back."""
    init, grads = init_arrays(), grad_sequence(16)
    jp, tp = make_params(jtorch, init), make_params(torch, init)
    jo, to = jtorch.optim.Adam(jp, lr=0.01, amsgrad=True), torch.optim.Adam(tp)
    for gs in grads[:6]:
        set_grads(jtorch, jp, gs)
        jo.step()
    jtorch.save(jo.state_dict(), tmp_path / "j.pt")
    to.load_state_dict(torch.load(tmp_path / "j.pt"))
    with torch.no_grad():
        for a, b in zip(tp, jp):
            a.copy_(torch.from_numpy(b.detach().numpy()))
    for gs in grads[6:11]:
        set_grads(torch, tp, gs)
        to.step()
    torch.save(to.state_dict(), tmp_path / "t.pt")
    jp2 = make_params(jtorch, [p.detach().numpy() for p in tp])
    jo2 = jtorch.optim.Adam(jp2)
    jo2.load_state_dict(jtorch.load(tmp_path / "t.pt"))
    assert jo2.param_groups[0]["amsgrad"] is True and jo2.param_groups[0]["lr"] == 0.01
    for gs in grads[11:]:
        set_grads(torch, tp, gs)
        set_grads(jtorch, jp2, gs)
        to.step()
        jo2.step()
    assert_params_close(jp2, tp)
