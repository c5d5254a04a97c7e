"""torch.optim.Adamax."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like
from .adam import _check_betas, _check_lr_eps_wd

__all__ = ["Adamax"]


class Adamax(_FusedOptimizer):
    """Adamax: Adam with the infinity norm."""

    _rule = staticmethod(F.adamax)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr_eps_wd(lr, eps, weight_decay)
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def _state_keys(self, group):
        return ("step", "exp_avg", "exp_inf")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["exp_avg"] = _buffer_like(p)
        state["exp_inf"] = _buffer_like(p)

    def _hyper(self, group):
        b1, b2 = group["betas"]
        return (_scalar(group["lr"]), b1, b2, group["eps"], group["weight_decay"])

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)
