"""Attention (sdpa, multi-head) and distances vs torch: values, gradients, masks, errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import jtorch
import jtorch.nn as jnn
import jtorch.nn.functional as JF
from jtorch.nn.functional._attention import cdist as jt_cdist
from _harness import assert_same, assert_same_raise, pair, to_jt

R = np.random.default_rng(0)


def rnd(*shape):
    return R.standard_normal(shape).astype(np.float32)


def copy_state(jm, tm):
    """Load torch module tm's state_dict into jtorch module jm (through NumPy)."""
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})


def grads_close(jts, tts, rtol=1e-4, atol=1e-5):
    for i, (j, t) in enumerate(zip(jts, tts)):
        assert_same(j.grad, t.grad, rtol, atol, where=f"grad {i}: ")


# ---- scaled_dot_product_attention ---------------------------------------------------------

MASKS = ["none", "bool", "float", "causal", "bool_fully_masked_row", "broadcast_bool"]


@pytest.mark.parametrize("mask", MASKS)
def test_sdpa(mask):
    q, k, v = rnd(2, 3, 4, 8), rnd(2, 3, 5, 8), rnd(2, 3, 5, 6)
    (jq, tq), (jk, tk), (jv, tv) = [pair(a, requires_grad=True) for a in (q, k, v)]
    kw_j, kw_t = {}, {}
    if mask == "causal":
        kw_j["is_causal"] = kw_t["is_causal"] = True
    elif mask != "none":
        if mask == "float":
            m = rnd(4, 5)
        elif mask == "broadcast_bool":
            m = R.uniform(size=(2, 1, 4, 5)) > 0.3
            m[..., 0] = True
        else:
            m = R.uniform(size=(4, 5)) > 0.4
            m[:, 0] = True
            if mask == "bool_fully_masked_row":
                m[2] = False
        kw_j["attn_mask"], kw_t["attn_mask"] = pair(m)
    jo = JF.scaled_dot_product_attention(jq, jk, jv, **kw_j)
    to = TF.scaled_dot_product_attention(tq, tk, tv, **kw_t)
    assert_same(jo, to, 1e-5, 1e-5)
    g = rnd(*to.shape)
    jo.backward(jtorch.tensor(g))
    to.backward(torch.tensor(g))
    grads_close([jq, jk, jv], [tq, tk, tv])


def test_sdpa_scale_gqa_and_3d():
    q, k, v = rnd(1, 4, 3, 8), rnd(1, 2, 5, 8), rnd(1, 2, 5, 8)
    (jq, tq), (jk, tk), (jv, tv) = [pair(a, requires_grad=True) for a in (q, k, v)]
    jo = JF.scaled_dot_product_attention(jq, jk, jv, scale=0.3, enable_gqa=True)
    to = TF.scaled_dot_product_attention(tq, tk, tv, scale=0.3, enable_gqa=True)
    assert_same(jo, to, 1e-5, 1e-5)
    jo.sum().backward()
    to.sum().backward()
    grads_close([jq, jk, jv], [tq, tk, tv])
    (jq, tq), (jk, tk) = pair(rnd(3, 4, 8)), pair(rnd(3, 5, 8))
    assert_same(JF.scaled_dot_product_attention(jq, jk, jk),
                TF.scaled_dot_product_attention(tq, tk, tk), 1e-5, 1e-5)


def test_sdpa_dropout_statistics():
    jtorch.manual_seed(0)
    q = jtorch.zeros(1, 1, 200, 4)
    v = jtorch.ones(1, 1, 50, 4)
    out = JF.scaled_dot_product_attention(q, q[:, :, :50], v, dropout_p=0.5)
    # uniform attention (1/50 each) with half the weights dropped and the rest doubled
    mean = out.numpy().mean()
    assert abs(mean - 1.0) < 0.05 and out.numpy().std() > 0.05


