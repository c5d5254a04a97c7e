"""torch.autograd.Function: user-defined forward/backward pairs recorded as one tape node."""
import functools
import inspect
import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .._ops._common import torch_name
from .._ops.registry import Op, dispatch, hooks
from . import _forward_ad_impl as _fwad
from . import anomaly_mode as _am
from .graph import Node, edge_of, grad_kind, torch_edges

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable",
           "InplaceFunction"]

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")
_COUNTER = itertools.count()


def _T():
    return hooks.tensor_cls


def _inexact(dtype):
    return grad_kind(dtype) in "fc"


def _is_tracer(t):
    return isinstance(t._a, jax.core.Tracer)


class FunctionCtx:
    """The `ctx` of a custom Function (in torch it is the backward node itself)."""

    def save_for_backward(self, *tensors):
        """Save tensors (or None) for backward; read them back as ctx.saved_tensors."""
        T = _T()
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, T):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is "
                                f"of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        """Accepted for API compatibility (jtorch has no forward-mode Function.jvp)."""
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Mark input tensors modified in place by forward (they must be returned)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        """Mark outputs that never require grad (e.g. indices)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """Whether undefined output grads reach backward as zeros (True) or None (False)."""
        self.materialize_grads = bool(value)

    def mark_shared_storage(self, *pairs):
        """Deprecated no-op, as in torch."""

    @property
    def saved_tensors(self):
        saved = self.__dict__.get("_saved")
        if saved is None:
            return ()
        if self.__dict__.get("_freed") and saved:
            raise RuntimeError(_FREED)
        for t, v in zip(saved, self._saved_versions):
            if t is not None and t._version != v:
                fn = t.grad_fn
                where = f", which is output {t._out_idx} of {fn.name()}," if fn is not None else ""
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [torch.{torch_name(t.dtype)}Tensor {list(t.shape)}]"
                    f"{where} is at version {t._version}; expected version {v} instead. Hint: "
                    f"enable anomaly detection to find the operation that failed to compute its "
                    f"gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
        return saved

    saved_variables = saved_tensors


class BackwardCFunction(FunctionCtx):
    """The tape node of one Function.apply call; the engine runs the user's backward on it."""

    # NOTE: duck-types graph.Node for the engine: next_functions, out_avals, metadata, _hooks,
    # _pre_hooks, name(); `arrs`/`inputs` are set to None by the engine when the graph is freed.
    _hooks = None
    _pre_hooks = None
    register_hook = Node.register_hook
    register_prehook = Node.register_prehook

    def name(self):
        """torch's name for this node, e.g. 'MyFnBackward'."""
        return type(self).__name__

    @property
    def next_functions(self):
        return torch_edges(self._edges)

    @property
    def arrs(self):
        return None if self.__dict__.get("_freed") else ()

    @arrs.setter
    def arrs(self, value):
        if value is None:
            self._freed = True

    def _get_user_fn(self):
        cls = self._forward_cls
        if cls.backward is not Function.backward and cls.vjp is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is "
                               "not allowed. You should only implement one of them.")
        return cls.vjp if cls.vjp is not Function.vjp else cls.backward

    def apply(self, *grads):
        """Run the user's backward on grads (torch's grad_fn.apply)."""
        return self._get_user_fn()(self, *grads)

    def apply_backward(self, cts, create_graph):
        """Engine entry: output cotangents {index: array|Tensor} -> grads per next_functions."""
        T, wrap = _T(), hooks.wrap
        grads = []
        for i, av in enumerate(self.out_avals):
            g = cts.get(i)
            if g is None:
                if av is not None and self.materialize_grads:
                    g = wrap(jnp.zeros(av[0], av[1]))
            elif not isinstance(g, T):
                g = wrap(g)
            grads.append(g)
        res = self._get_user_fn()(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = self._nargs
        if len(res) != n:
            if len(res) > n and all(r is None for r in res[n:]):
                res = res[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(res)})")
        out = []
        tpos = set(self._tensor_pos)
        for i, g in enumerate(res):
            if i not in tpos and g is not None:
                raise RuntimeError(f"function {self.name()} returned a gradient different than "
                                   f"None at position {i + 1}, but the corresponding forward "
                                   f"input was not a Variable")
        for k, pos in enumerate(self._tensor_pos):
            g = res[pos]
            if g is None or self._edges[k] is None:
                out.append(None)
                continue
            if not isinstance(g, T):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            out.append(self._validate(k, g, create_graph))
        return out

    def _validate(self, k, g, create_graph):
        """torch's validate_outputs: reduce a broadcast grad to the input shape, cast dtype."""
        shape, dtype = self._in_meta[k]
        if tuple(g.shape) != shape:
            gs = tuple(g.shape)
            ok = len(gs) >= len(shape) and all(
                a == b or a == 1 for a, b in zip(shape[::-1], gs[::-1]))
            if not ok:
                raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index "
                                   f"{k} - got {list(gs)} but expected shape compatible with "
                                   f"{list(shape)}")
            g = dispatch(_SUM_TO, (g,), (shape,))
        if g._a.dtype != dtype:
            from .._ops.pointwise import _to
            from .. import _dtype as D
            g = _to(g, D.from_np(dtype))
        return g if create_graph else g._arr()


