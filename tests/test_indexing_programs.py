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
