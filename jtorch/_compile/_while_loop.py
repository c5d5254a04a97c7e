"""torch.while_loop: a Python loop on concrete values, jax.lax.while_loop inside a trace."""
import jax
import jax.numpy as jnp

from .control import _T, abstract, call_user, captured, flatten, graph_break, strong

__all__ = ["while_loop"]

_HOP = "torch.while_loop"


def _meta(x):
    """('T', shape, dtype) of a Tensor, ('C', value) of anything else."""
    return ("T", tuple(x.shape), x.dtype) if isinstance(x, _T()) else ("C", x)


def _show(m):
    return f"Tensor(size={list(m[1])}, dtype={m[2]})" if m[0] == "T" else repr(m[1])


def _check_body(outs, ins):
    """torch's checks that body_fn returned carries like carried_inputs (count, type, shape,
    dtype); lhs is body_fn's output, rhs the carried inputs."""
    if len(outs) != len(ins):
        raise graph_break(_HOP, "Expected body_fn_output and carried_inputs to have same number "
                          f"of outputs but got lhs:[{', '.join(map(_show, outs))}] and "
                          f"rhs:[{', '.join(map(_show, ins))}]",
                          "body_fn must return as many carries as it takes.")
    diffs = []
    for i, (a, b) in enumerate(zip(outs, ins)):
        if a[0] != b[0]:
            diffs.append(f"pair[{i}] differ in type: {_show(a)} vs {_show(b)}")
        elif a[0] == "T":
            d = []
            if a[1] != b[1]:
                d.append(f"'shape: torch.Size({list(a[1])}) vs torch.Size({list(b[1])})'")
            if a[2] != b[2]:
                d.append(f"'dtype: {a[2]} vs {b[2]}'")
            if d:
                diffs.append(f"pair[{i}] differ in {', '.join(d)}")
    if diffs:
        raise graph_break(_HOP, "Expected body_fn_output and carried_inputs to have same "
                          "metadata but found:\n" + "\n".join(diffs),
                          "body_fn must return carries of the carried inputs' shapes and "
                          "dtypes.")


def _check_pred(leaves, tree):
    """torch's check of cond_fn's result: a 0-d bool tensor or a Python bool."""
    if jax.tree_util.treedef_is_leaf(tree) and len(leaves) == 1:
        m = leaves[0] if isinstance(leaves[0], tuple) else _meta(leaves[0])
        if m[0] == "C" and isinstance(m[1], int):
            return
        if m[0] == "T" and m[1] == () and str(m[2]) == "torch.bool":
            return
        got = f"torch.Size({list(m[1])})" if m[0] == "T" else type(m[1])
    else:
        got = jax.tree_util.tree_unflatten(tree, [_show(x if isinstance(x, tuple) else _meta(x))
                                                  for x in leaves])
        raise RuntimeError(f"cond_fn must return a boolean scalar tensor or a boolean but got "
                           f"{got}")
    raise graph_break(_HOP, "torch.while_loop: unsupported cond_fn return type",
                      f"Expected cond_fn to return a scalar tensor or a bool but got {got}.")


def _infinite(value):
    return graph_break(_HOP, "torch.while_loop: infinite loop detected",
                       "Infinite loop detected because while_loop's cond_fn always returns "
                       f"the same value {value}.")


def _validate(cond_fn, body_fn, carried_inputs):
    """torch.while_loop's argument checks; returns the carries' (leaves, treedef)."""
    T = _T()
    flat, spec = flatten(carried_inputs)
    if not callable(cond_fn) or not callable(body_fn):
        raise RuntimeError("Expect cond_fn and body_fn to be callable.")
    if any(not isinstance(x, (T, int)) for x in flat):
        raise AssertionError(
            f"{flat} can only be of (<class 'torch.Tensor'>, <class 'int'>, <class "
            f"'torch.SymInt'>) but got {tuple(type(x) for x in flat)}")
    if not isinstance(carried_inputs, (tuple, list)):
        raise graph_break(_HOP, f"carried_inputs must be a tuple or list but got "
                          f"{type(carried_inputs)}", "cond_fn and body_fn take the carried "
                          "inputs unpacked (cond_fn(*carried_inputs)).")
    return flat, spec


