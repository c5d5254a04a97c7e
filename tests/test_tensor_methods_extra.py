"""Differential tests for jtorch._tensor_methods_extra (Tensor methods) against real torch."""
import importlib
import warnings

import numpy as np
import pytest
import torch

import jtorch
from jtorch import _toplevel_extra as X
from _harness import assert_same, assert_same_raise, pair

# NOTE: importing the module attaches the methods (jtorch/__init__.py will import it too).
importlib.import_module("jtorch._tensor_methods_extra")
FMTS = ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


def _fmt(lib, name):
    return getattr(X if lib is jtorch else torch, name)


def _views(shape=(2, 3, 4, 5)):
    """(name, jtorch tensor, torch tensor) over several layouts of the same values."""
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    jt, t = pair(a)
    out = [("contig", jt, t),
           ("cl", jt.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
            t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)),
           ("perm", jt.transpose(0, 1), t.transpose(0, 1)),
           ("sliced", jt[:, :, ::2], t[:, :, ::2])]
    out.append(("cl_sliced", out[1][1][:, :, ::2], out[1][2][:, :, ::2]))
    return out


# ---- is_contiguous / contiguous / to / clone with memory_format ---------------------------------

@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 3, 1, 1), (2, 1, 4, 5), (0, 3, 4, 5),
                                   (2, 3, 4, 1)])
def test_is_contiguous_memory_format(shape):
    for name, jt, t in _views(shape):
        assert jt.stride() == t.stride(), name
        for f in FMTS:
            assert jt.is_contiguous(memory_format=_fmt(jtorch, f)) == \
                t.is_contiguous(memory_format=_fmt(torch, f)), (name, f)
        assert jt.is_contiguous() == t.is_contiguous()
    jt, t = pair(np.zeros((2, 3, 4, 5, 6), np.float32))
    assert jt.is_contiguous(memory_format=X.channels_last_3d) == \
        t.is_contiguous(memory_format=torch.channels_last_3d)
    assert_same_raise(lambda: jt.is_contiguous(memory_format="x"),
                      lambda: t.is_contiguous(memory_format="x"))


@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last", "preserve_format"])
def test_contiguous_memory_format(fmt):
    for name, jt, t in _views():
        def run(x, lib):
            return x.contiguous(memory_format=_fmt(lib, fmt))
        if fmt == "preserve_format" and not t.is_contiguous():
            assert_same_raise(lambda: run(jt, jtorch), lambda: run(t, torch),
                              contains=["preserve memory format is unsupported"])
            continue
        rj, rt = run(jt, jtorch), run(t, torch)
        assert rj.stride() == rt.stride(), name
        assert (rj is jt) == (rt is t), name
        assert_same(rj, rt)
    jt, t = pair(np.zeros((2, 3, 4), np.float32))
    assert_same_raise(lambda: jt.contiguous(memory_format=X.channels_last),
                      lambda: t.contiguous(memory_format=torch.channels_last),
                      contains=["required rank 4 tensor to use channels_last format"])
    assert_same_raise(lambda: jt.contiguous(memory_format="x"),
                      lambda: t.contiguous(memory_format="x"),
                      contains=["memory_format", "torch.memory_format", "str"])


