"""Top-level torch names scripts use that jtorch lacked: layouts and memory formats (and
memory_format= on clone/empty/*_like), math constants, small tensor queries, torch.vmap,
set_default_tensor_type and the legacy tensor types (torch.FloatTensor, ...), the
aten-signature aliases of nn ops (torch.kl_div, torch.embedding, torch.batch_norm, ...) and the
in-place functions (torch.abs_(x) == x.abs_())."""
import builtins
import math
import warnings

from . import _dtype as D
from . import func as _func
from .autograd.anomaly_mode import (is_anomaly_check_nan_enabled, is_anomaly_enabled,
                                    set_anomaly_enabled)
from . import _tensor_methods_extra as _M
from . import _tensor as _T
from ._ops import creation as _creation, random as _random
from ._tensor import Tensor, contiguous_format, preserve_format
from .nn.modules.module import _typename

__all__ = [
    "layout", "memory_format", "strided", "sparse_coo", "sparse_csr", "sparse_csc",
    "sparse_bsr", "sparse_bsc", "jagged", "contiguous_format", "channels_last",
    "channels_last_3d", "preserve_format", "legacy_contiguous_format",
    "e", "pi", "inf", "nan", "newaxis", "vmap", "detach", "typename", "is_nonzero", "is_inference",
    "is_same_size", "is_signed", "get_device", "set_default_tensor_type", "clone", "empty",
    "empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
    "randint_like", "rms_norm", "kl_div", "embedding", "batch_norm", "instance_norm",
    "celu_", "selu_", "rrelu_", "threshold_", "dropout_", "alpha_dropout_",
    "feature_alpha_dropout_", "feature_dropout", "feature_dropout_", "embedding_renorm_",
    "version", "tensortype", "FloatTensor",
    "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
    "CharTensor", "ByteTensor", "BoolTensor", "GradScaler", "OutOfMemoryError",
    "is_distributed", "split_with_sizes", "alpha_dropout", "feature_alpha_dropout",
    "binary_cross_entropy_with_logits", "poisson_nll_loss", "cosine_embedding_loss",
    "hinge_embedding_loss", "margin_ranking_loss", "triplet_margin_loss", "channel_shuffle",
    "vander", "nuclear_norm", "frobenius_norm", "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
    # in-place functions: torch.<name>(x, ...) == x.<name>(...)
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_",
    "arctan_", "arctanh_", "as_strided_", "asin_", "asinh_", "atan_", "atanh_", "ceil_",
    "clamp_", "clamp_max_", "clamp_min_", "clip_", "conj_physical_", "cos_", "cosh_",
    "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_",
    "floor_", "frac_", "gcd_", "i0_", "index_put_", "lcm_", "ldexp_", "log10_", "log1p_",
    "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_",
    "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_",
    "tan_", "tanh_", "trunc_", "xlogy_",
]

# NOTE: layouts and memory formats are singletons defined next to Tensor (Tensor.layout,
# Tensor.is_contiguous use them).
layout, memory_format = _T.layout, _T.memory_format
strided, sparse_coo, sparse_csr, sparse_csc = (_T.strided, _T.sparse_coo, _T.sparse_csr,
                                               _T.sparse_csc)
sparse_bsr, sparse_bsc, jagged = _T.sparse_bsr, _T.sparse_bsc, _T.jagged
channels_last, channels_last_3d = _T.channels_last, _T.channels_last_3d
legacy_contiguous_format = _T.legacy_contiguous_format

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None


vmap = _func.vmap  # NOTE: torch.vmap is torch.func.vmap


def _tensor_arg(fname, x, name="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{builtins.type(x).__name__}")
    return x


def detach(input):
    """A tensor sharing input's storage, outside autograd (torch.detach)."""
    return _tensor_arg("detach", input).detach()


def is_nonzero(input):
    """The truth value of a one-element tensor (torch.is_nonzero)."""
    return builtins.bool(_tensor_arg("is_nonzero", input))


def is_inference(input):
    """True for a tensor made under inference_mode (torch.is_inference)."""
    return _tensor_arg("is_inference", input).is_inference()


def is_same_size(input, other):
    """True if both tensors have the same shape (torch.is_same_size)."""
    _tensor_arg("is_same_size", input)
    _tensor_arg("is_same_size", other, "other", 2)
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input):
    """True if input's dtype is signed (torch.is_signed)."""
    return _tensor_arg("is_signed", input).dtype.is_signed


def get_device(input):
    """Device index of input: -1 on cpu (torch.get_device)."""
    return _tensor_arg("get_device", input).get_device()


