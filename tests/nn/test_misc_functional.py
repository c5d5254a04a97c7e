"""pad, interpolate, pixel_shuffle, grid_sample, affine_grid and their layers vs torch."""
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same_raise
from ._fn_harness import arr, check_fn, check_layer


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode):
    check_fn(JF.pad, TF.pad, [arr((2, 3, 5), 1)], (2, -1), mode=mode)
    check_fn(JF.pad, TF.pad, [arr((2, 3, 5, 4), 2)], (2, 1, 3, 3), mode=mode)
    check_fn(JF.pad, TF.pad, [arr((1, 2, 3, 5, 4), 3)], (2, 1, 0, 2, 1, 1), mode=mode)


def test_pad_constant_value_and_crop():
    check_fn(JF.pad, TF.pad, [arr((2, 3, 5, 4), 1)], (2, 1, -3, 3, 1, 1, 0, 1), value=2.5)


INTERP = [
    dict(size=8, mode="nearest"), dict(scale_factor=(1.7, 0.6), mode="nearest"),
    dict(scale_factor=2, mode="nearest-exact"),
    dict(scale_factor=1.3, mode="nearest", recompute_scale_factor=True),
    dict(size=8, mode="linear"), dict(size=8, mode="linear", align_corners=True),
    dict(scale_factor=(1.7, 0.6), mode="bilinear"),
    dict(scale_factor=(1.7, 0.6), mode="bilinear", align_corners=True),
    dict(size=(9, 7), mode="bicubic"), dict(scale_factor=2.5, mode="bicubic", align_corners=True),
    dict(size=(5, 2, 7), mode="trilinear"), dict(size=(5, 2, 7), mode="trilinear",
                                                 align_corners=True),
    dict(size=(3, 4), mode="area"),
]
_NDIM = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


@pytest.mark.parametrize("kw", INTERP, ids=[f"{k['mode']}-{i}" for i, k in enumerate(INTERP)])
def test_interpolate(kw):
    nd = _NDIM.get(kw["mode"])
    if nd is None:
        s = kw.get("size", kw.get("scale_factor"))
        nd = 2 + (len(s) if isinstance(s, tuple) else 2)
    shape = (2, 3, 5, 4, 3)[:nd]
    tol = 1e-4 if kw["mode"] == "bicubic" else 1e-5
    check_fn(JF.interpolate, TF.interpolate, [arr(shape, 1)], rtol=tol, atol=tol, **kw)


def test_pixel_shuffle():
    check_fn(JF.pixel_shuffle, TF.pixel_shuffle, [arr((2, 12, 3, 4), 1)], 2)
    check_fn(JF.pixel_shuffle, TF.pixel_shuffle, [arr((5, 2, 18, 3, 4), 1)], 3)
    check_fn(JF.pixel_unshuffle, TF.pixel_unshuffle, [arr((2, 3, 4, 6), 1)], 2)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample(mode, padding_mode):
    for ac in (False, True):
        g = arr((2, 6, 7, 2), 2) * 0.8
        check_fn(JF.grid_sample, TF.grid_sample, [arr((2, 3, 5, 4), 1), g], mode=mode,
                 padding_mode=padding_mode, align_corners=ac)
    if padding_mode != "border":  # NOTE: 3-D sampling shares the 2-D code; keep the suite fast
        g3 = arr((2, 3, 4, 2, 3), 3) * 0.8
        check_fn(JF.grid_sample, TF.grid_sample, [arr((2, 3, 5, 4, 3), 1), g3], mode=mode,
                 padding_mode=padding_mode, align_corners=True)


@pytest.mark.parametrize("ac", [False, True])
def test_affine_grid(ac):
    check_fn(JF.affine_grid, TF.affine_grid, [arr((2, 2, 3), 1)], (2, 3, 5, 4), align_corners=ac)
    check_fn(JF.affine_grid, TF.affine_grid, [arr((2, 3, 4), 1)], (2, 3, 5, 4, 6),
             align_corners=ac)


