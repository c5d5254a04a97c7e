"""cov, corrcoef, gradient, renorm, stft, istft (+ logcumsumexp / nextafter gradients) against
torch: values, dtypes, gradients and errors beyond op_db's first samples."""
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, to_jt

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*(window was not provided|return_complex=False|degrees of freedom|length of "
    "signal).*:UserWarning")


def _flat(x, cls):
    if isinstance(x, cls):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for e in x for t in _flat(e, cls)]
    return []


def check(f, *inputs, grad=True, tol=(1e-5, 1e-5), gtol=(1e-4, 1e-4)):
    """f(module, *tensors) in torch and jtorch: same outputs and (grad) the same VJPs."""
    tin = [x.detach().clone().requires_grad_(grad and (x.is_floating_point() or x.is_complex()))
           if isinstance(x, torch.Tensor) else x for x in inputs]
    jin = [to_jt(x, requires_grad=True) for x in tin]
    t_out, j_out = f(torch, *tin), f(jtorch, *jin)
    assert_same(j_out, t_out, *tol)
    if not grad:
        return
    tl = [t for t in tin if isinstance(t, torch.Tensor) and t.requires_grad]
    jl = [j for t, j in zip(tin, jin) if isinstance(t, torch.Tensor) and t.requires_grad]
    tr = [t for t in _flat(t_out, torch.Tensor) if t.requires_grad]
    jr = [j for j, t in zip(_flat(j_out, jtorch.Tensor), _flat(t_out, torch.Tensor))
          if t.requires_grad]
    gen = torch.Generator().manual_seed(7)
    cots = [torch.randn(t.shape, dtype=t.dtype, generator=gen) for t in tr]
    tg = torch.autograd.grad(tr, tl, cots, allow_unused=True)
    jg = jtorch.autograd.grad(jr, jl, [to_jt(c) for c in cots], allow_unused=True)
    for t, j, leaf in zip(tg, jg, tl):
        t = torch.zeros_like(leaf) if t is None else t
        j = jtorch.zeros_like(to_jt(leaf)) if j is None else j
        assert_same(j, t, *gtol)


def R(*shape, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_complex:
        return torch.randn(*shape, dtype=dtype, generator=g)
    return torch.randn(*shape, generator=g).to(dtype)


# ---- cov / corrcoef ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5,), (1, 4), (3, 6)])
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("weights", ["none", "f", "a", "fa"])
def test_cov(shape, correction, weights):
    n = shape[-1]
    fw = torch.tensor([1, 2, 0, 3, 1, 2][:n]) if "f" in weights else None
    aw = torch.rand(n, generator=torch.Generator().manual_seed(3)) if "a" in weights else None
    check(lambda m, x, f, a: m.cov(x, correction=correction, fweights=f, aweights=a),
          R(*shape), fw, aw)


def test_cov_dtypes():
    check(lambda m, x: m.cov(x), torch.arange(12).reshape(3, 4) ** 2, grad=False)
    check(lambda m, x: m.cov(x), R(2, 5, dtype=torch.complex64))
    check(lambda m, x: m.cov(x), R(2, 5, dtype=torch.float64))
    check(lambda m, x, a: m.cov(x, aweights=a), R(2, 5), torch.rand(5, dtype=torch.float64),
          grad=False)


def test_cov_too_few_observations_gives_inf_nan():
    check(lambda m, x: m.cov(x, correction=3), R(2, 3), grad=False)


def test_cov_errors():
    x = R(2, 3)
    for kw in (dict(fweights=torch.tensor([1, -1, 2])), dict(fweights=torch.ones(3)),
               dict(aweights=torch.tensor([1, 2, 3])), dict(aweights=torch.ones(4)),
               dict(aweights=-torch.ones(3)), dict(aweights=torch.zeros(3)),
               dict(fweights=torch.ones(3, 1, dtype=torch.long))):
        assert_same_raise(lambda: jtorch.cov(to_jt(x), **to_jt(kw)),
                          lambda: torch.cov(x, **kw), contains=["cov()"])
    assert_same_raise(lambda: jtorch.cov(jtorch.zeros(2, 2, 2)),
                      lambda: torch.cov(torch.zeros(2, 2, 2)), contains=["3 dimensions"])
    assert_same_raise(lambda: jtorch.cov(jtorch.zeros(2, 2, dtype=jtorch.bool)),
                      lambda: torch.cov(torch.zeros(2, 2, dtype=torch.bool)), contains=["bool"])


@pytest.mark.parametrize("shape", [(4,), (1, 4), (3, 5), (5, 3)])
def test_corrcoef(shape):
    check(lambda m, x: m.corrcoef(x), R(*shape))


def test_corrcoef_special():
    x = R(3, 5)
    x[1] = 2.0  # zero variance row: nan
    check(lambda m, x: m.corrcoef(x), x, grad=False)
    check(lambda m, x: m.corrcoef(x), torch.arange(10).reshape(2, 5) % 3, grad=False)
    check(lambda m, x: m.corrcoef(x), R(3, 4, dtype=torch.complex64), grad=False)
    check(lambda m, x: m.Tensor.corrcoef(x), R(3, 4))


# ---- gradient ---------------------------------------------------------------------------------

@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kw", [{}, dict(spacing=2.0), dict(spacing=3), dict(dim=1),
                                dict(dim=-1, spacing=0.5), dict(spacing=[2.0, 1.5, 3.0]),
                                dict(dim=(0, 2), spacing=[2.0, 1.0])])
