"""Differential tests for jtorch/_ops/shape_extra.py and shape_resize.py beyond op_db's samples:
errors, dtype casts, in-place/view semantics, keyword forms."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, pair

X = np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5


def both(fn, *arrays, **kw):
    """fn(lib, *tensors) in jtorch and torch on the same data; results compared."""
    ps = [pair(a) for a in arrays]
    assert_same(fn(jtorch, *[p[0] for p in ps]), fn(torch, *[p[1] for p in ps]), **kw)


def raises(fn, *arrays, contains=()):
    ps = [pair(a) for a in arrays]
    assert_same_raise(lambda: fn(jtorch, *[p[0] for p in ps]),
                      lambda: fn(torch, *[p[1] for p in ps]), contains=contains)


Z4 = np.zeros(4, np.float32)


# ---- *_scatter ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda m, x: m.select_scatter(x, m.zeros(3, dtype=m.int64) + 7, 1, -2),
    lambda m, x: m.slice_scatter(x, m.ones(3, 2), 1, -3, None, 2),
    lambda m, x: m.slice_scatter(x, m.ones(2, 4), start=-2, end=100),
    lambda m, x: m.slice_scatter(x, m.ones(0, 4), start=2, end=1),
    lambda m, x: x.slice_scatter(m.ones(3, 1), dim=1, start=3),
    lambda m, x: m.diagonal_scatter(x, m.ones(2), -1),
    lambda m, x: x.diagonal_scatter(m.ones(2), 1, 1, 0),
    lambda m, x: m.as_strided_scatter(x, m.ones(2, 2), (2, 2), (1, 2), 1),
    lambda m, x: m.as_strided_scatter(x.t(), m.ones(2, 2), (2, 2), (1, 2), 1),
    lambda m, x: x.as_strided_scatter(m.ones(2), (2,), (5,), storage_offset=2),
])
def test_scatter_values(fn):
    """The *_scatter family: values, dtype (src cast to input's), keyword forms."""
    both(fn, X)


def test_select_scatter_int_from_float():
    """A float src written into an int64 input truncates, as torch's copy_."""
    both(lambda m, x: m.select_scatter(x.long(), m.tensor([2.7, -2.7, 0.5, 9.9]), 0, 1), X)


@pytest.mark.parametrize("fn,contains", [
    (lambda m, x: m.select_scatter(x, m.zeros(3), 0, 1), ["[3]", "[4]"]),
    (lambda m, x: m.select_scatter(x, m.zeros(4), 0, 5), ["5"]),
    (lambda m, x: m.select_scatter(x.sum(), m.zeros(()), 0, 0), []),
    (lambda m, x: m.slice_scatter(x, m.zeros(3, 3), 1, 1, 3), ["[3, 3]", "[3, 2]"]),
    (lambda m, x: m.slice_scatter(x, m.zeros(3, 4), step=0), ["step"]),
    (lambda m, x: m.diagonal_scatter(x, m.zeros(2)), ["[2]", "[3]"]),
    (lambda m, x: m.diagonal_scatter(x, m.zeros(3), 0, 1, 1), []),
    (lambda m, x: m.as_strided_scatter(x, m.zeros(2, 2), (2, 2), (1, 2), 20), ["96", "48"]),
    (lambda m, x: m.as_strided_scatter(x, m.zeros(4), (2, 2), (1, 2)), ["[4]", "[2, 2]"]),
])
def test_scatter_errors(fn, contains):
    """Shape mismatches and bad indices raise torch's exception class."""
    raises(fn, X, contains=contains)


def test_scatter_grads():
    """Gradients flow to input (zero where src landed) and to src."""
    for name, f in [("select", lambda m, x, s: m.select_scatter(x, s[0], 0, 2)),
                    ("slice", lambda m, x, s: m.slice_scatter(x, s[:, :2], 1, 0, 4, 2)),
                    ("diag", lambda m, x, s: m.diagonal_scatter(x, s[0, :3]))]:
        (jx, tx), (js, ts) = pair(X, requires_grad=True), pair(X[:, :4] * 2, requires_grad=True)
        cot = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
        f(jtorch, jx, js).backward(jtorch.tensor(cot))
        f(torch, tx, ts).backward(torch.tensor(cot))
        assert_same(jx.grad, tx.grad, where=f"{name} input grad: ")
        assert_same(js.grad, ts.grad, where=f"{name} src grad: ")


def test_as_strided_scatter_grads():
    """src's gradient matches torch's; input's is the cotangent with the written positions
    zeroed. NOTE: torch's input gradient is wrong here (it keeps only the written positions;
    op_db marks as_strided_scatter's TestBwdGradients.test_fn_grad an expected failure)."""
    (jx, tx), (js, ts) = pair(X, requires_grad=True), pair(X[:2, :2] * 2, requires_grad=True)
    cot = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    jtorch.as_strided_scatter(jx, js, (2, 2), (1, 2), 1).backward(jtorch.tensor(cot))
    torch.as_strided_scatter(tx, ts, (2, 2), (1, 2), 1).backward(torch.tensor(cot))
    assert_same(js.grad, ts.grad)
    want = cot.reshape(-1).copy()
    want[[1, 2, 3, 4]] = 0
    np.testing.assert_array_equal(jx.grad.numpy(), want.reshape(3, 4))


# ---- constant_pad_nd / fill / zero_ -------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda m, x: m.constant_pad_nd(x, (1, -2), 3.5),
    lambda m, x: m.constant_pad_nd(x, [-2, -2]),
    lambda m, x: m.constant_pad_nd(x, (1, 1, 0, 2), value=m.tensor(2.0)),
    lambda m, x: m.constant_pad_nd(x.long(), (1, 1), 3.5),
    lambda m, x: m.constant_pad_nd(x > 0, (1, 1), 3.5),
    lambda m, x: m.constant_pad_nd(x.sum(), ()),
    lambda m, x: m.fill(x.long(), 3.7),
    lambda m, x: m.fill(x, m.tensor(2, dtype=m.int64)),
    lambda m, x: m.fill(x > 0, 0),
])
def test_pad_fill_values(fn):
    """constant_pad_nd (negative pads crop; value cast to input's dtype) and torch.fill."""
    both(fn, X)


