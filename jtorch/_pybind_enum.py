"""The base of enums torch defines in C++ and exposes through pybind11 (ProfilerActivity,
DeviceType, SDPBackend)."""
import enum

__all__ = ["PybindEnum"]


class PybindEnum(enum.Enum):
    """An enum whose members convert to int like torch's pybind11 enums (but never == an int
    and have no ordering)."""

    def __int__(self):
        return self.value

    def __index__(self):
        return self.value

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return f"<{type(self).__name__}.{self.name}: {self.value}>"

    def __str__(self):
        return f"{type(self).__name__}.{self.name}"