def test_channels_last_values_writes_and_grad():
    jt, t = pair(np.arange(120.0).reshape(2, 3, 4, 5), requires_grad=True)
    yj = jt.contiguous(memory_format=X.channels_last)
    yt = t.contiguous(memory_format=torch.channels_last)
    assert yj.stride() == yt.stride() and yj.is_contiguous() == yt.is_contiguous()
    w = np.linspace(0, 1, 120).reshape(2, 3, 4, 5)
    (yj * jtorch.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    assert_same(jt.grad, t.grad)
    with torch.no_grad(), jtorch.no_grad():
        zj, zt = yj.detach(), yt.detach()
        zj[1, 2, 3, 4] = -1.0
        zt[1, 2, 3, 4] = -1.0
    assert_same(zj, zt)
    assert_same(zj.view(-1) if False else zj.permute(0, 2, 3, 1).reshape(-1),
                zt.permute(0, 2, 3, 1).reshape(-1))


@pytest.mark.parametrize("call", ["to_dtype", "to_fmt", "to_contig", "to_copy", "double",
                                  "float", "float_cl", "clone", "clone_cl", "clone_contig"])
def test_to_clone_cast_memory_format(call):
    def run(x, lib):
        cl, cf = _fmt(lib, "channels_last"), _fmt(lib, "contiguous_format")
        return {"to_dtype": lambda: x.to(lib.float64),
                "to_fmt": lambda: x.to(memory_format=cl),
                "to_contig": lambda: x.to(memory_format=cf),
                "to_copy": lambda: x.to(copy=True),
                "double": lambda: x.double(),
                "float": lambda: x.float(),
                "float_cl": lambda: x.float(memory_format=cl),
                "clone": lambda: x.clone(),
                "clone_cl": lambda: x.clone(memory_format=cl),
                "clone_contig": lambda: x.clone(memory_format=cf)}[call]()
    for name, jt, t in _views():
        rj, rt = run(jt, jtorch), run(t, torch)
        _check_strides(rj, rt, name)
        assert (rj is jt) == (rt is t), name
        assert_same(rj, rt)


def _check_strides(rj, rt, name):
    """jtorch's strides are torch's, except that copies of non-channels_last permutations are
    row-major in jtorch (see target_strides)."""
    if name == "perm" and rt.stride() != rj.stride():
        assert rj.is_contiguous() and not rt.is_contiguous()
        return
    assert rj.stride() == rt.stride(), name


def test_to_memory_format_errors():
    jt, t = pair(np.zeros((2, 3, 4), np.float32))
    for f, rank in (("channels_last", 4), ("channels_last_3d", 5)):
        assert_same_raise(lambda: jt.to(memory_format=_fmt(jtorch, f)),
                          lambda: t.to(memory_format=_fmt(torch, f)),
                          contains=[f"required rank {rank} tensor to use {f} format"])
        assert_same_raise(lambda: jt.clone(memory_format=_fmt(jtorch, f)),
                          lambda: t.clone(memory_format=_fmt(torch, f)))
    assert_same_raise(lambda: jt.to(memory_format="a"), lambda: t.to(memory_format="a"))
    assert_same_raise(lambda: jt.contiguous(memory_format=None),
                      lambda: t.contiguous(memory_format=None), contains=["NoneType"])
    assert_same_raise(lambda: jt.double(None), lambda: t.double(None))


def test_memory_format_none_means_preserve():
    jt = jtorch.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=X.channels_last)
    t = torch.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    for f in (lambda x, lib: x.clone(memory_format=None),
              lambda x, lib: x.to(lib.float64, memory_format=None),
              lambda x, lib: x.float(memory_format=None)):
        assert f(jt, jtorch).stride() == f(t, torch).stride()


@pytest.mark.parametrize("case", ["contig", "t", "cl", "ones", "sliced", "expand", "1d", "0d"])
@pytest.mark.parametrize("check", [False, True, "formats", "bad"])
def test_dim_order(case, check):
    def make(lib):
        x = lib.arange(120.0).reshape(2, 3, 4, 5)
        return {"contig": lambda: x, "t": lambda: x.transpose(1, 2),
                "cl": lambda: x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
                "ones": lambda: lib.ones(1, 2, 3, 4), "sliced": lambda: x[:, ::2],
                "expand": lambda: lib.ones(3, 1).expand(3, 4), "1d": lambda: lib.ones(3),
                "0d": lambda: lib.tensor(1.0)}[case]()

    def run(lib):
        amb = check
        if check == "formats":
            amb = [_fmt(lib, "contiguous_format"), _fmt(lib, "channels_last")]
        elif check == "bad":
            amb = "ILLEGAL"
        return make(lib).dim_order(ambiguity_check=amb)
    try:
        want = run(torch)
    except (RuntimeError, TypeError):
        assert_same_raise(lambda: run(jtorch), lambda: run(torch))
        return
    assert run(jtorch) == want


