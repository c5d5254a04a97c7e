"""Differential tests for storages (jtorch._storage: UntypedStorage, TypedStorage, legacy
<Type>Storage classes, Tensor.untyped_storage/storage/storage_type/set_) against real torch."""
import copy
import warnings

import numpy as np
import pytest
import torch

import jtorch
import jtorch._storage as S
import jtorch._storage_typed as ST
from _harness import assert_same, assert_same_error, assert_same_raise, pair

DTYPES = ["float32", "int64", "bfloat16", "bool", "complex64", "float16", "uint8", "int16"]


def _lib(lib):
    """The storage namespace of a library: torch itself, or jtorch._storage (until jtorch
    re-exports it)."""
    return torch if lib is torch else S


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _data(dtype, shape=(2, 3)):
    a = np.arange(int(np.prod(shape))).reshape(shape) - 2
    return a.astype(bool) if dtype == "bool" else a.astype(np.float32) if dtype == "bfloat16" \
        else a.astype(dtype)


# ---- UntypedStorage of a tensor --------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_untyped_storage_bytes_and_sizes(dtype):
    jt, t = pair(_data(dtype), dtype)
    js, ts = jt.untyped_storage(), t.untyped_storage()
    assert type(js) is S.UntypedStorage
    for name in ("nbytes", "size", "element_size", "tolist", "get_device", "type",
                 "is_pinned"):
        assert getattr(js, name)() == getattr(ts, name)(), name
    assert len(js) == len(ts)
    assert js[0] == ts[0] and js[-1] == ts[-1]
    assert list(js) == list(ts)
    assert repr(js) == repr(ts) and str(js) == str(ts)
    assert_same(js.device, ts.device)


def test_storage_identity_and_data_ptr():
    jt, t = pair(np.arange(12, dtype=np.float32).reshape(3, 4))
    for lib, x in ((jtorch, jt), (torch, t)):
        s = x.untyped_storage()
        assert s is x.untyped_storage()
        assert x[1:].untyped_storage() is s and x.t().untyped_storage() is s
        assert s.data_ptr() == x.data_ptr()
        assert x.clone().untyped_storage().data_ptr() != s.data_ptr()
    offs = [v.data_ptr() - v.untyped_storage().data_ptr()
            for v in (jt[1, 2:], jt.t()[1:], jt.reshape(-1)[5:])]
    assert offs == [v.data_ptr() - v.untyped_storage().data_ptr()
                    for v in (t[1, 2:], t.t()[1:], t.reshape(-1)[5:])]
    assert jt[1:].untyped_storage().nbytes() == t[1:].untyped_storage().nbytes() == 48


def test_storage_slice_shares_memory():
    jt, t = pair(np.arange(4, dtype=np.int32))
    for x in (jt, t):
        s = x.untyped_storage()
        sl = s[4:12]
        sl[0] = 9
        sl[4:6] = 7
    assert_same(jt, t)
    js, ts = jt.untyped_storage(), t.untyped_storage()
    assert js[4:12].nbytes() == ts[4:12].nbytes()
    assert js[4:12].data_ptr() - js.data_ptr() == ts[4:12].data_ptr() - ts.data_ptr()
    assert js[4:12].tolist() == ts[4:12].tolist()
    assert repr(js[2:5]) == repr(ts[2:5])


def test_storage_writes_reach_tensor_and_views():
    jt, t = pair(np.arange(6, dtype=np.float32))
    jv, tv = jt[2:], t[2:]
    assert_same(jv, tv)  # NOTE: the view has read its values before the writes
    for x in (jt, t):
        s = x.untyped_storage()
        s[4] = 1          # a byte of element 1
        s[23] = 300       # ints wrap modulo 256, as torch's uint8 fill
        s[22] = -1
        s[8:10] = 255
    assert_same(jt, t)
    assert_same(jv, tv)
    jt.untyped_storage().fill_(0)
    t.untyped_storage().fill_(0)
    assert_same(jt, t)


