"""torch.optim.Rprop."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like

__all__ = ["Rprop"]


class Rprop(_FusedOptimizer):
    """Resilient backpropagation: per-element step sizes adapted by the gradient's sign."""

    _rule = staticmethod(F.rprop)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def _state_keys(self, group):
        return ("step", "prev", "step_size")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["prev"] = _buffer_like(p)
        state["step_size"] = _buffer_like(p, _scalar(group["lr"]))

    def _hyper(self, group):
        (etaminus, etaplus), (smin, smax) = group["etas"], group["step_sizes"]
        return (etaminus, etaplus, smin, smax)

    def _static(self, group):
        return (bool(group["maximize"]),)
