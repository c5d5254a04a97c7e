"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp on JAX's transforms.

The user's function (of jtorch Tensors) runs inside jax.vjp / jax.jvp / jax.jacrev with the
traced arrays wrapped as Tensors; every jtorch op is a pure JAX function, so they trace. With
create_graph=True the whole transform is recorded as one tape node (`lift`), whose backward is
again a JAX transform, so results stay differentiable to any order.
"""
import jax
import jax.numpy as jnp
import numpy as np

from .._ops.registry import hooks
from .._size import Size
from .function import Function
from .grad_mode import enable_grad, no_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---- shared machinery (also used by jtorch.func) -------------------------------------------

def _tensor_cls():
    return hooks.tensor_cls


def _inexact(a):
    return jnp.issubdtype(a.dtype, jnp.inexact)


class _Lifted(Function):
    """One tape node for a pure array function; its backward is jax.vjp of that function."""

    @staticmethod
    def forward(ctx, fn, *xs):
        ctx.fn = fn
        ctx.save_for_backward(*xs)
        wrap = hooks.wrap
        return tuple(wrap(o) for o in fn(*[x._arr() for x in xs]))

    @staticmethod
    def backward(ctx, *gs):
        xs = ctx.saved_tensors
        fn, nx = ctx.fn, len(xs)
        diff = [i for i in range(nx) if ctx.needs_input_grad[i + 1] and _inexact(xs[i]._a)]

        def pull(*a):
            prim, cts = a[:nx], a[nx:]

            def f_diff(*d):
                full = list(prim)
                for k, i in enumerate(diff):
                    full[i] = d[k]
                return fn(*full)
            out, vjp_fn = jax.vjp(f_diff, *[prim[i] for i in diff])
            cts = tuple(c.astype(o.dtype) if _inexact(o) else np.zeros(o.shape, jax.dtypes.float0)
                        for o, c in zip(out, cts))
            return tuple(vjp_fn(cts))
        res = lift(pull, [*xs, *gs])
        out = [None] * (nx + 1)
        for k, i in enumerate(diff):
            out[i + 1] = res[k]
        return tuple(out)


def lift(fn, tensors):
    """Apply fn(*arrays) -> tuple of arrays to Tensors; one tape node when grad is needed."""
    if hooks.mode.enabled and any(t._rg for t in tensors):
        return _Lifted.apply(fn, *tensors)
    wrap = hooks.wrap
    # NOTE: no_grad so that ops on closure-captured Tensors requiring grad record no tape
    # nodes holding tracers.
    with no_grad():
        return tuple(wrap(o) for o in fn(*[t._arr() for t in tensors]))


def _as_tuple(inp, arg_name, fn_name):
    """(was_tuple, tuple of Tensors) with torch's TypeError for anything else."""
    T = _tensor_cls()
    is_tuple = isinstance(inp, tuple)
    if not is_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, T):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but the {where} has type {type(el)}.")
    return is_tuple, inp


