"""torch.accelerator, torch.mps/xpu/mtia and torch.get_device_module against torch (a CPU-only
build of torch is the oracle: with no JAX GPU backend jtorch must behave exactly like it)."""
import collections
import inspect
import warnings

import pytest
import torch
import torch.accelerator
import torch.mps
import torch.mtia
import torch.xpu

import jtorch
import jtorch.accelerator
import jtorch.mps
import jtorch.mtia
import jtorch.xpu
from jtorch._device_modules import get_device_module
from _harness import assert_same_error

HAS_GPU = jtorch.cuda.is_available()
cpu_only = pytest.mark.skipif(HAS_GPU, reason="the oracle is a CPU-only torch build")


def _run(src, T, mod):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return eval(src, {"T": T, "M": mod})


def _same(src, modname):
    """`src` (M: the module, T: torch or jtorch) returns the same value or raises the same error."""
    tmod, jmod = getattr(torch, modname), getattr(jtorch, modname)
    try:
        want = _run(src, torch, tmod)
    except Exception:  # noqa: BLE001
        assert_same_error(lambda: _run(src, jtorch, jmod), lambda: _run(src, torch, tmod))
        return
    got = _run(src, jtorch, jmod)
    assert type(got).__name__ == type(want).__name__, (got, want)
    assert repr(got) == repr(want), (got, want)