def test_sdpa_errors():
    (jq, tq), (jk, tk) = pair(rnd(1, 2, 3, 4)), pair(rnd(1, 2, 3, 5))
    assert_same_raise(lambda: JF.scaled_dot_product_attention(jq, jk, jk),
                      lambda: TF.scaled_dot_product_attention(tq, tk, tk))
    m = np.ones((3, 3), bool)
    m[2, 1] = False
    jm, tm = pair(m)  # torch applies the mask and the causal mask together
    assert_same(JF.scaled_dot_product_attention(jq, jq, jq, attn_mask=jm, is_causal=True),
                TF.scaled_dot_product_attention(tq, tq, tq, attn_mask=tm, is_causal=True),
                1e-5, 1e-5)


# ---- MultiheadAttention -------------------------------------------------------------------

MHA_CASES = [
    ({}, {}),
    ({"batch_first": True}, {"need_weights": False}),
    ({"bias": False}, {"average_attn_weights": False}),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"mask": "bool"}),
    ({"kdim": 3, "vdim": 5}, {"kpm": "bool"}),
    ({}, {"mask": "float", "kpm": "float"}),
    ({"batch_first": True}, {"mask": "3d", "need_weights": False}),
    ({}, {"unbatched": True, "mask": "bool"}),
]


@pytest.mark.parametrize("ctor,call", MHA_CASES, ids=[str(i) for i in range(len(MHA_CASES))])
def test_multihead_attention(ctor, call):
    E, H, L, S, N = 8, 2, 4, 5, 3
    torch.manual_seed(0)
    tm = tnn.MultiheadAttention(E, H, **ctor)
    jm = jnn.MultiheadAttention(E, H, **ctor)
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert repr(jm) == repr(tm)
    copy_state(jm, tm)
    call = dict(call)
    unb = call.pop("unbatched", False)
    bf = ctor.get("batch_first", False)
    kd, vd = ctor.get("kdim", E), ctor.get("vdim", E)

    def shp(seq, e):
        if unb:
            return (seq, e)
        return (N, seq, e) if bf else (seq, N, e)
    q, k, v = rnd(*shp(L, E)), rnd(*shp(S, kd)), rnd(*shp(S, vd))
    (jq, tq), (jk, tk), (jv, tv) = [pair(a, requires_grad=True) for a in (q, k, v)]
    jkw, tkw = {}, {}
    m = call.pop("mask", None)
    if m == "bool":
        a = R.uniform(size=(L, S)) > 0.6
        a[:, 0] = False
    elif m == "float":
        a = rnd(L, S)
    elif m == "3d":
        a = R.uniform(size=(N * H, L, S)) > 0.6
        a[..., 0] = False
    if m:
        jkw["attn_mask"], tkw["attn_mask"] = pair(a)
    kp = call.pop("kpm", None)
    if kp:
        a = R.uniform(size=(N, S)) > 0.6 if kp == "bool" else rnd(N, S)
        if kp == "bool":
            a[:, 0] = False
        jkw["key_padding_mask"], tkw["key_padding_mask"] = pair(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jo, jw = jm(jq, jk, jv, **jkw, **call)
        to, tw = tm(tq, tk, tv, **tkw, **call)
    assert_same(jo, to, 1e-4, 1e-5)
    if tw is None:
        assert jw is None
    else:
        assert_same(jw, tw, 1e-4, 1e-5)
    g = rnd(*to.shape)
    jo.backward(jtorch.tensor(g))
    to.backward(torch.tensor(g))
    grads_close([jq, jk, jv], [tq, tk, tv])
    jp, tp = dict(jm.named_parameters()), dict(tm.named_parameters())
    for n in tp:
        assert_same(jp[n].grad, tp[n].grad, 1e-4, 1e-5, where=n + ": ")


def test_multihead_attention_self_attention_and_errors():
    tm = tnn.MultiheadAttention(4, 2)
    jm = jnn.MultiheadAttention(4, 2)
    copy_state(jm, tm)
    jx, tx = pair(rnd(3, 2, 4))
    assert_same(jm(jx, jx, jx)[0], tm(tx, tx, tx)[0], 1e-5, 1e-5)
    with pytest.raises(ValueError):
        jnn.MultiheadAttention(0, 2)
    with pytest.raises(AssertionError):
        jnn.MultiheadAttention(5, 2)
    jm_, tm_ = pair(np.zeros((2, 2), bool))
    assert_same_raise(lambda: jm(jx, jx, jx, attn_mask=jm_), lambda: tm(tx, tx, tx, attn_mask=tm_))
    assert_same_raise(lambda: jm(jx, jx, jx, is_causal=True), lambda: tm(tx, tx, tx, is_causal=True))


def test_multihead_attention_init_distribution():
    jtorch.manual_seed(0)
    m = jnn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (64 + 192))  # xavier_uniform_ on (192, 64)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert (m.in_proj_bias.detach().numpy() == 0).all()
    assert (m.out_proj.bias.detach().numpy() == 0).all()


