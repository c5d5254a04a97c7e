"""ScriptModule and friends: jtorch.compile underneath, jax.export StableHLO when saved."""
import typing

from .._compile.compiled import CompiledFunction, is_compiling
from .._compile import export as X
from ..nn.modules.module import Module

__all__ = ["ScriptModule", "ScriptFunction", "RecursiveScriptModule", "script", "trace", "save",
           "load", "ignore", "unused", "export", "is_scripting", "is_tracing", "annotate",
           "Final"]

Final = typing.Final


class ScriptModule(Module):
    """A scripted/traced module: calls run its compiled XLA program; `save` writes StableHLO.

    It shares the original module's parameters, buffers and submodules (same state_dict keys).
    """

    def __init__(self, mod, example_inputs=None):
        super().__init__()
        d = self.__dict__
        for k in ("_parameters", "_buffers", "_modules", "_non_persistent_buffers_set"):
            d[k] = mod.__dict__[k]  # NOTE: shared, so state_dict/parameters are the module's
        d["training"] = mod.training
        d["original_name"] = type(mod).__name__
        d["_jt_mod"] = mod
        d["_jt_compiled"] = CompiledFunction(mod.__call__)
        d["_jt_example"] = tuple(example_inputs) if example_inputs is not None else None

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise RuntimeError("a ScriptModule takes positional Tensor inputs only")
        if self.__dict__["_jt_example"] is None or not is_compiling():
            self.__dict__["_jt_example"] = args
        return self.__dict__["_jt_compiled"](*args)

    forward = __call__

    def train(self, mode=True):
        """Set training mode (on the scripted module too)."""
        self._jt_mod.train(mode)
        self.__dict__["training"] = mode
        return self

    def _program(self):
        ex = self.__dict__["_jt_example"]
        if ex is None:
            raise RuntimeError("this ScriptModule has not been called yet: jtorch needs one call "
                               "(or torch.jit.trace's example inputs) to know the input shapes "
                               "before it can show or save the program")
        return X.Program(*X.export_program(self._jt_mod.__call__, ex))

    @property
    def code(self):
        """The StableHLO text of the program (batch dimension symbolic)."""
        return self._program().code

    graph = code

    def save(self, f, _extra_files=None):
        """Write the program and weights (loadable by torch.jit.load without this class)."""
        if _extra_files:
            raise NotImplementedError("jtorch.jit.save: _extra_files is not supported")
        X.save_program(self._program(), f)

    def extra_repr(self):
        return f"original_name={self.original_name}"

    def __repr__(self):
        return f"RecursiveScriptModule(original_name={self.original_name})"


class RecursiveScriptModule:
    """A module loaded by torch.jit.load: the saved StableHLO program and its weights."""

    def __init__(self, program):
        self._program = program
        self.training = False

    def __call__(self, *inputs):
        return self._program(*inputs)

    forward = __call__

    def state_dict(self):
        """The weights by torch's state_dict names."""
        return self._program.state_dict()

    def parameters(self):
        """The weights (constants of the program: they do not require grad)."""
        return iter(self._program.state_dict().values())

    @property
    def code(self):
        """The StableHLO text of the program."""
        return self._program.code

    graph = code

    def eval(self):
        """No-op: a saved program is fixed in the mode it was saved in."""
        return self

    def train(self, mode=True):
        """A loaded program cannot switch modes: it was saved in one."""
        if mode:
            raise RuntimeError("jtorch.jit.load: a loaded program runs in the mode it was saved "
                               "in; call .eval() on the module before torch.jit.save for "
                               "inference")
        return self

    def to(self, device):
        """Move the weights to a device."""
        self._program.to(device)
        return self

    def save(self, f):
        """Write the program again."""
        X.save_program(self._program, f)

    def __repr__(self):
        return "RecursiveScriptModule(original_name=Module)"


class ScriptFunction(CompiledFunction):
    """A scripted function: compiled calls; `code`/`save` after a first call."""

    def __call__(self, *args, **kwargs):
        if not is_compiling():
            self._example = args
        return super().__call__(*args, **kwargs)

    def _program(self):
        ex = getattr(self, "_example", None)
        if ex is None:
            raise RuntimeError("call the scripted function once before reading .code or saving")
        return X.Program(*X.export_program(self.fn, ex))

    @property
    def code(self):
        """The StableHLO text of the program."""
        return self._program().code

    graph = code

    def save(self, f):
        """Write the program (loadable by torch.jit.load)."""
        X.save_program(self._program(), f)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: the module or function as a compiled ScriptModule / ScriptFunction."""
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        ex = None
        if example_inputs:
            ex = example_inputs[0] if isinstance(example_inputs[0], (tuple, list)) else None
        return ScriptModule(obj, ex)
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"torch.jit.script: cannot script an object of type {type(obj).__name__}")


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """torch.jit.trace: run func on example_inputs once and return its compiled form."""
    from .._tensor import Tensor
    if example_inputs is None:
        raise RuntimeError("torch.jit.trace: example_inputs are required")
    ex = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs)
    if isinstance(func, Module):
        m = ScriptModule(func, ex)
    elif callable(func):
        m = ScriptFunction(func)
    else:
        raise RuntimeError(f"torch.jit.trace: cannot trace {type(func).__name__}")
    m(*ex)  # NOTE: torch.jit.trace runs the function on the example inputs
    return m


def save(m, f, _extra_files=None):
    """torch.jit.save: write a ScriptModule/ScriptFunction's program and weights."""
    if not hasattr(m, "save") or not isinstance(m, (ScriptModule, ScriptFunction,
                                                    RecursiveScriptModule)):
        raise TypeError(f"torch.jit.save: expected a ScriptModule, got {type(m).__name__}")
    if _extra_files:
        raise NotImplementedError("jtorch.jit.save: _extra_files is not supported")
    m.save(f)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """torch.jit.load: a program saved by torch.jit.save, runnable without its Python class."""
    import os
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        if not os.path.exists(os.fspath(f)):
            raise ValueError(f"The provided filename {os.fspath(f)} does not exist")
    m = RecursiveScriptModule(X.load_program(f))
    if map_location is not None:
        m.to(map_location)
    return m


def ignore(drop=False, **kwargs):
    """Marker for TorchScript's compiler; jtorch runs Python, so the function is unchanged."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """Marker for TorchScript's compiler; the function is unchanged."""
    return fn


def export(fn):
    """Marker for TorchScript's compiler; the function is unchanged."""
    return fn


def is_scripting():
    """False: jtorch never runs code under the TorchScript compiler."""
    return False


def is_tracing():
    """True while jtorch is tracing (jit.trace/script/compile)."""
    return is_compiling()


def annotate(the_type, the_value):
    """TorchScript type annotation: returns the value."""
    return the_value
