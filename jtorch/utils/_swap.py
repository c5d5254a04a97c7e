"""torch.utils.swap_tensors: exchange two Tensor objects' contents, keeping their identities."""
import copyreg
import sys
import weakref

from .._ops.registry import hooks

__all__ = ["swap_tensors"]

_POISONED = (
    "Trying to execute AccumulateGrad node that was poisoned by swap_tensors this can happen "
    "when you try to run backward on a tensor that was swapped. For a module m with "
    "`torch.__future__.set_swap_module_params_on_conversion(True)` you should not change the "
    "device or dtype of the module (e.g. `m.cpu()` or `m.half()`) between running forward and "
    "backward. To resolve this, please only change the device/dtype before running forward (or "
    "after both forward and backward).")


def _poison(t):
    """As torch: a leaf's AccumulateGrad node that a live graph still uses refuses to run after
    the swap (and moves with the contents); an unused one is dropped."""
    acc = t.__dict__.get("_accumulate")
    if acc is None:
        return
    # NOTE: torch tests the tensor's use count (2 = the tensor + its AccumulateGrad node in a
    # live graph); here: does anything but t's __dict__ (and this frame) refer to the node?
    if sys.getrefcount(acc) <= 3:
        del t.__dict__["_accumulate"]
        return

    def error_pre_hook(grad_outputs):
        raise RuntimeError(_POISONED)
    acc.register_prehook(error_pre_hook)


def _user_weakrefs(t):
    """t's weakrefs, less the tape's own (a node's saved-output / retain_grad reference)."""
    refs = weakref.getweakrefs(t)
    node = getattr(t, "_gfn", None) if refs else None
    if node is None:
        return refs
    # NOTE: torch's autograd holds no Python weakref to a tensor, jtorch's tape does; those
    # are not the user's. (A plain weakref.ref(t) is the same cached object, so one the user
    # made without a callback is not told apart from the tape's.)
    own = {id(r) for r in (getattr(node, "metadata", None) or {}).get("retain", {}).values()}
    outref = getattr(node, "_outref", None)
    if outref:
        own.add(id(outref[0]))
    return [r for r in refs if id(r) not in own]


def swap_tensors(t1, t2):
    """Swap the contents of two Tensors (class, __dict__, slots: data, autograd metadata)."""
    if _user_weakrefs(t1):
        raise RuntimeError("Cannot swap t1 because it has weakref associated with it")
    if _user_weakrefs(t2):
        raise RuntimeError("Cannot swap t2 because it has weakref associated with it")
    T = hooks.tensor_cls
    for t in (t1, t2):
        if not isinstance(t, T):
            # NOTE: torch fails here asking the object for its use count
            raise AttributeError(f"'{type(t).__name__}' object has no attribute '_use_count'")
    t1_slots = set(copyreg._slotnames(t1.__class__))
    t2_slots = set(copyreg._slotnames(t2.__class__))
    if t1_slots != t2_slots:
        raise RuntimeError("Cannot swap t1 and t2 if they have different slots")
    # NOTE: torch poisons a leaf's gradient accumulator (a graph built before the swap would
    # accumulate into the wrong tensor); the next graph gets a fresh one.
    _poison(t1)
    _poison(t2)

    def swap_attr(name):
        tmp = getattr(t1, name)
        setattr(t1, name, getattr(t2, name))
        setattr(t2, name, tmp)

    swap_attr("__class__")
    swap_attr("__dict__")
    # NOTE: a jtorch Tensor's data (the jax.Array, view base/strides, version counter, autograd
    # metadata) lives in its slots, so swapping the slots is torch's _swap_tensor_impl.
    for slot in t1_slots:
        if hasattr(t1, slot) and hasattr(t2, slot):
            swap_attr(slot)
        elif hasattr(t1, slot):
            setattr(t2, slot, getattr(t1, slot))
            delattr(t1, slot)
        elif hasattr(t2, slot):
            setattr(t1, slot, getattr(t2, slot))
            delattr(t2, slot)
