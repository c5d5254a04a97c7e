"""torch.ops: `torch.ops.<ns>.<op>[.<overload>]` for library operators and jtorch's aten ops."""
import types

__all__ = ["ops", "OpOverloadPacket", "OpOverload"]

# NOTE: aten overload names jtorch accepts on `torch.ops.aten.<op>.<overload>`; every one calls
# the same jtorch function, which (like torch's Python API) picks the variant from its arguments.
_ATEN_OVERLOADS = frozenset({
    "default", "Tensor", "Scalar", "int", "float", "dim", "dim_IntList", "dim_int", "self",
    "other", "Tensor_Scalar", "Scalar_Tensor", "Tensor_Tensor", "Tensor_mode", "Scalar_mode",
    "using_ints", "input", "values", "dims", "names", "correction", "sizes", "SymInt", "step",
    "start", "low_high", "bool", "memory_format", "dtype", "device", "float_int", "int_float"})
# NOTE: aten ops that are jtorch compositions rather than single registry ops.
_ATEN_EXTRA = frozenset({
    "reshape", "flatten", "squeeze", "chunk", "narrow", "contiguous", "detach", "alias", "zeros",
    "ones", "empty", "full", "arange", "zeros_like", "ones_like", "empty_like", "full_like",
    "rand", "randn", "randint", "rand_like", "randn_like", "softmax", "log_softmax", "conv1d",
    "conv2d", "conv3d", "layer_norm", "batch_norm", "group_norm", "cat", "stack", "clamp_min",
    "clamp_max", "gelu", "silu", "hardtanh", "leaky_relu", "elu", "mean", "sum", "var", "std",
    "to", "type_as", "expand_as", "view_as", "new_zeros", "new_ones", "new_empty", "new_full",
    "masked_fill", "where", "logical_not", "bitwise_not", "abs", "numel", "size", "stride"})


class OpOverload:
    """One overload, e.g. torch.ops.aten.add.Tensor or torch.ops.mylib.foo.default."""

    def __init__(self, packet, overload_name, fn, entry=None):
        self._overloadpacket = packet
        self._overloadname = overload_name
        self._fn = fn
        self._entry = entry
        self.__name__ = f"{packet.__name__}.{overload_name}"
        self.__module__ = "torch.ops." + packet._ns

    @property
    def overloadpacket(self):
        return self._overloadpacket

    @property
    def namespace(self):
        return self._overloadpacket._ns

    @property
    def _schema(self):
        if self._entry is None:
            raise NotImplementedError(f"jtorch: aten schemas are not available "
                                      f"({self._overloadpacket._qualified_op_name})")
        return self._entry.schema

    def name(self):
        """The qualified name, e.g. 'mylib::foo' (with '.overload' unless default)."""
        ov = "" if self._overloadname == "default" else "." + self._overloadname
        return self._overloadpacket._qualified_op_name + ov

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __repr__(self):
        return f"<OpOverload(op='{self._overloadpacket}', overload='{self._overloadname}')>"

    def __str__(self):
        return f"{self._overloadpacket}.{self._overloadname}"


