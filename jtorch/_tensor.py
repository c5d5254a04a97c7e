"""The Tensor class: one jax.Array plus torch's metadata. No math lives here (see _ops/)."""
import builtins

import jax
import numpy as np

from . import _dtype as D
from . import _device as DEV
from . import _view
from ._ops.registry import hooks
from ._size import Size

__all__ = ["Tensor", "wrap", "layout", "memory_format", "strided", "sparse_coo", "sparse_csr",
           "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged", "contiguous_format",
           "channels_last", "channels_last_3d", "preserve_format", "legacy_contiguous_format"]

_new = object.__new__


# ---- torch.layout / torch.memory_format: singletons compared by identity ------------------------

class _Singleton:
    """A named torch object (torch.strided, torch.channels_last, ...) compared by identity."""

    __slots__ = ("_name",)

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create 'torch.{cls.__name__}' instances")

    def __repr__(self):
        return "torch." + self._name

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return self._name  # NOTE: pickled as a global (jtorch._tensor.<name>): same object back


class layout(_Singleton):
    """torch.layout: how a tensor's elements are stored (jtorch tensors are all torch.strided)."""

    __slots__ = ()


class memory_format(_Singleton):
    """torch.memory_format: the dim order a dense tensor is laid out in."""

    __slots__ = ()


def _singleton(cls, name):
    obj = object.__new__(cls)
    obj._name = name
    return obj


strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, jagged = (
    _singleton(layout, n) for n in ("strided", "sparse_coo", "sparse_csr", "sparse_csc",
                                    "sparse_bsr", "sparse_bsc", "jagged"))
contiguous_format, channels_last, channels_last_3d, preserve_format = (
    _singleton(memory_format, n) for n in ("contiguous_format", "channels_last",
                                           "channels_last_3d", "preserve_format"))
# NOTE: torch.legacy_contiguous_format is the same object as contiguous_format.
legacy_contiguous_format = contiguous_format
_MemoryFormat = memory_format


def _is_contiguous_as(shape, strides, fmt):
    """torch's per-format contiguity test (c10 compute_channels_last_contiguous_2d/_3d)."""
    if fmt is channels_last or fmt is channels_last_3d:
        order = (1, 3, 2, 0) if fmt is channels_last else (1, 4, 3, 2, 0)
        if len(shape) != len(order):
            return False
        expected = 1
        for d in order:
            if shape[d] != 1:
                if strides[d] != expected:
                    return False
                expected *= shape[d]
        return True
    return _view.is_contiguous(shape, strides)


