"""Differentiable compiled calls: the compiled program's VJP as one tape node.

A compiled module used in an eager training loop (`torch.compile(model)`, then `loss.backward()`
and `opt.step()` outside) runs here: one XLA program for the forward, one for the backward.
"""
import functools

import jax

from ..autograd.function import Function

__all__ = ["CompiledFunction", "vjp_program"]

# NOTE: > 0 while a compiled function is traced under jax.vjp (its differentiable-outputs
# path): custom autograd.Functions must then be JAX custom_vjps, not tape nodes.
IN_VJP = [0]

# NOTE: what the forward program keeps for the backward: the outputs of matmuls and
# convolutions (as torch's autograd saves them); elementwise work is recomputed inside the
# backward program, where XLA fuses it into the gradient kernels. Saving everything (plain
# jax.vjp) made the forward program write every intermediate and a transposed copy of each
# weight: on a 784-256-256-10 MLP (batch 64, CPU) its forward took ~2x a plain forward.
_POLICY = jax.checkpoint_policies.dots_saveable


class _Layout:
    """How one trace of the forward program packed its results (static, per input signature):
    which new-state entries are new (the rest are the inputs, unchanged) and which VJP
    residuals are computed (the rest are inputs of the forward, passed again to the backward)."""

    def __init__(self):
        self.new_arrs = self.new_grads = self.new_key = None  # indices of changed entries
        self.tree = self.where = self.bwd = None


class _Program:
    """The jitted forward (outputs, changed state, residuals) and backward of a compiled call."""

    def __init__(self, pure, s_idx, i_idx):
        self.pure, self.s_idx, self.i_idx = pure, s_idx, i_idx
        self.layouts = {}  # input signature -> _Layout
        self.fwd = jax.jit(self._fwd)

    def _fwd(self, diff, rest):
        arrs, grads, key, ins, hps = rest
        lay = _Layout()

        def f(*d):
            a2, i2 = list(arrs), list(ins)
            for k, i in enumerate(self.s_idx):
                a2[i] = d[k]
            for k, i in enumerate(self.i_idx):
                i2[i] = d[len(self.s_idx) + k]
            IN_VJP[0] += 1
            try:
                outs, new_arrs, new_grads, new_key = self.pure(a2, grads, key, i2, hps)
            finally:
                IN_VJP[0] -= 1
            # NOTE: state the call left as it was is not returned (a program output that is
            # just an input is still a copy); the caller takes the input back instead.
            lay.new_arrs = [i for i, (n, o) in enumerate(zip(new_arrs, a2)) if n is not o]
            lay.new_grads = [i for i, (n, o) in enumerate(zip(new_grads, grads)) if n is not o]
            lay.new_key = new_key is not key
            return outs, ([new_arrs[i] for i in lay.new_arrs],
                          [new_grads[i] for i in lay.new_grads],
                          new_key if lay.new_key else None)
        g = jax.checkpoint(f, policy=_POLICY, prevent_cse=False)
        outs, vjp, aux = jax.vjp(g, *diff, has_aux=True)
        # NOTE: residuals that are the forward's own inputs (weights, the batch) are not
        # returned either: the backward gets those arrays again.
        srcs = jax.tree_util.tree_leaves((diff, rest))
        pos = {id(s): j for j, s in enumerate(srcs)}
        leaves, lay.tree = jax.tree_util.tree_flatten(vjp)
        lay.where = [pos.get(id(v)) for v in leaves]
        lay.bwd = jax.jit(functools.partial(_apply_vjp, lay.tree, lay.where))
        self.layouts[_signature(srcs)] = lay
        return outs, aux, [v for v, w in zip(leaves, lay.where) if w is None]

    def forward(self, diff, rest):
        """(outputs, (new arrays, new grads, new key), backward closure) of one call."""
        arrs, grads, key, _, _ = rest
        outs, (changed_a, changed_g, new_key), res = self.fwd(diff, rest)
        srcs = jax.tree_util.tree_leaves((diff, rest))
        lay = (next(iter(self.layouts.values())) if len(self.layouts) == 1
               else self.layouts[_signature(srcs)])
        new_arrs, new_grads = list(arrs), list(grads)
        for i, a in zip(lay.new_arrs, changed_a):
            new_arrs[i] = a
        for i, g in zip(lay.new_grads, changed_g):
            new_grads[i] = g
        kept = [srcs[w] for w in lay.where if w is not None]
        return outs, (new_arrs, new_grads, new_key if lay.new_key else key), \
            functools.partial(lay.bwd, res, kept)


def _signature(leaves):
    return tuple((v.shape, v.dtype) for v in leaves)


def _apply_vjp(tree, where, res, kept, cts):
    """The VJP rebuilt from its computed residuals and the forward's inputs, applied."""
    res, kept = iter(res), iter(kept)
    leaves = [next(res) if w is None else next(kept) for w in where]
    return jax.tree_util.tree_unflatten(tree, leaves)(cts)


def vjp_program(pure, s_idx, i_idx):
    """The forward/backward program pair of a compiled call whose outputs require grad: the
    VJP is taken w.r.t. the state arrays s_idx and the input arrays i_idx."""
    return _Program(pure, s_idx, i_idx)


class CompiledFunction(Function):
    """One compiled call on the tape: forward and backward are each one XLA program."""

    @staticmethod
    def forward(ctx, prog, rest, box, *diff):
        outs, (new_arrs, new_grads, new_key), bwd = prog.forward([t._arr() for t in diff], rest)
        box.update(new_arrs=new_arrs, new_grads=new_grads, new_key=new_key)
        ctx.bwd, ctx.outs = bwd, outs
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
        res = ctx.bwd(cts)
        return (None, None, None) + tuple(wrap(r) for r in res)
