"""torch.version: the version of the PyTorch API jtorch implements and its build facts."""
from typing import Optional

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

# NOTE: the torch release whose semantics jtorch reproduces (its differential-test oracle);
# scripts gate features on it, e.g. `torch.version.__version__ >= "2.0"`.
__version__ = "2.13.0"
debug = False
# NOTE: jtorch is not built against CUDA/ROCm/XPU toolkits (JAX's plugins bring their own), so,
# like torch's CPU build, these are None; torch.cuda.is_available() reports JAX's GPU backend.
cuda: Optional[str] = None
hip: Optional[str] = None
rocm: Optional[str] = None
xpu: Optional[str] = None
# NOTE: no build step records a commit; torch's field is a commit hash string.
git_version = "unknown"
