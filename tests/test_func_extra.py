"""torch.func extras vs torch: stack_module_state (+ vmap/functional_call ensembling),
functionalize, linearize, replace_all_batch_norm_modules_."""
import copy

import numpy as np
import pytest
import torch

import jtorch
import jtorch.func as jfunc
from _harness import assert_same, assert_same_error, pair


class _TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(6, 8)
        self.bn = torch.nn.BatchNorm1d(8)
        self.fc2 = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


class _JNet(jtorch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = jtorch.nn.Linear(6, 8)
        self.bn = jtorch.nn.BatchNorm1d(8)
        self.fc2 = jtorch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(jtorch.relu(self.bn(self.fc1(x))))


def _models(n=4, train=False):
    tms, jms = [], []
    for i in range(n):
        torch.manual_seed(i)
        tm = _TNet()
        jm = _JNet()
        # NOTE: non-trivial running stats so buffers differ per model
        tm.bn.running_mean.uniform_(-1, 1)
        tm.bn.running_var.uniform_(0.5, 2)
        jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        tms.append(tm.train(train))
        jms.append(jm.train(train))
    return tms, jms


def test_stack_module_state_matches_torch():
    tms, jms = _models()
    tp, tb = torch.func.stack_module_state(tms)
    jp, jb = jfunc.stack_module_state(jms)
    assert list(jp) == list(tp) and list(jb) == list(tb)
    for k in tp:
        assert_same(jp[k].detach(), tp[k].detach())
        assert jp[k].requires_grad == tp[k].requires_grad
        assert jp[k].is_leaf == tp[k].is_leaf
    for k in tb:
        assert_same(jb[k], tb[k])
        assert jb[k].requires_grad == tb[k].requires_grad


def test_model_ensembling_tutorial_path():
    tms, jms = _models()
    tp, tb = torch.func.stack_module_state(tms)
    jp, jb = jfunc.stack_module_state(jms)
    tbase, jbase = copy.deepcopy(tms[0]), copy.deepcopy(jms[0])
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    jx, tx = pair(x)

    def tf(params, buffers, x):
        return torch.func.functional_call(tbase, (params, buffers), (x,))

    def jf(params, buffers, x):
        return jfunc.functional_call(jbase, (params, buffers), (x,))

    tout = torch.func.vmap(tf, in_dims=(0, 0, None))(tp, tb, tx)
    jout = jfunc.vmap(jf, in_dims=(0, 0, None))(jp, jb, jx)
    assert_same(jout.detach(), tout.detach(), rtol=1e-5, atol=1e-5)
    # NOTE: the stacked params are trainable leaves: gradients as torch's
    tout.sum().backward()
    jout.sum().backward()
    for k in tp:
        assert_same(jp[k].grad, tp[k].grad, rtol=1e-4, atol=1e-5)
    # the per-model loop gives the same as the ensemble
    for i, jm in enumerate(jms):
        assert_same(jm(jx).detach(), tout[i].detach(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", ["empty", "mode", "class", "requires_grad"])
def test_stack_module_state_errors(case):
    def build(lib):
        ms = [lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)]
        if case == "empty":
            return []
        if case == "mode":
            ms[1].eval()
        if case == "class":
            ms[1] = lib.nn.Sequential(lib.nn.Linear(2, 2))
        if case == "requires_grad":
            ms[1].weight.requires_grad_(False)
        return ms
    assert_same_error(lambda: jfunc.stack_module_state(build(jtorch)),
                      lambda: torch.func.stack_module_state(build(torch)))


_FUNCS = {
    "mutate_and_return_views": lambda x, y: (x.view(-1).add_(1), y.mul_(2), x.view(2, 2), x),
    "no_mutation_views": lambda x, y: (x, x[1:], y.view(3, 1) * 2),
    "returns_mutated_input": lambda x, y: (x.add_(1), y),
    "view_then_mutate_slice": lambda x, y: (x.view(2, 2), x.view(-1)[:2].add_(1), y[0]),
}


@pytest.mark.parametrize("remove", ["mutations", "mutations_and_views"])
@pytest.mark.parametrize("name", sorted(_FUNCS))
def test_functionalize_outputs_and_input_mutations(remove, name):
    a = np.arange(4, dtype=np.float32)
    b = np.ones(3, dtype=np.float32)
    jx, tx = pair(a)
    jy, ty = pair(b)
    f = _FUNCS[name]
    tout = torch.func.functionalize(f, remove=remove)(tx, ty)
    jout = jfunc.functionalize(f, remove=remove)(jx, jy)
    assert_same(jx, tx)
    assert_same(jy, ty)
    for j, t in zip(jout, tout):
        assert_same(j, t)
        assert (j is jx, j is jy) == (t is tx, t is ty)
    # NOTE: whether an output still aliases an input afterwards, as in torch
    tx.add_(10)
    jx.add_(10)
    ty.sub_(5)
    jy.sub_(5)
    for j, t in zip(jout, tout):
        assert_same(j, t)


def test_functionalize_keeps_autograd():
    a = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    jx, tx = pair(a, requires_grad=True)

    def f(lib):
        def g(x):
            y = x * 2
            y.sin_()
            return y.sum()
        return g
    torch.func.functionalize(f(torch))(tx).backward()
    jfunc.functionalize(f(jtorch))(jx).backward()
    assert_same(jx.grad, tx.grad, rtol=1e-6, atol=1e-6)


def test_functionalize_bad_remove():
    assert_same_error(lambda: jfunc.functionalize(jtorch.sin, remove="views"),
                      lambda: torch.func.functionalize(torch.sin, remove="views"))


def test_linearize_matches_torch():
    a = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    b = np.array([1.5, -0.5], dtype=np.float32)
    jx, tx = pair(a)
    jw, tw = pair(b)

    def f(lib):
        return lambda x, w: (lib.sin(x) @ w, lib.exp(w).sum())
    tout, tfn = torch.func.linearize(f(torch), tx, tw)
    jout, jfn = jfunc.linearize(f(jtorch), jx, jw)
    for j, t in zip(jout, tout):
        assert_same(j, t, rtol=1e-6, atol=1e-6)
    for seed in range(2):
        rng = np.random.default_rng(seed)
        ta, tb_ = rng.standard_normal(a.shape).astype(np.float32), \
            rng.standard_normal(b.shape).astype(np.float32)
        jt1, tt1 = pair(ta)
        jt2, tt2 = pair(tb_)
        for j, t in zip(jfn(jt1, jt2), tfn(tt1, tt2)):
            assert_same(j, t, rtol=1e-5, atol=1e-6)


def test_linearize_errors():
    _, tfn = torch.func.linearize(torch.sin, torch.ones(3))
    _, jfn = jfunc.linearize(jtorch.sin, jtorch.ones(3))
    assert_same_error(lambda: jfn(jtorch.ones(4)), lambda: tfn(torch.ones(4)))
    assert_same_error(lambda: jfn(jtorch.ones(3, dtype=jtorch.float64)),
                      lambda: tfn(torch.ones(3, dtype=torch.float64)))
    assert_same_error(lambda: jfn(jtorch.ones(3), jtorch.ones(3)),
                      lambda: tfn(torch.ones(3), torch.ones(3)))


def test_replace_all_batch_norm_modules_():
    tms, jms = _models(1, train=True)
    tm, jm = tms[0], jms[0]
    assert torch.func.replace_all_batch_norm_modules_(tm) is tm
    assert jfunc.replace_all_batch_norm_modules_(jm) is jm
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert getattr(jm.bn, name) is None and getattr(tm.bn, name) is None
    assert jm.bn.track_running_stats is tm.bn.track_running_stats is False
    assert list(jm.state_dict()) == list(tm.state_dict())
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    jx, tx = pair(x)
    # NOTE: without running stats, eval mode normalizes by batch statistics (as in training)
    assert_same(jm.eval()(jx).detach(), tm.eval()(tx).detach(), rtol=1e-5, atol=1e-5)
