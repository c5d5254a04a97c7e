"""torch.export on jax.export: an ExportedProgram holding StableHLO and the weights."""
from ._program import ExportedProgram, Dim, export, save, load  # noqa: F401

__all__ = ["ExportedProgram", "Dim", "export", "save", "load"]
