"""Differential tests for DLPack exchange (jtorch.utils.dlpack, Tensor.__dlpack__) against torch:
NumPy, JAX and torch producers into jtorch, and jtorch into NumPy and torch."""
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.utils.dlpack

import jtorch
import jtorch.utils.dlpack as DL
from _harness import assert_same, assert_same_error, pair

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool",
          "complex64", "uint16"]
SHAPES = [(2, 3), (), (0, 4)]


def _same_torch(got, want):
    """Two torch tensors: same dtype, shape, device and values."""
    assert isinstance(got, torch.Tensor) and got.dtype == want.dtype
    assert got.shape == want.shape and got.device == want.device
    assert torch.equal(got, want), (got, want)


def _np(dtype, shape):
    a = np.asarray(np.arange(int(np.prod(shape))).reshape(shape) - 1)
    return np.asarray(a.astype(bool) if dtype == "bool" else a.astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_numpy_to_tensor(dtype, shape):
    a = _np(dtype, shape)
    assert_same(DL.from_dlpack(a), torch.from_dlpack(a))


def test_numpy_noncontiguous_and_jax():
    a = np.arange(12.0).reshape(3, 4)
    for src in (a.T, a[:, 1::2]):
        assert_same(DL.from_dlpack(src), torch.from_dlpack(src))
    j = jnp.arange(6, dtype=jnp.int32).reshape(2, 3)
    assert_same(DL.from_dlpack(j), torch.from_dlpack(j))
    assert_same(DL.from_dlpack(j, copy=True), torch.from_dlpack(j, copy=True))


@pytest.mark.parametrize("dtype", DTYPES + ["bfloat16"])
def test_tensor_roundtrips(dtype):
    a = _np("float32" if dtype == "bfloat16" else dtype, (2, 3))
    jt, t = pair(a, dtype)
    _same_torch(torch.from_dlpack(jt), t)                      # jtorch -> torch
    assert_same(DL.from_dlpack(t), t)                          # torch -> jtorch
    _same_torch(torch.utils.dlpack.from_dlpack(DL.to_dlpack(jt)), t)   # legacy capsules
    assert_same(DL.from_dlpack(torch.utils.dlpack.to_dlpack(t)), t)
    if dtype != "bfloat16":                                    # NumPy has no bfloat16
        got, want = np.from_dlpack(jt), np.from_dlpack(t)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_views_export():
    jt, t = pair(np.arange(12.0, dtype=np.float32).reshape(3, 4))
    for f in (lambda x: x.t(), lambda x: x[1:, ::2], lambda x: x[2]):
        _same_torch(torch.from_dlpack(f(jt)), f(t))
        np.testing.assert_array_equal(np.from_dlpack(f(jt)), np.from_dlpack(f(t)))


def test_dlpack_device():
    jt, t = pair(np.zeros(2, np.float32))
    jd, td = jt.__dlpack_device__(), t.__dlpack_device__()
    assert (int(jd[0]), jd[1]) == (int(td[0]), td[1])
    assert jd[0].name == td[0].name
    assert DL.DLDeviceType.kDLCUDA == torch.utils.dlpack.DLDeviceType.kDLCUDA


def test_from_dlpack_of_tensor_shares_memory():
    res = []
    for lib, fd in ((jtorch, DL.from_dlpack), (torch, torch.from_dlpack)):
        x = lib.arange(4)
        y = fd(x)
        y[:2] = -1
        res.append((x, y, y is x, y.data_ptr() == x.data_ptr()))
    assert_same(res[0], res[1])
    jx, tx = pair(np.arange(3.0))
    assert_same(DL.from_dlpack(jx, device="cpu"), torch.from_dlpack(tx, device="cpu"))
    assert DL.from_dlpack(jx, copy=True).data_ptr() != jx.data_ptr()


def test_errors():
    jt, t = pair(np.ones(2, np.float32), requires_grad=True)
    assert_same_error(lambda: jt.__dlpack__(), lambda: t.__dlpack__())
    _same_torch(torch.from_dlpack(DL.to_dlpack(jt)),                # torch allows this one
                torch.from_dlpack(torch.utils.dlpack.to_dlpack(t)))
    assert_same_error(lambda: DL.from_dlpack(jt), lambda: torch.from_dlpack(t))
    assert_same_error(lambda: np.from_dlpack(jt), lambda: np.from_dlpack(t))
    assert_same_error(lambda: DL.from_dlpack([1, 2]), lambda: torch.from_dlpack([1, 2]))
    jc, tc = DL.to_dlpack(jt.detach()), torch.utils.dlpack.to_dlpack(t.detach())
    DL.from_dlpack(jc), torch.from_dlpack(tc)
    assert_same_error(lambda: DL.from_dlpack(jc), lambda: torch.from_dlpack(tc))
    jc, tc = DL.to_dlpack(jt.detach()), torch.utils.dlpack.to_dlpack(t.detach())
    assert_same_error(lambda: DL.from_dlpack(jc, copy=True),
                      lambda: torch.from_dlpack(tc, copy=True))
