"""torch.optim.Adagrad."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like

__all__ = ["Adagrad"]


class Adagrad(_FusedOptimizer):
    """Adagrad (with lr_decay and initial_accumulator_value)."""

    _rule = staticmethod(F.adagrad)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        _check_unsupported(defaults)
        super().__init__(params, defaults)
        # NOTE: unlike the other optimizers, torch's Adagrad creates its state eagerly.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _state_keys(self, group):
        return ("step", "sum")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        v = group["initial_accumulator_value"]
        state["sum"] = _buffer_like(p, v)

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["lr_decay"], group["weight_decay"], group["eps"])

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)
