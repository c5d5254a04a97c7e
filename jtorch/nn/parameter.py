"""torch.nn.Parameter and torch.nn.Buffer (+ the uninitialized variants used by lazy modules)."""
import builtins

from .._tensor import Tensor, wrap

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]

_new = object.__new__


def _fresh(cls, arr, requires_grad):
    """A new root tensor of class cls around array arr."""
    t = wrap(arr)
    if cls is not Tensor:
        t.__class__ = cls
    if requires_grad:
        if t.dtype._cat < 2:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._rg = True
    return t


class Parameter(Tensor):
    """A Tensor that is registered as a module parameter when assigned as a Module attribute."""

    # NOTE: torch's Parameter(data) shares data's storage (_make_subclass). jtorch arrays are
    # immutable, so the Parameter starts from the same array but is its own root: later
    # in-place writes to `data` do not show in the Parameter (and vice versa).
    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"_make_subclass(): argument 'data' (position 2) must be Tensor, not "
                            f"{type(data).__name__}")
        return _fresh(cls, data._arr(), builtins.bool(requires_grad))

    def __init__(self, data=None, requires_grad=True):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # NOTE: torch's print(param) shows the header too

    def __reduce_ex__(self, proto):
        import numpy as np
        return (_rebuild_parameter, (type(self), np.asarray(self._arr()), self.requires_grad))


def _rebuild_parameter(cls, arr, requires_grad):
    """Unpickle helper for Parameter."""
    from .._ops.creation import place
    return cls(place(arr), requires_grad)


class UninitializedTensorMixin:
    """Shared behaviour of parameters/buffers whose shape is not known yet (lazy modules)."""

    def materialize(self, shape, device=None, dtype=None):
        """Become a real Parameter/Tensor of `shape` (uninitialised values, like torch.empty)."""
        from .._ops.creation import empty
        cur = self.data
        device = cur.device if device is None else device
        dtype = cur.dtype if dtype is None else dtype
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes.")

    def share_memory_(self):
        """Not possible before materialisation."""
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (self.__class__, (self.requires_grad,))


def is_lazy(param):
    """Whether param is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (materialized by a lazy module's first call)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .._ops.creation import empty
        return _fresh(cls, empty(0, device=device, dtype=dtype)._arr(), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        d = self.data
        result = type(self)(self.requires_grad, d.device, d.dtype)
        memo[id(self)] = result
        return result


class _BufferMeta(type):
    # NOTE: Buffer(data) returns a plain Tensor flagged `_is_buffer` (as in torch), so
    # isinstance(t, Buffer) looks at the flag.
    def __instancecheck__(cls, instance):
        if cls is Buffer and isinstance(instance, Tensor) and \
                getattr(instance, "_is_buffer", False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A Tensor that is registered as a module buffer when assigned as a Module attribute."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (materialized by a lazy module's first call)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from .._ops.creation import empty
        t = _fresh(cls, empty(0, device=device, dtype=dtype)._arr(), requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass
