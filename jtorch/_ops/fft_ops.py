"""torch.fft: discrete Fourier transforms (jnp.fft underneath), frequencies and shifts."""
import builtins

import jax.numpy as jnp

from .. import _dtype as D
from ._common import canon_dim, torch_name
from .registry import dispatch
from .registry import register as _reg
from ._common import with_out as _out
from ._creation_fill import check_layout

__all__ = []

_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _SWAP:
        raise ValueError(f"Invalid normalization mode: {norm}")
    return norm


def _to_real(x, what):
    d = D.from_np(x.dtype)
    if d._cat == 3:
        raise RuntimeError(f"{what} expects a real input tensor, but got {torch_name(d)}")
    if d._cat < 2:
        return x.astype(D.get_default_dtype()._np)
    return x


def _to_complex(x):
    d = D.from_np(x.dtype)
    if d._cat == 3:
        return x
    if d._cat < 2:
        x = x.astype(D.get_default_dtype()._np)
    return x.astype(jnp.complex128 if x.dtype == jnp.float64 else jnp.complex64)


def _fft_fn(kind, s, axes, norm, x):
    name = f"fft.{kind}"
    if kind in ("rfftn", "ihfftn"):
        x = _to_real(x, name)
    else:
        x = _to_complex(x)
    if kind == "fftn":
        return jnp.fft.fftn(x, s, axes, norm)
    if kind == "ifftn":
        return jnp.fft.ifftn(x, s, axes, norm)
    if kind == "rfftn":
        return jnp.fft.rfftn(x, s, axes, norm)
    if kind == "irfftn":
        return jnp.fft.irfftn(x, s, axes, norm)
    if kind == "hfftn":
        # NOTE: numpy's identity hfft(x) = irfft(conj(x)) with the norm direction swapped.
        return jnp.fft.irfftn(jnp.conj(x), s, axes, _SWAP[norm])
    if kind == "ihfftn":
        return jnp.conj(jnp.fft.rfftn(x, s, axes, _SWAP[norm]))
    raise AssertionError(kind)


_FFT = _reg("fft", _fft_fn, grad_name="FftR2CBackward0")


def _run(kind, input, s, dim, norm, out):
    nd = input.ndim
    if dim is None:
        axes = tuple(range(nd - len(s), nd)) if s is not None else tuple(range(nd))
    elif isinstance(dim, builtins.int):
        axes = (canon_dim(dim, nd),)
    else:
        axes = tuple(canon_dim(d, nd) for d in dim)
    if s is not None:
        s = (int(s),) if isinstance(s, builtins.int) else tuple(int(v) for v in s)
        if len(s) != len(axes):
            raise RuntimeError(f"When given, dim and shape arguments must have the same length")
        # NOTE: torch's -1 in s means "keep this dimension's size".
        if any(v == -1 for v in s):
            s = tuple(input.shape[a] if v == -1 else v for v, a in zip(s, axes))
    if len(set(axes)) != len(axes):
        raise RuntimeError("FFT dims must be unique")
    return _out(dispatch(_FFT, (input,), (kind, s, axes, _norm(norm))), out)


def _def1(name, kind):
    def f(input, n=None, dim=-1, norm=None, *, out=None):
        return _run(kind, input, None if n is None else (n,), (dim,), norm, out)
    f.__name__ = name
    f.__doc__ = f"One-dimensional {name} (torch.fft.{name})."
    __all__.append(name)
    globals()[name] = f


def _def2(name, kind):
    def f(input, s=None, dim=(-2, -1), norm=None, *, out=None):
        return _run(kind, input, s, dim, norm, out)
    f.__name__ = name
    f.__doc__ = f"Two-dimensional {name[:-1]} (torch.fft.{name})."
    __all__.append(name)
    globals()[name] = f


def _defn(name, kind):
    def f(input, s=None, dim=None, norm=None, *, out=None):
        return _run(kind, input, s, dim, norm, out)
    f.__name__ = name
    f.__doc__ = f"N-dimensional {name[:-1]} (torch.fft.{name})."
    __all__.append(name)
    globals()[name] = f


for _k in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
    _def1(_k, _k + "n")
    _def2(_k + "2", _k + "n")
    _defn(_k + "n", _k + "n")


def _freq(n, d, rfft, dtype, device, requires_grad):
    from .creation import arange
    dtype = dtype or D.get_default_dtype()
    if rfft:
        r = arange(n // 2 + 1, dtype=dtype, device=device)
    else:
        pos = (n - 1) // 2 + 1
        from .shape import cat
        r = cat([arange(pos, dtype=dtype, device=device),
                 arange(-(n // 2), 0, dtype=dtype, device=device)])
    r = r / (n * d)
    if requires_grad:
        r.requires_grad_(True)
    return r


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Sample frequencies of an n-point fft (torch.fft.fftfreq)."""
    check_layout(layout, "fft_fftfreq")
    return _out(_freq(n, d, False, dtype, device, requires_grad), out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Sample frequencies of an n-point rfft (torch.fft.rfftfreq)."""
    check_layout(layout, "fft_rfftfreq")
    return _out(_freq(n, d, True, dtype, device, requires_grad), out)


def _shift(input, dim, sign):
    from .shape import roll
    if dim is None:
        dim = tuple(range(input.ndim))
    elif isinstance(dim, builtins.int):
        dim = (dim,)
    dims = tuple(dim)
    shifts = tuple((input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims)
    return roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero-frequency term to the centre (torch.fft.fftshift)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """Inverse of fftshift (torch.fft.ifftshift)."""
    return _shift(input, dim, -1)


__all__ += ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]
