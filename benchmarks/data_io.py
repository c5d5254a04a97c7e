"""Checkpoints and data loading vs torch: save/load of a 100 MB state_dict, and DataLoader
throughput over 10,000 small samples with 0 and 2 worker processes (aim: <= 1.5x torch).

Each row times whole operations (one save, one load, one epoch), best of a few repetitions taken
alternately for torch and jtorch, since one operation takes 0.1-3 s.
"""
import os
import tempfile
import time

import numpy as np

NAME = "data"
N_SAMPLES, BATCH = 10_000, 64


def _alternate(fns, reps):
    """Best time (us) of each callable over `reps` alternating rounds."""
    best = {k: float("inf") for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            best[k] = min(best[k], time.perf_counter() - t0)
    return {k: v * 1e6 for k, v in best.items()}


def _row(name, size, res, bar=1.5, note=None):
    return {"name": name, "size": size, "bar": bar, "bar_vs": "torch", "note": note,
            "jtorch_us": res["jtorch"], "jax_us": None, "torch_us": res["torch"],
            "ratios": {"jax": None, "torch": res["jtorch"] / res["torch"]}}


def _epoch(loader):
    n = 0
    for xb, _ in loader:
        n += len(xb)
    assert n == N_SAMPLES


def run(quick=False):
    import torch
    import torch.utils.data as tud

    import jtorch
    import jtorch.utils.data as jud

    reps = 2 if quick else 4
    rows = []
    rng = np.random.default_rng(0)
    arrs = {f"layer{i}.weight": rng.standard_normal((512, 1024), dtype=np.float32)
            for i in range(50)}  # 50 x 2 MB = 100 MB
    tsd = {k: torch.from_numpy(v.copy()) for k, v in arrs.items()}
    jsd = {k: jtorch.tensor(v) for k, v in arrs.items()}
    with tempfile.TemporaryDirectory() as d:
        tp, jp = os.path.join(d, "t.pt"), os.path.join(d, "j.pt")
        res = _alternate({"torch": lambda: torch.save(tsd, tp),
                          "jtorch": lambda: jtorch.save(jsd, jp)}, reps)
        rows.append(_row("save state_dict", "100 MB", res))
        res = _alternate({"torch": lambda: torch.load(tp), "jtorch": lambda: jtorch.load(jp)},
                         reps)
        rows.append(_row("load state_dict", "100 MB", res))

    xs = rng.standard_normal((N_SAMPLES, 16), dtype=np.float32)
    ys = rng.integers(0, 10, N_SAMPLES)
    tds = tud.TensorDataset(torch.from_numpy(xs), torch.from_numpy(ys))
    jds = jud.TensorDataset(jtorch.tensor(xs), jtorch.tensor(ys))
    size = f"{N_SAMPLES} x 16 b{BATCH}"
    res = _alternate({"torch": lambda: _epoch(tud.DataLoader(tds, batch_size=BATCH, shuffle=True)),
                      "jtorch": lambda: _epoch(jud.DataLoader(jds, batch_size=BATCH,
                                                              shuffle=True))}, reps)
    rows.append(_row("DataLoader 0 workers", size, res))
    tl = tud.DataLoader(tds, batch_size=BATCH, shuffle=True, num_workers=2,
                        persistent_workers=True)
    jl = jud.DataLoader(jds, batch_size=BATCH, shuffle=True, num_workers=2,
                        persistent_workers=True)
    _epoch(tl), _epoch(jl)  # NOTE: start-up excluded: steady-state epochs of live workers
    res = _alternate({"torch": lambda: _epoch(tl), "jtorch": lambda: _epoch(jl)}, reps)
    rows.append(_row("DataLoader 2 workers (persistent)", size, res))
    del tl, jl
    res = _alternate({"torch": lambda: _epoch(tud.DataLoader(tds, batch_size=BATCH,
                                                             num_workers=2)),
                      "jtorch": lambda: _epoch(jud.DataLoader(jds, batch_size=BATCH,
                                                              num_workers=2))}, 1 if quick else 2)
    rows.append(_row("DataLoader 2 workers (fresh, incl. start)", size, res,
                     note="jtorch workers start with spawn (torch forks): start-up dominates"))
    return rows
