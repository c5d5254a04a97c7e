"""torch.nn.utils.prune vs torch: masks, reparametrization, history, state_dict, remove, errors."""
import copy

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_error, assert_same_raise, make_array, pair, to_jt

import jtorch.nn.utils.prune as jp  # noqa: E402
import torch.nn.utils.prune as tp  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def mod_pair(kind="linear", seed=0):
    """(jtorch module, torch module) with the same tie-free random weights."""
    if kind == "linear":
        tm, jm = torch.nn.Linear(6, 4), jtorch.nn.Linear(6, 4)
    else:
        tm, jm = torch.nn.Conv2d(3, 5, 3), jtorch.nn.Conv2d(3, 5, 3)
    with torch.no_grad():
        for i, p in enumerate(tm.parameters()):
            p.copy_(torch.from_numpy(make_array(tuple(p.shape), seed=seed + i, low=-1, high=1)))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    return jm, tm


def same_state(jm, tm):
    """Same parameter names, buffer names, state_dict keys (in order) and values."""
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in jm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    js, ts = jm.state_dict(), tm.state_dict()
    assert list(js) == list(ts)
    for k in ts:
        assert_same(js[k], ts[k], **TOL, where=k + ": ")


def forward_backward_same(jm, tm, shape):
    """Forward output and gradients of every parameter equal torch's."""
    j, t = pair(make_array(shape, seed=7, low=-1, high=1))
    jo, to = jm(j), tm(t)
    assert_same(jo, to, **TOL)
    (jo * jo).sum().backward()
    (to * to).sum().backward()
    tps = dict(tm.named_parameters())
    for n, p in jm.named_parameters():
        assert_same(p.grad, tps[n].grad, **TOL, where=n + ".grad: ")


@pytest.mark.parametrize("amount", [3, 0.4, 0, 1.0])
def test_l1_unstructured_mask_state_and_grads(amount):
    jm, tm = mod_pair()
    assert jp.l1_unstructured(jm, "weight", amount=amount) is jm
    tp.l1_unstructured(tm, "weight", amount=amount)
    same_state(jm, tm)
    assert_same(jm.weight, tm.weight, **TOL)
    assert type(jm.weight) is jtorch.Tensor and "weight" not in jm._parameters
    hooks = list(jm._forward_pre_hooks.values())
    assert [type(h).__name__ for h in hooks] == \
        [type(h).__name__ for h in tm._forward_pre_hooks.values()] == ["L1Unstructured"]
    assert hooks[0]._tensor_name == "weight" and hooks[0].amount == amount
    forward_backward_same(jm, tm, (2, 6))
    assert jp.is_pruned(jm) and tp.is_pruned(tm)


def test_pruned_weight_follows_orig_in_forward():
    jm, tm = mod_pair()
    jp.l1_unstructured(jm, "weight", amount=5)
    tp.l1_unstructured(tm, "weight", amount=5)
    with torch.no_grad():
        tm.weight_orig.mul_(-2.0)
    with jtorch.no_grad():
        jm.weight_orig.mul_(-2.0)
    forward_backward_same(jm, tm, (3, 6))
    # a pruned checkpoint loads into a pruned module; the hook recomputes `weight` from it
    with torch.no_grad():
        tm.weight_orig.add_(0.5)
        tm.weight_mask[0].zero_()
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    tm.zero_grad(), jm.zero_grad()
    forward_backward_same(jm, tm, (3, 6))
    assert_same(jm.weight, tm.weight, **TOL)
    assert_same(jm.weight, tm.weight, **TOL)


def test_l1_unstructured_ties_count():
    tm, jm = torch.nn.Linear(4, 3), jtorch.nn.Linear(4, 3)
    w = np.array([[1, 1, 2, 2], [1, 3, 3, 1], [2, 1, 1, 4]], dtype=np.float32)
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(w))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    tp.l1_unstructured(tm, "weight", amount=4)
    jp.l1_unstructured(jm, "weight", amount=4)
    jmask, tmask = jm.weight_mask.numpy(), tm.weight_mask.numpy()
    assert jmask.sum() == tmask.sum() == 8
    # NOTE: with ties torch's choice among equal |w| is unspecified; the pruned ones are all 1s
    assert (np.abs(w)[jmask == 0] == 1).all() and (np.abs(w)[tmask == 0] == 1).all()


