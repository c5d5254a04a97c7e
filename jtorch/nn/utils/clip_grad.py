"""torch.nn.utils.clip_grad: the public module path of gradient clipping."""
from . import _clip_grad
from ._clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_"]

# NOTE: as in torch, this module names the two newer helpers with an underscore
# (torch.nn.utils re-exports them without it).
_clip_grads_with_norm_ = _clip_grad.clip_grads_with_norm_
_get_total_norm = _clip_grad.get_total_norm