def while_loop(cond_fn, body_fn, carried_inputs):
    """Run body_fn(*carries) while cond_fn(*carries) is True; return the final carries."""
    from .._tensor import Tensor
    flat, spec = _validate(cond_fn, body_fn, carried_inputs)
    ins = [_meta(x) for x in flat]
    caps = captured(cond_fn, body_fn)
    # NOTE: torch traces cond_fn and body_fn before running them (so its errors come even when
    # the loop runs zero times); the same checks here run on abstract values.
    eager = not any(isinstance(x, Tensor) and isinstance(x._arr(), jax.core.Tracer)
                    for x in flat)
    c_abs = abstract(_HOP, cond_fn, spec, flat, caps, eager)
    if c_abs is not None:
        _check_pred(*c_abs)
    b_abs = abstract(_HOP, body_fn, spec, flat, caps, eager)
    if b_abs is not None:
        _check_body(b_abs[0], ins)
    out_tree = b_abs[1] if b_abs is not None else spec
    pred = cond_fn(*jax.tree_util.tree_unflatten(spec, flat))
    _check_pred(*flatten(pred))
    if isinstance(pred, Tensor) and isinstance(pred._arr(), jax.core.Tracer):
        return _traced(cond_fn, body_fn, flat, spec, ins, caps, out_tree)
    if not isinstance(pred, Tensor) and pred and all(isinstance(x, Tensor) for x in flat):
        # NOTE: a Python value that no carry can change: torch rejects the constant as well
        raise _infinite(pred)
    vals, n = flat, 0
    while pred:
        out = body_fn(*jax.tree_util.tree_unflatten(spec, vals))
        vals, out_tree = flatten(out)
        _check_body([_meta(x) for x in vals], ins)
        n += 1
        pred = cond_fn(*jax.tree_util.tree_unflatten(spec, vals))
        _check_pred(*flatten(pred))
    if n == 0:  # NOTE: as torch: the carries come back as copies, never the inputs themselves
        vals = [x.clone() if isinstance(x, Tensor) else x for x in flat]
    return jax.tree_util.tree_unflatten(out_tree, vals)


_NO_GRAD = ("torch.while_loop inside jtorch.compile: gradients through the loop are not "
            "supported (jax.lax.while_loop has no reverse-mode derivative: its trip count is "
            "data); run the loop eagerly, or on detached tensors")


def _traced(cond_fn, body_fn, flat, spec, ins, caps, out_tree):
    """The loop as jax.lax.while_loop over the carries (and the RNG key) inside a trace."""
    from .. import _random as R
    from .._ops.registry import Op, dispatch
    from .._tensor import Tensor, wrap
    from ..autograd import grad_mode
    if any(not isinstance(x, Tensor) for x in flat):
        raise NotImplementedError(
            "torch.while_loop inside jtorch.compile: int carries with a tensor-valued cond_fn "
            "are not supported (an XLA loop's result cannot be a Python int); carry a 0-d "
            "int64 tensor instead")
    # NOTE: `guard`: something requires grad, so JAX may differentiate the loop (the tape, or
    # jtorch.compile's whole-program VJP even under no_grad); then the loop is a custom_vjp
    # whose backward raises a clear error, over explicit captured inputs.
    guard = any(t._rg for t in list(flat) + caps)
    n = len(flat)

    def loop(key, *arrs):
        cap_arrs = list(arrs[n:]) if guard else None

        def cond_f(state):
            carry, k = state
            outs, tree, _ = call_user(_HOP, cond_fn, spec, list(carry), caps, cap_arrs, k)
            _check_pred(outs, tree)
            if not isinstance(outs[0], Tensor):
                raise _infinite(outs[0]) if outs[0] else NotImplementedError(
                    "torch.while_loop: cond_fn returned a Python bool in one call and a tensor "
                    "in another")
            return jnp.reshape(outs[0]._arr(), ())

        def body_f(state):
            carry, k = state
            outs, _, k = call_user(_HOP, body_fn, spec, list(carry), caps, cap_arrs, k)
            _check_body([_meta(x) for x in outs], ins)
            return [strong(o._arr()) for o in outs], k

        res, k = jax.lax.while_loop(cond_f, body_f, ([strong(a) for a in arrs[:n]], key))
        return (*res, k)

    gen = R.default_generator
    if not guard:
        res = loop(gen._key, *(x._arr() for x in flat))
        gen._key = res[-1]
        return jax.tree_util.tree_unflatten(out_tree, [wrap(a) for a in res[:-1]])

    # NOTE: as torch, the outputs require grad and the forward runs; only a backward through
    # the loop raises (when it is traced).
    @jax.custom_vjp
    def fn(key, *arrs):
        return loop(key, *arrs)

    def fwd(key, *arrs):
        return loop(key, *arrs), None

    def bwd(_, cts):
        raise NotImplementedError(_NO_GRAD)
    fn.defvjp(fwd, bwd)
    if grad_mode.is_grad_enabled():  # NOTE: one tape node over the carries and captured
        op = Op("while_loop", fn, nout=n + 1, grad_name="WhileLoopAutogradOpBackward")
        res = dispatch(op, (wrap(gen._key), *flat, *caps))
        gen._key = res[-1]._a
        return jax.tree_util.tree_unflatten(out_tree, list(res[:-1]))
    res = fn(gen._key, *(x._arr() for x in flat), *(c._arr() for c in caps))
    gen._key = res[-1]
    return jax.tree_util.tree_unflatten(out_tree, [wrap(a) for a in res[:-1]])