def test_importance_scores():
    jm, tm = mod_pair(seed=3)
    s = make_array((4, 6), seed=11)
    jp.l1_unstructured(jm, "weight", amount=0.5, importance_scores=to_jt(s))
    tp.l1_unstructured(tm, "weight", amount=0.5, importance_scores=torch.from_numpy(s))
    same_state(jm, tm)
    jm2, tm2 = mod_pair(kind="conv")
    s2 = make_array((5, 3, 3, 3), seed=12)
    jp.ln_structured(jm2, "weight", amount=2, n=2, dim=0, importance_scores=to_jt(s2))
    tp.ln_structured(tm2, "weight", amount=2, n=2, dim=0, importance_scores=torch.from_numpy(s2))
    same_state(jm2, tm2)
    assert_same_error(
        lambda: jp.l1_unstructured(mod_pair()[0], "weight", 2, importance_scores=jtorch.ones(3)),
        lambda: tp.l1_unstructured(mod_pair()[1], "weight", 2, importance_scores=torch.ones(3)))


@pytest.mark.parametrize("n,dim,amount", [(1, 0, 2), (2, 1, 0.34), (float("inf"), -1, 1),
                                          (float("-inf"), 0, 0.5), ("fro", 2, 1), (3, 0, 0)])
def test_ln_structured(n, dim, amount):
    jm, tm = mod_pair(kind="conv", seed=5)
    if n == "fro":
        # NOTE: torch.norm's 'fro' over 3 dims is a matrix_norm error in torch too
        f = (lambda lib, m: lib.ln_structured(m, "weight", amount=amount, n=n, dim=dim))
        assert_same_error(lambda: f(jp, jm), lambda: f(tp, tm))
        jm, tm = mod_pair(seed=5)
        dim = 1
    jp.ln_structured(jm, "weight", amount=amount, n=n, dim=dim)
    tp.ln_structured(tm, "weight", amount=amount, n=n, dim=dim)
    same_state(jm, tm)
    forward_backward_same(jm, tm, (2, 6) if n == "fro" else (1, 3, 5, 5))


def test_iterative_pruning_container():
    jm, tm = mod_pair(kind="conv", seed=9)
    for lib, m in ((jp, jm), (tp, tm)):
        lib.l1_unstructured(m, "weight", amount=0.3)
        lib.ln_structured(m, "weight", amount=1, n=2, dim=0)
        lib.l1_unstructured(m, "weight", amount=10)
        lib.ln_structured(m, "weight", amount=0.25, n=1, dim=1)
        lib.l1_unstructured(m, "bias", amount=2)
    same_state(jm, tm)
    jh, th = list(jm._forward_pre_hooks.values()), list(tm._forward_pre_hooks.values())
    assert [type(h).__name__ for h in jh] == [type(h).__name__ for h in th]
    assert isinstance(jh[0], jp.PruningContainer) and len(jh[0]) == len(th[0]) == 4
    assert [type(h).__name__ for h in jh[0]] == [type(h).__name__ for h in th[0]]
    assert isinstance(jh[0][1], jp.LnStructured)
    forward_backward_same(jm, tm, (2, 3, 4, 4))


def test_custom_from_mask_and_identity():
    jm, tm = mod_pair()
    mask = make_array((4,), "bool", seed=2)
    jp.custom_from_mask(jm, "bias", mask=to_jt(mask))
    tp.custom_from_mask(tm, "bias", mask=torch.from_numpy(mask))
    jp.identity(jm, "weight")
    tp.identity(tm, "weight")
    jp.custom_from_mask(jm, "bias", mask=to_jt(np.array([1, 0, 1, 1], np.float32)))
    tp.custom_from_mask(tm, "bias", mask=torch.tensor([1.0, 0, 1, 1]))
    same_state(jm, tm)
    forward_backward_same(jm, tm, (2, 6))
    assert_same_error(lambda: jp.custom_from_mask(jm, "weight", mask=jtorch.ones(3)),
                      lambda: tp.custom_from_mask(tm, "weight", mask=torch.ones(3)))


def test_global_unstructured():
    (ja, ta), (jb, tb) = mod_pair(seed=1), mod_pair(kind="conv", seed=4)
    jp.l1_unstructured(jb, "weight", amount=20)
    tp.l1_unstructured(tb, "weight", amount=20)
    jp.global_unstructured([(ja, "weight"), (jb, "weight"), (ja, "bias")],
                           pruning_method=jp.L1Unstructured, amount=0.3)
    tp.global_unstructured([(ta, "weight"), (tb, "weight"), (ta, "bias")],
                           pruning_method=tp.L1Unstructured, amount=0.3)
    same_state(ja, ta)
    same_state(jb, tb)
    assert [type(h).__name__ for h in jb._forward_pre_hooks.values()] == ["PruningContainer"]
    ej, et = assert_same_raise(
        lambda: jp.global_unstructured([(ja, "weight")], jp.RandomStructured, amount=1),
        lambda: tp.global_unstructured([(ta, "weight")], tp.RandomStructured, amount=1))
    assert str(ej).replace("jtorch.", "torch.") == str(et)
    assert_same_error(lambda: jp.global_unstructured([(ja, "weight")], jp.L1Unstructured,
                                                     importance_scores=[1], amount=1),
                      lambda: tp.global_unstructured([(ta, "weight")], tp.L1Unstructured,
                                                     importance_scores=[1], amount=1))
    assert_same_error(lambda: jp.global_unstructured(3, jp.L1Unstructured, amount=1),
                      lambda: tp.global_unstructured(3, tp.L1Unstructured, amount=1))


