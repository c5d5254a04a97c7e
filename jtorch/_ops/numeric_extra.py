"""Numeric helpers: cov, corrcoef, gradient, renorm, and torch.stft/istft.

NOTE: cov, corrcoef, gradient and renorm are composed from jtorch ops, step for step as ATen
composes them (Correlation.cpp, ReduceOps.cpp, Normalization.cpp), so dtype promotion,
rounding and autograd (torch derives their backward from the same composition, or uses the
analytic formula it equals) come out as torch's. stft/istft live in spectral.py.
"""
import builtins
import numbers
import warnings

import jax

from .. import _dtype as D
from ._common import canon_dim, make_inplace, torch_name
from .registry import hooks
from . import spectral as _SP
from .spectral import istft, stft  # noqa: F401  (exported through TORCH_NAMES)

TORCH_NAMES = ["cov", "corrcoef", "gradient", "renorm"] + list(_SP.TORCH_NAMES)
METHODS = dict(_SP.METHODS)


def _jt():
    import jtorch
    return jtorch


def _concrete(t):
    """True when t holds a value (eager), False under a jit trace (value checks are skipped)."""
    return not isinstance(t._a, jax.core.Tracer)


# ---- cov / corrcoef ---------------------------------------------------------------------------

def _check_weights(w, kind, n, integral):
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {kind} to have one or fewer dimensions but got "
                           f"{kind} with {w.ndim} dimensions")
    if integral and w.dtype._cat != 1:
        raise RuntimeError(f"cov(): expected {kind} to have integral dtype but got {kind} with "
                           f"{torch_name(w.dtype)} dtype")
    if not integral and w.dtype._cat != 2:
        raise RuntimeError(f"cov(): expected {kind} to have floating point dtype but got {kind} "
                           f"with {torch_name(w.dtype)} dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {kind} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    if n and _concrete(w) and builtins.bool((w.detach() < 0).any().item()):
        raise RuntimeError(f"cov(): {kind} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the rows (variables) of input over its columns (torch.cov)."""
    jt = _jt()
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input.dtype is D.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weights(fweights, "fweights", n, True)
        w = fweights
    if aweights is not None:
        _check_weights(aweights, "aweights", n, False)
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = jt.tensor(n, dtype=D.int64, device=input.device)
    else:
        w_sum = w.sum()
        if _concrete(w_sum) and not builtins.bool((w_sum.detach() != 0).item()):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    # NOTE: as ATen: aweights enter the bias correction (numpy's formula); fweights alone don't.
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if _concrete(norm_factor) and builtins.bool((norm_factor.detach() <= 0).item()):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
    # NOTE: torch zeroes a non-positive factor (so the result is inf/nan); in-graph here.
    norm_factor = jt.where(norm_factor <= 0, jt.zeros_like(norm_factor), norm_factor)
    xc = x - avg.unsqueeze(1)
    c = jt.mm(xc, (xc if w is None else xc * w).t().conj())
    return jt.true_divide(c, norm_factor).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the rows of input (torch.corrcoef)."""
    jt = _jt()
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        # NOTE: a single variable: nan where c is nan/inf/0, else 1 (torch's c / c).
        return c / c
    d = c.diagonal()
    stddev = jt.sqrt(d.real if d.is_complex() else d)
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    if c.is_complex():
        # NOTE: real and imaginary parts clipped separately, as torch does.
        return jt.complex(jt.clip(c.real, -1, 1), jt.clip(c.imag, -1, 1))
    return jt.clip(c, -1, 1)


# ---- gradient ---------------------------------------------------------------------------------

def _sl(x, d, start, stop=None):
    """x[..., start:stop, ...] along dim d (a view, like at::slice)."""
    return x[(builtins.slice(None),) * d + (builtins.slice(start, stop),)]


def _gradient_scalar(x, d, h, edge_order):
    center = (_sl(x, d, 2) - _sl(x, d, 0, -2)) / h
    if edge_order == 1:
        pre = (_sl(x, d, 1, 2) - _sl(x, d, 0, 1)) / h
        app = (_sl(x, d, -1) - _sl(x, d, -2, -1)) / h
    else:
        pre = (_sl(x, d, 0, 1) * -1.5 + _sl(x, d, 1, 2) * 2 - _sl(x, d, 2, 3) * 0.5) / h
        app = (_sl(x, d, -3, -2) * 0.5 + _sl(x, d, -2, -1) * -2 + _sl(x, d, -1) * 1.5) / h
    return _jt().cat([pre, center / 2, app], d)


def _gradient_coords(x, d, coords, edge_order):
    if coords.ndim != 1:
        raise RuntimeError(f"torch.gradient expected each element of spacing to have one "
                           f"dimension, but got an element with {coords.ndim} dimensions!")
    shape = [1] * x.ndim
    shape[d] = -1
    dx = coords.diff(1, 0)
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _sl(x, d, 0, -2) + b * _sl(x, d, 1, -1) + c * _sl(x, d, 2)
    if edge_order == 1:
        pre = (_sl(x, d, 1, 2) - _sl(x, d, 0, 1)) / dx[0]
        app = (_sl(x, d, -1) - _sl(x, d, -2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        a = -(2.0 * h0 + h1) / (h0 * (h0 + h1))
        b = (h0 + h1) / (h0 * h1)
        c = (-h0) / (h1 * (h0 + h1))
        pre = a * _sl(x, d, 0, 1) + b * _sl(x, d, 1, 2) + c * _sl(x, d, 2, 3)
        hl, hm = dx[-1], dx[-2]
        a = hl / (hm * (hl + hm))
        b = -(hl + hm) / (hl * hm)
        c = (2 * hl + hm) / (hl * (hl + hm))
        app = a * _sl(x, d, -3, -2) + b * _sl(x, d, -2, -1) + c * _sl(x, d, -1)
    return _jt().cat([pre, center, app], d)


def gradient(input, *, spacing=None, dim=None, edge_order=1):
    """Second-order accurate central differences along each dim, one tensor per dim
    (torch.gradient); spacing is a scalar, a list of scalars, or a list of coordinate tensors."""
    T = hooks.tensor_cls
    if isinstance(spacing, T):
        if spacing.ndim:
            raise TypeError("gradient() received an invalid combination of arguments - got "
                            "(Tensor, spacing=Tensor): spacing must be a number, a list of "
                            "numbers or a list of tensors")
        spacing = spacing.item()  # NOTE: a 0-d tensor binds to torch's `Number spacing`
    nd = input.ndim
    dims = None
    if dim is not None:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        seen = set()
        for d in dims:
            w = canon_dim(d, nd)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
        dims = [canon_dim(d, nd) for d in dims]
    if spacing is None or isinstance(spacing, numbers.Number):
        h = 1.0 if spacing is None else spacing
        spacing = [h] * (nd if dims is None else len(dims))
    else:
        spacing = list(spacing)
        if builtins.any(isinstance(s, T) for s in spacing) and \
                not builtins.all(isinstance(s, T) for s in spacing):
            i, s = next((i, s) for i, s in enumerate(spacing) if not isinstance(s, T))
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(s).__name__}")
        if dims is None and len(spacing) != nd:
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or "
                               f"a list of length equal to 'self.dim() = {nd}', since dim "
                               f"argument was not given, but got a list of length "
                               f"{len(spacing)}")
        if dims is not None and len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or "
                               f"it's spacing and dim arguments to have the same length, but "
                               f"got a spacing argument of length {len(spacing)} and a dim "
                               f"argument of length {len(dims)}.")
    if input.dtype is D.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(nd)) if dims is None else dims
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    coords = builtins.any(isinstance(s, T) for s in spacing)
    if coords:
        return tuple(_gradient_coords(input, d, s, edge_order) for d, s in zip(dims, spacing))
    return tuple(_gradient_scalar(input, d, s, edge_order) for d, s in zip(dims, spacing))


# ---- renorm -----------------------------------------------------------------------------------

def renorm(input, p, dim, maxnorm, *, out=None):
    """Rescale each slice along dim whose p-norm exceeds maxnorm to norm maxnorm
    (torch.renorm)."""
    jt = _jt()
    if isinstance(p, builtins.complex):
        raise RuntimeError("renorm: p must be real-valued")
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if isinstance(maxnorm, builtins.complex):
        raise RuntimeError("renorm: maxnorm must be real-valued")
    if not maxnorm >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got "
                           f"{builtins.float(maxnorm)}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           f"dimensions")
    if input.dtype._cat < 2:
        raise RuntimeError(f"\"renorm_out\" not implemented for '{torch_name(input.dtype)}'")
    d = canon_dim(dim, input.ndim)
    red = [i for i in range(input.ndim) if i != d]
    # NOTE: half/bfloat16 norms accumulate in float32 (ATen's acc type), the factor is rounded
    # back to the input's real dtype before the multiply.
    acc = D.float32 if input.dtype in (D.float16, D.bfloat16) else None
    norm = jt.linalg.vector_norm(input, builtins.float(p), red, keepdim=True, dtype=acc)
    mx = builtins.float(maxnorm)
    factor = jt.where(norm > mx, mx / (norm + 1e-7), jt.ones_like(norm))
    if acc is not None:
        factor = factor.to(input.dtype)
    r = input * factor
    if out is not None:
        from ._common import unwrap_out
        return unwrap_out(r, out)
    return r


def _renorm_from_copy(input, p, dim, maxnorm):
    # NOTE: renorm is composed of several recorded ops that save `input`; computing on a clone
    # keeps those saved tensors unmodified when renorm_ then writes into input.
    return renorm(input.clone(), p, dim, maxnorm)


_renorm_from_copy.__name__ = "renorm"
METHODS.update(cov=cov, corrcoef=corrcoef, renorm=renorm,
               renorm_=make_inplace(_renorm_from_copy, "renorm_"))
