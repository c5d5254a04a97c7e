"""Seeding functions of a device module (torch.xpu, torch.mtia) on a build without that device.

NOTE: torch queues seeding calls until the device initialises, which on such a build never
happens: they are dropped (after the seed's int() conversion)."""
import builtins

__all__ = ["manual_seed", "manual_seed_all", "seed", "seed_all", "get_rng_state_all"]


def manual_seed(seed):
    """A no-op (torch queues it until the device initialises, which never happens here)."""
    builtins.int(seed)


def manual_seed_all(seed):
    """A no-op (torch queues it until the device initialises, which never happens here)."""
    builtins.int(seed)


def seed():
    """A no-op (torch queues it until the device initialises, which never happens here)."""


def seed_all():
    """A no-op (torch queues it until the device initialises, which never happens here)."""


def get_rng_state_all():
    """[]: one state per device, and there are none."""
    return []
