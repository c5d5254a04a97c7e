"""Random sampling: rand/randn/randint/randperm/normal/bernoulli (+ _like), JAX PRNG underneath."""
import builtins
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as DEV
from .. import _dtype as D
from .. import _random as R
from .._tensor import Tensor, wrap
from ._common import torch_name
from ._creation_fill import check_layout
from .creation import _jdev, parse_size
from .registry import Op, OPS, dispatch

# NOTE: C++ type names torch's range checks print ("from is out of bounds for signed char").
_CXX = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
        "int32": "int", "int64": "long"}

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "rand_like",
           "randn_like", "randint_like", "multinomial", "poisson"]


@functools.lru_cache(maxsize=None)
def _sampler(kind, shape, np_dtype):
    def f(key, *p):
        if kind == "uniform":
            return jax.random.uniform(key, shape, np_dtype)
        if kind == "normal":
            return jax.random.normal(key, shape, np_dtype)
        if kind == "randint":
            lo, hi = p
            return jax.random.randint(key, shape, lo, hi, jnp.int64).astype(np_dtype)
        if kind == "perm":
            return jax.random.permutation(key, shape[0]).astype(np_dtype)
        raise AssertionError(kind)
    return jax.jit(f)


def _draw(kind, shape, dtype, device, generator, requires_grad, *params):
    key = R.next_key(generator)
    arr = _sampler(kind, shape, dtype._np)(key, *params)
    if requires_grad and dtype._cat < 2:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    t = wrap(jax.device_put(arr, _jdev(device)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype, fname):
    d = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    if d._cat < 2:
        raise NotImplementedError(f"\"{fname}\" not implemented for '{torch_name(d)}'")
    return d


def _concrete(x):
    """x's array if its values can be read cheaply (a CPU array, not a tracer), else None."""
    a = x._arr() if isinstance(x, Tensor) else x
    return a if DEV.host_readable(a) else None


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples on [0, 1)."""
    check_layout(layout, "rand")
    return _draw("uniform", parse_size(size, "rand"), _float_dtype(dtype, "check_uniform_bounds"),
                 device, generator, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples."""
    check_layout(layout, "randn")
    return _draw("normal", parse_size(size, "randn"), _float_dtype(dtype, "normal_kernel_cpu"),
                 device, generator, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """Uniform integers in [low, high)."""
    check_layout(layout, "randint")
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    low, high = int(low), int(high)
    for v in (low, high):
        if not -(1 << 63) <= v < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
    d = D.int64 if dtype is None else D.to_dtype(dtype)
    if d._cat <= 1:
        lo, hi = (0, 1) if d is D.bool else (int(np.iinfo(d._np).min), int(np.iinfo(d._np).max))
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {_CXX[d._name]}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {_CXX[d._name]}")
    return _draw("randint", parse_size((size,), "randint"), d, device, generator, requires_grad,
                 low, high)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1."""
    check_layout(layout, "randperm")
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    d = D.int64 if dtype is None else D.to_dtype(dtype)
    return _draw("perm", (int(n),), d, device, generator, requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """rand with input's shape/dtype/device."""
    check_layout(layout, "rand_like")
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """randn with input's shape/dtype/device."""
    check_layout(layout, "randn_like")
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """randint with input's shape/dtype/device."""
    check_layout(layout, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device)


def _normal_fn(key, mean, std):
    shape = jnp.broadcast_shapes(jnp.shape(mean), jnp.shape(std))
    dt = jnp.result_type(mean, std)
    if not jnp.issubdtype(dt, jnp.floating):
        dt = D.get_default_dtype()._np
    return mean + std * jax.random.normal(key, shape, dt)


_NORMAL = Op("normal", _normal_fn, grad_name="NormalBackward3")
OPS["normal"] = _NORMAL


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Normal samples with tensor or float mean/std (torch.normal's overloads)."""
    check_layout(layout, "normal")
    if size is not None and (isinstance(mean, Tensor) or isinstance(std, Tensor)):
        raise TypeError("normal() received an invalid combination of arguments - got "
                        "(Tensor, Tensor, size=tuple), but expected a float mean and std")
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float), but expected a size")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        t = randn(size, generator=generator, dtype=dtype, device=device)
        return t * std + mean if (std != 1 or mean != 0) else t
    if not isinstance(std, Tensor):
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    else:
        a = _concrete(std)
        if a is not None and builtins.bool((a < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    for x in (mean, std):
        if isinstance(x, Tensor) and x.dtype._cat != 2:
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for "
                                      f"'{torch_name(x.dtype)}'")
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        _check_broadcast(tuple(mean.shape), tuple(std.shape))
    key = wrap(R.next_key(generator))
    return dispatch(_NORMAL, (key, mean, std))


def _check_broadcast(a, b):
    """torch's broadcast error for two shapes."""
    n = builtins.max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and 1 not in (pa[i], pb[i]):
            raise RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b "
                               f"({pb[i]}) at non-singleton dimension {i}")


def _bernoulli_fn(key, p):
    if D.from_np(p.dtype)._cat != 2:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{torch_name(D.from_np(p.dtype))}'")
    return (jax.random.uniform(key, jnp.shape(p), jnp.float32 if p.dtype != jnp.float64
                               else jnp.float64) < p).astype(p.dtype)


_BERNOULLI = Op("bernoulli", _bernoulli_fn, differentiable=False)
OPS["bernoulli"] = _BERNOULLI


def bernoulli(input, p=None, *, generator=None, out=None):
    """Samples 0/1 with probabilities `input` (or the scalar p), in input's dtype."""
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        from .creation import full_like
        input = full_like(input, p)
    else:
        # NOTE: torch checks the probabilities; jtorch does where reading them is cheap (CPU).
        a = _concrete(input)
        if a is not None and input.dtype._cat == 2 and \
                not builtins.bool(((a >= 0) & (a <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    key = wrap(R.next_key(generator))
    return dispatch(_BERNOULLI, (key, input))


def _multinomial_fn(n, replacement, key, probs):
    logits = jnp.log(probs)
    if replacement:
        return jax.random.categorical(key, logits, axis=-1,
                                      shape=(n,) + probs.shape[:-1]).T.astype(jnp.int64) \
            if probs.ndim == 2 else jax.random.categorical(key, logits, shape=(n,)).astype(jnp.int64)
    # NOTE: sampling without replacement = top-n of Gumbel-perturbed log-probabilities.
    g = jax.random.gumbel(key, probs.shape, probs.dtype)
    return jax.lax.top_k(logits + g, n)[1].astype(jnp.int64)


_MULTINOMIAL = Op("multinomial", _multinomial_fn, differentiable=False)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the rows of input (non-negative weights)."""
    if input.dtype._cat != 2:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{torch_name(input.dtype)}")
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    a = _concrete(input)  # NOTE: torch validates the weights; cheap only on CPU
    if a is not None:
        if not builtins.bool(((a >= 0) & jnp.isfinite(a)).all()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if not builtins.bool((a.sum(-1) > 0).all()):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    key = wrap(R.next_key(generator))
    return dispatch(_MULTINOMIAL, (key, input), (int(num_samples), builtins.bool(replacement)))


_POISSON = Op("poisson", lambda key, rate: jax.random.poisson(key, rate, rate.shape)
              .astype(rate.dtype), differentiable=False)


def poisson(input, generator=None):
    """Poisson samples with rates `input`."""
    if input.dtype._cat != 2:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for "
                                  f"'{torch_name(input.dtype)}'")
    a = _concrete(input)  # NOTE: torch validates the rates; cheap only on CPU
    if a is not None and not builtins.bool((a >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return dispatch(_POISSON, (wrap(R.next_key(generator)), input))


def _bernoulli_method(self, p=None, *, generator=None):
    """Tensor.bernoulli: 0/1 samples with probabilities self (or the scalar p)."""
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    """Tensor.multinomial."""
    return multinomial(self, num_samples, replacement, generator=generator)


Tensor.bernoulli = _bernoulli_method
Tensor.multinomial = _multinomial_method
from . import _random_inplace  # noqa: E402,F401  (binds Tensor.uniform_, normal_, ...)
