"""Hook plumbing for nn.Module: RemovableHandle, global module hooks, full backward hooks."""
import functools
import weakref
from collections import OrderedDict

__all__ = ["RemovableHandle"]

# NOTE: bumped by every Module attribute write/delete and hook (un)registration: while it stays,
# jtorch.compile's guard need not re-read modules' __dict__ and hook dicts (state.Guard).
EPOCH = [0]


class RemovableHandle:
    """A handle that removes a hook from its dict(s) (torch.utils.hooks.RemovableHandle)."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        EPOCH[0] += 1
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref = ()
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self):
        """Unregister the hook (no-op when already removed)."""
        EPOCH[0] += 1
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None and self.id in hooks_dict:
            del hooks_dict[self.id]
        for ref in self.extra_dict_ref:
            extra = ref()
            if extra is not None and self.id in extra:
                del extra[self.id]

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        self.hooks_dict_ref = weakref.ref(OrderedDict() if state[0] is None else state[0])
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = () if len(state) < 3 or state[2] is None else \
            tuple(weakref.ref(d) for d in state[2])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _WrappedHook:
    """A hook, optionally bound (weakly) to a module that becomes its first argument."""

    def __init__(self, hook, module=None):
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.with_module = False
        if module is not None:
            self.module = weakref.ref(module)
            self.with_module = True

    def __call__(self, *args, **kwargs):
        if self.with_module:
            module = self.module()
            if module is None:
                raise RuntimeError("You are trying to call the hook of a dead Module!")
            return self.hook(module, *args, **kwargs)
        return self.hook(*args, **kwargs)

    def __getstate__(self):
        result = {"hook": self.hook, "with_module": self.with_module}
        if self.with_module:
            result["module"] = self.module()
        return result

    def __setstate__(self, state):
        self.hook = state["hook"]
        self.with_module = state["with_module"]
        if self.with_module:
            if state["module"] is None:
                raise RuntimeError("You are trying to revive the hook of a dead Module!")
            self.module = weakref.ref(state["module"])


# ---- global hooks (torch.nn.modules.module.register_module_*) ------------------------------
_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_is_full_backward_hook = [None]
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()


def _has_any_global_hook():
    return bool(_global_backward_pre_hooks or _global_backward_hooks or _global_forward_hooks
                or _global_forward_pre_hooks)


def _register(d, hook):
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def register_module_buffer_registration_hook(hook):
    """Global hook(module, name, buffer) run by every register_buffer."""
    return _register(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    """Global hook(module, name, submodule) run by every submodule registration."""
    return _register(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    """Global hook(module, name, param) run by every register_parameter."""
    return _register(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook):
    """Global forward pre-hook for all modules."""
    return _register(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """Global forward hook for all modules."""
    handle = RemovableHandle(_global_forward_hooks,
                             extra_dict=[_global_forward_hooks_always_called,
                                         _global_forward_hooks_with_kwargs])
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_backward_hook(hook):
    """Global (non-full) backward hook for all modules."""
    if _global_is_full_backward_hook[0] is True:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    _global_is_full_backward_hook[0] = False
    return _register(_global_backward_hooks, hook)


def register_module_full_backward_pre_hook(hook):
    """Global full backward pre-hook for all modules."""
    return _register(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """Global full backward hook for all modules."""
    if _global_is_full_backward_hook[0] is False:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    _global_is_full_backward_hook[0] = True
    return _register(_global_backward_hooks, hook)


# ---- full backward hooks --------------------------------------------------------------------

def _identity_fn():
    """An autograd.Function class passing tensors through unchanged (a hookable graph node)."""
    from ...autograd import Function

    class BackwardHookFunction(Function):
        @staticmethod
        def forward(ctx, *args):
            ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
            return args

        @staticmethod
        def backward(ctx, *grads):
            return grads

    return BackwardHookFunction


_IDENTITY = []


def _identity():
    if not _IDENTITY:
        _IDENTITY.append(_identity_fn())
    return _IDENTITY[0]


class BackwardHook:
    """Implements full backward (pre-)hooks: identity nodes around a module's inputs/outputs.

    The identity node after the outputs sees grad_output (runs pre-hooks); the one before the
    inputs sees grad_input (runs the hooks with both). Non-tensor inputs appear as None.
    """

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.module = module
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    def _pack_with_none(self, indices, values, size):
        res = [None] * size
        for idx, val in zip(indices, values):
            res[idx] = val
        return tuple(res)

    def _unpack_none(self, indices, values):
        return tuple(values[idx] for idx in indices)

    def _apply_on_tensors(self, fn, args):
        from ..._tensor import Tensor
        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        if not tensors or not any(t.requires_grad for t in tensors):
            return args, None
        from ...autograd import grad_mode
        if not grad_mode.is_grad_enabled():
            return args, None
        new_tensors = _identity().apply(*tensors)
        if not isinstance(new_tensors, tuple):
            new_tensors = (new_tensors,)
        grad_fns = [t.grad_fn for t in new_tensors if t.grad_fn is not None]
        if not grad_fns:
            return args, None
        fn(grad_fns[0])
        out = list(args)
        for i, t in zip(tensors_idx, new_tensors):
            out[i] = t
        return tuple(out), tensors_idx

    def setup_input_hook(self, args):
        """Wrap the module's tensor inputs; the hooks fire with grad_input when they get grads."""
        def fn(grad_fn):
            def hook(grads):
                # NOTE: the identity node's incoming grads are the grads wrt the module inputs.
                grads, raw = _to_tensors(grads)
                if not self.user_hooks:
                    self.grad_outputs = None
                    return None
                # NOTE: torch materializes missing grads of tensor inputs as zeros.
                grads = [g if g is not None else _zeros_like(t)
                         for g, t in zip(grads, self._inputs)]
                res = self._pack_with_none(self.input_tensors_index, list(grads), self.n_inputs)
                for h in self.user_hooks:
                    out = h(self.module, res, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != len(res):
                        raise RuntimeError(f"Backward hook returned an invalid number of "
                                           f"grad_input, got {len(out)}, but expected {len(res)}")
                    res = out
                self.grad_outputs = None
                return _from_tensors(self._unpack_none(self.input_tensors_index, res), raw)
            grad_fn.register_prehook(hook)
        self.n_inputs = len(args)
        from ..._tensor import Tensor
        self._inputs = [(tuple(a.shape), a.dtype, a.device) for a in args if isinstance(a, Tensor)]
        res, idx = self._apply_on_tensors(fn, args)
        self.input_tensors_index = idx
        return res

    def setup_output_hook(self, result):
        """Wrap the module's tensor outputs; pre-hooks fire with grad_output."""
        from ..._tensor import Tensor

        def fn(grad_fn):
            def hook(grads):
                grads, raw = _to_tensors(grads)
                self.grad_outputs = self._pack_with_none(self.output_tensors_index, list(grads),
                                                         self.n_outputs)
                changed = False
                for h in self.user_pre_hooks:
                    out = h(self.module, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != len(self.grad_outputs):
                        raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                           f"grad_output, got {len(out)}, but expected "
                                           f"{len(self.grad_outputs)}")
                    self.grad_outputs = tuple(out)
                    changed = True
                # NOTE: no input requires grad: the hooks still run, with grad_input all None.
                if self.input_tensors_index is None:
                    import warnings
                    warnings.warn("Full backward hook is firing when gradients are computed with "
                                  "respect to module outputs since no inputs require gradients. "
                                  "See https://docs.pytorch.org/docs/main/generated/torch.nn."
                                  "Module.html#torch.nn.Module.register_full_backward_hook for "
                                  "more details.", stacklevel=2)
                    gi = (None,) * self.n_inputs
                    for h in self.user_hooks:
                        if h(self.module, gi, self.grad_outputs) is not None:
                            raise RuntimeError("Backward hook for Modules where no input requires "
                                               "gradient should always return None or None for "
                                               "all gradients.")
                    self.grad_outputs = None
                    changed = False
                if changed:
                    return _from_tensors(self._unpack_none(self.output_tensors_index,
                                                           self.grad_outputs), raw)
                return None
            grad_fn.register_prehook(hook)
        is_tuple = True
        if isinstance(result, Tensor):
            result = (result,)
            is_tuple = False
        self.n_outputs = len(result)
        res, idx = self._apply_on_tensors(fn, result)
        self.output_tensors_index = idx
        return res if is_tuple else res[0]


def _zeros_like(meta):
    from ..._ops.creation import zeros
    shape, dtype, device = meta
    return zeros(shape, dtype=dtype, device=device)


def _to_tensors(grads):
    """Engine grads (raw arrays, or Tensors under create_graph) -> Tensors; (tensors, raw)."""
    from ..._ops.registry import hooks
    T = hooks.tensor_cls
    raw = any(g is not None and not isinstance(g, T) for g in grads)
    if not raw:
        return tuple(grads), False
    return tuple(None if g is None else hooks.wrap(g) for g in grads), True


def _from_tensors(grads, raw):
    """Back to the engine's representation."""
    if not raw:
        return tuple(grads)
    return tuple(None if g is None else g._arr() for g in grads)
