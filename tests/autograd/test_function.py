"""torch.autograd.Function: jtorch vs torch (same Function source run on both libraries)."""
import warnings

import numpy as np
import pytest
import torch

import jtorch

from ._util import close, pair, raises_like


def _both(make):
    """make(lib) -> result; run it with torch and with jtorch."""
    return make(jtorch), make(torch)


# ---- classes defined once per library -------------------------------------------------------

def scale_fn(lib):
    class ScaleAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * k + y * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * ctx.k, None, g * 2 * y
    return ScaleAdd


def exp_fn(lib):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            r, = ctx.saved_tensors
            return g * r
    return Exp


def setup_fn(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(x, p=3.0):
            return x ** p

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, p = inputs
            ctx.save_for_backward(x)
            ctx.p = p

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * ctx.p * x ** (ctx.p - 1), None
    return Cube


def test_old_style_forward_backward():
    (jx, tx), (jy, ty) = pair([1., 2., 3.], True), pair([0.5, -1., 2.], True)
    jo = scale_fn(jtorch).apply(jx, 2.0, jy)
    to = scale_fn(torch).apply(tx, 2.0, ty)
    close(jo, to)
    assert jo.requires_grad and not jo.is_leaf
    jo.backward(jtorch.ones(3))
    to.backward(torch.ones(3))
    close(jx.grad, tx.grad)
    close(jy.grad, ty.grad)


def test_grad_fn_name_and_next_functions():
    (jx, tx), (jy, ty) = pair([1., 2.], True), pair([3., 4.])
    jo = scale_fn(jtorch).apply(jx, 2.0, jy)
    to = scale_fn(torch).apply(tx, 2.0, ty)
    assert jo.grad_fn.name() == to.grad_fn.name() == "ScaleAddBackward"
    assert type(jo.grad_fn).__name__ == type(to.grad_fn).__name__
    assert repr(jo.grad_fn).startswith("<jtorch.autograd.function.ScaleAddBackward object at")
    assert "grad_fn=<ScaleAddBackward>" in repr(jo)
    # one entry per Tensor argument (the float k gets none)
    jn, tn = jo.grad_fn.next_functions, to.grad_fn.next_functions
    assert len(jn) == len(tn) == 2
    assert jn[0][0].name() == tn[0][0].name() == "torch::autograd::AccumulateGrad"
    # NOTE: torch shows (None, 0) for an input needing no grad; the jtorch tape stores None.
    assert tn[1] == (None, 0) and jn[1] in (None, (None, 0))


def test_ctx_is_grad_fn_and_needs_input_grad():
    seen = {}

    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, n):
                seen[lib.__name__] = (ctx.needs_input_grad, lib.is_grad_enabled())
                ctx.me = ctx
                return a * b

            @staticmethod
            def backward(ctx, g):
                seen[lib.__name__ + "bw"] = lib.is_grad_enabled()
                return g, g, None
        return F
    (ja, ta), (jb, tb) = pair([1.], True), pair([2.])
    jo, to = make(jtorch).apply(ja, jb, 3), make(torch).apply(ta, tb, 3)
    assert seen["jtorch"] == seen["torch"] == ((True, False, False), False)
    assert jo.grad_fn.me is jo.grad_fn and to.grad_fn.me is to.grad_fn
    jo.backward()
    to.backward()
    assert seen["jtorchbw"] == seen["torchbw"] is False
    close(ja.grad, ta.grad)


def test_setup_context_style_and_defaults():
    (jx, tx) = pair([1., 2., 3.], True)
    jo, to = setup_fn(jtorch).apply(jx), setup_fn(torch).apply(tx)
    close(jo, to)
    jo.backward(jtorch.ones(3))
    to.backward(torch.ones(3))
    close(jx.grad, tx.grad)
    jo2, to2 = setup_fn(jtorch).apply(jx, p=2.0), setup_fn(torch).apply(tx, p=2.0)
    close(jo2, to2)


