"""batch/layer/group/instance/rms/local-response norm, normalize and the norm layers vs torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair
from ._fn_harness import arr, check_fn, check_init, check_layer


def _stats():
    return arr((3,), 5), arr((3,), 6, low=0.5)


@pytest.mark.parametrize("shape,training,momentum", [((4, 3, 5), True, 0.3),
                                                     ((4, 3, 5, 2), False, 0.1),
                                                     ((4, 3), True, 0.1)])
def test_batch_norm(shape, training, momentum):
    rm, rv = _stats()
    (jrm, trm), (jrv, trv) = pair(rm), pair(rv)
    check_fn(lambda x, w, b: JF.batch_norm(x, jrm, jrv, w, b, training, momentum),
             lambda x, w, b: TF.batch_norm(x, trm, trv, w, b, training, momentum),
             [arr(shape, 1), arr((3,), 2), arr((3,), 3)], rtol=1e-4, atol=1e-5)
    assert_same(jrm, trm)
    assert_same(jrv, trv)


def test_batch_norm_no_stats_no_affine():
    check_fn(lambda x: JF.batch_norm(x, None, None, training=True),
             lambda x: TF.batch_norm(x, None, None, training=True), [arr((5, 3, 4), 1)],
             rtol=1e-4, atol=1e-5)


def test_layer_group_rms_norm():
    check_fn(JF.layer_norm, TF.layer_norm, [arr((4, 3, 5), 1)], (3, 5), rtol=1e-4, atol=1e-5)
    check_fn(lambda x, w, b: JF.layer_norm(x, (5,), w, b, 1e-3),
             lambda x, w, b: TF.layer_norm(x, (5,), w, b, 1e-3),
             [arr((4, 3, 5), 1), arr((5,), 2), arr((5,), 3)], rtol=1e-4, atol=1e-5)
    check_fn(lambda x, w, b: JF.group_norm(x, 3, w, b),
             lambda x, w, b: TF.group_norm(x, 3, w, b),
             [arr((4, 6, 5), 1), arr((6,), 2), arr((6,), 3)], rtol=1e-4, atol=1e-5)
    check_fn(JF.group_norm, TF.group_norm, [arr((2, 4, 3, 3), 1)], 2, rtol=1e-4, atol=1e-5)
    check_fn(lambda x, w: JF.rms_norm(x, (5,), w), lambda x, w: TF.rms_norm(x, (5,), w),
             [arr((4, 3, 5), 1), arr((5,), 2)], rtol=1e-4, atol=1e-5)
    check_fn(JF.rms_norm, TF.rms_norm, [arr((4, 3, 5), 1)], (3, 5), eps=1e-3, rtol=1e-4,
             atol=1e-5)


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm(use_input_stats):
    rm, rv = _stats()
    (jrm, trm), (jrv, trv) = pair(rm), pair(rv)
    check_fn(lambda x, w, b: JF.instance_norm(x, jrm, jrv, w, b, use_input_stats, 0.2),
             lambda x, w, b: TF.instance_norm(x, trm, trv, w, b, use_input_stats, 0.2),
             [arr((4, 3, 5, 3), 1), arr((3,), 2), arr((3,), 3)], rtol=1e-4, atol=1e-5)
    assert_same(jrm, trm)
    assert_same(jrv, trv)
    check_fn(JF.instance_norm, TF.instance_norm, [arr((2, 3, 6), 1)], rtol=1e-4, atol=1e-5)


def test_local_response_norm_and_normalize():
    check_fn(JF.local_response_norm, TF.local_response_norm, [arr((4, 6, 5), 1)], 3)
    check_fn(JF.local_response_norm, TF.local_response_norm, [arr((2, 6, 5, 2, 2), 1)], 2,
             alpha=0.1, beta=0.5, k=2.0)
    check_fn(JF.normalize, TF.normalize, [arr((4, 6, 5), 1)], p=3, dim=-1)
    a = arr((4, 6), 2)
    a[1] = 0  # a zero vector: eps clamps and the gradient stays finite
    check_fn(JF.normalize, TF.normalize, [a])
    check_fn(JF.normalize, TF.normalize, [a], p=float("inf"), dim=0)


ERRS = [
    lambda F, T: F.batch_norm(T(1, 3), T(3), T(3), training=True),
    lambda F, T: F.batch_norm(T(4, 3, 5), T(4), T(4)),
    lambda F, T: F.layer_norm(T(4, 3, 5), (4,)),
    lambda F, T: F.group_norm(T(4, 3, 5), 2),
    lambda F, T: F.instance_norm(T(1, 3, 1)),
    lambda F, T: F.rms_norm(T(4, 3, 5), (4,)),
    lambda F, T: F.local_response_norm(T(4, 3), 2),
    lambda F, T: F.normalize(T(4, 3), dim=2),
]


@pytest.mark.parametrize("i", range(len(ERRS)))
def test_norm_errors(i):
    assert_same_raise(lambda: ERRS[i](JF, jtorch.randn), lambda: ERRS[i](TF, torch.randn))


# ---- layers ------------------------------------------------------------------------------------

LAYERS = [
    ("BatchNorm1d", (3,), dict(), (4, 3, 5), True),
    ("BatchNorm1d", (3,), dict(momentum=None), (4, 3), True),
    ("BatchNorm2d", (3,), dict(affine=False, momentum=0.3), (4, 3, 2, 3), True),
    ("BatchNorm2d", (3,), dict(), (4, 3, 2, 3), False),
    ("BatchNorm3d", (3,), dict(track_running_stats=False, bias=False), (2, 3, 2, 2, 2), True),
    ("BatchNorm3d", (3,), dict(track_running_stats=False), (2, 3, 2, 2, 2), False),
    ("SyncBatchNorm", (3,), dict(), (4, 3, 5), True),
    ("LayerNorm", ((3, 5),), dict(), (4, 3, 5), True),
    ("LayerNorm", (5,), dict(elementwise_affine=False, eps=1e-3), (4, 3, 5), True),
    ("LayerNorm", (5,), dict(bias=False), (4, 3, 5), True),
    ("GroupNorm", (2, 4), dict(), (3, 4, 5), True),
    ("GroupNorm", (2, 4), dict(affine=False), (3, 4, 2, 2), True),
    ("RMSNorm", (5,), dict(), (4, 3, 5), True),
    ("RMSNorm", ((3, 5),), dict(eps=1e-4, elementwise_affine=False), (4, 3, 5), True),
    ("LocalResponseNorm", (3,), dict(alpha=0.1), (2, 5, 4), True),
    ("InstanceNorm1d", (3,), dict(), (2, 3, 6), True),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), (3, 6), True),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True), (2, 3, 4, 3), True),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True), (2, 3, 4, 3), False),
    ("InstanceNorm3d", (2,), dict(affine=True), (2, 2, 3, 2, 3), True),
]


@pytest.mark.parametrize("name,args,kw,shape,train", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_norm_layers(name, args, kw, shape, train):
    check_layer(getattr(jtorch.nn, name), getattr(torch.nn, name), args, kw, in_shape=shape,
                train=train, steps=2, rtol=1e-4, atol=1e-5)
    tm = getattr(torch.nn, name)(*args, **kw)
    check_init(getattr(jtorch.nn, name)(*args, **kw), tm,
               names=[n for n in ("weight", "bias") if hasattr(tm, n)])


def test_batchnorm_eval_after_train_and_buffers():
    jm, tm = check_layer(jtorch.nn.BatchNorm2d, torch.nn.BatchNorm2d, (3,), dict(momentum=None),
                         in_shape=(4, 3, 2, 3), steps=3, rtol=1e-4, atol=1e-5)
    assert int(jm.num_batches_tracked) == 3
    x = arr((2, 3, 2, 3), 9)
    jm.eval()
    tm.eval()
    assert_same(jm(pair(x)[0]), tm(pair(x)[1]), rtol=1e-4, atol=1e-5)
    assert [n for n, _ in jm.named_buffers()] == [n for n, _ in tm.named_buffers()]


def test_norm_layer_errors():
    for j, t in [(lambda: jtorch.nn.BatchNorm2d(3)(jtorch.randn(2, 3)),
                  lambda: torch.nn.BatchNorm2d(3)(torch.randn(2, 3))),
                 (lambda: jtorch.nn.BatchNorm1d(3)(jtorch.randn(1, 3)),
                  lambda: torch.nn.BatchNorm1d(3)(torch.randn(1, 3))),
                 (lambda: jtorch.nn.GroupNorm(3, 4), lambda: torch.nn.GroupNorm(3, 4)),
                 (lambda: jtorch.nn.InstanceNorm1d(3, affine=True)(jtorch.randn(2, 4, 5)),
                  lambda: torch.nn.InstanceNorm1d(3, affine=True)(torch.randn(2, 4, 5))),
                 (lambda: jtorch.nn.InstanceNorm2d(3)(jtorch.randn(2, 3)),
                  lambda: torch.nn.InstanceNorm2d(3)(torch.randn(2, 3)))]:
        assert_same_raise(j, t)


@pytest.mark.parametrize("name,kw,shape", [("LazyBatchNorm1d", {}, (4, 3, 5)),
                                           ("LazyBatchNorm2d", {"affine": False}, (2, 3, 4, 4)),
                                           ("LazyBatchNorm3d", {}, (2, 3, 2, 2, 2)),
                                           ("LazyInstanceNorm1d", {}, (2, 3, 5)),
                                           ("LazyInstanceNorm2d", {"track_running_stats": False},
                                            (2, 3, 4, 3))])
def test_lazy_norm(name, kw, shape):
    from _harness import to_jt
    jm, tm = getattr(jtorch.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(jm) == repr(tm)
    x = arr(shape, 1)
    assert_same(jm(pair(x)[0]), tm(pair(x)[1]), rtol=1e-4, atol=1e-5)
    assert type(jm).__name__ == type(tm).__name__ and repr(jm) == repr(tm)
    jsd = jm.state_dict()
    assert list(jsd) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert_same(jsd[k], v, rtol=1e-5, atol=1e-6)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("dim", [0, -1])
def test_normalize_zero_dim_input(dim):
    for v in (3.0, -2.0, 0.0):
        jx, tx = pair(np.float32(v))
        assert_same(JF.normalize(jx, dim=dim), TF.normalize(tx, dim=dim))


def test_group_norm_empty_batch():
    """A batch of 0 samples normalizes to an empty result; weight and bias get zero grads."""
    jx, tx = pair(np.zeros((0, 4, 3), np.float32))
    jw, tw = pair(np.arange(1.0, 5.0, dtype=np.float32))
    for t in (jx, tx, jw, tw):
        t.requires_grad_(True)
    jy, ty = JF.group_norm(jx, 2, jw, jw), TF.group_norm(tx, 2, tw, tw)
    assert_same(jy, ty)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(jw.grad, tw.grad)