# ---- in-place transposes ---------------------------------------------------------------------

@pytest.mark.parametrize("call", ["t_", "transpose_", "swapaxes_", "swapdims_", "t_view",
                                  "t_1d", "as_strided_"])
def test_inplace_transposes(call):
    def run(lib):
        base = lib.arange(24.0).reshape(2, 3, 4)
        x = {"t_": lambda: lib.arange(6.0).reshape(2, 3), "t_view": lambda: base[0],
             "t_1d": lambda: lib.arange(3.0)}.get(call, lambda: base)()
        r = {"t_": lambda: x.t_(), "t_view": lambda: x.t_(), "t_1d": lambda: x.t_(),
             "transpose_": lambda: x.transpose_(0, 2), "swapaxes_": lambda: x.swapaxes_(0, 1),
             "swapdims_": lambda: x.swapdims_(2, 1),
             "as_strided_": lambda: x.as_strided_((3, 2), (1, 4), 2)}[call]()
        assert r is x
        before = (x.stride(), x.is_contiguous(), x.storage_offset())
        x[0] = -1.0  # writes land where torch's layout says
        return x, base, before
    (xj, bj, sj), (xt, bt, st) = run(jtorch), run(torch)
    assert sj == st
    assert_same(xj, xt)
    assert_same(bj, bt)


def test_inplace_transpose_autograd_and_errors():
    jt, t = pair(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert_same_raise(lambda: jt.t_(), lambda: t.t_(), contains=["leaf Variable"])
    yj, yt = jt * 2, t * 2
    assert yj.t_() is yj and yt.t_() is yt
    assert yj.stride() == yt.stride() and tuple(yj.shape) == tuple(yt.shape)
    w = np.arange(6.0).reshape(3, 2)
    (yj * jtorch.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    assert_same(jt.grad, t.grad)
    a, ta = pair(np.zeros((2, 3, 4), np.float32))
    assert_same_raise(lambda: a.t_(), lambda: ta.t_(),
                      contains=["t_() expects a tensor with <= 2 dimensions, but self is 3D"])
    assert_same_raise(lambda: a.transpose_(0, 3), lambda: ta.transpose_(0, 3),
                      contains=["Dimension out of range"])


# ---- fill_diagonal_ ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape,wrap", [((3, 4), False), ((7, 3), False), ((7, 3), True),
                                        ((3, 3, 3), False), ((4, 3), True), ((2, 5), True)])
def test_fill_diagonal_(shape, wrap):
    jt, t = pair(np.zeros(shape, np.float32))
    assert jt.fill_diagonal_(5, wrap=wrap) is jt and t.fill_diagonal_(5, wrap=wrap) is t
    assert_same(jt, t)
    ji, ti = pair(np.zeros(shape, np.int64))
    assert_same(ji.fill_diagonal_(2.7, wrap), ti.fill_diagonal_(2.7, wrap))


def test_fill_diagonal_view_and_errors():
    jt, t = pair(np.zeros((4, 6), np.float32))
    jt[:, ::2].fill_diagonal_(1.0)
    t[:, ::2].fill_diagonal_(1.0)
    assert_same(jt, t)
    for shape, msg in (((3,), "dimensions must larger than 1"),
                       ((3, 4, 5), "all dimensions of input must be of equal length")):
        a, ta = pair(np.zeros(shape, np.float32))
        assert_same_raise(lambda: a.fill_diagonal_(1), lambda: ta.fill_diagonal_(1),
                          contains=[msg])


# ---- comparison aliases -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["greater_", "greater_equal_", "less_", "less_equal_",
                                  "not_equal_"])
def test_comparison_inplace_aliases(name):
    jt, t = pair(np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], np.float32))
    rj, rt = getattr(jt, name)(2), getattr(t, name)(2)
    assert rj is jt and rt is t
    assert_same(jt, t)
    o, to_ = pair(np.array([1.0, 4.0, 2.0], np.float32))
    assert_same(getattr(jt, name)(o), getattr(t, name)(to_))


