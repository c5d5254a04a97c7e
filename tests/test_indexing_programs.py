"""Indexing with many different ints/slice starts/int lists reuses one compiled program (no
per-index compile), for reads, writes and reads of views after their base changed; list indices
match torch (values, dtypes, grads, errors) without building an index tensor per call."""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, make_array, pair
from jtorch._ops import _shape_views, indexing
from jtorch import _view


def _sizes():
    return (len(_shape_views._SELECT.cache), len(_shape_views._SLICE.cache),
            len(indexing._SET_BASIC.cache))


def test_int_and_slice_indices_share_programs():
    x = jtorch.arange(60.0).reshape(10, 6)
    x[0], x[1:2], x[2] = x[0], x[1:2], 5.0  # compile each kind once (slice size is static)
    x.select(1, 0), x.narrow(0, 1, 2)
    before = _sizes()
    for i in range(10):
        assert x[i].tolist() == x.tolist()[i]
        assert x[i:i + 1].shape == (1, 6)
        assert x.select(0, i).shape == (6,)
        x[i] = float(i)
    assert _sizes() == before
    assert x[:, 0].tolist() == [float(i) for i in range(10)]


def test_view_rereads_share_programs():
    x = jtorch.zeros(8, 3)
    views = [x[i] for i in range(8)]
    x.add_(1)
    views[0].sum()
    n = _view._reader.cache_info().currsize
    assert [v.sum().item() for v in views] == [3.0] * 8
    assert _view._reader.cache_info().currsize == n


def test_advanced_index_with_ints_shares_programs():
    """x[idx, i] / x[i, idx] = v: the int's position is a runtime start, not part of the
    compiled program; values and grads match plain NumPy indexing."""
    a = np.arange(60.0, dtype=np.float32).reshape(10, 6)
    idx = jtorch.tensor([3, 0, 5])
    x = jtorch.tensor(a)
    x[idx, 0], x[0, idx], x[0:2, idx]  # compile each kind once
    x[0, idx] = 0.0
    a[0, [3, 0, 5]] = 0.0
    sizes = (len(indexing._INDEX.cache), len(indexing._INDEX_PUT_DYN.cache))
    for i in range(6):
        assert x[idx, i].tolist() == a[[3, 0, 5], i].tolist()
        assert x[i, idx].tolist() == a[i, [3, 0, 5]].tolist()
        assert x[i:i + 2, idx].tolist() == a[i:i + 2][:, [3, 0, 5]].tolist()
    for i in range(6):
        x[i, idx] = -float(i)
        a[i, [3, 0, 5]] = -float(i)
    assert x.tolist() == a.tolist()
    assert (len(indexing._INDEX.cache), len(indexing._INDEX_PUT_DYN.cache)) == sizes
    w = jtorch.tensor(a, requires_grad=True)
    (w[idx, 4] * jtorch.tensor([1.0, 2.0, 3.0])).sum().backward()
    want = np.zeros_like(a)
    want[[3, 0, 5], 4] = [1.0, 2.0, 3.0]
    assert w.grad.tolist() == want.tolist()


# ---- Python lists as advanced indices ----------------------------------------------------------
# NOTE: a list of ints stays a NumPy array on the host: it is range-checked there and passed to
# the compiled op as a runtime input (no index tensor, no device_put, no program per value).


LIST_INDICES = [
    lambda L: [3, 0],
    lambda L: [0, 2, 5],
    lambda L: [-1, -4, 0],
    lambda L: [],
    lambda L: [[0, 1], [3, 3]],                       # deprecated: a tuple of two lists
    lambda L: ([[0, 1], [3, 3]],),                    # a 2-d index
    lambda L: (slice(None), [1, 3]),
    lambda L: (slice(None), []),
    lambda L: ([0, 1], [2, 3]),
    lambda L: ([], []),
    lambda L: ([[0], [2]], [1, 3, 0]),                # broadcast together
    lambda L: ([0, 1], slice(None), [2, 3]),          # separated: indexed dims go first
    lambda L: (1, [0, 2]),
    lambda L: ([2, 0], 1),
    lambda L: (slice(1, 4, 2), [0, 2]),
    lambda L: (None, [0, 1], Ellipsis),
    lambda L: (Ellipsis, [3, -4]),
    lambda L: ([1, 0], None, [2, 2]),
    lambda L: [True, False, True, True, False, True],  # bool lists are masks
    lambda L: (slice(None), [True, False, True, False, False]),
    lambda L: ([True, False, True, True, False, True], [0, 1, 2, 3]),
    lambda L: ([[True] * 5] * 6,),
    lambda L: [1.0, 2.0],                             # floats become int64, as in torch
    lambda L: (L.tensor([3, 0]), [1, 2]),             # mixed with tensors
    lambda L: ([3, 0], L.tensor([1, 2])),
    lambda L: (L.tensor([True, False, True, False, False, False]), [1, 2]),
    lambda L: np.array([1, 5]),
    lambda L: np.array([1, 5], dtype=np.int32),
    lambda L: np.array([1, 5], dtype=np.uint32),
    lambda L: (slice(None), np.array([True, False, True, False, True])),
    lambda L: (np.array(True), [0, 1]),
]


