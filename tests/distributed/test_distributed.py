"""jtorch.distributed at world size 1 vs torch.distributed (gloo, one process, in this process)."""
import datetime
import inspect
import os
import re
import socket
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.distributed as tdist

import jtorch
import jtorch.distributed as jdist
from _harness import assert_same, pair

R_T, R_J = tdist.ReduceOp, jdist.ReduceOp


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _init_torch(backend="gloo"):
    tdist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{_port()}", world_size=1,
                             rank=0)


def _init_jtorch(backend="gloo"):
    jdist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{_port()}", world_size=1,
                             rank=0)


def _teardown():
    for d in (tdist, jdist):
        if d.is_initialized():
            d.destroy_process_group()


@pytest.fixture
def clean():
    _teardown()
    yield
    _teardown()


@pytest.fixture
def both(clean):
    _init_torch()
    _init_jtorch()
    yield


def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Exception as e:  # noqa: BLE001
        # NOTE: messages that print a tensor's type name it by its own library's class
        msg = str(e).split("\nException raised from")[0]
        # (and pybind's "Invoked with:" shows the options object's address: dropped)
        msg = re.sub(r"<[\w.]+Options object at 0x[0-9a-f]+>, ", "", msg)
        return type(e), msg.replace("jtorch._tensor.Tensor", "torch.Tensor")


def same_error(fn_jt, fn_t, exact=True):
    """Both raise the same exception class (and, when exact, the same message)."""
    kt, mt = _outcome(fn_t)
    kj, mj = _outcome(fn_jt)
    assert kt != "ok", f"torch did not raise: {mt!r}"
    assert kj is kt, f"jtorch: {kj} {mj!r}\ntorch: {kt} {mt!r}"
    if exact:
        assert mj == mt, f"jtorch: {mj!r}\ntorch:  {mt!r}"
    return mj, mt


# ---- before init / init / destroy ---------------------------------------------------------

def test_availability():
    for name in ("is_available", "is_gloo_available", "is_nccl_available", "is_mpi_available",
                 "is_ucc_available", "is_xccl_available"):
        assert getattr(jdist, name)() == getattr(tdist, name)(), name
    for b in ("gloo", "mpi", "foo"):
        assert jdist.is_backend_available(b) == tdist.is_backend_available(b), b


def test_not_initialized_errors(clean):
    x = jtorch.ones(2)
    t = torch.ones(2)
    assert jdist.is_initialized() is tdist.is_initialized() is False
    assert jdist.group.WORLD is None and tdist.group.WORLD is None
    calls = [
        (lambda d, x: d.get_rank()), (lambda d, x: d.get_world_size()),
        (lambda d, x: d.get_backend()), (lambda d, x: d.all_reduce(x)),
        (lambda d, x: d.barrier()), (lambda d, x: d.broadcast(x, 0)),
        (lambda d, x: d.new_group()), (lambda d, x: d.send(x, 0)),
        (lambda d, x: d.all_gather_object([None], 1)), (lambda d, x: d.all_gather([x], x)),
        (lambda d, x: d.reduce(x, 0)), (lambda d, x: d.destroy_process_group()),
    ]
    for c in calls:
        same_error(lambda: c(jdist, x), lambda: c(tdist, t))
    same_error(lambda: jtorch.nn.parallel.DistributedDataParallel(jtorch.nn.Linear(2, 2)),
               lambda: torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2)))
    from jtorch.utils.data import DistributedSampler as JS
    from torch.utils.data import DistributedSampler as TS
    same_error(lambda: JS(range(4)), lambda: TS(range(4)))