def typename(obj):
    """A string naming obj's type: 'torch.FloatTensor' for tensors (torch.typename)."""
    return _typename(obj)


_TENSOR_TYPES = {"FloatTensor": D.float32, "DoubleTensor": D.float64, "HalfTensor": D.float16,
                 "BFloat16Tensor": D.bfloat16, "LongTensor": D.int64, "IntTensor": D.int32,
                 "ShortTensor": D.int16, "CharTensor": D.int8, "ByteTensor": D.uint8,
                 "BoolTensor": D.bool}


_WARNED = set()


def _warn_once(key, message):
    # NOTE: torch's TORCH_WARN_ONCE: once per process.
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


def set_default_tensor_type(t, /):
    """Deprecated: set the default floating dtype (and device for torch.cuda.*) from a tensor
    type name or class (torch.set_default_tensor_type)."""
    _warn_once("set_default_tensor_type", "torch.set_default_tensor_type() is deprecated as "
               "of PyTorch 2.1, please use torch.set_default_dtype() and "
               "torch.set_default_device() as alternatives.")
    if isinstance(t, str):
        name = t
    elif isinstance(t, builtins.type) and t.__name__ in _TENSOR_TYPES:
        name = typename(t)
    else:
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    parts = name.split(".")
    cuda = parts[:2] == ["torch", "cuda"]
    leaf = parts[-1]
    if parts[0] != "torch" or len(parts) != (3 if cuda else 2) or leaf not in _TENSOR_TYPES:
        owner = ".".join(parts[:-1]) or parts[0]
        raise AttributeError(f"module '{owner}' has no attribute '{leaf}'")
    dt = _TENSOR_TYPES[leaf]
    if not dt.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    if cuda:
        from . import cuda as _cuda
        if not _cuda.is_available():
            raise TypeError(f"type {name} not available. Torch not compiled with CUDA enabled.")
        from ._device import set_default_device
        set_default_device("cuda")
    D.set_default_dtype(dt)


# ---- memory_format= on the creation functions that take it -------------------------------------

def clone(input, *, memory_format=preserve_format):
    """A copy of input laid out per memory_format (torch.clone)."""
    return _M._clone(input, memory_format=memory_format)


def _formatted(out, fmt, src, fname, requires_grad):
    fmt = _M.check_memory_format(fmt, fname, preserve_format)
    out = _M.relayout(out, _M.target_strides(fmt, src))
    if requires_grad:
        out.requires_grad_(True)
    return out


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=contiguous_format):
    """An 'uninitialised' tensor (zeros in jtorch), laid out per memory_format (torch.empty)."""
    r = _creation.empty(*size, out=out, dtype=dtype, layout=layout, device=device,
               pin_memory=pin_memory)
    memory_format = _M.check_memory_format(memory_format, "empty", contiguous_format)
    if memory_format is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    r = _M.relayout(r, _M.target_strides(memory_format, r))
    if requires_grad:
        r.requires_grad_(True)
    return r


def _like(name, module):
    def like(input, *args, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=preserve_format, **kwargs):
        r = getattr(module, name)(input, *args, dtype=dtype, layout=layout, device=device,
                                  **kwargs)
        return _formatted(r, memory_format, input, name, requires_grad)
    like.__name__ = name
    like.__doc__ = f"torch.{name}, laid out per memory_format (preserve: like input)."
    return like


empty_like = _like("empty_like", _creation)
zeros_like = _like("zeros_like", _creation)
ones_like = _like("ones_like", _creation)
full_like = _like("full_like", _creation)
rand_like = _like("rand_like", _random)
randn_like = _like("randn_like", _random)
randint_like = _like("randint_like", _random)


# ---- aten-signature aliases of nn.functional ops ----------------------------------------------

def _F():
    from .nn import functional as F
    return F


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """torch.rms_norm (same as nn.functional.rms_norm)."""
    return _F().rms_norm(input, normalized_shape, weight, eps)


_REDUCTIONS = {1: "mean", 2: "sum"}


# NOTE: torch's Python bindings of these aten ops default `reduction` to 0 (none), unlike the
# schemas (Mean) and nn.functional ('mean'); verified against torch for each.
def _feature_dropout(input, p, train, inplace):
    # NOTE: ATen's _dropout_impl with feature_dropout: one Bernoulli draw per (sample, channel).
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    from ._ops.creation import empty as _empty, zeros as _zeros
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    if p == 1:
        mask = _zeros(shape, dtype=input.dtype, device=input.device)
    else:
        mask = _empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)
        mask.div_(1 - p)
    return input.mul_(mask) if inplace else input * mask


