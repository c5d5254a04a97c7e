"""torch's autocast casting policy, applied per op in the eager dispatch path.

`hook(op, args)` runs from `registry.dispatch` only while some autocast region is enabled. For
an op on one of the lists of a device type enabled in this thread, it casts the op's floating
Tensor operands that live on that device type (never float64 ones, as in torch):

- "lower": to the autocast dtype (matmul, linear, conv, ...); casts of weights (float32 leaf
  tensors requiring grad) are cached until the outermost autocast region exits, as in torch;
- "fp32": lower-precision operands up to float32 (losses, softmax on CUDA, ...);
- "promote": all to the widest floating dtype among them (cat, stack, index_copy, ...);
- "banned": torch's error (binary_cross_entropy under CUDA autocast).

Casts go through the differentiable `_to_copy` op, so gradients reach float32 parameters as
float32. The lists follow torch 2.13's aten/src/ATen/autocast_mode.cpp, mapped onto jtorch's op
names (CPU lists verified against the CPU build of torch in tests/amp).
"""
import jax

from .. import _dtype as D
from .._ops.registry import hooks
from . import _state

__all__ = ["hook", "POLICY"]

_LINEAR = ("linear", "linear_mm", "linear_1d", "linear_1d_nobias", "linear_nd",
           "linear_nd_nobias")
_LOSSES = ("F.mse_loss", "F.cosine_embedding_loss", "F.nll_loss", "F.hinge_embedding_loss",
           "F.poisson_nll_loss", "F.smooth_l1_loss", "F.cross_entropy", "F.cross_entropy_ls",
           "F.cross_entropy_prob", "F.cross_entropy_prob_sum", "F.l1_loss",
           "F.margin_ranking_loss", "F.soft_margin_loss", "F.triplet_margin_loss",
           "F.multi_margin_loss", "F.kl_div", "F.kl_div_batchmean", "F.multilabel_margin_loss",
           "F.binary_cross_entropy_with_logits")

_CPU_LOWER = _LINEAR + (
    "mm", "bmm", "matmul", "matmul_vm", "addmm", "addbmm", "baddbmm", "convolution", "F.prelu",
    "F.scaled_dot_product_attention", "F.multi_head_attention", "linalg_vecdot", "F.lstm",
    # NOTE: composites that torch decomposes into mm/bmm (so they run in the lower dtype there)
    "einsum", "tensordot", "inner")
_CPU_FP32 = _LOSSES + (
    "F.huber_loss", "F.ctc_loss", "F.binary_cross_entropy", "avg_pool3d", "grid_sampler_2d",
    "grid_sampler_3d", "polar", "prod", "prod_dim", "quantile", "nanquantile", "stft", "F.cdist",
    "trace", "view_as_complex", "cholesky_inverse", "cholesky_solve", "linalg_lu_solve", "ormqr",
    "max_pool3d", "max_pool3d_with_indices", "max_unpool2d", "max_unpool3d",
    "adaptive_avg_pool3d", "adaptive_max_pool3d", "reflect_pad1d", "reflect_pad2d",
    "replicate_pad1d", "replicate_pad2d", "replicate_pad3d", "fft", "linalg_matrix_rank",
    "linalg_solve", "linalg_cholesky", "linalg_svdvals", "linalg_eigvals", "linalg_eigvalsh",
    "linalg_inv", "linalg_householder_product", "geqrf", "linalg_qr", "linalg_svd", "linalg_eig",
    "linalg_eigh", "linalg_lstsq", "linalg_solve_triangular", "linalg_lu_factor",
    "fractional_max_pool2d", "fractional_max_pool3d")
_CPU_PROMOTE = ("cat", "stack", "index_copy")

_CUDA_LOWER = _LINEAR + (
    "mm", "mv", "bmm", "matmul", "matmul_vm", "addmm", "addmv", "addr", "addbmm", "baddbmm",
    "convolution", "F.prelu", "F.lstm_cell", "F.gru_cell", "F.rnn_tanh_cell", "F.rnn_relu_cell",
    "F.lstm", "F.rnn", "F.scaled_dot_product_attention", "F.multi_head_attention", "einsum")