def test_env_rendezvous(clean, monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(var, raising=False)
    for var, val in (("RANK", "0"), ("WORLD_SIZE", "1"), ("MASTER_ADDR", "127.0.0.1")):
        same_error(lambda: jdist.init_process_group("gloo"),
                   lambda: tdist.init_process_group("gloo"))
        monkeypatch.setenv(var, val)
    same_error(lambda: jdist.init_process_group(), lambda: tdist.init_process_group())
    monkeypatch.setenv("MASTER_PORT", str(_port()))
    tdist.init_process_group()
    jdist.init_process_group()
    for d in (tdist, jdist):
        assert (d.is_initialized(), d.get_rank(), d.get_world_size()) == (True, 0, 1)
    # NOTE: backend=None: torch picks per device and reports "undefined"
    assert jdist.get_backend() == tdist.get_backend() == "undefined"
    assert jdist.get_backend_config() == tdist.get_backend_config()
    same_error(lambda: jdist.init_process_group("gloo"), lambda: tdist.init_process_group("gloo"))


def test_url_and_store_errors(clean):
    cases = [
        dict(init_method="tcp://127.0.0.1:1234"),
        dict(init_method="tcp://127.0.0.1:1234", rank=0),
        dict(init_method="tcp://127.0.0.1", rank=0, world_size=1),
        dict(init_method="file:///tmp/x", world_size=1),
        dict(init_method="foo://127.0.0.1:1", world_size=1, rank=0),
        dict(init_method="tcp://127.0.0.1:1?rank=0", world_size=1, rank=0),
        dict(init_method="tcp://127.0.0.1:1", store=object(), world_size=1, rank=0),
        dict(store=object()),
        dict(store=object(), world_size=1),
        dict(init_method="tcp://127.0.0.1:1", rank=0, world_size=1, timeout=30),
        dict(init_method="tcp://127.0.0.1:1", rank="0", world_size=1),
    ]
    for kw in cases:
        same_error(lambda: jdist.init_process_group("gloo", **kw),
                   lambda: tdist.init_process_group("gloo", **kw))
        assert not jdist.is_initialized()


def test_backend_errors(clean):
    for backend in ("nccl", "foo", "mpi"):
        kw = dict(init_method=f"tcp://127.0.0.1:{_port()}", world_size=1, rank=0)
        same_error(lambda: jdist.init_process_group(backend, **kw),
                   lambda: tdist.init_process_group(backend, **kw))
        assert not jdist.is_initialized() and not tdist.is_initialized()


def test_world_size_above_one_is_refused(clean):
    with pytest.raises(NotImplementedError, match="world_size=2"):
        jdist.init_process_group("gloo", init_method="tcp://127.0.0.1:1", world_size=2, rank=0)
    with pytest.raises(ValueError, match="Invalid rank 1"):
        jdist.init_process_group("gloo", init_method="tcp://127.0.0.1:1", world_size=1, rank=1)
    assert not jdist.is_initialized()


@pytest.mark.parametrize("backend", ["gloo", "GLOO", "cpu:gloo", None])
def test_init_destroy_cycle(clean, backend):
    _init_torch(backend)
    jdist.init_process_group(backend, init_method=f"file:///tmp/jt_{_port()}", world_size=1,
                             rank=0, timeout=datetime.timedelta(seconds=5))
    assert jdist.get_backend() == tdist.get_backend()
    assert type(jdist.get_backend()) is str
    assert jdist.get_backend_config() == tdist.get_backend_config()
    assert jdist.group.WORLD is jdist.GroupMember.WORLD is not None
    assert jdist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER
    assert jdist.group.WORLD.size() == 1 and jdist.group.WORLD.rank() == 0
    jdist.destroy_process_group()
    tdist.destroy_process_group()
    # NOTE: group names count init attempts since the last destroy: both start again at "0"
    _init_torch(backend)
    _init_jtorch(backend)
    for d in (jdist, tdist):
        assert d.group.WORLD.group_name == "0"
        assert [d.new_group().group_name for _ in range(2)] == ["1", "2"]
        d.destroy_process_group()
    assert jdist.group.WORLD is None and not jdist.is_initialized()
    same_error(lambda: jdist.destroy_process_group(), lambda: tdist.destroy_process_group())


# ---- API surface ------------------------------------------------------------------------

_FUNCS = ["init_process_group", "destroy_process_group", "get_rank", "get_world_size",
          "get_backend", "get_backend_config", "barrier", "monitored_barrier", "all_reduce",
          "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather", "scatter",
          "reduce_scatter", "reduce_scatter_tensor", "all_to_all", "all_to_all_single",
          "all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list",
          "send", "recv", "isend", "irecv", "new_group", "get_process_group_ranks",
          "get_global_rank", "get_group_rank", "is_torchelastic_launched", "get_node_local_rank"]


def _params(fn):
    return [(p.name, p.default if not isinstance(p.default, R_T.RedOpType) else str(p.default))
            for p in inspect.signature(fn).parameters.values() if not p.name.startswith("_")]


@pytest.mark.parametrize("name", _FUNCS)
def test_signatures(name):
    jp, tp = _params(getattr(jdist, name)), _params(getattr(tdist, name))
    assert [p[0] for p in jp] == [p[0] for p in tp]
    for (n, dj), (_, dt) in zip(jp, tp):
        if not isinstance(dt, datetime.timedelta) and dt is not inspect.Parameter.empty:
            assert dj == dt or str(dj) == str(dt), (n, dj, dt)


def test_env_helpers(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    same_error(jdist.get_node_local_rank, tdist.get_node_local_rank)
    assert jdist.get_node_local_rank(3) == tdist.get_node_local_rank(3) == 3
    assert jdist.is_torchelastic_launched() is tdist.is_torchelastic_launched() is False
    monkeypatch.setenv("LOCAL_RANK", "2")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "x")
    assert jdist.get_node_local_rank(3) == tdist.get_node_local_rank(3) == 2
    assert jdist.is_torchelastic_launched() is tdist.is_torchelastic_launched() is True


def test_reduce_op_and_backend():
    for n in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"):
        j, t = getattr(R_J, n), getattr(R_T, n)
        assert (str(j), repr(j), int(j)) == (str(t), repr(t), int(t))
        assert isinstance(j, R_J.RedOpType)
        assert R_J(j) == j and R_J(j).op is j
    for s in ("gloo", "GLOO", "nccl", "foo", "Cpu:Gloo"):
        assert jdist.Backend(s) == tdist.Backend(s)
    assert jdist.Backend.GLOO == "gloo" and jdist.Backend.UNDEFINED == "undefined"
    same_error(lambda: jdist.Backend(3), lambda: tdist.Backend(3))
    assert jdist.default_pg_timeout == tdist.default_pg_timeout


# ---- collectives ------------------------------------------------------------------------

_DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8",
           "bool", "complex64"]
