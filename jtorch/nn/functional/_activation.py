"""torch.nn.functional: activation part.

Every activation is one registered op (a pure JAX function + hashable statics), named after
torch's backward node so `grad_fn` reprs match. Derivatives at kinks follow torch's formulas
(written as jnp.where branches whose JAX derivative equals torch's choice).
"""
import math
import warnings

import jax
import jax.numpy as jnp
from jax import lax

from ... import _dtype as D
from ..._ops import pointwise as P
from ..._ops._common import canon_dim, inplace_from, torch_name
from ..._ops.registry import Op, OPS, dispatch

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_",
    "celu", "celu_", "gelu", "silu", "mish", "hardswish", "hardsigmoid", "hardtanh",
    "hardtanh_", "softplus", "softsign", "softshrink", "hardshrink", "tanhshrink", "threshold",
    "threshold_", "logsigmoid", "sigmoid", "tanh", "softmax", "log_softmax", "softmin",
    "gumbel_softmax", "glu", "prelu", "rrelu", "rrelu_",
]

_LOWP = (jnp.dtype(jnp.float16), jnp.dtype(jnp.bfloat16))


def reg(name, fn, grad_name, **kw):
    """Register pure JAX `fn` as op `F.<name>` with torch's backward-node name."""
    o = Op("F." + name, fn, grad_name=grad_name, **kw)
    OPS[o.name] = o
    return o


def float_kernel(kernel, fn, allow_int=False, argi=-1):
    """fn with its array operand args[argi] checked: torch's NotImplementedError for integer/bool
    (unless allow_int) and complex input; half types computed in float32 (torch's opmath)."""
    def f(*args):
        x = args[argi]
        if (x.dtype.kind in "biu" and not allow_int) or x.dtype.kind == "c":
            raise NotImplementedError(
                f"\"{kernel}\" not implemented for '{torch_name(D.from_np(x.dtype))}'")
        if x.dtype in _LOWP:
            args = list(args)
            args[argi] = x.astype(jnp.float32)
            return fn(*args).astype(x.dtype)
        return fn(*args)
    return f


def _zero(x):
    return jnp.zeros((), x.dtype)


def _maybe_inplace(input, result, inplace):
    return inplace_from(input, result) if inplace else result


# ---- simple activations -------------------------------------------------------------------

def _leaky(slope, x):
    return jnp.where(x > 0, x, x * slope)


def _elu(alpha, scale, input_scale, x):
    xn = jnp.where(x > 0, _zero(x), x)  # NOTE: keeps exp() finite in the unselected branch
    return jnp.where(x > 0, x * scale, jnp.expm1(xn * input_scale) * (alpha * scale))


def _hardtanh(lo, hi, x):
    if x.dtype.kind in "iu":
        return jnp.clip(x, jnp.asarray(lo).astype(x.dtype), jnp.asarray(hi).astype(x.dtype))
    # NOTE: torch's derivative is 1 strictly inside (lo, hi), 0 at and beyond the bounds.
    return jnp.where((x > lo) & (x < hi), x, lax.stop_gradient(jnp.clip(x, lo, hi)))


def _gelu(approx, x):
    if approx == "tanh":
        return 0.5 * x * (1 + jnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + jax.scipy.special.erf(x * (1 / math.sqrt(2))))


def _softplus(beta, th, x):
    xb = x * beta
    safe = jnp.where(xb > th, _zero(x), xb)
    return jnp.where(xb > th, x, jnp.log1p(jnp.exp(safe)) / beta)


def _hardswish(x):
    return jnp.where(x <= -3, _zero(x), jnp.where(x < 3, x * (x + 3) / 6, x))


def _hardsigmoid(x):
    return jnp.where((x > -3) & (x < 3), x / 6 + 0.5,
                     lax.stop_gradient(jnp.clip(x / 6 + 0.5, 0, 1)))


def _softshrink(l, x):
    return jnp.where(x > l, x - l, jnp.where(x < -l, x + l, _zero(x)))


def _hardshrink(l, x):
    return jnp.where((x >= -l) & (x <= l), _zero(x), x)


def _threshold(th, value, x):
    return jnp.where(x > th, x, jnp.asarray(value).astype(x.dtype))


def _to_float(x):
    if x.dtype.kind in "biu":
        return x.astype(D.get_default_dtype()._np)
    return x