ERRS = [
    lambda F, T: F.pad(T(1, 2, 3), (3, 3), mode="reflect"),
    lambda F, T: F.pad(T(1, 2, 3), (1, 1, 1)),
    lambda F, T: F.pad(T(1, 2, 3), (1, 1, 1, 1, 1, 1, 1, 1)),
    lambda F, T: F.pad(T(3), (1, 1), mode="reflect"),
    lambda F, T: F.pad(T(1, 2, 3), (4, 4), mode="circular"),
    lambda F, T: F.pad(T(1, 2, 3), (1, 1), mode="foo"),
    lambda F, T: F.pad(T(1, 2, 3), (1, 1), mode="replicate", value=2),
    lambda F, T: F.interpolate(T(1, 2, 3), size=4, scale_factor=2),
    lambda F, T: F.interpolate(T(1, 2, 3), mode="bilinear", size=4),
    lambda F, T: F.interpolate(T(1, 2, 3)),
    lambda F, T: F.interpolate(T(1, 2, 3), size=(4, 5)),
    lambda F, T: F.interpolate(T(1, 2, 3), size=4, align_corners=True),
    lambda F, T: F.pixel_shuffle(T(1, 3, 2, 2), 2),
    lambda F, T: F.pixel_shuffle(T(3, 2), 2),
    lambda F, T: F.pixel_unshuffle(T(1, 3, 3, 2), 2),
    lambda F, T: F.grid_sample(T(1, 2, 3, 3), T(1, 2, 2, 3)),
    lambda F, T: F.affine_grid(T(1, 2, 4), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("i", range(len(ERRS)))
def test_misc_errors(i):
    assert_same_raise(lambda: ERRS[i](JF, jtorch.randn), lambda: ERRS[i](TF, torch.randn))


# ---- layers ------------------------------------------------------------------------------------

PAD_LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 2, 0, 1),), (2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 2, 2, 3, 2)), ("ConstantPad1d", ((1, 2), 3.5), (2, 3, 4)),
    ("ConstantPad2d", (1, -1.0), (2, 3, 4)), ("ConstantPad3d", ((1, 0, 0, 1, 1, 0), 2.0),
                                               (2, 2, 3, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 0, 1),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 2, 3, 2)), ("ReplicationPad1d", ((3, 1),), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 4)), ("ReplicationPad3d", (1,), (2, 2, 3, 2)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 0, 1),), (2, 3, 4)),
    ("CircularPad3d", (1,), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name,args,shape", PAD_LAYERS, ids=[p[0] for p in PAD_LAYERS])
def test_pad_layers(name, args, shape):
    check_layer(getattr(jtorch.nn, name), getattr(torch.nn, name), args, in_shape=shape)


def test_circular_pad_layer_dim_error():
    assert_same_raise(lambda: jtorch.nn.CircularPad2d(1)(jtorch.randn(2, 3)),
                      lambda: torch.nn.CircularPad2d(1)(torch.randn(2, 3)))


UP_LAYERS = [
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4)),
    ("Upsample", (), dict(size=(5, 3), mode="bilinear", align_corners=False), (2, 3, 4, 2)),
    ("Upsample", (), dict(scale_factor=(2, 1.5), mode="bicubic"), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=4, mode="trilinear"), (1, 2, 2, 3, 2)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), (1, 2, 3, 2)),
    ("UpsamplingBilinear2d", (), dict(size=(5, 4)), (1, 2, 3, 2)),
    ("PixelShuffle", (2,), {}, (1, 8, 2, 3)),
    ("PixelUnshuffle", (2,), {}, (1, 2, 4, 6)),
]


@pytest.mark.parametrize("name,args,kw,shape", UP_LAYERS,
                         ids=[f"{u[0]}-{i}" for i, u in enumerate(UP_LAYERS)])
def test_upsample_layers(name, args, kw, shape):
    check_layer(getattr(jtorch.nn, name), getattr(torch.nn, name), args, kw, in_shape=shape,
                rtol=1e-4, atol=1e-5)
