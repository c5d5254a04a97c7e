"""torch._dynamo: the settings and reset scripts reach for (jtorch.compile traces with JAX, not
Dynamo: only `config.recompile_limit` has an effect)."""
from .._compile.compiled import reset
from . import config, exc

__all__ = ["config", "exc", "reset"]
