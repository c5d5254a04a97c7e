"""torch.device on JAX devices: 'cpu', 'cuda:N' (a JAX GPU), 'tpu:N'."""
import builtins
import functools
import re

import jax

__all__ = ["device", "to_jax_device", "from_jax_device", "default_device", "set_default_device"]

# NOTE: JAX calls GPUs 'gpu' (CUDA or ROCm); torch calls them 'cuda'.
_JAX_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "tpu": "tpu", "meta": None}
# NOTE: every device type torch's parser accepts (c10/core/DeviceType.cpp), plus jtorch's 'tpu'.
# Only those in _JAX_PLATFORM can hold tensors; the rest can be named, as in torch.
_TORCH_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")
_TYPES = frozenset(_TORCH_TYPES + ("tpu",))
_DEVICE_RE = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")


class device:
    """A torch.device: a type ('cpu', 'cuda', 'tpu') and an optional index."""

    __slots__ = ("type", "index", "_prev")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            # NOTE: torch.device(0) means the current accelerator (cuda:0).
            if type < 0:
                raise RuntimeError("Device index must not be negative")
            if not _platform_devices("gpu"):
                raise RuntimeError("Cannot access accelerator device when none is available.")
            self.type, self.index = "cuda", type
            return
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({builtins.type(type).__name__}), but expected one of:\n"
                            f" * (torch.device device)\n * (str type, int index = -1)")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{builtins.type(index).__name__}")
        if not type:
            raise RuntimeError("Device string must not be empty")
        m = _DEVICE_RE.fullmatch(type)
        if m is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        s, idx = m.group(1), m.group(2)
        if s not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TORCH_TYPES)} device type at start "
                               f"of device string: {s}")
        if idx is not None:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = s, index

    def __eq__(self, other):
        # NOTE: like torch, a device never equals a string (device('cpu') == 'cpu' is False).
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
    plat = _JAX_PLATFORM.get(d.type)
    devs = _platform_devices(plat) if plat else ()
    if not devs:
        if d.type == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled (jtorch: JAX found no GPU "
                                 "backend; install jax[cuda] on a machine with a GPU)")
        raise RuntimeError(f"jtorch: no JAX backend holds tensors for device '{d}' (JAX "
                           f"platform: {plat})")
    idx = d.index if d.index is not None else _CURRENT.get(d.type, 0)
    if idx >= len(devs) and d.type == "cpu":
        idx = 0  # NOTE: torch ignores the index of a cpu device ('cpu:1' is the cpu)
    if idx >= len(devs):
        raise RuntimeError(f"CUDA error: invalid device ordinal (device {d} requested, "
                           f"{len(devs)} {d.type} device(s) available)")
    return devs[idx]


# NOTE: jax.Devices that count as accelerators although JAX calls them CPUs. Tests add a second
# CPU device here (XLA_FLAGS=--xla_force_host_platform_device_count=2) to stand in for a GPU.
_ACCELERATORS = set()


def host_readable(a):
    """Whether a value check may read array `a` back on the host: concrete and on the CPU.
    NOTE: torch's GPU kernels check values on the device (a device-side assert) and never read
    them back; reading a GPU array waits for all queued work (1-2 ms a call on an H200)."""
    if isinstance(a, jax.core.Tracer):
        return False
    try:
        d = next(iter(a.devices()))
    except (AttributeError, StopIteration):
        return False
    return d.platform == "cpu" and d not in _ACCELERATORS


_FROM_JAX = {}
# NOTE: the index a device without one ('cuda') means; torch.cuda.set_device changes it.
_CURRENT = {}


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


def gather(arrays, dev=None):
    """(arrays, moves): every array not on `dev` (default: the device most of them are on) put
    there in one batched transfer; `moves` lists (index, original device) for `scatter`.
    NOTE: one jitted computation runs on one device, but torch keeps some state on the CPU next
    to GPU tensors (an optimizer's `step`); such arrays visit the main device for the call."""
    devs = [None if a is None else a.device for a in arrays]
    if dev is None:
        counts = {}
        for d in devs:
            if d is not None:
                counts[d] = counts.get(d, 0) + 1
        if not counts:
            return list(arrays), []
        dev = max(counts, key=counts.get)
    moves = [(i, d) for i, d in enumerate(devs) if d is not None and d != dev]
    out = list(arrays)
    if moves:
        for (i, _), a in zip(moves, jax.device_put([arrays[i] for i, _ in moves], dev)):
            out[i] = a
    return out, moves


def scatter(arrays, moves):
    """Undo `gather` on a call's results: put each moved position back on its own device."""
    out = list(arrays)
    if moves:
        put = jax.device_put([arrays[i] for i, _ in moves], [d for _, d in moves])
        for (i, _), a in zip(moves, put):
            out[i] = a
    return out


def same_device(arrays):
    """One op's operands (nested lists allowed) on one device, by torch's rule: a 0-d CPU tensor
    joins the other operands' device; otherwise differing devices raise torch's RuntimeError."""
    leaves = [a for a in jax.tree_util.tree_leaves(arrays) if isinstance(a, jax.Array)]
    main = []
    for a in leaves:
        if a.ndim > 0 and a.device not in main:
            main.append(a.device)
    if not main:  # NOTE: only 0-d operands: a non-CPU one decides (torch: cuda scalar + cpu)
        main = [a.device for a in leaves if a.device.platform != "cpu"][:1] or \
            [leaves[0].device]
    bad = [a.device for a in leaves if a.device != main[0] and
           (a.ndim > 0 or a.device.platform != "cpu")]
    if len(main) > 1 or bad:
        other = main[1] if len(main) > 1 else bad[0]
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {from_jax_device(main[0])} and "
                           f"{from_jax_device(other)}!")
    dev = main[0]
    return jax.tree_util.tree_map(
        lambda a: jax.device_put(a, dev) if isinstance(a, jax.Array) and a.device != dev else a,
        arrays)
