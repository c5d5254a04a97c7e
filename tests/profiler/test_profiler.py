"""torch.profiler / torch.autograd.profiler vs torch: tables, events, schedules, traces.

Timings never match, so the table printer is compared exactly on synthetic events with fixed
times (torch's and jtorch's FunctionEvent/EventList), and real profiles are compared by
structure: header columns, the user's ranges, their call counts and nesting, aten op rows.
"""
import gzip
import json
import os
import re
import warnings

import pytest
import torch
import torch.autograd.profiler as tap
import torch.autograd.profiler_util as tpu
import torch.profiler as tp

import jtorch
import jtorch.autograd.profiler as jap
import jtorch.profiler as jp
from jtorch._ops import registry
from jtorch.profiler import _events as jpu


def _columns(line):
    return [c for c in re.split(r"\s{2,}", line.strip()) if c]


def _header(table):
    return _columns(table.splitlines()[1])


def _rows(table):
    """{name: columns} for the body rows of a table."""
    lines = table.splitlines()
    body = lines[3:lines.index(lines[0], 3)]
    return {_columns(ln)[0]: _columns(ln) for ln in body}


def _script(lib, prof_mod, **kw):
    a = lib.ones(4, 5)
    b = lib.ones(5, 3)
    with prof_mod.profile(**kw) as prof:
        with prof_mod.record_function("my_block"):
            c = lib.mm(a, b)
            d = c + 1
            lib.mm(a, b).sum()
            del d
    return prof


# ---- real profiles: same structure as torch --------------------------------------------

@pytest.mark.parametrize("grouped", [False, True])
def test_table_columns_and_rows_match_torch(grouped):
    tt = _script(torch, tp, record_shapes=True).key_averages(
        group_by_input_shape=grouped).table(sort_by="cpu_time_total", row_limit=50)
    jt = _script(jtorch, jp, record_shapes=True).key_averages(
        group_by_input_shape=grouped).table(sort_by="cpu_time_total", row_limit=50)
    assert _header(jt) == _header(tt)
    expected = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "# of Calls"] + (["Input Shapes"] if grouped else [])
    assert _header(jt) == expected
    trows, jrows = _rows(tt), _rows(jt)
    for rows in (trows, jrows):
        assert rows["my_block"][6] == "1"
        assert rows["my_block"][3] == "100.00%"
        assert rows["aten::mm"][6] == "2"
        assert "aten::add" in rows and "aten::sum" in rows
        if grouped:
            assert rows["aten::mm"][7] == "[[4, 5], [5, 3]]"
            assert rows["my_block"][7] == "[]"
    assert jt.splitlines()[-1].startswith("Self CPU time total: ")
    assert len(jt.splitlines()[0]) == len(jt.splitlines()[2])


def test_events_nest_under_record_function():
    a = jtorch.ones(3, 3)
    with jp.profile() as prof:
        with jp.record_function("outer"):
            with jp.record_function("inner"):
                a + a
            a * 2
    ev = prof.events()
    assert isinstance(ev, jpu.EventList)
    names = [(e.name, e.cpu_parent.name if e.cpu_parent else None) for e in ev]
    assert names == [("outer", None), ("inner", "outer"), ("aten::add", "inner"),
                     ("aten::mul", "outer")]
    outer = ev[0]
    assert [c.name for c in outer.cpu_children] == ["inner", "aten::mul"]
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - sum(c.cpu_time_total for c in outer.cpu_children))
    for e in ev:
        assert e.time_range.start <= e.time_range.end
        if e.cpu_parent is not None:
            assert e.cpu_parent.time_range.start <= e.time_range.start
            assert e.time_range.end <= e.cpu_parent.time_range.end
    assert [e.is_user_annotation for e in ev] == [True, True, False, False]
    assert [e.id for e in ev] == [1, 2, 3, 4]
    ka = prof.key_averages()
    assert isinstance(ka[0], jpu.FunctionEventAvg)
    assert {e.key: e.count for e in ka} == {"outer": 1, "inner": 1, "aten::add": 1,
                                            "aten::mul": 1}
    assert ka.total_average().key == "Total"


