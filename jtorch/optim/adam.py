"""torch.optim.Adam and torch.optim.AdamW."""
from . import _functional as F
from ._base import _FusedOptimizer, _check_unsupported, _scalar, _zero_step, _buffer_like

__all__ = ["Adam", "AdamW"]


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_lr_eps_wd(lr, eps, weight_decay):
    if hasattr(lr, "numel") and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


class Adam(_FusedOptimizer):
    """Adam (Kingma & Ba), optionally AMSGrad and decoupled weight decay (AdamW)."""

    _rule = staticmethod(F.adam)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_lr_eps_wd(lr, eps, weight_decay)
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (hasattr(betas[0], "numel") and hasattr(betas[1], "numel"))):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(map(_scalar, betas))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        _check_unsupported(defaults)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    def _state_keys(self, group):
        return ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _init_state(self, p, state, group):
        state["step"] = _zero_step()
        state["exp_avg"] = _buffer_like(p)
        state["exp_avg_sq"] = _buffer_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _buffer_like(p)

    def _hyper(self, group):
        b1, b2 = group["betas"]
        return (_scalar(group["lr"]), _scalar(b1), _scalar(b2), group["eps"],
                group["weight_decay"])

    def _static(self, group):
        return (bool(group["amsgrad"]), bool(group["maximize"]), group["weight_decay"] != 0,
                bool(group["decoupled_weight_decay"]))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
