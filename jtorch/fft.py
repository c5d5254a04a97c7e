"""torch.fft: discrete Fourier transforms (ops in jtorch/_ops/fft_ops.py)."""
from ._ops.fft_ops import *  # noqa: F401,F403
from ._ops.fft_ops import __all__  # noqa: F401