def test_top_level_and_header_options_match_torch():
    kw = dict(top_level_events_only=True, header="HDR", time_unit="ms", row_limit=5)
    tt = _script(torch, tp).key_averages().table(**kw)
    jt = _script(jtorch, jp).key_averages().table(**kw)
    for t in (tt, jt):
        lines = t.splitlines()
        assert lines[1] == "HDR" and lines[3] == "This report only display top-level ops statistics"
        assert list(_rows("\n".join(lines[4:])).keys()) == ["my_block"]
        assert re.search(r"Self CPU time total: \d+\.\d{3}ms$", lines[-1])


def test_memory_and_flops_match_torch():
    kw = dict(record_shapes=True, profile_memory=True, with_flops=True)
    tprof, jprof = _script(torch, tp, **kw), _script(jtorch, jp, **kw)
    tt, jt = tprof.key_averages().table(), jprof.key_averages().table()
    assert _header(jt) == _header(tt)
    assert "Total FLOPs" in _header(jt) and "Self CPU Mem" in _header(jt)
    tmm = [e for e in tprof.events() if e.name == "aten::mm"]
    jmm = [e for e in jprof.events() if e.name == "aten::mm"]
    assert [e.flops for e in jmm] == [e.flops for e in tmm] == [120, 120]
    assert [e.cpu_memory_usage for e in jmm] == [e.cpu_memory_usage for e in tmm] == [48, 48]


def test_profiler_hook_is_removed_and_autocast_survives():
    assert registry.INTERCEPT is None and registry.PROFILE is None
    a = jtorch.ones(4, 4)
    with jtorch.autocast("cpu"):
        hook = registry.INTERCEPT
        assert hook is not None
        with jp.profile() as prof:
            y = jtorch.mm(a, a)
        assert registry.PROFILE is None and registry.INTERCEPT is hook
    assert registry.INTERCEPT is None
    assert y.dtype == jtorch.bfloat16  # NOTE: autocast still cast under the profiler
    ev = prof.events()
    mm = [e for e in ev if e.name == "aten::mm"]
    assert len(mm) == 1
    # NOTE: the casts run inside the op's range, as torch's autocast layer does
    assert mm[0].cpu_children and all(c.name == "aten::_to_copy" for c in mm[0].cpu_children)


def test_op_names_are_torch_aten_names():
    from jtorch._ops.registry import OPS
    from jtorch.profiler._names import _KEEP, event_name
    for name in OPS:
        ev = event_name(name)
        base = name[2:] if name.startswith("F.") else name
        if ev.startswith("aten::"):
            assert hasattr(torch.ops.aten, ev[len("aten::"):]), (name, ev)
        else:
            assert ev == name and name in _KEEP
            assert not hasattr(torch.ops.aten, base), name  # else it should map to aten
    assert event_name("add_alpha") == "aten::add" and event_name("F.softmax") == "aten::softmax"


def test_record_function_decorator_and_inactive():
    @jp.record_function("deco")
    def f(x):
        return x + 1

    @tp.record_function("deco")
    def g(x):
        return x + 1

    assert int(f(jtorch.ones(1)).item()) == 2  # no profiler: nothing recorded, no error
    with jp.profile() as jprof:
        f(jtorch.ones(1))
        f(jtorch.ones(1))
    with tp.profile() as tprof:
        g(torch.ones(1))
        g(torch.ones(1))
    jrows = _rows(jprof.key_averages().table())
    trows = _rows(tprof.key_averages().table())
    assert jrows["deco"][6] == trows["deco"][6] == "2"
    with jp.record_function("x") as r:
        assert isinstance(r, jp.record_function)
    assert jap.record_function is jp.record_function


# ---- schedules and steps ----------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=1, active=1,
                                repeat=2), dict(wait=2, warmup=1, active=3, repeat=1,
                                skip_first=3), dict(wait=1, warmup=2, active=1,
                                skip_first=2, skip_first_wait=1)])
def test_schedule_matches_torch(kw):
    ts, js = tp.schedule(**kw), jp.schedule(**kw)
    assert [js(i).name for i in range(20)] == [ts(i).name for i in range(20)]
    assert [a.value for a in jp.ProfilerAction] == [a.value for a in tp.ProfilerAction]
    assert [a.name for a in jp.ProfilerAction] == [a.name for a in tp.ProfilerAction]


