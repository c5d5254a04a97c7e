"""torch.compiler's API (stances, disable, decorators, backends, caches, guard filters, config)
and torch._dynamo's markers, against torch 2.13.

NOTE: torch compiles here with backend="eager" (fast on CPU); the stance and disable semantics
compared are Dynamo's, not the backend's. jtorch's first call of a compiled function runs
eagerly (its warm-up), so jtorch functions are called once more before flags are compared.
"""
import inspect
import types

import numpy as np
import pytest
import torch

import jtorch
import jtorch._dynamo as jdynamo
import jtorch.compiler as jc
from jtorch._compile.compiled import DataDependentControlFlowError, counters
from tests._harness import assert_same, assert_same_error, assert_same_raise


@pytest.fixture(autouse=True)
def _default_stance():
    yield
    torch.compiler.set_stance("default")
    jc.set_stance("default")
    jc.set_default_backend(None)
    torch.compiler.set_default_backend(None)


def _flagged(mod):
    """x + is_compiling(): tells a compiled call from an eager one."""
    def f(x):
        return x + int(mod.compiler.is_compiling())
    return f


def test_every_public_name_with_torch_signature():
    for name in torch.compiler.__all__:
        assert hasattr(jc, name), name
        t, j = getattr(torch.compiler, name), getattr(jc, name)
        if name == "config":
            continue
        pt = [(p.name, p.kind, p.default) for p in inspect.signature(t).parameters.values()]
        pj = [(p.name, p.kind, p.default) for p in inspect.signature(j).parameters.values()]
        assert pt == pj, (name, pt, pj)
        assert j.__doc__, name


def test_compile_is_torch_compile():
    f = jc.compile(lambda x: x * 2)
    x = jtorch.arange(3.)
    for _ in range(2):
        assert_same(f(x), torch.arange(3.) * 2)
    assert isinstance(f, jtorch._compile.CompiledFunction)


def test_force_eager_runs_compiled_functions_eagerly():
    tf = torch.compile(_flagged(torch), backend="eager")
    jf = jc.compile(_flagged(jtorch))
    xt, xj = torch.zeros(2), jtorch.zeros(2)
    tf(xt)
    jf(xj)  # NOTE: jtorch's eager warm-up call
    assert_same(jf(xj), tf(xt))  # compiled: 1
    traces = counters["traces"]
    with torch.compiler.set_stance("force_eager"), jc.set_stance("force_eager"):
        assert_same(jf(xj), tf(xt))  # eager: 0
        assert_same(jf(jtorch.zeros(3)), tf(torch.zeros(3)))
    assert counters["traces"] == traces
    assert_same(jf(xj), tf(xt))  # compiled again

    # function form and decorator form
    torch.compiler.set_stance("force_eager")
    jc.set_stance("force_eager")
    assert_same(jf(xj), tf(xt))
    torch.compiler.set_stance("default")
    jc.set_stance("default")
    assert_same(jf(xj), tf(xt))

    @torch.compiler.set_stance("force_eager")
    def tg(x):
        return tf(x)

    @jc.set_stance("force_eager")
    def jg(x):
        return jf(x)
    assert_same(jf(xj), tf(xt))  # the decorator alone changes nothing
    assert_same(jg(xj), tg(xt))
    assert_same(jf(xj), tf(xt))


def test_fail_on_recompile():
    def f(x):
        return x.sin() + 1
    tf, jf = torch.compile(f, backend="eager"), jc.compile(f)
    with torch.compiler.set_stance("fail_on_recompile"), jc.set_stance("fail_on_recompile"):
        # NOTE: torch fails on the first compile as well
        assert_same_error(lambda: jf(jtorch.ones(2)), lambda: tf(torch.ones(2)))
    tf(torch.ones(2))
    jf(jtorch.ones(2))
    with torch.compiler.set_stance("fail_on_recompile"), jc.set_stance("fail_on_recompile"):
        for _ in range(2):  # NOTE: jtorch traces its first program here: no recompile
            assert_same(jf(jtorch.ones(2)), tf(torch.ones(2)))
        ej, et = assert_same_raise(lambda: jf(jtorch.ones(3)), lambda: tf(torch.ones(3)))
        assert str(ej) == str(et).split("\n")[0]
    assert_same(jf(jtorch.ones(3)), tf(torch.ones(3)))


