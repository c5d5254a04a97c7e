"""In-place writes under autograd against torch: CopySlices through views, regenerated view
grad_fns, the saved-tensor version check, torch's next_functions, overload-specific grad_fn
names, graph pruning in autograd.grad and a second backward through nodes that save nothing."""
import numpy as np
import pytest
import torch

import jtorch

from ._util import close

X = [1.0, -2.0, 3.0, 0.5]
Z = [0.5, 2.0, -1.0, 1.5]
M = np.arange(12.0, dtype="float32").reshape(3, 4) / 4 - 1


def _leaves(L):
    x = L.tensor(np.asarray(X, dtype="float32"), requires_grad=True)
    z = L.tensor(np.asarray(Z, dtype="float32"), requires_grad=True)
    m = L.tensor(M, requires_grad=True)
    return x, z, m


def _structure(fn, depth=5):
    """(name, [children]) of a grad_fn graph; (None, 0) edges as None."""
    if fn is None:
        return None
    if depth == 0:
        return fn.name()
    return (fn.name(), [None if f is None else _structure(f, depth - 1)
                        for f, _ in fn.next_functions])


# ---- CopySlices: writes into views of tensors in the graph ----------------------------------

def _w_setitem_root(L, x, z, m):
    y = x * 1
    y[0] = z[0] * 2
    return y, y


def _w_view_mul(L, x, z, m):
    y = m.clone()
    v = y[:, 1]
    v.mul_(3)
    return y ** 2, y


def _w_view_mul_tensor(L, x, z, m):
    y = x * 1
    v = y[1:]
    v.mul_(z[1:])
    return y * y, y


def _w_adv_setitem(L, x, z, m):
    y = x * 1
    y[L.tensor([0, 2])] = z[:2] * 3
    return y ** 3, y


def _w_view_setitem(L, x, z, m):
    y = m * 2
    v = y[1]
    v[1:3] = z[:2].exp()
    return (y * m).sum(1), y


def _w_base_without_grad(L, x, z, m):
    y = L.zeros(3, 4)
    y[1].copy_(z)
    return y * y, y


def _w_transpose_view(L, x, z, m):
    y = m.sin()
    y.t()[2].add_(z[:3])
    return y.cos(), y


def _w_nested_views(L, x, z, m):
    y = m * 1
    v = y[:, 1:]
    w = v[0]
    w.mul_(x[:3])
    return y ** 2, y


def _w_old_view_regenerated(L, x, z, m):
    y = x * 1
    a = y.view(2, 2)
    y.mul_(z)
    return a ** 2, a


def _w_view_then_base_write(L, x, z, m):
    y = x * 1
    v = y[:2]
    y.add_(z)
    return v * 3, v


def _w_two_writes(L, x, z, m):
    y = m * 1
    y[0].mul_(2)
    y[:, 0].add_(x[:3])
    return y.exp(), y


def _w_clamp_view(L, x, z, m):
    y = m * 3
    y[1:].clamp_(-1.0, 1.0)
    return y * m, y


def _w_zero_view(L, x, z, m):
    y = x * z
    y[1:3].zero_()
    return y * 2, y


WRITES = {f.__name__[3:]: f for f in (
    _w_setitem_root, _w_view_mul, _w_view_mul_tensor, _w_adv_setitem, _w_view_setitem,
    _w_base_without_grad, _w_transpose_view, _w_nested_views, _w_old_view_regenerated,
    _w_view_then_base_write, _w_two_writes, _w_clamp_view, _w_zero_view)}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_inplace_write_into_view_grads(name):
    jx, jz, jm = _leaves(jtorch)
    tx, tz, tm = _leaves(torch)
    jout, jy = WRITES[name](jtorch, jx, jz, jm)
    tout, ty = WRITES[name](torch, tx, tz, tm)
    close(jout, tout)
    assert jy.grad_fn.name() == ty.grad_fn.name()
    assert jy.requires_grad == ty.requires_grad
    g = np.linspace(-1, 1, tout.numel(), dtype="float32").reshape(tuple(tout.shape))
    jout.backward(jtorch.tensor(g))
    tout.backward(torch.tensor(g))
    for j, t in ((jx, tx), (jz, tz), (jm, tm)):
        close(j.grad, t.grad)


def test_copy_slices_graph_structure():
    for f in (_w_setitem_root, _w_view_mul_tensor, _w_view_setitem, _w_zero_view):
        jx, jz, jm = _leaves(jtorch)
        tx, tz, tm = _leaves(torch)
        _, jy = f(jtorch, jx, jz, jm)
        _, ty = f(torch, tx, tz, tm)
        assert _structure(jy.grad_fn) == _structure(ty.grad_fn), f.__name__
        assert repr(jy.grad_fn).split(" object")[0] == repr(ty.grad_fn).split(" object")[0]


def test_written_view_grad_fn_is_regenerated():
    for L in (jtorch, torch):
        _, _, m = _leaves(L)
        y = m.clone()
        v = y[:, 1]
        assert v.grad_fn.name() == "SelectBackward0"
        v.mul_(3)
        assert v.grad_fn.name() == "AsStridedBackward0"
        assert v.grad_fn.next_functions[0][0] is y.grad_fn
        assert y.grad_fn.name() == "torch::autograd::CopySlices"


