"""Convolutions, transposed convolutions, unfold/fold and the Conv layers vs torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair, to_jt
from ._fn_harness import arr, check_fn, check_init, check_layer

CONV = [
    ("conv1d", (2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, groups=2)),
    ("conv1d", (3, 9), (4, 3, 4), dict(padding="same", dilation=2)),
    ("conv2d", (2, 4, 7, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2),
                                                groups=2)),
    ("conv2d", (1, 3, 6, 5), (4, 3, 2, 3), dict(padding="same")),
    ("conv2d", (1, 3, 6, 5), (4, 3, 2, 3), dict(padding="valid", stride=(1, 2))),
    ("conv3d", (1, 2, 5, 4, 5), (3, 2, 2, 3, 2), dict(padding=(1, 0, 1))),
    ("conv3d", (2, 5, 4, 3), (2, 2, 2, 1, 2), dict()),
]


@pytest.mark.parametrize("name,xs,ws,kw", CONV, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv(name, xs, ws, kw, bias):
    arrays = [arr(xs, 1), arr(ws, 2)] + ([arr((ws[0],), 3)] if bias else [])
    check_fn(getattr(JF, name), getattr(TF, name), arrays, rtol=1e-4, atol=1e-4, **kw)


CONVT = [
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose1d", (4, 5), (4, 3, 3), dict(stride=2, padding=3)),
    ("conv_transpose2d", (2, 4, 5, 4), (4, 3, 3, 2), dict(stride=(2, 3), padding=(1, 2),
                                                          output_padding=(1, 2), groups=2,
                                                          dilation=(1, 2))),
    ("conv_transpose3d", (1, 2, 3, 4, 3), (2, 3, 2, 2, 3), dict(stride=2)),
]


@pytest.mark.parametrize("name,xs,ws,kw", CONVT, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONVT)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose(name, xs, ws, kw, bias):
    cout = ws[1] * kw.get("groups", 1)
    arrays = [arr(xs, 1), arr(ws, 2)] + ([arr((cout,), 3)] if bias else [])
    check_fn(getattr(JF, name), getattr(TF, name), arrays, rtol=1e-4, atol=1e-4, **kw)


def test_conv_float64_and_int():
    check_fn(JF.conv2d, TF.conv2d, [arr((1, 2, 5, 5), 1, "float64"), arr((3, 2, 2, 2), 2,
                                                                          "float64")],
             rtol=1e-10, atol=1e-10)
    x = np.arange(50).reshape(1, 2, 5, 5)
    w = np.arange(24).reshape(3, 2, 2, 2) % 5 - 2
    check_fn(JF.conv2d, TF.conv2d, [x, w], grad=False)


def test_conv_tbc():
    check_fn(JF.conv_tbc, TF.conv_tbc, [arr((7, 2, 3), 1), arr((3, 3, 4), 2), arr((4,), 3)], 1,
             rtol=1e-4, atol=1e-4, grad_fn=False)


def test_unfold_fold():
    check_fn(JF.unfold, TF.unfold, [arr((2, 3, 6, 7))], kernel_size=(2, 3), dilation=(1, 2),
             padding=1, stride=(2, 1))
    check_fn(JF.unfold, TF.unfold, [arr((3, 5, 4))], kernel_size=2)
    check_fn(JF.fold, TF.fold, [arr((2, 12, 10))], output_size=(5, 6), kernel_size=(2, 2),
             stride=(2, 1))
    check_fn(JF.fold, TF.fold, [arr((12, 20))], output_size=(5, 6), kernel_size=2)


ERRS = [
    lambda F, T: F.conv2d(T(2, 3), T(4, 3, 3, 3)),
    lambda F, T: F.conv2d(T(1, 2, 5, 5), T(4, 3, 3, 3)),
    lambda F, T: F.conv2d(T(1, 3, 2, 2), T(4, 3, 3, 3)),
    lambda F, T: F.conv2d(T(1, 3, 5, 5), T(4, 3, 3, 3), stride=2, padding="same"),
    lambda F, T: F.conv2d(T(1, 3, 5, 5), T(4, 3, 3, 3), padding="foo"),
    lambda F, T: F.conv2d(T(1, 4, 5, 5), T(3, 2, 3, 3), groups=2),
    lambda F, T: F.conv2d(T(1, 3, 5, 5), T(4, 3, 3, 3), stride=0),
    lambda F, T: F.conv2d(T(1, 3, 5, 5), T(4, 3, 3, 3), padding=-1),
    lambda F, T: F.conv_transpose2d(T(1, 4, 5, 5), T(3, 2, 3, 3)),
    lambda F, T: F.conv_transpose2d(T(1, 3, 5, 5), T(3, 2, 3, 3), output_padding=2),
    lambda F, T: F.conv2d(T(1, 3, 5, 5).double(), T(4, 3, 3, 3)),
    lambda F, T: F.conv2d(T(1, 3, 5, 5), T(4, 3, 3, 3), T(4).double()),
    lambda F, T: F.unfold(T(1, 2, 3, 4, 5), 2),
    lambda F, T: F.fold(T(2, 12, 12), (5, 6), 2, stride=(2, 1)),
    lambda F, T: F.fold(T(1, 2, 3, 4), (3, 3), 2),
]


@pytest.mark.parametrize("i", range(len(ERRS)))
def test_conv_errors(i):
    assert_same_raise(lambda: ERRS[i](JF, jtorch.randn), lambda: ERRS[i](TF, torch.randn))


# ---- layers ------------------------------------------------------------------------------------

LAYERS = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv1d", (4, 6, 3), dict(groups=2, bias=False, padding="same", padding_mode="circular"),
     (2, 4, 7)),
    ("Conv2d", (3, 4, (3, 2)), dict(stride=(2, 1), padding=1, dilation=(1, 2)), (2, 3, 7, 6)),
    ("Conv2d", (3, 4, 3), dict(padding=1, padding_mode="reflect"), (2, 3, 5, 5)),
    ("Conv2d", (3, 4, 3), dict(padding=(1, 2), padding_mode="replicate"), (3, 5, 5)),
    ("Conv3d", (2, 3, 2), dict(padding="valid"), (1, 2, 4, 3, 4)),
    ("ConvTranspose1d", (4, 3, 3), dict(stride=2, output_padding=1), (2, 4, 5)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, groups=2, dilation=2), (2, 4, 4, 3)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2, bias=False), (1, 2, 3, 2, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_conv_layers(name, args, kw, shape):
    jm, tm = check_layer(getattr(jtorch.nn, name), getattr(torch.nn, name), args, kw,
                         in_shape=shape, rtol=1e-4, atol=1e-4)
    w = tm.weight
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    check_init(getattr(jtorch.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw),
               bound=1 / np.sqrt(fan_in))


def test_conv_transpose_output_size():
    check_layer(jtorch.nn.ConvTranspose2d, torch.nn.ConvTranspose2d, (3, 2, 3), dict(stride=2),
                in_shape=(1, 3, 4, 4), forward_kw=dict(output_size=(10, 9)), rtol=1e-4,
                atol=1e-4)
    jm, tm = jtorch.nn.ConvTranspose2d(3, 2, 3, stride=2), torch.nn.ConvTranspose2d(3, 2, 3,
                                                                                     stride=2)
    assert_same_raise(lambda: jm(jtorch.randn(1, 3, 4, 4), output_size=(12, 9)),
                      lambda: tm(torch.randn(1, 3, 4, 4), output_size=(12, 9)))


def test_conv_layer_ctor_errors():
    for a, k in [((3, 4, 3), dict(groups=2)), ((4, 3, 3), dict(groups=2)),
                 ((3, 4, 3), dict(padding="foo")), ((3, 4, 3), dict(stride=2, padding="same")),
                 ((3, 4, 3), dict(padding_mode="bar"))]:
        assert_same_raise(lambda: jtorch.nn.Conv2d(*a, **k), lambda: torch.nn.Conv2d(*a, **k))
    assert_same_raise(lambda: jtorch.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"),
                      lambda: torch.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"))


@pytest.mark.parametrize("name,args,shape", [("LazyConv1d", (4, 3), (2, 3, 7)),
                                             ("LazyConv2d", (4, 2), (3, 5, 5)),
                                             ("LazyConvTranspose2d", (4, 2), (2, 3, 4, 4)),
                                             ("LazyConvTranspose3d", (2, 2), (1, 3, 2, 3, 2))])
def test_lazy_conv(name, args, shape):
    jm, tm = getattr(jtorch.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(jm) == repr(tm)
    x = arr(shape, 1)
    jm(pair(x)[0])
    tm(pair(x)[1])
    assert type(jm).__name__ == type(tm).__name__ and repr(jm) == repr(tm)
    w = tm.weight
    check_init(jm, tm, bound=1 / np.sqrt(w.shape[1] * int(np.prod(w.shape[2:]))))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    assert_same(jm(pair(x)[0]), tm(pair(x)[1]), rtol=1e-4, atol=1e-4)


def test_fold_unfold_layers():
    check_layer(jtorch.nn.Unfold, torch.nn.Unfold, ((2, 3),), dict(padding=1, stride=2),
                in_shape=(2, 3, 5, 6))
    check_layer(jtorch.nn.Fold, torch.nn.Fold, ((4, 5), 2), dict(stride=1),
                in_shape=(2, 12, 12))
