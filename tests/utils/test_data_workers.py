"""DataLoader with worker processes (num_workers > 0): the same batches as torch's, worker info
and seeding, worker errors re-raised with their traceback, dead and hung workers detected.

NOTE: each loader starts real processes ('spawn' by default, about a second each), so the tests
share loaders and stay few.
"""
import threading
import time

import numpy as np
import pytest
import torch.utils.data as tud

import jtorch
import jtorch.utils.data as jud
from _harness import pair

from utils import _data_worker_helpers as H
from utils.test_data_dataset import COLLATE_BATCHES, CONVERT_DATA, assert_same_batch


def test_map_dataset_two_workers_persistent_matches_torch():
    ds = H.RichDataset(10)
    jl = jud.DataLoader(ds, batch_size=3, num_workers=2, persistent_workers=True)
    want = list(tud.DataLoader(ds, batch_size=3))
    assert len(jl) == len(want) == 4
    first = list(jl)
    workers = [w.pid for w in jl._iterator._workers]
    second = list(jl)   # persistent: the same worker processes serve the second epoch
    assert [w.pid for w in jl._iterator._workers] == workers
    assert all(w.is_alive() for w in jl._iterator._workers)
    assert_same_batch(first, want)
    assert_same_batch(second, want)
    jl._iterator._shutdown_workers()
    assert not any(w.is_alive() for w in jl._iterator._workers)


def test_tensor_dataset_workers_out_of_order_and_no_jax_in_workers():
    (jx, tx), (jy, ty) = pair(np.arange(22.0, dtype=np.float32).reshape(11, 2)), pair(np.arange(11))
    jl = jud.DataLoader(jud.TensorDataset(jx, jy), batch_size=4, num_workers=2, in_order=False,
                        prefetch_factor=1)
    got = sorted(list(jl), key=lambda b: b[1][0].item())
    assert_same_batch(got, list(tud.DataLoader(tud.TensorDataset(tx, ty), batch_size=4)))
    # A NumPy-only dataset: its workers import neither jax nor jtorch (nor torch).
    probe = jud.DataLoader(H.ModulesProbe(), batch_size=3, num_workers=2,
                           collate_fn=H.sum_collate, multiprocessing_context="forkserver")
    assert list(probe) == [{"sum": 0, "n": 3}, {"sum": 0, "n": 3}]


def test_iterable_dataset_worker_info_init_fn_and_seeds():
    from utils._data_jt_helpers import ShardedInfoStream, tag_worker
    from jtorch.utils.data.sampler import _random_seed
    g = jtorch.Generator().manual_seed(123)
    loader = jud.DataLoader(ShardedInfoStream(3, 10), batch_size=None, num_workers=2,
                            worker_init_fn=tag_worker, generator=g, persistent_workers=True)
    rows = list(loader)
    # a second epoch from the same (persistent) workers; NumPy's stream continues there
    assert sorted(r[:6] for r in loader) == sorted(r[:6] for r in rows)
    loader._iterator._shutdown_workers()
    base_seed = _random_seed(jtorch.Generator().manual_seed(123))
    assert sorted(r[0] for r in rows) == list(range(3, 10))   # each value exactly once
    by_worker = {r[1]: r for r in rows}
    assert set(by_worker) == {0, 1}
    for wid, r in by_worker.items():
        assert r[2:6] == [2, base_seed + wid, "ShardedInfoStream", 100 + wid]
        assert r[7] == "cpu"   # workers keep JAX off accelerators
    assert by_worker[0][6] != by_worker[1][6]   # NumPy seeded per worker
    assert jud.get_worker_info() is None         # main process


def test_worker_exception_reraised_with_traceback():
    it = iter(jud.DataLoader(H.RaisingDataset(8, bad=5), batch_size=2, num_workers=2))
    with pytest.raises(ValueError) as ei:
        list(it)
    it._shutdown_workers()
    msg = str(ei.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):")
    assert "bad sample 5" in msg and "_data_worker_helpers.py" in msg


