"""JSON (de)serialization of TreeSpecs for torch.utils._pytree: treespec_dumps / treespec_loads.

NOTE: torch's protocol-1 format exactly (so specs dumped by one load in the other); re-exported
from jtorch.utils._pytree.
"""
import functools
import importlib
import json
from enum import Enum

from ._pytree_nodes import (
    NO_SERIALIZED_TYPE_NAME_FOUND, SERIALIZED_TYPE_TO_PYTHON_TYPE, SUPPORTED_SERIALIZED_TYPES,
)
from ._pytree_spec import _LEAF_SPEC, TreeSpec

__all__ = ["treespec_dumps", "treespec_loads"]

DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL = 1

class EnumEncoder(json.JSONEncoder):
    """JSON encoder that writes Enum members as {'__enum__', 'fqn', 'name'} (torch's format)."""

    def default(self, obj):
        if isinstance(obj, Enum):
            return {"__enum__": True, "fqn": f"{obj.__class__.__module__}:{obj.__class__.__qualname__}",
                    "name": obj.name}
        return super().default(obj)


def _treespec_to_json(spec):
    if spec.is_leaf():
        return {"type": None, "context": None, "children_spec": []}
    if spec.type not in SUPPORTED_SERIALIZED_TYPES:
        raise NotImplementedError(f"Serializing {spec.type} in pytree is not registered.")
    node_def = SUPPORTED_SERIALIZED_TYPES[spec.type]
    if node_def.serialized_type_name == NO_SERIALIZED_TYPE_NAME_FOUND:
        raise NotImplementedError(
            f"No registered serialization name for {spec.type} found. Please update your "
            "_register_pytree_node call with a `serialized_type_name` kwarg.")
    if node_def.to_dumpable_context is None:
        try:
            context = json.dumps(spec._context, cls=EnumEncoder)
        except TypeError as e:
            raise TypeError("Unable to serialize context. Please make the context json dump-able, "
                            "or register a custom serializer using _register_pytree_node.") from e
    else:
        context = node_def.to_dumpable_context(spec._context)
    children = [_treespec_to_json(c) for c in spec._children]
    return {"type": node_def.serialized_type_name, "context": context, "children_spec": children}


def enum_object_hook(obj):
    """json object_hook turning EnumEncoder's records back into Enum members."""
    if "__enum__" in obj:
        modname, _, classname = obj["fqn"].partition(":")
        enum_cls = importlib.import_module(modname)
        for attr in classname.split("."):
            enum_cls = getattr(enum_cls, attr)
        return enum_cls[obj["name"]]
    return obj


def _json_to_treespec(schema):
    if schema["type"] is None and schema["context"] is None and len(schema["children_spec"]) == 0:
        return _LEAF_SPEC
    if schema["type"] not in SERIALIZED_TYPE_TO_PYTHON_TYPE:
        raise NotImplementedError(f"Deserializing {schema['type']} in pytree is not registered.")
    typ = SERIALIZED_TYPE_TO_PYTHON_TYPE[schema["type"]]
    node_def = SUPPORTED_SERIALIZED_TYPES[typ]
    if node_def.from_dumpable_context is None:
        try:
            context = json.loads(schema["context"], object_hook=enum_object_hook)
        except TypeError as ex:
            raise TypeError("Unable to deserialize context. Please make the context json load-able, "
                            "or register a custom serializer using _register_pytree_node.") from ex
    else:
        context = node_def.from_dumpable_context(schema["context"])
    return TreeSpec(typ, context, [_json_to_treespec(c) for c in schema["children_spec"]])


_SUPPORTED_PROTOCOLS = {1: (_treespec_to_json, _json_to_treespec)}


def treespec_dumps(treespec, protocol=None):
    """Serialize a TreeSpec to torch's JSON string."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"Expected `treespec` to be an instance of PyTreeSpec but got item of "
                        f"type {type(treespec)}.")
    if protocol is None:
        protocol = DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL
    if protocol not in _SUPPORTED_PROTOCOLS:
        raise ValueError(f"Unknown protocol {protocol}. "
                         f"Available protocols: {list(_SUPPORTED_PROTOCOLS.keys())}")
    return json.dumps((protocol, _SUPPORTED_PROTOCOLS[protocol][0](treespec)), cls=EnumEncoder)


@functools.lru_cache
def treespec_loads(serialized):
    """Deserialize a TreeSpec from treespec_dumps' JSON string."""
    protocol, schema = json.loads(serialized)
    if protocol in _SUPPORTED_PROTOCOLS:
        return _SUPPORTED_PROTOCOLS[protocol][1](schema)
    raise ValueError(f"Unknown protocol {protocol}. "
                     f"Available protocols: {list(_SUPPORTED_PROTOCOLS.keys())}")

