"""The operator table behind torch.library and torch.ops: one entry per `ns::name.overload`."""
from .. import _dtype as D

__all__ = ["OpEntry", "TABLE", "lookup", "parse_qualname", "DEFINED_NAMESPACES"]

# NOTE: {namespace: {name: {overload_name: OpEntry}}}; torch.ops reads it lazily.
TABLE = {}
DEFINED_NAMESPACES = set()  # namespaces claimed by a Library(ns, "DEF")


def parse_qualname(qualname):
    """'ns::name[.overload]' -> (ns, name, overload); torch's ValueError otherwise."""
    if "::" not in qualname:
        raise ValueError(f'Expected `qualname` to be of the form "namespace::name", but got '
                         f"{qualname}. The qualname passed to the torch.library APIs must consist "
                         f"of a namespace and a name, e.g. aten::sin")
    ns, name = qualname.split("::", 1)
    overload = ""
    if "." in name:
        name, overload = name.split(".", 1)
    if not ns.isidentifier() or not name.isidentifier():
        raise RuntimeError(f"expected a valid operator name 'namespace::name', got {qualname}")
    return ns, name, overload


def lookup(qualname):
    """The OpEntry for a qualname (default overload when none given), or None."""
    ns, name, overload = parse_qualname(qualname)
    return TABLE.get(ns, {}).get(name, {}).get(overload)


def _type_ok(t, v):
    from .._tensor import Tensor
    if t.endswith("?"):
        return v is None or _type_ok(t[:-1], v)
    if t.endswith("[]"):
        return isinstance(v, (list, tuple)) and all(_type_ok(t[:-2], x) for x in v)
    if t == "Tensor":
        return isinstance(v, Tensor)
    if t in ("SymInt", "int"):
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "float":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "bool":
        return isinstance(v, bool)
    if t == "str":
        return isinstance(v, str)
    if t == "Scalar":
        return isinstance(v, (int, float, complex, bool))
    if t == "ScalarType":
        return isinstance(v, D.dtype)
    return True  # NOTE: types jtorch does not check (Device, Layout, ...) pass through


def _py_type(v):
    from .._tensor import Tensor
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def _default_value(text):
    if text == "None":
        return None
    if text in ("True", "False"):
        return text == "True"
    if text.startswith('"') or text.startswith("'"):
        return text[1:-1]
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


class OpEntry:
    """One operator overload: its schema plus the kernels registered for it."""

    def __init__(self, schema, mutates=()):
        self.schema = schema
        self.kernels = {}     # NOTE: device type ("cpu", "cuda", ...) or None (any device) -> fn
        self.composite = None  # CompositeImplicitAutograd kernel: runs with autograd recording
        self.fake = None
        self.backward = None
        self.setup_context = None
        self.autograd_fn = None  # the generated autograd.Function, built on first use
        self.custom_op = False   # made by custom_op (outputs must not alias inputs)
        self.mutates = tuple(mutates)

    @property
    def qualname(self):
        return self.schema.name

    @property
    def dotted(self):
        ov = self.schema.overload_name or "default"
        return self.schema.name.replace("::", ".") + "." + ov

    def bind(self, args, kwargs):
        """Positional list of all schema arguments, validated like torch's argument parser."""
        s = self.schema
        decl = f"Declaration: {s}"
        pos = [a for a in s.arguments if not a.kwarg_only]
        if len(args) > len(pos):
            raise RuntimeError(f"{s.name}() expected at most {len(pos)} argument(s) but received "
                               f"{len(args)} argument(s). {decl}")
        out = []
        kwargs = dict(kwargs)
        for i, a in enumerate(s.arguments):
            if i < len(args):
                v = args[i]
            elif a.name in kwargs:
                v = kwargs.pop(a.name)
            elif a.default is not None:
                v = _default_value(a.default)
            else:
                raise RuntimeError(f"{s.name}() is missing value for argument '{a.name}'. "
                                   f"{decl}")
            if not _type_ok(a.type, v):
                raise RuntimeError(
                    f"{s.name}() Expected a value of type '{a.type}' for argument '{a.name}' but "
                    f"instead found type '{_py_type(v)}'.\nPosition: {i}\nValue: {v!r}\n{decl}\n"
                    f"Cast error details: Unable to cast {v!r} to {a.type}")
            out.append(v)
        if kwargs:
            k = next(iter(kwargs))
            raise RuntimeError(f"{s.name}() got an unexpected keyword argument '{k}'. {decl}")
        return out

    def __repr__(self):
        return f"<OpEntry {self.schema}>"
