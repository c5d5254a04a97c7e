"""torch.nn.functional: attention and distance part (sdpa, multi-head attention, cdist, ...)."""
import math
import warnings

import jax
import jax.numpy as jnp
from jax import lax

from ... import _dtype as D
from ..._ops import _kinks as K
from ..._ops.registry import autocast_args, dispatch, promote, to_float
from ._activation import reg

# NOTE: cdist is torch.cdist (not in torch.nn.functional); it lives here with the other
# distances and is re-exported by the top-level namespace.
__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "cosine_similarity",
           "pairwise_distance", "pdist"]


# ---- distances -------------------------------------------------------------------------------

def pnorm(v, p, axis, keepdims=False):
    """The p-norm of v over axis with torch's derivative (0 where the norm is 0)."""
    if p == 0:
        return jnp.sum((v != 0).astype(v.dtype), axis=axis, keepdims=keepdims)
    if p == math.inf:
        return jnp.max(jnp.abs(v), axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return jnp.min(jnp.abs(v), axis=axis, keepdims=keepdims)
    if p == 1:
        return jnp.sum(K.abs_(v), axis=axis, keepdims=keepdims)
    if p == 2:
        s = jnp.sum(v * v, axis=axis, keepdims=keepdims)
        nz = s > 0
        return jnp.where(nz, jnp.sqrt(jnp.where(nz, s, 1)), jnp.zeros((), s.dtype))
    a = jnp.abs(v)
    nza = a > 0
    s = jnp.sum(jnp.where(nza, jnp.where(nza, a, 1) ** p, 0), axis=axis, keepdims=keepdims)
    nz = s > 0
    return jnp.where(nz, jnp.where(nz, s, 1) ** (1.0 / p), jnp.zeros((), s.dtype))


def _pairwise_fn(p, eps, keepdim, x1, x2):
    (x1, x2), _ = promote(x1, x2)
    nd = max(x1.ndim, x2.ndim)
    # NOTE: integer differences + the (double) eps -> torch's default float dtype.
    return pnorm(to_float(x1 - x2) + eps, p, nd - 1, keepdim)


def _cos_sim_fn(dim, eps, x1, x2):
    (x1, x2), _ = promote(x1, x2)
    if x1.dtype.kind in "biu":
        x1 = x1.astype(D.get_default_dtype()._np)
        x2 = x2.astype(x1.dtype)
    shape = jnp.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = jnp.broadcast_to(x1, shape), jnp.broadcast_to(x2, shape)
    d = dim % max(len(shape), 1) if shape else None
    n1 = pnorm(x1, 2, d, True)
    n2 = pnorm(x2, 2, d, True)
    # NOTE: torch clamps the norms in place under no_grad: forward clamped, gradient unclamped.
    n1 = n1 + lax.stop_gradient(jnp.maximum(n1, eps) - n1)
    n2 = n2 + lax.stop_gradient(jnp.maximum(n2, eps) - n2)
    return jnp.sum((x1 / n1) * (x2 / n2), axis=d)


def _pdist_fn(p, x):
    n = x.shape[0]
    i, j = jnp.triu_indices(n, 1)
    return pnorm(x[i] - x[j], p, -1)


def _cdist_fn(p, x1, x2):
    (x1, x2), _ = promote(x1, x2)
    return pnorm(x1[..., :, None, :] - x2[..., None, :, :], p, -1)


def _triplet_fn(reduction, margin, p, eps, swap, a, po, ne):
    (a, po, ne), _ = promote(a, po, ne)
    nd = max(a.ndim, po.ndim, ne.ndim) - 1
    dp = pnorm(to_float(a - po) + eps, p, nd)
    dn = pnorm(to_float(a - ne) + eps, p, nd)
    if swap:
        dn = jnp.minimum(dn, pnorm(to_float(po - ne) + eps, p, nd))
    z = margin + dp - dn
    loss = jnp.where(z >= 0, z, jnp.zeros((), z.dtype))
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


_PAIRWISE = reg("pairwise_distance", _pairwise_fn, "NormBackward1")
_COS_SIM = reg("cosine_similarity", _cos_sim_fn, "SumBackward1")
_PDIST = reg("pdist", _pdist_fn, "PdistBackward0")
_CDIST = reg("cdist", _cdist_fn, "CdistBackward0")
_TRIPLET = reg("triplet_margin_loss", _triplet_fn, "MeanBackward0")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm of x1 - x2 + eps over the last dimension."""
    from ._loss import broadcast_shape
    broadcast_shape(x1.shape, x2.shape)
    return dispatch(_PAIRWISE, (x1, x2), (float(p), float(eps), bool(keepdim)))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity of x1 and x2 along dim (norms clamped at eps)."""
    from ._loss import broadcast_shape
    from ..._ops._common import canon_dim
    shape = broadcast_shape(x1.shape, x2.shape)
    canon_dim(dim, len(shape))
    return dispatch(_COS_SIM, (x1, x2), (int(dim), float(eps)))


def pdist(input, p=2):
    """Condensed pairwise p-norm distances between the rows of a 2-D input."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return dispatch(_PDIST, (input,), (float(p),))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Batched p-norm distances between each row of x1 and each row of x2."""
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D"
                           if x1.dim() < 2 else
                           f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return dispatch(_CDIST, (x1, x2), (float(p),))


# ---- scaled dot-product attention ------------------------------------------------------------

def masked_softmax(s, zero_empty):
    """softmax over the last axis; rows with every entry -inf give 0 when zero_empty (torch's
    fused CPU kernel) and NaN otherwise (torch's composite path)."""
    if not zero_empty:
        return jax.nn.softmax(s, axis=-1)
    m = jnp.max(s, axis=-1, keepdims=True)
    m = lax.stop_gradient(jnp.where(jnp.isfinite(m), m, 0))
    e = jnp.exp(s - m)
    den = jnp.sum(e, axis=-1, keepdims=True)
    return jnp.where(den > 0, e / jnp.where(den > 0, den, 1), jnp.zeros((), e.dtype))


def _bias(mask, dtype):
    if mask is None:
        return None
    if mask.dtype == jnp.bool_:
        return jnp.where(mask, jnp.zeros((), dtype), jnp.asarray(-jnp.inf, dtype))
    return mask.astype(dtype)


def _sdpa_fn(is_causal, scale, p, gqa, q, k, v, mask, u):
    L, S, E = q.shape[-2], k.shape[-2], q.shape[-1]
    sc = 1 / math.sqrt(E) if scale is None else scale
    if gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        r = q.shape[-3] // k.shape[-3]
        k = jnp.repeat(k, r, axis=-3)
        v = jnp.repeat(v, r, axis=-3)
    s = jnp.matmul(q, jnp.swapaxes(k, -1, -2)) * jnp.asarray(sc, q.dtype)
    if is_causal:
        causal = jnp.tril(jnp.ones((L, S), bool))
        s = s + _bias(causal, s.dtype)
    b = _bias(mask, s.dtype)
    if b is not None:
        s = s + b
    w = masked_softmax(s, True)
    if p > 0:
        w = jnp.where(u >= p, w / (1 - p), jnp.zeros((), w.dtype))
    return jnp.matmul(w, v)


_SDPA = reg("scaled_dot_product_attention", _sdpa_fn,
            "ScaledDotProductFlashAttentionForCpuBackward0")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v, with optional causal mask, dropout and GQA."""
    # NOTE: torch applies both an explicit attn_mask and is_causal when given together.
    query, key, value = autocast_args(_SDPA, (query, key, value))
    if query.dtype is not key.dtype or query.dtype is not value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {query.dtype} key.dtype: {key.dtype} and value.dtype: "
                           f"{value.dtype} instead.")
    if query.shape[-1] != key.shape[-1]:
        b = math.prod(query.shape[:-2])
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {query.shape[-1]}] but got: [{b}, {key.shape[-1]}].")
    if not enable_gqa and query.dim() >= 3 and key.dim() >= 3 and \
            query.shape[-3] != key.shape[-3] and 1 not in (query.shape[-3], key.shape[-3]):
        raise RuntimeError(f"The size of tensor a ({query.shape[-3]}) must match the size of "
                           f"tensor b ({key.shape[-3]}) at non-singleton dimension 1")
    if enable_gqa and query.shape[-3] % key.shape[-3]:
        raise RuntimeError("Number of heads in key and value must divide the number of heads "
                           "in query")
    u = None
    if dropout_p > 0:
        from ..._ops.random import rand
        u = rand(*query.shape[:-1], key.shape[-2], dtype=query.dtype)
    return dispatch(_SDPA, (query, key, value, attn_mask, u),
                    (bool(is_causal), None if scale is None else float(scale), float(dropout_p),
                     bool(enable_gqa)))


# ---- multi-head attention ----------------------------------------------------------------

def _mha_fn(H, add_zero_attn, need_weights, average, p,
            q, k, v, w_in, b_in, wq, wk, wv, bias_k, bias_v, w_out, b_out, mask, kpm, u):
    L, N, E = q.shape
    hd = E // H
    if w_in is not None:
        wq, wk, wv = w_in[:E], w_in[E:2 * E], w_in[2 * E:]
    bq = bk = bv = None
    if b_in is not None:
        bq, bk, bv = b_in[:E], b_in[E:2 * E], b_in[2 * E:]

    def lin(x, w, b):
        y = jnp.matmul(x, w.T)
        return y + b if b is not None else y
    q, k, v = lin(q, wq, bq), lin(k, wk, bk), lin(v, wv, bv)
    if bias_k is not None:
        k = jnp.concatenate([k, jnp.broadcast_to(bias_k, (1, N, E))], 0)
        v = jnp.concatenate([v, jnp.broadcast_to(bias_v, (1, N, E))], 0)
        if mask is not None:
            mask = jnp.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])
        if kpm is not None:
            kpm = jnp.pad(kpm, [(0, 0), (0, 1)])
    # (L, N, E) -> (N*H, L, hd)
    q = jnp.swapaxes(q.reshape(L, N * H, hd), 0, 1)
    k = jnp.swapaxes(k.reshape(k.shape[0], N * H, hd), 0, 1)
    v = jnp.swapaxes(v.reshape(v.shape[0], N * H, hd), 0, 1)
    if add_zero_attn:
        k = jnp.concatenate([k, jnp.zeros((N * H, 1, hd), k.dtype)], 1)
        v = jnp.concatenate([v, jnp.zeros((N * H, 1, hd), v.dtype)], 1)
        if mask is not None:
            mask = jnp.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])
        if kpm is not None:
            kpm = jnp.pad(kpm, [(0, 0), (0, 1)])
    S = k.shape[1]
    bias = None
    if kpm is not None:
        bias = jnp.broadcast_to(kpm.reshape(N, 1, 1, S), (N, H, 1, S)).reshape(N * H, 1, S)
    if mask is not None:
        mask = mask if mask.ndim == 3 else mask[None]
        bias = mask if bias is None else mask + bias
    s = jnp.matmul(q * jnp.asarray(math.sqrt(1.0 / hd), q.dtype), jnp.swapaxes(k, 1, 2))
    if bias is not None:
        s = s + bias
    w = masked_softmax(s, not need_weights)
    if p > 0:
        w = jnp.where(u >= p, w / (1 - p), jnp.zeros((), w.dtype))
    o = jnp.matmul(w, v)  # (N*H, L, hd)
    o = jnp.swapaxes(o, 0, 1).reshape(L, N, E)
    o = lin(o, w_out, b_out)
    w = w.reshape(N, H, L, S)
    if average:
        w = jnp.mean(w, axis=1)
    return o, w


_MHA = reg("multi_head_attention", _mha_fn, "ViewBackward0", nout=2)


def _canonical_mask(mask, name, other, other_name, dtype):
    """Bool masks become float masks (-inf where True); float masks must match `dtype`."""
    if mask is None:
        return None
    from ..._ops.creation import zeros_like
    if mask.dtype is D.bool:
        z = zeros_like(mask, dtype=dtype)
        return z.masked_fill(mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on (L, N, E) inputs (unbatched (L, E) too); returns (out, weights)."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k/static_v are not "
                                  "supported by jtorch")
    batched = query.dim() == 3
    if not batched:
        if query.dim() != 2:
            raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but "
                                 f"received {query.dim()}-D query tensor")
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {E}")
    if E % num_heads:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if key_padding_mask is not None and attn_mask is not None and \
            key_padding_mask.dtype is not attn_mask.dtype:
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use "
                      "same type for both instead.")
    dt = query.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask,
                                       "attn_mask", dt)
    attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dt)
    S = key.shape[0]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(L, S)}.")
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(N * num_heads, L, S)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S):
        raise AssertionError(f"expecting key_padding_mask shape of {(N, S)}, but got "
                             f"{tuple(key_padding_mask.shape)}")
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    p = float(dropout_p) if training else 0.0
    u = None
    if p > 0:
        from ..._ops.random import rand
        S_eff = S + (bias_k is not None) + bool(add_zero_attn)
        u = rand(N * num_heads, L, S_eff, dtype=dt)
    if use_separate_proj_weight:
        args = (query, key, value, None, in_proj_bias, q_proj_weight, k_proj_weight,
                v_proj_weight)
    else:
        args = (query, key, value, in_proj_weight, in_proj_bias, None, None, None)
    out, w = dispatch(_MHA, args + (bias_k, bias_v, out_proj_weight, out_proj_bias, attn_mask,
                                    key_padding_mask, u),
                      (int(num_heads), bool(add_zero_attn), bool(need_weights),
                       bool(average_attn_weights), p))
    if not batched:
        out = out.squeeze(1)
        w = w.squeeze(0)
    return out, (w if need_weights else None)
