"""torch.overrides: the __torch_function__ protocol helpers.

NOTE: jtorch's own functions, Tensor methods and nn.functional do NOT dispatch through
__torch_function__: a Tensor subclass or tensor-like object that defines it is not consulted by
jtorch.add & co., and TorchFunctionMode cannot be entered (NotImplementedError, since jtorch ops
would silently ignore the mode). What is pure Python here works as in torch for code that uses
the protocol itself: has_torch_function* (True only for objects whose type defines
__torch_function__; jtorch.Tensor and Parameter do not), handle_torch_function (calls the
overloaded args' __torch_function__ in torch's precedence order), wrap_torch_function and
redispatch_function. Consistently, get_overridable_functions() / get_testing_overrides() are
empty and get_ignored_functions() holds jtorch's public functions and Tensor methods.
"""
import collections
import contextlib
import functools
import threading
import types
import warnings

__all__ = ["get_ignored_functions", "get_overridable_functions", "get_testing_overrides",
           "handle_torch_function", "has_torch_function", "resolve_name", "is_tensor_like",
           "is_tensor_method_or_property", "wrap_torch_function", "enable_reentrant_dispatch",
           "redispatch_function"]

_state = threading.local()


def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """A __torch_function__ that opts a Tensor subclass out of the protocol (torch._C's)."""
    return func(*args, **(kwargs or {}))


def _subclass_dispatch_disabled():
    return getattr(_state, "disabled", 0) > 0


@contextlib.contextmanager
def _disable_subclass_dispatch():
    _state.disabled = getattr(_state, "disabled", 0) + 1
    try:
        yield
    finally:
        _state.disabled -= 1


def _dispatches(obj):
    """Whether `obj` (an argument, or a type) has an enabled __torch_function__."""
    impl = getattr(obj, "__torch_function__", None)
    if impl is None:
        return False
    return getattr(impl, "__func__", impl) is not _disabled_torch_function_impl


def has_torch_function(relevant_args):
    """Whether any element of relevant_args has a __torch_function__ implementation."""
    if _subclass_dispatch_disabled():
        return False
    # NOTE: torch looks the attribute up on the argument itself (so a class that defines it
    # counts too), while the overloaded args below are chosen by their types.
    return any(_dispatches(arg) for arg in relevant_args)


def has_torch_function_unary(arg):
    """has_torch_function((arg,))."""
    return has_torch_function((arg,))


def has_torch_function_variadic(*args):
    """has_torch_function(args)."""
    return has_torch_function(args)


def _get_overloaded_args(relevant_args, get_type_fn=None):
    """The args whose __torch_function__ to call, in precedence order (subclasses first)."""
    get_type_fn = type if get_type_fn is None else get_type_fn
    if _subclass_dispatch_disabled():
        return []
    overloaded_types, overloaded_args = set(), []
    for arg in relevant_args:
        arg_type = get_type_fn(arg)
        if arg_type in overloaded_types or not _dispatches(arg_type):
            continue
        overloaded_types.add(arg_type)
        index = len(overloaded_args)
        for i, old_arg in enumerate(overloaded_args):
            if issubclass(arg_type, get_type_fn(old_arg)):
                index = i
                break
        overloaded_args.insert(index, arg)
    return overloaded_args


def _torch_name(public_api):
    module = getattr(public_api, "__module__", None) or ""
    # NOTE: report jtorch's functions under torch's module names, as torch's message does.
    if module == "jtorch" or module.startswith("jtorch._"):
        module = "torch"
    elif module.startswith("jtorch."):
        module = "torch." + module[len("jtorch."):]
    return f"{module}.{public_api.__name__}"


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """Call the __torch_function__ of the overloaded args of public_api (torch's order)."""
    overloaded_args = _get_overloaded_args(relevant_args)
    types_ = tuple(map(type, overloaded_args))
    for overloaded_arg in overloaded_args:
        method = overloaded_arg.__torch_function__
        if getattr(method, "__self__", None) is overloaded_arg:
            warnings.warn("Defining your `__torch_function__ as a plain method is deprecated and "
                          "will be an error in future, please define it as a classmethod.",
                          DeprecationWarning, stacklevel=2)
        result = method(public_api, types_, args, kwargs)
        if result is not NotImplemented:
            return result
    raise TypeError(f"no implementation found for '{_torch_name(public_api)}' on types that "
                    f"implement __torch_function__: {[type(arg) for arg in overloaded_args]}")


