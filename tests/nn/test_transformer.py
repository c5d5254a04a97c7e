"""Transformer and its encoder/decoder layers vs torch (state_dict copied into jtorch)."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn

import jtorch
import jtorch.nn as jnn
from _harness import assert_same, assert_same_raise, pair, require, to_jt

R = np.random.default_rng(0)
E, H, FF = 8, 2, 16
# NOTE: both libraries warn (same condition) when a bool padding mask meets a float causal mask.
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")


def rnd(*shape):
    return R.standard_normal(shape).astype(np.float32)


@pytest.fixture(autouse=True)
def _needs_layers():
    require(jnn, "LayerNorm", "the normalization engineer")
    require(jnn, "Dropout", "the dropout engineer")


def build(cls, *args, **kw):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = getattr(tnn, cls)(*args, **kw)
        jm = getattr(jnn, cls)(*args, **kw)
    assert repr(jm) == repr(tm)
    assert list(jm.state_dict()) == list(tm.state_dict())
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    # NOTE: dropout is off (eval) and parameters require grad, so torch takes its reference
    # path (its fused inference fast path needs grad disabled).
    jm.eval()
    tm.eval()
    return jm, tm


def check_grads(jm, tm, jins, tins):
    for i, (j, t) in enumerate(zip(jins, tins)):
        assert_same(j.grad, t.grad, 1e-4, 1e-5, where=f"input {i}: ")
    jp = dict(jm.named_parameters())
    for n, p in tm.named_parameters():
        assert_same(jp[n].grad, p.grad, 1e-4, 1e-5, where=n + ": ")


ENC = [{}, {"norm_first": True, "activation": "gelu"}, {"batch_first": True, "bias": False}]


@pytest.mark.parametrize("kw", ENC, ids=[str(k) for k in ENC])
def test_encoder_layer_and_stack(kw):
    jl, tl = build("TransformerEncoderLayer", E, H, FF, 0.0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, jm = tnn.TransformerEncoder(tl, 2), jnn.TransformerEncoder(jl, 2)
    assert repr(jm) == repr(tm)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    bf = kw.get("batch_first", False)
    x = rnd(3, 5, E) if bf else rnd(5, 3, E)
    (jx, tx) = pair(x, requires_grad=True)
    mask = tnn.Transformer.generate_square_subsequent_mask(5)
    jmask = jnn.Transformer.generate_square_subsequent_mask(5)
    assert_same(jmask, mask)
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    jk, tk = pair(kpm)
    jo = jm(jx, mask=jmask, src_key_padding_mask=jk)
    to = tm(tx, mask=mask, src_key_padding_mask=tk)
    assert_same(jo, to, 1e-4, 1e-5)
    g = rnd(*to.shape)
    (jo * jtorch.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    check_grads(jm, tm, [jx], [tx])
    assert_same(jl(jx), tl(tx), 1e-4, 1e-5)


@pytest.mark.parametrize("kw", [{}, {"norm_first": True, "batch_first": True}])
def test_decoder(kw):
    jl, tl = build("TransformerDecoderLayer", E, H, FF, 0.0, **kw)
    torch.manual_seed(1)
    tm = tnn.TransformerDecoder(tl, 2, norm=tnn.LayerNorm(E))
    jm = jnn.TransformerDecoder(jl, 2, norm=jnn.LayerNorm(E))
    assert repr(jm) == repr(tm)
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    bf = kw.get("batch_first", False)
    t, m = (rnd(2, 4, E), rnd(2, 6, E)) if bf else (rnd(4, 2, E), rnd(6, 2, E))
    (jt, tt), (jmem, tmem) = pair(t, requires_grad=True), pair(m, requires_grad=True)
    mk = np.zeros((2, 6), bool)
    mk[0, 4:] = True
    jk, tk = pair(mk)
    jo = jm(jt, jmem, tgt_mask=jnn.Transformer.generate_square_subsequent_mask(4),
            memory_key_padding_mask=jk, tgt_is_causal=True)
    to = tm(tt, tmem, tgt_mask=tnn.Transformer.generate_square_subsequent_mask(4),
            memory_key_padding_mask=tk, tgt_is_causal=True)
    assert_same(jo, to, 1e-4, 1e-5)
    jo.sum().backward()
    to.sum().backward()
    check_grads(jm, tm, [jt, jmem], [tt, tmem])


def test_transformer_full():
    jm, tm = build("Transformer", d_model=E, nhead=H, num_encoder_layers=2,
                   num_decoder_layers=1, dim_feedforward=FF, dropout=0.0)
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    (js, ts), (jt, tt) = pair(rnd(5, 2, E), requires_grad=True), pair(rnd(3, 2, E),
                                                                        requires_grad=True)
    jo = jm(js, jt, tgt_mask=jm.generate_square_subsequent_mask(3))
    to = tm(ts, tt, tgt_mask=tm.generate_square_subsequent_mask(3))
    assert_same(jo, to, 1e-4, 1e-5)
    jo.sum().backward()
    to.sum().backward()
    check_grads(jm, tm, [js, jt], [ts, tt])
    ju, tu = pair(rnd(5, E)), pair(rnd(3, E))
    assert_same(jm(ju[0], tu[0]), tm(ju[1], tu[1]), 1e-4, 1e-5)  # unbatched
    jb, tb = pair(rnd(5, 3, E))
    assert_same_raise(lambda: jm(js, jb), lambda: tm(ts, tb))
    jc, tc = pair(rnd(5, 2, E + 1))
    assert_same_raise(lambda: jm(jc, jt), lambda: tm(tc, tt))


def test_init_and_errors():
    jtorch.manual_seed(0)
    with pytest.warns(UserWarning, match="enable_nested_tensor is True"):  # as torch does
        m = jnn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                            dim_feedforward=32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        jnn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.warns(UserWarning, match="enable_nested_tensor is True"):
        jnn.TransformerEncoder(jnn.TransformerEncoderLayer(8, 2), 1)


def test_dropout_train_mode():
    m = jnn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = jtorch.randn(4, 2, 8)
    m.train()
    a = m(x).detach().numpy()
    b = m(x).detach().numpy()
    assert not np.allclose(a, b)
    m.eval()
    assert np.allclose(m(x).detach().numpy(), m(x).detach().numpy())
