"""torch.optim.Muon: momentum, then Newton-Schulz orthogonalization of 2-D updates in bfloat16
(torch/optim/_muon.py); no optax rule computes torch's bfloat16 iteration, so it is jax.numpy."""
import math

import jax.numpy as jnp

from .._tensor import Tensor
from ._adafactor import _lerp_op, _opmath, _rounder, _sub1, _t
from ._base import _FusedOptimizer, _scalar, _buffer_like
from ._functional import _cast

__all__ = ["Muon"]

# Constants from Keller Jordan's Muon post (as torch).
EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5

_BF16, _F32 = jnp.bfloat16, jnp.float32


def _mm(a, b):
    """A bfloat16 matmul accumulated in float32 (torch's CPU bf16 gemm), left in float32."""
    return jnp.matmul(a, b, preferred_element_type=_F32)


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """torch's quintic Newton-Schulz iteration in bfloat16 (orthogonalizes a 2-D grad).
    NOTE: each torch bf16 op computes in float32 and rounds its result once to bfloat16; the
    same roundings are made here (addmm: beta*C + alpha*(A@B) in float32, then one rounding).
    Small matrices match torch's CPU results bit for bit; in larger ones the float32 summation
    order of a matmul (torch's gemm vs XLA's) can flip a bfloat16 rounding, which the iteration
    then spreads: updates agree to about bfloat16 precision, not float32."""
    a, b, c = (jnp.asarray(x, _F32) for x in ns_coefficients)
    x = grad.astype(_BF16)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    n = jnp.sqrt(jnp.sum(jnp.square(x.astype(_F32)))).astype(_BF16)
    n = jnp.maximum(n, jnp.asarray(eps, _F32).astype(_BF16))
    x = (x.astype(_F32) / n.astype(_F32)).astype(_BF16)
    for _ in range(ns_steps):
        gram = _mm(x, x.T).astype(_BF16)
        gram_update = (b * gram.astype(_F32) + c * _mm(gram, gram)).astype(_BF16)
        x = (a * x.astype(_F32) + _mm(gram_update, x)).astype(_BF16)
    return x.T if tall else x


def _lr_ratio(adjust_lr_fn, param_shape):
    """torch's learning-rate scaling (_adjust_lr's ratio) for a (A, B) matrix."""
    A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return math.sqrt(max(1, A / B))
    if adjust_lr_fn == "match_rms_adamw":
        return 0.2 * math.sqrt(max(A, B))
    return 1.0


def muon(static, hp, p, g, st):
    """torch.optim.Muon single-tensor rule."""
    nesterov, ns_coefficients, ns_steps, adjust_lr_fn, lr_dt = static
    lr, wd, momentum, eps = hp[0], hp[1], hp[2], hp[3]
    (buf,) = st
    if p.ndim != 2:
        # NOTE: only _base's shadow run (zero-size stand-ins) gets here; Muon has no 0-d state.
        return p, st
    c = _cast(p)
    buf = _lerp_op(buf, g, 1 - momentum)
    update = _lerp_op(g, buf, momentum) if nesterov else buf
    update = _zeropower_via_newtonschulz(update, ns_coefficients, ns_steps, eps)
    ratio = _lr_ratio(adjust_lr_fn, p.shape)
    if lr_dt is None:
        adjusted_lr, decay = lr * ratio, 1 - lr * wd
    else:
        # NOTE: torch keeps a Tensor lr a tensor: both factors are 0-d tensor arithmetic.
        tlr = _t(lr, lr_dt)
        adjusted_lr, decay = tlr * _t(ratio, lr_dt), _sub1(tlr * _t(wd, lr_dt))
    # NOTE: as torch's CPU kernels: mul_ takes the scalar in the compute dtype (float32 for
    # low-precision params), add_'s alpha rounded to the param dtype; one rounding per op.
    dt = p.dtype
    op, rd = _opmath(dt), _rounder(dt)
    p = rd(p.astype(op) * jnp.asarray(decay).astype(op))
    p = rd(p + c(-adjusted_lr).astype(op) * update.astype(op))
    return p.astype(dt), (buf,)


class Muon(_FusedOptimizer):
    """Muon (Jordan et al.): SGD momentum orthogonalized by Newton-Schulz; 2-D params only."""

    _rule = staticmethod(muon)

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS,
                 ns_steps=DEFAULT_NS_STEPS, adjust_lr_fn=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                    "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                    "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {p.size()}")

    def _group_step(self, group):
        live = [p for p in group["params"] if p._grad is not None]
        for p in live:
            if p.dtype.is_complex:
                raise RuntimeError("Muon does not support complex parameters")
        if live:
            # NOTE: torch raises these from its Newton-Schulz helper, i.e. at step time.
            # (torch has lerped the first momentum buffer by then; here nothing changes.)
            if live[0]._grad.ndim != 2:
                raise ValueError("Param gradient must be a 2D matrix")
            if group["ns_steps"] >= 100:
                raise ValueError("Number of steps must be less than 100 for computational "
                                 "efficiency")
            if any(p._grad.ndim != 2 for p in live):
                raise ValueError("Param gradient must be a 2D matrix")
            if len(group["ns_coefficients"]) != 3:
                raise ValueError("Coefficients must be a tuple of exactly 3 values")
        super()._group_step(group)

    def _state_keys(self, group):
        return ("momentum_buffer",)

    def _init_state(self, p, state, group):
        state["momentum_buffer"] = _buffer_like(p._grad)

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["weight_decay"], group["momentum"], group["eps"])

    def _static(self, group):
        lr = group["lr"]
        return (bool(group["nesterov"]), tuple(float(x) for x in group["ns_coefficients"]),
                int(group["ns_steps"]), group["adjust_lr_fn"],
                lr.dtype._np if isinstance(lr, Tensor) else None)
