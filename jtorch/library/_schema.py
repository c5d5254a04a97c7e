"""Operator schemas: torch's schema strings, inferred from type hints or parsed, and arg binding."""
import collections.abc
import inspect
import numbers
import typing

__all__ = ["infer_schema", "FunctionSchema", "Argument", "parse_schema"]


class Argument:
    """One schema argument (or return): type string, name, default (as schema text)."""

    __slots__ = ("type", "name", "default", "kwarg_only", "alias")

    def __init__(self, type, name="", default=None, kwarg_only=False, alias=None):
        self.type = type
        self.name = name
        self.default = default  # NOTE: schema text ("None", "2", '"a"'), or None when required
        self.kwarg_only = kwarg_only
        self.alias = alias      # e.g. "a0!" for a mutated Tensor

    @property
    def is_write(self):
        return bool(self.alias) and self.alias.endswith("!")

    def __str__(self):
        return self.text()

    def text(self, cpp_floats=False):
        """Schema text; cpp_floats: print float defaults as torch's C++ printer does (1.)."""
        t = self.type
        if self.alias:
            # NOTE: the alias annotation follows the element type: Tensor(a0!)?[]
            n = len("Tensor") if t.startswith("Tensor") else len(t.rstrip("?[]"))
            t = f"{t[:n]}({self.alias}){t[n:]}"
        s = f"{t} {self.name}" if self.name else t
        if self.default is None:
            return s
        d = self.default
        if cpp_floats and self.type.startswith("float") and d.endswith(".0"):
            d = d[:-1]
        return f"{s}={d}"


class FunctionSchema:
    """torch's FunctionSchema for one overload: `ns::name.overload(args) -> returns`."""

    def __init__(self, name, overload_name, arguments, returns):
        self.name = name
        self.overload_name = overload_name
        self.arguments = arguments
        self.returns = returns

    def _args_str(self, cpp_floats=True):
        parts, star = [], False
        for a in self.arguments:
            if a.kwarg_only and not star:
                parts.append("*")
                star = True
            parts.append(a.text(cpp_floats))
        return "(" + ", ".join(parts) + ")"

    def _returns_str(self):
        if len(self.returns) == 1 and not self.returns[0].name:
            return str(self.returns[0])
        return "(" + ", ".join(str(r) for r in self.returns) + ")"

    def __str__(self):
        ov = f".{self.overload_name}" if self.overload_name else ""
        return f"{self.name}{ov}{self._args_str()} -> {self._returns_str()}"

    __repr__ = __str__

    def signature_str(self):
        """The schema without its name, as infer_schema prints it: '(Tensor x) -> Tensor'."""
        return f"{self._args_str(False)} -> {self._returns_str()}"


# ---- parsing ------------------------------------------------------------------------------

def _split_top(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _parse_arg(text, kwarg_only, ret=False):
    default = None
    if "=" in text and not ret:
        text, default = (p.strip() for p in text.split("=", 1))
    parts = text.rsplit(None, 1)
    if len(parts) == 2 and not parts[1].endswith(")"):
        t, name = parts
    else:
        if not ret:
            raise RuntimeError(f"schema parse error: argument '{text}' has no name")
        t, name = text, ""
    alias = None
    if "(" in t:
        base, rest = t.split("(", 1)
        alias, tail = rest.split(")", 1)
        t = base + tail
    return Argument(t.strip(), name, default, kwarg_only, alias)


def parse_schema(schema, qualname=None):
    """Parse a schema string ('(Tensor x, float a) -> Tensor', optionally prefixed by a name)."""
    schema = schema.strip()
    head, sep, ret = schema.partition("->")
    head = head.strip()
    if not sep or not head.endswith(")") or "(" not in head:
        raise RuntimeError(f"expected '(args) -> returns' in schema, got: {schema}")
    i = head.index("(")
    name, args = head[:i].strip(), head[i + 1:-1]
    overload = ""
    if "." in name:
        name, overload = name.split(".", 1)
    if qualname is not None:
        name = qualname
    arguments, kw = [], False
    for a in _split_top(args):
        if a == "*":
            kw = True
            continue
        arguments.append(_parse_arg(a, kw))
    ret = ret.strip()
    if ret.startswith("(") and ret.endswith(")"):
        returns = [_parse_arg(r, False, True) for r in _split_top(ret[1:-1])]
    else:
        returns = [_parse_arg(ret, False, True)]
    return FunctionSchema(name, overload, arguments, returns)


# ---- inference from type hints ------------------------------------------------------------

def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _scalar_type(ann):
    from .. import _dtype as D
    from .._device import device
    T = _tensor_cls()
    if ann is T:
        return "Tensor"
    if ann is int:
        return "SymInt"
    if ann is float:
        return "float"
    if ann is bool:
        return "bool"
    if ann is str:
        return "str"
    if ann is numbers.Number:
        return "Scalar"
    if ann is D.dtype:
        return "ScalarType"
    if ann is device:
        return "Device"
    return None


def _seq_elem(ann):
    origin = typing.get_origin(ann)
    if origin in (list, collections.abc.Sequence, typing.List, typing.Sequence):
        (elem,) = typing.get_args(ann) or (None,)
        return elem
    return None


def _optional_inner(ann):
    if typing.get_origin(ann) is typing.Union or type(ann).__name__ == "UnionType":
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(ann)) == 2:
            return args[0]
    return None


