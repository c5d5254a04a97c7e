"""torch.backends.opt_einsum: einsum contraction-path settings, stored and read back.

NOTE: jtorch's einsum is jnp.einsum, which always plans its path with opt_einsum; `enabled` and
`strategy` have no effect on computation.
"""
import contextlib
import importlib.util

__all__ = ["is_available", "get_opt_einsum", "flags", "set_flags", "enabled", "strategy"]


def is_available():
    """Whether the opt_einsum package is installed."""
    return importlib.util.find_spec("opt_einsum") is not None


def get_opt_einsum():
    """The opt_einsum package, or None when it is not installed."""
    if not is_available():
        return None
    import opt_einsum
    return opt_einsum


enabled = is_available()
strategy = "auto" if is_available() else None


def _set_enabled(_enabled):
    global enabled
    if not is_available() and _enabled:
        raise ValueError(
            f"opt_einsum is not available, so setting `enabled` to {_enabled} will not reap the "
            "benefits of calculating an optimal path for einsum. torch.einsum will fall back to "
            "contracting from left to right. To enable this optimal path calculation, please "
            "install opt-einsum.")
    enabled = _enabled


def _set_strategy(_strategy):
    global strategy
    if not is_available():
        raise ValueError(
            f"opt_einsum is not available, so setting `strategy` to {_strategy} will not be "
            "meaningful. torch.einsum will bypass path calculation and simply contract from left "
            "to right. Please install opt_einsum or unset `strategy`.")
    if not enabled:
        raise ValueError(
            f"opt_einsum is not enabled, so setting a `strategy` to {_strategy} will not be "
            "meaningful. torch.einsum will bypass path calculation and simply contract from left "
            "to right. Please set `enabled` to `True` as well or unset `strategy`.")
    if _strategy not in ["auto", "greedy", "optimal"]:
        raise ValueError("`strategy` must be one of the following: [auto, greedy, optimal] but "
                         f"is {_strategy}")
    strategy = _strategy


def set_flags(_enabled=None, _strategy=None):
    """Set (and validate) the given flags; returns the previous ones."""
    orig = (enabled, None if not is_available() else strategy)
    if _enabled is not None:
        _set_enabled(_enabled)
    if _strategy is not None:
        _set_strategy(_strategy)
    return orig


@contextlib.contextmanager
def flags(enabled=None, strategy=None):
    """Set opt_einsum flags for the duration of the block."""
    orig = set_flags(enabled, strategy)
    try:
        yield
    finally:
        set_flags(*orig)
