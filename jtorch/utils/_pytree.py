"""torch.utils._pytree: torch's pure-Python pytree (flatten/unflatten/map over nested containers).

NOTE: these are torch's semantics, not JAX's (jax.tree_util): None is a LEAF (torch 2.x), dicts
keep insertion order (JAX sorts keys), namedtuples are all one node type `namedtuple` whose
context is the class, defaultdict/deque/OrderedDict are nodes, and a TreeSpec prints and compares
as torch's. The registry is this module's own; nodes registered here are not JAX pytrees. As in torch,
torch.Size (unflattening to a tuple) and the torch.return_types classes are registered nodes.
jtorch has no C++ pytree (torch.utils._cxx_pytree / optree), so only the Python registry exists.
"""
import functools
import types
from collections import deque
from typing import Any, Callable

# NOTE: the implementation lives in private one-job modules (key entries, node registry, TreeSpec,
# JSON); every name is re-exported here, torch's module path, and claims it as its __module__.
from ._pytree_json import (
    _SUPPORTED_PROTOCOLS, DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL, EnumEncoder, _json_to_treespec,
    _treespec_to_json, enum_object_hook, treespec_dumps, treespec_loads,
)
from ._pytree_keys import GetAttrKey, KeyEntry, MappingKey, SequenceKey, key_get, keystr
from ._pytree_nodes import (
    _NODE_REGISTRY_LOCK, BUILTIN_TYPES, CONSTANT_NODES, NO_SERIALIZED_TYPE_NAME_FOUND,
    SERIALIZED_TYPE_TO_PYTHON_TYPE, STANDARD_DICT_TYPES, SUPPORTED_NODES,
    SUPPORTED_SERIALIZED_TYPES, ConstantNode, NodeDef, _defaultdict_deserialize,
    _defaultdict_flatten, _defaultdict_serialize, _deregister_pytree_node, _get_node_type,
    _map_keys, _namedtuple_deserialize, _namedtuple_flatten, _namedtuple_flatten_with_keys,
    _namedtuple_serialize, _namedtuple_unflatten, _private_register_pytree_node,
    _register_namedtuple, _register_pytree_node, _seq_keys, _SerializeNodeDef, is_constant_class,
    is_namedtuple, is_namedtuple_class, is_namedtuple_instance, is_structseq, is_structseq_class,
    is_structseq_instance, register_constant, register_dataclass, register_pytree_node,
    tree_is_leaf,
)
from ._pytree_spec import (
    _LEAF_SPEC, LeafSpec, PyTreeSpec, TreeSpec, _flatten_up_to, treespec_dict, treespec_leaf,
    treespec_tuple,
)

__all__ = [
    "PyTree", "Context", "FlattenFn", "UnflattenFn", "DumpableContext", "ToDumpableContextFn",
    "FromDumpableContextFn", "PyTreeSpec", "TreeSpec", "LeafSpec", "keystr", "key_get",
    "register_pytree_node", "tree_is_leaf", "tree_flatten", "tree_flatten_with_path",
    "tree_unflatten", "tree_iter", "tree_leaves", "tree_leaves_with_path", "tree_structure",
    "tree_map", "tree_map_with_path", "tree_map_", "tree_map_only", "tree_map_only_",
    "tree_all", "tree_any", "tree_all_only", "tree_any_only", "treespec_dumps", "treespec_loads",
    "treespec_pprint", "is_namedtuple", "is_namedtuple_class", "is_namedtuple_instance",
    "is_structseq", "is_structseq_class", "is_structseq_instance",
]

Context = Any
PyTree = Any
FlattenFn = Callable[[PyTree], "tuple[list[Any], Context]"]
UnflattenFn = Callable[[Any, Context], PyTree]
DumpableContext = Any
ToDumpableContextFn = Callable[[Context], DumpableContext]
FromDumpableContextFn = Callable[[DumpableContext], Context]
FlattenWithKeysFn = Callable[[PyTree], "tuple[list[tuple[Any, Any]], Any]"]
KeyPath = tuple
FlattenFunc, UnflattenFunc, FlattenWithKeysFunc = FlattenFn, UnflattenFn, FlattenWithKeysFn

# NOTE: there is no C++ (optree) pytree in jtorch; libraries check this flag before using it.
_cxx_pytree_exists = _cxx_pytree_dynamo_traceable = False

