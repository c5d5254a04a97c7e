"""nn.utils.parametrize, nn.utils.parametrizations and the legacy weight/spectral norm vs torch."""
import copy
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, pair, to_jt

jP, tP = jtorch.nn.utils.parametrize, torch.nn.utils.parametrize
jPs, tPs = jtorch.nn.utils.parametrizations, torch.nn.utils.parametrizations

TOL = dict(rtol=1e-5, atol=1e-5)
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def linear_pair(i=4, o=3, seed=0):
    """(jtorch Linear, torch Linear) with torch's weights copied over."""
    tm = torch.nn.Linear(i, o)
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(make_array((o, i), seed=seed, low=-1, high=1)))
        tm.bias.copy_(torch.from_numpy(make_array((o,), seed=seed + 1, low=-1, high=1)))
    jm = jtorch.nn.Linear(i, o)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


def grads_same(jm, tm, x_shape=(2, 4), seed=3):
    """Forward (sum of squares) + backward; compare output and grads of every parameter."""
    j, t = pair(make_array(x_shape, seed=seed, low=-1, high=1))
    jo, to = jm(j), tm(t)
    assert_same(jo, to, **TOL)
    (jo * jo).sum().backward()
    (to * to).sum().backward()
    tp = dict(tm.named_parameters())
    jn = [n for n, _ in jm.named_parameters()]
    assert jn == list(tp)
    for n, p in jm.named_parameters():
        assert_same(p.grad, tp[n].grad, rtol=1e-4, atol=1e-5, where=n + ": ")


def make_param_classes(lib):
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Scale(nn.Module):
        def __init__(self, s):
            super().__init__()
            self.s = s

        def forward(self, X):
            return X * self.s

        def right_inverse(self, Y):
            return Y / self.s

    class Split(nn.Module):
        def forward(self, A, B):
            return A + B

        def right_inverse(self, X):
            return X * 0.25, X * 0.75

    class BadShape(nn.Module):
        def forward(self, X):
            return X[:1]

    return Symmetric, Scale, Split, BadShape


JC, TC = make_param_classes(jtorch), make_param_classes(torch)


def test_register_basic_class_repr_and_keys():
    jm, tm = linear_pair(3, 3)
    jP.register_parametrization(jm, "weight", JC[0]())
    tP.register_parametrization(tm, "weight", TC[0]())
    assert type(jm).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert isinstance(type(jm).__dict__["weight"], property)
    assert type(jm).__bases__[0] is jtorch.nn.Linear
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert "parametrizations.weight.original" in jm.state_dict()
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert jP.is_parametrized(jm) and jP.is_parametrized(jm, "weight")
    assert not jP.is_parametrized(jm, "bias")
    assert jP.type_before_parametrizations(jm) is jtorch.nn.Linear
    assert isinstance(jm.parametrizations.weight, jP.ParametrizationList)
    assert_same(jm.weight, tm.weight)
    grads_same(jm, tm, (2, 3))


def test_chain_right_inverse_and_assignment():
    jm, tm = linear_pair(3, 3)
    for m, C in ((jm, JC), (tm, TC)):
        P = (jP if m is jm else tP)
        P.register_parametrization(m, "weight", C[1](2.0))
        P.register_parametrization(m, "weight", C[1](3.0))
    assert repr(jm) == repr(tm)
    # right_inverse ran at registration: original = weight / 2 (only the first, chain registers
    # later ones against the already parametrized value)
    assert_same(jm.parametrizations.weight.original, tm.parametrizations.weight.original, **TOL)
    assert_same(jm.weight, tm.weight, **TOL)
    grads_same(jm, tm, (2, 3))
    # assignment goes through right_inverse of the whole chain
    v = make_array((3, 3), seed=7)
    jm.weight = jtorch.tensor(v)
    tm.weight = torch.tensor(v)
    assert_same(jm.parametrizations.weight.original, tm.parametrizations.weight.original, **TOL)
    assert_same(jm.weight, tm.weight, **TOL)


