"""torch.nn: Module, Parameter, layers, functional, init."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from . import attention, functional, init, parallel, utils  # noqa: F401
from .parallel import DataParallel, DistributedDataParallel  # noqa: F401
from .functional._linear_ce import LinearCrossEntropyOptions  # noqa: F401,E402
