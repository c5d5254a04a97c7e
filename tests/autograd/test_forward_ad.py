"""torch.autograd.forward_ad (dual_level, make_dual, unpack_dual): jtorch vs torch."""
import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as TFW

import jtorch
import jtorch.autograd.forward_ad as JFW
from jtorch._ops import registry

from ._util import close, raises_like

RNG = np.random.default_rng(0)


def arr(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def run_both(fn, primals, tangents):
    """fn(lib, *duals) under a dual level in each library; (primal, tangent) of each output."""
    res = []
    for lib, fw in ((jtorch, JFW), (torch, TFW)):
        with fw.dual_level():
            duals = [fw.make_dual(lib.tensor(p), lib.tensor(t)) if t is not None else
                     lib.tensor(p) for p, t in zip(primals, tangents)]
            out = fn(lib, *duals)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            res.append([tuple(fw.unpack_dual(o)) for o in outs])
    return res


def check(fn, primals, tangents, rtol=1e-5, atol=1e-6):
    j, t = run_both(fn, primals, tangents)
    close(j, t, rtol, atol)


# ---- ops ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fn", [
    ("sin_exp", lambda L, x, y: x.sin() * y.exp()),
    ("div_pow", lambda L, x, y: x / (y * y + 1) + x ** 3),
    ("tanh_sigmoid", lambda L, x, y: L.tanh(x) - L.sigmoid(y) * 2.5),
    ("where", lambda L, x, y: L.where(x > 0, x * y, -y)),
    ("clamp_abs", lambda L, x, y: x.clamp(-0.5, 0.5) + y.abs()),
    ("one_dual", lambda L, x, y: L.atan2(x, y)),
])
def test_pointwise(name, fn):
    x, y = arr(3, 4), arr(3, 4)
    tx, ty = arr(3, 4), arr(3, 4)
    check(fn, [x, y], [tx, ty])
    check(fn, [x, y], [tx, None])  # NOTE: a plain (non-dual) operand contributes no tangent


def test_matmul():
    a, b, c = arr(2, 3, 4), arr(2, 4, 5), arr(4, 5)
    check(lambda L, a, b: a @ b, [a, b], [arr(2, 3, 4), arr(2, 4, 5)])
    check(lambda L, a, c: L.matmul(a, c).relu(), [a, c], [None, arr(4, 5)])
    check(lambda L, m, v: L.mv(m, v), [arr(3, 4), arr(4)], [arr(3, 4), arr(4)])


@pytest.mark.parametrize("fn", [
    lambda L, x: x.sum(),
    lambda L, x: x.mean(dim=1, keepdim=True),
    lambda L, x: x.prod(dim=0),
    lambda L, x: x.var(dim=1),
    lambda L, x: L.logsumexp(x, dim=-1),
    lambda L, x: x.norm(),
    lambda L, x: x.max(dim=1),
    lambda L, x: L.cumsum(x, 0),
])
def test_reductions(fn):
    check(fn, [arr(3, 5)], [arr(3, 5)], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,fn", [
    ("max_nodim", lambda L, x: x.max()),  # NOTE: torch's tie rule, a custom_vjp in jtorch
    ("median", lambda L, x: x.median()),
    ("logcumsumexp", lambda L, x: x.logcumsumexp(1)),
    ("cat_stack", lambda L, x: L.stack([L.cat([x, x * 2], 1), L.cat([x.cos(), x], 1)])),
    ("gather_index", lambda L, x: x.flatten(1).gather(1, L.tensor([[0, 5], [3, 3]])) +
     x[L.tensor([1, 0]), 0, :2, 0]),
    ("masked_sort_topk", lambda L, x: (x[x > 0], x.sort(-1).values, x.topk(2).values)),
    ("conv_pool", lambda L, x: L.nn.functional.max_pool2d(
        L.nn.functional.conv2d(x, x[:, :, :3, :3].exp(), padding=1), 2)),
    ("norms", lambda L, x: (L.nn.functional.layer_norm(x, (4,)),
                            L.nn.functional.batch_norm(x, None, None, training=True))),
    ("einsum_setitem", lambda L, x: L.einsum("bchw,bcwk->bchk", x, x) +
     (lambda y: (y.__setitem__((0, 0), x[1, 1]), y)[1])(L.zeros(2, 3, 4, 4))),
    ("detach_data", lambda L, x: (x.detach(), x.data, x.detach() * x)),
])
def test_more_ops(name, fn):
    check(fn, [arr(2, 3, 4, 4)], [arr(2, 3, 4, 4)], rtol=1e-4, atol=1e-4)


