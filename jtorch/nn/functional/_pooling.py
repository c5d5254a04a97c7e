"""torch.nn.functional: max/avg/adaptive/lp pooling and max_unpool (1-3d)."""
import builtins

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops.registry import Op, OPS, dispatch
from ._conv import _ntuple

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


def _lowest(dtype):
    if jnp.issubdtype(dtype, jnp.floating):
        return -jnp.inf
    if dtype == jnp.bool_:
        return False
    return jnp.iinfo(dtype).min


def _out_size(L, k, s, p, d, ceil):
    num = L + 2 * p - d * (k - 1) - 1
    o = (num + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= L + p:
        o -= 1  # NOTE: torch: the last window must start inside the input or left padding
    return o


def _geometry(shape, n, k, s, p, d, ceil):
    """(output sizes, per-dim (lo, hi) padding covering every window)."""
    sp = shape[-n:]
    outs = tuple(_out_size(sp[i], k[i], s[i], p[i], d[i], ceil) for i in range(n))
    pads = tuple((p[i], builtins.max(0, (outs[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
                                     - sp[i] - p[i])) for i in range(n))
    return outs, pads


def _windows(x, n, outs, k, s, d):
    """Padded x (..., *spatial) -> (..., *outs, prod(k)) window elements (per-axis gathers)."""
    lead = x.ndim - n
    for i in range(n):
        idx = (np.arange(outs[i])[:, None] * s[i] + np.arange(k[i])[None, :] * d[i]).ravel()
        ax = lead + 2 * i
        x = jnp.take(x, idx, axis=ax)
        x = x.reshape(x.shape[:ax] + (outs[i], k[i]) + x.shape[ax + 1:])
    # now (..., O1, K1, O2, K2, ...): move the K axes last
    perm = list(range(lead)) + [lead + 2 * i for i in range(n)] + [lead + 2 * i + 1
                                                                  for i in range(n)]
    x = x.transpose(perm)
    return x.reshape(x.shape[:lead + n] + (-1,))


def _src_index(shape, n, outs, k, s, p, d):
    """Flat input index of each window element, (*outs, prod(k)) (numpy, static)."""
    sp = shape[-n:]
    coords = []
    for i in range(n):
        c = np.arange(outs[i])[:, None] * s[i] - p[i] + np.arange(k[i])[None, :] * d[i]
        coords.append(c)
    flat = np.zeros(tuple(outs) + tuple(k), np.int64)
    mul = 1
    for i in reversed(range(n)):
        shp = [1] * (2 * n)
        shp[i], shp[n + i] = outs[i], k[i]
        flat = flat + coords[i].reshape(shp) * mul
        mul *= sp[i]
    return flat.reshape(tuple(outs) + (-1,))


def _max_pool_fn(n, k, s, p, d, ceil, with_idx, x):
    outs, pads = _geometry(x.shape, n, k, s, p, d, ceil)
    low = _lowest(x.dtype)
    cfg = [(0, 0, 0)] * (x.ndim - n) + [(lo, hi, 0) for lo, hi in pads]
    # NOTE: JAX has no VJP for reduce_window max with window dilation; dilated pooling takes
    # the gather (argmax) path below, whose VJP scatters to the first max like torch.
    if not with_idx and builtins.all(v == 1 for v in d):
        xp = lax.pad(x, jnp.asarray(low, x.dtype), cfg)
        win = (1,) * (x.ndim - n) + tuple(k)
        st = (1,) * (x.ndim - n) + tuple(s)
        dl = (1,) * (x.ndim - n) + tuple(d)
        y = lax.reduce_window(xp, np.array(low, x.dtype), lax.max, win, st, "VALID",
                              window_dilation=dl)
        return y[(Ellipsis,) + tuple(slice(0, o) for o in outs)]
    xp = lax.pad(x, jnp.asarray(low, x.dtype), cfg)
    w = _windows(xp, n, outs, k, s, d)
    am = jnp.argmax(w, axis=-1)
    y = jnp.take_along_axis(w, am[..., None], axis=-1)[..., 0]
    if not with_idx:
        return y
    src = jnp.asarray(_src_index(x.shape, n, outs, k, s, p, d))
    src = jnp.broadcast_to(src, w.shape)
    idx = jnp.take_along_axis(src, am[..., None], axis=-1)[..., 0]
    return y, idx


_MAXPOOL = {i: Op(f"max_pool{i}d", _max_pool_fn, grad_name=f"MaxPool{i}DWithIndicesBackward0")
            for i in (1, 2, 3)}
_MAXPOOL_IDX = {i: Op(f"max_pool{i}d_with_indices", _max_pool_fn, nout=2, nondiff_outputs=(1,),
                      grad_name=f"MaxPool{i}DWithIndicesBackward0") for i in (1, 2, 3)}
for _o in list(_MAXPOOL.values()) + list(_MAXPOOL_IDX.values()):
    OPS[_o.name] = _o


def _check_dims(x, n, fname, style):
    nd = x.dim()
    if style == "max":
        ok = nd in (n + 1, n + 2) and builtins.all(v > 0 for v in tuple(x.shape)[-n - 1:])
        if not ok:
            if n == 1:
                raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with "
                                   f"optional 0 dim batch size for input, but got:"
                                   f"[{', '.join(str(v) for v in x.shape)}]")
            if nd in (n + 1, n + 2):
                raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with "
                                   f"optional 0 dim batch size for input, but got:"
                                   f"[{', '.join(str(v) for v in x.shape)}]")
            raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected "
                               f"for input")
    elif nd not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {nd}-dimensional tensor for "
                               f"argument #1 'self' (while checking arguments for {fname})")
        if style == "adaptive":
            raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got: "
                               f"[{', '.join(str(v) for v in x.shape)}]")
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for "
                           f"input")


