"""torch.backends.mkl: whether torch was built with Intel MKL (torch's x86-64 CPU builds are)."""
import platform

__all__ = ["is_available"]


def is_available():
    """True on x86-64, as torch's CPU build reports (jtorch itself computes through XLA)."""
    # NOTE: torch's aarch64 wheels are built without MKL and report False.
    return platform.machine().lower() in ("x86_64", "amd64")
