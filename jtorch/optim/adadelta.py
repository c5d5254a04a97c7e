"""torch.optim.Adadelta."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like

__all__ = ["Adadelta"]


class Adadelta(_FusedOptimizer):
    """Adadelta (Zeiler)."""

    _rule = staticmethod(F.adadelta)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def _state_keys(self, group):
        return ("step", "square_avg", "acc_delta")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["square_avg"] = _buffer_like(p)
        state["acc_delta"] = _buffer_like(p)

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["rho"], group["eps"], group["weight_decay"])

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)
