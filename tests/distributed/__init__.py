"""Tests for jtorch.distributed and nn.parallel.DistributedDataParallel."""
