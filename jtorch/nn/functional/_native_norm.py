"""torch.native_batch_norm / native_layer_norm / native_group_norm: the normalizations that also
return their statistics (mean and inverse standard deviation); re-exported at top level."""
import builtins

import jax.numpy as jnp
from jax import lax

from ..._ops.registry import Op, OPS, dispatch
from ._norm import _check_norm_shape, _norm_shape, _opmath, _write, ln_with_stats

__all__ = ["native_batch_norm", "native_layer_norm", "native_group_norm"]

_HALF = (jnp.float16, jnp.bfloat16)


def _stat_dtype(x, params):
    """torch's CPU dtype of saved statistics: float32 for a half input with float32 parameters
    ("mixed type"), else the input's dtype."""
    if x.dtype in _HALF and builtins.any(p is not None and p.dtype == jnp.float32
                                         for p in params):
        return jnp.float32
    return x.dtype


def _native_bn_fn(training, has_rs, momentum, eps, has_w, has_b, x, *rest):
    rest = list(rest)
    w = rest.pop(0) if has_w else None
    b = rest.pop(0) if has_b else None
    # NOTE: without running statistics, empty placeholders fill their (unused) outputs.
    rm, rv = (rest[0], rest[1]) if has_rs else (jnp.zeros((0,), x.dtype),) * 2
    sd = _stat_dtype(x, (w, b) + ((rm, rv) if has_rs else ()))
    ct = _opmath(x)
    xc = x.astype(ct)
    axes = (0,) + tuple(range(2, x.ndim))
    cshape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        mean = jnp.mean(xc, axis=axes)
        var = jnp.mean(jnp.square(xc - mean.reshape(cshape)), axis=axes)
    else:
        mean, var = rm.astype(ct), rv.astype(ct)
    invstd = lax.rsqrt(var + eps)
    y = (xc - mean.reshape(cshape)) * invstd.reshape(cshape)
    if has_w:
        y = y * w.astype(ct).reshape(cshape)
    if has_b:
        y = y + b.astype(ct).reshape(cshape)
    y = y.astype(x.dtype)
    if not training:
        # NOTE: in evaluation mode torch saves nothing: both statistics are empty.
        empty = jnp.zeros((0,), sd)
        return y, empty, empty, rm, rv
    if has_rs:
        cnt = x.size // x.shape[1]
        unbiased = lax.stop_gradient(var) * (cnt / builtins.max(cnt - 1, 1))
        rm = ((1 - momentum) * rm.astype(ct) + momentum * lax.stop_gradient(mean)) \
            .astype(rm.dtype)
        rv = ((1 - momentum) * rv.astype(ct) + momentum * unbiased).astype(rv.dtype)
    return y, mean.astype(sd), invstd.astype(sd), rm, rv


_NATIVE_BN = Op("native_batch_norm_stats", _native_bn_fn, nout=5,
                nondiff_outputs=(1, 2, 3, 4), grad_name="NativeBatchNormBackward0")
OPS[_NATIVE_BN.name] = _NATIVE_BN


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """Batch normalization returning (output, save_mean, save_invstd); in training mode the
    running statistics (if given) are updated in place."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    has_rs = running_mean is not None and running_var is not None
    if (running_mean is None) != (running_var is None):
        raise RuntimeError("running_mean and running_var must either both be None or neither "
                           "be None")
    if not training and not has_rs:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    args = [input] + [t for t in (weight, bias) if t is not None]
    if has_rs:
        args += [running_mean, running_var]
    statics = (bool(training), has_rs, float(momentum), float(eps), weight is not None,
               bias is not None)
    y, mean, invstd, rm, rv = dispatch(_NATIVE_BN, tuple(args), statics)
    if training and has_rs:
        _write(running_mean, rm)
        _write(running_var, rv)
    return y, mean, invstd


def _native_ln_fn(nd, eps, has_w, has_b, x, *rest):
    sd = _stat_dtype(x, rest)
    y, mean, rstd = ln_with_stats(nd, eps, has_w, has_b, x, *rest)
    return y, mean.astype(sd), rstd.astype(sd)


_NATIVE_LN = Op("native_layer_norm_stats", _native_ln_fn, nout=3, nondiff_outputs=(1, 2),
                grad_name="NativeLayerNormBackward0")
OPS[_NATIVE_LN.name] = _NATIVE_LN


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """Layer normalization returning (output, mean, rstd); the statistics keep the normalized
    dimensions as size 1."""
    ns = _norm_shape(normalized_shape)
    if len(ns) == 0:
        raise RuntimeError(f"Expected normalized_shape to be at least 1-dimensional, i.e., "
                           f"containing at least one element, but got normalized_shape = "
                           f"{list(ns)}")
    _check_norm_shape(input, ns, False)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    args = [input] + [t for t in (weight, bias) if t is not None]
    return dispatch(_NATIVE_LN, tuple(args), (len(ns), float(eps), weight is not None,
                                              bias is not None))


def _native_gn_fn(n, c, hxw, g, eps, has_w, has_b, x, *rest):
    sd = _stat_dtype(x, rest)
    rest = list(rest)
    ct = _opmath(x)
    # NOTE: torch views the data as (N, C, HxW) from the given sizes, whatever input's shape.
    xc = x.astype(ct).reshape(n, g, (c // g) * hxw)
    mean = jnp.mean(xc, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=-1, keepdims=True)
    rstd = lax.rsqrt(var + eps)
    y = ((xc - mean) * rstd).reshape(n, c, hxw)
    if has_w:
        y = y * rest.pop(0).astype(ct).reshape(1, c, 1)
    if has_b:
        y = y + rest.pop(0).astype(ct).reshape(1, c, 1)
    return (y.reshape(x.shape).astype(x.dtype), mean.reshape(n, g).astype(sd),
            rstd.reshape(n, g).astype(sd))


_NATIVE_GN = Op("native_group_norm_stats", _native_gn_fn, nout=3,
                grad_name="NativeGroupNormBackward0")
OPS[_NATIVE_GN.name] = _NATIVE_GN


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """Group normalization of input viewed as (N, C, HxW), returning (output, mean, rstd) with
    statistics of shape (N, group)."""
    N, C, HxW, group = int(N), int(C), int(HxW), int(group)
    if input.numel() != N * C * HxW:
        raise RuntimeError("Expected X.numel() == N * C * HxW to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    if group <= 0 or C % group:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={group}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {list(input.shape)}")
    args = [input] + [t for t in (weight, bias) if t is not None]
    return dispatch(_NATIVE_GN, tuple(args), (N, C, HxW, group, float(eps), weight is not None,
                                              bias is not None))

