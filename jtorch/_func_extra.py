"""torch.func extras: stack_module_state, functionalize, linearize,
replace_all_batch_norm_modules_ (built on jtorch's public ops and torch.func.jvp)."""
from ._ops.registry import hooks
from .utils._pytree import tree_flatten, tree_unflatten

__all__ = ["stack_module_state", "functionalize", "linearize",
           "replace_all_batch_norm_modules_"]


def _is_t(x):
    return isinstance(x, hooks.tensor_cls)


# ---- model ensembling ------------------------------------------------------------------------

def _stacked_leaf(tensors, name):
    """torch.stack of one parameter/buffer across models, a fresh leaf when they require grad."""
    import jtorch
    all_rg = all(t.requires_grad for t in tensors)
    if not all_rg and any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = jtorch.stack(tensors)
    if all_rg:
        # NOTE: as torch: the stacked leaf is unrelated to the models' parameters (optimizable).
        result = result.detach().requires_grad_()
    return result


def stack_module_state(models):
    """(params, buffers): each model's parameters and buffers stacked by state-dict name."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    typ = type(models[0])
    if not all(type(m) is typ for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: _stacked_leaf(tuple(p[k] for p in all_params), k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: _stacked_leaf(tuple(b[k] for b in all_buffers), k) for k in all_buffers[0]}
    return params, buffers


# ---- functionalize ---------------------------------------------------------------------------

_REMOVE_ERROR = (
    "functionalize(f, remove='mutations'): received invalid argument for remove={}. Valid "
    "options are:\n     remove='mutations': all inplace and out= operators will be removed from "
    "the program, and replaced with their out-of-place equivalents.\n     "
    "remove='mutations_and_views': In addition to the above, all aliasing operators {{view}} "
    "will be replaced with their non-aliasing counterparts, {{view}}_copy.\n")


def _root(t):
    return t if t._base is None else t._base


def _root_version(root_id, inputs):
    for x in inputs:
        if id(_root(x)) == root_id:
            return _root(x)._version
    return None


def functionalize(func, *, remove="mutations"):
    """func with mutations removed: same outputs and same mutations of its inputs as func."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(_REMOVE_ERROR.format(remove))

    # NOTE: jtorch tensors already are functional underneath (an in-place op rebinds an
    # immutable jax.Array), so running func eagerly IS its functionalized program: input
    # mutations land in the inputs exactly as torch propagates them back. What differs is
    # aliasing, handled as torch's unwrapping does: an output that is an unmutated input is
    # that input; an output aliasing an input that func mutated is a fresh tensor (still a
    # view, of a copy, for remove='mutations'); remove='mutations_and_views' never returns a
    # view or alias of an input.
    def wrapped(*args, **kwargs):
        inputs = [x for x in tree_flatten((args, kwargs))[0] if _is_t(x)]
        before = {id(_root(x)): _root(x)._version for x in inputs}
        out = func(*args, **kwargs)
        ids = {id(x) for x in inputs}
        mutated = {r for r, v in before.items() if _root_version(r, inputs) != v}

        def unwrap(x):
            if not _is_t(x):
                return x
            r = id(_root(x))
            if r not in before or (id(x) in ids and r not in mutated):
                return x
            if remove == "mutations_and_views":
                return x.clone()
            if r not in mutated:
                return x
            return x.clone().view(x.shape) if x._base is not None else x.clone()
        flat, spec = tree_flatten(out)
        return tree_unflatten([unwrap(x) for x in flat], spec)

    wrapped.__name__ = getattr(func, "__name__", "functionalized")
    wrapped.__doc__ = getattr(func, "__doc__", None)
    wrapped.__wrapped__ = func
    return wrapped


# ---- linearize -------------------------------------------------------------------------------

def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is func's Jacobian-vector product at primals."""
    from .func import jvp
    output = func(*primals)
    flat_primals, primals_spec = tree_flatten(primals)
    meta = tuple((p.shape, p.device, p.dtype) for p in flat_primals)

    def checks(flat_tangents):
        for idx, t in enumerate(flat_tangents):
            for what, got, want in zip(("shape", "device", "dtype"),
                                       (t.shape, t.device, t.dtype), meta[idx]):
                if got != want:
                    raise RuntimeError(f"tangent:{idx} with {what} {got} in flattened pytree "
                                       f"doesn't match the {what} {want} of the corresponding "
                                       f"primal.")

    def jvp_fn(*tangents):
        flat_tangents, tangent_spec = tree_flatten(tangents)
        if tangent_spec != primals_spec:
            raise RuntimeError(f"Expected the tangents {tangent_spec} to have the same argspec "
                               f"as the primals {primals_spec}")
        checks(flat_tangents)
        # NOTE: torch traces the JVP once (make_fx) and replays it; jtorch recomputes it with
        # forward-mode AD (jax.jvp, cached compiled per op) at the saved primals: same values.
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn


# ---- batch norm without running stats --------------------------------------------------------

def _without_running_stats(module):
    from .nn.modules.batchnorm import _BatchNorm
    if isinstance(module, _BatchNorm) and module.track_running_stats:
        module.running_mean = None
        module.running_var = None
        module.num_batches_tracked = None
        module.track_running_stats = False


def replace_all_batch_norm_modules_(root):
    """In place: every BatchNorm in root drops its running stats (track_running_stats=False)."""
    _without_running_stats(root)
    for obj in root.modules():
        _without_running_stats(obj)
    return root
