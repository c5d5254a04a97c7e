"""torch.jit extras: fork/wait/Future, freeze/optimize_for_inference, trace_module,
isinstance, Attribute, script_if_tracing, interface, export_opnames, Error and the fuser
settings (stored; they have no effect on XLA)."""
import builtins
import collections
import collections.abc
import copy
import functools
import inspect
import threading
import typing
import warnings
from typing import Generic, TypeVar, Union, get_args, get_origin

from ..nn.modules.module import Module
from ._script import ScriptFunction, ScriptModule

__all__ = ["Future", "fork", "wait", "freeze", "optimize_for_inference", "trace_module",
           "isinstance", "Attribute", "script_if_tracing", "interface", "export_opnames",
           "Error", "enable_onednn_fusion", "onednn_fusion_enabled", "set_fusion_strategy",
           "strict_fusion"]

# NOTE: this module defines torch.jit.isinstance; the builtin is used under this name.
_isinst = builtins.isinstance
_T = TypeVar("_T")


def _deprecated(name):
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please use `torch.compile` instead.",
                  DeprecationWarning, stacklevel=3)


class Error(Exception):
    """torch.jit.Error: the exception TorchScript's `raise` produces."""


# ---- futures ---------------------------------------------------------------------------------

class Future(Generic[_T]):
    """torch.jit.Future (torch.futures.Future): the eventual result of an asynchronous task."""

    def __init__(self, *, devices=None):
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._result = None
        self._exc = None
        self._callbacks = []

    def done(self):
        """Whether a result or an exception has been set."""
        return self._done.is_set()

    def _complete(self, result, exc):
        with self._lock:
            if self._done.is_set():
                raise RuntimeError("Attempting to mark a completed Future as complete again. "
                                   "Note that a Future can only be marked completed once.")
            self._result, self._exc = result, exc
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            cb(self)

    def set_result(self, result):
        """Complete the future with result (runs its callbacks)."""
        self._complete(result, None)

    def set_exception(self, result):
        """Complete the future with an exception that wait()/value() raise."""
        if not _isinst(result, BaseException):
            raise TypeError(f"{result} is of type {type(result)}, not an Exception.")
        self._complete(None, result)

    def wait(self):
        """Block until the future completes; its result (or raise its exception)."""
        # NOTE: as torch, waiting on a future nobody completes blocks forever.
        self._done.wait()
        return self.value()

    def value(self):
        """The result of a completed future (raises its exception)."""
        if not self._done.is_set():
            raise RuntimeError("Future.value(): the future has not completed yet (call wait())")
        if self._exc is not None:
            raise self._exc
        return self._result

    def then(self, callback):
        """A new Future completed with callback(self) once this one completes."""
        fut = Future()

        def run(f):
            try:
                r = callback(f)
            except Exception as e:
                # NOTE: as torch, the new future fails with a RuntimeError naming the error
                fut.set_exception(RuntimeError(f"Got the following error when running the "
                                               f"callback: {type(e).__name__}: {e}"))
            else:
                fut.set_result(r)
        self.add_done_callback(run)
        return fut

    def add_done_callback(self, callback):
        """Run callback(self) when the future completes (now if it already has)."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)


def fork(func, *args, **kwargs):
    """Run func(*args, **kwargs) as a task: a Future of its result (run at once, as in eager)."""
    _deprecated("fork")
    # NOTE: torch.jit.fork outside TorchScript runs func synchronously too (an exception
    # propagates at once); under jtorch compilation it is traced inline into the program.
    fut = Future()
    fut.set_result(func(*args, **kwargs))
    return fut


def wait(future):
    """The result of a Future from fork (blocks until it completes)."""
    _deprecated("wait")
    if not _isinst(future, Future):
        raise TypeError(f"wait(): incompatible function arguments. The following argument types "
                        f"are supported:\n    1. (arg0: torch._C.Future) -> object\n\n"
                        f"Invoked with: {future!r}")
    return future.wait()


# ---- freezing --------------------------------------------------------------------------------

def _frozen(mod, preserved_attrs):
    """A ScriptModule over a snapshot of mod with its state inlined (hidden from state_dict)."""
    inner = mod._jt_mod
    keep = {}
    for name in preserved_attrs:
        if not hasattr(inner, name):
            raise RuntimeError(f"Unknown name: {name}")
        keep[name] = getattr(inner, name)
    # NOTE: torch inlines the weights as constants: later writes to the original module do not
    # reach the frozen one, and its outputs do not require grad. Preserved attributes stay the
    # module's own (shared), as in torch.
    memo = {id(v): v for v in keep.values()}
    snap = copy.deepcopy(inner, memo)
    kept = {id(p) for v in keep.values() if _isinst(v, Module) for p in v.parameters()}
    kept |= {id(v) for v in keep.values()}
    for p in snap.parameters():
        if id(p) not in kept:
            p.requires_grad_(False)
    out = ScriptModule(snap)
    d = out.__dict__
    for k in ("_parameters", "_buffers", "_modules"):
        d[k] = {}
    d["_non_persistent_buffers_set"] = set()
    d["_jt_frozen"] = True
    for name, v in keep.items():
        d[name] = getattr(snap, name) if inspect.ismethod(v) else v
    return out


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """A frozen copy of an eval-mode ScriptModule: weights inlined as constants."""
    _deprecated("freeze")
    if not _isinst(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use "
                           "torch.jit.script or torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. "
                           "Please call .eval() on your module before freezing.")
    # NOTE: optimize_numerics (conv-bn folding etc.) is left to XLA, which fuses the program.
    return _frozen(mod, list(preserved_attrs or ()))


def optimize_for_inference(mod, other_methods=None):
    """mod set to eval mode and frozen (XLA performs the inference optimizations)."""
    warnings.warn("`torch.jit.optimize_for_inference` is deprecated. Please use `torch.compile` "
                  "instead.", DeprecationWarning, stacklevel=2)
    if not _isinst(mod, ScriptModule):
        raise RuntimeError("optimize_for_inference expects a ScriptModule as input. Please use "
                           "torch.jit.script or torch.jit.trace to script your 'nn.Module'.")
    if not mod.__dict__.get("_jt_frozen"):
        mod = _frozen(mod.eval(), list(other_methods or ()))
    return mod


# ---- tracing ---------------------------------------------------------------------------------

def _as_tuple(example_inputs):
    if _isinst(example_inputs, tuple):
        return example_inputs
    from .._tensor import Tensor
    if _isinst(example_inputs, (Tensor, dict)):
        return (example_inputs,)
    return tuple(example_inputs)


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None,
                 check_tolerance=1e-05, strict=True, _force_outplace=False, _module_class=None,
                 _compilation_unit=None, example_inputs_is_kwarg=False, _store_inputs=True):
    """Trace several methods of mod: inputs maps method name -> example inputs."""
    if not _isinst(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not _isinst(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    if example_inputs_is_kwarg:
        raise NotImplementedError("jtorch.jit.trace_module: example_inputs_is_kwarg=True is not "
                                  "supported (traced programs take positional inputs)")
    sm = ScriptModule(mod, _as_tuple(inputs["forward"]) if "forward" in inputs else None)
    for name, ex in inputs.items():
        ex = _as_tuple(ex)
        if name == "forward":
            sm(*ex)  # NOTE: as torch.jit.trace, run once on the example inputs
            continue
        fn = ScriptFunction(getattr(mod, name))
        fn(*ex)
        sm.__dict__[name] = fn
    return sm


def script_if_tracing(fn):
    """fn, compiled only when called while tracing (jtorch traces Python, so: fn itself)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # NOTE: under jtorch tracing fn's Python runs inside the same XLA trace, which is what
        # scripting it would give (control flow on tensor values still needs eager mode).
        return fn(*args, **kwargs)
    wrapper.__original_fn = fn  # type: ignore[attr-defined]
    wrapper.__script_if_tracing_wrapper = True  # type: ignore[attr-defined]
    return wrapper


