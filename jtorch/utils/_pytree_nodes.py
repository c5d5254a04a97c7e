"""The node registry of torch.utils._pytree: registration, the builtin node types, leaf test.

NOTE: the registry dicts are module state shared (by reference) with jtorch.utils._pytree, which
re-exports everything here; TreeSpec, flatten and the JSON format all read these dicts.
"""
import dataclasses
import importlib
import threading
import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple
from typing import Any, Callable, NamedTuple, Optional

from ._pytree_keys import GetAttrKey, MappingKey, SequenceKey

__all__ = [
    "register_pytree_node", "register_dataclass", "register_constant", "is_constant_class",
    "tree_is_leaf", "is_namedtuple", "is_namedtuple_class", "is_namedtuple_instance",
    "is_structseq", "is_structseq_class", "is_structseq_instance",
]

NO_SERIALIZED_TYPE_NAME_FOUND = "NO_SERIALIZED_TYPE_NAME_FOUND"

class NodeDef(NamedTuple):
    """A registered node type's flatten/unflatten functions."""
    type: type
    flatten_fn: Callable
    unflatten_fn: Callable
    flatten_with_keys_fn: Optional[Callable]


class _SerializeNodeDef(NamedTuple):
    """A registered node type's serialization name and context (de)serializers."""
    typ: type
    serialized_type_name: str
    to_dumpable_context: Optional[Callable]
    from_dumpable_context: Optional[Callable]


_NODE_REGISTRY_LOCK = threading.RLock()
SUPPORTED_NODES: dict = {}
SUPPORTED_SERIALIZED_TYPES: dict = {}
SERIALIZED_TYPE_TO_PYTHON_TYPE: dict = {}
CONSTANT_NODES: set = set()


# ---- registration ---------------------------------------------------------------------------

def register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name=None,
                         to_dumpable_context=None, from_dumpable_context=None,
                         flatten_with_keys_fn=None):
    """Register a container-like type as a pytree node."""
    with _NODE_REGISTRY_LOCK:
        if cls in SUPPORTED_NODES:
            raise ValueError(f"{cls} is already registered as pytree node.")
    _private_register_pytree_node(
        cls, flatten_fn, unflatten_fn, serialized_type_name=serialized_type_name,
        to_dumpable_context=to_dumpable_context, from_dumpable_context=from_dumpable_context,
        flatten_with_keys_fn=flatten_with_keys_fn)


def _private_register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name=None,
                                  to_dumpable_context=None, from_dumpable_context=None,
                                  flatten_with_keys_fn=None):
    """Register (or overwrite, with a warning) a node type; no duplicate check."""
    with _NODE_REGISTRY_LOCK:
        if cls in SUPPORTED_NODES:
            warnings.warn(f"{cls} is already registered as pytree node. "
                          "Overwriting the previous registration.", stacklevel=2)
        SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)
        if (to_dumpable_context is None) ^ (from_dumpable_context is None):
            raise ValueError(f"Both to_dumpable_context and from_dumpable_context for {cls} must "
                             "be None or registered.")
        if serialized_type_name is None:
            serialized_type_name = NO_SERIALIZED_TYPE_NAME_FOUND
        SUPPORTED_SERIALIZED_TYPES[cls] = _SerializeNodeDef(
            cls, serialized_type_name, to_dumpable_context, from_dumpable_context)
        SERIALIZED_TYPE_TO_PYTHON_TYPE[serialized_type_name] = cls


def _register_pytree_node(cls, flatten_fn, unflatten_fn, to_str_fn=None, maybe_from_str_fn=None,
                          *, serialized_type_name=None, to_dumpable_context=None,
                          from_dumpable_context=None, flatten_with_keys_fn=None):
    """Deprecated alias of register_pytree_node (overwrites an existing registration)."""
    warnings.warn("`torch.utils._pytree._register_pytree_node` is deprecated. "
                  "Please use `torch.utils._pytree.register_pytree_node` instead.",
                  FutureWarning, stacklevel=2)
    _private_register_pytree_node(
        cls, flatten_fn, unflatten_fn, serialized_type_name=serialized_type_name,
        to_dumpable_context=to_dumpable_context, from_dumpable_context=from_dumpable_context,
        flatten_with_keys_fn=flatten_with_keys_fn)


def _deregister_pytree_node(cls):
    """Remove a node type from the registry."""
    with _NODE_REGISTRY_LOCK:
        del SUPPORTED_NODES[cls]
        node_def = SUPPORTED_SERIALIZED_TYPES.pop(cls)
        del SERIALIZED_TYPE_TO_PYTHON_TYPE[node_def.serialized_type_name]
        CONSTANT_NODES.discard(cls)


