"""torch.storage: the storage classes (see jtorch/_storage.py)."""
from ._storage import UntypedStorage, TypedStorage  # noqa: F401
from ._storage_typed import (_LegacyStorage, _warn_typed_storage_removal,  # noqa: F401
                             _reset_warn_typed_storage_removal,
                             _get_always_warn_typed_storage_removal,
                             _set_always_warn_typed_storage_removal)

__all__ = ["UntypedStorage", "TypedStorage"]
