"""torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp): jtorch vs torch."""
import pytest
import torch

import jtorch
import jtorch.autograd.functional as JF
import torch.autograd.functional as TF

from ._util import close, pair, raises_like

X = [0.5, -1.0, 2.0]
Y = [1.5, 0.25, -0.75]


def f_single(lib):
    return lambda x: (x * x).exp() * x.sin()


def f_multi(lib):
    return lambda x, y: (x * y.exp(), x.tanh() - y * y)


def f_scalar(lib):
    # NOTE: a scalar built by indexing (no reduction ops needed)
    def f(x):
        c = x * x * x + x.sin() * 2
        return c[0] + c[1] * c[2]
    return f


def f_scalar2(lib):
    def f(x, y):
        c = x * x * y + (x * y).exp()
        return c[0] + c[1] + c[2] * x[0]
    return f


def _need_getitem():
    if not hasattr(jtorch.Tensor, "__getitem__"):
        pytest.skip("jtorch lacks Tensor.__getitem__ (indexing family not implemented yet)")


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_single(strategy):
    jx, tx = pair(X)
    close(JF.jacobian(f_single(jtorch), jx, strategy=strategy, vectorize=True),
          TF.jacobian(f_single(torch), tx, strategy=strategy, vectorize=True))


def test_jacobian_tuple_inputs_outputs():
    (jx, tx), (jy, ty) = pair(X), pair(Y)
    jj = JF.jacobian(f_multi(jtorch), (jx, jy))
    tj = TF.jacobian(f_multi(torch), (tx, ty))
    close(jj, tj)
    # one tuple input, one output
    close(JF.jacobian(lambda x: x * 3, (jx,)), TF.jacobian(lambda x: x * 3, (tx,)))


def test_jacobian_matrix_input_shape():
    jx, tx = pair([[1., 2.], [3., 4.], [5., 6.]])
    jj = JF.jacobian(lambda x: x.cos() * 2, jx)
    tj = TF.jacobian(lambda x: x.cos() * 2, tx)
    assert tuple(jj.shape) == tuple(tj.shape) == (3, 2, 3, 2)
    close(jj, tj)


def test_jacobian_results_detached_unless_create_graph():
    jx, tx = pair(X, requires_grad=True)
    jj, tj = JF.jacobian(f_single(jtorch), jx), TF.jacobian(f_single(torch), tx)
    assert jj.requires_grad == tj.requires_grad is False
    jj = JF.jacobian(lambda x: x * x * x, jx, create_graph=True)
    tj = TF.jacobian(lambda x: x * x * x, tx, create_graph=True)
    assert jj.requires_grad == tj.requires_grad is True
    # d/dx sum(J) for J = diag(3x^2): 6x
    jj.backward(jtorch.ones(3, 3))
    tj.backward(torch.ones(3, 3))
    close(jx.grad, tx.grad)