def test_eager_on_recompile():
    tf = torch.compile(_flagged(torch), backend="eager")
    jf = jc.compile(_flagged(jtorch))
    tf(torch.zeros(2))
    jf(jtorch.zeros(2))
    with torch.compiler.set_stance("eager_on_recompile"), jc.set_stance("eager_on_recompile"):
        assert_same(jf(jtorch.zeros(2)), tf(torch.zeros(2)))  # cached program: 1
        assert_same(jf(jtorch.zeros(3)), tf(torch.zeros(3)))  # would recompile: eager, 0
        assert_same(jf(jtorch.zeros(2)), tf(torch.zeros(2)))


def test_stance_errors():
    tf = torch.compile(_flagged(torch), backend="eager")
    jf = jc.compile(_flagged(jtorch))
    for _ in range(2):
        jf(jtorch.zeros(1))
    tf(torch.zeros(1))

    def call(mod, f, x):
        with mod.compiler.set_stance("nonsense"):
            return f(x)
    assert_same_error(lambda: call(jtorch, jf, jtorch.zeros(1)),
                      lambda: call(torch, tf, torch.zeros(1)))
    assert_same_error(lambda: jc.set_stance("force_eager", force_backend="eager"),
                      lambda: torch.compiler.set_stance("force_eager", force_backend="eager"))

    def inside(mod):
        def g(x):
            mod.compiler.set_stance("force_eager")
            return x + 1
        return g
    tg, jg = torch.compile(inside(torch), backend="eager"), jc.compile(inside(jtorch))
    jg(jtorch.zeros(1))  # NOTE: the eager warm-up may set a stance, as eager code may
    jc.set_stance("default")
    assert_same_raise(lambda: jg(jtorch.zeros(1)), lambda: tg(torch.zeros(1)),
                      contains=["Attempt to trace forbidden callable"])


def test_disable_forms_and_values():
    def body(x):
        return x * 2 + 1
    for mod in (torch, jtorch):
        d1 = mod.compiler.disable(body)
        d2 = mod.compiler.disable(recursive=False)(body)
        d3 = mod.compiler.disable(reason="why")(body)
        assert d1.__name__ == d2.__name__ == d3.__name__ == "body"
        assert d1.__wrapped__ is body
    assert_same_error(lambda: jc.disable().__enter__(), lambda: torch.compiler.disable().__enter__())

    def outer(mod):
        inner = mod.compiler.disable(body)
        return lambda x: inner(x).sum() + x
    tf, jf = torch.compile(outer(torch), backend="eager"), jc.compile(outer(jtorch))
    for _ in range(2):
        assert_same(jf(jtorch.arange(3.)), tf(torch.arange(3.)))
    # a disabled module runs (and is wrapped) as under torch
    jm, tm = jtorch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in jm.state_dict().items()})
    jd, td = jc.disable(jm), torch.compiler.disable(tm)
    assert type(jd).__name__ == type(td).__name__ == "OptimizedModule"
    for _ in range(2):
        assert_same(jd(jtorch.ones(1, 2)), td(torch.ones(1, 2)))


def test_disabled_data_dependent_branch_says_jtorch_cannot_graph_break():
    @jc.disable
    def branchy(x):
        return x + 1 if x.sum() > 0 else x - 1
    assert_same(branchy(jtorch.ones(2)), torch.ones(2) + 1)  # eager: runs
    jf = jc.compile(lambda x: branchy(x) * 2)
    jf(jtorch.ones(2))
    with pytest.raises(DataDependentControlFlowError, match="cannot graph-break"):
        jf(jtorch.ones(2))


def test_marking_decorators_return_the_function():
    def f(x):
        return x
    for mod in (torch, jtorch):
        assert mod.compiler.allow_in_graph(f) is f
        assert mod.compiler.assume_constant_result(f) is f
        assert f._dynamo_marked_constant is True
        assert mod.compiler.cudagraph_mark_step_begin() is None
    assert_same_error(lambda: jc.substitute_in_graph(np.sum),
                      lambda: torch.compiler.substitute_in_graph(np.sum))
    assert_same_error(lambda: jc.substitute_in_graph(f)(np.sum),
                      lambda: torch.compiler.substitute_in_graph(f)(np.sum))

    def g(a, b):
        return a

    def h(a, c):
        return a
    assert_same_error(lambda: jc.substitute_in_graph(g)(h),
                      lambda: torch.compiler.substitute_in_graph(g)(h))
    w = jc.substitute_in_graph(g)(lambda *args, **kwargs: "polyfill")
    assert w(1, 2) == 1 and w.__torch_dynamo_original__ is g


