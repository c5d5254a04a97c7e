"""nn.DataParallel (no accelerator / one device) and nn.AdaptiveLogSoftmaxWithLoss vs torch."""
import sys

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_error, make_array, pair, to_jt

TOL = dict(rtol=1e-5, atol=1e-5)
# NOTE: cutoffs (3, 6) with 8 features make a 0-unit tail projection; torch warns the same
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
needs_no_gpu = pytest.mark.skipif(jtorch.cuda.is_available() or torch.cuda.is_available(),
                                  reason="compares torch's accelerator-less DataParallel")


def mlp(L):
    return L.nn.Sequential(L.nn.Linear(4, 3), L.nn.Tanh(), L.nn.Linear(3, 2))


def mlp_pair():
    tm, jm = mlp(torch), mlp(jtorch)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


@needs_no_gpu
@pytest.mark.parametrize("kw", [{}, {"device_ids": [0, 1], "output_device": 1, "dim": 1}])
def test_data_parallel_cpu(kw):
    (jm, tm) = mlp_pair()
    jd, td = jtorch.nn.DataParallel(jm, **kw), torch.nn.DataParallel(tm, **kw)
    assert jtorch.nn.parallel.DataParallel is jtorch.nn.DataParallel
    assert jd.module is jm and jd.device_ids == td.device_ids == []
    assert sorted(jd.__dict__) == sorted(td.__dict__)
    assert repr(jd) == repr(td)
    assert list(jd.state_dict()) == list(td.state_dict())
    assert [n for n, _ in jd.named_parameters()] == [n for n, _ in td.named_parameters()]
    j, t = pair(make_array((5, 4), seed=1))
    jo, to = jd(j), td(t)
    assert_same(jo, to, **TOL)
    jo.pow(2).sum().backward()
    to.pow(2).sum().backward()
    for (n, jp), (_, tp) in zip(jd.named_parameters(), td.named_parameters()):
        assert_same(jp.grad, tp.grad, **TOL, where=n + ": ")
    # state_dict round trip between the wrappers (keys prefixed with `module.`)
    jd2 = jtorch.nn.DataParallel(mlp(jtorch))
    jd2.load_state_dict({k: to_jt(v) for k, v in td.state_dict().items()})
    assert_same(jd2(j), to, **TOL)
    assert_same_error(lambda: jtorch.nn.parallel.data_parallel(jm, j),
                      lambda: torch.nn.parallel.data_parallel(tm, t))


def test_data_parallel_kwargs_and_no_args():
    class J(jtorch.nn.Module):
        def forward(self, x=None, *, scale=1.0):
            return scale if x is None else x * scale

    class T(torch.nn.Module):
        def forward(self, x=None, *, scale=1.0):
            return scale if x is None else x * scale

    j, t = pair(make_array((2, 2), seed=2))
    assert_same(jtorch.nn.DataParallel(J())(j, scale=3.0),
                torch.nn.DataParallel(T())(t, scale=3.0))
    assert jtorch.nn.DataParallel(J())() == torch.nn.DataParallel(T())()


def test_data_parallel_more_than_one_device_is_unsupported(monkeypatch):
    # NOTE: the package's `data_parallel` attribute is the function (as in torch)
    jdp = sys.modules["jtorch.nn.parallel.data_parallel"]
    # NOTE: simulate an accelerator so the multi-device path is reached on any machine
    monkeypatch.setattr(jdp, "_get_available_device_type", lambda: "cuda")
    with pytest.raises(NotImplementedError, match=r"more than one device \(device_ids=\[0, 1\]"):
        jtorch.nn.DataParallel(mlp(jtorch), device_ids=[0, 1])
    with pytest.raises(NotImplementedError, match="more than one device"):
        jtorch.nn.parallel.data_parallel(mlp(jtorch), jtorch.ones(1, 4), device_ids=[0, 1])


def test_data_parallel_one_device_path(monkeypatch):
    # NOTE: torch's one-accelerator path (move the module, move the inputs, call) cannot run in
    # the CPU-only oracle; drive jtorch's with the CPU standing in for the device.
    jdp = sys.modules["jtorch.nn.parallel.data_parallel"]
    monkeypatch.setattr(jdp, "_get_available_device_type", lambda: "cpu")
    jm, tm = mlp_pair()
    jd = jtorch.nn.DataParallel(jm, device_ids=[0])
    assert (jd.device_ids, jd.output_device, jd.dim, str(jd.src_device_obj)) == \
        ([0], 0, 0, "cpu:0")
    assert list(jd.state_dict()) == list(torch.nn.DataParallel(tm).state_dict())
    j, t = pair(make_array((5, 4), seed=1))
    assert_same(jd(j), tm(t), **TOL)
    assert_same(jd(input=j), tm(t), **TOL)
    assert_same(jtorch.nn.parallel.data_parallel(jm, j, device_ids=[0]), tm(t), **TOL)


