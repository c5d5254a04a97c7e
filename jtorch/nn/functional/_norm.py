"""torch.nn.functional: batch/layer/group/instance/rms/local-response norm and normalize."""
import builtins
import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops.registry import Op, OPS, dispatch
from ... import autograd as _ag
from ... import _dtype as D

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm", "normalize"]


def _opmath(x):
    """Compute dtype: float32 for half types (torch's CPU opmath), else x's dtype."""
    return jnp.float32 if x.dtype in (jnp.float16, jnp.bfloat16) else x.dtype


def _cshape(x):
    return (1, -1) + (1,) * (x.ndim - 2)


def _bn_fn(use_stats, update, momentum, eps, has_w, has_b, x, *rest):
    rest = list(rest)
    w = rest.pop(0) if has_w else None
    b = rest.pop(0) if has_b else None
    rm, rv = (rest[0], rest[1]) if rest else (None, None)
    ct = _opmath(x)
    xc = x.astype(ct)
    axes = (0,) + tuple(range(2, x.ndim))
    if use_stats:
        mean = jnp.mean(xc, axis=axes)
        var = jnp.mean(jnp.square(xc - mean.reshape(_cshape(x))), axis=axes)
    else:
        mean, var = rm.astype(ct), rv.astype(ct)
    y = (xc - mean.reshape(_cshape(x))) * lax.rsqrt(var + eps).reshape(_cshape(x))
    if has_w:
        y = y * w.astype(ct).reshape(_cshape(x))
    if has_b:
        y = y + b.astype(ct).reshape(_cshape(x))
    y = y.astype(x.dtype)
    if not update:
        return y
    cnt = x.size // x.shape[1]
    unbiased = var * (cnt / builtins.max(cnt - 1, 1))
    new_rm = ((1 - momentum) * rm.astype(ct) + momentum * lax.stop_gradient(mean)).astype(rm.dtype)
    new_rv = ((1 - momentum) * rv.astype(ct) + momentum * lax.stop_gradient(unbiased)) \
        .astype(rv.dtype)
    return y, new_rm, new_rv


_BN = Op("native_batch_norm", _bn_fn, grad_name="NativeBatchNormBackward0")
_BN_UPD = Op("native_batch_norm_update", _bn_fn, nout=3, nondiff_outputs=(1, 2),
             grad_name="NativeBatchNormBackward0")
OPS[_BN.name] = _BN
OPS[_BN_UPD.name] = _BN_UPD


def _write(t, new):
    """Write new values into buffer t in place (no autograd), like torch's running-stat update."""
    with _ag.no_grad():
        t._set_array(new._a)


def _verify_batch_size(shape):
    n = shape[0]
    for s in shape[2:]:
        n *= s
    if n == 1:
        from ..._size import Size
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{Size(shape)!r}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Batch normalization; in training mode running_mean/var are updated in place."""
    if training:
        _verify_batch_size(tuple(input.shape))
    if input.numel() == 0:
        # NOTE: torch returns a copy (not a view: the gradient chain stays intact), scaled by
        # weight[0] and shifted by bias[0], before any shape check.
        out = input.clone()
        if weight is not None:
            out = out * weight[0]
        if bias is not None:
            out = out + bias[0]
        return out
    if input.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-builtins.max(input.dim(), 1)}, {builtins.max(input.dim(), 1) - 1}]"
                         f", but got 1)")
    if training and (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    if not training:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    has_rs = running_mean is not None and running_var is not None
    use_stats = bool(training) or not has_rs
    update = bool(training) and has_rs
    args = [input] + [t for t in (weight, bias) if t is not None]
    if has_rs:
        args += [running_mean, running_var]
    statics = (use_stats, update, float(momentum) if momentum is not None else 0.0, float(eps),
               weight is not None, bias is not None)
    if update:
        y, rm, rv = dispatch(_BN_UPD, tuple(args), statics)
        _write(running_mean, rm)
        _write(running_var, rv)
        return y
    return dispatch(_BN, tuple(args), statics)


def ln_with_stats(nd, eps, has_w, has_b, x, *rest):
    """(layer norm of x over its last nd dims, mean, rstd), the statistics in opmath dtype."""
    rest = list(rest)
    ct = _opmath(x)
    xc = x.astype(ct)
    axes = tuple(range(x.ndim - nd, x.ndim))
    mean = jnp.mean(xc, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=axes, keepdims=True)
    rstd = lax.rsqrt(var + eps)
    y = (xc - mean) * rstd
    if has_w:
        y = y * rest.pop(0).astype(ct)
    if has_b:
        y = y + rest.pop(0).astype(ct)
    return y.astype(x.dtype), mean, rstd


def _ln_fn(nd, eps, has_w, has_b, x, *rest):
    return ln_with_stats(nd, eps, has_w, has_b, x, *rest)[0]


_LN = Op("native_layer_norm", _ln_fn, grad_name="NativeLayerNormBackward0")
OPS[_LN.name] = _LN


def _norm_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(v) for v in normalized_shape)


def _check_norm_shape(input, ns, star):
    shp = tuple(input.shape)
    if len(ns) == 0 or len(shp) < len(ns) or shp[len(shp) - len(ns):] != ns:
        sep = "*" if star else "*, "
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[{sep}{', '.join(str(v) for v in ns)}], but got input of size"
                           f"{list(shp)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Layer normalization over the trailing `normalized_shape` dims."""
    ns = _norm_shape(normalized_shape)
    _check_norm_shape(input, ns, False)
    args = [input] + [t for t in (weight, bias) if t is not None]
    return dispatch(_LN, tuple(args), (len(ns), float(eps), weight is not None,
                                       bias is not None))