def test_reraise_formats_like_torch():
    from torch._utils import ExceptionWrapper
    from jtorch.utils.data._mp_iter import _reraise
    import pickle
    import traceback
    for exc in (KeyError("k"), ValueError("v"), OSError(2, "x")):
        try:
            raise exc
        except Exception:
            tw = ExceptionWrapper(where="in DataLoader worker process 1")
            text = traceback.format_exc()
        with pytest.raises(type(exc)) as tj:
            _reraise("in DataLoader worker process 1", pickle.dumps(type(exc)),
                     type(exc).__name__, text)
        with pytest.raises(type(exc)) as tt:
            tw.reraise()
        assert str(tj.value) == str(tt.value)


def test_dead_worker_raises_promptly():
    loader = jud.DataLoader(H.DyingDataset(8, bad=3), batch_size=1, num_workers=2)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        list(loader)
    assert time.monotonic() - start < 60


def test_timeout_and_unpicklable_dataset():
    loader = jud.DataLoader(H.SlowDataset(4, slow=1, seconds=4), batch_size=1, num_workers=1,
                            timeout=1.0)
    it = iter(loader)
    assert next(it).tolist() == [0]
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 1.0 seconds"):
        next(it)
    assert time.monotonic() - start < 10
    it._shutdown_workers()
    assert not any(w.is_alive() for w in it._workers)

    class Unpicklable:   # fails in this process, before any worker starts
        def __init__(self):
            self.lock = threading.Lock()

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="pickle"):
        list(jud.DataLoader(Unpicklable(), num_workers=1))


def test_numpy_worker_seed_matches_torch():
    from torch.utils.data._utils.worker import _generate_state as t_state
    from jtorch.utils.data._worker import _generate_state as j_state
    for seed, wid in ((0, 0), (123456789012345, 1), ((1 << 63) - 5, 7)):
        assert j_state(seed, wid) == t_state(seed, wid)


@pytest.mark.parametrize("batch", COLLATE_BATCHES + [[H.RichDataset()[i] for i in range(3)]])
def test_worker_numpy_mode_collate_matches_torch(batch):
    """What a worker's default_collate sends (NumPy leaves, pickled) unpickles here as torch's
    default_collate result (checked in-process: no worker needed)."""
    import pickle
    from jtorch.utils.data import _worker
    sent = _worker._dumps(_worker.np_default_collate(batch))
    assert_same_batch(pickle.loads(sent), tud.default_collate(batch))


@pytest.mark.parametrize("data", CONVERT_DATA)
def test_worker_numpy_mode_convert_matches_torch(data):
    import pickle
    from jtorch.utils.data import _worker
    assert_same_batch(pickle.loads(pickle.dumps(_worker.np_default_convert(data))),
                      tud.default_convert(data))


def test_started_workers_skip_main_module_and_main_classes_go_back_by_name():
    """In-process parts of "workers never re-run the script" (the scripts themselves run in
    test_data_workers_main.py): the preparation data spawned workers get names no main module
    (only for the thread starting them), and a class the worker has only by value (cloudpickle's
    copy of one defined in the parent's __main__) pickles as a reference to the parent's."""
    import multiprocessing.spawn as mp_spawn
    import pickle
    import sys
    from jtorch.utils.data import _mp_iter, _worker
    main_keys = {"init_main_from_path", "init_main_from_name"}
    original = mp_spawn.get_preparation_data
    other = []
    with _mp_iter._fresh_workers():
        assert not main_keys & set(mp_spawn.get_preparation_data("w"))
        t = threading.Thread(target=lambda: other.append(mp_spawn.get_preparation_data("w")))
        t.start()
        t.join()
    assert mp_spawn.get_preparation_data is original
    assert other[0] == original("w")

    copy = type("ZzMainOnly", (tuple,), {"__module__": "__main__"})   # the worker's copy
    sent = _worker._dumps([copy((1, 2))])
    with pytest.raises(pickle.UnpicklingError, match="__main__.ZzMainOnly"):
        pickle.loads(sent)
    own = type("ZzMainOnly", (tuple,), {"__module__": "__main__"})    # the parent's class
    main = sys.modules["__main__"]
    main.ZzMainOnly = own
    try:
        got = pickle.loads(sent)
    finally:
        del main.ZzMainOnly
    assert type(got[0]) is own and got[0] == (1, 2)