def test_untyped_index_errors():
    jt, t = pair(np.arange(4, dtype=np.float32))
    js, ts = jt.untyped_storage(), t.untyped_storage()
    assert_same_error(lambda: js[100], lambda: ts[100])
    assert_same_error(lambda: js[-17], lambda: ts[-17])
    assert_same_error(lambda: js["a"], lambda: ts["a"])
    for idx in (-1, 16):
        assert_same_error(lambda: js.__setitem__(idx, 1), lambda: ts.__setitem__(idx, 1))
    assert_same_error(lambda: js.__setitem__(0, 2.5), lambda: ts.__setitem__(0, 2.5))
    assert_same_error(lambda: js[::2], lambda: ts[::2])
    assert js[5:3].nbytes() == ts[5:3].nbytes() and js[-2:].tolist() == ts[-2:].tolist()


# ---- TypedStorage ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_typed_storage(dtype):
    jt, t = pair(_data(dtype), dtype)
    js, ts = jt.storage(), t.storage()
    assert type(js) is ST.TypedStorage
    assert_same(js.dtype, ts.dtype)
    for name in ("size", "nbytes", "element_size", "type", "tolist", "is_shared"):
        assert getattr(js, name)() == getattr(ts, name)(), name
    assert len(js) == len(ts)
    assert repr(js) == repr(ts)
    assert js[1] == ts[1] and type(js[1]) is type(ts[1])
    assert js.data_ptr() == jt.data_ptr()
    assert js._untyped_storage is jt.untyped_storage()
    assert js.untyped() is jt.untyped_storage()
    legacy = jt.storage_type()
    want = t.storage_type()
    assert (legacy is None) == (want is None)
    if want is not None:
        assert legacy.__name__ == want.__name__ and legacy.dtype == getattr(jtorch, dtype)
        assert repr(legacy) == repr(want)
        assert isinstance(js, legacy) and js.pickle_storage_type() == ts.pickle_storage_type()


def test_uint_storage_type_is_none():
    jt, t = pair(np.arange(3, dtype=np.uint16))
    assert jt.storage_type() is None and t.storage_type() is None
    assert jt.storage().type() == t.storage().type()


def test_typed_storage_writes_and_errors():
    jt, t = pair(np.arange(6, dtype=np.float32).reshape(2, 3))
    jv, tv = jt[1], t[1]
    jv.sum(), tv.sum()
    for x in (jt, t):
        st = x.storage()
        st[0] = 5
        st[-1] = 2.5
        st[1:3] = 7
    assert_same(jt, t)
    assert_same(jv, tv)
    jt.storage().fill_(3)
    t.storage().fill_(3)
    assert_same(jt, t)
    js, ts = jt.storage(), t.storage()
    assert_same_error(lambda: js[10], lambda: ts[10])
    assert_same_error(lambda: js[0:2], lambda: ts[0:2])
    assert_same_raise(lambda: js.__setitem__("a", 1.0), lambda: ts.__setitem__("a", 1.0))
    assert_same_raise(lambda: js.__setitem__(9, 1.0), lambda: ts.__setitem__(9, 1.0),
                      contains=["9"])
    assert_same_error(lambda: js.__setitem__(0, jt.untyped_storage()),
                      lambda: ts.__setitem__(0, t.untyped_storage()))


def test_typed_storage_reinterprets_bytes():
    jt, t = pair(np.array([1.0, -2.5, 3.0], np.float32))
    js = ST.TypedStorage(wrap_storage=jt.untyped_storage(), dtype=jtorch.int32)
    ts = torch.TypedStorage(wrap_storage=t.untyped_storage(), dtype=torch.int32)
    assert js.tolist() == ts.tolist() and js.size() == ts.size()
    js[1] = 7
    ts[1] = 7
    assert_same(jt, t)


