"""Tensor methods jtorch lacked (legacy `new`, in-place transposes, fill_diagonal_, apply_/map_,
pinning/sharing queries, dim_order, ...); importing this module attaches them to jtorch.Tensor,
after _memory_format has installed memory_format= on contiguous / to / clone / the casts."""
import builtins
import numbers
import warnings
import weakref

import numpy as np

# NOTE: importing _memory_format installs its Tensor wrappers first (the order of the single
# module this used to be); its helpers are re-exported for _toplevel_extra (torch.clone, empty,
# the *_like functions).
from ._memory_format import (check_memory_format, clone as _clone, original, relayout,
                             target_strides)
from ._ops.registry import hooks
from ._tensor import Tensor, _MemoryFormat, _alias, _is_contiguous_as, channels_last, wrap

__all__ = ["target_strides", "relayout", "check_memory_format", "legacy_new", "_clone"]
_orig_type = Tensor.type


# ---- in-place layout changes (t_, transpose_, swapaxes_, swapdims_, as_strided_) ---------------

def _leaf_check(self):
    if self._rg and self.grad_fn is None and hooks.mode is not None and hooks.mode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _restride_inplace(self, fn, *args):
    """Turn self, in place, into the view fn(self, *args) over its own storage."""
    _leaf_check(self)
    src = self
    if self._base is None:
        # NOTE: a jtorch root is always row-major, so a root's storage moves to a fresh root
        # and self becomes a strided view of it (its stride() then matches torch). Views made
        # of self *before* this call keep reading self's old layout.
        src = wrap(self._a)
        src._ver, src._rg, src._gfn = self._ver, self._rg, self._gfn
        src._out_idx = getattr(self, "_out_idx", 0)
    r = fn(src, *args)
    keep_rg = self._rg
    self._a, self._base, self._st, self._seen = r._a, r._base, r._st, r._seen
    self._gfn, self._gv = r._gfn, r._gv
    if r._gfn is not None:
        self._out_idx = getattr(r, "_out_idx", 0)
        self._rg = True
    else:
        self._rg = keep_rg
    return self


def t_(self):
    """In-place t(): self becomes its own transpose (Tensor.t_)."""
    if self.dim() > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{self.dim()}D")
    return _restride_inplace(self, Tensor.t)


def transpose_(self, dim0, dim1):
    """In-place transpose(dim0, dim1) (Tensor.transpose_)."""
    return _restride_inplace(self, Tensor.transpose, dim0, dim1)


def swapaxes_(self, axis0, axis1):
    """In-place swapaxes (alias of transpose_) (Tensor.swapaxes_)."""
    return transpose_(self, axis0, axis1)


def swapdims_(self, dim0, dim1):
    """In-place swapdims (alias of transpose_) (Tensor.swapdims_)."""
    return transpose_(self, dim0, dim1)


def as_strided_(self, size, stride, storage_offset=None):
    """In-place as_strided over self's storage (Tensor.as_strided_)."""
    return _restride_inplace(self, Tensor.as_strided, size, stride, storage_offset)


# ---- fill_diagonal_ -----------------------------------------------------------------------------

