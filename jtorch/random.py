"""torch.random: the default generator's seeding and state, plus fork_rng."""
import contextlib

from ._random import get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type=None):
    """Restore the RNG state on exit from the block (nothing forked when enabled=False)."""
    # NOTE: jtorch's CUDA tensors draw from the same default generator as CPU tensors, so saving
    # the CPU state forks every device's stream; `devices` and `device_type` need no work.
    if device_type == "meta" or not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
