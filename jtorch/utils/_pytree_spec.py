"""TreeSpec of torch.utils._pytree: the structure of a pytree, its repr, equality and unflatten.

NOTE: re-exported from jtorch.utils._pytree (torch's module path); reads the node registry of
_pytree_nodes to unflatten and to match trees against a spec (flatten_up_to).
"""
import dataclasses
import warnings
from collections import OrderedDict, defaultdict, deque
from typing import Any

from ._pytree_nodes import (
    BUILTIN_TYPES, STANDARD_DICT_TYPES, SUPPORTED_NODES, ConstantNode, _get_node_type,
)

__all__ = ["TreeSpec", "PyTreeSpec", "LeafSpec", "treespec_leaf", "treespec_tuple", "treespec_dict"]


@dataclasses.dataclass(init=False, frozen=True, eq=True, repr=False, slots=True)
class TreeSpec:
    """The structure of a pytree: node type, context and child specs (a leaf has type None)."""

    type: Any
    _context: Any
    _children: list
    num_nodes: int = dataclasses.field(init=False)
    num_leaves: int = dataclasses.field(init=False)
    num_children: int = dataclasses.field(init=False)

    def __init__(self, type, context, children_specs):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "_context", context)
        object.__setattr__(self, "_children", children_specs)
        self.__post_init__()

    def __post_init__(self):
        if self.type is None:
            if self._context is not None:
                raise AssertionError("leaf node should not have a context")
            if len(self._children) != 0:
                raise AssertionError("leaf node should not have children")
            nodes, leaves = 1, 1
        else:
            nodes = 1 + sum(c.num_nodes for c in self._children)
            leaves = sum(c.num_leaves for c in self._children)
        object.__setattr__(self, "num_nodes", nodes)
        object.__setattr__(self, "num_leaves", leaves)
        object.__setattr__(self, "num_children", len(self._children))

    def __repr__(self, indent=0):
        text = f"TreeSpec({self.type.__name__}, {self._context}, ["
        if self.num_children > 0:
            indent += 2
            text += self._children[0].__repr__(indent)
            text += "," if self.num_children > 1 else ""
            text += ",".join("\n" + " " * indent + c.__repr__(indent) for c in self._children[1:])
        return text + "])"

    def __eq__(self, other):
        if self is other:
            return True
        if other.__class__ is self.__class__:
            # NOTE: torch compares the types by str (so equal-named re-created classes match).
            return (str(self.type) == str(other.type) and self._context == other._context
                    and self._children == other._children)
        return NotImplemented

    def __hash__(self):
        node_type = self.type
        if node_type is defaultdict:
            factory, keys = self._context
            ctx = (factory, tuple(keys))
        elif node_type in (dict, OrderedDict):
            ctx = tuple(self._context)
        elif node_type is None or node_type in BUILTIN_TYPES:
            ctx = self._context
        elif isinstance(self._context, ConstantNode):
            ctx = self._context.value
        else:
            ctx = None  # NOTE: user contexts may be unhashable; equal specs still hash equal
        return hash((node_type, ctx, tuple(self._children)))

    @property
    def context(self):
        """The root node's context."""
        return self._context

    @property
    def children_specs(self):
        """Deprecated: the child specs (use children() / child(i))."""
        warnings.warn("`treespec.children_specs` is deprecated. Use `treespec.child(index)` to "
                      "access a single child, or `treespec.children()` to get all children.",
                      FutureWarning, stacklevel=2)
        return self._children

    def is_leaf(self):
        """Whether the treespec represents a leaf."""
        return self.num_nodes == 1 and self.num_leaves == 1

    def children(self):
        """All the child treespecs."""
        return self._children.copy()

    def child(self, index):
        """The child treespec at `index`."""
        return self._children[index]

    def flatten_up_to(self, tree):
        """The subtrees of `tree` at this spec's leaves (tree must have this spec as a prefix)."""
        subtrees = []
        _flatten_up_to(self, tree, subtrees)
        return subtrees

    def unflatten(self, leaves):
        """Rebuild a pytree of this structure from its leaves."""
        if not isinstance(leaves, (list, tuple)):
            leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(
                f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers "
                f"to a pytree that holds {self.num_leaves} items ({self}).")
        if self.is_leaf():
            return leaves[0]
        children, start = [], 0
        for spec in self._children:
            children.append(spec.unflatten(leaves[start:start + spec.num_leaves]))
            start += spec.num_leaves
        return SUPPORTED_NODES[self.type].unflatten_fn(children, self._context)


