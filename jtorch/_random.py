"""Random number generation state: torch.Generator over JAX PRNG keys."""
import time

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator",
           "get_rng_state", "set_rng_state", "next_key"]

_DEFAULT_SEED = 67280421310721  # NOTE: torch's default_generator initial seed


class Generator:
    """A torch.Generator: a seed plus a JAX PRNG key advanced by every draw."""

    def __init__(self, device="cpu"):
        from ._device import device as _dev
        self.device = _dev(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reset the state from an integer seed; returns self."""
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & ((1 << 64) - 1)
        # NOTE: raw uint32[2] key data (jax.random.PRNGKey layout), so it can be saved/traced.
        self._key = jax.random.PRNGKey(np.uint64(self._seed) & np.uint64(0xFFFFFFFFFFFFFFFF))
        return self

    def seed(self):
        """Seed from a non-deterministic source; returns the seed."""
        s = time.time_ns() & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed last set."""
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor."""
        from ._ops.creation import place
        return place(np.asarray(self._key).view(np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from get_state()."""
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype._name != "uint8":
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state.numel() != 8:
            # NOTE: jtorch's state is the 8-byte JAX PRNG key, not torch's 5056-byte mt19937 state.
            raise RuntimeError(f"Expected a jtorch generator state of size 8 but found the input "
                               f"RNG state size to be {new_state.numel()}")
        arr = np.asarray(new_state._arr()).astype(np.uint8)
        self._key = jnp.asarray(arr.view(np.uint32))
        return self

    def next_key(self):
        """Split the key: advance the state, return a fresh subkey."""
        self._key, sub = _split(self._key)
        return sub


@jax.jit
def _split(key):
    k = jax.random.split(key)
    return k[0], k[1]


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state."""
    default_generator.set_state(new_state)


def next_key(generator=None):
    """A fresh PRNG key from `generator` (the default generator if None)."""
    return (generator or default_generator).next_key()