def _sig(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("modname", ["accelerator", "mps", "xpu", "mtia"])
def test_names_and_signatures(modname):
    tmod, jmod = getattr(torch, modname), getattr(jtorch, modname)
    if modname == "accelerator":
        assert jmod.__all__ == tmod.__all__
    else:  # NOTE: the commonly used subset of torch's device module
        assert set(jmod.__all__) <= set(dir(tmod)), set(jmod.__all__) - set(dir(tmod))
    for name in jmod.__all__:
        t, j = getattr(tmod, name), getattr(jmod, name)
        assert callable(j) and j.__doc__, name
        assert isinstance(j, type) == isinstance(t, type), name
        assert _sig(j) == _sig(t), (name, _sig(j), _sig(t))


ACCEL_CASES = [
    "M.is_available()", "M.current_accelerator()", "M.current_accelerator(True)",
    "M.current_accelerator(check_available=True)", "M.device_count()",
    "M.current_device_index()", "M.current_device_idx()",
    "M.get_device_capability()", "M.get_device_capability(0)", "M.get_device_capability('cpu')",
    "M.get_device_capability('cuda:0')", "M.get_device_capability('bogus')",
    "M.current_stream()", "M.current_stream('cuda:0')",
    "M.set_device_index(0)", "M.set_device_index(-1)", "M.set_device_idx(0)",
    "M.set_device_index('cuda')", "M.set_device_index(T.device('cpu'))",
    "M.set_device_index(None)", "M.set_device_index(1.5)",
    "M.synchronize()", "M.synchronize(0)", "M.synchronize('cuda:1')",
    "M.synchronize(T.device('cpu'))", "M.synchronize('xyz')", "M.synchronize(1.5)",
    "M.empty_cache()", "M.empty_host_cache()", "M.get_memory_info()", "M.get_memory_info('cpu')",
    "M.memory_stats()", "M.memory_stats('cuda')", "M.memory_stats('cpu')",
    "M.memory_allocated()", "M.memory_allocated(0)", "M.max_memory_allocated()",
    "M.memory_reserved('cuda:0')", "M.max_memory_reserved()",
    "M.reset_accumulated_memory_stats()", "M.reset_peak_memory_stats(0)",
    "M.device_index(0).__enter__()", "M.device_index(None).__enter__()",
    "M.Graph()", "M.Graph(True, capture_error_mode='relaxed')",
]


@cpu_only
@pytest.mark.parametrize("src", ACCEL_CASES)
def test_accelerator_without_gpu(src):
    _same(src, "accelerator")


@cpu_only
def test_tutorial_idiom():
    def pick(T):
        return (T.accelerator.current_accelerator().type if T.accelerator.is_available()
                else "cpu")
    assert pick(jtorch) == pick(torch) == "cpu"
    with jtorch.accelerator.device_index(None):
        pass


def test_deprecated_aliases_warn():
    for name, args in (("current_device_idx", ()), ("set_device_idx", (-1,))):
        for mod in (torch.accelerator, jtorch.accelerator):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                try:
                    getattr(mod, name)(*args)
                except RuntimeError:
                    pass
            assert [(x.category, str(x.message)) for x in w] == [
                (FutureWarning, f"Use `{name.replace('idx', 'index')}` instead.")], (mod, w)


def test_graph_is_a_class():
    assert isinstance(jtorch.accelerator.Graph, type)
    assert jtorch.accelerator.Graph.__module__ == "jtorch.accelerator"


# ---- with a (simulated) GPU: torch.accelerator delegates to jtorch.cuda ----------------------
@pytest.fixture
def fake_gpu(monkeypatch):
    """jtorch.cuda with two devices; records the calls the accelerator delegates."""
    calls = []
    state = {"cur": 0}
    cu = jtorch.cuda
    monkeypatch.setattr(cu, "is_available", lambda: True)
    monkeypatch.setattr(cu, "device_count", lambda: 2)
    monkeypatch.setattr(cu, "current_device", lambda: state["cur"])
    monkeypatch.setattr(cu, "set_device", lambda i: (calls.append(("set", i)),
                                                     state.__setitem__("cur", i)))
    monkeypatch.setattr(cu, "synchronize", lambda i=None: calls.append(("sync", i)))
    monkeypatch.setattr(cu, "memory_allocated", lambda i=None: 100 + i)
    monkeypatch.setattr(cu, "_jax_device", lambda i=None: i)
    monkeypatch.setattr(cu, "_stats", lambda jd: {"bytes_in_use": 7, "peak_bytes_in_use": 9,
                                                  "bytes_limit": 50})
    return calls


def test_accelerator_delegates_to_cuda(fake_gpu):
    A = jtorch.accelerator
    assert A.is_available() and A.device_count() == 2
    assert A.current_accelerator() == jtorch.device("cuda")
    assert A.current_accelerator(check_available=True) == jtorch.device("cuda")
    assert get_device_module() is jtorch.cuda
    A.set_device_index("cuda:1")
    assert A.current_device_index() == 1
    with A.device_index(0):
        assert A.current_device_index() == 0
    assert A.current_device_index() == 1
    A.synchronize()
    A.synchronize(jtorch.device("cuda", 0))
    assert fake_gpu == [("set", 1), ("set", 0), ("set", 1), ("sync", 1), ("sync", 0)]
    assert A.memory_allocated() == 101 and A.memory_allocated(0) == 100
    assert A.memory_stats() == collections.OrderedDict(
        [("allocated_bytes.all.current", 7), ("allocated_bytes.all.peak", 9),
         ("reserved_bytes.all.current", 7), ("reserved_bytes.all.peak", 9)])
    assert A.max_memory_reserved() == 9
    assert A.get_memory_info() == (43, 50)
    assert jtorch.float32 in A.get_device_capability()["supported_dtypes"]
    with pytest.raises(ValueError, match="cpu doesn't match the current accelerator cuda."):
        A.synchronize("cpu")
    with pytest.raises(ValueError, match="Expected a torch.device with a specified index"):
        A.set_device_index("cuda")
    for fn in (A.current_stream, A.reset_peak_memory_stats, A.Graph):
        with pytest.raises(NotImplementedError):
            fn()


# ---- torch.get_device_module ----------------------------------------------------------------
DEVICE_TYPES = ["cpu", "cuda", "ipu", "xpu", "mkldnn", "hip", "xla", "lazy", "mps", "meta",
                "hpu", "mtia", "privateuseone", "cuda:1"]


@cpu_only
@pytest.mark.filterwarnings("ignore:'mkldnn' is no longer used")
@pytest.mark.parametrize("arg", DEVICE_TYPES + [None, "bad", 0, 1.5])
def test_get_device_module(arg):
    def call(T):
        return (T.get_device_module if T is torch else get_device_module)(arg)
    try:
        want = call(torch)
    except RuntimeError:
        assert_same_error(lambda: call(jtorch), lambda: call(torch))
        return
    assert call(jtorch).__name__ == "j" + want.__name__
    if isinstance(arg, str):
        dev = get_device_module(jtorch.device(arg))
        assert dev.__name__ == "j" + torch.get_device_module(torch.device(arg)).__name__


# ---- torch.mps / torch.xpu / torch.mtia on a build without them ------------------------------
DEVICE_MODULE_CASES = {
    "mps": ["M.is_available()", "M.device_count()", "M.synchronize()", "M.manual_seed(3)",
            "M.manual_seed('x')", "M.seed()", "M.get_rng_state()",
            "M.set_rng_state(T.zeros(3, dtype=T.uint8))", "M.empty_cache()",
            "M.set_per_process_memory_fraction(0.5)", "M.set_per_process_memory_fraction(1)",
            "M.set_per_process_memory_fraction(3.0)", "M.current_allocated_memory()",
            "M.driver_allocated_memory()", "M.recommended_max_memory()"],
    "xpu": ["M.is_available()", "M.device_count()", "M.is_initialized()", "M.init()",
            "M.synchronize()", "M.synchronize(0)", "M.current_device()", "M.set_device(0)",
            "M.get_device_name()", "M.get_device_capability()", "M.get_device_properties(0)",
            "M.manual_seed(3)", "M.manual_seed('x')", "M.manual_seed_all(3)", "M.seed()",
            "M.seed_all()", "M.initial_seed()", "M.get_rng_state()", "M.get_rng_state_all()",
            "M.set_rng_state(T.zeros(3, dtype=T.uint8))", "M.empty_cache()", "M.memory_stats()",
            "M.memory_allocated()", "M.max_memory_allocated(0)", "M.memory_reserved()",
            "M.max_memory_reserved()", "M.mem_get_info()", "M.is_bf16_supported()",
            "M.is_tf32_supported()", "M.get_arch_list()", "M.current_stream()"],
    "mtia": ["M.is_available()", "M.device_count()", "M.is_initialized()", "M.init()",
             "M.synchronize()", "M.current_device()", "M.current_stream()", "M.set_device(0)",
             "M.set_device(-1)", "M.get_device_capability()", "M.get_device_properties()",
             "M.empty_cache()", "M.memory_stats()", "M.memory_allocated()",
             "M.max_memory_allocated()", "M.reset_peak_memory_stats()", "M.manual_seed(3)",
             "M.manual_seed('x')", "M.manual_seed_all(3)", "M.seed()", "M.seed_all()",
             "M.initial_seed()", "M.get_rng_state()", "M.get_rng_state_all()",
             "M.is_bf16_supported()"],
}


@pytest.mark.parametrize("modname,src", [(m, s) for m, cases in DEVICE_MODULE_CASES.items()
                                         for s in cases])
def test_device_module_without_device(modname, src):
    _same(src, modname)
