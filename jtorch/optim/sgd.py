"""torch.optim.SGD."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar

__all__ = ["SGD"]


class SGD(_FusedOptimizer):
    """Stochastic gradient descent (optionally with momentum, dampening and Nesterov)."""

    _rule = staticmethod(F.sgd)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _state_keys(self, group):
        # NOTE: torch keeps no per-parameter state (not even an empty dict) without momentum.
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _init_state(self, p, state, group):
        pass  # the momentum buffer is created by the first step (a copy of the gradient)

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["momentum"], group["dampening"],
                _scalar(group["weight_decay"]))

    def _static(self, group):
        return (group["momentum"] != 0, bool(group["nesterov"]), bool(group["maximize"]),
                group["weight_decay"] != 0, group["dampening"] == 0)
