"""torch.nn.functional: grid_sample and affine_grid (2-D and 3-D)."""
import itertools
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops.registry import Op, OPS, dispatch

__all__ = ["grid_sample", "affine_grid"]

_AC_WARN = ("Default grid_sample and affine_grid behavior has changed to align_corners=False "
            "since 1.3.0. Please specify align_corners=True if the old behavior is desired. See "
            "the documentation of grid_sample for details.")


def _unnormalize(c, size, align_corners):
    if align_corners:
        return (c + 1) / 2 * (size - 1)
    return ((c + 1) * size - 1) / 2


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return jnp.zeros_like(c)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = jnp.abs(c - lo)
    extra = jnp.fmod(c, span)
    flips = jnp.floor(c / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + lo, span - extra + lo)


def _source(c, size, padding_mode, align_corners):
    return _pad_coord(_unnormalize(c, size, align_corners), size, padding_mode, align_corners)


def _pad_coord(c, size, padding_mode, align_corners):
    """torch's compute_coordinates: clip (border) or reflect + clip (reflection) pixel c."""
    if padding_mode == "border":
        c = jnp.clip(c, 0, size - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = jnp.clip(c, 0, size - 1)
    return c


def _gather(x, idx):
    """x (N, C, *sp); idx list of int arrays (N, *out) per spatial dim -> (N, C, *out)."""
    n = x.shape[0]
    bidx = jnp.arange(n).reshape((n,) + (1,) * (idx[0].ndim - 1))
    xt = jnp.moveaxis(x, 1, -1)  # (N, *sp, C)
    g = xt[(bidx,) + tuple(idx)]  # (N, *out, C)
    return jnp.moveaxis(g, -1, 1)


def _grid_sample_fn(mode, padding_mode, align_corners, x, grid):
    if mode == "bicubic":
        return _bicubic(x, grid, padding_mode, align_corners)
    nsp = x.ndim - 2
    sp = x.shape[2:]
    # grid's last dim is (x, y[, z]) = the spatial dims in reverse order
    coords = [_source(grid[..., nsp - 1 - k], sp[k], padding_mode, align_corners)
              for k in range(nsp)]
    if mode == "nearest":
        idx = [jnp.round(c).astype(jnp.int64) for c in coords]  # NOTE: half to even, as nearbyint
        ok = jnp.ones(idx[0].shape, bool)
        for k in range(nsp):
            ok = ok & (idx[k] >= 0) & (idx[k] < sp[k])
        idx = [jnp.clip(i, 0, s - 1) for i, s in zip(idx, sp)]
        return jnp.where(ok[:, None], _gather(x, idx), 0).astype(x.dtype)
    lo = [jnp.floor(c) for c in coords]
    out = 0
    for corner in itertools.product((0, 1), repeat=nsp):
        w = 1
        ok = jnp.ones(lo[0].shape, bool)
        idx = []
        for k, b in enumerate(corner):
            i = lo[k] + b
            w = w * (coords[k] - lo[k] if b else (lo[k] + 1) - coords[k])
            ok = ok & (i >= 0) & (i <= sp[k] - 1)
            idx.append(jnp.clip(i, 0, sp[k] - 1).astype(jnp.int64))
        v = _gather(x, idx)
        out = out + jnp.where(ok[:, None], v * w[:, None], 0)
    return out.astype(x.dtype)


def _cubic_coeffs(t):
    """torch's get_cubic_upsample_coefficients (A = -0.75) for fractions t: 4 weights."""
    a = -0.75

    def conv1(v):
        return ((a + 2) * v - (a + 3)) * v * v + 1

    def conv2(v):
        return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a
    return [conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)]


def _bicubic(x, grid, padding_mode, align_corners):
    """2-D bicubic grid sampling (torch's 4x4 neighbourhood, each tap padded separately)."""
    h, w = x.shape[2:]
    ix = _unnormalize(grid[..., 0], w, align_corners)
    iy = _unnormalize(grid[..., 1], h, align_corners)
    x0, y0 = jnp.floor(ix), jnp.floor(iy)
    cx, cy = _cubic_coeffs(ix - x0), _cubic_coeffs(iy - y0)
    # NOTE: the taps sit at integer coordinates: no gradient flows through their positions
    # (torch's backward differentiates only the cubic coefficients).
    x0, y0 = lax.stop_gradient(x0), lax.stop_gradient(y0)
    out = 0
    for i in range(4):
        yy = _pad_coord(y0 - 1 + i, h, padding_mode, align_corners)
        row = 0
        for j in range(4):
            xx = _pad_coord(x0 - 1 + j, w, padding_mode, align_corners)
            ok = (xx >= 0) & (xx <= w - 1) & (yy >= 0) & (yy <= h - 1)
            idx = [jnp.clip(yy, 0, h - 1).astype(jnp.int64),
                   jnp.clip(xx, 0, w - 1).astype(jnp.int64)]
            v = jnp.where(ok[:, None], _gather(x, idx), 0)
            row = row + v * cx[j][:, None]
        out = out + row * cy[i][:, None]
    return out.astype(x.dtype)


