"""Tensor attributes and storage semantics against torch."""
import copy
import pickle

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, pair, require


def _pair(shape=(2, 3), dtype="float32", seed=0):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) - 2
    return pair(a, dtype=dtype)


# ---- metadata ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 1, 1)])
def test_shape_attributes(shape):
    jx, tx = _pair(shape)
    assert_same(jx.shape, tx.shape)
    assert_same(jx.size(), tx.size())
    assert isinstance(jx.shape, jtorch.Size) and isinstance(jx.shape, tuple)
    assert repr(jx.shape) == repr(tx.shape)
    assert jx.dim() == tx.dim() == jx.ndim == tx.ndim == jx.ndimension()
    assert jx.numel() == tx.numel() == jx.nelement() == jtorch.numel(jx)
    assert jx.shape.numel() == tx.shape.numel()
    for d in range(-len(shape), len(shape)):
        assert jx.size(d) == tx.size(d)
        assert jx.shape[d] == tx.shape[d]
    n = max(len(shape), 1)
    for bad in (n, -n - 1):
        assert_same_raise(lambda: jx.size(bad), lambda: tx.size(bad))
    assert_same(jx.dtype, tx.dtype)
    assert_same(jx.device, tx.device)
    assert jx.element_size() == tx.element_size()
    assert jx.is_contiguous() == tx.is_contiguous()
    assert jx.stride() == tx.stride()
    assert jx.storage_offset() == tx.storage_offset()


def test_size_arithmetic():
    jx, tx = _pair((2, 3, 4))
    assert_same(jx.shape[1:], tx.shape[1:])
    assert_same(jx.shape + (5,), tx.shape + (5,))
    assert_same((1,) + jx.shape, (1,) + tx.shape)
    assert jx.shape == (2, 3, 4) and jx.shape == tx.shape
    assert str(jx.shape) == str(tx.shape)
    assert pickle.loads(pickle.dumps(jx.shape)) == jx.shape


@pytest.mark.parametrize("name", ["float32", "float16", "int64", "bool", "complex64", "uint8"])
def test_element_size_and_nbytes(name):
    jx, tx = _pair((3, 2), name)
    assert jx.element_size() == tx.element_size()
    assert jx.itemsize == tx.itemsize
    assert jx.nbytes == tx.nbytes


def test_transpose_properties():
    for attr in ("T", "mT"):
        require(jtorch.Tensor, attr, "the shape engineer")
    jx, tx = _pair((2, 3))
    assert_same(jx.T, tx.T)
    assert_same(jx.mT, tx.mT)
    j3, t3 = _pair((2, 3, 4))
    assert_same(j3.mT, t3.mT)
    assert jx.T.is_contiguous() == tx.T.is_contiguous()
    assert jx.T.stride() == tx.T.stride()


# ---- autograd metadata --------------------------------------------------------------------------

def test_autograd_attributes():
    jx, tx = _pair()
    assert jx.is_leaf == tx.is_leaf
    assert jx.requires_grad == tx.requires_grad
    assert jx.grad is None and tx.grad is None
    assert jx.grad_fn is None and tx.grad_fn is None
    jx.requires_grad_()
    tx.requires_grad_()
    assert jx.requires_grad and jx.is_leaf
    jx.requires_grad = False
    tx.requires_grad = False
    assert jx.requires_grad == tx.requires_grad
    ji, ti = _pair(dtype="int64")
    ej, et = assert_same_raise(lambda: ji.requires_grad_(), lambda: ti.requires_grad_())
    assert str(ej) == str(et)
    assert_same_raise(lambda: setattr(ji, "requires_grad", True),
                      lambda: setattr(ti, "requires_grad", True))


def test_grad_setter():
    jx, tx = _pair()
    jx.requires_grad_()
    tx.requires_grad_()
    jg, tg = _pair(seed=1)
    jx.grad = jg
    tx.grad = tg
    assert_same(jx.grad, tx.grad)
    jx.grad = None
    tx.grad = None
    assert jx.grad is None
    jb, tb = _pair((3, 3))
    assert_same_raise(lambda: setattr(jx, "grad", jb), lambda: setattr(tx, "grad", tb))
    assert_same_raise(lambda: setattr(jx, "grad", 3.0), lambda: setattr(tx, "grad", 3.0))
    jd, td = _pair(dtype="float64")
    assert_same_raise(lambda: setattr(jx, "grad", jd), lambda: setattr(tx, "grad", td))


