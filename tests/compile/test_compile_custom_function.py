"""Custom autograd.Functions inside jtorch.compile, against torch eager: a compiled training
step whose backward() runs through the user's backward, and a compiled forward whose outputs are
differentiated outside (the user's backward, not JAX's derivative of forward)."""
import numpy as np
import torch

import jtorch


def _functions(lib):
    class Sq(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class TripleGrad(lib.autograd.Function):
        """Identity forward, backward scaled by 3: JAX's own derivative would give 1."""
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return 3 * g
    return Sq, TripleGrad


def _train(lib, compile_):
    Sq, Triple = _functions(lib)
    w = lib.nn.Parameter(lib.tensor([1.0, 2.0, -0.5]))
    opt = lib.optim.SGD([w], lr=0.1, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = Triple.apply(Sq.apply(w)).sum()
        loss.backward()
        opt.step()
        return loss.detach()
    run = jtorch.compile(step) if compile_ else step
    return [(float(run()), w.grad.numpy().copy(), w.detach().numpy().copy()) for _ in range(4)]


def test_compiled_training_step_runs_the_users_backward():
    ref = _train(torch, False)
    for got in (_train(jtorch, False), _train(jtorch, True)):
        for (lr, gr, wr), (lg, gg, wg) in zip(ref, got):
            assert abs(lr - lg) < 1e-5
            np.testing.assert_allclose(gg, gr, rtol=1e-6)
            np.testing.assert_allclose(wg, wr, rtol=1e-6)


def test_compiled_forward_differentiated_outside_uses_the_users_backward():
    out = []
    for lib, comp in ((torch, False), (jtorch, True)):
        Sq, Triple = _functions(lib)
        w = lib.nn.Parameter(lib.tensor([1.0, 2.0, -0.5]))

        def fwd(x):
            return Triple.apply(Sq.apply(w) * x)
        f = jtorch.compile(fwd) if comp else fwd
        grads = []
        for _ in range(3):
            w.grad = None
            f(lib.ones(3)).sum().backward()
            grads.append(w.grad.numpy().copy())
        out.append(grads)
    for a, b in zip(*out):
        np.testing.assert_allclose(b, a, rtol=1e-6)