def test_deprecation_warning_once():
    ST._reset_warn_typed_storage_removal()
    torch.storage._reset_warn_typed_storage_removal()
    got = {}
    for lib, x in ((jtorch, jtorch.ones(2)), (torch, torch.ones(2))):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            x.storage()
            x.storage().size()
        got[lib] = [(x.category, str(x.message), x.filename) for x in w]
    assert got[jtorch] == got[torch] and len(got[torch]) == 1
    assert got[torch][0][2] == __file__


# ---- construction from Python ------------------------------------------------------------------

def test_create_storages():
    for lib in (S, torch):
        assert lib.UntypedStorage(5).nbytes() == 5
        assert lib.UntypedStorage().nbytes() == 0
    assert S.UntypedStorage([1, 2, 300]).tolist() == torch.UntypedStorage([1, 2, 300]).tolist()
    assert repr(S.UntypedStorage([7, 8])) == repr(torch.UntypedStorage([7, 8]))
    for name, args in (("FloatStorage", ([1, 2.5],)), ("LongStorage", ([1, -2],)),
                       ("BoolStorage", ([True, False],)), ("DoubleStorage", (3,)),
                       ("BFloat16Storage", ([1.5],))):
        js, ts = getattr(S, name)(*args), getattr(torch, name)(*args)
        assert type(js) is ST.TypedStorage and type(ts) is torch.TypedStorage
        assert js.size() == ts.size() and js.nbytes() == ts.nbytes()
        assert_same(js.dtype, ts.dtype)
        assert isinstance(js, getattr(S, name)) and not isinstance(js, S.IntStorage)
        if isinstance(args[0], list):
            assert js.tolist() == ts.tolist() and repr(js) == repr(ts)
    js = ST.TypedStorage([1, 2], dtype=jtorch.int64)
    ts = torch.TypedStorage([1, 2], dtype=torch.int64)
    assert js.tolist() == ts.tolist() and js.type() == ts.type()
    assert ST.TypedStorage(3).dtype == jtorch.get_default_dtype()
    assert S.is_storage(js) and S.is_storage(S.UntypedStorage(1))
    assert not S.is_storage(jtorch.ones(1)) and not S.is_storage(S.FloatStorage)
    assert torch.is_storage(ts) and not torch.is_storage(torch.FloatStorage)


def test_create_errors():
    assert_same_error(lambda: S.UntypedStorage(2.5), lambda: torch.UntypedStorage(2.5))
    assert_same_error(lambda: S.LongStorage(2.5), lambda: torch.LongStorage(2.5))
    assert_same_error(lambda: S.FloatStorage(1, 2), lambda: torch.FloatStorage(1, 2))
    assert_same_error(lambda: S.FloatStorage(dtype=jtorch.float32),
                      lambda: torch.FloatStorage(dtype=torch.float32))
    assert_same_error(lambda: ST.TypedStorage(wrap_storage=S.UntypedStorage(4)),
                      lambda: torch.TypedStorage(wrap_storage=torch.UntypedStorage(4)))


def test_conversions_clone_copy():
    jt, t = pair(np.array([1, 200, 3], np.uint8))
    assert jt.untyped_storage().float().tolist() == t.untyped_storage().float().tolist()
    jf, tf = pair(np.array([1.5, -2.5], np.float32))
    for name in ("long", "double", "bool", "int", "half"):
        js, ts = getattr(jf.storage(), name)(), getattr(tf.storage(), name)()
        assert js.tolist() == ts.tolist() and js.type() == ts.type(), name
    for x in (jf, tf):
        s = x.untyped_storage()
        for c in (s.clone(), copy.copy(s), copy.deepcopy(s)):
            assert c.data_ptr() != s.data_ptr() and c.tolist() == s.tolist()
        assert s.cpu() is s and s.to(device="cpu") is s
        c = s.clone()
        c[0] = 1
        assert x[0].item() == 1.5  # the clone owns its memory
        s.copy_(c)
    assert_same(jf, tf)
    assert_same_raise(lambda: jf.untyped_storage().copy_(S.UntypedStorage(3)),
                      lambda: tf.untyped_storage().copy_(torch.UntypedStorage(3)))