def _pool_args(x, n, kernel_size, stride, padding, dilation, ceil_mode, eff=True):
    k = _ntuple(kernel_size, n, "kernel_size")
    s = k if (stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)) \
        else _ntuple(stride, n, "stride")
    p = _ntuple(padding, n, "padding")
    d = _ntuple(dilation, n, "dilation")
    if builtins.any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if builtins.any(v <= 0 for v in k):
        raise RuntimeError(f"kernel_size must be greater than zero, but got "
                           f"{'kW' if n == 1 else 'kH'}: {k[0]}")
    for i in range(n):
        if p[i] > k[i] // 2 if not eff else 2 * p[i] > d[i] * (k[i] - 1) + 1:
            if eff:
                raise RuntimeError(f"pad should be at most half of effective kernel size, but "
                                   f"got pad={p[i]}, kernel_size={k[i]} and dilation={d[i]}")
            raise RuntimeError(f"pad should be at most half of kernel size, but got "
                               f"pad={p[i]} and kernel_size={k[i]}")
    sp = tuple(x.shape[-n:])
    outs = tuple(_out_size(sp[i], k[i], s[i], p[i], d[i], bool(ceil_mode)) for i in range(n))
    if builtins.any(o < 1 for o in outs):
        c = x.shape[-n - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(str(v) for v in (c,) + sp)}). "
                           f"Calculated output size: ({'x'.join(str(v) for v in (c,) + outs)}). "
                           f"Output size is too small")
    return k, s, p, d