def test_gradient_scalar_spacing(kw, edge_order):
    check(lambda m, x: m.gradient(x, edge_order=edge_order, **kw), R(4, 5, 6))
    check(lambda m, x: m.gradient(x, edge_order=edge_order, **kw),
          torch.arange(120).reshape(4, 5, 6) ** 2 % 17, grad=False)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("cdtype", [torch.float32, torch.float64, torch.int64])
def test_gradient_coordinates(edge_order, cdtype):
    c0 = (torch.arange(4.0) ** 1.5).to(cdtype) if cdtype != torch.int64 else \
        torch.tensor([0, 1, 3, 7])
    c2 = torch.tensor([0.0, 0.5, 2.0, 2.5, 4.0, 7.0]).to(cdtype) if cdtype != torch.int64 else \
        torch.tensor([0, 2, 3, 5, 8, 9])
    check(lambda m, x, a, b: m.gradient(x, spacing=[a, b], dim=(0, -1), edge_order=edge_order),
          R(4, 5, 6), c0, c2, grad=cdtype != torch.int64)
    check(lambda m, x, a: m.gradient(x, spacing=(a,), dim=0, edge_order=edge_order),
          torch.arange(24).reshape(4, 6) % 5, c0, grad=False)


def test_gradient_errors():
    x = R(5)
    cases = [dict(edge_order=3), dict(spacing=[1.0, 2.0]), dict(dim=0, spacing=[1.0, 2.0]),
             dict(dim=1), dict(dim=[0, 0]), dict(spacing=[torch.tensor(2.0)]),
             dict(spacing=[torch.ones(5, 1)])]
    for kw in cases:
        assert_same_raise(lambda: jtorch.gradient(to_jt(x), **to_jt(kw)),
                          lambda: torch.gradient(x, **kw))
    assert_same_raise(lambda: jtorch.gradient(to_jt(x[:2]), edge_order=2),
                      lambda: torch.gradient(x[:2], edge_order=2), contains=["edge_order+1"])
    u = torch.arange(5, dtype=torch.uint8)
    assert_same_raise(lambda: jtorch.gradient(to_jt(u)), lambda: torch.gradient(u),
                      contains=["uint8"])
    assert jtorch.gradient(jtorch.tensor(3.0)) == ()
    assert_same_raise(lambda: jtorch.gradient(to_jt(x), spacing=[2, jtorch.arange(5.0)]),
                      lambda: torch.gradient(x, spacing=[2, torch.arange(5.0)]))
    assert_same_raise(lambda: jtorch.gradient(to_jt(x), spacing=jtorch.arange(5.0)),
                      lambda: torch.gradient(x, spacing=torch.arange(5.0)))


def test_gradient_zero_dim_tensor_spacing():
    check(lambda m, x: m.gradient(x, spacing=m.tensor(2.0)), R(5))


# ---- renorm -----------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [1, 2, 3.5, float("inf")])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("maxnorm", [0.0, 0.5, 2.0, 100.0])
def test_renorm(p, dim, maxnorm):
    check(lambda m, x: m.renorm(x, p, dim, maxnorm), R(3, 4, 5))


