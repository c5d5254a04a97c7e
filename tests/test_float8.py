"""float8 dtypes (torch.float8_e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e8m0fnu) against torch 2.13 CPU:
dtype objects, finfo, promotion errors, bit-exact casts, creation, printing, bitcast views,
the ops torch runs or refuses on float8, torch.save/load and safetensors round trips."""
import io

import numpy as np
import pytest
import torch

import jtorch
from jtorch import _dtype as D
from jtorch import _float8 as F8
from _harness import assert_same_error, assert_same_raise

NAMES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]


def jd(n):
    return getattr(D, n)


def td(n):
    return getattr(torch, n)


def tbits(t):
    return t.contiguous().view(torch.uint8).numpy()


def jbits(x):
    return np.asarray(x.contiguous().view(jtorch.uint8)._arr())


def f32_grid():
    """float32 values across the whole bit space plus the edges of every float8 format."""
    bits = np.arange(0, 2 ** 32, 65521, dtype=np.uint64).astype(np.uint32)
    edges = [0.0, np.inf, np.nan, 448, 449, 464, 464.5, 479.9, 480, 500, 1e10, 57344, 61439,
             61440, 65536, 240, 247.9, 248, 250, 256, 1.0, 1.0625, 1.125, 1.1875, 0.3,
             2 ** -6, 2 ** -7, 2 ** -8, 2 ** -9, 2 ** -10, 3 * 2 ** -11, 2 ** -11, 2 ** -12,
             2 ** -14, 2 ** -16, 2 ** -17, 2 ** -18, 2 ** -19, 1e-40, 2 ** -127, 2 ** -126,
             1.5 * 2 ** -127, 3 * 2 ** 60, 1.5, 1.75, 2 ** 127, 1.7e38, 3.4e38]
    e = np.array(edges, np.float32)
    return np.concatenate([bits.view(np.float32), e, -e])


# ---- dtype objects and finfo -------------------------------------------------------------------

@pytest.mark.parametrize("n", NAMES)
def test_dtype_attributes(n):
    j, t = jd(n), td(n)
    assert repr(j) == repr(t) and str(j) == str(t)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(j, attr) == getattr(t, attr), attr
    assert repr(j.to_real()) == repr(t.to_real())
    assert_same_error(lambda: j.to_complex(), lambda: t.to_complex())
    assert jtorch.float8_e4m3fn is D.float8_e4m3fn
    assert D.to_dtype("torch." + n) is j and D.from_np(F8.NP_DTYPES[n]) is j


@pytest.mark.parametrize("n", NAMES)
def test_finfo(n):
    fj, ft = jtorch.finfo(jd(n)), torch.finfo(td(n))
    for f in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(fj, f) == getattr(ft, f), f
        assert type(getattr(fj, f)) is type(getattr(ft, f)), f
    assert repr(fj) == repr(ft)


def test_finfo_repr_of_other_dtypes_unchanged():
    for n in ("float16", "bfloat16", "float32", "float64"):
        assert repr(jtorch.finfo(jd(n))) == repr(torch.finfo(td(n)))


def test_default_dtype_and_iinfo_refuse_float8():
    assert_same_error(lambda: jtorch.set_default_dtype(D.float8_e4m3fn),
                      lambda: torch.set_default_dtype(torch.float8_e4m3fn))
    assert jtorch.get_default_dtype() is D.float32
    assert_same_raise(lambda: jtorch.iinfo(D.float8_e5m2), lambda: torch.iinfo(torch.float8_e5m2))


# ---- promotion ------------------------------------------------------------------------------

OTHERS = ["bool", "uint8", "int64", "uint16", "float16", "bfloat16", "float32", "float64",
          "complex64"]


@pytest.mark.parametrize("n", NAMES)
def test_promote_types(n):
    assert jtorch.promote_types(jd(n), jd(n)) is jd(n)
    for o in OTHERS + [m for m in NAMES if m != n]:
        assert_same_error(lambda: jtorch.promote_types(jd(n), jd(o)),
                          lambda: torch.promote_types(td(n), td(o)))
        assert_same_error(lambda: jtorch.promote_types(jd(o), jd(n)),
                          lambda: torch.promote_types(td(o), td(n)))