def _is_scalar_union(ann):
    args = set(typing.get_args(ann))
    return args in ({int, float, bool}, {int, float, bool, type(None)})


def _ann_type(ann):
    """Schema type text for a parameter annotation, or None when unsupported."""
    if (typing.get_origin(ann) is typing.Union or type(ann).__name__ == "UnionType") and \
            _is_scalar_union(ann):
        return "Scalar?" if type(None) in typing.get_args(ann) else "Scalar"
    s = _scalar_type(ann)
    if s is not None:
        return s
    inner = _optional_inner(ann)
    if inner is not None:
        s = _ann_type(inner)
        return None if s is None else s + "?"
    elem = _seq_elem(ann)
    if elem is not None:
        s = _ann_type(elem)
        return None if s is None or s.endswith("[]") else s + "[]"
    return None


def _return_type(ann, error_fn):
    if ann is None or ann is type(None):
        return []
    origin = typing.get_origin(ann)
    if origin in (tuple, typing.Tuple):
        out = []
        for a in typing.get_args(ann):
            out.extend(_return_type(a, error_fn))
        return out
    s = _ann_type(ann)
    if s is None or s.endswith("?"):
        error_fn(f"Return has unsupported type {ann}.")
    return [Argument(s)]


def _default_text(v, name, error_fn):
    if v is None:
        return "None"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return f'"{v}"'
    from .. import _dtype as D
    if isinstance(v, D.dtype):
        return str(v).replace("torch.", "")
    error_fn(f"Parameter {name} has an unsupported default value type {type(v)}. Please file an "
             f"issue on GitHub so we can prioritize this.")


def _hints(fn):
    try:
        return typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - NOTE: unresolvable string hints: use the raw ones
        return getattr(fn, "__annotations__", {})


def infer_schema(prototype_function, /, *, mutates_args, op_name=None, tags=()):
    """torch's schema string for a type-annotated function (e.g. '(Tensor x) -> Tensor')."""
    sig = inspect.signature(prototype_function)

    def error_fn(what):
        raise ValueError(f"infer_schema(func): {what} Got func with signature {sig})")

    hints = _hints(prototype_function)
    T = _tensor_cls()
    args, seen, kw = [], set(), False
    for idx, (name, p) in enumerate(sig.parameters.items()):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            error_fn("We do not support calling functions with *args or **kwargs.")
        if p.annotation is inspect.Parameter.empty:
            error_fn(f"Parameter {name} must have a type annotation.")
        ann = hints.get(name, p.annotation)
        t = _ann_type(ann)
        if t is None:
            error_fn(f"Parameter {name} has unsupported type {ann}.")
        default = None
        if p.default is not inspect.Parameter.empty:
            default = _default_text(p.default, name, error_fn)
        alias = None
        mutated = (mutates_args == "unknown" and t.startswith("Tensor")) or (
            mutates_args != "unknown" and name in mutates_args)
        if mutated:
            if not t.startswith("Tensor"):
                error_fn(f"Parameter {name} is in mutable_args but only Tensors or collections "
                         f"of Tensors can be mutated")
            alias = f"a{idx}!"  # NOTE: torch numbers alias sets by parameter position
        seen.add(name)
        kw = kw or p.kind == p.KEYWORD_ONLY
        args.append(Argument(t, name, default, kw, alias))
    if mutates_args != "unknown":
        if isinstance(mutates_args, str):
            raise ValueError("mutates_args must be a list/tuple/set of argument names or the "
                             "string 'unknown'")
        missing = set(mutates_args) - seen
        if missing:
            error_fn(f"{missing} in mutates_args were not found in the custom op's signature. "
                     f"mutates_args should contain the names of all args that the custom op "
                     f"mutates, or just the string 'unknown' if you don't know.")
    if sig.return_annotation is inspect.Signature.empty:
        error_fn("No return type annotation was provided. Please add one.")
    ret = _return_type(hints.get("return", sig.return_annotation), error_fn)
    del T
    schema = FunctionSchema(op_name or "", "", args, ret)
    s = schema.signature_str()
    return f"{op_name}{s}" if op_name else s
