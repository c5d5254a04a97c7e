"""Max/avg/adaptive/lp pooling, max_unpool and the pooling layers vs torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair
from ._fn_harness import arr, check_fn, check_layer

POOL = [
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=1,
                                      dilation=(2, 1), return_indices=True)),
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, ceil_mode=True, return_indices=True)),
    ("max_pool1d", (3, 9), dict(kernel_size=3, stride=2)),
    ("max_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=2, stride=2, ceil_mode=True,
                                         return_indices=True)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                   count_include_pad=False)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, divisor_override=5)),
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ("avg_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                         count_include_pad=False)),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), dict(output_size=(3, 4))),
    ("adaptive_avg_pool1d", (2, 3, 7), dict(output_size=5)),
    ("adaptive_avg_pool3d", (2, 3, 7, 6, 5), dict(output_size=(3, None, 2))),
    ("adaptive_max_pool2d", (2, 3, 7, 6), dict(output_size=(3, 4), return_indices=True)),
    ("adaptive_max_pool1d", (2, 3, 7), dict(output_size=4, return_indices=True)),
    ("adaptive_max_pool3d", (2, 3, 7, 6, 5), dict(output_size=(3, 4, 2))),
    ("lp_pool2d", (2, 3, 7, 6), dict(norm_type=2, kernel_size=3, stride=2)),
    ("lp_pool1d", (2, 3, 7), dict(norm_type=3.0, kernel_size=2)),
]


@pytest.mark.parametrize("name,shape,kw", POOL, ids=[f"{p[0]}-{i}" for i, p in enumerate(POOL)])
def test_pool(name, shape, kw):
    a = arr(shape, 1)
    if name.startswith("lp"):
        a = np.abs(a) + 0.1  # NOTE: x**p with fractional 1/p needs positive window sums
    check_fn(getattr(JF, name), getattr(TF, name), [a], rtol=1e-5, atol=1e-5, **kw)


def test_max_pool_ties_gradient():
    # relu'd input: many equal zeros in a window; the gradient goes to the first max like torch
    a = np.maximum(arr((2, 3, 8, 8), 4), 0)
    a[:, :, :2, :2] = 0
    check_fn(JF.max_pool2d, TF.max_pool2d, [a], kernel_size=2)
    check_fn(JF.max_pool2d, TF.max_pool2d, [a], kernel_size=2, return_indices=True)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_max_unpool(n):
    shape = (2, 3) + (6, 8, 4)[:n]
    x = torch.from_numpy(arr(shape, 2))
    y, i = getattr(TF, f"max_pool{n}d")(x, 2, return_indices=True)
    jy, ji = getattr(JF, f"max_pool{n}d")(pair(x.numpy())[0], 2, return_indices=True)
    assert_same(ji, i)
    check_fn(getattr(JF, f"max_unpool{n}d"), getattr(TF, f"max_unpool{n}d"),
             [y.numpy(), i.numpy()], 2, output_size=shape[2:])
    check_fn(getattr(JF, f"max_unpool{n}d"), getattr(TF, f"max_unpool{n}d"),
             [y.numpy(), i.numpy()], 2)


def test_integer_pools():
    a = (arr((2, 3, 6, 7), 3) * 5).astype(np.int64)
    check_fn(JF.avg_pool2d, TF.avg_pool2d, [a], 3, padding=1, stride=2, grad=False)
    check_fn(JF.max_pool2d, TF.max_pool2d, [a], 3, padding=1, stride=2, grad=False)


ERRS = [
    lambda F, T: F.max_pool2d(T(2, 3), 2),
    lambda F, T: F.max_pool2d(T(1, 2, 5, 5), 2, padding=2),
    lambda F, T: F.max_pool2d(T(1, 2, 5, 5), 7),
    lambda F, T: F.avg_pool2d(T(1, 2, 5, 5), 7),
    lambda F, T: F.avg_pool2d(T(1, 2, 5, 5), 2, padding=2),
    lambda F, T: F.adaptive_avg_pool2d(T(2, 3), 2),
    lambda F, T: F.adaptive_max_pool2d(T(2, 3), 2),
    lambda F, T: F.max_pool1d(T(2), 2),
    lambda F, T: F.avg_pool1d(T(2), 2),
    lambda F, T: F.max_pool3d(T(2, 3, 4), 2),
    lambda F, T: F.max_pool2d(T(1, 2, 5, 5), 0),
    lambda F, T: F.max_pool2d(T(1, 0, 4, 4), 2),
]


@pytest.mark.parametrize("i", range(len(ERRS)))
def test_pool_errors(i):
    assert_same_raise(lambda: ERRS[i](JF, jtorch.randn), lambda: ERRS[i](TF, torch.randn))


# ---- layers ------------------------------------------------------------------------------------

LAYERS = [
    ("MaxPool1d", (3,), dict(stride=2, ceil_mode=True), (2, 3, 9)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, return_indices=True), (2, 3, 7, 6)),
    ("MaxPool3d", (2,), dict(dilation=1), (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("AvgPool2d", ((3, 2),), dict(count_include_pad=False, padding=1), (2, 3, 7, 6)),
    ("AvgPool3d", (2,), dict(divisor_override=3), (1, 2, 4, 4, 4)),
    ("LPPool1d", (2, 3), dict(stride=2), (2, 3, 9)),
    ("LPPool2d", (1.5, 2), dict(), (2, 3, 6, 6)),
    ("AdaptiveMaxPool1d", (4,), dict(return_indices=True), (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, None),), dict(), (2, 3, 7, 6)),
    ("AdaptiveAvgPool2d", (1,), dict(), (2, 3, 7, 6)),
    ("AdaptiveAvgPool3d", ((2, 3, 1),), dict(), (1, 2, 4, 5, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_pool_layers(name, args, kw, shape):
    a = arr(shape, 1)
    if name.startswith("LP"):
        a = np.abs(a) + 0.1
    check_layer(getattr(jtorch.nn, name), getattr(torch.nn, name), args, kw, inputs=[a])


def test_unpool_layers():
    x = arr((2, 3, 6, 8), 1)
    y, i = TF.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
    check_layer(jtorch.nn.MaxUnpool2d, torch.nn.MaxUnpool2d, (2,), {},
                inputs=[y.numpy(), i.numpy()])
    y, i = TF.max_pool1d(torch.from_numpy(x[0]), 2, stride=1, return_indices=True)
    check_layer(jtorch.nn.MaxUnpool1d, torch.nn.MaxUnpool1d, (2,), dict(stride=1),
                inputs=[y.numpy(), i.numpy()], forward_kw=dict(output_size=[8]))
    assert repr(jtorch.nn.MaxUnpool3d(2, padding=1)) == repr(torch.nn.MaxUnpool3d(2, padding=1))


@pytest.mark.parametrize("n,shape,args,kw", [
    (2, (2, 3, 7, 6), (2,), dict(output_size=(4, 3), return_indices=True)),
    (2, (2, 3, 9, 8), ((3, 2),), dict(output_ratio=(0.5, 0.6))),
    (3, (2, 3, 6, 7, 5), (2,), dict(output_size=(3, 4, 2), return_indices=True)),
])
def test_fractional_max_pool(n, shape, args, kw):
    # NOTE: the pseudo-random window starts come from _random_samples; passing the same samples
    # to both libraries makes the result deterministic.
    s = np.random.default_rng(3).random((shape[0], shape[1], n)).astype("float32")
    js, ts = jtorch.tensor(s), torch.from_numpy(s)

    def f(F, r):
        return lambda x: getattr(F, f"fractional_max_pool{n}d")(x, *args, _random_samples=r,
                                                                 **kw)
    check_fn(f(JF, js), f(TF, ts), [arr(shape, 1)])
    layer = f"FractionalMaxPool{n}d"
    jm = getattr(jtorch.nn, layer)(*args, **kw, _random_samples=js)
    tm = getattr(torch.nn, layer)(*args, **kw, _random_samples=ts)
    assert repr(jm) == repr(tm)
    x = arr(shape, 2)
    assert_same(jm(pair(x)[0]), tm(pair(x)[1]))
    y = getattr(JF, f"fractional_max_pool{n}d")(pair(x)[0], *args, **kw)  # own random samples
    assert tuple(_first(y).shape) == tuple(_first(tm(pair(x)[1])).shape)


def _first(y):
    return y[0] if isinstance(y, tuple) else y


def test_max_pool_nan_inf_and_empty_batch():
    a = arr((1, 2, 4, 4), 5)
    a[0, 0, 1, 1] = np.nan
    a[0, 1, 2, 2] = -np.inf
    for f in (lambda F, x: F.max_pool2d(x, 2), lambda F, x: F.max_pool2d(x, 2, return_indices=True),
              lambda F, x: F.adaptive_max_pool2d(x, 3), lambda F, x: F.avg_pool2d(x, 2)):
        check_fn(lambda x: f(JF, x), lambda x: f(TF, x), [a], grad=False)
    e = np.zeros((0, 3, 5, 5), np.float32)
    check_fn(JF.max_pool2d, TF.max_pool2d, [e], 2, grad=False)
    check_fn(JF.avg_pool2d, TF.avg_pool2d, [e], 2, grad=False)
