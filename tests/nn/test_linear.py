"""Identity, Linear, Bilinear, LazyLinear, Flatten, Unflatten vs torch (values, grads, reprs)."""
import math

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, pair, to_jt

jlinear = jtorch.nn.functional.linear


def copy_state(jm, tm):
    """Load torch module tm's state_dict into jtorch module jm (through NumPy)."""
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})


def run_both(jm, tm, *arrays, dtype="float32"):
    """Forward + backward of sum(out * out) in both; compare output, input and param grads."""
    ins = [pair(a, dtype=dtype, requires_grad=True) for a in arrays]
    jo = jm(*[j for j, _ in ins])
    to = tm(*[t for _, t in ins])
    assert_same(jo, to, rtol=1e-5, atol=1e-5)
    (jo * jo).sum().backward()
    (to * to).sum().backward()
    for (j, t) in ins:
        assert_same(j.grad, t.grad, rtol=1e-5, atol=1e-5)
    tp = dict(tm.named_parameters())
    for n, p in jm.named_parameters():
        assert_same(p.grad, tp[n].grad, rtol=1e-5, atol=1e-5, where=n + ": ")
    return jo, to


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_parity(shape, bias):
    tm = torch.nn.Linear(4, 3, bias=bias)
    jm = jtorch.nn.Linear(4, 3, bias=bias)
    copy_state(jm, tm)
    jo, to = run_both(jm, tm, make_array(shape, seed=1, low=-1, high=1))
    assert jo.grad_fn.name() == to.grad_fn.name()
    assert repr(jm) == repr(tm)
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]


def test_linear_float64_and_factory_kwargs():
    tm = torch.nn.Linear(5, 2, dtype=torch.float64)
    jm = jtorch.nn.Linear(5, 2, dtype=jtorch.float64, device="cpu")
    assert jm.weight.dtype is jtorch.float64 and jm.bias.dtype is jtorch.float64
    copy_state(jm, tm)
    run_both(jm, tm, make_array((3, 5), "float64", seed=2), dtype="float64")


def test_linear_errors_match_torch():
    w = make_array((3, 4), seed=0)
    cases = [((2, 5), "float32", "float32", True), ((2, 4), "float32", "float64", True),
             ((2, 4), "float32", "float64", False), ((5, 2, 4), "float32", "float64", True),
             ((2, 4), "float64", "float32", True), ((4,), "float32", "float64", False)]
    for shape, xd, wd, bias in cases:
        jx, tx = pair(make_array(shape), dtype=xd)
        jw, tw = pair(w, dtype=wd)
        jb, tb = pair(np.ones(3), dtype="float32") if bias else (None, None)
        assert_same_raise(lambda: jlinear(jx, jw, jb),
                          lambda: torch.nn.functional.linear(tx, tw, tb))
        je, te = assert_same_raise(lambda: jlinear(jx, jw, jb),
                                   lambda: torch.nn.functional.linear(tx, tw, tb))
        assert str(je) == str(te)
    jx, tx = pair(np.ones((2, 4), "float32"))
    for b in [np.ones(4, "float32"), np.ones((5, 3), "float32")]:
        jb, tb = pair(b)
        je, te = assert_same_raise(lambda: jlinear(jx, to_jt(torch.ones(3, 4)), jb),
                                   lambda: torch.nn.functional.linear(tx, torch.ones(3, 4), tb))
        assert str(je) == str(te)


def test_linear_default_init_distribution():
    jtorch.manual_seed(0)
    m = jtorch.nn.Linear(400, 300)
    w = np.asarray(m.weight.detach())
    b = np.asarray(m.bias.detach())
    bound = 1 / math.sqrt(400)
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.98 * bound
    # U(-a, a): mean 0, std a / sqrt(3); 120k samples -> loose 5-sigma bounds
    assert abs(w.mean()) < 5 * bound / math.sqrt(3) / math.sqrt(w.size)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert b.min() >= -bound and b.max() <= bound and abs(b.mean()) < 0.2 * bound
    assert m.weight.requires_grad and isinstance(m.weight, jtorch.nn.Parameter)
    # different seeds -> different weights; same seed -> same weights
    jtorch.manual_seed(1)
    a = np.asarray(jtorch.nn.Linear(4, 4).weight.detach())
    jtorch.manual_seed(1)
    c = np.asarray(jtorch.nn.Linear(4, 4).weight.detach())
    assert np.array_equal(a, c) and not np.array_equal(a, np.asarray(m.weight.detach())[:4, :4])