def test_non_leaf():
    jx, tx = _pair()
    jx.requires_grad_()
    tx.requires_grad_()
    jy, ty = jx * 2, tx * 2
    assert jy.is_leaf == ty.is_leaf is False
    assert jy.requires_grad == ty.requires_grad
    assert type(jy.grad_fn).__name__ == type(ty.grad_fn).__name__ or \
        jy.grad_fn.name() == ty.grad_fn.name()
    assert_same_raise(lambda: setattr(jy, "requires_grad", False),
                      lambda: setattr(ty, "requires_grad", False))
    jc, tc = jx.clone(), tx.clone()
    assert jc.requires_grad and not jc.is_leaf and not tc.is_leaf
    assert_same(jc, tc)


# ---- data / detach aliasing ---------------------------------------------------------------------

def test_data_alias_semantics():
    jx, tx = _pair()
    jx.data.add_(1)
    tx.data.add_(1)
    assert_same(jx, tx)
    jd, td = jx.data, tx.data
    jd.mul_(3)
    td.mul_(3)
    assert_same(jx, tx)
    assert not jd.requires_grad
    jx.add_(1)
    tx.add_(1)
    assert_same(jd, td)  # the alias sees writes to the original


def test_data_setter():
    jx, tx = _pair()
    jn, tn = _pair((4,), "int64")
    jx.data = jn
    tx.data = tn
    assert_same(jx, tx)


def test_detach_shares_storage():
    jx, tx = _pair()
    jx.requires_grad_()
    tx.requires_grad_()
    jd, td = jx.detach(), tx.detach()
    assert not jd.requires_grad and jd.is_leaf
    jd.zero_()
    td.zero_()
    assert_same(jx.detach(), tx.detach())
    with jtorch.no_grad():
        jx.fill_(5)
    with torch.no_grad():
        tx.fill_(5)
    assert_same(jd, td)


def test_detach_inplace():
    jx, tx = _pair()
    jx.requires_grad_()
    tx.requires_grad_()
    jy, ty = jx * 2, tx * 2
    assert jy.detach_() is jy
    ty.detach_()
    assert jy.requires_grad == ty.requires_grad and jy.is_leaf == ty.is_leaf


# ---- copies and in-place writes -------------------------------------------------------------------

def test_clone_is_independent():
    jx, tx = _pair()
    jc, tc = jx.clone(), tx.clone()
    jc.add_(10)
    tc.add_(10)
    assert_same(jx, tx)
    assert_same(jc, tc)
    assert jc.is_contiguous()


def test_contiguous():
    jx, tx = _pair()
    assert (jx.contiguous() is jx) == (tx.contiguous() is tx)
    if hasattr(jtorch.Tensor, "t"):
        jt, tt = jx.t(), tx.t()
        assert jt.is_contiguous() == tt.is_contiguous()
        jc, tc = jt.contiguous(), tt.contiguous()
        assert jc.is_contiguous() and tc.is_contiguous()
        assert_same(jc, tc)
        assert jc.stride() == tc.stride()


@pytest.mark.parametrize("src_shape, src_dtype", [((2, 3), "float32"), ((3,), "float64"),
                                                  ((1, 3), "int64"), ((), "bool"),
                                                  ((2, 3), "float16")])
def test_copy_broadcast_and_cast(src_shape, src_dtype):
    jx, tx = _pair((2, 3), "float32")
    js, ts = _pair(src_shape, src_dtype, seed=3)
    r = jx.copy_(js)
    tx.copy_(ts)
    assert r is jx
    assert_same(jx, tx)


def test_copy_errors_and_int_target():
    ji, ti = _pair((2, 3), "int32")
    jf, tf = pair(np.full((2, 3), 2.7, dtype=np.float32))
    ji.copy_(jf)
    ti.copy_(tf)
    assert_same(ji, ti)  # float -> int truncates (copy_ casts, unlike in-place arithmetic)
    jb, tb = _pair((4,), "float32")
    assert_same_raise(lambda: ji.copy_(jb), lambda: ti.copy_(tb))
    ji.copy_(3.0)
    ti.copy_(3.0)
    assert_same(ji, ti)
    assert_same_raise(lambda: ji.copy_("a"), lambda: ti.copy_("a"))