def test_backends():
    assert set(jc.list_backends()) <= set(torch.compiler.list_backends())
    assert jc.get_default_backend() == torch.compiler.get_default_backend()
    for b in ("eager", None):
        torch.compiler.set_default_backend(b)
        jc.set_default_backend(b)
        assert jc.get_default_backend() == torch.compiler.get_default_backend()
    assert_same_error(lambda: jc.set_default_backend(3),
                      lambda: torch.compiler.set_default_backend(3))
    seq_t = [torch.compiler.set_enable_guard_collectives(v) for v in (False, True, True, False)]
    seq_j = [jc.set_enable_guard_collectives(v) for v in (False, True, True, False)]
    assert seq_j == seq_t


def test_wrap_numpy_and_nested_compile_region():
    def np_fn(a, b):
        return a * b + 1, np.float64(2)
    tw, jw = torch.compiler.wrap_numpy(np_fn), jc.wrap_numpy(np_fn)
    rt, rj = tw(torch.ones(2), torch.full((2,), 3.)), jw(jtorch.ones(2), jtorch.full((2,), 3.))
    assert_same(rj[0], rt[0])
    assert rj[1] == rt[1]
    assert_same(jw(jtorch.ones(2), 2)[0], tw(torch.ones(2), 2)[0])
    jf = jc.compile(lambda x: jw(x, 2)[0])
    jf(jtorch.ones(2))
    with pytest.raises(NotImplementedError, match="wrap_numpy"):
        jf(jtorch.ones(2))

    def block(x):
        return x.cos() * 3
    tn, jn = torch.compiler.nested_compile_region(block), jc.nested_compile_region(block)
    assert_same(jn(jtorch.arange(3.)), tn(torch.arange(3.)))
    jt = jc.compile(lambda x: jn(jn(x)))
    for _ in range(2):
        assert_same(jt(jtorch.arange(3.)), tn(tn(torch.arange(3.))))
    assert_same(jc.nested_compile_region(max_reuse_entries=2)(block)(jtorch.ones(1)),
                block(torch.ones(1)))


def test_caches_are_honest():
    assert jc.save_cache_artifacts() is None
    with pytest.raises(NotImplementedError, match="cache artifacts"):
        jc.load_cache_artifacts(b"x")
    with pytest.raises(NotImplementedError, match="AOT-compiled"):
        jc.load_compiled_function(None)


def test_guard_filters_match_torch():
    def entry(mod, guard_type, is_global, value, builtin, nn_mod):
        src = types.SimpleNamespace(is_unspecialized_builtin_nn_module=lambda: builtin,
                                    is_unspecialized_nn_module=lambda: nn_mod)
        return types.SimpleNamespace(guard_type=guard_type, is_global=is_global, value=value,
                                     orig_guard=types.SimpleNamespace(source=src))

    def entries(mod):
        p = mod.nn.Parameter(mod.ones(1))
        return [entry(mod, "TENSOR_MATCH", False, p, True, True),
                entry(mod, "TENSOR_MATCH", True, mod.ones(1), False, True),
                entry(mod, "GLOBAL_STATE", True, None, False, False),
                entry(mod, "ID_MATCH", False, 3, True, False)]
    for name in ("keep_portable_guards_unsafe", "skip_guard_on_inbuilt_nn_modules_unsafe",
                 "skip_guard_on_all_nn_modules_unsafe", "keep_tensor_guards_unsafe",
                 "skip_guard_on_globals_unsafe", "skip_all_guards_unsafe"):
        assert getattr(jc, name)(entries(jtorch)) == getattr(torch.compiler, name)(
            entries(torch)), name
    assert (jc.keep_tensor_guards_unsafe(entries(jtorch), keep_parameters=True)
            == torch.compiler.keep_tensor_guards_unsafe(entries(torch), keep_parameters=True))


