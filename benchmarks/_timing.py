"""Timing methodology shared by the benchmark modules.

Rules (every module uses `compare` so that all numbers in one table are taken the same way):

* Each implementation is a zero-argument callable doing ONE op and waiting for its result: JAX
  and jtorch callables call `.block_until_ready()` on the result array inside the callable (so
  inside every timed repetition); torch on CPU is synchronous. Async dispatch cannot hide work.
* Warm up first (the first call compiles; later warm-up calls fill caches), then estimate each
  callable's cost to size the measurement.
* Measure in interleaved rounds: round r runs A, B, C (each a short burst of individually timed
  repetitions), round r+1 runs B, C, A, and so on, so slow phases of a shared, noisy machine hit
  every implementation alike instead of whichever happened to be timed in that block.
* Report the MEDIAN of the individual per-op times, in microseconds (robust to outliers from
  other processes, GC and OS scheduling). The cyclic GC is off while a round runs (as in `timeit`).

Per-repetition timing adds the cost of one `perf_counter_ns` pair plus one Python call (~0.1 us,
see `timer_overhead_us`) to every sample equally; it is not subtracted.
"""
import gc
import statistics
import time

__all__ = ["compare", "timer_overhead_us", "Budget"]

_now = time.perf_counter_ns


class Budget:
    """Time to spend per comparison: warm-up and measurement seconds, and sample-count bounds."""

    def __init__(self, quick=False):
        if quick:
            self.warmup_s, self.measure_s = 0.03, 0.25
            self.min_samples, self.max_samples = 15, 2000
        else:
            self.warmup_s, self.measure_s = 0.15, 2.5
            self.min_samples, self.max_samples = 60, 20000
        self.burst_s = 0.002  # time of one burst (one implementation's slot in a round)
        self.min_warmup_calls = 3


def _estimate(fn, seconds, min_calls):
    """Warm `fn` up for about `seconds` (at least `min_calls` calls); return its median cost (ns)."""
    samples = []
    deadline = _now() + int(seconds * 1e9)
    while len(samples) < min_calls or _now() < deadline:
        t0 = _now()
        fn()
        samples.append(_now() - t0)
        if len(samples) >= 100000:
            break
    # NOTE: the first calls include compilation; the median of the rest is the estimate.
    return statistics.median(samples[len(samples) // 2:]) if len(samples) > 1 else samples[0]


def compare(fns, budget):
    """Time the callables in `fns` ({name: fn}) interleaved; return {name: median us}.

    A callable mapped to None is skipped (its result is None).
    """
    live = {k: f for k, f in fns.items() if f is not None}
    out = {k: None for k in fns}
    if not live:
        return out
    gc.collect()
    est = {k: max(_estimate(f, budget.warmup_s / len(live), budget.min_warmup_calls), 50)
           for k, f in live.items()}
    # A burst per implementation per round; enough rounds to fill the measurement time, with at
    # least min_samples and at most max_samples samples per implementation.
    burst = {k: max(1, int(budget.burst_s * 1e9 // e)) for k, e in est.items()}
    round_ns = sum(burst[k] * est[k] for k in live)
    rounds = int(budget.measure_s * 1e9 // round_ns)
    rounds = max(rounds, max(-(-budget.min_samples // burst[k]) for k in live))
    rounds = min(rounds, max(1, min(budget.max_samples // burst[k] for k in live)))
    names = list(live)
    samples = {k: [] for k in names}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            for i in range(len(names)):
                k = names[(r + i) % len(names)]
                f, s, n = live[k], samples[k], burst[k]
                for _ in range(n):
                    t0 = _now()
                    f()
                    s.append(_now() - t0)
    finally:
        if gc_was:
            gc.enable()
    for k in names:
        out[k] = statistics.median(samples[k]) / 1e3
    return out


def timer_overhead_us(n=20000):
    """Median cost (us) of one timed repetition of a no-op callable: the harness's own floor."""
    def f():
        pass
    s = []
    for _ in range(n):
        t0 = _now()
        f()
        s.append(_now() - t0)
    return statistics.median(s) / 1e3
