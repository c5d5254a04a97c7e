"""Window functions: torch.hann_window/hamming_window/blackman_window/bartlett_window/
kaiser_window, and the shared on-device kernel torch.signal.windows uses."""
import builtins
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ._common import torch_name
from .creation import place
from ._creation_fill import check_layout

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]


@functools.lru_cache(maxsize=None)
def _kernel(kind, M, nparams, np_dtype):
    """A compiled f(denom, params) -> window array of length M (computed wide, cast to np_dtype).

    denom: the period the sample index is divided by (M - 1 symmetric, M periodic); params: the
    window's float parameters (a float64 vector). Both are traced, so one compilation serves
    every parameter value of a given length and kind."""
    wide = jnp.float64 if np_dtype == np.float64 else jnp.float32
    # NOTE: windows are computed in float64 and rounded once (torch computes in the target
    # dtype; the differential tests allow for its rounding).
    calc = jnp.float64

    def f(denom, p):
        n = jnp.arange(M, dtype=calc)
        if kind == "cosine_sum":  # sum_i (-1)^i a_i cos(2 pi i n / denom)
            k = 2 * math.pi * n / denom
            w = builtins.sum(((-1) ** i) * p[i] * jnp.cos(i * k) for i in range(nparams))
        elif kind == "hamming":  # alpha - beta cos(2 pi n / denom)
            w = p[0] - p[1] * jnp.cos(2 * math.pi * n / denom)
        elif kind == "bartlett":
            w = 1 - jnp.abs(-1 + n * (2.0 / denom))
        elif kind == "cosine":
            w = jnp.sin(math.pi * (n + 0.5) / denom)
        elif kind == "exponential":  # p = (center, tau)
            w = jnp.exp(-jnp.abs(n - p[0]) / p[1])
        elif kind == "gaussian":  # p = (std,)
            w = jnp.exp(-(((n - denom / 2.0) / (p[0] * math.sqrt(2))) ** 2))
        elif kind == "kaiser":  # p = (beta,)
            beta = p[0]
            k = jnp.minimum(-beta + n * (2.0 * beta / denom), jnp.abs(beta))
            arg = jnp.sqrt(jnp.maximum(beta * beta - k * k, 0.0))
            w = jax.scipy.special.i0(arg) / jax.scipy.special.i0(beta)
        else:
            raise AssertionError(kind)
        return w.astype(wide).astype(np_dtype)
    return jax.jit(f)


def window(kind, M, denom, params, dtype, device, requires_grad):
    """The window tensor (on device); M == 0 gives an empty tensor."""
    if M == 0:
        arr = jnp.zeros((0,), dtype._np)
    else:
        p = np.asarray([float(v) for v in params] or [0.0], np.float64)
        arr = _kernel(kind, int(M), len(params), dtype._np)(np.float64(denom), p)
    return place(arr, device, requires_grad)


def _check(name, window_length, dtype):
    if isinstance(window_length, builtins.bool) or not isinstance(window_length, (int,
                                                                                 np.integer)):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    d = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    if d._cat == 3:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{torch_name(d)}'")
    if d._cat != 2:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {torch_name(d)}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    return d


def _top(name, kind, window_length, periodic, params, dtype, device, requires_grad):
    d = _check(name, window_length, dtype)
    if window_length == 1:
        return place(jnp.ones((1,), d._np), device, requires_grad)
    denom = window_length if periodic else window_length - 1
    return window(kind, window_length, denom, params, d, device, requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False, pin_memory=False):
    """Hann window (periodic by default)."""
    check_layout(layout, "hann_window")
    return _top("hann_window", "hamming", window_length, periodic, (0.5, 0.5), dtype, device,
                requires_grad)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False, pin_memory=False):
    """Hamming window alpha - beta cos(2 pi n / N)."""
    check_layout(layout, "hamming_window")
    return _top("hamming_window", "hamming", window_length, periodic, (alpha, beta), dtype,
                device, requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """Blackman window."""
    check_layout(layout, "blackman_window")
    return _top("blackman_window", "cosine_sum", window_length, periodic, (0.42, 0.5, 0.08),
                dtype, device, requires_grad)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """Bartlett (triangular) window."""
    check_layout(layout, "bartlett_window")
    return _top("bartlett_window", "bartlett", window_length, periodic, (), dtype, device,
                requires_grad)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False, pin_memory=False):
    """Kaiser window with shape parameter beta."""
    check_layout(layout, "kaiser_window")
    return _top("kaiser_window", "kaiser", window_length, periodic, (beta,), dtype, device,
                requires_grad)
