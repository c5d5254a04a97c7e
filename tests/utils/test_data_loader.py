"""DataLoader in the main process (num_workers=0), differentially against torch's: the same
batches, structures, dtypes, lengths, warnings and errors."""
import warnings

import numpy as np
import pytest
import torch.utils.data as tud

import jtorch
import jtorch.utils.data as jud
from _harness import assert_same_raise, pair

from utils._data_worker_helpers import RichDataset
from utils.test_data_dataset import assert_same_batch


def both(dataset_j, dataset_t=None, **kw):
    """(jtorch batches, torch batches) of the same loader options."""
    dataset_t = dataset_j if dataset_t is None else dataset_t
    return list(jud.DataLoader(dataset_j, **kw)), list(tud.DataLoader(dataset_t, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None), dict(batch_size=4, collate_fn=len)])
def test_rich_dataset_sequential(kw):
    ds = RichDataset(7)
    jl, tl = jud.DataLoader(ds, **kw), tud.DataLoader(ds, **kw)
    assert len(jl) == len(tl)
    jb, tb = list(jl), list(tl)
    assert len(jb) == len(tb) == len(jl)
    assert_same_batch(jb, tb)


@pytest.mark.parametrize("bs,drop_last", [(1, False), (4, False), (4, True), (None, False)])
def test_tensor_dataset_batches(bs, drop_last):
    (jx, tx), (jy, ty) = pair(np.arange(20.0, dtype=np.float32).reshape(10, 2)), pair(np.arange(10))
    kw = dict(batch_size=bs, drop_last=drop_last)
    jb, tb = both(jud.TensorDataset(jx, jy), tud.TensorDataset(tx, ty), **kw)
    assert_same_batch(jb, tb)
    assert len(jud.DataLoader(jud.TensorDataset(jx, jy), **kw)) == \
        len(tud.DataLoader(tud.TensorDataset(tx, ty), **kw))


def test_sampler_batch_sampler_and_shuffle():
    ds = list(range(10))
    sampler = [9, 0, 4, 4, 2]
    assert_same_batch(*both(ds, batch_size=2, sampler=sampler))
    (jx, tx) = pair(np.arange(20.0).reshape(10, 2))
    assert_same_batch(*both(jud.TensorDataset(jx), tud.TensorDataset(tx), batch_size=2,
                            sampler=sampler))
    bsampler = [[1, 2], [7], [0, 3, 5]]
    assert_same_batch(*both(ds, batch_sampler=bsampler))
    assert_same_batch(*both(ds, batch_sampler=jud.BatchSampler(jud.SequentialSampler(ds), 3,
                                                                True)))
    g = jtorch.Generator().manual_seed(5)
    jl = jud.DataLoader(ds, batch_size=4, shuffle=True, generator=g)
    e1, e2 = [b.tolist() for b in jl], [b.tolist() for b in jl]
    assert sorted(sum(e1, [])) == sorted(sum(e2, [])) == ds and e1 != e2
    assert isinstance(jl.sampler, jud.RandomSampler) and jl.sampler.generator is g
    g2 = jtorch.Generator().manual_seed(5)
    assert [b.tolist() for b in jud.DataLoader(ds, batch_size=4, shuffle=True, generator=g2)] \
        == e1   # the same seed gives the same order


class _JStream(jud.IterableDataset):
    def __init__(self, n, report=None):
        self.n, self.report = n, report

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.report if self.report is not None else self.n


class _TStream(tud.IterableDataset):
    def __init__(self, n, report=None):
        self.n, self.report = n, report

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.report if self.report is not None else self.n


@pytest.mark.parametrize("kw", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None)])
def test_iterable_dataset(kw):
    jl, tl = jud.DataLoader(_JStream(7), **kw), tud.DataLoader(_TStream(7), **kw)
    assert len(jl) == len(tl)
    assert_same_batch(list(jl), list(tl))