def _gn_fn(g, eps, has_w, has_b, x, *rest):
    rest = list(rest)
    ct = _opmath(x)
    n, c = x.shape[:2]
    xc = x.astype(ct).reshape(n, g, x.size // max(n * g, 1))  # NOTE: no -1: n may be 0
    mean = jnp.mean(xc, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=-1, keepdims=True)
    y = ((xc - mean) * lax.rsqrt(var + eps)).reshape(x.shape)
    if has_w:
        y = y * rest.pop(0).astype(ct).reshape(_cshape(x))
    if has_b:
        y = y + rest.pop(0).astype(ct).reshape(_cshape(x))
    return y.astype(x.dtype)


_GN = Op("native_group_norm", _gn_fn, grad_name="NativeGroupNormBackward0")
OPS[_GN.name] = _GN


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Group normalization: channels split into num_groups, each normalized separately."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    shp = tuple(input.shape)
    if shp[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(shp)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != shp[1]):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {list(shp)}")
    args = [input] + [t for t in (weight, bias) if t is not None]
    return dispatch(_GN, tuple(args), (int(num_groups), float(eps), weight is not None,
                                       bias is not None))


def _in_fn(use_stats, update, momentum, eps, has_w, has_b, x, *rest):
    rest = list(rest)
    w = rest.pop(0) if has_w else None
    b = rest.pop(0) if has_b else None
    rm, rv = (rest[0], rest[1]) if rest else (None, None)
    ct = _opmath(x)
    xc = x.astype(ct)
    axes = tuple(range(2, x.ndim))
    bshape = x.shape[:2] + (1,) * (x.ndim - 2)
    if use_stats:
        mean = jnp.mean(xc, axis=axes)
        var = jnp.mean(jnp.square(xc - mean.reshape(bshape)), axis=axes)
    else:
        mean = jnp.broadcast_to(rm.astype(ct), x.shape[:2])
        var = jnp.broadcast_to(rv.astype(ct), x.shape[:2])
    y = (xc - mean.reshape(bshape)) * lax.rsqrt(var + eps).reshape(bshape)
    if has_w:
        y = y * w.astype(ct).reshape(_cshape(x))
    if has_b:
        y = y + b.astype(ct).reshape(_cshape(x))
    y = y.astype(x.dtype)
    if not update:
        return y
    cnt = math.prod(x.shape[2:])
    unbiased = lax.stop_gradient(var * (cnt / builtins.max(cnt - 1, 1)))
    mean = lax.stop_gradient(mean)
    # NOTE: torch runs batch_norm on (1, N*C, ...) with the stats repeated N times, then
    # averages the N updated copies: the same as updating with the batch-mean of the stats.
    new_rm = ((1 - momentum) * rm.astype(ct) + momentum * mean.mean(0)).astype(rm.dtype)
    new_rv = ((1 - momentum) * rv.astype(ct) + momentum * unbiased.mean(0)).astype(rv.dtype)
    return y, new_rm, new_rv


_IN = Op("instance_norm", _in_fn, grad_name="ViewBackward0")
_IN_UPD = Op("instance_norm_update", _in_fn, nout=3, nondiff_outputs=(1, 2),
             grad_name="ViewBackward0")
OPS[_IN.name] = _IN
OPS[_IN_UPD.name] = _IN_UPD


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    """Instance normalization: each (sample, channel) normalized over its spatial dims."""
    if use_input_stats:
        shp = tuple(input.shape)
        if math.prod(shp[2:]) == 1:
            from ..._size import Size
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {Size(shp)!r}")
    has_rs = running_mean is not None and running_var is not None
    if not use_input_stats and not has_rs:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    update = bool(use_input_stats) and has_rs
    args = [input] + [t for t in (weight, bias) if t is not None]
    if has_rs:
        args += [running_mean, running_var]
    statics = (bool(use_input_stats), update, float(momentum) if momentum is not None else 0.0,
               float(eps), weight is not None, bias is not None)
    if update:
        y, rm, rv = dispatch(_IN_UPD, tuple(args), statics)
        _write(running_mean, rm)
        _write(running_var, rv)
        return y
    return dispatch(_IN, tuple(args), statics)


def _rms_fn(nd, eps, has_w, x, *rest):
    ct = _opmath(x)
    xc = x.astype(ct)
    axes = tuple(range(x.ndim - nd, x.ndim))
    y = xc * lax.rsqrt(jnp.mean(jnp.square(xc), axis=axes, keepdims=True) + eps)
    if has_w:
        y = y * rest[0].astype(ct)
    return y.astype(x.dtype)


_RMS = Op("rms_norm", _rms_fn, grad_name="MulBackward0")
OPS[_RMS.name] = _RMS


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the trailing `normalized_shape` dims."""
    ns = _norm_shape(normalized_shape)
    _check_norm_shape(input, ns, True)
    if eps is None:
        eps = float(jnp.finfo(input.dtype._np).eps)
    args = (input,) if weight is None else (input, weight)
    return dispatch(_RMS, args, (len(ns), float(eps), weight is not None))


def _lrn_fn(size, alpha, beta, k, x):
    sq = jnp.square(x)
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    sq = jnp.pad(sq, pad)
    win = [1] * x.ndim
    win[1] = size
    s = lax.reduce_window(sq, np.array(0, x.dtype), lax.add, tuple(win), (1,) * x.ndim,
                          "VALID")
    if x.dtype.kind in "biu":
        # NOTE: torch average-pools the integer squares (truncating division), then scales
        # by the (double) alpha: the result is in the default float dtype.
        avg = (s // size).astype(D.get_default_dtype()._np)
        return x / (avg * alpha + k) ** beta
    div = (s / size * alpha + k) ** beta
    return (x / div).astype(x.dtype)


_LRN = Op("local_response_norm", _lrn_fn, grad_name="DivBackward0")
OPS[_LRN.name] = _LRN


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """Local response normalization across channels."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    return dispatch(_LRN, (input,), (int(size), float(alpha), float(beta), float(k)))


def _normalize_fn(p, dim, eps, x):
    dim = dim if x.ndim else None  # NOTE: a 0-d input normalizes over itself (dim 0 or -1)
    ax = jnp.abs(x)
    if p == math.inf:
        n = jnp.max(ax, axis=dim, keepdims=True)
    elif p == -math.inf:
        n = jnp.min(ax, axis=dim, keepdims=True)
    elif p == 0:
        n = jnp.sum(x != 0, axis=dim, keepdims=True).astype(x.dtype)
    else:
        s = jnp.sum(ax ** p, axis=dim, keepdims=True)
        pos = s > 0
        # NOTE: the double-where keeps the gradient finite (0, like torch) for zero vectors.
        n = jnp.where(pos, jnp.where(pos, s, 1) ** (1.0 / p), 0)
    return (x / jnp.maximum(n, eps)).astype(x.dtype)


_NORMALIZE = Op("normalize", _normalize_fn, grad_name="DivBackward0")
OPS[_NORMALIZE.name] = _NORMALIZE


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    from ..._ops._common import canon_dim, unwrap_out
    d = canon_dim(dim, input.dim())
    return unwrap_out(dispatch(_NORMALIZE, (input,), (float(p), d, float(eps))), out)
