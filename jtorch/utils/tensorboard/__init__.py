"""torch.utils.tensorboard: SummaryWriter and FileWriter on jtorch Tensors, via the `tensorboard` package."""
# NOTE: as torch, importing this package needs `tensorboard` (>= 1.15): without it the plain
# `import tensorboard` raises ModuleNotFoundError, and an old/stub one raises torch's ImportError.
import tensorboard
from packaging.version import Version  # NOTE: a dependency of tensorboard; torch vendors the same class

if not hasattr(tensorboard, "__version__") or Version(
    tensorboard.__version__
) < Version("1.15"):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")

del Version
del tensorboard

from .writer import FileWriter, SummaryWriter  # noqa: E402
from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

__all__ = [
    "FileWriter",
    "RecordWriter",
    "SummaryWriter",
]