def test_schedule_errors_and_warning():
    for lib in (tp, jp):
        with pytest.raises(AssertionError, match=r"Invalid profiler schedule arguments. Got "
                           r"wait=0 \(need >= 0\), warmup=0 \(need >= 0\), active=0"):
            lib.schedule(wait=0, warmup=0, active=0)
        with pytest.warns(UserWarning, match="Profiler won't be using warmup"):
            lib.schedule(wait=1, warmup=0, active=1)
        with pytest.raises(TypeError):
            lib.schedule(1, 1, 1)


def _run_schedule(lib, prof_mod, steps=7, quiet=True, **pkw):
    calls = []

    def ready(p):
        names = [e.name for e in p.events()]
        calls.append((p.step_num, names.count("ProfilerStep*"), names.count("aten::add")))

    x = lib.ones(3)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        with prof_mod.profile(schedule=prof_mod.schedule(wait=1, warmup=1, active=2),
                              on_trace_ready=ready, **pkw) as p:
            for _ in range(steps):
                x = x + 1
                p.step()
    return calls, p


@pytest.mark.parametrize("acc_events", [False, True])
def test_profile_steps_follow_schedule_like_torch(acc_events):
    tcalls, tprof = _run_schedule(torch, tp, acc_events=acc_events)
    jcalls, jprof = _run_schedule(jtorch, jp, acc_events=acc_events)
    assert jcalls == tcalls
    assert jprof.step_num == tprof.step_num == 7


def test_profiler_clears_events_warning():
    # NOTE: torch warns once per process (already spent by earlier tests), so only jtorch's
    # side is checked here; the text is torch's.
    import jtorch.profiler.profiler as jpp
    jpp._WARNED.clear()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        _run_schedule(jtorch, jp, quiet=False)
        _run_schedule(jtorch, jp, quiet=False)
    msgs = [str(x.message) for x in w if "Profiler clears events" in str(x.message)]
    assert msgs == ["Warning: Profiler clears events at the end of each cycle. Only events "
                    "from the current cycle will be reported. To keep events across cycles, "
                    "set acc_events=True."]


def test_tensorboard_trace_handler(tmp_path):
    for gz in (False, True):
        d = tmp_path / f"tb{gz}"
        x = jtorch.ones(2)
        with jp.profile(schedule=jp.schedule(wait=0, warmup=1, active=1, repeat=1),
                        on_trace_ready=jp.tensorboard_trace_handler(str(d), "worker0",
                                                                    use_gzip=gz)) as p:
            for _ in range(3):
                x = x * 2
                p.step()
        files = os.listdir(d)
        assert len(files) == 1
        assert re.fullmatch(r"worker0\.\d+\.pt\.trace\.json" + (r"\.gz" if gz else ""),
                            files[0])
        opener = gzip.open if gz else open
        with opener(d / files[0], "rt") as f:
            trace = json.load(f)
        names = [e["name"] for e in trace["traceEvents"] if e["ph"] == "X"]
        assert "aten::mul" in names and "ProfilerStep#1" in names


def test_export_chrome_trace_layout_matches_torch(tmp_path):
    traces = []
    for lib, mod in ((torch, tp), (jtorch, jp)):
        prof = _script(lib, mod, record_shapes=True)
        path = str(tmp_path / f"{mod.__name__}.json")
        prof.export_chrome_trace(path)
        with open(path) as f:
            traces.append(json.load(f))
    t, j = traces
    assert set(j) <= set(t) and {"traceEvents", "traceName", "schemaVersion"} <= set(j)
    tx = [e for e in t["traceEvents"] if e["ph"] == "X"]
    jx = [e for e in j["traceEvents"] if e["ph"] == "X"]
    assert set(jx[0]) == set(tx[0])
    assert jx[0]["name"] == tx[0]["name"] == "my_block"
    assert jx[0]["cat"] == tx[0]["cat"] == "user_annotation"
    jmm = next(e for e in jx if e["name"] == "aten::mm")
    tmm = next(e for e in tx if e["name"] == "aten::mm")
    assert jmm["cat"] == tmm["cat"] == "cpu_op"
    assert jmm["args"]["Input Dims"] == tmm["args"]["Input Dims"] == [[4, 5], [5, 3]]
    blk = jx[0]
    for e in jx[1:]:
        assert blk["ts"] <= e["ts"] and e["ts"] + e["dur"] <= blk["ts"] + blk["dur"] + 1e-3
    assert {e["name"] for e in j["traceEvents"] if e["ph"] == "M"} <= \
        {e["name"] for e in t["traceEvents"] if e["ph"] == "M"}


