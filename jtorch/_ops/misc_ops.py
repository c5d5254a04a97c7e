"""Smaller torch.* ops the OpInfo scoreboard exposed: isclose/allclose/equal, diag family,
tril/triu_indices, block_diag, cartesian_prod, combinations, diff, trapezoid, *_copy variants."""
import builtins
import itertools

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from .. import _dtype as D
from ._common import canon_dim, torch_name
from .registry import dispatch, promote
from .registry import register as _reg
from ._common import with_out as _out
from ._common import exporter
from .._tensor import jagged
from ._creation_fill import check_layout

TORCH_NAMES = []
_torch = exporter(TORCH_NAMES)
METHODS = {}


# ---- comparisons ------------------------------------------------------------------------------

def _isclose_fn(rtol, atol, equal_nan, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{torch_name(D.from_np(a.dtype))} did not match "
                           f"{torch_name(D.from_np(b.dtype))}")
    if a.dtype == jnp.bool_:
        return a == b
    eq = a == b
    if equal_nan and jnp.issubdtype(a.dtype, jnp.inexact):
        eq = eq | (jnp.isnan(a) & jnp.isnan(b))
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        a, b = a.astype(D.get_default_dtype()._np), b.astype(D.get_default_dtype()._np)
    fin = jnp.isfinite(a) & jnp.isfinite(b)
    close = jnp.abs(a - b) <= atol + rtol * jnp.abs(b)
    return eq | (fin & close)


_ISCLOSE = _reg("isclose", _isclose_fn, differentiable=False)


@_torch
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (torch.isclose)."""
    return dispatch(_ISCLOSE, (input, other), (builtins.float(rtol), builtins.float(atol),
                                               builtins.bool(equal_nan)))


@_torch
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element is close (torch.allclose)."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).all().item())


@_torch
def equal(input, other):
    """True if both tensors have the same size and elements (torch.equal)."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    from .pointwise import eq
    return builtins.bool(eq(input, other).all().item())


METHODS.update(isclose=isclose, allclose=allclose, equal=equal)


# ---- diagonal matrices ------------------------------------------------------------------------

def _diag_fn(k, x):
    if x.ndim not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{x.ndim}D")
    return jnp.diag(x, k)


_DIAG = _reg("diag", _diag_fn)


@_torch
def diag(input, diagonal=0, *, out=None):
    """1-d -> square matrix with input on a diagonal; 2-d -> that diagonal (torch.diag)."""
    return _out(dispatch(_DIAG, (input,), (int(diagonal),)), out)


def _diag_embed_fn(offset, d1, d2, x):
    n = x.shape[-1] + builtins.abs(offset)
    idx = jnp.arange(x.shape[-1])
    rows = idx + builtins.max(-offset, 0)
    cols = idx + builtins.max(offset, 0)
    z = jnp.zeros(x.shape[:-1] + (n, n), x.dtype)
    z = z.at[..., rows, cols].set(x)
    nd = x.ndim + 1
    return jnp.moveaxis(z, (nd - 2, nd - 1), (d1, d2))


_DIAG_EMBED = _reg("diag_embed", _diag_embed_fn)


