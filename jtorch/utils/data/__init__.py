"""torch.utils.data: datasets, samplers, collation and DataLoader."""
from .dataset import (  # noqa: F401
    Dataset, IterableDataset, TensorDataset, StackDataset, ConcatDataset, ChainDataset, Subset,
    random_split,
)
from .sampler import (  # noqa: F401
    Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
    BatchSampler,
)
from .distributed import DistributedSampler  # noqa: F401
from ._worker import WorkerInfo, get_worker_info  # noqa: F401
from ._utils.collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader, _DatasetKind  # noqa: F401
from . import _utils  # noqa: F401

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "default_collate", "default_convert", "get_worker_info",
           "random_split"]