def test_multihead_attention_dropout_train_eval():
    m = jnn.MultiheadAttention(8, 2, dropout=0.5)
    x = jtorch.randn(4, 2, 8)
    m.eval()
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    assert (a.detach().numpy() == b.detach().numpy()).all()
    m.train()
    c, _ = m(x, x, x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


# ---- distances ----------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_pairwise_cdist_pdist(p):
    a, b = rnd(4, 5), rnd(4, 5)
    if p != float("inf"):
        # NOTE: a zero distance (torch's gradient there is 0). Not for p=inf: there torch's
        # cdist/pdist kernels give every tied maximum the full gradient (jtorch splits it).
        b[0] = a[0]
    (ja, ta), (jb, tb) = pair(a, requires_grad=True), pair(b, requires_grad=True)
    for jf, tf in [(lambda x, y: JF.pairwise_distance(x, y, p),
                    lambda x, y: TF.pairwise_distance(x, y, p)),
                   (lambda x, y: jt_cdist(x, y, p), lambda x, y: torch.cdist(x, y, p)),
                   (lambda x, y: JF.pdist(x, p), lambda x, y: TF.pdist(x, p))]:
        jo, to = jf(ja, jb), tf(ta, tb)
        assert_same(jo, to, 1e-5, 1e-5)
        ja.grad = jb.grad = None
        ta.grad = tb.grad = None
        jo.sum().backward()
        to.sum().backward()
        assert_same(ja.grad, ta.grad, 1e-4, 1e-5)
        if tb.grad is not None:
            assert_same(jb.grad, tb.grad, 1e-4, 1e-5)


def test_cdist_batched_and_modules():
    (ja, ta), (jb, tb) = pair(rnd(2, 3, 4)), pair(rnd(2, 5, 4))
    assert_same(jt_cdist(ja, jb), torch.cdist(ta, tb), 1e-5, 1e-5)
    assert_same_raise(lambda: jt_cdist(ja, ja[..., :2]), lambda: torch.cdist(ta, ta[..., :2]))
    (jx, tx), (jy, ty) = pair(rnd(3, 4)), pair(rnd(3, 4))
    assert_same(jnn.PairwiseDistance(p=1.0, keepdim=True)(jx, jy),
                tnn.PairwiseDistance(p=1.0, keepdim=True)(tx, ty))
    assert repr(jnn.PairwiseDistance()) == repr(tnn.PairwiseDistance())


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim):
    a, b = rnd(3, 4), rnd(1, 4)
    a[1] = 0  # a zero-norm row (norm clamped to eps)
    (ja, ta), (jb, tb) = pair(a, requires_grad=True), pair(b, requires_grad=True)
    jo, to = JF.cosine_similarity(ja, jb, dim), TF.cosine_similarity(ta, tb, dim)
    assert_same(jo, to, 1e-5, 1e-5)
    jo.sum().backward()
    to.sum().backward()
    grads_close([ja, jb], [ta, tb])
    assert_same(jnn.CosineSimilarity(dim)(ja, jb), tnn.CosineSimilarity(dim)(ta, tb), 1e-5, 1e-5)