def test_saved_tensors_freed_error():
    jx, tx = pair([1., 2.], True)
    jo, to = exp_fn(jtorch).apply(jx), exp_fn(torch).apply(tx)
    jo.backward(jtorch.ones(2))
    to.backward(torch.ones(2))
    jm, tm = raises_like(lambda: jo.grad_fn.saved_tensors, lambda: to.grad_fn.saved_tensors)
    assert jm == tm
    jm, tm = raises_like(lambda: jo.backward(jtorch.ones(2)), lambda: to.backward(torch.ones(2)))
    assert jm == tm


def test_retain_graph_allows_second_backward():
    jx, tx = pair([1., 2.], True)
    jo, to = exp_fn(jtorch).apply(jx), exp_fn(torch).apply(tx)
    jo.backward(jtorch.ones(2), retain_graph=True)
    jo.backward(jtorch.ones(2))
    to.backward(torch.ones(2), retain_graph=True)
    to.backward(torch.ones(2))
    close(jx.grad, tx.grad)


def test_saved_tensor_modified_in_place_raises():
    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * x
        return F
    jx, tx = pair([1., 2.], True)
    jy, ty = jx * 1, tx * 1
    jo, to = make(jtorch).apply(jy), make(torch).apply(ty)
    with jtorch.no_grad():
        jy.mul_(2)
    with torch.no_grad():
        ty.mul_(2)
    jm, tm = raises_like(lambda: jo.backward(jtorch.ones(2)), lambda: to.backward(torch.ones(2)))
    assert "modified by an inplace operation" in jm and "modified by an inplace operation" in tm


def test_mark_non_differentiable_and_materialize_grads():
    got = {}

    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 0).to(lib.int64)
                two = x * 2
                ctx.mark_non_differentiable(two)
                ctx.set_materialize_grads(False)
                return two, idx, x * 3

            @staticmethod
            def backward(ctx, g_two, g_idx, g3):
                got[lib.__name__] = (g_two, g_idx, g3 is not None)
                return g3 * 3
        return F
    jx, tx = pair([1., -2.], True)
    j2, ji, j3 = make(jtorch).apply(jx)
    t2, ti, t3 = make(torch).apply(tx)
    assert (j2.requires_grad, ji.requires_grad, j3.requires_grad) == \
        (t2.requires_grad, ti.requires_grad, t3.requires_grad) == (False, False, True)
    assert j2.grad_fn is None and ji.grad_fn is None
    j3.backward(jtorch.ones(2))
    t3.backward(torch.ones(2))
    assert got["jtorch"] == got["torch"] == (None, None, True)
    close(jx.grad, tx.grad)


def test_materialized_zero_grads_for_unused_outputs():
    got = {}

    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                got[lib.__name__] = g2
                return g1 * 2 + g2 * 3
        return F
    jx, tx = pair([1., 2.], True)
    ju, _ = make(jtorch).apply(jx)
    tu, _ = make(torch).apply(tx)
    ju.backward(jtorch.ones(2))
    tu.backward(torch.ones(2))
    close(got["jtorch"], got["torch"])
    close(jx.grad, tx.grad)