_OPS = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"]


def _run_both(fn, jargs, targs):
    kt, rt = _outcome(lambda: fn(tdist, *targs))
    kj, rj = _outcome(lambda: fn(jdist, *jargs))
    assert kj is kt or (kt == "ok") == (kj == "ok"), f"jtorch {kj} {rj!r} / torch {kt} {rt!r}"
    if kt != "ok":
        assert kj is kt and rj == rt, f"jtorch {kj}: {rj!r}\ntorch {kt}: {rt!r}"
    return rj, rt


def test_all_reduce_ops_dtypes(both):
    base = np.array([-1, 0, 1, 2])
    for dt in _DTYPES:
        for op in _OPS:
            if dt == "complex64":
                a = (base + 1j * base[::-1]).astype(np.complex64)
            else:
                a = base.astype(dt if dt != "bfloat16" else np.float32)
            jt, t = pair(a, dtype=None if dt == "complex64" else dt)
            for async_op in (False, True):
                rj, rt = _run_both(
                    lambda d, x: d.all_reduce(x, op=getattr(d.ReduceOp, op), async_op=async_op),
                    (jt,), (t,))
                if rt is None:
                    assert rj is None
                elif isinstance(rt, tdist.Work):
                    assert isinstance(rj, jdist.Work)
                    same = _run_both(lambda d, w: w.wait(), (rj,), (rt,))
                    assert same == (True, True) or rt.exception() is not None
                    # NOTE: torch's worker thread may still run until wait(): compare after it
                    assert rj.is_completed() is rt.is_completed() is True
                    assert rj.is_success() is rt.is_success()
                    assert repr(rj.exception()) == repr(rt.exception())
                    assert_same(rj.result()[0], rt.result()[0])
                    fj, ft = _run_both(lambda d, w: w.get_future().wait(), (rj,), (rt,))
                    if rt.exception() is None:
                        assert_same(fj[0], ft[0])
                assert_same(jt, t, where=f"{dt} {op}: ")


def test_all_reduce_errors(both):
    same_error(lambda: jdist.all_reduce([1, 2]), lambda: tdist.all_reduce([1, 2]))
    _, msg = same_error(lambda: jdist.all_reduce(jtorch.ones(2), op="sum"),
                        lambda: tdist.all_reduce(torch.ones(2), op="sum"), exact=False)
    jt, t = pair(np.ones(3, np.complex64))
    same_error(lambda: jdist.all_reduce(jt, op=R_J.MAX), lambda: tdist.all_reduce(t, op=R_T.MAX))


