"""Differential tests of jtorch's shape ops (views and copies) against real torch."""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, make_array, pair

DTYPES = ["float32", "int64", "bool"]
PRE = {
    None: lambda x: x,
    "t": lambda x: x.transpose(0, -1),
    "slice": lambda x: x[..., ::2],
    "narrow": lambda x: x[1:],
}


def run_both(fn_j, fn_t):
    """(jtorch result, torch result); if torch raises, jtorch must raise the same class+message."""
    try:
        rt = fn_t()
    except Exception as et:  # noqa: BLE001
        with pytest.raises(Exception) as info:
            fn_j()
        assert type(info.value) is type(et), f"jtorch {info.value!r} vs torch {et!r}"
        assert str(info.value) == str(et)
        return None, None
    return fn_j(), rt


def check_view(jv, tv):
    """Values, shape, dtype, strides, offset, contiguity and view-ness all match torch."""
    assert_same(jv, tv)
    assert jv.stride() == tv.stride(), (jv.stride(), tv.stride())
    assert jv.storage_offset() == tv.storage_offset()
    assert jv.is_contiguous() == tv.is_contiguous()
    assert (jv._base is not None) == tv._is_view(), "view-ness differs"


def check_any(jr, tr):
    if isinstance(tr, (tuple, list)):
        assert isinstance(jr, (tuple, list)) and len(jr) == len(tr)
        for a, b in zip(jr, tr):
            check_view(a, b)
    else:
        check_view(jr, tr)