def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal (all indices equal) with fill_value; `wrap` restarts it every
    ncols+1 rows of a tall matrix (Tensor.fill_diagonal_)."""
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(shape, dtype=bool)
    n = builtins.min(shape)
    idx = np.arange(n)
    mask[(idx,) * len(shape)] = True
    if wrap and len(shape) == 2 and shape[0] > shape[1] + 1:
        # NOTE: torch continues the diagonal in storage: row r, column r mod (ncols + 1).
        rows = np.arange(shape[0])
        cols = rows % (shape[1] + 1)
        keep = cols < shape[1]
        mask[rows[keep], cols[keep]] = True
    from ._ops.creation import tensor
    return self.masked_fill_(tensor(mask, device=self.device), fill_value)


# ---- Python callables: apply_ / map_ / map2_ -------------------------------------------------

def _check_callable_ok(self, name):
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")


def _to_scalar(v, dtype):
    ok = numbers.Complex if dtype.is_complex else numbers.Real
    if not isinstance(v, (ok, np.generic)):
        kind = "complex" if dtype.is_complex else "real"
        raise TypeError(f"must be {kind} number, not {builtins.type(v).__name__}")
    return v


def _write_values(self, values):
    from ._ops.creation import tensor
    kind = complex if self.dtype.is_complex else builtins.float
    arr = np.asarray([kind(v) for v in values]).reshape(tuple(self.shape))
    from .autograd import no_grad
    with no_grad():
        self.copy_(tensor(arr, device=self.device))  # NOTE: copy_ casts like torch (truncation)
    return self


def _py_values(t):
    return np.asarray(t.detach()._arr()).reshape(-1).tolist()


def apply_(self, callable):
    """Apply a Python callable to every element in place (CPU, like torch) (Tensor.apply_)."""
    _check_callable_ok(self, "apply_")
    d = self.dtype
    return _write_values(self, [_to_scalar(callable(v), d) for v in _py_values(self)])


def _check_other(self, other, fname, argname):
    if other.dtype is not self.dtype:
        from ._ops.convert import type as type_name
        where = f"argument '{argname}'" if fname == "map2_" else f"'{argname}'"
        raise TypeError(f"{fname}: expected {type_name(self)} for {where} (got "
                        f"{type_name(other)})")
    return _py_values(other.expand_as(self))


def map_(self, tensor, callable):
    """self[i] = callable(self[i], tensor[i]) with tensor broadcast to self (Tensor.map_)."""
    _check_callable_ok(self, "map_")
    other = _check_other(self, tensor, "map_", "other")
    d = self.dtype
    return _write_values(self, [_to_scalar(callable(a, b), d)
                                for a, b in zip(_py_values(self), other)])


def map2_(self, x, y, callable):
    """self[i] = callable(self[i], x[i], y[i]) with x, y broadcast to self (Tensor.map2_)."""
    _check_callable_ok(self, "map2_")
    xs = _check_other(self, x, "map2_", "x")
    ys = _check_other(self, y, "map2_", "y")
    d = self.dtype
    return _write_values(self, [_to_scalar(callable(a, b, c), d)
                                for a, b, c in zip(_py_values(self), xs, ys)])


# ---- legacy constructor -------------------------------------------------------------------------

def legacy_new(dtype, device, args, kwargs):
    """The legacy constructor of a given dtype: (*sizes), (data), (tensor) or ()."""
    if kwargs:
        raise TypeError(f"new() received an invalid combination of arguments - got an "
                        f"unexpected keyword argument '{next(iter(kwargs))}'")
    from ._ops.creation import tensor, zeros
    from ._size import Size
    if not args:
        return zeros(0, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if other.dtype is not dtype:
            raise TypeError(f"expected {dtype} (got {other.dtype})")
        return _alias(other)  # NOTE: shares other's storage, outside autograd, like torch
    if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer, Size)):
        data = args[0]
        if isinstance(data, (builtins.float, builtins.complex, builtins.bool, np.floating)):
            raise TypeError(f"new(): data must be a sequence (got "
                            f"{builtins.type(data).__name__})")
        return tensor(data, dtype=dtype, device=device)
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
    return zeros(sizes, dtype=dtype, device=device)


def new(self, *args, **kwargs):
    """Legacy constructor with self's dtype and device: new(*sizes), new(data), new(tensor)
    (Tensor.new). NOTE: sized results are zeros where torch leaves memory uninitialised."""
    device = kwargs.pop("device", None)
    return legacy_new(self.dtype, self.device if device is None else device, args, kwargs)


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """The type name ('torch.FloatTensor'), or self cast to a dtype / type name / legacy type
    class such as torch.DoubleTensor (Tensor.type)."""
    name = getattr(dtype, "_tensortype_name", None)
    return _orig_type(self, dtype if name is None else name, non_blocking, **kwargs)


def as_subclass(self, cls):
    """A `cls` instance sharing self's data and staying in self's autograd graph."""
    if not (isinstance(cls, builtins.type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from "
                        "Tensor is not possible. Make sure your class inherits from Tensor.")
    out = self.view_as(self)  # NOTE: an alias view (grad_fn ViewBackward0; torch: Alias...)
    out.__class__ = cls
    return out


# ---- queries ----------------------------------------------------------------------------------

def is_nonzero(self):
    """The truth value of a one-element tensor (Tensor.is_nonzero)."""
    return builtins.bool(self)


def is_same_size(self, other):
    """True if self and other have the same shape (Tensor.is_same_size)."""
    return tuple(self.shape) == tuple(other.shape)


def is_set_to(self, tensor):
    """True if both tensors view the same storage with the same size, stride and offset."""
    root = self if self._base is None else self._base
    other_root = tensor if tensor._base is None else tensor._base
    return (root is other_root and tuple(self.shape) == tuple(tensor.shape) and
            self.stride() == tensor.stride() and
            self.storage_offset() == tensor.storage_offset())


def pin_memory(self, device=None):
    """A copy in page-locked memory; like torch, an error without an accelerator."""
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    # NOTE: JAX manages host staging itself; a pinned tensor is a plain copy here.
    return original("clone")(self)


def is_pinned(self, device=None):
    """Whether self lives in pinned memory: never in jtorch (Tensor.is_pinned)."""
    return False


_SHARED = {}


def share_memory_(self):
    """Mark self as shared (torch moves it to shared memory); returns self."""
    root = self if self._base is None else self._base
    key = id(root)
    if key not in _SHARED:
        # NOTE: JAX arrays already live outside Python objects; only the flag is recorded.
        _SHARED[key] = weakref.ref(root, lambda _r, k=key: _SHARED.pop(k, None))
    return self


def is_shared(self):
    """Whether share_memory_() was called on self's storage (Tensor.is_shared)."""
    root = self if self._base is None else self._base
    ref = _SHARED.get(id(root))
    return ref is not None and ref() is root


