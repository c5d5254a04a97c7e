"""dtypes against torch: names, reprs, properties, finfo/iinfo, default dtype, conversions."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import (DTYPE_NAMES, FLOAT_NAMES, assert_same, assert_same_raise, jdt, pair,
                      tdt)

ALIASES = ["half", "float", "double", "short", "int", "long", "cfloat", "cdouble"]


# ---- dtype objects ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", DTYPE_NAMES + ["uint16", "uint32", "uint64"])
def test_dtype_repr_and_properties(name):
    j, t = jdt(name), tdt(name)
    assert repr(j) == repr(t)
    assert str(j) == str(t)
    assert j.is_floating_point == t.is_floating_point
    assert j.is_complex == t.is_complex
    assert j.is_signed == t.is_signed
    assert j.itemsize == t.itemsize
    assert isinstance(j, jtorch.dtype)
    assert pickle.loads(pickle.dumps(j)) is j


@pytest.mark.parametrize("alias", ALIASES)
def test_dtype_aliases(alias):
    assert getattr(jtorch, alias) is jdt(str(getattr(torch, alias)))
    assert repr(getattr(jtorch, alias)) == repr(getattr(torch, alias))


@pytest.mark.parametrize("name", ["float32", "float64", "complex64", "complex128"])
def test_to_real_to_complex(name):
    assert str(jdt(name).to_real()) == str(tdt(name).to_real())
    assert str(jdt(name).to_complex()) == str(tdt(name).to_complex())


def test_dtype_equality_and_hash():
    assert jtorch.float32 == jtorch.float
    assert jtorch.float32 != jtorch.float64
    assert len({jtorch.float32, jtorch.float, jtorch.int64, jtorch.long}) == 2
    assert (jtorch.float32 == "float32") == (torch.float32 == "float32")


# ---- finfo / iinfo ----------------------------------------------------------------------------

FINFO_ATTRS = ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"]


@pytest.mark.parametrize("name", FLOAT_NAMES + ["complex64", "complex128"])
def test_finfo(name):
    j, t = jtorch.finfo(jdt(name)), torch.finfo(tdt(name))
    for a in FINFO_ATTRS:
        assert getattr(j, a) == getattr(t, a), a
        assert type(getattr(j, a)) is type(getattr(t, a)), a
    assert repr(j) == repr(t)
    assert str(j) == str(t)


def test_finfo_default_follows_default_dtype():
    assert repr(jtorch.finfo()) == repr(torch.finfo())
    torch.set_default_dtype(torch.float64)
    jtorch.set_default_dtype(jtorch.float64)
    assert repr(jtorch.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    j, t = jtorch.iinfo(jdt(name)), torch.iinfo(tdt(name))
    for a in ("bits", "max", "min", "dtype"):
        assert getattr(j, a) == getattr(t, a), a
        assert type(getattr(j, a)) is type(getattr(t, a)), a
    assert repr(j) == repr(t)


@pytest.mark.parametrize("fn, arg", [("finfo", "int32"), ("finfo", "bool"), ("iinfo", "float32"),
                                     ("iinfo", "complex64"), ("iinfo", "bool")])
def test_info_errors(fn, arg):
    assert_same_raise(lambda: getattr(jtorch, fn)(jdt(arg)),
                      lambda: getattr(torch, fn)(tdt(arg)))


# ---- default dtype ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", FLOAT_NAMES)
def test_set_get_default_dtype(name):
    torch.set_default_dtype(tdt(name))
    jtorch.set_default_dtype(jdt(name))
    assert str(jtorch.get_default_dtype()) == str(torch.get_default_dtype())
    assert_same(jtorch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    assert_same(jtorch.ones(2), torch.ones(2))


@pytest.mark.parametrize("name", ["int64", "bool", "complex64"])
def test_set_default_dtype_rejects(name):
    assert_same_raise(lambda: jtorch.set_default_dtype(jdt(name)),
                      lambda: torch.set_default_dtype(tdt(name)))
    assert jtorch.get_default_dtype() is jtorch.float32


# ---- predicates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_predicates(name):
    jx, tx = pair(np.zeros(2), dtype=name)
    assert jtorch.is_floating_point(jx) == torch.is_floating_point(tx)
    assert jtorch.is_complex(jx) == torch.is_complex(tx)
    assert jx.is_floating_point() == tx.is_floating_point()
    assert jx.is_complex() == tx.is_complex()
    assert jx.is_signed() == tx.is_signed()
    assert jx.element_size() == tx.element_size()
    assert jx.itemsize == tx.itemsize
    assert jx.nbytes == tx.nbytes
    assert jtorch.is_tensor(jx) and not jtorch.is_tensor(np.zeros(2))


# ---- conversions --------------------------------------------------------------------------------

def _values(src, dst):
    """Values for a src->dst cast whose result torch defines (no UB out-of-range casts)."""
    if src == "bool":
        return np.array([True, False, True])
    if src.startswith("complex"):
        v = np.array([1.5 + 2j, -0.5 - 1j, 0j, 3 + 0j])
        if dst in ("uint8", "bool"):
            v = np.array([1.5 + 2j, 0.5 - 1j, 0j, 3 + 0j])
        return v
    if src in FLOAT_NAMES:
        v = np.array([-2.75, -1.0, -0.5, 0.0, 0.25, 0.5, 1.9, 100.5])
        if dst == "uint8":
            v = np.abs(v)
        return v
    v = np.array([-3, 0, 1, 7, 100])
    if src == "uint8":
        v = np.array([0, 1, 7, 100, 255])
    return v


@pytest.mark.parametrize("src", DTYPE_NAMES)
def test_to_dtype_values(src):
    for dst in DTYPE_NAMES:
        jx, tx = pair(_values(src, dst), dtype=src)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch: "Casting complex values to real discards..."
            want = tx.to(tdt(dst))
        assert_same(jx.to(jdt(dst)), want, where=f"{src}->{dst}: ")
        assert_same(jx.to(dtype=jdt(dst)), want, where=f"{src}->{dst} (kw): ")


def test_to_same_dtype_returns_self():
    jx, tx = pair(np.arange(3.0), dtype="float32")
    assert (jx.to(jtorch.float32) is jx) == (tx.to(torch.float32) is tx)
    assert (jx.float() is jx) == (tx.float() is tx)
    assert (jx.to(jtorch.float32, copy=True) is jx) == (tx.to(torch.float32, copy=True) is tx)


CAST_METHODS = {"float": "float32", "double": "float64", "half": "float16",
                "bfloat16": "bfloat16", "long": "int64", "int": "int32", "short": "int16",
                "char": "int8", "byte": "uint8", "bool": "bool", "cfloat": "complex64",
                "cdouble": "complex128"}


@pytest.mark.parametrize("method", list(CAST_METHODS))
def test_cast_methods(method):
    for src in ("float32", "int64", "bool"):
        jx, tx = pair(_values(src, CAST_METHODS[method]), dtype=src)
        assert_same(getattr(jx, method)(), getattr(tx, method)(), where=f"{src}.{method}(): ")


def test_float_to_int_truncates_toward_zero():
    jx, tx = pair(np.array([-2.9, -2.1, -0.9, 0.9, 2.1, 2.9], dtype=np.float32))
    assert_same(jx.long(), tx.long())
    assert_same(jx.int(), tx.int())
    assert jx.long().tolist() == [-2, -2, 0, 0, 2, 2]


def test_bool_of_nonzero():
    jx, tx = pair(np.array([0.0, -0.0, 0.1, -3.0, float("nan"), float("inf")]))
    assert_same(jx.bool(), tx.bool())
    ji, ti = pair(np.array([0, 2, -1]))
    assert_same(ji.bool(), ti.bool())


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_type_string(name):
    jx, tx = pair(np.zeros(2), dtype=name)
    assert jx.type() == tx.type()


def test_type_cast():
    jx, tx = pair(np.array([1.5, -2.5]))
    assert_same(jx.type(jtorch.int32), tx.type(torch.int32))
    assert_same(jx.type("torch.IntTensor"), tx.type("torch.IntTensor"))
    assert_same(jx.type("torch.DoubleTensor"), tx.type("torch.DoubleTensor"))
    assert_same_raise(lambda: jx.type("torch.NoSuchTensor"), lambda: tx.type("torch.NoSuchTensor"))


def test_to_other_tensor():
    jx, tx = pair(np.array([1.5, -2.5]))
    jo, to = pair(np.array([1, 2], dtype=np.int16))
    assert_same(jx.to(jo), tx.to(to))
    assert_same(jx.to("cpu", jtorch.float16), tx.to("cpu", torch.float16))
    assert_same(jx.to(device="cpu", dtype=jtorch.int8), tx.to(device="cpu", dtype=torch.int8))


def test_dtype_accepts_python_types():
    """dtype=float/int/bool (Python types) mean default float / int64 / bool, as in torch."""
    for py in (float, int, bool):
        assert_same(jtorch.zeros(2, dtype=py), torch.zeros(2, dtype=py))
        assert_same(jtorch.tensor([1, 0], dtype=py), torch.tensor([1, 0], dtype=py))
