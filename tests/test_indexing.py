"""Differential tests of jtorch's indexing (getitem/setitem, gather/scatter/...) vs torch."""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, make_array, pair

DTYPES = ["float32", "int64", "bool"]
pytestmark = pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter",
                                        "ignore:Using a non-tuple sequence")


def tpair(a):
    """pair(), with the torch tensor given contiguous strides (from_numpy keeps NumPy's)."""
    jx, tx = pair(a)
    return jx, tx.new_empty(tx.shape).copy_(tx)


def same_raise(fj, ft, exact=True):
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(Exception) as ej:
        fj()
    assert type(ej.value) is type(et.value), (ej.value, et.value)
    if exact:
        assert str(ej.value) == str(et.value)


def check_view(jv, tv):
    assert_same(jv, tv)
    assert jv.stride() == tv.stride(), (jv.stride(), tv.stride())
    assert jv.storage_offset() == tv.storage_offset()
    assert jv.is_contiguous() == tv.is_contiguous()
    assert (jv._base is not None) == tv._is_view(), "view-ness differs"


# Index builders: fn(lib) -> index, applied to a base of shape (4, 5, 6).
INDICES = [
    ("int", lambda L: 1),
    ("neg_int", lambda L: -1),
    ("slice", lambda L: slice(1, 3)),
    ("slice_step", lambda L: slice(None, None, 2)),
    ("slice_full", lambda L: slice(None)),
    ("slice_oob", lambda L: slice(3, 100)),
    ("slice_neg_oob", lambda L: slice(-100, 2)),
    ("slice_empty", lambda L: slice(3, 1)),
    ("slice_past_end", lambda L: slice(7, 9)),
    ("tuple_slice_int", lambda L: (slice(1, None), 2)),
    ("ellipsis_int", lambda L: (Ellipsis, 1)),
    ("int_ellipsis_int", lambda L: (0, Ellipsis, -2)),
    ("none_int", lambda L: (None, 0)),
    ("int_none_slice", lambda L: (0, None, slice(None, None, 3))),
    ("empty_tuple", lambda L: ()),
    ("ellipsis", lambda L: Ellipsis),
    ("two_ellipsis", lambda L: (Ellipsis, 0, Ellipsis)),
    ("none_end", lambda L: (Ellipsis, None)),
    ("all_basic", lambda L: (1, slice(0, 4, 2), slice(1, -1))),
    ("np_int", lambda L: np.int64(2)),
    ("tensor_0d", lambda L: L.tensor(2)),
    ("tuple_tensor_0d", lambda L: (slice(None), L.tensor(-1))),
    ("true", lambda L: True),
    ("false", lambda L: False),
    ("int_true", lambda L: (1, True)),
    ("true_slice_list", lambda L: (True, slice(None), [0, 1])),
    ("list", lambda L: [0, 2]),
    ("list_neg", lambda L: [-1, -4, 0]),
    ("list_empty", lambda L: []),
    ("list_nested", lambda L: [[0, 1], [1, 2]]),
    ("tuple_lists", lambda L: ([0, 1], [1, 2])),
    ("slice_list", lambda L: (slice(None), [0, 2])),
    ("separated", lambda L: ([0, 1], slice(None), [1, 2])),
    ("int_slice_list", lambda L: (0, slice(None), [0, 1])),
    ("slice_none_list", lambda L: (slice(None), None, [0, 1])),
    ("int_list_none_list", lambda L: (0, [0, 1], None, [1, 2])),
    ("none_lists_bcast", lambda L: (None, [0, 1], [[0], [1]])),
    ("list_ellipsis_none", lambda L: ([1, 0], Ellipsis, None)),
    ("tensor", lambda L: L.tensor([3, 0, 1])),
    ("tensor_int32", lambda L: L.tensor([3, 0], dtype=L.int32)),
    ("tensor_2d", lambda L: L.tensor([[0, 1], [2, 3]])),
    ("tensor_last", lambda L: (Ellipsis, L.tensor([5, 0]))),
    ("tensor_0d_with_list", lambda L: (L.tensor(1), slice(None), [0, 1])),
    ("mask_full", lambda L: L.tensor(make_array((4, 5, 6), "bool", 3))),
    ("mask_dim0", lambda L: L.tensor([True, False, True, True])),
    ("mask_dim1", lambda L: (slice(None), L.tensor([True, False, True, False, False]))),
    ("mask_2d", lambda L: L.tensor(make_array((4, 5), "bool", 4))),
    ("mask_and_list", lambda L: (L.tensor([True, False, True, False]), [0, 2])),
    ("mask_0d_true", lambda L: L.tensor(True)),
    ("mask_0d_false", lambda L: (0, L.tensor(False))),
    ("mask_list", lambda L: [True, False, True, False]),
    ("mask_empty_result", lambda L: L.tensor([False] * 4)),
    ("list_mixed_seq", lambda L: [0, slice(None)]),
]
_IDS = [i for i, _ in INDICES]
def _idx(cid, L):
    return dict(INDICES)[cid](L)


