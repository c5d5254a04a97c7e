"""Differential tests: nn.Module.to(memory_format=...) and the creation functions' layout=
argument, against real torch."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, pair, to_jt


# ---- nn.Module.to(memory_format=...) ------------------------------------------------------------

def _models(dims=2):
    """(jtorch model, torch model) with the same weights: convs, batch norm, a linear head."""
    def build(lib):
        nn = lib.nn
        conv, bn = (nn.Conv2d, nn.BatchNorm2d) if dims == 2 else (nn.Conv3d, nn.BatchNorm3d)
        return nn.Sequential(conv(3, 4, 3), bn(4), nn.ReLU(), conv(4, 2, 1, bias=False))
    tm, jm = build(torch), build(jtorch)
    with torch.no_grad():
        tm[1].running_mean.uniform_(-1, 1)
        tm[1].running_var.uniform_(0.5, 2)
        tm[1].weight.uniform_(0.5, 2)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


def _check_tensors(jm, tm):
    """Same names, shapes, strides, dtypes and values for every parameter and buffer."""
    for getter in ("named_parameters", "named_buffers"):
        jd, td = dict(getattr(jm, getter)()), dict(getattr(tm, getter)())
        assert list(jd) == list(td)
        for name, t in td.items():
            j = jd[name]
            assert j.stride() == t.stride(), (name, j.stride(), t.stride())
            assert_same(j.detach(), t.detach(), where=f"{name}: ")


@pytest.mark.parametrize("dims,fmt", [(2, "channels_last"), (3, "channels_last_3d")])
def test_module_to_memory_format_strides_and_values(dims, fmt):
    jm, tm = _models(dims)
    jparams = list(jm.parameters())
    jm2 = jm.to(memory_format=getattr(jtorch, fmt))
    tm.to(memory_format=getattr(torch, fmt))
    assert jm2 is jm
    # NOTE: like torch's set_data, the Parameter objects keep their identity (optimizers stay
    # valid) and stay leaves that require grad.
    assert all(a is b for a, b in zip(jparams, jm.parameters()))
    assert all(p.is_leaf and p.requires_grad for p in jm.parameters())
    assert type(jm[0].weight) is jtorch.nn.Parameter
    assert jm[0].weight.stride() != jtorch.empty(jm[0].weight.shape).stride()
    _check_tensors(jm, tm)
    assert jm[0].weight.is_contiguous(memory_format=getattr(jtorch, fmt))


@pytest.mark.parametrize("train", [False, True])
def test_module_to_channels_last_forward_backward(train):
    jm, tm = _models()
    jm.to(memory_format=jtorch.channels_last).train(train)
    tm.to(memory_format=torch.channels_last).train(train)
    a = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    jx, tx = pair(a)
    jx = jx.contiguous(memory_format=jtorch.channels_last)
    tx = tx.contiguous(memory_format=torch.channels_last)
    jy, ty = jm(jx), tm(tx)
    assert_same(jy, ty, rtol=1e-4, atol=1e-5)
    (jy * jy).sum().backward()
    (ty * ty).sum().backward()
    for (name, jp), (_, tp) in zip(jm.named_parameters(), tm.named_parameters()):
        assert_same(jp.grad, tp.grad, rtol=1e-4, atol=1e-4, where=f"{name}.grad: ")
    _check_tensors(jm, tm)  # NOTE: train mode updated the running stats in place


def test_module_to_channels_last_converts_grads():
    jm, tm = _models()
    a = np.random.default_rng(2).standard_normal((1, 3, 5, 5)).astype(np.float32)
    jx, tx = pair(a)
    jm(jx).sum().backward()
    tm(tx).sum().backward()
    jm.to(jtorch.float64, memory_format=jtorch.channels_last)
    tm.to(torch.float64, memory_format=torch.channels_last)
    for (name, jp), (_, tp) in zip(jm.named_parameters(), tm.named_parameters()):
        assert jp.grad.stride() == tp.grad.stride(), name
        assert_same(jp.grad, tp.grad, rtol=1e-5, atol=1e-6, where=f"{name}.grad: ")


def test_module_to_channels_last_then_optimizer_step():
    jm, tm = _models()
    jm.to(memory_format=jtorch.channels_last)
    tm.to(memory_format=torch.channels_last)
    jopt = jtorch.optim.SGD(jm.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    a = np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(np.float32)
    jx, tx = pair(a)
    for _ in range(2):
        jopt.zero_grad()
        topt.zero_grad()
        jm(jx).square().mean().backward()
        tm(tx).square().mean().backward()
        jopt.step()
        topt.step()
    _check_tensors(jm, tm)
    assert_same(jm.state_dict()["0.weight"], tm.state_dict()["0.weight"], rtol=1e-5,
                atol=1e-6)
    assert jm.state_dict()["0.weight"].stride() == tm.state_dict()["0.weight"].stride()


@pytest.mark.parametrize("call", ["dtype_and_format", "back_to_contiguous", "preserve", "none",
                                  "dtype_positional_only", "device_and_format"])
def test_module_to_memory_format_combinations(call):
    def run(m, lib):
        if call == "dtype_and_format":
            return m.to(lib.float64, memory_format=lib.channels_last)
        if call == "back_to_contiguous":
            m.to(memory_format=lib.channels_last)
            return m.to(memory_format=lib.contiguous_format)
        if call == "preserve":
            m.to(memory_format=lib.channels_last)
            return m.to(memory_format=lib.preserve_format)
        if call == "none":
            return m.to(memory_format=None)
        if call == "device_and_format":
            return m.to("cpu", memory_format=lib.channels_last)
        return m.to(lib.float64)
    jm, tm = _models()
    run(jm, jtorch)
    run(tm, torch)
    _check_tensors(jm, tm)


def test_module_to_memory_format_errors():
    for dims, fmt in [(3, "channels_last"), (2, "channels_last_3d")]:
        jm, tm = _models(dims)
        assert_same_raise(lambda: jm.to(memory_format=getattr(jtorch, fmt)),
                          lambda: tm.to(memory_format=getattr(torch, fmt)),
                          contains=["required rank", f"use {fmt} format"])
    jm, tm = _models()
    assert_same_raise(lambda: jm.to(memory_format="x"), lambda: tm.to(memory_format="x"),
                      contains=["to()", "memory_format", "str"])
    assert_same_raise(lambda: jm.to(jtorch.int32, memory_format=jtorch.channels_last),
                      lambda: tm.to(torch.int32, memory_format=torch.channels_last),
                      contains=["only accepts floating point or complex dtypes"])


# ---- layout= on creation functions --------------------------------------------------------------

def _factories(lib):
    x = lib.zeros(2, 3)
    return {
        "zeros": lambda L: lib.zeros(2, 3, layout=L),
        "ones": lambda L: lib.ones((2,), layout=L),
        "empty": lambda L: lib.empty(2, layout=L),
        "full": lambda L: lib.full((2,), 1.5, layout=L),
        "empty_strided": lambda L: lib.empty_strided((2, 3), (3, 1), layout=L),
        "zeros_like": lambda L: lib.zeros_like(x, layout=L),
        "ones_like": lambda L: lib.ones_like(x, layout=L),
        "empty_like": lambda L: lib.empty_like(x, layout=L),
        "full_like": lambda L: lib.full_like(x, 2, layout=L),
        "eye": lambda L: lib.eye(3, layout=L),
        "arange": lambda L: lib.arange(3, layout=L),
        "linspace": lambda L: lib.linspace(0, 1, 3, layout=L),
        "logspace": lambda L: lib.logspace(0, 1, 3, layout=L),
        "rand": lambda L: lib.rand(2, layout=L).shape,
        "randn": lambda L: lib.randn(2, layout=L).shape,
        "randint": lambda L: lib.randint(3, (2,), layout=L).shape,
        "randperm": lambda L: lib.randperm(3, layout=L).sort().values,
        "rand_like": lambda L: lib.rand_like(x, layout=L).shape,
        "scalar_tensor": lambda L: lib.scalar_tensor(2, layout=L),
        "tril_indices": lambda L: lib.tril_indices(3, 3, layout=L),
        "triu_indices": lambda L: lib.triu_indices(3, 3, layout=L),
        "hann_window": lambda L: lib.hann_window(4, layout=L),
        "kaiser_window": lambda L: lib.kaiser_window(4, layout=L),
        "fftfreq": lambda L: lib.fft.fftfreq(4, layout=L),
        "empty_permuted": lambda L: lib.empty_permuted((2, 3), (1, 0), layout=L).stride(),
        "new_zeros": lambda L: x.new_zeros(2, layout=L),
        "new_ones": lambda L: x.new_ones((2,), layout=L),
        "new_full": lambda L: x.new_full((2,), 3.0, layout=L),
        "new_empty_strided": lambda L: x.new_empty_strided((2,), (1,), layout=L).shape,
    }


FACTORIES = list(_factories(torch))
# NOTE: these take layout through torch's keyword-checking parser: a bad layout gets the
# "argument 'layout' must be torch.layout" message (the others print their full signatures).
_NAMED_ARG_ERROR = {"scalar_tensor", "zeros", "ones", "empty", "full", "empty_strided",
                    "zeros_like", "ones_like", "empty_like", "full_like", "tril_indices",
                    "triu_indices", "empty_permuted", "fftfreq", "new_zeros", "new_ones",
                    "new_full", "new_empty_strided"}


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("layout", ["strided", None])
def test_creation_layout_strided(name, layout):
    jf, tf = _factories(jtorch)[name], _factories(torch)[name]
    jtorch.manual_seed(0)
    jr = jf(None if layout is None else jtorch.strided)
    tr = tf(None if layout is None else torch.strided)
    if isinstance(tr, torch.Tensor):
        assert str(jr.layout) == str(tr.layout) == "torch.strided"
        assert jr.stride() == tr.stride()
        if not name.startswith("empty"):
            assert_same(jr, tr)
    else:
        assert tuple(jr) == tuple(tr)


@pytest.mark.parametrize("name", [f for f in FACTORIES if f != "scalar_tensor"])
@pytest.mark.parametrize("layout", ["sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr"])
def test_creation_sparse_layout_not_supported(name, layout):
    # NOTE: torch builds (or rejects, per function) sparse tensors here; jtorch has dense
    # tensors only and must not silently hand back a strided one.
    with pytest.raises(NotImplementedError) as e:
        _factories(jtorch)[name](getattr(jtorch, layout))
    assert f"layout torch.{layout} is not supported" in str(e.value)
    assert "dense tensors only" in str(e.value)


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("bad", ["x", 1, "float32"])
def test_creation_layout_wrong_type(name, bad):
    jbad = jtorch.float32 if bad == "float32" else bad
    tbad = torch.float32 if bad == "float32" else bad
    jf, tf = _factories(jtorch)[name], _factories(torch)[name]
    type_name = "torch.dtype" if bad == "float32" else type(bad).__name__
    ej, et = assert_same_raise(lambda: jf(jbad), lambda: tf(tbad),
                               contains=["layout", type_name])
    if name in _NAMED_ARG_ERROR:
        assert str(ej) == str(et)


def test_creation_layout_jagged_is_ignored_like_torch():
    # NOTE: torch's factories ignore layout=torch.jagged and return a strided tensor.
    for name in ("zeros", "full", "arange", "ones_like", "scalar_tensor"):
        jr = _factories(jtorch)[name](jtorch.jagged)
        tr = _factories(torch)[name](torch.jagged)
        assert str(jr.layout) == str(tr.layout)
        assert_same(jr, tr)


def test_tri_indices_reject_jagged_like_torch():
    for name in ("tril_indices", "triu_indices"):
        ej, et = assert_same_raise(lambda: _factories(jtorch)[name](jtorch.jagged),
                                   lambda: _factories(torch)[name](torch.jagged))
        assert str(ej) == str(et)


@pytest.mark.parametrize("layout", ["sparse_coo", "sparse_csr"])
def test_scalar_tensor_ignores_sparse_layout_like_torch(layout):
    jr = jtorch.scalar_tensor(2, layout=getattr(jtorch, layout))
    tr = torch.scalar_tensor(2, layout=getattr(torch, layout))
    assert str(jr.layout) == str(tr.layout) == "torch.strided"
    assert_same(jr, tr)
