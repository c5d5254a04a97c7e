"""torch.library.Library and the module-level define/impl/register_* functions."""
from . import _registry as R
from ._custom_op import CustomOpDef, _device_list, define_entry

__all__ = ["Library", "define", "impl", "register_fake", "register_autograd", "register_kernel",
           "impl_abstract", "fallthrough_kernel", "register_torch_dispatch", "register_vmap",
           "register_autocast", "get_kernel", "entry_of"]

_KINDS = ("DEF", "FRAGMENT", "IMPL")
# NOTE: torch's dispatch keys -> where the kernel goes. Composite*Implicit* kernels run with
# autograd recording (their own ops are differentiated); the others run as one tape node.
_DEVICE_KEYS = {"CPU": "cpu", "CUDA": "cuda", "XLA": "tpu", "TPU": "tpu", "MPS": "mps",
                "XPU": "xpu", "CompositeExplicitAutograd": None, "default": None}
_IMPLICIT_KEYS = ("", "CompositeImplicitAutograd", "Autograd", "AutogradCPU", "AutogradCUDA")


def entry_of(op):
    """The OpEntry behind a qualname, CustomOpDef, OpOverload or OpOverloadPacket."""
    if isinstance(op, CustomOpDef):
        return op._entry
    e = getattr(op, "_entry", None)
    if e is not None:
        return e
    packet = getattr(op, "_packet_entry", None)
    if packet is not None:
        return packet()
    if isinstance(op, str):
        e = R.lookup(op)
        if e is None:
            ns, name, _ = R.parse_qualname(op)
            raise AttributeError(f"'_OpNamespace' '{ns}' object has no attribute '{name}'")
        return e
    raise TypeError(f"expected an operator name 'ns::name', a CustomOpDef or an OpOverload, got "
                    f"{type(op).__name__}")


def _define(qualname, schema, where="def()"):
    ns, name, overload = R.parse_qualname(qualname)
    text = schema if schema.lstrip().startswith("(") else schema[schema.index("("):]
    full = f"{ns}::{name}{'.' + overload if overload else ''}{text.strip()}"
    existing = R.lookup(f"{ns}::{name}{'.' + overload if overload else ''}")
    if existing is not None and not existing.custom_op:
        raise RuntimeError(f"Tried to register an operator ({existing.schema}) with the same name "
                           f"and overload name multiple times. Each overload's schema should only "
                           f"be registered with a single call to def().")
    return define_entry(full.split("(")[0], text)


def _install(entry, kind, key, fn):
    if kind == "fake":
        entry.fake = fn
    elif kind == "composite":
        entry.composite = fn
    else:
        entry.kernels[key] = fn


def _impl_target(types):
    """dispatch key / device type -> (kind, key) for _install."""
    if types in _IMPLICIT_KEYS:
        return "composite", None
    if types == "Meta":
        return "fake", None
    if types in _DEVICE_KEYS:
        return "kernel", _DEVICE_KEYS[types]
    if types in ("cpu", "cuda", "tpu", "mps", "xpu", "meta"):
        return ("fake", None) if types == "meta" else ("kernel", types)
    raise NotImplementedError(f"jtorch: dispatch key {types!r} is not supported by "
                              f"torch.library (supported: CPU, CUDA, Meta, "
                              f"CompositeExplicitAutograd, CompositeImplicitAutograd, Autograd)")


class Library:
    """A handle for defining (DEF/FRAGMENT) or implementing (IMPL) operators of a namespace."""

    def __init__(self, ns, kind, dispatch_key=""):
        if kind not in _KINDS:
            raise ValueError(f"Unsupported kind: {kind}")
        if kind == "DEF":
            if ns in R.DEFINED_NAMESPACES:
                raise RuntimeError(
                    f"Only a single TORCH_LIBRARY can be used to register the namespace {ns}; "
                    f"please put all of your definitions in a single TORCH_LIBRARY block.  If you "
                    f"were trying to specify implementations, consider using TORCH_LIBRARY_IMPL "
                    f"(which can be duplicated).  If you really intended to define operators for "
                    f"a single namespace in a distributed way, you can use TORCH_LIBRARY_FRAGMENT "
                    f"to explicitly indicate this.")
            R.DEFINED_NAMESPACES.add(ns)
        self.ns = ns
        self.kind = kind
        self.dispatch_key = dispatch_key
        self._op_defs = set()

    def __repr__(self):
        return f"Library(kind={self.kind}, ns={self.ns}, dispatch_key={self.dispatch_key})>"

    def define(self, schema, alias_analysis="", *, tags=()):
        """Define an operator from a schema 'name(Tensor x, float a) -> Tensor'; returns name."""
        name = schema.split("(", 1)[0].strip()
        if self.kind == "IMPL":
            raise RuntimeError(f'def("{name}"): Cannot define an operator inside of a '
                               f"TORCH_LIBRARY_IMPL block.  All def()s should be placed in the "
                               f"(unique) TORCH_LIBRARY block for their namespace.")
        _define(f"{self.ns}::{name}", schema)
        self._op_defs.add(name)
        return name.split(".")[0]

    def impl(self, op_name, fn, dispatch_key="", *, with_keyset=False, allow_override=True):
        """Register fn as the kernel of op_name for dispatch_key (CPU, CUDA, Meta, Composite*)."""
        if with_keyset:
            raise NotImplementedError("jtorch: Library.impl(with_keyset=True) is not supported "
                                      "(jtorch has no DispatchKeySet)")
        if not isinstance(op_name, str):
            entry = entry_of(op_name)
            name = entry.qualname.split("::")[1]
        else:
            name = op_name.split("::")[-1]
            entry = R.lookup(f"{self.ns}::{name}")
            if entry is None:
                raise RuntimeError(f"jtorch: operator {self.ns}::{name} has not been defined; "
                                   f"define it (Library.define / torch.library.define) first")
        kind, key = _impl_target(dispatch_key or self.dispatch_key)
        if not allow_override and _registered(entry, kind, key):
            raise RuntimeError(f"This is not allowed since there's already a kernel registered "
                               f"from python overriding {name}'s behavior for "
                               f"{dispatch_key} dispatch key and {self.ns} namespace.")
        _install(entry, kind, key, fn)

    def fallback(self, fn, dispatch_key="", *, with_keyset=False):
        """Unsupported: boxed fallbacks."""
        raise NotImplementedError("jtorch: Library.fallback is not supported")

    def _destroy(self):
        """Remove this library's definitions (torch runs it when the Library is collected)."""
        R.DEFINED_NAMESPACES.discard(self.ns)
        for name in self._op_defs:
            R.TABLE.get(self.ns, {}).pop(name.split(".")[0], None)
        self._op_defs = set()


