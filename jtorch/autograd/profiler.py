"""torch.autograd.profiler: the legacy profiler API (profile, record_function, emit_nvtx,
emit_itt), sharing jtorch.profiler's recorder."""
from ..profiler._collector import record_function
from ..profiler._enums import DeviceType, ProfilerActivity
from ..profiler._events import (MEMORY_EVENT_NAME, OUT_OF_MEMORY_EVENT_NAME, EventList,
                                FunctionEvent, FunctionEventAvg)
from ..profiler._legacy import emit_itt, emit_nvtx, profile
from ..profiler.profiler import kineto_available

__all__ = ["profile", "record_function", "emit_itt", "emit_nvtx", "EventList", "FunctionEvent",
           "FunctionEventAvg", "DeviceType", "ProfilerActivity", "kineto_available",
           "MEMORY_EVENT_NAME", "OUT_OF_MEMORY_EVENT_NAME"]
