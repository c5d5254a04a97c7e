"""torch.nn.functional: margin, embedding and triplet losses (private; re-exported by _loss)."""
import jax
import jax.numpy as jnp
import numpy as np

from ..._ops.registry import dispatch, promote, to_float
from ._activation import reg
from ._loss import _apply_red, _kernel_checked, _red, broadcast_shape

__all__ = [
    "hinge_embedding_loss", "margin_ranking_loss", "multilabel_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "soft_margin_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
]


def _float(*xs):
    (xs, rt) = promote(*xs)
    return xs


# ---- margin losses ---------------------------------------------------------------------------

def _clamp0(z):
    """max(z, 0) with torch's clamp_min derivative (1 at z == 0)."""
    return jnp.where(z >= 0, z, jnp.zeros((), z.dtype))


def _hinge_fn(reduction, margin, x, t):
    x, t = _float(x, t)
    z = jnp.zeros((), x.dtype)
    loss = jnp.where(t != 1, _clamp0(margin - x), z) + jnp.where(t != -1, x, z)
    return _apply_red(loss, reduction)


def _ranking_fn(reduction, margin, x1, x2, t):
    x1, x2, t = _float(x1, x2, t)
    # NOTE: torch adds the (double) margin to the integer product: int -> default float dtype.
    return _apply_red(_clamp0(to_float(-t * (x1 - x2)) + margin), reduction)


def _soft_margin_fn(reduction, x, t):
    x, t = _float(x, t)
    return _apply_red(jax.nn.softplus(-t * x), reduction)


