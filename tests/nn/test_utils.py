"""nn.utils: clip_grad_norm_, clip_grad_value_, get_total_norm, parameters <-> vector vs torch."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, to_jt


def params_with_grads(seed=0, dtypes=("float32", "float32", "float32")):
    """Three parameters with gradients, in torch and jtorch (same values)."""
    shapes = [(3, 4), (4,), (2, 2, 2)]
    tps, jps = [], []
    for i, (s, d) in enumerate(zip(shapes, dtypes)):
        v = make_array(s, d, seed=seed + i, low=-2, high=2)
        g = make_array(s, d, seed=seed + 10 + i, low=-3, high=3)
        tp = torch.nn.Parameter(torch.from_numpy(v.copy()))
        tp.grad = torch.from_numpy(g.copy())
        jp = jtorch.nn.Parameter(to_jt(v))
        jp.grad = to_jt(g)
        tps.append(tp)
        jps.append(jp)
    return jps, tps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm(norm_type, max_norm):
    jps, tps = params_with_grads()
    jn = jtorch.nn.utils.clip_grad_norm_(jps, max_norm, norm_type=norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    assert_same(jn, tn, rtol=1e-5, atol=1e-6)
    for jp, tp in zip(jps, tps):
        assert_same(jp.grad, tp.grad, rtol=1e-5, atol=1e-6)


def test_clip_grad_norm_variants():
    jps, tps = params_with_grads(dtypes=("float64", "float64", "float64"))
    jps[1].grad = None
    tps[1].grad = None
    # a generator, a single tensor, foreach flags
    assert_same(jtorch.nn.utils.clip_grad_norm_((p for p in jps), 1.0, foreach=True),
                torch.nn.utils.clip_grad_norm_((p for p in tps), 1.0, foreach=True))
    assert_same(jtorch.nn.utils.clip_grad_norm_(jps[0], 0.1, foreach=False),
                torch.nn.utils.clip_grad_norm_(tps[0], 0.1, foreach=False))
    for jp, tp in zip(jps, tps):
        assert (jp.grad is None) == (tp.grad is None)
        if tp.grad is not None:
            assert_same(jp.grad, tp.grad)
    # no grads at all: a 0-d zero, nothing to clip
    assert_same(jtorch.nn.utils.clip_grad_norm_([jtorch.nn.Parameter(jtorch.ones(2))], 1.0),
                torch.nn.utils.clip_grad_norm_([torch.nn.Parameter(torch.ones(2))], 1.0))
    with pytest.warns(UserWarning, match="empty generator"):
        jtorch.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(FutureWarning):
        jtorch.nn.utils.clip_grad_norm(jps, 1.0)


def test_clip_grad_norm_nonfinite():
    jps, tps = params_with_grads()
    jps[0].grad = jtorch.full((3, 4), float("inf"))
    tps[0].grad = torch.full((3, 4), float("inf"))
    je, te = assert_same_raise(
        lambda: jtorch.nn.utils.clip_grad_norm_(jps, 1.0, error_if_nonfinite=True),
        lambda: torch.nn.utils.clip_grad_norm_(tps, 1.0, error_if_nonfinite=True))
    assert str(je) == str(te)
    assert_same(jtorch.nn.utils.clip_grad_norm_(jps, 1.0),
                torch.nn.utils.clip_grad_norm_(tps, 1.0))
    for jp, tp in zip(jps, tps):
        assert_same(jp.grad, tp.grad)


def test_get_total_norm_and_clip_grads_with_norm():
    jps, tps = params_with_grads(seed=3)
    jn = jtorch.nn.utils.get_total_norm([p.grad for p in jps], 2.0)
    tn = torch.nn.utils.get_total_norm([p.grad for p in tps], 2.0)
    assert_same(jn, tn)
    jtorch.nn.utils.clip_grads_with_norm_(jps, 0.3, jn)
    torch.nn.utils.clip_grads_with_norm_(tps, 0.3, tn)
    for jp, tp in zip(jps, tps):
        assert_same(jp.grad, tp.grad)
    assert_same(jtorch.nn.utils.get_total_norm([]), torch.nn.utils.get_total_norm([]))


def test_clip_grad_value():
    jps, tps = params_with_grads(seed=7)
    assert jtorch.nn.utils.clip_grad_value_(jps, 1.25) is None
    torch.nn.utils.clip_grad_value_(tps, 1.25)
    for jp, tp in zip(jps, tps):
        assert_same(jp.grad, tp.grad)
    jtorch.nn.utils.clip_grad_value_(jps[0], 0.5)
    torch.nn.utils.clip_grad_value_(tps[0], 0.5)
    assert_same(jps[0].grad, tps[0].grad)


def test_clip_after_real_backward_keeps_grad_objects():
    m = jtorch.nn.Linear(3, 2)
    m(jtorch.ones(4, 3)).sum().backward()
    g = m.weight.grad
    jtorch.nn.utils.clip_grad_norm_(m.parameters(), 0.01)
    assert m.weight.grad is g
    total = float(jtorch.nn.utils.get_total_norm([p.grad for p in m.parameters()]))
    assert abs(total - 0.01) < 1e-6


def test_parameters_to_vector_roundtrip():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(3, 2), jtorch.nn.Linear(2, 1))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    jv = jtorch.nn.utils.parameters_to_vector(jm.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    assert_same(jv, tv)
    assert jv.grad_fn is not None  # differentiable, as in torch
    (jv * jv).sum().backward()
    (tv * tv).sum().backward()
    assert_same(jm[0].weight.grad, tm[0].weight.grad)
    new = np.arange(tv.numel(), dtype="float32")
    w0 = jm[0].weight
    jtorch.nn.utils.vector_to_parameters(to_jt(new), jm.parameters())
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new), tm.parameters())
    assert jm[0].weight is w0
    for (n, jp), tp in zip(jm.named_parameters(), tm.parameters()):
        assert_same(jp.detach(), tp.detach(), where=n + ": ")
    assert_same_raise(lambda: jtorch.nn.utils.vector_to_parameters([1.0], jm.parameters()),
                      lambda: torch.nn.utils.vector_to_parameters([1.0], tm.parameters()),
                      contains=["expected torch.Tensor, but got: list"])


def test_skip_init():
    m = jtorch.nn.utils.skip_init(jtorch.nn.Linear, 3, 2, bias=False)
    t = torch.nn.utils.skip_init(torch.nn.Linear, 3, 2, bias=False)
    assert repr(m) == repr(t) and tuple(m.weight.shape) == (2, 3) and m.weight.requires_grad
    assert_same_raise(lambda: jtorch.nn.utils.skip_init(jtorch.nn.Flatten),
                      lambda: torch.nn.utils.skip_init(torch.nn.Flatten),
                      contains=["Module must support a 'device' arg"])
    assert_same_raise(lambda: jtorch.nn.utils.skip_init(int), lambda: torch.nn.utils.skip_init(int))
