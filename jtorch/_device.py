"""torch.device on JAX devices: 'cpu', 'cuda:N' (a JAX GPU), 'tpu:N'."""
import builtins
import functools

import jax

__all__ = ["device", "to_jax_device", "from_jax_device", "default_device", "set_default_device"]

# NOTE: JAX calls GPUs 'gpu' (CUDA or ROCm); torch calls them 'cuda'.
_JAX_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "tpu": "tpu", "meta": None}


class device:
    """A torch.device: a type ('cpu', 'cuda', 'tpu') and an optional index."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            # NOTE: torch.device(0) means the current accelerator (cuda:0).
            self.type, self.index = "cuda", type
            return
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({builtins.type(type).__name__})")
        s = type.strip()
        if ":" in s:
            t, _, idx = s.partition(":")
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {s}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{s}'")
            index = int(idx)
            s = t
        if s not in _JAX_PLATFORM:
            raise RuntimeError(
                f"Expected one of cpu, cuda, tpu, meta device type at start of device string: {s}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative")
        self.type, self.index = s, index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        self._prev = _default[0]
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _default[0] = self._prev


@functools.lru_cache(maxsize=None)
def _platform_devices(platform):
    try:
        return tuple(jax.devices(platform))
    except RuntimeError:
        return ()


def to_jax_device(d):
    """The jax.Device for a torch device/str/int; torch's errors when it does not exist."""
    d = d if isinstance(d, device) else device(d)
    plat = _JAX_PLATFORM[d.type]
    devs = _platform_devices(plat) if plat else ()
    if not devs:
        if d.type == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled (jtorch: JAX found no GPU "
                                 "backend; install jax[cuda] on a machine with a GPU)")
        raise RuntimeError(f"jtorch: JAX has no '{plat}' backend for device '{d}'")
    idx = d.index or 0
    if idx >= len(devs):
        raise RuntimeError(f"CUDA error: invalid device ordinal (device {d} requested, "
                           f"{len(devs)} {d.type} device(s) available)")
    return devs[idx]


_FROM_JAX = {}


def from_jax_device(jd):
    """The torch device of a jax.Device."""
    r = _FROM_JAX.get(jd)
    if r is None:
        plat = jd.platform
        if plat == "cpu":
            r = device("cpu")
        elif plat in ("gpu", "cuda", "rocm"):
            r = device("cuda", _platform_devices("gpu").index(jd))
        else:
            r = device(plat, _platform_devices(plat).index(jd))
        _FROM_JAX[jd] = r
    return r


_default = [device("cpu")]


def default_device():
    """The jax.Device new tensors are created on (torch's default: cpu)."""
    return to_jax_device(_default[0])


def set_default_device(d):
    """Set the device factory functions create tensors on (torch.set_default_device)."""
    _default[0] = device("cpu") if d is None else device(d)


def get_default_device():
    """The torch device factory functions create tensors on."""
    return _default[0]
