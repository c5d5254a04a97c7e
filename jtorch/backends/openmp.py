"""torch.backends.openmp: whether torch was built with OpenMP (torch's CPU builds are)."""

__all__ = ["is_available"]


def is_available():
    """True, as torch's CPU build reports (jtorch itself parallelises through XLA)."""
    return True