def _registered(entry, kind, key):
    if kind == "fake":
        return entry.fake is not None
    if kind == "composite":
        return entry.composite is not None
    return key in entry.kernels


def define(qualname, schema, *, lib=None, tags=()):
    """Define operator qualname ('ns::name') with schema '(Tensor x) -> Tensor'."""
    _define(qualname, schema)


def impl(qualname, types, func=None, *, lib=None):
    """Register func as qualname's kernel for device types ('cpu', 'cuda') or a dispatch key."""
    def inner(func):
        e = entry_of(qualname)
        for t in _device_list(types):
            kind, key = _impl_target(t if t is not None else "CompositeExplicitAutograd")
            _install(e, kind, key, func)
        return func
    return inner(func) if func is not None else inner


def _register_or_pend(op, kind, key, fn):
    if isinstance(op, str) and R.lookup(op) is None:
        R.parse_qualname(op)
        raise RuntimeError(f"operator {op} does not exist")
    _install(entry_of(op), kind, key, fn)


def register_fake(op, func=None, /, *, lib=None, _stacklevel=1, allow_override=True):
    """Register the fake (meta) kernel of op: output metadata from input metadata."""
    def inner(func):
        _register_or_pend(op, "fake", None, func)
        return func
    return inner(func) if func is not None else inner


impl_abstract = register_fake


def register_kernel(op, device_types, func=None, /, *, lib=None):
    """Register a device-specific kernel of op (device_types: 'cpu', 'cuda', or a list)."""
    def inner(func):
        for d in _device_list(device_types):
            _register_or_pend(op, "kernel", d, func)
        return func
    return inner(func) if func is not None else inner


def register_autograd(op, backward, /, *, setup_context=None, lib=None):
    """Register backward(ctx, *grads) (and setup_context(ctx, inputs, output)) for op."""
    e = entry_of(op)
    if e.custom_op:
        CustomOpDef.register_autograd(_Holder(e), backward, setup_context=setup_context)
        return
    e.backward, e.setup_context, e.autograd_fn = backward, setup_context, None


class _Holder:
    """Lets the module-level register_autograd reuse CustomOpDef's method on a bare entry."""

    def __init__(self, entry):
        self._entry = entry


def fallthrough_kernel():
    """A dummy kernel torch uses for fallthrough registrations."""
    raise NotImplementedError("fallthrough_kernel() should never be called.")


def register_torch_dispatch(op, torch_dispatch_class, func=None, /, *, lib=None):
    """Unsupported: jtorch has no __torch_dispatch__ mechanism."""
    raise NotImplementedError("jtorch: torch.library.register_torch_dispatch is not supported "
                              "(jtorch has no __torch_dispatch__ mechanism)")


def register_vmap(op, func=None, /, *, lib=None):
    """Unsupported: vmap traces the op's Python implementation instead."""
    raise NotImplementedError("jtorch: torch.library.register_vmap is not supported (vmap "
                              "traces the op's Python implementation instead)")


def register_autocast(op, device_type, cast_inputs, /, *, lib=None):
    """Unsupported: autocast rules for library operators."""
    raise NotImplementedError("jtorch: torch.library.register_autocast is not supported")


def get_kernel(op, dispatch_key):
    """Unsupported: jtorch has no dispatcher kernels to return."""
    raise NotImplementedError("jtorch: torch.library.get_kernel is not supported")