def test_view_of_leaf_inplace_error_and_no_grad():
    for L in (jtorch, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is "
                                               "being used in an in-place operation."):
            x[0].mul_(2)
        with L.no_grad():
            x[0].mul_(2)
            x[1:].add_(1)
        assert x.is_leaf and x.grad_fn is None and x.tolist() == [2.0, 3.0]
        (x * x).sum().backward()
        assert x.grad.tolist() == [4.0, 6.0]


def test_view_made_in_no_grad_then_written_with_grad():
    msgs = []
    for L in (jtorch, torch):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        with L.no_grad():
            v = y[1:]
        with pytest.raises(RuntimeError) as e:
            v.mul_(2)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_detached_alias_write_changes_values_not_graph():
    res = []
    for L in (jtorch, torch):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        d = y.detach()
        d[0] = 10.0
        assert y.grad_fn.name() == "MulBackward0" and not d.requires_grad
        (y * 3).sum().backward()
        res.append((y.tolist(), x.grad.tolist()))
    assert res[0] == res[1]


# ---- the saved-tensor version check ---------------------------------------------------------

def _v(expr_before, mutate, out="b.sum()"):
    def f(L, x, z):
        y = x * 1
        b = eval(expr_before, {"L": L, "y": y, "z": z, "x": x})
        exec(mutate, {"L": L, "y": y, "b": b, "z": z, "x": x})
        eval(out, {"b": b, "y": y}).backward()
    return f


VERSION_CASES = {
    "mul_tensor_input": _v("y * z", "y.add_(1)"),
    "mul_tensor_other_no_grad": _v("y * z.detach()", "y.add_(1)"),
    "mul_scalar": _v("y * 2", "y.add_(1)"),
    "sin_input": _v("y.sin()", "y.add_(1)"),
    "exp_input_unsaved": _v("y.exp()", "y.add_(1)"),
    "exp_output": _v("y.exp()", "b.add_(1)"),
    "tanh_output_view": _v("y.tanh()", "b[1:].mul_(2)"),
    "sigmoid_output": _v("y.sigmoid()", "b.mul_(2)"),
    "relu_input_unsaved": _v("y.relu()", "y.add_(1)"),
    "relu_output": _v("y.relu()", "b.add_(1)"),
    "sqrt_output": _v("y.abs().sqrt()", "b.add_(1)"),
    "matmul_input": _v("y @ z", "y.add_(1)", "b"),
    "sum_saves_nothing": _v("y.sum()", "y.add_(1)", "b"),
    "div_self": _v("y / z", "y.add_(1)"),
    "div_other": _v("z / y", "y.add_(1)"),
    "rdiv_number": _v("2 / y", "y.add_(1)"),
    "log_input": _v("y.abs().log()", "y.abs_()"),
    "pow_scalar_output": _v("y ** 2", "b.add_(1)"),
    "pow_scalar_input": _v("y ** 2", "y.add_(1)"),
    "pow_tensor_output": _v("y ** z", "b.add_(1)"),
    "rpow_input": _v("2 ** y", "y.add_(1)"),
    "clamp_input": _v("y.clamp(0, 1)", "y.add_(1)"),
    "mul_inplace_self": _v("y", "y.mul_(z)", "y.sum()"),
    "mul_inplace_then_add": _v("y", "y.mul_(z); y.add_(1)", "y.sum()"),
    "sin_inplace": _v("y", "y.sin_()", "y.sum()"),
    "exp_inplace_then_add": _v("y", "y.exp_(); y.add_(1)", "y.sum()"),
    "exp_setitem_output": _v("y.exp()", "b[0] = 5", "b.sum()"),
    "input_modified_through_view": _v("y * z", "y[0].mul_(2)"),
    "leaf_modified_in_no_grad": _v("x * z", "with L.no_grad(): x.add_(1)"),
    "leaf_detached_alias": _v("x.pow(2)", "x.detach().add_(1)"),
    "leaf_detached_mul_scalar": _v("x * 2", "x.detach().add_(1)"),
}


@pytest.mark.parametrize("name", sorted(VERSION_CASES))
def test_saved_tensor_version_check(name):
    f = VERSION_CASES[name]
    out = []
    for L in (jtorch, torch):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        z = L.tensor([1.5, 0.25, -3.0], requires_grad=True)
        try:
            f(L, x, z)
        except RuntimeError as e:
            out.append(("raised", str(e)))
        else:
            out.append(("ok", x.grad.tolist(), None if z.grad is None else z.grad.tolist()))
    if out[1][0] == "ok":
        assert out[0][0] == "ok", out[0]
        np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-5)
        if out[1][2] is not None:
            np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-5)
    else:
        assert out[0] == out[1]


def test_version_check_with_fused_and_retained_backward():
    msgs = []
    for L in (jtorch, torch):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = (x * w).exp().sum()
        loss.backward(retain_graph=True)
        with L.no_grad():
            w.add_(1)  # NOTE: an optimizer step between two backwards of one graph
        with pytest.raises(RuntimeError) as e:
            loss.backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