def register_dataclass(cls, *, field_names=None, drop_field_names=None, serialized_type_name=None):
    """Register a dataclass-like type (built from its fields) as a pytree node."""
    drop_field_names = drop_field_names or []
    if not dataclasses.is_dataclass(cls):
        if field_names is None:
            raise ValueError("field_names must be specified with a list of all fields used to "
                             f"initialize {cls}, as it is not a dataclass.")
    elif field_names is None:
        field_names = [f.name for f in dataclasses.fields(cls) if f.init]
    else:
        init_fields = {f.name for f in dataclasses.fields(cls) if f.init}
        init_fields.difference_update(drop_field_names)
        if init_fields != set(field_names):
            msg = "field_names does not include all dataclass fields.\n"
            if missing := init_fields - set(field_names):
                msg += (f"Missing fields in `field_names`: {missing}. If you want to include "
                        "these fields in the pytree, please add them to `field_names`, otherwise "
                        "please add them to `drop_field_names`.\n")
            if unexpected := set(field_names) - init_fields:
                msg += (f"Unexpected fields in `field_names`: {unexpected}. Please remove these "
                        "fields, or add them to `drop_field_names`.\n")
            raise ValueError(msg)

    def flatten(obj):
        flat, flat_names, none_names = [], [], []
        for name in field_names:
            val = getattr(obj, name)
            if val is not None:
                flat.append(val)
                flat_names.append(name)
            else:
                none_names.append(name)
        return flat, [flat_names, none_names]

    def unflatten(values, context):
        flat_names, none_names = context
        return cls(**dict(zip(flat_names, values, strict=True)), **dict.fromkeys(none_names))

    def flatten_with_keys(obj):
        flat, (flat_names, _) = flatten(obj)
        return [(GetAttrKey(k), v) for k, v in zip(flat_names, flat, strict=True)], flat_names

    _private_register_pytree_node(cls, flatten, unflatten, serialized_type_name=serialized_type_name,
                                  flatten_with_keys_fn=flatten_with_keys)


@dataclasses.dataclass(frozen=True, slots=True)
class ConstantNode:
    """The context of a node registered with register_constant: the constant itself."""
    value: Any


def register_constant(cls):
    """Register a hashable type as a pytree node with no leaves (a constant)."""
    if cls.__eq__ is object.__eq__:
        raise TypeError("register_constant(cls) expects `cls` to have a non-default `__eq__` implementation.")
    if cls.__hash__ is None:
        raise TypeError("register_constant(cls) expects `cls` to have a non-default `__hash__` implementation.")
    with _NODE_REGISTRY_LOCK:
        _private_register_pytree_node(cls, lambda x: ([], ConstantNode(x)),
                                      lambda _, context: context.value,
                                      flatten_with_keys_fn=lambda x: ([], ConstantNode(x)))
        CONSTANT_NODES.add(cls)


def is_constant_class(cls):
    """Whether `cls` was registered with register_constant."""
    return isinstance(cls, type) and cls in CONSTANT_NODES


def _register_namedtuple(cls, *, serialized_type_name):
    """Register a namedtuple class with a serialized name (so its TreeSpecs can be dumped)."""
    _private_register_pytree_node(
        cls, _namedtuple_flatten, _namedtuple_unflatten, serialized_type_name=serialized_type_name,
        to_dumpable_context=_namedtuple_serialize, from_dumpable_context=_namedtuple_deserialize,
        flatten_with_keys_fn=_namedtuple_flatten_with_keys)


# ---- namedtuple / structseq predicates -----------------------------------------------------

def is_namedtuple(obj):
    """Whether obj is a namedtuple instance or class."""
    return is_namedtuple_class(obj if isinstance(obj, type) else type(obj))


def is_namedtuple_class(cls):
    """Whether cls is a namedtuple class."""
    return (isinstance(cls, type) and issubclass(cls, tuple)
            and isinstance(getattr(cls, "_fields", None), tuple)
            and all(type(field) is str for field in cls._fields)
            and callable(getattr(cls, "_make", None)) and callable(getattr(cls, "_asdict", None)))


def is_namedtuple_instance(obj):
    """Whether obj is a namedtuple instance."""
    return is_namedtuple_class(type(obj))


def is_structseq(obj):
    """Whether obj is a PyStructSequence instance or class (e.g. os.stat_result)."""
    return is_structseq_class(obj if isinstance(obj, type) else type(obj))


def is_structseq_class(cls):
    """Whether cls is a PyStructSequence class."""
    return (isinstance(cls, type) and cls.__bases__ == (tuple,)
            and isinstance(getattr(cls, "n_fields", None), int)
            and isinstance(getattr(cls, "n_sequence_fields", None), int)
            and isinstance(getattr(cls, "n_unnamed_fields", None), int)
            and not bool(cls.__flags__ & (1 << 10)))  # NOTE: Py_TPFLAGS_BASETYPE unset


def is_structseq_instance(obj):
    """Whether obj is a PyStructSequence instance."""
    return is_structseq_class(type(obj))


# ---- the builtin node types -----------------------------------------------------------------

def _seq_keys(values, context):
    return [(SequenceKey(i), v) for i, v in enumerate(values)], context


def _map_keys(values, keys, context):
    return [(MappingKey(k), v) for k, v in zip(keys, values, strict=True)], context


