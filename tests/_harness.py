"""Differential-testing helpers: same inputs in torch and jtorch, results compared.

Typical use::

    from _harness import assert_same, assert_same_raise, pair, to_jt

    jt, t = pair(np.arange(6.0).reshape(2, 3))       # the same tensor in both libraries
    assert_same(jtorch.exp(jt), torch.exp(t))         # values, shape and dtype name
    assert_same_raise(lambda: jt.view(4, 4), lambda: t.view(4, 4))

`to_jt` converts torch objects (tensors, dtypes, devices, nested containers) into their jtorch
counterparts, so a call recorded with torch arguments (e.g. an OpInfo sample) can be replayed.
Input generators (`shape_cases`, `broadcast_cases`, `noncontig_cases`, `make_array`) produce
deterministic NumPy arrays covering 0-d, empty, broadcasting and non-contiguous inputs.
"""
import contextlib
import math

import ml_dtypes
import numpy as np
import pytest
import torch

import jtorch

__all__ = [
    "DTYPE_NAMES", "FLOAT_NAMES", "INT_NAMES", "tdt", "jdt", "t_to_numpy", "jt_to_numpy",
    "to_jt", "jt_to_torch", "pair", "make_array", "assert_same", "assert_same_raise",
    "assert_same_dtype", "shape_cases", "broadcast_cases", "noncontig_cases", "Case",
    "require", "require_views", "tolerance", "abstract_ops",
]

# The torch dtypes jtorch supports fully (uint16/32/64 are limited in torch itself).
DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
               "float32", "float64", "complex64", "complex128"]
FLOAT_NAMES = ["float16", "bfloat16", "float32", "float64"]
INT_NAMES = ["uint8", "int8", "int16", "int32", "int64"]


def tdt(name):
    """torch dtype by name ('float32' or 'torch.float32')."""
    return getattr(torch, str(name).replace("torch.", ""))


def jdt(name):
    """jtorch dtype by name (also accepts a torch dtype)."""
    return getattr(jtorch, str(name).replace("torch.", ""))


# ---- conversion ----------------------------------------------------------------------------

def t_to_numpy(t):
    """A NumPy copy of a torch tensor, bit-exact (bfloat16 -> ml_dtypes.bfloat16)."""
    t = t.detach().cpu().resolve_conj().resolve_neg().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16).copy()
    return t.numpy().copy()


def jt_to_numpy(x):
    """A NumPy copy of a jtorch tensor (any dtype, ignores requires_grad)."""
    return np.array(np.asarray(x.detach()._arr()))


def jt_to_torch(x):
    """A torch tensor with the same values and dtype as jtorch tensor x."""
    a = jt_to_numpy(x)
    if a.dtype == ml_dtypes.bfloat16:
        return torch.from_numpy(a.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(np.array(a, order="C", copy=True))


def _np_to_jt(a, requires_grad=False):
    a = np.asarray(a)
    return jtorch.tensor(a, dtype=jdt(_np_name(a.dtype)), requires_grad=requires_grad)


def _np_name(np_dtype):
    if np_dtype == ml_dtypes.bfloat16:
        return "bfloat16"
    return np.dtype(np_dtype).name


def to_jt(obj, requires_grad=False):
    """torch objects -> jtorch objects, recursively (tensors, dtypes, devices, containers).

    requires_grad of torch tensors is dropped unless `requires_grad=True` (then kept).
    NumPy arrays become jtorch tensors of the same dtype. Other values pass through.
    """
    if isinstance(obj, torch.Tensor):
        return _np_to_jt(t_to_numpy(obj), requires_grad and obj.requires_grad)
    if isinstance(obj, np.ndarray):
        return _np_to_jt(obj)
    if isinstance(obj, torch.dtype):
        return jdt(obj)
    if isinstance(obj, torch.device):
        return jtorch.device(str(obj))
    if isinstance(obj, torch.Size):
        return jtorch.Size(tuple(obj))
    if isinstance(obj, torch.memory_format):
        return None
    if isinstance(obj, list):
        return [to_jt(x, requires_grad) for x in obj]
    if isinstance(obj, tuple):
        return tuple(to_jt(x, requires_grad) for x in obj)
    if isinstance(obj, dict):
        return {k: to_jt(v, requires_grad) for k, v in obj.items()}
    return obj


def pair(a, dtype=None, requires_grad=False):
    """(jtorch tensor, torch tensor) holding the same NumPy data (dtype name optional)."""
    a = np.asarray(a)
    if dtype is not None:
        a = a.astype(ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype))
    name = _np_name(a.dtype)
    if name == "bfloat16":
        t = torch.from_numpy(a.view(np.int16).copy()).view(torch.bfloat16)
    else:
        t = torch.from_numpy(a.copy())
    # NOTE: from_numpy keeps NumPy's strides (e.g. 0 for empty arrays); use torch's own layout.
    t = t.clone(memory_format=torch.contiguous_format)
    if requires_grad:
        t.requires_grad_(True)
    return _np_to_jt(a, requires_grad), t


