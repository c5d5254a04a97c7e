"""torch.cpu.amp: deprecated aliases of torch.amp for device 'cpu'."""
from ...amp import _deprecated as _dep

__all__ = ["autocast", "GradScaler"]

autocast, GradScaler = _dep.aliases("cpu", "bfloat16", "torch.cpu.amp", __name__)
