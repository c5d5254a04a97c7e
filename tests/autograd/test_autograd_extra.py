"""Variable, multithreading flag, post-accumulate-grad hooks, AccumulateGrad hooks: jtorch vs
torch."""
import sys
import warnings

import pytest
import torch

import jtorch

from ._util import close, raises_like

LIBS = [torch, jtorch]


# ---- torch.autograd.Variable ------------------------------------------------------------------

def test_variable_returns_detached_tensor():
    got = {}
    for lib in LIBS:
        V = lib.autograd.Variable
        t = lib.tensor([1.0, 2.0])
        v = V(t, requires_grad=True)
        v2 = V(t)
        x = lib.tensor([1.0], requires_grad=True)
        w = V(x * 2)
        e = V()
        got[lib] = (type(v) is lib.Tensor, v.requires_grad, v.is_leaf, v is t, t.requires_grad,
                    v2.requires_grad, v2 is t, w.grad_fn is None, w.requires_grad,
                    tuple(e.shape), str(e.dtype), V(t, True).requires_grad)
    assert got[jtorch] == got[torch]


def test_variable_isinstance_and_errors():
    for lib in LIBS:
        V = lib.autograd.Variable
        assert isinstance(lib.tensor([1.0]), V)
        assert not isinstance(3, V)
        assert not issubclass(lib.Tensor, V)
    raises_like(lambda: jtorch.autograd.Variable([1.0]), lambda: torch.autograd.Variable([1.0]))
    j, t = raises_like(lambda: jtorch.autograd.Variable(jtorch.tensor([1.0]), foo=1),
                       lambda: torch.autograd.Variable(torch.tensor([1.0]), foo=1))
    assert j == t
    j, t = raises_like(lambda: jtorch.autograd.Variable(jtorch.tensor([1, 2]), requires_grad=True),
                       lambda: torch.autograd.Variable(torch.tensor([1, 2]), requires_grad=True))
    assert j == t


def test_variable_volatile_warns():
    msgs = {}
    for lib in LIBS:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.autograd.Variable(lib.tensor([1.0]), volatile=True)
        msgs[lib] = [(m.category, str(m.message)) for m in w]
    assert msgs[jtorch] == msgs[torch] and msgs[torch]


def test_variable_module_and_removed_function():
    for lib in LIBS:
        mod = sys.modules[lib.__name__ + ".autograd.variable"]
        assert mod.Variable is lib.autograd.Variable
        assert isinstance(lib.tensor([1.0]), mod.VariableMeta) is False
    j, t = raises_like(lambda: jtorch.autograd.variable(1), lambda: torch.autograd.variable(1))
    assert j == t


# ---- multithreading flag ---------------------------------------------------------------------

def test_set_multithreading_enabled():
    got = {}
    for lib in LIBS:
        seq = [lib.autograd.is_multithreading_enabled()]
        with lib.autograd.set_multithreading_enabled(False):
            seq.append(lib.autograd.is_multithreading_enabled())
        seq.append(lib.autograd.is_multithreading_enabled())
        lib.autograd.set_multithreading_enabled(False)
        seq.append(lib.autograd.is_multithreading_enabled())
        lib.autograd.set_multithreading_enabled(True)

        @lib.autograd.set_multithreading_enabled(False)
        def f():
            return lib.autograd.is_multithreading_enabled()
        seq.append(f())
        lib.autograd.set_multithreading_enabled(True)
        # NOTE: backward still works with the flag off (jtorch always runs on the caller)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.set_multithreading_enabled(False):
            (x * x).sum().backward()
        got[lib] = (seq, x.grad)
    assert got[jtorch][0] == got[torch][0]
    close(got[jtorch][1], got[torch][1])


# ---- Tensor.register_post_accumulate_grad_hook ------------------------------------------------

def _trace(lib, log):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    acc.register_hook(lambda gi, go: log.append(("acc", gi, go[0].tolist(), x.grad.tolist())))
    acc.register_prehook(lambda go: log.append(
        ("pre", go[0].tolist(), None if x.grad is None else x.grad.tolist())))
    x.register_post_accumulate_grad_hook(lambda t: log.append(("post", t is x, t.grad.tolist())))
    x.register_hook(lambda g: log.append(("tensor", g.tolist())))
    return x, y


def test_post_accumulate_and_accumulate_grad_hook_order():
    logs = {}
    for lib in LIBS:
        log = logs[lib] = []
        x, y = _trace(lib, log)
        y.backward()
        (x * 3).sum().backward()
    assert logs[jtorch] == logs[torch]
    assert [e[0] for e in logs[torch]][:4] == ["tensor", "pre", "post", "acc"]


def test_post_accumulate_hook_fast_path_and_remove():
    logs = {}
    for lib in LIBS:
        log = logs[lib] = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        h = x.register_post_accumulate_grad_hook(lambda t: log.append(("x", t.grad.tolist())))
        w.register_post_accumulate_grad_hook(lambda t: log.append(("w", t.grad.tolist())))
        for _ in range(2):
            (x * w).sum().backward()  # NOTE: jtorch's fused one-call backward
        h.remove()
        h.remove()
        (x * w).sum().backward()
        log.append(("grads", x.grad.tolist(), w.grad.tolist()))
    assert sorted(logs[jtorch]) == sorted(logs[torch])
    assert len(logs[torch]) == 6


def test_post_accumulate_hook_can_consume_grad():
    grads = {}
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []

        def hook(t, seen=seen):
            seen.append(t.grad.tolist())
            t.grad = None  # NOTE: the optimizer-in-backward pattern
        x.register_post_accumulate_grad_hook(hook)
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        grads[lib] = (seen, x.grad)
    assert grads[jtorch] == grads[torch] == ([[2.0, 2.0], [3.0, 3.0]], None)


def test_post_accumulate_hook_with_grad_inputs_and_create_graph():
    logs = {}
    for lib in LIBS:
        log = logs[lib] = []
        x = lib.tensor([1.0], requires_grad=True)
        y = lib.tensor([2.0], requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: log.append("x"))
        y.register_post_accumulate_grad_hook(lambda t: log.append("y"))
        lib.autograd.grad((x * y).sum(), x)  # no accumulation: no hook
        log.append("|")
        (x * y).sum().backward(inputs=[x])
        log.append("|")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x * x).sum().backward(create_graph=True)
        x.grad = None
    assert logs[jtorch] == logs[torch] == ["|", "x", "|", "x"]


def test_post_accumulate_hook_errors():
    x = {lib: lib.tensor([1.0], requires_grad=True) for lib in LIBS}
    j, t = raises_like(lambda: (x[jtorch] * 2).register_post_accumulate_grad_hook(lambda t: None),
                       lambda: (x[torch] * 2).register_post_accumulate_grad_hook(lambda t: None))
    assert j == t
    j, t = raises_like(
        lambda: jtorch.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None),
        lambda: torch.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None))
    assert j == t
    for lib in LIBS:
        x[lib].register_post_accumulate_grad_hook(lambda t, lib=lib: lib.tensor([5.0]))
    j, t = raises_like(lambda: (x[jtorch] * 2).sum().backward(),
                       lambda: (x[torch] * 2).sum().backward())
    assert j == t


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "jtorch"])
def test_post_accumulate_hook_returns_handle(lib):
    x = lib.tensor([1.0], requires_grad=True)
    h = x.register_post_accumulate_grad_hook(lambda t: None)
    assert hasattr(h, "remove") and hasattr(h, "id")
