"""torch.nn.functional: re-exported from one private file per family (each lists `__all__`)."""
from ._activation import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._pooling import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._embedding import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._misc import *  # noqa: F401,F403
from ._linear_ce import *  # noqa: F401,F403
# NOTE: F.linear / F.bilinear are registry ops defined next to nn.Linear (nn/modules/_linear_ops).
from ..modules._linear_ops import bilinear, linear  # noqa: F401,E402
from ..modules.channelshuffle import channel_shuffle, native_channel_shuffle  # noqa: F401,E402
