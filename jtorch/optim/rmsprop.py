"""torch.optim.RMSprop."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like

__all__ = ["RMSprop"]


class RMSprop(_FusedOptimizer):
    """RMSprop (optionally centered, with momentum)."""

    _rule = staticmethod(F.rmsprop)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def _state_keys(self, group):
        return ("step", "square_avg", "momentum_buffer", "grad_avg")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["square_avg"] = _buffer_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = _buffer_like(p)
        if group["centered"]:
            state["grad_avg"] = _buffer_like(p)

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["alpha"], group["eps"], group["weight_decay"],
                group["momentum"])

    def _static(self, group):
        return (bool(group["centered"]), group["momentum"] > 0, bool(group["maximize"]),
                group["weight_decay"] != 0)