# ---- enums, activities, legacy API ------------------------------------------------------

def test_enums_match_torch():
    assert list(jp.ProfilerActivity.__members__) == list(tp.ProfilerActivity.__members__)
    assert [int(v) for v in jp.ProfilerActivity] == [int(v) for v in
                                                      tp.ProfilerActivity.__members__.values()]
    assert list(jp.DeviceType.__members__) == list(tp.DeviceType.__members__)
    assert [int(v) for v in jp.DeviceType] == [int(v) for v in
                                                tp.DeviceType.__members__.values()]
    assert str(jp.ProfilerActivity.CPU) == str(tp.ProfilerActivity.CPU)
    assert repr(jp.DeviceType.CPU) == repr(tp.DeviceType.CPU)
    assert repr(jp.ProfilerAction.RECORD) == repr(tp.ProfilerAction.RECORD)
    assert jp.kineto_available() is True
    if not jtorch.cuda.is_available():
        assert jp.supported_activities() == {jp.ProfilerActivity.CPU}
    assert sorted(jp.__all__) == sorted(set(tp.__all__) - {"ExecutionTraceObserver"})


def test_cuda_activity_without_gpu_warns_like_torch():
    if jtorch.cuda.is_available():
        pytest.skip("a GPU is present")
    for lib, mod in ((torch, tp), (jtorch, jp)):
        with pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling"):
            with mod.profile(activities=[mod.ProfilerActivity.CPU,
                                         mod.ProfilerActivity.CUDA]) as p:
                lib.ones(2) + 1
        assert "Self CUDA" not in p.key_averages().table()


def test_legacy_profile_api():
    t = _script(torch, tap, record_shapes=True)
    j = _script(jtorch, jap, record_shapes=True)
    assert isinstance(j.function_events, jpu.EventList)
    assert _header(j.key_averages(group_by_input_shape=True).table()) == \
        _header(t.key_averages(group_by_input_shape=True).table())
    assert _header(j.table()) == _header(t.table())
    assert str(j) == j.function_events.table()
    assert j.self_cpu_time_total == pytest.approx(j.function_events.self_cpu_time_total)
    assert j.total_average().count == len(j.function_events)
    for mod in (tap, jap):
        with mod.profile(enabled=False) as p:
            pass
        assert p is None
        p = mod.profile()
        with pytest.raises(RuntimeError, match="Profiler context manager is not reentrant"):
            with p:
                with p:
                    pass


def test_legacy_use_cuda_warnings_like_torch():
    if jtorch.cuda.is_available():
        pytest.skip("a GPU is present")
    got = []
    for mod in (tap, jap):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mod.profile(use_cuda=True)
        got.append([(x.category, str(x.message)) for x in w])
    assert got[1] == got[0]


def test_emit_nvtx_and_itt_like_torch():
    for mod in (tap, jap):
        with mod.emit_itt():
            pass
        with mod.emit_nvtx(enabled=False):
            pass
        if not jtorch.cuda.is_available():
            with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
                with mod.emit_nvtx():
                    pass


def test_profile_before_start_errors_like_torch():
    for mod in (tp, jp):
        with pytest.raises(AssertionError, match="Profiler must be initialized before getting "
                           "key averages"):
            mod.profile().key_averages()
        with pytest.raises(AssertionError, match="Profiler must be initialized before "
                           "accessing events"):
            mod.profile().events()


# ---- the table printer, exactly, on synthetic events -------------------------------------

_EVENTS = [  # (name, start, end, shapes, user annotation, memory, flops)
    ("ProfilerStep*", 0.0, 1500.0, [], True, 0, 0),
    ("forward", 10.0, 1200.0, [], True, 0, 0),
    ("aten::mm", 20.0, 520.5, [[64, 32], [32, 16]], False, 4096, 65536),
    ("aten::add", 530.0, 560.25, [[64, 16], []], False, 4096, 1024),
    ("aten::mm", 600.0, 1100.0, [[64, 32], [32, 16]], False, 4096, 65536),
    ("a_very_long_operator_name_that_exceeds_the_maximum_name_column_width_xx", 1210.0,
     1250.0, [[3]], False, 2 * 1024 * 1024, 0),
    ("aten::relu", 1300.0, 1300.5, [[1000, 1000, 1000]], False, 0, 0),
    ("forward", 2000.0, 3000000.0, [], True, 0, 0),
]


