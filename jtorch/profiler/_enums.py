"""torch's profiler enums ProfilerActivity and DeviceType (pybind enums in torch._C)."""
from .._pybind_enum import PybindEnum

__all__ = ["ProfilerActivity", "DeviceType"]


# NOTE: member order and values as torch lists them (MTIA before CUDA).
class ProfilerActivity(PybindEnum):
    """Activity groups a profiler can collect (torch's values)."""
    CPU = 0
    XPU = 1
    MTIA = 4
    CUDA = 2
    HPU = 3
    PrivateUse1 = 5


# NOTE: torch lists the members in this order (MTIA's value sits out of order).
class DeviceType(PybindEnum):
    """The device type of a profiler event (torch's c10::DeviceType values)."""
    CPU = 0
    CUDA = 1
    MKLDNN = 2
    OPENGL = 3
    OPENCL = 4
    IDEEP = 5
    HIP = 6
    FPGA = 7
    MAIA = 8
    XLA = 9
    Vulkan = 10
    Metal = 11
    XPU = 12
    MPS = 13
    MTIA = 19
    Meta = 14
    HPU = 15
    VE = 16
    Lazy = 17
    IPU = 18
    PrivateUse1 = 20
