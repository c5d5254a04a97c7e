"""Module hook registration and the hooked call path (bound as Module methods in module.py)."""
import warnings

from ..._tensor import Tensor
from . import _hooks as H
from ._hooks import RemovableHandle

__all__ = []


def register_full_backward_pre_hook(self, hook, prepend=False):
    """hook(module, grad_output) -> new grad_output or None, before the module's backward."""
    handle = RemovableHandle(self._backward_pre_hooks)
    self._backward_pre_hooks[handle.id] = hook
    if prepend:
        self._backward_pre_hooks.move_to_end(handle.id, last=False)
    return handle


def register_backward_hook(self, hook):
    """Deprecated non-full backward hook (hook on the output's grad_fn)."""
    if self._is_full_backward_hook is True:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on "
                           "a single Module. Please use only one of them.")
    self.__dict__["_is_full_backward_hook"] = False
    handle = RemovableHandle(self._backward_hooks)
    self._backward_hooks[handle.id] = hook
    return handle


def register_full_backward_hook(self, hook, prepend=False):
    """hook(module, grad_input, grad_output) -> new grad_input or None."""
    if self._is_full_backward_hook is False:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on "
                           "a single Module. Please use only one of them.")
    self.__dict__["_is_full_backward_hook"] = True
    handle = RemovableHandle(self._backward_hooks)
    self._backward_hooks[handle.id] = hook
    if prepend:
        self._backward_hooks.move_to_end(handle.id, last=False)
    return handle


def _get_backward_hooks(self):
    full, non_full = [], []
    if H._global_is_full_backward_hook[0] is True:
        full += H._global_backward_hooks.values()
    if self._is_full_backward_hook is True:
        full += self._backward_hooks.values()
    if H._global_is_full_backward_hook[0] is False:
        non_full += H._global_backward_hooks.values()
    if self._is_full_backward_hook is False:
        non_full += self._backward_hooks.values()
    return full, non_full


def _get_backward_pre_hooks(self):
    return list(H._global_backward_pre_hooks.values()) + list(
        self._backward_pre_hooks.values())


def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
    """hook(module, args) [-> new args], or hook(module, args, kwargs) with with_kwargs."""
    handle = RemovableHandle(self._forward_pre_hooks,
                             extra_dict=self._forward_pre_hooks_with_kwargs)
    self._forward_pre_hooks[handle.id] = hook
    if with_kwargs:
        self._forward_pre_hooks_with_kwargs[handle.id] = True
    if prepend:
        self._forward_pre_hooks.move_to_end(handle.id, last=False)
    return handle


def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                          always_call=False):
    """hook(module, args, output) [-> new output] after forward."""
    handle = RemovableHandle(self._forward_hooks,
                             extra_dict=[self._forward_hooks_with_kwargs,
                                         self._forward_hooks_always_called])
    self._forward_hooks[handle.id] = hook
    if with_kwargs:
        self._forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        self._forward_hooks_always_called[handle.id] = True
    if prepend:
        self._forward_hooks.move_to_end(handle.id, last=False)
    return handle


def _call_with_hooks(self, forward_call, args, kwargs):
    """Module.__call__ when any hook is registered (torch's _call_impl slow path)."""
    result = None
    called_always_called_hooks = set()

    def inner():
        nonlocal result, args, kwargs
        full_backward_hooks, non_full_backward_hooks = [], []
        backward_pre_hooks = []
        if self._backward_pre_hooks or H._global_backward_pre_hooks:
            backward_pre_hooks = self._get_backward_pre_hooks()
        if self._backward_hooks or H._global_backward_hooks:
            full_backward_hooks, non_full_backward_hooks = self._get_backward_hooks()
        if H._global_forward_pre_hooks or self._forward_pre_hooks:
            for hook_id, hook in (*H._global_forward_pre_hooks.items(),
                                  *self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        if isinstance(r, tuple) and len(r) == 2:
                            args, kwargs = r
                        else:
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {r}.")
                else:
                    r = hook(self, args)
                    if r is not None:
                        if not isinstance(r, tuple):
                            r = (r,)
                        args = r
        bw_hook = None
        if full_backward_hooks or backward_pre_hooks:
            bw_hook = H.BackwardHook(self, full_backward_hooks, backward_pre_hooks)
            args = bw_hook.setup_input_hook(args)
        result = forward_call(*args, **kwargs)
        if H._global_forward_hooks or self._forward_hooks:
            for hook_id, hook in (*H._global_forward_hooks.items(), *self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called or \
                        hook_id in H._global_forward_hooks_always_called:
                    called_always_called_hooks.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs or \
                        hook_id in H._global_forward_hooks_with_kwargs:
                    hook_result = hook(self, args, kwargs, result)
                else:
                    hook_result = hook(self, args, result)
                if hook_result is not None:
                    result = hook_result
        if bw_hook:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a Tensor "
                              f"or a tuple of Tensors but received {type(result)}", stacklevel=2)
            result = bw_hook.setup_output_hook(result)
        if non_full_backward_hooks:
            var = result
            while not isinstance(var, Tensor):
                if isinstance(var, dict):
                    var = next(v for v in var.values() if isinstance(v, Tensor))
                else:
                    var = var[0]
            grad_fn = var.grad_fn
            if grad_fn is not None:
                for hook in non_full_backward_hooks:
                    grad_fn.register_hook(_NonFullHook(hook, self))
        return result

    try:
        return inner()
    except Exception:
        for hook_id, hook in H._global_forward_hooks.items():
            if hook_id in H._global_forward_hooks_always_called and \
                    hook_id not in called_always_called_hooks:
                try:
                    hook_result = hook(self, args, result)
                    if hook_result is not None:
                        result = hook_result
                except Exception as e:
                    warnings.warn("global module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised in "
                                  f"forward: {str(e)}", stacklevel=2)
                    continue
        for hook_id, hook in self._forward_hooks.items():
            if hook_id in self._forward_hooks_always_called and \
                    hook_id not in called_always_called_hooks:
                try:
                    if hook_id in self._forward_hooks_with_kwargs:
                        hook_result = hook(self, args, kwargs, result)
                    else:
                        hook_result = hook(self, args, result)
                    if hook_result is not None:
                        result = hook_result
                except Exception as e:
                    warnings.warn("module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised in "
                                  f"forward: {str(e)}", stacklevel=2)
                    continue
        raise


class _NonFullHook:
    """Adapts a deprecated module backward hook to jtorch's Node post-hook (grads as Tensors)."""

    def __init__(self, hook, module):
        self.hook = hook
        self.module = module

    def __call__(self, grad_inputs, grad_outputs):
        from ._hooks import _to_tensors
        gi, _ = _to_tensors(grad_inputs)
        if isinstance(grad_outputs, dict):  # NOTE: the engine passes {output index: grad}
            n = max(grad_outputs) + 1 if grad_outputs else 0
            grad_outputs = tuple(grad_outputs.get(i) for i in range(n))
        go, _ = _to_tensors(grad_outputs)
        # NOTE: jtorch's node post-hooks cannot replace grads; a returned value is ignored.
        self.hook(self.module, gi, go)