# ---- comparison ----------------------------------------------------------------------------

# Default (rtol, atol) per dtype: torch.testing's defaults (ints and bool compare exactly).
_TOL = {
    "float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7),
}


def tolerance(dtype_name):
    """(rtol, atol) used for dtype_name when none is given."""
    return _TOL.get(str(dtype_name).replace("torch.", ""), (0.0, 0.0))


def assert_same_dtype(jt, t, where=""):
    """jtorch dtype and torch dtype have the same name."""
    assert str(jt) == str(t), f"{where}dtype: jtorch {jt} != torch {t}"


def assert_same(jt, t, rtol=None, atol=None, *, check_dtype=True, equal_nan=True, where=""):
    """Assert a jtorch result matches a torch result.

    Tensors: same shape, same dtype name (unless check_dtype=False) and values within (rtol,
    atol) (defaults per dtype; NaNs equal). Containers (tuple, list, named tuples, dicts) are
    compared element by element; dtypes/devices/Sizes by their string forms; Python numbers by
    value and type (bool vs int vs float matter, e.g. for `item()`).
    """
    if isinstance(t, torch.Tensor):
        assert isinstance(jt, jtorch.Tensor), \
            f"{where}expected a jtorch.Tensor, got {type(jt).__name__}: {jt!r}"
        assert tuple(jt.shape) == tuple(t.shape), \
            f"{where}shape: jtorch {tuple(jt.shape)} != torch {tuple(t.shape)}"
        if check_dtype:
            assert_same_dtype(jt.dtype, t.dtype, where)
        got = jt_to_torch(jt)
        want = t.detach().cpu().resolve_conj().resolve_neg()
        if not check_dtype and got.dtype != want.dtype:
            got = got.to(want.dtype)
        if rtol is None and atol is None:
            rtol, atol = tolerance(want.dtype)
        elif rtol is None or atol is None:
            r0, a0 = tolerance(want.dtype)
            rtol = r0 if rtol is None else rtol
            atol = a0 if atol is None else atol
        try:
            torch.testing.assert_close(got, want, rtol=rtol, atol=atol, equal_nan=equal_nan,
                                       check_dtype=False, check_device=False,
                                       check_stride=False, check_layout=False)
        except AssertionError as e:
            raise AssertionError(f"{where}values differ (dtype {t.dtype}, shape "
                                 f"{tuple(t.shape)}):\n{e}\njtorch: {got}\ntorch:  {want}") from None
        return
    if isinstance(t, torch.dtype):
        assert_same_dtype(jt, t, where)
        return
    if isinstance(t, torch.device):
        assert isinstance(jt, jtorch.device), f"{where}expected jtorch.device, got {jt!r}"
        assert str(jt) == str(t), f"{where}device {jt} != {t}"
        return
    if isinstance(t, torch.Size):
        assert isinstance(jt, jtorch.Size), f"{where}expected jtorch.Size, got {type(jt)}"
        assert tuple(jt) == tuple(t), f"{where}size {tuple(jt)} != {tuple(t)}"
        return
    if isinstance(t, (tuple, list)):
        assert isinstance(jt, (tuple, list)), f"{where}expected a sequence, got {type(jt)}"
        assert len(jt) == len(t), f"{where}length {len(jt)} != {len(t)}"
        tf, jf = getattr(t, "_fields", None), getattr(jt, "_fields", None)
        if tf is not None and jf is not None:
            assert tuple(jf) == tuple(tf), f"{where}fields {jf} != {tf}"
        for i, (a, b) in enumerate(zip(jt, t)):
            assert_same(a, b, rtol, atol, check_dtype=check_dtype, equal_nan=equal_nan,
                        where=f"{where}[{i}] ")
        return
    if isinstance(t, dict):
        assert isinstance(jt, dict) and set(jt) == set(t), f"{where}keys differ: {jt} vs {t}"
        for k in t:
            assert_same(jt[k], t[k], rtol, atol, check_dtype=check_dtype, equal_nan=equal_nan,
                        where=f"{where}[{k!r}] ")
        return
    if isinstance(t, (bool, int, float, complex)):
        assert type(jt) is type(t), \
            f"{where}Python type {type(jt).__name__} != {type(t).__name__} ({jt!r} vs {t!r})"
        if isinstance(t, float) and math.isnan(t):
            assert math.isnan(jt), f"{where}{jt!r} != nan"
        elif isinstance(t, (float, complex)) and (rtol or atol):
            assert abs(jt - t) <= (atol or 0) + (rtol or 0) * abs(t), f"{where}{jt!r} != {t!r}"
        else:
            assert jt == t, f"{where}{jt!r} != {t!r}"
        return
    assert jt == t, f"{where}{jt!r} != {t!r}"


