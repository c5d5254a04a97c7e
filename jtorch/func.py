"""torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call (JAX underneath).

Each transform flattens its arguments (pytrees of Tensors), runs jax.grad / jax.vjp / jax.jvp /
jax.jacrev / jax.jacfwd / jax.vmap over the Tensor leaves' arrays with the traced arrays wrapped
as Tensors, and wraps the results. Transforms nest because an inner transform just sees Tensors
holding tracers. When grad mode is on and an input requires grad, the whole transform is one
tape node (autograd.functional.lift), so torch.func composes with .backward() as in torch.
"""
from collections import Counter

import jax
import jax.numpy as jnp
from jax import tree_util

from ._ops.registry import hooks
from .autograd.functional import lift

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]


def _is_t(x):
    return isinstance(x, hooks.tensor_cls)


def _flatten(tree):
    return tree_util.tree_flatten(tree, is_leaf=_is_t)


class _Args:
    """The Tensor leaves of a pytree of arguments, rebuildable from (traced) arrays."""

    def __init__(self, tree):
        self.leaves, self.treedef = _flatten(tree)
        self.tpos = [i for i, x in enumerate(self.leaves) if _is_t(x)]
        self.tensors = [self.leaves[i] for i in self.tpos]

    def rebuild(self, arrs):
        """The argument pytree with Tensor leaves replaced by wrapped `arrs`."""
        leaves, wrap = list(self.leaves), hooks.wrap
        for i, a in zip(self.tpos, arrs):
            leaves[i] = wrap(a)
        return tree_util.tree_unflatten(self.treedef, leaves)


def _out_arrays(out, box, key, tensors_only=False):
    """Flatten an output pytree: Tensor leaves -> arrays (returned); the rest kept in box."""
    leaves, treedef = _flatten(out)
    if tensors_only:
        for x in leaves:
            if not _is_t(x):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
    box[key] = (treedef, [None if _is_t(x) else x for x in leaves])
    return [x._arr() for x in leaves if _is_t(x)]


def _out_tensors(tensors, box, key):
    """Inverse of _out_arrays given the result Tensors."""
    treedef, template = box[key]
    it = iter(tensors)
    return tree_util.tree_unflatten(treedef, [next(it) if x is None else x for x in template])


def _argnums(argnums, nargs, api):
    """Validate argnums -> tuple of non-negative ints (torch's messages)."""
    def one(a):
        if not isinstance(a, int):
            raise RuntimeError(f"argnum must be int, got: {type(a)}")
        if -nargs <= a < nargs:
            return a % nargs
        raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
    if isinstance(argnums, int):
        return (one(argnums),)
    if isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        if len(set(argnums)) != len(argnums):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
        return tuple(one(a) for a in argnums)
    raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")


def _rebuild_with(spec, arrs, dk, d):
    """(args, kwargs) rebuilt from leaf arrays `arrs`, with the differentiated leaves `dk`
    replaced by the transform's inputs `d`."""
    full = list(arrs)
    for k, j in enumerate(dk):
        full[j] = d[k]
    return spec.rebuild(full)


def _diff_positions(args, nums):
    """Indices (into the flattened Tensor leaves of (args, {})) of the differentiated args."""
    out, k = [], 0
    for i, a in enumerate(args):
        leaves = _flatten(a)[0]
        for x in leaves:
            if _is_t(x):
                if i in nums:
                    if not jnp.issubdtype(x._a.dtype, jnp.inexact):
                        raise RuntimeError("only Tensors of floating point dtype can require "
                                           "gradients")
                    out.append(k)
                k += 1
            elif i in nums:
                raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
    return out


def _regroup(args, nums, argnums, values):
    """Results per differentiated leaf -> the structure of args[argnums]."""
    it = iter(values)
    trees = []
    for i in nums:
        leaves, treedef = _flatten(args[i])
        trees.append(tree_util.tree_unflatten(treedef, [next(it) for _ in leaves]))
    return trees[0] if isinstance(argnums, int) else tuple(trees)


def _split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if "
                           f"has_aux is True")
    return out


# ---- grad ---------------------------------------------------------------------------------