def test_global_unstructured_importance_scores():
    (ja, ta), (jb, tb) = mod_pair(seed=2), mod_pair(seed=6)
    s = make_array((4, 6), seed=21)
    jp.global_unstructured([(ja, "weight"), (jb, "weight")], jp.L1Unstructured,
                           importance_scores={(ja, "weight"): to_jt(s)}, amount=12)
    tp.global_unstructured([(ta, "weight"), (tb, "weight")], tp.L1Unstructured,
                           importance_scores={(ta, "weight"): torch.from_numpy(s)}, amount=12)
    same_state(ja, ta)
    same_state(jb, tb)


def test_random_unstructured_counts():
    jm, tm = mod_pair(kind="conv")
    jp.random_unstructured(jm, "weight", amount=0.3)
    tp.random_unstructured(tm, "weight", amount=0.3)
    assert int((jm.weight_mask == 0).sum()) == int((tm.weight_mask == 0).sum())
    jp.random_unstructured(jm, "weight", amount=7)
    tp.random_unstructured(tm, "weight", amount=7)
    assert int((jm.weight_mask == 0).sum()) == int((tm.weight_mask == 0).sum())
    assert [n for n, _ in jm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    np.testing.assert_array_equal(jm.weight.detach().numpy(),
                                  (jm.weight_orig * jm.weight_mask).detach().numpy())


@pytest.mark.parametrize("dim,amount", [(0, 2), (1, 0.34), (-1, 1)])
def test_random_structured_structure(dim, amount):
    jm, tm = mod_pair(kind="conv")
    jp.random_structured(jm, "weight", amount=amount, dim=dim)
    tp.random_structured(tm, "weight", amount=amount, dim=dim)
    jmask, tmask = jm.weight_mask.numpy(), tm.weight_mask.numpy()
    assert jmask.sum() == tmask.sum()
    other = tuple(d for d in range(4) if d != dim % 4)
    # NOTE: whole channels: every channel along dim is all ones or all zeros
    for m in (jmask, tmask):
        assert set(m.min(axis=other)) | set(m.max(axis=other)) <= {0.0, 1.0}
        assert (m.min(axis=other) == m.max(axis=other)).all()
    assert (jmask.max(axis=other) == 0).sum() == (tmask.max(axis=other) == 0).sum() > 0


def test_remove_makes_permanent():
    jm, tm = mod_pair(kind="conv", seed=8)
    for lib, m in ((jp, jm), (tp, tm)):
        lib.l1_unstructured(m, "weight", amount=9)
        lib.ln_structured(m, "weight", amount=1, n=1, dim=0)
        lib.l1_unstructured(m, "bias", amount=1)
        assert lib.remove(m, "weight") is m
    same_state(jm, tm)
    assert isinstance(jm.weight, jtorch.nn.Parameter) and "weight" in jm._parameters
    assert [type(h).__name__ for h in jm._forward_pre_hooks.values()] == ["L1Unstructured"]
    jp.remove(jm, "bias")
    tp.remove(tm, "bias")
    same_state(jm, tm)
    assert not jp.is_pruned(jm) and not tp.is_pruned(tm)
    forward_backward_same(jm, tm, (1, 3, 4, 4))
    assert_same_error(lambda: jp.remove(jm, "weight"), lambda: tp.remove(tm, "weight"))


def test_is_pruned_nested_and_deepcopy():
    jm, tm = mod_pair()
    js, ts = jtorch.nn.Sequential(jtorch.nn.ReLU(), jm), torch.nn.Sequential(torch.nn.ReLU(), tm)
    assert jp.is_pruned(js) is tp.is_pruned(ts) is False
    jp.l1_unstructured(jm, "bias", 1)
    tp.l1_unstructured(tm, "bias", 1)
    assert jp.is_pruned(js) is tp.is_pruned(ts) is True
    # NOTE: the pruned tensor is a non-leaf attribute: torch refuses to deepcopy it too
    assert_same_error(lambda: copy.deepcopy(js), lambda: copy.deepcopy(ts))
    with torch.no_grad(), jtorch.no_grad():
        jm(jtorch.ones(1, 6)), tm(torch.ones(1, 6))
    jc, tc = copy.deepcopy(js), copy.deepcopy(ts)
    same_state(jc, tc)
    forward_backward_same(jc, tc, (2, 6))


def test_prune_method_on_tensor():
    j, t = pair(make_array((3, 5), seed=4))
    assert_same(jp.L1Unstructured(amount=6).prune(j), tp.L1Unstructured(amount=6).prune(t))
    jd, td = pair(make_array((3, 5), "bool", seed=1).astype(np.float32))
    assert_same(jp.LnStructured(1, n=2, dim=0).prune(j, default_mask=jd),
                tp.LnStructured(1, n=2, dim=0).prune(t, default_mask=td))
    s = make_array((3, 5), seed=9)
    assert_same(jp.L1Unstructured(0.5).prune(j, importance_scores=to_jt(s)),
                tp.L1Unstructured(0.5).prune(t, importance_scores=torch.from_numpy(s)))
    assert_same_error(lambda: jp.L1Unstructured(2).prune(j, importance_scores=jtorch.ones(2)),
                      lambda: tp.L1Unstructured(2).prune(t, importance_scores=torch.ones(2)))


@pytest.mark.parametrize("amount", [-1, 1.5, -0.1, "a", None])
def test_amount_validation_at_init(amount):
    for cls in ("RandomUnstructured", "L1Unstructured"):
        assert_same_error(lambda: getattr(jp, cls)(amount), lambda: getattr(tp, cls)(amount))
    assert_same_error(lambda: jp.ln_structured(mod_pair()[0], "weight", amount, n=1, dim=0),
                      lambda: tp.ln_structured(mod_pair()[1], "weight", amount, n=1, dim=0))


def test_errors_roll_back_reparametrization():
    jm, tm = mod_pair()
    cases = [
        (lambda m, lib: lib.l1_unstructured(m, "weight", amount=25)),
        (lambda m, lib: lib.random_unstructured(m, "weight", amount=25)),
        (lambda m, lib: lib.ln_structured(m, "bias", amount=1, n=1, dim=0)),
        (lambda m, lib: lib.random_structured(m, "bias", amount=1, dim=0)),
        (lambda m, lib: lib.ln_structured(m, "weight", amount=5, n=1, dim=0)),
        (lambda m, lib: lib.ln_structured(m, "weight", amount=1, n=1, dim=2)),
        (lambda m, lib: lib.random_structured(m, "weight", amount=1, dim=2)),
    ]
    for f in cases:
        assert_same_error(lambda: f(jm, jp), lambda: f(tm, tp))
        same_state(jm, tm)
        assert not jp.is_pruned(jm)
    assert_same_error(lambda: jp.l1_unstructured(jm, "nope", 1),
                      lambda: tp.l1_unstructured(tm, "nope", 1))


def test_container_errors_and_direct_use():
    a, b = jp.L1Unstructured(1), jp.L1Unstructured(2)
    ta, tb = tp.L1Unstructured(1), tp.L1Unstructured(2)
    a._tensor_name, b._tensor_name, ta._tensor_name, tb._tensor_name = "w", "v", "w", "v"
    jc, tc = jp.PruningContainer(a), tp.PruningContainer(ta)
    assert_same_error(lambda: jc.add_pruning_method(3), lambda: tc.add_pruning_method(3))
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter "
                                         "named 'w' to PruningContainer .* Found 'v'"):
        jc.add_pruning_method(b)
    with pytest.raises(ValueError):
        tc.add_pruning_method(tb)
    j, t = pair(make_array((2, 4), seed=3))
    rs = jp.RandomStructured(1, dim=0)
    rs._tensor_name = "w"
    jc.add_pruning_method(rs)
    del rs.dim
    with pytest.raises(AttributeError, match='PRUNING_TYPE "structured" need to have'):
        jc.compute_mask(j, jtorch.ones(2, 4))
    assert_same(jp.PruningContainer(a).compute_mask(j, jtorch.ones(2, 4)),
                tp.PruningContainer(ta).compute_mask(t, torch.ones(2, 4)))
    assert issubclass(jp.PruningContainer, jp.BasePruningMethod)
    with pytest.raises(TypeError):
        jp.BasePruningMethod()


def test_user_defined_pruning_method():
    """The tutorial pattern: subclass BasePruningMethod, prune through its apply()."""
    def make(lib):
        class FooBar(lib.BasePruningMethod):
            PRUNING_TYPE = "unstructured"

            def compute_mask(self, t, default_mask):
                mask = default_mask.clone()
                mask.view(-1)[::2] = 0
                return mask
        return FooBar

    jm, tm = mod_pair()
    make(jp).apply(jm, "bias")
    make(tp).apply(tm, "bias")
    jp.l1_unstructured(jm, "bias", amount=1)
    tp.l1_unstructured(tm, "bias", amount=1)
    same_state(jm, tm)
    jh, th = next(iter(jm._forward_pre_hooks.values())), next(iter(tm._forward_pre_hooks.values()))
    assert [type(h).__name__ for h in jh] == [type(h).__name__ for h in th] == \
        ["FooBar", "L1Unstructured"]