def test_original_identity_kept_and_version():
    jm, _ = linear_pair(3, 3)
    w = jm.weight
    jP.register_parametrization(jm, "weight", JC[1](2.0))
    assert jm.parametrizations.weight.original is w  # same Parameter object (optimizers keep it)


def test_multiple_originals_sequence():
    jm, tm = linear_pair(4, 3)
    jP.register_parametrization(jm, "weight", JC[2]())
    tP.register_parametrization(tm, "weight", TC[2]())
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert "parametrizations.weight.original1" in jm.state_dict()
    for k in ("original0", "original1"):
        assert_same(getattr(jm.parametrizations.weight, k), getattr(tm.parametrizations.weight, k))
        assert isinstance(getattr(jm.parametrizations.weight, k), jtorch.nn.Parameter)
    grads_same(jm, tm)
    assert_same_raise(lambda: jP.remove_parametrizations(jm, "weight", leave_parametrized=False),
                      lambda: tP.remove_parametrizations(tm, "weight", leave_parametrized=False))
    jP.remove_parametrizations(jm, "weight")
    tP.remove_parametrizations(tm, "weight")
    assert type(jm) is jtorch.nn.Linear
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert isinstance(jm.weight, jtorch.nn.Parameter)
    assert_same(jm.weight, tm.weight, **TOL)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    jm, tm = linear_pair(3, 3)
    jP.register_parametrization(jm, "weight", JC[0]())
    tP.register_parametrization(tm, "weight", TC[0]())
    jP.register_parametrization(jm, "bias", JC[1](2.0))
    tP.register_parametrization(tm, "bias", TC[1](2.0))
    jP.remove_parametrizations(jm, "weight", leave_parametrized=leave)
    tP.remove_parametrizations(tm, "weight", leave_parametrized=leave)
    assert type(jm).__name__ == "ParametrizedLinear"  # bias is still parametrized
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert_same(jm.weight, tm.weight, **TOL)
    jP.remove_parametrizations(jm, "bias", leave_parametrized=leave)
    tP.remove_parametrizations(tm, "bias", leave_parametrized=leave)
    assert type(jm) is jtorch.nn.Linear and not hasattr(jm, "parametrizations")
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert repr(jm) == repr(tm)
    grads_same(jm, tm, (2, 3))
    assert_same_raise(lambda: jP.remove_parametrizations(jm, "weight"),
                      lambda: tP.remove_parametrizations(tm, "weight"))


def test_errors():
    jm, tm = linear_pair(3, 3)
    assert_same_raise(lambda: jP.register_parametrization(jm, "weight", JC[3]()),
                      lambda: tP.register_parametrization(tm, "weight", TC[3]()),
                      contains=("may not change the shape",))
    assert_same_raise(lambda: jP.register_parametrization(jm, "nope", JC[0]()),
                      lambda: tP.register_parametrization(tm, "nope", TC[0]()))
    # unsafe lets the shape change
    jP.register_parametrization(jm, "weight", JC[3](), unsafe=True)
    tP.register_parametrization(tm, "weight", TC[3](), unsafe=True)
    assert tuple(jm.weight.shape) == tuple(tm.weight.shape) == (1, 3)
    jm2, tm2 = linear_pair(3, 3)
    jP.register_parametrization(jm2, "weight", JC[0]())
    tP.register_parametrization(tm2, "weight", TC[0]())
    assert_same_raise(lambda: setattr(jm2, "weight", jtorch.zeros(3, 3)),
                      lambda: setattr(tm2, "weight", torch.zeros(3, 3)))
    with pytest.raises(RuntimeError, match="state_dict"):
        copy.copy(jm2).__getstate__()