def interface(obj):
    """Mark a class as a TorchScript interface type (checked as torch; no compilation)."""
    _deprecated("interface")
    if not inspect.isclass(obj):
        raise RuntimeError("interface must be applied to a class")
    is_module_interface = issubclass(obj, Module) and len(obj.mro()) == 3
    if not is_module_interface and len(obj.mro()) > 2:
        raise RuntimeError("TorchScript interface does not support inheritance yet. Please "
                           "directly inherit from 'object' or 'nn.Module'.")
    return obj


def export_opnames(m):
    """Not supported: jtorch programs are StableHLO, not TorchScript aten operators."""
    raise NotImplementedError("jtorch.jit.export_opnames: a jtorch ScriptModule is a StableHLO "
                              "program with no TorchScript aten operator list; read "
                              "`module.code` for the operations it uses")


# ---- isinstance ------------------------------------------------------------------------------

_RAW_NAMES = {dict: "dict", list: "list", tuple: "tuple", typing.Dict: "Dict",
              typing.List: "List", typing.Optional: "Optional", typing.Tuple: "Tuple"}


def _check_args_exist(target_type):
    name = _RAW_NAMES.get(target_type) if _hashable(target_type) else None
    if name is None:
        return
    if name.endswith("ict"):
        raise RuntimeError(f"Attempted to use {name} without contained types. Please add "
                           f"contained type, e.g. {name}[int, int]")
    raise RuntimeError(f"Attempted to use {name} without a contained type. Please add a "
                       f"contained type, e.g. {name}[int]")