@pytest.mark.parametrize("dtype, value", [("float32", 2.5), ("int64", 2.7), ("int64", -1),
                                          ("bool", 2), ("float16", 1e9), ("uint8", 300),
                                          ("float32", True), ("complex64", 1j)])
def test_fill(dtype, value):
    jx, tx = _pair((2, 2), dtype)
    try:
        tx.fill_(value)
    except Exception:  # noqa: BLE001
        assert_same_raise(lambda: jx.fill_(value), lambda: _pair((2, 2), dtype)[1].fill_(value))
        return
    assert jx.fill_(value) is jx
    assert_same(jx, tx)


def test_fill_with_tensor_and_zero():
    jx, tx = _pair()
    jv, tv = pair(np.array(4.5, dtype=np.float64))
    jx.fill_(jv)
    tx.fill_(tv)
    assert_same(jx, tx)
    assert jx.zero_() is jx
    tx.zero_()
    assert_same(jx, tx)
    jb, tb = _pair((2,))
    assert_same_raise(lambda: jx.fill_(jb), lambda: tx.fill_(tb))


def test_version_counter():
    jx, tx = _pair()
    assert jx._version == tx._version == 0
    for f in (lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.zero_(),
              lambda x: x.fill_(3), lambda x: x.copy_(x.clone()), lambda x: x.__iadd__(1),
              lambda x: x.clamp_(min=0), lambda x: x.neg_()):
        f(jx)
        f(tx)
        assert jx._version == tx._version, f
    jy, ty = jx + 1, tx + 1
    assert jy._version == ty._version == 0
    jd, td = jx.detach(), tx.detach()
    jd.add_(1)
    td.add_(1)
    assert jx._version == tx._version  # shared version counter
    jx.data.add_(1)
    tx.data.add_(1)
    assert jx._version == jx._version


def test_inplace_ops_return_self_and_keep_dtype():
    ji, ti = _pair((3,), "int64")
    for name, args in (("add_", (2,)), ("mul_", (3,)), ("sub_", (1,)), ("clamp_", (0, 5)),
                       ("abs_", ()), ("neg_", ())):
        assert getattr(ji, name)(*args) is ji
        getattr(ti, name)(*args)
        assert_same(ji, ti)
    assert_same_raise(lambda: ji.div_(2), lambda: ti.div_(2))
    assert_same_raise(lambda: ji.sqrt_(), lambda: ti.sqrt_())


# ---- Python protocol ------------------------------------------------------------------------------

def test_deepcopy_and_pickle():
    jx, tx = _pair()
    jx.requires_grad_()
    jc = copy.deepcopy(jx)
    assert jc is not jx and jc.requires_grad and jc.is_leaf
    assert_same(jc.detach(), tx)
    jp = pickle.loads(pickle.dumps(jx))
    assert_same(jp.detach(), tx) and jp.requires_grad
    jy = jx * 2
    assert_same_raise(lambda: copy.deepcopy(jy), lambda: copy.deepcopy(tx.requires_grad_() * 2))


def test_hash_and_identity():
    jx, _ = _pair()
    assert hash(jx) == hash(jx)
    assert len({jx, jx.clone()}) == 2
    assert jtorch.is_tensor(jx)
    assert isinstance(jx, jtorch.Tensor)


def test_legacy_constructor():
    assert_same(jtorch.Tensor([1, 2]), torch.Tensor([1, 2]))
    assert_same(jtorch.Tensor(2, 3).shape, torch.Tensor(2, 3).shape)
    assert_same(jtorch.Tensor().shape, torch.Tensor().shape)
    assert_same(jtorch.FloatTensor([1, 2]) if hasattr(jtorch, "FloatTensor") else
                jtorch.Tensor([1, 2]), torch.FloatTensor([1, 2]))


def test_type_as_matches_torch():
    import torch
    for a, b in (("float32", "float64"), ("int64", "float16"), ("bool", "int32"),
                 ("float32", "float32")):
        t = torch.ones(2, 3, dtype=getattr(torch, a), requires_grad=a == "float32")
        j = jtorch.ones(2, 3, dtype=getattr(jtorch, a), requires_grad=a == "float32")
        to, jo = t.type_as(torch.zeros(1, dtype=getattr(torch, b))), \
            j.type_as(jtorch.zeros(1, dtype=getattr(jtorch, b)))
        assert str(jo.dtype) == str(to.dtype) and jo.shape == to.shape
        assert jo.requires_grad == to.requires_grad
