"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local)."""
import functools
import threading

from .._ops.registry import hooks

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _Mode(threading.local):
    enabled = True
    inference = False


# NOTE: dispatch reads hooks.mode.enabled only when an input requires grad.
hooks.mode = _Mode()


def is_grad_enabled():
    """Whether operations are recorded for autograd in this thread."""
    return hooks.mode.enabled


def is_inference_mode_enabled():
    """Whether inference mode is on in this thread."""
    return hooks.mode.inference


class _DecoratorContextManager:
    """Context manager that also works as a (function) decorator, like torch's."""

    def __call__(self, func):
        if isinstance(func, type):
            raise RuntimeError("Decorating classes is deprecated and will be disabled in a future "
                               "version of PyTorch.")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Disable gradient recording inside the block."""

    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = hooks.mode.enabled
        hooks.mode.enabled = False

    def __exit__(self, *exc):
        hooks.mode.enabled = self.prev


class enable_grad(_DecoratorContextManager):
    """Enable gradient recording inside the block."""

    def __enter__(self):
        self.prev = hooks.mode.enabled
        hooks.mode.enabled = True

    def __exit__(self, *exc):
        hooks.mode.enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set gradient recording on or off (immediately, and restored on exit when used in `with`)."""

    def __init__(self, mode):
        self.prev = hooks.mode.enabled
        self.mode = bool(mode)
        hooks.mode.enabled = self.mode

    def __call__(self, func):
        # NOTE: as torch: constructing set_grad_enabled(mode) to decorate a function must not
        # leave the mode switched for the caller.
        hooks.mode.enabled = self.prev
        return super().__call__(func)

    def __enter__(self):
        hooks.mode.enabled = self.mode

    def __exit__(self, *exc):
        hooks.mode.enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """No autograd recording, and tensors made inside are inference tensors (is_inference());
    inference_mode(False) turns it off and grad mode on, as torch's InferenceMode(false)."""

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        from .._tensor import INFERENCE
        self.prev = (hooks.mode.enabled, hooks.mode.inference)
        on = bool(self.mode)
        hooks.mode.enabled, hooks.mode.inference = not on, on
        INFERENCE[0] += on

    def __exit__(self, *exc):
        from .._tensor import INFERENCE
        hooks.mode.enabled, hooks.mode.inference = self.prev
        INFERENCE[0] -= bool(self.mode)

    def clone(self):
        return self.__class__(self.mode)