def _flatten_up_to(spec, node, out):
    if spec.is_leaf():
        out.append(node)
        return
    node_type = _get_node_type(node)
    if spec.type not in BUILTIN_TYPES:
        if node_type != spec.type:
            raise ValueError(f"Type mismatch; expected {spec.type!r}, but got {node_type!r}.")
        children, context = SUPPORTED_NODES[node_type].flatten_fn(node)
        if len(children) != spec.num_children:
            raise ValueError(f"Node arity mismatch; expected {spec.num_children}, but got {len(children)}.")
        if context != spec._context:
            raise ValueError(f"Node context mismatch for custom node type {spec.type!r}.")
    else:
        # NOTE: dict, OrderedDict and defaultdict match each other (by key set), as in torch.
        both_dicts = spec.type in STANDARD_DICT_TYPES and node_type in STANDARD_DICT_TYPES
        if not both_dicts and node_type != spec.type:
            raise ValueError(f"Node type mismatch; expected {spec.type!r}, but got {node_type!r}.")
        if len(node) != spec.num_children:
            raise ValueError(f"Node arity mismatch; expected {spec.num_children}, but got {len(node)}.")
        if both_dicts:
            keys = spec._context if spec.type is not defaultdict else spec._context[1]
            got, want = set(node), set(keys)
            if got != want:
                message = ""
                if want - got:
                    message += f"; missing key(s): {want - got}"
                if got - want:
                    message += f"; extra key(s): {got - want}"
                raise ValueError(f"Node keys mismatch{message}.")
            children = [node[key] for key in keys]
        else:
            children, context = SUPPORTED_NODES[node_type].flatten_fn(node)
            if node_type is not deque and context != spec._context:
                raise ValueError(f"Node context mismatch for node type {spec.type!r}; "
                                 f"expected {spec._context!r}, but got {context!r}.")
    for subtree, subspec in zip(children, spec._children, strict=True):
        _flatten_up_to(subspec, subtree, out)


PyTreeSpec = TreeSpec


@dataclasses.dataclass(init=False, frozen=True, eq=False, repr=False, slots=True)
class LeafSpec(TreeSpec):
    """Deprecated: the spec of a leaf (use treespec_leaf() / TreeSpec.is_leaf())."""

    type: Any = dataclasses.field(default=None, init=False)
    _context: Any = dataclasses.field(default=None, init=False)
    _children: list = dataclasses.field(default_factory=list, init=False)

    def __init__(self):
        if _LEAF_SPEC is not None:
            warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use "
                          "`isinstance(treespec, TreeSpec) and treespec.is_leaf()` instead.",
                          FutureWarning, stacklevel=2)
        object.__setattr__(self, "type", None)
        object.__setattr__(self, "_context", None)
        object.__setattr__(self, "_children", [])
        object.__setattr__(self, "num_nodes", 1)
        object.__setattr__(self, "num_leaves", 1)
        object.__setattr__(self, "num_children", 0)

    def __repr__(self, indent=0):
        return "*"


_LEAF_SPEC = None
_LEAF_SPEC = LeafSpec()  # NOTE: the shared leaf spec; made before the deprecation warning arms


def treespec_leaf():
    """The treespec of a leaf."""
    return _LEAF_SPEC


def treespec_tuple(iterable=(), /):
    """A tuple treespec from child treespecs."""
    children = list(iterable)
    if any(not isinstance(c, TreeSpec) for c in children):
        raise ValueError(f"Expected a tuple of TreeSpec values, got: {children!r}.")
    return TreeSpec(tuple, None, children)


def treespec_dict(mapping=(), /, **kwargs):
    """A dict treespec from a mapping of child treespecs."""
    dct = dict(mapping, **kwargs)
    if any(not isinstance(c, TreeSpec) for c in dct.values()):
        raise ValueError(f"Expected a dictionary of TreeSpec values, got: {dct!r}.")
    return TreeSpec(dict, list(dct.keys()), list(dct.values()))