def test_autograd_leaf_writes(both):
    # NOTE: torch's gloo writes results with in-place tensor ops, which autograd checks
    jp, tp = pair(np.ones(2, np.float32), requires_grad=True)
    same_error(lambda: jdist.all_reduce(jp, op=R_J.AVG), lambda: tdist.all_reduce(tp, op=R_T.AVG))
    same_error(lambda: jdist.all_gather([jp], jtorch.zeros(2)),
               lambda: tdist.all_gather([tp], torch.zeros(2)))
    assert jdist.all_reduce(jp) is None and tdist.all_reduce(tp) is None


def test_broadcast_reduce(both):
    jt, t = pair(np.arange(4.0))
    for d, x in ((jdist, jt), (tdist, t)):
        assert d.broadcast(x, 0) is None
        assert d.broadcast(x, src=None, group_src=0) is None
        assert d.reduce(x, 0) is None
        assert d.reduce(x, dst=0, op=d.ReduceOp.MAX) is None
        assert isinstance(d.broadcast(x, 0, async_op=True), d.Work)
    assert_same(jt, t)
    ji, ti = pair(np.arange(3))
    jc, tc = pair(np.ones(2, np.complex64))
    cases = [
        (lambda d, x: d.broadcast(x, 1), jt, t), (lambda d, x: d.reduce(x, 1), jt, t),
        (lambda d, x: d.broadcast(x, -1), jt, t), (lambda d, x: d.broadcast(x), jt, t),
        (lambda d, x: d.broadcast(x, 0, group_src=0), jt, t),
        (lambda d, x: d.broadcast(3, 0), 3, 3),
        (lambda d, x: d.reduce(x, 0, op=d.ReduceOp.AVG), ji, ti),
        (lambda d, x: d.reduce(x, 0, op=d.ReduceOp.BAND), jt, t),
        (lambda d, x: d.reduce(x, 0, op=d.ReduceOp.MAX), jc, tc),
    ]
    for fn, a, b in cases:
        same_error(lambda: fn(jdist, a), lambda: fn(tdist, b))
    jdist.reduce(jc, 0)
    tdist.reduce(tc, 0)
    assert_same(jc, tc)


def _np(shape, k=0.0):
    return np.arange(float(np.prod(shape))).reshape(shape).astype(np.float32) + k


def test_gather_family(both):
    # each entry: (fn(d, *tensors), [arrays]) - results must match torch, errors too
    f64 = np.zeros(4)
    cases = [
        (lambda d, o, x: d.all_gather([o], x), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.all_gather([o, o], x), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.all_gather([], x), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.all_gather([o], x), [np.zeros(3, np.float32), _np(4)]),
        (lambda d, o, x: d.all_gather([o], x), [f64, _np(4)]),
        (lambda d, o, x: d.all_gather(o, x), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.all_gather_into_tensor(o, x), [np.zeros(4, np.float32), _np(4, 1)]),
        (lambda d, o, x: d.all_gather_into_tensor(o, x), [np.zeros((1, 4), np.float32), _np(4)]),
        (lambda d, o, x: d.all_gather_into_tensor(o, x), [np.zeros(5, np.float32), _np(4)]),
        (lambda d, o, x: d.gather(x, [o], dst=0), [np.zeros((2, 2), np.float32), _np((2, 2))]),
        (lambda d, o, x: d.gather(x, [o]), [np.zeros((2, 2), np.float32), _np((2, 2))]),
        (lambda d, o, x: d.gather(x, None, dst=0), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.gather(x, [o], dst=1), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.gather(x, [o, o], dst=0), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.gather(x, [o], dst=0), [f64, _np(4)]),
        (lambda d, o, x: d.scatter(o, [x], src=0), [np.zeros(4, np.float32), _np(4, 3)]),
        (lambda d, o, x: d.scatter(o, None, src=0), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.scatter(o, [x, x]), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.reduce_scatter(o, [x]), [np.zeros(4, np.float32), _np(4, 4)]),
        (lambda d, o, x: d.reduce_scatter(o, [x], op=d.ReduceOp.AVG),
         [np.zeros(4, np.float32), _np(4, 5)]),
        (lambda d, o, x: d.reduce_scatter(o, [x, x]), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.reduce_scatter_tensor(o, x), [np.zeros(4, np.float32), _np(4, 6)]),
        (lambda d, o, x: d.reduce_scatter_tensor(o, x, d.ReduceOp.MAX),
         [np.zeros((2, 3), np.float32), _np((2, 3), 6)]),
        (lambda d, o, x: d.all_to_all([o], [x]), [np.zeros(4, np.float32), _np(4, 8)]),
        (lambda d, o, x: d.all_to_all([o], [x, x]), [np.zeros(4, np.float32), _np(4)]),
        (lambda d, o, x: d.all_to_all_single(o, x), [np.zeros(4, np.float32), _np(4, 9)]),
        (lambda d, o, x: d.all_to_all_single(o, x, [4], [4]),
         [np.zeros(4, np.float32), _np(4, 10)]),
        (lambda d, o, x: d.all_to_all_single(o, x, [3], [3]), [np.zeros(4, np.float32), _np(4)]),
    ]
    for i, (fn, arrays) in enumerate(cases):
        jts, ts = zip(*(pair(a) for a in arrays))
        rj, rt = _run_both(fn, jts, ts)
        assert (rj is None) == (rt is None), i
        for j, t in zip(jts, ts):
            assert_same(j, t, where=f"case {i}: ")