def test_softmax_log_softmax():
    x, tx = arr(4, 6), arr(4, 6)
    check(lambda L, x: L.softmax(x, dim=-1), [x], [tx])
    check(lambda L, x: L.nn.functional.log_softmax(x, dim=0), [x], [tx])
    check(lambda L, x, t: L.nn.functional.cross_entropy(x, t), [x, np.array([0, 2, 5, 1])],
          [tx, None])


def _nets():
    jtorch.manual_seed(0)
    jn = jtorch.nn.Sequential(jtorch.nn.Linear(5, 8), jtorch.nn.Tanh(), jtorch.nn.Linear(8, 3))
    tn = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for jp, tp in zip(jn.parameters(), tn.parameters()):
            tp.copy_(torch.tensor(np.asarray(jp.detach()._arr())))
    return jn, tn


def test_linear_tanh_network_jvp_and_backward():
    jn, tn = _nets()
    x, tx = arr(4, 5), arr(4, 5)
    res = {}
    for lib, fw, net in ((jtorch, JFW, jn), (torch, TFW, tn)):
        with fw.dual_level():
            out = net(fw.make_dual(lib.tensor(x), lib.tensor(tx)))
            prim, tan = fw.unpack_dual(out)
            # NOTE: the tangent depends on the weights: backward through it (reverse over
            # forward) and through the primal both go through the recorded tape.
            w = net[0].weight
            gtan = lib.autograd.grad((tan ** 2).sum(), w, retain_graph=True)[0]
            (prim.sum() + (tan * 0.5).sum()).backward()
            res[lib.__name__] = (prim, tan, gtan, w.grad, net[2].bias.grad)
    close(res["jtorch"], res["torch"], rtol=1e-4, atol=1e-5)


def test_dual_parameters_linear():
    x, w, b = arr(4, 5), arr(3, 5), arr(3)
    check(lambda L, x, w, b: L.tanh(L.nn.functional.linear(x, w, b)), [x, w, b],
          [None, arr(3, 5), arr(3)])


# ---- views and in-place ------------------------------------------------------------------

def _view_script(L, fw, p, t):
    out = []
    with fw.dual_level():
        x = fw.make_dual(L.tensor(p), L.tensor(t))
        y = x[1:]
        out.append(fw.unpack_dual(y).tangent.clone())
        fw.unpack_dual(y).tangent.mul_(10)  # writes through to x's tangent
        out.append(fw.unpack_dual(x).tangent.clone())
        x.mul_(2)  # x's tangent updated in place; the view's tangent sees it
        out.append(fw.unpack_dual(y).tangent.clone())
        out.append(fw.unpack_dual(x.t()).tangent.clone())
        out.append(fw.unpack_dual(x.reshape(-1)[2:5]).tangent.clone())
        b = L.zeros(3, 2, 3)
        b[1].copy_(x)  # a plain base gets a zero tangent with the written part set
        out += list(fw.unpack_dual(b))
        z = L.ones(2, 3)
        z.add_(x, alpha=3)
        out += list(fw.unpack_dual(z))
        x.zero_()
        out.append(fw.unpack_dual(x).tangent.clone())
    return out


def test_views_and_inplace():
    p, t = arr(2, 3), arr(2, 3)
    close(_view_script(jtorch, JFW, p, t), _view_script(torch, TFW, p, t))


def test_make_dual_tangent_is_kept_and_updated_in_place():
    for lib, fw in ((jtorch, JFW), (torch, TFW)):
        p, t = lib.tensor(arr(3)), lib.tensor(arr(3))
        t0 = t.clone()
        with fw.dual_level():
            x = fw.make_dual(p, t)
            assert fw.unpack_dual(x).tangent is t
            x.add_(fw.make_dual(lib.ones(3), lib.ones(3)))
            assert fw.unpack_dual(x).tangent is t
        assert lib.equal(t, t0 + 1)