_OPS = {
    "leaky_relu": reg("leaky_relu", float_kernel("leaky_relu_cpu", _leaky), "LeakyReluBackward0"),
    "elu": reg("elu", float_kernel("elu_cpu", _elu), "EluBackward0"),
    "celu": reg("celu", float_kernel("elu_cpu", _elu), "CeluBackward0"),
    "hardtanh": reg("hardtanh", float_kernel("hardtanh", _hardtanh, allow_int=True),
                    "HardtanhBackward0"),
    "gelu": reg("gelu", float_kernel("GeluKernelImpl", _gelu), "GeluBackward0"),
    "silu": reg("silu", float_kernel("silu_cpu", lambda x: x * jax.nn.sigmoid(x)),
                "SiluBackward0"),
    "mish": reg("mish", float_kernel("mish_cpu", lambda x: x * jnp.tanh(jax.nn.softplus(x))),
                "MishBackward0"),
    "hardswish": reg("hardswish", float_kernel("hardswish_cpu", _hardswish),
                     "HardswishBackward0"),
    "hardsigmoid": reg("hardsigmoid", float_kernel("hardsigmoid_cpu", _hardsigmoid),
                       "HardsigmoidBackward0"),
    "softplus": reg("softplus", float_kernel("softplus_cpu", _softplus), "SoftplusBackward0"),
    "softshrink": reg("softshrink", float_kernel("softshrink_check", _softshrink),
                      "SoftshrinkBackward0"),
    "hardshrink": reg("hardshrink", float_kernel("hardshrink_cpu", _hardshrink),
                      "HardshrinkBackward0"),
    "threshold": reg("threshold", float_kernel("threshold", _threshold, allow_int=True),
                     "ThresholdBackward0"),
    "logsigmoid": reg("logsigmoid", float_kernel("log_sigmoid_cpu", jax.nn.log_sigmoid),
                      "LogSigmoidBackward0"),
    "softsign": reg("softsign", lambda x: _to_float(x) / (1 + jnp.abs(_to_float(x))),
                    "DivBackward0"),
    "tanhshrink": reg("tanhshrink", lambda x: _to_float(x) - jnp.tanh(_to_float(x)),
                      "SubBackward0"),
}


def _f(x):
    return float(x)


def relu(input, inplace=False):
    """max(0, x) elementwise."""
    return _maybe_inplace(input, P.relu(input), inplace)


def relu_(input):
    """In-place relu."""
    return relu(input, inplace=True)


def relu6(input, inplace=False):
    """min(max(0, x), 6) elementwise."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    return _maybe_inplace(input, dispatch(_OPS["leaky_relu"], (input,), (_f(negative_slope),)),
                          inplace)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu."""
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _maybe_inplace(input, dispatch(_OPS["elu"], (input,), (_f(alpha), 1.0, 1.0)),
                          inplace)


def elu_(input, alpha=1.0):
    """In-place elu."""
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with SELU's fixed constants."""
    return _maybe_inplace(input, dispatch(_OPS["elu"], (input,),
                                          (_SELU_ALPHA, _SELU_SCALE, 1.0)), inplace)


def selu_(input):
    """In-place selu."""
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _maybe_inplace(input, dispatch(_OPS["celu"], (input,),
                                          (_f(alpha), 1.0, 1.0 / alpha)), inplace)


def celu_(input, alpha=1.0):
    """In-place celu."""
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    """Gaussian error linear unit (exact erf form, or approximate='tanh')."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return dispatch(_OPS["gelu"], (input,), (approximate,))


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _maybe_inplace(input, dispatch(_OPS["silu"], (input,)), inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, dispatch(_OPS["mish"], (input,)), inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(input, dispatch(_OPS["hardswish"], (input,)), inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _maybe_inplace(input, dispatch(_OPS["hardsigmoid"], (input,)), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val) with torch's zero derivative at the bounds."""
    return _maybe_inplace(input, dispatch(_OPS["hardtanh"], (input,),
                                          (_f(min_val), _f(max_val))), inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, True)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear above threshold."""
    return dispatch(_OPS["softplus"], (input,), (_f(beta), _f(threshold)))


def softsign(input):
    """x / (1 + |x|)."""
    return dispatch(_OPS["softsign"], (input,))


def softshrink(input, lambd=0.5):
    """Soft shrinkage: x - lambd / x + lambd outside [-lambd, lambd], else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return dispatch(_OPS["softshrink"], (input,), (_f(lambd),))


def hardshrink(input, lambd=0.5):
    """Hard shrinkage: x outside [-lambd, lambd], else 0."""
    return dispatch(_OPS["hardshrink"], (input,), (_f(lambd),))


def tanhshrink(input):
    """x - tanh(x)."""
    return dispatch(_OPS["tanhshrink"], (input,))


def threshold(input, threshold, value, inplace=False):
    """x if x > threshold else value."""
    return _maybe_inplace(input, dispatch(_OPS["threshold"], (input,), (threshold, value)),
                          inplace)


def threshold_(input, threshold, value):
    """In-place threshold."""
    return globals()["threshold"](input, threshold, value, True)


def logsigmoid(input):
    """log(sigmoid(x)), computed stably."""
    return dispatch(_OPS["logsigmoid"], (input,))


