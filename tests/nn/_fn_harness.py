"""Shared check for nn.functional differential tests: forward, grad_fn name and input grads."""
import numpy as np
import torch

import jtorch
from _harness import assert_same, pair

__all__ = ["check_fn", "arr"]


def arr(shape, seed=0, dtype="float32", low=None):
    """A deterministic standard-normal array (or uniform in [low, low+1) when low is given)."""
    rng = np.random.default_rng(seed)
    if low is not None:
        return (rng.random(shape) + low).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _first(y):
    return y[0] if isinstance(y, (tuple, list)) else y


def check_fn(jfn, tfn, arrays, *args, rtol=1e-5, atol=1e-5, grad=True, grad_fn=True,
             grad_tol=None, seed=0, **kw):
    """Run jfn/tfn on the same arrays (+ args/kwargs); compare outputs, grad_fn names and the
    gradients of every float input for a random cotangent of the first output."""
    pairs = [pair(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    js = [p[0] for p in pairs]
    ts = [p[1] for p in pairs]
    yt = tfn(*ts, *args, **kw)
    yj = jfn(*js, *args, **kw)
    assert_same(yj, yt, rtol=rtol, atol=atol)
    if not grad:
        return yj, yt
    y0t, y0j = _first(yt), _first(yj)
    if grad_fn:
        assert y0j.grad_fn is not None
        assert y0j.grad_fn.name() == y0t.grad_fn.name(), (y0j.grad_fn.name(), y0t.grad_fn.name())
    g = np.random.default_rng(seed + 99).standard_normal(tuple(y0t.shape)).astype(
        str(y0t.dtype).replace("torch.", ""))
    y0t.backward(torch.from_numpy(g))
    y0j.backward(jtorch.tensor(g))
    gr, ga = grad_tol if grad_tol is not None else (rtol * 10, atol * 10)
    for j, t in zip(js, ts):
        if t.requires_grad:
            assert_same(j.grad, t.grad, rtol=gr, atol=ga, where="grad ")
    return yj, yt


def check_layer(jcls, tcls, args=(), kwargs=None, in_shape=(2, 3, 5), train=True, rtol=1e-5,
                atol=1e-5, seed=0, inputs=None, steps=1, grad=True, forward_kw=None):
    """Build the layer in both libraries, copy torch's state_dict into jtorch (through numpy),
    then compare repr, state_dict keys/values, forward output, input and parameter gradients
    and buffers after `steps` forward passes."""
    from _harness import to_jt
    kwargs = kwargs or {}
    forward_kw = forward_kw or {}
    tm = tcls(*args, **kwargs)
    jm = jcls(*args, **kwargs)
    assert repr(jm) == repr(tm)
    tsd = tm.state_dict()
    assert list(jm.state_dict().keys()) == list(tsd.keys())
    jm.load_state_dict({k: to_jt(v) for k, v in tsd.items()})
    tm.train(train)
    jm.train(train)
    if inputs is None:
        inputs = [arr(in_shape, seed + 1)]
    for step in range(steps):
        pairs = [pair(a, requires_grad=grad and a.dtype.kind == "f") for a in inputs]
        yt = tm(*[p[1] for p in pairs], **forward_kw)
        yj = jm(*[p[0] for p in pairs], **forward_kw)
        assert_same(yj, yt, rtol=rtol, atol=atol, where=f"step {step} output ")
    if grad:
        y0t, y0j = _first(yt), _first(yj)
        g = np.random.default_rng(seed + 7).standard_normal(tuple(y0t.shape)).astype("float32")
        y0t.backward(torch.from_numpy(g))
        y0j.backward(jtorch.tensor(g))
        for (j, t) in pairs:
            if t.requires_grad:
                assert_same(j.grad, t.grad, rtol=rtol * 10, atol=atol * 10, where="input grad ")
        jp = dict(jm.named_parameters())
        for name, p in tm.named_parameters():
            if p.grad is None:
                assert jp[name].grad is None, name
            else:
                assert_same(jp[name].grad, p.grad, rtol=rtol * 10, atol=atol * 10,
                            where=f"{name}.grad ")
    jsd = jm.state_dict()
    for k, v in tm.state_dict().items():
        assert_same(jsd[k], v, rtol=rtol, atol=atol, where=f"state_dict[{k}] ")
    return jm, tm


def check_init(jm, tm, names=("weight", "bias"), bound=None):
    """Default initialisation has torch's distribution: same shape and dtype; with `bound`,
    U(-bound, bound) (all values inside, std close to bound/sqrt(3) for 30+ values); without,
    the exact values (constant inits such as ones/zeros)."""
    for n in names:
        tp, jp = getattr(tm, n), getattr(jm, n)
        if tp is None:
            assert jp is None
            continue
        a = np.asarray(jp.detach()._arr())
        b = tp.detach().numpy()
        assert a.shape == b.shape and str(jp.dtype) == str(tp.dtype)
        if bound is None:
            np.testing.assert_allclose(a, b)
            continue
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        if a.size >= 30:
            assert abs(a.std() - bound / np.sqrt(3)) < 0.25 * bound, (n, a.std(), bound)