def _synthetic(mod_util, profile_memory=False, with_flops=False):
    evs = mod_util.EventList([
        mod_util.FunctionEvent(id=i + 1, name=n, thread=1, start_us=s, end_us=e,
                               input_shapes=sh, stack=[], is_user_annotation=u,
                               cpu_memory_usage=m, flops=f, overload_name="")
        for i, (n, s, e, sh, u, m, f) in enumerate(_EVENTS)],
        profile_memory=profile_memory, with_flops=with_flops)
    evs._build_tree()
    return evs


@pytest.mark.parametrize("opts", [
    {}, {"sort_by": "cpu_time_total"}, {"sort_by": "self_cpu_time_total", "row_limit": 3},
    {"header": "TITLE", "top_level_events_only": True}, {"time_unit": "us"},
    {"time_unit": "s"}, {"max_name_column_width": 20, "max_shapes_column_width": 12},
    {"sort_by": "count"},
])
@pytest.mark.parametrize("group", [False, True])
@pytest.mark.parametrize("extras", [(False, False), (True, True)])
def test_table_text_matches_torch_exactly(opts, group, extras):
    tev = _synthetic(tpu, *extras)
    jev = _synthetic(jpu, *extras)
    assert [(e.name, e.cpu_parent and e.cpu_parent.id) for e in jev] == \
        [(e.name, e.cpu_parent and e.cpu_parent.id) for e in tev]
    assert jev.table(**opts) == tev.table(**opts)
    tka = tev.key_averages(group_by_input_shapes=group)
    jka = jev.key_averages(group_by_input_shapes=group)
    assert jka.table(**opts) == tka.table(**opts)
    assert repr(jka[0]) == repr(tka[0])
    assert repr(jka.total_average()) == repr(tka.total_average())


def test_event_reprs_match_torch():
    tev, jev = _synthetic(tpu), _synthetic(jpu)
    assert [repr(e) for e in jev] == [repr(e) for e in tev]
    assert str(jev) == str(tev)
    assert jpu.EventList([]).table() == tpu.EventList([]).table() == ""


def test_legacy_profile_before_running_like_torch(tmp_path):
    for mod in (tap, jap):
        p = mod.profile()
        assert p.table() == "" and list(p.key_averages()) == [] and len(p.function_events) == 0
        assert p.total_average().key == "Total" and p.total_average().count == 0
        assert str(p) == "" and repr(p) == "[]"
        with pytest.raises(AssertionError, match=r"export_stacks\(\) requires with_stack=True"):
            p.export_stacks(str(tmp_path / "s.txt"))


def test_activity_arguments_like_torch():
    for mod in (tp, jp):
        with pytest.raises(AssertionError, match="No valid profiler activities found"):
            mod.profile(activities=[])
        with pytest.raises(ValueError, match="specified more than once"):
            mod.profile(activities=[mod.ProfilerActivity.CPU, mod.ProfilerActivity.CPU])
        with pytest.raises(TypeError, match="Expected ProfilerActivity or dict"):
            mod.profile(activities=[mod.ProfilerActivity.CPU, "cpu"])
        with pytest.warns(FutureWarning, match="`use_cuda` is deprecated, use `activities`"):
            p = mod.profile(use_cuda=False)
        assert mod.ProfilerActivity.CPU in p.activities
        p = mod.profile(activities=[{mod.ProfilerActivity.CPU: []}])
        assert p.activities == {mod.ProfilerActivity.CPU}


def test_ops_of_other_threads_are_recorded_apart():
    import threading
    a = jtorch.ones(2)
    with jp.profile() as prof:
        with jp.record_function("main_range"):
            t = threading.Thread(target=lambda: a * 3)
            t.start()
            t.join()
            a + 1
    ev = prof.events()
    by_name = {e.name: e for e in ev}
    assert by_name["aten::mul"].thread != by_name["main_range"].thread
    assert by_name["aten::mul"].cpu_parent is None  # NOTE: trees are built per thread
    assert by_name["aten::add"].cpu_parent is by_name["main_range"]