def redispatch_function(func, types, args, kwargs):
    """Call func with __torch_function__ dispatch of tensor-like arguments skipped once."""
    with _disable_subclass_dispatch():
        return func(*args, **(kwargs or {}))


def wrap_torch_function(dispatcher):
    """Decorator: the function dispatches on dispatcher(*args, **kwargs) via __torch_function__."""
    def inner(func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            relevant_args = dispatcher(*args, **kwargs)
            if has_torch_function(relevant_args):
                return handle_torch_function(wrapped, relevant_args, *args, **kwargs)
            return func(*args, **kwargs)
        return wrapped
    return inner


def is_tensor_like(inp):
    """Whether inp is a jtorch Tensor (or Tensor class) or defines __torch_function__."""
    from ._tensor import Tensor

    # NOTE: in torch every Tensor subclass (and class) has __torch_function__; jtorch's do not.
    return (isinstance(inp, Tensor) or (isinstance(inp, type) and issubclass(inp, Tensor))
            or hasattr(inp, "__torch_function__"))


@contextlib.contextmanager
def enable_reentrant_dispatch():
    """Context for re-entering dispatch from __torch_dispatch__ (nothing to restore in jtorch)."""
    # NOTE: torch restores its Python dispatcher TLS here; jtorch has no dispatcher state.
    yield


# ---- function tables ------------------------------------------------------------------------

_NAMESPACES = ("", "nn.functional", "linalg", "fft", "special")


@functools.cache
def _public_functions():
    """{function: 'torch.<path>'} for jtorch's public functions and Tensor methods."""
    import importlib

    from ._tensor import Tensor

    names = {}
    for ns in _NAMESPACES:
        try:
            module = importlib.import_module("jtorch." + ns if ns else "jtorch")
        except ImportError:
            continue
        prefix = "torch." + ns + "." if ns else "torch."
        for name in dir(module):
            obj = getattr(module, name, None)
            if not name.startswith("_") and callable(obj) and not isinstance(obj, type) and \
                    not isinstance(obj, types.ModuleType):
                names.setdefault(obj, prefix + name)
    for name, attr in vars(Tensor).items():
        if isinstance(attr, property):
            names.setdefault(attr.__get__, f"torch.Tensor.{name}.__get__")
        elif callable(attr) and (not name.startswith("_") or name.startswith("__")):
            names.setdefault(getattr(Tensor, name), f"torch.Tensor.{name}")
    return names


def get_ignored_functions():
    """Functions that cannot be overridden by __torch_function__: in jtorch, all of them."""
    return set(_public_functions())


def get_overridable_functions():
    """{namespace: [functions]} overridable by __torch_function__: none in jtorch."""
    return collections.defaultdict(list)


def get_testing_overrides():
    """{function: dummy override} for the overridable functions: none in jtorch."""
    return {}


def get_default_nowrap_functions():
    """Tensor property getters whose results the default __torch_function__ does not wrap."""
    from ._tensor import Tensor

    return {getattr(Tensor, name).__get__ for name in ("_base", "grad", "_grad")
            if isinstance(getattr(Tensor, name, None), property)}


def resolve_name(f):
    """The 'torch.<path>' name of a jtorch function or Tensor method, else None."""
    return _public_functions().get(f)


def is_tensor_method_or_property(func):
    """Whether func is a Tensor method or a property getter (its __get__)."""
    from ._tensor import Tensor

    if getattr(func, "__name__", None) == "__get__":
        return True
    return any(getattr(Tensor, name, None) is func for name in dir(Tensor))


# ---- modes ----------------------------------------------------------------------------------

class TorchFunctionMode:
    """Base class of __torch_function__ modes; jtorch cannot enter one (its ops never dispatch)."""

    inner: "TorchFunctionMode"

    def __init__(self):
        pass

    def __torch_function__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        raise NotImplementedError(
            f"jtorch does not support __torch_function__ modes ({type(self).__name__}): jtorch's "
            "functions and Tensor methods do not dispatch through __torch_function__, so the mode "
            "would never see them")

    def __exit__(self, exc_type, exc_val, exc_tb):
        return None

    @classmethod
    def push(cls, *args, **kwargs):
        """Deprecated: construct the mode (use `with Mode()`)."""
        warnings.warn("`Mode.push()` is no longer necessary and can be replaced with just "
                      "`with Mode()`", stacklevel=2)
        return cls(*args, **kwargs)


class BaseTorchFunctionMode(TorchFunctionMode):
    """A TorchFunctionMode whose __torch_function__ just calls the function."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))