def test_gather_family_loose_messages(both):
    # NOTE: gloo's C++ checks here print internals (TensorOptions, source paths): class only
    for fn, arrays in [
        (lambda d, o, x: d.all_gather_into_tensor(o, x), [np.zeros(4, np.int64), _np(4)]),
        (lambda d, o, x: d.all_to_all_single(o, x), [np.zeros(5, np.float32), _np(4)]),
    ]:
        jts, ts = zip(*(pair(a) for a in arrays))
        same_error(lambda: fn(jdist, *jts), lambda: fn(tdist, *ts), exact=False)


def test_async_work(both):
    jt, t = pair(_np(3))
    for fn in (lambda d, x: d.all_gather([x.clone()], x, async_op=True),
               lambda d, x: d.barrier(async_op=True),
               lambda d, x: d.all_to_all_single(x.clone(), x, async_op=True)):
        wj, wt = fn(jdist, jt), fn(tdist, t)
        assert type(wt).__name__ == type(wj).__name__ == "Work"
        assert wj.wait() == wt.wait() and wj.is_completed() == wt.is_completed()
        assert len(wj.result()) == len(wt.result())
        for a, b in zip(wj.result(), wt.result()):
            assert_same(a, b)


def test_barriers_and_p2p(both):
    for d in (jdist, tdist):
        assert d.barrier() is None
        assert d.monitored_barrier() is None
        assert d.monitored_barrier(timeout=datetime.timedelta(seconds=5),
                                   wait_all_ranks=True) is None
    same_error(lambda: jdist.monitored_barrier(timeout=3),
               lambda: tdist.monitored_barrier(timeout=3))
    jt, t = pair(_np(2))
    same_error(lambda: jdist.send(jt, 0), lambda: tdist.send(t, 0))
    same_error(lambda: jdist.send(jt), lambda: tdist.send(t))
    same_error(lambda: jdist.send(jt, 0, group_dst=0), lambda: tdist.send(t, 0, group_dst=0))
    # NOTE: torch's gloo fails on recv/isend/irecv with "Pair is not connected"; jtorch says why
    for fn in (lambda d, x: d.recv(x, 0), lambda d, x: d.isend(x, 0),
               lambda d, x: d.irecv(x, 0)):
        same_error(lambda: fn(jdist, jt), lambda: fn(tdist, t), exact=False)
    with pytest.raises(RuntimeError, match="single process"):
        jdist.recv(jt)


def test_monitored_barrier_needs_gloo(clean):
    _init_torch(None)
    _init_jtorch(None)
    same_error(lambda: jdist.monitored_barrier(), lambda: tdist.monitored_barrier())


