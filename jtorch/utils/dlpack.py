"""torch.utils.dlpack: DLPack exchange (to_dlpack, from_dlpack) on JAX's DLPack support, plus
Tensor.__dlpack__ / Tensor.__dlpack_device__ (attached to jtorch.Tensor on import).

NOTE: torch's from_dlpack shares memory with the producer. jtorch shares only with jtorch tensors
(a memory alias, like torch) and JAX arrays (immutable, so sharing is exact); memory from other
producers (NumPy, torch, capsules) is copied, because JAX assumes its buffers never change under
it and a producer's later writes would leave jtorch's views and caches stale.
"""
import ctypes
import enum

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as DEV

from .._tensor import Tensor, _alias, wrap

__all__ = ["to_dlpack", "from_dlpack", "DLDeviceType"]


class DLDeviceType(enum.IntEnum):
    """DLPack device type codes (torch.utils.dlpack.DLDeviceType)."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


_INVALID = ("from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
            "consumed only once, so you might have already constructed a tensor from it once.")


def _export_check(t):
    if t.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    a = t._arr()
    if isinstance(a, jax.core.Tracer):
        raise BufferError("jtorch: a traced tensor (inside jtorch.compile / jax.jit) cannot be "
                          "exported through DLPack")
    return a


def __dlpack__(self, *, stream=-1, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule of this tensor's values (Tensor.__dlpack__)."""
    a = _export_check(self)
    # NOTE: torch's -1 means "no synchronization"; JAX spells that None.
    return a.__dlpack__(stream=None if stream == -1 else stream, max_version=max_version,
                        dl_device=dl_device, copy=copy)


def __dlpack_device__(self):
    """(DLPack device type, device index) of this tensor (Tensor.__dlpack_device__)."""
    a = self._arr()
    if isinstance(a, jax.core.Tracer):
        raise BufferError("jtorch: a traced tensor has no DLPack device")
    kind, index = a.__dlpack_device__()
    return DLDeviceType(int(kind)), int(index)


def to_dlpack(tensor):
    """A legacy DLPack capsule ("dltensor") of tensor's values (torch.utils.dlpack.to_dlpack)."""
    # NOTE: unlike __dlpack__, torch's to_dlpack exports tensors that require grad too.
    a = tensor._arr()
    if isinstance(a, jax.core.Tracer):
        raise BufferError("jtorch: a traced tensor (inside jtorch.compile / jax.jit) cannot be "
                          "exported through DLPack")
    return a.__dlpack__()


# ---- legacy capsules: read the DLDevice of a DLManagedTensor(Versioned) with ctypes -------------

_api = ctypes.pythonapi
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
# NOTE: DLTensor starts {void* data; DLDevice {int32 type; int32 id}}; a DLManagedTensor starts
# with its DLTensor, a DLManagedTensorVersioned with version(8) manager_ctx(8) deleter(8)
# flags(8) first.
_DEVICE_AT = {b"dltensor": 8, b"dltensor_versioned": 40}


class _Capsule:
    """An object with __dlpack__ handing out a capsule once (JAX imports only such objects)."""

    def __init__(self, capsule, device):
        self._capsule, self._device = capsule, device

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return self._device


def _capsule_device(obj):
    for name, at in _DEVICE_AT.items():
        try:
            if _api.PyCapsule_IsValid(obj, name):
                ptr = _api.PyCapsule_GetPointer(obj, name)
                dev = (ctypes.c_int32 * 2).from_address(ptr + at)
                return int(dev[0]), int(dev[1])
        except (TypeError, ctypes.ArgumentError):
            break
    raise RuntimeError(_INVALID)


def _import(ext):
    """A JAX copy of a DLPack producer's array."""
    try:
        return jnp.array(jax.dlpack.from_dlpack(ext), copy=True)
    except jax.errors.JaxRuntimeError:
        # NOTE: JAX imports only compact (row-major or permuted) strides; NumPy reads any
        # strided cpu array, so a sliced cpu producer goes through it.
        kind, _ = ext.__dlpack_device__()
        if int(kind) != DLDeviceType.kDLCPU:
            raise
        a = np.ascontiguousarray(np.from_dlpack(ext))
        return jax.device_put(a, DEV.to_jax_device("cpu"))


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor from an object with __dlpack__ or a DLPack capsule (torch.from_dlpack)."""
    if isinstance(ext_tensor, Tensor):
        _export_check(ext_tensor)
        out = ext_tensor.clone() if copy else _alias(ext_tensor)  # NOTE: shares memory, as torch
        return out if device is None else out.to(device)
    if hasattr(ext_tensor, "__dlpack__"):
        if isinstance(ext_tensor, jax.Array):
            arr = jnp.array(ext_tensor, copy=True) if copy else ext_tensor
        else:
            if copy is False:
                raise NotImplementedError(
                    "jtorch: from_dlpack(copy=False) of a non-JAX producer is unsupported: "
                    "jtorch tensors are immutable JAX arrays and cannot share writable memory")
            arr = _import(ext_tensor)
    else:
        if device is not None or copy is not None:
            raise AssertionError("device and copy kwargs not supported when ext_tensor is "
                                 "already a DLPack capsule.")
        dev = _capsule_device(ext_tensor)
        arr = jnp.array(jax.dlpack.from_dlpack(_Capsule(ext_tensor, dev)), copy=True)
    out = wrap(arr)
    return out if device is None else out.to(device)


Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