_GRID_SAMPLE = {n: Op(f"grid_sampler_{n}d", _grid_sample_fn,
                      grad_name=f"GridSampler{n}DBackward0") for n in (2, 3)}
for _o in _GRID_SAMPLE.values():
    OPS[_o.name] = _o


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input at normalized grid locations in [-1, 1] (bilinear or nearest)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_AC_WARN, stacklevel=2)
        align_corners = False
    nd = input.dim()
    if nd not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and nd != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if grid.dim() != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have same number of dimensions as "
                           f"input, but got input with sizes {list(input.shape)} and grid with "
                           f"sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != nd - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd - 2} in last "
                           f"dimension, but got grid with sizes {list(grid.shape)}")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    return dispatch(_GRID_SAMPLE[nd - 2], (input, grid), (mode, padding_mode, bool(align_corners)))


_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def _grid_sampler(n, input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler_{n}d: the checks of aten's grid sampler, then grid_sample's math."""
    ishp, gshp = list(input.shape), list(grid.shape)
    if input.dim() == 0 or grid.dim() == 0 or input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {ishp} and grid with sizes {gshp}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {gshp}")
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {ishp} with dimension {i} "
                               f"being empty")
    if input.dim() != n + 2 or grid.dim() != n + 2:
        raise RuntimeError(f"grid_sampler(): expected {n + 2}D input and grid with same number "
                           f"of dimensions, but got input with sizes {ishp} and grid with sizes "
                           f"{gshp}")
    if not 0 <= int(interpolation_mode) < len(_MODES) or \
            not 0 <= int(padding_mode) < len(_PADDINGS):
        raise RuntimeError(f"grid_sampler(): unknown interpolation_mode {interpolation_mode} "
                           f"or padding_mode {padding_mode}")
    mode = _MODES[int(interpolation_mode)]
    if mode == "bicubic" and n == 3:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point or input.dtype.is_complex:
        from ..._ops._common import torch_name
        raise NotImplementedError(f"\"grid_sampler_{n}d_cpu_kernel_impl\" not implemented for "
                                  f"'{torch_name(input.dtype)}'")
    if input.dtype is not grid.dtype:
        from ..._ops._common import torch_name
        raise RuntimeError(f"expected scalar type {torch_name(input.dtype)} but found "
                           f"{torch_name(grid.dtype)}")
    return dispatch(_GRID_SAMPLE[n], (input, grid),
                    (mode, _PADDINGS[int(padding_mode)], bool(align_corners)))


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler_2d: grid_sample with integer modes (0 bilinear, 1 nearest; padding
    0 zeros, 1 border, 2 reflection)."""
    return _grid_sampler(2, input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler_3d: 5-D grid_sample with integer modes (as grid_sampler_2d)."""
    return _grid_sampler(3, input, grid, interpolation_mode, padding_mode, align_corners)


def _base(n, align_corners):
    if n <= 1:
        return np.zeros((max(n, 0),))
    v = np.linspace(-1.0, 1.0, n)
    return v if align_corners else v * (n - 1) / n


def _affine_fn(size, align_corners, theta):
    sp = size[2:]
    axes = [_base(s, align_corners) for s in reversed(sp)]  # x (last dim) first
    mesh = np.meshgrid(*axes[::-1], indexing="ij")  # each of shape sp
    base = np.stack([m for m in mesh[::-1]] + [np.ones(sp)], axis=-1)  # (*sp, nsp+1)
    b = jnp.asarray(base.reshape(-1, len(sp) + 1), theta.dtype)
    g = jnp.einsum("pk,njk->npj", b, theta, precision=lax.Precision.HIGHEST)
    return g.reshape((size[0],) + tuple(sp) + (len(sp),)).astype(theta.dtype)


_AFFINE = Op("affine_grid_generator", _affine_fn, grad_name="AffineGridGeneratorBackward0")
OPS[_AFFINE.name] = _AFFINE


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) / (N, D, H, W, 3) for affine matrices theta."""
    if align_corners is None:
        warnings.warn(_AC_WARN, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    from ..._size import Size
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{Size(size)!r}. Got {theta.shape!r}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{Size(size)!r}. Got {theta.shape!r}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {Size(size)!r}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {Size(size)!r}")
    return dispatch(_AFFINE, (theta,), (size, bool(align_corners)))
