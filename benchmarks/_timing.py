"""Timing methodology shared by the benchmark modules.

Rules (every module uses `compare` so that all numbers in one table are taken the same way):

* Each implementation is a zero-argument callable doing ONE op and waiting for its result: JAX
  and jtorch callables call `.block_until_ready()` on the result array inside the callable (so
  inside every timed repetition); torch on CPU is synchronous. Async dispatch cannot hide work.
* Warm up first (the first call compiles; later warm-up calls fill caches), then estimate each
  callable's cost to size the measurement.
* Measure in interleaved rounds: every round runs A, B, C once each (each a short burst of
  individually timed repetitions), in a freshly shuffled order (seeded), so slow phases of a
  shared, noisy machine hit every implementation alike instead of whichever happened to be timed
  in that block, and no implementation always runs right after the same other one (torch's
  allocations, say, could otherwise tax whichever JAX callable always follows them).
* Report the MEDIAN of the individual per-op times, in microseconds (robust to outliers from
  other processes, GC and OS scheduling). The cyclic GC is off while a round runs (as in `timeit`).
* Ratios between implementations are PAIRED: per round, the ratio of the two implementations'
  burst medians (taken milliseconds apart, so under the same machine state); reported is the
  median of those per-round ratios. On a shared machine the per-op time drifts between regimes
  (e.g. 250 vs 400 us for the same 1024x1024 add minutes apart); a ratio of two global medians
  can then land on different regimes and be off by 10-20%; the paired ratio is far less so.

Per-repetition timing adds the cost of one `perf_counter_ns` pair plus one Python call (~0.1 us,
see `timer_overhead_us`) to every sample equally; it is not subtracted.
"""
import gc
import random
import statistics
import time

__all__ = ["compare", "timer_overhead_us", "Budget", "Result", "DEVICE"]

# NOTE: the torch device type device-aware modules run on ('cpu' or 'cuda'); run.py --device sets
# it. On cuda, torch callables end with torch.cuda.synchronize() (torch's GPU ops are async too).
DEVICE = "cpu"

_now = time.perf_counter_ns


class Budget:
    """Time to spend per comparison: warm-up and measurement seconds, and how many rounds."""

    def __init__(self, quick=False):
        if quick:
            self.warmup_s, self.measure_s = 0.03, 0.25
            self.target_rounds, self.min_rounds = 40, 10
        else:
            self.warmup_s, self.measure_s = 0.15, 2.0
            self.target_rounds, self.min_rounds = 200, 30
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


class Result:
    """What `compare` measured: `us[name]` (median us per op, None when skipped), `ratio(a, b)`."""

    def __init__(self, names):
        self.us = {k: None for k in names}
        self.samples = {}       # name -> [ns per op]
        self.round_medians = {}  # name -> [median ns of each round's burst]

    def __getitem__(self, name):
        return self.us[name]

    def ratio(self, a, b):
        """Paired ratio a/b: the median over rounds of the per-round ratio (None if unmeasured)."""
        ra, rb = self.round_medians.get(a), self.round_medians.get(b)
        if not ra or not rb:
            return None
        return statistics.median(x / y for x, y in zip(ra, rb))

    def ratio_ci(self, a, b, z=1.96):
        """~95% confidence interval (lo, hi) of the paired ratio's median, by order statistics
        (distribution-free; rounds are treated as independent, so it is if anything narrow)."""
        ra, rb = self.round_medians.get(a), self.round_medians.get(b)
        if not ra or not rb or len(ra) < 6:
            return None
        rs = sorted(x / y for x, y in zip(ra, rb))
        n = len(rs)
        h = z * n ** 0.5 / 2
        lo, hi = max(0, int(n / 2 - h)), min(n - 1, int(-(-(n / 2 + h) // 1)))
        return rs[lo], rs[hi]

    def ratio_spread(self, a, b):
        """(25th, 75th) percentile of the per-round ratios a/b, or None."""
        ra, rb = self.round_medians.get(a), self.round_medians.get(b)
        if not ra or not rb or len(ra) < 4:
            return None
        q = statistics.quantiles([x / y for x, y in zip(ra, rb)], n=4)
        return q[0], q[2]


def compare(fns, budget):
    """Time the callables in `fns` ({name: fn}) interleaved; return a `Result`.

    A callable mapped to None is skipped (its time is None).
    """
    live = {k: f for k, f in fns.items() if f is not None}
    out = Result(fns)
    if not live:
        return out
    gc.collect()
    est = {k: max(_estimate(f, budget.warmup_s / len(live), budget.min_warmup_calls), 50)
           for k, f in live.items()}
    # target_rounds rounds filling the measurement time, each implementation getting an equal
    # slice of each round (a burst of back-to-back repetitions, at least one). Slow ops (bursts
    # of one) get fewer rounds, but at least min_rounds even past the measurement time.
    burst_ns = budget.measure_s * 1e9 / (budget.target_rounds * len(live))
    burst = {k: max(1, int(burst_ns // e)) for k, e in est.items()}
    round_ns = sum(burst[k] * est[k] for k in live)
    rounds = int(budget.measure_s * 1e9 // round_ns)
    rounds = max(budget.min_rounds, min(rounds, budget.target_rounds))
    # NOTE: a hard stop at twice the planned time (past min_rounds): on a loaded machine the
    # warm-up estimate can be far too low, and the suite must stay inside its time budget.
    deadline = _now() + int(2 * budget.measure_s * 1e9)
    order_rng = random.Random(0)
    names = list(live)
    samples = {k: [] for k in names}
    per_round = {k: [] for k in names}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        order = list(names)
        for r in range(rounds):
            if r >= budget.min_rounds and _now() > deadline:
                break
            order_rng.shuffle(order)
            for k in order:
                f, s, n = live[k], samples[k], burst[k]
                start = len(s)
                for _ in range(n):
                    t0 = _now()
                    f()
                    s.append(_now() - t0)
                per_round[k].append(s[start] if n == 1 else statistics.median(s[start:]))
    finally:
        if gc_was:
            gc.enable()
    for k in names:
        out.us[k] = statistics.median(samples[k]) / 1e3
    out.samples, out.round_medians = samples, per_round
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