def test_can_cast_and_result_type():
    for a in ("float8_e4m3fn", "float8_e8m0fnu", "float32", "int64", "bool", "complex64"):
        for b in ("float8_e5m2", "float8_e4m3fn", "int32", "float16"):
            assert jtorch.can_cast(jd(a), jd(b)) == torch.can_cast(td(a), td(b)), (a, b)
    tj, tt = jtorch.zeros(2, dtype=D.float8_e4m3fn), torch.zeros(2, dtype=torch.float8_e4m3fn)
    assert repr(jtorch.result_type(tj, 1.0)) == repr(torch.result_type(tt, 1.0))
    assert_same_error(lambda: jtorch.result_type(tj, jtorch.ones(2)),
                      lambda: torch.result_type(tt, torch.ones(2)))


def test_mixed_operands_raise_promotion_errors():
    j, t = jtorch.ones(3, dtype=D.float8_e4m3fn), torch.ones(3, dtype=torch.float8_e4m3fn)
    for jo, to in [(jtorch.ones(3), torch.ones(3)),
                   (jtorch.ones(3, dtype=D.float8_e5m2), torch.ones(3, dtype=torch.float8_e5m2)),
                   (jtorch.ones(3, dtype=D.int64), torch.ones(3, dtype=torch.int64)),
                   (jtorch.ones(3, dtype=D.bool), torch.ones(3, dtype=torch.bool))]:
        assert_same_error(lambda: j * jo, lambda: t * to)
        assert_same_error(lambda: jo + j, lambda: to + t)
        assert_same_error(lambda: j == jo, lambda: t == to)
    assert_same_error(lambda: jtorch.ones(3, dtype=D.int64) * jtorch.tensor(1.0).to(
        D.float8_e4m3fn), lambda: torch.ones(3, dtype=torch.int64) * torch.tensor(
        1.0, dtype=torch.float8_e4m3fn))
    assert_same_error(lambda: j * 1j, lambda: t * 1j)


# ---- casts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", NAMES)
def test_cast_from_float32_bit_exact(n):
    x = f32_grid()
    got = jbits(jtorch.tensor(x).to(jd(n)))
    want = tbits(torch.from_numpy(x).to(td(n)))
    bad = np.nonzero(got != want)[0]
    assert bad.size == 0, [(x[i], hex(got[i]), hex(want[i])) for i in bad[:8]]


@pytest.mark.parametrize("n", NAMES)
@pytest.mark.parametrize("src", ["float16", "bfloat16", "float64"])
def test_cast_from_other_floats_bit_exact(n, src):
    with np.errstate(invalid="ignore"):
        x = f32_grid().astype(np.float64)
    x = np.concatenate([x, x * (1 + 2.0 ** -30), [1 + 2.0 ** -40, 448 + 2.0 ** -20]])
    ts = torch.from_numpy(x).to(td(src))
    # NOTE: the same source bits in jtorch (its float64 -> float32/bfloat16 casts flush
    # subnormals to zero, a separate issue), so only the float8 cast is compared.
    ib = {2: torch.int16, 8: torch.int64}[ts.itemsize]
    js = jtorch.tensor(ts.view(ib).numpy()).view(jd(src))
    got = jbits(js.to(jd(n)))
    want = tbits(ts.to(td(n)))
    # NOTE: NaN payloads of bfloat16 NaNs differ between torch and XLA; NaN-ness must agree.
    if src == "bfloat16":
        tj = torch.from_numpy(got.copy()).view(td(n)).float().isnan().numpy()
        tt = torch.from_numpy(want.copy()).view(td(n)).float().isnan().numpy()
        assert (tj == tt).all()
        keep = ~tt
        got, want = got[keep], want[keep]
    assert (got == want).all(), np.nonzero(got != want)[0][:8]


@pytest.mark.parametrize("n", NAMES)
def test_cast_from_ints_and_bool(n):
    ints = np.concatenate([np.arange(-600, 600), [2 ** 31 - 1, -2 ** 40, 2 ** 62, 65535, 57344,
                                                  61440, 61439]]).astype(np.int64)
    for src in ("int64", "int32", "int16"):
        a = ints.astype(np.dtype(src))
        assert (jbits(jtorch.tensor(a).to(jd(n))) ==
                tbits(torch.from_numpy(a).to(td(n)))).all(), src
    b = np.array([True, False, True])
    assert (jbits(jtorch.tensor(b).to(jd(n))) == tbits(torch.from_numpy(b).to(td(n)))).all()


