"""torch.get_device_module: the torch.<type> module (cuda, cpu, mps, xpu, mtia) for a device."""
from . import _device as DEV

__all__ = ["get_device_module"]


def get_device_module(device=None):
    """The module for a device (torch.device or str); the accelerator's (or cpu's) for None."""
    if isinstance(device, DEV.device):
        name = device.type
    elif isinstance(device, str):
        name = DEV.device(device).type
    elif device is None:
        from . import accelerator
        acc = accelerator.current_accelerator()
        name = "cpu" if acc is None else acc.type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect torch.device, str, or "
                           f"None")
    # NOTE: torch looks the module up as an attribute of torch; jtorch's device modules are
    # imported here, so the lookup does not depend on what jtorch/__init__ imported.
    from . import cpu, cuda, mps, mtia, xpu
    mod = {"cpu": cpu, "cuda": cuda, "mps": mps, "mtia": mtia, "xpu": xpu}.get(name)
    if mod is None:
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as "
                           f"'torch.{name}'.")
    return mod
