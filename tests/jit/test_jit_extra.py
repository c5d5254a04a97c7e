"""torch.jit extras vs torch: fork/wait/Future, freeze, optimize_for_inference, trace_module,
isinstance, Attribute, script_if_tracing, interface, export_opnames, Error, fuser settings."""
import typing
import warnings
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_error, pair

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _pair_net(train=False):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                             torch.nn.Linear(6, 2))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(4, 6), jtorch.nn.BatchNorm1d(6),
                              jtorch.nn.ReLU(), jtorch.nn.Linear(6, 2))
    with torch.no_grad():
        tm[1].running_mean.uniform_(-1, 1)
        tm[1].running_var.uniform_(0.5, 2)
    jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return tm.train(train), jm.train(train)


def _x(seed=0):
    return pair(np.random.default_rng(seed).standard_normal((3, 4)).astype(np.float32))


# ---- fork / wait / Future ------------------------------------------------------------------

def test_fork_wait_values():
    jx, tx = _x()

    def f(lib):
        return lambda a, b=1.0: lib.tanh(a) * b
    tf = torch.jit.fork(f(torch), tx, b=2.0)
    jf = jtorch.jit.fork(f(jtorch), jx, b=2.0)
    assert jf.done() == tf.done()
    assert_same(jtorch.jit.wait(jf), torch.jit.wait(tf))
    assert_same(jf.value(), tf.value())
    assert isinstance(jf, jtorch.jit.Future)


