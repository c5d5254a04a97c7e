"""torch.utils.checkpoint's helpers beyond checkpoint(): CheckpointFunction (the reentrant
autograd.Function, which really recomputes in backward), RNG device states, selective
checkpointing policies and contexts, and torch's small context managers."""
import contextlib
import enum
import warnings
from collections import defaultdict

import jtorch

from ..autograd.function import Function
from ._pytree import tree_map

__all__ = ["CheckpointError", "CheckpointFunction", "get_device_states", "set_device_states",
           "set_checkpoint_early_stop", "DefaultDeviceType", "CheckpointPolicy",
           "SelectiveCheckpointContext", "create_selective_checkpoint_contexts",
           "SAC_IGNORED_OPS", "GraphExecGroup"]


class CheckpointError(RuntimeError):
    """Raised by torch's non-reentrant checkpoint when recomputation does not match forward."""


class DefaultDeviceType:
    """A class that manages the default device type for checkpointing."""

    _default_device_type = None

    @staticmethod
    def set_device_type(device="cuda"):
        """Set the default device type for checkpointing."""
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type():
        """Get the current default device type for checkpointing."""
        if not DefaultDeviceType._default_device_type:
            acc = jtorch.accelerator.current_accelerator(True)
            DefaultDeviceType._default_device_type = acc.type if acc else "cpu"
        return DefaultDeviceType._default_device_type


def _infer_device_type(*args):
    device_types = []

    def add_device_types(arg):
        if isinstance(arg, jtorch.Tensor) and arg.device.type != "cpu":
            device_types.append(arg.device.type)
        return arg
    tree_map(add_device_types, args)
    device_types_set = set(device_types)
    if len(device_types_set) > 1:
        warnings.warn(
            "Tensor arguments, excluding CPU tensors, are detected on at least two types of "
            "devices. Device state will only be saved for devices of a single device type, and "
            "the remaining devices will be ignored. Consequently, if any checkpointed functions "
            "involve randomness, this may result in incorrect gradients. (Note that if CUDA "
            "devices are among the devices detected, it will be prioritized; otherwise, the first "
            "device encountered will be selected.)"
            f"\nDevice types: {sorted(device_types_set)} first device type: {device_types[0]}",
            stacklevel=2)
    if not device_types:
        return DefaultDeviceType.get_device_type()
    return "cuda" if "cuda" in device_types_set else device_types[0]


def _device_rng(device_type, name):
    # NOTE: jtorch's accelerator tensors draw from the default generator (see random.fork_rng),
    # so a device module without its own get/set_rng_state uses the default generator's.
    mod = getattr(jtorch, device_type, None)
    return getattr(mod, name, None) or getattr(jtorch, name)


def get_device_states(*args):
    """(device ids, RNG states) for the non-CPU devices of the tensors in args."""
    fwd_device_ids = []

    def add_device_ids(arg):
        if isinstance(arg, jtorch.Tensor) and arg.device.type not in {"cpu", "meta"}:
            fwd_device_ids.append(arg.get_device())
        return arg
    tree_map(add_device_ids, args)
    get_state = _device_rng(_infer_device_type(*args), "get_rng_state")
    return fwd_device_ids, [get_state() for _ in fwd_device_ids]


def set_device_states(devices, states, *, device_type=None):
    """Set the RNG states of the given devices (as saved by get_device_states)."""
    if device_type is None:
        device_type = DefaultDeviceType.get_device_type()
    if device_type == "meta":
        return
    set_state = _device_rng(device_type, "set_rng_state")
    for _device, state in zip(devices, states):
        set_state(state)


def _get_autocast_kwargs(device_type="cuda"):
    if jtorch.amp.is_autocast_available(device_type):
        device_kwargs = {"enabled": jtorch.is_autocast_enabled(device_type),
                         "dtype": jtorch.get_autocast_dtype(device_type),
                         "cache_enabled": jtorch.is_autocast_cache_enabled()}
    else:
        device_kwargs = None
    cpu_kwargs = {"enabled": jtorch.is_autocast_enabled("cpu"),
                  "dtype": jtorch.get_autocast_dtype("cpu"),
                  "cache_enabled": jtorch.is_autocast_cache_enabled()}
    return device_kwargs, cpu_kwargs


