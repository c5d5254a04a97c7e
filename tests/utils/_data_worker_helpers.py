"""Datasets for the DataLoader tests, at module level so spawned workers can unpickle them.

NOTE: this module imports only the standard library and NumPy, so a worker that unpickles these
datasets imports neither torch nor jtorch (spawning stays cheap).
"""
import collections
import os

import numpy as np

Point = collections.namedtuple("Point", ["x", "y"])


class RichDataset:
    """Samples mixing every type default_collate handles."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"arr": np.arange(3, dtype=np.float32) + i,
                "i64": np.int64(i), "f32": np.float32(i / 2), "b": np.bool_(i % 2),
                "int": i, "float": i * 0.5, "bool": bool(i % 3), "str": f"s{i}", "bytes": b"x",
                "pt": Point(i, [i, np.float64(i)]), "tup": (i, "t")}


class RaisingDataset:
    """Raises ValueError (or KeyError) at index `bad`."""

    def __init__(self, n=8, bad=5, exc="value"):
        self.n, self.bad, self.exc = n, bad, exc

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            if self.exc == "key":
                raise KeyError("missing key 5")
            raise ValueError(f"bad sample {i}")
        return np.float32(i)


class DyingDataset:
    """Kills its worker process at index `bad` (as a segfault or the OOM killer would)."""

    def __init__(self, n=8, bad=3):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            os._exit(3)
        return np.int64(i)


class SlowDataset:
    """Sleeps at index `slow` (for the timeout test)."""

    def __init__(self, n=4, slow=1, seconds=30.0):
        self.n, self.slow, self.seconds = n, slow, seconds

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.slow:
            import time
            time.sleep(self.seconds)
        return i


def sum_collate(batch):
    """A custom collate_fn that returns plain Python data."""
    return {"sum": sum(batch), "n": len(batch)}


class ModulesProbe:
    """Samples say whether the loading process has imported jax/jtorch/torch (1/10/100)."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        import sys
        return int("jax" in sys.modules) + 10 * int("jtorch" in sys.modules) + \
            100 * int("torch" in sys.modules)
