"""torch.signal.windows and the top-level torch.*_window factories against torch's values."""
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise

SIG = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
       "general_hamming", "hamming", "hann", "kaiser", "nuttall"]
EXTRA = {"general_cosine": {"a": [0.46, 0.3, 0.24]}}
PARAMS = [
    ("exponential", {"tau": 2.5}), ("exponential", {"tau": 0.5, "sym": False, "center": 1.5}),
    ("gaussian", {"std": 0.7}), ("gaussian", {"std": 3.0, "sym": False}),
    ("kaiser", {"beta": 0.0}), ("kaiser", {"beta": 4.5}), ("kaiser", {"beta": 20.0, "sym": False}),
    ("general_hamming", {"alpha": 0.6}), ("general_cosine", {"a": (1.0,)}),
    ("general_cosine", {"a": [0.3635819, 0.4891775, 0.1365995, 0.0106411], "sym": False}),
]


def _tol(dtype):
    return dict(rtol=1e-5, atol=2e-6) if dtype in ("float32", None) else dict(rtol=1e-12,
                                                                             atol=1e-12)


def test_public_names():
    assert sorted(jtorch.signal.windows.__all__) == sorted(torch.signal.windows.__all__)


@pytest.mark.parametrize("name", SIG)
@pytest.mark.parametrize("M", [0, 1, 2, 7])
@pytest.mark.parametrize("sym", [True, False])
def test_signal_window_values(name, M, sym):
    kw = dict(EXTRA.get(name, {}), sym=sym)
    jt = getattr(jtorch.signal.windows, name)(M, **kw)
    t = getattr(torch.signal.windows, name)(M, **kw)
    assert_same(jt, t, **_tol(None))


@pytest.mark.parametrize("name,kw", PARAMS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_signal_window_parameters_and_dtypes(name, kw, dtype):
    for M in (1, 7):
        jt = getattr(jtorch.signal.windows, name)(M, dtype=getattr(jtorch, dtype), **kw)
        t = getattr(torch.signal.windows, name)(M, dtype=getattr(torch, dtype), **kw)
        assert_same(jt, t, **_tol(dtype))


def test_signal_window_default_dtype_and_requires_grad():
    jtorch.set_default_dtype(jtorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert_same(jtorch.signal.windows.hann(7), torch.signal.windows.hann(7), **_tol("f64"))
        assert_same(jtorch.hann_window(7), torch.hann_window(7), **_tol("f64"))
    finally:
        jtorch.set_default_dtype(jtorch.float32)
        torch.set_default_dtype(torch.float32)
    for name in SIG:
        for M in (0, 1, 7):
            jt = getattr(jtorch.signal.windows, name)(M, requires_grad=True, **EXTRA.get(name, {}))
            t = getattr(torch.signal.windows, name)(M, requires_grad=True, **EXTRA.get(name, {}))
            assert jt.requires_grad and t.requires_grad
            assert jt.is_leaf == t.is_leaf, (name, M)
            assert (jt.grad_fn and jt.grad_fn.name()) == (t.grad_fn and t.grad_fn.name()), (name, M)
    jt = jtorch.signal.windows.hann(7, requires_grad=True)
    jt.sum().backward()  # backward through the window runs like torch's
    assert str(jtorch.signal.windows.hann(7, device="cpu").device) == "cpu"


SIG_ERRORS = """
W.hann(-1)
W.kaiser(-3)
W.hann(5, dtype=L.float16)
W.bartlett(5, dtype=L.int64)
W.general_cosine(5, a=3)
W.general_cosine(5, a=[])
W.exponential(5, center=1.0)
W.exponential(5, tau=0)
W.exponential(5, tau=-1.0)
W.gaussian(5, std=0)
W.kaiser(5, beta=-1)
W.cosine(-2)
"""


@pytest.mark.parametrize("expr", SIG_ERRORS.strip().splitlines())
def test_signal_window_errors(expr):
    ej, et = assert_same_raise(
        lambda: eval(expr, {"W": jtorch.signal.windows, "L": jtorch}),
        lambda: eval(expr, {"W": torch.signal.windows, "L": torch}))
    assert str(ej) == str(et)


TOP = [("hann_window", ()), ("hamming_window", ()), ("hamming_window", (0.5, 0.5)),
       ("hamming_window", (0.6, 0.3)), ("blackman_window", ()), ("bartlett_window", ()),
       ("kaiser_window", ()), ("kaiser_window", (5.0,)), ("kaiser_window", (-1.0,))]


@pytest.mark.parametrize("name,extra", TOP, ids=lambda v: str(v))
@pytest.mark.parametrize("periodic", [True, False])
def test_top_level_windows(name, extra, periodic):
    for L in (0, 1, 2, 7):
        assert_same(getattr(jtorch, name)(L, periodic, *extra),
                    getattr(torch, name)(L, periodic, *extra), **_tol(None))
    # default periodic=True, explicit dtypes
    for dt, tol in (("float64", _tol("f64")), ("float16", dict(rtol=2e-3, atol=2e-3)),
                    ("bfloat16", dict(rtol=2e-2, atol=1e-2))):
        jt = getattr(jtorch, name)(7, dtype=getattr(jtorch, dt))
        t = getattr(torch, name)(7, dtype=getattr(torch, dt))
        assert_same(jt, t, **tol)
    jt = getattr(jtorch, name)(7, requires_grad=True)
    t = getattr(torch, name)(7, requires_grad=True)
    assert jt.requires_grad == t.requires_grad and jt.is_leaf == t.is_leaf


TOP_ERRORS = """
L.hann_window(-1)
L.kaiser_window(-2)
L.hann_window(5, dtype=L.int64)
L.kaiser_window(5, dtype=L.int64)
L.blackman_window(5, dtype=L.complex64)
L.hann_window(5.0)
L.bartlett_window(True)
"""


@pytest.mark.parametrize("expr", TOP_ERRORS.strip().splitlines())
def test_top_level_window_errors(expr):
    ej, et = assert_same_raise(lambda: eval(expr, {"L": jtorch}),
                               lambda: eval(expr, {"L": torch}))
    assert str(et).split(",")[0].split("TensorOptions")[0] in str(ej)


def test_windows_run_under_jit_compile():
    @jtorch.compile
    def f(x):
        return x * jtorch.hann_window(x.shape[0]) + jtorch.signal.windows.gaussian(x.shape[0])
    x = jtorch.ones(6)
    assert_same(f(x), torch.ones(6) * torch.hann_window(6) + torch.signal.windows.gaussian(6),
                **_tol(None))