_CUDA_FP32 = _LOSSES + (
    "pow", "acos", "asin", "cosh", "sinh", "tan", "exp", "expm1", "log", "log10", "log1p",
    "log2", "erfinv", "reciprocal", "rsqrt", "cumprod", "cumsum", "prod", "prod_dim", "sum",
    "sum_dim", "F.softmax", "F.log_softmax", "F.softplus", "F.cdist", "F.cosine_similarity",
    "dist", "native_group_norm", "native_group_norm_stats", "native_layer_norm",
    "native_layer_norm_stats", "rms_norm", "linalg_vector_norm", "linalg_matrix_norm",
    "nuclear_norm", "normalize", "F.pdist")
_CUDA_PROMOTE = ("addcdiv", "addcmul", "atan2", "bilinear", "linalg_cross", "dot", "tensordot",
                 "grid_sampler_2d", "grid_sampler_3d", "scatter_add", "cat", "stack",
                 "index_copy")
_CUDA_BANNED = ("F.binary_cross_entropy",)


def _table(lower, fp32, promote, banned=()):
    t = {}
    for kind, names in (("lower", lower), ("fp32", fp32), ("promote", promote),
                        ("banned", banned)):
        for n in names:
            t[n] = kind
    return t


# NOTE: device type -> {op name: kind}. Device types without a table of their own use CUDA's
# (torch's other accelerators register CUDA-like lists; torch_xla on TPU does too).
POLICY = {"cpu": _table(_CPU_LOWER, _CPU_FP32, _CPU_PROMOTE),
          "cuda": _table(_CUDA_LOWER, _CUDA_FP32, _CUDA_PROMOTE, _CUDA_BANNED)}

_BANNED_MSG = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional."
    "binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast.")


def device_type(t):
    """The torch device type of Tensor t (tests patch this to fake a CUDA tensor)."""
    return t.device.type


def _to(t, dtype):
    from .._ops._pointwise_base import _to as to
    return to(t, dtype)


def _cached_to(t, dtype, st):
    """t.to(dtype), reusing one cast per weight while autocast regions are open (torch caches
    casts of float32 leaf tensors that require grad to the lower-precision dtype)."""
    if not (st.cache_enabled and t._rg and t._base is None and t.grad_fn is None
            and t.dtype is D.float32) or isinstance(t._a, jax.core.Tracer):
        return _to(t, dtype)
    key = id(t)
    hit = st.cache.get(key)
    if hit is not None and hit[0] is t and hit[1] == t._ver and hit[2] is dtype:
        return hit[3]
    r = _to(t, dtype)
    st.cache[key] = (t, t._ver, dtype, r)
    return r


def _eligible(t, dev):
    d = t.dtype
    return d.is_floating_point and d is not D.float64 and device_type(t) == dev


def _apply(kind, dev, args, st):
    T = hooks.tensor_cls
    if kind == "banned":
        raise RuntimeError(_BANNED_MSG)
    idx = [i for i, a in enumerate(args) if isinstance(a, T) and _eligible(a, dev)]
    if not idx:
        return args
    if kind == "lower":
        target = st.dtype.get(dev) or _state._DEFAULT_DTYPE.get(dev, D.float16)
        out = list(args)
        for i in idx:
            if args[i].dtype is not target:
                out[i] = _cached_to(args[i], target, st)
        return tuple(out)
    if kind == "fp32":
        target = D.float32
    else:  # promote
        target = args[idx[0]].dtype
        for i in idx[1:]:
            target = D.promote_types(target, args[i].dtype)
    out = list(args)
    for i in idx:
        if args[i].dtype is not target:
            out[i] = _to(args[i], target)
    return tuple(out)


def hook(o, args):
    """Cast `args` of op `o` by the autocast policy of this thread (see the module doc)."""
    st = _state.TLS
    if not st.enabled:
        return args
    name = o.name
    for dev in st.enabled:
        kind = POLICY.get(dev, POLICY["cuda"]).get(name)
        if kind is not None:
            args = _apply(kind, dev, args, st)
    return args