# (id, base shape, fn(x, lib)) -- applied identically to a torch and a jtorch tensor.
VIEW_CASES = [
    ("view", (2, 3, 4), lambda x, L: x.view(6, 4)),
    ("view_neg1", (2, 3, 4), lambda x, L: x.view(-1)),
    ("view_list", (2, 3, 4), lambda x, L: x.view([4, -1])),
    ("view_split_dim", (2, 3, 4), lambda x, L: x.view(2, 3, 2, 2)),
    ("view_size", (2, 3, 4), lambda x, L: x.view(L.Size([3, 8]))),
    ("view_as", (2, 3, 4), lambda x, L: x.view_as(L.zeros(4, 6))),
    ("reshape", (2, 3, 4), lambda x, L: x.reshape(4, 6)),
    ("reshape_fn", (2, 3, 4), lambda x, L: L.reshape(x, (3, -1))),
    ("reshape_as", (2, 3, 4), lambda x, L: x.reshape_as(L.zeros(24))),
    ("flatten", (2, 3, 4), lambda x, L: x.flatten()),
    ("flatten_1", (2, 3, 4), lambda x, L: L.flatten(x, 1)),
    ("flatten_01", (2, 3, 4), lambda x, L: x.flatten(0, 1)),
    ("ravel", (2, 3, 4), lambda x, L: L.ravel(x)),
    ("unflatten", (2, 3, 4), lambda x, L: x.unflatten(-1, (2, 2))),
    ("unflatten_neg", (2, 3, 4), lambda x, L: L.unflatten(x, 1, (-1, 1))),
    ("permute", (2, 3, 4), lambda x, L: x.permute(2, 0, 1)),
    ("permute_fn", (2, 3, 4), lambda x, L: L.permute(x, (1, 2, 0))),
    ("transpose", (2, 3, 4), lambda x, L: x.transpose(0, 2)),
    ("swapaxes", (2, 3, 4), lambda x, L: L.swapaxes(x, 1, -1)),
    ("swapdims", (2, 3, 4), lambda x, L: x.swapdims(0, 1)),
    ("t", (3, 4), lambda x, L: x.t()),
    ("t_1d", (4,), lambda x, L: L.t(x)),
    ("T", (3, 4), lambda x, L: x.T),
    ("mT", (2, 3, 4), lambda x, L: x.mT),
    ("mH", (2, 3, 4), lambda x, L: x.mH),
    ("H", (3, 4), lambda x, L: x.H),
    ("adjoint", (2, 3, 4), lambda x, L: L.adjoint(x)),
    ("movedim", (2, 3, 4), lambda x, L: L.movedim(x, 0, -1)),
    ("movedim_multi", (2, 3, 4), lambda x, L: x.movedim((0, 1), (2, 0))),
    ("moveaxis", (2, 3, 4), lambda x, L: L.moveaxis(x, -1, 1)),
    ("squeeze", (2, 1, 4, 1), lambda x, L: x.squeeze()),
    ("squeeze_dim", (2, 1, 4, 1), lambda x, L: x.squeeze(1)),
    ("squeeze_noop", (2, 1, 4, 1), lambda x, L: L.squeeze(x, 0)),
    ("squeeze_tuple", (2, 1, 4, 1), lambda x, L: x.squeeze((1, -1))),
    ("unsqueeze", (2, 3, 4), lambda x, L: x.unsqueeze(0)),
    ("unsqueeze_mid", (2, 3, 4), lambda x, L: L.unsqueeze(x, 2)),
    ("unsqueeze_end", (2, 3, 4), lambda x, L: x.unsqueeze(-1)),
    ("expand", (3, 1), lambda x, L: x.expand(2, 3, 4)),
    ("expand_keep", (3, 1), lambda x, L: x.expand(-1, 5)),
    ("expand_same", (3, 4), lambda x, L: x.expand(3, 4)),
    ("expand_as", (3, 1), lambda x, L: x.expand_as(L.zeros(3, 3))),
    ("broadcast_to", (3, 1), lambda x, L: L.broadcast_to(x, (2, 3, 4))),
    ("narrow", (5, 4), lambda x, L: x.narrow(0, 1, 3)),
    ("narrow_neg", (5, 4), lambda x, L: L.narrow(x, -1, -3, 2)),
    ("narrow_tensor_start", (5, 4), lambda x, L: x.narrow(0, L.tensor(2), 2)),
    ("select", (2, 3, 4), lambda x, L: x.select(1, -1)),
    ("select_fn", (2, 3, 4), lambda x, L: L.select(x, 0, 1)),
    ("diagonal", (3, 4), lambda x, L: x.diagonal()),
    ("diagonal_off", (3, 4), lambda x, L: x.diagonal(1)),
    ("diagonal_neg", (3, 4), lambda x, L: L.diagonal(x, -2)),
    ("diagonal_3d", (2, 3, 4), lambda x, L: L.diagonal(x, 0, 2, 0)),
    ("diagonal_none", (3, 4), lambda x, L: x.diagonal(5)),
    ("unfold", (5, 4), lambda x, L: x.unfold(0, 2, 1)),
    ("unfold_step", (6, 4), lambda x, L: x.unfold(0, 3, 2)),
    ("unfold_last", (3, 8), lambda x, L: x.unfold(-1, 3, 3)),
    ("as_strided", (3, 4), lambda x, L: x.as_strided((2, 2), (1, 2))),
    ("as_strided_off", (3, 4), lambda x, L: L.as_strided(x, (2,), (3,), 1)),
    ("contiguous", (3, 4), lambda x, L: x.contiguous()),
    ("split", (5, 4), lambda x, L: x.split(2)),
    ("split_sizes", (5, 4), lambda x, L: x.split([1, 4])),
    ("split_fn_dim", (5, 4), lambda x, L: L.split(x, 3, 1)),
    ("split_with_sizes", (5, 4), lambda x, L: x.split_with_sizes([2, 2, 1])),
    ("chunk", (5, 4), lambda x, L: x.chunk(3)),
    ("chunk_dim", (5, 4), lambda x, L: L.chunk(x, 2, -1)),
    ("unbind", (5, 4), lambda x, L: x.unbind(1)),
    ("tensor_split_n", (5, 4), lambda x, L: x.tensor_split(3)),
    ("tensor_split_idx", (5, 4), lambda x, L: L.tensor_split(x, [1, 4], 1)),
    ("tensor_split_t", (5, 4), lambda x, L: x.tensor_split(L.tensor([2, 9]))),
    ("hsplit", (4, 6), lambda x, L: L.hsplit(x, 3)),
    ("vsplit", (4, 6), lambda x, L: x.vsplit([1, 3])),
    ("dsplit", (2, 3, 4), lambda x, L: L.dsplit(x, 2)),
    ("atleast_1d", (2, 3), lambda x, L: L.atleast_1d(x)),
    ("atleast_3d", (2, 3), lambda x, L: L.atleast_3d(x)),
    ("broadcast_tensors", (3, 1), lambda x, L: L.broadcast_tensors(x, L.zeros(2, 1, 4))),
    ("meshgrid_ij", (3,), lambda x, L: L.meshgrid(x, x[:2], indexing="ij")),
    ("meshgrid_xy", (3,), lambda x, L: L.meshgrid([x, x[:2], x], indexing="xy")),
    # 0-d and empty inputs
    ("view_0d", (), lambda x, L: x.view(1)),
    ("view_0d_scalar", (), lambda x, L: x.view(())),
    ("reshape_0d", (), lambda x, L: x.reshape(-1)),
    ("flatten_0d", (), lambda x, L: x.flatten()),
    ("squeeze_0d", (), lambda x, L: x.squeeze()),
    ("squeeze_0d_dim", (), lambda x, L: x.squeeze(0)),
    ("unsqueeze_0d", (), lambda x, L: x.unsqueeze(0)),
    ("expand_0d", (), lambda x, L: x.expand(2, 3)),
    ("t_0d", (), lambda x, L: x.t()),
    ("permute_0d", (), lambda x, L: x.permute()),
    ("transpose_0d", (), lambda x, L: x.transpose(0, -1)),
    ("unfold_0d", (), lambda x, L: x.unfold(0, 1, 1)),
    ("atleast_2d_0d", (), lambda x, L: L.atleast_2d(x)),
    ("atleast_3d_1d", (3,), lambda x, L: L.atleast_3d(x)),
    ("view_empty", (0, 3), lambda x, L: x.view(3, 0)),
    ("view_empty_neg", (0, 3), lambda x, L: x.view(-1)),
    ("reshape_empty", (2, 0), lambda x, L: x.reshape(0, 5)),
    ("t_empty", (0, 3), lambda x, L: x.t()),
    ("narrow_empty", (3, 4), lambda x, L: x.narrow(0, 3, 0)),
    ("split_empty", (0, 3), lambda x, L: x.split(2)),
    ("split0_empty", (0, 3), lambda x, L: x.split(0)),
    ("chunk_empty", (0, 3), lambda x, L: x.chunk(3)),
    ("unbind_empty", (0, 3), lambda x, L: x.unbind(1)),
    ("expand_empty", (0, 1), lambda x, L: x.expand(0, 3)),
]
_IDS = [c[0] for c in VIEW_CASES]