class Tensor:
    """A torch.Tensor backed by an immutable jax.Array (rebound on in-place writes)."""

    # NOTE: _a: the array (possibly stale for a view; read it through _arr()); _base: the root
    # Tensor of a view, else None; _st: (strides, offset) of a view; _seen: the base version a
    # view's _a reflects; _ver: the version counter of a root; _rg: requires_grad; _gfn: the
    # grad_fn; _gv: for a view, the root's _ver its grad_fn was made at (None: a detach()/.data
    # alias, -1: a view made in no_grad mode). As in torch, a view whose root was written since
    # regenerates its grad_fn (AsStridedBackward0 over the root's graph) when it is read.
    __slots__ = ("_a", "_base", "_st", "_seen", "_ver", "_rg", "_grad", "_gfn", "_gv",
                 "_retain", "_hooks", "_out_idx", "__dict__", "__weakref__")
    _inf = False  # NOTE: made under inference_mode (set in the instance __dict__ by wrap)

    def __new__(cls, *args, **kwargs):
        from ._ops.creation import _legacy_new
        return _legacy_new(cls, *args, **kwargs)

    # ---- array access -------------------------------------------------------------------
    def _sync(self):
        base = self._base
        if self._seen != base._ver:
            strides, offset = self._st
            self._a = _view.read(base._a, self._a.shape, strides, offset)
            self._seen = base._ver
        return self._a

    def _arr(self):
        return self._a if self._base is None else self._sync()

    def _set_array(self, arr):
        """Rebind this tensor's values (an in-place write); a view writes through to its base."""
        base = self._base
        if base is None:
            self._a = arr
            self._ver += 1
        else:
            strides, offset = self._st
            base._a = _view.write(base._a, arr, strides, offset)
            base._ver += 1
            self._a = arr
            self._seen = base._ver

    @property
    def _version(self):
        return self._ver if self._base is None else self._base._ver

    # ---- metadata -------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._a.shape)

    def size(self, dim=None):
        """The shape as torch.Size, or the size of one dimension."""
        if dim is None:
            return Size(self._a.shape)
        return self._a.shape[_canon_dim(dim, self._a.ndim)]

    def dim(self):
        """Number of dimensions."""
        return self._a.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._a.ndim

    def numel(self):
        """Number of elements."""
        return self._a.size

    nelement = numel

    @property
    def dtype(self):
        return D._FROM_NP[self._a.dtype]

    @property
    def device(self):
        a = self._a
        try:
            return DEV.from_jax_device(next(iter(a.devices())))
        except (AttributeError, jax.errors.ConcretizationTypeError):
            return DEV._default[0]

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def is_meta(self):
        return False

    is_sparse = False
    is_quantized = False
    is_mkldnn = False
    is_nested = False
    layout = strided

    def get_device(self):
        """Device index for accelerator tensors, -1 for cpu."""
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    def element_size(self):
        """Bytes per element."""
        return self._a.dtype.itemsize

    @property
    def itemsize(self):
        return self._a.dtype.itemsize

    @property
    def nbytes(self):
        return self._a.size * self._a.dtype.itemsize

    def is_floating_point(self):
        """True for floating point dtypes."""
        return self.dtype.is_floating_point

    def is_complex(self):
        """True for complex dtypes."""
        return self.dtype.is_complex

    def is_signed(self):
        """True for signed dtypes."""
        return self.dtype.is_signed

    def stride(self, dim=None):
        """Strides in elements, as torch would lay this tensor out."""
        st = self._st[0] if self._base is not None else _view.contiguous_strides(self._a.shape)
        return st if dim is None else st[_canon_dim(dim, self._a.ndim)]

    def storage_offset(self):
        """Offset into the (emulated) storage, in elements."""
        return self._st[1] if self._base is not None else 0

    def is_contiguous(self, memory_format=contiguous_format):
        """Whether torch would consider this tensor contiguous in memory_format."""
        if not isinstance(memory_format, _MemoryFormat):
            raise TypeError(f"is_contiguous(): argument 'memory_format' must be "
                            f"torch.memory_format, not {type(memory_format).__name__}")
        if memory_format is contiguous_format or memory_format is preserve_format:
            return self._base is None or _view.is_contiguous(self._a.shape, self._st[0])
        return _is_contiguous_as(self._a.shape, self.stride(), memory_format)

    def data_ptr(self):
        """An emulated address: equal for tensors sharing storage and offset."""
        root = self if self._base is None else self._base
        return id(root) * 64 + self.storage_offset() * self._a.dtype.itemsize

    def is_inference(self):
        """True for a tensor made under inference_mode (a view: its base's answer)."""
        return (self if self._base is None else self._base)._inf

    def untyped_storage(self):
        """The UntypedStorage holding this tensor's root bytes (see jtorch/_storage.py)."""
        # NOTE: importing _storage replaces this method (and adds storage/set_/...) on Tensor.
        from ._storage import untyped_storage
        return untyped_storage(self)

    # ---- autograd metadata ----------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place (leaf tensors of floating/complex dtype only)."""
        if requires_grad and self.dtype._cat < 2:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        self._rg = builtins.bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        b = self._base
        if b is not None:
            gv = self._gv
            if gv is not None and gv >= 0 and gv != b._ver:
                hooks.regen_view(self)
        return self._gfn

    @grad_fn.setter
    def grad_fn(self, fn):
        self._gfn = fn

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retain:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you "
                "access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for "
                "more informations.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype != self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def retains_grad(self):
        return self._retain

    # ---- data -----------------------------------------------------------------------------
    @property
    def data(self):
        return _alias(self)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._a = value._arr()
        self._base = None
        self._st = None
        self._ver += 1

    def detach(self):
        """A tensor sharing storage with this one, outside autograd."""
        return _alias(self)

    def detach_(self):
        """Detach this tensor from the graph in place."""
        self._gfn = None
        self._rg = False
        if self._base is not None:
            self._gv = None
        return self

    # ---- conversion to Python/NumPy --------------------------------------------------------
    def numpy(self, *, force=False):
        """A NumPy array with this tensor's values (a copy: JAX arrays are immutable)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return np.array(self._arr())

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._arr())
        return a if dtype is None else a.astype(dtype)

    def tolist(self):
        """Nested Python lists of Python numbers."""
        return np.asarray(self._arr()).tolist()

    def item(self):
        """The single value as a Python number."""
        a = self._arr()
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        return np.asarray(a).reshape(()).item()

    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._a.shape[0]

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        a = self._arr()
        if a.size != 1:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if a.size == 0
                               else "Boolean value of Tensor with more than one value is "
                               "ambiguous")
        return builtins.bool(a.reshape(()))

    def __float__(self):
        return builtins.float(self._scalar("float"))

    def __int__(self):
        return builtins.int(self._scalar("int"))

    def __complex__(self):
        return builtins.complex(self._scalar("complex"))

    def __index__(self):
        if self.dtype._cat > 1 or self._a.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return builtins.int(self._scalar("int"))

    def _scalar(self, what):
        a = self._arr()
        if a.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return np.asarray(a).reshape(()).item()

    def __repr__(self, *, tensor_contents=None):
        from ._printing import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    def __str__(self):
        from ._printing import tensor_str
        return tensor_str(self)

    def __format__(self, spec):
        if self._a.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, proto):
        from ._ops.creation import _rebuild_from_numpy
        return (_rebuild_from_numpy, (np.asarray(self._arr()), self._rg))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils."
                               "weight_norm usage, see https://github.com/pytorch/pytorch/pull/"
                               "103001")
        new = wrap(self._arr())
        new.__class__ = self.__class__
        new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        d = self.__dict__
        if d:
            import copy
            new.__dict__.update(copy.deepcopy(d, memo))
        memo[id(self)] = new
        return new

    # ---- device/dtype movement ------------------------------------------------------------
    def cpu(self, memory_format=None):
        """This tensor on the cpu device."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """This tensor on a CUDA (JAX GPU) device."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)


