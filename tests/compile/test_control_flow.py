"""torch.cond / torch.while_loop: eager and jtorch.compile results, gradients and errors vs torch."""
import numpy as np
import pytest
import torch

import jtorch
from jtorch._compile import cond as jcond, while_loop as jwhile
from _harness import assert_same, pair

W_T, W_J = torch.while_loop, jwhile


@pytest.fixture(autouse=True, scope="module")
def _static_dynamo():
    """torch's eager cond/while_loop trace with Dynamo; static shapes make that ~3x cheaper
    (the oracle's results are the same)."""
    with torch._dynamo.config.patch(automatic_dynamic_shapes=False,
                                    assume_static_by_default=True):
        yield


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError("did not raise")


def same_raise(fn_jt, fn_torch, *keys):
    """Both raise the same exception class (by name; torch's dynamo errors are RuntimeErrors)
    and both messages contain every key."""
    et, ej = _raised(fn_torch), _raised(fn_jt)
    assert type(ej).__name__ == type(et).__name__, (repr(ej), repr(et))
    assert isinstance(ej, RuntimeError) == isinstance(et, RuntimeError)
    for k in keys:
        assert k in str(et), (k, str(et))
        assert k in str(ej), (k, str(ej))


def same_tree(j, t):
    """Same container types and leaves (values, dtypes; Python ints equal)."""
    assert type(j).__name__ == type(t).__name__, (j, t)
    if isinstance(t, (tuple, list)):
        assert len(j) == len(t)
        for a, b in zip(j, t):
            same_tree(a, b)
    elif isinstance(t, dict):
        assert list(j) == list(t)
        for k in t:
            same_tree(j[k], t[k])
    elif isinstance(t, torch.Tensor):
        assert_same(j, t.detach())
    else:
        assert j == t


# ---- while_loop: eager values ---------------------------------------------------------------

def _loop_cases(lib):
    z = lib.tensor(0)
    x = lib.tensor([1.0, -2.0, 0.5])
    return [
        (lambda i, a: 2 * i < a.shape[0], lambda i, a: (i + 1, a * 2 + i), (0, x)),  # int carry
        (lambda i, d: i < 4, lambda i, d: (i + 1, [{"a": d[0]["a"].sin()}]), [z, [{"a": x}]]),
        (lambda i: i < 3, lambda i: i + 1, (lib.tensor(0, dtype=lib.int32),)),  # bare output
        (lambda i: i < 3, lambda i: [i + 1], [lib.tensor(5)]),  # zero iterations
    ]


def test_while_loop_eager_values():
    for (cj, bj, ij), (ct, bt, it) in zip(_loop_cases(jtorch), _loop_cases(torch)):
        same_tree(W_J(cj, bj, ij), W_T(ct, bt, it))
    a = jtorch.tensor(7)
    (r,) = W_J(lambda i: i < 3, lambda i: (i + 1,), (a,))
    assert r is not a and r._base is None  # NOTE: zero iterations return copies, as torch


def test_while_loop_eager_grads():
    for body in (lambda i, x: (i + 1, x * x), lambda i, x: (i + 1, x.sin())):
        wj, wt = pair([1.0, 2.0], "float32", requires_grad=True)
        oj = W_J(lambda i, x: i < 3, body, (jtorch.tensor(0), wj * 1))
        ot = W_T(lambda i, x: i < 3, body, (torch.tensor(0), wt * 1))
        assert oj[1].requires_grad
        oj[1].sum().backward()
        ot[1].sum().backward()
        assert_same(oj[1].detach(), ot[1].detach())
        assert_same(wj.grad, wt.grad)
    # NOTE: a captured tensor: torch 2.13's while_loop returns a wrong gradient here ([1, 4]
    # for w**3); jtorch matches torch's documented semantics, the plain Python loop.
    wj, wt = pair([1.0, 2.0], "float32", requires_grad=True)
    _, xj = W_J(lambda i, x: i < 3, lambda i, x: (i + 1, x * wj), (jtorch.tensor(0), jtorch.ones(2)))
    xt = torch.ones(2)
    for _ in range(3):
        xt = xt * wt
    xj.sum().backward()
    xt.sum().backward()
    assert_same(wj.grad, wt.grad)


# ---- while_loop: errors -----------------------------------------------------------------

def _z(lib):
    return (lib.tensor(0),)


