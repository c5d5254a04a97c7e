"""torch.utils.data.distributed: DistributedSampler."""
import math

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _process_group_value(what):
    """world size / rank of the default process group (jtorch.distributed, when present)."""
    import sys
    dist = sys.modules.get("jtorch.distributed")
    if dist is not None and getattr(dist, "is_initialized", lambda: False)():
        return dist.get_world_size() if what == "world_size" else dist.get_rank()
    raise ValueError("Default process group has not been initialized, please make sure to call "
                     "init_process_group.")


class DistributedSampler(Sampler):
    """Restricts loading to this rank's share of the dataset (padded or trimmed to divide evenly).

    NOTE: with shuffle=True the permutation comes from jtorch.randperm seeded with seed + epoch:
    the same on every rank (as in torch), but not torch's permutation for that seed.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = _process_group_value("world_size")
        if rank is None:
            rank = _process_group_value("rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) /
                                         self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            import jtorch
            g = jtorch.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = jtorch.randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size "
                                 f"({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not match "
                                 f"num_samples ({self.num_samples})")
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch, which reseeds the shuffle so each epoch has a new order."""
        self.epoch = epoch