def _multilabel_soft_fn(reduction, x, t, w):
    x, t = _float(x, t)
    loss = -(t * jax.nn.log_sigmoid(x) + (1 - t) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = jnp.sum(loss, axis=x.ndim - 1) / x.shape[-1]
    return _apply_red(loss, reduction)


def _multilabel_margin_fn(reduction, x, t):
    squeeze = x.ndim <= 1
    x2 = x.reshape(1, -1) if squeeze else x
    t2 = t.reshape(1, -1) if squeeze else t
    C = x2.shape[1]
    valid = jnp.cumprod(t2 >= 0, axis=1).astype(bool)  # NOTE: targets end at the first -1
    ts = jnp.where(valid, t2, 0)
    is_t = jnp.any(valid[:, :, None] & (ts[:, :, None] == jnp.arange(C)[None, None, :]), axis=1)
    xt = jnp.take_along_axis(x2, ts, axis=1)
    z = 1 - xt[:, :, None] + x2[:, None, :]
    pair = valid[:, :, None] & ~is_t[:, None, :]
    loss = jnp.sum(jnp.where(pair & (z > 0), z, jnp.zeros((), z.dtype)), axis=(1, 2)) / C
    if squeeze and reduction == "none":
        loss = loss.reshape(())
    return _apply_red(loss, reduction)


def _multi_margin_fn(reduction, p, margin, x, t, w):
    squeeze = x.ndim <= 1
    x2 = x.reshape(1, -1) if squeeze else x
    t2 = t.reshape(-1).astype(jnp.int32)
    C = x2.shape[1]
    xt = jnp.take_along_axis(x2, t2[:, None], axis=1)
    z = margin - xt + x2
    h = jnp.where(z > 0, z, jnp.zeros((), z.dtype))
    if p == 2:
        h = h * h
    if w is not None:
        h = h * w.astype(h.dtype)[t2][:, None]
    h = jnp.where(jnp.arange(C)[None, :] == t2[:, None], jnp.zeros((), h.dtype), h)
    loss = jnp.sum(h, axis=1) / C
    if squeeze and reduction == "none":
        loss = loss.reshape(())
    return _apply_red(loss, reduction)


def _cos_emb_fn(reduction, margin, x1, x2, t):
    x1, x2 = (to_float(x) for x in _float(x1, x2))  # NOTE: bool/int inputs -> default float
    d = x1.ndim - 1
    prod = jnp.sum(x1 * x2, axis=d)
    m1 = jnp.sum(x1 * x1, axis=d) + 1e-12
    m2 = jnp.sum(x2 * x2, axis=d) + 1e-12
    cos = prod / jnp.sqrt(m1 * m2)
    z = jnp.zeros((), cos.dtype)
    loss = jnp.where(t == 1, 1 - cos, z) + jnp.where(t == -1, _clamp0(cos - margin), z)
    return _apply_red(loss, reduction)


_HINGE = reg("hinge_embedding_loss", _hinge_fn, "MeanBackward0")
_RANKING = reg("margin_ranking_loss", _ranking_fn, "MeanBackward0")
_SOFT_MARGIN = reg("soft_margin_loss", _soft_margin_fn, "SoftMarginLossBackward0")
_ML_SOFT = reg("multilabel_soft_margin_loss", _multilabel_soft_fn, "MeanBackward0")
_ML_MARGIN = reg("multilabel_margin_loss", _multilabel_margin_fn,
                 "MultilabelMarginLossBackward0")
_MULTI_MARGIN = reg("multi_margin_loss", _multi_margin_fn, "MultiMarginLossBackward0")
_COS_EMB = reg("cosine_embedding_loss", _cos_emb_fn, "MeanBackward0")


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x for target 1, max(0, margin - x) for target -1."""
    reduction = _red(reduction, size_average, reduce)
    broadcast_shape(input.shape, target.shape)
    return dispatch(_HINGE, (input, target), (reduction, float(margin)))


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _red(reduction, size_average, reduce)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    broadcast_shape(broadcast_shape(input1.shape, input2.shape), target.shape)
    return dispatch(_RANKING, (input1, input2, target), (reduction, float(margin)))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input))."""
    reduction = _red(reduction, size_average, reduce)
    broadcast_shape(input.shape, target.shape)
    return dispatch(_SOFT_MARGIN, (input, target), (reduction,))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class binary logistic loss averaged over classes."""
    reduction = _red(reduction, size_average, reduce)
    broadcast_shape(input.shape, target.shape)
    return dispatch(_ML_SOFT, (input, target, weight), (reduction,))


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-class multi-label hinge loss (targets end at the first -1)."""
    reduction = _red(reduction, size_average, reduce)
    nd = input.dim()
    ok = (nd <= 1 and target.dim() <= 1 and target.numel() == input.numel()) or \
         (nd == 2 and target.dim() == 2 and tuple(target.shape) == tuple(input.shape))
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    a = _kernel_checked(target)
    if a is not None and a.size and bool(np.any((a < -1) | (a >= max(input.shape[-1] if nd
                                                                        else 1, 1)))):
        raise RuntimeError("multilabel_margin_loss: target index out of range")
    return dispatch(_ML_MARGIN, (input, target), (reduction,))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum_j max(0, margin - x[y] + x[j])^p / C."""
    reduction = _red(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    n = input.shape[0] if input.dim() == 2 else 1
    if target.dim() > 1 or target.numel() != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{n}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    return dispatch(_MULTI_MARGIN, (input, target, weight), (reduction, int(p), float(margin)))


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    reduction = _red(reduction, size_average, reduce)
    broadcast_shape(input1.shape, input2.shape)
    broadcast_shape(tuple(input1.shape)[:-1], target.shape)
    return dispatch(_COS_EMB, (input1, input2, target), (reduction, float(margin)))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the p-norm pairwise distance."""
    from ._attention import _TRIPLET
    reduction = _red(reduction, size_average, reduce)
    a, po, ne = anchor.dim(), positive.dim(), negative.dim()
    if not a == po == ne:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {po}D, "
                           f"and negative {ne}D inputs")
    broadcast_shape(broadcast_shape(anchor.shape, positive.shape), negative.shape)
    return dispatch(_TRIPLET, (anchor, positive, negative),
                    (reduction, float(margin), float(p), float(eps), bool(swap)))


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet loss with a user distance function (default: pairwise_distance)."""
    from ._attention import pairwise_distance
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                         f"got {margin} instead")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    a, po, ne = anchor.dim(), positive.dim(), negative.dim()
    if not a == po == ne:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {po}D, "
                           f"and negative {ne}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    dp = dist(anchor, positive)
    dn = dist(anchor, negative)
    if swap:
        from ..._ops.pointwise import minimum
        dn = minimum(dn, dist(positive, negative))
    loss = (margin + dp - dn).clamp_min(0)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