def _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_dims(input, n, f"max_pool{n}d", "max")
    k, s, p, d = _pool_args(input, n, kernel_size, stride, padding, dilation, ceil_mode)
    statics = (n, k, s, p, d, bool(ceil_mode), bool(return_indices))
    if return_indices:
        return dispatch(_MAXPOOL_IDX[n], (input,), statics)
    return dispatch(_MAXPOOL[n], (input,), statics)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling (optionally also the argmax indices)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling (optionally also the argmax indices)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling (optionally also the argmax indices)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """1-D max pooling returning (values, indices)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """2-D max pooling returning (values, indices)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """3-D max pooling returning (values, indices)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---- average pooling ---------------------------------------------------------------------------

def _avg_divisor(sp, n, outs, pads, k, s, p, include_pad):
    """Static per-output divisor (numpy): window size clipped like torch's kernels."""
    ones = np.ones(sp, np.int64)
    ones = np.pad(ones, [(q, q) for q in p], constant_values=1 if include_pad else 0)
    ones = np.pad(ones, [(0, builtins.max(0, hi - q)) for (_, hi), q in zip(pads, p)])
    # NOTE: windows reaching past the padded input (ceil_mode) count only up to its end
    cnt = ones
    for i in range(n):
        c = np.cumsum(np.concatenate([np.zeros_like(np.take(cnt, [0], axis=i)), cnt], axis=i),
                      axis=i)
        starts = np.arange(outs[i]) * s[i]
        cnt = np.take(c, starts + k[i], axis=i) - np.take(c, starts, axis=i)
    return cnt


def _avg_pool_fn(n, k, s, p, ceil, include_pad, divisor, x):
    outs, pads = _geometry(x.shape, n, k, s, p, (1,) * n, ceil)
    lead = x.ndim - n
    cfg = [(0, 0, 0)] * lead + [(lo, hi, 0) for lo, hi in pads]
    acc = x.dtype
    xp = lax.pad(x, jnp.asarray(0, x.dtype), cfg)
    y = lax.reduce_window(xp, np.array(0, acc), lax.add, (1,) * lead + tuple(k),
                          (1,) * lead + tuple(s), "VALID")
    y = y[(Ellipsis,) + tuple(slice(0, o) for o in outs)]
    if divisor:
        div = np.full(outs, divisor, np.int64)
    else:
        div = _avg_divisor(tuple(x.shape[-n:]), n, outs, pads, k, s, p, include_pad)
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return (y / jnp.asarray(div, x.dtype)).astype(x.dtype)
    return lax.div(y, jnp.broadcast_to(jnp.asarray(div, x.dtype), y.shape))


_AVGPOOL = {i: Op(f"avg_pool{i}d", _avg_pool_fn, grad_name=f"AvgPool{i}DBackward0")
            for i in (1, 2, 3)}
for _o in _AVGPOOL.values():
    OPS[_o.name] = _o


