"""torch.nn.parallel: DataParallel and data_parallel (single device in jtorch)."""
from .data_parallel import DataParallel, data_parallel  # noqa: F401
from .distributed import DistributedDataParallel  # noqa: F401

# NOTE: torch's replicate/scatter/gather/parallel_apply are not
# provided here: jtorch has no multi-device scatter machinery.
__all__ = ["data_parallel", "DataParallel", "DistributedDataParallel"]