def test_iterable_dataset_length_warning():
    msgs = []
    for mod, cls in ((jud, _JStream), (tud, _TStream)):
        loader = mod.DataLoader(cls(5, report=3), batch_size=None)
        assert len(loader) == 3
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = list(loader)
        assert len(out) == 5
        msgs.append([str(x.message).split(" was reported")[1] for x in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2


def _option_cases():
    it_j, it_t = _JStream(3), _TStream(3)
    return [
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
        (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive "
         "with batch_size, shuffle, sampler, and drop_last"),
        (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
        (dict(batch_size=0), "batch_size should be a positive integer value"),
        (dict(multiprocessing_context="spawn"), "multiprocessing_context can only be used"),
        (dict(num_workers=1, multiprocessing_context="nope"), "should specify a valid start"),
        (dict(num_workers=1, multiprocessing_context=3), "should be a valid context object"),
        ((it_j, it_t, dict(shuffle=True)), "expected unspecified shuffle option"),
        ((it_j, it_t, dict(sampler=[0])), "expected unspecified sampler option"),
        ((it_j, it_t, dict(batch_sampler=[[0]])), "expected unspecified batch_sampler option"),
    ]


@pytest.mark.parametrize("case", range(len(_option_cases())))
def test_conflicting_options_errors(case):
    kw, match = _option_cases()[case]
    dj = dt = list(range(4))
    if isinstance(kw, tuple):
        dj, dt, kw = kw
    assert_same_raise(lambda: jud.DataLoader(dj, **kw), lambda: tud.DataLoader(dt, **kw), match)


def test_attributes_and_setattr_guard():
    jl, tl = jud.DataLoader(range(5), batch_size=2), tud.DataLoader(range(5), batch_size=2)
    for name in ("batch_size", "drop_last", "num_workers", "timeout", "prefetch_factor",
                 "persistent_workers", "in_order", "pin_memory"):
        assert getattr(jl, name) == getattr(tl, name), name
    assert jl.collate_fn is jud.default_collate
    assert jud.DataLoader(range(5), batch_size=None).collate_fn is jud.default_convert
    assert jud.DataLoader(range(5), num_workers=2).prefetch_factor == 2
    for attr in ("batch_size", "sampler", "dataset", "drop_last"):
        assert_same_raise(lambda: setattr(jl, attr, 1), lambda: setattr(tl, attr, 1),
                          f"{attr} attribute should not be set after DataLoader is initialized")
    jl.num_workers = 0   # other attributes stay settable


def test_errors_propagate_in_main_process():
    assert_same_raise(lambda: iter(jud.DataLoader(range(3), timeout=1)),
                      lambda: iter(tud.DataLoader(range(3), timeout=1)), "requires timeout == 0")
    ds = [np.zeros(2), np.zeros(3)]
    assert_same_raise(lambda: list(jud.DataLoader(ds, batch_size=2)),
                      lambda: list(tud.DataLoader(ds, batch_size=2)), "stack expects each tensor")
    assert_same_raise(lambda: list(jud.DataLoader([object()], batch_size=1)),
                      lambda: list(tud.DataLoader([object()], batch_size=1)), "default_collate")


def test_pin_memory_accepted_and_iterator_len():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = list(jud.DataLoader(list(range(4)), batch_size=2, pin_memory=True))
    assert [b.tolist() for b in out] == [[0, 1], [2, 3]]
    if not jtorch.cuda.is_available():
        assert any("pin_memory" in str(x.message) for x in w)
    it = iter(jud.DataLoader(list(range(5)), batch_size=2))
    assert len(it) == 3
    with pytest.raises(NotImplementedError):
        import pickle
        pickle.dumps(it)


def test_tqdm_uses_len():
    tqdm = pytest.importorskip("tqdm", reason="tqdm is not installed").tqdm
    import io
    bar = tqdm(jud.DataLoader(list(range(10)), batch_size=3), file=io.StringIO())
    assert bar.total == 4
    assert len(list(bar)) == 4
