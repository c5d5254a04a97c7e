"""torch.amp: automatic mixed precision (autocast regions and gradient scaling)."""
from . import autocast_mode, grad_scaler
from .autocast_mode import (_enter_autocast, _exit_autocast, autocast, custom_bwd, custom_fwd,
                            is_autocast_available)
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]

_ = (autocast_mode, grad_scaler, _enter_autocast, _exit_autocast)