def test_non_float_outputs_have_no_tangent():
    for lib, fw in ((jtorch, JFW), (torch, TFW)):
        with fw.dual_level():
            x = fw.make_dual(lib.tensor(arr(4)), lib.tensor(arr(4)))
            for r in (x.argmax(), x > 0, x.long(), x.max(dim=0).indices):
                assert fw.unpack_dual(r).tangent is None
            n = lib.zeros(4, dtype=lib.int64)
            n.add_(x.long())
            assert fw.unpack_dual(n).tangent is None
            assert fw.unpack_dual(x.double()).tangent.dtype == lib.float64


def test_wider_tangent_dtype():
    p, t = arr(3), arr(3, dtype="float64")
    check(lambda L, x: (x * 2, x.sin(), x.sum()), [p], [t])


# ---- levels, errors, unpack outside a level -------------------------------------------------

def test_level_values_and_nesting_errors():
    assert JFW.enter_dual_level() == TFW.enter_dual_level() == 0
    try:
        close(*raises_like(JFW.enter_dual_level, TFW.enter_dual_level))
        close(*raises_like(lambda: JFW.exit_dual_level(level=3),
                           lambda: TFW.exit_dual_level(level=3)))
    finally:
        JFW.exit_dual_level()
        TFW.exit_dual_level()
    for f in ("exit_dual_level",):
        close(*raises_like(getattr(JFW, f), getattr(TFW, f)))
    close(*raises_like(lambda: JFW.exit_dual_level(level=0), lambda: TFW.exit_dual_level(level=0)))
    with JFW.dual_level() as lj, TFW.dual_level() as lt:
        assert lj == lt == 0
        close(*raises_like(lambda: JFW.dual_level().__enter__(),
                           lambda: TFW.dual_level().__enter__()))


def _errs(lib, fw):
    p, t = lib.tensor(arr(3)), lib.tensor(arr(3))
    x = fw.make_dual(p, t)
    return [
        lambda: fw.make_dual(p, lib.tensor(arr(4))),
        lambda: fw.make_dual(lib.tensor(1.0), lib.tensor(arr(2, 3))),
        lambda: fw.make_dual(lib.arange(3), lib.arange(3)),
        lambda: fw.make_dual(p, lib.arange(3)),
        lambda: fw.make_dual(p, t, level=5),
        lambda: fw.make_dual(x, t),
        lambda: fw.make_dual(x[0], t[0]),
        lambda: fw.unpack_dual(x, level=3),
        lambda: fw.make_dual(3, t),
    ]


def test_make_dual_errors():
    with JFW.dual_level(), TFW.dual_level():
        for jf, tf in zip(_errs(jtorch, JFW), _errs(torch, TFW)):
            close(*raises_like(jf, tf))
    close(*raises_like(lambda: JFW.make_dual(jtorch.ones(2), jtorch.ones(2)),
                       lambda: TFW.make_dual(torch.ones(2), torch.ones(2))))


def test_unpack_outside_level_and_after_exit():
    for lib, fw in ((jtorch, JFW), (torch, TFW)):
        p = lib.tensor(arr(3))
        u = fw.unpack_dual(p)
        assert isinstance(u, fw.UnpackedDualTensor) and u.primal is p and u.tangent is None
        assert u._fields == ("primal", "tangent")
        with fw.dual_level():
            x = fw.make_dual(p, lib.tensor(arr(3)))
            y = x * 2
            assert fw.unpack_dual(y).tangent is not None
            assert fw.unpack_dual(y).primal is not y
            assert fw.unpack_dual(fw.unpack_dual(y).primal).tangent is None
            assert fw.unpack_dual(p).tangent is None
        assert fw.unpack_dual(y).tangent is None and fw.unpack_dual(x).tangent is None
        with fw.dual_level():  # NOTE: tangents of an exited level are gone for good
            assert fw.unpack_dual(x).tangent is None


def test_grad_fn_names_and_requires_grad():
    for lib, fw in ((jtorch, JFW), (torch, TFW)):
        p = lib.tensor(arr(3), requires_grad=True)
        with fw.dual_level():
            x = fw.make_dual(p, lib.tensor(arr(3)))
            assert x.grad_fn.name() == "ViewBackward0"
            assert fw.unpack_dual(x).tangent.grad_fn is None
        assert x.requires_grad and not x.is_leaf