def _namedtuple_flatten(d):
    return list(d), type(d)


def _namedtuple_flatten_with_keys(d):
    return [(GetAttrKey(f), v) for f, v in zip(type(d)._fields, d, strict=True)], type(d)


def _namedtuple_unflatten(values, context):
    return context(*values)


def _namedtuple_serialize(context):
    if context not in SUPPORTED_SERIALIZED_TYPES:
        raise NotImplementedError(
            f"Can't serialize TreeSpec of namedtuple class {context} because we didn't register a "
            "serializated_type_name. Please register using `_register_namedtuple`.")
    name = SUPPORTED_SERIALIZED_TYPES[context].serialized_type_name
    if name == NO_SERIALIZED_TYPE_NAME_FOUND:
        raise NotImplementedError(
            f"Can't serialize TreeSpec of namedtuple class {context} because we couldn't find a "
            "serializated_type_name. Please register using `_register_namedtuple`.")
    return name


def _namedtuple_deserialize(dumpable_context):
    if dumpable_context not in SERIALIZED_TYPE_TO_PYTHON_TYPE:
        raise NotImplementedError(f"Can't deserialize TreeSpec of namedtuple class {dumpable_context} "
                                  "because we couldn't find a serializated name.")
    return SERIALIZED_TYPE_TO_PYTHON_TYPE[dumpable_context]


def _defaultdict_flatten(d):
    return list(d.values()), [d.default_factory, list(d.keys())]


def _defaultdict_serialize(context):
    factory, keys = context
    return {"default_factory_module": factory.__module__,
            "default_factory_name": factory.__qualname__, "dict_context": keys}


def _defaultdict_deserialize(dumpable_context):
    if not isinstance(dumpable_context, dict):
        raise AssertionError("dumpable_context must be a dict")
    expected = {"default_factory_module", "default_factory_name", "dict_context"}
    if set(dumpable_context) != expected:
        raise AssertionError(f"dumpable_context keys must be {expected}, got {set(dumpable_context)}")
    module = importlib.import_module(dumpable_context["default_factory_module"])
    return [getattr(module, dumpable_context["default_factory_name"]), dumpable_context["dict_context"]]


_private_register_pytree_node(
    tuple, lambda d: (list(d), None), lambda values, _: tuple(values),
    serialized_type_name="builtins.tuple", flatten_with_keys_fn=lambda d: _seq_keys(d, None))
_private_register_pytree_node(
    list, lambda d: (d, None), lambda values, _: list(values),
    serialized_type_name="builtins.list", flatten_with_keys_fn=lambda d: _seq_keys(d, None))
_private_register_pytree_node(
    dict, lambda d: (list(d.values()), list(d.keys())),
    lambda values, context: dict(zip(context, values, strict=True)),
    serialized_type_name="builtins.dict",
    flatten_with_keys_fn=lambda d: _map_keys(list(d.values()), list(d), list(d)))
_private_register_pytree_node(
    namedtuple, _namedtuple_flatten, _namedtuple_unflatten,
    serialized_type_name="collections.namedtuple", to_dumpable_context=_namedtuple_serialize,
    from_dumpable_context=_namedtuple_deserialize, flatten_with_keys_fn=_namedtuple_flatten_with_keys)
_private_register_pytree_node(
    OrderedDict, lambda d: (list(d.values()), list(d.keys())),
    lambda values, context: OrderedDict(zip(context, values, strict=True)),
    serialized_type_name="collections.OrderedDict",
    flatten_with_keys_fn=lambda d: _map_keys(list(d.values()), list(d), list(d)))
_private_register_pytree_node(
    defaultdict, _defaultdict_flatten,
    lambda values, context: defaultdict(context[0], zip(context[1], values, strict=True)),
    serialized_type_name="collections.defaultdict", to_dumpable_context=_defaultdict_serialize,
    from_dumpable_context=_defaultdict_deserialize,
    flatten_with_keys_fn=lambda d: _map_keys(list(d.values()), list(d), _defaultdict_flatten(d)[1]))
_private_register_pytree_node(
    deque, lambda d: (list(d), d.maxlen), lambda values, context: deque(values, maxlen=context),
    serialized_type_name="collections.deque", flatten_with_keys_fn=lambda d: _seq_keys(list(d), d.maxlen))

STANDARD_DICT_TYPES = frozenset({dict, OrderedDict, defaultdict})
BUILTIN_TYPES = frozenset({tuple, list, dict, namedtuple, OrderedDict, defaultdict, deque})


def _get_node_type(tree):
    # NOTE: every namedtuple class is the one node type `namedtuple` (its context is the class).
    node_type = type(tree)
    return namedtuple if is_namedtuple_class(node_type) else node_type


def tree_is_leaf(tree, is_leaf=None):
    """Whether `tree` is a leaf (not a registered node, or is_leaf(tree) is true)."""
    if is_leaf is not None and is_leaf(tree):
        return True
    return _get_node_type(tree) not in SUPPORTED_NODES