def _is_checkpoint_valid():
    """torch.autograd._is_checkpoint_valid: False inside a backward given `inputs` (or grad())."""
    from ..autograd import engine
    return not engine._TASKS or engine._TASKS[-1][2] is None


class CheckpointFunction(Function):
    """The reentrant checkpoint as an autograd.Function: forward without a graph, backward
    recomputes run_function (RNG state restored) and backpropagates through it."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        from .checkpoint import check_backward_validity
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        ctx.device_type = _infer_device_type(*args)
        ctx.device_autocast_kwargs, ctx.cpu_autocast_kwargs = _get_autocast_kwargs(
            ctx.device_type)
        if preserve_rng_state:
            ctx.fwd_cpu_state = jtorch.get_rng_state()
            ctx.had_device_in_fwd = False
            if getattr(getattr(jtorch, ctx.device_type, None), "_initialized", False):
                ctx.had_device_in_fwd = True
                ctx.fwd_devices, ctx.fwd_device_states = get_device_states(*args)
        # NOTE: torch names this ctx.inputs; jtorch's engine owns a node's `inputs` attribute
        # (Function.apply and backward reset it), so the non-tensor arguments live here.
        ctx.ckpt_inputs = []
        ctx.tensor_indices = []
        tensor_inputs = []
        for i, arg in enumerate(args):
            if jtorch.is_tensor(arg):
                tensor_inputs.append(arg)
                ctx.tensor_indices.append(i)
                ctx.ckpt_inputs.append(None)
            else:
                ctx.ckpt_inputs.append(arg)
        ctx.save_for_backward(*tensor_inputs)
        with jtorch.no_grad():
            outputs = run_function(*args)
        return outputs

    @staticmethod
    def backward(ctx, *args):
        from .checkpoint import detach_variable
        if not _is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                "passing an `inputs` parameter to .backward(). To resolve this error, you can "
                "either set use_reentrant=False, or call .backward() without passing the `inputs` "
                "argument.")
        inputs = list(ctx.ckpt_inputs)
        for i, idx in enumerate(ctx.tensor_indices):
            inputs[idx] = ctx.saved_tensors[i]
        rng_devices = []
        if ctx.preserve_rng_state and ctx.had_device_in_fwd:
            rng_devices = ctx.fwd_devices
        with jtorch.random.fork_rng(devices=rng_devices, enabled=ctx.preserve_rng_state,
                                    device_type=ctx.device_type):
            if ctx.preserve_rng_state:
                jtorch.set_rng_state(ctx.fwd_cpu_state)
                if ctx.had_device_in_fwd:
                    set_device_states(ctx.fwd_devices, ctx.fwd_device_states,
                                      device_type=ctx.device_type)
            detached_inputs = detach_variable(tuple(inputs))
            device_ctx = jtorch.amp.autocast(device_type=ctx.device_type,
                                             **ctx.device_autocast_kwargs) \
                if jtorch.amp.is_autocast_available(ctx.device_type) \
                else contextlib.nullcontext()
            with jtorch.enable_grad(), device_ctx, jtorch.amp.autocast("cpu",
                                                                       **ctx.cpu_autocast_kwargs):
                outputs = ctx.run_function(*detached_inputs)
        if isinstance(outputs, jtorch.Tensor):
            outputs = (outputs,)
        outputs_with_grad = []
        args_with_grad = []
        for i in range(len(outputs)):
            if jtorch.is_tensor(outputs[i]) and outputs[i].requires_grad:
                outputs_with_grad.append(outputs[i])
                args_with_grad.append(args[i])
        if not outputs_with_grad:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        jtorch.autograd.backward(outputs_with_grad, args_with_grad)
        grads = tuple(inp.grad if isinstance(inp, jtorch.Tensor) else None
                      for inp in detached_inputs)
        return (None, None) + grads


_enable_checkpoint_early_stop = None


@contextlib.contextmanager
def set_checkpoint_early_stop(enable):
    """Control whether non-reentrant checkpoint stops recomputation early."""
    # NOTE: jtorch's checkpoint keeps activations and never recomputes, so the flag (kept, as in
    # torch, in a module global) changes nothing observable: values and grads are torch's.
    global _enable_checkpoint_early_stop
    prev = _enable_checkpoint_early_stop
    try:
        _enable_checkpoint_early_stop = enable
        yield
    finally:
        _enable_checkpoint_early_stop = prev


class SelectiveCheckpointContext:
    """Context passed to a selective-checkpointing policy function."""

    def __init__(self, *, is_recompute, op_output=None):
        self.is_recompute = is_recompute
        self.op_output = op_output


class CheckpointPolicy(enum.Enum):
    """Whether an op's output is saved, recomputed or offloaded under selective checkpointing."""

    MUST_SAVE = 0
    PREFER_SAVE = 1
    MUST_RECOMPUTE = 2
    PREFER_RECOMPUTE = 3
    MUST_CPU_OFFLOAD = 4
    PREFER_CPU_OFFLOAD = 5


