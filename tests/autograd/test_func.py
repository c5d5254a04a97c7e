"""torch.func (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call): jtorch vs torch."""
import pytest
import torch
import torch.func as TFN

import jtorch
import jtorch.func as JFN

from ._util import close, pair, raises_like

X = [0.5, -1.0, 2.0]
Y = [1.5, 0.25, -0.75]


def dot3(x, y):
    """x . y for 3-vectors without reductions (indexing only)."""
    p = x * y
    return p[0] + p[1] + p[2]


def loss(x, y):
    return dot3(x.sin(), y.exp()) + dot3(x, x) * 0.5


def test_grad_basic_and_argnums():
    (jx, tx), (jy, ty) = pair(X), pair(Y)
    close(JFN.grad(loss)(jx, jy), TFN.grad(loss)(tx, ty))
    close(JFN.grad(loss, argnums=1)(jx, jy), TFN.grad(loss, argnums=1)(tx, ty))
    close(JFN.grad(loss, argnums=(0, 1))(jx, jy), TFN.grad(loss, argnums=(0, 1))(tx, ty))
    close(JFN.grad(loss, argnums=-1)(jx, jy), TFN.grad(loss, argnums=-1)(tx, ty))


def test_grad_has_aux_and_grad_and_value():
    (jx, tx), (jy, ty) = pair(X), pair(Y)

    def f(x, y):
        return loss(x, y), {"double": x * 2, "t": (y,)}
    jg, jaux = JFN.grad(f, has_aux=True)(jx, jy)
    tg, taux = TFN.grad(f, has_aux=True)(tx, ty)
    close(jg, tg)
    close(jaux, taux)
    close(JFN.grad_and_value(loss)(jx, jy), TFN.grad_and_value(loss)(tx, ty))
    close(JFN.grad_and_value(f, has_aux=True)(jx, jy), TFN.grad_and_value(f, has_aux=True)(tx, ty))


def test_grad_pytree_inputs_and_kwargs():
    (jx, tx), (jy, ty) = pair(X), pair(Y)

    def f(params, scale=1.0):
        return loss(params["a"], params["b"][0]) * scale
    close(JFN.grad(f)({"a": jx, "b": [jy]}, scale=2.0),
          TFN.grad(f)({"a": tx, "b": [ty]}, scale=2.0))


