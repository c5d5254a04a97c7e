"""torch.compiler: controls for jtorch.compile."""
from ._compile.compiled import counters, is_compiling, reset  # noqa: F401

__all__ = ["reset", "is_compiling", "counters"]