def test_cached():
    jm, _ = linear_pair(3, 3)
    calls = []

    class Count(jtorch.nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 1.0

    jP.register_parametrization(jm, "weight", Count())
    calls.clear()
    jm.weight
    jm.weight
    assert len(calls) == 2
    calls.clear()
    with jP.cached():
        a = jm.weight
        b = jm.weight
        assert a is b
    assert len(calls) == 1
    jm.weight
    assert len(calls) == 2


def test_deepcopy_and_train_mode():
    jm, _ = linear_pair(3, 3)
    jm.eval()
    p = JC[0]()
    jP.register_parametrization(jm, "weight", p)
    assert p.training is False  # parametrization takes the module's mode
    jm2 = copy.deepcopy(jm)
    assert type(jm2).__name__ == "ParametrizedLinear"
    assert jm2.parametrizations.weight.original is not jm.parametrizations.weight.original
    assert np.array_equal(jm2.weight.detach().numpy(), jm.weight.detach().numpy())


def test_transfer_parametrizations():
    jm, tm = linear_pair(3, 3)
    jP.register_parametrization(jm, "weight", JC[0]())
    tP.register_parametrization(tm, "weight", TC[0]())
    j2, t2 = jtorch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
    jP.transfer_parametrizations_and_params(jm, j2)
    tP.transfer_parametrizations_and_params(tm, t2)
    assert list(j2.state_dict()) == list(t2.state_dict())
    assert_same(j2.weight, t2.weight, **TOL)


# ---- parametrizations.weight_norm / spectral_norm / orthogonal ---------------------------

@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_parametrization(dim):
    jm, tm = linear_pair()
    jPs.weight_norm(jm, dim=dim)
    tPs.weight_norm(tm, dim=dim)
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    for k in ("original0", "original1"):
        assert_same(getattr(jm.parametrizations.weight, k),
                    getattr(tm.parametrizations.weight, k), **TOL)
    grads_same(jm, tm)
    jP.remove_parametrizations(jm, "weight")
    tP.remove_parametrizations(tm, "weight")
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert_same(jm.weight, tm.weight, **TOL)


def test_weight_norm_loads_legacy_keys():
    tm = torch.nn.Linear(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(tm)
    sd = {k: to_jt(v) for k, v in tm.state_dict().items()}  # weight_g / weight_v keys
    jm = jPs.weight_norm(jtorch.nn.Linear(4, 3))
    jm.load_state_dict(sd)
    assert_same(jm.weight, tm.weight, **TOL)


def _copy_uv(jm, tm, path):
    """Copy torch's random power-iteration vectors into jtorch (different RNGs)."""
    for n in ("_u", "_v"):
        jb, tb = path(jm), path(tm)
        getattr(jb, n).copy_(to_jt(getattr(tb, n)))


@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_parametrization(n_iter):
    jm, tm = linear_pair(5, 4)
    tPs.spectral_norm(tm, n_power_iterations=n_iter)
    jPs.spectral_norm(jm, n_power_iterations=n_iter)
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    # after registration's 15 power iterations the vectors converge (up to sign)
    for n in ("_u", "_v"):
        ju = getattr(jm.parametrizations.weight[0], n).numpy()
        tu = getattr(tm.parametrizations.weight[0], n).numpy()
        assert np.allclose(np.abs(ju), np.abs(tu), atol=1e-3)
    _copy_uv(jm, tm, lambda m: m.parametrizations.weight[0])
    for mode in ("train", "train", "eval"):
        jm.train(mode == "train")
        tm.train(mode == "train")
        jm.zero_grad()
        tm.zero_grad()
        grads_same(jm, tm, (2, 5))
        for n in ("_u", "_v"):
            assert_same(getattr(jm.parametrizations.weight[0], n),
                        getattr(tm.parametrizations.weight[0], n), **TOL)
    jP.remove_parametrizations(jm, "weight")
    tP.remove_parametrizations(tm, "weight")
    assert_same(jm.weight, tm.weight, **TOL)


def test_spectral_norm_conv_dim_and_1d():
    if not hasattr(jtorch.nn, "Conv2d"):
        pytest.skip("nn.Conv2d not available yet (another helper)")
    tm = torch.nn.Conv2d(2, 3, 3)
    jm = jtorch.nn.Conv2d(2, 3, 3)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    tPs.spectral_norm(tm, dim=1)
    jPs.spectral_norm(jm, dim=1)
    _copy_uv(jm, tm, lambda m: m.parametrizations.weight[0])
    jm.eval()
    tm.eval()
    assert_same(jm.weight, tm.weight, **TOL)
    # a 1-d tensor is just normalized
    jb, tb = linear_pair()
    tPs.spectral_norm(tb, "bias")
    jPs.spectral_norm(jb, "bias")
    assert_same(jb.bias, tb.bias, **TOL)
    assert_same_raise(lambda: jPs.spectral_norm(jtorch.nn.Linear(2, 2), dim=3),
                      lambda: tPs.spectral_norm(torch.nn.Linear(2, 2), dim=3))


@pytest.mark.parametrize("shape,omap", [((3, 3), None), ((3, 3), "cayley"), ((5, 3), None),
                                        ((3, 5), None), ((5, 3), "matrix_exp"),
                                        ((4, 4), "householder")])
def test_orthogonal(shape, omap):
    o, i = shape
    jm, tm = linear_pair(i, o)
    kw = {} if omap is None else {"orthogonal_map": omap}
    tPs.orthogonal(tm, **kw)
    jPs.orthogonal(jm, **kw)
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    w = jm.weight.detach().numpy().astype(np.float64)
    gram = w @ w.T if o <= i else w.T @ w
    assert np.allclose(gram, np.eye(min(o, i)), atol=1e-5)
    if o == i:  # square: no random completion, so the values are torch's
        assert_same(jm.weight, tm.weight, rtol=1e-4, atol=1e-5)
        assert_same(jm.parametrizations.weight[0].base, tm.parametrizations.weight[0].base,
                    rtol=1e-4, atol=1e-5)
        grads_same(jm, tm, (2, i))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3)])
