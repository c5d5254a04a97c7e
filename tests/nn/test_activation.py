"""Activation functions and modules vs torch: values, dtypes, gradients (incl. kinks), errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair

# NOTE: the input includes the kink/boundary points of every activation (0, +-0.5, +-1, +-3, 6).
KINKS = np.array([[-7.0, -3.0, -1.0, -0.5, 0.0, 0.5],
                  [1.0, 3.0, 6.0, 0.3, -2.2, 25.0]], dtype=np.float32)

CASES = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 2.0}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("hardswish", {}), ("hardsigmoid", {}), ("hardtanh", {"min_val": -0.5, "max_val": 3.0}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}), ("softsign", {}), ("softshrink", {}),
    ("hardshrink", {}), ("tanhshrink", {}),
    ("threshold", {"threshold": 0.5, "value": -4.0}), ("logsigmoid", {}), ("sigmoid", {}),
    ("tanh", {}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": -2}),
    ("softmin", {"dim": 1}), ("glu", {}), ("rrelu", {}),
]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_values_and_grads(name, kw):
    jx, tx = pair(KINKS, requires_grad=True)
    jy = getattr(JF, name)(jx, **kw)
    ty = getattr(TF, name)(tx, **kw)
    assert_same(jy, ty)
    g = np.linspace(-1, 1, ty.numel()).reshape(ty.shape).astype(np.float32)
    jy.backward(jtorch.tensor(g))
    ty.backward(torch.tensor(g))
    assert_same(jx.grad, tx.grad)
    assert jy.grad_fn.name() == ty.grad_fn.name()


@pytest.mark.parametrize("name,dtype", [("relu", "float64"), ("gelu", "float16"),
                                        ("silu", "bfloat16"), ("log_softmax", "bfloat16")])
def test_dtypes(name, dtype):
    jx, tx = pair(KINKS, dtype=dtype)
    rt = {"float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 1e-2)}.get(dtype)
    kw = {"dim": 1} if name == "log_softmax" else {}
    assert_same(getattr(JF, name)(jx, **kw), getattr(TF, name)(tx, **kw),
                *(rt if rt else (None, None)))


@pytest.mark.parametrize("name", ["relu", "relu6", "hardtanh", "softsign", "tanhshrink",
                                  "sigmoid"])
def test_int_inputs_supported(name):
    jx, tx = pair(np.array([-3, 0, 2, 8]))
    assert_same(getattr(JF, name)(jx), getattr(TF, name)(tx))


@pytest.mark.parametrize("name", ["elu", "gelu", "silu", "mish", "hardswish", "softplus",
                                  "logsigmoid", "leaky_relu", "hardshrink"])
def test_int_inputs_rejected(name):
    jx, tx = pair(np.array([-3, 0, 2]))
    assert_same_raise(lambda: getattr(JF, name)(jx), lambda: getattr(TF, name)(tx),
                      contains=["Long"])


def test_threshold_int():
    jx, tx = pair(np.array([1, -2, 5]))
    assert_same(JF.threshold(jx, 0, 5), TF.threshold(tx, 0, 5))


@pytest.mark.parametrize("name,kw", [("relu", {}), ("elu", {"alpha": 0.3}), ("leaky_relu", {}),
                                     ("hardtanh", {}), ("selu", {}), ("celu", {}),
                                     ("threshold", {"threshold": 0.1, "value": 2.0}),
                                     ("rrelu", {})])
def test_inplace_variants(name, kw):
    jx, tx = pair(KINKS)
    jr = getattr(JF, name + "_")(jx, **kw)
    tr = getattr(TF, name + "_")(tx, **kw)
    assert jr is jx
    assert_same(jx, tx)
    jx, tx = pair(KINKS)
    jr = getattr(JF, name)(jx, **kw, inplace=True)
    getattr(TF, name)(tx, **kw, inplace=True)
    assert jr is jx
    assert_same(jx, tx)


def test_inplace_on_leaf_requiring_grad_raises():
    jx, tx = pair(KINKS, requires_grad=True)
    assert_same_raise(lambda: JF.relu_(jx), lambda: TF.relu_(tx))


def test_inplace_grad_through_nonleaf():
    jx, tx = pair(KINKS, requires_grad=True)
    jy = JF.silu(jx * 2, inplace=True)
    ty = TF.silu(tx * 2, inplace=True)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(jx.grad, tx.grad)


@pytest.mark.parametrize("shape,name", [((3,), "softmax"), ((2, 3), "log_softmax"),
                                        ((2, 3, 4), "softmin"), ((), "softmax"),
                                        ((2, 3, 4, 5), "softmax")])
def test_softmax_implicit_dim_warns(shape, name):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    jx, tx = pair(a)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        jy = getattr(JF, name)(jx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = getattr(TF, name)(tx)
    assert_same(jy, ty)


def test_softmax_dtype_and_errors():
    jx, tx = pair(np.array([[1, 2, 3]]))
    assert_same(JF.softmax(jx, 1, dtype=jtorch.float64), TF.softmax(tx, 1, dtype=torch.float64))
    assert_same_raise(lambda: JF.softmax(jx, 1), lambda: TF.softmax(tx, 1), contains=["Long"])
    jf, tf = pair(np.ones(3, np.float32))
    assert_same_raise(lambda: JF.softmax(jf, 2), lambda: TF.softmax(tf, 2))
    assert_same(JF.log_softmax(jf.half(), 0, dtype=jtorch.float32),
                TF.log_softmax(tf.half(), 0, dtype=torch.float32))


def test_gelu_bad_approximate():
    jx, tx = pair(KINKS)
    assert_same_raise(lambda: JF.gelu(jx, approximate="x"), lambda: TF.gelu(tx, approximate="x"))


def test_glu_errors():
    jx, tx = pair(np.ones((2, 3), np.float32))
    assert_same_raise(lambda: JF.glu(jx), lambda: TF.glu(tx), contains=["size 3"])
    j0, t0 = pair(np.float32(1.0))
    assert_same_raise(lambda: JF.glu(j0), lambda: TF.glu(t0))


@pytest.mark.parametrize("shape,wn", [((2, 3, 4), 3), ((2, 3), 1), ((4,), 1), ((), 1)])
def test_prelu(shape, wn):
    a = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    jx, tx = pair(a, requires_grad=True)
    jw, tw = pair(np.linspace(0.1, 0.4, wn).astype(np.float32), requires_grad=True)
    jy, ty = JF.prelu(jx, jw), TF.prelu(tx, tw)
    assert_same(jy, ty)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(jx.grad, tx.grad)
    assert_same(jw.grad, tw.grad, rtol=1e-5, atol=1e-5)


def test_prelu_mismatch():
    jx, tx = pair(np.ones((2, 4), np.float32))
    jw, tw = pair(np.ones(3, np.float32))
    assert_same_raise(lambda: JF.prelu(jx, jw), lambda: TF.prelu(tx, tw), contains=["= 3"])


def test_rrelu_training_statistics():
    jtorch.manual_seed(0)
    x = -jtorch.ones(20000)
    y = JF.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.numpy()
    assert slopes.min() >= 0.1 - 1e-6 and slopes.max() <= 0.3 + 1e-6
    assert abs(slopes.mean() - 0.2) < 0.005
    pos = JF.rrelu(jtorch.ones(5), training=True)
    assert (pos.numpy() == 1).all()


def test_gumbel_softmax():
    jtorch.manual_seed(0)
    logits = jtorch.tensor([[0.0, 1.0, 2.0]] * 4000, requires_grad=True)
    y = JF.gumbel_softmax(logits, tau=0.5)
    assert tuple(y.shape) == (4000, 3)
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), 1, rtol=1e-5)
    h = JF.gumbel_softmax(logits, hard=True)
    hn = h.detach().numpy()
    assert set(np.unique(hn)) <= {0.0, 1.0} and (hn.sum(-1) == 1).all()
    freq = hn.mean(0)
    np.testing.assert_allclose(freq, np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum(), atol=0.03)
    h.sum().backward()
    assert logits.grad is not None


# ---- modules ------------------------------------------------------------------------------

MODULES = [
    ("Threshold", (0.1, 20.0), {}), ("ReLU", (), {"inplace": True}), ("RReLU", (0.1, 0.3), {}),
    ("Hardtanh", (-2.0, 2.0), {}), ("ReLU6", (), {}), ("Sigmoid", (), {}),
    ("Hardsigmoid", (), {}), ("Tanh", (), {}), ("SiLU", (), {}), ("Mish", (), {}),
    ("Hardswish", (), {}), ("ELU", (), {"alpha": 0.5}), ("CELU", (), {"alpha": 2.0}),
    ("SELU", (), {}), ("GLU", (), {"dim": 0}), ("GELU", (), {"approximate": "tanh"}),
    ("Hardshrink", (), {"lambd": 0.3}), ("LeakyReLU", (0.2,), {}), ("LogSigmoid", (), {}),
    ("Softplus", (), {"beta": 2.0}), ("Softshrink", (), {}), ("Softsign", (), {}),
    ("Tanhshrink", (), {}), ("Softmin", (), {"dim": 1}), ("Softmax", (), {"dim": -1}),
    ("LogSoftmax", (), {"dim": 0}), ("Softmax2d", (), {}), ("PReLU", (), {}),
    ("PReLU", (), {"num_parameters": 6, "init": 0.1}),
]


@pytest.mark.parametrize("name,args,kw", MODULES, ids=[m[0] + str(m[2]) for m in MODULES])
def test_modules(name, args, kw):
    jm = getattr(jtorch.nn, name)(*args, **kw)
    tm = getattr(torch.nn, name)(*args, **kw)
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    jm.eval()
    tm.eval()
    x = KINKS.reshape(1, 2, 2, 3) if name == "Softmax2d" else KINKS
    jx, tx = pair(x)
    if kw.get("inplace"):
        jm(jx)
        tm(tx)
        assert_same(jx, tx)
        return
    jx.requires_grad_(True)
    tx.requires_grad_(True)
    jy, ty = jm(jx), tm(tx)
    assert_same(jy, ty)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(jx.grad, tx.grad)
    for (n, p), (_, q) in zip(jm.named_parameters(), tm.named_parameters()):
        assert_same(p.grad, q.grad, 1e-5, 1e-5, where=n)


def test_softmax_module_implicit_dim_and_softmax2d_error():
    jx, tx = pair(KINKS)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        jy = jtorch.nn.Softmax()(jx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(jy, torch.nn.Softmax()(tx))
    assert_same_raise(lambda: jtorch.nn.Softmax2d()(jx), lambda: torch.nn.Softmax2d()(tx))
