"""torch.autograd: the tape, backward(), grad(), grad modes."""
import threading
import weakref

from .._ops.registry import hooks
from .._tensor import Tensor
from . import grad_mode, graph
from .engine import run_backward
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from .graph import edge_of, rebase, record, regen_view
from . import profiler  # noqa: E402,F401  (torch.autograd.profiler)

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "graph"]

hooks.record = record
hooks.rebase = rebase
hooks.regen_view = regen_view


def _as_list(x):
    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


_ONES = {}


def _implicit_ones(t):
    """ones_like(t) for an implicit scalar gradient; the array is cached per (shape, dtype,
    placement) since JAX arrays are immutable (a fresh ones_like costs ~150 us per backward)."""
    a = t._arr()
    try:
        key = (a.shape, a.dtype, a.sharding)
        arr = _ONES.get(key)
    except (AttributeError, TypeError):  # NOTE: a tracer (inside jit) has no concrete sharding
        from .._ops.creation import ones_like
        return ones_like(t)
    if arr is None:
        import jax
        import numpy as np
        arr = jax.device_put(np.ones(a.shape, a.dtype), a.sharding)
        if len(_ONES) < 256:
            _ONES[key] = arr
    return hooks.wrap(arr)


def _make_grads(outputs, grad_outputs):
    out = []
    for t, g in zip(outputs, grad_outputs):
        if g is None:
            if t._rg:
                if t.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not t.dtype.is_floating_point:
                    raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                       f"outputs but got {t.dtype}")
                g = _implicit_ones(t)
            else:
                from .._ops.creation import ones_like
                g = ones_like(t)
        elif g.shape != t.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and "
                               f"output[0] has a shape of {t.shape}.")
        out.append(g)
    return out


def _check_requires_grad(outputs):
    for t in outputs:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of `tensors` into the leaves' .grad."""
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    _check_requires_grad(tensors)
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_list(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           accumulate=False, allow_unused=True)
        for t, g in zip(inputs, res):
            if g is not None:
                t._grad = g if t._grad is None else t._grad + g
                acc = t.__dict__.get("_accumulate") if t.grad_fn is None else None
                if acc is not None and acc._post_acc:
                    graph.run_post_accumulate_hooks(acc._post_acc, t)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of outputs with respect to inputs (returned, not accumulated)."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for t in inputs:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    _check_requires_grad(outputs)
    grads = _make_grads(outputs, _as_list(grad_outputs) or [None] * len(outputs))
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from .._ops.creation import zeros_like
        res = tuple(zeros_like(t) if g is None else g for t, g in zip(inputs, res))
    return res


# ---- Tensor methods -----------------------------------------------------------------------

def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradient of this tensor w.r.t. graph leaves."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def _register_hook(self, hook):
    """Register hook(grad) -> grad or None, run when this tensor's gradient is computed."""
    if not self._rg:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is None:
        if self._hooks is None:
            self._hooks = []
        lst = self._hooks
    else:
        lst = self.grad_fn.metadata.setdefault("tensor_hooks", {}).setdefault(self._out_idx, [])
    lst.append(hook)
    return graph._Handle(lst, hook)


def _register_post_accumulate_grad_hook(self, hook):
    """Register hook(tensor), run after this leaf's .grad is accumulated during backward."""
    from collections import OrderedDict

    from ..utils.hooks import RemovableHandle
    if not self._rg:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    d = self.__dict__.get("_post_accumulate_grad_hooks")
    if d is None:
        d = self.__dict__["_post_accumulate_grad_hooks"] = OrderedDict()
    edge_of(self)[0]._post_acc = d  # NOTE: the engine finds the hooks on the leaf's sink node
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def _retain_grad(self):
    """Populate .grad for this non-leaf tensor during backward."""
    if not self._rg:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None or self._retain:
        return
    self._retain = True
    self.grad_fn.metadata.setdefault("retain", {})[self._out_idx] = weakref.ref(self)


Tensor.backward = _tensor_backward
Tensor.register_hook = _register_hook
Tensor.retain_grad = _retain_grad
Tensor.register_post_accumulate_grad_hook = _register_post_accumulate_grad_hook

from . import function, functional  # noqa: E402,F401
from .function import Function, once_differentiable  # noqa: E402,F401

__all__ += ["Function", "once_differentiable", "function", "functional"]

from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402,F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402,F401
from .variable import Variable  # noqa: E402,F401
from . import forward_ad  # noqa: E402,F401  (torch.autograd.forward_ad)

__all__ += ["Variable", "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck",
            "variable", "set_multithreading_enabled"]


def variable(*args, **kwargs):
    """Removed legacy constructor: raises, as torch.autograd.variable(...) does."""
    # NOTE: as in torch, this function shadows the torch.autograd.variable module as an
    # attribute; `import torch.autograd.variable` still finds the module.
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


class _Multithreading(threading.local):
    enabled = True


_MT = _Multithreading()


def is_multithreading_enabled():
    """Whether multithreaded backward is enabled in this thread (torch's default: True)."""
    return _MT.enabled


class set_multithreading_enabled(grad_mode._DecoratorContextManager):
    """Enable or disable multithreaded backward, as a function or a context manager."""

    # NOTE: jtorch's engine always runs backward on the calling thread (what torch does with
    # mode=False); the flag is kept, thread-local, so code that sets and reads it behaves.
    def __init__(self, mode):
        self.prev = _MT.enabled
        _MT.enabled = bool(mode)
        self.mode = mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _MT.enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)