def test_mark_dirty():
    def make(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        return Double
    ja, ta = pair([1., 2., 3.], True)
    jb, tb = ja * 1, ta * 1
    jc, tc = make(jtorch).apply(jb), make(torch).apply(tb)
    assert jc is jb and tc is tb
    assert jb.grad_fn.name() == tb.grad_fn.name() == "DoubleBackward"
    assert jb._version == tb._version
    close(jb, tb)
    jb.backward(jtorch.ones(3))
    tb.backward(torch.ones(3))
    close(ja.grad, ta.grad)
    jm, tm = raises_like(lambda: make(jtorch).apply(ja), lambda: make(torch).apply(ta))
    assert jm == tm


def test_input_returned_unchanged_is_a_new_tensor():
    def make(lib):
        class Id(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 5
        return Id
    jx, tx = pair([1., 2.], True)
    jy, ty = make(jtorch).apply(jx), make(torch).apply(tx)
    assert jy is not jx and ty is not tx
    assert jy.grad_fn.name() == ty.grad_fn.name() == "IdBackward"
    jy.backward(jtorch.ones(2))
    ty.backward(torch.ones(2))
    close(jx.grad, tx.grad)
    with jtorch.no_grad():
        jz = make(jtorch).apply(jx)
    with torch.no_grad():
        tz = make(torch).apply(tx)
    assert jz.requires_grad == tz.requires_grad is False and jz is not jx


_BAD_RETURNS = {
    "too_many": lambda lib, g: (g, g, g),
    "too_few": lambda lib, g: (g,),
    "bad_shape": lambda lib, g: (lib.ones(3), None),
    "not_tensor": lambda lib, g: (3, None),
    "grad_for_non_tensor": lambda lib, g: (g, g),
}


@pytest.mark.parametrize("case", sorted(_BAD_RETURNS))
def test_backward_return_errors(case):
    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return _BAD_RETURNS[case](lib, g)
        return F
    jx, tx = pair([1., 2.], True)
    jm, tm = raises_like(lambda: make(jtorch).apply(jx, 1.0).backward(jtorch.ones(2)),
                         lambda: make(torch).apply(tx, 1.0).backward(torch.ones(2)))
    assert jm == tm


def test_extra_none_grads_and_broadcast_grad_reduction():
    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                # a (2, 3) gradient for a (3,) input is summed to shape, plus extra Nones
                return g * lib.ones(2, 3), None, None
        return F
    jx, tx = pair([1., 2., 3.], True)
    make(jtorch).apply(jx).backward(jtorch.ones(3))
    make(torch).apply(tx).backward(torch.ones(3))
    close(jx.grad, tx.grad)


def test_grad_dtype_cast_to_input():
    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g.double()
        return F
    jx, tx = pair([1., 2.], True)
    make(jtorch).apply(jx).backward(jtorch.ones(2))
    make(torch).apply(tx).backward(torch.ones(2))
    close(jx.grad, tx.grad)


def test_integer_and_non_tensor_outputs():
    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return (x > 0).to(lib.int64), 5

            @staticmethod
            def backward(ctx, g1, g2):
                return None
        return F
    jx, tx = pair([1., -1.], True)
    (ji, jn), (ti, tn) = make(jtorch).apply(jx), make(torch).apply(tx)
    assert jn == tn == 5
    assert ji.requires_grad == ti.requires_grad is False
    close(ji, ti)


def test_double_backward_through_function():
    def make(lib):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 2 * x * g
        return Square
    jx, tx = pair([1., 2., 3.], True)
    jg, = jtorch.autograd.grad(make(jtorch).apply(jx), jx, jtorch.ones(3), create_graph=True)
    tg, = torch.autograd.grad(make(torch).apply(tx), tx, torch.ones(3), create_graph=True)
    close(jg, tg)
    assert jg.requires_grad and tg.requires_grad
    jg2, = jtorch.autograd.grad(jg, jx, jtorch.ones(3))
    tg2, = torch.autograd.grad(tg, tx, torch.ones(3))
    close(jg2, tg2)


def test_once_differentiable():
    def make(lib):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                assert not lib.is_grad_enabled()
                x, = ctx.saved_tensors
                return 2 * x * g
        return Square
    jx, tx = pair([1., 2.], True)
    jg, = jtorch.autograd.grad(make(jtorch).apply(jx), jx, jtorch.ones(2), create_graph=True)
    tg, = torch.autograd.grad(make(torch).apply(tx), tx, torch.ones(2), create_graph=True)
    close(jg, tg)
    assert jg.requires_grad is tg.requires_grad is False
    # grad_outputs that require grad: the result is tied to a node that refuses to backward
    jy, ty = make(jtorch).apply(jx), make(torch).apply(tx)
    jg, = jtorch.autograd.grad(jy * jy, jx, jtorch.ones(2), create_graph=True)
    tg, = torch.autograd.grad(ty * ty, tx, torch.ones(2), create_graph=True)
    close(jg, tg)
    assert jg.requires_grad is tg.requires_grad is True
    jm, tm = raises_like(lambda: jg.backward(jtorch.ones(2)), lambda: tg.backward(torch.ones(2)))
    assert jm == tm
    assert jtorch.autograd.once_differentiable is jtorch.autograd.function.once_differentiable


def test_hooks_on_function_outputs_and_node():
    calls = []
    jx, tx = pair([1., 2.], True)
    for lib, x in ((jtorch, jx), (torch, tx)):
        o = exp_fn(lib).apply(x)
        o.register_hook(lambda g: g * 10)
        o.grad_fn.register_hook(lambda gi, go, lib=lib: calls.append(lib.__name__))
        o.backward(lib.ones(2))
    close(jx.grad, tx.grad)
    assert calls == ["jtorch", "torch"]


def test_no_grad_apply_records_nothing():
    jx, tx = pair([1., 2.], True)
    with jtorch.no_grad():
        jo = exp_fn(jtorch).apply(jx)
    with torch.no_grad():
        to = exp_fn(torch).apply(tx)
    assert jo.requires_grad == to.requires_grad is False
    assert jo.grad_fn is None and to.grad_fn is None
    jz, tz = pair([1., 2.])
    jo, to = exp_fn(jtorch).apply(jz), exp_fn(torch).apply(tz)
    assert jo.grad_fn is None and to.grad_fn is None
    close(jo, to)


def test_legacy_misuse_errors():
    F = exp_fn(jtorch)
    T = exp_fn(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jm, tm = raises_like(lambda: F()(jtorch.ones(1)), lambda: T()(torch.ones(1)))
    assert jm == tm
    with pytest.warns(DeprecationWarning):
        F()

    class NoBackward(jtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    class TNoBackward(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2
    jx, tx = pair([1.], True)
    jm, tm = raises_like(lambda: NoBackward.apply(jx).backward(),
                         lambda: TNoBackward.apply(tx).backward())
    assert jm == tm


def test_vjp_alias_of_backward():
    class F(jtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, g):
            return g * 7
    jx, _ = pair([1., 2.], True)
    F.apply(jx).backward(jtorch.ones(2))
    np.testing.assert_allclose(np.asarray(jx.grad._arr()), [7., 7.])


def test_function_under_func_transforms_uses_user_backward():
    class Clip(jtorch.autograd.Function):
        """Straight-through: forward rounds, backward passes the gradient unchanged."""

        @staticmethod
        def forward(x):
            return jtorch.round(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class TClip(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return torch.round(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * 3
    jx, tx = pair([0.3, 1.7], False)
    close(jtorch.func.jacrev(Clip.apply)(jx), torch.func.jacrev(TClip.apply)(tx))
    close(jtorch.func.vjp(Clip.apply, jx)[1](jtorch.ones(2)),
          torch.func.vjp(TClip.apply, tx)[1](torch.ones(2)))
    close(jtorch.autograd.functional.jacobian(Clip.apply, jx),
          torch.autograd.functional.jacobian(TClip.apply, tx))


def test_function_with_saved_tensors_under_jax_transforms():
    jx, tx = pair([0.5, 1.0, 2.0])
    E, T = setup_fn(jtorch), setup_fn(torch)
    close(jtorch.func.jacrev(E.apply)(jx), torch.func.jacrev(T.apply)(tx))
    close(jtorch.func.vjp(E.apply, jx)[1](jtorch.ones(3)),
          torch.func.vjp(T.apply, tx)[1](torch.ones(3)))