def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of scalar func w.r.t. argnums, func's value)."""
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args), "grad")
        spec = _Args((args, kwargs))
        dk = _diff_positions(args, nums)
        box = {}

        def core(*arrs):
            def inner(*d):
                a2, kw2 = _rebuild_with(spec, arrs, dk, d)
                out, aux = _split_aux(func(*a2, **kw2), has_aux, "grad_and_value(f)(*args)")
                if not _is_t(out):
                    raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                       f"Tensor, got {type(out)}")
                if out.dim() != 0:
                    raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                       f"scalar Tensor, got tensor with {out.dim()} dims. Maybe "
                                       f"you wanted to use the vjp or jacrev APIs instead?")
                return out._arr(), (out._arr(), _out_arrays(aux, box, "aux", True))
            g, (val, aux) = jax.grad(inner, argnums=tuple(range(len(dk))), has_aux=True)(
                *[arrs[j] for j in dk])
            return (*g, val, *aux)
        res = lift(core, spec.tensors)
        n = len(dk)
        g = _regroup(args, nums, argnums, res[:n])
        if has_aux:
            return g, (res[n], _out_tensors(res[n + 1:], box, "aux"))
        return g, res[n]
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of scalar func w.r.t. argnums (and aux)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, v = gv(*args, **kwargs)
        return (g, v[1]) if has_aux else g
    return wrapper


# ---- vjp / jvp ------------------------------------------------------------------------------

def _check_primals(primals, api):
    for x in _flatten(primals)[0]:
        if not _is_t(x):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")


def _float_outputs(outs, api):
    for o in outs:
        if not jnp.issubdtype(o.dtype, jnp.inexact):
            from . import _dtype as D
            raise RuntimeError(f"{api}: All outputs of f must be floating-point or complex "
                               f"Tensors, got Tensor with dtype {D.from_np(o.dtype)}")


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) -> one gradient per primal."""
    _check_primals(primals, "vjp")
    spec = _Args(primals)
    box = {}

    def f(*arrs):
        out, aux = _split_aux(func(*spec.rebuild(arrs)), has_aux, "vjp(f, *primals)")
        outs = _out_arrays(out, box, "out")
        if not outs:
            raise RuntimeError("vjp(f, *primals): Expected f to be a function that has non-empty "
                               "output (got output = None)")
        _float_outputs(outs, "vjp(f, ...)")
        return outs, _out_arrays(aux, box, "aux", True)

    def fwd(*arrs):
        outs, aux = f(*arrs)
        return (*outs, *aux)
    res = lift(fwd, spec.tensors)
    n = sum(x is None for x in box["out"][1])
    out = _out_tensors(res[:n], box, "out")
    out_treedef = box["out"][0]

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        cl, ctree = _flatten(cotangents)
        if ctree != out_treedef:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree "
                               f"structure of outputs to the function. cotangents: {ctree}, "
                               f"primal output: {out_treedef}")
        m = len(spec.tensors)

        def pull(*a):
            outs, vjp_f = jax.vjp(lambda *x: f(*x)[0], *a[:m])
            return tuple(vjp_f([c.astype(o.dtype) for c, o in zip(a[m:], outs)]))
        g = lift(pull, [*spec.tensors, *cl])
        return _rebuild_like(primals, g)

    if has_aux:
        return out, vjp_fn, _out_tensors(res[n:], box, "aux")
    return out, vjp_fn


def _rebuild_like(primals, values):
    """A tuple shaped like primals with its Tensor leaves replaced by values (Tensors)."""
    leaves, treedef = _flatten(primals)
    it = iter(values)
    return tree_util.tree_unflatten(treedef, [next(it) for _ in leaves])


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents[, aux]) by forward-mode AD."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    _check_primals(primals, "jvp")
    spec = _Args(primals)
    tl, ttree = _flatten(tangents)
    if ttree != spec.treedef:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the "
                           "same python structure. For example, if primals is a tuple of 3 "
                           "tensors, tangents also must be. Got primals with structure "
                           f"{spec.treedef} and tangents with structure {ttree}")
    for p, t in zip(spec.tensors, tl):
        if p.shape != t.shape:
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have "
                               f"the same shape. Got primal of shape {p.shape} and tangent of "
                               f"shape {t.shape}")
    box = {}
    m = len(spec.tensors)

    def core(*a):
        def f(*arrs):
            out, aux = _split_aux(func(*spec.rebuild(arrs)), has_aux, "jvp(f, primals, tangents)")
            return _out_arrays(out, box, "out"), _out_arrays(aux, box, "aux", True)
        tans = tuple(t.astype(p.dtype) for t, p in zip(a[m:], a[:m]))
        out, tan, aux = jax.jvp(f, a[:m], tans, has_aux=True)
        return (*out, *tan, *aux)
    res = lift(core, [*spec.tensors, *tl])
    n = sum(x is None for x in box["out"][1])
    out = _out_tensors(res[:n], box, "out")
    tan = _out_tensors(res[n:2 * n], box, "out")
    if has_aux:
        return out, tan, _out_tensors(res[2 * n:], box, "aux")
    return out, tan


# ---- Jacobians ------------------------------------------------------------------------------

def _jac(jax_jac, name):
    def transform(func, argnums=0, has_aux=False, **unused):
        def wrapper(*args, **kwargs):
            nums = _argnums(argnums, len(args), name)
            spec = _Args((args, kwargs))
            dk = _diff_positions(args, nums)
            box = {}

            def core(*arrs):
                def inner(*d):
                    a2, kw2 = _rebuild_with(spec, arrs, dk, d)
                    out, aux = _split_aux(func(*a2, **kw2), has_aux, f"{name}(f, ...)(*args)")
                    return tuple(_out_arrays(out, box, "out")), _out_arrays(aux, box, "aux", True)
                j, aux = jax_jac(inner, argnums=tuple(range(len(dk))), has_aux=True)(
                    *[arrs[k] for k in dk])
                return (*(x for row in j for x in row), *aux)
            res = lift(core, spec.tensors)
            n_out = sum(x is None for x in box["out"][1])
            nd = len(dk)
            rows = [_regroup(args, nums, argnums, res[i * nd:(i + 1) * nd]) for i in range(n_out)]
            jac = _out_tensors(rows, box, "out")
            if has_aux:
                return jac, _out_tensors(res[n_out * nd:], box, "aux")
            return jac
        return wrapper
    return transform


jacrev = _jac(jax.jacrev, "jacrev")
jacrev.__name__, jacrev.__doc__ = "jacrev", "Jacobian of func w.r.t. argnums by reverse-mode AD."
jacfwd = _jac(jax.jacfwd, "jacfwd")
jacfwd.__name__, jacfwd.__doc__ = "jacfwd", "Jacobian of func w.r.t. argnums by forward-mode AD."


def hessian(func, argnums=0):
    """Hessian of func w.r.t. argnums (forward-over-reverse, as torch.func)."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- vmap ---------------------------------------------------------------------------------

