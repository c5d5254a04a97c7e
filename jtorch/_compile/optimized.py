"""OptimizedModule: what torch.compile returns for an nn.Module."""
from ..nn.modules.module import Module

__all__ = ["OptimizedModule"]


class OptimizedModule(Module):
    """Wraps a Module; calls run its compiled program. State lives in `_orig_mod`."""

    def __init__(self, mod, compiled):
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_jt_compiled", compiled)
        # NOTE: torch's OptimizedModule mirrors the wrapped module's training flag
        self.training = mod.training

    def __call__(self, *args, **kwargs):
        return self._jt_compiled(*args, **kwargs)

    forward = __call__

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def train(self, mode=True):
        """Set training mode on the wrapped module."""
        self._orig_mod.train(mode)
        self.training = mode
        return self

    def __repr__(self):
        return f"OptimizedModule(\n  (_orig_mod): {repr(self._orig_mod).replace(chr(10), chr(10) + '  ')}\n)"