@pytest.mark.parametrize("fn,contains", [
    (lambda m, x: m.constant_pad_nd(x, (1, 2, 3)), ["3"]),
    (lambda m, x: m.constant_pad_nd(x, (1, 2, 3, 4, 5, 6)), ["6", "2"]),
    (lambda m, x: m.constant_pad_nd(x, (-3, -2)), ["narrow"]),
    (lambda m, x: m.constant_pad_nd(x.long(), (1, 1), 2 ** 70), []),
    (lambda m, x: m.fill(x, m.tensor([1.0])), ["1 dimensions"]),
])
def test_pad_fill_errors(fn, contains):
    """Odd/too-long pads, over-cropping, overflowing or non-0-d fill values."""
    raises(fn, X, contains=contains)


def test_fill_value_grad():
    """torch.fill with a 0-d tensor value: input gets zero grad, value the sum."""
    (jx, tx), (jv, tv) = pair(X, requires_grad=True), pair(np.float32(2), requires_grad=True)
    jtorch.fill(jx, jv).sum().backward()
    torch.fill(tx, tv).sum().backward()
    assert_same(jx.grad, tx.grad)
    assert_same(jv.grad, tv.grad)


def test_zero_through_view():
    """torch.zero_ on a view writes through to its base and returns the view itself."""
    jx, tx = pair(X)
    jv, tv = jx[1], tx[1]
    assert jtorch.zero_(jv) is jv and torch.zero_(tv) is tv
    assert_same(jx, tx)


