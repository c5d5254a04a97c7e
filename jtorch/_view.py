"""Views over immutable JAX arrays: torch's strides/offset bookkeeping, reads and writes.

A view keeps its root base Tensor plus (strides, offset) into the base's flat storage, exactly
as torch lays them out. Its own array is computed by the forward op when it is created; if the
base is written later (base._ver changed) the view re-reads itself with one gather, and a write
into the view scatters into the base. Every tensor that is not a view is contiguous.
"""
import functools

import jax
import jax.numpy as jnp
from jax import lax

from ._ops.registry import scalar_array

__all__ = ["contiguous_strides", "view_strides", "is_contiguous", "read", "write"]


@functools.lru_cache(maxsize=4096)
def contiguous_strides(shape):
    """Row-major strides (in elements) of a shape."""
    st, acc = [], 1
    for n in reversed(shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def is_contiguous(shape, strides):
    """torch's contiguity rule: size-1 dims are ignored; empty tensors are contiguous."""
    if 0 in shape:
        return True
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 0:
            return True
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def view_strides(old_shape, old_strides, new_shape):
    """torch's computeStride: strides for viewing old as new_shape, or None if impossible."""
    if not old_shape:
        return (1,) * len(new_shape)  # NOTE: torch's computeStride for a 0-d input
    numel = 1
    for n in old_shape:
        numel *= n
    if numel == 0:
        if tuple(old_shape) == tuple(new_shape):
            return tuple(old_strides)
        return contiguous_strides(tuple(new_shape))
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1] if old_strides else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def _index(shape, strides, offset):
    idx = jnp.full(shape, offset, dtype=jnp.int64)
    for k, s in enumerate(strides):
        if s and shape[k] > 1:
            idx = idx + lax.broadcasted_iota(jnp.int64, shape, k) * s
    return idx


# NOTE: the offset is a runtime argument, not a compile-time constant: views at many offsets
# (x[i] for every i) share one compiled reader/writer per (shape, strides).
@functools.lru_cache(maxsize=1024)
def _reader(shape, strides):
    def f(base, offset):
        flat = base.reshape(-1)
        return flat.at[_index(shape, strides, offset)].get(mode="promise_in_bounds")
    return jax.jit(f)


@functools.lru_cache(maxsize=1024)
def _writer(shape, strides):
    def f(base, new, offset):
        flat = base.reshape(-1)
        idx = _index(shape, strides, offset).reshape(-1)
        out = flat.at[idx].set(new.reshape(-1).astype(base.dtype), mode="promise_in_bounds")
        return out.reshape(base.shape)
    return jax.jit(f)


def read(base_arr, shape, strides, offset):
    """The view's current values from its base's array."""
    return _reader(tuple(shape), strides)(base_arr, scalar_array(int(offset), base_arr))


def write(base_arr, new, strides, offset):
    """The base's new array after writing `new` into the view."""
    return _writer(tuple(new.shape), strides)(base_arr, new, scalar_array(int(offset), base_arr))
