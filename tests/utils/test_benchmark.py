"""torch.utils.benchmark: Timer, Measurement reprs, Compare tables and helpers vs torch.

Times differ between runs and libraries, so measurements are built from fixed raw times where
the text is compared exactly, and real Timer runs are compared by the structure of their text.
"""
import re

import pytest
import torch
import torch.utils.benchmark as tb

import jtorch
import jtorch.utils.benchmark as jb


def _spec(lib, **kw):
    return lib.TaskSpec(**{"stmt": "x + y", "setup": "pass", **kw})


def _measurement(lib, times, number=10, **kw):
    return lib.Measurement(number_per_run=number, raw_times=list(times), task_spec=_spec(lib, **kw))


def _strip_address(text):
    return re.sub(r"<(j?torch)\.utils\.benchmark\.utils\.common\.Measurement object at 0x[0-9a-f]+>",
                  "<Measurement>", text)


def test_public_names():
    for name in ["Timer", "timer", "Language", "Measurement", "TaskSpec", "Compare",
                 "Colorize", "select_unit", "unit_to_english", "trim_sigfig", "ordered_unique",
                 "set_torch_threads"]:
        assert hasattr(tb, name) and hasattr(jb, name), name


@pytest.mark.parametrize("times", [
    [1e-5, 1.1e-5, 1.05e-5, 0.98e-5, 1.2e-5, 1.01e-5],       # several, small IQR
    [2e-3],                                                 # one measurement
    [3e-7, 9e-7, 1e-7],                                     # < 4: no IQR line
    [1.0, 2.0, 3.0, 8.0, 2.5],                              # seconds, big IQR warning
    [5e-8, 5.1e-8, 5.2e-8, 7e-8, 5e-8],                     # nanoseconds, warning
])
@pytest.mark.parametrize("kw", [
    {}, {"label": "add", "sub_label": "f32", "description": "n=8"},
    {"setup": "a = 1\nb = 2", "description": "multi"}, {"num_threads": 4, "sub_label": "s"},
])
def test_measurement_repr_and_stats(times, kw):
    tm, jm = _measurement(tb, times, **kw), _measurement(jb, times, **kw)
    assert _strip_address(repr(jm)) == _strip_address(repr(tm))
    assert jm.median == pytest.approx(tm.median, rel=1e-12)
    assert jm.mean == pytest.approx(tm.mean, rel=1e-12)
    assert jm.iqr == pytest.approx(tm.iqr, rel=1e-9, abs=1e-18)
    assert jm.times == tm.times
    assert jm.significant_figures == tm.significant_figures
    assert jm.has_warnings == tm.has_warnings
    assert jm.meets_confidence(0.2) == tm.meets_confidence(0.2)
    assert (jm.title, jm.as_row_name, jm.env, jm.label) == (tm.title, tm.as_row_name, tm.env,
                                                            tm.label)


def test_measurement_merge():
    tms = [_measurement(tb, [1e-5, 2e-5]), _measurement(tb, [3e-5]), _measurement(tb, [1e-3],
                                                                                  label="b")]
    jms = [_measurement(jb, [1e-5, 2e-5]), _measurement(jb, [3e-5]), _measurement(jb, [1e-3],
                                                                                  label="b")]
    tmerged, jmerged = tb.Measurement.merge(tms), jb.Measurement.merge(jms)
    assert [m.times for m in jmerged] == [m.times for m in tmerged]
    assert [m.number_per_run for m in jmerged] == [1, 1]


@pytest.mark.parametrize("t", [3e-10, 4.2e-9, 1e-6, 3.3e-6, 7.5e-4, 0.02, 1.0, 42.0])
def test_select_unit(t):
    assert jb.select_unit(t) == tb.select_unit(t)


@pytest.mark.parametrize("x,n", [(3.14159, 2), (123456.7, 3), (0.000123456, 2), (9.99, 1),
                                 (1000.0, 4), (27.5, 2), (0.5, 1)])
def test_trim_sigfig(x, n):
    assert jb.trim_sigfig(x, n) == tb.trim_sigfig(x, n)


def test_small_helpers():
    for u in ["ns", "us", "ms", "s"]:
        assert jb.unit_to_english(u) == tb.unit_to_english(u)
    assert jb.ordered_unique([3, 1, 3, 2, 1]) == tb.ordered_unique([3, 1, 3, 2, 1])
    before = jtorch.get_num_threads()
    with jb.set_torch_threads(1):
        assert jtorch.get_num_threads() == 1
    assert jtorch.get_num_threads() == before