def test_orthogonal_no_trivialization(shape):
    o, i = shape
    jm, tm = linear_pair(i, o)
    tPs.orthogonal(tm, orthogonal_map="householder", use_trivialization=False)
    jPs.orthogonal(jm, orthogonal_map="householder", use_trivialization=False)
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert_same(jm.parametrizations.weight.original, tm.parametrizations.weight.original,
                rtol=1e-4, atol=1e-5)
    assert_same(jm.weight, tm.weight, rtol=1e-4, atol=1e-5)
    grads_same(jm, tm, (2, i))


def test_orthogonal_errors():
    assert_same_raise(lambda: jPs.orthogonal(jtorch.nn.Linear(3, 3), "bias"),
                      lambda: tPs.orthogonal(torch.nn.Linear(3, 3), "bias"))
    assert_same_raise(lambda: jPs.orthogonal(jtorch.nn.Linear(3, 3), orthogonal_map="x"),
                      lambda: tPs.orthogonal(torch.nn.Linear(3, 3), orthogonal_map="x"))


# ---- legacy hook-based weight_norm / spectral_norm ---------------------------------------

@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm(dim):
    jm, tm = linear_pair()
    with pytest.warns(FutureWarning):
        jtorch.nn.utils.weight_norm(jm, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(tm, dim=dim)
    assert list(jm.state_dict()) == list(tm.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert_same(jm.weight_g, tm.weight_g, **TOL)
    grads_same(jm, tm)
    assert_same_raise(lambda: jtorch.nn.utils.weight_norm(jm),
                      lambda: torch.nn.utils.weight_norm(tm))
    jtorch.nn.utils.remove_weight_norm(jm)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert_same(jm.weight, tm.weight, **TOL)
    assert_same_raise(lambda: jtorch.nn.utils.remove_weight_norm(jm),
                      lambda: torch.nn.utils.remove_weight_norm(tm))


def test_legacy_spectral_norm():
    jm, tm = linear_pair(5, 4)
    jtorch.nn.utils.spectral_norm(jm)
    torch.nn.utils.spectral_norm(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    _copy_uv(jm, tm, lambda m: type("P", (), {"_u": m.weight_u, "_v": m.weight_v}))
    for mode in ("train", "train", "eval"):
        jm.train(mode == "train")
        tm.train(mode == "train")
        jm.zero_grad()
        tm.zero_grad()
        grads_same(jm, tm, (2, 5))
        assert_same(jm.weight_u, tm.weight_u, **TOL)
        assert_same(jm.weight_v, tm.weight_v, **TOL)
        assert_same(jm.weight, tm.weight, **TOL)
    # the saved state_dict loads back (version metadata recorded)
    sd = jm.state_dict()
    assert sd._metadata[""]["spectral_norm"] == {"weight.version": 1}
    jm.load_state_dict(sd)
    jtorch.nn.utils.remove_spectral_norm(jm)
    torch.nn.utils.remove_spectral_norm(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert_same(jm.weight, tm.weight, **TOL)
    assert_same_raise(lambda: jtorch.nn.utils.remove_spectral_norm(jm),
                      lambda: torch.nn.utils.remove_spectral_norm(tm))


def test_parametrize_buffer():
    tm, jm = torch.nn.Module(), jtorch.nn.Module()
    v = make_array((3, 3), seed=5)
    tm.register_buffer("b", torch.tensor(v))
    jm.register_buffer("b", jtorch.tensor(v))
    tP.register_parametrization(tm, "b", TC[1](2.0))
    jP.register_parametrization(jm, "b", JC[1](2.0))
    assert type(jm).__name__ == "ParametrizedModule"
    assert list(jm.state_dict()) == list(tm.state_dict()) == ["parametrizations.b.original"]
    assert [n for n, _ in jm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert list(jm.parameters()) == []
    assert_same(jm.b, tm.b, **TOL)
    assert repr(jm) == repr(tm)


def test_conv_transpose_spectral_norm_default_dim():
    if not hasattr(jtorch.nn, "ConvTranspose2d"):
        pytest.skip("nn.ConvTranspose2d not available yet (another helper)")
    tm, jm = torch.nn.ConvTranspose2d(2, 3, 2), jtorch.nn.ConvTranspose2d(2, 3, 2)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    tPs.spectral_norm(tm)
    jPs.spectral_norm(jm)
    assert jm.parametrizations.weight[0].dim == tm.parametrizations.weight[0].dim == 1
    assert tuple(jm.parametrizations.weight[0]._u.shape) == (3,)
    torch.nn.utils.spectral_norm(t2 := torch.nn.ConvTranspose2d(2, 3, 2))
    jtorch.nn.utils.spectral_norm(j2 := jtorch.nn.ConvTranspose2d(2, 3, 2))
    assert tuple(j2.weight_u.shape) == tuple(t2.weight_u.shape) == (3,)


@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm", "orthogonal"])
def test_training_steps_match(kind):
    """SGD steps on the originals: parametrized weights follow torch's trajectory."""
    jm, tm = linear_pair(4, 4)
    getattr(tPs, kind)(tm)
    getattr(jPs, kind)(jm)
    if kind == "spectral_norm":
        _copy_uv(jm, tm, lambda m: m.parametrizations.weight[0])
    jo = jtorch.optim.SGD(jm.parameters(), lr=0.1)
    to = torch.optim.SGD(tm.parameters(), lr=0.1)
    for seed in range(3):
        j, t = pair(make_array((2, 4), seed=seed, low=-1, high=1))
        jo.zero_grad()
        to.zero_grad()
        (jm(j) ** 2).sum().backward()
        (tm(t) ** 2).sum().backward()
        jo.step()
        to.step()
    with jP.cached(), tP.cached():
        assert_same(jm.weight, tm.weight, rtol=1e-4, atol=1e-5)
    for k, v in tm.state_dict().items():
        assert_same(jm.state_dict()[k], v, rtol=1e-4, atol=1e-5, where=k + ": ")
