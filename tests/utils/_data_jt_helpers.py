"""An IterableDataset for the worker tests; it imports jtorch (so its workers do too)."""
import os

import numpy as np

from jtorch.utils.data import IterableDataset, get_worker_info


class ShardedInfoStream(IterableDataset):
    """range(start, end) split across workers with get_worker_info(); each sample also reports
    (worker id, num_workers, seed, dataset type, worker_init_fn's tag, NumPy's first draw,
    JAX_PLATFORMS)."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            yield from ((v, -1, 0, 0, "", None, 0, None) for v in range(self.start, self.end))
            return
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        first_draw = int(np.random.randint(0, 2 ** 31))
        for v in range(lo, min(lo + per, self.end)):
            yield (v, info.id, info.num_workers, info.seed, type(info.dataset).__name__,
                   getattr(info.dataset, "init_tag", None), first_draw,
                   os.environ.get("JAX_PLATFORMS"))

    def __len__(self):
        return self.end - self.start


def tag_worker(worker_id):
    """worker_init_fn: mark this worker's copy of the dataset."""
    get_worker_info().dataset.init_tag = 100 + worker_id