# ---- apply_ / map_ / map2_ --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "bool", "float64"])
def test_apply_map_map2(dtype):
    jt, t = pair(np.arange(6).reshape(2, 3), dtype)
    assert jt.apply_(lambda v: v * 1.5) is jt
    t.apply_(lambda v: v * 1.5)
    assert_same(jt, t)
    o, to_ = pair(np.array([1, 2, 3]), dtype)
    assert_same(jt.map_(o, lambda a, b: a + b), t.map_(to_, lambda a, b: a + b))
    assert_same(jt.map2_(o, o, lambda a, b, c: a * b - c), t.map2_(to_, to_,
                                                                   lambda a, b, c: a * b - c))
    seen_j, seen_t = [], []
    jt.apply_(lambda v: seen_j.append(type(v)) or v)
    t.apply_(lambda v: seen_t.append(type(v)) or v)
    assert seen_j == seen_t


def test_apply_map_errors():
    jt, t = pair(np.ones(3, np.float32))
    assert_same_raise(lambda: jt.apply_(lambda v: None), lambda: t.apply_(lambda v: None),
                      contains=["must be real number, not NoneType"])
    assert_same_raise(lambda: jt.apply_(3), lambda: t.apply_(3))
    li, ti = pair(np.ones(3, np.int64))
    assert_same_raise(lambda: jt.map_(li, lambda a, b: a), lambda: t.map_(ti, lambda a, b: a),
                      contains=["map_: expected torch.FloatTensor for 'other' (got "
                                "torch.LongTensor)"])
    assert_same_raise(lambda: jt.map2_(jt, li, lambda a, b, c: a),
                      lambda: t.map2_(t, ti, lambda a, b, c: a),
                      contains=["map2_: expected torch.FloatTensor for argument 'y'"])
    sj, st = pair(np.ones(2, np.float32))
    assert_same_raise(lambda: jt.map_(sj, lambda a, b: a), lambda: t.map_(st, lambda a, b: a),
                      contains=["expanded size"])
    gj, gt = pair(np.ones(3, np.float32), requires_grad=True)
    assert_same_raise(lambda: gj.apply_(lambda v: v), lambda: gt.apply_(lambda v: v),
                      contains=["Can't call apply_() on Variable that requires grad"])
    vj, vt = pair(np.zeros((2, 2), np.float32))
    vj.t()[0].apply_(lambda v: 7)
    vt.t()[0].apply_(lambda v: 7)
    assert_same(vj, vt)


# ---- legacy new() -----------------------------------------------------------------------------

@pytest.mark.parametrize("args", ["sizes", "size_obj", "list", "tuple", "empty", "int_data",
                                  "same_tensor", "device"])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_new(args, dtype):
    def run(lib, x):
        return {"sizes": lambda: x.new(2, 3), "size_obj": lambda: x.new(lib.Size([2])),
                "list": lambda: x.new([1.5, 2]), "tuple": lambda: x.new((1, 2)),
                "empty": lambda: x.new(), "int_data": lambda: x.new([[1, 2], [3, 4]]),
                "same_tensor": lambda: x.new(x), "device": lambda: x.new(2, device="cpu")}[args]()
    jt, t = pair(np.arange(3), dtype)
    rj, rt = run(jtorch, jt), run(torch, t)
    assert tuple(rj.shape) == tuple(rt.shape) and str(rj.dtype) == str(rt.dtype)
    if args not in ("sizes", "size_obj", "device"):  # NOTE: torch leaves those uninitialised
        assert_same(rj, rt)
    if args == "same_tensor":
        assert (rj is jt) == (rt is t)
        assert (rj.data_ptr() == jt.data_ptr()) == (rt.data_ptr() == t.data_ptr())