for _obj in (EnumEncoder, enum_object_hook, treespec_dumps, treespec_loads, GetAttrKey, KeyEntry,
             MappingKey, SequenceKey, key_get, keystr, ConstantNode, NodeDef, is_constant_class,
             is_namedtuple, is_namedtuple_class, is_namedtuple_instance, is_structseq,
             is_structseq_class, is_structseq_instance, register_constant, register_dataclass,
             register_pytree_node, tree_is_leaf, LeafSpec, TreeSpec, treespec_dict, treespec_leaf,
             treespec_tuple):
    _obj.__module__ = __name__
del _obj

# NOTE: torch-internal names that code reaches for in torch.utils._pytree (the registry, private
# registration and (de)serialization helpers); named here so they stay re-exports of this module.
_PRIVATE_REEXPORTS = (
    _SUPPORTED_PROTOCOLS, DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL, _json_to_treespec,
    _treespec_to_json, _NODE_REGISTRY_LOCK, BUILTIN_TYPES, CONSTANT_NODES,
    NO_SERIALIZED_TYPE_NAME_FOUND, SERIALIZED_TYPE_TO_PYTHON_TYPE, STANDARD_DICT_TYPES,
    SUPPORTED_SERIALIZED_TYPES, _defaultdict_deserialize, _defaultdict_flatten,
    _defaultdict_serialize, _deregister_pytree_node, _map_keys, _namedtuple_deserialize,
    _namedtuple_flatten, _namedtuple_flatten_with_keys, _namedtuple_serialize,
    _namedtuple_unflatten, _register_namedtuple, _register_pytree_node, _SerializeNodeDef,
    _flatten_up_to,
)


# ---- flatten / unflatten / map --------------------------------------------------------------

def tree_flatten(tree, is_leaf=None):
    """Flatten a pytree into (leaves, TreeSpec)."""
    leaves = []

    def helper(node):
        if tree_is_leaf(node, is_leaf=is_leaf):
            leaves.append(node)
            return _LEAF_SPEC
        node_type = _get_node_type(node)
        children, context = SUPPORTED_NODES[node_type].flatten_fn(node)
        return TreeSpec(node_type, context, [helper(c) for c in children])

    spec = helper(tree)
    return leaves, spec


def tree_unflatten(leaves, treespec):
    """Rebuild a pytree from leaves and a TreeSpec (inverse of tree_flatten)."""
    if not isinstance(treespec, TreeSpec):
        if not isinstance(leaves, TreeSpec):
            raise TypeError(f"Expected `treespec` to be an instance of PyTreeSpec but got item of "
                            f"type {type(treespec)}.")
        leaves, treespec = treespec, leaves
    return treespec.unflatten(leaves)


def tree_iter(tree, is_leaf=None):
    """Iterate over the leaves of a pytree."""
    if tree_is_leaf(tree, is_leaf=is_leaf):
        yield tree
    else:
        children, _ = SUPPORTED_NODES[_get_node_type(tree)].flatten_fn(tree)
        for child in children:
            yield from tree_iter(child, is_leaf=is_leaf)


def tree_leaves(tree, is_leaf=None):
    """The leaves of a pytree, in flatten order."""
    return list(tree_iter(tree, is_leaf=is_leaf))