def _name(func):
    return getattr(func, "__name__", repr(func))


def _bcast(prefix, tree, out):
    """Broadcast an in_dims/out_dims prefix over tree's leaves into out; False if incompatible."""
    if prefix is None or isinstance(prefix, int):
        out.extend([prefix] * len(_flatten(tree)[0]))
        return True
    if isinstance(prefix, (tuple, list)) and type(tree) is type(prefix) \
            and len(prefix) == len(tree):
        return all(_bcast(p, t, out) for p, t in zip(prefix, tree))
    if isinstance(prefix, dict) and isinstance(tree, dict) and set(prefix) == set(tree):
        return all(_bcast(prefix[k], tree[k], out) for k in sorted(tree))
    return False


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorize func over a batch dimension of its Tensor arguments (jax.vmap)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")

    def wrapped(*args, **kwargs):
        nm = _name(func)
        if not isinstance(in_dims, (int, tuple)):
            raise ValueError(f"vmap({nm}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` "
                             f"to be int or a (potentially nested) tuple matching the structure "
                             f"of inputs, got: {type(in_dims)}.")
        if not args:
            raise ValueError(f"vmap({nm})(<inputs>): got no inputs. Maybe you forgot to add "
                             f"inputs, or you are trying to vmap over a function with no inputs. "
                             f"The latter is unsupported.")
        spec = _Args(args)
        flat = []
        if not _bcast(in_dims, args, flat):
            raise ValueError(f"vmap({nm}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`. in_dims has structure "
                             f"{_flatten(in_dims)[1]} but inputs has structure {spec.treedef}.")
        axes, sizes = [], []
        for x, d in zip(spec.leaves, flat):
            if d is not None and not isinstance(d, int):
                raise ValueError(f"vmap({nm}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                                 f"for an input but in_dim must be either an integer dimension "
                                 f"or None.")
            if d is not None and not _is_t(x):
                raise ValueError(f"vmap({nm}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                                 f"for an input but the input is of type {type(x)}. We cannot "
                                 f"vmap over non-Tensor arguments, please use None as the "
                                 f"respective in_dim")
            if d is not None:
                nd = x.dim()
                if not -nd <= d < nd:
                    raise ValueError(f"vmap({nm}, in_dims={in_dims}, ...)(<inputs>): Got "
                                     f"in_dim={d} for some input, but that input is a Tensor of "
                                     f"dimensionality {nd} so expected in_dim to satisfy "
                                     f"-{nd} <= in_dim < {nd}.")
                d %= nd
                sizes.append(x.shape[d])
            if _is_t(x):
                axes.append(d)
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        box = {}

        def core(*arrs):
            def inner(*a):
                return tuple(_out_arrays(func(*spec.rebuild(a), **kwargs), box, "out"))
            outs = jax.vmap(inner, in_axes=tuple(axes), out_axes=0)(*arrs)
            treedef, template = box["out"]
            dims = []
            out_tree = tree_util.tree_unflatten(treedef, [0] * len(template))
            if _is_t_template(template) and isinstance(out_dims, tuple) and len(out_dims) == 1:
                dims = list(out_dims)
            elif not _bcast(out_dims, out_tree, dims):
                raise ValueError(f"vmap({nm}, ..., out_dims={out_dims})(<inputs>): out_dims is "
                                 f"not compatible with the structure of `outputs`. out_dims has "
                                 f"structure {_flatten(out_dims)[1]} but outputs has structure "
                                 f"{treedef}.")
            res, k = [], 0
            for t, d in zip(template, dims):
                if t is not None:
                    if d is not None:
                        raise ValueError(f"vmap({nm}, ...): `{nm}` must only return Tensors, got "
                                         f"type {type(t)}. Did you mean to set out_dims= to None "
                                         f"for output?")
                    continue
                o = outs[k]
                k += 1
                res.append(o[0] if d is None else jnp.moveaxis(o, 0, d))
            return tuple(res)
        return _out_tensors(lift(core, spec.tensors), box, "out")
    return wrapped


