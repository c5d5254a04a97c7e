"""torch.profiler: record per-op CPU times of eager jtorch ops and user-labelled ranges.

Events are named like torch's aten operators ("aten::mm", "aten::add", ...) and print in
torch's table layout; see jtorch/profiler/_collector.py for what is and is not recorded.
"""
from ._collector import record_function
from ._enums import DeviceType, ProfilerActivity
from .profiler import (ProfilerAction, kineto_available, profile, schedule,
                       supported_activities, tensorboard_trace_handler)

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler",
           "ProfilerAction", "ProfilerActivity", "kineto_available", "DeviceType",
           "record_function"]
