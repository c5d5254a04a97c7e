"""Differentiable compiled calls: the compiled program's VJP as one tape node."""
import jax

from ..autograd.function import Function

__all__ = ["CompiledFunction", "vjp_program"]

# NOTE: > 0 while a compiled function is traced under jax.vjp (its differentiable-outputs
# path): custom autograd.Functions must then be JAX custom_vjps, not tape nodes.
IN_VJP = [0]


def vjp_program(pure, s_idx, i_idx):
    """(forward, backward) jitted: forward returns the outputs, the new state and the VJP of the
    outputs w.r.t. the state arrays s_idx and input arrays i_idx; backward applies it."""
    def fwd(diff, rest):
        arrs, grads, key, ins, hps = rest

        def f(*d):
            a2, i2 = list(arrs), list(ins)
            for k, i in enumerate(s_idx):
                a2[i] = d[k]
            for k, i in enumerate(i_idx):
                i2[i] = d[len(s_idx) + k]
            IN_VJP[0] += 1
            try:
                outs, new_arrs, new_grads, new_key = pure(a2, grads, key, i2, hps)
            finally:
                IN_VJP[0] -= 1
            return outs, (new_arrs, new_grads, new_key)
        outs, vjp, aux = jax.vjp(f, *diff, has_aux=True)
        return outs, aux, vjp

    def bwd(vjp, cts):
        return vjp(cts)
    return jax.jit(fwd), jax.jit(bwd)


class CompiledFunction(Function):
    """One compiled call on the tape: forward and backward are each one XLA program."""

    @staticmethod
    def forward(ctx, prog, rest, box, *diff):
        fwd, bwd = prog
        outs, (new_arrs, new_grads, new_key), vjp = fwd([t._arr() for t in diff], rest)
        box.update(new_arrs=new_arrs, new_grads=new_grads, new_key=new_key)
        ctx.vjp, ctx.bwd, ctx.outs = vjp, bwd, outs
        from .._tensor import wrap
        ts = tuple(wrap(o) for o in outs if o is not None)
        return ts if len(ts) != 1 else ts[0]

    @staticmethod
    def backward(ctx, *grads):
        import jax.numpy as jnp
        cts = []
        it = iter(grads)
        for o in ctx.outs:
            if o is None:
                cts.append(None)
            else:
                g = next(it)
                cts.append(jnp.zeros_like(o) if g is None else g._arr().astype(o.dtype))
        from .._tensor import wrap
        res = ctx.bwd(ctx.vjp, cts)
        return (None, None, None) + tuple(wrap(r) for r in res)
