"""Where an eager training step's time goes on a device: `python tools/eager_profile.py [cuda]`.

The benchmarks' 784-256-256-10 MLP, batch 64, Adam: per-phase medians (forward + loss, backward,
optimizer step) with a device sync after each, the whole step's median, where Adam's state lives,
and a cProfile of whole steps (the functions with the most own time).
"""
import cProfile
import os
import pstats
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jtorch  # noqa: E402
from benchmarks.compile_step import _data, _mlp_adam  # noqa: E402


def _sync(t):
    t._a.block_until_ready()


def main(dev):
    xa, ya = _data()
    x, y = jtorch.tensor(xa, device=dev), jtorch.tensor(ya, device=dev)
    model, opt = _mlp_adam(jtorch, dev)
    p0 = next(model.parameters())

    def step(phases=None):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = jtorch.nn.functional.cross_entropy(model(x), y)
        if phases is not None:
            _sync(loss)
            t1 = time.perf_counter()
        loss.backward()
        if phases is not None:
            _sync(p0.grad)
            t2 = time.perf_counter()
        opt.step()
        if phases is not None:
            _sync(p0)
            phases.append((t1 - t0, t2 - t1, time.perf_counter() - t2))
        return loss

    for _ in range(10):
        _sync(step())
    phases = []
    for _ in range(200):
        step(phases)
    print("median us: forward+loss %.1f, backward %.1f, optimizer %.1f"
          % tuple(1e6 * np.median(phases, 0)))
    ts = []
    for _ in range(200):
        t0 = time.perf_counter()
        _sync(step())
        ts.append(time.perf_counter() - t0)
    print("whole step median us: %.1f" % (1e6 * np.median(ts)))
    st = opt.state[p0]
    print("Adam state devices: step", st["step"].device, "exp_avg", st["exp_avg"].device)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(200):
        _sync(step())
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cpu")
