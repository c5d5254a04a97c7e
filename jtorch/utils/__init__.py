"""torch.utils."""
from . import _pytree, checkpoint, data, hooks  # noqa: F401
