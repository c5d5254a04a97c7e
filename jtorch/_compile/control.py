"""torch.cond on jax.lax.cond: a data-dependent branch inside compiled code.

Also the machinery torch.while_loop (_while_loop.py) shares: running user branch code on traced
arrays without leaking tracers, and torch's errors for what a higher-order op rejects.
"""
import jax
import jax.numpy as jnp

__all__ = ["cond", "TorchDynamoException", "UncapturedHigherOrderOpError", "TorchRuntimeError"]


class TorchDynamoException(RuntimeError):
    """torch._dynamo.exc.TorchDynamoException: the base of the errors below."""


class UncapturedHigherOrderOpError(TorchDynamoException):
    """torch._dynamo.exc.UncapturedHigherOrderOpError: a higher-order op's body is unsupported."""


class TorchRuntimeError(TorchDynamoException):
    """torch._dynamo.exc.TorchRuntimeError: a check on traced (fake) tensors failed."""


_CONCRETE = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
             jax.errors.TracerIntegerConversionError)
_HEAD = ("This higher order operator doesn't work unless it is captured completely with "
         "torch.compile. Got graph break/error:\n\n")


def graph_break(hop, what, explanation):
    """torch's UncapturedHigherOrderOpError for a graph break inside a higher-order op."""
    return UncapturedHigherOrderOpError(
        f"{_HEAD}{what}\n  Higher Order Operator: {hop}\n  Explanation: {explanation}")


def _T():
    from .._tensor import Tensor
    return Tensor


def flatten(tree):
    """(leaves, treedef) with Tensors as leaves."""
    T = _T()
    # NOTE: None is a leaf, as in torch's pytree (JAX's would drop it)
    return jax.tree_util.tree_flatten(tree, is_leaf=lambda x: x is None or isinstance(x, T))


def captured(*fns):
    """The root tensors the functions reach through closures, globals and defaults."""
    from . import state as S
    out = {}
    for f in fns:
        out.update(S.collect(f, (), {}).tensors)
    return list(out.values())


def strong(a):
    """The array without JAX's weak type (loop carries and branch outputs must agree exactly)."""
    return jax.lax.convert_element_type(a, a.dtype)


def call_user(hop, fn, in_tree, vals, caps=(), cap_arrs=None, key=None, eager=False):
    """Run fn(*unflatten(in_tree, vals)) on arrays, as a higher-order op's body: arrays among
    `vals` become fresh Tensors, grad mode is off, the captured tensors `caps` see `cap_arrs`
    (when given) and get their own arrays back afterwards, the RNG key starts at `key` (when
    given) and is restored. Returns (output leaves, output treedef, the RNG key fn left).
    Raises torch's errors for a body that writes into or returns (a view of) an input.
    `eager`: a check before an eager run, which may then write into captured tensors."""
    from .. import _random as R
    from .._tensor import wrap
    from ..autograd.grad_mode import is_grad_enabled, no_grad
    T = _T()
    grad_on = is_grad_enabled()
    gen = R.default_generator
    saved_key = gen._key
    snap = [(t, t._a, t._ver) for t in caps]
    args = [wrap(v) if isinstance(v, jax.Array) else v for v in vals]
    ins = {id(a): a for a in args if isinstance(a, T)}
    try:
        if cap_arrs is not None:
            for t, a in zip(caps, cap_arrs):
                t._a = a
                t._ver += 1  # NOTE: views of a captured tensor re-read their base
        if key is not None:
            gen._key = key
        with no_grad():
            out = fn(*jax.tree_util.tree_unflatten(in_tree, args))
        new_key = gen._key
        # NOTE: with grad on, a write into a captured tensor is an input mutation to torch too
        # (captured tensors are lifted to inputs); in inference torch allows it.
        bump = 0 if cap_arrs is None else 1
        wrote = [t for t, _, v in snap if t._ver != v + bump]
    finally:
        gen._key = saved_key
        for t, a, v in snap:
            t._a = a
            t._ver = v
    leaves, tree = flatten(out)
    if wrote and not grad_on and not eager:
        raise NotImplementedError(f"{hop}: writing into a captured tensor inside a traced "
                                  f"{hop} (jtorch.compile) is not supported; return the new "
                                  f"value instead")
    if any(a._ver != 0 for a in ins.values()) or (wrote and grad_on):
        raise graph_break(hop, "Encountered input mutation during higher order op tracing",
                          "Higher order ops do not support input mutation.")
    for o in leaves:
        if isinstance(o, T) and (id(o) in ins or (o._base is not None and id(o._base) in ins)):
            raise graph_break(hop, "Encountered aliasing during higher order op tracing",
                              "Higher order ops do not support aliasing. Hint: Replace "
                              "`return input` with `return input.clone()` to avoid aliasing.")
        if not isinstance(o, (T, int)):
            raise graph_break(hop, "HOP body output unsupported",
                              "HigherOrderOperator body's output must consist of tensors or "
                              f"ints/bools only but got {type(o)}.")
    return leaves, tree, new_key