def _lists_base(dtype="float32"):
    return pair(make_array((6, 5, 4), dtype, 3))


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("k", range(len(LIST_INDICES)))
def test_list_getitem_matches_torch(k, dtype):
    jx, tx = _lists_base(dtype)
    f = LIST_INDICES[k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tx[f(torch)]
        for _ in range(2):  # NOTE: the second call takes the cached list-index plan
            jr = jx[f(jtorch)]
            assert_same(jr, tr)
            assert jr._base is None


@pytest.mark.parametrize("k", range(len(LIST_INDICES)))
def test_list_setitem_matches_torch(k):
    """Scalars, broadcast tensors and casts, written through list indices."""
    jx, tx = _lists_base()
    f = LIST_INDICES[k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = tuple(tx[f(torch)].shape)
        for v in (7.5, -2, True):
            jx[f(jtorch)] = v
            tx[f(torch)] = v
            assert_same(jx, tx)
        for vs in (shape, shape[1:], (1,) + shape[1:], (1,) * len(shape)):
            jv, tv = pair(make_array(vs, "float32", len(vs) + 7))
            jx[f(jtorch)] = jv
            tx[f(torch)] = tv
            assert_same(jx, tx)


def test_list_setitem_loop_and_views():
    """x[[i, j]] = v for many i, j; writes through a view land in its base."""
    a = np.arange(30.0, dtype=np.float32).reshape(6, 5)
    jx, tx = pair(a)
    jv, tv = pair(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]], np.float32))
    for i in range(6):
        j = (i + 2) % 6
        jx[[i, j]] = jv * i
        tx[[i, j]] = tv * i
        jx[:, [i % 5, -1]] = -float(i)
        tx[:, [i % 5, -1]] = -float(i)
        jx[[i], [j % 5]] = jtorch.tensor(0.5)
        tx[[i], [j % 5]] = torch.tensor(0.5)
    assert_same(jx, tx)
    jb, tb = pair(a)
    jw, tw = jb[1:5, ::2], tb[1:5, ::2]
    jw[[0, 3], [2, 1]] = 9.0
    tw[[0, 3], [2, 1]] = 9.0
    jw[[1, 2]] = jtorch.tensor([1.0, 2.0, 3.0])
    tw[[1, 2]] = torch.tensor([1.0, 2.0, 3.0])
    assert_same(jb, tb)
    assert_same(jw, tw)


LIST_ERRORS = [
    lambda L: [6],
    lambda L: [0, -7],
    lambda L: [[0, 1], [2, 9]],
    lambda L: (slice(None), [1, 5]),
    lambda L: (slice(None), [-6]),
    lambda L: ([0, 9], [7, 0]),                  # torch names the first bad element's index
    lambda L: ([0, 1], [7, 0]),
    lambda L: ([[0, 1], [9, 0]], [[0], [7]]),
    lambda L: (L.tensor([0, 9]), [7, 0]),
    lambda L: ([0, 9], L.tensor([7, 0])),
    lambda L: ([0, 1], [0, 1, 2]),               # indices that do not broadcast
    lambda L: ([0, 1], L.tensor([0, 1, 2])),
    lambda L: ([0, 1], slice(None), [0, 1, 2]),
    lambda L: [True, False],
    lambda L: [2 ** 63],
    lambda L: np.array([1, 6]),
    lambda L: (1, [5]),
    lambda L: (Ellipsis, [0, 4]),
    lambda L: ([True, False, True, True, False, True], [0, 1]),  # shapes in index order
    lambda L: (False, [0, 1]),
    lambda L: ([0, 1], None, L.tensor([True] * 5)),
]


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
@pytest.mark.parametrize("k", range(len(LIST_ERRORS)))
def test_list_index_errors_match_torch(k):
    f = LIST_ERRORS[k]
    jx, tx = _lists_base()
    for get in (lambda x, L: x[f(L)], lambda x, L: x.__setitem__(f(L), 1.0)):
        with pytest.raises(Exception) as et:
            get(tx, torch)
        before = jx.tolist()
        with pytest.raises(Exception) as ej:
            get(jx, jtorch)
        assert type(ej.value) is type(et.value), (ej.value, et.value)
        assert str(ej.value) == str(et.value)
        assert jx.tolist() == before  # NOTE: a failed write leaves x unchanged


