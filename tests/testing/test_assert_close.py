"""jtorch.testing.assert_close / make_tensor against torch.testing (errors and messages)."""
import math
import warnings

import numpy as np
import pytest
import torch

import jtorch
import jtorch.testing as jtt


def _t(x, dtype):
    return torch.tensor(x, dtype=getattr(torch, dtype))


def _j(x, dtype):
    return jtorch.tensor(x, dtype=getattr(jtorch, dtype))


def _outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the outcome is the exception itself
        return type(e), str(e)
    return None


def _same(make, **kw):
    """Build (actual, expected) with `make(tensor_fn)` in both libraries; same outcome."""
    want = _outcome(lambda: torch.testing.assert_close(*make(_t), **kw))
    got = _outcome(lambda: jtt.assert_close(*make(_j), **kw))
    assert got == want
    return got


CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], "float32"),
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "float32"),
    ([1.0, 2.0, 3.0], [1.0, 2.000001, 3.0], "float32"),
    ([1.0, 2.0, 3.0], [1.0, 2.0001, 3.0], "float64"),
    ([1.0, 2.0, 3.0], [1.001, 2.0, 3.0], "float16"),
    ([1.0, 2.0, 3.0], [1.01, 2.1, 3.0], "bfloat16"),
    ([[1, 2], [3, 4]], [[1, 2], [5, 4]], "int64"),
    ([[1, 2], [3, 4]], [[1, 2], [3, 4]], "int32"),
    ([True, False], [True, True], "bool"),
    ([0.0, 1.0], [1e-6, 1.0], "float32"),
    ([1.0, float("nan")], [1.0, float("nan")], "float32"),
    ([1.0, float("inf")], [1.0, float("inf")], "float32"),
    ([1.0, 2.0], [1.0, float("inf")], "float32"),
    ([[[1.0, 2.0], [3.0, 4.0]]], [[[1.0, 2.0], [3.0, 9.0]]], "float32"),
    (2.0, 2.5, "float32"),
    ([], [], "float32"),
]


@pytest.mark.parametrize("a,e,dtype", CASES)
def test_tensor_pairs(a, e, dtype):
    _same(lambda f: (f(a, dtype), f(e, dtype)))


def test_failure_message_format():
    got = _same(lambda f: (f([1.0, 2.0, 3.0], "float32"), f([1.0, 2.5, 3.0], "float32")))
    assert got[0] is AssertionError
    assert got[1].startswith("Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
                             "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)")


def test_complex():
    _same(lambda f: (f([1 + 1j, 2 + 0j], "complex64"), f([1 + 1j, 2 + 0.5j], "complex64")))
    _same(lambda f: (f([1 + 1j], "complex128"), f([1 + 1j], "complex128")))


@pytest.mark.parametrize("kw", [dict(equal_nan=True), dict(rtol=0.0, atol=0.0),
                                dict(rtol=0.3, atol=0.0), dict(rtol=1e-3), dict(atol=1e-3),
                                dict(msg="custom message"), dict(msg=lambda m: "X" + m)])
def test_options(kw):
    _same(lambda f: (f([1.0, float("nan"), 2.0], "float32"),
                     f([1.0, float("nan"), 2.5], "float32")), **kw)


def test_attribute_mismatches():
    _same(lambda f: (f([1.0, 2.0], "float32"), f([1.0, 2.0], "float64")))
    _same(lambda f: (f([1.0, 2.0], "float32"), f([1.0, 2.0], "float64")), check_dtype=False)
    _same(lambda f: (f([1.0, 2.0], "float32"), f([[1.0, 2.0]], "float32")))
    _same(lambda f: (f([1, 2], "int32"), f([1.0, 2.5], "float64")), check_dtype=False)


def test_numbers_and_containers():
    cases = [(1, 1), (1, 1.0), (1.0, 1.1), (1.0, 1.0 + 1e-9), (True, True), (True, False),
             (None, None), (None, 1), (math.nan, math.nan), (1 + 2j, 1 + 2j),
             ([1, 2], [1, 2, 3]), ({"a": 1}, {"b": 1}), ({"a": 1, "b": [2.0, 3.0]}, {"a": 1, "b": [2.0, 3.5]}),
             ((1, "x"), (1, "x")), (np.float32(1.0), np.float32(1.5)), (1, "1")]
    for a, e in cases:
        assert _outcome(lambda: jtt.assert_close(a, e)) == \
            _outcome(lambda: torch.testing.assert_close(a, e)), (a, e)


