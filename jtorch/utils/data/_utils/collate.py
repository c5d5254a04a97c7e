"""torch.utils.data._utils.collate: default_collate / default_convert on jtorch tensors."""
import functools

import numpy as np

import jtorch  # NOTE: partially initialised while jtorch/__init__ runs; used only at call time
from ...._tensor import Tensor
from .._worker import (  # noqa: F401
    collate, convert, is_numpy_value, check_stack_shapes, int_batch_array,
    np_str_obj_array_pattern, default_collate_err_msg_format,
)

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map",
           "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn"]


def _jt():
    return jtorch


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack a batch of tensors along a new first dimension."""
    return _jt().stack(list(batch), 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Stack NumPy arrays into one tensor (string/object arrays are an error)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    check_stack_shapes([b.shape for b in batch])
    if all(b.dtype == elem.dtype for b in batch):
        # NOTE: one host-side np.stack and one transfer instead of a tensor per element.
        return _jt().as_tensor(np.stack(batch))
    jt = _jt()
    return jt.stack([jt.as_tensor(b) for b in batch], 0)  # torch's dtype promotion


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """A batch of NumPy scalars as one tensor."""
    if all(type(b) is type(batch[0]) for b in batch):
        return _jt().as_tensor(np.asarray(batch))
    # NOTE: torch infers a list of NumPy scalars from their dtypes with promote_types.
    from ...._dtype import from_np
    dt = functools.reduce(jtorch.promote_types, [from_np(np.asarray(b).dtype) for b in batch])
    return jtorch.tensor([b.item() for b in batch], dtype=dt)


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats -> a float64 tensor."""
    return _jt().tensor(list(batch), dtype=_jt().float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints (and bools) -> an int64 (bool) tensor, as torch.tensor infers."""
    return _jt().as_tensor(int_batch_array(list(batch)))


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a sequence of strings."""
    return batch


default_collate_fn_map = {Tensor: collate_tensor_fn}
default_collate_fn_map[np.ndarray] = collate_numpy_array_fn
default_collate_fn_map[(np.bool_, np.number, np.object_)] = collate_numpy_scalar_fn
default_collate_fn_map[float] = collate_float_fn
default_collate_fn_map[int] = collate_int_fn
default_collate_fn_map[str] = collate_str_fn
default_collate_fn_map[bytes] = collate_str_fn


def default_collate(batch):
    """Collate a list of samples into batched tensors (torch's rules: tensors and NumPy arrays
    are stacked, Python ints -> int64, floats -> float64, strings kept, containers recursed)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def _leaf(data):
    if isinstance(data, Tensor):
        return data
    if is_numpy_value(data):
        return jtorch.as_tensor(data)
    return NotImplemented


def default_convert(data):
    """Convert NumPy arrays/scalars (also inside containers) to tensors; everything else kept."""
    return convert(data, _leaf)
