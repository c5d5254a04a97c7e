"""torch.types: the type aliases torch's annotations use (Number, Device, FileLike, _size, ...)."""
import os
from builtins import bool as _bool, bytes as _bytes, complex as _complex, float as _float
from builtins import int as _int, str as _str
from collections.abc import Sequence
from typing import IO, Any, Union

from . import _device as _device_mod, _dtype as _dtype_mod, _size as _size_mod, _tensor as _tensor_mod

__all__ = ["Number", "Device", "FileLike", "Storage"]

_device = _device_mod.device
_dtype = _dtype_mod.dtype
Size = _size_mod.Size
Tensor = _tensor_mod.Tensor

_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors = Union[Tensor, Sequence[Union[Tensor, None]]]
# NOTE: torch adds autograd.graph.GradientEdge here, which jtorch does not have.
_TensorOrTensorsOrGradEdge = Union[Tensor, Sequence[Tensor]]
_size = Union[Size, list[int], tuple[int, ...]]
# NOTE: jtorch has no symbolic shapes (SymInt/SymFloat/SymBool), so the "-like" aliases are the
# plain Python types and py_sym_types is empty.
_symsize = Union[Size, Sequence[int]]
IntLikeType = int
FloatLikeType = float
BoolLikeType = bool
py_sym_types = ()
Number = Union[int, float, bool]
_Number = (int, float, bool)
FileLike = Union[str, os.PathLike, IO[bytes]]
Device = Union[_device, str, int, None]


class Storage:
    """Typing protocol of a tensor storage (torch.types.Storage): the methods a storage has."""

    _cdata: int
    device: _device
    dtype: _dtype
    _torch_load_uninitialized: bool

    def __deepcopy__(self, memo: "dict[int, Any]"):
        raise NotImplementedError

    def _new_shared(self, size: int):
        raise NotImplementedError

    def _write_file(self, f: Any, is_real_file: bool, save_size: bool, element_size: int) -> None:
        raise NotImplementedError

    def element_size(self) -> int:
        """Bytes per element."""
        raise NotImplementedError

    def is_shared(self) -> bool:
        """Whether the storage is in shared memory."""
        raise NotImplementedError

    def share_memory_(self):
        """Move the storage to shared memory."""
        raise NotImplementedError

    def nbytes(self) -> int:
        """Size in bytes."""
        raise NotImplementedError

    def cpu(self):
        """A CPU copy."""
        raise NotImplementedError

    def data_ptr(self) -> int:
        """Address of the first element."""
        raise NotImplementedError

    def from_file(self, filename: str, shared: bool = False, nbytes: int = 0):
        """A storage backed by a file."""
        raise NotImplementedError

    def _new_with_file(self, f: Any, element_size: int):
        raise NotImplementedError


_ = (_bool, _bytes, _complex, _float, _int, _str)  # NOTE: re-exported builtins, as torch.types
