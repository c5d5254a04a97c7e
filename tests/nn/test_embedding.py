"""embedding, embedding_bag, one_hot and the Embedding layers vs torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import jtorch
import jtorch.nn.functional as JF
from _harness import assert_same, assert_same_raise, pair
from ._fn_harness import arr, check_fn, check_layer

W = arr((6, 3), 7)
IDX2 = np.array([[1, 2, 0], [4, 2, 2]])
IDX1 = np.array([1, 2, 0, 4, 2, 2, 5])


def _emb(F, pos=True):
    return lambda w, i, *rest, **kw: F(i, w, *rest, **kw)


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"scale_grad_by_freq": True,
                                                           "padding_idx": -6}])
def test_embedding(kw):
    check_fn(_emb(JF.embedding), _emb(TF.embedding), [W, IDX2], **kw)


def test_embedding_max_norm_renorms_in_place():
    jw, tw = pair(W.copy())
    TF.embedding(torch.tensor([1, 3, 1]), tw, max_norm=1.0)
    JF.embedding(jtorch.tensor([1, 3, 1]), jw, max_norm=1.0)
    assert_same(jw, tw)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    eb = (lambda F: lambda w, i, *r, **kw: F.embedding_bag(i, w, *r, mode=mode, **kw))
    check_fn(eb(JF), eb(TF), [W, IDX1, np.array([0, 2, 2, 5])], padding_idx=2, grad_fn=False)
    check_fn(eb(JF), eb(TF), [W, IDX1, np.array([0, 2, 2, 7])], include_last_offset=True,
             grad_fn=False)
    check_fn(eb(JF), eb(TF), [W, IDX2])


def test_embedding_bag_per_sample_weights():
    eb = (lambda F: lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum",
                                                        per_sample_weights=p))
    check_fn(eb(JF), eb(TF), [W, IDX1, np.array([0, 3, 3]), arr((7,), 3)])


def test_one_hot():
    a = np.array([[1, 0], [3, 2]])
    check_fn(JF.one_hot, TF.one_hot, [a], grad=False)
    check_fn(JF.one_hot, TF.one_hot, [a], 6, grad=False)
    check_fn(JF.one_hot, TF.one_hot, [np.zeros((0,), np.int64)], 3, grad=False)


ERRS = [
    lambda F, t, w: F.embedding(t([6]), w),
    lambda F, t, w: F.embedding(t([-1]), w),
    lambda F, t, w: F.embedding(t([1.0]), w),
    lambda F, t, w: F.embedding(t([1]), w, padding_idx=6),
    lambda F, t, w: F.one_hot(t([3]), 2),
    lambda F, t, w: F.one_hot(t([-1]), 2),
    lambda F, t, w: F.one_hot(t([1.0]), 2),
    lambda F, t, w: F.one_hot(t([], dtype=None).long()),
    lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([1])),
    lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([0]), mode="foo"),
    lambda F, t, w: F.embedding_bag(t([[1, 2]]), w, t([0])),
    lambda F, t, w: F.embedding_bag(t([1, 2]), w),
    lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([0]), mode="mean",
                                    per_sample_weights=t([1.0, 2.0])),
]


@pytest.mark.parametrize("i", range(len(ERRS)))
def test_embedding_errors(i):
    jw, tw = pair(W)
    assert_same_raise(lambda: ERRS[i](JF, jtorch.tensor, jw), lambda: ERRS[i](TF, torch.tensor, tw))


# ---- layers ------------------------------------------------------------------------------------

def test_embedding_layer():
    idx = np.array([[1, 2, 0], [4, 2, 2]])
    for kw in [{}, {"padding_idx": 2}, {"padding_idx": -1, "max_norm": 1.0},
               {"scale_grad_by_freq": True, "norm_type": 1.0}]:
        check_layer(jtorch.nn.Embedding, torch.nn.Embedding, (6, 3), kw, inputs=[idx])
    jm, tm = jtorch.nn.Embedding(50, 40, padding_idx=3), torch.nn.Embedding(50, 40, padding_idx=3)
    a = np.asarray(jm.weight.detach()._arr())
    assert (a[3] == 0).all() and abs(a.std() - 1) < 0.1 and abs(a.mean()) < 0.1  # N(0, 1)


def test_embedding_from_pretrained():
    jw, tw = pair(W)
    jm, tm = jtorch.nn.Embedding.from_pretrained(jw), torch.nn.Embedding.from_pretrained(tw)
    assert repr(jm) == repr(tm) and jm.weight.requires_grad is tm.weight.requires_grad is False
    assert_same(jm(jtorch.tensor([1, 5])), tm(torch.tensor([1, 5])))
    jm = jtorch.nn.Embedding.from_pretrained(jw, freeze=False, padding_idx=1)
    tm = torch.nn.Embedding.from_pretrained(tw, freeze=False, padding_idx=1)
    assert repr(jm) == repr(tm) and jm.weight.requires_grad
    jb = jtorch.nn.EmbeddingBag.from_pretrained(jw, mode="max")
    tb = torch.nn.EmbeddingBag.from_pretrained(tw, mode="max")
    assert repr(jb) == repr(tb) and jb.weight.requires_grad is False
    assert_same(jb(jtorch.tensor([[1, 5], [0, 2]])), tb(torch.tensor([[1, 5], [0, 2]])))
    assert_same_raise(lambda: jtorch.nn.Embedding.from_pretrained(jtorch.ones(3)),
                      lambda: torch.nn.Embedding.from_pretrained(torch.ones(3)))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_layer(mode):
    check_layer(jtorch.nn.EmbeddingBag, torch.nn.EmbeddingBag, (6, 3),
                dict(mode=mode, padding_idx=2), inputs=[IDX1, np.array([0, 2, 2, 5])])
    check_layer(jtorch.nn.EmbeddingBag, torch.nn.EmbeddingBag, (6, 3),
                dict(mode=mode, include_last_offset=True),
                inputs=[IDX1, np.array([0, 2, 2, 7])])