# ---- AdaptiveLogSoftmaxWithLoss ---------------------------------------------------------------

def asm_pair(in_features=8, n_classes=10, cutoffs=(3, 6), seed=0, **kw):
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), **kw)
    jm = jtorch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), **kw)
    with torch.no_grad():
        for i, p in enumerate(tm.parameters()):
            p.copy_(torch.from_numpy(make_array(tuple(p.shape), seed=seed + i, low=-1, high=1)))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


def test_asm_structure():
    jm, tm = asm_pair(16, 20, [4, 10, 15], div_value=2.0, head_bias=True)
    assert [(n, tuple(p.shape)) for n, p in jm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert repr(jm) == repr(tm)
    for a in ("cutoffs", "shortlist_size", "n_clusters", "head_size", "div_value", "head_bias"):
        assert getattr(jm, a) == getattr(tm, a), a


# NOTE: every eager op compiles per shape, and row selection here is data dependent, so the
# tests share one input/target set (compiles are reused) to stay fast.
X, TGT = make_array((7, 8), seed=3), np.array([0, 9, 4, 2, 7, 5, 3])


def test_asm_forward_backward():
    jm, tm = asm_pair(head_bias=True)
    j, t = pair(X, requires_grad=True)
    jr, tr = jm(j, to_jt(TGT)), tm(t, torch.from_numpy(TGT))
    assert type(jr).__name__ == type(tr).__name__ == "_ASMoutput" and jr._fields == tr._fields
    assert_same(jr.output, tr.output, **TOL)
    assert_same(jr.loss, tr.loss, **TOL)
    (jr.loss + jr.output[1]).backward()
    (tr.loss + tr.output[1]).backward()
    assert_same(j.grad, t.grad, **TOL)
    tps = dict(tm.named_parameters())
    for n, p in jm.named_parameters():
        assert_same(p.grad, tps[n].grad, **TOL, where=n + ": ")


def test_asm_unbatched_and_one_cluster():
    jm, tm = asm_pair(cutoffs=(2,), div_value=1.5, seed=4)
    jr, tr = jm(to_jt(X[0]), jtorch.tensor(8)), tm(torch.from_numpy(X[0]), torch.tensor(8))
    assert_same(jr.output, tr.output, **TOL)
    assert_same(jr.loss, tr.loss, **TOL)
    jr, tr = jm(to_jt(X), to_jt(TGT)), tm(torch.from_numpy(X), torch.from_numpy(TGT))
    assert_same(jr.output, tr.output, **TOL)
    assert_same(jr.loss, tr.loss, **TOL)


def test_asm_log_prob_and_predict():
    jm, tm = asm_pair(head_bias=True, seed=8)
    j, t = pair(X)
    assert_same(jm.log_prob(j), tm.log_prob(t), **TOL)
    assert_same(jm.predict(j), tm.predict(t))
    # NOTE: steer the head so that all / none / some rows predict a shortlist class
    for bias in ([50.0, 0, 0, 0, 0], [0, 0, 0, 50.0, 0], [0, 0, 0, 0, 50.0]):
        with torch.no_grad():
            tm.head.bias.copy_(torch.tensor(bias))
        jm.head.bias.data = jtorch.tensor(bias)
        assert_same(jm.predict(j), tm.predict(t))
    with torch.no_grad():
        tm.head.bias.copy_(torch.tensor([0, 0, 0, 0, 3.0]))
    jm.head.bias.data = jtorch.tensor([0, 0, 0, 0, 3.0])
    tp = tm.predict(t)
    assert 0 < int((tp < 3).sum()) < 7, "premise: a mix of shortlist and tail predictions"
    assert_same(jm.predict(j), tp)


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 3], [3, 10], [3, 3], [2.5]])
def test_asm_cutoff_errors(cutoffs):
    assert_same_error(lambda: jtorch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs),
                      lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs))


def test_asm_forward_errors():
    jm, tm = asm_pair()
    bad = TGT.copy()
    bad[3] = 10
    cases = [(X[:3], TGT[:2]), (X[None], TGT), (X, bad), (X, -TGT), (X, TGT[None]), (X, TGT[0])]
    for x, tg in cases:
        assert_same_error(lambda: jm(to_jt(x), to_jt(np.asarray(tg))),
                          lambda: tm(torch.from_numpy(x), torch.from_numpy(np.asarray(tg))))