@_torch
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Batched diagonal matrices from the last dim of input (torch.diag_embed)."""
    nd = input.ndim + 1
    d1, d2 = canon_dim(dim1, nd), canon_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return dispatch(_DIAG_EMBED, (input,), (int(offset), d1, d2))


_DIAGFLAT = _reg("diagflat", lambda k, x: jnp.diagflat(x, k))


@_torch
def diagflat(input, offset=0):
    """Square matrix with the flattened input on a diagonal (torch.diagflat)."""
    return dispatch(_DIAGFLAT, (input,), (int(offset),))


METHODS.update(diag=diag, diag_embed=diag_embed, diagflat=diagflat)


def _tri_indices(lower, row, col, offset, dtype, device):
    from .creation import tensor
    import numpy as np
    if lower:
        r, c = np.tril_indices(row, offset, col)
    else:
        r, c = np.triu_indices(row, offset, col)
    dtype = dtype or D.int64
    return tensor(np.stack([r, c]).astype(np.int64).reshape(2, -1), dtype=dtype, device=device)


def _tri_layout(layout, fname):
    check_layout(layout, fname)
    if layout is jagged:  # NOTE: unlike the other factories, these reject torch.jagged
        raise RuntimeError("only support layout=torch.strided, gotJagged")


@_torch
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """2 x N indices of the lower triangle of a row x col matrix (torch.tril_indices)."""
    _tri_layout(layout, "tril_indices")
    return _tri_indices(True, row, col, offset, dtype, device)


@_torch
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """2 x N indices of the upper triangle of a row x col matrix (torch.triu_indices)."""
    _tri_layout(layout, "triu_indices")
    return _tri_indices(False, row, col, offset, dtype, device)


def _block_diag_fn(*xs):
    xs2 = []
    for x in xs:
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {len(xs2)} has {x.ndim} dimensions")
        xs2.append(x.reshape(1, -1) if x.ndim == 1 else x.reshape(1, 1) if x.ndim == 0 else x)
    (*ys,), _ = promote(*xs2) if len(xs2) > 1 else ((xs2[0],), None)
    rows = builtins.sum(y.shape[0] for y in ys)
    cols = builtins.sum(y.shape[1] for y in ys)
    out = jnp.zeros((rows, cols), ys[0].dtype)
    r = c = 0
    for y in ys:
        out = out.at[r:r + y.shape[0], c:c + y.shape[1]].set(y)
        r, c = r + y.shape[0], c + y.shape[1]
    return out


_BLOCK_DIAG = _reg("block_diag", _block_diag_fn)


@_torch
def block_diag(*tensors):
    """Block-diagonal matrix from the given tensors (torch.block_diag)."""
    if not tensors:
        from .creation import empty
        return empty((1, 0))
    return dispatch(_BLOCK_DIAG, tuple(tensors))


@_torch
def cartesian_prod(*tensors):
    """Cartesian product of 1-d tensors, one row per combination (torch.cartesian_prod)."""
    if len(tensors) == 1:
        return tensors[0]
    from .shape import meshgrid, stack
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


@_torch
def combinations(input, r=2, with_replacement=False):
    """r-length combinations of the elements of a 1-d tensor (torch.combinations)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    n = input.shape[0]
    f = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    combos = list(f(range(n), r))
    from .creation import tensor
    from .shape import stack
    if r == 0 or not combos:
        # NOTE: slices of input (not fresh tensors) so the result stays in the autograd graph.
        return input[:0] if r == 0 else stack([input[:0]] * r, 1)
    idx = tensor([list(c) for c in combos], dtype=D.int64)
    return stack([input[idx[:, j]] for j in range(r)], 1)


# ---- differences and integrals ------------------------------------------------------------------

def _diff_fn(n, axis, x):
    for _ in range(n):
        a = jnp.take(x, jnp.arange(1, x.shape[axis]), axis)
        b = jnp.take(x, jnp.arange(0, x.shape[axis] - 1), axis)
        x = jnp.logical_xor(a, b) if x.dtype == jnp.bool_ else a - b
    return x


_DIFF = _reg("diff", _diff_fn)


