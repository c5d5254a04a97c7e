"""torch.nn.functional: pad, interpolate/upsample, pixel_shuffle, grid_sample, affine_grid."""
import builtins
import math
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops.registry import Op, OPS, dispatch

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle", "grid_sample", "affine_grid"]


# ---- pad ---------------------------------------------------------------------------------------

def _pad_index(mode, L, lo, hi):
    """Source index (numpy) of each output position along one axis for a non-constant mode."""
    i = np.arange(-lo, L + hi)
    if mode == "replicate":
        return np.clip(i, 0, L - 1)
    if mode == "circular":
        # NOTE: torch crops negative pads first, then wraps around the cropped input
        start, stop = max(0, -lo), L - max(0, -hi)
        j = np.arange(L + lo + hi) - max(lo, 0)
        return start + np.mod(j, stop - start)
    period = 2 * (L - 1)  # reflect
    if period == 0:
        return np.zeros_like(i)
    i = np.mod(np.abs(i), period)
    return np.where(i >= L, period - i, i)


def _pad_fn(mode, pads, x, *value):
    n = len(pads)
    if mode == "constant":
        v = value[0].astype(x.dtype) if value else jnp.zeros((), x.dtype)
        cfg = [(0, 0, 0)] * (x.ndim - n) + [(lo, hi, 0) for lo, hi in pads]
        return lax.pad(x, v, cfg)
    for k, (lo, hi) in enumerate(pads):
        ax = x.ndim - n + k
        x = jnp.take(x, _pad_index(mode, x.shape[ax], lo, hi), axis=ax)
    return x


_PAD_CONST = Op("constant_pad_nd", _pad_fn, grad_name="ConstantPadNdBackward0")
OPS[_PAD_CONST.name] = _PAD_CONST
_PAD = {}
for _m, _g in (("reflect", "ReflectionPad{}DBackward0"),
               ("replicate", "ReplicationPad{}DBackward0"),
               ("circular", "torch::autograd::CopySlices")):
    for _n in (1, 2, 3):
        _PAD[_m, _n] = Op(f"{_m}_pad{_n}d", _pad_fn, grad_name=_g.format(_n))
        OPS[_PAD[_m, _n].name] = _PAD[_m, _n]


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left_last, right_last, left_prev, right_prev, ...)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    nd = input.dim()
    if n > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    # torch's pad tuple starts at the last dim; per-dim pairs in natural order:
    pads = tuple((pad[2 * (n - 1 - k)], pad[2 * (n - 1 - k) + 1]) for k in range(n))
    shp = tuple(input.shape)
    if mode == "constant":
        for k, (lo, hi) in enumerate(pads):
            size = shp[nd - n + k] + lo + hi
            if size < 0:
                raise RuntimeError(f"The input size {shp[nd - n + k]}, plus negative padding "
                                   f"{lo} and {hi} resulted in a negative output size, which is "
                                   f"invalid. Check dimension {nd - n + k} of your input.")
        args = (input,) if value is None else (input, value)
        return dispatch(_PAD_CONST, args, ("constant", pads))
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not (n in (1, 2, 3) and nd in (n + 1, n + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    for k, (lo, hi) in enumerate(pads):
        L = shp[nd - n + k]
        if mode == "reflect" and (lo >= L or hi >= L):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                               f"{nd - n + k} of input {list(shp)}")
        if mode == "circular" and (lo > L or hi > L):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and L == 0:
            raise RuntimeError(f"Expected {'2D or 3D' if n == 1 else f'{n + 1}D or {n + 2}D'} "
                               f"(batch mode) tensor with possibly 0 batch size and other "
                               f"non-zero dimensions for input, but got: {list(shp)}")
    return dispatch(_PAD[mode, n], (input,), (mode, pads))


# ---- interpolate -------------------------------------------------------------------------------

_F32 = np.float32


def _scale(inp, out, align_corners, scale, cubic=False):
    if align_corners:
        return _F32((inp - 1) / (out - 1)) if out > 1 else _F32(0)
    if scale is not None and scale > 0:
        return _F32(1.0 / scale)
    return _F32(inp) / _F32(out)


def _src(scale, dst, align_corners, cubic):
    if align_corners:
        return scale * dst
    s = scale * (dst + _F32(0.5)) - _F32(0.5)
    return s if cubic else np.maximum(s, _F32(0))


def _nearest_index(inp, out, scale, exact):
    if out == inp and not exact:
        return np.arange(out)
    s = _F32(1.0 / scale) if scale is not None and scale > 0 else _F32(inp) / _F32(out)
    dst = np.arange(out).astype(_F32)
    if exact:
        idx = np.floor((dst + _F32(0.5)) * s).astype(np.int64)
    else:
        idx = np.floor(dst * s).astype(np.int64)
    return np.minimum(idx, inp - 1)


def _linear_matrix(inp, out, align_corners, scale):
    m = np.zeros((out, inp), np.float64)
    if out == inp:
        return np.eye(inp)
    r = _scale(inp, out, align_corners, scale)
    src = _src(r, np.arange(out).astype(_F32), align_corners, False).astype(_F32)
    i0 = np.minimum(np.floor(src).astype(np.int64), inp - 1)
    lam1 = np.clip(src - i0.astype(_F32), 0, 1).astype(_F32)
    i1 = i0 + (i0 < inp - 1)
    lam0 = _F32(1) - lam1
    for o in range(out):
        m[o, i0[o]] += lam0[o]
        m[o, i1[o]] += lam1[o]
    return m


def _cubic_matrix(inp, out, align_corners, scale):
    A = _F32(-0.75)

    def cc1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def cc2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    m = np.zeros((out, inp), np.float64)
    r = _scale(inp, out, align_corners, scale)
    src = _src(r, np.arange(out).astype(_F32), align_corners, True).astype(_F32)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(_F32)).astype(_F32)
    coeffs = [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)]
    for o in range(out):
        for k in range(4):
            m[o, np.clip(i0[o] - 1 + k, 0, inp - 1)] += coeffs[k][o]
    return m


