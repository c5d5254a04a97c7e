"""The window functions of torch.signal.windows (torch's argument checks and formulas)."""
from collections.abc import Iterable

from ... import _dtype as D
from ..._ops.registry import Op, dispatch
from ..._ops.windows import window as _window

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


# NOTE: torch builds these windows from linspace(requires_grad=...), so with requires_grad=True a
# non-empty result is a non-leaf whose grad_fn is the formula's last op; an identity op with that
# grad_fn name reproduces it (the leaf linspace inside torch is unreachable, so nothing is lost).
_LAST = {"cosine_sum": "SumBackward1", "hamming": "SumBackward1", "bartlett": "RsubBackward1",
         "cosine": "SinBackward0", "exponential": "ExpBackward0", "gaussian": "ExpBackward0",
         "kaiser": "DivBackward0"}
_TAIL = {k: Op("window_" + k, lambda x: x, grad_name=g) for k, g in _LAST.items()}


def window(kind, M, denom, params, d, device, requires_grad):
    t = _window(kind, M, denom, params, d, device, requires_grad)
    return dispatch(_TAIL[kind], (t,)) if requires_grad and M > 0 else t


def _checks(name, M, dtype, layout):
    """torch's _window_function_checks; returns the resolved dtype."""
    d = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and str(layout) != "torch.strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if d not in (D.float32, D.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {d}")
    return d


def _ones_or(name, kind, M, denom, params, d, device, requires_grad):
    if M == 1:  # torch.ones: a leaf
        return _window("hamming", 1, 1.0, (1.0, 0.0), d, device, requires_grad)
    return window(kind, M, denom, params, d, device, requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None,
                requires_grad=False):
    """Exponential window exp(-|n - center| / tau)."""
    d = _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    return window("exponential", M, 1.0, (center, tau), d, device, requires_grad)


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Cosine (sine) window sin(pi (n + 0.5) / M)."""
    d = _checks("cosine", M, dtype, layout)
    return window("cosine", M, M + 1 if not sym and M > 1 else M, (), d, device, requires_grad)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None,
             requires_grad=False):
    """Gaussian window exp(-(n - center)^2 / (2 std^2))."""
    d = _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    return window("gaussian", M, M if not sym and M > 1 else M - 1, (std,), d, device,
                  requires_grad)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Kaiser window with shape parameter beta."""
    d = _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    return _ones_or("kaiser", "kaiser", M, M if not sym else M - 1, (beta,), d, device,
                    requires_grad)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """Generalized cosine window sum_i (-1)^i a_i cos(2 pi i n / (M - 1))."""
    d = _checks("general_cosine", M, dtype, layout)
    if M in (0, 1):
        return _ones_or("general_cosine", "cosine_sum", M, 1, (1.0,), d, device, requires_grad)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    return window("cosine_sum", M, M if not sym else M - 1, tuple(a), d, device, requires_grad)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """Generalized Hamming window alpha - (1 - alpha) cos(2 pi n / (M - 1))."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Hann window."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Hamming window."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Blackman window."""
    d = _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=d, layout=layout,
                          device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Bartlett (triangular) window."""
    d = _checks("bartlett", M, dtype, layout)
    return _ones_or("bartlett", "bartlett", M, M if not sym else M - 1, (), d, device,
                    requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Nuttall window (4-term Blackman-Harris)."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)
