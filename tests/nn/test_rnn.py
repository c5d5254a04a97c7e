"""RNN/LSTM/GRU, their cells and nn.utils.rnn vs torch (state_dict copied into jtorch)."""

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.utils.rnn as TR

import jtorch
import jtorch.nn as jnn
import jtorch.nn.utils.rnn as JR
from _harness import assert_same, assert_same_raise, pair, to_jt

R = np.random.default_rng(0)
# NOTE: torch's own notice that its oneDNN kernel can't do projections.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections")


def rnd(*shape):
    return R.standard_normal(shape).astype(np.float32)


def build(cls, *args, **kw):
    torch.manual_seed(0)
    tm = getattr(tnn, cls)(*args, **kw)
    jm = getattr(jnn, cls)(*args, **kw)
    assert repr(jm) == repr(tm)
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (n, a), (_, b) in zip(jm.named_parameters(), tm.named_parameters()):
        assert tuple(a.shape) == tuple(b.shape), n
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


def first(h):
    return h[0] if isinstance(h, tuple) else h


def compare_params_grads(jm, tm):
    jp = dict(jm.named_parameters())
    for n, p in tm.named_parameters():
        assert_same(jp[n].grad, p.grad, 1e-4, 1e-5, where=n + ": ")


# NOTE: initial states are given in every other case (each pair would double compile time).
CASES = [
    ("LSTM", {}, False), ("LSTM", {"num_layers": 2, "bidirectional": True}, True),
    ("LSTM", {"proj_size": 3, "batch_first": True}, True),
    ("LSTM", {"num_layers": 2, "proj_size": 2, "bidirectional": True, "bias": False}, False),
    ("GRU", {}, True), ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True},
                        False),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bias": False}, True),
]


@pytest.mark.parametrize("cls,kw,with_hx", CASES, ids=[f"{c}-{k}-{h}" for c, k, h in CASES])
def test_recurrent(cls, kw, with_hx):
    jm, tm = build(cls, 4, 5, **kw)
    T, N = 6, 3
    bf = kw.get("batch_first", False)
    x = rnd(N, T, 4) if bf else rnd(T, N, 4)
    jx, tx = pair(x, requires_grad=True)
    jargs, targs = [jx], [tx]
    hs = []
    if with_hx:
        D = 2 if kw.get("bidirectional") else 1
        L = kw.get("num_layers", 1)
        hsz = kw.get("proj_size") or 5
        jh, th = pair(rnd(L * D, N, hsz), requires_grad=True)
        hs.append((jh, th))
        if cls == "LSTM":
            jc, tc = pair(rnd(L * D, N, 5), requires_grad=True)
            hs.append((jc, tc))
            jargs.append((jh, jc))
            targs.append((th, tc))
        else:
            jargs.append(jh)
            targs.append(th)
    jo, jhn = jm(*jargs)
    to, thn = tm(*targs)
    assert_same(jo, to, 1e-5, 1e-5)
    assert_same(jhn, thn, 1e-5, 1e-5)
    g = rnd(*to.shape)
    loss_j = (jo * jtorch.tensor(g)).sum() + first(jhn).sum() * 0.5
    loss_t = (to * torch.tensor(g)).sum() + first(thn).sum() * 0.5
    if cls == "LSTM":
        loss_j = loss_j + jhn[1].sum()
        loss_t = loss_t + thn[1].sum()
    loss_j.backward()
    loss_t.backward()
    assert_same(jx.grad, tx.grad, 1e-4, 1e-5)
    for j, t in hs:
        assert_same(j.grad, t.grad, 1e-4, 1e-5)
    compare_params_grads(jm, tm)


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_unbatched(cls):
    jm, tm = build(cls, 4, 5, num_layers=2)
    jx, tx = pair(rnd(6, 4))
    jo, jh = jm(jx)
    to, th = tm(tx)
    assert_same(jo, to, 1e-5, 1e-5)
    assert_same(jh, th, 1e-5, 1e-5)
    jh0, th0 = pair(rnd(2, 5))
    if cls == "LSTM":
        assert_same(jm(jx, (jh0, jh0))[0], tm(tx, (th0, th0))[0], 1e-5, 1e-5)
    else:
        assert_same(jm(jx, jh0)[0], tm(tx, th0)[0], 1e-5, 1e-5)


@pytest.mark.parametrize("cls,kw", [("LSTM", {"bidirectional": True, "num_layers": 2}),
                                    ("GRU", {"batch_first": True, "bidirectional": True})])
