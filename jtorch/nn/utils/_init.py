"""torch.nn.utils.init: skip_init."""
import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Construct module_cls without meaningful initial values (torch: uninitialized memory).

    NOTE: jtorch has no meta device, so the module is built normally (its default init runs)
    on `device`; torch leaves the values uninitialized, so any values satisfy its contract.
    """
    from ..modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs)