def _builtin_base(cls):
    """The nearest builtin exception class of cls (torch's private errors subclass these)."""
    for c in cls.__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


def assert_same_error(fn_jt, fn_torch):
    """Both callables raise torch's exception class with exactly torch's message."""
    ej, et = assert_same_raise(fn_jt, fn_torch)
    assert str(ej) == str(et), (str(ej), str(et))


def assert_same_raise(fn_jt, fn_torch, match=None, *, contains=()):
    """Both callables raise, and jtorch raises torch's exception class.

    torch's own subclasses (e.g. torch._C._LinAlgError) are matched by their nearest builtin
    base class. `match`: a regex the jtorch message must contain (re.search). `contains`:
    strings that must all appear in the jtorch message (shape numbers, dtype names).
    Returns (jtorch exception, torch exception).
    """
    import re
    et = ej = None
    try:
        fn_torch()
    except Exception as e:  # noqa: BLE001
        et = e
    assert et is not None, "torch did not raise (the test's premise is wrong)"
    try:
        r = fn_jt()
    except Exception as e:  # noqa: BLE001
        ej = e
    else:
        raise AssertionError(f"jtorch did not raise; torch raised {type(et).__name__}: {et}\n"
                             f"jtorch returned: {r!r}")
    want = type(et) if type(et).__module__ == "builtins" else _builtin_base(type(et))
    assert type(ej) is want, (f"jtorch raised {type(ej).__name__}: {ej}\n"
                              f"torch raised {type(et).__name__}: {et}")
    msg = str(ej)
    if match is not None:
        assert re.search(match, msg), f"jtorch message {msg!r} does not match {match!r}"
    for s in contains:
        assert str(s) in msg, f"jtorch message {msg!r} does not mention {s!r} (torch: {et})"
    return ej, et


@contextlib.contextmanager
def abstract_ops():
    """Within: every registered jtorch op traces (jax.eval_shape) instead of compiling.

    Results are Tensors whose array is a jax.ShapeDtypeStruct: `.dtype`/`.shape` work, values
    do not. Errors raised at trace time (torch's dtype/shape checks) surface unchanged.
    """
    import functools

    import jax
    from jtorch._ops.registry import OPS

    class _Abstract(dict):
        def __init__(self, o):
            super().__init__()
            self.o = o

        def get(self, statics, default=None):
            f = functools.partial(self.o.fn, *statics) if statics else self.o.fn
            return lambda *arrs: jax.eval_shape(f, *arrs)

    saved = {}
    for o in set(OPS.values()):
        saved[o] = o.cache
        o.cache = _Abstract(o)
    try:
        yield
    finally:
        for o, c in saved.items():
            o.cache = c


# ---- inputs --------------------------------------------------------------------------------

