"""torch.nn.utils.init: the public module path of skip_init."""
from ._init import skip_init  # noqa: F401

__all__ = ["skip_init"]