def test_fork_wait_errors_and_warnings():
    def bad(x):
        raise ValueError("inside")
    assert_same_error(lambda: jtorch.jit.fork(bad, 1), lambda: torch.jit.fork(bad, 1))
    assert_same_error(lambda: jtorch.jit.wait(3), lambda: torch.jit.wait(3))

    def msgs(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.jit.wait(lib.jit.fork(lambda: 1))
        return [(x.category, str(x.message)) for x in w]
    assert msgs(jtorch) == msgs(torch)


def test_future_api():
    def run(lib):
        log = []
        f = lib.jit.Future()
        log.append(f.done())
        g = f.then(lambda fut: fut.wait() + 1)
        f.add_done_callback(lambda fut: log.append(("cb", fut.value())))
        f.set_result(3)
        log += [f.done(), f.wait(), g.wait(), g.done()]
        try:
            f.set_result(4)
        except RuntimeError as e:
            log.append(str(e))
        h = lib.jit.Future()
        h.set_exception(KeyError("boom"))
        for call in (h.wait, h.value):
            try:
                call()
            except KeyError as e:
                log.append(repr(e))
        bad = f.then(lambda fut: 1 / 0)
        try:
            bad.wait()
        except RuntimeError as e:
            log.append(str(e).splitlines()[0])
        return log
    assert run(jtorch) == run(torch)


# ---- freeze / optimize_for_inference ---------------------------------------------------------

def test_freeze_errors():
    tm, jm = _pair_net()
    assert_same_error(lambda: jtorch.jit.freeze(jm), lambda: torch.jit.freeze(tm))
    tm.train()
    jm.train()
    ts, js = torch.jit.script(tm), jtorch.jit.script(jm)
    assert_same_error(lambda: jtorch.jit.freeze(js), lambda: torch.jit.freeze(ts))
    assert_same_error(lambda: jtorch.jit.freeze(js.eval(), preserved_attrs=["nope"]),
                      lambda: torch.jit.freeze(ts.eval(), preserved_attrs=["nope"]))


def test_freeze_outputs_and_snapshot():
    tm, jm = _pair_net()
    jx, tx = _x()
    tf = torch.jit.freeze(torch.jit.script(tm).eval())
    jf = jtorch.jit.freeze(jtorch.jit.script(jm).eval())
    assert list(jf.state_dict()) == list(tf.state_dict())
    assert len(list(jf.parameters())) == len(list(tf.parameters()))
    to, jo = tf(tx), jf(jx)
    assert_same(jo, to, rtol=1e-5, atol=1e-6)
    assert jo.requires_grad == to.requires_grad
    # NOTE: the weights are inlined constants: later writes to the module do not reach them
    with torch.no_grad():
        tm[0].weight.add_(1)
    with jtorch.no_grad():
        jm[0].weight.add_(1)
    assert_same(jf(jx), tf(tx), rtol=1e-5, atol=1e-6)
    assert_same(jm(jx).detach(), tm(tx).detach(), rtol=1e-5, atol=1e-6)


def test_freeze_preserved_submodule_stays_live():
    tm, jm = _pair_net()
    jx, tx = _x(1)
    tf = torch.jit.freeze(torch.jit.script(tm).eval(), preserved_attrs=["0"])
    jf = jtorch.jit.freeze(jtorch.jit.script(jm).eval(), preserved_attrs=["0"])
    assert hasattr(jf, "0") == hasattr(tf, "0")
    with torch.no_grad():
        tm[0].weight.mul_(2)
    with jtorch.no_grad():
        jm[0].weight.mul_(2)
    assert_same(jf(jx).detach(), tf(tx).detach(), rtol=1e-5, atol=1e-6)


def test_optimize_for_inference():
    tm, jm = _pair_net(train=True)
    assert_same_error(lambda: jtorch.jit.optimize_for_inference(jm),
                      lambda: torch.jit.optimize_for_inference(tm))
    ts, js = torch.jit.script(tm), jtorch.jit.script(jm)
    to_ = torch.jit.optimize_for_inference(ts)
    jo = jtorch.jit.optimize_for_inference(js)
    assert js.training == ts.training  # NOTE: torch switches the module to eval mode
    assert list(jo.state_dict()) == list(to_.state_dict())
    jx, tx = _x(2)
    assert_same(jo(jx), to_(tx), rtol=1e-5, atol=1e-6)
    # already frozen: optimized again, same outputs
    assert_same(jtorch.jit.optimize_for_inference(jo)(jx),
                torch.jit.optimize_for_inference(to_)(tx), rtol=1e-5, atol=1e-6)


# ---- trace_module ----------------------------------------------------------------------------

def _with_method(lib):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lib.nn.Linear(4, 2)

        def forward(self, x):
            return self.lin(x).relu()

        def scaled(self, x):
            return self.lin(x) * 3
    return M


def test_trace_module_methods():
    torch.manual_seed(1)
    tm = _with_method(torch)()
    jm = _with_method(jtorch)()
    jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    jx, tx = _x(3)
    ts = torch.jit.trace_module(tm, {"forward": tx, "scaled": (tx,)})
    js = jtorch.jit.trace_module(jm, {"forward": jx, "scaled": (jx,)})
    assert list(js.state_dict()) == list(ts.state_dict())
    jx2, tx2 = _x(4)
    assert_same(js(jx2).detach(), ts(tx2).detach(), rtol=1e-5, atol=1e-6)
    assert_same(js.scaled(jx2).detach(), ts.scaled(tx2).detach(), rtol=1e-5, atol=1e-6)


def test_trace_module_errors():
    jx, tx = _x()
    assert_same_error(lambda: jtorch.jit.trace_module(lambda x: x, {"forward": jx}),
                      lambda: torch.jit.trace_module(lambda x: x, {"forward": tx}))
    assert_same_error(lambda: jtorch.jit.trace_module(jtorch.nn.ReLU(), jx),
                      lambda: torch.jit.trace_module(torch.nn.ReLU(), tx))


# ---- isinstance ------------------------------------------------------------------------------

_OBJS = [[1, 2], [1, "a"], [[1], [2]], {"a": 1}, {"a": [1.0]}, {1: 2}, (1, "x"), (1, 2, 3),
         None, 3, 2.5, "s", [], {}]
_TYPES = [List[int], list[int], List[List[int]], Dict[str, int], dict[str, List[float]],
          Tuple[int, str], tuple[int, int, int], Optional[int], Optional[List[int]],
          Union[int, str], int, str, (int, str), (List[int], Dict[str, int])]


@pytest.mark.parametrize("ti", range(len(_TYPES)))
def test_jit_isinstance_matches_torch(ti):
    target = _TYPES[ti]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for obj in _OBJS:
            assert jtorch.jit.isinstance(obj, target) == torch.jit.isinstance(obj, target), obj


def test_jit_isinstance_tensors_and_errors():
    jx, tx = _x()
    assert jtorch.jit.isinstance([jx], List[jtorch.Tensor]) == \
        torch.jit.isinstance([tx], List[torch.Tensor])
    for bad in (list, typing.Dict, typing.Tuple, dict, [int]):
        assert_same_error(lambda: jtorch.jit.isinstance([1], bad),
                          lambda: torch.jit.isinstance([1], bad))

    def warned(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.jit.isinstance([], List[int])
        return [str(x.message) for x in w]
    assert warned(jtorch) == warned(torch)


# ---- small APIs ------------------------------------------------------------------------------

def test_attribute_error_and_interface():
    ja, ta = jtorch.jit.Attribute(1, int), torch.jit.Attribute(1, int)
    assert repr(ja) == repr(ta) and tuple(ja) == tuple(ta)
    assert ja.value == ta.value and ja.type is ta.type
    assert issubclass(jtorch.jit.Error, Exception) and jtorch.jit.Error.__name__ == "Error"
    assert jtorch.jit.Error.__mro__[1:] == torch.jit.Error.__mro__[1:]
    assert_same_error(lambda: jtorch.jit.interface(3), lambda: torch.jit.interface(3))

    class Base:
        pass

    class Derived(Base):
        def run(self, x):
            pass
    assert_same_error(lambda: jtorch.jit.interface(Derived), lambda: torch.jit.interface(Derived))

    class Iface:
        def run(self, x: jtorch.Tensor) -> jtorch.Tensor:
            pass
    assert jtorch.jit.interface(Iface) is Iface


def test_script_if_tracing():
    def f(lib):
        def g(x):
            if x.shape[0] > 2:
                return x.sin()
            return x.cos()
        return g
    tg, jg = torch.jit.script_if_tracing(f(torch)), jtorch.jit.script_if_tracing(f(jtorch))
    assert jg.__name__ == tg.__name__
    jx, tx = _x()
    assert_same(jg(jx), tg(tx))
    tt = torch.jit.trace(lambda x: tg(x) + 1, (tx,))
    jt = jtorch.jit.trace(lambda x: jg(x) + 1, (jx,))
    assert_same(jt(jx), tt(tx), rtol=1e-6, atol=1e-6)


def test_export_opnames_unsupported():
    with pytest.raises(NotImplementedError, match="export_opnames"):
        jtorch.jit.export_opnames(jtorch.jit.script(jtorch.nn.Linear(2, 2)))


def test_fuser_settings():
    t_old_onednn = torch.jit.onednn_fusion_enabled()
    try:
        assert jtorch.jit.onednn_fusion_enabled() == t_old_onednn
        jtorch.jit.enable_onednn_fusion(True)
        torch.jit.enable_onednn_fusion(True)
        assert jtorch.jit.onednn_fusion_enabled() == torch.jit.onednn_fusion_enabled()
    finally:
        torch.jit.enable_onednn_fusion(t_old_onednn)
        jtorch.jit.enable_onednn_fusion(False)
    t_first = torch.jit.set_fusion_strategy([("DYNAMIC", 3)])
    j_first = jtorch.jit.set_fusion_strategy([("DYNAMIC", 3)])
    try:
        assert j_first == t_first
        assert jtorch.jit.set_fusion_strategy([("STATIC", 1)]) == \
            torch.jit.set_fusion_strategy([("STATIC", 1)])
        assert_same_error(lambda: jtorch.jit.set_fusion_strategy([("X", 2)]),
                          lambda: torch.jit.set_fusion_strategy([("X", 2)]))
    finally:
        torch.jit.set_fusion_strategy(t_first)
        jtorch.jit.set_fusion_strategy(j_first)

    def warned(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.jit.strict_fusion():
                pass
        return [str(x.message) for x in w]
    assert warned(jtorch) == warned(torch)
