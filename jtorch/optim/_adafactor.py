"""torch.optim.Adafactor: torch's own Adafactor variant (torch/optim/_adafactor.py).

NOTE: optax.adafactor is a different algorithm (eps added to the factored moments, its own step
size schedule, no torch-style lr/weight decay), so the update is written in jax.numpy following
torch's _single_tensor_adafactor op by op.
"""
import jax.numpy as jnp

from .. import _dtype as D
from .._tensor import Tensor, wrap
from ._base import _FusedOptimizer, _scalar, _zero_step
from ._functional import _lerp_op, _opmath, _rounder

__all__ = ["Adafactor", "adafactor"]

_F64 = jnp.float64


def _norm(x, rd, axis=None):
    """torch.norm(x, dim=axis, keepdim=True) of x in its compute dtype, rounded by rd."""
    return rd(jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=axis is not None)))


def _mean_sq(g, rd, axis):
    """torch.norm(g, dim=axis, keepdim=True).square_().div_(g.size(axis))."""
    n = _norm(g, rd, axis)
    return rd(rd(n * n) / jnp.asarray(g.shape[axis], g.dtype))


def _t(x, dt):
    """x rounded to a Tensor lr's dtype (torch's 0-d tensor arithmetic with Python floats)."""
    return jnp.asarray(x).astype(dt)


def _sub1(x):
    """1 - x (the weight-decay factor), in x's dtype."""
    return jnp.asarray(1, x.dtype) - x


def adafactor(static, hp, p, g, st):
    """torch.optim.Adafactor single-tensor rule."""
    maximize, has_wd, eps1, eps2, d, lr_dt = static
    lr, beta2_decay, wd = hp[0], hp[1], hp[2]
    step, row_var, col_var, variance = st
    step = step + 1
    if p.size == 0:
        # NOTE: _base's shadow run (zero-size stand-ins for parameters on another device)
        # only needs the scalar `step`; the other state passes through untouched.
        return p, (step, row_var, col_var, variance)
    dt = p.dtype
    op = _opmath(dt)
    rd = _rounder(dt)
    # NOTE: torch's low-precision CPU kernels take a Python scalar in float32 for mul_ and
    # lerp_, but rounded to the tensor's dtype for clamp_ and add_'s alpha (measured), so
    # those scalars go through dt before the compute dtype `op`.
    p, g = p.astype(op), g.astype(op)
    if maximize:
        g = -g
    s = step.astype(_F64)
    one_minus_beta2_t = s ** beta2_decay
    inv_sqrt = 1 / (s ** 0.5)
    # NOTE: torch reads the norms with .item(): a norm in p's dtype, then Python floats.
    rms_p = _norm(p, rd).astype(_F64) / (p.size ** 0.5)
    scale = jnp.maximum(eps2, rms_p)
    if has_wd:
        decay = _sub1(lr * wd) if lr_dt is None else _sub1(_t(lr, lr_dt) * _t(wd, lr_dt))
        p = rd(p * _t(decay, op))
    if g.ndim > 1:
        row_var = _lerp_op(row_var, _mean_sq(g, rd, -1), one_minus_beta2_t)
        col_var = _lerp_op(col_var, _mean_sq(g, rd, -2), one_minus_beta2_t)
        rv = row_var.astype(op)
        # NOTE: row_var @ col_var is an outer product (inner size 1): a broadcast multiply
        # gives the same single rounding without a (possibly TF32) matmul.
        var_estimate = rd(rv * col_var.astype(op))
        var_estimate = rd(var_estimate / jnp.maximum(rd(jnp.mean(rv, axis=-2, keepdims=True)),
                                                     _t(_t(eps1, dt), op)))
    else:
        variance = _lerp_op(variance, rd(g * g).astype(dt), one_minus_beta2_t)
        var_estimate = variance.astype(op)
    # NOTE: eps1 squared, as torch: the square root then keeps eps1's magnitude.
    var_estimate = jnp.maximum(var_estimate, _t(_t(eps1 * eps1, dt), op))
    update = rd(jnp.reciprocal(jnp.sqrt(var_estimate)))
    update = rd(update * g)
    rms_u = _norm(update, rd).astype(_F64) / ((update.size ** 0.5) * d)
    denom = jnp.maximum(1.0, rms_u)
    step_size = -(scale * jnp.minimum(lr, inv_sqrt)) / denom
    if lr_dt is not None:
        # NOTE: torch keeps a Tensor lr a tensor: when min(lr, 1/sqrt(t)) picks it, alpha and
        # alpha/denom are 0-d tensor arithmetic in lr's dtype.
        tlr = _t(lr, lr_dt)
        in_t = -(_t(scale, lr_dt) * tlr) / _t(denom, lr_dt)
        step_size = jnp.where(_t(inv_sqrt, lr_dt) < tlr, step_size, in_t.astype(_F64))
    p = rd(p + _t(_t(step_size, dt), op) * update)
    return p.astype(dt), (step, row_var, col_var, variance)


class Adafactor(_FusedOptimizer):
    """Adafactor (Shazeer & Stern) as torch implements it: factored second moments."""

    _rule = staticmethod(adafactor)

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)

    def _group_step(self, group):
        for p in group["params"]:
            if p._grad is not None and p.dtype.is_complex:
                raise RuntimeError("Adafactor does not support complex parameters")
        super()._group_step(group)

    def _state_keys(self, group):
        return ("step", "row_var", "col_var", "variance")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        a = p._grad._arr()
        if a.ndim > 1:
            # NOTE: the factors keep the reduced axis as size 1 (torch's row/col shapes).
            state["row_var"] = wrap(jnp.zeros_like(a[..., :1]))
            state["col_var"] = wrap(jnp.zeros_like(a[..., :1, :]))
        else:
            state["variance"] = wrap(jnp.zeros_like(a))

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["beta2_decay"], group["weight_decay"])

    def _static(self, group):
        eps1, eps2 = group["eps"]
        if eps1 is None:
            # NOTE: torch fills eps1 once per step from the first parameter (with a grad) of
            # the group, and every later parameter of the group reuses that value.
            first = next((p for p in group["params"] if p._grad is not None), None)
            eps1 = D.finfo(D.float32 if first is None else first.dtype).eps
        lr = group["lr"]
        lr_dt = lr.dtype._np if isinstance(lr, Tensor) else None
        return (bool(group["maximize"]), group["weight_decay"] != 0, float(eps1), float(eps2),
                float(group["d"]), lr_dt)
