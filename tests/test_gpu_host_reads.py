"""Eager training ops on an accelerator never read device values back to the host.

On a GPU, reading a device array on the host (np.asarray, float(), .item(), bool(), ...) waits
for all queued work (1-2 ms a call on an H200). torch's CUDA kernels check values on the device
(device-side asserts), so jtorch must not read them back either, except where torch itself
syncs (data-dependent output shapes: nonzero, one_hot(num_classes=-1), ...).

Emulation: JAX gets two CPU devices; device 1 stands in for the GPU (jtorch._device's
_ACCELERATORS), every tensor of the run lives there, and host reads of device-1 arrays are
recorded by patching jax.Array's conversions and NumPy's array constructors (a CPU array reaches
NumPy through the buffer protocol, without Array.__array__). Values must equal a run on
device 0.
"""
import pytest

from _harness import run_on_two_cpu_devices

_SCRIPT = r'''
import traceback
import jax
import numpy as np
from jax._src import array as _ja
import jtorch as torch
import jtorch.nn as nn
import jtorch.nn.functional as F
from jtorch import _device as DEV

GROUP = "@GROUP@"
D0, D1 = jax.devices("cpu")[:2]
READS = []
ON = [False]


def _note(a):
    if ON[0] and isinstance(a, jax.Array) and not isinstance(a, jax.core.Tracer) \
            and D1 in a.devices():
        READS.append("".join(traceback.format_stack(limit=9)[:-2]))


def _wrap_method(name):
    orig = getattr(_ja.ArrayImpl, name)

    def f(self, *a, **k):
        _note(self)
        return orig(self, *a, **k)
    setattr(_ja.ArrayImpl, name, f)


for _n in ("__array__", "item", "__float__", "__int__", "__bool__", "__index__", "tolist"):
    _wrap_method(_n)
_value = _ja.ArrayImpl._value


def _value_get(self):
    _note(self)
    return _value.fget(self)


_ja.ArrayImpl._value = property(_value_get)


def _wrap_fn(mod, name):
    orig = getattr(mod, name)

    def f(x, *a, **k):
        for leaf in jax.tree_util.tree_leaves(x):
            _note(leaf)
        return orig(x, *a, **k)
    setattr(mod, name, f)


for _n in ("asarray", "array", "asanyarray", "ascontiguousarray"):
    _wrap_fn(np, _n)
_wrap_fn(jax, "device_get")


def use(dev, idx):
    """Create every tensor on `dev` ('cpu' means it, and so does JAX's default device)."""
    DEV._CURRENT["cpu"] = idx
    jax.config.update("jax_default_device", dev)


def R(*s, rg=False):
    return torch.randn(*s).requires_grad_(rg)


def I(hi, *s):
    return torch.randint(0, hi, s)


def step(out, name, fn, *leaves):
    """Run fn, recording host reads; backward through its first output when that needs grad;
    keep the outputs and the leaves' gradients in `out`."""
    ON[0] = True
    try:
        r = fn()
        rs = r if isinstance(r, tuple) else (r,)
        if rs[0].requires_grad:
            rs[0].float().sum().backward()
    finally:
        ON[0] = False
    for k, t in enumerate(rs):
        out[f"{name}[{k}]"] = t
    for k, t in enumerate(leaves):
        out[f"{name}.grad{k}"] = t.grad
        t.grad = None


def embed_loss(out):
    emb = nn.Embedding(10, 4, padding_idx=0)
    i35 = I(10, 3, 5)
    step(out, "Embedding", lambda: emb(i35), emb.weight)
    w = R(10, 4, rg=True)
    step(out, "embedding", lambda: F.embedding(i35, w, padding_idx=2), w)
    step(out, "embedding_bag", lambda: F.embedding_bag(I(10, 8), w, torch.tensor([0, 3, 5])), w)
    i7 = I(5, 7)
    step(out, "one_hot", lambda: F.one_hot(i7, num_classes=5))
    x = R(6, 5, rg=True)
    t6 = I(5, 6)
    cw = torch.rand(5)
    probs = R(6, 5).softmax(-1)
    step(out, "ce_ignore", lambda: F.cross_entropy(x, t6, ignore_index=2), x)
    step(out, "ce_smooth", lambda: F.cross_entropy(x, t6, label_smoothing=0.1, weight=cw,
                                                   ignore_index=1), x)
    step(out, "ce_probs", lambda: F.cross_entropy(x, probs, label_smoothing=0.2), x)
    x3 = R(2, 5, 3, rg=True)
    step(out, "ce_3d", lambda: F.cross_entropy(x3, I(5, 2, 3)), x3)
    step(out, "nll", lambda: F.nll_loss(F.log_softmax(x, -1), t6, weight=cw), x)
    y = torch.rand(6, 5)
    step(out, "bce", lambda: F.binary_cross_entropy(torch.sigmoid(x), y), x)
    step(out, "bce_logits", lambda: F.binary_cross_entropy_with_logits(x, y, pos_weight=cw), x)
    step(out, "mse", lambda: F.mse_loss(x, y), x)
    step(out, "smooth_l1", lambda: F.smooth_l1_loss(x, y, beta=0.5), x)
    step(out, "kl_div", lambda: F.kl_div(F.log_softmax(x, -1), probs, reduction="batchmean"), x)
    xm = R(3, 4, rg=True)
    step(out, "multilabel_margin",
         lambda: F.multilabel_margin_loss(xm, torch.tensor([[3, 0, -1, 1]] * 3)), xm)


def norm_misc(out):
    x = R(6, 5, rg=True)
    ln = nn.LayerNorm(5)
    step(out, "LayerNorm", lambda: ln(x), x, ln.weight, ln.bias)
    for cls, shape in ((nn.BatchNorm1d, (4, 5)), (nn.BatchNorm2d, (2, 5, 3, 3))):
        bn = cls(5)
        xb = R(*shape, rg=True)
        step(out, cls.__name__ + ".train", lambda: bn(xb), xb, bn.weight)
        out[cls.__name__ + ".running_mean"] = bn.running_mean.clone()
        bn.eval()
        step(out, cls.__name__ + ".eval", lambda: bn(xb), xb, bn.weight)
    gn = nn.GroupNorm(2, 4)
    xg = R(2, 4, 3, rg=True)
    step(out, "GroupNorm", lambda: gn(xg), xg, gn.weight)
    step(out, "rms_norm", lambda: F.rms_norm(x, (5,), torch.ones(5)), x)
    step(out, "dropout", lambda: F.dropout(x, 0.3, training=True), x)
    step(out, "where", lambda: torch.where(x > 0, x, torch.zeros(6, 5)), x)
    step(out, "clamp", lambda: x.clamp(-0.5, 0.5), x)
    step(out, "clamp_t", lambda: x.clamp(min=torch.zeros(5)), x)
    step(out, "cumsum", lambda: torch.cumsum(x, 1), x)
    step(out, "topk", lambda: torch.topk(x, 2), x)
    step(out, "sort", lambda: torch.sort(x, 1), x)
    step(out, "argmax", lambda: torch.argmax(x, 1))
    step(out, "max_dim", lambda: torch.max(x, 1), x)


def attn_rnn(out):
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    xa = R(2, 3, 8, rg=True)
    causal = torch.ones(3, 3).triu(1).bool()
    step(out, "mha", lambda: mha(xa, xa, xa, attn_mask=causal,
                                 key_padding_mask=torch.zeros(2, 3).bool()),
         xa, mha.in_proj_weight)
    q = R(2, 2, 3, 4, rg=True)
    step(out, "sdpa_causal", lambda: F.scaled_dot_product_attention(q, q, q, is_causal=True), q)
    step(out, "sdpa_mask", lambda: F.scaled_dot_product_attention(
        q, q, q, attn_mask=torch.ones(3, 3).tril().bool()), q)
    xl = R(2, 3, 4, rg=True)
    lstm = nn.LSTM(4, 6, batch_first=True)
    step(out, "LSTM", lambda: lstm(xl)[0], xl, lstm.weight_ih_l0)
    gru = nn.GRU(4, 6, batch_first=True)
    step(out, "GRU", lambda: gru(xl)[0], xl, gru.weight_hh_l0)


def conv_pool(out):
    c1 = nn.Conv1d(3, 4, 3, padding=1)
    xc1 = R(2, 3, 8, rg=True)
    step(out, "Conv1d", lambda: c1(xc1), xc1, c1.weight)
    c2 = nn.Conv2d(3, 4, 3, stride=2)
    xc = R(2, 3, 8, 8, rg=True)
    step(out, "Conv2d", lambda: c2(xc), xc, c2.weight)
    step(out, "max_pool2d", lambda: F.max_pool2d(xc, 2, return_indices=True), xc)
    step(out, "avg_pool2d", lambda: F.avg_pool2d(xc, 2), xc)
    step(out, "max_pool1d", lambda: F.max_pool1d(xc1, 2), xc1)
    step(out, "interp_nearest", lambda: F.interpolate(xc, scale_factor=2, mode="nearest"), xc)
    step(out, "interp_bilinear", lambda: F.interpolate(xc, size=(5, 5), mode="bilinear"), xc)


def index_ops(out):
    x = R(4, 5, rg=True)
    idx = I(5, 4, 3)
    rows = I(4, 3)
    src = R(4, 3, rg=True)
    step(out, "gather", lambda: torch.gather(x, 1, idx), x)
    step(out, "scatter_add", lambda: torch.zeros(4, 5).scatter_add(1, idx, src), src)
    step(out, "index_select", lambda: torch.index_select(x, 0, rows), x)
    step(out, "take_along_dim", lambda: torch.take_along_dim(x, idx, 1), x)
    step(out, "getitem", lambda: x[rows], x)
    step(out, "getitem2", lambda: x[rows, I(5, 3)], x)
    step(out, "index_add", lambda: torch.zeros(4, 5).index_add(0, rows, torch.ones(3, 5)))


def list_index_ops(out):
    """Python-list indices: checked on the host (their values are host values), never read."""
    def step(name, fn, *leaves):
        ON[0] = True
        try:
            r = fn()
            if r is not None and r.requires_grad:
                r.sum().backward()
        finally:
            ON[0] = False
        out[name] = r
        for k, t in enumerate(leaves):
            out[f"{name}.grad{k}"] = t.grad
            t.grad = None

    x = torch.randn(4, 5).requires_grad_(True)
    y = torch.randn(4, 5)
    v = torch.randn(2, 5)
    step("rows", lambda: x[[3, 0]], x)
    step("cols", lambda: x[:, [1, 3, -1]], x)
    step("pairs", lambda: x[[0, 1], [2, 3]], x)
    step("int_list", lambda: x[2, [4, 0]], x)
    step("mask_list", lambda: x[[True, False, True, True]], x)
    step("setitem", lambda: y.__setitem__([1, 2], v))
    step("setitem_pairs", lambda: y.__setitem__(([0, 3], [4, 4]), 2.5))
    out["y"] = y


def run(dev, idx):
    use(dev, idx)
    torch.manual_seed(0)
    out = {}
    globals()[GROUP](out)
    res = {}
    for k, t in out.items():
        if t is None:
            res[k] = None
            continue
        a = t.detach()._arr()
        assert a.devices() == {dev}, (k, a.devices(), dev)
        res[k] = np.asarray(a)
    return res


ref = run(D0, 0)
DEV._ACCELERATORS.add(D1)
got = run(D1, 1)
assert not READS, f"{len(READS)} host read(s) of device-1 arrays; first:\n" + READS[0]
assert ref.keys() == got.keys()
for k in ref:
    if ref[k] is None:
        assert got[k] is None, k
    else:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)

if GROUP == "embed_loss":
    # Off the CPU, bad values are not checked (torch: a device-side assert); on the CPU they
    # still raise torch's errors.
    w = torch.arange(12.0).reshape(4, 3)
    bad = torch.tensor([0, 5])
    assert np.isnan(np.asarray(F.embedding(bad, w)._arr()[1])).all()
    assert np.isnan(np.asarray(F.cross_entropy(torch.zeros(2, 4), bad)._arr()))
    assert np.asarray(F.one_hot(bad, 4)._arr())[1].sum() == 0
    assert F.one_hot(torch.tensor([0, 6])).shape == (2, 7)  # torch reads the max back too
    use(D0, 0)
    for fn, exc in ((lambda: F.embedding(torch.tensor([0, 5]), torch.zeros(4, 3)), IndexError),
                    (lambda: F.cross_entropy(torch.zeros(2, 4), torch.tensor([0, 5])),
                     IndexError),
                    (lambda: F.one_hot(torch.tensor([0, 5]), 4), RuntimeError)):
        try:
            fn()
        except exc:
            pass
        else:
            raise AssertionError("no error on the CPU")
print("OK")
'''


@pytest.mark.parametrize("group", ["embed_loss", "norm_misc", "attn_rnn", "conv_pool"])
def test_training_ops_do_not_read_accelerator_values_back(group):
    run_on_two_cpu_devices(_SCRIPT.replace("@GROUP@", group))


def test_list_indexing_does_not_read_accelerator_values_back():
    run_on_two_cpu_devices(_SCRIPT.replace("@GROUP@", "list_index_ops"))


def test_index_ops_do_not_read_accelerator_values_back():
    run_on_two_cpu_devices(_SCRIPT.replace("@GROUP@", "index_ops"))