def test_renorm_variants():
    check(lambda m, x: x.renorm(2, 1, 1.0), R(4, 3))
    check(lambda m, x: m.renorm(x, 2, 0, 1.0), R(4, 3, dtype=torch.float64))
    check(lambda m, x: m.renorm(x, 2, 0, 1.0), R(4, 3, dtype=torch.complex64), grad=False)
    check(lambda m, x: m.renorm(x, 2, 0, 1.0), R(4, 3, dtype=torch.float16), grad=False,
          tol=(1e-3, 1e-3))
    check(lambda m, x: x.clone().renorm_(2, 0, 1.0), R(4, 3))
    t, j = R(4, 3), to_jt(R(4, 3))
    assert j.renorm_(1, 0, 0.5) is j
    assert_same(j, t.renorm_(1, 0, 0.5))


def test_renorm_errors():
    x = R(3, 4)
    for args in ((0, 0, 1.0), (-1, 0, 1.0), (2, 0, -1.0), (2, 2, 1.0)):
        assert_same_raise(lambda: jtorch.renorm(to_jt(x), *args),
                          lambda: torch.renorm(x, *args))
    assert_same_raise(lambda: jtorch.renorm(to_jt(x[0]), 2, 0, 1.0),
                      lambda: torch.renorm(x[0], 2, 0, 1.0), contains=["2 dimensions"])
    i = torch.ones(2, 2, dtype=torch.long)
    assert_same_raise(lambda: jtorch.renorm(to_jt(i), 2, 0, 1.0),
                      lambda: torch.renorm(i, 2, 0, 1.0))


# ---- stft -------------------------------------------------------------------------------------

STFT_CASES = [
    dict(n_fft=10, return_complex=True),
    dict(n_fft=10, return_complex=False),
    dict(n_fft=7, center=False, return_complex=True),
    dict(n_fft=16, hop_length=4, center=True, return_complex=True),
    dict(n_fft=16, hop_length=5, win_length=11, return_complex=True),
    dict(n_fft=16, win_length=10, window="hann", return_complex=True),
    dict(n_fft=16, window="hann", onesided=False, return_complex=True),
    dict(n_fft=16, window="hann", normalized=True, return_complex=False),
    dict(n_fft=12, pad_mode="constant", return_complex=True),
    dict(n_fft=12, pad_mode="replicate", return_complex=True),
    dict(n_fft=12, pad_mode="circular", return_complex=True),
    dict(n_fft=16, win_length=10, window="hann", center=False, align_to_window=True,
         return_complex=True),
    dict(n_fft=16, window="hann64", return_complex=True),
    dict(n_fft=8, window="complex"),
]


def _window(m, kind, n):
    if kind == "hann":
        return m.hann_window(n)
    if kind == "hann64":
        return m.hann_window(n, dtype=m.float64)
    if kind == "complex":
        return m.hann_window(n) * (1 + 0.5j)


@pytest.mark.parametrize("shape", [(60,), (3, 60)])
@pytest.mark.parametrize("case", range(len(STFT_CASES)))
def test_stft(shape, case):
    kw = dict(STFT_CASES[case])
    win = kw.pop("window", None)
    n = kw.get("win_length", kw["n_fft"])

    def f(m, x):
        return m.stft(x, window=None if win is None else _window(m, win, n), **kw)
    check(f, R(*shape))


def test_stft_complex_input_and_method():
    check(lambda m, x: m.stft(x, 8, window=m.hann_window(8)), R(2, 40, dtype=torch.complex64))
    check(lambda m, x: m.stft(x, 8, return_complex=False), R(40, dtype=torch.complex64))
    check(lambda m, x: x.stft(8, hop_length=3, return_complex=True), R(40))


def test_stft_errors():
    x = R(20)
    cases = [dict(n_fft=8), dict(n_fft=30, center=False, return_complex=True),
             dict(n_fft=8, hop_length=0, return_complex=True),
             dict(n_fft=8, win_length=9, return_complex=True),
             dict(n_fft=8, window=torch.ones(7), return_complex=True),
             dict(n_fft=8, window=torch.ones(8, dtype=torch.complex64), onesided=True),
             dict(n_fft=8, align_to_window=True, return_complex=True),
             dict(n_fft=0, return_complex=True), dict(n_fft=40, return_complex=True),
             dict(n_fft=8, pad_mode="bogus", return_complex=True)]
    for kw in cases:
        _, et = assert_same_raise(lambda: jtorch.stft(to_jt(x), **to_jt(kw)),
                                  lambda: torch.stft(x, **kw))
        if str(et).startswith("stft("):
            assert str(et).split(":")[-1] in str(_)
    for y in (x.long(), x.reshape(2, 2, 5)):
        ej, et = assert_same_raise(lambda: jtorch.stft(to_jt(y), 4, return_complex=True),
                                   lambda: torch.stft(y, 4, return_complex=True))
        assert str(ej) == str(et)


