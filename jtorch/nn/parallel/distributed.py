"""torch.nn.parallel.distributed: DistributedDataParallel (one process in jtorch)."""
import warnings
from contextlib import contextmanager, nullcontext

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

# NOTE: jtorch.distributed runs one process (world_size 1). There, torch's DDP all-reduces each
# gradient and divides by the world size: the gradients stay exactly the single-process ones,
# and broadcasting parameters/buffers from rank 0 changes nothing. So forward passes straight
# through and backward needs no hook. Unused-parameter detection (torch's "Expected to have
# finished reduction" error) and comm hooks are not reproduced.


def _default_group():
    from ... import distributed as dist
    return dist._world._default_group()


class DistributedDataParallel(Module):
    """Data parallelism across processes, wrapping module (jtorch: a one-process group)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None,
                 init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params=False,
                 bucket_cap_mb_list=None, batched_grad_copy=False, forward_sync_buffers=None):
        super().__init__()
        if process_group is None and device_mesh is None:
            self.process_group = _default_group()
        elif device_mesh is not None:
            raise NotImplementedError("DistributedDataParallel(device_mesh=...) is not supported "
                                      "by jtorch")
        else:
            self.process_group = process_group
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        devices = {p.device for p in params}
        self.is_multi_device_module = len(devices) > 1
        self.device_type = next(iter(devices)).type
        if device_ids and self.device_type == "cpu":
            raise ValueError(
                f"DistributedDataParallel device_ids and output_device arguments only work with "
                f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        if not device_ids or self.is_multi_device_module:
            self.device_ids = None
            self.output_device = None
        else:
            from ..parallel.data_parallel import _get_device_index
            self.device_ids = [_get_device_index(x) for x in device_ids]
            self.output_device = self.device_ids[0] if output_device is None \
                else _get_device_index(output_device)
        self.module = module
        self.device = next(iter(devices))
        self.dim = dim
        self.static_graph = False
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.mixed_precision = mixed_precision
        if broadcast_buffers is not None:
            if forward_sync_buffers is not None:
                warnings.warn("Both `broadcast_buffers` and `forward_sync_buffers` were "
                              "specified. `broadcast_buffers` is deprecated and its value is "
                              "ignored when `forward_sync_buffers` is provided.", FutureWarning,
                              stacklevel=2)
            else:
                warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` "
                              "instead. IMPORTANT: unlike `broadcast_buffers=False`, "
                              "`forward_sync_buffers=False` still syncs buffers at init. If you "
                              "rely on buffers NOT being synced at init (e.g. rank-local "
                              "buffers), keep using `broadcast_buffers=False` until "
                              "`init_sync_buffers` is available.", FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
        else:
            self.forward_sync_buffers = True if broadcast_buffers is None else broadcast_buffers
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is "
                          "deprecated. Please avoid using it.", FutureWarning, stacklevel=2)
        self.batched_grad_copy = batched_grad_copy
        self.skip_all_reduce_unused_params = skip_all_reduce_unused_params
        self.parameters_to_ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        if static_graph:
            self._set_static_graph()

    def _set_static_graph(self):
        self.static_graph = True

    @property
    def broadcast_buffers(self):
        """Whether buffers are synced from rank 0 before each forward (forward_sync_buffers)."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value):
        self.forward_sync_buffers = value

    def forward(self, *inputs, **kwargs):
        """Run the wrapped module (world size 1: nothing to synchronize)."""
        return self.module(*inputs, **kwargs)

    def join(self, divide_by_initial_world_size=True, enable=True,
             throw_on_early_termination=False):
        """Context manager for uneven inputs across processes (one process: nothing to join)."""
        # NOTE: with a single process no rank can run out of inputs before the others
        return nullcontext()

    @contextmanager
    def no_sync(self):
        """Within this context gradients accumulate locally without all-reduce."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