@pytest.mark.parametrize("n", NAMES)
def test_decode_all_codes(n):
    codes = np.arange(256, dtype=np.uint8)
    j = jtorch.tensor(codes).view(jd(n))
    t = torch.from_numpy(codes).view(td(n))
    # float32 bit for bit (NaN payloads included), float16/float64 bit for bit
    assert (np.asarray(j.float().view(jtorch.int32)._arr()) ==
            t.float().view(torch.int32).numpy()).all()
    for dst in ("float16", "float64"):
        a = np.asarray(j.to(jd(dst))._arr())
        b = t.to(td(dst)).numpy()
        assert (a.view(np.uint8) == b.view(np.uint8)).all(), dst
    a = np.asarray(j.to(D.bfloat16).view(jtorch.int16)._arr())
    assert (a == t.to(torch.bfloat16).view(torch.int16).numpy()).all()
    # integers: torch's float -> int conversion for every finite code that fits
    f = t.float()
    ok = (~f.isnan() & (f.abs() < 2 ** 31)).numpy()
    for dst in ("int64", "int32"):
        assert (np.asarray(j.to(jd(dst))._arr())[ok] == t.to(td(dst)).numpy()[ok]).all()
    assert (np.asarray(j.to(D.bool)._arr()) == t.to(torch.bool).numpy()).all()
    # float8 -> float8: through float, torch's rounding on the way back
    for m in NAMES:
        assert (jbits(j.to(jd(m))) == tbits(t.to(td(m)))).all(), m


@pytest.mark.parametrize("n", NAMES)
def test_float_round_trip(n):
    x = np.array([0.3, -1.5, 2.0, 1e-3, 100.0, -7.25, 0.0], np.float32)
    j = jtorch.tensor(x).to(jd(n)).float()
    t = torch.from_numpy(x).to(td(n)).float()
    assert j.dtype is D.float32
    assert np.array_equal(np.asarray(j._arr()), t.numpy())
    assert j.tolist() == t.tolist()
    j0, t0 = jtorch.tensor(0.3).to(jd(n)), torch.tensor(0.3).to(td(n))
    assert j0.item() == t0.item() and j0.tolist() == t0.tolist()


# ---- creation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", NAMES)
def test_creation_functions(n):
    jdt, tdt = jd(n), td(n)
    # NOTE: e8m0fnu zeros are test_e8m0_zeros_creation's (creation casts with ml_dtypes)
    z, m = (0.0, -2.0) if n != "float8_e8m0fnu" else (0.5, 2.0)
    cases = [(lambda: jtorch.ones(4, dtype=jdt), lambda: torch.ones(4, dtype=tdt)),
                   (lambda: jtorch.full((2,), 3.25, dtype=jdt),
                    lambda: torch.full((2,), 3.25, dtype=tdt)),
                   (lambda: jtorch.tensor([0.3, 1.5, m, z], dtype=jdt),
                    lambda: torch.tensor([0.3, 1.5, m, z], dtype=tdt)),
                   (lambda: jtorch.ones_like(jtorch.ones(3, dtype=jdt)),
                    lambda: torch.ones_like(torch.ones(3, dtype=tdt)))]
    if n != "float8_e8m0fnu":
        cases += [(lambda: jtorch.zeros(2, 3, dtype=jdt), lambda: torch.zeros(2, 3, dtype=tdt)),
                  (lambda: jtorch.eye(3, dtype=jdt), lambda: torch.eye(3, dtype=tdt)),
                  (lambda: jtorch.zeros_like(jtorch.ones(3, dtype=jdt)),
                   lambda: torch.zeros_like(torch.ones(3, dtype=tdt)))]
    for fj, ft in cases:
        j, t = fj(), ft()
        assert j.dtype is jdt and tuple(j.shape) == tuple(t.shape)
        assert (jbits(j) == tbits(t)).all(), (j, t)
    e = jtorch.empty(2, 5, dtype=jdt)
    assert e.dtype is jdt and tuple(e.shape) == (2, 5)


# NOTE: these need lines in files this module does not own (listed in jtorch/_float8.py's
# report): creation paths that cast host data with ml_dtypes instead of torch's rounding, and
# tables of type names. strict=True: each turns into a failure once its line lands.