def _hashable(x):
    try:
        hash(x)
    except TypeError:
        return False
    return True


def _check_empty(obj):
    if obj == [] or obj == {} or obj == ():
        warnings.warn("The inner type of a container is lost when calling torch.jit.isinstance "
                      "in eager mode. For example, List[int] would become list and therefore "
                      "falsely return True for List[float] or List[str].", stacklevel=3)


def _elem_ok(el, el_type):
    return _container(el, el_type) if get_origin(el_type) else _isinst(el, el_type)


def _container(obj, target_type):
    """torch's container_checker: List/Dict/Tuple/Optional/Union checked element-wise."""
    origin = get_origin(target_type)
    _check_args_exist(target_type)
    if origin is None:
        return False
    if origin is list:
        _check_empty(obj)
        return _isinst(obj, list) and all(_elem_ok(el, get_args(target_type)[0]) for el in obj)
    if origin is dict:
        _check_empty(obj)
        if not _isinst(obj, dict):
            return False
        kt, vt = get_args(target_type)
        return all(_isinst(k, kt) and _elem_ok(v, vt) for k, v in obj.items())
    if origin is tuple:
        _check_empty(obj)
        args = get_args(target_type)
        return (_isinst(obj, tuple) and len(obj) == len(args)
                and all(_elem_ok(el, t) for el, t in zip(obj, args)))
    import types
    if origin is Union or origin is types.UnionType:
        if obj is None:
            return True
        for t in get_args(target_type):
            if get_origin(t):
                return _container(obj, t)  # NOTE: torch returns at the first container type
            if _isinst(obj, t):
                return True
    return False


def isinstance(obj, target_type):
    """Python isinstance that also checks container element types (List[int], Dict[str, T])."""
    if _isinst(target_type, collections.abc.Container):
        if not _isinst(target_type, tuple):
            raise RuntimeError("The second argument to `torch.jit.isinstance` must be a type or "
                               "a tuple of types")
        return any(isinstance(obj, t) for t in target_type)
    if get_origin(target_type):
        return _container(obj, target_type)
    _check_args_exist(target_type)
    return _isinst(obj, target_type)


# NOTE: outside TorchScript torch.jit.Attribute is this namedtuple (value, type).
Attribute = collections.namedtuple("Attribute", ["value", "type"])
Attribute.__doc__ = "torch.jit.Attribute(value, type): a typed attribute for TorchScript."


# ---- fuser settings --------------------------------------------------------------------------

# NOTE: stored and returned as torch does; XLA chooses its own fusions, so they change nothing.
_settings = {"onednn": False, "strategy": [("STATIC", 2), ("DYNAMIC", 10)]}


def enable_onednn_fusion(enabled):
    """Store the oneDNN-fusion flag (no effect on jtorch's XLA programs)."""
    _settings["onednn"] = bool(enabled)


def onednn_fusion_enabled():
    """The stored oneDNN-fusion flag."""
    return _settings["onednn"]


def set_fusion_strategy(strategy):
    """Store the fusion strategy; returns the previous one (no effect on XLA's fusion)."""
    _deprecated("set_fusion_strategy")
    new = []
    for kind, depth in strategy:
        if kind not in ("STATIC", "DYNAMIC"):
            raise ValueError(f"FusionBehavior only supported 'STATIC' or 'DYNAMIC', got: {kind}")
        new.append((kind, int(depth)))
    old, _settings["strategy"] = _settings["strategy"], new
    return old


class strict_fusion:
    """Context manager that errors on unfused nodes in TorchScript; a no-op (with torch's
    warning) outside scripting, which is always the case in jtorch."""

    def __init__(self):
        warnings.warn("Only works in script mode", stacklevel=2)

    def __enter__(self):
        pass

    def __exit__(self, type, value, tb):
        pass