def test_jacobian_errors():
    jx, tx = pair(X)
    for bad in (3, (1.0,)):
        jm, tm = raises_like(lambda: JF.jacobian(lambda x: x, bad),
                             lambda: TF.jacobian(lambda x: x, bad))
        assert jm == tm.replace("torch.", "jtorch.")
    jm, tm = raises_like(lambda: JF.jacobian(lambda x: 3, jx), lambda: TF.jacobian(lambda x: 3, tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JF.jacobian(lambda x: x, jx, strategy="bad"),
                         lambda: TF.jacobian(lambda x: x, tx, strategy="bad"))
    jm, tm = raises_like(lambda: JF.jacobian(lambda x: x, jx, strategy="forward-mode"),
                         lambda: TF.jacobian(lambda x: x, tx, strategy="forward-mode"))
    assert jm == tm


def test_jacobian_strict():
    (jx, tx), (jy, ty) = pair(X), pair(Y)
    jm, tm = raises_like(lambda: JF.jacobian(lambda x, y: x * 2, (jx, jy), strict=True),
                         lambda: TF.jacobian(lambda x, y: x * 2, (tx, ty), strict=True))
    assert "independent of input 1" in jm and "independent of input 1" in tm
    jm, tm = raises_like(lambda: JF.vjp(lambda x: x.detach(), jx, jtorch.ones(3), strict=True),
                         lambda: TF.vjp(lambda x: x.detach(), tx, torch.ones(3), strict=True))
    assert jm == tm
    close(JF.jacobian(f_multi(jtorch), (jx, jy), strict=True),
          TF.jacobian(f_multi(torch), (tx, ty), strict=True))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_hessian(strategy):
    _need_getitem()
    jx, tx = pair(X)
    close(JF.hessian(f_scalar(jtorch), jx, outer_jacobian_strategy=strategy, vectorize=True),
          TF.hessian(f_scalar(torch), tx, outer_jacobian_strategy=strategy, vectorize=True))


def test_hessian_tuple_inputs():
    _need_getitem()
    (jx, tx), (jy, ty) = pair(X), pair(Y)
    close(JF.hessian(f_scalar2(jtorch), (jx, jy)), TF.hessian(f_scalar2(torch), (tx, ty)))


def test_hessian_errors():
    jx, tx = pair(X)
    jm, tm = raises_like(lambda: JF.hessian(lambda x: x * 2, jx),
                         lambda: TF.hessian(lambda x: x * 2, tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JF.hessian(lambda x: (x, x), jx),
                         lambda: TF.hessian(lambda x: (x, x), tx))
    assert jm == tm


def test_vjp():
    (jx, tx), (jy, ty) = pair(X), pair(Y)
    (jv, tv), (jw, tw) = pair([1., 2., 3.]), pair([-1., 0.5, 2.])
    close(JF.vjp(f_single(jtorch), jx, jv), TF.vjp(f_single(torch), tx, tv))
    close(JF.vjp(f_multi(jtorch), (jx, jy), (jv, jw)), TF.vjp(f_multi(torch), (tx, ty), (tv, tw)))
    # v=None is allowed for a single-element output
    js, ts = pair([0.7])
    close(JF.vjp(lambda x: x.exp(), js), TF.vjp(lambda x: x.exp(), ts))


def test_vjp_errors():
    (jx, tx), (jv, tv) = pair(X), pair([1., 2.])
    jm, tm = raises_like(lambda: JF.vjp(f_single(jtorch), jx),
                         lambda: TF.vjp(f_single(torch), tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JF.vjp(f_single(jtorch), jx, jv),
                         lambda: TF.vjp(f_single(torch), tx, tv))
    assert jm == tm
    jm, tm = raises_like(lambda: JF.vjp(f_multi(jtorch), (jx, jx), (jx,)),
                         lambda: TF.vjp(f_multi(torch), (tx, tx), (tx,)))
    assert jm == tm


def test_jvp():
    (jx, tx), (jy, ty) = pair(X), pair(Y)
    (jv, tv), (jw, tw) = pair([1., 2., 3.]), pair([-1., 0.5, 2.])
    close(JF.jvp(f_single(jtorch), jx, jv), TF.jvp(f_single(torch), tx, tv))
    close(JF.jvp(f_multi(jtorch), (jx, jy), (jv, jw)), TF.jvp(f_multi(torch), (tx, ty), (tv, tw)))
    jm, tm = raises_like(lambda: JF.jvp(f_single(jtorch), jx),
                         lambda: TF.jvp(f_single(torch), tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JF.jvp(f_single(jtorch), jx, jtorch.ones(2)),
                         lambda: TF.jvp(f_single(torch), tx, torch.ones(2)))
    assert jm == tm


def test_hvp_vhp():
    _need_getitem()
    (jx, tx), (jv, tv) = pair(X), pair([1., -2., 0.5])
    close(JF.hvp(f_scalar(jtorch), jx, jv), TF.hvp(f_scalar(torch), tx, tv))
    close(JF.vhp(f_scalar(jtorch), jx, jv), TF.vhp(f_scalar(torch), tx, tv))
    (jy, ty), (jw, tw) = pair(Y), pair([0.3, 0.2, 0.1])
    close(JF.hvp(f_scalar2(jtorch), (jx, jy), (jv, jw)),
          TF.hvp(f_scalar2(torch), (tx, ty), (tv, tw)))
    close(JF.vhp(f_scalar2(jtorch), (jx, jy), (jv, jw)),
          TF.vhp(f_scalar2(torch), (tx, ty), (tv, tw)))


def test_hvp_single_element_and_errors():
    js, ts = pair([0.7])
    close(JF.hvp(lambda x: (x * x * x).exp(), js), TF.hvp(lambda x: (x * x * x).exp(), ts))
    jx, tx = pair(X)
    jm, tm = raises_like(lambda: JF.hvp(lambda x: x * x, jx, jx),
                         lambda: TF.hvp(lambda x: x * x, tx, tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JF.vhp(lambda x: (x, x), jx, jx),
                         lambda: TF.vhp(lambda x: (x, x), tx, tx))
    assert jm == tm


def test_create_graph_second_order_through_vjp():
    jx, tx = pair(X, requires_grad=True)
    _, jg = JF.vjp(lambda x: x * x * x, jx, jtorch.ones(3), create_graph=True)
    _, tg = TF.vjp(lambda x: x * x * x, tx, torch.ones(3), create_graph=True)
    close(jg, tg)
    jg.backward(jtorch.ones(3))
    tg.backward(torch.ones(3))
    close(jx.grad, tx.grad)


def test_closure_tensors_requiring_grad_record_nothing():
    jw, _ = pair([2.0, 3.0, 4.0], requires_grad=True)
    jx, _ = pair(X)
    j = JF.jacobian(lambda x: x * jw, jx)
    assert not j.requires_grad
    assert jw.grad is None
