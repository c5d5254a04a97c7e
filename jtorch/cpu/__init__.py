"""torch.cpu: device-agnostic helpers for the CPU (one device, no streams to wait on), and the
deprecated torch.cpu.amp aliases."""
from . import amp

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "current_stream",
           "stream", "set_device", "device_count", "Stream", "StreamContext", "Event", "amp"]


def is_available():
    """Always True (the CPU is always there)."""
    return True


def is_initialized():
    """Always True."""
    return True


def synchronize(device=None):
    """A no-op, as in torch (reading a JAX array waits for the work that produces it)."""


def device_count():
    """Number of CPU devices (not cores): always 1."""
    return 1


def set_device(device):
    """A no-op on the CPU."""


def current_device():
    """Always 'cpu'."""
    return "cpu"


class Stream:
    """A CPU stream placeholder (exists for device-agnostic code)."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    """A CPU event placeholder (always complete)."""

    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_cpu_stream = Stream()
_current_stream = _default_cpu_stream


def current_stream(device=None):
    """The selected CPU stream placeholder."""
    return _current_stream


class StreamContext:
    """Context manager selecting a CPU stream placeholder."""

    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _default_cpu_stream

    def __enter__(self):
        global _current_stream
        if self.stream is None:
            return
        self.prev_stream = _current_stream
        _current_stream = self.stream

    def __exit__(self, *exc):
        global _current_stream
        if self.stream is None:
            return
        _current_stream = self.prev_stream


def stream(stream):
    """StreamContext(stream)."""
    return StreamContext(stream)