def feature_dropout(input, p, train):
    """Zero whole channels (dim 1) with probability p, scaling the rest by 1/(1-p)."""
    return _feature_dropout(input, p, train, False)


def feature_dropout_(input, p, train):
    """In-place feature_dropout (torch.feature_dropout_)."""
    return _feature_dropout(input, p, train, True)


def _reduction(reduction, fname, pos):
    if not isinstance(reduction, builtins.int) or isinstance(reduction, builtins.bool):
        raise TypeError(f"{fname}(): argument 'reduction' (position {pos}) must be int, not "
                        f"{builtins.type(reduction).__name__}")
    return _REDUCTIONS.get(reduction, "none")


def kl_div(input, target, reduction=0, *, log_target=False):
    """torch.kl_div: aten's signature, reduction an int (1 mean, 2 sum, else none)."""
    r = _reduction(reduction, "kl_div", 3)
    with warnings.catch_warnings():
        # NOTE: aten's kl_div has no 'mean' deprecation warning (that is nn.functional's).
        warnings.simplefilter("ignore")
        return _F().kl_div(input, target, reduction=r, log_target=log_target)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding: aten's argument order (weight first); padding_idx < 0 means none."""
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return _F().embedding(indices, weight, pad, scale_grad_by_freq=scale_grad_by_freq,
                          sparse=sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):
    """Renormalise the rows of `input` picked by indices to norm <= max_norm, in place."""
    from .nn.functional._embedding import _renorm_
    _renorm_(input, indices, max_norm, norm_type)
    return input


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """torch.batch_norm: aten's argument order (cudnn_enabled is ignored)."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                           eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    """torch.instance_norm: aten's argument order (cudnn_enabled is ignored)."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


def celu_(input, alpha=1.0):
    """In-place celu (torch.celu_)."""
    return _F().celu_(input, alpha)


def selu_(input):
    """In-place selu (torch.selu_)."""
    return _F().selu_(input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """In-place rrelu (torch.rrelu_)."""
    if generator is not None:
        raise NotImplementedError("jtorch: torch.rrelu_ with an explicit generator is not "
                                  "supported")
    return _F().rrelu_(input, lower, upper, training)


def threshold_(input, threshold, value):
    """In-place threshold (torch.threshold_)."""
    return _F().threshold_(input, threshold, value)


def dropout_(input, p, train):
    """In-place dropout (torch.dropout_)."""
    return _F().dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p, train):
    """In-place alpha dropout (torch.alpha_dropout_)."""
    return _F().alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input, p, train):
    """In-place feature alpha dropout (torch.feature_alpha_dropout_)."""
    return _F().feature_alpha_dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    """torch.alpha_dropout(input, p, train)."""
    return _F().alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    """torch.feature_alpha_dropout(input, p, train)."""
    return _F().feature_alpha_dropout(input, p, train)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """torch.binary_cross_entropy_with_logits: aten's signature (int reduction)."""
    r = _reduction(reduction, "binary_cross_entropy_with_logits", 5)
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=r,
                                                 pos_weight=pos_weight)


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """torch.poisson_nll_loss: aten's signature (all arguments positional, int reduction)."""
    r = _reduction(reduction, "poisson_nll_loss", 6)
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """torch.cosine_embedding_loss: aten's signature (int reduction)."""
    r = _reduction(reduction, "cosine_embedding_loss", 5)
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=r)


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """torch.hinge_embedding_loss: aten's signature (int reduction)."""
    r = _reduction(reduction, "hinge_embedding_loss", 4)
    return _F().hinge_embedding_loss(input, target, margin, reduction=r)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """torch.margin_ranking_loss: aten's signature (int reduction)."""
    r = _reduction(reduction, "margin_ranking_loss", 5)
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=r)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction=0):
    """torch.triplet_margin_loss: aten's signature (int reduction)."""
    r = _reduction(reduction, "triplet_margin_loss", 8)
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=r)


def channel_shuffle(input, groups):
    """torch.channel_shuffle (nn.functional.channel_shuffle)."""
    return _F().channel_shuffle(input, groups)


def is_distributed(input):
    """Always False, as in torch (torch.is_distributed)."""
    return _tensor_arg("is_distributed", input).is_distributed()