def test_e8m0_zeros_creation():
    # NOTE: ml_dtypes writes 0 as NaN (0xff); torch rounds it to 2**-127 (code 0).
    j, t = jtorch.zeros(3, dtype=D.float8_e8m0fnu), torch.zeros(3, dtype=torch.float8_e8m0fnu)
    assert (jbits(j) == tbits(t)).all()
    j = jtorch.tensor([0.0, 3.0], dtype=D.float8_e8m0fnu)
    assert (jbits(j) == tbits(torch.tensor([0.0, 3.0], dtype=torch.float8_e8m0fnu))).all()


def test_tensor_data_saturates_like_torch():
    v = [500.0, -1e9, float("inf"), float("nan"), 0.3]
    for n in NAMES:
        assert (jbits(jtorch.tensor(v, dtype=jd(n))) == tbits(torch.tensor(v, dtype=td(n)))).all()


def test_full_overflow_error():
    assert_same_error(lambda: jtorch.full((2,), 500.0, dtype=D.float8_e4m3fn),
                      lambda: torch.full((2,), 500.0, dtype=torch.float8_e4m3fn))


def test_type_name():
    for n in NAMES:
        assert jtorch.ones(1, dtype=jd(n)).type() == torch.ones(1, dtype=td(n)).type()



# ---- printing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", NAMES)
def test_repr(n):
    cases = [[0.3, 1.5, -448.0, 2.0], [0.3125, 1.5, float("nan"), 2.0], [0.25, 2.0, 1024.0],
             [[0.3, 1.5], [3.0, 5.0]], [1.0, 2.0], [1e-3, 400.0], [], 0.3]
    for c in cases:
        x = np.array(c, np.float32)
        j, t = jtorch.tensor(x).to(jd(n)), torch.from_numpy(x).to(td(n))
        assert repr(j) == repr(t), (repr(j), repr(t))
        assert str(j) == str(t)
    j = jtorch.ones(2).to(jd(n)).requires_grad_()
    assert repr(j) == repr(torch.ones(2).to(td(n)).requires_grad_())


# ---- bitcast views ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", NAMES)
def test_bitcast_views(n):
    codes = np.arange(256, dtype=np.uint8)
    j, t = jtorch.tensor(codes), torch.from_numpy(codes)
    jv, tv = j.view(jd(n)), t.view(td(n))
    assert jv.dtype is jd(n) and (jbits(jv) == codes).all()
    for m in ["uint8", "int8", "bool", "float16", "int32"] + NAMES:
        if m == "bool":
            continue  # NOTE: torch bool views of arbitrary bytes are not 0/1
        jm, tm = jv.view(jd(m)), tv.view(td(m))
        assert jm.dtype is jd(m) and tuple(jm.shape) == tuple(tm.shape)
        assert (np.asarray(jm.contiguous()._arr()).view(np.uint8) ==
                tm.contiguous().view(torch.uint8).numpy()).all(), m


# ---- ops torch runs / refuses ------------------------------------------------------------------

def _pair(n, x):
    x = np.asarray(x, np.float32)
    return jtorch.tensor(x).to(jd(n)), torch.from_numpy(x).to(td(n))


# NOTE: the fnuz pair shares every code path with e4m3fn/e5m2 here; one of them keeps time down.
@pytest.mark.parametrize("n", ["float8_e4m3fn", "float8_e5m2", "float8_e5m2fnuz",
                               "float8_e8m0fnu"])