def test_flags_inside_compiled_function():
    def f(mod):
        def g(x):
            c = mod.compiler
            return x + int(c.is_compiling()) + 10 * int(c.is_dynamo_compiling()) \
                + 100 * int(c.is_exporting()) + 1000 * int(mod._dynamo.is_compiling())
        return g
    tf, jf = torch.compile(f(torch), backend="eager"), jc.compile(f(jtorch))
    jf(jtorch.zeros(1))
    assert_same(jf(jtorch.zeros(1)), tf(torch.zeros(1)))
    assert_same(f(jtorch)(jtorch.zeros(1)), f(torch)(torch.zeros(1)))


def test_flags_inside_torch_export():
    def make(mod):
        seen = []

        class M(mod.nn.Module):
            def forward(self, x):
                c = mod.compiler
                seen.append((c.is_exporting(), c.is_compiling(), c.is_dynamo_compiling(),
                             mod._dynamo.is_compiling()))
                return x * 2
        return M(), seen
    (tm, t_seen), (jm, j_seen) = make(torch), make(jtorch)
    torch.export.export(tm, (torch.randn(2),))
    jtorch.export.export(jm, (jtorch.randn(2),))
    assert j_seen and set(j_seen) == set(t_seen)
    assert not jc.is_exporting()


def test_config_defaults_and_shared_settings():
    import importlib
    assert importlib.import_module("jtorch.compiler.config") is jc.config
    for k in torch.compiler.config._config:
        assert getattr(jc.config, k) == getattr(torch.compiler.config, k), k
    old = jc.config.recompile_limit
    try:
        jc.config.recompile_limit = 3
        assert jdynamo.config.recompile_limit == 3 and jdynamo.config.cache_size_limit == 3
    finally:
        jc.config.recompile_limit = old
    with pytest.raises(AttributeError):
        jc.config.no_such_setting


def test_dynamo_markers_match_torch():
    def marks(t):
        d = {k: v for k, v in vars(t).items() if k.startswith("_dynamo") or k in (
            "_specialize_on", "_has_dynamo_dim_marking")}
        d.pop("_dynamo_dynamic_range", None)
        return d, {(r.dim, r.min, r.max) for r in getattr(t, "_dynamo_dynamic_range", ())}
    for args, kw in [((0,), {}), (([0, 1],), {"min": 2, "max": 9})]:
        tt, jt = torch.ones(3, 4), jtorch.ones(3, 4)
        torch._dynamo.mark_dynamic(tt, *args, **kw)
        jdynamo.mark_dynamic(jt, *args, **kw)
        torch._dynamo.mark_static(tt, 1)
        jdynamo.mark_static(jt, 1)
        torch._dynamo.maybe_mark_dynamic(tt, 0)
        jdynamo.maybe_mark_dynamic(jt, 0)
        assert marks(jt) == marks(tt)
    tt, jt = torch.ones(3, 4), jtorch.ones(3, 4)
    torch._dynamo.mark_static(tt)
    jdynamo.mark_static(jt)
    assert marks(jt) == marks(tt)
    assert_same_error(lambda: jdynamo.mark_static(int), lambda: torch._dynamo.mark_static(int))
    assert_same_error(lambda: jdynamo.mark_dynamic(jt, "a"),
                      lambda: torch._dynamo.mark_dynamic(tt, "a"))
    assert jdynamo.graph_break() is torch._dynamo.graph_break() is None
    pt = inspect.signature(torch._dynamo.disable).parameters
    assert list(inspect.signature(jdynamo.disable).parameters) == list(pt)
    assert jdynamo.disable(wrapping=False)(lambda x: x + 1)(1) == 2
    for name in ("allow_in_graph", "assume_constant_result", "set_stance",
                 "list_backends", "substitute_in_graph", "mark_static_address"):
        assert hasattr(torch._dynamo, name) and hasattr(jdynamo, name), name

    def g(mod):
        def h(x):
            y = x * 2
            mod._dynamo.graph_break()
            return y + 1
        return h
    tf, jf = torch.compile(g(torch), backend="eager"), jc.compile(g(jtorch))
    for _ in range(2):
        assert_same(jf(jtorch.arange(3.)), tf(torch.arange(3.)))


def test_import_torch_compiler_config_through_the_shim():
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(root, "compat"), root]))
    code = ("import torch.compiler.config as c, torch._dynamo, jtorch\n"
            "assert c is jtorch.compiler.config and c.recompile_limit == 8\n"
            "from torch.compiler import config\nassert config is c\nprint('ok')")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.strip() == "ok", r.stderr[-2000:]
