"""torch.utils.data datasets, random_split, samplers and default_collate/default_convert,
differentially against real torch."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import jtorch
import jtorch.utils.data as jud
from _harness import assert_same, assert_same_raise, pair

from utils._data_worker_helpers import Point, RichDataset


def assert_same_batch(jt, t, where="batch"):
    """Same nested structure (container types included), tensors equal with the same dtype."""
    if isinstance(t, torch.Tensor):
        assert_same(jt, t, where=f"{where}: ")
    elif isinstance(t, np.ndarray):
        assert isinstance(jt, np.ndarray) and jt.dtype == t.dtype and np.array_equal(jt, t), where
    elif isinstance(t, dict):
        assert type(jt) is type(t) and list(jt) == list(t), f"{where}: {jt!r} vs {t!r}"
        for k in t:
            assert_same_batch(jt[k], t[k], f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(jt) is type(t), f"{where}: type {type(jt).__name__} != {type(t).__name__}"
        assert len(jt) == len(t), where
        for i, (a, b) in enumerate(zip(jt, t)):
            assert_same_batch(a, b, f"{where}[{i}]")
    else:
        assert type(jt) is type(t) and jt == t, f"{where}: {jt!r} vs {t!r}"


# ---- datasets ----------------------------------------------------------------------------------

def test_tensor_dataset_items_and_len():
    a = np.arange(12.0, dtype=np.float32).reshape(6, 2)
    (ja, ta), (jb, tb) = pair(a), pair(np.arange(6))
    jds, tds = jud.TensorDataset(ja, jb), tud.TensorDataset(ta, tb)
    assert len(jds) == len(tds) == 6
    for i in (0, 3, -1, np.int64(2)):
        assert_same(jds[i], tds[i])
    assert_same(jds[1:4], tds[1:4])
    assert_same_raise(lambda: jud.TensorDataset(ja, jb[:3]), lambda: tud.TensorDataset(ta, tb[:3]),
                      "Size mismatch between tensors")


def test_concat_subset_stack_datasets():
    ja, ta = pair(np.arange(5.0))
    jd, td = jud.TensorDataset(ja), tud.TensorDataset(ta)
    jc, tc = jd + jd, td + td
    assert isinstance(jc, jud.ConcatDataset) and len(jc) == len(tc) == 10
    assert jc.cumulative_sizes == tc.cumulative_sizes == [5, 10]
    for i in (0, 4, 5, 9, -1, -10):
        assert_same(jc[i], tc[i])
    assert_same_raise(lambda: jc[-11], lambda: tc[-11], "should not exceed dataset length")
    assert_same_raise(lambda: jud.ConcatDataset([]), lambda: tud.ConcatDataset([]))
    js, ts = jud.Subset(jd, [4, 0, 2]), tud.Subset(td, [4, 0, 2])
    assert len(js) == len(ts) == 3
    assert_same(js[0], ts[0])
    assert_same(js.__getitems__([2, 1]), ts.__getitems__([2, 1]))
    jst, tst = jud.StackDataset(jd, jd), tud.StackDataset(td, td)
    assert len(jst) == len(tst) == 5
    assert_same(jst[3], tst[3])
    assert_same(jst.__getitems__([0, 2]), tst.__getitems__([0, 2]))
    jkw, tkw = jud.StackDataset(a=jd, b=range(5)), tud.StackDataset(a=td, b=range(5))
    assert_same(jkw[1], tkw[1])
    assert_same(jkw.__getitems__([1, 4]), tkw.__getitems__([1, 4]))
    assert_same_raise(lambda: jud.StackDataset(jd, range(3)),
                      lambda: tud.StackDataset(td, range(3)),
                      "Size mismatch between datasets")
    assert_same_raise(lambda: jud.StackDataset(), lambda: tud.StackDataset(),
                      "At least one dataset should be passed")
    assert_same_raise(lambda: jud.StackDataset(jd, b=jd), lambda: tud.StackDataset(td, b=td))

    class BadSubset(jud.Subset):
        def __getitem__(self, i):
            return 0

    class TBadSubset(tud.Subset):
        def __getitem__(self, i):
            return 0

    assert_same_raise(lambda: BadSubset(jd, [0]), lambda: TBadSubset(td, [0]),
                      "overrides __getitem__ but not __getitems__")


class _JIter(jud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class _TIter(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_iterable_and_chain_datasets():
    jch, tch = _JIter(2) + _JIter(3), _TIter(2) + _TIter(3)
    assert isinstance(jch, jud.ChainDataset)
    assert list(jch) == list(tch) == [0, 1, 0, 1, 2]
    assert len(jch) == len(tch) == 5
    assert_same_raise(lambda: list(jud.ChainDataset([range(3)])),
                      lambda: list(tud.ChainDataset([range(3)])), "only supports IterableDataset")
    assert_same_raise(lambda: jud.ConcatDataset([_JIter(2)]),
                      lambda: tud.ConcatDataset([_TIter(2)]),
                      "does not support IterableDataset")
    assert_same_raise(lambda: jud.Dataset()[0], lambda: tud.Dataset()[0])


# ---- random_split ------------------------------------------------------------------------------

@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [1.0, 0.0]])
def test_random_split_lengths(lengths):
    with warnings.catch_warnings(record=True) as jw:
        warnings.simplefilter("always")
        js = jud.random_split(range(10), lengths, generator=jtorch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        ts = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in js] == [len(s) for s in ts]
    assert [str(w.message) for w in jw] == [str(w.message) for w in tw]
    flat = [i for s in js for i in s]
    assert sorted(flat) == list(range(10))   # a partition of the dataset
    assert all(isinstance(s, jud.Subset) for s in js)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = jud.random_split(range(10), lengths, generator=jtorch.Generator().manual_seed(0))
    assert [list(s) for s in again] == [list(s) for s in js]   # seeded: reproducible


def test_random_split_errors():
    assert_same_raise(lambda: jud.random_split(range(10), [3, 3]),
                      lambda: tud.random_split(range(10), [3, 3]),
                      "Sum of input lengths does not equal")
    assert_same_raise(lambda: jud.random_split(range(10), [1.5, -0.5]),
                      lambda: tud.random_split(range(10), [1.5, -0.5]),
                      "Fraction at index 0 is not between 0 and 1")


# ---- samplers ----------------------------------------------------------------------------------

def test_sequential_and_batch_samplers():
    assert list(jud.SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for bs in (1, 2, 3, 5, 7):
        for dl in (False, True):
            jb = jud.BatchSampler(jud.SequentialSampler(range(5)), bs, dl)
            tb = tud.BatchSampler(tud.SequentialSampler(range(5)), bs, dl)
            assert list(jb) == list(tb) and len(jb) == len(tb)
    for bad in (0, -1, True, 2.0):
        assert_same_raise(lambda: jud.BatchSampler(range(3), bad, False),
                          lambda: tud.BatchSampler(range(3), bad, False), "batch_size should be")
    assert_same_raise(lambda: jud.BatchSampler(range(3), 2, 1),
                      lambda: tud.BatchSampler(range(3), 2, 1), "drop_last should be")


@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 13), (True, None),
                                                     (True, 40)])
def test_random_sampler(replacement, num_samples):
    js = jud.RandomSampler(range(6), replacement, num_samples,
                           generator=jtorch.Generator().manual_seed(3))
    ts = tud.RandomSampler(range(6), replacement, num_samples)
    out = list(js)
    assert len(js) == len(ts) == len(out) == len(list(ts))
    assert all(isinstance(i, int) and 0 <= i < 6 for i in out)
    if not replacement:
        n = len(out)
        assert sorted(out[:6]) == list(range(6))   # each full pass is a permutation
        assert len(set(out[6 * (n // 6):])) == n % 6
    js2 = jud.RandomSampler(range(6), replacement, num_samples,
                            generator=jtorch.Generator().manual_seed(3))
    assert list(js2) == out
    assert sorted(list(jud.RandomSampler(range(6)))) == list(range(6))   # default generator


def test_random_sampler_errors():
    assert_same_raise(lambda: jud.RandomSampler(range(3), replacement=1),
                      lambda: tud.RandomSampler(range(3), replacement=1), "replacement should be")
    assert_same_raise(lambda: jud.RandomSampler(range(3), num_samples=0),
                      lambda: tud.RandomSampler(range(3), num_samples=0), "num_samples should be")


def test_subset_and_weighted_samplers():
    g = jtorch.Generator().manual_seed(1)
    idx = [10, 20, 30, 40]
    js = jud.SubsetRandomSampler(idx, generator=g)
    assert sorted(js) == idx and len(js) == len(tud.SubsetRandomSampler(idx)) == 4
    w = [0.0, 1.0, 0.0, 3.0]
    jw = jud.WeightedRandomSampler(w, 50, generator=g)
    tw = tud.WeightedRandomSampler(w, 50)
    out = list(jw)
    assert len(out) == len(jw) == len(tw) == 50 and set(out) <= {1, 3}
    assert_same(jw.weights, tw.weights)
    nr = list(jud.WeightedRandomSampler(w, 2, replacement=False, generator=g))
    assert sorted(nr) == [1, 3]
    for args in ((w, 0), (w, True), (w, 2, 1), ([[1.0, 2.0]], 2)):
        assert_same_raise(lambda: jud.WeightedRandomSampler(*args),
                          lambda: tud.WeightedRandomSampler(*args))


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 4, False),
                                                  (8, 4, True)])
def test_distributed_sampler_unshuffled_matches_torch(n, replicas, drop_last):
    for rank in range(replicas):
        js = jud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        ts = tud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(js) == list(ts) and len(js) == len(ts)
        assert (js.num_samples, js.total_size) == (ts.num_samples, ts.total_size)


def test_distributed_sampler_shuffle_and_errors():
    ranks = [jud.DistributedSampler(range(12), 3, r, seed=7) for r in range(3)]
    parts = [list(s) for s in ranks]
    assert sorted(sum(parts, [])) == list(range(12))   # ranks partition one permutation
    assert [list(s) for s in ranks] == parts            # same epoch: same order
    for s in ranks:
        s.set_epoch(1)
    new = [list(s) for s in ranks]
    assert sorted(sum(new, [])) == list(range(12)) and new != parts
    assert_same_raise(lambda: jud.DistributedSampler(range(4), 2, 2),
                      lambda: tud.DistributedSampler(range(4), 2, 2), "Invalid rank 2")
    assert_same_raise(lambda: jud.DistributedSampler(range(4)),
                      lambda: tud.DistributedSampler(range(4)),
                      "Default process group has not been initialized")


# ---- default_collate / default_convert -------------------------------------------------------

def test_default_collate_rich_structures():
    ds = RichDataset(4)
    batch = [ds[i] for i in range(4)]
    assert_same_batch(jud.default_collate(batch), tud.default_collate(batch))


COLLATE_BATCHES = [
    [1, 2, 3], [True, False], [1.5, 2.0], [True, 2], [1, 2.5], ["a", "b"], [b"a", b"b"],
    [np.float16(1), np.float16(2)], [np.int32(1), np.int32(2)], [np.float32(1), np.float64(2)],
    [np.int32(1), np.float32(2)], [np.uint8(3), np.int8(4)], [np.str_("a"), np.str_("b")],
    [np.zeros((2, 3), np.int16), np.ones((2, 3), np.int16)], [np.zeros(2, np.bool_)] * 2,
    [np.zeros(2, np.int32), np.ones(2, np.float32)],
    [(1, "a"), (2, "b")], [[1, 2.0], [3, 4.0]], [Point(1, 2.0), Point(3, 4.0)],
    [{"a": [1, 2]}, {"a": [3, 4]}], [collections.OrderedDict(z=1, a=2)] * 2,
]
CONVERT_DATA = [
    np.float32(3), np.arange(3), np.array(["a", "b"]), np.str_("s"), 5, 2.5, "s",
    (1, np.zeros(2)), [np.ones(2, np.int8), "x"], {"a": np.int64(1), "b": (np.zeros(1),)},
    Point(np.zeros(1), 2), collections.OrderedDict(k=np.ones(1)),
]


@pytest.mark.parametrize("batch", COLLATE_BATCHES)
def test_default_collate_values_and_dtypes(batch):
    assert_same_batch(jud.default_collate(batch), tud.default_collate(batch))


def test_default_collate_tensors():
    ja, ta = pair(np.arange(6.0, dtype=np.float32).reshape(3, 2))
    jb, tb = pair(np.arange(3))
    jbatch = [(ja[i], jb[i]) for i in range(3)]
    tbatch = [(ta[i], tb[i]) for i in range(3)]
    assert_same_batch(jud.default_collate(jbatch), tud.default_collate(tbatch))
    assert_same_batch(jud.default_convert(jbatch), tud.default_convert(tbatch))


@pytest.mark.parametrize("batch", [
    [object(), object()], [None, None], [np.zeros(2), np.zeros(3)], [[1, 2], [1]],
    [np.array(["a"]), np.array(["b"])], [{"a": 1}, {"b": 1}], [],
])
def test_default_collate_errors(batch):
    assert_same_raise(lambda: jud.default_collate(batch), lambda: tud.default_collate(batch))


def test_default_collate_tensor_size_mismatch():
    (j2, t2), (j3, t3) = pair(np.zeros(2)), pair(np.zeros(3))
    assert_same_raise(lambda: jud.default_collate([j2, j3]), lambda: tud.default_collate([t2, t3]),
                      r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and "
                      r"\[3\] at entry 1")


@pytest.mark.parametrize("data", CONVERT_DATA)
def test_default_convert(data):
    assert_same_batch(jud.default_convert(data), tud.default_convert(data))


def test_collate_fn_map_extension():
    from jtorch.utils.data._utils.collate import collate, default_collate_fn_map
    from torch.utils.data._utils.collate import collate as tcollate
    from torch.utils.data._utils.collate import default_collate_fn_map as tmap

    class Box:
        def __init__(self, v):
            self.v = v

    def box_fn(batch, *, collate_fn_map=None):
        return sum(b.v for b in batch)

    batch = [{"b": Box(1), "x": 1}, {"b": Box(2), "x": 2}]
    jout = collate(batch, collate_fn_map={**default_collate_fn_map, Box: box_fn})
    tout = tcollate(batch, collate_fn_map={**tmap, Box: box_fn})
    assert_same_batch(jout, tout)
