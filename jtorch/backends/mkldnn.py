"""torch.backends.mkldnn: oneDNN switches, stored and read back.

NOTE: jtorch's CPU ops run through XLA, not oneDNN; `enabled` and `deterministic` have no effect.
`is_available()` reports what torch's CPU build reports (True).
"""
import contextlib

from ._props import install_flags

__all__ = ["is_available", "flags", "set_flags", "VERBOSE_OFF", "VERBOSE_ON", "verbose"]

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

_state = {"enabled": True, "deterministic": False, "fp32_precision": "none"}


def is_available():
    """True, as torch's CPU build reports (oneDNN is compiled in)."""
    return True


class verbose:
    """oneDNN verbose-logging scope; a no-op in jtorch (XLA does not use oneDNN)."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none"):
    """Set the given flags; returns the previous ones (for flags() to restore)."""
    orig = (_state["enabled"], _state["deterministic"], None, _state["fp32_precision"])
    for name, value in (("enabled", _enabled), ("deterministic", _deterministic),
                        ("fp32_precision", _fp32_precision)):
        if value is not None:
            _state[name] = value
    return orig


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Set oneDNN flags for the duration of the block (torch's defaults: oneDNN disabled)."""
    orig = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*orig)


install_flags(__name__, _state, {"enabled": "set_enabled_mkldnn",
                                 "deterministic": "set_deterministic_mkldnn"})
