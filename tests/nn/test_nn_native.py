"""torch.native_{batch,layer,group}_norm, grid_sampler_2d/3d (incl. bicubic),
F.linear_cross_entropy (chunked) and integer-input dtypes of nn losses vs torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair
from ._fn_harness import arr, check_fn


def _native_check(jfn, tfn, arrays, *args, rg=(0,)):
    """Compare all outputs; gradients of every output (random cotangents) w.r.t. arrays rg."""
    pairs = [pair(a, requires_grad=i in rg) if a is not None else (None, None)
             for i, a in enumerate(arrays)]
    js, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    yt, yj = tfn(*ts, *args), jfn(*js, *args)
    assert_same(yj, yt, rtol=1e-5, atol=1e-5)
    outs = [(j, t) for j, t in zip(yj, yt) if t.requires_grad]
    rng = np.random.default_rng(5)
    cots = [rng.standard_normal(tuple(t.shape)).astype("float32") for _, t in outs]
    tg = torch.autograd.grad([t for _, t in outs], [ts[i] for i in rg],
                             [torch.from_numpy(c) for c in cots])
    jg = jtorch.autograd.grad([j for j, _ in outs], [js[i] for i in rg],
                              [jtorch.tensor(c) for c in cots])
    for a, b in zip(jg, tg):
        assert_same(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("training", [True, False])
def test_native_batch_norm(training):
    x, w, b = arr((4, 3, 5), 1), arr((3,), 2), arr((3,), 3)
    jr, tr = pair(np.zeros(3, np.float32))
    jv, tv = pair(np.ones(3, np.float32))
    yj = jtorch.native_batch_norm(*[pair(a)[0] for a in (x, w, b)], jr, jv, training, 0.3,
                                  1e-5)
    yt = torch.native_batch_norm(*[pair(a)[1] for a in (x, w, b)], tr, tv, training, 0.3, 1e-5)
    assert_same(yj, yt)
    assert_same(jr, tr)
    assert_same(jv, tv)
    _native_check(jtorch.native_batch_norm, torch.native_batch_norm, [x, w, b, None, None],
                  True, 0.1, 1e-5, rg=(0, 1, 2))


def test_native_layer_and_group_norm():
    x = arr((2, 6, 4), 1)
    _native_check(jtorch.native_layer_norm, torch.native_layer_norm, [x], (6, 4), None, None,
                  1e-5)
    _native_check(lambda x, w, b: jtorch.native_layer_norm(x, (4,), w, b, 0.1),
                  lambda x, w, b: torch.native_layer_norm(x, (4,), w, b, 0.1),
                  [x, arr((4,), 2), arr((4,), 3)], rg=(0, 1, 2))
    # NOTE: group norm's mean and rstd are differentiable outputs too.
    _native_check(jtorch.native_group_norm, torch.native_group_norm,
                  [x, arr((6,), 2), arr((6,), 3)], 2, 6, 4, 3, 1e-5, rg=(0, 1, 2))
    # torch views the data as (N, C, HxW) from the given sizes
    _native_check(jtorch.native_group_norm, torch.native_group_norm, [x, None, None],
                  4, 3, 4, 3, 1e-5)
    jx, tx = pair(x)
    assert_same_raise(lambda: jtorch.native_group_norm(jx, None, None, 2, 6, 5, 3, 1e-5),
                      lambda: torch.native_group_norm(tx, None, None, 2, 6, 5, 3, 1e-5))


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_grid_sampler_bicubic(padding):
    x, g = arr((2, 3, 5, 4), 1), arr((2, 6, 7, 2), 2) * 0.9
    for ac in (False, True):
        check_fn(jtorch.grid_sampler_2d, torch.grid_sampler_2d, [x, g], 2, padding, ac,
                 rtol=1e-4, atol=1e-4, grad_fn=False)
        check_fn(JF.grid_sample, TF.grid_sample, [x, g], mode="bicubic",
                 padding_mode=("zeros", "border", "reflection")[padding], align_corners=ac,
                 rtol=1e-4, atol=1e-4)


def test_grid_sampler_3d_and_errors():
    check_fn(jtorch.grid_sampler_3d, torch.grid_sampler_3d,
             [arr((2, 3, 5, 4, 3), 1), arr((2, 3, 4, 2, 3), 3) * 0.8], 1, 2, True,
             grad_fn=False)
    jx, tx = pair(arr((1, 2, 3, 4), 1))
    jg, tg = pair(arr((1, 2, 2, 2), 2))
    assert_same_raise(lambda: jtorch.grid_sampler_3d(jx, jg, 0, 0, False),
                      lambda: torch.grid_sampler_3d(tx, tg, 0, 0, False))
    assert_same_raise(lambda: jtorch.grid_sampler_2d(jx[:, :, :0], jg, 0, 0, False),
                      lambda: torch.grid_sampler_2d(tx[:, :, :0], tg, 0, 0, False))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_linear_cross_entropy_chunked(reduction):
    x, w, bias = arr((7, 5), 1), arr((9, 5), 2), arr((9,), 3)
    t = np.array([0, 3, 8, -100, 2, 2, 5])
    cw = arr((9,), 4, low=0.5)
    opts = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=3)

    def jf(x, w, b):
        return JF.linear_cross_entropy(x, w, jtorch.tensor(t), linear_bias=b,
                                       weight=jtorch.tensor(cw), reduction=reduction,
                                       options=opts)

    def tf(x, w, b):
        return TF.linear_cross_entropy(x, w, torch.tensor(t), linear_bias=b,
                                       weight=torch.tensor(cw), reduction=reduction,
                                       options=opts)
    check_fn(jf, tf, [x, w, bias], grad_fn=False)
    jf_ref = lambda x, w: JF.linear_cross_entropy(x, w, jtorch.tensor(t), reduction=reduction)
    tf_ref = lambda x, w: TF.linear_cross_entropy(x, w, torch.tensor(t), reduction=reduction)
    check_fn(jf_ref, tf_ref, [x, w])


def test_batch_norm_empty_and_1d():
    jx, tx = pair(np.zeros((0,), np.float32))
    jm, tm = pair(np.zeros((0,), np.float32))
    assert_same(JF.batch_norm(jx, jm, jm, training=True), TF.batch_norm(tx, tm, tm,
                                                                        training=True))
    jy, ty = pair(arr((3,), 1))
    assert_same_raise(lambda: JF.batch_norm(jy, jm, jm, training=False),
                      lambda: TF.batch_norm(ty, tm, tm, training=False))
    jz, tz = pair(arr((4, 3), 1))
    assert_same_raise(lambda: JF.batch_norm(jz, None, None, training=False),
                      lambda: TF.batch_norm(tz, None, None, training=False))


def test_integer_inputs_give_float32():
    a, b, t = (np.array(v) for v in ([[1, 5, 3]], [[3, 1, 2]], [1, -1, 1]))
    for jf, tf, args in (
            (JF.margin_ranking_loss, TF.margin_ranking_loss, (a[0], b[0], t)),
            (JF.pairwise_distance, TF.pairwise_distance, (a, b)),
            (JF.poisson_nll_loss, TF.poisson_nll_loss, (a, b)),
            (JF.triplet_margin_loss, TF.triplet_margin_loss, (a, b, b * 2)),
            (lambda x: JF.local_response_norm(x, 2), lambda x: TF.local_response_norm(x, 2),
             (np.arange(24).reshape(1, 4, 6) * 7,))):
        ps = [pair(v) for v in args]
        assert_same(jf(*[p[0] for p in ps]), tf(*[p[1] for p in ps]))
