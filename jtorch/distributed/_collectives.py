"""Tensor collectives and point-to-point ops of torch.distributed, for a one-process group."""
from .._tensor import Tensor
from ._backend import ReduceOp, _op_type
from ._work import Work
from ._world import GroupMember, _group_or_default, get_group_rank

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather",
           "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all",
           "all_to_all_single", "barrier", "monitored_barrier", "send", "recv", "isend", "irecv"]

# NOTE: with one process every collective is its local special case (all_reduce of one
# contribution is the tensor itself, all_gather copies the input into the one output, ...).
# Checks and their error messages follow torch's Python layer and the gloo backend's C++ checks.
_BITWISE = (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)
_NO_COMPLEX = (ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT) + _BITWISE


def _check_single_tensor(param, name):
    if not isinstance(param, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor\n             but got {type(param)} instead.")


def _check_tensor_list(param, name):
    if not isinstance(param, list):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(param)} instead.")
    if not all(isinstance(p, Tensor) for p in param):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(param)} with elements "
                        f"of type {[type(p) for p in param]}.")


def _ensure_same_dtype(*tensors):
    from .. import complex64, float32, float64
    last = None
    for t in (x for obj in tensors for x in (obj if isinstance(obj, list) else (obj,))):
        dt = t.dtype
        if dt.is_complex:
            # NOTE: a complex tensor travels as its real view, so it mixes with its element type
            dt = float32 if dt == complex64 else float64
        if last is None:
            last = dt
        elif last != dt:
            raise ValueError(f"Invalid usage of tensors with different dtypesFound {last} and  "
                             f"{t.dtype}")


def _group_rank(group, global_rank=None, group_rank=None):
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        return group_rank
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    return get_group_rank(group, global_rank)


def _check_root(group, root, name):
    if root != group.rank():
        raise RuntimeError(f"ProcessGroupGloo::{name}: invalid root rank: {root}")


def _not_member(group):
    return group is not None and group == GroupMember.NON_GROUP_MEMBER


def _real(t):
    # NOTE: torch hands complex tensors to the backend as real views: Work.result() shows them
    from .. import view_as_real
    return view_as_real(t) if t.is_complex() else t


