"""torch.backends: the backend switches scripts set (cudnn, cuda, mkldnn, ...).

jtorch runs every op through JAX/XLA, so these are stored settings only: they read back what was
set (as in torch) but do not change how jtorch computes.
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
