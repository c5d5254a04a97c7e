"""torch.nn.functional: dropout family (masks drawn from jtorch's generator, JAX PRNG)."""
import warnings

import jax
import jax.numpy as jnp

from ... import _random as R
from ..._ops._common import inplace_from
from ..._ops.registry import Op, OPS, dispatch
from ..._tensor import wrap

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # NOTE: SELU's alpha*scale, as in ATen's alpha dropout


def _dropout_fn(p, feature, alpha, key, x):
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = jax.random.bernoulli(key, 1.0 - p, shape)
    if p >= 1.0:
        keep = jnp.zeros(shape, bool)
    noise = keep.astype(x.dtype)
    if alpha:
        a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5 if p < 1 else 0.0
        b = (noise - 1) * (_ALPHA * a) + _ALPHA * a * p
        return (x * (noise * a) + b).astype(x.dtype)
    if p >= 1.0:
        return x * noise
    return x * (noise / (1.0 - p)).astype(x.dtype)


_DROPOUT = Op("dropout", _dropout_fn, grad_name="MulBackward0")
_ALPHA_DROPOUT = Op("alpha_dropout", _dropout_fn, grad_name="AddBackward0")
OPS[_DROPOUT.name] = _DROPOUT
OPS[_ALPHA_DROPOUT.name] = _ALPHA_DROPOUT


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply(input, p, training, inplace, feature, alpha):
    if p == 0 or not training or input.numel() == 0:
        return input
    if alpha and p == 1:  # NOTE: torch's alpha dropout with p=1 returns input * 0 (Mul)
        r = input * 0
    else:
        key = wrap(R.next_key())
        r = dispatch(_ALPHA_DROPOUT if alpha else _DROPOUT, (key, input),
                     (float(p), feature, alpha))
    if inplace:
        return inplace_from(input, r)
    return r


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p; scale the rest by 1/(1-p)."""
    _check_p(p)
    return _apply(input, p, training, inplace, False, False)


def _batched(input, batched_dim, fn):
    if input.dim() == batched_dim:
        return fn(input)
    out = fn(input.unsqueeze(0))
    return out.squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) / (C, L) input with probability p."""
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {d}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on inputs "
                           "with 1 spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs).")
    if d == 3 or not (training and p != 0):
        return _apply(input, p, training, inplace, True, False)
    r = _apply(input.unsqueeze(0), p, training, False, True, False).squeeze(0)
    return inplace_from(input, r) if inplace else r


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input with probability p."""
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _apply(input, p, training, inplace, True, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) / (C, D, H, W) input with probability p."""
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                      "or 5D inputs).", stacklevel=2)
    if d == 5 or not (training and p != 0):
        return _apply(input, p, training, inplace, True, False)
    r = _apply(input.unsqueeze(0), p, training, False, True, False).squeeze(0)
    return inplace_from(input, r) if inplace else r


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalizing mean and variance."""
    _check_p(p)
    return _apply(input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    _check_p(p)
    return _apply(input, p, training, inplace, True, True)
