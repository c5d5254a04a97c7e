"""torch.utils.benchmark.utils: the implementation modules (common, timer, compare)."""
