"""torch.backends.mps: Apple Metal. jtorch has no MPS backend, so it is never built or available."""

__all__ = ["is_available", "is_built"]


def is_available():
    """False: jtorch has no MPS backend."""
    return False


def is_built():
    """False: jtorch has no MPS backend."""
    return False
