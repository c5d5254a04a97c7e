"""torch.compile on JAX: a function's eager jtorch code traced once into one XLA program."""
from .compiled import (  # noqa: F401
    CompiledFunction, DataDependentControlFlowError, counters, is_compiling, reset,
)
from .control import cond  # noqa: F401
from ._while_loop import while_loop  # noqa: F401

__all__ = ["compile", "cond", "while_loop", "CompiledFunction", "DataDependentControlFlowError"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """torch.compile: a function or Module whose calls run as compiled XLA programs."""
    if model is None:  # NOTE: used as a decorator with arguments
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise RuntimeError("compile() expects a callable (a function or an nn.Module)")
    from ..nn.modules.module import Module
    if isinstance(model, Module):
        from .optimized import OptimizedModule
        return OptimizedModule(model, CompiledFunction(model.__call__, fullgraph, dynamic,
                                                        backend, mode, options, disable))
    return CompiledFunction(model, fullgraph, dynamic, backend, mode, options, disable)