def _sum_to_fn(shape, g):
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    return jnp.sum(g, axis=axes, keepdims=True).reshape(shape) if axes else g


_SUM_TO = Op("sum_to_size", _sum_to_fn, grad_name="SumToSizeBackward0")


class FunctionMeta(type):
    """Metaclass: gives each Function subclass its node class `<Name>Backward`."""

    def __init__(cls, name, bases, attrs):
        bw = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        bw._autograd_function_id = next(_COUNTER)
        cls._backward_cls = bw
        super().__init__(name, bases, attrs)


def _setup_context_defined(cls):
    return cls.setup_context is not Function.setup_context


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom autograd Functions: static forward/backward, called via apply."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future version "
                      "of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. "
                           "Please use new-style autograd function with static forward method. "
                           "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd."
                           "Function)")

    @staticmethod
    def forward(*args, **kwargs):
        """The computation; forward(ctx, *args) or forward(*args) with setup_context."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Save what backward needs (only with the ctx-less forward style)."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Gradients w.r.t. each forward input, given gradients w.r.t. each output."""
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode derivative (not supported by jtorch)."""
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @staticmethod
    def vmap(info, in_dims, *args):
        """Batching rule hook (jtorch batches the forward itself under vmap)."""
        raise NotImplementedError("To use autograd.Function with vmap, you must either override "
                                  "the vmap staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward (without recording) and attach a node whose backward is the user's."""
        if _setup_context_defined(cls):
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        T = _T()
        if any(isinstance(a, T) and _is_tracer(a) for a in args) and not _taped_trace(args, T):
            return _apply_traced(cls, args, kwargs)
        return _apply(cls, args, kwargs)


def _taped_trace(args, T):
    """True inside a jtorch.compile trace (not its VJP pass) with an input requiring grad.
    NOTE: the traced step runs jtorch's tape on tracers: a backward() later in the same step must
    reach the user's backward through a tape node (a JAX custom_vjp records none)."""
    from .._compile import _diff, compiled
    return compiled.is_compiling() and not _diff.IN_VJP[0] and hooks.mode.enabled and \
        any(isinstance(a, T) and a._rg for a in args)


def _run_forward(cls, ctx, args, kwargs):
    from .grad_mode import no_grad
    with no_grad(), _fwad.no_forward_ad():
        if _setup_context_defined(cls):
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    return out


def _new_ctx(cls, args):
    T = _T()
    ctx = cls._backward_cls.__new__(cls._backward_cls)
    ctx.to_save = ()
    ctx.dirty_tensors = ()
    ctx.non_differentiable = ()
    ctx.materialize_grads = True
    ctx.metadata = {}
    if _am._ENABLED:  # NOTE: torch stores the forward traceback on every node made in anomaly mode
        _am.stamp(ctx.metadata)
    ctx.needs_input_grad = tuple(isinstance(a, T) and a._rg for a in args)
    return ctx


def _apply(cls, args, kwargs):
    from .._tensor import _alias
    T = _T()
    ctx = _new_ctx(cls, args)
    executable = hooks.mode.enabled and any(ctx.needs_input_grad)
    out = _run_forward(cls, ctx, args, kwargs)
    is_tuple = isinstance(out, tuple)
    outs = out if is_tuple else (out,)
    dirty = {id(t) for t in ctx.dirty_tensors}
    nondiff = {id(t) for t in ctx.non_differentiable}
    ids = {id(o) for o in outs}
    if any(i not in ids for i in dirty):
        raise RuntimeError("Some elements marked as dirty during the forward method were not "
                           "returned as output. The inputs that are modified inplace must all be "
                           "outputs of the Function.")
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, T)]
    ctx._nargs = len(args)
    ctx._tensor_pos = tensor_pos
    ctx._in_meta = [(tuple(args[i]._a.shape), args[i]._a.dtype) for i in tensor_pos]
    # NOTE: the edges are taken before dirty inputs are rebased onto this node; one per Tensor
    # argument, None where it needs no grad (the engine's convention; torch shows (None, 0)).
    ctx._edges = tuple(edge_of(args[i]) for i in tensor_pos)
    ctx.inputs = None
    arg_ids = {id(args[i]) for i in tensor_pos}
    new, avals = [], []
    for i, o in enumerate(outs):
        if not isinstance(o, T):
            new.append(o)
            avals.append(None)
            continue
        if id(o) in dirty:
            if executable and o._rg and o.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            # NOTE: torch bumps the version of a dirty tensor once more (saved copies of it
            # taken before this call are stale).
            (o if o._base is None else o._base)._ver += 1
        elif id(o) in arg_ids:
            o = _alias(o)  # NOTE: torch returns a view of an input returned unchanged
        avals.append((tuple(o._a.shape), o._a.dtype))
        if executable and id(outs[i]) not in nondiff and _inexact(o._a.dtype):
            o.grad_fn = ctx
            o._out_idx = i
            o._rg = True
            o._retain = False
        elif id(outs[i]) in nondiff:
            o._rg = False
        new.append(o)
    ctx.out_avals = tuple(avals)
    saved = tuple(ctx.to_save)
    ctx._saved = saved
    ctx._saved_versions = tuple(None if t is None else t._version for t in saved)
    del ctx.to_save
    _fwad.custom_function_jvp(cls, ctx, args, new)
    return tuple(new) if is_tuple else new[0]