def _interp_fn(mode, outs, scales, align_corners, x):
    n = len(outs)
    lead = x.ndim - n
    for k in range(n):
        ax = lead + k
        inp = x.shape[ax]
        if mode in ("nearest", "nearest-exact"):
            x = jnp.take(x, _nearest_index(inp, outs[k], scales[k], mode == "nearest-exact"),
                         axis=ax)
            continue
        mat = (_cubic_matrix if mode == "bicubic" else _linear_matrix)(
            inp, outs[k], align_corners, scales[k])
        y = jnp.tensordot(x, jnp.asarray(mat, x.dtype), axes=([ax], [1]),
                          precision=lax.Precision.HIGHEST)
        x = jnp.moveaxis(y, -1, ax).astype(x.dtype)
    return x


_UPS = {}
for _m, _g in (("nearest", "UpsampleNearest{}DBackward0"),
               ("nearest-exact", "UpsampleNearestExact{}DBackward0"),
               ("linear", "UpsampleLinear1DBackward0"), ("bilinear", "UpsampleBilinear2DBackward0"),
               ("bicubic", "UpsampleBicubic2DBackward0"),
               ("trilinear", "UpsampleTrilinear3DBackward0")):
    for _n in (1, 2, 3):
        _UPS[_m, _n] = Op(f"upsample_{_m}{_n}d", _interp_fn, grad_name=_g.format(_n))
        OPS[_UPS[_m, _n].name] = _UPS[_m, _n]

_MODE_DIM = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize by nearest / nearest-exact / (bi/tri)linear / bicubic / area interpolation."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            outs = tuple(int(s) for s in size)
        else:
            outs = (int(size),) * dim
    elif scale_factor is not None:
        outs = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, "
                    "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = tuple(float(s) for s in scale_factor)
        else:
            scales = (float(scale_factor),) * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and outs is None:
        recompute_scale_factor = True
    sp = tuple(input.shape[2:])
    if recompute_scale_factor:
        outs = tuple(int(sp[i] * scales[i]) for i in range(dim))
        scales = None
    if antialias:
        raise NotImplementedError("jtorch: interpolate(antialias=True) is not supported")
    if outs is None:
        outs = tuple(int(math.floor(sp[i] * scales[i])) for i in range(dim))
    if scales is None:
        scales = (None,) * dim
    if mode == "area":
        from ._pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input,
                                                                                       outs)
    if mode in ("nearest", "nearest-exact"):
        if dim not in (1, 2, 3):
            raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                      f"(got {input.dim()}D) for the modes: nearest | linear | "
                                      f"bilinear | bicubic | trilinear | area | nearest-exact "
                                      f"(got {mode})")
    elif mode in _MODE_DIM:
        if dim != _MODE_DIM[mode]:
            want = _MODE_DIM[mode] + 2
            raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                      f"{want}D input")
    else:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | area | nearest-exact (got {mode})")
    if builtins.any(o <= 0 for o in outs) or builtins.any(s <= 0 for s in sp):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(str(s) for s in sp)}) and output "
                           f"({', '.join(str(o) for o in outs)})")
    return dispatch(_UPS[mode, dim], (input,), (mode, outs, scales, bool(align_corners)))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- pixel shuffle -----------------------------------------------------------------------------

def _shuffle_fn(r, down, x):
    lead = x.shape[:-3]
    c, h, w = x.shape[-3:]
    k = len(lead)
    if not down:
        oc = c // (r * r)
        y = x.reshape(lead + (oc, r, r, h, w))
        y = y.transpose(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
        return y.reshape(lead + (oc, h * r, w * r))
    y = x.reshape(lead + (c, h // r, r, w // r, r))
    y = y.transpose(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return y.reshape(lead + (c * r * r, h // r, w // r))


_SHUFFLE = Op("pixel_shuffle", _shuffle_fn, grad_name="PixelShuffleBackward0")
_UNSHUFFLE = Op("pixel_unshuffle", _shuffle_fn, grad_name="PixelUnshuffleBackward0")
OPS[_SHUFFLE.name] = _SHUFFLE
OPS[_UNSHUFFLE.name] = _UNSHUFFLE


def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return dispatch(_SHUFFLE, (input,), (r, False))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    return dispatch(_UNSHUFFLE, (input,), (r, True))


from ._grid import grid_sample, affine_grid  # noqa: E402
