"""torch.nn.functional: loss part.

Each loss is one registered op: the elementwise loss, the weighting and the reduction are one
pure JAX function (one compiled call forward, one for the VJP). Shape/dtype checks run in
Python first so errors carry torch's classes and messages.
"""
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _device as DEV
from ... import _dtype as D
from ..._ops import _kinks as K
from ..._ops.registry import dispatch, promote, to_float
from ._activation import reg, _LOWP

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
    "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss", "multilabel_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "soft_margin_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "ctc_loss",
]


# ---- reductions and checks -----------------------------------------------------------------

def legacy_reduction(size_average, reduce, emit_warning=True):
    """torch's _Reduction.legacy_get_string: map the deprecated flags to a reduction string."""
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      "reduction='{}' instead.".format(
                          "none" if reduce is False else
                          ("sum" if size_average is False else "mean")), stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _red(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _apply_red(loss, reduction):
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


def broadcast_shape(a, b):
    """Broadcast two shapes; torch's RuntimeError text when they don't broadcast."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(a2, b2)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", stacklevel=3)
    broadcast_shape(input.shape, target.shape)


def _concrete(t):
    """t's values as a NumPy array for a value check, or None when traced (data-dependent
    checks are eager-only)."""
    a = t._arr() if hasattr(t, "_arr") else t
    return None if isinstance(a, jax.core.Tracer) else np.asarray(a)


def _kernel_checked(t):
    """_concrete(t) for a check torch's GPU kernels make on the device: None off the CPU.
    NOTE: there torch raises a device-side assert, never reads values back; doing so here would
    wait for the device every call. Out-of-range values give a NaN loss instead."""
    a = t._arr() if hasattr(t, "_arr") else t
    return np.asarray(a) if DEV.host_readable(a) else None


def _weighted(loss, w, reduction, mean_by_weight):
    if w is not None:
        loss = loss * w
    if reduction == "mean" and w is not None and mean_by_weight:
        return jnp.sum(loss) / jnp.sum(w)
    return _apply_red(loss, reduction)


def _float(*xs):
    (xs, rt) = promote(*xs)
    return xs


# ---- regression losses -----------------------------------------------------------------------

def _l1_fn(reduction, x, t, w):
    x, t = _float(x, t)
    return _weighted(K.abs_(x - t), w, reduction, True)


def _mse_fn(reduction, x, t, w):
    x, t = _float(x, t)
    return _weighted((x - t) ** 2, w, reduction, True)


def _smooth_l1_fn(reduction, beta, x, t):
    x, t = _float(x, t)
    d = x - t
    if beta == 0:
        return _apply_red(K.abs_(d), reduction)
    ad = K.abs_(d)
    return _apply_red(jnp.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta), reduction)


def _huber_fn(reduction, delta, x, t, w):
    x, t = _float(x, t)
    d = x - t
    ad = K.abs_(d)
    loss = jnp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    return _weighted(loss, w, reduction, False)


_L1 = reg("l1_loss", _l1_fn, "MeanBackward0")
_MSE = reg("mse_loss", _mse_fn, "MseLossBackward0")
_SMOOTH = reg("smooth_l1_loss", _smooth_l1_fn, "SmoothL1LossBackward0")
_HUBER = reg("huber_loss", _huber_fn, "HuberLossBackward0")


def _check_weight(weight, input):
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error (optionally weighted)."""
    _warn_size(input, target)
    reduction = _red(reduction, size_average, reduce)
    _check_weight(weight, input)
    return dispatch(_L1, (input, target, weight), (reduction,))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (optionally weighted)."""
    _warn_size(input, target)
    reduction = _red(reduction, size_average, reduce)
    _check_weight(weight, input)
    return dispatch(_MSE, (input, target, weight), (reduction,))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Squared error below beta, absolute error above (Smooth L1)."""
    _warn_size(input, target)
    reduction = _red(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return dispatch(_SMOOTH, (input, target), (reduction, float(beta)))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Squared error below delta, delta-scaled absolute error above (Huber)."""
    _warn_size(input, target)
    reduction = _red(reduction)
    _check_weight(weight, input)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return dispatch(_HUBER, (input, target, weight), (reduction, float(delta)))


# ---- classification losses -------------------------------------------------------------------

def _nll_core(reduction, ignore_index, logp, t, w):
    """NLL of log-probabilities `logp` (class dim last) at integer targets t."""
    valid = t != ignore_index
    ts = jnp.where(valid, t, 0).astype(jnp.int32)
    picked = jnp.take_along_axis(logp, ts[..., None], axis=-1)[..., 0]
    bad = valid & ((t < 0) | (t >= logp.shape[-1]))  # NOTE: unchecked targets (GPU): NaN
    picked = jnp.where(bad, jnp.asarray(jnp.nan, picked.dtype), picked)
    if w is None:
        wt = valid.astype(logp.dtype)
    else:
        wt = jnp.where(valid, w.astype(logp.dtype)[ts], jnp.zeros((), logp.dtype))
    loss = -picked * wt
    if reduction == "mean":
        return jnp.sum(loss) / jnp.sum(wt)
    return _apply_red(loss, reduction)


def _class_last(x):
    return jnp.moveaxis(x, 1, -1) if x.ndim >= 2 else x


def _nll_fn(reduction, ignore_index, x, t, w):
    return _nll_core(reduction, ignore_index, _class_last(x), t, w)


def _ce_index_fn(reduction, ignore_index, smoothing, x, t, w):
    xc = x.astype(jnp.float32) if x.dtype in _LOWP else x
    logp = jax.nn.log_softmax(_class_last(xc), axis=-1)
    nll = _nll_core(reduction, ignore_index, logp, t, w)
    if smoothing > 0:
        C = logp.shape[-1]
        valid = t != ignore_index
        smooth = -jnp.sum(logp * (w.astype(logp.dtype) if w is not None else 1), axis=-1)
        smooth = jnp.where(valid, smooth, jnp.zeros((), smooth.dtype))
        if reduction == "mean":
            if w is not None:
                ts = jnp.where(valid, t, 0).astype(jnp.int32)
                den = jnp.sum(jnp.where(valid, w.astype(logp.dtype)[ts], 0))
            else:
                den = jnp.sum(valid)
            smooth = jnp.sum(smooth) / den
        else:
            smooth = _apply_red(smooth, reduction)
        nll = (1 - smoothing) * nll + smooth * (smoothing / C)
    return nll.astype(x.dtype)


def _ce_prob_fn(reduction, smoothing, x, t, w):
    xc = x.astype(jnp.float32) if x.dtype in _LOWP else x
    cdim = 1 if x.ndim >= 2 else 0
    C = x.shape[cdim]
    t = t.astype(xc.dtype)
    if smoothing > 0:
        t = t * (1 - smoothing) + smoothing / C
    logp = jax.nn.log_softmax(xc, axis=cdim)
    if w is not None:
        shape = [1] * x.ndim
        shape[cdim] = C
        logp = logp * w.astype(xc.dtype).reshape(shape)
    prod = logp * t
    if reduction == "mean":
        out = -jnp.sum(prod) / (x.size / C) if x.size else jnp.asarray(jnp.nan, xc.dtype)
    elif reduction == "sum":
        out = -jnp.sum(prod)
    else:
        out = -jnp.sum(prod, axis=cdim)
    return out.astype(x.dtype)


_NLL = reg("nll_loss", _nll_fn, "NllLossBackward0")
_CE_INDEX = reg("cross_entropy", _ce_index_fn, "NllLossBackward0")
_CE_INDEX_LS = reg("cross_entropy_ls", _ce_index_fn, "AddBackward0")
_CE_PROB = reg("cross_entropy_prob", _ce_prob_fn, "DivBackward1")
_CE_PROB_SUM = reg("cross_entropy_prob_sum", _ce_prob_fn, "NegBackward0")


def _check_nll(input, target, weight, ignore_index):
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and target.dim() >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_torch_name(target.dtype)}")
    C = input.shape[1] if nd >= 2 else input.shape[0]
    if nd >= 3:
        want = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != want:
            raise RuntimeError(f"Expected target size {want}, got {list(target.shape)}")
    elif nd == 2 and target.dim() != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif nd == 1 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if weight is not None and weight.numel() != C:
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    v = _kernel_checked(target)
    if v is not None and v.size:
        bad = (v != ignore_index) & ((v < 0) | (v >= C))
        if bad.any():
            raise IndexError(f"Target {int(v[bad].flat[0])} is out of bounds.")


def _torch_name(d):
    from ..._ops._common import torch_name
    return torch_name(d)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of log-probabilities at class-index targets."""
    reduction = _red(reduction, size_average, reduce)
    _check_nll(input, target, weight, ignore_index)
    return dispatch(_NLL, (input, target, weight), (reduction, int(ignore_index)))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax + nll_loss; targets are class indices or class probabilities."""
    reduction = _red(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    if tuple(input.shape) == tuple(target.shape) and target.dtype.is_floating_point:
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        C = input.shape[1] if input.dim() >= 2 else input.shape[0]
        if weight is not None and weight.numel() != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes "
                               f"or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        o = _CE_PROB if reduction == "mean" else _CE_PROB_SUM
        return dispatch(o, (input, target, weight), (reduction, float(label_smoothing)))
    if input.dim() >= 1 and target.dtype.is_floating_point:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported"
                           if input.dim() == 2 else
                           f"expected target dtype to be Long or Byte, but got "
                           f"{_torch_name(target.dtype)}")
    _check_nll(input, target, weight, ignore_index)
    o = _CE_INDEX_LS if label_smoothing > 0 else _CE_INDEX
    return dispatch(o, (input, target, weight),
                    (reduction, int(ignore_index), float(label_smoothing)))


def _bce_elem(x, t):
    return -(t * jnp.maximum(jnp.log(x), -100.0) + (1 - t) * jnp.maximum(jnp.log1p(-x), -100.0))


# NOTE: torch's derivatives: d/dx = (x - t) / max(x (1 - x), 1e-12); d/dt = -logit(x).
_bce = K._rule(_bce_elem, lambda out, x, t: (
    (x - t) / jnp.maximum((1 - x) * x, 1e-12), -(jnp.log(x) - jnp.log1p(-x))))


def _bce_fn(reduction, x, t, w):
    x, t = _float(x, t)
    loss = _bce(x, t)
    if w is not None:
        loss = loss * w
    return _apply_red(loss, reduction)


def _bce_logits_fn(reduction, x, t, w, pw):
    x, t = _float(x, t)
    sp = jax.nn.softplus(-x)
    if pw is not None:
        loss = (1 - t) * x + ((pw - 1) * t + 1) * sp
    else:
        loss = (1 - t) * x + sp
    if w is not None:
        loss = loss * w
    return _apply_red(loss, reduction)


_BCE = reg("binary_cross_entropy", _bce_fn, "BinaryCrossEntropyBackward0")
_BCE_LOGITS = reg("binary_cross_entropy_with_logits", _bce_logits_fn,
                  "BinaryCrossEntropyWithLogitsBackward0")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy of probabilities (log clamped at -100, as torch)."""
    reduction = _red(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input "
                         f"size ({input.size()}) is deprecated. Please ensure they have the same "
                         f"size.")
    if weight is not None:
        broadcast_shape(input.shape, weight.shape)
    a = _kernel_checked(input)
    if a is not None and a.size and bool(np.any((a < 0) | (a > 1))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    return dispatch(_BCE, (input, target, weight), (reduction,))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy, computed stably (pos_weight scales positives)."""
    reduction = _red(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    return dispatch(_BCE_LOGITS, (input, target, weight, pos_weight), (reduction,))


def _kl_fn(reduction, log_target, x, t):
    x, t = _float(x, t)
    loss = jnp.exp(t) * (t - x) if log_target else K.xlogy(t, t) - t * x
    if reduction == "batchmean":
        s = jnp.sum(loss)
        return s / x.shape[0] if x.ndim else s
    return _apply_red(loss, reduction)


_KL = reg("kl_div", _kl_fn, "MeanBackward0")
_KL_BATCH = reg("kl_div_batchmean", _kl_fn, "DivBackward0")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence; input is log-probabilities ('batchmean' is the true KL)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    broadcast_shape(input.shape, target.shape)
    o = _KL_BATCH if reduction == "batchmean" else _KL
    return dispatch(o, (input, target), (reduction, bool(log_target)))


def _poisson_fn(reduction, log_input, full, eps, x, t):
    x, t = _float(x, t)
    # NOTE: integer operands: torch's exp/log (+ eps) give the default float dtype, the
    # product t * x stays integral until it meets them.
    xf = to_float(x)
    loss = jnp.exp(xf) - to_float(t * x) if log_input else xf - t * jnp.log(xf + eps)
    t = to_float(t)
    if full:
        ts = jnp.where(t > 1, t, jnp.ones((), t.dtype))
        st = ts * jnp.log(ts) - ts + 0.5 * jnp.log(2 * math.pi * ts)
        loss = loss + jnp.where(t > 1, st, jnp.zeros((), t.dtype))
    return _apply_red(loss, reduction)


_POISSON = reg("poisson_nll_loss", _poisson_fn, "MeanBackward0")


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log likelihood of a Poisson target."""
    reduction = _red(reduction, size_average, reduce)
    broadcast_shape(input.shape, target.shape)
    return dispatch(_POISSON, (input, target),
                    (reduction, bool(log_input), bool(full), float(eps)))


def _gauss_fn(reduction, full, eps, x, t, v):
    x, t, v = _float(x, t, v)
    # NOTE: torch clamps var in place under no_grad: the forward sees the clamp, the gradient
    # flows as if it were the identity.
    v = v + lax.stop_gradient(jnp.maximum(v, eps) - v)
    loss = 0.5 * (jnp.log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_red(loss, reduction)


_GAUSS = reg("gaussian_nll_loss", _gauss_fn, "MeanBackward0")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log likelihood of a Gaussian with predicted mean and variance."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        from ..._ops.creation import full_like
        var = full_like(input, var)
    else:
        a = _concrete(var)
        if a is not None and bool(np.any(a < 0)):
            raise ValueError("var has negative entry/entries")
    vs, xs = tuple(var.shape), tuple(input.shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = var.unsqueeze(-1)
        elif not (len(xs) == len(vs) and sum(y for x, y in zip(xs, vs) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return dispatch(_GAUSS, (input, target, var), (reduction, bool(full), float(eps)))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist temporal classification loss."""
    from ._ctc import ctc_loss as _impl
    return _impl(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                 zero_infinity)


from ._loss_margin import *  # noqa: E402,F401,F403