# ---- inside JAX transforms (torch.func / autograd.functional) ------------------------------

def _apply_traced(cls, args, kwargs):
    """Apply with traced inputs: a jax.custom_vjp whose backward is the user's backward."""
    T, wrap = _T(), hooks.wrap
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, T)]
    box = {}

    def run(arrs):
        a2 = list(args)
        for p, x in zip(tensor_pos, arrs):
            a2[p] = wrap(x)
        ctx = _new_ctx(cls, a2)
        ctx.needs_input_grad = tuple(isinstance(a, T) and _inexact(a._a.dtype) for a in a2)
        out = _run_forward(cls, ctx, tuple(a2), kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        box["struct"] = (isinstance(out, tuple), [None if isinstance(o, T) else o for o in outs])
        box["avals"] = [(o._a.shape, o._a.dtype) if isinstance(o, T) else None for o in outs]
        arr_out = tuple(o._arr() for o in outs if isinstance(o, T))
        return ctx, arr_out

    @jax.custom_vjp
    def f(*arrs):
        return run(arrs)[1]

    def fwd(*arrs):
        ctx, out = run(arrs)
        saved = tuple(ctx.to_save)
        ctx._nargs = len(args)
        ctx._tensor_pos = tensor_pos
        box["ctx"] = ctx
        box["saved_mask"] = [t is not None for t in saved]
        return out, tuple(t._arr() for t in saved if t is not None)

    def bwd(res, cts):
        ctx = box["ctx"]
        it = iter(res)
        ctx._saved = tuple(wrap(next(it)) if m else None for m in box["saved_mask"])
        ctx._saved_versions = tuple(None if t is None else t._version for t in ctx._saved)
        cit = iter(cts)
        grads = []
        for av in box["avals"]:
            if av is None:
                grads.append(None)
                continue
            c = next(cit)
            grads.append(wrap(jnp.zeros(av[0], av[1]) if c.dtype == jax.dtypes.float0 else c))
        from .grad_mode import no_grad
        with no_grad():
            r = ctx._get_user_fn()(ctx, *grads)
        r = r if isinstance(r, tuple) else (r,)
        out = []
        for p in tensor_pos:
            x = args[p]._a
            g = r[p] if p < len(r) else None
            if not _inexact(x.dtype):
                out.append(np.zeros(x.shape, jax.dtypes.float0))
            elif g is None:
                out.append(jnp.zeros(x.shape, x.dtype))
            else:
                g = g._arr()
                if g.shape != x.shape:
                    g = _sum_to_fn(x.shape, g)
                out.append(g.astype(x.dtype))
        return tuple(out)

    f.defvjp(fwd, bwd)
    arr_out = f(*(args[p]._arr() for p in tensor_pos))
    is_tuple, template = box["struct"]
    it = iter(arr_out)
    outs = [wrap(next(it)) if t is None else t for t in template]
    return tuple(outs) if is_tuple else outs[0]


# ---- once_differentiable ------------------------------------------------------------------

class _DelayedError(Function):
    """Aliases its inputs; differentiating through it raises (torch's DelayedError)."""

    @staticmethod
    def forward(ctx, *xs):
        return xs

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn):
    """Decorate a backward that is not itself differentiable (double backward raises)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .grad_mode import no_grad
        with no_grad():
            outputs = fn(ctx, *args)
        if not hooks.mode.enabled:
            return outputs
        T = _T()
        if not any(isinstance(a, T) and a._rg for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        fake = []
        for v in outs:
            if isinstance(v, T) and _inexact(v._a.dtype):
                v = v.detach()
                v._rg = True
            fake.append(v)
        res = _DelayedError.apply(*fake)
        return res[0] if single else res
    return wrapper


class InplaceFunction(Function):
    """Kept for backward compatibility, as in torch."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace
