"""torch.autograd.graph extras: GradientEdge, get_gradient_edge, register_multi_grad_hook,
increment_version and the saved-tensors-hooks context managers, differential against torch."""
import numpy as np
import pytest
import torch
import torch.autograd.graph as tg

import jtorch
import jtorch.autograd.graph as jg
from _harness import assert_same_error

from ._util import close

_A = np.arange(6, dtype=np.float32).reshape(2, 3) / 7 + 0.5
_B = np.linspace(-1, 2, 6, dtype=np.float32).reshape(2, 3)


def _leaves(lib):
    return (lib.tensor(_A, requires_grad=True), lib.tensor(_B, requires_grad=True))


def _both(fn):
    """fn(lib, graph_module) for torch and jtorch."""
    return fn(jtorch, jg), fn(torch, tg)


def test_names_exported():
    for name in ("GradientEdge", "get_gradient_edge", "register_multi_grad_hook",
                 "increment_version", "saved_tensors_hooks", "save_on_cpu",
                 "disable_saved_tensors_hooks"):
        assert name in jg.__all__ and name in tg.__all__
        assert callable(getattr(jg, name))
    assert issubclass(jg.save_on_cpu, jg.saved_tensors_hooks)


def test_get_gradient_edge():
    def run(lib, g):
        a, b = _leaves(lib)
        c = a * b
        s = c.unbind(0)[1]
        ea, ec, es = g.get_gradient_edge(a), g.get_gradient_edge(c), g.get_gradient_edge(s)
        assert isinstance(ea, tuple) and ea._fields == ("node", "output_nr", "ownership_token")
        # the leaf's edge is the AccumulateGrad node the graph itself uses
        assert c.grad_fn.next_functions[0][0] is ea.node
        assert ec.node is c.grad_fn and es.node is s.grad_fn
        return [(e.node.name(), e.output_nr, e.ownership_token) for e in (ea, ec, es)]
    j, t = _both(run)
    assert j == t
    assert_same_error(lambda: jg.get_gradient_edge(jtorch.ones(2)),
                      lambda: tg.get_gradient_edge(torch.ones(2)))


def _multi_all(lib, g, calls):
    a, b = _leaves(lib)
    c = a * b
    d = a * b
    h = g.register_multi_grad_hook(
        (a, b, c, d), lambda gs: calls.append([None if x is None else x.detach().clone()
                                               for x in gs]))
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    (c * d).sum().backward(retain_graph=True)
    h.remove()
    c.sum().backward()
    return h


def test_multi_grad_hook_all_mode():
    jc, tc = [], []
    jh = _multi_all(jtorch, jg, jc)
    th = _multi_all(torch, tg, tc)
    assert len(jc) == len(tc) == 3
    for jgs, tgs in zip(jc, tc):
        assert [x is None for x in jgs] == [x is None for x in tgs]
        close(jgs, tgs)
    from jtorch.utils.hooks import RemovableHandle
    assert isinstance(jh, RemovableHandle) and isinstance(th, torch.utils.hooks.RemovableHandle)


def test_multi_grad_hook_order_with_tensor_hooks():
    """The multi hook fires from the last of its tensors' hooks, among the tensors' own hooks."""
    def run(lib, g):
        log = []
        a, _ = _leaves(lib)
        c = (a * 2).sin()
        d = c.exp()
        a.register_hook(lambda gr: log.append("a"))
        c.register_hook(lambda gr: log.append("c"))
        g.register_multi_grad_hook((a, c), lambda gs: log.append("multi"))
        d.register_hook(lambda gr: log.append("d"))
        a.register_hook(lambda gr: log.append("a2"))
        d.sum().backward()
        return log
    j, t = _both(run)
    assert j == t


def test_multi_grad_hook_any_mode():
    def run(lib, g):
        got = []
        a, b = _leaves(lib)
        c = (a * b).sin()
        # NOTE: in a chain the first grad is unambiguous (c's, then a's); which of two sibling
        # leaves the engine reaches first is engine order, not this hook's business
        g.register_multi_grad_hook((a, c, lib.ones(2)), lambda gr: got.append(gr.clone()),
                                   mode="any")
        c.exp().sum().backward()
        (a * 3).sum().backward()
        return got
    j, t = _both(run)
    assert len(j) == len(t) == 2
    close(j, t)


def test_multi_grad_hook_errors():
    assert_same_error(
        lambda: jg.register_multi_grad_hook((jtorch.ones(1, requires_grad=True),), print,
                                            mode="every"),
        lambda: tg.register_multi_grad_hook((torch.ones(1, requires_grad=True),), print,
                                            mode="every"))
    # NOTE: a tensor without grad has no node to wait for: torch raises AssertionError
    assert_same_error(
        lambda: jg.register_multi_grad_hook((jtorch.ones(1, requires_grad=True),
                                             jtorch.ones(2)), print),
        lambda: tg.register_multi_grad_hook((torch.ones(1, requires_grad=True),
                                             torch.ones(2)), print))


def test_increment_version():
    def run(lib, g):
        x = lib.ones(3)
        v = x[:2]
        out = [x._version]
        g.increment_version(x)
        out.append((x._version, v._version))
        g.increment_version([x, v])
        out.append((x._version, v._version))
        return out
    j, t = _both(run)
    assert j == t
    with jtorch.inference_mode():
        z = jtorch.ones(2)
    jg.increment_version(z)  # NOTE: torch: no version counter to bump, no error
    for bad in (3, "ab", [jtorch.ones(1), 2]):
        tbad = [torch.ones(1), 2] if isinstance(bad, list) else bad
        assert_same_error(lambda: jg.increment_version(bad), lambda: tg.increment_version(tbad))


def test_increment_version_regenerates_view_grad_fn_and_trips_saved_check():
    def run(lib, g):
        b = lib.tensor(_A[0], requires_grad=True).clone()
        v = b[:2]
        before = v.grad_fn.name()
        g.increment_version(b)
        after = v.grad_fn.name()
        x = lib.tensor(_A[0], requires_grad=True)
        y = x.exp()  # ExpBackward0 saves its result
        g.increment_version(y)
        try:
            y.sum().backward()
            err = None
        except RuntimeError as e:
            err = str(e)
        return before, after, err
    j, t = _both(run)
    assert j[:2] == t[:2]
    assert j[2] is not None and t[2] is not None
    assert j[2].split(" Hint")[0] == t[2].split(" Hint")[0]


def test_saved_tensors_hooks_unsupported_and_disabled():
    with pytest.raises(NotImplementedError, match="saved_tensors_hooks"):
        with jg.saved_tensors_hooks(lambda x: x, lambda x: x):
            pass
    with pytest.raises(NotImplementedError, match="save_on_cpu"):
        with jg.save_on_cpu():
            pass
    h = jg.saved_tensors_hooks(id, id)
    assert h.pack_hook is id and h.unpack_hook is id

    def in_disabled(g):
        def f():
            with g.disable_saved_tensors_hooks("outer"):
                with g.disable_saved_tensors_hooks("inner"):
                    pass
                with g.saved_tensors_hooks(lambda x: x, lambda x: x):
                    pass
        return f

    def nested(g):
        def f():
            with g.disable_saved_tensors_hooks("outer"):
                with g.disable_saved_tensors_hooks("inner"):
                    with g.save_on_cpu():
                        pass
        return f
    assert_same_error(in_disabled(jg), in_disabled(tg))
    assert_same_error(nested(jg), nested(tg))
    # the disabled state is restored on exit
    with jg.disable_saved_tensors_hooks("x"):
        pass
    with pytest.raises(NotImplementedError):
        with jg.saved_tensors_hooks(id, id):
            pass