@_torch
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim (torch.diff)."""
    from .shape import cat
    d = canon_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    return dispatch(_DIFF, (x,), (int(n), d))


def _trapz_dx_fn(dx, axis, y):
    if y.dtype == jnp.bool_ or jnp.issubdtype(y.dtype, jnp.integer):
        y = y.astype(D.get_default_dtype()._np)
    if y.shape[axis] == 0:
        return jnp.sum(y, axis)
    s = jnp.sum(y, axis) - 0.5 * (jnp.take(y, 0, axis) + jnp.take(y, -1, axis))
    return s * dx


def _trapz_x_fn(axis, y, x):
    (y, x), rt = promote(y, x)
    if rt._cat < 2:
        y, x = y.astype(D.get_default_dtype()._np), x.astype(D.get_default_dtype()._np)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[axis] = x.shape[0]
        x = x.reshape(shape)
    dx = jnp.diff(x, axis=axis)
    n = y.shape[axis]
    mid = 0.5 * (jnp.take(y, jnp.arange(1, n), axis) + jnp.take(y, jnp.arange(0, n - 1), axis))
    return jnp.sum(dx * mid, axis)


_TRAPZ_DX = _reg("trapezoid_dx", _trapz_dx_fn, grad_name="SumBackward1")
_TRAPZ_X = _reg("trapezoid_x", _trapz_x_fn)


@_torch
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Trapezoid rule integral of y along dim (torch.trapezoid)."""
    d = canon_dim(dim, y.ndim)
    if x is not None and hasattr(x, "shape"):
        return dispatch(_TRAPZ_X, (y, x), (d,))
    step = dx if dx is not None else (x if x is not None else 1)
    return dispatch(_TRAPZ_DX, (y,), (builtins.float(step) if isinstance(step, builtins.float)
                                      else step, d))


@_torch
def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of trapezoid (torch.trapz)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def _cumtrapz_dx_fn(dx, axis, y):
    if y.dtype == jnp.bool_ or jnp.issubdtype(y.dtype, jnp.integer):
        y = y.astype(D.get_default_dtype()._np)
    n = y.shape[axis]
    mid = 0.5 * (jnp.take(y, jnp.arange(1, n), axis) + jnp.take(y, jnp.arange(0, n - 1), axis))
    return jnp.cumsum(mid * dx, axis=axis)


def _cumtrapz_x_fn(axis, y, x):
    (y, x), rt = promote(y, x)
    if rt._cat < 2:
        y, x = y.astype(D.get_default_dtype()._np), x.astype(D.get_default_dtype()._np)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[axis] = x.shape[0]
        x = x.reshape(shape)
    n = y.shape[axis]
    mid = 0.5 * (jnp.take(y, jnp.arange(1, n), axis) + jnp.take(y, jnp.arange(0, n - 1), axis))
    return jnp.cumsum(jnp.diff(x, axis=axis) * mid, axis=axis)


_CUMTRAPZ_DX = _reg("cumulative_trapezoid_dx", _cumtrapz_dx_fn)
_CUMTRAPZ_X = _reg("cumulative_trapezoid_x", _cumtrapz_x_fn)


@_torch
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Cumulative trapezoid rule along dim (torch.cumulative_trapezoid)."""
    d = canon_dim(dim, y.ndim)
    if x is not None and hasattr(x, "shape"):
        return dispatch(_CUMTRAPZ_X, (y, x), (d,))
    step = dx if dx is not None else (x if x is not None else 1)
    return dispatch(_CUMTRAPZ_DX, (y,), (step, d))


METHODS.update(diff=diff)


# ---- *_copy variants: the view op, materialised -------------------------------------------------

def _copy_of(view_name):
    def f(input, *args, out=None, **kwargs):
        from .. import Tensor
        r = getattr(Tensor, view_name)(input, *args, **kwargs)
        if isinstance(r, (tuple, list)):
            return _out(type(r)(t.clone() for t in r), out)
        return _out(r.clone(), out)
    f.__name__ = view_name + "_copy"
    f.__doc__ = f"A copy of {view_name}'s result (torch.{view_name}_copy)."
    return f


def alias_copy(input, *, out=None):
    """A copy of input (torch.alias_copy)."""
    return _out(input.clone(), out)


TORCH_NAMES.append("alias_copy")
for _v in ("expand", "permute", "t", "transpose", "unsqueeze", "squeeze", "view", "diagonal",
           "unbind", "unfold", "narrow", "split_with_sizes", "as_strided"):
    _f = _copy_of(_v)
    globals()[_f.__name__] = _f
    TORCH_NAMES.append(_f.__name__)
METHODS.update(narrow_copy=narrow_copy)  # noqa: F821
