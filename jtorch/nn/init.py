"""torch.nn.init: in-place initialisers with torch's fan computation.

Every sampler is one compiled pure-JAX function of (PRNG key, shape, dtype, params) whose result
is written into the tensor under no_grad (version bump, view write-through as in torch). Values
differ from torch's for the same seed (different PRNG); the distributions are the same.
"""
import functools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _random as R
from .._tensor import wrap

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "uniform", "normal", "constant", "eye",
           "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "orthogonal", "sparse"]


def _no_grad():
    from ..autograd import no_grad
    return no_grad()


def _write(tensor, arr):
    """tensor.copy_(arr) under no_grad (torch's in-place init semantics)."""
    with _no_grad():
        tensor.copy_(wrap(arr))
    return tensor


def _write_np(tensor, arr):
    """Write a NumPy array into tensor (host path when concrete)."""
    device = _concrete(tensor)
    if device is None:
        return _write(tensor, jnp.asarray(arr, dtype=tensor.dtype._np))
    return _write_host(tensor, arr, device)


def _check_float(tensor, what):
    d = tensor.dtype
    if not d.is_floating_point:
        from .._ops._common import torch_name
        raise NotImplementedError(f"\"{what}\" not implemented for '{torch_name(d)}'")
    return d._np


@functools.lru_cache(maxsize=None)
def _sampler(kind, shape, np_dtype):
    """A compiled f(key, *params) -> array of `shape` for one distribution."""
    def f(key, *p):
        if kind == "uniform":
            a, b = p
            u = jax.random.uniform(key, shape, jnp.float32 if np_dtype != jnp.float64
                                   else jnp.float64)
            return (a + (b - a) * u).astype(np_dtype)
        if kind == "normal":
            mean, std = p
            z = jax.random.normal(key, shape, jnp.float32 if np_dtype != jnp.float64
                                  else jnp.float64)
            return (mean + std * z).astype(np_dtype)
        if kind == "trunc_normal":
            mean, std, a, b = p
            wide = jnp.float32 if np_dtype != jnp.float64 else jnp.float64
            z = jax.random.truncated_normal(key, (a - mean) / std, (b - mean) / std, shape, wide)
            return jnp.clip(mean + std * z, a, b).astype(np_dtype)
        if kind == "orthogonal":
            (gain,) = p
            rows = shape[0]
            cols = math.prod(shape) // rows
            wide = jnp.float32 if np_dtype != jnp.float64 else jnp.float64
            flat = jax.random.normal(key, (rows, cols), wide)
            if rows < cols:
                flat = flat.T
            q, r = jnp.linalg.qr(flat)
            q = q * jnp.sign(jnp.diagonal(r))[None, :]
            if rows < cols:
                q = q.T
            return (gain * q).reshape(shape).astype(np_dtype)
        if kind == "sparse":
            std, num_zeros = p[0], shape[2]
            rows, cols = shape[:2]
            k1, k2 = jax.random.split(key)
            w = std * jax.random.normal(k1, (rows, cols), jnp.float32 if np_dtype != jnp.float64
                                        else jnp.float64)
            # NOTE: per column, the rows ranked first by a random key are zeroed (a random subset
            # of size num_zeros, as torch's randperm(rows)[:num_zeros]).
            rank = jnp.argsort(jnp.argsort(jax.random.uniform(k2, (rows, cols)), axis=0), axis=0)
            return jnp.where(rank < num_zeros, 0, w).astype(np_dtype)
        raise AssertionError(kind)
    return jax.jit(f)


def _concrete(tensor):
    """The device of tensor's array, or None when it is a tracer (inside jtorch.compile)."""
    a = tensor._a
    if isinstance(a, jax.core.Tracer):
        return None
    try:
        return next(iter(a.devices()))
    except (AttributeError, StopIteration):
        return None


def _write_host(tensor, arr, device):
    """Write a NumPy array into tensor (a root: rebind its array; a view: write through)."""
    arr = np.asarray(arr, dtype=tensor.dtype._np)
    if tensor._base is None:
        tensor._set_array(jax.device_put(arr, device))
        return tensor
    return _write(tensor, jax.device_put(arr, device))


def _host_rng(key):
    """A NumPy generator seeded from a JAX PRNG key (drawn from the torch-style Generator)."""
    return np.random.Generator(np.random.PCG64(np.asarray(key).astype(np.uint64).tolist()))


def _host_sample(kind, rng, shape, p):
    # NOTE: eager init samples on the host: one XLA compile per new shape (seconds for a model
    # with many layer sizes) would dominate model construction; the draws come from the same
    # Generator state as every other jtorch random op.
    if kind == "uniform":
        return rng.uniform(p[0], p[1], shape)
    if kind == "normal":
        return rng.normal(p[0], p[1], shape)
    if kind == "trunc_normal":
        return _host_trunc_normal(rng, shape, *p)
    if kind == "orthogonal":
        rows = shape[0]
        cols = math.prod(shape) // rows
        flat = rng.normal(0.0, 1.0, (rows, cols))
        if rows < cols:
            flat = flat.T
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diagonal(r))[None, :]
        if rows < cols:
            q = q.T
        return (p[0] * q).reshape(shape)
    if kind == "sparse":
        rows, cols, num_zeros = shape
        w = rng.normal(0.0, p[0], (rows, cols))
        for c in range(cols):
            w[rng.permutation(rows)[:num_zeros], c] = 0
        return w
    raise AssertionError(kind)


