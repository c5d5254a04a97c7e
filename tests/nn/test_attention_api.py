"""torch.nn.attention (SDPBackend, sdpa_kernel, the flash-attention impl registry) against torch."""
import importlib
import inspect
import logging

import numpy as np
import pytest
import torch
import torch.nn.attention as TA
import torch.nn.attention._registry as TR

import jtorch
import jtorch.nn.attention as JA
import jtorch.nn.attention._registry as JR
from jtorch.nn.attention import _sdpa_kernel as JK
from _harness import assert_same, assert_same_error, pair


def test_all_and_signatures():
    assert JA.__all__ == TA.__all__
    for name in TA.__all__:
        t, j = getattr(TA, name), getattr(JA, name)
        if callable(t) and not isinstance(t, type):
            tp = [(p.name, p.kind, p.default) for p in inspect.signature(t).parameters.values()]
            jp = [(p.name, p.kind, p.default) for p in inspect.signature(j).parameters.values()]
            assert jp == tp, name
            assert j.__doc__, name
    assert JA.WARN_FOR_UNFUSED_KERNELS is TA.WARN_FOR_UNFUSED_KERNELS is False


def test_sdpbackend_members():
    assert list(JA.SDPBackend.__members__) == list(TA.SDPBackend.__members__)
    for name, t in TA.SDPBackend.__members__.items():
        j = getattr(JA.SDPBackend, name)
        assert (str(j), repr(j), int(j), j.name, j.value) == (str(t), repr(t), int(t), t.name,
                                                              t.value)
        assert JA.SDPBackend(t.value) is j
        assert (j == t.value) == (t == t.value)
        assert hash(j) == hash(t)
        assert isinstance(j, int) == isinstance(t, int)
    assert JA.SDPBackend.__name__ == TA.SDPBackend.__name__
    assert JA.SDPBackend.__module__ == "jtorch.nn.attention"
    assert_same_error(lambda: JA.SDPBackend.MATH < JA.SDPBackend.FLASH_ATTENTION,
                      lambda: TA.SDPBackend.MATH < TA.SDPBackend.FLASH_ATTENTION)


def _flags(T):
    b = T.backends.cuda
    return (b.flash_sdp_enabled(), b.mem_efficient_sdp_enabled(), b.math_sdp_enabled(),
            b.cudnn_sdp_enabled())


def _names(backends):
    return [b.name for b in backends]


SELECTIONS = [("MATH",), ("FLASH_ATTENTION", "MATH"), (), ("CUDNN_ATTENTION", "MATH", "MATH"),
              ("OVERRIDEABLE",), ("EFFICIENT_ATTENTION", "CUDNN_ATTENTION", "FLASH_ATTENTION")]


@pytest.mark.parametrize("sel,as_single", [(s, False) for s in SELECTIONS]
                         + [(s, True) for s in SELECTIONS if len(s) == 1], ids=repr)
@pytest.mark.parametrize("set_priority", [False, True])
def test_sdpa_kernel_state(sel, set_priority, as_single):
    before = (_flags(jtorch), _names(JK._cur_sdpa_kernel_backends(True)))
    assert before == (_flags(torch), _names(TA._cur_sdpa_kernel_backends(True)))

    def arg(M):
        bs = [getattr(M.SDPBackend, n) for n in sel]
        return bs[0] if as_single else bs
    with TA.sdpa_kernel(arg(TA), set_priority) as rt, JA.sdpa_kernel(arg(JA), set_priority) as rj:
        assert rj == rt == {}
        assert _flags(jtorch) == _flags(torch)
        for prio in (False, True):
            assert (_names(JK._cur_sdpa_kernel_backends(prio))
                    == _names(TA._cur_sdpa_kernel_backends(prio)))
        assert JK._get_sdp_priority_order() == torch._C._get_sdp_priority_order()
    assert (_flags(jtorch), _names(JK._cur_sdpa_kernel_backends(True))) == before
    assert JK._get_sdp_priority_order() == torch._C._get_sdp_priority_order()


@pytest.mark.parametrize("bad", ["'math'", "(M.SDPBackend.MATH,)", "None", "{M.SDPBackend.MATH}"])
def test_sdpa_kernel_rejects(bad):
    def enter(M):
        with M.sdpa_kernel(eval(bad, {"M": M})):
            pass
    assert_same_error(lambda: enter(JA), lambda: enter(TA))


def test_sdpa_kernel_restores_after_error():
    for M, T in ((JA, jtorch), (TA, torch)):
        with pytest.raises(KeyError):
            with M.sdpa_kernel(M.SDPBackend.MATH):
                raise KeyError
        assert _flags(T) == (True, True, True, True)


def test_sdpa_runs_under_any_selection():
    q = np.random.default_rng(0).standard_normal((1, 2, 5, 4)).astype("float32")
    jq, tq = pair(q)
    want = torch.nn.functional.scaled_dot_product_attention(tq, tq, tq, is_causal=True)
    with JA.sdpa_kernel([JA.SDPBackend.FLASH_ATTENTION]):
        got = jtorch.nn.functional.scaled_dot_product_attention(jq, jq, jq, is_causal=True)
    assert_same(got, want)


# ---- flash-attention implementation registry ------------------------------------------------
def test_registry_builtins():
    assert JA.list_flash_attention_impls() == TA.list_flash_attention_impls()
    assert JA.current_flash_attention_impl() == TA.current_flash_attention_impl() is None
    for impl in ["nope", "FA3", "FA4"]:
        assert_same_error(lambda: JA.activate_flash_attention_impl(impl),
                          lambda: TA.activate_flash_attention_impl(impl))


def test_restore_warns_when_nothing_active(caplog):
    with caplog.at_level(logging.WARNING):
        TA.restore_flash_attention_impl()
        JA.restore_flash_attention_impl()
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2 and msgs[0] == msgs[1], msgs


def test_registry_custom_impl():
    log = []

    class Handle:
        def __init__(self, who):
            self.who = who

        def remove(self):
            log.append(("remove", self.who))

    def run(M, R, who):
        M.register_flash_attention_impl("MyFA", register_fn=lambda: Handle(who))
        try:
            M.activate_flash_attention_impl("MyFA")
            out = (M.list_flash_attention_impls(), M.current_flash_attention_impl())
            M.restore_flash_attention_impl()
            return out + (M.current_flash_attention_impl(),)
        finally:
            R._FLASH_ATTENTION_IMPLS.pop("MyFA", None)
    assert run(JA, JR, "jtorch") == run(TA, TR, "torch") == (["FA3", "FA4", "MyFA"], "MyFA", None)
    assert log == [("remove", "jtorch"), ("remove", "torch")]


def test_flex_attention_is_unsupported():
    with pytest.raises(ImportError, match="flex_attention is not supported by jtorch"):
        importlib.import_module("jtorch.nn.attention.flex_attention")
