"""torch.nn.functional: embedding, embedding_bag, one_hot."""
import builtins

import jax
import jax.numpy as jnp
import numpy as np

from ... import autograd as _ag
from ..._ops.random import _concrete
from ..._ops.registry import Op, OPS, dispatch

__all__ = ["embedding", "embedding_bag", "one_hot"]

_INDEX_NAMES = {"int64": "Long", "int32": "Int"}


def _check_indices(input, fname):
    d = input.dtype._name
    if d not in _INDEX_NAMES:
        from ..._ops._common import torch_name
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got torch."
                           f"{torch_name(input.dtype)}Tensor instead (while checking arguments "
                           f"for {fname})")


def _check_range(input, n):
    # NOTE: torch checks every index; jtorch does where the values are readable (on CPU).
    a = _concrete(input)
    if a is not None and a.size and builtins.bool(((a < 0) | (a >= n)).any()):
        raise IndexError("index out of range in self")


def _embedding_fn(pad, scale_freq, w, idx):
    rows = jnp.take(w, idx, axis=0)
    if scale_freq:
        cnt = jnp.zeros((w.shape[0],), w.dtype).at[idx.ravel()].add(1)
        f = jnp.take(cnt, idx)[..., None]
        sg = jax.lax.stop_gradient(rows)
        rows = sg + (rows - sg) / f
    if pad >= 0:
        rows = jnp.where((idx == pad)[..., None], jax.lax.stop_gradient(rows), rows)
    return rows


_EMBEDDING = Op("embedding", _embedding_fn, grad_name="EmbeddingBackward0")
OPS[_EMBEDDING.name] = _EMBEDDING


def _renorm_fn(max_norm, norm_type, w, idx):
    used = jnp.zeros((w.shape[0],), bool).at[idx.ravel()].set(True)
    if norm_type == float("inf"):
        norms = jnp.max(jnp.abs(w), axis=1)
    else:
        norms = jnp.sum(jnp.abs(w) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = jnp.where(used & (norms > max_norm), max_norm / (norms + 1e-7), 1.0)
    return (w * scale[:, None].astype(w.dtype)).astype(w.dtype)


_RENORM = Op("embedding_renorm", _renorm_fn, differentiable=False)
OPS[_RENORM.name] = _RENORM


def _renorm_(weight, input, max_norm, norm_type):
    with _ag.no_grad():
        new = dispatch(_RENORM, (weight, input), (float(max_norm), float(norm_type)))
        weight._set_array(new._a)


def _pad_idx(padding_idx, n):
    if padding_idx is None:
        return -1
    if padding_idx > 0 and padding_idx >= n:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = n + padding_idx
    return int(padding_idx)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of `weight` by integer indices (padding_idx rows get no gradient)."""
    if sparse:
        raise NotImplementedError("jtorch: sparse gradients (sparse=True) are not supported")
    pad = _pad_idx(padding_idx, weight.shape[0])
    _check_indices(input, "embedding")
    _check_range(input, weight.shape[0])
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return dispatch(_EMBEDDING, (weight, input), (pad, bool(scale_grad_by_freq)))


def _bag_fn(mode, pad, nbags, include_last, scale_freq, has_psw, w, idx, offsets, *psw):
    n = idx.shape[0]
    pos = jnp.arange(n)
    seg = jnp.searchsorted(offsets, pos, side="right") - 1
    if include_last:
        seg = jnp.where(pos >= offsets[-1], nbags, seg)
    valid = idx != pad if pad >= 0 else jnp.ones((n,), bool)
    rows = jnp.take(w, idx, axis=0)
    if scale_freq:
        cnt = jnp.zeros((w.shape[0],), w.dtype).at[idx].add(1)
        sg = jax.lax.stop_gradient(rows)
        rows = sg + (rows - sg) / jnp.take(cnt, idx)[:, None]
    if has_psw:
        rows = rows * psw[0][:, None].astype(w.dtype)
    cnt = jax.ops.segment_sum(valid.astype(w.dtype), seg, num_segments=nbags)
    if mode == 2:
        r = jax.ops.segment_max(jnp.where(valid[:, None], rows, -jnp.inf), seg,
                                num_segments=nbags)
        return jnp.where(cnt[:, None] > 0, r, 0).astype(w.dtype)
    s = jax.ops.segment_sum(jnp.where(valid[:, None], rows, 0), seg, num_segments=nbags)
    if mode == 1:
        s = s / jnp.maximum(cnt, 1)[:, None]
    return s.astype(w.dtype)


_BAG = Op("embedding_bag", _bag_fn, grad_name="EmbeddingBagBackward0")
OPS[_BAG.name] = _BAG


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums / means / maxes of bags of embeddings, without materialising the lookups."""
    from ..._ops.creation import arange
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        offsets = arange(0, input.numel(), builtins.max(input.shape[1], 1), dtype=input.dtype)
        if input.shape[1] == 0:
            offsets = arange(0, input.shape[0], dtype=input.dtype) * 0
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    modes = {"sum": 0, "mean": 1, "max": 2}
    if mode not in modes:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError("jtorch: sparse gradients (sparse=True) are not supported")
    _check_indices(input, "embedding_bag")
    _check_range(input, weight.shape[0])
    oa = _concrete(offsets)
    if oa is not None and oa.size and int(oa[0]) != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {int(oa[0])}")
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    pad = _pad_idx(padding_idx, weight.shape[0])
    nbags = offsets.shape[0] - (1 if include_last_offset else 0)
    offsets = offsets.to(input.dtype) if offsets.dtype is not input.dtype else offsets
    args = (weight, input, offsets) + ((per_sample_weights,) if per_sample_weights is not None
                                       else ())
    return dispatch(_BAG, args, (modes[mode], pad, int(nbags), bool(include_last_offset),
                                 bool(scale_grad_by_freq), per_sample_weights is not None))


def _one_hot_fn(n, x):
    return (x[..., None] == jnp.arange(n, dtype=x.dtype)).astype(jnp.int64)


_ONE_HOT = Op("one_hot", _one_hot_fn, differentiable=False)
OPS[_ONE_HOT.name] = _ONE_HOT


def one_hot(tensor, num_classes=-1):
    """Integer class indices -> int64 one-hot vectors along a new last dim."""
    if tensor.dtype._name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = _concrete(tensor)
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        b = tensor._arr()
        if isinstance(b, jax.core.Tracer):
            raise RuntimeError("jtorch: one_hot(num_classes=-1) needs concrete values; pass "
                               "num_classes when compiling")
        # NOTE: the output's shape depends on the values: torch reads the max back on a GPU too.
        num_classes = int(np.asarray(b).max() if a is not None else jnp.max(b)) + 1
    if a is not None and a.size:
        if builtins.bool((a < 0).any()):
            raise RuntimeError("Class values must be non-negative.")
        if builtins.bool((a >= num_classes).any()):
            raise RuntimeError("Class values must be smaller than num_classes.")
    return dispatch(_ONE_HOT, (tensor,), (int(num_classes),))