def test_grad_errors():
    jx, tx = pair(X)
    for fn in (lambda x: x * 2, lambda x: 3):
        jm, tm = raises_like(lambda: JFN.grad(fn)(jx), lambda: TFN.grad(fn)(tx))
        assert jm == tm
    jm, tm = raises_like(lambda: JFN.grad(lambda x: dot3(x, x), argnums=3)(jx),
                         lambda: TFN.grad(lambda x: dot3(x, x), argnums=3)(tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JFN.grad(lambda x: dot3(x, x), has_aux=True)(jx),
                         lambda: TFN.grad(lambda x: dot3(x, x), has_aux=True)(tx))
    assert jm == tm
    jm, tm = raises_like(lambda: JFN.grad(lambda x: (dot3(x, x), 3), has_aux=True)(jx),
                         lambda: TFN.grad(lambda x: (dot3(x, x), 3), has_aux=True)(tx))
    assert jm == tm


def test_nested_grad():
    js, ts = pair(1.3)

    def f(x):
        return (x * x * x).sin()
    close(JFN.grad(JFN.grad(f))(js), TFN.grad(TFN.grad(f))(ts))
    close(JFN.grad(JFN.grad(JFN.grad(f)))(js), TFN.grad(TFN.grad(TFN.grad(f)))(ts))


def test_grad_composes_with_autograd():
    jx, tx = pair(X, requires_grad=True)
    jg = JFN.grad(lambda x: dot3(x * x, x))(jx)
    tg = TFN.grad(lambda x: dot3(x * x, x))(tx)
    close(jg, tg)
    assert jg.requires_grad == tg.requires_grad is True
    jg.backward(jtorch.ones(3))
    tg.backward(torch.ones(3))
    close(jx.grad, tx.grad)


def test_vjp_and_jvp():
    (jx, tx), (jy, ty) = pair(X), pair(Y)

    def f(x, y):
        return (x * y.exp(), x.cos())
    jo, jfn = JFN.vjp(f, jx, jy)
    to, tfn = TFN.vjp(f, tx, ty)
    close(jo, to)
    close(jfn((jy, jx)), tfn((ty, tx)))
    jo, jfn, jaux = JFN.vjp(lambda x: (x.exp(), x * 2), jx, has_aux=True)
    to, tfn, taux = TFN.vjp(lambda x: (x.exp(), x * 2), tx, has_aux=True)
    close((jo, jaux, jfn(jy)), (to, taux, tfn(ty)))
    close(JFN.jvp(f, (jx, jy), (jy, jx)), TFN.jvp(f, (tx, ty), (ty, tx)))
    close(JFN.jvp(lambda x: (x.exp(), x * 2), (jx,), (jy,), has_aux=True),
          TFN.jvp(lambda x: (x.exp(), x * 2), (tx,), (ty,), has_aux=True))


def test_vjp_jvp_errors():
    jx, tx = pair(X)
    jm, tm = raises_like(lambda: JFN.jvp(lambda x: x, jx, (jx,)),
                         lambda: TFN.jvp(lambda x: x, tx, (tx,)))
    assert jm == tm
    jm, tm = raises_like(lambda: JFN.vjp(lambda x: x, jx, 3), lambda: TFN.vjp(lambda x: x, tx, 3))
    assert jm == tm
    _, jfn = JFN.vjp(lambda x: (x, x), jx)
    _, tfn = TFN.vjp(lambda x: (x, x), tx)
    raises_like(lambda: jfn(jx), lambda: tfn(tx))


@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacobians(name):
    jac_j, jac_t = getattr(JFN, name), getattr(TFN, name)
    (jx, tx), (jy, ty) = pair(X), pair(Y)

    def f(x, y):
        return x.sin() * y
    close(jac_j(f)(jx, jy), jac_t(f)(tx, ty))
    close(jac_j(f, argnums=(0, 1))(jx, jy), jac_t(f, argnums=(0, 1))(tx, ty))

    def g(x, y):
        return (x * y, {"e": x.exp()}), x * 3
    close(jac_j(g, argnums=1, has_aux=True)(jx, jy), jac_t(g, argnums=1, has_aux=True)(tx, ty))
    jm, tm = pair([[1., 2.], [3., 4.]])
    close(jac_j(lambda m: m.exp() * 2)(jm), jac_t(lambda m: m.exp() * 2)(tm))


def test_hessian():
    jx, tx = pair(X)
    close(JFN.hessian(lambda x: loss(x, x))(jx), TFN.hessian(lambda x: loss(x, x))(tx))
    (jy, ty) = pair(Y)
    close(JFN.hessian(loss, argnums=(0, 1))(jx, jy), TFN.hessian(loss, argnums=(0, 1))(tx, ty))


def test_vmap_basic_in_out_dims():
    jm, tm = pair([[1., 2., 3.], [4., 5., 6.]])
    jv, tv = pair([1., -1., 0.5])
    close(JFN.vmap(lambda r: r * r)(jm), TFN.vmap(lambda r: r * r)(tm))
    close(JFN.vmap(lambda c: c.exp(), in_dims=1)(jm), TFN.vmap(lambda c: c.exp(), in_dims=1)(tm))
    close(JFN.vmap(lambda r, v: r * v, in_dims=(0, None))(jm, jv),
          TFN.vmap(lambda r, v: r * v, in_dims=(0, None))(tm, tv))
    close(JFN.vmap(lambda r: r * 2, out_dims=1)(jm), TFN.vmap(lambda r: r * 2, out_dims=1)(tm))
    close(JFN.vmap(lambda r: (r, r * 2), out_dims=(0, 1))(jm),
          TFN.vmap(lambda r: (r, r * 2), out_dims=(0, 1))(tm))
    close(JFN.vmap(lambda r, k: r * k, in_dims=(0, None))(jm, 3.0),
          TFN.vmap(lambda r, k: r * k, in_dims=(0, None))(tm, 3.0))
    close(JFN.vmap(lambda d: d["a"] * d["b"], in_dims=({"a": 0, "b": None},))({"a": jm, "b": jv}),
          TFN.vmap(lambda d: d["a"] * d["b"], in_dims=({"a": 0, "b": None},))({"a": tm, "b": tv}))
    close(JFN.vmap(lambda r: r, in_dims=-1)(jm), TFN.vmap(lambda r: r, in_dims=-1)(tm))


def test_vmap_nested_and_with_grad():
    jm, tm = pair([[[1., 2.], [3., 4.]], [[5., 6.], [7., 8.]], [[0., 1.], [2., 3.]]])
    f = lambda x: x.sin() * 2  # noqa: E731
    close(JFN.vmap(JFN.vmap(f))(jm), TFN.vmap(TFN.vmap(f))(tm))
    jx, tx = pair([[0.1, 0.2, 0.3], [1., 2., 3.]])
    close(JFN.vmap(JFN.grad(lambda x: loss(x, x)))(jx),
          TFN.vmap(TFN.grad(lambda x: loss(x, x)))(tx))
    close(JFN.vmap(JFN.jacrev(lambda x: x.exp() * x))(jx),
          TFN.vmap(TFN.jacrev(lambda x: x.exp() * x))(tx))
    close(JFN.vmap(lambda r: r * 2, randomness="same")(jx),
          TFN.vmap(lambda r: r * 2, randomness="same")(tx))


def test_vmap_errors():
    jm, tm = pair([[1., 2., 3.], [4., 5., 6.]])
    ja, ta = pair([1., 2., 3.])
    cases = [
        (lambda: JFN.vmap(lambda a, b: a * b)(jm, ja),
         lambda: TFN.vmap(lambda a, b: a * b)(tm, ta)),
        (lambda: JFN.vmap(lambda a: a, in_dims=2)(jm),
         lambda: TFN.vmap(lambda a: a, in_dims=2)(tm)),
        (lambda: JFN.vmap(lambda a: a, in_dims=[0])(jm),
         lambda: TFN.vmap(lambda a: a, in_dims=[0])(tm)),
        (lambda: JFN.vmap(lambda a, k: a, in_dims=(0, 0))(jm, 2),
         lambda: TFN.vmap(lambda a, k: a, in_dims=(0, 0))(tm, 2)),
        (lambda: JFN.vmap(lambda a: a, in_dims=None)(jm),
         lambda: TFN.vmap(lambda a: a, in_dims=None)(tm)),
        (lambda: JFN.vmap(lambda a: 3)(jm), lambda: TFN.vmap(lambda a: 3)(tm)),
        (lambda: JFN.vmap(lambda a: a)(), lambda: TFN.vmap(lambda a: a)()),
    ]
    for jf, tf in cases:
        jmsg, tmsg = raises_like(jf, tf)
        assert jmsg.split("(")[0] == tmsg.split("(")[0]
    with pytest.raises(RuntimeError):
        JFN.vmap(lambda a: a, randomness="bad")


class _Obj:
    """A plain object holding Tensors (stands in for an nn.Module)."""

    def __init__(self, w, b):
        self.w, self.b = w, b
        self.sub = None

    def __call__(self, x, scale=1.0):
        y = x * self.w + self.b
        if self.sub is not None:
            y = self.sub(y)
        return y * scale


def test_functional_call_swaps_and_restores():
    (jw, tw), (jb, tb), (jx, tx) = pair([1., 2., 3.]), pair([0.5, 0.5, 0.5]), pair(X)
    jo = _Obj(jw, jb)
    jo.sub = _Obj(jw, jb)
    jw2 = jtorch.tensor([10., 20., 30.])
    out = JFN.functional_call(jo, {"w": jw2, "sub.b": jw2}, (jx,), {"scale": 2.0})
    expect = ((jx * jw2 + jb) * jw + jw2) * 2.0
    close(out, torch.tensor(expect.tolist()))
    assert jo.w is jw and jo.sub.b is jb
    # a single non-tuple arg; a tuple of dicts; duplicate keys
    close(JFN.functional_call(jo, ({"w": jw2}, {"b": jw2}), jx), torch.tensor(
        ((jx * jw2 + jw2) * jw + jb).tolist()))
    with pytest.raises(ValueError):
        JFN.functional_call(jo, ({"w": jw2}, {"w": jw2}), jx)
    # restored even when the call raises
    with pytest.raises(RuntimeError):
        JFN.functional_call(jo, {"w": jtorch.ones(2)}, jx)
    assert jo.w is jw


def test_functional_call_under_grad_matches_torch():
    (jw, tw), (jb, tb), (jx, tx) = pair([1., 2., 3.]), pair([0.5, -0.5, 0.1]), pair(X)
    jo = _Obj(jw, jb)

    class TMod(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w, self.b = torch.nn.Parameter(tw), torch.nn.Parameter(tb)

        def forward(self, x):
            return x * self.w + self.b
    to = TMod()

    def jloss(p, x):
        return dot3(JFN.functional_call(jo, p, (x,)), x)

    def tloss(p, x):
        return dot3(TFN.functional_call(to, p, (x,)), x)
    close(JFN.grad(jloss)({"w": jw, "b": jb}, jx), TFN.grad(tloss)({"w": tw, "b": tb}, tx))