def _base(dtype, view, seed=0):
    if view == "noncontig":
        jb, tb = tpair(make_array((6, 5, 12), dtype, seed))
        return jb, tb, jb[1:5, :, ::2], tb[1:5, :, ::2]
    if view == "permuted":
        jb, tb = tpair(make_array((6, 5, 4), dtype, seed))
        return jb, tb, jb.permute(2, 1, 0), tb.permute(2, 1, 0)
    jb, tb = tpair(make_array((4, 5, 6), dtype, seed))
    return jb, tb, jb, tb


@pytest.mark.parametrize("view", [None, "noncontig", "permuted"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cid", _IDS)
def test_getitem(cid, dtype, view):
    if view == "permuted" and "mask" in cid:
        pytest.skip("masks are shaped for (4, 5, 6); the permuted base is (4, 5, 6) too")
    jb, tb, jx, tx = _base(dtype, view)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tx[_idx(cid, torch)]
        jr = jx[_idx(cid, jtorch)]
    if tr._is_view():
        check_view(jr, tr)
    else:
        # NOTE: torch's advanced-index results may inherit a permuted layout from TensorIterator;
        # jtorch's copies are always contiguous, so only values and copy-ness are compared.
        assert_same(jr, tr)
        assert jr._base is None


@pytest.mark.parametrize("view", [None, "noncontig"])
@pytest.mark.parametrize("cid", _IDS)
def test_setitem(cid, view):
    """Scalar and broadcast-tensor values; writes through views land in the base."""
    jb, tb, jx, tx = _base("float32", view)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = tuple(tx[_idx(cid, torch)].shape)
        jv0, tv0 = jb._version, tb._version
        jx[_idx(cid, jtorch)] = 7.5
        tx[_idx(cid, torch)] = 7.5
        assert_same(jb, tb)
        assert (jb._version > jv0) == (tb._version > tv0)
        vshape = shape[1:] if len(shape) > 1 else shape
        jv, tv = pair(make_array(vshape, "float32", 5))
        jx[_idx(cid, jtorch)] = jv
        tx[_idx(cid, torch)] = tv
        assert_same(jb, tb)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("cid", ["int", "slice_step", "list", "mask_dim0", "separated"])
def test_setitem_casts(cid, dtype):
    jb, tb, jx, tx = _base(dtype, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in (2.7, -3, True):
            jx[_idx(cid, jtorch)] = v
            tx[_idx(cid, torch)] = v
            assert_same(jb, tb)
        jv, tv = pair(make_array((6,), "float32", 2))
        if tx[_idx(cid, torch)]._is_view():
            jx[_idx(cid, jtorch)] = jv
            tx[_idx(cid, torch)] = tv
            assert_same(jb, tb)
        else:  # NOTE: advanced setitem (index_put_) requires matching dtypes
            same_raise(lambda: jx.__setitem__(_idx(cid, jtorch), jv),
                       lambda: tx.__setitem__(_idx(cid, torch), tv))


def test_basic_index_is_view_and_aliases():
    jx, tx = tpair(np.arange(24.0, dtype=np.float32).reshape(4, 6))
    jv0, tv0 = jx._version, tx._version
    for x in (jx, tx):
        v = x[1]
        v.add_(1)
        s = x[:, 2]
        s.mul_(-1)
        x[2:, ::3] = 0
        x.t()[0] = 5
        x[..., -1] = x[..., 0]
    assert_same(jx, tx)
    jv, tv = jx[1:3, 1:], tx[1:3, 1:]
    jx.add_(100)
    tx.add_(100)
    check_view(jv, tv)
    assert jx._version - jv0 == tx._version - tv0


def test_advanced_index_is_copy():
    jx, tx = tpair(np.arange(12, dtype=np.int64).reshape(3, 4))
    jr, tr = jx[[0, 2]], tx[[0, 2]]
    jr[0, 0] = -1
    tr[0, 0] = -1
    assert_same(jx, tx)
    assert jr._base is None


def test_getitem_chained_and_0d():
    jx, tx = tpair(make_array((3, 4), "float32"))
    check_view(jx[1][2], tx[1][2])
    js, ts = jx[1, 2], tx[1, 2]
    check_view(js[None], ts[None])
    check_view(js[...], ts[...])
    assert_same(js[()], ts[()])
    assert_same(js[True], ts[True])
    jz, tz = tpair(np.float32(3.0))
    assert_same(jz[None, ..., None], tz[None, ..., None])
    assert_same(jz[jtorch.tensor(True)], tz[torch.tensor(True)])


def test_getitem_grad():
    jx, tx = pair(make_array((4, 5), "float32"), requires_grad=True)
    for cid in ["int", "slice_step", "ellipsis", "none_int", "list", "separated_2d",
                "mask", "empty_tuple"]:
        idx = {"separated_2d": lambda L: ([0, 1, 1], [2, 0, 2]),
               "mask": lambda L: L.tensor(make_array((4, 5), "bool", 1))}.get(
            cid, lambda L: _idx(cid, L))
        jr, tr = jx[idx(jtorch)], tx[idx(torch)]
        if tr.grad_fn is not None and cid != "empty_tuple":
            assert jr.grad_fn.name() == tr.grad_fn.name(), cid
        jw, tw = pair(make_array(tuple(tr.shape), "float32", 3))
        (jr * jw).sum().backward()
        (tr * tw).sum().backward()
        assert_same(jx.grad, tx.grad)


def test_setitem_grad():
    ja, ta = pair(make_array((4, 5), "float32"), requires_grad=True)
    jv, tv = pair(make_array((5,), "float32", 1), requires_grad=True)
    jx, tx = ja * 1, ta * 1
    jx[1] = jv
    tx[1] = tv
    jx[[0, 2]] = jv * 2
    tx[[0, 2]] = tv * 2
    assert jx.grad_fn.name() == tx.grad_fn.name()
    (jx * jx).sum().backward()
    (tx * tx).sum().backward()
    assert_same(ja.grad, ta.grad)
    assert_same(jv.grad, tv.grad)


INDEX_ERRORS = [
    ("int_oob", lambda L: 5),
    ("neg_int_oob", lambda L: -5),
    ("int_oob_dim1", lambda L: (0, 6)),
    ("ellipsis_oob", lambda L: (Ellipsis, 7)),
    ("list_oob", lambda L: [4]),
    ("tensor_oob", lambda L: L.tensor([1, -7])),
    ("tensor_oob_dim1", lambda L: (slice(None), [5])),
    ("tensor_oob_second", lambda L: ([0], [9])),
    ("neg_step", lambda L: slice(None, None, -1)),
    ("zero_step", lambda L: slice(None, None, 0)),
    ("too_many", lambda L: (0, 0, 0, 0)),
    ("float", lambda L: 0.5),
    ("float_tensor", lambda L: L.tensor([0.5])),
    ("int16_tensor", lambda L: L.tensor([0], dtype=L.int16)),
    ("mask_shape", lambda L: L.tensor([True, False])),
    ("mask_shape_dim1", lambda L: (slice(None), L.tensor([True, False, True, True]))),
    ("string", lambda L: "a"),
]


@pytest.mark.parametrize("cid", [c for c, _ in INDEX_ERRORS])
def test_index_errors(cid):
    f = dict(INDEX_ERRORS)[cid]
    jx, tx = tpair(make_array((4, 5), "float32"))
    same_raise(lambda: jx[f(jtorch)], lambda: tx[f(torch)])
    if cid != "string":
        same_raise(lambda: jx.__setitem__(f(jtorch), 1.0), lambda: tx.__setitem__(f(torch), 1.0))


def test_setitem_value_errors():
    jx, tx = tpair(make_array((3, 4), "float32"))
    for idx, val in [(0, [1.0, 2.0]), ([0, 1], [1.0, 2.0, 3.0]), (slice(None), [[1.0], [2.0]]),
                     ((Ellipsis, 0), [1.0, 2.0])]:
        same_raise(lambda: jx.__setitem__(idx, jtorch.tensor(val)),
                   lambda: tx.__setitem__(idx, torch.tensor(val)))
    jx[0] = jtorch.ones(1, 1, 4)
    tx[0] = torch.ones(1, 1, 4)
    assert_same(jx, tx)


def test_getitem_fast_path_cache():
    from jtorch._ops import indexing as I
    x = jtorch.zeros(64, 64)
    x[1:10]
    n = len(I._PLANS)
    for idx in (slice(1, 10), 0, (slice(None), 2)):
        x[idx]
        x[idx]
    assert len(I._PLANS) <= n + 2
    # NOTE: True and 1 hash equal; the cache must not confuse them.
    assert x[True].shape == (1, 64, 64) and x[1].shape == (64,)


# ---- index ops ---------------------------------------------------------------------------------

def L_(L, v, dtype=None):
    return L.tensor(v, dtype=dtype) if dtype is None else L.tensor(v, dtype=getattr(L, dtype))


OPS = [
    ("index_select", lambda x, L: L.index_select(x, 0, L.tensor([2, 0, 2]))),
    ("index_select_dim1", lambda x, L: x.index_select(-1, L.tensor([1], dtype=L.int32))),
    ("index_select_0d_idx", lambda x, L: x.index_select(1, L.tensor(3))),
    ("gather", lambda x, L: L.gather(x, 1, L.tensor([[0, 1], [2, 2], [3, 0]]))),
    ("gather_dim0", lambda x, L: x.gather(0, L.tensor([[2, 1, 0, 0]]))),
    ("scatter_src", lambda x, L: L.scatter(x, 0, L.tensor([[1, 2, 0]]), x[:1, :3].flip(1))),
    ("scatter_value", lambda x, L: x.scatter(1, L.tensor([[0], [3], [1]]), 1)),
    ("scatter_reduce_add", lambda x, L: x.scatter(0, L.tensor([[1, 1], [1, 0]]), x[:2, :2],
                                                  reduce="add")),
    ("scatter_reduce_mul", lambda x, L: x.scatter(0, L.tensor([[1, 1]]), x[:1, :2],
                                                  reduce="multiply")),
    ("scatter_add", lambda x, L: L.scatter_add(x, 1, L.tensor([[0, 0, 1], [3, 3, 3]]),
                                               x[:2, :3])),
    ("masked_fill", lambda x, L: x.masked_fill(L.tensor([[True], [False], [True]]), 3)),
    ("masked_fill_tensor", lambda x, L: L.masked_fill(x, L.tensor([True, False, True, False]),
                                                      L.tensor(2))),
    ("masked_fill_bcast", lambda x, L: x[0].masked_fill(L.ones(2, 4, dtype=L.bool), 1)),
    ("masked_fill_float", lambda x, L: x.masked_fill(L.tensor([True, False, True, False]), 2.7)),
    ("masked_select", lambda x, L: L.masked_select(x, L.tensor([True, False, True, True]))),
    ("masked_select_bcast", lambda x, L: x[0].masked_select(L.tensor([[True], [False]]))),
    ("take", lambda x, L: L.take(x, L.tensor([[0, -1], [5, 11]]))),
    ("take_along_dim_none", lambda x, L: L.take_along_dim(x, L.tensor([0, 5, 11]))),
    ("take_along_dim", lambda x, L: L.take_along_dim(x, L.tensor([[1], [0], [3]]), 1)),
    ("take_along_dim_bcast", lambda x, L: x.take_along_dim(L.tensor([[2, 0, 1, 1]]), 0)),
    ("index_put", lambda x, L: L.index_put(x, (L.tensor([0, 2]), L.tensor([1, 3])),
                                           x[1, :2])),
    ("index_put_acc", lambda x, L: x.index_put((L.tensor([0, 0, 2]),), x[1], accumulate=True)),
    ("index_put_bool", lambda x, L: x.index_put((L.tensor([True, False, True]),), x[0, 0])),
    ("index_add", lambda x, L: L.index_add(x, 0, L.tensor([2, 0, 2]), x)),
    ("index_add_alpha", lambda x, L: x.index_add(1, L.tensor([3]), x[:, :1], alpha=2)),
    ("index_fill", lambda x, L: L.index_fill(x, 1, L.tensor([-1, 0]), 5)),
    ("index_fill_tensor", lambda x, L: x.index_fill(0, L.tensor(1), L.tensor(-2))),
    ("index_copy", lambda x, L: L.index_copy(x, 0, L.tensor([2, 0]), x[:2].flip(0))),
    ("nonzero", lambda x, L: L.nonzero(x)),
    ("nonzero_tuple", lambda x, L: x.nonzero(as_tuple=True)),
    ("argwhere", lambda x, L: L.argwhere(x)),
    ("where_1arg", lambda x, L: L.where(x)),
    ("nonzero_0d", lambda x, L: L.nonzero(x[1, 1])),
    ("nonzero_0d_tuple", lambda x, L: L.nonzero(x[1, 1], as_tuple=True)),
    ("nonzero_empty", lambda x, L: L.nonzero(x[:0])),
]
SCATTER_REDUCE = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cid", [c for c, _ in OPS])
def test_index_ops(cid, dtype):
    fn = dict(OPS)[cid]
    jx, tx = tpair(make_array((3, 4), dtype, 1))
    try:
        tr = fn(tx, torch)
    except Exception as e:  # noqa: BLE001
        same_raise(lambda: fn(jx, jtorch), lambda: fn(tx, torch))
        return
    assert_same(fn(jx, jtorch), tr)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("reduce", SCATTER_REDUCE)
def test_scatter_reduce(reduce, dtype, include_self):
    jx, tx = tpair(make_array((3, 4), dtype, 1))
    js, ts = tpair(make_array((2, 4), dtype, 2))
    ji, ti = tpair(np.array([[0, 0, 2, 1], [0, 2, 2, 1]]))
    assert_same(jtorch.scatter_reduce(jx, 0, ji, js, reduce, include_self=include_self),
                torch.scatter_reduce(tx, 0, ti, ts, reduce, include_self=include_self))


@pytest.mark.parametrize("name", ["masked_fill_", "scatter_", "scatter_add_", "index_put_",
                                  "index_add_", "index_fill_", "index_copy_"])
def test_inplace_index_ops_on_views(name):
    args = {
        "masked_fill_": lambda L: (L.tensor([True, False, True]), 0.5),
        "scatter_": lambda L: (0, L.tensor([[1, 0]]), 9.0),
        "scatter_add_": lambda L: (1, L.tensor([[0, 0], [1, 1], [2, 2]]), L.ones(3, 2)),
        "index_put_": lambda L: ((L.tensor([0, 2]),), L.tensor(4.0)),
        "index_add_": lambda L: (0, L.tensor([1]), L.ones(1, 3)),
        "index_fill_": lambda L: (1, L.tensor([0, 2]), -1.0),
        "index_copy_": lambda L: (0, L.tensor([2]), L.zeros(1, 3)),
    }[name]
    jb, tb = tpair(make_array((4, 3), "float32"))
    jv, tv = jb.t().t()[1:], tb.t().t()[1:]
    assert getattr(jv, name)(*args(jtorch)) is jv
    getattr(tv, name)(*args(torch))
    assert_same(jv, tv)
    assert_same(jb, tb)


def test_index_ops_grad():
    jx, tx = pair(make_array((3, 4), "float32"), requires_grad=True)
    js, ts = pair(make_array((3, 4), "float32", 1), requires_grad=True)
    cases = [
        lambda x, s, L: x.index_select(0, L.tensor([2, 2, 0])),
        lambda x, s, L: x.gather(1, L.tensor([[0, 0], [1, 3], [2, 2]])),
        lambda x, s, L: x.scatter(0, L.tensor([[2, 1, 0, 0]]), s[:1]),
        lambda x, s, L: x.scatter_add(1, L.tensor([[0, 0], [1, 3], [2, 2]]), s[:, :2]),
        lambda x, s, L: x.masked_fill(L.tensor([True, False, True, False]), 0.0),
        lambda x, s, L: x.masked_select(L.tensor([[True], [False], [True]])),
        lambda x, s, L: x.take(L.tensor([0, 11, 11])),
        lambda x, s, L: L.take_along_dim(x, L.tensor([[1], [0], [3]]), 1),
        lambda x, s, L: x.index_put((L.tensor([0, 0]),), s[0], accumulate=True),
        lambda x, s, L: x.index_add(0, L.tensor([1, 1, 0]), s, alpha=3),
        lambda x, s, L: x.index_fill(1, L.tensor([1]), 2.0),
        lambda x, s, L: x.index_copy(0, L.tensor([2, 0, 1]), s),
    ]
    for k, f in enumerate(cases):
        jx.grad = js.grad = None
        tx.grad = ts.grad = None
        jr, tr = f(jx, js, jtorch), f(tx, ts, torch)
        assert jr.grad_fn.name() == tr.grad_fn.name(), k
        jw, tw = pair(make_array(tuple(tr.shape), "float32", 9))
        (jr * jw).sum().backward()
        (tr * tw).sum().backward()
        assert_same(jx.grad, tx.grad)
        if ts.grad is not None:
            assert_same(js.grad, ts.grad)


OP_ERRORS = [
    lambda x, L: x.index_select(0, L.tensor([3])),
    lambda x, L: x.index_select(0, L.tensor([-1])),
    lambda x, L: x.index_select(0, L.tensor([0.0])),
    lambda x, L: x.index_select(0, L.tensor([[0]])),
    lambda x, L: L.tensor(5.0).index_select(0, L.tensor([0, 0])),
    lambda x, L: x.gather(0, L.tensor([[3]])),
    lambda x, L: x.gather(0, L.tensor([[-1]])),
    lambda x, L: x.gather(0, L.tensor([0])),
    lambda x, L: x.gather(0, L.tensor([[0] * 5])),
    lambda x, L: x.gather(0, L.tensor([[0]], dtype=L.int16)),
    lambda x, L: x.scatter(0, L.tensor([[3]]), 1.0),
    lambda x, L: x.scatter(0, L.tensor([[0] * 5]), x),
    lambda x, L: x.scatter(0, L.tensor([[0] * 5]), 1.0),
    lambda x, L: x.scatter(0, L.tensor([[0]]), L.tensor([[1]])),
    lambda x, L: x.scatter(0, L.tensor([[0, 1]]), x[:1, :1]),
    lambda x, L: x.scatter(0, L.tensor([[0]]), 1.0, reduce="foo"),
    lambda x, L: x.scatter_add(0, L.tensor([[0]]), L.tensor([[1]])),
    lambda x, L: x.masked_fill(L.tensor([1.0]), 0),
    lambda x, L: x.masked_fill(L.tensor([1]), 0),
    lambda x, L: x.masked_fill(x > 0, L.tensor([1.0])),
    lambda x, L: x.masked_fill(L.tensor([True, False]), 0),
    lambda x, L: x[0].masked_fill_(L.ones(3, 4, dtype=L.bool), 0),
    lambda x, L: x.masked_select(x),
    lambda x, L: x.take(L.tensor([12])),
    lambda x, L: x.take(L.tensor([-13])),
    lambda x, L: x.take(L.tensor([0.0])),
    lambda x, L: L.take_along_dim(x, L.tensor([[0], [1]]), 1),
    lambda x, L: L.take_along_dim(x, L.tensor([0]), 1),
    lambda x, L: L.take_along_dim(x, L.tensor([[0]], dtype=L.int32), 0),
    lambda x, L: x.index_put((L.tensor([5]),), L.tensor(1.0)),
    lambda x, L: x.index_put((L.tensor([0, 1]),), L.tensor([1.0, 2, 3])),
    lambda x, L: x.index_put((L.tensor([0]),), L.tensor(1)),
    lambda x, L: x.index_put((L.tensor([0]), L.tensor([0]), L.tensor([0])), L.tensor(1.0)),
    lambda x, L: x.index_put((None, L.tensor([0])), L.tensor(1.0)),
    lambda x, L: x.index_add(0, L.tensor([0]), x),
    lambda x, L: x.index_add(0, L.tensor([5]), x[:1]),
    lambda x, L: x.index_add(0, L.tensor([0]), L.ones(1, 4, dtype=L.long)),
    lambda x, L: x.index_add(0, L.tensor([0]), L.ones(1, 3)),
    lambda x, L: x.index_fill(0, L.tensor([5]), 1.0),
    lambda x, L: x.index_fill(0, L.tensor([[0]]), 1.0),
    lambda x, L: x.index_fill(0, L.tensor([0]), L.tensor([1.0])),
    lambda x, L: x.index_copy(0, L.tensor([0]), x),
    lambda x, L: x.index_copy(0, L.tensor([5]), x[:1]),
    lambda x, L: x.index_copy(0, L.tensor([-1]), x[:1]),
    lambda x, L: x.index_copy(0, L.tensor([0]), L.ones(1, 3)),
]


@pytest.mark.parametrize("k", range(len(OP_ERRORS)))
def test_index_op_errors(k):
    f = OP_ERRORS[k]
    jx, tx = tpair(make_array((3, 4), "float32"))
    same_raise(lambda: f(jx, jtorch), lambda: f(tx, torch))
