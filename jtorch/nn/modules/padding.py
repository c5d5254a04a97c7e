"""torch.nn.modules.padding: Zero/Constant/Reflection/Replication/Circular padding 1-3d."""
from .. import functional as F
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


def _ntuple(n):
    return lambda x: tuple(x) if isinstance(x, (list, tuple)) else (x,) * n


class _CircularPadNd(Module):
    __constants__ = ["padding"]
    _n = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(2 * self._n)(padding)

    def _check_input_dim(self, input):
        n = self._n
        if input.dim() != n + 1 and input.dim() != n + 2:
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")

    def forward(self, input):
        """Pad circularly."""
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")

    def extra_repr(self):
        return f"{self.padding}"


class CircularPad1d(_CircularPadNd):
    """Circular padding of the last dim."""
    _n = 1


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last 2 dims."""
    _n = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last 3 dims."""
    _n = 3


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]
    _n = 1

    def __init__(self, padding, value):
        super().__init__()
        self.value = value
        self.padding = _ntuple(2 * self._n)(padding)

    def forward(self, input):
        """Pad with a constant value."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Constant padding of the last dim."""
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Constant padding of the last 2 dims."""
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Constant padding of the last 3 dims."""
    _n = 3


class ZeroPad1d(ConstantPad1d):
    """Zero padding of the last dim."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Zero padding of the last 2 dims."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Zero padding of the last 3 dims."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _n = 1
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(2 * self._n)(padding)

    def forward(self, input):
        """Pad by reflection / replication."""
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Reflection padding of the last dim."""
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Reflection padding of the last 2 dims."""
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Reflection padding of the last 3 dims."""
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Edge-replication padding of the last dim."""
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Edge-replication padding of the last 2 dims."""
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Edge-replication padding of the last 3 dims."""
    _n, _mode = 3, "replicate"