def const_data_ptr(self):
    """Same as data_ptr() (Tensor.const_data_ptr)."""
    return self.data_ptr()


def _output_nr(self):
    """Which output of its grad_fn this tensor is (0 for leaves)."""
    if self.grad_fn is None:
        return 0
    return getattr(self, "_out_idx", 0) or 0


def _should_swap(shape, strides, a, b):
    # NOTE: torch._prims_common.compute_elementwise_output_logical_to_physical_perm's comparator.
    sa, sb = strides[a], strides[b]
    if sa == 0 or sb == 0:
        return 0

    def ge(x, y):
        if y == 0:
            return True
        if x == 0:
            return False
        return x >= y or x % y == 0
    if sa == sb:
        return 0 if ge(shape[b], shape[a]) else 1
    if ge(sb, sa):
        return -1
    if ge(sa, sb):
        return 1
    return 0


def _logical_perm(t, ambiguity_check):
    shape, strides, nd = tuple(t.shape), t.stride(), t.dim()
    if nd == 0:
        return [], False
    if nd == 1:
        return [0], False
    contig = t.is_contiguous()
    cl = t.is_contiguous(memory_format=channels_last)
    if contig and not cl:
        return list(range(nd)), False
    if cl and not contig:
        return [0, *range(2, nd), 1], False
    perm = list(reversed(range(nd)))
    for i in range(1, nd):
        d1 = i
        for d0 in reversed(range(i)):
            c = _should_swap(shape, strides, perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    ambiguous = builtins.bool(ambiguity_check) and builtins.any(
        _should_swap(shape, strides, perm[i], perm[i + 1]) != -1 for i in range(nd - 1))
    return list(reversed(perm)), ambiguous


def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (Tensor.dim_order)."""
    if not isinstance(ambiguity_check, builtins.bool):
        if not isinstance(ambiguity_check, list) or not builtins.all(
                isinstance(f, _MemoryFormat) for f in ambiguity_check):
            raise TypeError("The ambiguity_check argument must be a bool or a list of memory "
                            "formats.")
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    check = ambiguity_check if isinstance(ambiguity_check, builtins.bool) else True
    shape, strides = tuple(self.shape), self.stride()
    multiple = (builtins.any(a == b for a, b in zip(strides, strides[1:])) or
                builtins.any(n == 1 for n in shape))
    legal = builtins.sum(1 for f in formats if _is_contiguous_as(shape, strides, f))
    if check and multiple and legal != 1:
        raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact "
                           "one of the given memory formats.")
    perm, ambiguous = _logical_perm(self, ambiguity_check)
    if ambiguous:
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(perm)


def to_dense(self, dtype=None, *, masked_grad=None):
    """A strided tensor is dense already: self, or self cast to dtype (Tensor.to_dense)."""
    return self if dtype is None else self.to(dtype)


def is_distributed(self):
    """Always False, as in torch (Tensor.is_distributed)."""
    return False


def pinverse(self, rcond=1e-15):
    """Pseudo-inverse (Tensor.pinverse; see torch.pinverse)."""
    from ._ops.linalg_decomp import pinverse as _pinverse
    return _pinverse(self, rcond)


def orgqr(self, input2):
    """The Q of a Householder QR (Tensor.orgqr; see torch.linalg.householder_product)."""
    from .linalg import householder_product
    return householder_product(self, input2)


def unsafe_split_with_sizes(self, split_sizes, dim=0):
    """split_with_sizes without the view-safety checks (Tensor.unsafe_split_with_sizes)."""
    return self.split_with_sizes(split_sizes, dim)


def module_load(self, other, assign=False):
    """What load_state_dict swaps in for self: other.detach() if assign, else self updated
    from other (Tensor.module_load)."""
    return other.detach() if assign else self.copy_(other).detach()


def _contains(self, element):
    """`element in tensor`: any element equal to it (Tensor.__contains__)."""
    if not isinstance(element, (Tensor, builtins.int, builtins.float, builtins.complex,
                                builtins.bool, np.number)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                           f"passed in a {builtins.type(element)}.")
    return builtins.bool((self == element).any().item())


def _reversed(self):
    """reversed(tensor): flipped along dim 0; a 0-d tensor is returned as is."""
    return self if self.dim() == 0 else self.flip(0)


# ---- removed / deprecated methods, with torch's errors -----------------------------------------

def _removed(name, message):
    def method(self, *args, **kwargs):
        raise RuntimeError(message)
    method.__name__ = name
    method.__doc__ = f"Removed from torch: raises torch's RuntimeError for {name}()."
    return method


_REMOVED_LINALG = "This function was deprecated since version 1.9 and is now removed. "
_REMOVED = {
    "eig": _REMOVED_LINALG + "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or "
                             "`cdouble` rather than real tensors mimicking complex tensors.",
    "lstsq": _REMOVED_LINALG + "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.",
    "solve": _REMOVED_LINALG + "`torch.solve` is deprecated in favor of `torch.linalg.solve`.",
    "symeig": _REMOVED_LINALG + "The default behavior has changed from using the upper "
                                "triangular portion of the matrix by default to using the lower "
                                "triangular portion.",
    "reinforce": "reinforce() was removed.\nUse torch.distributions instead.",
}


def _volatile(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                  stacklevel=2)
    return False


def _autograd_resize(self, sizes):
    # NOTE: torch.autograd._functions.Resize: a reshape that keeps the element count.
    numel = 1
    for s in sizes:
        numel *= s
    if self.numel() != numel:
        raise RuntimeError(
            f"requested resize to {'x'.join(map(str, sizes))} ({numel} elements in total), but "
            f"the given tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} "
            f"elements). autograd's resize can only change the shape of a given tensor, while "
            f"preserving the number of elements. ")
    return original("contiguous")(self).view(*sizes)


def resize(self, *sizes):
    """Deprecated out-of-place resize that keeps the element count (Tensor.resize)."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    return _autograd_resize(self, sizes)


def resize_as(self, tensor):
    """Deprecated out-of-place resize to tensor's shape (Tensor.resize_as)."""
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return _autograd_resize(self, tuple(tensor.shape))


# ---- attach -------------------------------------------------------------------------------------

_METHODS = {
    "t_": t_, "transpose_": transpose_, "swapaxes_": swapaxes_, "swapdims_": swapdims_,
    "as_strided_": as_strided_, "fill_diagonal_": fill_diagonal_,
    "apply_": apply_, "map_": map_, "map2_": map2_, "new": new, "as_subclass": as_subclass,
    "type": _type, "module_load": module_load, "__contains__": _contains,
    "__reversed__": _reversed,
    "is_nonzero": is_nonzero, "is_same_size": is_same_size, "is_set_to": is_set_to,
    "pin_memory": pin_memory, "is_pinned": is_pinned, "share_memory_": share_memory_,
    "is_shared": is_shared, "const_data_ptr": const_data_ptr, "dim_order": dim_order,
    "resize": resize, "resize_as": resize_as, "to_dense": to_dense,
    "is_distributed": is_distributed, "pinverse": pinverse, "orgqr": orgqr,
    "unsafe_split_with_sizes": unsafe_split_with_sizes,
    # NOTE: torch's spelled-out aliases of the comparison in-place ops.
    "greater_": Tensor.gt_, "greater_equal_": Tensor.ge_, "less_": Tensor.lt_,
    "less_equal_": Tensor.le_, "not_equal_": Tensor.ne_,
}
if not hasattr(Tensor, "conj_physical_"):
    from ._ops._common import make_inplace
    _METHODS["conj_physical_"] = make_inplace(Tensor.conj_physical, "conj_physical_")
_METHODS.update({n: _removed(n, m) for n, m in _REMOVED.items()})
for _n, _f in _METHODS.items():
    setattr(Tensor, _n, _f)
Tensor.output_nr = property(_output_nr)
Tensor.volatile = property(_volatile)
Tensor.name = None  # NOTE: torch tensors have no name unless set (named tensors are unsupported)
# NOTE: jtorch tensors live on JAX's cpu/cuda/tpu devices, never on these backends.
for _n in ("is_xla", "is_xpu", "is_mps", "is_ipu", "is_maia", "is_mtia", "is_vulkan",
           "is_sparse_csr"):
    setattr(Tensor, _n, False)