def test_object_collectives(both):
    jt, t = pair(_np(3))
    cases = [
        lambda d, x: (lambda lst: (d.all_gather_object(lst, {"a": 1, "x": [1, 2]}), lst))([None]),
        lambda d, x: (lambda lst: (d.all_gather_object(lst, (1, "s")), lst))([None, 7]),
        lambda d, x: d.all_gather_object([], 1),
        lambda d, x: (lambda lst: (d.broadcast_object_list(lst, 0), lst))([1, "a", {"k": 2}]),
        lambda d, x: (lambda lst: (d.broadcast_object_list(lst, src=0), lst[2]))([1, "a", x]),
        lambda d, x: d.broadcast_object_list([1], 1),
        lambda d, x: (lambda lst: (d.gather_object([1, 2], lst, 0), lst))([None]),
        lambda d, x: (lambda lst: (d.gather_object({"g": 1}, lst), lst))([None, None]),
        lambda d, x: d.gather_object([1, 2], None, 0),
        lambda d, x: (lambda lst: (d.scatter_object_list(lst, [{"b": 2}], 0), lst))([None]),
        lambda d, x: (lambda lst: (d.scatter_object_list(lst, [[3]]), lst))([None, 5]),
        lambda d, x: d.scatter_object_list([None], [{"b": 2}, 3], 0),
        lambda d, x: d.scatter_object_list([], [{"b": 2}], 0),
        lambda d, x: d.scatter_object_list([None], None, 0),
    ]
    for i, fn in enumerate(cases):
        rj, rt = _run_both(fn, (jt,), (t,))
        if isinstance(rt, tuple) and isinstance(rt[1], torch.Tensor):
            assert rj[0] is None and rt[0] is None
            assert_same(rj[1], rt[1])
        else:
            assert rj == rt, (i, rj, rt)
    src = {"nested": [1, 2]}
    out = [None]
    jdist.all_gather_object(out, src)
    assert out[0] == src and out[0] is not src  # pickled round trip, as torch


def test_new_group(both):
    for d in (jdist, tdist):
        g = d.new_group()
        g2 = d.new_group([0])
        assert isinstance(g, d.ProcessGroup) and g is not d.group.WORLD
        assert (d.get_world_size(g2), d.get_rank(g2), d.get_backend(g2)) == (1, 0, "gloo")
        assert d.get_process_group_ranks(g2) == [0]
        assert (d.get_global_rank(g2, 0), d.get_group_rank(g2, 0)) == (0, 0)
        assert d.get_process_group_ranks(None) == [0]
        assert g2.group_name == "2" and g.size() == 1
        assert d.group.WORLD.name() == g2.name() == "gloo"
        x = torch.ones(2) if d is tdist else jtorch.ones(2)
        assert d.all_reduce(x, group=g2) is None
        d.destroy_process_group(g2)
    for fn in (lambda d: d.new_group([1]), lambda d: d.new_group([0, 0])):
        same_error(lambda: fn(jdist), lambda: fn(tdist))


# ---- DistributedDataParallel ------------------------------------------------------------

def _modules():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                             torch.nn.Linear(4, 2))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(3, 4), jtorch.nn.BatchNorm1d(4), jtorch.nn.ReLU(),
                              jtorch.nn.Linear(4, 2))
    jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return jm, tm


def test_ddp_basics(both):
    JD, TD = jtorch.nn.parallel.DistributedDataParallel, torch.nn.parallel.DistributedDataParallel
    assert jtorch.nn.DistributedDataParallel is JD
    assert [p for p in inspect.signature(JD.__init__).parameters] == \
        [p for p in inspect.signature(TD.__init__).parameters]
    jm, tm = _modules()
    jd, td = JD(jm), TD(tm)
    assert jd.module is jm and repr(jd) == repr(td)
    assert list(jd.state_dict()) == list(td.state_dict())
    assert [n for n, _ in jd.named_parameters()] == [n for n, _ in td.named_parameters()]
    for attr in ("device_ids", "output_device", "broadcast_buffers", "find_unused_parameters",
                 "dim", "require_backward_grad_sync", "gradient_as_bucket_view", "static_graph"):
        assert getattr(jd, attr) == getattr(td, attr), attr
    assert str(jd.device) == str(td.device) and jd.process_group is jdist.group.WORLD
    for kw in (dict(device_ids=[]), dict(output_device=0), dict(find_unused_parameters=True),
               dict(forward_sync_buffers=False)):
        jx, tx = JD(jm, **kw), TD(tm, **kw)
        assert (jx.device_ids, jx.broadcast_buffers, jx.find_unused_parameters) == \
            (tx.device_ids, tx.broadcast_buffers, tx.find_unused_parameters)
    for mk in (lambda nn: nn.ReLU(), lambda nn: nn.Linear(2, 2).requires_grad_(False)):
        same_error(lambda: JD(mk(jtorch.nn)), lambda: TD(mk(torch.nn)))
    same_error(lambda: JD(jtorch.nn.Linear(2, 2), device_ids=[0]),
               lambda: TD(torch.nn.Linear(2, 2), device_ids=[0]))
    for kw in (dict(broadcast_buffers=False), dict(check_reduction=True),
               dict(broadcast_buffers=True, forward_sync_buffers=False)):
        with pytest.warns(FutureWarning) as wj:
            jx = JD(jm, **kw)
        with pytest.warns(FutureWarning) as wt:
            tx = TD(tm, **kw)
        assert [str(w.message) for w in wj if w.category is FutureWarning] == \
            [str(w.message) for w in wt if w.category is FutureWarning]
        assert jx.broadcast_buffers == tx.broadcast_buffers
        assert jx.forward_sync_buffers == tx.forward_sync_buffers