def make_array(shape, dtype="float32", seed=0, low=None, high=None):
    """A deterministic NumPy array: floats in [-9, 9) (low/high override), small ints, bools."""
    rng = np.random.default_rng(seed)
    name = str(dtype).replace("torch.", "")
    if name == "bool":
        return rng.random(shape) < 0.5
    if name in INT_NAMES or name in ("uint16", "uint32", "uint64"):
        lo = (0 if name.startswith("u") else -9) if low is None else low
        hi = 10 if high is None else high
        return rng.integers(lo, hi, size=shape).astype(name)
    lo = -9.0 if low is None else low
    hi = 9.0 if high is None else high
    if name.startswith("complex"):
        a = rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)
        return a.astype(name)
    a = rng.uniform(lo, hi, shape)
    return a.astype(ml_dtypes.bfloat16 if name == "bfloat16" else name)


class Case:
    """One input: a NumPy array plus an optional view applied in both libraries."""

    def __init__(self, label, array, view=None):
        self.label = label
        self.array = array
        self.view = view  # None, 't' (transpose), 'slice' (every other column), 'tslice'

    def __repr__(self):
        return self.label

    def make(self):
        """(jtorch tensor, torch tensor); skips when jtorch lacks the view ops needed."""
        jt, t = pair(self.array)
        if self.view is None:
            return jt, t
        require_views()
        if self.view == "t":
            return jt.t(), t.t()
        if self.view == "slice":
            return jt[:, ::2], t[:, ::2]
        if self.view == "tslice":
            return jt.t()[1:], t.t()[1:]
        raise ValueError(self.view)


def shape_cases(dtype="float32", seed=0):
    """Contiguous inputs: 0-d, empty, 1-d, 2-d, 3-d."""
    shapes = [("0d", ()), ("empty", (0,)), ("empty2d", (2, 0)), ("1d", (5,)), ("2d", (2, 3)),
              ("3d", (2, 1, 3))]
    return [Case(f"{dtype}-{lbl}", make_array(s, dtype, seed + i)) for i, (lbl, s)
            in enumerate(shapes)]


def noncontig_cases(dtype="float32", seed=0):
    """Non-contiguous inputs (transposed / strided-slice views); need jtorch's view ops."""
    return [Case(f"{dtype}-transposed", make_array((3, 4), dtype, seed), "t"),
            Case(f"{dtype}-sliced", make_array((3, 6), dtype, seed + 1), "slice"),
            Case(f"{dtype}-transposed-sliced", make_array((3, 4), dtype, seed + 2), "tslice")]


BROADCAST_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)),
                    ((), (2, 3)), ((2, 3), ()), ((0,), (1,)), ((4, 1, 3), (2, 1)), ((), ())]


def broadcast_cases(dtype="float32", other_dtype=None, seed=0):
    """Pairs of arrays with broadcast-compatible shapes (incl. 0-d and empty)."""
    other_dtype = other_dtype or dtype
    out = []
    for i, (sa, sb) in enumerate(BROADCAST_SHAPES):
        out.append((f"{sa}x{sb}", make_array(sa, dtype, seed + 2 * i),
                    make_array(sb, other_dtype, seed + 2 * i + 1)))
    return out


def require(obj, name, who="another engineer"):
    """pytest.skip (with a reason) unless obj has attribute `name` yet."""
    if not hasattr(obj, name):
        owner = getattr(obj, "__name__", type(obj).__name__)
        pytest.skip(f"{owner}.{name} is not implemented yet ({who} is writing it)")
    return getattr(obj, name)


def require_views():
    """Skip unless jtorch.Tensor has the view ops non-contiguous cases need (t, __getitem__)."""
    for n in ("t", "__getitem__"):
        if not hasattr(jtorch.Tensor, n):
            pytest.skip(f"non-contiguous case needs jtorch.Tensor.{n}, which the shape/indexing "
                        f"engineer has not landed yet")


def run_on_two_cpu_devices(script):
    """Run `script` in a fresh interpreter whose JAX has two CPU devices (standing in for cpu +
    cuda: the device count is fixed when JAX starts); assert it exits 0 and prints OK."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr[-3000:]
