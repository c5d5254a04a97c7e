"""torch.utils.hooks: RemovableHandle and hook helpers."""
import warnings

from ..nn.modules._hooks import BackwardHook, RemovableHandle

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks", "BackwardHook"]


def unserializable_hook(f):
    """Mark f as a hook that is not serialized (silences warn_if_has_hooks)."""
    f.__torch_unserializable__ = True
    return f


def _tensor_hooks(tensor):
    # NOTE: torch keeps a tensor's hooks in tensor._backward_hooks (a dict); jtorch keeps them in
    # a list on a leaf (_hooks) or in its grad_fn's metadata for a non-leaf.
    hooks = list(getattr(tensor, "_hooks", None) or ())
    fn = tensor.grad_fn
    if fn is not None:
        hooks += fn.metadata.get("tensor_hooks", {}).get(tensor._out_idx, [])
    return hooks


def warn_if_has_hooks(tensor):
    """Warn for each backward hook on tensor that is not marked @unserializable_hook."""
    for hook in _tensor_hooks(tensor):
        if not hasattr(hook, "__torch_unserializable__"):
            warnings.warn(f"backward hook {repr(hook)} on tensor will not be "
                          "serialized.  If this is expected, you can "
                          "decorate the function with @torch.utils.hooks.unserializable_hook "
                          "to suppress this warning", stacklevel=2)