def sigmoid(input):
    """1 / (1 + exp(-x))."""
    return P.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent."""
    return P.tanh(input)


# ---- softmax family --------------------------------------------------------------------------

def _softmax_fn(dim, log, neg, kernel, x):
    if x.dtype.kind in "biuc":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{torch_name(D.from_np(x.dtype))}'")
    d = canon_dim(dim, x.ndim)
    if x.ndim == 0:
        y = _softmax_fn(0, log, neg, kernel, x.reshape(1))
        return y.reshape(())
    if neg:
        x = -x
    xc = x.astype(jnp.float32) if x.dtype in _LOWP else x
    y = jax.nn.log_softmax(xc, axis=d) if log else jax.nn.softmax(xc, axis=d)
    return y.astype(x.dtype)


_SOFTMAX = reg("softmax", _softmax_fn, "SoftmaxBackward0")
_LOG_SOFTMAX = reg("log_softmax", _softmax_fn, "LogSoftmaxBackward0")


def _implicit_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_common(name, o, log, neg, input, dim, stacklevel, dtype):
    if dim is None:
        dim = _implicit_dim(name, input.dim(), stacklevel + 1)
    if dtype is not None:
        input = P._to(input, D.to_dtype(dtype))
    kernel = ("log_softmax" if log else "softmax") + "_lastdim_kernel_impl"
    return dispatch(o, (input,), (int(dim), log, neg, kernel))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim (dtype: cast input first)."""
    return _softmax_common("softmax", _SOFTMAX, False, False, input, dim, _stacklevel, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, computed stably."""
    return _softmax_common("log_softmax", _LOG_SOFTMAX, True, False, input, dim, _stacklevel,
                           dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    return _softmax_common("softmin", _SOFTMAX, False, True, input, dim, _stacklevel, dtype)


def _gumbel_fn(tau, hard, dim, logits, u):
    d = canon_dim(dim, logits.ndim)
    # NOTE: torch draws Exponential(1) noise e and uses -log(e); -log(-log(u)) is the same law.
    g = -jnp.log(-jnp.log(u))
    y = jax.nn.softmax((logits + g) / tau, axis=d)
    if not hard:
        return y
    idx = jnp.argmax(y, axis=d, keepdims=True)
    onehot = (jnp.arange(y.shape[d]).reshape([-1 if i == d else 1 for i in range(y.ndim)])
              == idx).astype(y.dtype)
    return onehot - lax.stop_gradient(y) + y


_GUMBEL = reg("gumbel_softmax", _gumbel_fn, "AddBackward0")


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Sample from the Gumbel-softmax distribution (straight-through one-hot when hard)."""
    from ..._ops.random import rand_like
    u = rand_like(logits).clamp(min=1e-20, max=1.0 - 1e-7)
    return dispatch(_GUMBEL, (logits, u), (float(tau), bool(hard), int(dim)))


def _glu_fn(dim, x):
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if x.dtype.kind in "biuc":
        raise NotImplementedError(f"\"glu_cpu\" not implemented for "
                                  f"'{torch_name(D.from_np(x.dtype))}'")
    d = canon_dim(dim, x.ndim)
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = jnp.split(x, 2, axis=d)
    return a * jax.nn.sigmoid(b)


_GLU = reg("glu", _glu_fn, "GluBackward0")


def glu(input, dim=-1):
    """a * sigmoid(b) where a, b are the halves of input along dim."""
    return dispatch(_GLU, (input,), (int(dim),))


def _prelu_fn(x, w):
    if x.dtype.kind in "biu":
        raise NotImplementedError(f"\"prelu_cpu\" not implemented for "
                                  f"'{torch_name(D.from_np(x.dtype))}'")
    c = x.shape[1] if x.ndim >= 2 else 1
    if w.size != 1 and w.size != c:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {w.size} and channel size = {c}.")
    if w.size == 1 or x.ndim < 2:
        wb = w.reshape(())
    else:
        wb = w.reshape([c] + [1] * (x.ndim - 2))
    return jnp.where(x > 0, x, wb.astype(x.dtype) * x)


_PRELU = reg("prelu", _prelu_fn, "PreluKernelBackward0")


def prelu(input, weight):
    """x if x > 0 else weight * x (weight per channel, dim 1)."""
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    return dispatch(_PRELU, (input, weight))


def _rrelu_fn(x, r):
    return jnp.where(x > 0, x, x * r.astype(x.dtype))


_RRELU = reg("rrelu", float_kernel("rrelu_with_noise_out_cpu", _rrelu_fn, argi=0),
             "RreluWithNoiseBackward0")


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: slopes ~ U(lower, upper) when training, their mean in eval."""
    if training:
        from ..._ops.random import rand_like
        r = rand_like(input) * (upper - lower) + lower
        out = dispatch(_RRELU, (input, r))
    else:
        out = dispatch(_RRELU, (input, (lower + upper) / 2))
    return _maybe_inplace(input, out, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place rrelu."""
    return rrelu(input, lower, upper, training, True)