_LOOP_ERRORS = [
    # (cond_fn, body_fn, carried_inputs(lib), message keys)
    (lambda i: (i < 3).float(), lambda i: (i + 1,), _z, ("unsupported cond_fn return type",)),
    (lambda i: i < 3, lambda i: (i + 1,), lambda L: (L.zeros(2),),
     ("unsupported cond_fn return type", "torch.Size([")),
    (lambda i: (i < 3,), lambda i: (i + 1,), _z, ("cond_fn must return a boolean",)),
    (lambda i: i < 3, lambda i: (i + 1.5,), _z,
     ("same metadata", "pair[0]", "dtype: torch.float32 vs torch.int64")),
    (lambda i: i < 3, lambda i: (i.unsqueeze(0) + 1,), _z,
     ("same metadata", "shape: torch.Size([1]) vs torch.Size([])")),
    (lambda i: i > 3, lambda i: (i + 1.5,), _z, ("same metadata",)),  # even with no iteration
    (lambda i: i < 3, lambda i: (i + 1, i * 1), _z, ("same number of outputs",)),
    (lambda i, x: i < 3, lambda i, x: (i + 1, 2), lambda L: (L.tensor(0), L.zeros(2)),
     ("same metadata", "pair[1] differ in type")),
    (lambda i: i < 3, lambda i: (i,), _z, ("aliasing",)),
    (lambda i, x: i < 3, lambda i, x: (i + 1, x.add_(1)), lambda L: (L.tensor(0), L.zeros(2)),
     ("input mutation",)),
    (lambda i: True, lambda i: (i + 1,), _z, ("infinite loop detected",)),
    (lambda i: i < 3, lambda i: (i + 1,), lambda L: (1.5,), ("can only be of", "float")),
    (3, lambda i: (i + 1,), _z, ("Expect cond_fn and body_fn to be callable.",)),
]


@pytest.mark.parametrize("k", range(len(_LOOP_ERRORS)))
def test_while_loop_errors(k):
    c, b, ins, keys = _LOOP_ERRORS[k]
    same_raise(lambda: W_J(c, b, ins(jtorch)), lambda: W_T(c, b, ins(torch)), *keys)


def test_captured_writes():
    bj, bt = jtorch.zeros(2), torch.zeros(2)

    def body(lib, buf):
        def f(i, x):
            buf.add_(1)
            return i + 1, x * 2
        return f
    same_raise(lambda: W_J(lambda i, x: i < 3, body(jtorch, bj), (jtorch.tensor(0), jtorch.ones(2))),
               lambda: W_T(lambda i, x: i < 3, body(torch, bt), (torch.tensor(0), torch.ones(2))),
               "input mutation")
    assert_same(bj, bt)  # NOTE: the rejected body left the buffer alone
    # NOTE: in inference torch lets the body write into captured tensors
    with torch.no_grad(), jtorch.no_grad():
        same_tree(W_J(lambda i, x: i < 3, body(jtorch, bj), (jtorch.tensor(0), jtorch.ones(2))),
                  W_T(lambda i, x: i < 3, body(torch, bt), (torch.tensor(0), torch.ones(2))))
        assert_same(bj, bt)

        def tf(buf):
            def f(a):
                buf.add_(1)
                return a * 2
            return f
        same_tree(jcond(jtorch.tensor(True), tf(bj), lambda a: a - 1, (jtorch.ones(2),)),
                  torch.cond(torch.tensor(True), tf(bt), lambda a: a - 1, (torch.ones(2),)))
        assert_same(bj, bt)


# ---- while_loop: compiled ------------------------------------------------------------------

def test_while_loop_compiled_equals_torch():
    def f(lib, W):
        def fn(x):
            return W(lambda i, a: i < 4, lambda i, a: (i + 1, a.cos() * 1.5), (lib.tensor(0), x))
        return fn
    cf = jtorch.compile(f(jtorch, W_J))
    xj, xt = pair(np.linspace(-1, 1, 5).astype("float32"))
    want = f(torch, W_T)(xt)
    for _ in range(3):
        same_tree(cf(xj), want)
    assert jtorch.compiler.counters["traces"] >= 1

    # NOTE: an int carry with a cond_fn on shapes only: the loop unrolls inside the trace
    def g(lib, W):
        return lambda x: W(lambda i, a: 2 * i < a.shape[0], lambda i, a: (i + 1, a + i), (0, x))
    cg = jtorch.compile(g(jtorch, W_J))
    want = g(torch, W_T)(xt)
    for _ in range(2):
        same_tree(cg(xj), want)


