"""torch.optim.NAdam."""
from .. import tensor
from .. import _dtype as D
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like
from .adam import _check_betas, _check_lr_eps_wd

__all__ = ["NAdam"]


class NAdam(_FusedOptimizer):
    """NAdam: Adam with Nesterov momentum (momentum_decay, decoupled_weight_decay)."""

    _rule = staticmethod(F.nadam)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr_eps_wd(lr, eps, weight_decay)
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def _state_keys(self, group):
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["mu_product"] = tensor(1.0, dtype=D.float32)
        state["exp_avg"] = _buffer_like(p)
        state["exp_avg_sq"] = _buffer_like(p)

    def _hyper(self, group):
        b1, b2 = group["betas"]
        return (_scalar(group["lr"]), b1, b2, group["eps"], group["weight_decay"],
                group["momentum_decay"])

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0,
                bool(group["decoupled_weight_decay"]))
