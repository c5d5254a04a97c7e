"""torch.nn.parallel.data_parallel: DataParallel and data_parallel (one device in jtorch)."""
from itertools import chain
from typing import Generic, TypeVar

from ..._tensor import Tensor
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]

# NOTE: jtorch has no multi-GPU scatter/replicate/gather: DataParallel works where torch runs
# the module on one device (no accelerator: a plain call; one device id: move + call) and raises
# NotImplementedError for more than one device id.

T = TypeVar("T", bound=Module)


def _get_available_device_type():
    """'cuda' when JAX has a GPU backend, else None (torch's helper of the same name)."""
    from ... import cuda
    return "cuda" if cuda.is_available() else None


def _get_all_device_indices():
    from ... import cuda
    return list(range(cuda.device_count()))


def _get_device_index(device):
    from ... import cuda
    return cuda._index(device)


def _check_single_device(device_ids):
    if len(device_ids) > 1:
        raise NotImplementedError(
            f"DataParallel over more than one device (device_ids={device_ids}) is not supported "
            f"by jtorch: pass a single device id, or use jtorch.compile / JAX sharding for "
            f"multi-device data parallelism")


def _to_device(obj, device):
    """Move the tensors inside obj (tuples, lists, dicts) to device: one-device scatter."""
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_device(o, device) for o in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _to_device(v, device)) for k, v in obj.items())
    return obj


def _same_device(a, b):
    # NOTE: an index-less device means the first one (torch's cuda tensors always carry one)
    return a.type == b.type and (a.index or 0) == (b.index or 0)


def _check_on_device(module, device):
    for t in chain(module.parameters(), module.buffers()):
        if not _same_device(t.device, device):
            raise RuntimeError(f"module must have its parameters and buffers on device {device} "
                               f"(device_ids[0]) but found one of them on device: {t.device}")


class DataParallel(Module, Generic[T]):
    """Data parallelism at the module level (jtorch: on at most one device)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        device_type = _get_available_device_type()
        if device_type is None:
            # NOTE: torch without an accelerator keeps only `module` and `device_ids=[]`
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = _get_all_device_indices()
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_get_device_index(x) for x in device_ids]
        _check_single_device(self.device_ids)
        self.output_device = _get_device_index(output_device)
        from ..._device import device
        self.src_device_obj = device(device_type, self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        """Run the wrapped module (inputs moved to device_ids[0] when there is one)."""
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_on_device(self.module, self.src_device_obj)
        inputs = _to_device(inputs, self.src_device_obj)
        kwargs = _to_device(kwargs, self.src_device_obj)
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """Evaluate module(input) on the devices in device_ids (jtorch: a single one)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    device_type = _get_available_device_type()
    if device_type is None:
        raise RuntimeError("device type could not be determined")
    if device_ids is None:
        device_ids = _get_all_device_indices()
    device_ids = [_get_device_index(x) for x in device_ids]
    _check_single_device(device_ids)
    from ..._device import device
    src_device_obj = device(device_type, device_ids[0])
    _check_on_device(module, src_device_obj)
    inputs = _to_device(inputs, src_device_obj)
    module_kwargs = _to_device(module_kwargs or {}, src_device_obj)
    return module(*inputs, **module_kwargs)