# ---- next_functions and overload-specific names ---------------------------------------------

EXPRS = ["x / 2", "x - 2", "2 - x", "x + 1", "x * 2", "x.clamp(0, 1)", "x.clamp(min=0)",
         "x.clamp(z, z + 1)", "x ** 2", "x ** z", "2 ** x", "L.where(x > 0, x, 0.)",
         "L.where(x > 0, x, z)", "x.masked_fill(x > 0, 1.)", "x.add(1, alpha=2)",
         "x.sub(z, alpha=2)", "x.add(z, alpha=2)", "x + L.ones(4, dtype=L.int64)",
         "x[L.tensor([0, 1])]", "x.gather(0, L.tensor([0]))", "x.index_select(0, L.tensor([0]))",
         "x * z.detach()", "x.sum()", "m.sum(0)", "x.mean()", "m.mean(0)", "x.max()",
         "m.max(0)[0]", "x.exp().sin()", "x.lerp(z, 0.5)", "(x * z).relu()"]


@pytest.mark.parametrize("expr", EXPRS)
def test_next_functions_and_names(expr):
    jx, jz, jm = _leaves(jtorch)
    tx, tz, tm = _leaves(torch)
    j = eval(expr, {"L": jtorch, "x": jx, "z": jz, "m": jm})
    t = eval(expr, {"L": torch, "x": tx, "z": tz, "m": tm})
    assert _structure(j.grad_fn) == _structure(t.grad_fn)
    assert type(j.grad_fn.next_functions) is tuple
    for e in j.grad_fn.next_functions:
        assert type(e) is tuple and len(e) == 2


# ---- pruning and a second backward ----------------------------------------------------------

def _counting_fn(L, calls):
    class Twice(L.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * 2
    return Twice


def test_autograd_grad_runs_only_needed_nodes():
    counts = []
    for L in (jtorch, torch):
        calls = []
        fn = _counting_fn(L, calls)
        x = L.tensor([1.0, 2.0], requires_grad=True)
        z = L.tensor([3.0, 4.0], requires_grad=True)
        y = fn.apply(x) * z + z.sin()
        (gz,) = L.autograd.grad(y.sum(), [z], retain_graph=True)
        gy, = L.autograd.grad(y.sum(), [y])
        counts.append((len(calls), gz.tolist(), gy.tolist(), x.grad))
    np.testing.assert_allclose(counts[0][1], counts[1][1], rtol=1e-6)
    assert counts[0][0] == counts[1][0] == 0
    assert counts[0][2] == counts[1][2] and counts[0][3] is counts[1][3] is None


def test_backward_inputs_skips_other_branches():
    res = []
    for L in (jtorch, torch):
        calls = []
        fn = _counting_fn(L, calls)
        x = L.tensor([1.0, 2.0], requires_grad=True)
        z = L.tensor([3.0, 4.0], requires_grad=True)
        (fn.apply(x) * z).sum().backward(inputs=[z])
        res.append((len(calls), x.grad, z.grad.tolist()))
    assert res[0][0] == res[1][0] == 0 and res[0][1] is res[1][1] is None
    assert res[0][2] == res[1][2]


@pytest.mark.parametrize("expr", ["(x + 1).sum()", "(x - z).mean()", "x.view(2, 2).t().sum()",
                                  "(x * 2).sum()", "(x * z).sum()", "x.exp().sum()",
                                  "L.cat([x, z]).sum()"])
def test_second_backward_without_retain(expr):
    out = []
    for L in (jtorch, torch):
        x = L.tensor(X, requires_grad=True)
        z = L.tensor(Z, requires_grad=True)
        y = eval(expr, {"L": L, "x": x, "z": z})
        y.backward()
        try:
            y.backward()
        except RuntimeError as e:
            out.append(str(e)[:60])
        else:
            out.append(x.grad.tolist())
    assert out[0] == out[1]


def test_view_reused_across_no_grad_updates_and_inplace_relu():
    res = []
    for L in (jtorch, torch):
        w = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        wt = w.t()  # NOTE: made once, reused while w is updated in place (an optimizer step)
        inp = L.tensor([1.0, -1.0])
        for _ in range(3):
            (wt @ inp).exp().sum().backward()
            with L.no_grad():
                w.sub_(0.1 * w.grad)
                w.grad.zero_()
        a = L.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
        h = a @ w
        h.relu_()
        (h * h).sum().backward()
        res.append((w.tolist(), wt.grad_fn.name(), a.grad.tolist(), h.grad_fn.name()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-5)
    np.testing.assert_allclose(res[0][2], res[1][2], rtol=1e-5)
    assert res[0][1::2] == res[1][1::2]


def test_advanced_setitem_into_view():
    res = []
    for L in (jtorch, torch):
        x, z, _ = _leaves(L)
        y = x * 1
        v = y[1:]
        v[L.tensor([0, 2])] = z[:2] * 2
        (y ** 2).sum().backward()
        res.append((x.grad.tolist(), z.grad.tolist(), y.grad_fn.name(), v.grad_fn.name()))
    assert res[0] == res[1]
