"""Convert jtorch Tensors, numpy arrays and Python numbers into numpy arrays (torch's _convert_np)."""
import numpy as np

import jtorch

__all__ = ["make_np"]


def make_np(x):
    """Convert a jtorch Tensor, numpy array or Python/numpy scalar into a numpy array."""
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, jtorch.Tensor):
        # NOTE: torch returns np.random.randn(1) for 'meta' tensors; jtorch has no meta device,
        # so that branch cannot be reached here.
        return _prepare_pytorch(x)
    raise NotImplementedError(
        f"Got {type(x)}, but numpy array or torch tensor are expected."
    )


def _prepare_pytorch(x):
    if x.dtype == jtorch.bfloat16:
        # NOTE: as torch: numpy has no bfloat16, so values go through float16.
        x = x.to(jtorch.float16)
    return x.detach().cpu().numpy()
