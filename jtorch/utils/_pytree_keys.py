"""Key-path entries of torch.utils._pytree (SequenceKey, MappingKey, GetAttrKey) and keystr/key_get.

NOTE: a leaf module (no imports from the rest of the pytree package) so the node registry can use
these entries in its flatten_with_keys functions; re-exported from jtorch.utils._pytree.
"""
import dataclasses
from typing import Any, Protocol

__all__ = ["KeyEntry", "SequenceKey", "MappingKey", "GetAttrKey", "keystr", "key_get"]


class KeyEntry(Protocol):
    """A key-path entry: hashable, printable, and able to get its child from a parent."""

    def __hash__(self) -> int: ...

    def __eq__(self, other: object) -> bool: ...

    def __str__(self) -> str: ...

    def get(self, parent: Any) -> Any:
        """The child this entry names in `parent`."""

@dataclasses.dataclass(frozen=True, slots=True)
class SequenceKey:
    """Key-path entry: an index into a sequence."""
    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"

    def get(self, sequence):
        """The element at this index."""
        return sequence[self.idx]


@dataclasses.dataclass(frozen=True, slots=True)
class MappingKey:
    """Key-path entry: a key of a mapping."""
    key: Any

    def __str__(self):
        return f"[{self.key!r}]"

    def get(self, mapping):
        """The value at this key."""
        return mapping[self.key]


@dataclasses.dataclass(frozen=True, slots=True)
class GetAttrKey:
    """Key-path entry: an attribute name."""
    name: str

    def __str__(self):
        return f".{self.name}"

    def get(self, obj):
        """The attribute's value."""
        return getattr(obj, self.name)


def keystr(kp):
    """Pretty-printed key path."""
    return "".join(str(k) for k in kp)


def key_get(obj, kp):
    """The value at key path `kp` in `obj`."""
    for k in kp:
        obj = k.get(obj)
    return obj