def test_new_errors():
    jt, t = pair(np.arange(3.0, dtype=np.float32))
    assert_same_raise(lambda: jt.new(2.5), lambda: t.new(2.5),
                      contains=["new(): data must be a sequence (got float)"])
    li, ti = pair(np.arange(3))
    assert_same_raise(lambda: jt.new(li), lambda: t.new(ti))
    assert_same_raise(lambda: jt.new([1], dtype=jtorch.int64), lambda: t.new([1],
                                                                             dtype=torch.int64))


# ---- queries and small methods ----------------------------------------------------------------

def test_queries():
    jt, t = pair(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    assert jt.is_same_size(jt.t()) == t.is_same_size(t.t())
    assert jt.is_same_size(jt * 1) == t.is_same_size(t * 1)
    for vals in ([0.0], [3], [True]):
        a, ta = pair(np.array(vals))
        assert a.is_nonzero() == ta.is_nonzero()
    for vals in ([], [1.0, 2.0]):
        a, ta = pair(np.array(vals, np.float32))
        assert_same_raise(lambda: a.is_nonzero(), lambda: ta.is_nonzero(),
                          contains=["ambiguous"])
    assert jt.is_pinned() == t.is_pinned()
    assert jt.const_data_ptr() == jt.data_ptr()
    for other in (lambda x: x, lambda x: x.view(2, 3), lambda x: x.detach(), lambda x: x.t(),
                  lambda x: x[1], lambda x: x.clone()):
        assert jt.is_set_to(other(jt)) == t.is_set_to(other(t))
    for name in ("is_xla", "is_xpu", "is_mps", "is_ipu", "is_maia", "is_mtia", "is_vulkan",
                 "is_sparse_csr", "name"):
        assert getattr(jt, name) == getattr(t, name), name


def test_pin_memory():
    jt, t = pair(np.ones(3, np.float32))
    if jtorch.cuda.is_available() or torch.cuda.is_available():
        pytest.skip("the CPU-only oracle raises; an accelerator changes the answer")
    assert_same_raise(lambda: jt.pin_memory(), lambda: t.pin_memory(),
                      contains=["Cannot access accelerator device when none is available."])


def test_share_memory():
    jt, t = pair(np.ones(3, np.float32))
    assert jt.is_shared() == t.is_shared()
    assert (jt.share_memory_() is jt) and (t.share_memory_() is t)
    assert jt.is_shared() == t.is_shared()
    assert jt[1:].is_shared() == t[1:].is_shared()


def test_output_nr():
    jt, t = pair(np.array([3.0, 1.0, 2.0, 0.5], np.float32), requires_grad=True)
    assert jt.output_nr == t.output_nr
    for f in (lambda x: x.sort(), lambda x: (x * 1).split(2), lambda x: x.aminmax(),
              lambda x: (x.detach(),)):
        assert [o.output_nr for o in f(jt)] == [o.output_nr for o in f(t)]


def test_removed_and_deprecated_methods():
    jt, t = pair(np.eye(2, dtype=np.float32))
    for name, args in (("eig", ()), ("lstsq", ("x",)), ("solve", ("x",)), ("symeig", ()),
                       ("reinforce", (1,))):
        aj = tuple(jt if a == "x" else a for a in args)
        at = tuple(t if a == "x" else a for a in args)
        _, et = assert_same_raise(lambda: getattr(jt, name)(*aj),
                                  lambda: getattr(t, name)(*at))
        assert str(et).startswith(str(_).split("\n")[0][:60])
    with warnings.catch_warnings(record=True) as wj:
        warnings.simplefilter("always")
        vj = jt.volatile
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        vt = t.volatile
    assert vj == vt and [str(w.message) for w in wj] == [str(w.message) for w in wt]


def test_resize_and_resize_as():
    jt, t = pair(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with warnings.catch_warnings(record=True) as wj:
        warnings.simplefilter("always")
        rj = jt.resize(3, 2)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        rt = t.resize(3, 2)
    assert [str(w.message) for w in wj] == [str(w.message) for w in wt]
    assert_same(rj, rt)
    rj.sum().backward()
    rt.sum().backward()
    assert_same(jt.grad, t.grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(jt.resize_as(jt.t()), t.resize_as(t.t()))
        assert_same_raise(lambda: jt.resize(4), lambda: t.resize(4),
                          contains=["requested resize to 4 (4 elements in total)"])


def test_conj_physical_():
    jt, t = pair(np.array([1 + 2j, 3 - 1j], np.complex64))
    assert jt.conj_physical_() is jt and t.conj_physical_() is t
    assert_same(jt, t)


def test_as_subclass():
    class JC(jtorch.Tensor):
        pass

    class TC(torch.Tensor):
        pass
    jt, t = pair(np.ones(3, np.float32), requires_grad=True)
    yj, yt = jt.as_subclass(JC), t.as_subclass(TC)
    assert type(yj) is JC and type(yt) is TC
    assert (yj.requires_grad, yj.is_leaf) == (yt.requires_grad, yt.is_leaf)
    assert (yj.data_ptr() == jt.data_ptr()) == (yt.data_ptr() == t.data_ptr())
    (yj * 3).sum().backward()
    (yt * 3).sum().backward()
    assert_same(jt.grad, t.grad)
    wj, wt = pair(np.zeros(3, np.float32))
    vj, vt = wj.as_subclass(JC), wt.as_subclass(TC)
    vj[0] = 5.0
    vt[0] = 5.0
    assert_same(wj, wt)
    assert_same_raise(lambda: jt.as_subclass(int), lambda: t.as_subclass(int),
                      contains=["does not inherit from Tensor"])


def test_small_aliases():
    a = np.array([[2.0, 1.0], [1.0, 3.0], [0.5, 0.0]])
    jt, t = pair(a)
    assert (jt.to_dense() is jt) == (t.to_dense() is t)
    assert_same(jt.to_dense(jtorch.float32), t.to_dense(torch.float32))
    assert jt.is_distributed() == t.is_distributed()
    assert_same(jt.pinverse(), t.pinverse())
    assert_same(jt.pinverse(rcond=0.5), t.pinverse(rcond=0.5))
    tau, ttau = pair(np.array([1.2, 0.4]))
    assert_same(jt.orgqr(tau), t.orgqr(ttau))
    assert_same(jt.unsafe_split_with_sizes([1, 2]), t.unsafe_split_with_sizes([1, 2]))
    assert_same(jt.unsafe_split_with_sizes([1, 1], 1), t.unsafe_split_with_sizes([1, 1], 1))


def test_channels_last_survives_save_load():
    import io
    jt = jtorch.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=X.channels_last)
    t = torch.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    buf = io.BytesIO()
    jtorch.save(jt, buf)
    buf.seek(0)
    back = torch.load(buf)
    assert back.stride() == t.stride() and torch.equal(back, t)
    buf = io.BytesIO()
    torch.save(t, buf)
    buf.seek(0)
    mine = jtorch.load(buf)
    assert mine.stride() == t.stride()
    assert_same(mine, t)


def test_contains_reversed_module_load():
    jt, t = pair(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    for el in (2, 7, 2.0, True):
        assert (el in jt) == (el in t)
    assert (jtorch.tensor(3.0) in jt) == (torch.tensor(3.0) in t)
    for bad in ("a", [1]):
        assert_same_raise(lambda: bad in jt, lambda: bad in t,
                          contains=["Tensor.__contains__ only supports Tensor or scalar"])
    assert_same(reversed(jt), reversed(t))
    z, tz = pair(np.array(2.0, np.float32))
    assert (reversed(z) is z) == (reversed(tz) is tz)
    o, to_ = pair(np.ones((2, 3), np.float32))
    for assign in (False, True):
        a, ta = pair(np.zeros((2, 3), np.float32))
        rj, rt = a.module_load(o, assign), ta.module_load(to_, assign)
        assert (rj is a, rj is o) == (rt is ta, rt is to_)
        assert_same(rj, rt)
        assert_same(a, ta)