def tree_structure(tree, is_leaf=None):
    """The TreeSpec of a pytree."""
    return tree_flatten(tree, is_leaf=is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """Map func over the leaves of tree (and of rests, which have tree as a prefix)."""
    leaves, spec = tree_flatten(tree, is_leaf=is_leaf)
    flat = [leaves] + [spec.flatten_up_to(r) for r in rests]
    return spec.unflatten(map(func, *flat))


def tree_map_(func, tree, *rests, is_leaf=None):
    """Call func on every leaf (for its side effects) and return tree itself."""
    leaves, spec = tree_flatten(tree, is_leaf=is_leaf)
    flat = [leaves] + [spec.flatten_up_to(r) for r in rests]
    deque(map(func, *flat), maxlen=0)
    return tree


def map_only(type_or_types_or_pred, /):
    """Decorator: apply the function only to leaves of the given type(s) / matching a predicate."""
    if isinstance(type_or_types_or_pred, (type, tuple, types.UnionType)):
        def pred(x):
            return isinstance(x, type_or_types_or_pred)
    elif callable(type_or_types_or_pred):
        pred = type_or_types_or_pred
    else:
        raise TypeError("Argument must be a type, a tuple of types, or a callable.")

    def wrapper(func):
        @functools.wraps(func)
        def wrapped(x):
            return func(x) if pred(x) else x
        return wrapped

    return wrapper


def tree_map_only(type_or_types_or_pred, /, func, tree, is_leaf=None):
    """tree_map applied only to leaves of the given type(s); other leaves are kept."""
    return tree_map(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_map_only_(type_or_types_or_pred, /, func, tree, is_leaf=None):
    """tree_map_ applied only to leaves of the given type(s)."""
    return tree_map_(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_all(pred, tree, is_leaf=None):
    """Whether pred holds for every leaf."""
    return all(map(pred, tree_iter(tree, is_leaf=is_leaf)))


def tree_any(pred, tree, is_leaf=None):
    """Whether pred holds for some leaf."""
    return any(map(pred, tree_iter(tree, is_leaf=is_leaf)))


def tree_all_only(type_or_types, /, pred, tree, is_leaf=None):
    """Whether pred holds for every leaf of the given type(s)."""
    return all(pred(x) for x in tree_iter(tree, is_leaf=is_leaf) if isinstance(x, type_or_types))


def tree_any_only(type_or_types, /, pred, tree, is_leaf=None):
    """Whether pred holds for some leaf of the given type(s)."""
    return any(pred(x) for x in tree_iter(tree, is_leaf=is_leaf) if isinstance(x, type_or_types))


def arg_tree_leaves(*args, **kwargs):
    """The leaves of (args, kwargs), flattened."""
    leaves = []
    for a in args:
        leaves.extend(tree_iter(a))
    for a in kwargs.values():
        leaves.extend(tree_iter(a))
    return leaves


def _broadcast_to_and_flatten(tree, treespec, is_leaf=None):
    """Leaves of `tree` broadcast to the structure `treespec` (tree is a prefix), or None."""
    full_tree = tree_unflatten([0] * treespec.num_leaves, treespec)
    result = []

    def add_leaves(x, subtree):
        result.extend([x] * tree_structure(subtree, is_leaf=is_leaf).num_leaves)

    try:
        tree_map_(add_leaves, tree, full_tree, is_leaf=is_leaf)
    except ValueError:
        return None
    return result


def _generate_key_paths(key_path, tree, is_leaf=None):
    if is_leaf and is_leaf(tree):
        yield key_path, tree
        return
    node_type = _get_node_type(tree)
    handler = SUPPORTED_NODES.get(node_type)
    if not handler:
        yield key_path, tree
        return
    if not handler.flatten_with_keys_fn:
        raise ValueError(f"Did not find a flatten_with_keys_fn for type: {node_type}. "
                         "Please pass a flatten_with_keys_fn argument to register_pytree_node.")
    key_children, _ = handler.flatten_with_keys_fn(tree)
    for k, c in key_children:
        yield from _generate_key_paths((*key_path, k), c, is_leaf)


def tree_flatten_with_path(tree, is_leaf=None):
    """Like tree_flatten, with each leaf paired with its key path."""
    _, spec = tree_flatten(tree, is_leaf)
    return list(_generate_key_paths((), tree, is_leaf)), spec


def tree_leaves_with_path(tree, is_leaf=None):
    """The (key path, leaf) pairs of a pytree."""
    return list(_generate_key_paths((), tree, is_leaf))


def tree_map_with_path(func, tree, *rests, is_leaf=None):
    """Like tree_map; func also receives each leaf's key path first."""
    keypath_leaves, spec = tree_flatten_with_path(tree, is_leaf)
    columns = list(zip(*keypath_leaves, strict=True)) + [spec.flatten_up_to(r) for r in rests]
    return spec.unflatten(func(*xs) for xs in zip(*columns, strict=True))


class _Asterisk(str):
    __slots__ = ()

    def __new__(cls):
        return super().__new__(cls, "*")

    def __repr__(self):
        return "*"


_asterisk = _Asterisk()


def treespec_pprint(treespec):
    """The pytree of this structure with '*' leaves, as a repr string."""
    return repr(tree_unflatten([_asterisk] * treespec.num_leaves, treespec))


# ---- jtorch's own node types (registered by torch outside this module) ----------------------

def _register_jtorch_nodes():
    # NOTE: torch registers torch.Size (in torch.fx.experimental.proxy_tensor; it unflattens to a
    # plain tuple) and every torch.return_types structseq (in torch.return_types) on import.
    from .. import _size, return_types

    _private_register_pytree_node(
        _size.Size, lambda xs: (list(xs), None), lambda xs, _: tuple(xs),
        serialized_type_name="torch.Size", flatten_with_keys_fn=lambda xs: _seq_keys(list(xs), None))
    for cls in return_types.all_return_types:
        _private_register_pytree_node(
            cls, lambda s: (list(s), None), lambda values, _, cls=cls: cls(values),
            flatten_with_keys_fn=lambda s: _seq_keys(list(s), None))


_register_jtorch_nodes()