def split_with_sizes(input, split_sizes, dim=0):
    """Split input into pieces of the given sizes along dim (torch.split_with_sizes)."""
    return _tensor_arg("split_with_sizes", input).split_with_sizes(split_sizes, dim)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of a 1-D x: columns x**(N-1) ... x**0 (reversed if increasing)."""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    from ._ops.creation import ones
    from ._ops.shape import cat
    dt = D.promote_types(x.dtype, D.int64)  # NOTE: as ATen: bool/int inputs give int64
    col = ones((x.shape[0], builtins.min(n, 1)), dtype=dt, device=x.device)
    if n > 1:
        # NOTE: ATen's cumprod of the repeated column (differentiable, exact for ints).
        col = cat([col, x.to(dt).unsqueeze(1).expand(x.shape[0], n - 1).cumprod(1)], 1)
    return col if increasing else col.flip(1)


def nuclear_norm(input, dim=None, keepdim=False):
    """Sum of singular values over two dims (default the last two) (torch.nuclear_norm)."""
    if isinstance(dim, builtins.bool):  # NOTE: the nuclear_norm(input, keepdim) overload
        dim, keepdim = None, dim
    _warn_once("nuclear_norm", "at::nuclear_norm is deprecated and it is just left for JIT "
               "compatibility. It will be removed in a future PyTorch release. Please use "
               "`linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
    from .linalg import matrix_norm
    return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)


def frobenius_norm(input, dim, keepdim=False):
    """Square root of the sum of squares over one or two dims (torch.frobenius_norm)."""
    dims = (dim,) if isinstance(dim, builtins.int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           f"instead.")
    _warn_once("frobenius_norm", "at::frobenius_norm is deprecated and it is just left for JIT "
               "compatibility. It will be removed in a future PyTorch release. Please use "
               "`linalg.vector_norm(A, 2., dim, keepdim)` instead")
    from .linalg import vector_norm
    return vector_norm(input, 2, dims, keepdim)


def _grad_scaler():
    from .amp import GradScaler as _GS
    return _GS


GradScaler = _grad_scaler()  # NOTE: torch.GradScaler is torch.amp.GradScaler


def _oom():
    from . import cuda as _cuda
    return getattr(_cuda, "OutOfMemoryError", None)


# NOTE: torch.OutOfMemoryError is torch.cuda.OutOfMemoryError (a RuntimeError subclass).
OutOfMemoryError = _oom() or builtins.type("OutOfMemoryError", (RuntimeError,),
                                           {"__module__": "jtorch"})


# ---- legacy tensor types: torch.FloatTensor & co. ----------------------------------------------

class tensortype(builtins.type):
    """Metaclass of the legacy tensor types (torch.FloatTensor, ...): isinstance() checks the
    dtype, calling one is the legacy constructor."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, **kwargs):
        return _M.legacy_new(cls.dtype, kwargs.pop("device", None), args, kwargs)

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _tensortype(name, dt):
    return tensortype(name, (), {"dtype": dt, "is_cuda": False, "is_sparse": False,
                                 "_tensortype_name": "torch." + name, "__module__": "jtorch",
                                 "__doc__": f"Legacy type of cpu {dt} tensors."})


(FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
 CharTensor, ByteTensor, BoolTensor) = (_tensortype(n, d) for n, d in _TENSOR_TYPES.items())


# ---- torch.<name>_(x, ...) == x.<name>_(...) --------------------------------------------------

def _inplace_fn(name):
    def fn(input, *args, **kwargs):
        return getattr(_tensor_arg(name, input), name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}(input, ...): in place, same as input.{name}(...)."
    return fn


_INPLACE = __all__[__all__.index("abs_"):]
(abs_, acos_, acosh_, addmv_, arccos_, arccosh_, arcsin_, arcsinh_, arctan_, arctanh_,
 as_strided_, asin_, asinh_, atan_, atanh_, ceil_, clamp_, clamp_max_, clamp_min_, clip_,
 conj_physical_, cos_, cosh_, deg2rad_, detach_, erf_, erfc_, exp2_, exp_, expm1_, fill_,
 fix_, floor_, frac_, gcd_, i0_, index_put_, lcm_, ldexp_, log10_, log1p_, log2_, log_,
 logit_, nan_to_num_, neg_, negative_, rad2deg_, reciprocal_, relu_, round_, rsqrt_,
 sigmoid_, sin_, sinc_, sinh_, sqrt_, square_, tan_, tanh_, trunc_, xlogy_) = (
    _inplace_fn(_n) for _n in _INPLACE)

from . import version  # noqa: E402,F401