def test_linear_zero_in_features():
    tm, jm = torch.nn.Linear(0, 3), jtorch.nn.Linear(0, 3)
    assert float(jm.bias.abs().sum()) == 0.0 == float(tm.bias.abs().sum())
    assert_same(jm(jtorch.ones(2, 0)), tm(torch.ones(2, 0)))


@pytest.mark.parametrize("lead", [(5,), (2, 3), ()])
def test_bilinear_parity(lead):
    tm = torch.nn.Bilinear(3, 4, 2)
    jm = jtorch.nn.Bilinear(3, 4, 2)
    copy_state(jm, tm)
    run_both(jm, tm, make_array(lead + (3,), seed=3, low=-1, high=1),
             make_array(lead + (4,), seed=4, low=-1, high=1))
    assert repr(jm) == repr(tm)
    tm = torch.nn.Bilinear(3, 4, 2, bias=False)
    jm = jtorch.nn.Bilinear(3, 4, 2, bias=False)
    copy_state(jm, tm)
    assert repr(jm) == repr(tm)
    run_both(jm, tm, make_array(lead + (3,), seed=5, low=-1, high=1),
             make_array(lead + (4,), seed=6, low=-1, high=1))


def test_bilinear_init_and_errors():
    jtorch.manual_seed(0)
    m = jtorch.nn.Bilinear(25, 30, 40)
    w = np.asarray(m.weight.detach())
    bound = 1 / math.sqrt(25)
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.asarray(m.bias.detach()).max() <= bound
    j1, t1 = pair(np.ones((2, 3), "float32"))
    j2, t2 = pair(np.ones((3, 4), "float32"))
    jm, tm = jtorch.nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2)
    assert_same_raise(lambda: jm(j1, j2), lambda: tm(t1, t2))
    j2, t2 = pair(np.ones((2, 5), "float32"))
    assert_same_raise(lambda: jm(j1, j2), lambda: tm(t1, t2))


def test_identity():
    jm, tm = jtorch.nn.Identity(54, unused="x"), torch.nn.Identity(54, unused="x")
    x = jtorch.ones(2)
    assert jm(x) is x
    assert repr(jm) == repr(tm)


def test_lazy_linear():
    jm, tm = jtorch.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(jm) == repr(tm)
    assert isinstance(jm.weight, jtorch.nn.UninitializedParameter)
    assert repr(jm.weight) == repr(tm.weight) == "<UninitializedParameter>"
    assert jtorch.nn.parameter.is_lazy(jm.weight)
    jo = jm(jtorch.ones(2, 5))
    to = tm(torch.ones(2, 5))
    assert type(jm) is jtorch.nn.Linear and jm.in_features == 5
    assert repr(jm) == repr(tm)
    assert tuple(jo.shape) == tuple(to.shape)
    assert type(jm.weight) is jtorch.nn.Parameter and not jm._forward_pre_hooks
    bound = 1 / math.sqrt(5)
    assert float(jm.weight.abs().max()) <= bound
    # loading a checkpoint into an uninitialized lazy module materializes it
    src = torch.nn.Linear(6, 3)
    jl, tl = jtorch.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    copy_state(jl, src)
    tl.load_state_dict(src.state_dict())
    assert tuple(jl.weight.shape) == (3, 6)
    x = make_array((2, 6), seed=7)
    assert_same(jl(to_jt(x)), tl(torch.from_numpy(x)))
    assert type(jl) is jtorch.nn.Linear
    nb = jtorch.nn.LazyLinear(2, bias=False)
    nb(jtorch.ones(1, 4))
    assert nb.bias is None and repr(nb) == repr(torch.nn.Linear(4, 2, bias=False))


def test_uninitialized_parameter_shape_error():
    p = jtorch.nn.UninitializedParameter()
    tp = torch.nn.UninitializedParameter()
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        p.shape
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        tp.shape
    p.materialize((2, 3))
    assert type(p) is jtorch.nn.Parameter and tuple(p.shape) == (2, 3)


