"""Loss functions and modules vs torch: values, reductions, options, gradients and errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair

R = np.random.default_rng(0)
X = R.standard_normal((4, 5)).astype(np.float32)
Y = R.standard_normal((4, 5)).astype(np.float32)
Y[0, 0] = X[0, 0]  # an exact tie (abs/kink derivatives)
P = (1 / (1 + np.exp(-X))).astype(np.float32)
Q = R.uniform(0, 1, (4, 5)).astype(np.float32)
IDX = np.array([0, 4, 2, 1])
SIGN = np.array([1.0, -1.0, -1.0, 1.0], np.float32)
SIGN2 = np.where(R.uniform(size=(4, 5)) > 0.5, 1.0, -1.0).astype(np.float32)


def check(name, arrays, grad_idx=(0,), rtol=None, atol=None, **kw):
    """Same call in both libraries; compare output and the gradients of arrays[grad_idx]."""
    js, ts = [], []
    jkw, tkw = dict(kw), dict(kw)
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            jkw[k], tkw[k] = pair(v)
    for i, a in enumerate(arrays):
        if a is None:
            js.append(None)
            ts.append(None)
            continue
        j, t = pair(a, requires_grad=i in grad_idx)
        js.append(j)
        ts.append(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = getattr(TF, name)(*ts, **tkw)
        jy = getattr(JF, name)(*js, **jkw)
    assert_same(jy, ty, rtol, atol)
    if not grad_idx:
        return
    g = np.linspace(0.5, 1.5, ty.numel()).reshape(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    jy.backward(jtorch.tensor(g))
    for i in grad_idx:
        assert_same(js[i].grad, ts[i].grad, rtol or 1e-5, atol or 1e-5, where=f"grad {i}: ")


RED = ["mean", "sum", "none"]


# NOTE: reductions are spread over the option sets (every pair would triple the compile time).
@pytest.mark.parametrize("name,kw,reduction", [
    ("l1_loss", {}, "none"), ("mse_loss", {}, "mean"),
    ("smooth_l1_loss", {"beta": 0.5}, "none"), ("smooth_l1_loss", {"beta": 0.0}, "sum"),
    ("huber_loss", {}, "sum"), ("huber_loss", {"delta": 0.3}, "mean")])
def test_regression(name, kw, reduction):
    check(name, [X, Y], (0, 1), reduction=reduction, **kw)


@pytest.mark.parametrize("name,reduction", [("l1_loss", "mean"), ("mse_loss", "none"),
                                            ("huber_loss", "mean"), ("mse_loss", "sum")])
def test_regression_weight(name, reduction):
    jx, tx = pair(X, requires_grad=True)
    jt, tt = pair(Y)
    jw, tw = pair(Q, requires_grad=True)
    jy = getattr(JF, name)(jx, jt, reduction=reduction, weight=jw)
    ty = getattr(TF, name)(tx, tt, reduction=reduction, weight=tw)
    assert_same(jy, ty)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(jx.grad, tx.grad, 1e-5, 1e-5)
    assert_same(jw.grad, tw.grad, 1e-5, 1e-5)


def test_regression_size_warning_and_errors():
    jx, tx = pair(X)
    jt, tt = pair(Y[0])
    with pytest.warns(UserWarning, match="target size"):
        jy = JF.mse_loss(jx, jt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(jy, TF.mse_loss(tx, tt))
    jb, tb = pair(np.ones((3, 5), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_raise(lambda: JF.l1_loss(jx, jb), lambda: TF.l1_loss(tx, tb))
        assert_same_raise(lambda: JF.mse_loss(jx, jx, reduction="foo"),
                          lambda: TF.mse_loss(tx, tx, reduction="foo"))


def test_legacy_reduction_args():
    jx, tx = pair(X)
    jt, tt = pair(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sa, red in [(False, None), (None, False), (True, True)]:
            assert_same(JF.mse_loss(jx, jt, size_average=sa, reduce=red),
                        TF.mse_loss(tx, tt, size_average=sa, reduce=red))


CE_W = np.array([0.2, 1.0, 2.0, 0.5, 1.5], np.float32)


@pytest.mark.parametrize("opts,reduction", [
    ({}, "mean"), ({}, "none"), ({"weight": CE_W}, "mean"), ({"weight": CE_W}, "sum"),
    ({"ignore_index": 2}, "mean"), ({"label_smoothing": 0.2}, "mean"),
    ({"label_smoothing": 0.2}, "none"),
    ({"weight": CE_W, "ignore_index": 4, "label_smoothing": 0.1}, "mean"),
    ({"weight": CE_W, "ignore_index": 4, "label_smoothing": 0.1}, "sum")])
def test_cross_entropy_indices(opts, reduction):
    opts = dict(opts)
    w = opts.pop("weight", None)
    check("cross_entropy", [X, IDX, w], (0,), reduction=reduction, **opts)
    if "label_smoothing" not in opts:
        lp = X - np.log(np.exp(X).sum(1, keepdims=True))
        check("nll_loss", [lp.astype(np.float32), IDX, w], (0,), reduction=reduction, **opts)


@pytest.mark.parametrize("opts,reduction", [({}, "mean"), ({"weight": CE_W[:3]}, "none"),
                                            ({"label_smoothing": 0.3}, "sum"),
                                            ({"weight": CE_W[:3]}, "mean")])
def test_cross_entropy_kdim_and_probs(opts, reduction):
    opts = dict(opts)
    w = opts.pop("weight", None)
    x = R.standard_normal((2, 3, 4, 2)).astype(np.float32)
    t = R.integers(0, 3, (2, 4, 2))
    check("cross_entropy", [x, t, w], (0,), reduction=reduction, **opts)
    probs = R.dirichlet(np.ones(3), (2, 4, 2)).transpose(0, 3, 1, 2).astype(np.float32)
    check("cross_entropy", [x, probs, w], (0, 1), reduction=reduction, **opts)
    if not opts:
        check("nll_loss", [x, t, w], (0,), reduction=reduction)


def test_cross_entropy_unbatched_and_all_ignored():
    check("cross_entropy", [X[0], np.array(3)], (0,))
    check("cross_entropy", [X[0], np.array(3)], (0,), reduction="none")
    check("cross_entropy", [X, np.full(4, -100)], (0,))  # 0/0 = nan, as torch


def test_cross_entropy_grad_fn_names():
    jx, tx = pair(X, requires_grad=True)
    jt, tt = pair(IDX)
    assert JF.cross_entropy(jx, jt).grad_fn.name() == TF.cross_entropy(tx, tt).grad_fn.name()
    assert JF.nll_loss(jx, jt).grad_fn.name() == TF.nll_loss(tx, tt).grad_fn.name()


def test_nll_errors():
    jx, tx = pair(X)
    cases = [
        (np.array([0, 1, 2]), {}), (np.array([0, 9, 1, 1]), {}),
        (np.zeros(4, np.float32), {}), (IDX, {"weight": np.ones(3, np.float32)}),
    ]
    for t, kw in cases:
        jt, tt = pair(t)
        jkw = {k: pair(v)[0] for k, v in kw.items()}
        tkw = {k: pair(v)[1] for k, v in kw.items()}
        assert_same_raise(lambda: JF.nll_loss(jx, jt, **jkw), lambda: TF.nll_loss(tx, tt, **tkw))
    j3, t3 = pair(np.ones((2, 3, 4), np.float32))
    jt, tt = pair(np.zeros((2, 5), np.int64))
    assert_same_raise(lambda: JF.nll_loss(j3, jt), lambda: TF.nll_loss(t3, tt))
    j0, t0 = pair(np.float32(1))
    jt, tt = pair(np.array(0))
    assert_same_raise(lambda: JF.nll_loss(j0, jt), lambda: TF.nll_loss(t0, tt))
    jt, tt = pair(IDX)
    assert_same_raise(lambda: JF.cross_entropy(jx, jt, label_smoothing=1.5),
                      lambda: TF.cross_entropy(tx, tt, label_smoothing=1.5))
    jq, tq = pair(Q)
    assert_same_raise(lambda: JF.cross_entropy(jx, jq, ignore_index=1),
                      lambda: TF.cross_entropy(tx, tq, ignore_index=1))


def test_values_unchecked_off_cpu_give_nan(monkeypatch):
    """Off the CPU (a GPU) torch checks class targets and BCE inputs in the kernel; jtorch skips
    the host read-back there and an out-of-range value makes the loss NaN."""
    from jtorch.nn.functional import _loss
    monkeypatch.setattr(_loss, "_kernel_checked", lambda t: None)  # NOTE: as for a GPU array
    jx, tx = pair(X)
    for t in (np.array([0, 9, 1, 1]), np.array([0, -2, 1, 1])):
        jt = pair(t)[0]
        assert np.isnan(JF.cross_entropy(jx, jt).item()), t
        assert np.isnan(JF.nll_loss(jx, jt, reduction="none").numpy()[1]), t
        assert not np.isnan(JF.nll_loss(jx, jt, reduction="none").numpy()[[0, 2, 3]]).any()
    jt, tt = pair(np.array([0, -100, 1, 1]))  # NOTE: ignore_index is no error
    assert_same(JF.cross_entropy(jx, jt), TF.cross_entropy(tx, tt))
    jq = pair(Q)[0]
    assert np.isnan(JF.binary_cross_entropy(jx, jq).item())


@pytest.mark.parametrize("reduction", RED)
def test_bce(reduction):
    check("binary_cross_entropy", [P, Q], (0, 1), reduction=reduction)
    check("binary_cross_entropy", [P, Q, Q[0]], (0, 1), reduction=reduction)
    edge = np.array([0.0, 1.0, 0.5, 1e-30], np.float32)
    check("binary_cross_entropy", [edge, np.array([0.0, 1.0, 1.0, 0.5], np.float32)], (0,),
          reduction=reduction)


@pytest.mark.parametrize("reduction", RED)
def test_bce_with_logits(reduction):
    check("binary_cross_entropy_with_logits", [X * 10, Q], (0, 1), reduction=reduction)
    pw = np.linspace(0.5, 3, 5).astype(np.float32)
    check("binary_cross_entropy_with_logits", [X, Q, Q], (0, 1), reduction=reduction,
          pos_weight=pw)


def test_bce_errors():
    jp, tp = pair(P)
    jt, tt = pair(Q[0])
    assert_same_raise(lambda: JF.binary_cross_entropy(jp, jt),
                      lambda: TF.binary_cross_entropy(tp, tt))
    assert_same_raise(lambda: JF.binary_cross_entropy_with_logits(jp, jt),
                      lambda: TF.binary_cross_entropy_with_logits(tp, tt))
    jx, tx = pair(X)
    jq, tq = pair(Q)
    assert_same_raise(lambda: JF.binary_cross_entropy(jx, jq),
                      lambda: TF.binary_cross_entropy(tx, tq))


@pytest.mark.parametrize("reduction,log_target", [("mean", False), ("sum", True),
                                                  ("none", False), ("batchmean", True),
                                                  ("batchmean", False)])
def test_kl_div(reduction, log_target):
    lq = np.log(Q / Q.sum(1, keepdims=True)).astype(np.float32)
    lp = np.log(P / P.sum(1, keepdims=True)).astype(np.float32)
    t = lp if log_target else np.exp(lp).astype(np.float32)
    t = t.copy()
    if not log_target:
        t[0, 1] = 0.0  # xlogy(0, 0) = 0
    check("kl_div", [lq, t], (0, 1), reduction=reduction, log_target=log_target)


def test_kl_div_mean_warns():
    jx, _ = pair(X)
    with pytest.warns(UserWarning, match="batchmean"):
        JF.kl_div(jx, jx)


@pytest.mark.parametrize("kw,reduction", [({}, "mean"), ({"log_input": False}, "sum"),
                                          ({"full": True}, "none"),
                                          ({"log_input": False, "full": True, "eps": 1e-3},
                                           "mean")])
def test_poisson_nll(kw, reduction):
    t = (Q * 4).round().astype(np.float32)
    x = P if kw.get("log_input") is False else X
    check("poisson_nll_loss", [x, t], (0,), reduction=reduction, **kw)


@pytest.mark.parametrize("vshape,reduction", [((4, 5), "mean"), ((4,), "none"),
                                              ((4, 1), "sum"), ("float", "mean")])
def test_gaussian_nll(vshape, reduction):
    if vshape == "float":
        jx, tx = pair(X, requires_grad=True)
        jt, tt = pair(Y)
        assert_same(JF.gaussian_nll_loss(jx, jt, 0.5, reduction=reduction),
                    TF.gaussian_nll_loss(tx, tt, 0.5, reduction=reduction))
        return
    v = R.uniform(0, 2, vshape).astype(np.float32)
    v.flat[0] = 1e-9  # clamped to eps: gradient still flows (torch clamps under no_grad)
    check("gaussian_nll_loss", [X, Y, v], (0, 1, 2), reduction=reduction, full=True)


def test_gaussian_nll_errors():
    jx, tx = pair(X)
    jv, tv = pair(np.ones(3, np.float32))
    assert_same_raise(lambda: JF.gaussian_nll_loss(jx, jx, jv),
                      lambda: TF.gaussian_nll_loss(tx, tx, tv))
    jv, tv = pair(-np.ones((4, 5), np.float32))
    assert_same_raise(lambda: JF.gaussian_nll_loss(jx, jx, jv),
                      lambda: TF.gaussian_nll_loss(tx, tx, tv))


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_margin_losses(reduction):
    check("hinge_embedding_loss", [X, SIGN2], (0,), reduction=reduction, margin=0.5)
    check("soft_margin_loss", [X, SIGN2], (0,), reduction=reduction)
    check("margin_ranking_loss", [X[:, 0], Y[:, 0], SIGN], (0, 1), reduction=reduction,
          margin=0.2)
    check("multilabel_soft_margin_loss", [X, (Q > 0.5).astype(np.float32)], (0,),
          reduction=reduction)
    check("multilabel_soft_margin_loss", [X, Q, CE_W], (0,), reduction=reduction)
    check("cosine_embedding_loss", [X, Y, SIGN], (0, 1), reduction=reduction, margin=0.1)
    check("cosine_embedding_loss", [X[0], Y[0], np.array(-1.0, np.float32)], (0, 1),
          reduction=reduction)


@pytest.mark.parametrize("kw,reduction", [({}, "mean"), ({"p": 2}, "none"),
                                          ({"margin": 0.5, "weight": CE_W}, "sum")])
def test_multi_margin(kw, reduction):
    kw = dict(kw)
    w = kw.pop("weight", None)
    js, ts = pair(X, requires_grad=True)
    jt, tt = pair(IDX)
    jw, tw = (pair(w) if w is not None else (None, None))
    jy = JF.multi_margin_loss(js, jt, reduction=reduction, weight=jw, **kw)
    ty = TF.multi_margin_loss(ts, tt, reduction=reduction, weight=tw, **kw)
    assert_same(jy, ty)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(js.grad, ts.grad)
    check("multi_margin_loss", [X[1], np.array(2)], (0,), reduction=reduction, **kw)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_multilabel_margin(reduction):
    t = np.array([[3, 0, -1, 1, 2], [1, -1, 0, 0, 0], [0, 1, 2, 3, 4], [-1, 1, 1, 1, 1]])
    check("multilabel_margin_loss", [X, t], (0,), reduction=reduction)
    check("multilabel_margin_loss", [X[0], t[0]], (0,), reduction=reduction)


def test_margin_errors():
    jx, tx = pair(X)
    jt, tt = pair(np.array([0, 1, 2]))
    assert_same_raise(lambda: JF.multi_margin_loss(jx, jt), lambda: TF.multi_margin_loss(tx, tt))
    ji, ti = pair(IDX)
    assert_same_raise(lambda: JF.multi_margin_loss(jx, ji, p=3),
                      lambda: TF.multi_margin_loss(tx, ti, p=3))
    assert_same_raise(lambda: JF.multilabel_margin_loss(jx, ji),
                      lambda: TF.multilabel_margin_loss(tx, ti))
    js, ts = pair(SIGN)
    assert_same_raise(lambda: JF.margin_ranking_loss(jx, jx, js),
                      lambda: TF.margin_ranking_loss(tx, tx, ts))


@pytest.mark.parametrize("kw,reduction", [({}, "mean"), ({"p": 1.0, "swap": True}, "none"),
                                          ({"margin": 2.0, "p": 3.0}, "sum")])
def test_triplet(kw, reduction):
    n = R.standard_normal((4, 5)).astype(np.float32)
    check("triplet_margin_loss", [X, Y, n], (0, 1, 2), reduction=reduction, **kw)


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_with_distance(swap):
    n = R.standard_normal((4, 5)).astype(np.float32)
    check("triplet_margin_with_distance_loss", [X, Y, n], (0, 1, 2), swap=swap, margin=1.5)
    ja, ta = pair(X)
    assert_same_raise(
        lambda: JF.triplet_margin_with_distance_loss(ja, ja, ja, margin=0),
        lambda: TF.triplet_margin_with_distance_loss(ta, ta, ta, margin=0))
    jy = JF.triplet_margin_with_distance_loss(
        ja, ja, ja, distance_function=lambda a, b: (a - b).abs().sum(-1), reduction="none")
    ty = TF.triplet_margin_with_distance_loss(
        ta, ta, ta, distance_function=lambda a, b: (a - b).abs().sum(-1), reduction="none")
    assert_same(jy, ty)


# ---- modules ------------------------------------------------------------------------------

def _idx(n=4, c=5):
    return IDX


MODULE_CASES = [
    ("L1Loss", {}, [X, Y]), ("MSELoss", {"reduction": "sum"}, [X, Y]),
    ("SmoothL1Loss", {"beta": 0.5}, [X, Y]), ("HuberLoss", {"delta": 0.5}, [X, Y]),
    ("NLLLoss", {"weight": CE_W, "ignore_index": 1}, [X, IDX]),
    ("CrossEntropyLoss", {"weight": CE_W, "label_smoothing": 0.1}, [X, IDX]),
    ("BCELoss", {"weight": CE_W}, [P, Q]),
    ("BCEWithLogitsLoss", {"pos_weight": CE_W, "reduction": "none"}, [X, Q]),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, [X, Y]),
    ("PoissonNLLLoss", {"full": True}, [X, Q * 3]),
    ("GaussianNLLLoss", {"full": True}, [X, Y, Q + 0.1]),
    ("HingeEmbeddingLoss", {"margin": 0.3}, [X, SIGN2]),
    ("MultiLabelMarginLoss", {}, [X, np.array([[1, 2, -1, 0, 0]] * 4)]),
    ("SoftMarginLoss", {}, [X, SIGN2]),
    ("MultiLabelSoftMarginLoss", {"weight": CE_W}, [X, Q]),
    ("CosineEmbeddingLoss", {"margin": 0.2}, [X, Y, SIGN]),
    ("MarginRankingLoss", {"margin": 0.1}, [X[:, 0], Y[:, 0], SIGN]),
    ("MultiMarginLoss", {"p": 2, "weight": CE_W}, [X, IDX]),
    ("TripletMarginLoss", {"margin": 0.5, "swap": True}, [X, Y, Q]),
    ("TripletMarginWithDistanceLoss", {"margin": 0.5}, [X, Y, Q]),
]


@pytest.mark.parametrize("name,kw,arrays", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_loss_modules(name, kw, arrays):
    jkw = {k: pair(v)[0] if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tkw = {k: pair(v)[1] if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    jm, tm = getattr(jtorch.nn, name)(**jkw), getattr(torch.nn, name)(**tkw)
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    ps = [pair(a.astype(np.float32) if a.dtype.kind == "f" else a,
               requires_grad=(i == 0)) for i, a in enumerate(arrays)]
    jy, ty = jm(*[p[0] for p in ps]), tm(*[p[1] for p in ps])
    assert_same(jy, ty, 1e-5, 1e-5)
    jy.sum().backward()
    ty.sum().backward()
    assert_same(ps[0][0].grad, ps[0][1].grad, 1e-5, 1e-5)


def test_loss_module_legacy_args_and_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert jtorch.nn.MSELoss(size_average=False).reduction == \
            torch.nn.MSELoss(size_average=False).reduction
        assert jtorch.nn.L1Loss(reduce=False).reduction == torch.nn.L1Loss(reduce=False).reduction
    for cls, kw in [("MultiMarginLoss", {"p": 3}), ("TripletMarginLoss", {"margin": 0.0}),
                    ("TripletMarginWithDistanceLoss", {"margin": -1.0})]:
        with pytest.raises(ValueError):
            getattr(torch.nn, cls)(**kw)
        with pytest.raises(ValueError):
            getattr(jtorch.nn, cls)(**kw)


@pytest.mark.parametrize("reduction,concat", [("mean", False), ("none", True), ("sum", False)])
def test_ctc_loss(reduction, concat):
    x = R.standard_normal((7, 3, 5)).astype(np.float32)
    lp = (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(np.float32)
    tg = np.array([1, 2, 2, 3, 1, 4, 4, 4]) if concat else np.array([[1, 2, 2], [3, 1, 0],
                                                                     [4, 4, 4]])
    il, tl = [7, 5, 2 if concat else 6], [3, 2, 3]  # concat: sample 2 is infeasible (inf)
    for zero_inf in [False, True]:
        jl, tlp = pair(lp, requires_grad=True)
        jy = JF.ctc_loss(jl, jtorch.tensor(tg), jtorch.tensor(il), jtorch.tensor(tl),
                         reduction=reduction, zero_infinity=zero_inf)
        ty = TF.ctc_loss(tlp, torch.tensor(tg), torch.tensor(il), torch.tensor(tl),
                         reduction=reduction, zero_infinity=zero_inf)
        assert_same(jy, ty, 1e-5, 1e-5)
        jy.sum().backward()
        ty.sum().backward()
        assert_same(jl.grad, tlp.grad, 1e-5, 1e-5)
    jm, tm = jtorch.nn.CTCLoss(blank=0), torch.nn.CTCLoss(blank=0)
    assert repr(jm) == repr(tm)