def test_supported_ops(n):
    a = [[0.5, 1.5, -2.0], [4.0, float("nan"), 0.0]] if n != "float8_e8m0fnu" else \
        [[0.5, 1.5, 2.0], [4.0, float("nan"), 0.25]]
    ja, ta = _pair(n, a)
    jb, tb = _pair(n, [[30.0, 2.0, 0.25], [-1.0, 3.0, -0.0]])
    jc, tc = jtorch.tensor([True, False, True]), torch.tensor([True, False, True])
    cases = [
        (lambda: ja * jb, lambda: ta * tb),
        (lambda: ja * jb[0], lambda: ta * tb[0]),
        (lambda: ja == jb, lambda: ta == tb), (lambda: ja != ja, lambda: ta != ta),
        (lambda: ja == 1.5, lambda: ta == 1.5), (lambda: ja.isnan(), lambda: ta.isnan()),
        (lambda: jtorch.cat([ja, jb]), lambda: torch.cat([ta, tb])),
        (lambda: jtorch.stack([ja, jb]), lambda: torch.stack([ta, tb])),
        (lambda: ja.clone(), lambda: ta.clone()), (lambda: ja.t().contiguous(),
                                                   lambda: ta.t().contiguous()),
        (lambda: ja.reshape(3, 2), lambda: ta.reshape(3, 2)),
        (lambda: ja.index_select(1, jtorch.tensor([2, 0])),
         lambda: ta.index_select(1, torch.tensor([2, 0]))),
        (lambda: jtorch.where(jc, ja[0], jb[0]), lambda: torch.where(tc, ta[0], tb[0])),
        (lambda: ja[:, 1:], lambda: ta[:, 1:]),
        (lambda: ja.clone().fill_(2.0), lambda: ta.clone().fill_(2.0)),
        (lambda: ja.clone().zero_(), lambda: ta.clone().zero_()),
        (lambda: ja.clone().copy_(jb), lambda: ta.clone().copy_(tb)),
    ]
    if n != "float8_e8m0fnu":
        cases += [(lambda: ja.abs(), lambda: ta.abs()),
                  (lambda: jtorch.full((2, 2), 3.0, dtype=jd(n)) @ jtorch.full(
                      (2, 2), 3.0, dtype=jd(n)), lambda: torch.full((2, 2), 3.0, dtype=td(
                          n)) @ torch.full((2, 2), 3.0, dtype=td(n))),
                  (lambda: ja.mm(jb.t()), lambda: ta.mm(tb.t()))]
    for i, (fj, ft) in enumerate(cases):
        j, t = fj(), ft()
        assert str(j.dtype) == str(t.dtype) and tuple(j.shape) == tuple(t.shape), i
        if t.dtype == torch.bool:
            assert (np.asarray(j._arr()) == t.numpy()).all(), i
        else:
            assert (jbits(j) == tbits(t)).all(), (i, j, t)


REFUSED = [
    lambda m, a, b: a + b, lambda m, a, b: a - b, lambda m, a, b: a + 1,
    lambda m, a, b: 1 - a, lambda m, a, b: a * 2.0, lambda m, a, b: a * 2,
    lambda m, a, b: a * m.tensor(2.0).to(a.dtype), lambda m, a, b: a / b,
    lambda m, a, b: a / 2, lambda m, a, b: a // b, lambda m, a, b: a.sum(),
    lambda m, a, b: a.sum(0), lambda m, a, b: a.mean(), lambda m, a, b: -a,
    lambda m, a, b: a < b, lambda m, a, b: a >= b, lambda m, a, b: a.max(),
    lambda m, a, b: a.min(), lambda m, a, b: a.max(0), lambda m, a, b: a.amax(),
    lambda m, a, b: a.amin(), lambda m, a, b: a.argmax(), lambda m, a, b: a.argmin(),
    lambda m, a, b: a.sort(), lambda m, a, b: a.sign(), lambda m, a, b: m.relu(a),
    lambda m, a, b: a.clamp(0, 1), lambda m, a, b: m.maximum(a, b),
    lambda m, a, b: a.masked_fill(m.tensor([[True, False, True]]), 3.0),
    lambda m, a, b: a.cumsum(0), lambda m, a, b: a.prod(), lambda m, a, b: a.exp(),
    lambda m, a, b: a.sqrt(), lambda m, a, b: a.isinf(), lambda m, a, b: a.isfinite(),
    lambda m, a, b: a.abs(), lambda m, a, b: a @ b.t(),
    lambda m, a, b: a.unsqueeze(0).bmm(b.t().unsqueeze(0)),
]


@pytest.mark.parametrize("n", NAMES)
def test_refused_ops_raise_torchs_error(n):
    ja, ta = _pair(n, [[1.0, 2.0, 0.5], [4.0, 0.25, 1.0]])
    jb, tb = _pair(n, [[2.0, 0.5, 1.0], [1.0, 8.0, 2.0]])
    checked = 0
    for i, f in enumerate(REFUSED):
        try:
            f(torch, ta, tb)
        except NotImplementedError:
            assert_same_error(lambda: f(jtorch, ja, jb), lambda: f(torch, ta, tb))
            checked += 1
        else:  # NOTE: torch runs this one on this float8 dtype: jtorch must too
            j, t = f(jtorch, ja, jb), f(torch, ta, tb)
            assert str(j.dtype) == str(t.dtype), i
    assert checked >= 30