def _canon_dim(dim, ndim):
    """Wrap a possibly negative dim; torch's IndexError when out of range."""
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


# NOTE: how many inference_mode(True) blocks are open in any thread: while none is, wrap() skips
# reading the thread-local mode.
INFERENCE = [0]


def wrap(a):
    """A fresh leaf Tensor around a jax.Array."""
    t = _new(Tensor)
    t._a = a
    t._base = None
    t._st = None
    t._ver = 0
    t._rg = False
    t._grad = None
    t._gfn = None
    t._gv = 0
    t._retain = False
    t._hooks = None
    if INFERENCE[0] and hooks.mode.inference:
        t._inf = True
    return t


def make_view(out, src, strides, offset):
    """Mark `out` (computed from `src`) as a view of src's root with the given layout."""
    root = src if src._base is None else src._base
    out._base = root
    out._st = (strides, offset)
    out._seen = root._ver
    out._gv = root._ver if hooks.mode is None or hooks.mode.enabled else -1
    return out


def _alias(t):
    """A tensor sharing t's storage and layout, outside autograd (detach / .data)."""
    out = wrap(t._arr())
    if t._base is None:
        out = make_view(out, t, _view.contiguous_strides(t._a.shape), 0)
    else:
        out = make_view(out, t, *t._st)
    out._gv = None  # NOTE: an alias outside autograd: writes through it never touch the graph
    return out


hooks.wrap = wrap
hooks.tensor_cls = Tensor
