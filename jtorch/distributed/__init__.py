"""torch.distributed for one process: process groups, collectives, object collectives.

NOTE: jtorch supports world_size == 1 only (torchrun --nproc_per_node=1, or scripts that guard
on is_initialized()); init_process_group raises NotImplementedError for more processes.
"""
from ._backend import (Backend, ReduceOp, is_backend_available, is_gloo_available,
                       is_mpi_available, is_nccl_available, is_ucc_available, is_xccl_available)
from ._collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all,
                           all_to_all_single, barrier, broadcast, gather, irecv, isend,
                           monitored_barrier, recv, reduce, reduce_scatter, reduce_scatter_tensor,
                           scatter, send)
from ._objects import (all_gather_object, broadcast_object_list, gather_object,
                       scatter_object_list)
from ._work import Work
from ._world import (GroupMember, ProcessGroup, default_pg_timeout, destroy_process_group,
                     get_backend, get_backend_config, get_global_rank, get_group_rank,
                     get_node_local_rank, get_rank,
                     get_process_group_ranks, get_world_size, group, init_process_group,
                     is_initialized, is_torchelastic_launched, new_group)

__all__ = [
    "Backend", "ReduceOp", "is_backend_available", "is_gloo_available", "is_mpi_available",
    "is_nccl_available", "is_ucc_available", "is_xccl_available", "all_gather",
    "all_gather_into_tensor", "all_reduce", "all_to_all", "all_to_all_single", "barrier",
    "broadcast", "gather", "irecv", "isend", "monitored_barrier", "recv", "reduce",
    "reduce_scatter", "reduce_scatter_tensor", "scatter", "send", "all_gather_object",
    "broadcast_object_list", "gather_object", "scatter_object_list", "Work", "GroupMember",
    "ProcessGroup", "default_pg_timeout", "destroy_process_group", "get_backend",
    "get_backend_config", "get_global_rank", "get_group_rank", "get_rank",
    "get_process_group_ranks", "get_world_size", "group", "init_process_group", "is_initialized",
    "is_torchelastic_launched", "new_group", "get_node_local_rank", "is_available",
]


def is_available():
    """True: torch.distributed's API is present (jtorch: for one process)."""
    return True
