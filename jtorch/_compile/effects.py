"""Python-side state a compiled call must not bake in: optimizer hyper-parameters (traced
inputs, so a scheduler's new lr needs no retrace) and LR-scheduler steps (Python bookkeeping,
replayed after every compiled call instead of running once at trace time)."""
import functools
from operator import is_ as _is

import jax
import numpy as np

__all__ = ["Effects", "hyper", "journaled", "hyper_keys", "optimizer_groups", "Placed", "Hypers"]

_ACTIVE = []  # the Effects of the trace in progress (a stack: traces may nest)


class Effects:
    """What one trace of a compiled function reads and defers."""

    def __init__(self, groups, hps):
        self.hp = {id(g): h for g, h in zip(groups, hps)}
        self.replay = []  # (fn, obj, args, kwargs) to run after each compiled call
        self.depth = 0

    def __enter__(self):
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        _ACTIVE.remove(self)


def hyper(opt, group):
    """The group's hyper-parameter vector: the traced input while compiling, else NumPy."""
    if _ACTIVE:
        eff = _ACTIVE[-1]
        h = eff.hp.get(id(group))
        if h is not None:
            if eff.replay:
                raise NotImplementedError(
                    "jtorch.compile: lr_scheduler.step() runs before optimizer.step() inside "
                    "the compiled function. Call it after optimizer.step() (PyTorch's "
                    "documented order) or outside the compiled function.")
            return h
    return np.asarray(opt._hyper(group), dtype=np.float64)


def journaled(fn):
    """Decorator for LR-scheduler steps: while compiling, record the call (run after each
    compiled call) instead of running it once at trace time.
    NOTE: a scheduler only changes Python numbers (last_epoch, the groups' lr); run at trace
    time its effect would happen once, and again on any retrace, instead of once per call."""
    @functools.wraps(fn)
    def step(self, *args, **kwargs):
        if not _ACTIVE or _ACTIVE[-1].depth:
            return fn(self, *args, **kwargs)
        from .._tensor import Tensor
        if any(isinstance(a, Tensor) for a in list(args) + list(kwargs.values())):
            raise NotImplementedError(
                f"jtorch.compile: {type(self).__name__}.step() was given a tensor inside the "
                f"compiled function; step the scheduler outside it (return the metric).")
        _ACTIVE[-1].replay.append((fn, self, args, kwargs))
    return step


_KEYS = {}


class _Recorder(dict):
    """A param group copy that notes which keys are read."""

    def __init__(self, group, seen):
        super().__init__(group)
        self.seen = seen

    def __getitem__(self, k):
        self.seen.add(k)
        return super().__getitem__(k)


def hyper_keys(opt, group):
    """The group keys the optimizer's _hyper reads (traced, so not part of the cache key)."""
    k = (type(opt), frozenset(group))
    if k not in _KEYS:
        seen = set()
        opt._hyper(_Recorder(group, seen))
        _KEYS[k] = frozenset(seen)
    return _KEYS[k]


def optimizer_groups(optimizers):
    """(groups, hyper-parameter vectors) of the jtorch optimizers with traced hyper-parameters."""
    groups, hps = [], []
    for o in optimizers:
        if hasattr(o, "_hyper") and hasattr(o, "_static"):
            for g in o.param_groups:
                groups.append(g)
                hps.append(np.asarray(o._hyper(g), dtype=np.float64))
    return groups, hps


class Placed:
    """Hyper-parameter vectors (NumPy) placed on a device, reused while their values stay.
    NOTE: a NumPy argument of a jitted call is copied host->device by every call; measured on
    an H200 (MLP Adam step): that copy took ~70 us of a ~300 us compiled program."""

    __slots__ = ("sig", "where", "arrs")

    def __init__(self):
        self.sig = self.where = self.arrs = None

    def get(self, hps, where):
        """hps (a list of NumPy vectors) on `where` (a device or a sharding)."""
        sig = tuple([h.tobytes() for h in hps])
        if sig == self.sig and (where is self.where or where == self.where):
            return self.arrs
        self.arrs = jax.device_put(hps, where)
        self.sig, self.where = sig, where
        return self.arrs


_PLAIN = frozenset((bool, int, float, str, type(None)))


def _plain(v):
    """True for a value whose identity fixes its value (a Tensor lr can change in place)."""
    c = v.__class__
    return c in _PLAIN or (c is tuple and all(x.__class__ in _PLAIN for x in v))


class Hypers:
    """The optimizers' hyper-parameter vectors on a device (a compiled call's input). While the
    groups' hyper-parameter entries hold the very same plain values as at the last call, the
    placed vectors are reused without re-reading them through each optimizer's _hyper."""

    __slots__ = ("reads", "placed")

    def __init__(self):
        self.reads = None  # [(group, keys, values)] of the last call, None if not reusable
        self.placed = Placed()

    def get(self, optimizers, where, same_groups):
        """(vectors on `where`, or [] with no jtorch optimizer); `same_groups`: the caller
        knows the optimizers' param groups are the last call's (its guard passed)."""
        r = self.reads
        if same_groups and r is not None and where is self.placed.where and \
                all([all(map(_is, map(g.get, keys), vals)) for g, keys, vals in r]):
            return self.placed.arrs
        groups, hps = optimizer_groups(optimizers)
        reads = []
        for o in optimizers:
            if hasattr(o, "_hyper") and hasattr(o, "_static"):
                for g in o.param_groups:
                    keys = tuple(hyper_keys(o, g))
                    vals = tuple(map(g.get, keys))
                    reads.append((g, keys, vals))
                    if not all(map(_plain, vals)):
                        reads = None
                        break
            if reads is None:
                break
        self.reads = reads
        return self.placed.get(hps, where) if hps else hps