def test_packed_sequence(cls, kw):
    jm, tm = build(cls, 4, 5, **kw)
    bf = kw.get("batch_first", False)
    lens = [3, 6, 1, 4]
    x = rnd(4, 6, 4) if bf else rnd(6, 4, 4)
    jx, tx = pair(x, requires_grad=True)
    jp = JR.pack_padded_sequence(jx, lens, batch_first=bf, enforce_sorted=False)
    tp = TR.pack_padded_sequence(tx, lens, batch_first=bf, enforce_sorted=False)
    assert_same(jp.data, tp.data)
    assert_same(jp.batch_sizes, tp.batch_sizes)
    jo, jh = jm(jp)
    to, th = tm(tp)
    assert isinstance(jo, JR.PackedSequence)
    assert_same(jo.data, to.data, 1e-5, 1e-5)
    assert_same(jh, th, 1e-5, 1e-5)
    jpad, jl = JR.pad_packed_sequence(jo, batch_first=bf)
    tpad, tl = TR.pad_packed_sequence(to, batch_first=bf)
    assert_same(jpad, tpad, 1e-5, 1e-5)
    assert_same(jl, tl)
    jpad.sum().backward()
    tpad.sum().backward()
    assert_same(jx.grad, tx.grad, 1e-4, 1e-5)
    compare_params_grads(jm, tm)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells(cls, batched):
    kw = {"nonlinearity": "relu"} if cls == "RNNCell" and batched else {}
    jm, tm = build(cls, 4, 5, **kw)
    shp = (3,) if batched else ()
    jx, tx = pair(rnd(*shp, 4), requires_grad=True)
    jh, th = pair(rnd(*shp, 5), requires_grad=True)
    if cls == "LSTMCell":
        jc, tc = pair(rnd(*shp, 5), requires_grad=True)
        jo, to = jm(jx, (jh, jc)), tm(tx, (th, tc))
        assert_same(jo, to, 1e-5, 1e-5)
        (jo[0].sum() + jo[1].sum()).backward()
        (to[0].sum() + to[1].sum()).backward()
        assert_same(jc.grad, tc.grad, 1e-4, 1e-5)
    else:
        jo, to = jm(jx, jh), tm(tx, th)
        assert_same(jo, to, 1e-5, 1e-5)
        jo.sum().backward()
        to.sum().backward()
    assert_same(jx.grad, tx.grad, 1e-4, 1e-5)
    assert_same(jh.grad, th.grad, 1e-4, 1e-5)
    compare_params_grads(jm, tm)
    assert_same(first(jm(jx)), first(tm(tx)), 1e-5, 1e-5)  # default zero state


def test_errors():
    jm, tm = build("LSTM", 4, 5)
    for shape in [(2, 3, 3), (1, 2, 3, 4)]:
        jx, tx = pair(rnd(*shape))
        assert_same_raise(lambda: jm(jx), lambda: tm(tx))
    jx, tx = pair(rnd(6, 3, 4))
    jh, th = pair(rnd(1, 2, 5))
    assert_same_raise(lambda: jm(jx, (jh, jh)), lambda: tm(tx, (th, th)))
    jg, tg = build("GRU", 4, 5)
    assert_same_raise(lambda: jg(jx, jh), lambda: tg(tx, th))
    for kw in [{"proj_size": 5}, {"proj_size": -1}, {"dropout": 2.0}]:
        with pytest.raises(ValueError):
            jnn.LSTM(4, 5, **kw)
        with pytest.raises(ValueError):
            tnn.LSTM(4, 5, **kw)
    with pytest.raises(ValueError):
        jnn.GRU(4, 5, proj_size=2)
    with pytest.raises(ValueError):
        jnn.RNN(4, 5, nonlinearity="gelu")
    with pytest.warns(UserWarning, match="dropout option adds dropout"):
        jnn.GRU(4, 5, dropout=0.5)
    jc, tc = build("GRUCell", 4, 5)
    jx, tx = pair(rnd(2, 3, 4))
    assert_same_raise(lambda: jc(jx), lambda: tc(tx))


def test_dropout_between_layers():
    m = jnn.LSTM(4, 8, num_layers=2, dropout=0.5)
    x = jtorch.randn(5, 2, 4)
    m.eval()
    a = m(x)[0].detach().numpy()
    assert (a == m(x)[0].detach().numpy()).all()
    m.train()
    b = m(x)[0].detach().numpy()
    assert not np.allclose(a, b)


def test_init_distribution():
    jtorch.manual_seed(0)
    m = jnn.GRU(16, 64, num_layers=2)
    bound = 1 / np.sqrt(64)
    for n, p in m.named_parameters():
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.9 * bound, n
    assert abs(m.weight_ih_l1.detach().numpy().std() - bound / np.sqrt(3)) < 0.01


def test_pad_pack_utils():
    seqs = [rnd(3, 2), rnd(5, 2), rnd(1, 2)]
    js = [jtorch.tensor(s, requires_grad=True) for s in seqs]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    for kw in [{}, {"batch_first": True, "padding_value": -1.0},
               {"batch_first": True, "padding_side": "left"}]:
        assert_same(JR.pad_sequence(js, **kw), TR.pad_sequence(ts, **kw))
    jp, tp = JR.pack_sequence(js, enforce_sorted=False), TR.pack_sequence(ts, enforce_sorted=False)
    for a, b in zip(jp, tp):
        assert_same(a, b)
    jpad, jl = JR.pad_packed_sequence(jp, total_length=7)
    tpad, tl = TR.pad_packed_sequence(tp, total_length=7)
    assert_same(jpad, tpad)
    assert_same(jl, tl)
    (jpad * jpad).sum().backward()
    (tpad * tpad).sum().backward()
    for a, b in zip(js, ts):
        assert_same(a.grad, b.grad)
    for a, b in zip(JR.unpack_sequence(jp), TR.unpack_sequence(tp)):
        assert_same(a, b)
    assert_same_raise(lambda: JR.pack_sequence(js), lambda: TR.pack_sequence(ts))
    assert_same_raise(lambda: JR.pad_packed_sequence(jp, total_length=2),
                      lambda: TR.pad_packed_sequence(tp, total_length=2))
