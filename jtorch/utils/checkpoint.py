"""torch.utils.checkpoint: activation checkpointing (jtorch keeps activations; same values/grads).

jtorch's checkpoint runs the function once and keeps its activations rather than recomputing them
in backward: memory is not saved, but outputs and gradients are torch's. torch's warnings and
argument errors are reproduced, including the reentrant variant's behaviour of producing no graph
when no tensor input requires grad.
"""
import contextlib
import warnings

from ._checkpoint_extra import (SAC_IGNORED_OPS, CheckpointError, CheckpointFunction,
                                CheckpointPolicy, DefaultDeviceType, GraphExecGroup,
                                SelectiveCheckpointContext, create_selective_checkpoint_contexts,
                                get_device_states, set_checkpoint_early_stop, set_device_states)

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn", "set_checkpoint_debug_enabled",
           "check_backward_validity", "detach_variable", "CheckpointError", "CheckpointFunction",
           "get_device_states", "set_device_states", "set_checkpoint_early_stop",
           "DefaultDeviceType", "CheckpointPolicy", "SelectiveCheckpointContext",
           "create_selective_checkpoint_contexts", "SAC_IGNORED_OPS", "GraphExecGroup"]

_DEFAULT_DETERMINISM_MODE = "default"
_DETERMINISM_MODES = ("default", "none")


def noop_context_fn():
    """The default context_fn: two null context managers."""
    return contextlib.nullcontext(), contextlib.nullcontext()


_checkpoint_debug_enabled = None


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled):
    """Override checkpoint's `debug` inside the block (None: use each call's argument)."""
    # NOTE: jtorch's checkpoint has no recomputation to trace; the flag only drives torch's
    # debug/context_fn argument check.
    global _checkpoint_debug_enabled
    prev = _checkpoint_debug_enabled
    try:
        _checkpoint_debug_enabled = enabled
        yield
    finally:
        _checkpoint_debug_enabled = prev


def check_backward_validity(inputs):
    """Warn, as torch does, when no tensor input requires grad."""
    import jtorch
    if not any(x.requires_grad for x in inputs if isinstance(x, jtorch.Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


def detach_variable(inputs):
    """Detached copies of a tuple of tensors, keeping requires_grad."""
    import jtorch
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for x in inputs:
        if not isinstance(x, jtorch.Tensor):
            out.append(x)
            continue
        d = x.detach()
        d.requires_grad = x.requires_grad
        out.append(d)
    return tuple(out)


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check=_DEFAULT_DETERMINISM_MODE, debug=False, early_stop=True,
               **kwargs):
    """Run function(*args, **kwargs) (activations are kept, not recomputed); torch's checks."""
    import jtorch
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    kwargs.pop("preserve_rng_state", True)  # NOTE: nothing is re-run, so RNG state needs no care
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        check_backward_validity(args)
        if not any(isinstance(a, jtorch.Tensor) and a.requires_grad for a in args):
            # NOTE: torch's reentrant Function only connects outputs to tensor inputs, so with
            # none requiring grad the outputs carry no graph (parameters get no gradient).
            with jtorch.no_grad():
                return function(*args)
        return function(*args)
    if (_checkpoint_debug_enabled if _checkpoint_debug_enabled is not None else debug) and \
            context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    if determinism_check not in _DETERMINISM_MODES:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_MODES)}, "
                         f"but got {determinism_check}")
    forward_context, _recompute_context = context_fn()
    with forward_context:
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequence of modules/functions in `segments` checkpointed chunks."""
    import jtorch
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is not "
            "passed. use_reentrant=False is recommended, but if you need to preserve the current "
            "default behavior, you can pass use_reentrant=True. Refer to docs for more details on "
            "the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward
    if isinstance(functions, jtorch.nn.Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
