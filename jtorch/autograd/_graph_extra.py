"""torch.autograd.graph's helpers over the tape: GradientEdge, get_gradient_edge,
register_multi_grad_hook, increment_version and the saved-tensors-hooks context managers."""
import contextlib
import functools
import threading
from collections import defaultdict
from typing import NamedTuple, Optional

from .._ops.registry import hooks
from ..utils.hooks import RemovableHandle
from . import engine
from .graph import AccumulateGrad, edge_of

__all__ = ["GradientEdge", "get_gradient_edge", "register_multi_grad_hook", "increment_version",
           "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class GradientEdge(NamedTuple):
    """Object representing a given gradient edge within the autograd graph."""

    node: object
    output_nr: int
    # NOTE: torch keeps the C++ graph alive through this token for Python nodes; jtorch's nodes
    # are Python objects kept alive by `node` itself, so it is always None here.
    ownership_token: Optional[object] = None


def _get_grad_fn_or_grad_acc(t):
    """The node t's gradient flows into: its grad_fn, or a leaf's AccumulateGrad."""
    if isinstance(t, GradientEdge):
        return t.node
    node = edge_of(t)[0] if t.requires_grad else t.grad_fn
    if node is None:
        raise AssertionError("Expected gradient function to be set")
    return node


def get_gradient_edge(tensor):
    """Get the gradient edge for computing the gradient of the given Tensor."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor "
                           "that does not require gradients")
    node, idx = edge_of(tensor)
    return GradientEdge(node, idx)


def increment_version(tensor):
    """Bump the version counter of a tensor (or each of an iterable of tensors)."""
    T = hooks.tensor_cls
    if isinstance(tensor, T):
        tensor = (tensor,)
    try:
        items = list(tensor)
    except TypeError:
        raise RuntimeError("increment_version expect a Iterable[Tensor] as input") from None
    if not all(isinstance(t, T) for t in items):
        raise RuntimeError("increment_version expects each element of the iterable to be a tensor")
    for t in items:
        if t._inf:  # NOTE: as in torch, an inference tensor has no version counter to bump
            continue
        root = t._base if t._base is not None else t
        root._ver += 1


# ---- register_multi_grad_hook ---------------------------------------------------------------

def _current_task():
    """The innermost running backward's (id, reached nodes, executed set or None)."""
    if not engine._TASKS:
        raise AssertionError("expected this hook to be called inside a backward call")
    return engine._TASKS[-1]


def _will_execute(task, node):
    """torch's _will_engine_execute_node: whether this backward runs node (and its hooks)."""
    _, deps, execute = task
    if node not in deps:
        return False
    # NOTE: with `inputs`, the engine keeps only nodes leading to them; a leaf's AccumulateGrad
    # still in the pruned graph is one of the inputs and runs its tensor hooks.
    return execute is None or node in execute or node.__class__ is AccumulateGrad


class _MultiHandle(RemovableHandle):
    """Removes every per-tensor hook of one register_multi_grad_hook call."""

    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        """Unregister all of the hooks."""
        for handle in self.handles:
            handle.remove()

    def __getstate__(self):
        return self.handles

    def __setstate__(self, state):
        self.handles = state


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """Register a hook called once per backward with the grads of all tensors ('all'; None
    for those not computed) or with the first grad computed ('any')."""
    supported_modes = ("all", "any")
    lock = threading.Lock()
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    if mode == "all":
        count = {}
        buffer = {}
        nb_calls = None
        grad_fns = list(map(_get_grad_fn_or_grad_acc, tensors))
        len_tensors = len(tensors)

        def get_inner_hook(idx):
            def inner_hook(grad):
                nonlocal nb_calls
                task = _current_task()
                tid = task[0]
                count[tid] = count.get(tid, 0)
                buffer[tid] = buffer.get(tid, [None] * len_tensors)
                with lock:
                    curr_count, count[tid] = count[tid], count[tid] + 1
                    if curr_count == 0:
                        # NOTE: on the first call of this backward, count the hooks that will run
                        nb_calls = sum(_will_execute(task, n) for n in grad_fns)
                buffer[tid][idx] = grad
                if curr_count == nb_calls - 1:
                    fn(buffer[tid])
                    del count[tid]
                    del buffer[tid]
            return inner_hook

        handles = tuple(t.register_hook(get_inner_hook(i)) for i, t in enumerate(tensors))
    else:
        ran_hook = defaultdict(bool)

        @functools.wraps(fn)
        def wrapped_fn(grad):
            tid = _current_task()[0]
            with lock:
                prev, ran_hook[tid] = ran_hook[tid], True
            if prev:
                return
            fn(grad)

        handles = tuple(t.register_hook(wrapped_fn) for t in tensors if t.requires_grad)
    return _MultiHandle(handles)


# ---- saved tensors hooks ----------------------------------------------------------------------

class _HooksState(threading.local):
    disabled_message = None


_STATE = _HooksState()

_NO_SAVED_HOOKS = (
    "jtorch does not support torch.autograd.graph.saved_tensors_hooks (nor save_on_cpu): its tape "
    "keeps each op's inputs as JAX arrays and recomputes the op's VJP in backward, so there are "
    "no per-op saved tensors for pack_hook/unpack_hook to be called on at torch's times.")


class saved_tensors_hooks:
    """Context-manager that sets a pair of pack / unpack hooks for saved tensors (unsupported)."""

    # NOTE: entering raises NotImplementedError rather than installing hooks that the tape would
    # never call (a silent no-op would break code that relies on them, e.g. offloading or
    # counting). torch's disabled-hooks error takes precedence, as in torch.
    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        msg = _STATE.disabled_message
        if msg is not None:
            raise RuntimeError(msg)
        raise NotImplementedError(_NO_SAVED_HOOKS)

    def __exit__(self, *args):
        pass


class save_on_cpu(saved_tensors_hooks):
    """Context manager storing tensors saved by the forward pass on the CPU (unsupported)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Context-manager under which entering saved tensors hooks raises RuntimeError(error_message)."""
    prev = _STATE.disabled_message
    try:
        _STATE.disabled_message = error_message
        yield
    finally:
        _STATE.disabled_message = prev