# ---- sum_to_size / unsafe_split / unsafe_chunk / __rdiv__ ---------------------------------------

@pytest.mark.parametrize("fn", [
    lambda m, x: x.sum_to_size(1, 4),
    lambda m, x: x.sum_to_size(4),
    lambda m, x: x.sum_to_size([3, 1]),
    lambda m, x: x.sum_to_size(m.Size([1, 1])),
    lambda m, x: x.sum_to_size(()),
    lambda m, x: (x > 0).sum_to_size(3, 4),
    lambda m, x: (x > 0).sum_to_size(4),
    lambda m, x: (x > 0).sum_to_size(()),
    lambda m, x: m.unsafe_split(x, 3, 1),
    lambda m, x: x.unsafe_split(2),
    lambda m, x: m.unsafe_chunk(x, 3, -1),
    lambda m, x: x[:0].unsafe_chunk(2),
    lambda m, x: x.__rdiv__(2),
    lambda m, x: x.long().__rdiv__(m.tensor(3)),
])
def test_small_methods(fn):
    """sum_to_size (bool sums to int64), unsafe_split/chunk pieces, __rdiv__ (true division)."""
    both(fn, X)


@pytest.mark.parametrize("fn", [
    lambda m, x: x.sum_to_size(2, 4),
    lambda m, x: x.sum_to_size(2, 3, 4, 5),
    lambda m, x: m.unsafe_split(x, [1, 2]),
    lambda m, x: m.unsafe_chunk(x, 0),
    lambda m, x: m.unsafe_split(x.sum(), 1),
])
def test_small_method_errors(fn):
    """Non-expandable sizes and bad split arguments raise torch's exception class."""
    raises(fn, X)


def test_unsafe_split_pieces_are_not_views():
    """unsafe_split's pieces are independent tensors (no view bookkeeping) with gradients."""
    jx, tx = pair(X, requires_grad=True)
    jp, tp = jtorch.unsafe_split(jx, 2), torch.unsafe_split(tx, 2)
    assert jp[0]._base is None
    (jp[0].sum() * 2 + jp[1].sum()).backward()
    (tp[0].sum() * 2 + tp[1].sum()).backward()
    assert_same(jx.grad, tx.grad)


# ---- hash_tensor -----------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda m, x: m.hash_tensor(x),
    lambda m, x: m.hash_tensor(x, 1),
    lambda m, x: m.hash_tensor(x, (0, 1), keepdim=True),
    lambda m, x: m.hash_tensor(x, ()),
    lambda m, x: m.hash_tensor(x.long(), 0),
    lambda m, x: m.hash_tensor(x > 0, -1, keepdim=True),
    lambda m, x: m.hash_tensor(x.to(m.int8)),
    lambda m, x: m.hash_tensor(x.to(m.float16), 0),
    lambda m, x: m.hash_tensor(x.double()),
    lambda m, x: m.hash_tensor(x / 0.0),  # NaN and +-inf bit patterns
    lambda m, x: m.hash_tensor(x[:0], 1),
    lambda m, x: x.hash_tensor(),
])
def test_hash_tensor(fn):
    """Bit-exact xor of the 64-bit upcast bit patterns, as uint64."""
    both(fn, X)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.hash_tensor(x, mode=1),
    lambda m, x: m.hash_tensor(x[:0]),
    lambda m, x: m.hash_tensor(x[:0], 0),
    lambda m, x: m.hash_tensor(x, 2),
    lambda m, x: m.hash_tensor(x.to(m.complex64)),
])
def test_hash_tensor_errors(fn):
    """Unknown mode, empty reductions, bad dims and complex inputs."""
    raises(fn, X)


# ---- resize_ / resize_as_ / empty_permuted / new_empty_strided -------------------------------

