"""torch.utils."""
from . import _pytree, checkpoint, data, hooks  # noqa: F401
from ._swap import swap_tensors  # noqa: F401