def test_compiled_rng_and_limits():
    def f(x):
        return W_J(lambda i, a: i < 3, lambda i, a: (i + 1, a + jtorch.randn(3)),
                   (jtorch.tensor(0), x))
    cf = jtorch.compile(f)
    jtorch.manual_seed(0)
    eager = [f(jtorch.zeros(3))[1] for _ in range(3)]
    jtorch.manual_seed(0)
    comp = [cf(jtorch.zeros(3))[1] for _ in range(3)]
    for e, c in zip(eager, comp):
        assert_same(c, torch.tensor(e.numpy()))
    assert not np.allclose(comp[1].numpy(), comp[2].numpy())  # the key advanced
    # NOTE: random ops in a traced cond branch draw what the eager branch draws
    def g(x):
        return jcond(x.sum() > 0, lambda a: a + jtorch.randn(3), lambda a: a - jtorch.rand(3),
                     (x,))
    cg = jtorch.compile(g)
    jtorch.manual_seed(0)
    eager = [g(jtorch.ones(3)) for _ in range(3)]
    jtorch.manual_seed(0)
    comp = [cg(jtorch.ones(3)) for _ in range(3)]
    for e, c in zip(eager, comp):
        assert_same(c, torch.tensor(e.numpy()))
    # NOTE: with grad on, a compiled loop over a tensor that requires grad runs forward (its
    # outputs require grad, as torch's); only a backward through it is unsupported
    w = jtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    cw = jtorch.compile(lambda x: W_J(lambda i, a: i < 2, lambda i, a: (i + 1, a * w),
                                      (jtorch.tensor(0), x))[1])
    want = cw(jtorch.ones(3))  # the first call runs eagerly
    got = cw(jtorch.ones(3))
    assert got.requires_grad and want.requires_grad
    assert_same(got.detach(), torch.tensor(want.detach().numpy()))
    with pytest.raises(NotImplementedError, match="gradients through the loop"):
        got.sum().backward()
    ci = jtorch.compile(lambda x: W_J(lambda i, a: a.sum() < 10, lambda i, a: (i + 1, a * 2),
                                      (0, x)))
    ci(jtorch.ones(3))
    with pytest.raises(NotImplementedError, match="int carries"):
        ci(jtorch.ones(3))


def _py_while(cond_fn, body_fn, carried):
    """torch.while_loop's documented semantics, as a plain Python loop (a cheap torch oracle)."""
    while cond_fn(*carried):
        carried = body_fn(*carried)
    return carried


def _py_cond(pred, true_fn, false_fn, operands):
    """torch.cond's semantics with Python control flow."""
    return true_fn(*operands) if pred else false_fn(*operands)


