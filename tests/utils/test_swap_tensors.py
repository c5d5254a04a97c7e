"""torch.utils.swap_tensors vs torch: contents, class, __dict__, autograd state, errors."""
import weakref

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_error, pair
from jtorch.utils._swap import swap_tensors as jswap

tswap = torch.utils.swap_tensors


def _two(requires_grad=False):
    a = np.arange(3, dtype=np.float32)
    b = np.arange(8, dtype=np.float64).reshape(2, 4)
    j1, t1 = pair(a, requires_grad=requires_grad)
    j2, t2 = pair(b)
    return j1, t1, j2, t2


def test_swap_contents_metadata_and_identity():
    j1, t1, j2, t2 = _two()
    j1.foo, t1.foo = "x", "x"
    jid1, jid2 = id(j1), id(j2)
    jswap(j1, j2)
    tswap(t1, t2)
    assert (id(j1), id(j2)) == (jid1, jid2)
    assert_same(j1, t1)
    assert_same(j2, t2)
    assert j1.stride() == t1.stride() and j2.stride() == t2.stride()
    assert hasattr(j2, "foo") == hasattr(t2, "foo") and hasattr(j1, "foo") == hasattr(t1, "foo")
    # NOTE: in-place writes land in the swapped contents
    j1.add_(1)
    t1.add_(1)
    assert_same(j1, t1)


def test_swap_parameter_class_and_requires_grad():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(4).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    jp, tp = jtorch.nn.Parameter(jtorch.tensor(a)), torch.nn.Parameter(torch.tensor(b * 0 + a))
    jq, tq = pair(b)
    jswap(jp, jq)
    tswap(tp, tq)
    assert type(jp).__name__ == type(tp).__name__ and type(jq).__name__ == type(tq).__name__
    assert (jp.requires_grad, jq.requires_grad) == (tp.requires_grad, tq.requires_grad)
    assert (jp.is_leaf, jq.is_leaf) == (tp.is_leaf, tq.is_leaf)
    assert_same(jp, tp)
    assert_same(jq.detach(), tq.detach())


def test_swap_view_and_base():
    jb, tb = pair(np.arange(6, dtype=np.float32))
    jv, tv = jb[1:4], tb[1:4]
    jz, tz = pair(np.full(5, 7.0, dtype=np.float32))
    jswap(jv, jz)
    tswap(tv, tz)
    assert (jv._base is None, jz._base is None) == (tv._base is None, tz._base is None)
    assert_same(jv, tv)
    assert_same(jz, tz)
    # NOTE: the swapped-in view still writes through to its base
    jz.mul_(10)
    tz.mul_(10)
    assert_same(jb, tb)


def test_swap_non_leaf_keeps_graph():
    jx, tx = pair(np.array([0.5, -1.0, 2.0], dtype=np.float32), requires_grad=True)
    jy, ty = jx.exp(), tx.exp()  # NOTE: exp saves its output (a tape weakref in jtorch)
    jz, tz = pair(np.ones(3, dtype=np.float32))
    jswap(jy, jz)
    tswap(ty, tz)
    assert (jy.grad_fn is None, jz.grad_fn is None) == (ty.grad_fn is None, tz.grad_fn is None)
    jz.sum().backward()
    tz.sum().backward()
    assert_same(jx.grad, tx.grad, rtol=1e-6, atol=1e-6)


def test_swap_poisons_old_graph():
    j1, t1, j2, t2 = _two(requires_grad=True)
    jout, tout = (j1 * 2).sum(), (t1 * 2).sum()
    jswap(j1, j2)
    tswap(t1, t2)
    assert (j1.requires_grad, j2.requires_grad) == (t1.requires_grad, t2.requires_grad)
    assert_same_error(lambda: jout.backward(), lambda: tout.backward())
    # NOTE: the poisoned node went with the contents: a new graph on t2 fails too (as torch)
    assert_same_error(lambda: (j2 * 3).sum().backward(), lambda: (t2 * 3).sum().backward())
    # t1 now holds t2's contents, which had no gradient accumulator: new graphs work
    (j1.requires_grad_() * 3).sum().backward()
    (t1.requires_grad_() * 3).sum().backward()
    assert_same(j1.grad, t1.grad)


def test_swap_after_backward_is_not_poisoned():
    j1, t1, j2, t2 = _two(requires_grad=True)
    (j1 * 2).sum().backward()
    (t1 * 2).sum().backward()
    jswap(j1, j2)
    tswap(t1, t2)
    # NOTE: the graph is gone: nothing is poisoned, both tensors take part in new graphs
    (j2 * 3).sum().backward()
    (t2 * 3).sum().backward()
    assert_same(j2.grad, t2.grad)
    assert (j1.grad is None) == (t1.grad is None)


@pytest.mark.parametrize("which", [1, 2])
def test_swap_weakref_error(which):
    j1, t1, j2, t2 = _two()
    keep = [weakref.ref(j1 if which == 1 else j2, lambda r: None),
            weakref.ref(t1 if which == 1 else t2, lambda r: None)]
    assert_same_error(lambda: jswap(j1, j2), lambda: tswap(t1, t2))
    assert_same_error(lambda: jswap(j2, j1), lambda: tswap(t2, t1))
    del keep


def test_swap_slots_and_type_errors():
    class JS(jtorch.Tensor):
        __slots__ = ("extra",)

    class TS(torch.Tensor):
        __slots__ = ("extra",)
    j1, t1, j2, t2 = _two()
    # NOTE: jtorch cannot build a Tensor subclass with extra slots (layout), so a bare one
    js, ts = object.__new__(JS), t1.as_subclass(TS)
    assert_same_error(lambda: jswap(js, j2), lambda: tswap(ts, t2))
    assert_same_error(lambda: jswap(j2, 3), lambda: tswap(t2, 3))