def abstract(hop, fn, in_tree, leaves, caps, eager=False):
    """(output leaves as ('T', shape, dtype) or ('C', value), output treedef) of fn run on
    abstract values of the Tensor leaves; None when fn reads a tensor's value (then only a
    concrete run can tell). `eager`: an eager run follows (see call_user)."""
    T = _T()
    pos = [i for i, x in enumerate(leaves) if isinstance(x, T)]
    box = {}

    def f(arrs):
        vals = list(leaves)
        for i, a in zip(pos, arrs):
            vals[i] = a
        outs, tree, _ = call_user(hop, fn, in_tree, vals, caps, eager=eager)
        box["r"] = ([("T", tuple(o.shape), o.dtype) if isinstance(o, T) else ("C", o)
                     for o in outs], tree)
        return [o._arr() for o in outs if isinstance(o, T)]
    try:
        jax.eval_shape(f, [leaves[i]._arr() for i in pos])
    except _CONCRETE:
        return None
    return box["r"]


def _merge_check(t, f, traced):
    """torch's checks that both branches' outputs can merge (structure, dtype, dim)."""
    (tl, tt), (fl, ft) = t, f
    if tt != ft:
        raise graph_break("torch.cond", "torch.cond: differing branch outputs",
                          "Expected branches to return the same pytree structure.")
    pre = "When merging two branches' output in torch.cond, "
    for a, b in zip(tl, fl):
        if a[0] != b[0]:
            raise TorchRuntimeError(f"RuntimeError when making fake tensor call: {pre} "
                                    f"expected both outputs to be tensors or ints but got "
                                    f"{a[1] if a[0] == 'C' else a[2]} and "
                                    f"{b[1] if b[0] == 'C' else b[2]}.")
        if a[0] == "C":
            if traced and a[1] != b[1]:
                raise NotImplementedError(
                    "torch.cond under jtorch.compile: branches returning different Python ints "
                    f"({a[1]} and {b[1]}) are not supported; return tensors instead")
            continue
        for what, x, y in (("dtype", a[2], b[2]), ("dim", len(a[1]), len(b[1]))):
            if x != y:
                raise TorchRuntimeError(f"RuntimeError when making fake tensor call: {pre} "
                                        f"expected same {what} but got {x} and {y}.")
        if traced and a[1] != b[1]:
            # NOTE: torch merges differing sizes into unbacked symbolic sizes; XLA programs
            # have static shapes.
            raise NotImplementedError(
                f"torch.cond under jtorch.compile: branches returning tensors of different "
                f"shapes ({list(a[1])} and {list(b[1])}) are not supported (static shapes)")


def _validate(pred, true_fn, false_fn, operands):
    """torch.cond's argument checks (a tensor predicate)."""
    T = _T()
    if not isinstance(pred, T):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if pred.numel() != 1:
        raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("Expect both branches to be callable.")
    if not isinstance(operands, (tuple, list)) or \
            any(not isinstance(x, T) for x in flatten(operands)[0]):
        raise RuntimeError("Expect operands to be a tuple of possibly nested dict/list/tuple "
                           f"that only consists of tensor leaves, but got {operands}.")


def cond(pred, true_fn, false_fn, operands=()):
    """Run true_fn(*operands) if pred else false_fn(*operands); traced as lax.cond."""
    from ..autograd.grad_mode import is_grad_enabled
    if isinstance(pred, (bool, int, float)):
        # NOTE: as torch: a Python constant just picks its branch, with no checks
        return true_fn(*operands) if pred else false_fn(*operands)
    _validate(pred, true_fn, false_fn, operands)
    leaves, in_tree = flatten(operands)
    caps = captured(true_fn, false_fn)
    p = pred._arr()
    traced = isinstance(p, jax.core.Tracer)
    # NOTE: as torch (which traces both branches first, in eager mode too), both branches are
    # checked on abstract values before anything runs.
    t = abstract("torch.cond", true_fn, in_tree, leaves, caps, eager=not traced)
    f = abstract("torch.cond", false_fn, in_tree, leaves, caps, eager=not traced)
    if t is None or f is None:
        if traced:
            raise NotImplementedError("torch.cond: a branch reads a tensor's value (Python "
                                      "control flow on a tensor); that cannot be traced")
    else:
        _merge_check(t, f, traced)
    T = _T()
    if traced:
        return _run_program(p, true_fn, false_fn, leaves, in_tree, caps, t, True)
    if t is not None and f is not None and is_grad_enabled() and all(
            a[0] != "T" or a[1] == b[1] for a, b in zip(t[0], f[0])) and any(
            x._rg for x in leaves + caps if isinstance(x, T)):
        # NOTE: as torch's CondAutogradOp: every floating output requires grad and every
        # operand and captured tensor gets a gradient (zeros where the branch did not use it)
        return _run_program(p, true_fn, false_fn, leaves, in_tree, caps, t, False)
    return true_fn(*operands) if bool(p.reshape(())) else false_fn(*operands)


