"""Calling a library operator: bind args, pick the kernel by device, wrap in autograd."""
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad

__all__ = ["call_op"]

_KEY_NAMES = {"cpu": "CPU", "cuda": "CUDA", "tpu": "TPU", "meta": "Meta", "xpu": "XPU",
              "mps": "MPS"}


def _tensors(values):
    from .._tensor import Tensor
    for v in values:
        if isinstance(v, Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from (x for x in v if isinstance(x, Tensor))


def _device_type(values):
    for t in _tensors(values):
        return t.device.type
    return "cpu"


def _kernel(entry, values):
    dev = _device_type(values)
    fn = entry.kernels.get(dev) or entry.kernels.get(None)
    if fn is None:
        key = _KEY_NAMES.get(dev, dev.upper())
        raise NotImplementedError(
            f"Could not run '{entry.qualname}' with arguments from the '{key}' backend. This "
            f"could be because the operator doesn't exist for this backend. "
            f"'{entry.qualname}' has kernels for: {sorted(map(str, entry.kernels))}")
    return fn


def _check_no_alias(entry, fn, values, out):
    """torch's rule for custom ops: an output may not be (a view of) an input."""
    from .._tensor import Tensor
    outs = out if isinstance(out, (tuple, list)) else (out,)
    ins = list(_tensors(values))
    ids = {id(t) for t in ins} | {id(t._base) for t in ins if t._base is not None}
    for o in outs:
        if isinstance(o, Tensor) and (id(o) in ids or (o._base is not None and id(o._base) in ids)):
            raise RuntimeError(
                f"{entry.qualname.split('::')[1]} (with implementation in {fn.__module__}): The "
                f"output of this custom operator (1) must not also be an input to this custom "
                f"operator and (2) may not alias any inputs to this custom operator or other "
                f"returns. The most common way to trigger this error is if we have y = "
                f"custom_op(x) and y and x are the same Tensor. Please instead return a clone of "
                f"the offending output tensor(s) (e.g. return x.clone()) or refactor the custom "
                f"operator to not return y.")


def _no_formula(entry):
    def backward(ctx, *grads):
        raise RuntimeError(f"Trying to backward through {entry.dotted} but no autograd formula "
                           f"was registered. Please use register_autograd to add one.")
    return backward


def _autograd_function(entry):
    """A generated autograd.Function running the kernel forward and the registered backward."""
    if entry.autograd_fn is not None:
        return entry.autograd_fn
    user_setup = entry.setup_context
    backward = entry.backward or _no_formula(entry)

    def forward(*values):
        fn = _kernel(entry, values)
        out = fn(*values)
        if entry.custom_op:
            _check_no_alias(entry, fn, values, out)
        return out

    def setup_context(ctx, inputs, output):
        if user_setup is not None:
            user_setup(ctx, inputs, output)

    def bw(ctx, *grads):
        return backward(ctx, *grads)

    name = "GeneratedBackwardFor_" + entry.dotted.replace(".", "_")
    # NOTE: forward takes the bound positional values, so Function.apply's signature binding
    # (done for the setup_context style) is a no-op.
    cls = type(name, (Function,), {"forward": staticmethod(forward),
                                   "setup_context": staticmethod(setup_context),
                                   "backward": staticmethod(bw)})
    entry.autograd_fn = cls
    return cls


def call_op(entry, args, kwargs):
    """Run one operator overload with torch's argument checking and autograd behaviour."""
    values = entry.bind(args, kwargs)
    if entry.composite is not None:
        return entry.composite(*values)
    if entry.mutates or entry.backward is None and not any(
            t.requires_grad for t in _tensors(values)):
        # NOTE: nothing to differentiate (or a mutating op, which torch does not differentiate
        # either): run the kernel directly, without a tape node.
        fn = _kernel(entry, values)
        with no_grad():
            out = fn(*values)
        if entry.custom_op:
            _check_no_alias(entry, fn, values, out)
        return out
    # NOTE: inside a jtorch.compile trace Function.apply records a tape node itself
    return _autograd_function(entry).apply(*values)