def _finish(async_op, result, run=None):
    """Run the collective's local work; async: errors it hits go into the Work, as in torch."""
    # NOTE: torch validates arguments eagerly but runs the reduction itself on the backend's
    # worker: with async_op=True its errors (dtype checks, AVG's division) surface in
    # Work.wait() / Work.exception() instead of at the call.
    error = None
    try:
        if run is not None:
            run()
    except Exception as e:  # noqa: BLE001
        if not async_op:
            raise
        error = e
    result = [_real(t) if isinstance(t, Tensor) else t for t in result]
    return Work(result, error=error) if async_op else None


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def _reduce_local(tensor, op, group):
    """A reduction over the one contribution: the tensor itself (AVG divides by 1)."""
    if op in _BITWISE and (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype")
    if op == ReduceOp.AVG:
        # NOTE: AVG is sum / world size: in place, so integer tensors raise torch's cast error
        tensor.div_(group.size())


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce tensor across the group in place (world size 1: the tensor itself; AVG divides)."""
    _check_single_tensor(tensor, "tensor")
    if _not_member(group):
        return None
    if tensor.is_complex() and op in _NO_COMPLEX:
        raise ValueError(f"all_reduce does not support {op} on complex tensors")
    group = _group_or_default(group)
    op = _op_type(op, "Allreduce")
    return _finish(async_op, [tensor], lambda: _reduce_local(tensor, op, group))


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Broadcast tensor from rank src to the group (world size 1: unchanged)."""
    group = _group_or_default(group)
    root = _group_rank(group, src, group_src)
    _check_single_tensor(tensor, "tensor")
    _check_root(group, root, "broadcast")
    return _finish(async_op, [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce tensor across the group into rank dst (world size 1: the tensor itself)."""
    group = _group_or_default(group)
    root = _group_rank(group, dst, group_dst)
    _check_single_tensor(tensor, "tensor")
    op = _op_type(op, "Reduce")
    _check_root(group, root, "reduce")
    if tensor.is_complex() and op in _NO_COMPLEX:
        # NOTE: gloo streams the op's enum value as a raw byte into this message
        raise RuntimeError(f"reduce does not support{chr(op.value)}on complex tensors")
    return _finish(async_op, [tensor], lambda: _reduce_local(tensor, op, group))


def _check_sizes(name, expected, got, index=0):
    if tuple(expected.shape) != tuple(got.shape):
        raise RuntimeError(f"ProcessGroupGloo::{name}: invalid tensor size at index {index} "
                           f"(expected {_shape(expected)}, got {_shape(got)})")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather tensor from every rank into tensor_list (world size 1: one copy)."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_single_tensor(tensor, "tensor")
    _ensure_same_dtype(tensor_list, tensor)
    if _not_member(group):
        return None
    group = group or _group_or_default(group)
    if len(tensor_list) != group.size():
        raise RuntimeError(f"ProcessGroupGloo::allgather: invalid output tensor list at index 0 "
                           f"(expected length {group.size()}, got {len(tensor_list)})")
    for i, out in enumerate(tensor_list):
        _check_sizes("allgather", tensor, out, i)
    tensor_list[0].copy_(tensor)
    return _finish(async_op, tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather input_tensor from every rank into output_tensor, concatenated along dim 0."""
    _check_single_tensor(input_tensor, "input_tensor")
    _check_single_tensor(output_tensor, "output_tensor")
    if _not_member(group):
        return None
    group = group or _group_or_default(group)
    if output_tensor.dtype != input_tensor.dtype:
        raise RuntimeError(f"ProcessGroupGloo::allgather: invalid tensor type at index 0 "
                           f"(expected {input_tensor.dtype}, got {output_tensor.dtype})")
    _check_sizes("allgather", input_tensor, output_tensor)
    output_tensor.copy_(input_tensor)
    return _finish(async_op, [output_tensor])


def _tensor_and_list(tensor, lst, name):
    """Check gather's/scatter's tensor and optional list (None or empty: []), returning the list."""
    _check_single_tensor(tensor, "tensor")
    if lst:
        _check_tensor_list(lst, name)
    else:
        lst = []
    _ensure_same_dtype(tensor, lst)
    return lst


def _check_rooted_list(group, peer, group_peer, lst, role, name):
    """The root's group rank, checking that only the root ('destination'/'source') passes lst."""
    # NOTE: gather_object's message names ``gather_list`` too (not object_gather_list), as torch's.
    list_name = f"{name}_list"
    if peer is None and group_peer is None:
        peer = 0
    root = _group_rank(group, peer, group_peer)
    if root == group.rank():
        if not lst:
            raise ValueError(f"Argument ``{list_name}`` must be specified on {role} rank.")
    elif lst:
        raise ValueError(f"Argument ``{list_name}`` must NOT be specified on non-{role} ranks.")
    _check_root(group, root, name)
    return root


def _check_list_size(name, lst, group, kind):
    """The root's gather/scatter list holds one tensor per rank ('Output'/'Input' list)."""
    if len(lst) != group.size():
        raise RuntimeError(f"ProcessGroupGloo::{name}: Incorrect {kind.lower()} list size "
                           f"{len(lst)}. {kind} list size should be {group.size()}, "
                           f"same as size of the process group.")


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Gather tensor from every rank into gather_list on rank dst."""
    gather_list = _tensor_and_list(tensor, gather_list, "gather_list")
    group = _group_or_default(group)
    _check_rooted_list(group, dst, group_dst, gather_list, "destination", "gather")
    _check_list_size("gather", gather_list, group, "Output")
    _check_sizes("gather", tensor, gather_list[0])
    gather_list[0].copy_(tensor)
    return _finish(async_op, [gather_list])


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Scatter scatter_list from rank src: this rank receives its entry into tensor."""
    scatter_list = _tensor_and_list(tensor, scatter_list, "scatter_list")
    group = _group_or_default(group)
    _check_rooted_list(group, src, group_src, scatter_list, "source", "scatter")
    _check_list_size("scatter", scatter_list, group, "Input")
    _check_sizes("scatter", tensor, scatter_list[0])
    tensor.copy_(scatter_list[0])
    return _finish(async_op, [tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce input_list across ranks; this rank receives its reduced entry into output."""
    _check_single_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    _ensure_same_dtype(output, input_list)
    if _not_member(group):
        return None
    op = _op_type(op, "ReduceScatter")
    group = group or _group_or_default(group)
    if len(input_list) != group.size():
        raise RuntimeError("invalid input tensor list size, must be world size")
    output.copy_(input_list[0])
    return _finish(async_op, [output], lambda: _reduce_local(output, op, group))


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce input across ranks and scatter its dim-0 chunks: this rank's chunk into output."""
    _check_single_tensor(output, "output")
    _check_single_tensor(input, "input")
    if _not_member(group):
        return None
    op = _op_type(op, "ReduceScatter")
    group = group or _group_or_default(group)
    out0 = output.shape[0] if output.dim() else 1
    in0 = input.shape[0] if input.dim() else 1
    if out0 * group.size() != in0:
        raise RuntimeError(f"Check failed: outputShape[0] * worldSize == inputShape[0] "
                           f"({out0 * group.size()} vs. {in0}).")
    output.copy_(input.reshape(output.shape))
    return _finish(async_op, [output], lambda: _reduce_local(output, op, group))


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Send input_tensor_list[i] to rank i; receive rank i's tensor into output_tensor_list[i]."""
    if _not_member(group):
        return None
    _check_tensor_list(output_tensor_list, "output_tensor_list")
    _check_tensor_list(input_tensor_list, "input_tensor_list")
    _ensure_same_dtype(output_tensor_list, input_tensor_list)
    group = group or _group_or_default(group)
    for what, lst in (("input", input_tensor_list), ("output", output_tensor_list)):
        if len(lst) != group.size():
            raise RuntimeError(f"ProcessGroupGloo::alltoall: {what} tensor list size {len(lst)} "
                               f"does not match world size {group.size()}")
    output_tensor_list[0].copy_(input_tensor_list[0])
    return _finish(async_op, output_tensor_list)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """Split input along dim 0, send the pieces to the ranks, concatenate what arrives in output."""
    if _not_member(group):
        return None
    _check_single_tensor(output, "output")
    _check_single_tensor(input, "input")
    _ensure_same_dtype(output, input)
    group = group or _group_or_default(group)
    for splits, t in ((output_split_sizes, output), (input_split_sizes, input)):
        if splits:
            if len(splits) != group.size() or sum(splits) != (t.shape[0] if t.dim() else 1):
                raise RuntimeError("Split sizes doesn't match total dim 0 size")
    if output.numel() != input.numel():
        raise RuntimeError("[enforce fail at gloo/alltoall.cc:30] in->size == out->size. ")
    output.copy_(input.reshape(output.shape))
    return _finish(async_op, [output])


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait for every rank of the group (world size 1: returns at once)."""
    group = group or _group_or_default(group)
    return _finish(async_op, [])


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier that reports ranks that fail to arrive in time (gloo only)."""
    import datetime
    import warnings

    from ._world import Backend, get_backend
    if _not_member(group):
        return None
    if get_backend(group) != Backend.GLOO:
        raise ValueError("monitored_barrier is only implemented for GLOO backend.")
    if isinstance(timeout, float):
        warnings.warn(f"Please specify timeout arg as a timedelta. Converting current value of "
                      f"{timeout} assuming it represents seconds", stacklevel=2)
        timeout = datetime.timedelta(seconds=timeout)
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, "
                        f"got {timeout}")
    return None


def _p2p_unsupported(what, peer):
    return RuntimeError(f"{what} with peer rank {peer}: jtorch.distributed runs a single process "
                        f"(world_size=1), so there is no other process to exchange tensors with")


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send tensor to another rank asynchronously (impossible in a one-process group)."""
    group = _group_or_default(group)
    peer = _group_rank(group, dst, group_dst)
    _check_single_tensor(tensor, "tensor")
    raise _p2p_unsupported("isend", peer)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into tensor from another rank asynchronously (impossible in one process)."""
    _check_single_tensor(tensor, "tensor")
    group = _group_or_default(group)
    peer = "any" if src is None and group_src is None else _group_rank(group, src, group_src)
    raise _p2p_unsupported("irecv", peer)


def _check_not_self(group, rank, kind):
    if group.rank() == rank:
        raise ValueError(f"Invalid {kind} rank: {kind} rank should not be the same as the rank "
                         f"of the current process.")


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send tensor to rank dst (torch forbids sending to oneself; no other rank exists here)."""
    group = _group_or_default(group)
    peer = _group_rank(group, dst, group_dst)
    _check_not_self(group, peer, "destination")
    isend(tensor, group=group, tag=tag, group_dst=peer)


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive tensor from rank src (no other rank exists in a one-process group)."""
    irecv(tensor, src=src, group=group, tag=tag, group_src=group_src)

