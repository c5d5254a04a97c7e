"""torch.multiprocessing: the stdlib multiprocessing API plus spawn() and sharing strategies.

NOTE: jtorch tensors cross process boundaries (Queue, Pipe, spawn args) by pickling their
values: there is no shared-memory tensor reducer (torch.multiprocessing.reductions), so a child's
in-place change to a tensor it received is not seen by the parent. The sharing strategy is
recorded and reported as torch does on Linux, but does not change how tensors travel.
Processes started while the `import torch` -> jtorch shim is installed get it too (see
_children.py).
"""
import multiprocessing
import sys

from . import _children
from . import spawn as _spawn

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += multiprocessing.__all__

# NOTE: torch does `from multiprocessing import *`: the very same objects, whatever this Python's
# multiprocessing exports.
globals().update({_name: getattr(multiprocessing, _name) for _name in multiprocessing.__all__})
ENV_VAR_PARALLEL_START = _spawn.ENV_VAR_PARALLEL_START
ProcessContext = _spawn.ProcessContext
ProcessExitedException = _spawn.ProcessExitedException
ProcessRaisedException = _spawn.ProcessRaisedException
SpawnContext = _spawn.SpawnContext
start_processes = _spawn.start_processes
spawn = _spawn.spawn  # NOTE: the function shadows the submodule name, as in torch

_children.install()

if sys.platform == "darwin" or sys.platform == "win32":
    _sharing_strategy = "file_system"
    _all_sharing_strategies = {"file_system"}
else:
    _sharing_strategy = "file_descriptor"
    _all_sharing_strategies = {"file_descriptor", "file_system"}


def set_sharing_strategy(new_strategy):
    """Set the strategy for sharing CPU tensors (one of get_all_sharing_strategies())."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, "
                             f"expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """The current strategy for sharing CPU tensors."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """The set of sharing strategies supported on this system."""
    return _all_sharing_strategies