def test_decorator_form():
    @JFW.dual_level()
    def jf(p, t):
        return JFW.unpack_dual(JFW.make_dual(p, t).exp()).tangent

    @TFW.dual_level()
    def tf(p, t):
        return TFW.unpack_dual(TFW.make_dual(p, t).exp()).tangent
    p, t = arr(3), arr(3)
    close(jf(jtorch.tensor(p), jtorch.tensor(t)), tf(torch.tensor(p), torch.tensor(t)))


# ---- agreement with torch.func.jvp; the hook's lifetime -----------------------------------

def _f(L):
    def f(x, w):
        return L.log_softmax(L.tanh(x @ w) * 2.0, dim=-1).sum(0)
    return f


def test_matches_func_jvp():
    x, w, tx, tw = arr(3, 4), arr(4, 5), arr(3, 4), arr(4, 5)
    (jres,), _ = run_both(lambda L, x, w: _f(L)(x, w), [x, w], [tx, tw])
    jp, jt = jtorch.func.jvp(_f(jtorch), (jtorch.tensor(x), jtorch.tensor(w)),
                             (jtorch.tensor(tx), jtorch.tensor(tw)))
    tp, tt = torch.func.jvp(_f(torch), (torch.tensor(x), torch.tensor(w)),
                            (torch.tensor(tx), torch.tensor(tw)))
    close((jp, jt), (tp, tt), rtol=1e-4, atol=1e-5)
    close(jres, (tp, tt), rtol=1e-4, atol=1e-5)


def test_hook_installed_only_with_a_dual_tensor():
    assert registry.FORWARD_AD is None and registry.INTERCEPT is None
    with JFW.dual_level():
        assert registry.INTERCEPT is None  # NOTE: no dual tensor yet: the hot path is untouched
        JFW.make_dual(jtorch.ones(2), jtorch.ones(2))
        assert registry.FORWARD_AD is not None and registry.INTERCEPT is not None
    assert registry.FORWARD_AD is None and registry.INTERCEPT is None


def test_with_profiler_and_no_grad():
    x, tx = arr(3), arr(3)
    with jtorch.profiler.profile() as prof:
        with JFW.dual_level(), jtorch.no_grad():
            jt = JFW.unpack_dual(JFW.make_dual(jtorch.tensor(x), jtorch.tensor(tx)).cos()).tangent
    with TFW.dual_level(), torch.no_grad():
        tt = TFW.unpack_dual(TFW.make_dual(torch.tensor(x), torch.tensor(tx)).cos()).tangent
    close(jt, tt)
    assert "aten::cos" in [e.name for e in prof.events()]
    assert registry.INTERCEPT is None


# ---- custom autograd.Function (the helper autograd.function's apply is to call) -------------

def _custom(lib):
    class G(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            return x * y * k, x + 1

        @staticmethod
        def backward(ctx, g, h):
            return g, g, None

        @staticmethod
        def jvp(ctx, tx, ty, tk):
            assert tk is None
            return tx * 3 + ty, tx
    return G


def test_custom_function_uses_its_jvp():
    p, t, y = arr(2), arr(2), arr(2)
    res = []
    for lib, fw in ((torch, TFW), (jtorch, JFW)):
        G = _custom(lib)
        with fw.dual_level():
            outs = G.apply(fw.make_dual(lib.tensor(p), lib.tensor(t)), lib.tensor(y), 2.0)
            res.append([tuple(fw.unpack_dual(o)) for o in outs])
    close(res[1], res[0])


def test_with_autocast():
    a = arr(4, 4)
    res = []
    for lib, fw in ((jtorch, JFW), (torch, TFW)):
        with fw.dual_level(), lib.autocast("cpu", dtype=lib.bfloat16):
            x = fw.make_dual(lib.tensor(a), lib.tensor(a * 0.5))
            p, t = fw.unpack_dual((x @ x).relu())
            assert p.dtype == t.dtype == lib.bfloat16
            res.append((p.float(), t.float()))
    close(res[0], res[1], rtol=1e-2, atol=1e-2)