class OpOverloadPacket:
    """All overloads of one operator name; calling it picks the overload from the arguments."""

    def __init__(self, ns, name, fn=None):
        self._ns = ns
        self.__name__ = name
        self._fn = fn  # NOTE: aten: the jtorch function; library ops: None (table lookup)
        self._qualified_op_name = f"{ns}::{name}"
        self._dir = {}

    def _overload_entries(self):
        from .library import _registry as R
        return R.TABLE.get(self._ns, {}).get(self.__name__, {})

    def _packet_entry(self):
        entries = self._overload_entries()
        if len(entries) != 1:
            raise RuntimeError(f"opcheck can only test operators without overloads. Got the "
                               f"following overloads for {self._qualified_op_name}: "
                               f"{list(entries)}")
        return next(iter(entries.values()))

    def overloads(self):
        """The overload names ('default' for the unnamed one)."""
        if self._fn is not None:
            raise NotImplementedError("jtorch: the overload list of aten ops is not available")
        return [k or "default" for k in self._overload_entries()]

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        if self._fn is not None:
            if key not in _ATEN_OVERLOADS:
                raise AttributeError(f"The underlying op of '{self}' has no overload name "
                                     f"'{key}'")
            ov = OpOverload(self, key, self._fn)
        else:
            from .library._dispatch import call_op
            entry = self._overload_entries().get("" if key == "default" else key)
            if entry is None:
                raise AttributeError(f"The underlying op of '{self}' has no overload name "
                                     f"'{key}'")
            ov = OpOverload(self, key, lambda *a, **k: call_op(entry, a, k), entry)
        self.__dict__[key] = ov
        return ov

    def __call__(self, *args, **kwargs):
        if self._fn is not None:
            return self._fn(*args, **kwargs)
        from .library._dispatch import call_op
        entries = self._overload_entries()
        if "" in entries or len(entries) == 1:
            return call_op(entries.get("", next(iter(entries.values()))), args, kwargs)
        for e in entries.values():  # NOTE: torch tries each overload's schema in turn
            try:
                values = e.bind(args, kwargs)
            except RuntimeError:
                continue
            return call_op(e, values, {})
        raise RuntimeError(f"Overloaded torch operator invoked from Python failed to match any "
                           f"schema: {self._qualified_op_name}")

    def __repr__(self):
        return f"{self._ns}.{self.__name__}"

    __str__ = __repr__


def _aten_fn(name):
    """The jtorch function behind aten::<name>, or None (a lookup, no new math)."""
    import jtorch
    from jtorch._ops.registry import OPS
    from jtorch.nn import functional as F
    if name.startswith("__"):
        return None
    base = name[:-1] if name.endswith("_") and not name.startswith("_") else name
    known = (base in OPS or f"F.{base}" in OPS or base in _ATEN_EXTRA
             or any(k.startswith(base) and k[len(base):].isdigit() for k in OPS))
    if not known:
        return None
    if base != name:  # NOTE: in-place aten ops (add_) are the Tensor methods
        m = getattr(jtorch.Tensor, name, None)
        return None if m is None else (lambda self, *a, **k: getattr(self, name)(*a, **k))
    for mod, attr in ((jtorch, name), (F, name)):
        f = getattr(mod, attr, None)
        if isinstance(f, (types.FunctionType, types.BuiltinFunctionType)) or (
                callable(f) and not isinstance(f, (type, types.ModuleType))):
            return f
    for prefix, mod in (("linalg_", jtorch.linalg), ("special_", jtorch.special)):
        if name.startswith(prefix) and callable(getattr(mod, name[len(prefix):], None)):
            return getattr(mod, name[len(prefix):])
    if callable(getattr(jtorch.Tensor, name, None)):
        return lambda self, *a, **k: getattr(self, name)(*a, **k)
    return None


class _OpNamespace(types.ModuleType):
    """torch.ops.<ns>: operators of one namespace as attributes."""

    def __init__(self, ns):
        super().__init__("torch.ops." + ns)
        self._ns = ns
        self.__file__ = "torch.ops"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        from .library import _registry as R
        fn = None
        if self._ns == "aten":
            fn = _aten_fn(name)
            found = fn is not None
        else:
            found = name in R.TABLE.get(self._ns, {})
        if not found:
            raise AttributeError(f"'_OpNamespace' '{self._ns}' object has no attribute '{name}'")
        packet = OpOverloadPacket(self._ns, name, fn)
        if fn is not None:
            setattr(self, name, packet)  # NOTE: library ops are looked up each time (redefinable)
        return packet


class _Ops(types.ModuleType):
    """torch.ops: namespaces as attributes (torch.ops.aten, torch.ops.mylib, ...)."""

    def __init__(self):
        super().__init__("torch.ops")
        self.__file__ = "_ops.py"

    def __getattr__(self, ns):
        if ns.startswith("__"):
            raise AttributeError(ns)
        m = _OpNamespace(ns)
        setattr(self, ns, m)
        return m

    def load_library(self, path):
        """Unsupported: jtorch cannot load C++ operator libraries."""
        raise NotImplementedError("jtorch: torch.ops.load_library cannot load compiled C++ "
                                  "operator libraries")

    def import_module(self, module):
        """Import a Python module that registers operators."""
        import importlib
        importlib.import_module(module)


ops = _Ops()
