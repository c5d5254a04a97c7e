"""Module._apply and the device/dtype conversions (bound as Module methods in module.py)."""
import warnings

__all__ = []


def _set_data(t, new):
    """t.data = new, keeping new's layout (a channels_last result stays channels_last)."""
    t.data = new
    if new._base is not None:
        # NOTE: the data setter makes t a row-major root; like _restride_inplace, t becomes a
        # view over new's storage instead, so stride() matches torch's set_data.
        t._a, t._base, t._st, t._seen, t._gv = new._a, new._base, new._st, new._seen, new._gv


def _apply(self, fn, recurse=True):
    if recurse:
        for module in self.children():
            module._apply(fn)
    from ...autograd import no_grad
    for key, param in self._parameters.items():
        if param is None:
            continue
        with no_grad():
            param_applied = fn(param)
        param_grad = param._grad
        # NOTE: torch's set_data path: the Parameter object keeps its identity (optimizers
        # holding it stay valid); only its array changes.
        if param_applied is not param:
            _set_data(param, param_applied)
        if param_grad is not None:
            with no_grad():
                grad_applied = fn(param_grad)
            if grad_applied is not param_grad:
                _set_data(param_grad, grad_applied)
    for key, buf in self._buffers.items():
        if buf is not None:
            self._buffers[key] = fn(buf)
    return self


def apply(self, fn):
    """Call fn on every submodule (children first) and then on self; returns self."""
    for module in self.children():
        module.apply(fn)
    fn(self)
    return self


def cuda(self, device=None):
    """Move parameters and buffers to a CUDA (JAX GPU) device."""
    return self._apply(lambda t: t.cuda(device))


def _no_backend(self, name):
    raise NotImplementedError(f"Module.{name}(): jtorch has no {name.upper()} backend (JAX "
                              "devices: cpu, cuda, tpu)")


def ipu(self, device=None):
    """Not supported: no IPU backend in JAX."""
    self._no_backend("ipu")


def xpu(self, device=None):
    """Not supported: no XPU backend in JAX."""
    self._no_backend("xpu")


def mtia(self, device=None):
    """Not supported: no MTIA backend in JAX."""
    self._no_backend("mtia")


def cpu(self):
    """Move parameters and buffers to the CPU."""
    return self._apply(lambda t: t.cpu())


def type(self, dst_type):
    """Cast all parameters and buffers to dst_type."""
    return self._apply(lambda t: t.type(dst_type))


def float(self):
    """Cast floating point parameters and buffers to float32."""
    return self._apply(lambda t: t.float() if t.is_floating_point() else t)


def double(self):
    """Cast floating point parameters and buffers to float64."""
    return self._apply(lambda t: t.double() if t.is_floating_point() else t)


def half(self):
    """Cast floating point parameters and buffers to float16."""
    return self._apply(lambda t: t.half() if t.is_floating_point() else t)


def bfloat16(self):
    """Cast floating point parameters and buffers to bfloat16."""
    return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)


def to_empty(self, *, device, recurse=True):
    """Move parameters and buffers to `device` without copying values."""
    from ..._ops.creation import empty_like
    return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)


def to(self, *args, **kwargs):
    """Move and/or cast parameters and buffers: to(device, dtype), to(dtype), to(tensor),
    to(memory_format=...) (4-D / 5-D tensors only)."""
    from ..._ops.convert import _parse_to
    from ... import _dtype as D
    from ..._memory_format import check_memory_format
    kwargs = dict(kwargs)
    fmt = kwargs.pop("memory_format", None)
    if fmt is not None:
        check_memory_format(fmt, "to")
    device, dtype, _ = _parse_to(args, kwargs)
    if dtype is not None:
        dtype = D.to_dtype(dtype)
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dtype}")
        if dtype.is_complex:
            warnings.warn(
                "Complex modules are a new feature under active development whose design may "
                "change, and some modules might not work as expected when using complex "
                "tensors as parameters or buffers. Please file an issue at https://github.com/"
                "pytorch/pytorch/issues/new?template=bug-report.yml if a complex module does "
                "not work as expected.", stacklevel=2)

    def convert(t):
        d = dtype if (t.is_floating_point() or t.is_complex()) else None
        # NOTE: torch passes memory_format only for 4-D and 5-D tensors, so channels_last on a
        # 5-D weight raises torch's rank error, and a 1-D bias is left alone.
        kw = {"memory_format": fmt} if fmt is not None and t.dim() in (4, 5) else {}
        if d is None:
            return t.to(device, **kw) if device is not None else (t.to(**kw) if kw else t)
        return t.to(device, d, **kw) if device is not None else t.to(d, **kw)
    return self._apply(convert)


def share_memory(self):
    """No-op in jtorch (no shared-memory tensors); returns self."""
    return self
