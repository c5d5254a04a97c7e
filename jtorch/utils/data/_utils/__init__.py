"""torch.utils.data._utils: collation helpers (torch's private-but-imported path)."""
from . import collate  # noqa: F401
from .._worker import MP_STATUS_CHECK_INTERVAL  # noqa: F401