def test_shared_flag_and_resize():
    jt, t = pair(np.zeros(3, np.float32))
    assert jt.untyped_storage().is_shared() == t.untyped_storage().is_shared() is False
    js, ts = S.UntypedStorage([1, 2, 3]), torch.UntypedStorage([1, 2, 3])
    js.resize_(2)
    ts.resize_(2)
    assert js.tolist() == ts.tolist()
    js.resize_(5)
    ts.resize_(5)
    assert js.nbytes() == ts.nbytes() and js.tolist()[:2] == ts.tolist()[:2]
    assert js.resizable() and t.untyped_storage().resizable()
    # NOTE: jtorch-only (documented difference): a tensor's memory cannot shrink under it.
    assert not jt.untyped_storage().resizable()
    with pytest.raises(NotImplementedError, match="resize_"):
        jt.untyped_storage().resize_(0)


def test_pickle_storage_roundtrip():
    import pickle
    jt = jtorch.tensor([1.0, 2.0])
    js = pickle.loads(pickle.dumps(jt.untyped_storage()))
    assert js.tolist() == torch.tensor([1.0, 2.0]).untyped_storage().tolist()
    jst = pickle.loads(pickle.dumps(jt.storage()))
    assert jst.tolist() == [1.0, 2.0] and jst.dtype == jtorch.float32


# ---- Tensor.set_ ---------------------------------------------------------------------------------

def _both(fn):
    """fn(lib, x, y) on fresh jtorch and torch inputs; returns both (x, y)."""
    out = []
    for lib in (jtorch, torch):
        x = lib.zeros(3)
        y = lib.arange(6.0).reshape(2, 3)
        fn(lib, x, y)
        out.append((x, y))
    return out


def test_set_tensor_shares_memory():
    (jx, jy), (tx, ty) = _both(lambda lib, x, y: x.set_(y))
    assert_same(jx, tx)
    assert jx.is_set_to(jy) and tx.is_set_to(ty)
    assert jx.data_ptr() == jy.data_ptr() and jx.stride() == tx.stride()
    jy.add_(1), ty.add_(1)
    assert_same(jx, tx)
    jx.mul_(2), tx.mul_(2)
    assert_same(jy, ty)
    assert jx.untyped_storage() is jy.untyped_storage()
    assert tx.untyped_storage() is ty.untyped_storage()
    assert jtorch.zeros(1).set_(jy) is not None


@pytest.mark.parametrize("args", [(1, (2,), (2,)), (0, (2, 2), (1, 3)), (2, (2, 2)), (0, ())])
def test_set_tensor_layout(args):
    (jx, jy), (tx, ty) = _both(lambda lib, x, y: x.set_(y, *args))
    assert_same(jx, tx)
    assert jx.stride() == tx.stride() and jx.storage_offset() == tx.storage_offset()
    jx.fill_(-1), tx.fill_(-1)
    assert_same(jy, ty)


def test_set_view_source_and_storages():
    (jx, jy), (tx, ty) = _both(lambda lib, x, y: x.set_(y[1]))
    assert_same(jx, tx)
    assert jx.storage_offset() == tx.storage_offset() and jx.is_set_to(jy[1])
    (jx, jy), (tx, ty) = _both(lambda lib, x, y: x.set_(y.untyped_storage()))
    assert_same(jx, tx)
    (jx, jy), (tx, ty) = _both(lambda lib, x, y: x.set_(y.storage(), 1, (2, 2), (1, 2)))
    assert_same(jx, tx)
    assert jx.storage_offset() == tx.storage_offset()
    jx.zero_(), tx.zero_()
    assert_same(jy, ty)


