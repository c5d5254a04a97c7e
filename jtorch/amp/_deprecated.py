"""The deprecated per-device AMP classes (torch.cuda.amp / torch.cpu.amp): torch.amp's, with the
device fixed and torch's FutureWarning."""
import warnings

from .. import _dtype as D
from . import autocast_mode as _am
from . import grad_scaler as _gs

__all__ = []


def aliases(device, default_dtype, module, home):
    """(autocast, GradScaler) classes of `module` (e.g. 'torch.cuda.amp') for `device`, defined
    as if in the jtorch module `home` (their pickling path)."""

    class autocast(_am.autocast):
        __doc__ = f"Deprecated: torch.amp.autocast('{device}', ...)."

        def __init__(self, enabled=True, dtype=None, cache_enabled=True):
            warnings.warn(f"`{module}.autocast(args...)` is deprecated. Please use "
                          f"`torch.amp.autocast('{device}', args...)` instead.", FutureWarning,
                          stacklevel=2)
            super().__init__(device, enabled=enabled,
                             dtype=getattr(D, default_dtype) if dtype is None else dtype,
                             cache_enabled=cache_enabled)

    class GradScaler(_gs.GradScaler):
        __doc__ = f"Deprecated: torch.amp.GradScaler('{device}', ...)."

        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                     growth_interval=2000, enabled=True):
            warnings.warn(f"`{module}.GradScaler(args...)` is deprecated. Please use "
                          f"`torch.amp.GradScaler('{device}', args...)` instead.",
                          FutureWarning, stacklevel=2)
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval,
                             enabled=enabled)

    for cls in (autocast, GradScaler):
        cls.__module__, cls.__qualname__ = home, cls.__name__
    return autocast, GradScaler