def test_flatten_unflatten():
    x = make_array((2, 3, 4, 5))
    for args in [(), (0, -1), (1, 2), (2,), (-3, -2)]:
        jm, tm = jtorch.nn.Flatten(*args), torch.nn.Flatten(*args)
        jx, tx = pair(x)
        assert_same(jm(jx), tm(tx))
        assert repr(jm) == repr(tm)
    for dim, size in [(1, (3, 1)), (-1, [5, 1]), (2, (2, 2)), (2, (-1, 2))]:
        jm, tm = jtorch.nn.Unflatten(dim, size), torch.nn.Unflatten(dim, size)
        jx, tx = pair(x)
        assert_same(jm(jx), tm(tx))
        assert repr(jm) == repr(tm)
    for bad in [(1, 3), (1, (3.0, 1)), (1, "ab")]:
        assert_same_raise(lambda: jtorch.nn.Unflatten(*bad), lambda: torch.nn.Unflatten(*bad))
    jm, tm = jtorch.nn.Unflatten(1, (2, 2)), torch.nn.Unflatten(1, (2, 2))
    jx, tx = pair(x)
    assert_same_raise(lambda: jm(jx), lambda: tm(tx))


def test_functional_linear_bilinear_broadcast_paths():
    F, TF = jtorch.nn.functional, torch.nn.functional
    for xs, ws, bs in [((2, 4), (4,), None), ((5, 2, 4), (3, 4), (2, 3)), ((4,), (3, 4), (3,)),
                       ((4,), (4,), ()), ((3, 2, 4), (3, 4), (3,)), ((3, 2, 4), (4,), (3, 2))]:
        jx, tx = pair(make_array(xs, seed=1, low=-1, high=1), requires_grad=True)
        jw, tw = pair(make_array(ws, seed=2, low=-1, high=1), requires_grad=True)
        jb, tb = pair(make_array(bs, seed=3), requires_grad=True) if bs is not None else \
            (None, None)
        jo, to = F.linear(jx, jw, jb), TF.linear(tx, tw, tb)
        assert_same(jo, to, rtol=1e-5, atol=1e-5)
        jo.sum().backward()
        to.sum().backward()
        assert_same(jx.grad, tx.grad, rtol=1e-5, atol=1e-5)
        assert_same(jw.grad, tw.grad, rtol=1e-5, atol=1e-5)
        if jb is not None:
            assert_same(jb.grad, tb.grad, rtol=1e-5, atol=1e-5)
    for xs, bs in [((2, 4), ()), ((4,), (1,)), ((3, 2, 4), (1,))]:
        jx, tx = pair(np.ones(xs, "float32"))
        jb, tb = pair(np.ones(bs, "float32"))
        je, te = assert_same_raise(lambda: F.linear(jx, to_jt(torch.ones(4)), jb),
                                   lambda: TF.linear(tx, torch.ones(4), tb))
        assert str(je) == str(te)
    j1, t1 = pair(make_array((2, 3), seed=4))
    j2, t2 = pair(make_array((2, 4), seed=5))
    jw, tw = pair(make_array((5, 3, 4), seed=6, low=-1, high=1))
    assert_same(F.bilinear(j1, j2, jw), TF.bilinear(t1, t2, tw), rtol=1e-5, atol=1e-4)


def test_linear_half_precision():
    for dt in ["float16", "bfloat16"]:
        tm = torch.nn.Linear(16, 4).to(getattr(torch, dt))
        jm = jtorch.nn.Linear(16, 4).to(getattr(jtorch, dt))
        assert jm.weight.dtype is getattr(jtorch, dt)
        copy_state(jm, tm)
        jx, tx = pair(make_array((3, 16), seed=8, low=-1, high=1), dtype=dt,
                      requires_grad=(dt == "float16"))
        jo, to = jm(jx), tm(tx)
        # NOTE: 1-ulp differences from a different accumulation order are allowed
        assert_same(jo, to, rtol=4e-3 if dt == "float16" else 1.6e-2, atol=1e-3)
        if dt == "float16":  # NOTE: bfloat16 autograd is not recorded by the core tape yet
            jo.sum().backward()
            to.sum().backward()
            assert_same(jm.weight.grad, tm.weight.grad, rtol=4e-3, atol=1e-3)
            assert_same(jx.grad, tx.grad, rtol=4e-3, atol=1e-3)