def _newton_step(lib, W, model, opt):
    """A training step whose target comes from a fixed-point loop (Newton's square root)."""
    def step(x, y):
        def body(k, r):
            return k + 1, 0.5 * (r + y / r)
        _, root = W(lambda k, r: k < 6, body, (lib.tensor(0), lib.ones_like(y)))
        opt.zero_grad()
        loss = ((model(x) - root) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.detach()
    return step


def test_while_loop_in_a_compiled_training_step():
    torch.manual_seed(0)
    tm = torch.nn.Linear(4, 2)
    jm = jtorch.nn.Linear(4, 2)
    with jtorch.no_grad():
        jm.weight.copy_(jtorch.tensor(tm.weight.detach().numpy()))
        jm.bias.copy_(jtorch.tensor(tm.bias.detach().numpy()))
    tstep = _newton_step(torch, _py_while, tm, torch.optim.SGD(tm.parameters(), lr=0.1))
    jstep = jtorch.compile(_newton_step(jtorch, W_J, jm, jtorch.optim.SGD(jm.parameters(), lr=0.1)))
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((8, 4)).astype("float32")
        y = rng.uniform(1, 4, (8, 2)).astype("float32")
        assert_same(jstep(jtorch.tensor(x), jtorch.tensor(y)), tstep(torch.tensor(x),
                                                                     torch.tensor(y)))
    assert_same(jm.weight.detach(), tm.weight.detach())


# ---- cond -------------------------------------------------------------------------------

def test_cond_eager_values_and_grads():
    xj, xt = pair([1.0, -2.0, 0.5], "float32", requires_grad=True)
    wj, wt = pair([0.5, 2.0, -1.0], "float32", requires_grad=True)
    for pj, pt in ((jtorch.tensor(True), torch.tensor(True)),
                   (jtorch.tensor([0.0]), torch.tensor([0.0])),
                   (jtorch.tensor(2), torch.tensor(2))):
        def run(cnd, p, x, w):  # NOTE: x an operand, w captured: both get gradients
            return cnd(p, lambda a: (a * w).sin(), lambda a: a - w, [x])
        oj, ot = run(jcond, pj, xj, wj), run(torch.cond, pt, xt, wt)
        assert_same(oj.detach(), ot.detach())
        assert oj.grad_fn.name() == ot.grad_fn.name()
        oj.sum().backward()
        ot.sum().backward()
        assert_same(xj.grad, xt.grad)
        assert_same(wj.grad, wt.grad)
        xj.grad = wj.grad = xt.grad = wt.grad = None
    # NOTE: as torch: every floating output requires grad, and an input the taken branch does
    # not use gets a zero gradient (not None)
    def unused(cnd, p, x, w):
        return cnd(p, lambda a: (a * 2, a * w), lambda a: (a * w, a * 3), (x,))
    oj = unused(jcond, jtorch.tensor(True), xj.detach(), wj)
    ot = unused(torch.cond, torch.tensor(True), xt.detach(), wt)
    assert [o.requires_grad for o in oj] == [o.requires_grad for o in ot]
    oj[0].sum().backward()
    ot[0].sum().backward()
    assert_same(wj.grad, wt.grad)
    # NOTE: nested operands, and int outputs beside tensors
    def nested(cnd, p, x):
        return cnd(p, lambda d: {"y": d["a"] * 2, "n": 3}, lambda d: {"y": d["a"] - 1, "n": 3},
                   ({"a": x},))
    same_tree(nested(jcond, jtorch.tensor(False), xj.detach()),
              nested(torch.cond, torch.tensor(False), xt.detach()))
    # NOTE: a Python constant predicate only picks its branch (torch does no checks then)
    assert_same(jcond(True, lambda a: a * 2, lambda a: (a,), (xj,)).detach(),
                torch.cond(True, lambda a: a * 2, lambda a: (a,), (xt,)).detach())
    same_raise(lambda: jcond(True, lambda a: a, lambda a: a, 3),
               lambda: torch.cond(True, lambda a: a, lambda a: a, 3), "iterable")


def _x(lib):
    return (lib.tensor([1.0, 2.0]),)


_COND_ERRORS = [
    # (pred(lib), true_fn, false_fn, operands(lib), message keys)
    (lambda L: "x", lambda a: a * 2, lambda a: a - 1, _x, ("Expected pred to be bool or tensor",)),
    (lambda L: L.tensor([True, False]), lambda a: a * 2, lambda a: a - 1, _x,
     ("Expected pred to be bool or single-element tensor", "tensor([ True, False])")),
    (lambda L: L.tensor(True), 3, lambda a: a - 1, _x, ("Expect both branches to be callable.",)),
    (lambda L: L.tensor(True), lambda a: a * 2, lambda a: a - 1, lambda L: (L.ones(2), 3),
     ("Expect operands to be a tuple of possibly nested dict/list/tuple",)),
    (lambda L: L.tensor(True), lambda a: a * 2, lambda a: (a - 1).long(), _x,
     ("When merging two branches' output in torch.cond,",
      "expected same dtype but got torch.float32 and torch.int64.")),
    (lambda L: L.tensor(False), lambda a: a * 2, lambda a: a.sum(), _x,
     ("expected same dim but got 1 and 0.",)),
    (lambda L: L.tensor(True), lambda a: {"u": a * 2}, lambda a: {"v": a - 1}, _x,
     ("differing branch outputs", "same pytree structure")),
    (lambda L: L.tensor(True), lambda a: [a * 2], lambda a: (a - 1,), _x,
     ("differing branch outputs",)),
    (lambda L: L.tensor(True), lambda a: a.unsqueeze(0), lambda a: a.unsqueeze(0) * 1, _x,
     ("aliasing",)),
    (lambda L: L.tensor(True), lambda a: a.add_(1), lambda a: a - 1,
     lambda L: (L.ones(2),), ("input mutation",)),
    (lambda L: L.tensor(True), lambda a: (a * 1, 3.0), lambda a: (a - 1, 4.0), _x,
     ("HOP body output unsupported", "<class 'float'>")),
]


@pytest.mark.parametrize("k", range(len(_COND_ERRORS)))
def test_cond_errors(k):
    p, t, f, ops, keys = _COND_ERRORS[k]
    same_raise(lambda: jcond(p(jtorch), t, f, ops(jtorch)),
               lambda: torch.cond(p(torch), t, f, ops(torch)), *keys)


def test_cond_compiled_values_grads_and_errors():
    def g(lib, cnd):
        def fn(x, w):
            return cnd(x.sum() > 0, lambda a: (a * w).sin(), lambda a: a - w, (x,))
        return fn
    cg = jtorch.compile(g(jtorch, jcond))
    for v in ([1.0, 2.0], [-3.0, 1.0]):
        wj, wt = pair([1.0, 3.0], "float32", requires_grad=True)
        xj, xt = pair(v, "float32", requires_grad=True)
        ot = g(torch, torch.cond)(xt, wt)
        ot.sum().backward()
        for _ in range(2):
            oj = cg(xj, wj)
            assert oj.requires_grad
            assert_same(oj.detach(), ot.detach())
            oj.sum().backward()
            assert_same(wj.grad, wt.grad)
            assert_same(xj.grad, xt.grad)
            wj.grad = xj.grad = None
    bad = jtorch.compile(lambda x: jcond(x.sum() > 0, lambda a: a * 2, lambda a: a[:1] * 2,
                                         (x,)))
    bad(jtorch.ones(2))  # NOTE: eager, as torch: branch sizes may differ
    with pytest.raises(NotImplementedError, match="different shapes"):
        bad(jtorch.ones(2))
    mism = jtorch.compile(lambda x: jcond(x.sum() > 0, lambda a: a * 2, lambda a: a.sum(), (x,)))
    for _ in range(2):  # eager, then traced
        with pytest.raises(RuntimeError, match="expected same dim"):
            mism(jtorch.ones(2))


def _cond_step(lib, cnd, model, opt):
    def step(x, y):
        opt.zero_grad()
        h = model(x)
        out = cnd(h.mean() > 0, lambda a: (a * model.weight.sum()).tanh(),
                  lambda a: a * a, (h,))
        loss = ((out - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.detach()
    return step


def test_cond_in_a_compiled_training_step():
    torch.manual_seed(1)
    tm = torch.nn.Linear(3, 2)
    jm = jtorch.nn.Linear(3, 2)
    with jtorch.no_grad():
        jm.weight.copy_(jtorch.tensor(tm.weight.detach().numpy()))
        jm.bias.copy_(jtorch.tensor(tm.bias.detach().numpy()))
    tstep = _cond_step(torch, _py_cond, tm, torch.optim.SGD(tm.parameters(), lr=0.2))
    jstep = jtorch.compile(_cond_step(jtorch, jcond, jm, jtorch.optim.SGD(jm.parameters(),
                                                                            lr=0.2)))
    rng = np.random.default_rng(1)
    for k in range(4):
        x = (rng.standard_normal((6, 3)) + (2 if k % 2 else -2)).astype("float32")
        y = rng.standard_normal((6, 2)).astype("float32")
        assert_same(jstep(jtorch.tensor(x), jtorch.tensor(y)),
                    tstep(torch.tensor(x), torch.tensor(y)), rtol=1e-5)
    assert_same(jm.weight.detach(), tm.weight.detach(), rtol=1e-5)


def test_cond_nested_in_while_loop():
    def f(lib, W, cnd):
        def fn(x):
            def body(i, a):
                return i + 1, cnd(a.sum() > 0, lambda b: b - 1.5, lambda b: b * -2.0, (a,))
            return W(lambda i, a: i < 5, body, (lib.tensor(0), x))
        return fn
    xj, xt = pair([0.5, 1.0, 2.0], "float32")
    want = f(torch, W_T, torch.cond)(xt)
    same_tree(f(jtorch, W_J, jcond)(xj), want)
    cf = jtorch.compile(f(jtorch, W_J, jcond))
    for _ in range(2):
        same_tree(cf(xj), want)
