"""Shared helpers for the serialization tests: save/load through bytes, exact comparison."""
import io

import jax
import pytest
import torch

import jtorch
from jtorch._serialization._zip import ZipWriter
from _harness import jt_to_numpy, t_to_numpy

__all__ = ["_np", "_exact", "_same_raise", "_jt_bytes", "_t_bytes", "_jl", "_tl", "_zip_with"]


def _np(x):
    if isinstance(x, jtorch.Tensor):
        # NOTE: a loaded tensor must hold a placed jax.Array (not its host staging array).
        assert isinstance(x._a, jax.Array), type(x._a)
    if isinstance(x, torch.Tensor):
        return t_to_numpy(x)
    assert isinstance(x, jtorch.Tensor), type(x)
    return jt_to_numpy(x)


def _exact(a, b):
    """Same shape, dtype name, requires_grad and bits (NaN-safe) for two tensors of either
    library (the result of a load and its reference)."""
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype)
    assert _np(a).tobytes() == _np(b).tobytes()
    assert a.requires_grad == b.requires_grad


def _same_raise(fn_jt, fn_torch, contains=()):
    """Both raise the same exception class (pickle.UnpicklingError included)."""
    with pytest.raises(Exception) as et:
        fn_torch()
    with pytest.raises(Exception) as ej:
        fn_jt()
    assert type(ej.value) is type(et.value), (ej.value, et.value)
    for c in contains:
        assert c in str(ej.value), (c, str(ej.value))


def _jt_bytes(obj, **kw):
    buf = io.BytesIO()
    jtorch.save(obj, buf, **kw)
    return buf.getvalue()


def _t_bytes(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def _jl(b, **kw):
    return jtorch.load(io.BytesIO(b), **kw)


def _tl(b, **kw):
    return torch.load(io.BytesIO(b), **kw)


def _zip_with(records, prefix="archive"):
    """A zip checkpoint with the given {name: bytes} records (for crafted/hostile files); a
    `version` record is added unless records name it None."""
    buf = io.BytesIO()
    w = ZipWriter(buf, prefix)
    records = {"version": b"3\n", **records}
    for k, v in records.items():
        if v is None:
            continue
        w.write_record(k, v)
    w.close()
    return buf.getvalue()
