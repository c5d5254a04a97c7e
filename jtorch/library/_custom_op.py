"""torch.library.custom_op and CustomOpDef: Python functions registered as operators."""
import contextlib
import functools

from . import _registry as R
from ._dispatch import call_op
from ._schema import infer_schema, parse_schema

__all__ = ["custom_op", "CustomOpDef", "get_ctx", "FakeImplCtx", "define_entry"]

_CTX = []


class FakeImplCtx:
    """The context a fake (meta) kernel sees through get_ctx()."""

    def new_dynamic_size(self, *, min=0, max=None):
        """Unsupported: jtorch's fake kernels run on real tensors (no symbolic sizes)."""
        raise NotImplementedError("jtorch: get_ctx().new_dynamic_size() is not supported (fake "
                                  "kernels run on real tensors; there are no unbacked sizes)")

    create_unbacked_symint = new_dynamic_size


@contextlib.contextmanager
def fake_ctx():
    """Make get_ctx() return a FakeImplCtx while a fake kernel runs."""
    _CTX.append(FakeImplCtx())
    try:
        yield _CTX[-1]
    finally:
        _CTX.pop()


def get_ctx():
    """The FakeImplCtx inside a fake kernel (register_fake), else None."""
    return _CTX[-1] if _CTX else None


def _device_list(device_types):
    if device_types is None:
        return [None]
    if isinstance(device_types, str):
        return [device_types]
    return list(device_types)


def define_entry(qualname, schema_text, mutates=()):
    """Create (or replace) the table entry for qualname with a parsed schema."""
    ns, name, overload = R.parse_qualname(qualname)
    schema = parse_schema(schema_text, f"{ns}::{name}")
    schema.overload_name = overload or schema.overload_name
    entry = R.OpEntry(schema, mutates)
    R.TABLE.setdefault(ns, {}).setdefault(name, {})[schema.overload_name] = entry
    return entry


class CustomOpDef:
    """A custom operator made by custom_op; call it like the function it wraps."""

    def __init__(self, namespace, name, schema, fn, mutates):
        self._namespace = namespace
        self._name = name
        self._init_fn = fn
        qual = f"{namespace}::{name}"
        # NOTE: torch 2.13 lets a custom op be redefined; the newest definition wins.
        self._entry = define_entry(qual, schema, mutates)
        self._entry.custom_op = True
        functools.update_wrapper(self, fn)

    @property
    def _qualname(self):
        return f"{self._namespace}::{self._name}"

    def __repr__(self):
        return f"<CustomOpDef({self._qualname})>"

    def __call__(self, *args, **kwargs):
        return call_op(self._entry, args, kwargs)

    def register_kernel(self, device_types, fn=None, /):
        """Register a device-specific implementation (device_types: 'cpu', 'cuda', ...)."""
        def inner(fn):
            for d in _device_list(device_types):
                self._entry.kernels[d] = fn
            return fn
        return inner(fn) if fn is not None else inner

    def register_fake(self, fn, /):
        """Register the fake (meta) kernel: output metadata from input metadata."""
        self._entry.fake = fn
        return fn

    def register_autograd(self, backward, /, *, setup_context=None):
        """Register backward(ctx, *grads) -> grads per input, with setup_context(ctx, inputs, output)."""
        if any(a.type.startswith("Tensor") and a.type.endswith("[]")
               for a in self._entry.schema.arguments):
            raise NotImplementedError("jtorch: register_autograd on an operator with Tensor[] "
                                      "arguments is not supported (no gradients to list items)")
        self._entry.backward = backward
        self._entry.setup_context = setup_context
        self._entry.autograd_fn = None

    def register_torch_dispatch(self, torch_dispatch_class, fn=None, /):
        """Unsupported: jtorch has no __torch_dispatch__ modes/subclasses."""
        raise NotImplementedError("jtorch: register_torch_dispatch is not supported (jtorch has "
                                  "no __torch_dispatch__ mechanism)")

    def register_vmap(self, func=None, /):
        """Unsupported: jtorch batches the Python implementation itself under vmap."""
        raise NotImplementedError("jtorch: register_vmap is not supported (torch.func.vmap "
                                  "traces the op's Python implementation instead)")

    def register_autocast(self, device_type, cast_inputs):
        """Unsupported: autocast rules for custom ops."""
        raise NotImplementedError("jtorch: register_autocast is not supported for custom ops")

    def set_kernel_enabled(self, device_type, enabled=True):
        """Unsupported: toggling kernels."""
        raise NotImplementedError("jtorch: CustomOpDef.set_kernel_enabled is not supported")


def custom_op(name, fn=None, /, *, mutates_args, device_types=None, schema=None, tags=None):
    """Wrap a type-annotated function as operator `name` ('ns::op'); usable as a decorator."""
    def inner(fn):
        ns, opname = name.split("::")  # NOTE: torch's own ValueError for a name without '::'
        R.parse_qualname(name)
        if schema is None:
            text = infer_schema(fn, mutates_args=mutates_args)
        else:
            text = schema
        mutated = [a.name for a in parse_schema(text).arguments if a.is_write]
        op = CustomOpDef(ns, opname, text, fn, mutated)
        for d in _device_list(device_types):
            op._entry.kernels[d] = fn
        return op
    return inner(fn) if fn is not None else inner