def _host_trunc_normal(rng, shape, mean, std, a, b):
    """Exact truncated normal by rejection (torch's two strategies)."""
    n = math.prod(shape)
    out = np.empty(n)
    todo = np.arange(n)

    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        while todo.size:
            x = rng.normal(mean, std, todo.size)
            ok = (x >= a) & (x <= b)
            out[todo[ok]] = x[ok]
            todo = todo[~ok]
    else:
        # NOTE: narrow window: propose uniformly on [a, b], accept with the normal density
        # relative to its peak inside the window.
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        while todo.size:
            x = rng.uniform(a, b, todo.size)
            logp = -0.5 * ((x - mean) / std) ** 2 - log_peak
            ok = np.log(rng.uniform(size=todo.size)) <= logp
            out[todo[ok]] = x[ok]
            todo = todo[~ok]
    return out.reshape(shape)


def _draw(kind, tensor, generator, *params, shape=None):
    key = R.next_key(generator)
    device = _concrete(tensor)
    shape = tuple(tensor.shape) if shape is None else shape
    if device is not None and not isinstance(key, jax.core.Tracer):
        return _write_host(tensor, _host_sample(kind, _host_rng(key), shape, params), device)
    arr = _sampler(kind, shape, tensor.dtype._np)(key, *params)
    return _write(tensor, arr)


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    elif nonlinearity == "tanh":
        return 5.0 / 3
    elif nonlinearity == "relu":
        return math.sqrt(2.0)
    elif nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    elif nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    _check_float(tensor, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} "
                           f"> to={b}")
    return _draw("uniform", tensor, generator, float(a), float(b))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2)."""
    _check_float(tensor, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _draw("normal", tensor, generator, float(mean), float(std))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b]."""
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    _check_float(tensor, "normal_kernel_cpu")
    return _draw("trunc_normal", tensor, generator, float(mean), float(std), float(a), float(b))


def _fill(tensor, val):
    device = _concrete(tensor)
    if device is None or not isinstance(val, (bool, int, float)):
        with _no_grad():
            return tensor.fill_(val)
    from .._ops.creation import _check_fill
    _check_fill(val, tensor.dtype)  # NOTE: torch's overflow check for the fill value
    return _write_host(tensor, np.full(tuple(tensor.shape), val), device)


def constant_(tensor, val):
    """Fill with a constant."""
    return _fill(tensor, val)


def ones_(tensor):
    """Fill with ones."""
    return _fill(tensor, 1.0)


def zeros_(tensor):
    """Fill with zeros."""
    return _fill(tensor, 0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    n, m = tensor.shape
    return _write_np(tensor, np.eye(n, m))


def dirac_(tensor, groups=1):
    """Fill a 3/4/5-D conv weight with the Dirac delta (identity convolution)."""
    dimensions = tensor.ndimension()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.size()
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_grp = sizes[0] // groups
    min_dim = min(out_per_grp, sizes[1])
    arr = np.zeros(tuple(sizes), dtype=np.float64)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            arr[(g * out_per_grp + d, d) + centre] = 1
    return _write_np(tensor, arr)


def _calculate_fan_in_and_fan_out(tensor):
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    num_input_fmaps = tensor.size(1)
    num_output_fmaps = tensor.size(0)
    receptive_field_size = 1
    if tensor.dim() > 2:
        for s in tensor.shape[2:]:
            receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, gain^2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-b, b), b = gain * sqrt(3 / fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, gain^2 / fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR of a Gaussian matrix, scaled by gain."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    _check_float(tensor, "normal_kernel_cpu")
    return _draw("orthogonal", tensor, generator, float(gain))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """N(0, std^2) with ceil(sparsity * rows) zeros in every column."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    _check_float(tensor, "normal_kernel_cpu")
    return _draw("sparse", tensor, generator, float(std), shape=(rows, cols, num_zeros))


# NOTE: torch's private helpers, used by some third-party init code.
def _no_grad_uniform_(tensor, a, b, generator=None):
    return uniform_(tensor, a, b, generator)


def _no_grad_normal_(tensor, mean, std, generator=None):
    return normal_(tensor, mean, std, generator)


def _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=None):
    return trunc_normal_(tensor, mean, std, a, b, generator)


def _no_grad_fill_(tensor, val):
    return constant_(tensor, val)


def _no_grad_zero_(tensor):
    return zeros_(tensor)


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)
    deprecated_init.__doc__ = f"Deprecated alias of {new_name}."
    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