def _case(cid):
    return VIEW_CASES[_IDS.index(cid)]


def tpair(a):
    """pair(), with the torch tensor given contiguous strides (from_numpy keeps NumPy's)."""
    jx, tx = pair(a)
    return jx, tx.new_empty(tx.shape).copy_(tx)


def _make(shape, dtype, pre, seed=0):
    jx, tx = tpair(make_array(shape, dtype, seed))
    return jx, tx, PRE[pre](jx), PRE[pre](tx)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cid", _IDS)
def test_view_ops(cid, dtype):
    _, shape, fn = _case(cid)
    _, _, jx, tx = _make(shape, dtype, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jr, tr = run_both(lambda: fn(jx, jtorch), lambda: fn(tx, torch))
    if tr is not None:
        check_any(jr, tr)


@pytest.mark.parametrize("pre", ["t", "slice", "narrow"])
@pytest.mark.parametrize("cid", [c for c, s, _ in VIEW_CASES if len(s) >= 1 and
                                 (len(s) < 2 or s[-1] > 1) and s[0] > 1])
def test_view_ops_noncontiguous(cid, pre):
    _, shape, fn = _case(cid)
    _, _, jx, tx = _make(shape, "float32", pre)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jr, tr = run_both(lambda: fn(jx, jtorch), lambda: fn(tx, torch))
    if tr is not None:
        check_any(jr, tr)


def _writable(tr):
    return isinstance(tr, torch.Tensor) and tr._is_view() and not any(
        s == 0 and n > 1 for s, n in zip(tr.stride(), tr.shape))


@pytest.mark.parametrize("pre", [None, "t", "slice"])
@pytest.mark.parametrize("cid", [c for c, s, _ in VIEW_CASES if len(s) >= 2])
def test_write_through_views(cid, pre):
    """A write into the view lands in the base; a later write to the base shows in the view."""
    _, shape, fn = _case(cid)
    jb, tb, jx, tx = _make(shape, "float32", pre)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jr, tr = run_both(lambda: fn(jx, jtorch), lambda: fn(tx, torch))
    if isinstance(tr, (tuple, list)):
        if not tr:
            pytest.skip("no pieces")
        jr, tr = jr[0], tr[0]
    if not _writable(tr):
        pytest.skip("not a writable view in torch")
    jv0, tv0 = jb._version, tb._version
    jn, tn = pair(make_array(tuple(tr.shape), "float32", 7))
    jr[...] = jn
    tr[...] = tn
    assert_same(jb, tb)
    assert (jb._version > jv0) == (tb._version > tv0)
    jn, tn = pair(make_array(tuple(tb.shape), "float32", 8))
    jb[...] = jn
    tb[...] = tn
    assert_same(jr, tr)


@pytest.mark.parametrize("cid", [c for c, s, _ in VIEW_CASES if len(s) >= 1])
def test_view_grad_fn_and_backward(cid):
    """grad_fn names match torch; gradients flow back through the view."""
    _, shape, fn = _case(cid)
    a = make_array(shape, "float32")
    jx, tx = pair(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jr, tr = fn(jx, jtorch), fn(tx, torch)
    jrs = jr if isinstance(jr, (tuple, list)) else (jr,)
    trs = tr if isinstance(tr, (tuple, list)) else (tr,)
    for j, t in zip(jrs, trs):
        if t.grad_fn is not None and t.grad_fn is not tx.grad_fn:
            assert j.grad_fn is not None and j.grad_fn.name() == t.grad_fn.name()
    jl, tl = 0, 0
    for k, (j, t) in enumerate(zip(jrs, trs)):
        if t.requires_grad and t.numel():
            jw, tw = pair(make_array(tuple(t.shape), "float32", 10 + k))
            jl = jl + (j * jw).sum()
            tl = tl + (t * tw).sum()
    if isinstance(tl, int):
        return
    jl.backward()
    tl.backward()
    assert_same(jx.grad, tx.grad)


# ---- specific view semantics -----------------------------------------------------------------

def test_view_semantics_examples():
    jx, tx = pair(np.arange(12.0, dtype=np.float32).reshape(3, 4))
    for x in (jx, tx):
        v = x[0]
        v.add_(1)
        x.t()[0] = 5
        x.view(-1)[3] = 1
        x.diagonal().fill_(0)
        x.diagonal(1).mul_(0)
    assert_same(jx, tx)
    assert jx._version == tx._version


def test_view_sees_base_writes():
    jx, tx = pair(np.arange(6, dtype=np.int64).reshape(2, 3))
    jv, tv = jx.t()[1:], tx.t()[1:]
    jx.add_(10)
    tx.add_(10)
    check_view(jv, tv)
    jx[0, 2] = -1
    tx[0, 2] = -1
    assert_same(jv, tv)


def test_reshape_of_transposed_is_copy():
    jx, tx = pair(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    jr, tr = jx.t().reshape(-1), tx.t().reshape(-1)
    check_view(jr, tr)
    assert jr._base is None
    jr[0] = 100
    tr[0] = 100
    assert_same(jx, tx)  # NOTE: the copy's write does not reach the base, as in torch
    jv, tv = jx.reshape(3, 2), tx.reshape(3, 2)
    jv[0, 0] = 7
    tv[0, 0] = 7
    assert_same(jx, tx)


def test_view_of_view_chain_layout():
    jx, tx = pair(make_array((4, 5, 6), "float32"))
    jv = jx[1:, ::2].transpose(0, 2).unsqueeze(1)[..., 1:].narrow(0, 1, 3).squeeze(1)
    tv = tx[1:, ::2].transpose(0, 2).unsqueeze(1)[..., 1:].narrow(0, 1, 3).squeeze(1)
    check_view(jv, tv)
    jv.mul_(0)
    tv.mul_(0)
    assert_same(jx, tx)


def test_contiguous_identity_and_copy():
    jx = jtorch.zeros(3, 4)
    assert jx.contiguous() is jx
    jt = jx.t()
    jc = jt.contiguous()
    assert jc is not jt and jc._base is None and jc.is_contiguous()
    assert jtorch.flatten(jx, 1, 1) is jx
    assert jtorch.atleast_1d(jx) is jx


def test_squeeze_unsqueeze_inplace():
    jx, tx = pair(make_array((2, 1, 3), "float32"))
    assert jx.squeeze_(1) is jx
    tx.squeeze_(1)
    check_view(jx, tx)
    jx.unsqueeze_(0)
    tx.unsqueeze_(0)
    check_view(jx, tx)
    jv, tv = jx[0].unsqueeze_(-1), tx[0].unsqueeze_(-1)
    check_view(jv, tv)


def test_T_warnings():
    jx = jtorch.zeros(2, 3, 4)
    with pytest.warns(UserWarning, match="x.T"):
        assert jx.T.shape == (4, 3, 2)
    with pytest.warns(UserWarning, match="0-D"):
        jtorch.tensor(1.0).T


def test_view_dtype():
    jx, tx = pair(make_array((2, 4), "float32"))
    for d in ("int32", "int16", "float64"):
        assert_same(jx.view(getattr(jtorch, d)), tx.view(getattr(torch, d)))


# ---- errors ----------------------------------------------------------------------------------

ERROR_CASES = [
    ("view_bad", (3, 4), lambda x, L: x.view(3, 5)),
    ("view_two_infer", (3, 4), lambda x, L: x.view(-1, -1)),
    ("view_noncontig", (3, 4), lambda x, L: x.t().view(-1)),
    ("view_neg", (3, 4), lambda x, L: x.view(-2, 6)),
    ("view_ambiguous", (0, 3), lambda x, L: x.view(-1, 0)),
    ("reshape_two_infer", (3, 4), lambda x, L: x.reshape(-1, -1)),
    ("t_3d", (2, 2, 2), lambda x, L: x.t()),
    ("permute_len", (3, 4), lambda x, L: x.permute(0)),
    ("permute_dup", (3, 4), lambda x, L: x.permute(0, 0)),
    ("expand_few", (3, 4), lambda x, L: x.expand(4)),
    ("expand_bad", (3, 4), lambda x, L: x.expand(2, 4)),
    ("expand_lead_neg1", (3, 4), lambda x, L: x.expand(-1, 3, 4)),
    ("narrow_bad", (3, 4), lambda x, L: x.narrow(0, 2, 2)),
    ("narrow_neg_len", (3, 4), lambda x, L: x.narrow(0, 0, -1)),
    ("narrow_start", (2, 4), lambda x, L: x.narrow(0, 5, 0)),
    ("narrow_0d", (), lambda x, L: x.narrow(0, 0, 1)),
    ("select_oob", (3, 4), lambda x, L: x.select(0, 3)),
    ("select_0d", (), lambda x, L: x.select(0, 0)),
    ("squeeze_oob", (3, 4), lambda x, L: x.squeeze(2)),
    ("squeeze_dup", (3, 1), lambda x, L: x.squeeze((1, 1))),
    ("unsqueeze_oob", (3, 4), lambda x, L: x.unsqueeze(3)),
    ("transpose_oob", (3, 4), lambda x, L: x.transpose(0, 2)),
    ("split_0", (3, 4), lambda x, L: x.split(0)),
    ("split_sections", (3, 4), lambda x, L: x.split([1, 1])),
    ("chunk_0", (3, 4), lambda x, L: x.chunk(0)),
    ("unbind_0d", (), lambda x, L: x.unbind()),
    ("unfold_big", (3, 4), lambda x, L: x.unfold(1, 5, 1)),
    ("unfold_step0", (3, 4), lambda x, L: x.unfold(1, 2, 0)),
    ("unfold_neg", (3, 4), lambda x, L: x.unfold(0, -1, 1)),
    ("diagonal_same", (3, 4), lambda x, L: x.diagonal(0, 0, 0)),
    ("flatten_order", (3, 4), lambda x, L: x.flatten(1, 0)),
    ("unflatten_bad", (3, 4), lambda x, L: x.unflatten(1, (3, 2))),
    ("unflatten_empty", (3, 4), lambda x, L: x.unflatten(1, ())),
    ("movedim_len", (3, 4), lambda x, L: x.movedim((0, 1), (0,))),
    ("movedim_dup", (3, 4), lambda x, L: x.movedim((0, 0), (0, 1))),
    ("mT_1d", (3,), lambda x, L: x.mT),
    ("mH_1d", (3,), lambda x, L: x.mH),
    ("H_1d", (3,), lambda x, L: x.H),
    ("H_3d", (2, 2, 2), lambda x, L: x.H),
    ("as_strided_oob", (3, 4), lambda x, L: x.as_strided((4, 4), (4, 1))),
    ("tensor_split_0", (3, 4), lambda x, L: x.tensor_split(0)),
    ("tensor_split_float", (3, 4), lambda x, L: x.tensor_split(L.tensor(1.0))),
    ("tensor_split_0d", (), lambda x, L: x.tensor_split(1)),
    ("hsplit_bad", (2, 3, 4), lambda x, L: x.hsplit(2)),
    ("hsplit_0d", (), lambda x, L: x.hsplit(2)),
    ("vsplit_1d", (4,), lambda x, L: x.vsplit(2)),
    ("dsplit_bad", (2, 3, 4), lambda x, L: x.dsplit(3)),
    ("cat_empty_list", (3, 4), lambda x, L: L.cat([])),
    ("cat_0d", (), lambda x, L: L.cat([x])),
    ("cat_sizes", (3, 4), lambda x, L: L.cat([x, L.zeros(3, 5)])),
    ("cat_ndim", (3, 4), lambda x, L: L.cat([x, L.zeros(3)])),
    ("cat_dim", (3, 4), lambda x, L: L.cat([x, x], 2)),
    ("cat_tensor", (3, 4), lambda x, L: L.cat(x)),
    ("cat_number", (3, 4), lambda x, L: L.cat([x, 1])),
    ("cat_size0", (2, 3), lambda x, L: L.cat([x, L.zeros(2, 0)], 0)),
    ("stack_bad", (3, 4), lambda x, L: L.stack([x, L.zeros(3)])),
    ("stack_empty", (3, 4), lambda x, L: L.stack([])),
    ("repeat_few", (3, 4), lambda x, L: x.repeat(2)),
    ("repeat_neg", (3, 4), lambda x, L: x.repeat(2, -1)),
    ("roll_align", (3, 4), lambda x, L: x.roll((1, 2), (0,))),
    ("roll_no_dims", (3, 4), lambda x, L: x.roll((1, 2))),
    ("rot90_1d", (3,), lambda x, L: x.rot90()),
    ("rot90_same", (3, 4), lambda x, L: x.rot90(1, (0, 0))),
    ("rot90_3dims", (3, 4), lambda x, L: x.rot90(1, (0, 1, 0))),
    ("tril_1d", (3,), lambda x, L: x.tril()),
    ("triu_0d", (), lambda x, L: L.triu(x)),
    ("fliplr_1d", (3,), lambda x, L: x.fliplr()),
    ("flipud_0d", (), lambda x, L: x.flipud()),
    ("flip_dup", (3, 4), lambda x, L: x.flip(0, 0)),
    ("broadcast_shapes", (3,), lambda x, L: L.broadcast_shapes((2, 3), (3, 2))),
    ("broadcast_tensors", (3, 4), lambda x, L: L.broadcast_tensors(x, L.zeros(3))),
    ("broadcast_to_few", (3, 4), lambda x, L: L.broadcast_to(x, (4,))),
    ("meshgrid_bad_indexing", (3,), lambda x, L: L.meshgrid(x, x, indexing="foo")),
    ("meshgrid_dtype", (3,), lambda x, L: L.meshgrid(x, x.float(), indexing="ij")),
]


@pytest.mark.parametrize("cid", [c[0] for c in ERROR_CASES])
def test_errors(cid):
    _, shape, fn = ERROR_CASES[[c[0] for c in ERROR_CASES].index(cid)]
    jx, tx = pair(make_array(shape, "int64"))
    with pytest.raises(Exception) as et:
        fn(tx, torch)
    with pytest.raises(Exception) as ej:
        fn(jx, jtorch)
    assert type(ej.value) is type(et.value), (ej.value, et.value)
    assert str(ej.value) == str(et.value)


# ---- copying shape ops -----------------------------------------------------------------------

PAIRS = [("float32", "float32"), ("int64", "float32"), ("bool", "int64"), ("int32", "int64"),
         ("bool", "bool"), ("float64", "float32")]


@pytest.mark.parametrize("d1,d2", PAIRS)
def test_cat_stack_promotion(d1, d2):
    ja, ta = pair(make_array((2, 3), d1, 1))
    jb, tb = pair(make_array((2, 3), d2, 2))
    je, te = pair(np.zeros((0,), dtype=np.float64))
    for name in ("cat", "concat", "stack", "hstack", "vstack", "row_stack", "dstack",
                 "column_stack"):
        assert_same(getattr(jtorch, name)([ja, jb]), getattr(torch, name)([ta, tb]))
    assert_same(jtorch.cat([ja, jb], 1), torch.cat([ta, tb], 1))
    assert_same(jtorch.cat((ja, jb), dim=-1), torch.cat((ta, tb), dim=-1))
    assert_same(jtorch.concatenate([ja, jb], axis=1), torch.concatenate([ta, tb], axis=1))
    assert_same(jtorch.stack([ja, jb], -1), torch.stack([ta, tb], -1))
    assert_same(jtorch.cat([je, ja, je]), torch.cat([te, ta, te]))  # legacy skip of empty 1-D


def test_cat_edge_cases():
    je, te = pair(np.zeros((0,), dtype=np.float32))
    assert_same(jtorch.cat([je, je]), torch.cat([te, te]))
    ja, ta = pair(make_array((2, 3), "float32"))
    jz, tz = pair(make_array((0, 3), "float32"))
    assert_same(jtorch.cat([ja, jz]), torch.cat([ta, tz]))
    out_j, out_t = jtorch.zeros(0), torch.zeros(0)
    jtorch.cat([ja, ja], out=out_j)
    torch.cat([ta, ta], out=out_t)
    assert_same(out_j, out_t)
    jv, tv = pair(make_array((4, 3), "float32"))
    assert_same(jtorch.cat([jv.t(), ja.t()[:, :1]], 1), torch.cat([tv.t(), ta.t()[:, :1]], 1))
    assert_same(jtorch.hstack([jtorch.tensor(1.0), jtorch.tensor(2.0)]),
                torch.hstack([torch.tensor(1.0), torch.tensor(2.0)]))
    assert_same(jtorch.column_stack([jtorch.tensor([1, 2]), jtorch.tensor([[3], [4]])]),
                torch.column_stack([torch.tensor([1, 2]), torch.tensor([[3], [4]])]))


COPY_CASES = [
    ("repeat", (2, 3), lambda x, L: x.repeat(2, 1, 3)),
    ("repeat_list", (3,), lambda x, L: x.repeat([2, 2])),
    ("repeat_0", (2, 3), lambda x, L: x.repeat(0, 1)),
    ("repeat_0d", (), lambda x, L: x.repeat(3)),
    ("tile", (2, 3), lambda x, L: L.tile(x, (2,))),
    ("tile_more", (2, 3), lambda x, L: x.tile(2, 1, 2)),
    ("flip", (2, 3, 4), lambda x, L: L.flip(x, (0, 2))),
    ("flip_method", (2, 3, 4), lambda x, L: x.flip(-1)),
    ("flip_none", (2, 3), lambda x, L: x.flip([])),
    ("fliplr", (2, 3), lambda x, L: L.fliplr(x)),
    ("flipud", (2, 3), lambda x, L: x.flipud()),
    ("roll", (3, 4), lambda x, L: L.roll(x, 1)),
    ("roll_neg", (3, 4), lambda x, L: x.roll(-5, 1)),
    ("roll_multi", (3, 4), lambda x, L: x.roll((1, 2), (0, 1))),
    ("roll_empty", (0, 3), lambda x, L: x.roll(1, 0)),
    ("rot90", (3, 4), lambda x, L: L.rot90(x)),
    ("rot90_k", (2, 3, 4), lambda x, L: x.rot90(3, (1, 2))),
    ("rot90_neg", (3, 4), lambda x, L: x.rot90(-1, [1, 0])),
    ("tril", (3, 4), lambda x, L: L.tril(x)),
    ("tril_k", (2, 3, 4), lambda x, L: x.tril(-1)),
    ("triu", (3, 4), lambda x, L: x.triu(1)),
    ("clone", (3, 4), lambda x, L: L.clone(x)),
    ("clone_t", (3, 4), lambda x, L: x.t().clone()),
    ("tile_0d", (), lambda x, L: x.tile(2)),
    ("broadcast_shapes", (1,), lambda x, L: L.broadcast_shapes(2, (3, 1), [], None)),
    ("broadcast_shapes_none", (1,), lambda x, L: L.broadcast_shapes()),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cid", [c[0] for c in COPY_CASES])
def test_copy_ops(cid, dtype):
    _, shape, fn = COPY_CASES[[c[0] for c in COPY_CASES].index(cid)]
    jx, tx = tpair(make_array(shape, dtype))
    jr, tr = run_both(lambda: fn(jx, jtorch), lambda: fn(tx, torch))
    if isinstance(tr, torch.Tensor):
        # NOTE: torch may hand back non-contiguous copies (rot90 = flip + transpose_, clone
        # preserving strides); jtorch's copies are always contiguous, so strides aren't compared.
        assert_same(jr, tr)
        assert jr._base is None and not tr._is_view()
        jx2, tx2 = pair(make_array(shape, dtype, 3))
        jx[...] = jx2
        tx[...] = tx2
        assert_same(jr, tr)  # a copy: unaffected by writes to its input
    else:
        assert_same(jr, tr)


@pytest.mark.parametrize("cid", ["repeat", "tile", "flip", "roll_multi", "rot90", "tril",
                                 "triu", "clone"])
def test_copy_ops_grad(cid):
    _, shape, fn = COPY_CASES[[c[0] for c in COPY_CASES].index(cid)]
    jx, tx = pair(make_array(shape, "float32"), requires_grad=True)
    jr, tr = fn(jx, jtorch), fn(tx, torch)
    assert jr.grad_fn.name() == tr.grad_fn.name()
    jw, tw = pair(make_array(tuple(tr.shape), "float32", 5))
    (jr * jw).sum().backward()
    (tr * tw).sum().backward()
    assert_same(jx.grad, tx.grad)


def test_tril_triu_inplace():
    jx, tx = pair(make_array((3, 4), "float32"))
    jx.tril_(1)
    tx.tril_(1)
    assert_same(jx, tx)
    jx.t().triu_()
    tx.t().triu_()
    assert_same(jx, tx)


def test_meshgrid_default_warns():
    jx = jtorch.arange(3)
    with pytest.warns(UserWarning, match="indexing"):
        a, b = jtorch.meshgrid(jx, jx)
    assert a.shape == (3, 3)


def test_cat_grad():
    ja, ta = pair(make_array((2, 3), "float32"), requires_grad=True)
    jb, tb = pair(make_array((1, 3), "float32", 1), requires_grad=True)
    jr, tr = jtorch.cat([ja, jb]), torch.cat([ta, tb])
    assert jr.grad_fn.name() == tr.grad_fn.name()
    jw, tw = pair(make_array((3, 3), "float32", 2))
    (jr * jw).sum().backward()
    (tr * tw).sum().backward()
    assert_same(ja.grad, ta.grad)
    assert_same(jb.grad, tb.grad)