# ---- istft ------------------------------------------------------------------------------------

ISTFT_CASES = [
    dict(n_fft=16, window="hann"),
    dict(n_fft=16, window="hann", length=70),
    dict(n_fft=16, window="hann", length=50),
    dict(n_fft=16, hop_length=4, window="hann", normalized=True),
    dict(n_fft=16, hop_length=3, win_length=12, window="hann12"),
    dict(n_fft=16, hop_length=4, win_length=12),
    dict(n_fft=16, window="hann", center=False),
    dict(n_fft=16, window="hann", onesided=False),
    dict(n_fft=16, window="hann", onesided=False, return_complex=True),
    dict(n_fft=16, window="hann64"),
]


@pytest.mark.parametrize("batch", [(), (2,)])
@pytest.mark.parametrize("case", range(len(ISTFT_CASES)))
def test_istft(batch, case):
    kw = dict(ISTFT_CASES[case])
    win = kw.pop("window", None)
    n_fft, hop, wl = kw["n_fft"], kw.get("hop_length"), kw.get("win_length")
    w = {None: None, "hann": torch.hann_window(n_fft), "hann12": torch.hann_window(12),
         "hann64": torch.hann_window(n_fft, dtype=torch.float64)}[win]
    sig = R(*batch, 64, dtype=torch.complex64 if kw.get("return_complex") else torch.float32)
    spec = torch.stft(sig, n_fft, hop_length=hop, win_length=wl, window=w,
                      onesided=kw.get("onesided"), return_complex=True)
    if not kw.get("center", True):
        w = torch.hann_window(n_fft) + 0.1  # NOTE: a window whose overlap-add never vanishes
    check(lambda m, s, w: m.istft(s, window=w, **kw), spec, w)


def test_istft_roundtrip_and_method():
    x = R(2, 50)
    w = torch.hann_window(12)
    s = torch.stft(x, 12, hop_length=3, window=w, return_complex=True)
    check(lambda m, s, w: s.istft(12, hop_length=3, window=w, length=50), s, w)
    y = jtorch.istft(to_jt(s), 12, hop_length=3, window=to_jt(w), length=50)
    assert_same(y, x, 1e-5, 1e-5)


def test_istft_errors():
    s = torch.stft(R(40), 8, window=torch.hann_window(8), return_complex=True)
    cases = [dict(n_fft=10), dict(n_fft=8, onesided=False), dict(n_fft=8, hop_length=9),
             dict(n_fft=8, win_length=9), dict(n_fft=8, window=torch.ones(7)),
             dict(n_fft=8, return_complex=True),
             dict(n_fft=8, window=torch.ones(8, dtype=torch.complex64)),
             dict(n_fft=8, window=torch.hann_window(8), center=False),
             dict(n_fft=8, window=torch.zeros(8))]
    for kw in cases:
        assert_same_raise(lambda: jtorch.istft(to_jt(s), **to_jt(kw)),
                          lambda: torch.istft(s, **kw))
    for bad in (s.real, s[:, :0], s[None, None]):
        assert_same_raise(lambda: jtorch.istft(to_jt(bad), 8), lambda: torch.istft(bad, 8))


# ---- logcumsumexp / nextafter gradients -------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_grad(dim):
    x = R(4, 6) * 30
    x[1, 2] = float("-inf")
    x[2, 0] = 1e4
    check(lambda m, x: m.logcumsumexp(x, dim), x)
    check(lambda m, x: m.logcumsumexp(x, dim), R(4, 6, dtype=torch.float64))


def test_logcumsumexp_all_neg_inf_prefix():
    x = torch.tensor([float("-inf"), float("-inf"), 1.0, 2.0])
    check(lambda m, x: m.logcumsumexp(x, 0), x)


def test_nextafter_grad():
    check(lambda m, a, b: m.nextafter(a, b), R(3, 4), R(4, seed=1))
    check(lambda m, a, b: m.nextafter(a, b), R(4), R(3, 4, seed=1))
    check(lambda m, a, b: m.nextafter(a, b),
          torch.tensor([0.0, float("inf"), float("-inf"), 1.0]),
          torch.tensor([1.0, 0.0, 0.0, float("nan")]))