def test_list_index_grads_match_torch():
    a = make_array((6, 5), "float32", 1)
    for i in range(6):
        for f in (lambda L: [i, 0], lambda L: (slice(None), [i % 5, 1, i % 5]),
                  lambda L: ([i, 0], [1, i % 5]), lambda L: ([[i], [0]], [1, 2])):
            jx, tx = pair(a, requires_grad=True)
            jr, tr = jx[f(jtorch)], tx[f(torch)]
            assert jr.grad_fn.name() == tr.grad_fn.name()
            jw, tw = pair(make_array(tuple(tr.shape), "float32", i))
            (jr * jw).sum().backward()
            (tr * tw).sum().backward()
            assert_same(jx.grad, tx.grad)
    # x[[i, 0]].sum() and a write through a list index, with a second-order graph
    jx, tx = pair(a, requires_grad=True)
    jg, = jtorch.autograd.grad((jx[[2, 0, 2]] ** 3).sum(), jx, create_graph=True)
    tg, = torch.autograd.grad((tx[[2, 0, 2]] ** 3).sum(), tx, create_graph=True)
    assert_same(jg, tg)
    assert_same(jtorch.autograd.grad(jg.sum(), jx)[0], torch.autograd.grad(tg.sum(), tx)[0])
    jv, tv = pair(make_array((5,), "float32", 2), requires_grad=True)
    jy, ty = jx * 1, tx * 1
    jy[[0, 3]] = jv * 2
    ty[[0, 3]] = tv * 2
    assert jy.grad_fn.name() == ty.grad_fn.name()
    (jy * jy).sum().backward()
    (ty * ty).sum().backward()
    assert_same(jx.grad, tx.grad)
    assert_same(jv.grad, tv.grad)


def _list_program_sizes():
    from jtorch.autograd import fused
    return (len(indexing._INDEX.cache), len(indexing._INDEX_HOST.cache),
            len(indexing._INDEX_PUT_DYN.cache), len(indexing._INDEX_PUT_HOST.cache),
            len(indexing._PLANS), len(fused._CACHE))


def test_list_indices_share_programs():
    """50 different index lists of each form: the program caches (and the plan cache) stop
    growing after the first of each form; values and grads match NumPy."""
    a = np.arange(64.0 * 8, dtype=np.float32).reshape(64, 8)
    x = jtorch.tensor(a)
    w = jtorch.tensor(a, requires_grad=True)
    v = jtorch.ones(2, 8)

    def step(i, j):
        assert x[[i, j]].tolist() == a[[i, j]].tolist()
        assert x[:, [i % 8, j % 8]].tolist() == a[:, [i % 8, j % 8]].tolist()
        assert x[[i, j], [j % 8, i % 8]].tolist() == a[[i, j], [j % 8, i % 8]].tolist()
        assert x[[i, 0], 3].tolist() == a[[i, 0], 3].tolist()
        x[[i, j]] = v * i
        a[[i, j]] = float(i)
        x[[i, 63], [j % 8, 0]] = -1.0
        a[[i, 63], [j % 8, 0]] = -1.0
        w.grad = None
        w[[i, 0]].sum().backward()
        g = np.zeros_like(a)
        np.add.at(g, [i, 0], 1.0)
        assert w.grad.tolist() == g.tolist()

    step(1, 2)
    step(3, 5)
    sizes = _list_program_sizes()
    for i in range(50):
        step(i, (i * 7 + 3) % 64)
    assert x.tolist() == a.tolist()
    assert _list_program_sizes() == sizes


def test_list_index_builds_no_index_tensor(monkeypatch):
    """A list index is never turned into a device tensor per call (the old path built one with
    jtorch.tensor -> jax.device_put, ~200 us)."""
    import jax
    from jtorch._ops import creation
    x = jtorch.randn(8, 6)
    v = jtorch.randn(2, 6)
    calls = []
    real_tensor, real_put = creation.tensor, jax.device_put
    monkeypatch.setattr(creation, "tensor", lambda *a, **k: calls.append(1) or real_tensor(*a, **k))
    monkeypatch.setattr(jax, "device_put", lambda *a, **k: calls.append(1) or real_put(*a, **k))
    for i in range(4):
        x[[i, 0]]
        x[:, [1, i]]
        x[[0, 1], [2, i]]
        x[[i, 2]] = v
        x[[True, False] * 4]
    assert calls == []
