"""Differential tests: repr/str of jtorch tensors must be byte-identical to PyTorch's."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import jtorch  # noqa: E402
from jtorch import _printing  # noqa: E402

DEFAULT_OPTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


@pytest.fixture(autouse=True)
def _restore_state():
    """Every test starts and ends with default print options and default dtype in both libs."""
    torch.set_printoptions(**DEFAULT_OPTS)
    jtorch.set_printoptions(**DEFAULT_OPTS)
    yield
    torch.set_printoptions(**DEFAULT_OPTS)
    jtorch.set_printoptions(**DEFAULT_OPTS)
    torch.set_default_dtype(torch.float32)
    jtorch.set_default_dtype(jtorch.float32)


def to_jt(tt):
    """A jtorch tensor with the same values, dtype and requires_grad as torch tensor tt."""
    jd = getattr(jtorch, str(tt.dtype).split(".")[1])
    src = tt.detach()
    arr = src.float().numpy() if tt.dtype == torch.bfloat16 else src.numpy()
    return jtorch.tensor(arr, dtype=jd, requires_grad=tt.requires_grad)


def assert_same_repr(tt, jt=None):
    jt = to_jt(tt) if jt is None else jt
    expected = repr(tt)
    assert repr(jt) == expected
    assert str(jt) == expected


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


FLOATS = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
INTS = [torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64, torch.bool]
SCALES = [1e-8, 1e-5, 1e-3, 0.5, 1.0, 10.0, 1e3, 1e5, 1e8, 1e12]


def _float_cases():
    cases = {}
    for dt in FLOATS:
        n = str(dt)[6:]
        for s in SCALES:
            cases[f"randn7-{n}-{s:g}"] = lambda dt=dt, s=s: (torch.randn(7, generator=_g()) * s).to(dt)
            cases[f"randn3x4-{n}-{s:g}"] = (
                lambda dt=dt, s=s: (torch.randn(3, 4, generator=_g(1)) * s).to(dt))
        cases[f"specials-{n}"] = lambda dt=dt: torch.tensor(
            [1.5, float("nan"), float("inf"), -float("inf"), -0.0, 0.0], dtype=dt)
        cases[f"int-valued-specials-{n}"] = lambda dt=dt: torch.tensor(
            [1.0, float("nan"), -float("inf"), 100.0], dtype=dt)
        cases[f"negzero-{n}"] = lambda dt=dt: torch.tensor([-0.0], dtype=dt)
        cases[f"negzero-mixed-{n}"] = lambda dt=dt: torch.tensor([-0.0, 1.25, -2.5], dtype=dt)
        cases[f"all-nan-{n}"] = lambda dt=dt: torch.tensor([float("nan"), float("nan")], dtype=dt)
        cases[f"zeros-{n}"] = lambda dt=dt: torch.zeros(2, 3, dtype=dt)
        cases[f"scalar-{n}"] = lambda dt=dt: torch.tensor(3.5, dtype=dt)
        cases[f"scalar-int-valued-{n}"] = lambda dt=dt: torch.tensor(-7.0, dtype=dt)
        cases[f"scalar-nan-{n}"] = lambda dt=dt: torch.tensor(float("nan"), dtype=dt)
        cases[f"wide-range-{n}"] = lambda dt=dt: torch.tensor([1e-5, 1.0, 1e4], dtype=dt)
        cases[f"ints-as-float-{n}"] = lambda dt=dt: torch.tensor([100.0, 2.0, -3.0], dtype=dt)
        cases[f"big-int-valued-{n}"] = lambda dt=dt: torch.tensor([1e9, 2.0], dtype=dt)
        cases[f"rounding-{n}"] = lambda dt=dt: torch.tensor([9.99996, 0.123456, -99.99999], dtype=dt)
        cases[f"3d-{n}"] = lambda dt=dt: torch.randn(2, 3, 4, generator=_g(2)).to(dt)
    cases["float64-tiny-huge"] = lambda: torch.tensor([1e-300, 1e300, -5e-310], dtype=torch.float64)
    cases["float32-max"] = lambda: torch.tensor([3.4e38, -1.0e-38])
    cases["float16-limits"] = lambda: torch.tensor([65504.0, 6e-8, -1.0], dtype=torch.float16)
    return cases


def _int_cases():
    cases = {}
    for dt in INTS:
        n = str(dt)[6:]
        lo = 0 if dt in (torch.uint8, torch.bool) else -100
        hi = 2 if dt is torch.bool else 100
        cases[f"rand5x6-{n}"] = lambda dt=dt, lo=lo, hi=hi: torch.randint(
            lo, hi, (5, 6), generator=_g(3)).to(dt)
        cases[f"scalar-{n}"] = lambda dt=dt: torch.tensor(1).to(dt)
        cases[f"vector-{n}"] = lambda dt=dt: torch.tensor([0, 1, 1, 0]).to(dt)
    cases["large-int64"] = lambda: torch.tensor([2**62, -(2**63), 2**63 - 1, 0])
    cases["int32-extremes"] = lambda: torch.tensor([2**31 - 1, -(2**31)], dtype=torch.int32)
    cases["negatives"] = lambda: torch.arange(-12, 12).reshape(4, 6)
    return cases


def _complex_cases():
    return {
        "c64-randn": lambda: torch.randn(3, 4, dtype=torch.complex64, generator=_g(4)),
        "c128-randn": lambda: torch.randn(5, dtype=torch.complex128, generator=_g(5)),
        "c-specials": lambda: torch.tensor([1 + 2j, -0.0 - 0.0j, 3 - 1e-6j, complex("nan+infj")]),
        "c-scalar": lambda: torch.tensor(1 - 1j),
        "c-int-valued": lambda: torch.tensor([1 + 2j, -3 + 0j], dtype=torch.complex128),
        "c-summarised": lambda: torch.randn(2000, dtype=torch.complex128, generator=_g(6)) * 1e5,
    }


def _shape_cases():
    return {
        "empty": lambda: torch.empty(0),
        "empty-0x3": lambda: torch.empty(0, 3),
        "empty-2x0-int64": lambda: torch.empty(2, 0, dtype=torch.int64),
        "empty-int32": lambda: torch.empty(0, dtype=torch.int32),
        "empty-int64": lambda: torch.empty(0, dtype=torch.int64),
        "empty-bool": lambda: torch.empty(0, dtype=torch.bool),
        "empty-float64": lambda: torch.empty(0, dtype=torch.float64),
        "empty-1x0x2-c64": lambda: torch.empty(1, 0, 2, dtype=torch.complex64),
        "arange2000": lambda: torch.arange(2000),
        "arange2000-float-2d": lambda: torch.arange(2000.0).reshape(40, 50),
        "zeros1000x1000": lambda: torch.zeros(1000, 1000),
        "eye-ish-1000x1000": lambda: torch.eye(1000) * 0.5,
        "randn-20x30x40": lambda: torch.randn(20, 30, 40, generator=_g(7)),
        "randn-4d": lambda: torch.randn(2, 3, 2, 2, generator=_g(8)),
        "ones-int-1001": lambda: torch.ones(1001, dtype=torch.int32),
        "wrap-3x100": lambda: torch.randn(3, 100, generator=_g(9)),
        "wrap-int-valued": lambda: torch.arange(40.0).reshape(2, 20) * 1e5,
        "float64-10x12": lambda: torch.randn(10, 12, dtype=torch.float64, generator=_g(10)),
        "bool-2d-summarised": lambda: torch.randn(40, 40, generator=_g(11)) > 0,
        "single-1x1x1": lambda: torch.tensor([[[2.5]]]),
    }


VALUE_CASES = {**_float_cases(), **_int_cases(), **_complex_cases(), **_shape_cases()}


@pytest.mark.parametrize("make", VALUE_CASES.values(), ids=VALUE_CASES.keys())
def test_repr_matches_torch(make):
    assert_same_repr(make())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("exp", [-5, -3, 0, 2, 5, 8])
def test_random_magnitudes(seed, exp):
    g = _g(100 + seed)
    x = torch.randn(4, 5, generator=g) * torch.logspace(exp - 1, exp + 1, 5)
    assert_same_repr(x)
    assert_same_repr(x.double())


PRINT_OPTIONS = [
    dict(precision=2), dict(precision=8), dict(precision=0), dict(threshold=5),
    dict(threshold=0), dict(edgeitems=1, threshold=10), dict(edgeitems=0, threshold=3),
    dict(linewidth=40), dict(linewidth=200), dict(sci_mode=True), dict(sci_mode=False),
    dict(profile="short"), dict(profile="full"), dict(profile="default"),
    dict(profile="short", precision=6),
]
OPTION_CASE_KEYS = [
    "randn3x4-float32-100000", "randn7-float64-1e-05", "randn3x4-float16-0.5",
    "randn7-bfloat16-1000", "specials-float32", "ints-as-float-float32", "rand5x6-int64",
    "rand5x6-bool", "large-int64", "c64-randn", "c-specials", "empty-0x3", "empty-int64",
    "arange2000", "randn-4d", "wrap-3x100", "scalar-float32", "scalar-int64", "c-scalar",
]


@pytest.mark.parametrize("opts", PRINT_OPTIONS, ids=lambda o: repr(o))
@pytest.mark.parametrize("key", OPTION_CASE_KEYS)
def test_printoptions(opts, key):
    torch.set_printoptions(**opts)
    jtorch.set_printoptions(**opts)
    assert jtorch.get_printoptions() == torch._tensor_str.get_printoptions()
    assert_same_repr(VALUE_CASES[key]())


def test_get_set_printoptions_roundtrip():
    assert jtorch.get_printoptions() == torch._tensor_str.get_printoptions()
    jtorch.set_printoptions(precision=3, linewidth=50)
    torch.set_printoptions(precision=3, linewidth=50)
    assert jtorch.get_printoptions() == torch._tensor_str.get_printoptions()
    saved = jtorch.get_printoptions()
    jtorch.set_printoptions(profile="full")
    jtorch.set_printoptions(**saved)
    assert jtorch.get_printoptions() == saved
    # set_printoptions resets sci_mode when it is not given, like torch
    jtorch.set_printoptions(sci_mode=True)
    jtorch.set_printoptions(precision=4)
    assert jtorch.get_printoptions()["sci_mode"] is None


def test_printoptions_context_manager():
    with _printing.printoptions(precision=1):
        assert jtorch.get_printoptions()["precision"] == 1
    assert jtorch.get_printoptions() == DEFAULT_OPTS


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
@pytest.mark.parametrize("key", ["randn3x4-float32-1", "randn7-float64-1", "c64-randn",
                                 "c128-randn", "empty", "empty-float64", "randn3x4-float16-1",
                                 "rand5x6-int64", "scalar-bfloat16"])
def test_dtype_suffix_follows_default_dtype(default, key):
    torch.set_default_dtype(getattr(torch, default))
    jtorch.set_default_dtype(getattr(jtorch, default))
    assert_same_repr(VALUE_CASES[key]())


@pytest.mark.parametrize("make", [
    lambda: torch.tensor([1.0, 2.0], requires_grad=True),
    lambda: torch.tensor(3.0, requires_grad=True),
    lambda: torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True),
    lambda: torch.randn(3, 30, dtype=torch.float64, generator=_g(12)).requires_grad_(),
    lambda: torch.randn(2000, generator=_g(13)).requires_grad_(),
    lambda: torch.tensor([1e-6, 1e6], dtype=torch.float16, requires_grad=True),
    lambda: torch.empty(0, 2, requires_grad=True),
], ids=["vec", "scalar", "float64", "wrapping-suffix", "summarised", "float16", "empty"])
def test_requires_grad_leaf(make):
    assert_same_repr(make())


def _jt_records_grad_fn():
    return (jtorch.tensor([1.0], requires_grad=True) * 2).grad_fn is not None


@pytest.mark.parametrize("op", [
    lambda t: t * 2, lambda t: t + 1, lambda t: t.sum(), lambda t: t - t, lambda t: t / 3,
], ids=["mul", "add", "sum", "sub", "div"])
def test_grad_fn_suffix(op):
    if not _jt_records_grad_fn():
        pytest.skip("jtorch.Tensor does not record grad_fn yet")
    tt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    jt = jtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert repr(op(jt)) == repr(op(tt))


def test_grad_fn_suffix_wraps_line():
    if not _jt_records_grad_fn():
        pytest.skip("jtorch.Tensor does not record grad_fn yet")
    tt = torch.randn(2, 8, dtype=torch.float64, generator=_g(14)).requires_grad_()
    jt = to_jt(tt)
    assert repr(jt * 2) == repr(tt * 2)


def test_str_equals_repr():
    t = jtorch.tensor([[1.5, -2.0], [3.25, 4.0]])
    assert str(t) == repr(t) == "tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]])"


def test_size_repr():
    assert _printing.size_repr((2, 3)) == repr(torch.Size([2, 3]))
    assert _printing.size_repr(()) == repr(torch.Size([]))
    assert repr(jtorch.tensor(np.zeros((2, 3, 4))).shape) == repr(torch.Size([2, 3, 4]))


class _StubDevice:
    def __init__(self, s):
        self.type, self._s = s.split(":")[0], s

    def __str__(self):
        return self._s


class Tensor:  # NOTE: named Tensor so the repr prefix is "tensor("
    """Duck-typed tensor on a non-cpu device (no GPU needed)."""

    def __init__(self, arr, dtype, device, requires_grad=False):
        self._arr, self.dtype, self.device = arr, dtype, _StubDevice(device)
        self.shape, self.requires_grad, self.grad_fn = arr.shape, requires_grad, None

    def numpy(self, force=False):
        return self._arr


@pytest.mark.parametrize("arr,dtype,device,rg,expected", [
    ([1.0, 2.0], "float32", "cuda:0", False, "tensor([1., 2.], device='cuda:0')"),
    ([1, 2], "int64", "cuda:1", False, "tensor([1, 2], device='cuda:1')"),
    ([1.0, 2.0], "float64", "tpu:0", True,
     "tensor([1., 2.], device='tpu:0', dtype=torch.float64, requires_grad=True)"),
    ([1.0, 2.0], "float64", "cpu", False, "tensor([1., 2.], dtype=torch.float64)"),
])
def test_device_suffix(arr, dtype, device, rg, expected):
    t = Tensor(np.array(arr, dtype=dtype), getattr(jtorch, dtype), device, rg)
    assert _printing.tensor_repr(t) == expected


def test_meta_device_like_torch():
    tt = torch.empty(2, 3, device="meta", dtype=torch.int64)
    t = Tensor(np.zeros((2, 3), np.int64), jtorch.int64, "meta")
    assert _printing.tensor_repr(t) == repr(tt)


def test_cuda_tensor_if_available():
    cuda = getattr(jtorch, "cuda", None)
    if cuda is None or not cuda.is_available():
        pytest.skip("no GPU backend for JAX")
    t = jtorch.tensor([1.0, 2.0], device="cuda")
    assert repr(t) == "tensor([1., 2.], device='cuda:0')"


def test_tensor_contents():
    tt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    jt = to_jt(tt)
    assert jt.__repr__(tensor_contents="[...]") == tt.__repr__(tensor_contents="[...]")
