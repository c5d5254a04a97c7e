"""torch.optim.ASGD."""
from .. import tensor
from .. import _dtype as D
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like

__all__ = ["ASGD"]


class ASGD(_FusedOptimizer):
    """Averaged stochastic gradient descent (the average is kept in state['ax'])."""

    _rule = staticmethod(F.asgd)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def _state_keys(self, group):
        return ("step", "eta", "mu", "ax")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["eta"] = tensor(_scalar(group["lr"]), dtype=D.float32)
        state["mu"] = tensor(1.0, dtype=D.float32)
        state["ax"] = _buffer_like(p)

    def _hyper(self, group):
        return (_scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"],
                group["weight_decay"])

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)