def _policy_from_bool(b):
    return CheckpointPolicy.MUST_SAVE if b else CheckpointPolicy.PREFER_RECOMPUTE


# NOTE: torch lists aten OpOverloads here (detach, size/stride queries, ...); jtorch has no
# OpOverload objects, so no op can be named in it.
SAC_IGNORED_OPS = set()


class _SACContext:
    """One of the two context managers create_selective_checkpoint_contexts returns."""

    # NOTE: torch's are TorchDispatchModes that consult the policy per aten op and cache
    # outputs for recomputation. jtorch's checkpoint keeps every activation and never
    # recomputes, which is what every policy would yield in values and gradients, so these only
    # hold the policy; the policy function is never called.
    def __init__(self, policy_fn, storage, allow_cache_entry_mutation=False):
        self.policy_fn = policy_fn
        self.storage = storage
        self.allow_cache_entry_mutation = allow_cache_entry_mutation

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return None


class _CachingTorchDispatchMode(_SACContext):
    """The forward context of selective checkpointing."""


class _CachedTorchDispatchMode(_SACContext):
    """The recomputation context of selective checkpointing."""


def create_selective_checkpoint_contexts(policy_fn_or_list, allow_cache_entry_mutation=False):
    """The (forward, recompute) context pair for checkpoint(context_fn=...) under a policy."""
    if isinstance(policy_fn_or_list, list):
        for op in policy_fn_or_list:
            # NOTE: torch accepts only OpOverloads/HigherOrderOperators, which jtorch lacks
            raise ValueError(f"Expected op in `op_list` to be an OpOverload but got: {op} "
                             f"of type {type(op)}. ")

        def policy_fn(ctx, op, *args, **kwargs):
            return CheckpointPolicy.PREFER_RECOMPUTE
    elif callable(policy_fn_or_list):
        policy_fn = policy_fn_or_list
    else:
        raise TypeError("policy_fn_or_list must be either a function or a list of ops.")
    storage = defaultdict(dict)
    return (_CachingTorchDispatchMode(policy_fn, storage),
            _CachedTorchDispatchMode(None, storage, allow_cache_entry_mutation))


class _GroupState:
    current = None


class GraphExecGroup:
    """Checkpointed regions met by backward under one group recompute at most once."""

    # NOTE: jtorch never recomputes, so the group only enforces torch's no-nesting rule.
    def __enter__(self):
        if _GroupState.current is not None:
            raise RuntimeError("GraphExecGroup contexts cannot be nested. "
                               f"Already inside group {_GroupState.current}")
        _GroupState.current = self
        return self

    def __exit__(self, *args):
        _GroupState.current = None

    @classmethod
    def _get_current_group(cls):
        return _GroupState.current