def _avg_pool(n, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    _check_dims(input, n, f"avg_pool{n}d", "avg")
    k, s, p, _ = _pool_args(input, n, kernel_size, stride, padding, 1, ceil_mode, eff=False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    statics = (n, k, s, p, bool(ceil_mode), bool(count_include_pad),
               int(divisor_override) if divisor_override else None)
    return dispatch(_AVGPOOL[n], (input,), statics)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ---- adaptive pooling --------------------------------------------------------------------------

def _bounds(L, O):
    i = np.arange(O)
    return (i * L) // O, -((-(i + 1) * L) // O)  # floor(i*L/O), ceil((i+1)*L/O)


def _adaptive_avg_fn(n, outs, x):
    lead = x.ndim - n
    y = x
    for i in range(n):
        L = x.shape[lead + i]
        st, en = _bounds(L, outs[i])
        m = np.zeros((outs[i], L))
        for o in range(outs[i]):
            m[o, st[o]:en[o]] = 1.0 / (en[o] - st[o])
        y = jnp.moveaxis(jnp.tensordot(y, jnp.asarray(m, y.dtype), axes=([lead + i], [1]),
                                       precision=lax.Precision.HIGHEST), -1, lead + i)
    return y.astype(x.dtype)


def _adaptive_max_fn(n, outs, with_idx, x):
    lead = x.ndim - n
    sp = x.shape[lead:]
    low = _lowest(x.dtype)
    w, valid, flat = x, None, None
    ks = []
    for i in range(n):
        st, en = _bounds(sp[i], outs[i])
        km = int((en - st).max())
        ks.append(km)
        idx = st[:, None] + np.arange(km)[None, :]
        ok = idx < en[:, None]
        idx = np.minimum(idx, sp[i] - 1)
        ax = lead + 2 * i
        w = jnp.take(w, idx.ravel(), axis=ax)
        w = w.reshape(w.shape[:ax] + (outs[i], km) + w.shape[ax + 1:])
        shp = [1] * (2 * n)
        shp[i], shp[n + i] = outs[i], km
        valid = ok.reshape(shp) if valid is None else valid & ok.reshape(shp)
        mul = int(np.prod(sp[i + 1:]))
        term = (idx * mul).reshape(shp)
        flat = term if flat is None else flat + term
    perm = list(range(lead)) + [lead + 2 * i for i in range(n)] + [lead + 2 * i + 1
                                                                  for i in range(n)]
    w = w.transpose(perm).reshape(w.shape[:lead] + tuple(outs) + (-1,))
    valid = valid.reshape(tuple(outs) + (-1,))
    w = jnp.where(jnp.asarray(valid), w, jnp.asarray(low, x.dtype))
    am = jnp.argmax(w, axis=-1)
    y = jnp.take_along_axis(w, am[..., None], axis=-1)[..., 0]
    if not with_idx:
        return y
    src = jnp.broadcast_to(jnp.asarray(flat.reshape(tuple(outs) + (-1,))), w.shape)
    return y, jnp.take_along_axis(src, am[..., None], axis=-1)[..., 0]


_ADAVG = {i: Op(f"adaptive_avg_pool{i}d", _adaptive_avg_fn,
                grad_name=f"AdaptiveAvgPool{i}DBackward0") for i in (1, 2, 3)}
_ADMAX = {i: Op(f"adaptive_max_pool{i}d", _adaptive_max_fn, nout=2, nondiff_outputs=(1,),
                grad_name=f"AdaptiveMaxPool{i}DBackward0") for i in (1, 2, 3)}
for _o in list(_ADAVG.values()) + list(_ADMAX.values()):
    OPS[_o.name] = _o


def _adaptive_outs(x, n, output_size):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != n:
            raise RuntimeError(f"adaptive_avg_pool{n}d: output_size must be {n}")
        sp = tuple(x.shape[-n:])
        return tuple(sp[i] if o is None else int(o) for i, o in enumerate(output_size))
    return (int(output_size),) * n


def _adaptive_avg(n, input, output_size):
    _check_dims(input, n, f"adaptive_avg_pool{n}d", "adaptive")
    outs = _adaptive_outs(input, n, output_size)
    return dispatch(_ADAVG[n], (input,), (n, outs))


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling to a given output length."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """2-D adaptive average pooling to a given output size."""
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """3-D adaptive average pooling to a given output size."""
    return _adaptive_avg(3, input, output_size)


def _adaptive_max(n, input, output_size, return_indices):
    _check_dims(input, n, f"adaptive_max_pool{n}d", "adaptive")
    outs = _adaptive_outs(input, n, output_size)
    y, idx = dispatch(_ADMAX[n], (input,), (n, outs, True))
    return (y, idx) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D adaptive max pooling (optionally also the argmax indices)."""
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-D adaptive max pooling (optionally also the argmax indices)."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-D adaptive max pooling (optionally also the argmax indices)."""
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """1-D adaptive max pooling returning (values, indices)."""
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """2-D adaptive max pooling returning (values, indices)."""
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    """3-D adaptive max pooling returning (values, indices)."""
    return _adaptive_max(3, input, output_size, True)


# ---- power-average pooling ---------------------------------------------------------------------

def _lp_fn(n, k, s, ceil, norm, x):
    y = _avg_pool_fn(n, k, s, (0,) * n, ceil, True, None, x ** norm)
    kk = int(np.prod(k))
    y = jnp.sign(y) * jnp.maximum(jnp.abs(y), 0) * kk
    return (y ** (1.0 / norm)).astype(x.dtype)


_LPPOOL = {i: Op(f"lp_pool{i}d", _lp_fn, grad_name="PowBackward0") for i in (1, 2, 3)}
for _o in _LPPOOL.values():
    OPS[_o.name] = _o


def _lp_pool(n, input, norm_type, kernel_size, stride, ceil_mode):
    _check_dims(input, n, f"avg_pool{n}d", "avg")
    k, s, _, _ = _pool_args(input, n, kernel_size, stride, 0, 1, ceil_mode, eff=False)
    return dispatch(_LPPOOL[n], (input,), (n, k, s, bool(ceil_mode), float(norm_type)))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average pooling: (sum x^p)^(1/p) over each window."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling: (sum x^p)^(1/p) over each window."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling: (sum x^p)^(1/p) over each window."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---- max_unpool --------------------------------------------------------------------------------

def _unpool_fn(n, outs, x, idx):
    lead = x.shape[:-n]
    rows = int(np.prod(lead)) if lead else 1
    xf = x.reshape(rows, -1)
    inf = idx.reshape(rows, -1)
    P = int(np.prod(outs))
    r = jnp.arange(rows)[:, None]
    z = jnp.zeros((rows, P), x.dtype)
    out = lax.stop_gradient(z.at[r, inf].set(xf, mode="drop"))
    if jnp.issubdtype(x.dtype, jnp.inexact):
        # NOTE: torch's backward gathers grad_output at the indices (duplicates each get it);
        # a scatter-add has exactly that VJP, and adds 0 to the forward value.
        add = z.at[r, inf].add(xf, mode="drop")
        out = out + (add - lax.stop_gradient(add))
    return out.reshape(tuple(lead) + tuple(outs))


_UNPOOL = {i: Op(f"max_unpool{i}d", _unpool_fn, grad_name=f"MaxUnpool{i}DBackward0")
           for i in (1, 2, 3)}
for _o in _UNPOOL.values():
    OPS[_o.name] = _o

# NOTE: torch runs the 1-d poolings as 2-d kernels plus a squeeze: that is their grad_fn.
for _d in (_MAXPOOL, _MAXPOOL_IDX, _AVGPOOL, _ADAVG, _ADMAX, _UNPOOL):
    _d[1].grad_name = "SqueezeBackward1"


def _max_unpool(n, input, indices, kernel_size, stride, padding, output_size):
    k = _ntuple(kernel_size, n)
    s = k if stride is None else _ntuple(stride, n)
    p = _ntuple(padding, n)
    sp = tuple(input.shape[-n:])
    default = tuple((sp[i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(n))
    if output_size is None:
        outs = default
    else:
        outs = tuple(int(v) for v in output_size)
        if len(outs) == n + 2 or (len(outs) == n + 1 and input.dim() == n + 1):
            outs = outs[-n:]
        if len(outs) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} "
                             f"elements, but it has a length of '{len(outs)}'")
        for i in range(n):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < outs[i] < hi:
                raise ValueError(f'invalid output_size "{list(outs)}" (dim {i} must be between '
                                 f'{lo} and {hi})')
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if indices.dtype._name != "int64":
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{indices.dtype._name}")
    # NOTE: torch validates the indices; reading them needs their values on the host.
    from ..._ops.random import _concrete
    a = _concrete(indices)
    P = int(np.prod(outs))
    if a is not None and a.size and builtins.bool(((a < 0) | (a >= P)).any()):
        bad = int(np.asarray(a).ravel()[np.argmax(((np.asarray(a) < 0) |
                                                   (np.asarray(a) >= P)).ravel())])
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(o) for o in outs)}")
    return dispatch(_UNPOOL[n], (input, indices), (n, outs))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: scatter values to their argmax positions."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: scatter values to their argmax positions."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d: scatter values to their argmax positions."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


from ._fractional import (  # noqa: E402
    fractional_max_pool2d, fractional_max_pool3d, fractional_max_pool2d_with_indices,
    fractional_max_pool3d_with_indices,
)