def _post(res, to_unpack):
    """torch's _tuple_postprocess: undo the tupling of inputs/outputs."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _check_float(inputs):
    for t in inputs:
        if t.dtype._cat < 2:
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            pre = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{pre}v has invalid size: should be {Size(b.shape)} but got "
                               f"{Size(a.shape)}.")


def _arrays_fn(func, fn_name, box, single=None):
    """func of Tensors -> function of arrays returning a tuple of output arrays."""
    wrap = hooks.wrap

    def f(*arrs):
        with no_grad():
            out = func(*[wrap(a) for a in arrs])
        is_t, outs = _as_tuple(out, "outputs of the user-provided function", fn_name)
        box["is_tuple"], box["n_out"] = is_t, len(outs)
        if single is not None:
            if is_t:
                raise RuntimeError(f"The function given to {single} should return a single Tensor")
            if outs[0].numel() != 1:
                raise RuntimeError(f"The Tensor returned by the function given to {single} should "
                                   f"contain a single element")
        return tuple(o._arr() for o in outs)
    return f


def _scalar(f):
    return lambda *a: f(*a)[0].reshape(())


def _strict_check(func, inputs, fn_name, single=None):
    """strict=True: outputs must require grad and depend on every input (checked on the tape)."""
    from . import grad as _grad
    with enable_grad():
        xs = tuple(x.detach().requires_grad_(True) for x in inputs)
        _, outs = _as_tuple(func(*xs), "outputs of the user-provided function", fn_name)
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not require "
                                   f"gradients. The outputs must be computed in a differentiable "
                                   f"manner from the input when running in strict mode.")
        from .._ops.creation import ones_like
        used = [False] * len(xs)
        for o in outs:
            gs = _grad(o, xs, ones_like(o), retain_graph=True, allow_unused=True)
            used = [u or g is not None for u, g in zip(used, gs)]
        for i, u in enumerate(used):
            if not u:
                raise RuntimeError(f"The output of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")


def _run(core, tensors, create_graph):
    """core(*arrays) -> tuple of arrays, recorded on the tape only when create_graph."""
    if create_graph:
        return lift(core, list(tensors))
    with no_grad():
        return lift(core, [t.detach() for t in tensors])


def _ones_for(t, what):
    if t.numel() != 1:
        raise RuntimeError(what)
    return jnp.ones(t.shape, t._a.dtype)


# ---- public API ---------------------------------------------------------------------------

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vector-Jacobian product v^T J)."""
    is_in, inputs = _as_tuple(inputs, "inputs", "vjp")
    _check_float(inputs)
    if v is not None:
        _, v = _as_tuple(v, "v", "vjp")
    if strict:
        _strict_check(func, inputs, "vjp")
    box = {}
    f = _arrays_fn(func, "vjp", box)
    n = len(inputs)

    def core(*a):
        out, pull = jax.vjp(f, *a[:n])
        if v is None:
            if len(out) != 1 or out[0].size != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            cts = (jnp.ones(out[0].shape, out[0].dtype),)
        else:
            _validate_v(v, out, box["is_tuple"])
            cts = tuple(c.astype(o.dtype) for c, o in zip(a[n:], out))
        return (*out, *pull(cts))
    res = _run(core, (*inputs, *(v or ())), create_graph)
    k = box["n_out"]
    return _post(res[:k], box["is_tuple"]), _post(res[k:], is_in)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), Jacobian-vector product J v)."""
    is_in, inputs = _as_tuple(inputs, "inputs", "jvp")
    _check_float(inputs)
    if v is not None:
        _, v = _as_tuple(v, "v", "jvp")
        _validate_v(v, inputs, is_in)
    elif len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    if strict:
        _strict_check(func, inputs, "jvp")
    box = {}
    f = _arrays_fn(func, "jvp", box)
    n = len(inputs)

    def core(*a):
        tans = (tuple(t.astype(p.dtype) for t, p in zip(a[n:], a[:n])) if v is not None
                else (jnp.ones(a[0].shape, a[0].dtype),))
        out, tan = jax.jvp(f, a[:n], tans)
        return (*out, *tan)
    res = _run(core, (*inputs, *(v or ())), create_graph)
    k = box["n_out"]
    return _post(res[:k], box["is_tuple"]), _post(res[k:], box["is_tuple"])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs (per output, per input: out.shape + in.shape)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, "forward-mode" '
                             'tends to be more performant. Otherwise, prefer to use '
                             '"reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` "
                                      "and `strategy=\"forward-mode\"` are not supported together "
                                      "(yet). Please either set `create_graph=False` or "
                                      "`strategy=\"reverse-mode\"`.")
        if strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`strategy=\"forward-mode\"` are not supported together (yet). "
                               "Please either set `strict=False` or "
                               "`strategy=\"reverse-mode\"`.")
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                      "Hessian isonly implemented for `vectorize=True`.")
    is_in, inputs = _as_tuple(inputs, "inputs", "jacobian")
    _check_float(inputs)
    if strict:
        if vectorize:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either set "
                               "`strict=False` or `vectorize=False`.")
        _strict_check(func, inputs, "jacobian")
    box = {}
    f = _arrays_fn(func, "jacobian", box)
    n = len(inputs)
    jac = jax.jacrev if strategy == "reverse-mode" else jax.jacfwd

    def core(*a):
        j = jac(f, argnums=tuple(range(n)))(*a)
        return tuple(x for row in j for x in row)
    res = _run(core, inputs, create_graph)
    rows = tuple(res[i * n:(i + 1) * n] for i in range(box["n_out"]))
    return _post(rows, (box["is_tuple"], is_in))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar func at inputs (per input pair: in_i.shape + in_j.shape)."""
    is_in, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    _check_float(inputs)
    if strict:
        _strict_check(func, inputs, "hessian")
    box = {}
    f = _scalar(_arrays_fn(func, "hessian", box, single="hessian"))
    n = len(inputs)
    argn = tuple(range(n))
    outer = jax.jacrev if outer_jacobian_strategy == "reverse-mode" else jax.jacfwd

    def core(*a):
        h = outer(jax.grad(f, argnums=argn), argnums=argn)(*a)
        return tuple(x for row in h for x in row)
    res = _run(core, inputs, create_graph)
    rows = tuple(res[i * n:(i + 1) * n] for i in range(n))
    return _post(rows, (is_in, is_in))


def _second(func, inputs, v, create_graph, strict, name, mode):
    is_in, inputs = _as_tuple(inputs, "inputs", name)
    _check_float(inputs)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        _validate_v(v, inputs, is_in)
    elif len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    if strict:
        _strict_check(func, inputs, name)
    box = {}
    f_raw = _arrays_fn(func, name, box, single=name)
    f = _scalar(f_raw)
    n = len(inputs)
    g = jax.grad(f, argnums=tuple(range(n)))

    def core(*a):
        vs = (tuple(t.astype(p.dtype) for t, p in zip(a[n:], a[:n])) if v is not None
              else (jnp.ones(a[0].shape, a[0].dtype),))
        val = f_raw(*a[:n])[0]
        if mode == "hvp":
            _, r = jax.jvp(g, a[:n], vs)
        else:
            _, pull = jax.vjp(g, *a[:n])
            r = pull(vs)
        return (val, *r)
    res = _run(core, (*inputs, *(v or ())), create_graph)
    return res[0], _post(res[1:], is_in)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vector-Hessian product v^T H) for a scalar func."""
    return _second(func, inputs, v, create_graph, strict, "vhp", "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), Hessian-vector product H v) for a scalar func."""
    return _second(func, inputs, v, create_graph, strict, "hvp", "hvp")
