"""Indexing with many different ints/slice starts reuses one compiled program (no per-index
compile), for reads, writes and reads of views after their base changed."""
import jtorch
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
    import numpy as np
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