def test_ddp_training_matches(both):
    jm, tm = _modules()
    jref, _ = _modules()
    jd = jtorch.nn.parallel.DistributedDataParallel(jm)
    td = torch.nn.parallel.DistributedDataParallel(tm)
    jopt = jtorch.optim.SGD(jd.parameters(), lr=0.1)
    topt = torch.optim.SGD(td.parameters(), lr=0.1)
    ropt = jtorch.optim.SGD(jref.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for step in range(3):
        xj, xt = pair(rng.standard_normal((5, 3)).astype(np.float32))
        for opt in (jopt, topt, ropt):
            opt.zero_grad()
        if step == 2:
            with jd.join(), td.join():
                jd(xj).square().sum().backward()
                td(xt).square().sum().backward()
        elif step == 1:
            with jd.no_sync(), td.no_sync():
                assert jd.require_backward_grad_sync is td.require_backward_grad_sync is False
                jd(xj).square().sum().backward()
                td(xt).square().sum().backward()
            assert jd.require_backward_grad_sync is td.require_backward_grad_sync is True
        else:
            jd(xj).square().sum().backward()
            td(xt).square().sum().backward()
        jref(xj).square().sum().backward()
        for (n, pj), (_, pt), (_, pr) in zip(jm.named_parameters(), tm.named_parameters(),
                                             jref.named_parameters()):
            assert_same(pj.grad, pt.grad, rtol=1e-5, atol=1e-5, where=f"step {step} {n}: ")
            assert np.array_equal(pj.grad.numpy(), pr.grad.numpy())
        for opt in (jopt, topt, ropt):
            opt.step()
    for (k, vj), (_, vt) in zip(jd.state_dict().items(), td.state_dict().items()):
        assert_same(vj, vt, rtol=1e-5, atol=1e-5, where=k)


def test_distributed_sampler_after_init(both):
    from jtorch.utils.data import DistributedSampler as JS
    from torch.utils.data import DistributedSampler as TS
    js, ts = JS(range(10), shuffle=False), TS(range(10), shuffle=False)
    assert (js.num_replicas, js.rank, len(js)) == (ts.num_replicas, ts.rank, len(ts)) == (1, 0, 10)
    assert list(js) == list(ts)
    same_error(lambda: JS(range(4), rank=1), lambda: TS(range(4), rank=1))


_SCRIPT = """
import sys
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

if dist.is_available() and not dist.is_initialized():
    dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
net = nn.Linear(4, 1)
with torch.no_grad():
    net.weight.copy_(torch.tensor([[0.1, -0.2, 0.3, -0.4]]))
    net.bias.fill_(0.05)
model = DDP(net)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
ds = TensorDataset(torch.arange(32.).reshape(8, 4) / 32, torch.ones(8, 1))
sampler = DistributedSampler(ds, shuffle=False)
for epoch in range(2):
    sampler.set_epoch(epoch)
    for x, y in DataLoader(ds, batch_size=4, sampler=sampler):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    t = loss.detach().clone()
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    if rank == 0:
        print(f"epoch {epoch} loss {t.item():.5f} world {world}")
objs = [None] * world
dist.all_gather_object(objs, {"rank": rank})
print(objs, list(model.state_dict()), dist.get_backend())
dist.barrier()
dist.destroy_process_group()
print(dist.is_initialized())
print("jtorch" in sys.modules, file=sys.stderr)
"""


def test_unmodified_ddp_script_under_compat(tmp_path):
    """A torchrun-style DDP script (env:// rendezvous) prints the same under torch and jtorch."""
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = []
    for paths in ([], [os.path.join(root, "compat"), root]):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_port()))
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                              text=True, timeout=120, cwd=str(tmp_path), stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stderr.strip().endswith(str(bool(paths))), proc.stderr[-3000:]
        out.append(proc.stdout)
    assert "epoch 1" in out[0] and out[1] == out[0]
