"""Event collection: the per-op dispatch hook, record_function ranges, and recording sessions.

While at least one session records, `registry.PROFILE` is `_op_hook`: every eager op becomes one
event named like torch's aten operator (jtorch/profiler/_names.py) spanning the op's dispatch,
including the wait for its result. NOTE: JAX dispatches asynchronously; blocking on each op's
outputs while profiling makes an op's CPU time its real compute time, as in torch's synchronous
CPU kernels. Ops run by autograd's backward (compiled VJPs, not dispatched ops) and work inside
compiled (jtorch.compile) programs are not seen as separate ops.
"""
import threading
import time
from contextlib import ContextDecorator

import jax.numpy as jnp

from .._ops import registry as _reg
from ._enums import DeviceType
from ._events import EventList, FunctionEvent
from ._names import event_name

__all__ = ["record_function", "Session"]

_ArrayImpl = type(jnp.zeros(()))
_now = time.perf_counter_ns
# NOTE: the sessions now recording (a tuple, replaced as a whole so the hook reads it once).
_SESSIONS = ()
_LOCK = threading.Lock()
_FLOP_OPS = {"aten::mm": "mm", "aten::bmm": "mm", "aten::matmul": "mm", "aten::mul": "pw",
             "aten::add": "pw"}


class _Record:
    """One open or finished range (raw, nanoseconds)."""

    __slots__ = ("name", "start", "end", "tid", "shapes", "user", "cpu_mem", "dev_mem", "flops",
                 "_k")

    def __init__(self, name, start, tid, shapes, user):
        self.name = name
        self.start = start
        self.end = None
        self.tid = tid
        self.shapes = shapes
        self.user = user
        self.cpu_mem = 0
        self.dev_mem = 0
        self.flops = 0
        self._k = 1


class Session:
    """One recording period: collects raw records between start() and stop()."""

    def __init__(self, record_shapes=False, profile_memory=False, with_flops=False,
                 use_device=None):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_flops = with_flops
        self.use_device = use_device
        self.records = []
        self.t0 = None
        self.t1 = None
        self.wall0 = None

    def start(self):
        """Begin recording ops and record_function ranges (all threads)."""
        global _SESSIONS
        self.t0 = _now()
        self.wall0 = time.time_ns()
        with _LOCK:
            _SESSIONS = _SESSIONS + (self,)
            _reg.set_profile(_op_hook)

    def stop(self):
        """Stop recording."""
        global _SESSIONS
        self.t1 = _now()
        with _LOCK:
            _SESSIONS = tuple(s for s in _SESSIONS if s is not self)
            if not _SESSIONS:
                _reg.set_profile(None)

    def events(self):
        """The finished records as an EventList of FunctionEvents with the CPU tree built."""
        recs = sorted((r for r in self.records if r.end is not None),
                      key=lambda r: (r.start, -r.end))
        threads = {}
        evts = EventList(use_device=self.use_device, profile_memory=self.profile_memory,
                         with_flops=self.with_flops)
        for i, r in enumerate(recs):
            tid = threads.setdefault(r.tid, len(threads) + 1)
            name = "ProfilerStep*" if r.name.startswith("ProfilerStep#") else r.name
            e = FunctionEvent(id=i + 1, name=name, thread=tid,
                              start_us=(r.start - self.t0) / 1000.0,
                              end_us=(r.end - self.t0) / 1000.0, overload_name="",
                              fwd_thread=tid, input_shapes=r.shapes if r.shapes else [],
                              stack=[], use_device=self.use_device,
                              cpu_memory_usage=r.cpu_mem, device_memory_usage=r.dev_mem,
                              device_type=DeviceType.CPU, flops=r.flops, trace_name=r.name,
                              is_user_annotation=r.user)
            e._os_tid = r.tid
            evts.append(e)
        evts._build_tree()
        if self.profile_memory:
            # NOTE: an event's memory includes its children's, as in torch (allocations made
            # in its interval); only outputs' bytes are counted, frees are not seen.
            for e in reversed(evts):
                for c in e.cpu_children:
                    e.cpu_memory_usage += c.cpu_memory_usage
                    e.device_memory_usage += c.device_memory_usage
        return evts


def _open(name, shapes, user):
    sessions = _SESSIONS
    if not sessions:
        return None
    return sessions, _Record(name, _now(), threading.get_native_id(), shapes, user)


def _close(tok):
    sessions, rec = tok
    rec.end = _now()
    for s in sessions:
        s.records.append(rec)


def _shapes(args):
    T = _reg.hooks.tensor_cls
    return [list(t._a.shape) if isinstance(t, T) else [] for t in args]


def _outputs(res):
    T = _reg.hooks.tensor_cls
    return [t for t in (res if type(res) is tuple else (res,)) if isinstance(t, T)]


def _finish(rec, res, sessions):
    outs = _outputs(res)
    for t in outs:
        if type(t._a) is _ArrayImpl:
            t._a.block_until_ready()
    if any(s.profile_memory for s in sessions):
        for t in outs:
            a = t._a
            if type(a) is _ArrayImpl:
                if next(iter(a.devices())).platform == "cpu":
                    rec.cpu_mem += a.nbytes
                else:
                    rec.dev_mem += a.nbytes
    kind = _FLOP_OPS.get(rec.name)
    if kind is not None and outs and any(s.with_flops for s in sessions):
        n = outs[0]._a.size
        # NOTE: torch's formulas: 2*M*N*K for matrix products (K: the first operand's last
        # dimension), one flop per output element for add/mul.
        rec.flops = 2 * n * rec._k if kind == "mm" else n


def _op_hook(o, args, run):
    """registry.PROFILE: time op `o` as one event around run(args)."""
    sessions = _SESSIONS
    if not sessions:
        return run(args)
    name = event_name(o.name)
    shapes = _shapes(args) if any(s.record_shapes for s in sessions) else None
    tok = (sessions, _Record(name, _now(), threading.get_native_id(), shapes, False))
    rec = tok[1]
    try:
        res = run(args)
        if name in _FLOP_OPS:
            T = _reg.hooks.tensor_cls
            first = next((t for t in args if isinstance(t, T)), None)
            rec._k = first._a.shape[-1] if first is not None and first._a.ndim else 1
        _finish(rec, res, sessions)
    finally:
        _close(tok)
    return res


class record_function(ContextDecorator):
    """A user-labelled range in the profile; a context manager and a function decorator.
    Records nothing (and costs little) while no profiler is active."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self._toks = []

    def __enter__(self):
        self._toks.append(_open(self.name, None, True))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if not self.run_callbacks_on_exit:
            return
        tok = self._toks.pop() if self._toks else None
        if tok is not None:
            _close(tok)

    def _call_end_callbacks_on_future(self, fut):
        """Close the range when the future completes (jtorch futures complete eagerly)."""
        self.run_callbacks_on_exit = False
        tok = self._toks.pop() if self._toks else None
        if tok is not None:
            _close(tok)
        return fut