def test_saturating_mul_and_matmul_match_torch():
    # NOTE: XLA's float8 arithmetic gives NaN on overflow; torch rounds float32 results with
    # its saturating e4m3fn conversion.
    ja, ta = _pair("float8_e4m3fn", [[20.0, 30.0], [0.1, -448.0]])
    assert (jbits(ja * ja) == tbits(ta * ta)).all()
    assert (jbits(ja @ ja) == tbits(ta @ ta)).all()


def test_compare_rounds_other_operand_to_float8_like_torch():
    # NOTE: torch casts the 0-d float32 operand to the common float8 dtype with its own
    # (saturating) rounding before comparing: 500 -> 448.
    ja, ta = _pair("float8_e4m3fn", [448.0, 1.0, -448.0])
    for v in (500.0, -1e9, 1.0):
        j, t = ja == jtorch.tensor(v), ta == torch.tensor(v)
        assert (np.asarray(j._arr()) == t.numpy()).all(), v
        j, t = ja != jtorch.tensor(v), ta != torch.tensor(v)
        assert (np.asarray(j._arr()) == t.numpy()).all(), v


# ---- serialization ----------------------------------------------------------------------------

def test_torch_save_jtorch_load_and_back():
    x = f32_grid()[::97]
    ts = {n: torch.from_numpy(x).to(td(n)) for n in NAMES}
    _save_load_round_trip(ts)


def _save_load_round_trip(ts):
    buf = io.BytesIO()
    torch.save(ts, buf)
    buf.seek(0)
    js = jtorch.load(buf)
    for k, t in ts.items():
        assert js[k].dtype is jd(str(t.dtype)[6:]) and (jbits(js[k]) == tbits(t)).all(), k
    out = io.BytesIO()
    jtorch.save(js, out)
    out.seek(0)
    back = torch.load(out)
    for k, t in ts.items():
        assert back[k].dtype == t.dtype and (tbits(back[k]) == tbits(t)).all(), k


def test_gradient_through_float8_casts():
    # NOTE: needs autograd/graph.py's grad_kind to count float8 (an ml_dtypes 'V' kind) as
    # floating; the casts' VJP casts the gradient back, as torch's ToCopyBackward0 does.
    x = np.array([1.0, 2.5, -3.0, 500.0], np.float32)
    w = np.array([0.5, 2.0, -1.0, 3.0], np.float32)
    for n in NAMES:
        grads = []
        for m, dt in ((jtorch, jd(n)), (torch, td(n))):
            xt = m.tensor(x, requires_grad=True)
            y = xt.to(dt)
            assert y.requires_grad and y.grad_fn.name() == "ToCopyBackward0"
            (y.to(m.bfloat16).float() * m.tensor(w)).sum().backward()
            grads.append(np.asarray(xt.grad.tolist()))
        assert np.array_equal(grads[0], grads[1]), n


def test_torch_save_of_a_float8_view():
    # NOTE: jtorch/_serialization/_rebuild.py's strided load uses np.lib.stride_tricks, which
    # cannot take ml_dtypes arrays ('<f1' not understood).
    t = torch.arange(16.0).to(torch.float8_e5m2)
    _save_load_round_trip({"all": t, "view": t[3:9], "strided": t[::3]})


def test_safetensors_round_trip(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    from jtorch import _safetensors as S
    x = f32_grid()[::211]
    names = NAMES[:4]  # NOTE: safetensors.torch 0.8 has no F8_E8M0 code for torch tensors
    ts = {n: torch.from_numpy(x).to(td(n)) for n in names}
    st.save_file(ts, tmp_path / "t.safetensors")
    js = S.load_file(tmp_path / "t.safetensors")
    for n in names:
        assert js[n].dtype is jd(n) and (jbits(js[n]) == tbits(ts[n])).all(), n
    js["e8m0"] = jtorch.tensor(x).to(D.float8_e8m0fnu)
    S.save_file(js, tmp_path / "j.safetensors")
    again = S.load_file(tmp_path / "j.safetensors")
    assert (jbits(again["e8m0"]) == jbits(js["e8m0"])).all()
    from safetensors import safe_open
    with safe_open(tmp_path / "j.safetensors", framework="np") as f:
        assert {f.get_slice(k).get_dtype() for k in f.keys()} >= {"F8_E4M3", "F8_E5M2",
                                                                   "F8_E8M0"}
    got = st.load(S.save({n: js[n] for n in names}))
    for n in names:
        assert got[n].dtype == td(n) and (tbits(got[n]) == tbits(ts[n])).all(), n