def test_resize_shrink_and_grow():
    """resize_ keeps the leading elements and returns self; growing keeps the old ones."""
    jx, tx = pair(np.arange(6, dtype=np.float32))
    assert jx.resize_(2, 2) is jx and tx.resize_(2, 2) is tx
    assert_same(jx, tx)
    jy, ty = pair(np.arange(6, dtype=np.float32))
    jy.resize_(3, 3)
    ty.resize_(3, 3)
    assert_same(jy[:2], ty[:2])  # NOTE: torch's new elements are uninitialised
    assert jy.shape == (3, 3)
    jz, tz = pair(np.arange(6, dtype=np.float32))
    assert_same(jtorch.resize_as_(jz, jtorch.zeros(3, 2, dtype=jtorch.int64)),
                torch.resize_as_(tz, torch.zeros(3, 2, dtype=torch.int64)))


def test_resize_view_within_storage():
    """Resizing a view that still fits its storage re-lays it out over the base's storage."""
    jb, tb = pair(np.arange(10, dtype=np.float32))
    jv, tv = jb[2:4], tb[2:4]
    jv.resize_(2, 3)
    tv.resize_(2, 3)
    assert_same(jv, tv)
    assert jv.stride() == tv.stride() and jv.storage_offset() == tv.storage_offset()
    jv.fill_(-1)
    tv.fill_(-1)
    assert_same(jb, tb)


def test_resize_errors():
    """resize_ refuses tensors that require grad and negative sizes."""
    jx, tx = pair(X, requires_grad=True)
    assert_same_raise(lambda: jx.resize_(12), lambda: tx.resize_(12), contains=["require grad"])
    jx, tx = pair(X)
    assert_same_raise(lambda: jx.resize_(-2, 2), lambda: tx.resize_(-2, 2))


def test_empty_permuted():
    """empty_permuted: shape, dtype, torch's strides for the layout, a leaf with requires_grad."""
    j = jtorch.empty_permuted((2, 3, 4), (2, 0, 1), requires_grad=True)
    t = torch.empty_permuted((2, 3, 4), (2, 0, 1), requires_grad=True)
    assert j.shape == t.shape and j.stride() == t.stride() and str(j.dtype) == str(t.dtype)
    assert j.is_leaf and j.requires_grad
    j2 = jtorch.empty_permuted([2, 3], [0, 1], dtype=jtorch.int64)
    assert j2.shape == (2, 3) and j2.dtype == jtorch.int64
    for size, perm in [((2, 3, 4), (2, 0)), ((2, 3), (1, 1)), ((2, 3), (0, 2)),
                       ((2, 3), (-1, 0))]:
        assert_same_raise(lambda: jtorch.empty_permuted(size, perm),
                          lambda: torch.empty_permuted(size, perm))


def test_new_empty_strided():
    """new_empty_strided takes self's dtype unless given; sizes/strides lengths must match."""
    jx, tx = pair(X.astype(np.int64))
    j, t = jx.new_empty_strided((2, 3), (1, 2)), tx.new_empty_strided((2, 3), (1, 2))
    assert j.shape == t.shape and str(j.dtype) == str(t.dtype)
    j = jx.new_empty_strided((2,), (1,), dtype=jtorch.float32)
    assert j.dtype == jtorch.float32
    assert_same_raise(lambda: jx.new_empty_strided((2, 3), (1, 2, 3)),
                      lambda: tx.new_empty_strided((2, 3), (1, 2, 3)))


# ---- tensordot ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda m, a, b: m.tensordot(a, b, dims=([0, 1], [2, 0])),
    lambda m, a, b: m.tensordot(b, a, dims=([2, 0], [0, 1])),
    lambda m, a, b: m.tensordot(a.long(), b.long(), dims=([0, 1], [2, 0])),
])
def test_tensordot_size1_broadcast(fn):
    """A size-1 contracted dim contracts with any size (the other side is summed), as torch."""
    a = np.array([[[1.5]]], np.float32)
    b = np.arange(4, dtype=np.float32).reshape(2, 1, 2)
    both(fn, a, b)