def _is_t_template(template):
    return len(template) == 1 and template[0] is None


# ---- functional_call ------------------------------------------------------------------------

_MISSING = object()


def _owner(obj, key):
    parts = key.split(".")
    for p in parts[:-1]:
        obj = getattr(obj, p)
    return obj, parts[-1]


def _get(owner, name):
    for store in ("_parameters", "_buffers"):
        d = getattr(owner, "__dict__", {}).get(store)
        if isinstance(d, dict) and name in d:
            return store, d[name]
    return None, getattr(owner, name, _MISSING)


def _set(owner, name, store, value):
    # NOTE: a Module keeps parameters/buffers in dicts; writing there avoids Module.__setattr__
    # rejecting a plain Tensor where a Parameter is registered.
    if store is not None:
        getattr(owner, store)[name] = value
    elif value is _MISSING:
        delattr(owner, name)
    else:
        setattr(owner, name, value)


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call module with some parameters/buffers (dotted names) temporarily replaced."""
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts = Counter(k for d in parameter_and_buffer_dicts for k in d)
        rep = [k for k, n in counts.items() if n > 1]
        if rep:
            raise ValueError(f"{rep} appeared in multiple dictionaries; behavior of functional "
                             f"call is ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    if strict and hasattr(module, "named_parameters"):
        names = [n for n, _ in module.named_parameters()]
        if hasattr(module, "named_buffers"):
            names += [n for n, _ in module.named_buffers()]
        unexpected = [k for k in values if k not in names]
        missing = [k for k in names if k not in values]
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            cls_name = getattr(module, "_get_name", lambda: type(module).__name__)()
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                cls_name, "\n\t".join(msgs)))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for key, v in values.items():
            owner, name = _owner(module, key)
            store, old = _get(owner, name)
            saved.append((owner, name, store, old))
            _set(owner, name, store, v)
        return module(*args, **(kwargs or {}))
    finally:
        for owner, name, store, old in reversed(saved):
            _set(owner, name, store, old)

from ._func_extra import (functionalize, linearize, replace_all_batch_norm_modules_,  # noqa: E402
                          stack_module_state)
__all__ += ["stack_module_state", "functionalize", "linearize", "replace_all_batch_norm_modules_"]