def _program(true_fn, false_fn, leaves, in_tree, caps):
    """f(pred, key, *operand arrays, *captured arrays) -> (*output arrays, key): jax.lax.cond
    over the two branches."""
    T = _T()
    nt = sum(1 for x in leaves if isinstance(x, T))
    # NOTE: the program keeps no operand tensors alive (only the non-tensor leaves)
    template = [None if isinstance(x, T) else x for x in leaves]
    is_t = [isinstance(x, T) for x in leaves]

    def branch(fn):
        def run(ops):
            key, arrs = ops
            it = iter(arrs[:nt])
            vals = [next(it) if m else x for m, x in zip(is_t, template)]
            outs, _, k = call_user("torch.cond", fn, in_tree, vals, caps, arrs[nt:], key)
            return [strong(o._arr()) for o in outs if isinstance(o, T)], k
        return run

    def body(pred, key, *arrs):
        outs, k = jax.lax.cond(jnp.reshape(pred, ()).astype(bool), branch(true_fn),
                               branch(false_fn), (key, list(arrs)))
        return (*outs, k)
    return body


def _run_program(p, true_fn, false_fn, leaves, in_tree, caps, t, traced):
    """Run the lax.cond program as one autograd node over the operands and the captured
    tensors: a registered op inside a trace, CondAutogradOp eagerly."""
    from .. import _random as R
    from .._ops.registry import Op, dispatch
    from .._tensor import wrap
    T = _T()
    tensors = [x for x in leaves if isinstance(x, T)]
    body = _program(true_fn, false_fn, leaves, in_tree, caps)
    gen = R.default_generator
    args = (wrap(p), wrap(gen._key), *tensors, *caps)
    if traced:
        n_out = sum(1 for a in t[0] if a[0] == "T")
        # NOTE: one Op per trace (its function closes over the branches); the tape recomputes
        # its VJP in backward with the saved operand and captured arrays rebound.
        res = dispatch(Op("cond", body, nout=n_out + 1, grad_name="CondAutogradOpBackward"),
                       args)
    else:
        res = _cond_op().apply(body, *args)
    res = res if isinstance(res, tuple) else (res,)
    gen._key = res[-1]._a
    it = iter(res[:-1])
    outs = [next(it) if a[0] == "T" else a[1] for a in t[0]]
    return jax.tree_util.tree_unflatten(t[1], outs)


def _cond_autograd_op():
    from ..autograd.function import Function
    from .._tensor import wrap

    class CondAutogradOp(Function):
        """torch's CondAutogradOp: an eager cond as one node (CondAutogradOpBackward)."""

        @staticmethod
        def forward(ctx, body, *ts):
            outs, ctx.vjp = jax.vjp(body, *(x._arr() for x in ts))
            ctx.outs = outs
            return tuple(wrap(o) for o in outs)

        @staticmethod
        def backward(ctx, *grads):
            import numpy as np
            cts = []
            for o, g in zip(ctx.outs, grads):
                if not jnp.issubdtype(o.dtype, jnp.inexact):
                    cts.append(np.zeros(o.shape, jax.dtypes.float0))
                else:
                    cts.append(jnp.zeros_like(o) if g is None else g._arr().astype(o.dtype))
            res = ctx.vjp(tuple(cts))
            return (None,) + tuple(None if r.dtype == jax.dtypes.float0 else wrap(r)
                                   for r in res)
    return CondAutogradOp


_COND_OP = []


def _cond_op():
    """The CondAutogradOp Function class (made on first use: autograd imports after us)."""
    if not _COND_OP:
        _COND_OP.append(_cond_autograd_op())
    return _COND_OP[0]