def test_nested_tensors_report_item_path():
    got = _same(lambda f: ({"w": [f([1.0], "float32"), f([2.0], "float32")]},
                           {"w": [f([1.0], "float32"), f([3.0], "float32")]}))
    assert got[1].endswith("The failure occurred for item ['w'][1]")


def test_structure_error_wins_over_value_error():
    _same(lambda f: ([f([1.0], "float32"), [1, 2]], [f([2.0], "float32"), [1, 2, 3]]))


def test_tolerance_argument_error():
    _same(lambda f: (f([1.0], "float32"), f([1.0], "float32")), rtol=1e-3)


def test_tensor_vs_number_type_error():
    want = _outcome(lambda: torch.testing.assert_close(torch.tensor(1.0), 1.0))
    got = _outcome(lambda: jtt.assert_close(jtorch.tensor(1.0), 1.0))
    assert got[0] is want[0] is TypeError
    assert got[1].startswith("No comparison pair was able to handle inputs of type")


def test_numpy_arrays():
    a, e = np.array([1.0, 2.0]), np.array([1.0, 2.5])
    assert _outcome(lambda: jtt.assert_close(a, e)) == \
        _outcome(lambda: torch.testing.assert_close(a, e))


# ---- make_tensor ------------------------------------------------------------------------------

MT_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
             "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", MT_DTYPES)
@pytest.mark.parametrize("kw", [{}, dict(low=-2, high=3), dict(low=1.5, high=2.5),
                                dict(noncontiguous=True), dict(exclude_zero=True)])
def test_make_tensor_rules(dtype, kw):
    want = _outcome(lambda: torch.testing.make_tensor(4, 5, dtype=getattr(torch, dtype),
                                                      device="cpu", **kw))
    if want is not None:  # e.g. bool with [1.5, 2.5): torch's randint(2, 2) error
        assert _outcome(lambda: jtt.make_tensor(4, 5, dtype=getattr(jtorch, dtype), device="cpu",
                                                **kw)) == want
        return
    jt = jtt.make_tensor(4, 5, dtype=getattr(jtorch, dtype), device="cpu", **kw)
    t = torch.testing.make_tensor(4, 5, dtype=getattr(torch, dtype), device="cpu", **kw)
    assert tuple(jt.shape) == tuple(t.shape)
    assert str(jt.dtype) == str(t.dtype)
    assert jt.stride() == t.stride()
    vals = jt.numpy() if dtype != "bfloat16" else jt.float().numpy()
    parts = [vals.real, vals.imag] if np.iscomplexobj(vals) else [vals.astype(np.float64)]
    low, high = kw.get("low"), kw.get("high")
    if dtype == "bool":
        low, high = 0, 1
    else:
        low = -9 if low is None else low
        high = (10 if dtype in ("uint8", "int8", "int16", "int32", "int64") else 9) \
            if high is None else high
        if dtype == "uint8":
            low = max(low, 0)
        if dtype in ("uint8", "int8", "int16", "int32", "int64"):
            low, high = math.ceil(low), math.ceil(high) - 1
    for p in parts:
        assert p.min() >= low and p.max() <= high
    if kw.get("exclude_zero"):
        assert (vals != 0).all()


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_make_tensor_requires_grad(dtype):
    def run(lib, tt):
        return _outcome(lambda: tt.make_tensor(2, dtype=getattr(lib, dtype), device="cpu",
                                               requires_grad=True))
    assert run(jtorch, jtt) == run(torch, torch.testing)
    if dtype == "float32":
        assert jtt.make_tensor((2, 3), dtype=jtorch.float32, device="cpu",
                               requires_grad=True).requires_grad


@pytest.mark.parametrize("kw", [dict(low=3, high=2), dict(low=float("nan")),
                                dict(low=300, high=400), dict(noncontiguous=True,
                                                              memory_format="x")])
def test_make_tensor_errors(kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _outcome(lambda: torch.testing.make_tensor(3, dtype=torch.uint8, device="cpu", **kw))
        got = _outcome(lambda: jtt.make_tensor(3, dtype=jtorch.uint8, device="cpu", **kw))
    assert got == want


def test_make_tensor_shapes():
    for shape in [(), (0,), (3,), ((2, 3),), ([2, 3],), (torch.Size([2, 3]),)]:
        tshape = tuple(torch.testing.make_tensor(*shape, dtype=torch.float32, device="cpu").shape)
        jshape_arg = tuple(tuple(s) if isinstance(s, torch.Size) else s for s in shape)
        jshape = tuple(jtt.make_tensor(*jshape_arg, dtype=jtorch.float32, device="cpu").shape)
        assert jshape == tshape