def test_set_fresh_storage():
    for lib in (jtorch, torch):
        s = _lib(lib).FloatStorage([1, 2, 3])
        x = lib.zeros(1).set_(s)
        x[0] = 9
        assert s.tolist() == [9.0, 2.0, 3.0] and x.tolist() == [9.0, 2.0, 3.0]
        u = _lib(lib).UntypedStorage(8)
        z = lib.ones(1).set_(u, 0, (2,))
        z.fill_(1.0)
        assert z.tolist() == [1.0, 1.0] and u.tolist() == [0, 0, 128, 63] * 2


def test_set_empty():
    (jx, _), (tx, _) = _both(lambda lib, x, y: x.set_())
    assert_same(jx, tx)
    assert jx.untyped_storage().nbytes() == tx.untyped_storage().nbytes() == 0
    assert jx.stride() == tx.stride()


def test_set_keeps_old_views_and_storages():
    res = []
    for lib in (jtorch, torch):
        x = lib.arange(3.0)
        v = x[1:]
        s = x.untyped_storage()
        y = lib.full((2,), 7.0)
        x.set_(y)
        v.add_(10)
        res.append((x, v, s.tolist(), s.data_ptr() == x.data_ptr(), x.is_set_to(y)))
    assert_same(res[0][:2], res[1][:2])
    assert res[0][2:] == res[1][2:]


def test_set_self_view():
    res = []
    for lib in (jtorch, torch):
        x = lib.arange(6.0)
        x.set_(x[2:])
        x.add_(1)
        res.append(x)
    assert_same(*res)


def test_set_errors():
    jx, tx = pair(np.zeros(3, np.float32))
    jl, tl = pair(np.arange(3))
    assert_same_error(lambda: jx.set_(jl), lambda: tx.set_(tl))
    assert_same_error(lambda: jl.set_(jx), lambda: tl.set_(tx))
    assert_same_error(lambda: jl.set_(jx.storage()), lambda: tl.set_(tx.storage()))
    assert_same_raise(lambda: jx.set_(3), lambda: tx.set_(3),
                      match=r"^set_\(\) received an invalid combination of arguments - got "
                            r"\(int\)")
    assert_same_raise(lambda: jx.set_(jl.untyped_storage(), 0),
                      lambda: tx.set_(tl.untyped_storage(), 0),
                      match=r"^set_\(\) received an invalid combination of arguments")
    for args in ((0, (2, 2), (1,)), (-1, (2,)), (0, (-2,)), (0, (2,), (-1,))):
        assert_same_error(lambda: jx.set_(jl.float(), *args), lambda: tx.set_(tl.float(), *args))
    assert_same_raise(lambda: jx.set_(jx, 0, 2), lambda: tx.set_(tx, 0, 2),
                      match=r"^set_\(\) received an invalid combination of arguments")
    jr, tr = pair(np.zeros(3, np.float32), requires_grad=True)
    assert_same_error(lambda: jr.set_(jx), lambda: tr.set_(tx))


def test_set_no_grad_leaf():
    res = []
    for lib in (jtorch, torch):
        a = lib.zeros(3, requires_grad=True)
        with lib.no_grad():
            a.set_(lib.ones(2))
        res.append((a, a.requires_grad, a.is_leaf))
    assert_same(res[0], res[1])


def test_set_unsupported_is_loud():
    # NOTE: jtorch-only checks of documented differences: torch grows the storage / records a
    # NotImplemented grad_fn; jtorch raises instead of diverging.
    y = jtorch.arange(6.0)
    with pytest.raises(NotImplementedError, match="growing a storage"):
        jtorch.zeros(1).set_(y, 0, (20,))
    b = jtorch.ones(3, requires_grad=True) * 2
    with pytest.raises(NotImplementedError, match="require grad"):
        jtorch.zeros(3).set_(b)
    with pytest.raises(NotImplementedError, match="another dtype"):
        jtorch.zeros(1, dtype=jtorch.int32).set_(y.untyped_storage())
    with pytest.raises(NotImplementedError, match="slice of a storage"):
        jtorch.zeros(1).set_(y.untyped_storage()[8:], 1, (2,))