def _compare_results(lib):
    rows = [("f32", "n=1", [1.1e-5, 1.2e-5, 1.15e-5, 1.1e-5]),
            ("f32", "n=8", [2.3e-5, 2.5e-5, 2.4e-5, 2.45e-5]),
            ("f64", "n=1", [4.1e-5, 4.0e-5, 9.0e-5, 4.2e-5, 4.1e-5]),
            ("f64", "n=8", [1.3e-4, 1.3e-4, 1.31e-4, 1.32e-4])]
    out = [_measurement(lib, t, number=100, label="add", sub_label=s, description=d)
           for s, d, t in rows]
    out.append(_measurement(lib, [1e-3, 1.1e-3], label="other", sub_label="x",
                            description="n=1", num_threads=2, env="envA"))
    out.append(_measurement(lib, [2e-3, 2.1e-3], label="other", sub_label="x",
                            description="n=1", num_threads=1, env="envB"))
    out.append(_measurement(lib, [2e-3, 2.2e-3], label="other", sub_label="x",
                            description="n=1", num_threads=1, env="envA"))
    return out


@pytest.mark.parametrize("options", [(), ("trim",), ("colorize",), ("rowwise",),
                                     ("trim", "colorize", "warnings")])
def test_compare_table(options, capsys):
    tables = []
    for lib in (tb, jb):
        c = lib.Compare(_compare_results(lib)[:2])
        c.extend_results(_compare_results(lib)[2:])
        if "trim" in options:
            c.trim_significant_figures()
        if "colorize" in options:
            c.colorize()
        if "rowwise" in options:
            c.colorize(rowwise=True)
        if "warnings" in options:
            c.highlight_warnings()
        c.print()
        tables.append(capsys.readouterr().out)
        assert tables[-1] == str(c) + "\n"
    assert tables[1] == tables[0]
    assert "Times are in microseconds (us)." in tables[1] and "1 threads: " in tables[1]


def test_compare_rejects_non_measurements():
    for lib in (tb, jb):
        with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
            lib.Compare([1])


def _structure(text):
    """A Measurement repr with the object address, numbers and time units replaced."""
    text = re.sub(r"\d+(\.\d+)?", "N", _strip_address(text))
    return re.sub(r"N (ns|us|ms|s)\b", "N <unit>", text)


def _timeit_repr(lib, mod):
    x = lib.ones(8)
    t = mod.Timer("x + x", globals={"x": x}, label="add", sub_label="f32", description="n=8")
    return t, t.timeit(50)


def test_timeit_repr_structure():
    tm, jm = _timeit_repr(torch, tb)[1], _timeit_repr(jtorch, jb)[1]
    assert _structure(repr(jm)).splitlines() == _structure(repr(tm)).splitlines()
    assert _structure(repr(jm)).splitlines() == [
        "<Measurement>", "add: fN", "n=N", "  N <unit>", "  N measurement, N runs , N thread"]


@pytest.mark.parametrize("lib_name", ["torch", "jtorch"])
def test_timer_methods(lib_name):
    lib, mod = (torch, tb) if lib_name == "torch" else (jtorch, jb)
    t, m = _timeit_repr(lib, mod)
    assert isinstance(m, mod.Measurement) and m.number_per_run == 50 and len(m.times) == 1
    b = t.blocked_autorange(min_run_time=0.02)
    assert sum(b.raw_times) >= 0.02 and b.number_per_run >= 1
    a = t.adaptive_autorange(min_run_time=0.01, max_run_time=0.1)
    assert len(a.times) >= 1
    calls = []
    t.blocked_autorange(callback=lambda n, s: calls.append(n), min_run_time=0.01)
    assert calls and all(n == calls[0] for n in calls)
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        t.repeat()
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        t.autorange()


def test_timer_injects_torch_and_validates():
    # NOTE: `torch` is bound in the statement's globals, as torch's Timer binds itself.
    m = jb.Timer("torch.ones(2) + 1").timeit(3)
    assert m.times[0] > 0
    assert jb.Timer("torch.ones(2)")._globals["torch"] is jtorch
    for lib in (tb, jb):
        with pytest.raises(ValueError, match="Currently only a `str` stmt is supported."):
            lib.Timer(stmt=lambda: 1)
        with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
            lib.Timer("pass", global_setup="int x;")
        with pytest.raises(ValueError, match="Invalid language"):
            lib.Timer("pass", language="rust")
    with pytest.raises(NotImplementedError):
        jb.Timer("pass", language="cpp")


def test_timer_dedents_and_setup_runs():
    stmt = """
        y = x * 2
        z = y + 1
    """
    t = jb.Timer(stmt, setup="x = torch.ones(3)")
    tt = tb.Timer(stmt, setup="x = torch.ones(3)")
    assert t._task_spec == jb.TaskSpec(**{f: getattr(tt._task_spec, f) for f in
                                         ["stmt", "setup", "global_setup", "label", "sub_label",
                                          "description", "env", "num_threads"]})
    assert t.timeit(5).task_spec.stmt == "y = x * 2\nz = y + 1"
